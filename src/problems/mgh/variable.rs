//! The problems of variable dimension 20-27 of Moré, Garbow and Hillstrom (1981): Watson, the extended
//! Rosenbrock and Powell functions, the two penalty functions, the variably dimensioned, trigonometric and
//! Brown almost-linear functions.

use faer::Mat;

use super::classic::{powell_block, powell_block_hessians, powell_block_jacobian};
use super::{Residuals, add_sym};
use crate::problem::Optimum;

/// Problem 20, Watson: for `t_i = i / 29`, `i = 1..29`,
/// `r_i = sum_{j=2}^n (j - 1) x_j t_i^(j-2) - (sum_{j=1}^n x_j t_i^(j-1))^2 - 1`, and `r_30 = x_1`,
/// `r_31 = x_2 - x_1^2 - 1`; `2 <= n <= 31` (default 6), `m = 31`; `x0 = 0`. The paper gives only `f*`:
/// `2.28767...e-3` (n = 6), `1.39976...e-6` (9), `4.72238...e-10` (12); other `n` have none here.
pub struct Watson {
    /// Number of variables.
    pub n: usize,
}

/// The minima of [`Watson`] for `n = 6, 9, 12`, to full precision.
pub const WATSON_MINIMA: [(usize, f64); 3] = [
    (6, 2.287_670_053_552_436_3e-3),
    (9, 1.399_760_138_099_02e-6),
    (12, 4.722_381_105_891_757e-10),
];

impl Watson {
    /// `(t, S)`: the design point and `S = sum_j x_j t^(j-1)` of residual `i < 29`.
    fn point(x: &[f64], i: usize) -> (f64, f64) {
        let t = (i + 1) as f64 / 29.0;
        let s = x.iter().rev().fold(0.0, |acc, xj| acc * t + xj);
        (t, s)
    }
}

impl Residuals for Watson {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().take(29).enumerate() {
            let (t, s) = Self::point(x, i);
            let mut d = 0.0;
            let mut tp = 1.0;
            for (j, xj) in x.iter().enumerate().skip(1) {
                d += j as f64 * xj * tp;
                tp *= t;
            }
            *ri = d - s * s - 1.0;
        }
        r[29] = x[0];
        r[30] = x[1] - x[0] * x[0] - 1.0;
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..29 {
            let (t, s) = Self::point(x, i);
            // d r_i / d x_k = k t^(k-1) - 2 S t^k (0-based k).
            let mut tk = 1.0;
            let mut tkm1 = 0.0;
            for k in 0..self.n {
                j[(i, k)] = k as f64 * tkm1 - 2.0 * s * tk;
                tkm1 = tk;
                tk *= t;
            }
        }
        j[(29, 0)] = 1.0;
        j[(30, 0)] = -2.0 * x[0];
        j[(30, 1)] = 1.0;
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        // Hess r_i = -2 p p', p_k = t^k.
        for (i, wi) in w.iter().take(29).enumerate() {
            let t = (i + 1) as f64 / 29.0;
            let p: Vec<f64> = (0..self.n).map(|k| t.powi(k as i32)).collect();
            for a in 0..self.n {
                for b in 0..self.n {
                    h[(a, b)] -= 2.0 * wi * p[a] * p[b];
                }
            }
        }
        h[(0, 0)] -= 2.0 * w[30];
    }
    fn start(&self) -> Vec<f64> {
        vec![0.0; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        WATSON_MINIMA
            .iter()
            .find(|(n, _)| *n == self.n)
            .map(|&(_, value)| Optimum { value, point: None })
    }
}

/// Problem 21, extended Rosenbrock: `r_{2k-1} = 10 (x_{2k} - x_{2k-1}^2)`, `r_{2k} = 1 - x_{2k-1}`,
/// `n` even (default 10), `m = n`; `x0 = (-1.2, 1, ..., -1.2, 1)`; `f* = 0` at `(1, ..., 1)`.
pub struct ExtendedRosenbrock {
    /// Number of variables.
    pub n: usize,
}

impl Residuals for ExtendedRosenbrock {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for k in (0..self.n).step_by(2) {
            r[k] = 10.0 * (x[k + 1] - x[k] * x[k]);
            r[k + 1] = 1.0 - x[k];
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for k in (0..self.n).step_by(2) {
            j[(k, k)] = -20.0 * x[k];
            j[(k, k + 1)] = 10.0;
            j[(k + 1, k)] = -1.0;
        }
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for k in (0..self.n).step_by(2) {
            h[(k, k)] -= 20.0 * w[k];
        }
    }
    fn start(&self) -> Vec<f64> {
        (0..self.n)
            .map(|k| if k % 2 == 0 { -1.2 } else { 1.0 })
            .collect()
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![1.0; self.n]),
        })
    }
}

/// Problem 22, extended Powell singular: Powell's singular function (problem 13) on each block of four,
/// `n` a multiple of 4 (default 12), `m = n`; `x0 = (3, -1, 0, 1, ...)`; `f* = 0` at the origin, where the
/// Hessian is singular.
pub struct ExtendedPowellSingular {
    /// Number of variables.
    pub n: usize,
}

impl Residuals for ExtendedPowellSingular {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for b in (0..self.n).step_by(4) {
            powell_block(&x[b..b + 4], &mut r[b..b + 4]);
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for b in (0..self.n).step_by(4) {
            powell_block_jacobian(x, j, b);
        }
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for b in (0..self.n).step_by(4) {
            powell_block_hessians(w, h, b);
        }
    }
    fn start(&self) -> Vec<f64> {
        (0..self.n).map(|k| [3.0, -1.0, 0.0, 1.0][k % 4]).collect()
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![0.0; self.n]),
        })
    }
}

/// `a = 10^-5`, the weight of the penalty functions' small terms.
const PENALTY_A: f64 = 1e-5;

/// Problem 23, penalty function I: `r_i = sqrt(a) (x_i - 1)`, `i = 1..n`, `r_{n+1} = sum_j x_j^2 - 1/4`,
/// `a = 10^-5`, `m = n + 1` (default `n = 10`); `x0 = (1, 2, ..., n)`. The paper gives only `f*`:
/// `2.24997...e-5` (n = 4) and `7.08765...e-5` (n = 10).
pub struct Penalty1 {
    /// Number of variables.
    pub n: usize,
}

/// The minima of [`Penalty1`] for `n = 4, 10`, to full precision.
pub const PENALTY1_MINIMA: [(usize, f64); 2] = [
    (4, 2.249_977_500_899_937e-5),
    (10, 7.087_651_467_090_369e-5),
];

impl Residuals for Penalty1 {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let sa = PENALTY_A.sqrt();
        for (ri, xi) in r.iter_mut().zip(x) {
            *ri = sa * (xi - 1.0);
        }
        r[self.n] = x.iter().map(|xi| xi * xi).sum::<f64>() - 0.25;
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for (k, xk) in x.iter().enumerate() {
            j[(k, k)] = PENALTY_A.sqrt();
            j[(self.n, k)] = 2.0 * xk;
        }
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for k in 0..self.n {
            h[(k, k)] += 2.0 * w[self.n];
        }
    }
    fn start(&self) -> Vec<f64> {
        (1..=self.n).map(|k| k as f64).collect()
    }
    fn optimum(&self) -> Option<Optimum> {
        PENALTY1_MINIMA
            .iter()
            .find(|(n, _)| *n == self.n)
            .map(|&(_, value)| Optimum { value, point: None })
    }
}

/// Problem 24, penalty function II: `r_1 = x_1 - 0.2`,
/// `r_i = sqrt(a) (exp(x_i / 10) + exp(x_{i-1} / 10) - y_i)` with `y_i = exp(i / 10) + exp((i - 1) / 10)`
/// for `2 <= i <= n`, `r_{n+i-1} = sqrt(a) (exp(x_i / 10) - exp(-1/10))` for `2 <= i <= n`, and
/// `r_{2n} = sum_j (n - j + 1) x_j^2 - 1`, `a = 10^-5`, `m = 2n` (default `n = 10`); `x0 = (1/2, ..., 1/2)`.
/// The paper gives only `f*`: `9.37629...e-6` (n = 4) and `2.93660...e-4` (n = 10).
pub struct Penalty2 {
    /// Number of variables.
    pub n: usize,
}

/// The minima of [`Penalty2`] for `n = 4, 10`, to full precision.
pub const PENALTY2_MINIMA: [(usize, f64); 2] = [
    (4, 9.376_293_007_355_442e-6),
    (10, 2.936_605_374_567_459_4e-4),
];

impl Residuals for Penalty2 {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let n = self.n;
        let sa = PENALTY_A.sqrt();
        r[0] = x[0] - 0.2;
        for i in 1..n {
            let y = ((i + 1) as f64 / 10.0).exp() + (i as f64 / 10.0).exp();
            r[i] = sa * ((x[i] / 10.0).exp() + (x[i - 1] / 10.0).exp() - y);
            r[n + i - 1] = sa * ((x[i] / 10.0).exp() - (-0.1f64).exp());
        }
        r[2 * n - 1] = x
            .iter()
            .enumerate()
            .map(|(k, xk)| (n - k) as f64 * xk * xk)
            .sum::<f64>()
            - 1.0;
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        let n = self.n;
        let sa = PENALTY_A.sqrt();
        j[(0, 0)] = 1.0;
        for i in 1..n {
            j[(i, i)] = sa * (x[i] / 10.0).exp() / 10.0;
            j[(i, i - 1)] = sa * (x[i - 1] / 10.0).exp() / 10.0;
            j[(n + i - 1, i)] = sa * (x[i] / 10.0).exp() / 10.0;
        }
        for (k, xk) in x.iter().enumerate() {
            j[(2 * n - 1, k)] = 2.0 * (n - k) as f64 * xk;
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let n = self.n;
        let sa = PENALTY_A.sqrt();
        for i in 1..n {
            h[(i, i)] += (w[i] + w[n + i - 1]) * sa * (x[i] / 10.0).exp() / 100.0;
            h[(i - 1, i - 1)] += w[i] * sa * (x[i - 1] / 10.0).exp() / 100.0;
        }
        for k in 0..n {
            h[(k, k)] += 2.0 * (n - k) as f64 * w[2 * n - 1];
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.5; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        PENALTY2_MINIMA
            .iter()
            .find(|(n, _)| *n == self.n)
            .map(|&(_, value)| Optimum { value, point: None })
    }
}

/// Problem 25, variably dimensioned: `r_i = x_i - 1`, `i = 1..n`, `r_{n+1} = s`, `r_{n+2} = s^2` with
/// `s = sum_j j (x_j - 1)`, `m = n + 2` (default `n = 10`); `x0_j = 1 - j / n`; `f* = 0` at `(1, ..., 1)`.
pub struct VariablyDimensioned {
    /// Number of variables.
    pub n: usize,
}

impl VariablyDimensioned {
    fn s(x: &[f64]) -> f64 {
        x.iter()
            .enumerate()
            .map(|(k, xk)| (k + 1) as f64 * (xk - 1.0))
            .sum()
    }
}

impl Residuals for VariablyDimensioned {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (ri, xi) in r.iter_mut().zip(x) {
            *ri = xi - 1.0;
        }
        let s = Self::s(x);
        r[self.n] = s;
        r[self.n + 1] = s * s;
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        let s = Self::s(x);
        for k in 0..self.n {
            let c = (k + 1) as f64;
            j[(k, k)] = 1.0;
            j[(self.n, k)] = c;
            j[(self.n + 1, k)] = 2.0 * s * c;
        }
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let wl = 2.0 * w[self.n + 1];
        for a in 0..self.n {
            for b in 0..self.n {
                h[(a, b)] += wl * (a + 1) as f64 * (b + 1) as f64;
            }
        }
    }
    fn start(&self) -> Vec<f64> {
        (1..=self.n)
            .map(|j| 1.0 - j as f64 / self.n as f64)
            .collect()
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![1.0; self.n]),
        })
    }
}

/// Problem 26, trigonometric: `r_i = n - sum_j cos x_j + i (1 - cos x_i) - sin x_i`, `m = n` (default 10);
/// `x0 = (1/n, ..., 1/n)`. The paper gives `f* = 0` and no minimiser; the function also has local minima
/// with `f > 0`, where runs may end.
pub struct Trigonometric {
    /// Number of variables.
    pub n: usize,
}

impl Residuals for Trigonometric {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let sum_cos: f64 = x.iter().map(|xj| xj.cos()).sum();
        for (i, ri) in r.iter_mut().enumerate() {
            let k = (i + 1) as f64;
            *ri = self.n as f64 - sum_cos + k * (1.0 - x[i].cos()) - x[i].sin();
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.n {
            for (k, xk) in x.iter().enumerate() {
                j[(i, k)] = xk.sin();
            }
            let c = (i + 1) as f64;
            j[(i, i)] += c * x[i].sin() - x[i].cos();
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let total: f64 = w.iter().sum();
        for (k, xk) in x.iter().enumerate() {
            let c = (k + 1) as f64;
            h[(k, k)] += total * xk.cos() + w[k] * (c * xk.cos() + xk.sin());
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![1.0 / self.n as f64; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: None,
        })
    }
}

/// Problem 27, Brown almost-linear: `r_i = x_i + sum_j x_j - (n + 1)`, `i = 1..n-1`,
/// `r_n = prod_j x_j - 1`, `m = n` (default 10); `x0 = (1/2, ..., 1/2)`. `f* = 0` at `(a, ..., a, a^(1-n))`
/// for every root `a` of `n a^n - (n + 1) a^(n-1) + 1 = 0`; `a = 1` gives the minimiser reported here
/// (for even `n` a second, negative root gives another). The paper also gives `f = 1` at
/// `(0, ..., 0, n + 1)`.
pub struct BrownAlmostLinear {
    /// Number of variables.
    pub n: usize,
}

impl Residuals for BrownAlmostLinear {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let n = self.n;
        let sum: f64 = x.iter().sum();
        for i in 0..n - 1 {
            r[i] = x[i] + sum - (n + 1) as f64;
        }
        r[n - 1] = x.iter().product::<f64>() - 1.0;
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        let n = self.n;
        for i in 0..n - 1 {
            for k in 0..n {
                j[(i, k)] = 1.0;
            }
            j[(i, i)] = 2.0;
        }
        // Products of all but one coordinate, without division: prefix * suffix.
        let mut suffix = vec![1.0; n + 1];
        for k in (0..n).rev() {
            suffix[k] = suffix[k + 1] * x[k];
        }
        let mut prefix = 1.0;
        for k in 0..n {
            j[(n - 1, k)] = prefix * suffix[k + 1];
            prefix *= x[k];
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        // Hess r_n: (a, b) entry, a != b, is the product of all coordinates but x_a and x_b.
        let n = self.n;
        let wn = w[n - 1];
        let mut suffix = vec![1.0; n + 1];
        for k in (0..n).rev() {
            suffix[k] = suffix[k + 1] * x[k];
        }
        let mut prefix = 1.0;
        for a in 0..n {
            let mut middle = 1.0;
            for b in a + 1..n {
                add_sym(h, a, b, wn * prefix * middle * suffix[b + 1]);
                middle *= x[b];
            }
            prefix *= x[a];
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.5; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![1.0; self.n]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for (name, dim) in [
            ("watson", None),
            ("watson", Some(2)),
            ("watson", Some(12)),
            ("watson", Some(31)),
            ("extended-rosenbrock", None),
            ("extended-powell-singular", None),
            ("penalty-1", Some(4)),
            ("penalty-2", None),
            ("penalty-2", Some(1)),
            ("trigonometric", None),
            ("trigonometric", Some(1)),
            ("brown-almost-linear", None),
            ("brown-almost-linear", Some(1)),
            ("brown-almost-linear", Some(2)),
        ] {
            check_derivatives(&build(name, dim, None));
        }
        // Penalty I at x0 = (1, ..., 10) has f ~ 1.5e5 (the quartic (sum x_j^2 - 1/4)^2) and the variably
        // dimensioned function f ~ 2.2e6 (the s^4 term): the differences' rounding eps |f| / h is added.
        for name in ["penalty-1", "variably-dimensioned"] {
            check_derivatives_scaled(&build(name, None, None));
        }
    }

    #[test]
    fn start_values_match_hand_arithmetic() {
        // Watson: r_i = -1 for i <= 29, r_30 = 0, r_31 = -1, for every n.
        for n in [2, 6, 31] {
            assert_start_value(&build("watson", Some(n), None), 30.0);
        }
        // Five Rosenbrock pairs at 24.2 each; three Powell blocks at 215 each.
        assert_start_value(&build("extended-rosenbrock", None, None), 121.0);
        assert_start_value(&build("extended-powell-singular", None, None), 645.0);
        // Penalty I, n = 10: 1e-5 sum (j - 1)^2 + (sum j^2 - 1/4)^2 = 1e-5 * 285 + 384.75^2.
        assert_start_value(&build("penalty-1", None, None), 285e-5 + 384.75 * 384.75);
        // Variably dimensioned, n = 10: x_j - 1 = -j/10, s = -38.5: 385 / 100 + s^2 + s^4.
        let s: f64 = -38.5;
        assert_start_value(
            &build("variably-dimensioned", None, None),
            3.85 + s * s + s.powi(4),
        );
        // Trigonometric, n = 10: r_i = (10 + i)(1 - cos 0.1) - sin 0.1.
        let (c, sn) = (0.1f64.cos(), 0.1f64.sin());
        let trig: f64 = (1..=10)
            .map(|i| ((10 + i) as f64 * (1.0 - c) - sn).powi(2))
            .sum();
        assert_start_value(&build("trigonometric", None, None), trig);
        // Brown almost-linear, n = 10: r_i = 1/2 + 5 - 11 for i < 10, r_10 = 2^-10 - 1.
        assert_start_value(
            &build("brown-almost-linear", None, None),
            9.0 * 5.5 * 5.5 + (1.0f64 / 1024.0 - 1.0).powi(2),
        );
        // Penalty II in 40-digit arithmetic (mpmath), n = 4 and 10.
        assert_start_value(&build("penalty-2", Some(4), None), 2.340_008_805_463_024_4);
        assert_start_value(&build("penalty-2", None, None), 162.652_776_565_967_12);
    }

    #[test]
    fn exact_minimisers_are_minima() {
        for (name, dim) in [
            ("extended-rosenbrock", None),
            ("extended-powell-singular", None),
            ("variably-dimensioned", None),
            ("brown-almost-linear", None),
            ("brown-almost-linear", Some(1)),
        ] {
            let p = build(name, dim, None);
            let x = p
                .optimum()
                .and_then(|o| o.point)
                .expect("an exact minimiser");
            assert_exact_minimiser(&p, &x, 0.0);
            check_optimum(&p, &x);
        }
        // Brown almost-linear's other published value: f = 1 at (0, ..., 0, n + 1), a stationary point.
        let p = build("brown-almost-linear", None, None);
        let mut x = vec![0.0; 10];
        x[9] = 11.0;
        assert_exact_minimiser(&p, &x, 1.0);
    }

    #[test]
    fn published_minima_are_reached() {
        for (name, dim, value, unit) in [
            ("watson", 6, 2.28767e-3, 1e-8),
            ("watson", 9, 1.39976e-6, 1e-11),
            ("watson", 12, 4.72238e-10, 1e-15),
            ("penalty-1", 4, 2.24997e-5, 1e-10),
            ("penalty-1", 10, 7.08765e-5, 1e-10),
            ("penalty-2", 4, 9.37629e-6, 1e-11),
            ("penalty-2", 10, 2.93660e-4, 1e-9),
        ] {
            let p = build(name, Some(dim), None);
            let x = check_published(
                &p,
                &Published {
                    value,
                    unit,
                    point: None,
                },
                None,
            );
            check_optimum(&p, &x);
        }
        let p = build("trigonometric", None, None);
        let x = check_published(
            &p,
            &Published {
                value: 0.0,
                unit: 0.0,
                point: None,
            },
            None,
        );
        check_optimum(&p, &x);
    }
}
