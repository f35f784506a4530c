//! A comparison for scripts: CSV (one row per run, every run) and JSON (the headline counts, the verdict,
//! every run, the groups per optimizer and instance, and the notes).
//!
//! Values are written in full precision; a percentage is empty (CSV) or `null` (JSON) where the baseline
//! value is zero or a value is not finite, and non-finite values are the strings `NaN`, `inf`, `-inf` in
//! JSON (which has no such numbers).

use serde_json::{Value, json};

use super::groups::groups;
use super::text::kinds_text;
use super::{Comparison, Metric, RunRow, Side, percent};
use crate::store::fmt_real;
use crate::table::{Csv, Table, TableFormat};

/// The columns of the CSV form.
pub const CSV_COLUMNS: &[&str] = &[
    "verdict",
    "optimizer",
    "baseline_optimizer",
    "instance",
    "seed",
    "baseline_run_id",
    "new_run_id",
    "baseline_status",
    "new_status",
    "baseline_iterations",
    "new_iterations",
    "iterations_change_pct",
    "baseline_evaluations",
    "new_evaluations",
    "evaluations_change_pct",
    "baseline_final_gap",
    "new_final_gap",
    "final_gap_change_pct",
    "changes",
];

const NUMERIC: [Metric; 3] = [Metric::Iterations, Metric::Evaluations, Metric::FinalGap];

fn csv_row(r: &RunRow) -> Vec<String> {
    let (b, n) = (r.baseline.as_ref(), r.new.as_ref());
    let mut row = vec![
        r.verdict.name().to_string(),
        r.optimizer.clone(),
        r.baseline_optimizer.clone().unwrap_or_default(),
        r.instance.clone(),
        r.seed.to_string(),
        b.map(|s| s.run_id.clone()).unwrap_or_default(),
        n.map(|s| s.run_id.clone()).unwrap_or_default(),
        b.map(|s| s.status.to_string()).unwrap_or_default(),
        n.map(|s| s.status.to_string()).unwrap_or_default(),
    ];
    for m in NUMERIC {
        let (bv, nv) = (b.and_then(|s| s.value(m)), n.and_then(|s| s.value(m)));
        row.push(bv.map(fmt_real).unwrap_or_default());
        row.push(nv.map(fmt_real).unwrap_or_default());
        row.push(
            bv.zip(nv)
                .and_then(|(bv, nv)| percent(bv, nv))
                .map(fmt_real)
                .unwrap_or_default(),
        );
    }
    row.push(kinds_text(&r.changes));
    row
}

/// The comparison as CSV: a header, then one row per run (unchanged ones too), in the order of
/// [`Comparison::rows`].
pub fn csv(c: &Comparison) -> String {
    let header = CSV_COLUMNS.iter().map(|s| s.to_string()).collect();
    Csv.write(&Table::new(header, c.rows.iter().map(csv_row).collect()))
}

/// A float as JSON: a number where finite, else the string `NaN`, `inf` or `-inf`.
fn real(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        json!(x.to_string())
    }
}

fn side(s: &Side) -> Value {
    json!({
        "run_id": s.run_id,
        "status": s.status.to_string(),
        "message": s.message,
        "iterations": s.iterations,
        "evaluations": s.evaluations,
        "final_gap": real(s.final_gap),
    })
}

fn run(r: &RunRow) -> Value {
    let changes: Vec<Value> = r
        .changes
        .iter()
        .map(|k| {
            let m = k.metric();
            let values = |s: Option<&Side>| match (m, s) {
                (Some(Metric::Status), Some(s)) => json!(s.status.to_string()),
                (Some(m), Some(s)) => s.value(m).map_or(Value::Null, real),
                _ => Value::Null,
            };
            let pct = m
                .zip(r.baseline.as_ref().zip(r.new.as_ref()))
                .and_then(|(m, (b, n))| b.value(m).zip(n.value(m)))
                .and_then(|(b, n)| percent(b, n));
            json!({
                "kind": k.label(),
                "metric": m.map(Metric::key),
                "regression": k.is_regression(),
                "baseline": values(r.baseline.as_ref()),
                "new": values(r.new.as_ref()),
                "change_pct": pct,
            })
        })
        .collect();
    json!({
        "verdict": r.verdict.name(),
        "optimizer": r.optimizer,
        "baseline_optimizer": r.baseline_optimizer,
        "instance": r.instance,
        "seed": r.seed,
        "baseline": r.baseline.as_ref().map(side),
        "new": r.new.as_ref().map(side),
        "changes": changes,
    })
}

/// The comparison as a JSON document (pretty-printed): `matching`, `tolerances`, `counts` (runs per
/// verdict, paired, baseline and new runs), `failing` and `passed`, `hint`, `notes`, `runs` (every run, as
/// [`Comparison::rows`]) and `groups` (per optimizer and instance).
pub fn json(c: &Comparison, notes: &[String]) -> String {
    let t = c.counts();
    let tol = &c.tolerances;
    let doc = json!({
        "matching": c.matching.name(),
        "tolerances": {
            "count_rtol": tol.count_rtol,
            "count_atol": tol.count_atol,
            "value_rtol": tol.value_rtol,
            "value_atol": tol.value_atol,
        },
        "counts": {
            "baseline_runs": t.baseline_runs(),
            "new_runs": t.new_runs(),
            "paired": t.paired(),
            "regressed": t.regressed,
            "missing": t.missing,
            "improved": t.improved,
            "changed": t.changed,
            "new": t.new,
            "unchanged": t.unchanged,
        },
        "failing": t.failing(),
        "passed": t.failing() == 0,
        "hint": c.hint,
        "notes": notes,
        "runs": c.rows.iter().map(run).collect::<Vec<_>>(),
        "groups": groups(c).iter().map(|g| json!({
            "optimizer": g.optimizer,
            "instance": g.instance,
            "runs": g.tally.runs(),
            "regressed": g.tally.regressed,
            "missing": g.tally.missing,
            "improved": g.tally.improved,
            "changed": g.tally.changed,
            "new": g.tally.new,
            "unchanged": g.tally.unchanged,
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| doc.to_string());
    s.push('\n');
    s
}
