//! The new user's path: `optzoo` with no arguments runs the embedded museum from any directory and writes its
//! tables and report; `optzoo list` shows every registry entry.

use super::common;
use super::museum_run::{copy_results, museum};

use common::optzoo;
use optzoo::store::{SUMMARY_COLUMNS, TRACE_COLUMNS};

#[test]
fn the_museum_runs_from_an_empty_directory_and_writes_its_tables_and_report() {
    let out = &museum().output;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let res = museum().results();
    let summary = std::fs::read_to_string(res.join("summary.csv")).expect("summary.csv written");
    let traces = std::fs::read_to_string(res.join("traces.csv")).expect("traces.csv written");
    assert_eq!(
        summary.lines().next(),
        Some(SUMMARY_COLUMNS.join(",").as_str())
    );
    assert_eq!(
        traces.lines().next(),
        Some(TRACE_COLUMNS.join(",").as_str())
    );
    let plan = optzoo::plan::load("museum").expect("the embedded museum is valid");
    assert_eq!(
        summary.lines().count(),
        plan.runs.len() + 1,
        "one row per run"
    );
    assert!(plan.seeds.len() >= 3 && plan.instances.len() >= 6 && plan.optimizers.len() >= 6);
    let files = std::fs::read_dir(res.join("runs")).expect("runs/").count();
    assert_eq!(
        files,
        plan.runs.len(),
        "one file per run, no temporary files left"
    );
    // The printed table: a row per gd configuration, the status columns, and the paths written.
    for needle in [
        "optimizer",
        "converged",
        "gd {\"step\":\"1/L\"}",
        "gd {\"step\":\"armijo\"}",
        "summary.csv",
        "traces.csv",
        "The museum",
        "index.html",
    ] {
        assert!(
            stdout.contains(needle),
            "`{needle}` missing from:\n{stdout}"
        );
    }
    // Theory steps on Rosenbrock are recorded as not applicable, never dropped.
    assert!(
        summary
            .lines()
            .any(|l| l.contains("rosenbrock") && l.contains("not-applicable"))
    );
    assert!(
        res.join("report").join("index.html").is_file(),
        "the report is written"
    );
    // Every quadratic run of a theory step converges.
    for line in summary
        .lines()
        .filter(|l| l.starts_with("quadratic") && l.contains("1/L"))
    {
        assert!(line.contains(",converged,"), "{line}");
    }
}

#[test]
fn rerunning_into_the_same_directory_reuses_finished_runs() {
    assert!(museum().output.status.success(), "the museum runs");
    let dir = tempfile::tempdir().expect("temp dir");
    copy_results(&dir.path().join("r"));
    let before = common::runs_without_timing(&dir.path().join("r"));
    let out = optzoo(dir.path(), &["run", "--out", "r"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("already done, reused"));
    assert_eq!(before, common::runs_without_timing(&dir.path().join("r")));
}

#[test]
fn list_shows_every_registered_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = optzoo(dir.path(), &["list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for f in optzoo::problems::FAMILIES {
        assert!(
            text.contains(&format!("  {}: ", f.name)),
            "family {} missing",
            f.name
        );
        for p in f.params {
            assert!(text.contains(p.name), "{}: key {} missing", f.name, p.name);
        }
    }
    for o in optzoo::optimizers::OPTIMIZERS {
        assert!(
            text.contains(&format!("  {}: ", o.name)),
            "optimizer {} missing",
            o.name
        );
    }
    for (name, _) in optzoo::embedded::SUITES
        .iter()
        .chain(optzoo::embedded::CONFIGS)
    {
        assert!(text.contains(&format!("  {name}: ")), "{name} missing");
    }
}
