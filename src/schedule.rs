//! The order in which a sweep starts its runs: the largest expected work first.
//!
//! A sweep's wall time on `J` workers is at least its longest run and at least its total work over `J`. Runs
//! handed out in plan order can start the longest one last (a Newton run on the largest network of a suite
//! is often the last of the plan), so that one worker runs it alone after all others finished. Handing the
//! runs out largest first (the longest-processing-time rule) keeps the wall time within 4/3 of the best
//! schedule. Results do not depend on the order: every run is seeded from its own spec, and records are
//! returned and written in plan order.
//!
//! The work of a run is not known before it runs, so it is estimated from what the plan already states (see
//! [`crate::memory`]): building the problem ([`crate::problems::FamilyConfig::build_work`]: its data written
//! once, or a dense factorisation where the family makes one), plus the iteration cap times the bytes an
//! iteration touches, which is the problem's data (every evaluation reads it) plus, for an optimizer that keeps
//! dense `n x n` matrices (a Hessian, its factors), those bytes times `n / 8` (a factorisation does `O(n^3)`
//! work on `O(n^2)` numbers), plus the optimizer's history. The unit is about one floating-point operation or
//! byte touched; the estimate is an upper bound where runs converge before their cap. The schedule needs only
//! the ranking, among the largest runs; `optzoo run --dry-run` prints the total and the largest runs.

use crate::optimizers::Checked;
use crate::problems::Instance;

/// The expected work of a run of `optimizer` on `instance`: building the problem, then at most `max_iters`
/// iterations, in units of about one flop or byte touched (see the module docs).
pub fn expected_work(instance: &Instance, optimizer: &Checked, max_iters: u64) -> f64 {
    let problem = instance.memory();
    let n = problem.dim as f64;
    let kept = optimizer.optimizer.memory(problem.dim);
    let dense = (kept.hessian as f64 + kept.factors as f64) * n / 8.0;
    let per_iteration = problem.need.data as f64 + dense + kept.history as f64;
    instance.build_work() + max_iters as f64 * per_iteration.max(1.0)
}

/// The indices of `work`, largest first; equal estimates keep their order.
pub fn largest_first(work: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..work.len()).collect();
    order.sort_by(|&a, &b| work[b].total_cmp(&work[a]).then(a.cmp(&b)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceText;
    use crate::plan::plan;

    /// The runs of a plan in the order the sweep starts them, as `optimizer mode @ family`.
    fn started(config: &str) -> Vec<String> {
        let src = SourceText {
            name: "schedule.toml".into(),
            text: config.into(),
            dir: None,
        };
        let p = plan(&src, "schedule").expect("a valid config");
        let work: Vec<f64> = p
            .runs
            .iter()
            .map(|r| expected_work(&r.instance, &r.optimizer, r.spec.stop.max_iters))
            .collect();
        largest_first(&work)
            .into_iter()
            .map(|i| {
                let s = &p.runs[i].spec;
                let mode = s.optimizer.params.get("mode").and_then(|m| m.as_str());
                format!(
                    "{} {} @ {}",
                    s.optimizer.name,
                    mode.unwrap_or(""),
                    s.problem.family
                )
            })
            .collect()
    }

    #[test]
    fn newton_on_the_largest_network_starts_first_and_ties_keep_plan_order() {
        let order = started(
            r#"
            [stop]
            max_iters = 100
            [[problem]]
            family = "rosenbrock"
            dim = 10
            [[problem]]
            family = "mlp"
            widths = [[8, 16, 16, 4]]
            samples = 128
            [[optimizer]]
            name = "gd"
            [[optimizer]]
            name = "lbfgs"
            [[optimizer]]
            name = "newton"
            mode = ["line-search", "saddle-free"]
            "#,
        );
        assert_eq!(order[0], "newton saddle-free @ mlp", "{order:?}");
        assert_eq!(order[1], "newton line-search @ mlp", "{order:?}");
        assert_eq!(order.len(), 8);
        // The cheapest runs come last: first-order methods on the 10-D Rosenbrock function.
        assert!(
            order[6..].iter().all(|r| r.ends_with("@ rosenbrock")),
            "{order:?}"
        );
    }

    #[test]
    fn equal_estimates_keep_plan_order() {
        assert_eq!(largest_first(&[1.0, 3.0, 1.0, 3.0]), vec![1, 3, 0, 2]);
        assert_eq!(largest_first(&[]), Vec::<usize>::new());
    }
}
