//! Regression testing: `compare` exits 1 naming the runs an optimizer change made worse, 0 on an identical
//! rerun, 2 on bad input.

use super::common;

use common::{optzoo, write};

const PROBLEMS: &str = r#"
seeds = [0, 1]
[[problem]]
family = "quadratic"
dim = 50
kappa = [10, 100]
[stop]
grad_rtol = 1e-6
max_iters = 20000
"#;

#[test]
fn a_worse_setting_is_a_regression_and_an_identical_rerun_is_not() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "base.toml",
        &format!("{PROBLEMS}[[optimizer]]\nname = \"gd\"\nstep = \"2/(L+mu)\"\n"),
    );
    // The same optimizer with a worse step: half the optimal one.
    write(
        dir.path(),
        "worse.toml",
        &format!("{PROBLEMS}[[optimizer]]\nname = \"gd\"\nstep = 0.9\n"),
    );
    for (cfg, out) in [
        ("base.toml", "base"),
        ("base.toml", "rerun"),
        ("worse.toml", "worse"),
    ] {
        assert!(
            optzoo(dir.path(), &["run", cfg, "--out", out])
                .status
                .success()
        );
    }

    let same = optzoo(dir.path(), &["compare", "base", "rerun"]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    assert!(
        String::from_utf8_lossy(&same.stdout)
            .contains("4 runs paired (by run id): 0 regressed, 0 improved, 0 changed, 4 unchanged")
    );

    let worse = optzoo(
        dir.path(),
        &["compare", "base", "worse", "--ignore-optimizer-params"],
    );
    let text = String::from_utf8_lossy(&worse.stdout);
    assert_eq!(worse.status.code(), Some(1), "{text}");
    let regressed: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("| REGRESSED |") && l.contains("iterations "))
        .collect();
    assert_eq!(
        regressed.len(),
        4,
        "every run regressed in iterations:\n{text}"
    );
    // Each run by optimizer (old -> new setting), instance and seed.
    for kappa in ["10", "100"] {
        for seed in [0, 1] {
            let row = format!(
                "| REGRESSED | gd step=2/(L+mu) -> gd step=0.9 | quadratic kappa={kappa} | {seed} |"
            );
            assert!(
                regressed.iter().any(|l| l.starts_with(&row)),
                "{row} not named:\n{text}"
            );
        }
    }

    // Matching by run id, a changed setting is a different experiment: baseline runs are missing.
    let by_id = optzoo(dir.path(), &["compare", "base", "worse"]);
    assert_eq!(by_id.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&by_id.stdout).contains("| MISSING |"));

    // The better direction: improvements are listed, not failures.
    let better = optzoo(
        dir.path(),
        &["compare", "worse", "base", "--ignore-optimizer-params"],
    );
    assert_eq!(better.status.code(), Some(0));
    let text = String::from_utf8_lossy(&better.stdout);
    assert!(
        text.contains(
            "| improved | gd step=0.9 -> gd step=2/(L+mu) | quadratic kappa=10 | 0 | iterations "
        ) && text.contains("% + ")
            && text.contains("%)"),
        "{text}"
    );
}

#[test]
fn compare_bad_input_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("empty")).expect("mkdir");
    let out = optzoo(dir.path(), &["compare", "nowhere", "empty"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nowhere"), "{stderr}");
    let out = optzoo(dir.path(), &["compare", "a", "b", "--count-rtol", "-1"]);
    assert_eq!(out.status.code(), Some(2));
}
