//! Mutated results folders never panic, hang or write where they should not: `report`, `compare` (against
//! the original, both ways) and `merge` (the folder alone, and with the original) each exit 0 or 1 with
//! output, or 2 with the damaged file or its folder named on stderr, within a time limit, writing nothing
//! outside the output folder they were given.
//!
//! One small real results folder is made once (a tiny sweep run with `--no-report`); each case copies it and
//! edits its records, `sweep.json`, `summary.csv`, `traces.csv` and `landscapes.json` a few times over: the
//! text (truncated, a byte flipped, junk inserted, a line cut out or doubled, a CSV cell replaced) or the
//! parsed JSON (a field deleted, a value replaced by a huge, negative, tiny or zero number, a `"NaN"` or
//! `"inf"` string, another type, or an array made empty or long).

use super::common;

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

/// How long one command may take on a folder this small.
const LIMIT: Duration = Duration::from_secs(30);

const SWEEP: &str = r#"
seeds = [0, 1]
[[problem]]
family = "rosenbrock"
dim = 2
[stop]
max_iters = 30
[[optimizer]]
name = "gd"
step = "armijo"
[[optimizer]]
name = "lbfgs"
"#;

/// Which file of the folder an edit applies to.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// The `i`-th run record (modulo their number).
    Record(usize),
    Sweep,
    Summary,
    Traces,
    Landscapes,
}

impl Target {
    fn of(pick: u32) -> Target {
        match pick % 6 {
            0 | 1 => Target::Record((pick / 6) as usize),
            2 => Target::Sweep,
            3 => Target::Summary,
            4 => Target::Traces,
            _ => Target::Landscapes,
        }
    }

    fn path(self, dir: &Path) -> PathBuf {
        match self {
            Target::Record(i) => {
                let mut runs: Vec<PathBuf> = std::fs::read_dir(dir.join("runs"))
                    .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
                    .unwrap_or_default();
                runs.sort();
                runs.get(i % runs.len().max(1))
                    .cloned()
                    .unwrap_or_else(|| dir.join("runs/none.json"))
            }
            Target::Sweep => dir.join("sweep.json"),
            Target::Summary => dir.join("summary.csv"),
            Target::Traces => dir.join("traces.csv"),
            Target::Landscapes => dir.join("landscapes.json"),
        }
    }
}

/// Values that stress a field: extremes, non-numbers spelled as strings, and other types.
fn replacement(pick: u32) -> Value {
    match pick % 16 {
        0 => json!(1e308),
        1 => json!(-1),
        2 => json!(-1e300),
        3 => json!("NaN"),
        4 => json!("inf"),
        5 => json!("-inf"),
        6 => Value::Null,
        7 => json!(true),
        8 => json!([]),
        9 => json!({}),
        10 => json!("text"),
        11 => json!(u64::MAX),
        12 => json!(0),
        13 => json!(4_000_000_000u64),
        14 => json!(i64::MIN),
        _ => json!(5e-324),
    }
}

/// One edit of a JSON tree: walks down steered by `a`, then deletes, replaces, retypes or resizes there.
fn mutate_json(v: &mut Value, a: u32, b: u32, depth: u32) {
    let descend = depth < 6 && !(a / 5).is_multiple_of(4);
    match v {
        Value::Object(m) if !m.is_empty() => {
            let keys: Vec<String> = m.keys().cloned().collect();
            let key = keys[a as usize % keys.len()].clone();
            if descend
                && let Some(child) = m.get_mut(&key)
                && (child.is_object() || child.is_array())
            {
                return mutate_json(child, a / 3 + 7, b, depth + 1);
            }
            match b % 4 {
                0 => {
                    m.remove(&key);
                }
                1 | 2 => {
                    m.insert(key, replacement(b / 4));
                }
                _ => {
                    if let Some(x) = m.remove(&key) {
                        m.insert(key, json!(x.to_string()));
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = a as usize % items.len();
            if descend && (items[i].is_object() || items[i].is_array()) {
                return mutate_json(&mut items[i], a / 3 + 7, b, depth + 1);
            }
            match b % 5 {
                0 => {
                    items.remove(i);
                }
                1 => items.clear(),
                2 => {
                    let x = items[i].clone();
                    items.extend(std::iter::repeat_n(x, 1000));
                }
                _ => items[i] = replacement(b / 5),
            }
        }
        other => *other = replacement(b),
    }
}

/// One edit of the text: truncation, a flipped byte, inserted junk, a line cut out or doubled, or (in CSV)
/// a cell replaced.
fn mutate_text(bytes: &mut Vec<u8>, a: u32, b: u32) {
    let at = |n: u32, len: usize| n as usize % (len + 1);
    match b % 6 {
        0 => bytes.truncate(at(a, bytes.len())),
        1 if !bytes.is_empty() => {
            let i = a as usize % bytes.len();
            bytes[i] ^= 1 << (b / 6 % 8);
        }
        2 => {
            let junk: &[u8] = [
                &b"\xff\xfe"[..],
                b"\0",
                b"\"",
                b"{",
                b"]",
                b",",
                b"\n",
                b"1e999",
            ][b as usize / 6 % 8];
            let i = at(a, bytes.len());
            bytes.splice(i..i, junk.iter().copied());
        }
        _ => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            if lines.is_empty() {
                return;
            }
            let i = a as usize % lines.len();
            match b % 6 {
                3 => {
                    lines.remove(i);
                }
                4 => lines.insert(i, lines[i].clone()),
                _ => {
                    let mut cells: Vec<String> = lines[i].split(',').map(str::to_string).collect();
                    let c = (a / 7) as usize % cells.len();
                    cells[c] = [
                        "NaN",
                        "-1",
                        "1e999",
                        "",
                        "\"",
                        "x",
                        "18446744073709551616",
                        "-inf",
                    ][b as usize / 6 % 8]
                        .to_string();
                    lines[i] = cells.join(",");
                }
            }
            *bytes = (lines.join("\n") + "\n").into_bytes();
        }
    }
}

/// Applies one edit to `target` in `dir`: to the parsed JSON where `on_json` and the file parses, to the
/// text otherwise. Returns the file edited.
fn mutate(dir: &Path, target: Target, a: u32, b: u32, on_json: bool) -> PathBuf {
    let path = target.path(dir);
    let mut bytes = std::fs::read(&path).unwrap_or_default();
    let parsed = (on_json && path.extension().is_some_and(|x| x == "json"))
        .then(|| serde_json::from_slice::<Value>(&bytes).ok())
        .flatten();
    match parsed {
        Some(mut v) => {
            mutate_json(&mut v, a, b, 0);
            bytes = serde_json::to_vec_pretty(&v).unwrap_or_default();
        }
        None => mutate_text(&mut bytes, a, b),
    }
    std::fs::write(&path, bytes).expect("the case directory is writable");
    path
}

/// Every file and directory under `root`, outside `allowed`, with a digest of its contents.
fn snapshot(root: &Path, allowed: Option<&Path>) -> BTreeMap<PathBuf, (u64, u64)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if allowed.is_some_and(|a| p.starts_with(a)) {
                continue;
            }
            if p.is_dir() {
                out.insert(p.clone(), (0, 0));
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).unwrap_or_default();
                let mut h = std::collections::hash_map::DefaultHasher::new();
                bytes.hash(&mut h);
                out.insert(p, (bytes.len() as u64, h.finish()));
            }
        }
    }
    out
}

/// What one command did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `optzoo args` in `cwd` with output to files under `logs`, killing it after [`LIMIT`].
fn run_limited(cwd: &Path, logs: &Path, args: &[&str]) -> Result<Ran, String> {
    let (out_path, err_path) = (logs.join("stdout"), logs.join("stderr"));
    let file = |p: &Path| std::fs::File::create(p).expect("the log directory is writable");
    let mut child = Command::new(env!("CARGO_BIN_EXE_optzoo"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(file(&out_path))
        .stderr(file(&err_path))
        .spawn()
        .expect("the optzoo binary starts");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting on the child") {
            break s;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{args:?} still running after {LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Ok(Ran {
        code: status.code(),
        stdout: read(&out_path),
        stderr: read(&err_path),
    })
}

/// Runs one command on the case in `root` and checks its exit, its output and what it wrote.
fn check(
    root: &Path,
    logs: &Path,
    args: &[&str],
    output: Option<&str>,
    named: &[String],
) -> Result<(), String> {
    let allowed = output.map(|o| root.join(o));
    let before = snapshot(root, allowed.as_deref());
    let ran = run_limited(root, logs, args)?;
    let shown = format!(
        "{args:?}: exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        ran.code,
        ran.stdout.chars().take(2000).collect::<String>(),
        ran.stderr
    );
    let after = snapshot(root, allowed.as_deref());
    if before != after {
        let changed: Vec<String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        return Err(format!("wrote outside {output:?}: {changed:?}\n{shown}"));
    }
    match ran.code {
        Some(0 | 1) if !(ran.stdout.trim().is_empty() && ran.stderr.trim().is_empty()) => Ok(()),
        Some(2) if named.iter().any(|n| ran.stderr.contains(n.as_str())) => Ok(()),
        Some(2) => Err(format!("exit 2 naming none of {named:?}\n{shown}")),
        _ => Err(format!("not an answer\n{shown}")),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("the case directory is writable");
    for e in std::fs::read_dir(from).expect("the seed folder is readable") {
        let p = e.expect("an entry").path();
        let dest = to.join(p.file_name().expect("a name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copied");
        }
    }
}

/// One case: copy the seed folder, apply `edits`, give the result to every reader.
fn case(seed: &Path, edits: &[(u32, u32, u32, bool)]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    copy_dir(seed, &root.join("orig"));
    copy_dir(seed, &root.join("mut"));
    // A refusal names a damaged file, or the folder as a whole (`mut: none of its run files is listed`).
    let mut named: Vec<String> = vec!["mut:".into(), "mut ".into()];
    let mut edited = Vec::new();
    for &(target, a, b, on_json) in edits {
        let path = mutate(&root.join("mut"), Target::of(target), a, b, on_json);
        if let Some(name) = path.file_name() {
            named.push(name.to_string_lossy().into_owned());
        }
        edited.push(format!(
            "{} ({})",
            path.strip_prefix(root).unwrap_or(&path).display(),
            if on_json { "json" } else { "text" }
        ));
    }
    let commands: [(&[&str], Option<&str>); 5] = [
        (
            &["report", "mut", "--out", "rep", "--formats", "svg"],
            Some("rep"),
        ),
        (&["compare", "orig", "mut"], None),
        (&["compare", "mut", "orig", "--format", "json"], None),
        (&["merge", "one", "mut"], Some("one")),
        (&["merge", "both", "orig", "mut"], Some("both")),
    ];
    for (args, output) in commands {
        if let Err(e) = check(root, logs.path(), args, output, &named) {
            return Err(TestCaseError::fail(format!(
                "edits {edits:?} to {edited:?}: {e}"
            )));
        }
    }
    Ok(())
}

#[test]
fn mutated_results_folders_get_an_answer_or_a_named_refusal() {
    let seed_dir = tempfile::tempdir().expect("temp dir");
    let d = seed_dir.path();
    common::write(d, "tiny.toml", SWEEP);
    let o = common::optzoo(d, &["run", "tiny.toml", "--out", "seed", "--no-report"]);
    assert!(o.status.success(), "{}", common::shown(&o));
    let seed = d.join("seed");
    assert!(
        seed.join("landscapes.json").is_file() && seed.join("sweep.json").is_file(),
        "the seed folder has every file a reader reads"
    );

    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 16,
        ..Config::default()
    });
    let edits = proptest::collection::vec(
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>()),
        1..4,
    );
    let result = runner.run(&edits, |edits| case(&seed, &edits));
    if let Err(e) = result {
        panic!("{e}");
    }
}
