//! `optzoo run CONFIG --dry-run` checks the config and prints the plan, counting the runs already done in the
//! results directory, without running anything or writing any file.

use super::common;

use common::{optzoo, write};

const CONFIG: &str = r#"
name = "dry"
seeds = [0, 1, 2]
[[problem]]
family = "quadratic"
dim = 10
kappa = [10, 100]
[[problem]]
family = "rosenbrock"
[stop]
max_iters = 500
[[optimizer]]
name = "gd"
step = ["armijo", 0.5]
"#;

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)
            .expect("readable")
            .map(|e| e.expect("entry").path())
        {
            if e.is_dir() {
                stack.push(e.clone());
            }
            out.push(e);
        }
    }
    out.sort();
    out
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "dry.toml", CONFIG);
    let before = files_under(dir.path());
    let out = optzoo(dir.path(), &["run", "dry.toml", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "problem instances (3):",
        "optimizers (2):",
        "seeds (3): 0, 1, 2",
        "runs: 18",
        "already done in results/dry: 0 of 18",
        "\"kappa\":100",
        "\"step\":\"armijo\"",
    ] {
        assert!(stdout.contains(needle), "`{needle}` not in:\n{stdout}");
    }
    assert_eq!(files_under(dir.path()), before, "a dry run writes nothing");
}

#[test]
fn dry_run_counts_what_the_directory_already_holds() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "dry.toml", CONFIG);
    let half = optzoo(
        dir.path(),
        &["run", "dry.toml", "--out", "res", "--shard", "1/2"],
    );
    assert!(
        half.status.success(),
        "{}",
        String::from_utf8_lossy(&half.stderr)
    );
    let before = files_under(dir.path());
    let out = optzoo(
        dir.path(),
        &["run", "dry.toml", "--out", "res", "--dry-run"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("already done in res: 9 of 18"), "{stdout}");
    let shard = optzoo(
        dir.path(),
        &[
            "run",
            "dry.toml",
            "--out",
            "res",
            "--dry-run",
            "--shard",
            "2/2",
        ],
    );
    let stdout = String::from_utf8_lossy(&shard.stdout);
    assert!(
        stdout.contains("runs: 9 in shard 2/2 (of 18 in the sweep)")
            && stdout.contains("already done in res: 0 of 9"),
        "{stdout}"
    );
    assert_eq!(files_under(dir.path()), before, "a dry run writes nothing");
}

#[test]
fn dry_run_of_a_bad_config_is_a_located_error_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "bad.toml",
        &CONFIG.replace("kappa = [10, 100]", "kappa = [10, 0.5]"),
    );
    let out = optzoo(dir.path(), &["run", "bad.toml", "--dry-run"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.toml:7:9") && stderr.contains("kappa"),
        "{stderr}"
    );
    write(dir.path(), "dry.toml", CONFIG);
    write(dir.path(), "taken", "a file");
    let out = optzoo(
        dir.path(),
        &["run", "dry.toml", "--dry-run", "--out", "taken"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--out taken: exists and is not a directory"),
        "{stderr}"
    );
}
