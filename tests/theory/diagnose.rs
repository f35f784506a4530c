//! `diagnose = true`: every run records the Hessian's verdict at its final point, checked against the double
//! well's known spectra, and the report tabulates where each optimizer ended.

use super::common;

use common::{optzoo, records, write};

// f = sum_i a_i x_i^2 / 2 + x_i^4 / 4, a = (-c, c, c), c = 2: the origin is a saddle with Hessian
// diag(-2, 2, 2); the minima x = (+-sqrt 2, 0, 0) have Hessian diag(4, 2, 2), kappa 2.
const CONFIG: &str = r#"
name = "diagnosed"
seeds = [0]
diagnose = true

[[problem]]
family = "double-well"
dim = 3
index = 1
curvature = 2.0

[stop]
grad_atol = 1e-10
max_iters = 2000

[[optimizer]]
name = "gd"
step = "armijo"

[[optimizer]]
name = "newton"
mode = ["pure", "saddle-free"]
"#;

fn record_of(dir: &std::path::Path, optimizer: &str, mode: Option<&str>) -> serde_json::Value {
    records(dir)
        .into_iter()
        .find(|r| {
            r["spec"]["optimizer"]["name"] == optimizer
                && mode.is_none_or(|m| r["spec"]["optimizer"]["params"]["mode"] == m)
        })
        .unwrap_or_else(|| panic!("no run of {optimizer} {mode:?}"))
}

/// Whether eigenvalue `a` at a final point with gradient norm `gn` matches `b` at the critical point.
/// Near a critical point with Hessian eigenvalues >= 2 (or a saddle with |lambda| = 2), |x - x_c| <= gn / 2,
/// and the Hessian entry 3 x^2 - c moves by at most 6 |x| |dx| + 3 dx^2 <= 6 sqrt(2) gn / 2 + ...: 10 gn
/// bounds it, plus rounding of the eigensolver.
fn close(a: &serde_json::Value, b: f64, gn: &serde_json::Value) -> bool {
    let gn = gn.as_f64().unwrap_or(f64::INFINITY);
    a.as_f64()
        .is_some_and(|a| (a - b).abs() <= 10.0 * gn + 64.0 * f64::EPSILON * b.abs())
}

#[test]
fn final_points_are_classified_against_the_known_spectra() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "d.toml", CONFIG);
    let out = optzoo(dir.path(), &["run", "d.toml", "--out", "out"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = dir.path().join("out");

    // Pure Newton is attracted to the saddle it starts next to.
    let pure = record_of(&runs, "newton", Some("pure"));
    let d = &pure["outcome"]["diagnosis"];
    assert_eq!(d["ending"], "saddle", "{d}");
    assert_eq!(d["index"], 1);
    assert!(
        close(&d["lambda_min"], -2.0, &d["grad_norm"])
            && close(&d["lambda_max"], 2.0, &d["grad_norm"]),
        "{d}"
    );
    assert_eq!(d["method"], "dense");

    // Gradient descent and saddle-free Newton leave it for a minimum: spectrum {2, 2, 4}, kappa 2.
    for (name, mode) in [("gd", None), ("newton", Some("saddle-free"))] {
        let r = record_of(&runs, name, mode);
        let d = &r["outcome"]["diagnosis"];
        assert_eq!(d["ending"], "minimum", "{name} {mode:?}: {d}");
        assert!(
            close(&d["lambda_min"], 2.0, &d["grad_norm"])
                && close(&d["lambda_max"], 4.0, &d["grad_norm"]),
            "{d}"
        );
        assert!(close(&d["kappa"], 2.0, &d["grad_norm"]), "{d}");
    }

    let summary = std::fs::read_to_string(runs.join("summary.csv")).expect("summary");
    assert!(summary.lines().next().is_some_and(|h| h.contains("ending")));
    assert!(summary.contains(",saddle,1,"), "{summary}");

    let rep = optzoo(
        dir.path(),
        &[
            "report",
            "out",
            "--formats",
            "svg",
            "--figures",
            "convergence",
        ],
    );
    assert!(
        rep.status.success(),
        "{}",
        String::from_utf8_lossy(&rep.stderr)
    );
    let table =
        std::fs::read_to_string(runs.join("report/tables/endings.md")).expect("endings table");
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), 3, "{table}");
    // Columns: family | optimizer | minimum | saddle | maximum | degenerate | not critical | no verdict.
    let cells =
        |row: &str| -> Vec<String> { row.split('|').map(|c| c.trim().to_string()).collect() };
    let pure_row = rows.iter().find(|r| r.contains("pure")).expect("pure row");
    assert_eq!(
        cells(pure_row)[3..9],
        ["0", "1", "0", "0", "0", "0"],
        "{table}"
    );
    let gd_row = rows.iter().find(|r| r.contains("gd")).expect("gd row");
    assert_eq!(
        cells(gd_row)[3..9],
        ["1", "0", "0", "0", "0", "0"],
        "{table}"
    );
    let page = std::fs::read_to_string(runs.join("report/index.html")).expect("page");
    assert!(page.contains("Where each optimizer ended"));
}

#[test]
fn without_diagnose_run_ids_and_records_are_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "d.toml",
        &CONFIG.replace("diagnose = true\n", ""),
    );
    let out = optzoo(dir.path(), &["run", "d.toml", "--out", "out"]);
    assert!(out.status.success());
    let r = record_of(&dir.path().join("out"), "gd", None);
    assert!(r["outcome"].get("diagnosis").is_none());
    assert!(r["spec"].get("diagnose").is_none());
}
