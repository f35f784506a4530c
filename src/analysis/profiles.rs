//! Performance profiles (Dolan and Moré 2002) and data profiles (Moré and Wild 2009) over the problems of a
//! sweep.
//!
//! A *problem* `p` is one instance with one seed (the seed sets the start and any random structure); a
//! *solver* `s` is one optimizer configuration. The cost `t(p, s)` is the number of gradient-equivalent
//! evaluations the run used until its stop rule declared it converged; a run that did not converge (budget,
//! divergence, failure, not applicable) has `t = inf`. A cost of zero (the start already met the stop rule)
//! counts as one evaluation so that ratios stay defined.
//!
//! - Performance profile: `r(p, s) = t(p, s) / min_s t(p, s)` and `rho_s(tau) = |{p : r(p, s) <= tau}| / |P|`:
//!   the fraction of problems `s` solves within a factor `tau` of the best solver. `rho_s(1)` is how often
//!   `s` is the best; `rho_s(inf)` how often it converges at all.
//! - Data profile: `d_s(alpha) = |{p : t(p, s) <= alpha}| / |P|`, the fraction solved within a budget of
//!   `alpha` evaluations. Moré and Wild divide by `n_p + 1` to count derivative-free evaluations in simplex
//!   gradients; here one unit is already one gradient, so that divisor is 1.

use super::sweep::Sweep;
use crate::stop::Status;

/// The cost of every (problem, solver) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct CostMatrix {
    /// One label per problem: the instance label and the seed.
    pub problems: Vec<String>,
    /// `cost[p][s]`: gradient-equivalent evaluations to convergence, `None` when not converged.
    pub cost: Vec<Vec<Option<f64>>>,
}

/// Builds the cost matrix of a sweep: problems are (instance, seed) pairs in plan order, solvers are
/// [`Sweep::optimizers`] in order.
pub fn cost_matrix(sweep: &Sweep) -> CostMatrix {
    let seeds = sweep.seeds();
    let mut problems = Vec::new();
    let mut cost = Vec::new();
    for (i, inst) in sweep.instances.iter().enumerate() {
        for &seed in &seeds {
            let row: Vec<Option<f64>> = (0..sweep.optimizers.len())
                .map(|o| {
                    sweep
                        .runs(i, o)
                        .into_iter()
                        .find(|r| r.spec.seed == seed)
                        .filter(|r| r.outcome.status == Status::Converged)
                        .map(|r| (r.outcome.grad_equiv_evals as f64).max(1.0))
                })
                .collect();
            // A seed that no optimizer ran on this instance is not a problem of the sweep.
            let ran = (0..sweep.optimizers.len())
                .any(|o| sweep.runs(i, o).iter().any(|r| r.spec.seed == seed));
            if ran {
                problems.push(format!("{} seed={seed}", inst.label));
                cost.push(row);
            }
        }
    }
    CostMatrix { problems, cost }
}

/// A profile of one solver as a right-continuous step function: `value(x) = fraction of problems with
/// threshold <= x`, where `thresholds` are sorted ascending.
#[derive(Debug, Clone, PartialEq)]
pub struct StepProfile {
    /// Index of the solver.
    pub solver: usize,
    /// The finite thresholds (ratios or costs) of the problems the solver solved, ascending.
    pub thresholds: Vec<f64>,
    /// `|P|`, the number of problems.
    pub problems: usize,
}

impl StepProfile {
    /// The fraction of problems whose threshold is at most `x`.
    pub fn value(&self, x: f64) -> f64 {
        if self.problems == 0 {
            return 0.0;
        }
        let k = self.thresholds.partition_point(|t| *t <= x);
        k as f64 / self.problems as f64
    }

    /// The corners of the step function from `x_min` to `x_max`, ready to draw as a polyline.
    pub fn steps(&self, x_min: f64, x_max: f64) -> Vec<(f64, f64)> {
        let mut out = vec![(x_min, self.value(x_min))];
        for &t in self
            .thresholds
            .iter()
            .filter(|t| **t > x_min && **t <= x_max)
        {
            let before = out.last().map(|p| p.1).unwrap_or(0.0);
            out.push((t, before));
            out.push((t, self.value(t)));
        }
        let last = out.last().map(|p| p.1).unwrap_or(0.0);
        out.push((x_max, last));
        out.dedup();
        out
    }
}

/// The Dolan-Moré performance profile of every solver. Problems that no solver solved count in `|P|` and
/// are never reached.
pub fn performance_profiles(costs: &CostMatrix) -> Vec<StepProfile> {
    let solvers = costs.cost.first().map_or(0, Vec::len);
    (0..solvers)
        .map(|s| {
            let mut thresholds: Vec<f64> = costs
                .cost
                .iter()
                .filter_map(|row| {
                    let best = row.iter().flatten().copied().reduce(f64::min)?;
                    row[s].map(|t| t / best)
                })
                .collect();
            thresholds.sort_by(f64::total_cmp);
            StepProfile {
                solver: s,
                thresholds,
                problems: costs.cost.len(),
            }
        })
        .collect()
}

/// The Moré-Wild data profile of every solver, budgets in gradient-equivalent evaluations.
pub fn data_profiles(costs: &CostMatrix) -> Vec<StepProfile> {
    let solvers = costs.cost.first().map_or(0, Vec::len);
    (0..solvers)
        .map(|s| {
            let mut thresholds: Vec<f64> = costs.cost.iter().filter_map(|row| row[s]).collect();
            thresholds.sort_by(f64::total_cmp);
            StepProfile {
                solver: s,
                thresholds,
                problems: costs.cost.len(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four problems, three solvers; costs chosen so every ratio is exact in binary.
    fn example() -> CostMatrix {
        CostMatrix {
            problems: (0..4).map(|p| format!("p{p}")).collect(),
            cost: vec![
                vec![Some(10.0), Some(20.0), None],
                vec![Some(40.0), Some(10.0), Some(80.0)],
                vec![None, Some(30.0), Some(15.0)],
                vec![None, None, None],
            ],
        }
    }

    #[test]
    fn performance_profile_matches_hand_computed_ratios() {
        // Best costs: 10, 10, 15, none. Ratios: s0 = {1, 4}; s1 = {2, 1, 2}; s2 = {8, 1}.
        let prof = performance_profiles(&example());
        assert_eq!(prof[0].thresholds, vec![1.0, 4.0]);
        assert_eq!(prof[1].thresholds, vec![1.0, 2.0, 2.0]);
        assert_eq!(prof[2].thresholds, vec![1.0, 8.0]);
        // rho_s(1): how often each solver is best; 3 of 4 problems have a best, one has none.
        let at1: Vec<f64> = prof.iter().map(|p| p.value(1.0)).collect();
        assert_eq!(at1, vec![0.25, 0.25, 0.25]);
        assert_eq!(prof[1].value(1.999), 0.25);
        assert_eq!(prof[1].value(2.0), 0.75);
        assert_eq!(prof[2].value(1e9), 0.5, "s2 solves two of four");
    }

    #[test]
    fn data_profile_counts_problems_within_a_budget() {
        let prof = data_profiles(&example());
        assert_eq!(prof[0].value(9.0), 0.0);
        assert_eq!(prof[0].value(10.0), 0.25);
        assert_eq!(prof[0].value(40.0), 0.5);
        assert_eq!(prof[1].value(30.0), 0.75);
        assert_eq!(prof[2].value(15.0), 0.25);
    }

    #[test]
    fn steps_are_right_continuous_corners() {
        let p = StepProfile {
            solver: 0,
            thresholds: vec![1.0, 2.0, 2.0],
            problems: 4,
        };
        assert_eq!(
            p.steps(1.0, 4.0),
            vec![(1.0, 0.25), (2.0, 0.25), (2.0, 0.75), (4.0, 0.75)]
        );
    }
}
