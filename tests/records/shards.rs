//! Sharding: four shards run as separate processes and merged equal the unsharded sweep outside `timing`.

use super::common;

use std::process::{Command, Stdio};

use common::{assert_same_runs, csv_without_last_column, optzoo, runs_without_timing, write};

const CONFIG: &str = r#"
name = "sharded"
seeds = [0, 1, 2]
suites = ["rosenbrock"]
[[problem]]
family = "quadratic"
dim = 30
kappa = [10, 1000]
rotation = ["none", "random"]
start = "random"
[stop]
max_iters = 2000
[[optimizer]]
name = "gd"
step = ["armijo", 0.5]
"#;

#[test]
fn four_shards_merged_equal_the_whole_sweep() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.toml", CONFIG);
    let whole = optzoo(
        dir.path(),
        &["run", "s.toml", "--out", "whole", "--jobs", "1"],
    );
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );

    let children: Vec<_> = (1..=4)
        .map(|k| {
            Command::new(env!("CARGO_BIN_EXE_optzoo"))
                .args([
                    "run",
                    "s.toml",
                    "--out",
                    &format!("shard{k}"),
                    "--shard",
                    &format!("{k}/4"),
                    "--jobs",
                    "1",
                ])
                .current_dir(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("starts")
        })
        .collect();
    let mut sizes = Vec::new();
    for child in children {
        let out = child.wait_with_output().expect("finishes");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for k in 1..=4 {
        sizes.push(runs_without_timing(&dir.path().join(format!("shard{k}"))).len());
    }
    let total = runs_without_timing(&dir.path().join("whole")).len();
    assert_eq!(
        sizes.iter().sum::<usize>(),
        total,
        "shards partition the sweep: {sizes:?}"
    );
    assert!(sizes.iter().all(|s| *s > 0));

    let merged = optzoo(
        dir.path(),
        &["merge", "merged", "shard1", "shard2", "shard3", "shard4"],
    );
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_same_runs(&dir.path().join("merged"), &dir.path().join("whole"));
    for table in ["summary.csv", "traces.csv"] {
        assert_eq!(
            csv_without_last_column(&dir.path().join("merged").join(table)),
            csv_without_last_column(&dir.path().join("whole").join(table)),
            "{table} differs"
        );
    }
}

#[test]
fn merge_refuses_conflicting_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.toml", CONFIG);
    assert!(
        optzoo(
            dir.path(),
            &["run", "s.toml", "--out", "a", "--shard", "1/2"]
        )
        .status
        .success()
    );
    assert!(
        optzoo(
            dir.path(),
            &["run", "s.toml", "--out", "b", "--shard", "1/2"]
        )
        .status
        .success()
    );
    // Identical duplicates merge.
    assert!(
        optzoo(dir.path(), &["merge", "ok", "a", "b"])
            .status
            .success()
    );
    // Tamper with one result: the same run id now holds two different outcomes.
    let file = std::fs::read_dir(dir.path().join("b").join("runs"))
        .expect("runs")
        .next()
        .expect("a run")
        .expect("entry")
        .path();
    let text = std::fs::read_to_string(&file).expect("readable").replacen(
        "\"iterations\": ",
        "\"iterations\": 1",
        1,
    );
    std::fs::write(&file, text).expect("writable");
    let out = optzoo(dir.path(), &["merge", "bad", "a", "b"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("different results")
            && stderr.contains(file.file_stem().and_then(|s| s.to_str()).unwrap_or("?")),
        "{stderr}"
    );
}

#[test]
fn bad_shard_arguments_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for s in ["0/4", "5/4", "1-4", "x/y"] {
        let out = optzoo(dir.path(), &["run", "--shard", s]);
        assert_eq!(out.status.code(), Some(2), "--shard {s}");
    }
}
