//! The selection rule of a tuning: which trial's settings go on to the evaluation seeds.
//!
//! A trial is scored over all of its runs (every instance of its group, every tuning seed) by a tuple
//! compared lexicographically, ties going to the lower trial index:
//! - `final-gap`: (runs that diverged or failed, mean of `log10(f - f_ref)`, mean of `log10(evals)`);
//! - `evals-to-target`: (runs that did not converge, mean of `log10(evals)` over the runs that converged,
//!   mean of `log10(f - f_ref)`).
//!
//! `f_ref` is `f*` where the problem knows it, else the least final value any trial of the group reached on
//! that instance and seed (the best found, as in benchopt's suboptimality curves). Gaps are floored at
//! `eps (1 + |f_ref|)`, the resolution of `f` near `f_ref`, so that two trials that both reach the optimum to
//! rounding tie on the gap and are told apart by the next entry. Log-means weigh instances of very
//! different scales (a kappa-1e6 quadratic beside a kappa-10 one) equally.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::stop::Status;
use crate::store::RunRecord;

pub use crate::record::Rule;

/// The score of one trial; lower is better, compared in field order.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// Runs that count against the trial: diverged or failed (`final-gap`), not converged
    /// (`evals-to-target`).
    pub bad: usize,
    /// Mean `log10(f - f_ref)` over the runs that did not diverge or fail (`inf` if none).
    pub mean_log_gap: f64,
    /// Mean `log10(gradient-equivalent evaluations)` over the same runs (`final-gap`) or over the
    /// converged runs (`evals-to-target`); `inf` if none.
    pub mean_log_evals: f64,
}

impl Score {
    fn key(&self, rule: Rule) -> (usize, f64, f64) {
        match rule {
            Rule::FinalGap => (self.bad, self.mean_log_gap, self.mean_log_evals),
            Rule::EvalsToTarget => (self.bad, self.mean_log_evals, self.mean_log_gap),
        }
    }
}

fn broke(r: &RunRecord) -> bool {
    matches!(
        r.outcome.status,
        Status::Diverged | Status::Failed | Status::NotApplicable
    ) || !r.outcome.final_value.is_finite()
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        f64::INFINITY
    } else {
        sum / n as f64
    }
}

/// Scores every trial of one group. `trials[t]` holds the runs of trial `t`.
pub fn scores(rule: Rule, trials: &[Vec<&RunRecord>]) -> Vec<Score> {
    // f_ref per (instance, seed): f* where known, else the best final value of any trial.
    let mut best: BTreeMap<(String, u64), f64> = BTreeMap::new();
    for r in trials.iter().flatten() {
        let key = (r.spec.problem.params.to_string(), r.spec.seed);
        let v = match r.outcome.optimum_value {
            Some(f) => f,
            None if broke(r) => continue,
            None => r.outcome.final_value,
        };
        best.entry(key).and_modify(|b| *b = b.min(v)).or_insert(v);
    }
    let log_gap = |r: &RunRecord| {
        let f_ref = best
            .get(&(r.spec.problem.params.to_string(), r.spec.seed))
            .copied()
            .unwrap_or(r.outcome.final_value);
        let floor = f64::EPSILON * (1.0 + f_ref.abs());
        (r.outcome.final_value - f_ref).max(floor).log10()
    };
    let log_evals = |r: &RunRecord| (r.outcome.grad_equiv_evals.max(1) as f64).log10();
    trials
        .iter()
        .map(|runs| {
            let good: Vec<&&RunRecord> = runs.iter().filter(|r| !broke(r)).collect();
            let mean_log_gap = mean(good.iter().map(|r| log_gap(r)));
            match rule {
                Rule::FinalGap => Score {
                    bad: runs.len() - good.len(),
                    mean_log_gap,
                    mean_log_evals: mean(good.iter().map(|r| log_evals(r))),
                },
                Rule::EvalsToTarget => {
                    let converged: Vec<&&RunRecord> = runs
                        .iter()
                        .filter(|r| r.outcome.status == Status::Converged)
                        .collect();
                    Score {
                        bad: runs.len() - converged.len(),
                        mean_log_gap,
                        mean_log_evals: mean(converged.iter().map(|r| log_evals(r))),
                    }
                }
            }
        })
        .collect()
}

/// The index of the best trial under `rule` (the lowest index among equals); `None` for no trials.
pub fn best(rule: Rule, scores: &[Score]) -> Option<usize> {
    (0..scores.len()).min_by(|&a, &b| {
        let (ka, kb) = (scores[a].key(rule), scores[b].key(rule));
        ka.0.cmp(&kb.0)
            .then(ka.1.total_cmp(&kb.1))
            .then(ka.2.total_cmp(&kb.2))
            .then(a.cmp(&b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(bad: usize, gap: f64, evals: f64) -> Score {
        Score {
            bad,
            mean_log_gap: gap,
            mean_log_evals: evals,
        }
    }

    #[test]
    fn fewer_failures_beat_a_better_gap_and_ties_go_to_the_first_trial() {
        let s = [
            score(1, -12.0, 1.0),
            score(0, -3.0, 2.0),
            score(0, -5.0, 3.0),
            score(0, -5.0, 3.0),
        ];
        assert_eq!(best(Rule::FinalGap, &s), Some(2));
        // By evaluations: trial 1 is cheapest among those with no failure.
        assert_eq!(best(Rule::EvalsToTarget, &s), Some(1));
        assert_eq!(best(Rule::FinalGap, &[]), None);
    }

    #[test]
    fn a_nan_mean_sorts_last_not_first() {
        let s = [score(0, f64::NAN, 1.0), score(0, 5.0, 1.0)];
        // total_cmp puts positive NaN above every number.
        assert_eq!(best(Rule::FinalGap, &s), Some(1));
    }
}
