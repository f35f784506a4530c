//! A results directory is the runs its `sweep.json` lists: `report` and `compare` ignore other run files in
//! `runs/` (an earlier config written with the same `--out`) and say how many; and `report` replaces only
//! the files it writes, so a report in fewer formats keeps the other formats' files.

use super::common;

use common::{optzoo, run_ok, write};

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
    write(
        d,
        "wider.toml",
        &sweep_config("2/(L+mu)").replace("[10, 100]", "[10, 100, 1000]"),
    );
    run_ok(d, &["run", "c.toml", "--out", "res"]);
    run_ok(d, &["run", "wider.toml", "--out", "wider"]);
    // An earlier report, of a sweep with one instance more, into the same folder.
    run_ok(
        d,
        &[
            "report",
            "wider",
            "--out",
            "res/report",
            "--formats",
            "svg,png",
        ],
    );
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
    let stem = |n: &String| n.rsplit_once('.').map_or(n.clone(), |(s, _)| s.to_string());
    let pngs = with_ext("png");
    assert!(pngs.len() >= 4, "{pngs:?}");
    // The earlier report's SVGs of the third instance: stale once this sweep is reported.
    let stale: Vec<String> = with_ext("svg")
        .into_iter()
        .filter(|n| n.starts_with("convergence-02-"))
        .collect();
    assert!(!stale.is_empty(), "{:?}", with_ext("svg"));
    // A file of the user's, which no report wrote.
    write(&figures, "diagram.svg", "<svg/>");

    let out = run_ok(d, &["report", "res", "--formats", "svg"]);
    assert_eq!(with_ext("png"), pngs, "PNG files are kept");
    for n in &stale {
        assert!(
            !figures.join(n).exists(),
            "{n}: a stale file of a format written again is removed"
        );
    }
    assert!(
        figures.join("diagram.svg").is_file(),
        "a file the report did not write stays"
    );
    let stale_stems: Vec<String> = stale.iter().map(stem).collect();
    let svg_stems: Vec<String> = with_ext("svg")
        .iter()
        .map(stem)
        .filter(|s| s != "diagram")
        .collect();
    let png_stems: Vec<String> = pngs
        .iter()
        .map(stem)
        .filter(|s| !stale_stems.contains(s))
        .collect();
    assert_eq!(
        svg_stems, png_stems,
        "one SVG per figure, the stale ones gone"
    );
    assert!(
        out.contains(&format!("kept {} figure files", pngs.len())),
        "{out}"
    );
    // The page links only to what this report wrote.
    let page = std::fs::read_to_string(d.join("res/report/index.html")).expect("page");
    assert!(!page.contains(".png\""), "no link to a kept PNG");
}
