//! Finite-difference checks shared by every family's tests.
//!
//! Central differences with step `h = eps^(1/3) (1 + |x_i|)` have truncation error `O(h^2 f''')` and
//! rounding error `O(eps f / h)`, both of order `eps^(2/3) ~ 4e-11` relative to the derivatives' scale.
//! [`FD_TOL`] allows a factor of 1e4 over that for third derivatives larger than the gradient (quartic
//! terms at points of size 2 to 3): failures below it are noise, failures above it are wrong formulas.

use faer::Mat;

use crate::problem::Problem;
use crate::vector::norm;

/// The accepted relative error of a central-difference derivative check: `1e4 * eps^(2/3)`.
pub fn fd_tol() -> f64 {
    1e4 * f64::EPSILON.powf(2.0 / 3.0)
}

fn step(xi: f64) -> f64 {
    f64::EPSILON.cbrt() * (1.0 + xi.abs())
}

/// The relative error `||g - g_fd|| / (1 + ||g||)` of the gradient at `x` against central differences of
/// the value.
pub fn gradient_error(p: &dyn Problem, x: &[f64]) -> f64 {
    let n = p.dim();
    let mut g = vec![0.0; n];
    let f = p.value_and_gradient(x, &mut g);
    assert!(
        (f - p.value(x)).abs() <= 4.0 * f64::EPSILON * (1.0 + f.abs()),
        "value_and_gradient and value disagree at {x:?}"
    );
    let mut g_only = vec![0.0; n];
    p.gradient(x, &mut g_only);
    assert_eq!(g, g_only, "value_and_gradient and gradient disagree");
    let mut xp = x.to_vec();
    let mut err = vec![0.0; n];
    for i in 0..n {
        let h = step(x[i]);
        xp[i] = x[i] + h;
        let fp = p.value(&xp);
        xp[i] = x[i] - h;
        let fm = p.value(&xp);
        xp[i] = x[i];
        err[i] = g[i] - (fp - fm) / (2.0 * h);
    }
    norm(&err) / (1.0 + norm(&g))
}

/// The relative error of `H(x) v` against central differences of the gradient along `v`.
pub fn hvp_error(p: &dyn Problem, x: &[f64], v: &[f64]) -> f64 {
    let so = p
        .second_order()
        .expect("the family offers second derivatives");
    let n = p.dim();
    let mut hv = vec![0.0; n];
    so.hvp(x, v, &mut hv);
    let h = step(norm(x)) / norm(v).max(f64::MIN_POSITIVE);
    let xp: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
    let xm: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    p.gradient(&xp, &mut gp);
    p.gradient(&xm, &mut gm);
    let err: Vec<f64> = (0..n)
        .map(|i| hv[i] - (gp[i] - gm[i]) / (2.0 * h))
        .collect();
    norm(&err) / (1.0 + norm(&hv))
}

/// The relative error of the dense Hessian at `x`: each column against the Hessian-vector product with a
/// unit vector (itself checked by [`hvp_error`]), plus symmetry.
pub fn hessian_error(p: &dyn Problem, x: &[f64]) -> f64 {
    let so = p
        .second_order()
        .expect("the family offers second derivatives");
    let n = p.dim();
    let mut h = Mat::<f64>::zeros(n, n);
    so.hessian(x, &mut h);
    let mut worst: f64 = 0.0;
    let mut e = vec![0.0; n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        e[j] = 1.0;
        so.hvp(x, &e, &mut col);
        e[j] = 0.0;
        let diff: Vec<f64> = (0..n).map(|i| h[(i, j)] - col[i]).collect();
        worst = worst.max(norm(&diff) / (1.0 + norm(&col)));
        for i in 0..n {
            worst = worst.max((h[(i, j)] - h[(j, i)]).abs() / (1.0 + h[(i, j)].abs()));
        }
    }
    worst
}

/// Asserts the gradient, Hessian-vector product and dense Hessian of `p` at `x` against finite differences.
pub fn assert_derivatives(p: &dyn Problem, x: &[f64], v: &[f64]) {
    let tol = fd_tol();
    let eg = gradient_error(p, x);
    assert!(
        eg <= tol,
        "gradient relative error {eg:e} > {tol:e} at {x:?}"
    );
    if p.second_order().is_some() {
        let ev = hvp_error(p, x, v);
        assert!(
            ev <= tol,
            "Hessian-vector relative error {ev:e} > {tol:e} at {x:?}"
        );
        let eh = hessian_error(p, x);
        assert!(
            eh <= 64.0 * f64::EPSILON * p.dim() as f64,
            "dense Hessian differs from hvp by {eh:e} at {x:?}"
        );
    }
}
