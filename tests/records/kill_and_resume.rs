//! A sweep killed at any moment loses at most its in-flight runs: rerun, every run is there exactly once and
//! every file is valid.

use super::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{optzoo, write};

/// About a hundred runs of some milliseconds each: long enough to kill the sweep in the middle.
const CONFIG: &str = r#"
name = "kill"
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
[[problem]]
family = "quadratic"
dim = 300
kappa = [100, 1000]
rotation = "random"
start = "random"
[stop]
grad_rtol = 1e-9
max_iters = 3000
[[optimizer]]
name = "gd"
step = ["armijo", 1.0, 0.5, 0.25]
"#;

fn run_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir.join("runs"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

#[test]
fn a_killed_sweep_resumes_without_loss_or_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "kill.toml", CONFIG);
    let planned = optzoo::plan::load(dir.path().join("kill.toml").to_str().expect("utf-8 path"))
        .expect("valid")
        .run_ids;

    let mut child = Command::new(env!("CARGO_BIN_EXE_optzoo"))
        .args(["run", "kill.toml", "--out", "res", "--jobs", "2"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let started = Instant::now();
    let finished_before_kill = loop {
        let done = run_files(&dir.path().join("res"))
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .count();
        if done >= 10 || started.elapsed() > Duration::from_secs(60) {
            break done;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().expect("SIGKILL delivered");
    child.wait().expect("reaped");
    assert!(
        finished_before_kill >= 10,
        "the sweep should have written runs before the kill"
    );
    let survivors = run_files(&dir.path().join("res"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .count();
    assert!(
        survivors < planned.len(),
        "killed mid-sweep: {survivors} of {} written",
        planned.len()
    );
    for p in run_files(&dir.path().join("res"))
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        optzoo::store::read_run(p)
            .unwrap_or_else(|e| panic!("a finished file is invalid after the kill: {e}"));
    }

    let out = optzoo(
        dir.path(),
        &["run", "kill.toml", "--out", "res", "--jobs", "2"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("{survivors} already done, reused"))
    );

    let files = run_files(&dir.path().join("res"));
    assert_eq!(
        files.len(),
        planned.len(),
        "exactly one file per planned run, no temporaries left: {files:?}"
    );
    let mut ids: Vec<String> = files
        .iter()
        .map(|p| {
            optzoo::store::read_run(p)
                .unwrap_or_else(|e| panic!("invalid file: {e}"))
                .run_id
        })
        .collect();
    ids.sort();
    let mut expected = planned.clone();
    expected.sort();
    assert_eq!(ids, expected);
    let summary =
        std::fs::read_to_string(dir.path().join("res").join("summary.csv")).expect("summary.csv");
    assert_eq!(summary.lines().count(), planned.len() + 1);
}
