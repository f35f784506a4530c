//! `label` on a built-in optimizer: tables, legends and compare output name the configuration by it (with
//! only the parameters that differ between configurations of one label), and a label that could mislead is
//! refused at plan time, naming the key.

use super::common;

use common::{assert_refused, optzoo, run_ok, shown, write};

const CONFIG: &str = r#"
name = "labelled"
seeds = [0]
[[problem]]
family = "quadratic"
dim = 10
kappa = 100
[stop]
max_iters = 300
[[optimizer]]
name = "momentum"
label = "heavy ball"
step = [0.01, 0.02]
beta = 0.9
[[optimizer]]
name = "gd"
label = "plain gd"
step = 0.01
"#;

#[test]
fn a_label_names_a_builtin_in_tables_legends_and_compare_output() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "c.toml", CONFIG);
    run_ok(dir, &["run", "c.toml", "--out", "a"]);
    run_ok(dir, &["report", "a"]);
    let table =
        std::fs::read_to_string(dir.join("a/report/tables/outcomes.md")).expect("outcomes.md");
    for row in [
        "| heavy ball step=0.01 |",
        "| heavy ball step=0.02 |",
        "| plain gd |",
    ] {
        assert!(table.contains(row), "{row} in\n{table}");
    }
    assert!(
        !table.contains("momentum") && !table.contains("| gd"),
        "{table}"
    );
    let svg =
        std::fs::read_to_string(dir.join("a/report/figures/convergence-00-quadratic-iters.svg"))
            .expect("figure");
    for legend in ["heavy ball step=0.01", "heavy ball step=0.02", "plain gd"] {
        assert!(svg.contains(legend), "legend {legend:?} is drawn");
    }
    let tex =
        std::fs::read_to_string(dir.join("a/report/tables/outcomes.tex")).expect("outcomes.tex");
    assert!(tex.contains("heavy ball step=0.01"), "{tex}");

    // The record keeps the label beside the optimizer's own keys; compare names the configuration by it.
    let records = common::records(&dir.join("a"));
    assert!(
        records
            .iter()
            .any(|r| r["spec"]["optimizer"]["name"] == "momentum"
                && r["spec"]["optimizer"]["params"]["label"] == "heavy ball")
    );
    run_ok(dir, &["run", "c.toml", "--out", "b"]);
    let out = optzoo(dir, &["compare", "a", "b", "--format", "csv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for row in ["unchanged,heavy ball step=0.02,", "unchanged,plain gd,"] {
        assert!(text.contains(row), "{row}: {}", shown(&out));
    }
}

#[test]
fn labels_that_could_mislead_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let cases = [
        (
            "label = \"plain gd\"",
            "label = \"adam\"",
            "reads exactly like a built-in",
        ),
        (
            "label = \"plain gd\"",
            "label = 7",
            "`label` must be a string, got integer",
        ),
        (
            "label = \"plain gd\"",
            "label = \"a\\u202Eb\"",
            "printable characters",
        ),
        (
            "label = \"plain gd\"",
            "label = \"heavy ball\"",
            "is given to both `momentum` and `gd`",
        ),
    ];
    for (from, to, says) in cases {
        write(dir, "c.toml", &CONFIG.replace(from, to));
        assert_refused(
            dir,
            &["run", "c.toml", "--out", "x"],
            std::path::Path::new("c.toml"),
            says,
        );
    }
}
