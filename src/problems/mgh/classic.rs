//! The small algebraic problems of the set: 1-5, 7, 13 and 14 of Moré, Garbow and Hillstrom (1981).
//!
//! Each type gives its residuals `r_i`, their Jacobian and their Hessians exactly; see [`super`] for how
//! they make `f = sum_i r_i^2` and its derivatives.

use std::f64::consts::PI;

use faer::Mat;

use super::{Residuals, add_sym};
use crate::problem::Optimum;

fn optimum_at(point: Vec<f64>) -> Option<Optimum> {
    Some(Optimum {
        value: 0.0,
        point: Some(point),
    })
}

/// Problem 1, Rosenbrock: `r_1 = 10 (x_2 - x_1^2)`, `r_2 = 1 - x_1`; `x0 = (-1.2, 1)`; `f* = 0` at
/// `(1, 1)`.
pub struct Rosenbrock;

impl Residuals for Rosenbrock {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        r[0] = 10.0 * (x[1] - x[0] * x[0]);
        r[1] = 1.0 - x[0];
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        j[(0, 0)] = -20.0 * x[0];
        j[(0, 1)] = 10.0;
        j[(1, 0)] = -1.0;
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        h[(0, 0)] += -20.0 * w[0];
    }
    fn start(&self) -> Vec<f64> {
        vec![-1.2, 1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(vec![1.0, 1.0])
    }
}

/// Problem 2, Freudenstein and Roth: `r_1 = -13 + x_1 + ((5 - x_2) x_2 - 2) x_2`,
/// `r_2 = -29 + x_1 + ((x_2 + 1) x_2 - 14) x_2`; `x0 = (0.5, -2)`; `f* = 0` at `(5, 4)`. The paper also
/// gives the local minimum `f = 48.9842...` at `(11.41..., -0.8968...)`, where descent methods often stop.
pub struct FreudensteinRoth;

impl Residuals for FreudensteinRoth {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        r[0] = -13.0 + x[0] + ((5.0 - x[1]) * x[1] - 2.0) * x[1];
        r[1] = -29.0 + x[0] + ((x[1] + 1.0) * x[1] - 14.0) * x[1];
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        j[(0, 0)] = 1.0;
        j[(0, 1)] = (10.0 - 3.0 * x[1]) * x[1] - 2.0;
        j[(1, 0)] = 1.0;
        j[(1, 1)] = (3.0 * x[1] + 2.0) * x[1] - 14.0;
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        h[(1, 1)] += w[0] * (10.0 - 6.0 * x[1]) + w[1] * (6.0 * x[1] + 2.0);
    }
    fn start(&self) -> Vec<f64> {
        vec![0.5, -2.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(vec![5.0, 4.0])
    }
}

/// Problem 3, Powell badly scaled: `r_1 = 10^4 x_1 x_2 - 1`, `r_2 = exp(-x_1) + exp(-x_2) - 1.0001`;
/// `x0 = (0, 1)`; `f* = 0` at `(1.098...e-5, 9.106...)`, given here to full precision (the root of
/// `x_1 x_2 = 10^-4`, `exp(-x_1) + exp(-x_2) = 1.0001` near the paper's digits).
pub struct PowellBadlyScaled;

/// The minimiser of [`PowellBadlyScaled`]: the paper's `(1.098...e-5, 9.106...)` to full precision.
pub const POWELL_BADLY_SCALED_MINIMISER: [f64; 2] =
    [1.098_159_329_699_817_5e-5, 9.106_146_739_866_524];

impl Residuals for PowellBadlyScaled {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        r[0] = 1e4 * x[0] * x[1] - 1.0;
        r[1] = (-x[0]).exp() + (-x[1]).exp() - 1.0001;
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        j[(0, 0)] = 1e4 * x[1];
        j[(0, 1)] = 1e4 * x[0];
        j[(1, 0)] = -(-x[0]).exp();
        j[(1, 1)] = -(-x[1]).exp();
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        add_sym(h, 0, 1, 1e4 * w[0]);
        h[(0, 0)] += w[1] * (-x[0]).exp();
        h[(1, 1)] += w[1] * (-x[1]).exp();
    }
    fn start(&self) -> Vec<f64> {
        vec![0.0, 1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(POWELL_BADLY_SCALED_MINIMISER.to_vec())
    }
}

/// Problem 4, Brown badly scaled: `r_1 = x_1 - 10^6`, `r_2 = x_2 - 2 10^-6`, `r_3 = x_1 x_2 - 2`;
/// `x0 = (1, 1)`; `f* = 0` at `(10^6, 2 10^-6)`.
pub struct BrownBadlyScaled;

impl Residuals for BrownBadlyScaled {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        r[0] = x[0] - 1e6;
        r[1] = x[1] - 2e-6;
        r[2] = x[0] * x[1] - 2.0;
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        j[(0, 0)] = 1.0;
        j[(1, 1)] = 1.0;
        j[(2, 0)] = x[1];
        j[(2, 1)] = x[0];
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        add_sym(h, 0, 1, w[2]);
    }
    fn start(&self) -> Vec<f64> {
        vec![1.0, 1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(vec![1e6, 2e-6])
    }
}

/// Problem 5, Beale: `r_i = y_i - x_1 (1 - x_2^i)`, `i = 1, 2, 3`, `y = (1.5, 2.25, 2.625)`; `x0 = (1, 1)`;
/// `f* = 0` at `(3, 0.5)`.
pub struct Beale;

const BEALE_Y: [f64; 3] = [1.5, 2.25, 2.625];

impl Residuals for Beale {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            *ri = BEALE_Y[i] - x[0] * (1.0 - x[1].powi(i as i32 + 1));
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..3 {
            let k = (i + 1) as f64;
            j[(i, 0)] = -(1.0 - x[1].powi(i as i32 + 1));
            j[(i, 1)] = x[0] * k * x[1].powi(i as i32);
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let k = (i + 1) as f64;
            add_sym(h, 0, 1, wi * k * x[1].powi(i as i32));
            if i > 0 {
                h[(1, 1)] += wi * x[0] * k * (k - 1.0) * x[1].powi(i as i32 - 1);
            }
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![1.0, 1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(vec![3.0, 0.5])
    }
}

/// Problem 7, helical valley: `r_1 = 10 (x_3 - 10 theta(x_1, x_2))`, `r_2 = 10 (sqrt(x_1^2 + x_2^2) - 1)`,
/// `r_3 = x_3`, with `2 pi theta = atan(x_2 / x_1)` for `x_1 > 0` and `atan(x_2 / x_1) + pi` for
/// `x_1 < 0` (`theta = sign(x_2) / 4` at `x_1 = 0`); `x0 = (-1, 0, 0)`; `f* = 0` at `(1, 0, 0)`.
/// `theta` jumps across the half-line `x_1 = 0, x_2 < 0`, and nothing is defined on the `x_3` axis.
pub struct HelicalValley;

fn theta(x1: f64, x2: f64) -> f64 {
    if x1 > 0.0 {
        (x2 / x1).atan() / (2.0 * PI)
    } else if x1 < 0.0 {
        (x2 / x1).atan() / (2.0 * PI) + 0.5
    } else {
        0.25_f64.copysign(x2)
    }
}

impl Residuals for HelicalValley {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        r[0] = 10.0 * (x[2] - 10.0 * theta(x[0], x[1]));
        r[1] = 10.0 * (x[0].hypot(x[1]) - 1.0);
        r[2] = x[2];
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        let rho2 = x[0] * x[0] + x[1] * x[1];
        let rho = rho2.sqrt();
        // d theta = (-x_2, x_1) / (2 pi rho^2).
        j[(0, 0)] = 100.0 * x[1] / (2.0 * PI * rho2);
        j[(0, 1)] = -100.0 * x[0] / (2.0 * PI * rho2);
        j[(0, 2)] = 10.0;
        j[(1, 0)] = 10.0 * x[0] / rho;
        j[(1, 1)] = 10.0 * x[1] / rho;
        j[(2, 2)] = 1.0;
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let (x1, x2) = (x[0], x[1]);
        let rho2 = x1 * x1 + x2 * x2;
        let rho = rho2.sqrt();
        let rho3 = rho2 * rho;
        // theta'' = [[x1 x2, (x2^2 - x1^2) / 2], [., -x1 x2]] / (pi rho^4); r_1 carries -100 theta''.
        let c = -100.0 * w[0] / (PI * rho2 * rho2);
        // rho'' = [[x2^2, -x1 x2], [., x1^2]] / rho^3; r_2 carries 10 rho''.
        let d = 10.0 * w[1] / rho3;
        h[(0, 0)] += c * x1 * x2 + d * x2 * x2;
        h[(1, 1)] += -c * x1 * x2 + d * x1 * x1;
        add_sym(h, 0, 1, c * 0.5 * (x2 * x2 - x1 * x1) - d * x1 * x2);
    }
    fn start(&self) -> Vec<f64> {
        vec![-1.0, 0.0, 0.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(vec![1.0, 0.0, 0.0])
    }
}

/// Problem 13, Powell singular: `r_1 = x_1 + 10 x_2`, `r_2 = sqrt(5) (x_3 - x_4)`, `r_3 = (x_2 - 2 x_3)^2`,
/// `r_4 = sqrt(10) (x_1 - x_4)^2`; `x0 = (3, -1, 0, 1)`; `f* = 0` at the origin, where the Hessian is
/// singular (rank 2).
pub struct PowellSingular;

impl Residuals for PowellSingular {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        powell_block(x, r);
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        powell_block_jacobian(x, j, 0);
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        powell_block_hessians(w, h, 0);
        let _ = x;
    }
    fn start(&self) -> Vec<f64> {
        vec![3.0, -1.0, 0.0, 1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(vec![0.0; 4])
    }
}

/// The four residuals of Powell's singular function on `x[..4]`, written to `r[..4]`.
pub(super) fn powell_block(x: &[f64], r: &mut [f64]) {
    r[0] = x[0] + 10.0 * x[1];
    r[1] = 5f64.sqrt() * (x[2] - x[3]);
    r[2] = (x[1] - 2.0 * x[2]).powi(2);
    r[3] = 10f64.sqrt() * (x[0] - x[3]).powi(2);
}

/// The Jacobian of [`powell_block`] at `x[b..b + 4]` into rows and columns `b..b + 4` of `j`.
pub(super) fn powell_block_jacobian(x: &[f64], j: &mut Mat<f64>, b: usize) {
    let a = x[b + 1] - 2.0 * x[b + 2];
    let c = x[b] - x[b + 3];
    j[(b, b)] = 1.0;
    j[(b, b + 1)] = 10.0;
    j[(b + 1, b + 2)] = 5f64.sqrt();
    j[(b + 1, b + 3)] = -(5f64.sqrt());
    j[(b + 2, b + 1)] = 2.0 * a;
    j[(b + 2, b + 2)] = -4.0 * a;
    j[(b + 3, b)] = 2.0 * 10f64.sqrt() * c;
    j[(b + 3, b + 3)] = -2.0 * 10f64.sqrt() * c;
}

/// `sum_i w_i Hess(r_i)` of [`powell_block`] (constant matrices) added at offset `b`.
pub(super) fn powell_block_hessians(w: &[f64], h: &mut Mat<f64>, b: usize) {
    // Hess r_3 = 2 [0 1 -2 0]' [0 1 -2 0]; Hess r_4 = 2 sqrt(10) [1 0 0 -1]' [1 0 0 -1].
    let (w3, w4) = (w[b + 2], 2.0 * 10f64.sqrt() * w[b + 3]);
    h[(b + 1, b + 1)] += 2.0 * w3;
    add_sym(h, b + 1, b + 2, -4.0 * w3);
    h[(b + 2, b + 2)] += 8.0 * w3;
    h[(b, b)] += w4;
    add_sym(h, b, b + 3, -w4);
    h[(b + 3, b + 3)] += w4;
}

/// Problem 14, Wood: `r_1 = 10 (x_2 - x_1^2)`, `r_2 = 1 - x_1`, `r_3 = sqrt(90) (x_4 - x_3^2)`,
/// `r_4 = 1 - x_3`, `r_5 = sqrt(10) (x_2 + x_4 - 2)`, `r_6 = (x_2 - x_4) / sqrt(10)`;
/// `x0 = (-3, -1, -3, -1)`; `f* = 0` at `(1, 1, 1, 1)`.
pub struct Wood;

impl Residuals for Wood {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        r[0] = 10.0 * (x[1] - x[0] * x[0]);
        r[1] = 1.0 - x[0];
        r[2] = 90f64.sqrt() * (x[3] - x[2] * x[2]);
        r[3] = 1.0 - x[2];
        r[4] = 10f64.sqrt() * (x[1] + x[3] - 2.0);
        r[5] = (x[1] - x[3]) / 10f64.sqrt();
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        j[(0, 0)] = -20.0 * x[0];
        j[(0, 1)] = 10.0;
        j[(1, 0)] = -1.0;
        j[(2, 2)] = -2.0 * 90f64.sqrt() * x[2];
        j[(2, 3)] = 90f64.sqrt();
        j[(3, 2)] = -1.0;
        j[(4, 1)] = 10f64.sqrt();
        j[(4, 3)] = 10f64.sqrt();
        j[(5, 1)] = 1.0 / 10f64.sqrt();
        j[(5, 3)] = -1.0 / 10f64.sqrt();
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        h[(0, 0)] += -20.0 * w[0];
        h[(2, 2)] += -2.0 * 90f64.sqrt() * w[2];
    }
    fn start(&self) -> Vec<f64> {
        vec![-3.0, -1.0, -3.0, -1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        optimum_at(vec![1.0; 4])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for name in [
            "rosenbrock",
            "freudenstein-roth",
            "beale",
            "helical-valley",
            "powell-singular",
            "wood",
        ] {
            check_derivatives(&build(name, None, None));
        }
        // Near x0 = (1, 1), Brown's f is about 1e12 against a gradient of about 2e6, and Powell's
        // 10^4 x_1 x_2 term makes f large against its gradient along x_2: central differences lose
        // eps |f| / h to rounding there, which `check_derivatives_scaled` adds to the tolerance.
        for name in ["powell-badly-scaled", "brown-badly-scaled"] {
            check_derivatives_scaled(&build(name, None, None));
        }
    }

    #[test]
    fn start_values_match_hand_arithmetic() {
        // (10 (1 - 1.44))^2 + 2.2^2 = 19.36 + 4.84.
        assert_start_value(&build("rosenbrock", None, None), 24.2);
        // r = (-12.5 + 32, -28.5 + 24) = (19.5, -4.5): 380.25 + 20.25.
        assert_start_value(&build("freudenstein-roth", None, None), 400.5);
        // r = (-1, e^-1 - 0.0001).
        let e = (-1.0f64).exp() - 1e-4;
        assert_start_value(&build("powell-badly-scaled", None, None), 1.0 + e * e);
        // (1 - 10^6)^2 + (1 - 2 10^-6)^2 + (1 - 2)^2 = 999998000002.999996, which rounds to the literal.
        assert_start_value(&build("brown-badly-scaled", None, None), 999_998_000_003.0);
        // 1.5^2 + 2.25^2 + 2.625^2.
        assert_start_value(&build("beale", None, None), 14.203125);
        // theta(-1, 0) = 1/2: r = (-50, 0, 0).
        assert_start_value(&build("helical-valley", None, None), 2500.0);
        // r = (-7, -sqrt(5), 1, 4 sqrt(10)): 49 + 5 + 1 + 160.
        assert_start_value(&build("powell-singular", None, None), 215.0);
        // r = (-100, 4, -10 sqrt(90), 4, -4 sqrt(10), 0): 10^4 + 16 + 9000 + 16 + 160.
        assert_start_value(&build("wood", None, None), 19192.0);
    }

    #[test]
    fn exact_minimisers_are_minima() {
        for name in [
            "rosenbrock",
            "freudenstein-roth",
            "brown-badly-scaled",
            "beale",
            "helical-valley",
            "powell-singular",
            "wood",
        ] {
            let p = build(name, None, None);
            let opt = p.optimum().expect("published");
            let x = opt.point.clone().expect("an exact minimiser");
            assert_exact_minimiser(&p, &x, 0.0);
            check_optimum(&p, &x);
        }
    }

    #[test]
    fn published_minima_are_reached() {
        // Powell badly scaled: f = 0 at (1.098...e-5, 9.106...).
        let p = build("powell-badly-scaled", None, None);
        let x = check_published(
            &p,
            &Published {
                value: 0.0,
                unit: 0.0,
                point: Some((&[1.098e-5, 9.106], &[1e-8, 1e-3])),
            },
            None,
        );
        check_optimum(&p, &x);
        // Freudenstein and Roth's local minimum 48.9842... at (11.41..., -0.8968...).
        check_published(
            &build("freudenstein-roth", None, None),
            &Published {
                value: 48.9842,
                unit: 1e-4,
                point: Some((&[11.41, -0.8968], &[1e-2, 1e-4])),
            },
            None,
        );
    }
}
