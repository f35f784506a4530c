//! What `compare` prints: a changed optimizer parameter gets a hint naming `--ignore-optimizer-params`; with
//! it, the headline counts each regressed run once however many of its metrics changed; rows name optimizer,
//! instance and seed with changes in percent; `--format csv` and `--format json` parse.

use super::common;

use common::{optzoo, write};

/// Two settings of gd on two instances and two seeds: 8 runs; `step` is the first setting.
fn config(step: &str) -> String {
    format!(
        r#"
seeds = [0, 1]
[[problem]]
family = "quadratic"
dim = 50
kappa = [10, 100]
[stop]
grad_rtol = 1e-6
max_iters = 20000
[[optimizer]]
name = "gd"
step = [{step}, "armijo"]
"#
    )
}

/// Runs the baseline (step 2/(L+mu)) and the new setting (step 0.9) into `base` and `worse`.
fn two_sweeps(dir: &std::path::Path) {
    write(dir, "base.toml", &config("\"2/(L+mu)\""));
    write(dir, "worse.toml", &config("0.9"));
    for (cfg, out) in [("base.toml", "base"), ("worse.toml", "worse")] {
        let o = optzoo(dir, &["run", cfg, "--out", out]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
}

#[test]
fn a_changed_parameter_gets_a_hint_and_the_flag_counts_each_regressed_run_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    two_sweeps(dir.path());

    let by_id = optzoo(dir.path(), &["compare", "base", "worse"]);
    let text = String::from_utf8_lossy(&by_id.stdout);
    assert_eq!(by_id.status.code(), Some(1), "{text}");
    assert!(
        text.contains("4 runs paired (by run id): 0 regressed, 0 improved, 0 changed, 4 unchanged; 4 missing, 4 new."),
        "{text}"
    );
    assert!(
        text.contains("Hint: ") && text.contains("`--ignore-optimizer-params` pairs them"),
        "{text}"
    );

    let flag = optzoo(
        dir.path(),
        &["compare", "base", "worse", "--ignore-optimizer-params"],
    );
    let text = String::from_utf8_lossy(&flag.stdout);
    assert_eq!(flag.status.code(), Some(1), "{text}");
    // 4 runs regressed, each in iterations and in evaluations: 4 in the headline, not 8.
    assert!(
        text.contains("8 runs paired (by run id, then ignoring optimizer parameters): 4 regressed, 0 improved, 0 changed, 4 unchanged; 0 missing, 0 new."),
        "{text}"
    );
    assert!(text.contains("Verdict: FAIL, 4 runs regressed."), "{text}");
    assert!(!text.contains("Hint"), "{text}");
    let row = text
        .lines()
        .find(|l| {
            l.starts_with(
                "| REGRESSED | gd step=2/(L+mu) -> gd step=0.9 | quadratic kappa=10 | 1 |",
            )
        })
        .unwrap_or_else(|| panic!("no row for kappa 10, seed 1:\n{text}"));
    // Iterations as integers, the change in percent with 3 significant digits.
    let changes = row.split('|').nth(5).unwrap_or_default().trim();
    let re_ok = changes.starts_with("iterations ")
        && changes.contains("; evaluations ")
        && changes.matches("%)").count() == 2
        && changes.matches("(+").count() == 2;
    assert!(re_ok, "{row}");
    let iters: Vec<&str> = changes
        .trim_start_matches("iterations ")
        .split(' ')
        .take(3)
        .collect();
    assert!(
        iters[0].parse::<u64>().is_ok() && iters[1] == "->" && iters[2].parse::<u64>().is_ok(),
        "{row}"
    );
    assert!(
        text.contains(
            "| gd step=2/(L+mu) -> gd step=0.9 | quadratic kappa=100 | 2 | 2 | 0 | 0 | 0 | 0 | 0 |"
        ),
        "the summary per optimizer and instance:\n{text}"
    );
    // No opaque run ids in the Markdown rows.
    assert!(!text.contains("quadratic-gd-"), "{text}");
    let stderr = String::from_utf8_lossy(&flag.stderr);
    assert!(stderr.contains("4 runs regressed"), "{stderr}");
}

#[test]
fn csv_and_json_forms_parse_with_one_row_per_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    two_sweeps(dir.path());
    let args = ["compare", "base", "worse", "--ignore-optimizer-params"];

    let csv_out = optzoo(dir.path(), &[&args[..], &["--format", "csv"]].concat());
    assert_eq!(csv_out.status.code(), Some(1), "exit 1 in every format");
    let mut reader = csv::Reader::from_reader(csv_out.stdout.as_slice());
    let header = reader.headers().expect("a header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        optzoo::analysis::compare::machine::CSV_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("every row parses");
    assert_eq!(rows.len(), 8, "one row per run, unchanged ones too");
    let col = |name: &str| header.iter().position(|h| h == name).expect("a column");
    let regressed: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| &r[col("verdict")] == "regressed")
        .collect();
    assert_eq!(regressed.len(), 4);
    for r in &regressed {
        assert_eq!(&r[col("optimizer")], "gd step=0.9");
        assert_eq!(&r[col("baseline_optimizer")], "gd step=2/(L+mu)");
        let pct: f64 = r[col("iterations_change_pct")].parse().expect("a number");
        let (b, n): (f64, f64) = (
            r[col("baseline_iterations")].parse().expect("a number"),
            r[col("new_iterations")].parse().expect("a number"),
        );
        assert!(
            (pct - 100.0 * (n - b) / b).abs() <= 1e-9 * pct.abs(),
            "{r:?}"
        );
        assert_eq!(&r[col("changes")], "iterations grew;evaluations grew");
    }
    let stderr = String::from_utf8_lossy(&csv_out.stderr);
    assert!(
        stderr.contains("4 regressed"),
        "headline on stderr: {stderr}"
    );

    let json_out = optzoo(dir.path(), &[&args[..], &["--format", "json"]].concat());
    assert_eq!(json_out.status.code(), Some(1));
    let doc: serde_json::Value =
        serde_json::from_slice(&json_out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["counts"]["regressed"], 4);
    assert_eq!(doc["counts"]["paired"], 8);
    assert_eq!(doc["counts"]["unchanged"], 4);
    assert_eq!(doc["failing"], 4);
    assert_eq!(doc["passed"], false);
    assert_eq!(doc["matching"], "ignore-optimizer-params");
    let runs = doc["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 8);
    let first = &runs[0];
    assert_eq!(first["verdict"], "regressed");
    assert!(
        first["instance"]
            .as_str()
            .is_some_and(|s| s.starts_with("quadratic kappa="))
    );
    assert!(first["seed"].is_u64());
    let change = &first["changes"][0];
    assert_eq!(change["metric"], "iterations");
    assert!(
        change["change_pct"].as_f64().is_some_and(|p| p > 10.0),
        "{change}"
    );
    assert_eq!(doc["groups"].as_array().map(Vec::len), Some(4));

    // Nothing pairs: the hint is in the JSON too.
    let by_id = optzoo(
        dir.path(),
        &["compare", "base", "worse", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_slice(&by_id.stdout).expect("JSON");
    assert!(
        doc["hint"]
            .as_str()
            .is_some_and(|h| h.contains("--ignore-optimizer-params")),
        "{doc}"
    );
    assert_eq!(doc["counts"]["missing"], 4);
}
