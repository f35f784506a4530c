//! Mutated configs never panic the parser or the planner: every outcome is a plan or an error that names its
//! file, line and column.
//!
//! The seeds are the embedded configs, the embedded suites (with an optimizer added), and the configs under
//! `examples/`, `benches/configs/` and `clients/python/examples/`. A mutation edits the parsed TOML (drops,
//! renames or retypes a key, puts a value in a list or a table, lifts a value out of its table, swaps a value
//! for an extreme one) or the text (truncates it, cuts a line out, inserts a character), a few times over.

use std::path::{Path, PathBuf};

use optzoo::config::{ConfigError, SourceText};
use optzoo::plan::plan;
use proptest::prelude::*;

/// (display name, text, directory of relative suites)
fn seeds() -> Vec<(String, String, Option<PathBuf>)> {
    let mut out: Vec<(String, String, Option<PathBuf>)> = optzoo::embedded::CONFIGS
        .iter()
        .map(|(n, t)| (format!("configs/{n}.toml"), t.to_string(), None))
        .collect();
    for (n, t) in optzoo::embedded::SUITES {
        out.push((
            format!("problems/{n}.toml"),
            format!("{t}\n[[optimizer]]\nname = \"gd\"\nstep = \"armijo\"\n"),
            None,
        ));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["examples", "benches/configs", "clients/python/examples"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else {
                continue;
            };
            for p in entries.filter_map(|e| e.ok().map(|e| e.path())) {
                if p.is_dir() && !p.ends_with("target") {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "toml")
                    && !p.ends_with("Cargo.toml")
                    && let Ok(text) = std::fs::read_to_string(&p)
                {
                    let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                    out.push((name, text, p.parent().map(Path::to_path_buf)));
                }
            }
        }
    }
    out.sort();
    out
}

/// Values that stress a key: wrong types, extremes, empty and nested forms.
fn replacement(pick: u32) -> toml::Value {
    use toml::Value as V;
    match pick % 16 {
        0 => V::Integer(0),
        1 => V::Integer(-1),
        2 => V::Integer(i64::MAX),
        3 => V::Float(f64::NAN),
        4 => V::Float(f64::INFINITY),
        5 => V::Float(1e300),
        6 => V::Float(-0.5),
        7 => V::String(String::new()),
        8 => V::String("armijo".into()),
        9 => V::String("../../nowhere.toml".into()),
        10 => V::Boolean(true),
        11 => V::Array(Vec::new()),
        12 => V::Array(vec![V::Integer(1), V::String("x".into())]),
        13 => V::Table(toml::Table::new()),
        14 => V::Integer(1_000_000_000),
        _ => V::Float(1e-300),
    }
}

/// One edit of the value tree, steered by `a` (which node) and `b` (what to do there).
fn mutate_value(v: &mut toml::Value, a: u32, b: u32, depth: u32) {
    match v {
        toml::Value::Table(t) if !t.is_empty() => {
            let keys: Vec<String> = t.keys().cloned().collect();
            let key = keys[a as usize % keys.len()].clone();
            let descend = depth < 4 && !(a / 7).is_multiple_of(3);
            if descend && let Some(child) = t.get_mut(&key) {
                return mutate_value(child, a / 3 + 1, b, depth + 1);
            }
            match b % 6 {
                0 => {
                    t.remove(&key);
                }
                1 => {
                    if let Some(x) = t.remove(&key) {
                        let typo = format!("{}{}", key, ["x", "_", "s"][b as usize / 6 % 3]);
                        t.insert(typo, x);
                    }
                }
                2 => {
                    t.insert(key, replacement(b / 6));
                }
                3 => {
                    if let Some(x) = t.remove(&key) {
                        t.insert(key, toml::Value::Array(vec![x.clone(), x]));
                    }
                }
                4 => {
                    if let Some(x) = t.remove(&key) {
                        let mut inner = toml::Table::new();
                        inner.insert(key.clone(), x);
                        t.insert(key, toml::Value::Table(inner));
                    }
                }
                _ => {
                    let name = [
                        "seeds",
                        "suites",
                        "problem",
                        "optimizer",
                        "stop",
                        "tune",
                        "dim",
                        "trials",
                    ][b as usize / 6 % 8];
                    t.insert(name.to_string(), replacement(b / 48));
                }
            }
        }
        toml::Value::Array(items) if !items.is_empty() => {
            let i = a as usize % items.len();
            match b % 4 {
                0 => {
                    items.remove(i);
                }
                1 => items.push(items[i].clone()),
                _ => mutate_value(&mut items[i], a / 5 + 1, b / 4, depth + 1),
            }
        }
        other => *other = replacement(b),
    }
}

/// One edit of the text: truncation, a line cut out, or a character inserted.
fn mutate_text(text: &str, a: u32, b: u32) -> String {
    let at = |n: u32| {
        let mut i = n as usize % (text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    match b % 3 {
        0 => text[..at(a)].to_string(),
        1 => {
            let lines: Vec<&str> = text.lines().collect();
            let cut = a as usize % lines.len().max(1);
            lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != cut)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        _ => {
            let i = at(a);
            let c = ['[', ']', '"', '=', '\n', '#', ',', '{', '0', 'é'][b as usize / 3 % 10];
            format!("{}{c}{}", &text[..i], &text[i..])
        }
    }
}

fn check(name: &str, text: &str, dir: Option<PathBuf>) -> Result<(), TestCaseError> {
    let src = SourceText {
        name: name.to_string(),
        text: text.to_string(),
        dir,
    };
    match plan(&src, "mutated") {
        Ok(mut p) => {
            let total = p.total_runs();
            prop_assert!(total >= p.runs.len());
            let _ = optzoo::dry_run::render(
                &p,
                Path::new("no-such-dir"),
                &optzoo::dry_run::survey(&p, Path::new("no-such-dir")),
            );
            p.shard(1, 2);
        }
        Err(ConfigError::Invalid {
            file,
            line,
            column,
            message,
        }) => {
            prop_assert!(
                !file.is_empty() && line >= 1 && column >= 1,
                "{file}:{line}:{column}"
            );
            prop_assert!(
                !message.trim().is_empty(),
                "an error without a message at {file}"
            );
        }
        Err(e @ (ConfigError::Read { .. } | ConfigError::NotFound(_))) => {
            prop_assert!(
                e.to_string().contains(".toml"),
                "an error naming no file: {e}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_configs_plan_or_fail_with_a_location(
        which in any::<u32>(),
        edits in proptest::collection::vec((any::<u32>(), any::<u32>(), any::<bool>()), 1..4),
    ) {
        let seeds = seeds();
        let (name, text, dir) = &seeds[which as usize % seeds.len()];
        let mut text = text.clone();
        for (a, b, on_text) in edits {
            if on_text {
                text = mutate_text(&text, a, b);
            } else if let Ok(mut value) = text.parse::<toml::Table>().map(toml::Value::Table) {
                mutate_value(&mut value, a, b, 0);
                text = toml::to_string(&value).unwrap_or(text);
            }
        }
        check(name, &text, dir.clone())?;
    }
}

#[test]
fn every_seed_config_plans_or_names_its_location() {
    let seeds = seeds();
    assert!(seeds.len() >= 12, "seed configs found: {}", seeds.len());
    for (name, text, dir) in seeds {
        check(&name, &text, dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
