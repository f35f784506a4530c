//! The table `optzoo run` prints for a tuned sweep shows the values each group's tuning chose (not only
//! that a key was tuned), and the report's per-instance outcome tables show the choice for their instance.

use super::common;

use std::path::Path;

use common::{optzoo, records, write};

fn config(per: &str) -> String {
    format!(
        r#"
name = "chosen"
seeds = [0]

[[problem]]
family = "quadratic"
dim = 10
kappa = [10, 100]
rotation = "random"

[stop]
grad_rtol = 1e-6
max_iters = 300

[[optimizer]]
name = "gd"

[[optimizer]]
name = "newton"

[tune]
method = "grid"
trials = 4
per = "{per}"
seeds = [5]

[tune.space.gd]
step = {{ log = [0.05, 1.9] }}
"#
    )
}

fn run(cwd: &Path, file: &str, out: &str) -> String {
    let o = optzoo(cwd, &["run", file, "--out", out]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The steps the evaluation runs of `dir` used, by kappa.
fn chosen_steps(dir: &Path) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = records(dir)
        .iter()
        .filter(|r| r["spec"]["tuning"]["phase"] == "evaluation")
        .map(|r| {
            (
                r["spec"]["problem"]["params"]["kappa"]
                    .as_f64()
                    .unwrap_or(f64::NAN),
                r["spec"]["optimizer"]["params"]["step"]
                    .as_f64()
                    .unwrap_or(f64::NAN),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.dedup();
    out
}

/// The value printed after `step=` on `line`, checked to be `step` to 3 significant digits.
fn assert_shows(line: &str, step: f64) {
    let shown: f64 = line
        .split("step=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no step value in {line:?}"));
    assert!(
        (shown - step).abs() <= 5e-3 * step,
        "{line:?} shows {shown:e}, the tuning chose {step:e}"
    );
}

#[test]
fn a_tuned_optimizer_shows_the_values_chosen_for_each_group() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "i.toml", &config("instance"));
    let stdout = run(dir.path(), "i.toml", "per-instance");
    let steps = chosen_steps(&dir.path().join("per-instance"));
    assert_eq!(steps.len(), 2, "one choice per instance: {steps:?}");
    for (kappa, step) in &steps {
        let line = stdout
            .lines()
            .find(|l| {
                l.starts_with("gd step=")
                    && l.contains(&format!("(tuned on quadratic kappa={kappa})"))
            })
            .unwrap_or_else(|| panic!("no row for the choice at kappa {kappa}:\n{stdout}"));
        assert_shows(line, *step);
    }
    assert!(
        !stdout.contains("\"tuned\""),
        "the value, not a placeholder:\n{stdout}"
    );
    assert!(
        stdout.contains("newton {\"mode\":\"line-search\"}"),
        "{stdout}"
    );

    // One group: no group named, one row.
    write(dir.path(), "s.toml", &config("suite"));
    let stdout = run(dir.path(), "s.toml", "per-suite");
    let steps = chosen_steps(&dir.path().join("per-suite"));
    assert_eq!(steps.len(), 2, "both instances: {steps:?}");
    assert_eq!(steps[0].1, steps[1].1, "one choice for the suite");
    let rows: Vec<&str> = stdout.lines().filter(|l| l.starts_with("gd ")).collect();
    assert_eq!(rows.len(), 1, "{stdout}");
    assert!(rows[0].contains(" (tuned) "), "{}", rows[0]);
    assert_shows(rows[0], steps[0].1);

    // The report's table of each instance shows the choice for it.
    let o = optzoo(
        dir.path(),
        &[
            "report",
            "per-instance",
            "--formats",
            "svg",
            "--figures",
            "profiles",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let steps = chosen_steps(&dir.path().join("per-instance"));
    for (i, (_, step)) in steps.iter().enumerate() {
        let md = std::fs::read_to_string(dir.path().join(format!(
            "per-instance/report/tables/outcomes-{i:02}-quadratic.md"
        )))
        .expect("a table per instance");
        let line = md
            .lines()
            .find(|l| l.starts_with("| gd step="))
            .unwrap_or_else(|| panic!("no gd row:\n{md}"));
        assert!(line.contains(" (tuned) |"), "{line}");
        assert_shows(line, *step);
    }
}
