//! The embedded `saddles` suite end to end: it plans, every instance builds, and gradient descent with an
//! Armijo line search runs every instance to a recorded outcome that the theory predicts.

use optzoo::config::SourceText;
use optzoo::plan::plan;
use optzoo::{Status, execute};

const CONFIG: &str = r#"
name = "saddles-gd"
seeds = [0, 1]
suites = ["saddles"]
[stop]
grad_rtol = 1e-8
max_iters = 20000
[[optimizer]]
name = "gd"
step = "armijo"
"#;

#[test]
fn saddles_suite_runs_under_gradient_descent() {
    let src = SourceText {
        name: "saddles-gd.toml".into(),
        text: CONFIG.into(),
        dir: None,
    };
    let plan = plan(&src, "saddles-gd").expect("the config and the embedded suite are valid");
    // himmelblau, six-hump-camel, styblinski-tang x2, monkey-saddle x2, double-well x4, deep-linear.
    assert_eq!(plan.instances.len(), 11);
    assert_eq!(plan.runs.len(), 22);
    for run in &plan.runs {
        let record = execute(run);
        let out = &record.outcome;
        let family = run.instance.family;
        let what = format!(
            "{family} {}: {:?} {:?}",
            run.instance.params, out.status, out.message
        );
        match family {
            // Unbounded below: either it leaves along a valley (diverged) or it stalls (small gradient).
            "monkey-saddle" => assert!(
                matches!(
                    out.status,
                    Status::Diverged | Status::Converged | Status::MaxIters
                ),
                "{what}"
            ),
            _ => {
                assert_eq!(out.status, Status::Converged, "{what}");
                let f_star = out.optimum_value.expect("f* is documented");
                // Every other family, from its standard start (seed-independent, except deep-linear whose
                // start is random but small), descends to a global minimum: himmelblau has no other minima,
                // the double wells and Styblinski-Tang separate into 1-D descents from the global side,
                // six-hump-camel leaves its central saddle towards a global minimum, and deep linear
                // networks have no spurious local minima (Kawaguchi 2016). The gap left at
                // ||g|| <= 1e-8 ||g_0|| is of order ||g||^2 / mu, far below 1e-10 here.
                let gap = out.final_value - f_star;
                assert!(
                    gap.abs() <= 1e-10 * (1.0 + f_star.abs()),
                    "{what}: f - f* = {gap:e}"
                );
            }
        }
    }
}
