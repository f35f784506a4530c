//! The short table of outcomes a sweep prints at its end: one row per optimizer configuration.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::stop::Status;
use crate::store::RunRecord;

/// A label for an optimizer configuration: its name and its parameters, e.g. `gd {"step":"1/L"}`; a tuned
/// optimizer shows `"tuned"` for its tuned keys, whatever values its groups chose.
pub fn optimizer_label(r: &RunRecord) -> String {
    let spec = crate::store::OptimizerSpec {
        name: r.spec.optimizer.name.clone(),
        params: match &r.spec.tuning {
            Some(t) => crate::tune::table::untuned_params(&r.spec.optimizer.params, &t.tuned),
            None => r.spec.optimizer.params.clone(),
        },
    };
    let (name, params) = spec.display();
    let params = params.to_string();
    if params == "{}" || params == "null" {
        name
    } else {
        format!("{name} {params}")
    }
}

/// The median of a list (the mean of the middle two for an even length), or `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[m]
    } else {
        0.5 * (values[m - 1] + values[m])
    })
}

/// The gradient-equivalent evaluations spent on tuning the groups of `runs` (each group counted once).
pub fn tuning_cost(runs: &[&RunRecord]) -> u64 {
    let costs: BTreeMap<&str, u64> = runs
        .iter()
        .filter_map(|r| r.spec.tuning.as_ref())
        .filter_map(|t| t.cost.map(|c| (t.group.as_str(), c.grad_equiv_evals)))
        .collect();
    costs.values().sum()
}

/// Rows: optimizer label (in order of first appearance); columns: runs, each status that occurs, and the
/// median iterations and gradient-equivalent evaluations of converged runs; for a tuned sweep, the
/// evaluations spent on tuning. Tuning trials are not rows: they are in `tuning.csv`.
pub fn outcome_table(records: &[RunRecord]) -> String {
    let records: Vec<&RunRecord> = records
        .iter()
        .filter(|r| {
            r.spec
                .tuning
                .as_ref()
                .is_none_or(|t| t.phase != crate::tune::Phase::Trial)
        })
        .collect();
    let tuned = records.iter().any(|r| r.spec.tuning.is_some());
    let mut order: Vec<String> = Vec::new();
    let mut by: BTreeMap<String, Vec<&RunRecord>> = BTreeMap::new();
    for r in records.iter().copied() {
        let label = optimizer_label(r);
        if !by.contains_key(&label) {
            order.push(label.clone());
        }
        by.entry(label).or_default().push(r);
    }
    let statuses: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|s| records.iter().any(|r| r.outcome.status == *s))
        .collect();
    let mut header = vec!["optimizer".to_string(), "runs".to_string()];
    header.extend(statuses.iter().map(|s| s.to_string()));
    header.push("median iters".into());
    header.push("median evals".into());
    if tuned {
        header.push("tuning evals".into());
    }
    let mut rows = vec![header];
    for label in &order {
        let rs = &by[label];
        let mut row = vec![label.clone(), rs.len().to_string()];
        for s in &statuses {
            row.push(
                rs.iter()
                    .filter(|r| r.outcome.status == *s)
                    .count()
                    .to_string(),
            );
        }
        let conv: Vec<&&RunRecord> = rs
            .iter()
            .filter(|r| r.outcome.status == Status::Converged)
            .collect();
        let mut iters: Vec<f64> = conv.iter().map(|r| r.outcome.iterations as f64).collect();
        let mut evals: Vec<f64> = conv
            .iter()
            .map(|r| r.outcome.grad_equiv_evals as f64)
            .collect();
        row.push(
            median(&mut iters)
                .map(|m| format!("{m}"))
                .unwrap_or_else(|| "-".into()),
        );
        row.push(
            median(&mut evals)
                .map(|m| format!("{m}"))
                .unwrap_or_else(|| "-".into()),
        );
        if tuned {
            row.push(tuning_cost(rs).to_string());
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == 0 {
                    format!("{cell:<w$}", w = widths[c])
                } else {
                    format!("{cell:>w$}", w = widths[c])
                }
            })
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
        if i == 0 {
            let _ = writeln!(
                out,
                "{}",
                "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
