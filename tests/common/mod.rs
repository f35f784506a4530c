//! Helpers shared by the integration tests: running the binary and reading its results.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `optzoo` binary with `args` in `cwd`.
pub fn optzoo(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optzoo"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the optzoo binary starts")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("temp dir is writable");
    p
}

/// Every run file of a results directory, as JSON with `timing` removed, keyed by file name.
pub fn runs_without_timing(dir: &Path) -> Vec<(String, serde_json::Value)> {
    let mut out: Vec<(String, serde_json::Value)> = std::fs::read_dir(dir.join("runs"))
        .expect("runs/ exists")
        .map(|e| e.expect("readable entry").path())
        .map(|p| {
            let mut v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&p).expect("readable")).expect("valid JSON");
            v.as_object_mut().expect("an object").remove("timing");
            (
                p.file_name()
                    .expect("a name")
                    .to_string_lossy()
                    .into_owned(),
                v,
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Asserts that two results directories hold the same runs outside `timing`, naming the first difference.
pub fn assert_same_runs(a: &Path, b: &Path) {
    let (ra, rb) = (runs_without_timing(a), runs_without_timing(b));
    let names =
        |r: &[(String, serde_json::Value)]| r.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&ra),
        names(&rb),
        "{} and {} hold different run files",
        a.display(),
        b.display()
    );
    for ((name, va), (_, vb)) in ra.iter().zip(&rb) {
        if va != vb {
            let key = va
                .as_object()
                .and_then(|o| {
                    o.iter()
                        .find(|(k, v)| vb.get(k.as_str()) != Some(*v))
                        .map(|(k, _)| k.clone())
                })
                .unwrap_or_default();
            panic!(
                "{name}: `{key}` differs between {} and {}",
                a.display(),
                b.display()
            );
        }
    }
}

/// The lines of a CSV file without their last column (the wall time, the one column that differs between
/// reruns).
pub fn csv_without_last_column(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| {
            l.rsplit_once(',')
                .map(|(a, _)| a.to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// Every run record of a results directory as JSON, sorted by run id.
pub fn records(dir: &Path) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = std::fs::read_dir(dir.join("runs"))
        .expect("runs/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| serde_json::from_slice(&std::fs::read(p).expect("readable")).expect("valid JSON"))
        .collect();
    out.sort_by_key(|r| r["run_id"].as_str().unwrap_or_default().to_string());
    out
}

/// The theory slope of iterations against kappa that the built-in optimizer `name` states for `params`.
pub fn theory_slope(name: &str, params: &serde_json::Value) -> Option<optzoo::theory::KappaSlope> {
    optzoo::Registry::builtin()
        .resolve_optimizer(name, params)
        .ok()
        .and_then(|c| c.optimizer.kappa_slope())
}

/// What a command did (exit code, stdout, stderr), for assertion messages.
pub fn shown(out: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs `optzoo args` in `cwd` and asserts that it exits 2 with an error naming `named` and saying `says`.
pub fn assert_refused(cwd: &Path, args: &[&str], named: &Path, says: &str) {
    let out = optzoo(cwd, args);
    let seen = shown(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {seen}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&named.display().to_string()) && stderr.contains(says),
        "{args:?} names {} and says {says:?}: {seen}",
        named.display()
    );
}

/// Runs `optzoo args` in `cwd`, asserts that it succeeds (showing what it printed) and returns its stdout.
pub fn run_ok(cwd: &Path, args: &[&str]) -> String {
    let out = optzoo(cwd, args);
    assert!(out.status.success(), "optzoo {args:?}: {}", shown(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The project's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Python that imports `modules`, or `None` (the test is skipped) where that is allowed.
pub fn python_with(modules: &str) -> Option<String> {
    let found = python_importing(None, modules);
    if found.is_some() {
        return found;
    }
    assert!(
        std::env::var_os("OPTZOO_REQUIRE_PYTHON").is_none(),
        "no Python with {modules} (set OPTZOO_PYTHON or run scripts/setup-python.sh)"
    );
    None
}

/// The Python named by the variable `own` (when set), else by `OPTZOO_PYTHON`, else the venv's, if it imports
/// `modules`; else `None`, with a note that the test is skipped. For packages CI does not install, so
/// `OPTZOO_REQUIRE_PYTHON` does not apply.
pub fn python_importing(own: Option<&str>, modules: &str) -> Option<String> {
    let candidate = own
        .and_then(|v| std::env::var(v).ok())
        .or_else(|| std::env::var("OPTZOO_PYTHON").ok())
        .or_else(|| {
            let venv = root().join(".venv/bin/python");
            venv.exists().then(|| venv.to_string_lossy().into_owned())
        });
    let ok = candidate.as_ref().is_some_and(|p| {
        Command::new(p)
            .args(["-c", &format!("import {modules}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok {
        eprintln!("skipped: no Python with {modules}; tried {candidate:?}");
    }
    ok.then_some(candidate).flatten()
}

/// The run id of a spec written out as canonical JSON text, computed here independently of optzoo:
/// `<family>-<optimizer>-<16 hex digits of its SHA-256>`.
pub fn id_of(family: &str, optimizer: &str, spec: &str) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(spec.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{family}-{optimizer}-{hex}")
}
