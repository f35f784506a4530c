//! A results folder is data: `report`, `compare`, `merge` and a resumed `run` check every record they read
//! (its `run_id` is the id of its spec and names its file; its format is one this binary reads) and every
//! manifest, refuse a bad folder with exit 2 naming the file, and write a run only at the id of its spec.

use super::common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{assert_refused, optzoo, shown, write};

const CONFIG: &str = r#"
name = "checked"
seeds = [0]
[[problem]]
family = "quadratic"
dim = 5
kappa = 10
[stop]
grad_rtol = 1e-6
max_iters = 1000
[[optimizer]]
name = "gd"
step = "2/(L+mu)"
[[optimizer]]
name = "lbfgs"
"#;

/// Runs the config (written into `cwd` once) into `cwd/out`, with `extra` arguments, and asserts success.
fn sweep(cwd: &Path, out: &str, extra: &[&str]) -> Output {
    if !cwd.join("c.toml").exists() {
        write(cwd, "c.toml", CONFIG);
    }
    let mut args = vec!["run", "c.toml", "--out", out, "--no-report", "--jobs", "1"];
    args.extend_from_slice(extra);
    let o = optzoo(cwd, &args);
    assert_eq!(o.status.code(), Some(0), "run into {out}: {}", shown(&o));
    o
}

/// The run files of a results directory, sorted.
fn run_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("runs"))
        .unwrap_or_else(|e| panic!("{}/runs: {e}", dir.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rewrites the JSON file at `path` with `change` applied.
fn edit(path: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let mut v = read_json(path);
    change(&mut v);
    let text = serde_json::to_string_pretty(&v).expect("JSON serialises");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("readable entry").path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn merge_refuses_a_record_whose_run_id_is_a_path_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = dir.path();
    sweep(cwd, "shard1", &["--shard", "1/2"]);
    sweep(cwd, "shard2", &["--shard", "2/2"]);
    let file = run_files(&cwd.join("shard1"))[0].clone();
    edit(&file, |r| r["run_id"] = "../../../elsewhere/x".into());
    std::fs::create_dir_all(cwd.join("deep").join("er")).expect("writable");
    let before = files_under(cwd);

    // `deep/er/out/runs/../../../elsewhere/x.json` is `deep/elsewhere/x.json`.
    let out = optzoo(cwd, &["merge", "deep/er/out", "shard1", "shard2"]);
    let seen = shown(&out);
    assert_eq!(out.status.code(), Some(2), "{seen}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let named = Path::new("shard1").join("runs").join(file_name(&file));
    assert!(
        stderr.contains(&named.display().to_string())
            && stderr.contains(r#"run_id "../../../elsewhere/x" is not the id of its spec"#),
        "the error names {} and what is wrong: {seen}",
        named.display()
    );
    assert_eq!(
        stderr.matches("is not the id of its spec").count(),
        1,
        "printed once: {seen}"
    );
    let after = files_under(cwd);
    let written: Vec<&PathBuf> = after.iter().filter(|p| !before.contains(p)).collect();
    assert!(written.is_empty(), "merge wrote {written:?}: {seen}");
}

#[test]
fn merge_refuses_a_manifest_listing_something_that_is_not_a_run_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = dir.path();
    sweep(cwd, "shard1", &["--shard", "1/2"]);
    sweep(cwd, "shard2", &["--shard", "2/2"]);
    edit(&cwd.join("shard2").join("sweep.json"), |m| {
        m["run_ids"]
            .as_array_mut()
            .expect("run_ids is a list")
            .push("../../elsewhere/x".into());
    });
    let out = optzoo(cwd, &["merge", "out", "shard1", "shard2"]);
    let seen = shown(&out);
    assert_eq!(out.status.code(), Some(2), "{seen}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let named = Path::new("shard2").join("sweep.json");
    assert!(
        stderr.contains(&named.display().to_string())
            && stderr.contains(r#""../../elsewhere/x" is not a run id"#),
        "the error names {} and the entry: {seen}",
        named.display()
    );
    assert!(
        !cwd.join("out").exists(),
        "nothing is written on refusal: {seen}"
    );
}

#[test]
fn compare_refuses_a_record_whose_spec_is_not_its_id() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = dir.path();
    sweep(cwd, "base", &[]);
    sweep(cwd, "new", &[]);
    let same = optzoo(cwd, &["compare", "base", "new"]);
    assert_eq!(same.status.code(), Some(0), "{}", shown(&same));

    // Another family's spec under the quadratic run's id and file name.
    let file = run_files(&cwd.join("new"))[0].clone();
    edit(&file, |r| {
        r["spec"]["problem"]["family"] = "rosenbrock".into()
    });
    let out = optzoo(cwd, &["compare", "base", "new"]);
    let seen = shown(&out);
    assert_eq!(out.status.code(), Some(2), "{seen}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let named = Path::new("new").join("runs").join(file_name(&file));
    assert!(
        stderr.contains(&named.display().to_string())
            && stderr.contains("is not the id of its spec (expected \"rosenbrock-"),
        "the error names {} and the id its spec has: {seen}",
        named.display()
    );
}

#[test]
fn compare_refuses_a_record_under_another_runs_file_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = dir.path();
    sweep(cwd, "base", &[]);
    sweep(cwd, "new", &[]);
    // A valid record copied over its neighbour: its id and spec agree, its file name does not.
    let files = run_files(&cwd.join("new"));
    std::fs::copy(&files[0], &files[1]).expect("writable");
    let named = Path::new("new").join("runs").join(file_name(&files[1]));
    assert_refused(cwd, &["compare", "base", "new"], &named, "must be named");
}

#[test]
fn a_newer_format_is_refused_by_report_compare_and_merge() {
    const NEWER: &str = "made by a newer optzoo (format 99); this one reads up to";
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = dir.path();
    sweep(cwd, "res", &[]);
    let file = run_files(&cwd.join("res"))[0].clone();
    edit(&file, |r| r["format"] = 99.into());
    let named = Path::new("res").join("runs").join(file_name(&file));
    for args in [
        &["report", "res"][..],
        &["compare", "res", "res"],
        &["merge", "out", "res"],
    ] {
        assert_refused(cwd, args, &named, NEWER);
    }

    // The same for a manifest.
    sweep(cwd, "res2", &[]);
    edit(&cwd.join("res2").join("sweep.json"), |m| {
        m["format"] = 99.into()
    });
    let named = Path::new("res2").join("sweep.json");
    for args in [&["compare", "res2", "res2"][..], &["merge", "out2", "res2"]] {
        assert_refused(cwd, args, &named, NEWER);
    }
}

#[test]
fn resume_reruns_tampered_records_and_leaves_valid_ones_at_their_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cwd = dir.path();
    sweep(cwd, "res", &[]);
    let files = run_files(&cwd.join("res"));
    assert_eq!(files.len(), 2, "two runs: {files:?}");
    let without_timing = |p: &Path| {
        let mut v = read_json(p);
        v.as_object_mut().expect("an object").remove("timing");
        v
    };
    let originals: Vec<serde_json::Value> = files.iter().map(|p| without_timing(p)).collect();
    // One record claims a path as its id (its spec untouched); the other's spec was changed under its id.
    edit(&files[0], |r| r["run_id"] = "../../../elsewhere/x".into());
    edit(&files[1], |r| {
        r["spec"]["problem"]["params"]["kappa"] = 1e6.into()
    });

    let dry = optzoo(cwd, &["run", "c.toml", "--out", "res", "--dry-run"]);
    let seen = shown(&dry);
    assert!(
        dry.status.success() && String::from_utf8_lossy(&dry.stdout).contains(": 0 of 2 "),
        "a dry run counts neither record as done: {seen}"
    );

    let again = sweep(cwd, "res", &[]);
    let seen = shown(&again);
    assert_eq!(
        run_files(&cwd.join("res")),
        files,
        "the same run files: {seen}"
    );
    for (path, original) in files.iter().zip(&originals) {
        let now = without_timing(path);
        let stem = path
            .file_stem()
            .expect("a stem")
            .to_string_lossy()
            .into_owned();
        assert_eq!(
            now["run_id"].as_str(),
            Some(stem.as_str()),
            "{}: the record names its file: {now}\n{seen}",
            path.display()
        );
        assert_eq!(
            &now,
            original,
            "{}: rerun, the record is the original outside timing\n{seen}",
            path.display()
        );
    }
    assert!(
        !cwd.join("elsewhere").exists(),
        "nothing written outside res: {seen}"
    );
    let check = optzoo(cwd, &["compare", "res", "res"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "the resumed folder reads: {}",
        shown(&check)
    );
}
