//! Shared helpers of the problem groups' tests: derivative checks near the start, rounding allowances, and a
//! Newton solve on the exact derivatives to check published minima against.

use faer::Side;
use faer::linalg::solvers::Solve;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::problems::testing::{
    assert_derivatives, fd_tol, gradient_error, hessian_error, hvp_error,
};
use crate::vector::norm;

pub use crate::problem::Problem;

/// The instance of `name` at sizes `dim`, `m` (defaults where `None`).
pub fn build(name: &str, dim: Option<usize>, m: Option<usize>) -> Mgh {
    let c = MghConfig {
        problem: ProblemName::new(name).expect("a registered name"),
        dim,
        m,
    };
    let (e, n, m) = c.resolve().expect("valid sizes");
    Mgh::new(e, n, m)
}

/// Random points near the standard start, `x0_i + 0.1 u (|x0_i| + 0.1)` with `u` uniform in `[-1, 1]`,
/// and random directions, from a seed fixed per problem and size.
pub fn points_near_start(p: &Mgh, count: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(p.name.len() as u64 * 7919 + p.n as u64);
    let x0 = p.standard_start();
    (0..count)
        .map(|_| {
            let x = x0
                .iter()
                .map(|xi| xi + 0.1 * rng.random_range(-1.0..1.0) * (xi.abs() + 0.1))
                .collect();
            let v = (0..p.n).map(|_| rng.random_range(-1.0..1.0)).collect();
            (x, v)
        })
        .collect()
}

/// Gradient, Hessian-vector product and dense Hessian against central differences at four random
/// points near the start, at the common tolerance [`fd_tol`].
pub fn check_derivatives(p: &Mgh) {
    for (x, v) in points_near_start(p, 4) {
        assert_derivatives(p, &x, &v);
    }
}

/// As [`check_derivatives`], for badly scaled problems. A central difference carries the rounding
/// error `eps |f| / h` of the two values it subtracts (`h = eps^(1/3) (1 + |x_i|)`); relative to
/// `1 + ||g||` that is what [`fd_tol`] bounds only while `|f|` is of the order of `||g||`. Here the term
/// is added, with a factor 8 for the two rounded values and the rounding of the step and quotient, at
/// the smallest step used; likewise `eps ||g|| / h` relative to `1 + ||H v||` for the
/// Hessian-vector product.
pub fn check_derivatives_scaled(p: &Mgh) {
    for (x, v) in points_near_start(p, 4) {
        assert_derivatives_rounded(p, &x, &v);
    }
}

/// [`assert_derivatives`] with the rounding terms of [`check_derivatives_scaled`] added.
fn assert_derivatives_rounded(q: &dyn Problem, x: &[f64], v: &[f64]) {
    let eps = f64::EPSILON;
    let n = q.dim();
    let so = q.second_order().expect("second order");
    let mut g = vec![0.0; n];
    let f = q.value_and_gradient(x, &mut g);
    let smallest = x.iter().fold(f64::INFINITY, |a, xi| a.min(xi.abs()));
    let h_min = eps.cbrt() * (1.0 + smallest);
    let tol_g = fd_tol() + 8.0 * eps * f.abs() / (h_min * (1.0 + norm(&g)));
    let eg = gradient_error(q, x);
    assert!(eg <= tol_g, "gradient error {eg:e} > {tol_g:e} at {x:?}");
    let mut hv = vec![0.0; n];
    so.hvp(x, v, &mut hv);
    let h_v = eps.cbrt() * (1.0 + norm(x)) / norm(v);
    let tol_v = fd_tol() + 8.0 * eps * norm(&g) / (h_v * (1.0 + norm(&hv)));
    let ev = hvp_error(q, x, v);
    assert!(
        ev <= tol_v,
        "Hessian-vector error {ev:e} > {tol_v:e} at {x:?}"
    );
    let eh = hessian_error(q, x);
    let tol_h = 64.0 * eps * n as f64;
    assert!(eh <= tol_h, "dense Hessian differs from hvp by {eh:e}");
}

/// `y -> f(D y)` for a diagonal `D`: derivative checks in variables rescaled to unit size, so that the
/// central differences' step `eps^(1/3) (1 + |y_i|)` resolves a problem whose variables live on
/// different scales. Its derivatives are `D g(D y)` and `D H(D y) D`: the problem's own, rescaled.
struct Rescaled<'a> {
    p: &'a Mgh,
    d: Vec<f64>,
}

impl Rescaled<'_> {
    fn to_x(&self, y: &[f64]) -> Vec<f64> {
        y.iter().zip(&self.d).map(|(yi, di)| yi * di).collect()
    }
}

impl Problem for Rescaled<'_> {
    fn dim(&self) -> usize {
        self.p.n
    }
    fn value(&self, y: &[f64]) -> f64 {
        self.p.value(&self.to_x(y))
    }
    fn gradient(&self, y: &[f64], g: &mut [f64]) {
        self.value_and_gradient(y, g);
    }
    fn value_and_gradient(&self, y: &[f64], g: &mut [f64]) -> f64 {
        let f = self.p.value_and_gradient(&self.to_x(y), g);
        for (gi, di) in g.iter_mut().zip(&self.d) {
            *gi *= di;
        }
        f
    }
    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }
    fn standard_start(&self) -> Vec<f64> {
        let x0 = self.p.standard_start();
        x0.iter().zip(&self.d).map(|(xi, di)| xi / di).collect()
    }
}

impl SecondOrder for Rescaled<'_> {
    fn hvp(&self, y: &[f64], v: &[f64], out: &mut [f64]) {
        let dv = self.to_x(v);
        self.p.hvp(&self.to_x(y), &dv, out);
        for (oi, di) in out.iter_mut().zip(&self.d) {
            *oi *= di;
        }
    }
    fn hessian(&self, y: &[f64], h: &mut Mat<f64>) {
        self.p.hessian(&self.to_x(y), h);
        for c in 0..self.p.n {
            for r in 0..self.p.n {
                h[(r, c)] *= self.d[r] * self.d[c];
            }
        }
    }
}

/// As [`check_derivatives`], in the variables `y = x / scale`, at the same points near the start.
pub fn check_derivatives_rescaled(p: &Mgh, scale: &[f64]) {
    for (q, y, v) in rescaled_points(p, scale) {
        assert_derivatives(&q, &y, &v);
    }
}

/// As [`check_derivatives_scaled`], in the variables `y = x / scale`.
pub fn check_derivatives_rescaled_scaled(p: &Mgh, scale: &[f64]) {
    for (q, y, v) in rescaled_points(p, scale) {
        assert_derivatives_rounded(&q, &y, &v);
    }
}

fn rescaled_points<'a>(p: &'a Mgh, scale: &[f64]) -> Vec<(Rescaled<'a>, Vec<f64>, Vec<f64>)> {
    points_near_start(p, 4)
        .into_iter()
        .map(|(x, v)| {
            let y = x.iter().zip(scale).map(|(xi, si)| xi / si).collect();
            let q = Rescaled {
                p,
                d: scale.to_vec(),
            };
            (q, y, v)
        })
        .collect()
}

/// The rounding allowance of each residual at `x`: `64 eps (1 + |r_i| + sum_k |J_ik x_k|)`, the last
/// sum bounding the size of the terms a residual adds up (its constants cancel its variable terms near
/// a zero), 64 covering the dozen or so operations of the longest residual formula.
pub fn residual_rounding(p: &Mgh, x: &[f64]) -> Vec<f64> {
    let r = p.residuals(x);
    let j = p.jacobian(x);
    (0..p.m)
        .map(|i| {
            let terms: f64 = (0..p.n).map(|k| (j[(i, k)] * x[k]).abs()).sum();
            64.0 * f64::EPSILON * (1.0 + r[i].abs() + terms)
        })
        .collect()
}

/// The rounding allowance of `f(x) = sum r_i^2`: `sum_i (2 |r_i| d_i + d_i^2)` with `d` from
/// [`residual_rounding`], plus `m eps f` for the sum.
pub fn value_rounding(p: &Mgh, x: &[f64]) -> f64 {
    let r = p.residuals(x);
    let d = residual_rounding(p, x);
    let f: f64 = r.iter().map(|ri| ri * ri).sum();
    r.iter()
        .zip(&d)
        .map(|(ri, di)| 2.0 * ri.abs() * di + di * di)
        .sum::<f64>()
        + p.m as f64 * f64::EPSILON * f
}

/// The rounding allowance of `g = 2 J' r`: `2 sum_i |J_ik| (d_i + m eps |r_i|)` per component.
pub fn gradient_rounding(p: &Mgh, x: &[f64]) -> f64 {
    let r = p.residuals(x);
    let j = p.jacobian(x);
    let d = residual_rounding(p, x);
    let m = p.m as f64;
    let per: Vec<f64> = (0..p.n)
        .map(|k| {
            2.0 * (0..p.m)
                .map(|i| j[(i, k)].abs() * (d[i] + m * f64::EPSILON * r[i].abs()))
                .sum::<f64>()
        })
        .collect();
    norm(&per)
}

/// Asserts `f(x) = expected` within the rounding of `f` at `x` and of `expected` itself.
pub fn assert_value(p: &Mgh, x: &[f64], expected: f64, what: &str) {
    let f = p.value(x);
    let tol = value_rounding(p, x) + 2.0 * f64::EPSILON * expected.abs();
    assert!(
        (f - expected).abs() <= tol,
        "{} {what}: f = {f:e}, expected {expected:e} (allowed {tol:e})",
        p.name
    );
}

/// Asserts `f(x0)` equals `expected` (hand arithmetic or an independent high-precision evaluation).
pub fn assert_start_value(p: &Mgh, expected: f64) {
    assert_value(p, &p.standard_start(), expected, "at x0");
}

/// Asserts `x` is an exact minimiser with value `value`: `f(x)` and `grad f(x) = 0` to rounding.
pub fn assert_exact_minimiser(p: &Mgh, x: &[f64], value: f64) {
    assert_value(p, x, value, "at an exact minimiser");
    let mut g = vec![0.0; p.n];
    p.gradient(x, &mut g);
    let tol = gradient_rounding(p, x);
    assert!(
        norm(&g) <= tol,
        "{}: ||g|| = {:e} > {tol:e} at the exact minimiser {x:?}",
        p.name,
        norm(&g)
    );
}

/// A local solve on the exact derivatives from `x`: Levenberg-Marquardt steps
/// (`(J'J + lambda diag(J'J)) s = -J'r`) while they decrease `f`; then Newton steps on the exact
/// Hessian, shifted by `tau diag|H|` until positive definite and decreasing `f` (so saddles repel);
/// last, plain Newton steps while they decrease `||g||`, down to the rounding floor.
pub fn solve(p: &Mgh, mut x: Vec<f64>) -> Vec<f64> {
    let n = p.n;
    let mut f = p.value(&x);
    let mut lambda = 1e-3;
    for _ in 0..500 {
        let r = p.residuals(&x);
        let j = p.jacobian(&x);
        let a = j.transpose() * &j;
        let jtr = j.transpose() * Mat::from_fn(p.m, 1, |i, _| r[i]);
        let mut accepted = false;
        for _ in 0..40 {
            let damped = Mat::from_fn(n, n, |i, k| {
                a[(i, k)]
                    + if i == k {
                        lambda * a[(i, i)].max(f64::MIN_POSITIVE)
                    } else {
                        0.0
                    }
            });
            if let Ok(llt) = damped.llt(Side::Lower) {
                let s = llt.solve(&jtr);
                let trial: Vec<f64> = (0..n).map(|i| x[i] - s[(i, 0)]).collect();
                let ft = p.value(&trial);
                if ft < f {
                    (x, f) = (trial, ft);
                    lambda = (lambda / 3.0).max(1e-15);
                    accepted = true;
                    break;
                }
            }
            lambda *= 4.0;
        }
        if !accepted {
            break;
        }
    }
    let mut g = vec![0.0; n];
    let mut h = Mat::<f64>::zeros(n, n);
    let mut tau = 0.0;
    for _ in 0..2000 {
        p.gradient(&x, &mut g);
        p.hessian(&x, &mut h);
        let gm = Mat::from_fn(n, 1, |i, _| g[i]);
        let mut accepted = false;
        for _ in 0..80 {
            let shifted = Mat::from_fn(n, n, |i, k| {
                h[(i, k)]
                    + if i == k {
                        tau * h[(i, i)].abs().max(f64::MIN_POSITIVE)
                    } else {
                        0.0
                    }
            });
            if let Ok(llt) = shifted.llt(Side::Lower) {
                let s = llt.solve(&gm);
                let trial: Vec<f64> = (0..n).map(|i| x[i] - s[(i, 0)]).collect();
                let ft = p.value(&trial);
                if ft < f {
                    (x, f) = (trial, ft);
                    tau = if tau < 1e-12 { 0.0 } else { tau / 10.0 };
                    accepted = true;
                    break;
                }
            }
            tau = if tau == 0.0 { 1e-12 } else { 4.0 * tau };
        }
        if !accepted {
            break;
        }
    }
    let mut gt = vec![0.0; n];
    p.gradient(&x, &mut g);
    for _ in 0..50 {
        p.hessian(&x, &mut h);
        let Ok(llt) = h.llt(Side::Lower) else { break };
        let s = llt.solve(Mat::from_fn(n, 1, |i, _| g[i]));
        let trial: Vec<f64> = (0..n).map(|i| x[i] - s[(i, 0)]).collect();
        p.gradient(&trial, &mut gt);
        if norm(&gt).partial_cmp(&norm(&g)) != Some(std::cmp::Ordering::Less) {
            break;
        }
        x = trial;
        g.copy_from_slice(&gt);
    }
    x
}

/// A minimum as printed in the paper: `f*` with one unit of its last printed digit, and, where printed,
/// the minimiser with one unit of each coordinate's last digit.
pub struct Published<'a> {
    /// `f*` as printed.
    pub value: f64,
    /// One unit in the last printed digit of `f*` (0 where exact).
    pub unit: f64,
    /// The printed minimiser and the units of its coordinates' last digits.
    pub point: Option<(&'a [f64], &'a [f64])>,
}

/// Checks a published minimum of `p` with a solve from the printed minimiser, or from `from` where none
/// is printed (the standard start if `None`):
/// - the solve reaches `f*` within one unit of its last printed digit (the paper truncates, so the
///   true value lies within one unit), at a point where `g` vanishes to rounding;
/// - that point lies within one unit of each printed coordinate;
/// - at the printed minimiser itself `||g|| <= 2 ||H||_F ||units||` plus rounding: the mean value
///   theorem across the box the printed digits leave, with a factor 2 for the Hessian's change in it.
///
/// Returns the point reached.
pub fn check_published(p: &Mgh, published: &Published<'_>, from: Option<&[f64]>) -> Vec<f64> {
    let name = p.name;
    let start = match (from, published.point) {
        (Some(x), _) => x.to_vec(),
        (None, Some((x, _))) => x.to_vec(),
        (None, None) => p.standard_start(),
    };
    let x = solve(p, start);
    let f = p.value(&x);
    let tol = published.unit + value_rounding(p, &x);
    assert!(
        (f - published.value).abs() <= tol,
        "{name}: the solve reached f = {f:e} at {x:?}; published {:e} (allowed {tol:e})",
        published.value
    );
    let mut g = vec![0.0; p.n];
    p.gradient(&x, &mut g);
    let gtol = gradient_rounding(p, &x);
    assert!(
        norm(&g) <= gtol,
        "{name}: ||g|| = {:e} > {gtol:e} at the solve's point {x:?}",
        norm(&g)
    );
    if let Some((xp, units)) = published.point {
        for i in 0..p.n {
            assert!(
                (x[i] - xp[i]).abs() <= units[i] + 4.0 * f64::EPSILON * xp[i].abs(),
                "{name}: x_{i} = {:e}, printed {:e} (unit {:e})",
                x[i],
                xp[i],
                units[i]
            );
        }
        let mut gp = vec![0.0; p.n];
        p.gradient(xp, &mut gp);
        let mut h = Mat::<f64>::zeros(p.n, p.n);
        p.hessian(xp, &mut h);
        let allowed = 2.0 * h.norm_l2() * norm(units) + gradient_rounding(p, xp);
        assert!(
            norm(&gp) <= allowed,
            "{name}: ||g(x_printed)|| = {:e} > {allowed:e}",
            norm(&gp)
        );
    }
    x
}

/// Checks `optimum()` against a point `x` where the minimum is attained (reached by [`solve`] or
/// exact): the value to rounding, and the minimiser, where given, as an exact minimiser.
pub fn check_optimum(p: &Mgh, x: &[f64]) {
    let opt = p.optimum().expect("the problem publishes its minimum");
    assert_value(p, x, opt.value, "optimum() against the minimum reached");
    if let Some(xs) = &opt.point {
        assert_exact_minimiser(p, xs, opt.value);
    }
}
