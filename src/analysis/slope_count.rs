//! Whom a fitted kappa slope counts. The slope of a [`KappaSeries`] is fitted through the converged runs
//! at `kappa > 1` alone, so a run that stopped at its iteration budget where the growth is steepest drops
//! out and flattens the line. [`SlopeCount`] says how many runs the fit could have drawn on, how many of
//! them did not converge and at which `kappa`, and [`slope_text`] is what every table, legend and caption
//! shows: the slope with that count beside it, or, where fewer than two `kappa` values have a converged
//! run, no slope and the reason.

use super::scaling::KappaSeries;
use super::sweep::number_text;
use crate::digits::significant;
use crate::stop::Status;

/// The runs behind one series' slope: those at `kappa > 1` that applied (not-applicable runs apart).
#[derive(Debug, Clone, PartialEq)]
pub struct SlopeCount {
    /// Runs at `kappa > 1` that applied.
    pub runs: usize,
    /// Runs at `kappa > 1` that did not apply (`not-applicable`).
    pub not_applicable: usize,
    /// Of those, the runs that did not converge (the fit leaves them out).
    pub not_converged: usize,
    /// The `kappa` values, ascending, at which some run did not converge.
    pub at: Vec<f64>,
    /// How many `kappa > 1` have at least one converged run.
    pub kappas_converged: usize,
    /// How many `kappa > 1` the study has.
    pub kappas: usize,
}

impl SlopeCount {
    /// The count of `series`.
    pub fn of(series: &KappaSeries) -> Self {
        let mut count = SlopeCount {
            runs: 0,
            not_applicable: 0,
            not_converged: 0,
            at: Vec::new(),
            kappas_converged: 0,
            kappas: 0,
        };
        for cell in series.cells.iter().filter(|c| c.kappa > 1.0) {
            count.kappas += 1;
            let not_applicable = cell
                .statuses
                .get(&Status::NotApplicable)
                .copied()
                .unwrap_or(0);
            count.not_applicable += not_applicable;
            let applied = cell.runs() - not_applicable;
            let converged = cell.statuses.get(&Status::Converged).copied().unwrap_or(0);
            count.runs += applied;
            count.not_converged += applied - converged.min(applied);
            if converged < applied {
                count.at.push(cell.kappa);
            }
            if converged > 0 {
                count.kappas_converged += 1;
            }
        }
        count
    }

    /// `2 of 9 runs not converged, at kappa 1000` when some run did not converge; `None` when all did.
    pub fn caveat(&self) -> Option<String> {
        (self.not_converged > 0).then(|| {
            format!(
                "{} of {} runs not converged, at kappa {}",
                self.not_converged,
                self.runs,
                self.at
                    .iter()
                    .map(|k| number_text(*k))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }

    /// Why a series has no slope: its runs at `kappa > 1` did not apply, or fewer than two `kappa > 1` have
    /// a converged run (or, where two have, the converged runs took no iteration, which a log-log line
    /// cannot hold).
    pub fn refusal(&self) -> String {
        match self.kappas_converged {
            0 if self.runs == 0 && self.not_applicable > 0 => "not applicable".to_string(),
            0 if self.runs == 0 => "no run at kappa > 1".to_string(),
            0 => format!("no run converged at kappa > 1 ({} runs)", self.runs),
            k if k < 2 => format!("converged at only {k} of {} kappa values > 1", self.kappas),
            _ => "converged runs took no iteration".to_string(),
        }
    }
}

/// A slope for reading: `digits` significant digits.
pub fn slope_number(slope: f64, digits: usize) -> String {
    significant(slope, digits)
}

/// What a reader is told of a series' slope: `slope 0.12`, `slope 0.12; 2 of 9 runs not converged, at
/// kappa 1000` when some runs at `kappa > 1` did not converge, or `no slope: ...` with the reason when
/// fewer than two `kappa` values have a converged run.
pub fn slope_text(series: &KappaSeries, digits: usize) -> String {
    let count = SlopeCount::of(series);
    match series.fit {
        Some(f) => match count.caveat() {
            Some(c) => format!("slope {}; {c}", slope_number(f.slope, digits)),
            None => format!("slope {}", slope_number(f.slope, digits)),
        },
        None => format!("no slope: {}", count.refusal()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::scaling::{KappaCell, fit_loglog};
    use std::collections::BTreeMap;

    fn cell(kappa: f64, converged: &[f64], max_iters: usize) -> KappaCell {
        let mut statuses = BTreeMap::new();
        if !converged.is_empty() {
            statuses.insert(Status::Converged, converged.len());
        }
        if max_iters > 0 {
            statuses.insert(Status::MaxIters, max_iters);
        }
        KappaCell {
            kappa,
            statuses,
            converged_iters: converged.to_vec(),
            unconverged_iters: vec![1e4; max_iters],
        }
    }

    fn series(cells: Vec<KappaCell>) -> KappaSeries {
        let points: Vec<(f64, f64)> = cells
            .iter()
            .filter(|c| c.kappa > 1.0)
            .flat_map(|c| c.converged_iters.iter().map(move |k| (c.kappa, *k)))
            .collect();
        KappaSeries {
            optimizer: 0,
            fit: fit_loglog(&points),
            cells,
            theory: None,
        }
    }

    #[test]
    fn a_slope_through_a_thinned_kappa_says_how_many_runs_it_left_out_and_where() {
        let s = series(vec![
            cell(1.0, &[3.0], 2),
            cell(10.0, &[20.0, 21.0, 22.0], 0),
            cell(100.0, &[60.0, 61.0, 62.0], 0),
            cell(1000.0, &[100.0], 2),
        ]);
        let count = SlopeCount::of(&s);
        assert_eq!(count.runs, 9, "kappa = 1 is outside the fit");
        assert_eq!(count.not_converged, 2);
        assert_eq!(count.at, vec![1000.0]);
        let text = slope_text(&s, 3);
        assert!(
            text.starts_with("slope 0.")
                && text.ends_with("; 2 of 9 runs not converged, at kappa 1000"),
            "{text}"
        );
    }

    #[test]
    fn a_slope_over_converged_runs_only_is_plain() {
        let s = series(vec![cell(10.0, &[10.0], 0), cell(100.0, &[100.0], 0)]);
        assert_eq!(slope_text(&s, 3), "slope 1");
    }

    #[test]
    fn one_kappa_with_converged_runs_gives_no_slope_and_says_why() {
        let s = series(vec![cell(10.0, &[10.0, 12.0], 0), cell(100.0, &[], 2)]);
        assert_eq!(s.fit, None);
        assert_eq!(
            slope_text(&s, 2),
            "no slope: converged at only 1 of 2 kappa values > 1"
        );
        let mut inapplicable = cell(10.0, &[], 0);
        inapplicable.statuses.insert(Status::NotApplicable, 3);
        assert_eq!(
            slope_text(&series(vec![inapplicable]), 2),
            "no slope: not applicable"
        );
        let none = series(vec![cell(10.0, &[], 1), cell(100.0, &[], 2)]);
        assert_eq!(
            slope_text(&none, 2),
            "no slope: no run converged at kappa > 1 (3 runs)"
        );
    }
}
