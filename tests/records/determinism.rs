//! Reproducibility: the same config gives byte-identical run records outside `timing`, across reruns and
//! across thread counts.

use super::common;

use common::{assert_same_runs, optzoo, runs_without_timing, write};

const CONFIG: &str = r#"
name = "determinism"
seeds = [0, 1, 2]

[[problem]]
family = "quadratic"
dim = 20
kappa = [10, 100]
rotation = ["none", "random"]
start = "random"

[[problem]]
family = "rosenbrock"
dim = [2, 6]
start = "random"
start_sigma = 0.2

[stop]
grad_rtol = 1e-8
max_iters = 3000

[[optimizer]]
name = "gd"
step = ["armijo", 0.05]
"#;

#[test]
fn reruns_and_thread_counts_give_identical_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "det.toml", CONFIG);
    for (out, jobs) in [("a", "1"), ("b", "2"), ("c", "2")] {
        let o = optzoo(
            dir.path(),
            &["run", "det.toml", "--out", out, "--jobs", jobs],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let a = runs_without_timing(&dir.path().join("a"));
    assert_eq!(a.len(), 6 * 2 * 3, "every planned run has a file");
    // --jobs 1 against --jobs 2, and two runs of --jobs 2.
    assert_same_runs(&dir.path().join("a"), &dir.path().join("b"));
    assert_same_runs(&dir.path().join("b"), &dir.path().join("c"));
    let summary = |d: &str| {
        let text =
            std::fs::read_to_string(dir.path().join(d).join("summary.csv")).expect("summary.csv");
        // Drop the last column (wall time).
        text.lines()
            .map(|l| {
                l.rsplit_once(',')
                    .map(|(a, _)| a.to_string())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(summary("a"), summary("b"));
}

#[test]
fn random_starts_and_rotations_depend_on_the_seed() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "det.toml", CONFIG);
    let o = optzoo(dir.path(), &["run", "det.toml", "--out", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let runs = runs_without_timing(&dir.path().join("a"));
    let initial: std::collections::BTreeSet<String> = runs
        .iter()
        .map(|(_, v)| v["outcome"]["initial_value"].to_string())
        .collect();
    assert_eq!(
        initial.len(),
        runs.len() / 2,
        "each (instance, seed) starts elsewhere; both step rules share it"
    );
}
