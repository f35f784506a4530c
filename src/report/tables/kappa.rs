//! Iterations versus kappa, one table per kappa study: rows `kappa`, columns optimizer configurations, cells
//! the median iterations of converged runs (`412` when every seed converged, `412 (1 max-iters)` when some did
//! not, the status itself when none did), and a last row with the fitted slope beside the theory slope
//! (`0.99 (1)`), followed by whom the fit left out where some runs at `kappa > 1` did not converge
//! (`0.99 (1); 2 of 9 runs not converged, at kappa 1000`), or by the reason there is no slope (see
//! [`crate::analysis::slope_count`]). The CSV form splits that row into `fitted slope` and `theory slope`
//! rows of plain numbers and two rows of counts: `runs at kappa > 1` and `not converged at kappa > 1`.

use super::{Table, failure_counts};
use crate::analysis::scaling::{KappaCell, KappaSeries, KappaStudy};
use crate::analysis::slope_count::{SlopeCount, slope_number};
use crate::analysis::sweep::{Sweep, number_text};

/// The text of one cell of a kappa table.
pub fn kappa_cell_text(cell: &KappaCell) -> String {
    if cell.runs() == 0 {
        return "-".into();
    }
    let failed = failure_counts(&cell.statuses);
    match cell.median_iters() {
        Some(m) if failed.is_empty() => number_text(m),
        Some(m) => format!("{} ({})", number_text(m), failed.join(", ")),
        None => cell
            .main_failure()
            .map_or("-".into(), |s| s.as_str().to_string()),
    }
}

fn slope_text(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| slope_number(s, 3))
}

fn theory_text(s: &KappaSeries) -> String {
    s.theory
        .as_ref()
        .map_or("-".into(), |t| number_text(t.slope))
}

/// The slope cell of the Markdown and LaTeX forms: `fit (theory)`, then whom the fit left out or why there
/// is no fit.
fn slope_cell(s: &KappaSeries) -> String {
    let count = SlopeCount::of(s);
    let both = format!(
        "{} ({})",
        slope_text(s.fit.map(|f| f.slope)),
        theory_text(s)
    );
    match (s.fit, count.caveat()) {
        (Some(_), Some(c)) => format!("{both}; {c}"),
        (Some(_), None) => both,
        (None, _) => format!("{both}; no slope: {}", count.refusal()),
    }
}

/// The iterations-versus-kappa table of one study: rows kappa, columns optimizer configurations, a last
/// row `slope: fit (theory)` with whom the fit left out; for CSV (`split_slopes`), four last rows of plain
/// numbers (fitted slope, theory slope, runs at `kappa > 1`, those of them not converged).
pub fn kappa_table(sweep: &Sweep, study: &KappaStudy, split_slopes: bool) -> Table {
    let mut header = vec!["kappa".to_string()];
    header.extend(
        study
            .series
            .iter()
            .map(|s| sweep.optimizers[s.optimizer].label.clone()),
    );
    let mut rows: Vec<Vec<String>> = study
        .kappas
        .iter()
        .enumerate()
        .map(|(k, kappa)| {
            let mut row = vec![number_text(*kappa)];
            row.extend(study.series.iter().map(|s| kappa_cell_text(&s.cells[k])));
            row
        })
        .collect();
    let footer_from = Some(rows.len());
    if split_slopes {
        let mut fit = vec!["fitted slope".to_string()];
        fit.extend(
            study
                .series
                .iter()
                .map(|s| slope_text(s.fit.map(|f| f.slope))),
        );
        let mut theory = vec!["theory slope".to_string()];
        theory.extend(study.series.iter().map(theory_text));
        let counts: Vec<SlopeCount> = study.series.iter().map(SlopeCount::of).collect();
        let mut runs = vec!["runs at kappa > 1".to_string()];
        runs.extend(counts.iter().map(|c| c.runs.to_string()));
        let mut left_out = vec!["not converged at kappa > 1".to_string()];
        left_out.extend(counts.iter().map(|c| c.not_converged.to_string()));
        rows.extend([fit, theory, runs, left_out]);
    } else {
        let mut row = vec!["slope: fit (theory)".to_string()];
        row.extend(study.series.iter().map(slope_cell));
        rows.push(row);
    }
    Table {
        header,
        rows,
        footer_from,
        ..Table::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stop::Status;
    use std::collections::BTreeMap;

    fn cell(conv: &[f64], other: &[(Status, usize)]) -> KappaCell {
        let mut statuses = BTreeMap::new();
        if !conv.is_empty() {
            statuses.insert(Status::Converged, conv.len());
        }
        for (s, n) in other {
            statuses.insert(*s, *n);
        }
        KappaCell {
            kappa: 10.0,
            statuses,
            converged_iters: conv.to_vec(),
            unconverged_iters: Vec::new(),
        }
    }

    #[test]
    fn cells_show_medians_and_failures() {
        assert_eq!(kappa_cell_text(&cell(&[10.0, 12.0, 30.0], &[])), "12");
        assert_eq!(
            kappa_cell_text(&cell(&[10.0, 12.0], &[(Status::MaxIters, 1)])),
            "11 (1 max-iters)"
        );
        assert_eq!(
            kappa_cell_text(&cell(&[], &[(Status::Diverged, 2), (Status::Failed, 1)])),
            "diverged"
        );
        assert_eq!(kappa_cell_text(&cell(&[], &[])), "-");
    }
}
