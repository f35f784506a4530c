//! The crate's modules depend on each other one way: no module reaches itself through others. A module is a
//! top-level file or folder of `src/` and, inside a folder, each of its files; a dependency is a `crate::` or
//! `super::` path in code outside comments and `#[cfg(test)]` modules (doc links do not count).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/report/plots.rs` -> `[report, plots]`, `src/tune/mod.rs` -> `[tune]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The node a module path belongs to: its first two segments inside a folder, else its first.
fn node(src: &Path, parts: &[String]) -> Option<String> {
    let first = parts.first()?;
    if src.join(first).is_dir() && parts.len() > 1 {
        Some(format!("{first}/{}", parts[1]))
    } else {
        Some(first.clone())
    }
}

/// The longest prefix of `parts` that names a module file or folder.
fn module_prefix(src: &Path, parts: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut path = src.to_path_buf();
    for p in parts {
        path.push(p);
        if path.is_dir() || path.with_extension("rs").is_file() {
            out.push(p.to_string());
        } else {
            break;
        }
    }
    out
}

/// The code of a file without comments and without its `#[cfg(test)]` modules.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut skip_depth: Option<i64> = None;
    let mut depth = 0i64;
    let mut pending_test = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            pending_test = true;
            continue;
        }
        let opens = line.matches('{').count() as i64;
        let closes = line.matches('}').count() as i64;
        if pending_test && skip_depth.is_none() {
            pending_test = false;
            if trimmed.contains("mod ") {
                skip_depth = Some(depth);
            }
        }
        depth += opens - closes;
        if let Some(d) = skip_depth {
            if depth <= d && (opens > 0 || closes > 0) {
                skip_depth = None;
            }
            continue;
        }
        out.push_str(line.split("//").next().unwrap_or(""));
        out.push('\n');
    }
    out
}

/// The paths after `prefix` in `code`: `crate::a::b::C` -> `[a, b, C]`.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    code.match_indices(prefix)
        .filter(|(i, _)| {
            !code[..*i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
        })
        .map(|(i, _)| {
            let rest = &code[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            rest[..end].split("::").filter(|s| !s.is_empty()).collect()
        })
        .collect()
}

/// The dependency graph between nodes.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(src, &file);
        let Some(from) = node(src, &module) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("a source file");
        let code = code(&text);
        let entry = edges.entry(from.clone()).or_default();
        let mut targets = Vec::new();
        for path in paths_after(&code, "crate::") {
            targets.push(module_prefix(src, &path));
        }
        let is_mod = file.file_name().is_some_and(|n| n == "mod.rs");
        let parent: Vec<&str> = if is_mod {
            module.iter().map(String::as_str).collect()
        } else {
            module[..module.len().saturating_sub(1)]
                .iter()
                .map(String::as_str)
                .collect()
        };
        let parent: Vec<&str> = if is_mod {
            parent[..parent.len().saturating_sub(1)].to_vec()
        } else {
            parent
        };
        for path in paths_after(&code, "super::") {
            let full: Vec<&str> = parent.iter().copied().chain(path).collect();
            targets.push(module_prefix(src, &full));
        }
        for t in targets {
            if let Some(to) = node(src, &t)
                && to != from
            {
                entry.insert(to);
            }
        }
    }
    edges
}

/// The strongly connected components with more than one node (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.out.push(component);
                }
            }
        }
    }
    let mut t = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out
}

#[test]
fn modules_depend_on_each_other_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    assert!(
        edges.len() > 30,
        "the graph was read: {} nodes",
        edges.len()
    );
    assert!(
        edges["runner"].contains("store") && edges["report/plots"].contains("report/figure"),
        "known dependencies are seen"
    );
    let found = cycles(&edges);
    let described: Vec<String> = found
        .iter()
        .map(|c| {
            let arrows: Vec<String> = c
                .iter()
                .map(|a| {
                    let to: Vec<&str> = edges[a]
                        .iter()
                        .filter(|b| c.contains(b))
                        .map(String::as_str)
                        .collect();
                    format!("{a} -> {}", to.join(", "))
                })
                .collect();
            arrows.join("; ")
        })
        .collect();
    assert!(found.is_empty(), "dependency cycles: {described:#?}");
}

#[test]
fn the_checker_sees_a_cycle() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into());
    edges.entry("b".into()).or_default().insert("c".into());
    edges.entry("c".into()).or_default().insert("a".into());
    edges.entry("d".into()).or_default().insert("a".into());
    assert_eq!(
        cycles(&edges),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
}

/// What reading results may not use: building problems, resolving or running optimizers, starting clients.
const BUILDERS: &[&str] = &[
    "registry",
    "problems",
    "optimizers",
    "optimizer",
    "runner",
    "run_loop",
    "observers",
    "external",
    "plan",
    "tune/run",
    "inspect",
    "conditioning/measure",
    "problem/stochastic",
];

/// Whether `node` is one of [`BUILDERS`] or inside one.
fn builds(node: &str) -> bool {
    // The problem trait itself (its critical points' kinds, in `problem/critical`, are data).
    node == "problem"
        || BUILDERS
            .iter()
            .any(|b| node == *b || node.starts_with(&format!("{b}/")))
}

#[test]
fn reading_results_builds_no_problem_and_runs_no_optimizer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    let readers = |n: &str| {
        n.starts_with("report") || n.starts_with("analysis") || n == "merge" || n == "summary"
    };
    let found: Vec<String> = edges
        .iter()
        .filter(|(from, _)| readers(from))
        .flat_map(|(from, to)| {
            to.iter()
                .filter(|t| builds(t))
                .map(move |t| format!("{from} -> {t}"))
        })
        .collect();
    assert!(
        edges.keys().filter(|n| readers(n)).count() > 20,
        "the readers were found"
    );
    assert!(
        found.is_empty(),
        "report, analysis, merge and summary read only the folder; these use what builds or runs: {found:#?}"
    );
}
