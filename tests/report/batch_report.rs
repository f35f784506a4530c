//! `optzoo report` on a batch-size sweep of the noisy quadratic model: the steps and samples figures are
//! drawn, the batch table's CSV holds the medians of the run records and the critical batch size that their
//! definition gives (both recomputed here from `runs/*.json`), and the page and the printed line give the
//! critical batch sizes and the gradient noise scale. A sweep without a batch-size axis has no batch section.

use super::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{records, run_ok, write};

const CONFIG: &str = r#"
name = "batch"
seeds = [0, 1]

[[problem]]
family = "nqm"
dim = 50
batch_size = [1, 4, 16, 64]

[stop]
f_tol = 0.05
max_iters = 5000

[[optimizer]]
name = "gd"
step = 0.3

[[optimizer]]
name = "adam"
lr = 0.05
"#;

const BATCH_SIZES: [f64; 4] = [1.0, 4.0, 16.0, 64.0];

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The median, the mean of the middle two for an even count.
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    })
}

/// Steps and samples of the converged runs, by (optimizer, batch size).
type Converged = BTreeMap<(String, u64), (Vec<f64>, Vec<f64>)>;

fn converged_runs(dir: &Path) -> Converged {
    let mut out = Converged::new();
    for r in records(dir) {
        let name = r["spec"]["optimizer"]["name"]
            .as_str()
            .expect("a name")
            .to_string();
        let b = r["spec"]["problem"]["params"]["batch_size"]
            .as_u64()
            .expect("a batch size");
        let entry = out.entry((name, b)).or_default();
        if r["outcome"]["status"] == "converged" {
            entry
                .0
                .push(r["outcome"]["iterations"].as_f64().expect("iterations"));
            entry
                .1
                .push(r["outcome"]["counts"]["samples"].as_f64().expect("samples"));
        }
    }
    out
}

/// The critical batch size from its definition: the first batch size from which the speed-up per doubling,
/// `(S(B) / S(B'))^(1 / log2(B' / B))` to the next batch size with a result, saves less than a quarter of the
/// steps; `Err(largest)` when every doubling saved more.
fn critical(points: &[(f64, f64)]) -> Result<f64, f64> {
    for w in points.windows(2) {
        let ((b0, s0), (b1, s1)) = (w[0], w[1]);
        let speedup = (s0 / s1).powf(1.0 / (b1 / b0).log2());
        if 1.0 - 1.0 / speedup < 0.25 {
            return Ok(b0);
        }
    }
    Err(points.last().expect("two points").0)
}

fn number(cell: &str) -> Option<f64> {
    (!cell.is_empty()).then(|| cell.parse().expect("a plain number"))
}

#[test]
fn batch_figures_and_table_hold_the_medians_of_the_run_records() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "b.toml", CONFIG);
    run_ok(dir.path(), &["run", "b.toml", "--out", "out"]);
    let stdout = run_ok(dir.path(), &["report", "out", "--formats", "svg,png"]);
    let out = dir.path().join("out");
    let report = out.join("report");
    for name in ["batch-00-steps", "batch-00-samples"] {
        for ext in ["svg", "png"] {
            let p = report.join(format!("figures/{name}.{ext}"));
            assert!(p.is_file(), "{} is written", p.display());
        }
    }

    let runs = converged_runs(&out);
    let csv = read(&report.join("tables/batch-00.csv"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header,
        [
            "batch size",
            "gd steps",
            "gd samples",
            "adam steps",
            "adam samples"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a row").iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), BATCH_SIZES.len() + 6, "{csv}");
    let mut summaries = Vec::new();
    let mut fits = Vec::new();
    for (k, name) in ["gd", "adam"].iter().enumerate() {
        let (steps_col, samples_col) = (1 + 2 * k, 2 + 2 * k);
        let mut points = Vec::new();
        for (row, b) in rows.iter().zip(BATCH_SIZES) {
            assert_eq!(number(&row[0]), Some(b));
            let (steps, samples) = runs[&(name.to_string(), b as u64)].clone();
            let want = (median(steps), median(samples));
            assert_eq!(
                (number(&row[steps_col]), number(&row[samples_col])),
                want,
                "{name} at B = {b}"
            );
            if let Some(s) = want.0 {
                points.push((b, s));
            }
        }
        assert!(
            points.len() >= 2,
            "{name} reaches the target at two batch sizes"
        );
        let footer = &rows[BATCH_SIZES.len()..];
        assert_eq!(footer[0][0], "critical batch size");
        assert_eq!(footer[1][0], "critical batch size above");
        assert_eq!(footer[2][0], "speed-up per doubling, smallest B");
        let text = match critical(&points) {
            Ok(b) => {
                assert_eq!(number(&footer[0][steps_col]), Some(b), "{name}");
                assert_eq!(footer[1][steps_col], "", "{name}");
                format!("{b}")
            }
            Err(b) => {
                assert_eq!(footer[0][steps_col], "", "{name}");
                assert_eq!(number(&footer[1][steps_col]), Some(b), "{name}");
                format!("> {b}")
            }
        };
        let (b0, s0) = points[0];
        let (b1, s1) = points[1];
        let speedup = (s0 / s1).powf(1.0 / (b1 / b0).log2());
        let got = number(&footer[2][steps_col]).expect("a speed-up");
        assert!(
            (got - speedup).abs() <= 1e-12 * speedup,
            "{name}: {got} vs {speedup}"
        );
        summaries.push(format!("{text} for {name}"));
        // McCandlish et al.'s B_crit = E_min / S_min: S = S_min + E_min / B by least squares of the relative
        // residuals, i.e. 1 = S_min / S + E_min / (B S), solved here by Cramer's rule.
        let (mut uu, mut uv, mut vv, mut su, mut sv) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(b, s) in &points {
            let (u, v) = (1.0 / s, 1.0 / (b * s));
            (uu, uv, vv, su, sv) = (uu + u * u, uv + u * v, vv + v * v, su + u, sv + v);
        }
        let det = uu * vv - uv * uv;
        let (s_min, e_min) = ((su * vv - sv * uv) / det, (uu * sv - uv * su) / det);
        assert_eq!(footer[3][0], "b_crit");
        if s_min > 0.0 && e_min > 0.0 {
            let got = number(&footer[3][steps_col]).expect("a fitted B_crit");
            let want = e_min / s_min;
            assert!((got - want).abs() <= 1e-9 * want, "{name}: {got} vs {want}");
            fits.push(format!(
                "{} for {name}",
                optzoo::digits::significant(want, 3)
            ));
        } else {
            fits.push(format!("- for {name}"));
        }
    }

    // The gradient noise scale at the start: the median over the runs, to three digits.
    let scales: Vec<f64> = records(&out)
        .iter()
        .map(|r| r["outcome"]["noise_scale"].as_f64().expect("nqm knows it"))
        .collect();
    let noise = optzoo::digits::significant(median(scales).expect("runs"), 3);
    let line = format!(
        "batch study nqm: B_crit = E_min / S_min {}; by the doubling rule {}; gradient noise scale at the \
         start {noise}",
        fits.join(", "),
        summaries.join(", ")
    );
    assert!(stdout.contains(&line), "`{line}` in:\n{stdout}");

    let md = read(&report.join("tables/batch-00.md"));
    assert!(md.starts_with("| batch size | gd | adam |"), "{md}");
    assert!(md.contains("\n| critical batch size | "), "{md}");
    let tex = read(&report.join("tables/batch-00.tex"));
    assert!(
        tex.contains("\\caption{Steps to the target against batch size: nqm."),
        "{tex}"
    );
    assert!(tex.contains("Stop rule: f\\_tol = 0.05"), "{tex}");

    let html = read(&report.join("index.html"));
    assert!(html.contains(
        "<h2 id=\"steps-to-target-versus-batch-size\">Steps to target versus batch size</h2>"
    ));
    assert!(html.contains("<li><a href=\"#steps-to-target-versus-batch-size\">"));
    assert!(html.contains("<h3>Steps to the target against batch size: nqm</h3>"));
    assert!(html.contains("<tr class=\"foot\"><td class=\"text\">critical batch size</td>"));
    assert!(html.contains(&format!(
        "Critical batch size by the doubling rule: {} (",
        summaries.join(", ").replace('>', "&gt;")
    )));
    assert!(html.contains(&format!(
        "where it fits): {}. ",
        fits.join(", ").replace('>', "&gt;")
    )));
    assert!(html.contains(&format!("B_noise = tr(H C) / (g&#39; H g): {noise}.")));
    assert!(html.contains("id=\"batch-00-steps\"") && html.contains("id=\"batch-00-samples\""));
}

#[test]
fn a_sweep_without_a_batch_size_axis_has_no_batch_section() {
    let dir = tempfile::tempdir().expect("temp dir");
    let one = CONFIG.replace("batch_size = [1, 4, 16, 64]", "batch_size = 16");
    write(dir.path(), "one.toml", &one);
    run_ok(dir.path(), &["run", "one.toml", "--out", "out"]);
    let stdout = run_ok(dir.path(), &["report", "out", "--formats", "svg"]);
    assert!(!stdout.contains("batch study"), "{stdout}");
    let report = dir.path().join("out/report");
    let figures: Vec<String> = std::fs::read_dir(report.join("figures"))
        .expect("figures/")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert!(
        !figures.iter().any(|f| f.starts_with("batch-")),
        "{figures:?}"
    );
    assert!(!report.join("tables/batch-00.csv").exists());
    let html = read(&report.join("index.html"));
    assert!(!html.contains("versus batch size"));
}
