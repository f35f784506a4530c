//! The embedded `nqm` batch-size study plans what its comment says: steps to a target that holds (not a first
//! passage), tuning grids that reach each method's stable limit on the largest curvature and go down to a
//! step whose stationary loss at B = 1 is well below the target, points a factor 2 apart at most, heavy ball at
//! several betas, and more than one tuning seed. The curvatures are read off the problem's own gradient (a
//! diagonal quadratic: `g(e_i) = h_i e_i`), the limits and the stationary loss from their closed forms.

use super::common;

use optzoo::plan::load;

/// The diagonal of the Hessian of a diagonal quadratic, from its gradients at the unit vectors.
fn curvatures(problem: &dyn optzoo::problem::Problem) -> Vec<f64> {
    let n = problem.dim();
    let (mut e, mut g) = (vec![0.0; n], vec![0.0; n]);
    (0..n)
        .map(|i| {
            e[i] = 1.0;
            problem.gradient(&e, &mut g);
            e[i] = 0.0;
            g[i]
        })
        .collect()
}

/// SGD's stationary expected loss on the noisy quadratic with noise covariance H / B: per coordinate the
/// variance solves `v = (1 - eta h)^2 v + eta^2 h / B`, so `1/2 h v = eta h / (2 B (2 - eta h))`.
fn sgd_stationary_loss(h: &[f64], eta: f64, b: f64) -> f64 {
    h.iter()
        .map(|&h| eta * h / (2.0 * b * (2.0 - eta * h)))
        .sum()
}

fn number(v: &serde_json::Value, key: &str) -> f64 {
    v.get(key)
        .and_then(serde_json::Value::as_f64)
        .unwrap_or(f64::NAN)
}

#[test]
fn the_nqm_study_holds_its_target_and_tunes_up_to_the_stable_limits() {
    let plan = load("nqm").expect("the embedded nqm config plans");
    let f_tol = plan.stop.f_tol.expect("a loss target");
    let hold = plan
        .stop
        .f_tol_hold
        .expect("steps to target that hold, not a first passage");

    let instance = plan
        .instances
        .iter()
        .find(|i| i.batch_size == Some(1))
        .expect("the study starts at B = 1");
    assert_eq!(instance.family, "nqm");
    // The closed form below is that of C = H.
    assert_eq!(number(&instance.params, "noise_level"), 1.0);
    assert_eq!(number(&instance.params, "noise_power"), 1.0);
    let (problem, _) = instance.build(0).expect("builds");
    let h = curvatures(problem.as_ref());
    let h_max = h.iter().copied().fold(0.0, f64::max);
    assert!(h_max > 0.0);

    let tuning = plan.tuning.as_ref().expect("a tuned study");
    assert!(
        tuning.seeds.len() >= 2,
        "tuned on {:?}: one seed picks a step on one noise draw",
        tuning.seeds
    );

    // The largest SGD step whose stationary loss at B = 1 is at the target: the loss's fluctuations
    // decorrelate no faster than 1 / (2 eta h_i) on the ten largest curvatures at any step the tuner can
    // keep there, and the hold must outlast that.
    let (mut lo, mut hi) = (0.0, 2.0 / h_max);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if sgd_stationary_loss(&h, mid, 1.0) < f_tol {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut sorted = h.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let decorrelation = 1.0 / (2.0 * lo * sorted[9]);
    assert!(
        hold as f64 >= 2.0 * decorrelation,
        "f_tol_hold = {hold} is not twice the decorrelation time {decorrelation:.0} at eta = {lo:.3}"
    );

    let mut betas = Vec::new();
    for group in tuning
        .groups
        .iter()
        .filter(|g| g.instances.iter().any(|i| i.batch_size == Some(1)))
    {
        let key = if group.optimizer == "adam" || group.optimizer == "rmsprop" {
            "lr"
        } else {
            "step"
        };
        let mut grid: Vec<f64> = group.trials.iter().map(|t| number(&t.tuned, key)).collect();
        grid.sort_by(f64::total_cmp);
        assert!(grid.iter().all(|v| v.is_finite() && *v > 0.0), "{grid:?}");
        for w in grid.windows(2) {
            assert!(
                w[1] / w[0] <= 2.0 * (1.0 + 1e-9),
                "{}: {} and {} more than a factor 2 apart",
                group.optimizer,
                w[0],
                w[1]
            );
        }
        let top = grid[grid.len() - 1];
        let bottom = grid[0];
        let limit = match group.optimizer.as_str() {
            "gd" => 2.0 / h_max,
            "momentum" => {
                let beta = number(&group.trials[0].optimizer.params, "beta");
                assert!(
                    group
                        .trials
                        .iter()
                        .all(|t| number(&t.optimizer.params, "beta") == beta),
                    "a heavy-ball configuration keeps its beta over its trials"
                );
                betas.push(beta);
                // Heavy ball on curvature h is stable for eta h < 2 (1 + beta).
                2.0 * (1.0 + beta) / h_max
            }
            // Adam's and RMSprop's usual largest learning rate.
            "adam" | "rmsprop" => 1.0,
            other => panic!("an optimizer the study does not describe: {other}"),
        };
        assert!(
            top >= limit * (1.0 - 1e-9),
            "{}: the grid stops at {top}, below the stable limit {limit}",
            group.optimizer
        );
        if group.optimizer == "gd" {
            let floor = sgd_stationary_loss(&h, bottom, 1.0);
            assert!(
                floor <= 0.5 * f_tol,
                "gd's smallest step {bottom} leaves a stationary loss {floor} at B = 1, not well below {f_tol}"
            );
        }
        if group.optimizer == "momentum" {
            // With momentum the noise floor is that of SGD at the effective step eta / (1 - beta).
            let beta = betas[betas.len() - 1];
            let effective = bottom / (1.0 - beta);
            assert!(
                effective < 2.0 / h_max && sgd_stationary_loss(&h, effective, 1.0) <= 0.5 * f_tol,
                "heavy ball (beta {beta}): its smallest step {bottom} is too large to hold the target at B = 1"
            );
        }
    }
    betas.sort_by(f64::total_cmp);
    betas.dedup();
    assert!(
        betas.len() >= 3 && betas[0] <= 0.5 && betas[betas.len() - 1] >= 0.99,
        "heavy ball's beta is tuned over a small grid from 0.5 to 0.99, got {betas:?}"
    );
}

#[test]
fn the_dry_run_of_the_nqm_study_states_the_hold_and_the_tuning_seeds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = common::optzoo(dir.path(), &["run", "nqm", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let stop = stdout
        .lines()
        .find(|l| l.starts_with("stop: "))
        .expect("the plan prints its stop rule");
    assert!(stop.contains("\"f_tol_hold\":"), "{stop}");
    let tuning = stdout
        .lines()
        .find(|l| l.starts_with("tuning: "))
        .expect("the plan prints its tuning");
    let seeds = tuning
        .split("on seeds [")
        .nth(1)
        .and_then(|s| s.split(']').next())
        .expect("tuning seeds listed");
    assert!(seeds.split(',').count() >= 2, "{tuning}");
}
