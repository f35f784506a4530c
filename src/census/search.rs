//! From one start to a critical point: a damped Gauss-Newton (Levenberg-Marquardt) iteration on
//! `phi(x) = ||g(x)||^2 / 2`, then Newton polishing.
//!
//! The residual is the gradient `g`, whose Jacobian is the Hessian `H`. Each step is
//!
//! `d = -(H^2 + mu I)^{-1} H g`, with `mu = ||g||^2`,
//!
//! computed from the eigendecomposition `H = Q diag(lambda) Q'` as `d = -Q diag(lambda_i / (lambda_i^2 +
//! mu)) Q' g`: as `mu -> 0` it is the least-squares solution of `H d = -g` (the minimum-norm one where `H`
//! is singular), so the iteration is Newton's method on `g = 0`, which is attracted to a zero of the
//! gradient whatever its Hessian inertia: saddles and maxima as well as minima. The damping `mu = ||g||^2`
//! is that of Yamashita and Fukushima (2001), under which the iteration converges quadratically to a
//! non-isolated zero where a local error bound holds (a manifold of minima, as in deep linear networks),
//! without the nonsingular Hessian Newton needs. The step is a descent direction of `phi`
//! (`grad phi' d = -sum lambda_i^2 c_i^2 / (lambda_i^2 + mu) <= 0`, `c = Q' g`), and a backtracking line
//! search halves it until `phi` falls by the Armijo fraction [`ARMIJO`] of the predicted decrease.
//!
//! The iteration stops when `||g||` is exactly zero, when no step of [`MAX_HALVINGS`] halvings decreases
//! `phi` (rounding, or a local minimum of `phi` where `H g = 0` with `g != 0`: not a critical point), when
//! an iterate is not finite, or after the given number of iterations; then up to [`POLISH_ITERS`] Newton
//! steps ([`newton_polish`]) refine a non-degenerate point to full precision. The caller judges the end by
//! its gradient norm: a start converges when it is at most the census's tolerance.

use faer::{Mat, Side};

use crate::problem::critical::newton_polish;
use crate::problem::{Problem, SecondOrder};
use crate::vector::norm;

/// The Armijo fraction of the predicted decrease of `phi` a step must achieve.
pub const ARMIJO: f64 = 1e-4;

/// The most halvings of a step before the iteration stops.
pub const MAX_HALVINGS: usize = 40;

/// Newton polishing steps after the iteration.
pub const POLISH_ITERS: usize = 10;

/// Where one start ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    /// The last point (after polishing).
    pub x: Vec<f64>,
    /// `||g(x)||`.
    pub grad_norm: f64,
    /// Gauss-Newton iterations taken (polishing not counted).
    pub iterations: usize,
}

/// Runs the damped Gauss-Newton iteration on `||g||^2 / 2` from `x0` for at most `max_iters` iterations,
/// then polishes; returns the end point with its gradient norm. An error only where the eigensolver fails.
pub fn descend(
    p: &dyn Problem,
    so: &dyn SecondOrder,
    x0: &[f64],
    max_iters: usize,
) -> Result<Ending, String> {
    let n = p.dim();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut trial = vec![0.0; n];
    let mut g_trial = vec![0.0; n];
    let mut h = Mat::<f64>::zeros(n, n);
    p.gradient(&x, &mut g);
    let mut gn = norm(&g);
    let mut iterations = 0;
    while iterations < max_iters && gn > 0.0 && gn.is_finite() {
        so.hessian(&x, &mut h);
        let eig = h
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| format!("the symmetric eigensolver did not converge: {e:?}"))?;
        let (s, q) = (eig.S(), eig.U());
        let mu = gn * gn;
        // d = -Q diag(lambda / (lambda^2 + mu)) Q' g; slope = grad phi' d = g' H d.
        let mut d = vec![0.0; n];
        let mut slope = 0.0;
        for j in 0..n {
            let lambda = s[j];
            let c: f64 = (0..n).map(|i| q[(i, j)] * g[i]).sum();
            let denom = lambda * lambda + mu;
            if denom <= 0.0 || !denom.is_finite() {
                continue;
            }
            let w = lambda * c / denom;
            slope -= lambda * c * w;
            for (i, di) in d.iter_mut().enumerate() {
                *di -= q[(i, j)] * w;
            }
        }
        let phi = 0.5 * gn * gn;
        let mut t = 1.0;
        let mut accepted = None;
        if slope < 0.0 {
            for _ in 0..MAX_HALVINGS {
                for i in 0..n {
                    trial[i] = x[i] + t * d[i];
                }
                p.gradient(&trial, &mut g_trial);
                let gt = norm(&g_trial);
                if gt.is_finite() && 0.5 * gt * gt <= phi + ARMIJO * t * slope {
                    accepted = Some(gt);
                    break;
                }
                t *= 0.5;
            }
        }
        let Some(gt) = accepted else {
            break;
        };
        std::mem::swap(&mut x, &mut trial);
        std::mem::swap(&mut g, &mut g_trial);
        gn = gt;
        iterations += 1;
    }
    if gn.is_finite() && x.iter().all(|v| v.is_finite()) {
        x = newton_polish(p, &x, POLISH_ITERS)?;
        p.gradient(&x, &mut g);
        gn = norm(&g);
    }
    Ok(Ending {
        x,
        grad_norm: gn,
        iterations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::Instance;

    fn build(family: &str, text: &str) -> Box<dyn Problem> {
        let table: toml::Table = toml::from_str(text).expect("valid TOML");
        let inst = Instance::parse(crate::problems::family(family).expect("registered"), &table)
            .expect("valid parameters");
        inst.build(0).expect("builds").0
    }

    #[test]
    fn reaches_the_maximum_of_himmelblau_that_descent_never_finds() {
        // Himmelblau's local maximum is near (-0.2708, -0.9230), f = 181.617: gradient descent never finds
        // it, Newton on the gradient does.
        let p = build("himmelblau", "");
        let so = p.second_order().expect("Hessian");
        let end = descend(p.as_ref(), so, &[-0.4, -0.8], 100).expect("converges");
        assert!(end.grad_norm <= 1e-10, "{end:?}");
        assert!((end.x[0] + 0.270845).abs() < 1e-5 && (end.x[1] + 0.923039).abs() < 1e-5);
        assert!((p.value(&end.x) - 181.617).abs() < 1e-3);
    }

    #[test]
    fn converges_to_the_degenerate_origin_of_a_cubic() {
        // The monkey saddle x^3 - 3 x y^2 has g of degree 2: Newton halves the distance to 0 each step.
        let p = build("monkey-saddle", "");
        let so = p.second_order().expect("Hessian");
        let end = descend(p.as_ref(), so, &[0.3, 0.1], 200).expect("runs");
        assert!(end.grad_norm <= 1e-20, "{end:?}");
        assert!(norm(&end.x) <= 1e-10, "{end:?}");
    }
}
