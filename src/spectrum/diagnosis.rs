//! Where a run ended: the second-order verdict at its final point, recorded when a config sets
//! `diagnose = true`.
//!
//! The verdict of [`spectrum::classify`] only holds at a critical point, so a final point whose gradient is
//! not small is `not-critical` whatever its curvature. "Small" is `||g|| <= CRITICAL_RTOL * max(1, ||g_0||)`,
//! or the stop rule's own gradient tolerance where that is looser, so that a run the stop rule called
//! converged on its gradient is judged at a critical point. The spectrum is dense (every eigenvalue, via
//! faer) up to [`spectrum::DENSE_MAX_DIM`], else the two extremes by Lanczos on Hessian-vector
//! products, which give the verdict but not a saddle's index.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::problem::Problem;
use crate::spectrum::{self, Verdict};
use crate::stop::StopRule;

/// The relative gradient norm below which a final point counts as critical.
pub const CRITICAL_RTOL: f64 = 1e-5;

pub use crate::record::{Diagnosis, Ending};

/// The bound on `||g||` under which a point counts as critical (see the module docs).
pub fn grad_bound(stop: &StopRule, grad_norm0: f64) -> f64 {
    let own = CRITICAL_RTOL * grad_norm0.max(1.0);
    let rule = stop
        .grad_rtol
        .map(|r| r * grad_norm0)
        .into_iter()
        .chain(stop.grad_atol)
        .fold(0.0f64, f64::max);
    own.max(rule)
}

/// Diagnoses `x`, given its gradient norm; `None` when the problem has no second derivatives or the
/// spectrum cannot be computed there (non-finite point).
pub fn diagnose(
    problem: &dyn Problem,
    x: &[f64],
    grad_norm: f64,
    bound: f64,
    seed: u64,
) -> Option<Diagnosis> {
    let so = problem.second_order()?;
    if !x.iter().all(|v| v.is_finite()) {
        return None;
    }
    let n = x.len();
    let tol = spectrum::default_zero_tol();
    let (verdict, lo, hi, method, index) = if n <= spectrum::DENSE_MAX_DIM {
        let mut h = Mat::<f64>::zeros(n, n);
        so.hessian(x, &mut h);
        let ev = spectrum::dense_spectrum(&h).ok()?;
        let v = spectrum::classify(&ev, tol);
        let index = match v {
            Verdict::Minimum => 0,
            Verdict::Maximum => n,
            Verdict::Saddle { index } => index,
            Verdict::Degenerate { negative, .. } => negative,
        };
        (v, *ev.first()?, *ev.last()?, "dense", Some(index))
    } else {
        let mut hvp = |v: &[f64], out: &mut [f64]| so.hvp(x, v, out);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (lo, hi) = spectrum::lanczos_extremes(&mut hvp, n, 300, 1e-8, &mut rng).ok()?;
        (spectrum::classify(&[lo, hi], tol), lo, hi, "lanczos", None)
    };
    // A NaN gradient norm is not small either.
    let critical = grad_norm <= bound;
    let ending = if !critical {
        Ending::NotCritical
    } else {
        match verdict {
            Verdict::Minimum => Ending::Minimum,
            Verdict::Maximum => Ending::Maximum,
            Verdict::Saddle { .. } => Ending::Saddle,
            Verdict::Degenerate { .. } => Ending::Degenerate,
        }
    };
    Some(Diagnosis {
        ending,
        index,
        lambda_min: lo,
        lambda_max: hi,
        kappa: (lo > 0.0 && ending == Ending::Minimum).then(|| hi / lo),
        grad_norm,
        grad_bound: bound,
        method: method.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::Instance;

    fn double_well(dim: usize) -> Box<dyn Problem> {
        let fam = crate::problems::family("double-well").expect("registered");
        let table: toml::Table =
            toml::from_str(&format!("dim = {dim}\nindex = 1\ncurvature = 2.0")).expect("TOML");
        Instance::parse(fam, &table)
            .and_then(|i| i.build(0).map_err(crate::params::ParamError::table))
            .expect("builds")
            .0
    }

    #[test]
    fn the_double_well_saddle_minimum_and_a_slope_are_told_apart() {
        // f = sum_i a_i x_i^2 / 2 + x_i^4 / 4 with a = (-c, c, c): the origin is a saddle of index 1.
        let p = double_well(3);
        let origin = [0.0; 3];
        let d = diagnose(p.as_ref(), &origin, 0.0, 1e-5, 0).expect("second order");
        assert_eq!(d.ending, Ending::Saddle);
        assert_eq!(d.index, Some(1));
        assert!(d.lambda_min < 0.0 && d.lambda_max > 0.0);
        // A documented minimum.
        let min = p
            .critical_points()
            .into_iter()
            .find(|c| c.index == 0 && c.nullity == 0)
            .expect("a minimum is documented");
        let mut g = vec![0.0; 3];
        p.value_and_gradient(&min.point, &mut g);
        let gn = crate::vector::norm(&g);
        let d = diagnose(p.as_ref(), &min.point, gn, 1e-5, 0).expect("second order");
        assert_eq!(d.ending, Ending::Minimum, "{d:?}");
        assert!(d.kappa.is_some_and(|k| k >= 1.0));
        // The same point with a large gradient norm is not critical.
        let d = diagnose(p.as_ref(), &min.point, 1.0, 1e-5, 0).expect("second order");
        assert_eq!(d.ending, Ending::NotCritical);
    }

    #[test]
    fn the_stop_rules_gradient_tolerance_loosens_the_bound() {
        let stop = StopRule {
            grad_rtol: Some(1e-3),
            ..StopRule::default()
        };
        assert_eq!(grad_bound(&stop, 10.0), 1e-2);
        let tight = StopRule {
            grad_rtol: Some(1e-12),
            grad_atol: None,
            ..StopRule::default()
        };
        assert_eq!(grad_bound(&tight, 10.0), CRITICAL_RTOL * 10.0);
    }
}
