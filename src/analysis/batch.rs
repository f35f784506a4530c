//! Steps to target against batch size: the question minibatch training asks (Zhang et al. 2019, "Which
//! algorithmic choices matter at which batch sizes?"; McCandlish et al. 2018, "An empirical model of
//! large-batch training").
//!
//! A study is a group of instances that differ only in `batch_size`. Per optimizer configuration and batch
//! size, the steps to target are those of the runs that converged (the stop rule's target, usually
//! `f - f* <= f_tol`: their iterations, or under `f_tol_hold` the first iteration of the stretch that held,
//! see [`crate::stop`]), with the samples they drew to get there. Between consecutive batch sizes the speed-up per
//! doubling is `(S(B_j) / S(B_{j+1}))^(1 / log2(B_{j+1} / B_j))`: 2 is perfect scaling, 1 no gain. The
//! critical batch size is the smallest batch size from which doubling saves less than
//! [`CRITICAL_SAVING`] of the steps. In McCandlish et al.'s model `S(B) = S_min (1 + B_crit / B)` a
//! doubling from `B` saves `B_crit / (2 (B + B_crit))`, which is below a quarter exactly when `B > B_crit`:
//! with a quarter, the estimate is the first batch size of the grid beyond the model's `B_crit`.
//!
//! McCandlish et al.'s own critical batch size is the model's parameter, `B_crit = E_min / S_min`, from
//! `S = S_min (1 + B_crit / B)`, equivalently `S = S_min + E_min / B` with `E = B S` the samples, or
//! `(S / S_min - 1)(E / E_min - 1) = 1`. [`fit_empirical`] fits it to the medians of a series by least
//! squares of the relative residuals `(S_j - S_min - E_min / B_j) / S_j`: linear in `(S_min, E_min)`, so
//! solved in closed form, and every batch size weighs alike whatever its steps. It is a continuous value
//! that does not depend on where the grid's doublings fall, where the doubling rule jumps a grid point at a
//! time; both are reported.

use std::collections::BTreeMap;

use super::axis::{axis_groups, main_failure};
use super::sweep::Sweep;
use crate::stop::Status;
use crate::summary::median;

/// The fraction of steps a doubling of the batch size must save for it still to count as helping.
pub const CRITICAL_SAVING: f64 = 0.25;

/// McCandlish et al.'s model `S = S_min (1 + B_crit / B)` fitted to a series (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmpiricalFit {
    /// The fewest steps, at infinite batch size.
    pub s_min: f64,
    /// The fewest samples, at batch size 0.
    pub e_min: f64,
    /// `E_min / S_min`.
    pub b_crit: f64,
}

impl EmpiricalFit {
    /// The model's steps at batch size `b`.
    pub fn steps(&self, b: f64) -> f64 {
        self.s_min * (1.0 + self.b_crit / b)
    }
}

/// Fits `S = S_min + E_min / B` to `(B, S)` points by least squares of the relative residuals
/// `(S - S_min - E_min / B) / S`; `None` with fewer than two batch sizes or where the best fit has no
/// positive `S_min` and `E_min` (no saturation, or no gain, in the data; positive beyond rounding).
pub fn fit_empirical(points: &[(f64, f64)]) -> Option<EmpiricalFit> {
    // With u = 1 / S and v = 1 / (B S) the residual is 1 - S_min u - E_min v: normal equations of a
    // two-parameter linear least squares.
    let (mut uu, mut uv, mut vv, mut su, mut sv) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(b, steps) in points {
        let (u, v) = (1.0 / steps, 1.0 / (b * steps));
        uu += u * u;
        uv += u * v;
        vv += v * v;
        su += u;
        sv += v;
    }
    let det = uu * vv - uv * uv;
    if points.len() < 2 || det.abs() <= 1e-12 * uu * vv {
        return None;
    }
    let s_min = (su * vv - sv * uv) / det;
    let e_min = (uu * sv - uv * su) / det;
    // Positive beyond rounding: perfect scaling fits S_min = 0 up to the last digits.
    let (least_s, least_e) = points
        .iter()
        .fold((f64::INFINITY, f64::INFINITY), |(s, e), &(b, v)| {
            (s.min(v), e.min(b * v))
        });
    let positive = s_min > 1e-9 * least_s && e_min > 1e-9 * least_e;
    (positive && s_min.is_finite() && e_min.is_finite()).then(|| EmpiricalFit {
        s_min,
        e_min,
        b_crit: e_min / s_min,
    })
}

/// The runs of one optimizer configuration at one batch size.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchCell {
    /// The batch size.
    pub batch_size: f64,
    /// How many runs of each status.
    pub statuses: BTreeMap<Status, usize>,
    /// Steps to target of the converged runs, ascending.
    pub steps: Vec<f64>,
    /// Samples the converged runs drew, ascending.
    pub samples: Vec<f64>,
}

impl BatchCell {
    /// The median steps to target, where a run converged.
    pub fn median_steps(&self) -> Option<f64> {
        median(&mut self.steps.clone())
    }

    /// The median samples to target, where a run converged.
    pub fn median_samples(&self) -> Option<f64> {
        median(&mut self.samples.clone())
    }

    /// The number of runs.
    pub fn runs(&self) -> usize {
        self.statuses.values().sum()
    }

    /// The number of runs that reached the target.
    pub fn converged(&self) -> usize {
        self.statuses.get(&Status::Converged).copied().unwrap_or(0)
    }

    /// The status most runs that did not reach the target ended with (ties: report order), if any.
    pub fn main_failure(&self) -> Option<Status> {
        main_failure(&self.statuses)
    }
}

/// Where the benefit of a larger batch ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Critical {
    /// The smallest batch size from which doubling saves less than [`CRITICAL_SAVING`] of the steps.
    At(f64),
    /// Every doubling up to this, the largest batch size with a result, still saved more.
    Beyond(f64),
    /// Fewer than two batch sizes reached the target.
    Unknown,
}

/// One optimizer configuration across the batch sizes of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSeries {
    /// Index into [`Sweep::optimizers`].
    pub optimizer: usize,
    /// One cell per batch size of the study, ascending.
    pub cells: Vec<BatchCell>,
    /// The speed-up per doubling from each batch size with a result to the next one with a result:
    /// (from, to, speed-up).
    pub speedups: Vec<(f64, f64, f64)>,
    /// The critical batch size by the doubling rule.
    pub critical: Critical,
    /// McCandlish et al.'s model fitted to the medians, where it fits.
    pub fit: Option<EmpiricalFit>,
}

/// The instances of one family that differ only in `batch_size`, with every optimizer configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchStudy {
    /// The family.
    pub family: String,
    /// The other parameters, as `key=value`.
    pub shared: String,
    /// A label that tells studies of the same sweep apart.
    pub label: String,
    /// The batch sizes, ascending.
    pub batch_sizes: Vec<f64>,
    /// One series per optimizer configuration that ran on these instances.
    pub series: Vec<BatchSeries>,
    /// The median gradient noise scale `tr(H C) / (g' H g)` at the start over the study's runs, where
    /// the problem knows it.
    pub noise_scale: Option<f64>,
}

/// `(B, median steps)` of the cells with a median.
pub fn medians(cells: &[BatchCell]) -> Vec<(f64, f64)> {
    cells
        .iter()
        .filter_map(|c| c.median_steps().map(|s| (c.batch_size, s)))
        .collect()
}

/// The speed-ups per doubling between consecutive batch sizes with a median, and the critical batch size.
pub fn scaling(cells: &[BatchCell]) -> (Vec<(f64, f64, f64)>, Critical) {
    let points = medians(cells);
    let speedups: Vec<(f64, f64, f64)> = points
        .windows(2)
        .map(|w| {
            let ((b0, s0), (b1, s1)) = (w[0], w[1]);
            (b0, b1, (s0 / s1).powf(1.0 / (b1 / b0).log2()))
        })
        .collect();
    let critical = match speedups
        .iter()
        .find(|(_, _, r)| 1.0 - 1.0 / r < CRITICAL_SAVING)
    {
        Some(&(b, _, _)) => Critical::At(b),
        None if points.len() >= 2 => Critical::Beyond(points[points.len() - 1].0),
        None => Critical::Unknown,
    };
    (speedups, critical)
}

/// Every batch-size study of a sweep.
pub fn batch_studies(sweep: &Sweep) -> Vec<BatchStudy> {
    axis_groups(sweep, "batch_size")
        .into_iter()
        .map(|group| {
            let mut scales = Vec::new();
            let series = (0..sweep.optimizers.len())
                .filter_map(|o| {
                    let cells: Vec<BatchCell> = group
                        .members
                        .iter()
                        .map(|&(i, batch_size)| {
                            let runs = sweep.runs(i, o);
                            let mut statuses = BTreeMap::new();
                            for r in &runs {
                                *statuses.entry(r.outcome.status).or_insert(0) += 1;
                                scales.extend(r.outcome.noise_scale);
                            }
                            let converged: Vec<_> = runs
                                .iter()
                                .filter(|r| r.outcome.status == Status::Converged)
                                .collect();
                            let mut steps: Vec<f64> = converged
                                .iter()
                                .map(|r| r.outcome.steps_to_target() as f64)
                                .collect();
                            // Samples drawn up to the target: the run's, in proportion where it went on
                            // to hold the target (one minibatch per step).
                            let mut samples: Vec<f64> = converged
                                .iter()
                                .map(|r| {
                                    let o = &r.outcome;
                                    let share = if o.iterations > 0 {
                                        o.steps_to_target() as f64 / o.iterations as f64
                                    } else {
                                        1.0
                                    };
                                    o.counts.samples as f64 * share
                                })
                                .collect();
                            steps.sort_by(f64::total_cmp);
                            samples.sort_by(f64::total_cmp);
                            BatchCell {
                                batch_size,
                                statuses,
                                steps,
                                samples,
                            }
                        })
                        .collect();
                    if cells.iter().all(|c| c.runs() == 0) {
                        return None;
                    }
                    let (speedups, critical) = scaling(&cells);
                    let fit = fit_empirical(&medians(&cells));
                    Some(BatchSeries {
                        optimizer: o,
                        cells,
                        speedups,
                        critical,
                        fit,
                    })
                })
                .collect();
            BatchStudy {
                batch_sizes: group.members.iter().map(|m| m.1).collect(),
                family: group.family,
                shared: group.shared,
                label: group.label,
                series,
                noise_scale: median(&mut scales),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(b: f64, steps: f64) -> BatchCell {
        BatchCell {
            batch_size: b,
            statuses: BTreeMap::from([(Status::Converged, 1)]),
            steps: vec![steps],
            samples: vec![steps * b],
        }
    }

    #[test]
    fn the_critical_batch_of_the_empirical_model_is_the_first_beyond_b_crit() {
        // S(B) = 100 (1 + 24 / B) on B = 1, 2, 4, ..., 256: doubling from B saves 24 / (2 (B + 24)), below
        // a quarter from B = 32 on (16 saves 0.3, 32 saves 0.214).
        let cells: Vec<BatchCell> = (0..9)
            .map(|j| {
                let b = 2f64.powi(j);
                cell(b, 100.0 * (1.0 + 24.0 / b))
            })
            .collect();
        let (speedups, critical) = scaling(&cells);
        assert_eq!(critical, Critical::At(32.0));
        assert_eq!(speedups.len(), 8);
        let (b0, b1, r) = speedups[0];
        assert_eq!((b0, b1), (1.0, 2.0));
        assert!((r - 25.0 / 13.0).abs() < 1e-12);
    }

    #[test]
    fn the_fit_recovers_the_model_and_a_case_computed_by_hand() {
        // Points on S = 100 (1 + 24 / B): E_min = 2400, S_min = 100, B_crit = 24, and every point satisfies
        // (S / S_min - 1)(E / E_min - 1) = 1.
        let on: Vec<(f64, f64)> = (0..9)
            .map(|j| 2f64.powi(j))
            .map(|b| (b, 100.0 * (1.0 + 24.0 / b)))
            .collect();
        let fit = fit_empirical(&on).expect("fits");
        assert!((fit.s_min - 100.0).abs() < 1e-9 && (fit.e_min - 2400.0).abs() < 1e-7);
        assert!((fit.b_crit - 24.0).abs() < 1e-10);
        for &(b, s) in &on {
            let product = (s / fit.s_min - 1.0) * (b * s / fit.e_min - 1.0);
            assert!((product - 1.0).abs() < 1e-9);
        }
        // By hand, (B, S) = (1, 10), (2, 6), (4, 5): u = 1/S = (1/10, 1/6, 1/5), v = 1/(B S) = (1/10, 1/12,
        // 1/20); sum u^2 = 7/90, sum uv = 61/1800, sum v^2 = 7/360, sum u = 7/15, sum v = 7/30; the normal
        // equations give det = 131/360000, S_min = 420/131, E_min = 840/131, B_crit = 2.
        let fit = fit_empirical(&[(1.0, 10.0), (2.0, 6.0), (4.0, 5.0)]).expect("fits");
        assert!((fit.s_min - 420.0 / 131.0).abs() < 1e-12, "{fit:?}");
        assert!((fit.e_min - 840.0 / 131.0).abs() < 1e-12, "{fit:?}");
        assert!((fit.b_crit - 2.0).abs() < 1e-12, "{fit:?}");
        // Perfect scaling throughout has no saturation: no positive S_min.
        assert_eq!(
            fit_empirical(&[(1.0, 400.0), (2.0, 200.0), (4.0, 100.0)]),
            None
        );
        assert_eq!(fit_empirical(&[(1.0, 10.0)]), None);
    }

    #[test]
    fn speedups_are_per_doubling_across_uneven_steps() {
        // Perfect scaling over a factor 4: 2 per doubling; flat after.
        let cells = [cell(1.0, 400.0), cell(4.0, 100.0), cell(16.0, 100.0)];
        let (speedups, critical) = scaling(&cells);
        assert!((speedups[0].2 - 2.0).abs() < 1e-12);
        assert!((speedups[1].2 - 1.0).abs() < 1e-12);
        assert_eq!(critical, Critical::At(4.0));
        let (_, beyond) = scaling(&cells[..2]);
        assert_eq!(beyond, Critical::Beyond(4.0));
        assert_eq!(scaling(&cells[..1]).1, Critical::Unknown);
    }
}
