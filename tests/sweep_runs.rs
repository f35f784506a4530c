//! A results directory is the runs its `sweep.json` lists: `report` and `compare` ignore other run files in
//! `runs/` (an earlier config written with the same `--out`) and say how many; and `report` replaces only
//! the files it writes, so a report in fewer formats keeps the other formats' files.

mod common;

use std::path::Path;

use common::{optzoo, write};

fn sweep_config(step: &str) -> String {
    format!(
        r#"
seeds = [0]
[[problem]]
family = "quadratic"
dim = 5
kappa = [10, 100]
[stop]
grad_rtol = 1e-6
max_iters = 20000
[[optimizer]]
name = "gd"
step = "{step}"
"#
    )
}

fn run_ok(dir: &Path, args: &[&str]) -> String {
    let o = optzoo(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn report_and_compare_ignore_runs_the_sweep_does_not_list_and_say_how_many() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "first.toml", &sweep_config("armijo"));
    write(d, "second.toml", &sweep_config("1/L"));
    // The first config's 2 runs stay in res/runs/ when the second is run into the same directory.
    run_ok(d, &["run", "first.toml", "--out", "res"]);
    run_ok(d, &["run", "second.toml", "--out", "res"]);
    run_ok(d, &["run", "second.toml", "--out", "alone"]);
    let files = std::fs::read_dir(d.join("res/runs"))
        .expect("runs/")
        .count();
    assert_eq!(files, 4, "both configs' runs are on disk");

    let out = run_ok(d, &["report", "res", "--formats", "svg"]);
    assert!(
        out.contains("holds 2 runs that")
            && out.contains("does not list")
            && out.contains("ignored"),
        "{out}"
    );
    let outcomes =
        std::fs::read_to_string(d.join("res/report/tables/outcomes.md")).expect("outcome table");
    assert!(
        !outcomes.contains("armijo") && outcomes.contains("| gd |"),
        "only the second config's optimizer:\n{outcomes}"
    );
    let page = std::fs::read_to_string(d.join("res/report/index.html")).expect("page");
    assert!(page.contains("2 run files in runs/ that sweep.json does not list"));

    for (a, b) in [("alone", "res"), ("res", "alone")] {
        let o = optzoo(d, &["compare", a, b]);
        let text = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(0), "{text}");
        assert!(
            text.contains("2 runs paired (by run id): 0 regressed")
                && text.contains("0 missing, 0 new."),
            "{text}"
        );
        assert_eq!(text.matches("holds 2 runs that").count(), 1, "{text}");
    }
    let o = optzoo(d, &["compare", "alone", "res", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(
        doc["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("holds 2 runs")),
        "{doc}"
    );

    // Without sweep.json every run counts, as before.
    std::fs::remove_file(d.join("res/sweep.json")).expect("remove sweep.json");
    let o = optzoo(d, &["compare", "alone", "res"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("2 missing") || text.contains("2 new."),
        "{text}"
    );
    assert!(!text.contains("holds"), "{text}");
}

#[test]
fn a_report_in_fewer_formats_keeps_the_other_formats_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "c.toml", &sweep_config("2/(L+mu)"));
    run_ok(d, &["run", "c.toml", "--out", "res"]);
    run_ok(d, &["report", "res", "--formats", "svg,png"]);
    let figures = d.join("res/report/figures");
    let with_ext = |ext: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&figures)
            .expect("figures/")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(&format!(".{ext}")))
            .collect();
        v.sort();
        v
    };
    let pngs = with_ext("png");
    assert!(pngs.len() >= 4, "{pngs:?}");
    // Files of an earlier report of another sweep: a stale SVG (the format written again) and a PNG.
    write(&figures, "convergence-99-old-iters.svg", "<svg/>");
    write(&figures, "convergence-99-old-iters.png", "png");

    let out = run_ok(d, &["report", "res", "--formats", "svg"]);
    let mut kept = pngs.clone();
    kept.push("convergence-99-old-iters.png".into());
    kept.sort();
    assert_eq!(with_ext("png"), kept, "PNG files are kept");
    assert!(
        !figures.join("convergence-99-old-iters.svg").exists(),
        "a stale file of a format written again is removed"
    );
    assert_eq!(
        with_ext("svg").len() + 1,
        kept.len(),
        "one SVG per figure, the stale one gone"
    );
    assert!(
        out.contains(&format!("kept {} figure files", kept.len())),
        "{out}"
    );
    // The page links only to what this report wrote.
    let page = std::fs::read_to_string(d.join("res/report/index.html")).expect("page");
    assert!(!page.contains(".png\""), "no link to a kept PNG");
}
