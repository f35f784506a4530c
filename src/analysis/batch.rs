//! Steps to target against batch size: the question minibatch training asks (Zhang et al. 2019, "Which
//! algorithmic choices matter at which batch sizes?"; McCandlish et al. 2018, "An empirical model of
//! large-batch training").
//!
//! A study is a group of instances that differ only in `batch_size`. Per optimizer configuration and batch
//! size, the steps to target are the iterations of the runs that converged (the stop rule's target, usually
//! `f - f* <= f_tol`), with the samples they drew. Between consecutive batch sizes the speed-up per
//! doubling is `(S(B_j) / S(B_{j+1}))^(1 / log2(B_{j+1} / B_j))`: 2 is perfect scaling, 1 no gain. The
//! critical batch size is the smallest batch size from which doubling saves less than
//! [`CRITICAL_SAVING`] of the steps. In McCandlish et al.'s model `S(B) = S_min (1 + B_crit / B)` a
//! doubling from `B` saves `B_crit / (2 (B + B_crit))`, which is below a quarter exactly when `B > B_crit`:
//! with a quarter, the estimate is the first batch size of the grid beyond the model's `B_crit`.

use std::collections::BTreeMap;

use super::axis::{axis_groups, main_failure};
use super::sweep::Sweep;
use crate::stop::Status;
use crate::summary::median;

/// The fraction of steps a doubling of the batch size must save for it still to count as helping.
pub const CRITICAL_SAVING: f64 = 0.25;

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
    /// The critical batch size.
    pub critical: Critical,
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

/// The speed-ups per doubling between consecutive batch sizes with a median, and the critical batch size.
pub fn scaling(cells: &[BatchCell]) -> (Vec<(f64, f64, f64)>, Critical) {
    let points: Vec<(f64, f64)> = cells
        .iter()
        .filter_map(|c| c.median_steps().map(|s| (c.batch_size, s)))
        .collect();
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
                                .map(|r| r.outcome.iterations as f64)
                                .collect();
                            let mut samples: Vec<f64> = converged
                                .iter()
                                .map(|r| r.outcome.counts.samples as f64)
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
                    Some(BatchSeries {
                        optimizer: o,
                        cells,
                        speedups,
                        critical,
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
