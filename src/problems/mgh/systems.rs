//! Problems 28-35 of Moré, Garbow and Hillstrom (1981): square nonlinear systems from discretised boundary
//! value and integral equations, Broyden's tridiagonal and banded systems, three linear least-squares
//! problems and Chebyquad.

use faer::Mat;

use super::Residuals;
use crate::problem::Optimum;

fn zero_unknown_point() -> Option<Optimum> {
    Some(Optimum {
        value: 0.0,
        point: None,
    })
}

/// The grid `h = 1 / (n + 1)`, `t_i = i h` of problems 28 and 29, and their start `x0_i = t_i (t_i - 1)`.
fn grid(n: usize) -> (f64, Vec<f64>) {
    let h = 1.0 / (n + 1) as f64;
    (h, (1..=n).map(|i| i as f64 * h).collect())
}

/// Problem 28, discrete boundary value: `r_i = 2 x_i - x_{i-1} - x_{i+1} + h^2 (x_i + t_i + 1)^3 / 2` with
/// `h = 1 / (n + 1)`, `t_i = i h`, `x_0 = x_{n+1} = 0`, `m = n` (default 10); `x0_i = t_i (t_i - 1)`.
/// `f* = 0` at the solution of the discretised equation, which has no closed form: no point is given.
pub struct DiscreteBoundaryValue {
    /// Number of variables.
    pub n: usize,
}

impl Residuals for DiscreteBoundaryValue {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let (h, t) = grid(self.n);
        for i in 0..self.n {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let right = if i + 1 < self.n { x[i + 1] } else { 0.0 };
            r[i] = 2.0 * x[i] - left - right + 0.5 * h * h * (x[i] + t[i] + 1.0).powi(3);
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        let (h, t) = grid(self.n);
        for i in 0..self.n {
            j[(i, i)] = 2.0 + 1.5 * h * h * (x[i] + t[i] + 1.0).powi(2);
            if i > 0 {
                j[(i, i - 1)] = -1.0;
            }
            if i + 1 < self.n {
                j[(i, i + 1)] = -1.0;
            }
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let (step, t) = grid(self.n);
        for i in 0..self.n {
            h[(i, i)] += w[i] * 3.0 * step * step * (x[i] + t[i] + 1.0);
        }
    }
    fn start(&self) -> Vec<f64> {
        grid(self.n).1.iter().map(|t| t * (t - 1.0)).collect()
    }
    fn optimum(&self) -> Option<Optimum> {
        zero_unknown_point()
    }
}

/// Problem 29, discrete integral equation:
/// `r_i = x_i + h [(1 - t_i) sum_{j<=i} t_j q_j + t_i sum_{j>i} (1 - t_j) q_j] / 2`, `q_j = (x_j + t_j + 1)^3`,
/// `h = 1 / (n + 1)`, `t_i = i h`, `m = n` (default 10); `x0_i = t_i (t_i - 1)`. `f* = 0` at the solution of
/// the discretised equation, which has no closed form: no point is given.
pub struct DiscreteIntegralEquation {
    /// Number of variables.
    pub n: usize,
}

impl DiscreteIntegralEquation {
    /// The kernel weight `c_ij` of `q_j` in `r_i`, without the factor `h / 2`.
    fn weight(t: &[f64], i: usize, j: usize) -> f64 {
        if j <= i {
            (1.0 - t[i]) * t[j]
        } else {
            t[i] * (1.0 - t[j])
        }
    }
}

impl Residuals for DiscreteIntegralEquation {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let (h, t) = grid(self.n);
        let q: Vec<f64> = (0..self.n).map(|j| (x[j] + t[j] + 1.0).powi(3)).collect();
        // Running sums: below[i] = sum_{j<=i} t_j q_j, above[i] = sum_{j>i} (1 - t_j) q_j.
        let mut above = vec![0.0; self.n];
        for i in (0..self.n.saturating_sub(1)).rev() {
            above[i] = above[i + 1] + (1.0 - t[i + 1]) * q[i + 1];
        }
        let mut below = 0.0;
        for i in 0..self.n {
            below += t[i] * q[i];
            r[i] = x[i] + 0.5 * h * ((1.0 - t[i]) * below + t[i] * above[i]);
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        let (h, t) = grid(self.n);
        for k in 0..self.n {
            let dq = 3.0 * (x[k] + t[k] + 1.0).powi(2);
            for i in 0..self.n {
                j[(i, k)] = 0.5 * h * Self::weight(&t, i, k) * dq;
            }
            j[(k, k)] += 1.0;
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let (step, t) = grid(self.n);
        for k in 0..self.n {
            let ddq = 6.0 * (x[k] + t[k] + 1.0);
            let c: f64 = (0..self.n).map(|i| w[i] * Self::weight(&t, i, k)).sum();
            h[(k, k)] += 0.5 * step * c * ddq;
        }
    }
    fn start(&self) -> Vec<f64> {
        grid(self.n).1.iter().map(|t| t * (t - 1.0)).collect()
    }
    fn optimum(&self) -> Option<Optimum> {
        zero_unknown_point()
    }
}

/// Problem 30, Broyden tridiagonal: `r_i = (3 - 2 x_i) x_i - x_{i-1} - 2 x_{i+1} + 1`, `x_0 = x_{n+1} = 0`,
/// `m = n` (default 10); `x0 = (-1, ..., -1)`. The paper gives `f* = 0` and no minimiser.
pub struct BroydenTridiagonal {
    /// Number of variables.
    pub n: usize,
}

impl Residuals for BroydenTridiagonal {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for i in 0..self.n {
            let left = if i > 0 { x[i - 1] } else { 0.0 };
            let right = if i + 1 < self.n { x[i + 1] } else { 0.0 };
            r[i] = (3.0 - 2.0 * x[i]) * x[i] - left - 2.0 * right + 1.0;
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.n {
            j[(i, i)] = 3.0 - 4.0 * x[i];
            if i > 0 {
                j[(i, i - 1)] = -1.0;
            }
            if i + 1 < self.n {
                j[(i, i + 1)] = -2.0;
            }
        }
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            h[(i, i)] -= 4.0 * wi;
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![-1.0; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        zero_unknown_point()
    }
}

/// Problem 31, Broyden banded: `r_i = x_i (2 + 5 x_i^2) + 1 - sum_{j in J_i} x_j (1 + x_j)` with
/// `J_i = {j != i : max(1, i - 5) <= j <= min(n, i + 1)}`, `m = n` (default 10); `x0 = (-1, ..., -1)`.
/// The paper gives `f* = 0` and no minimiser.
pub struct BroydenBanded {
    /// Number of variables.
    pub n: usize,
}

impl BroydenBanded {
    /// The band `J_i` (0-based).
    fn band(&self, i: usize) -> impl Iterator<Item = usize> + use<> {
        (i.saturating_sub(5)..=(i + 1).min(self.n - 1)).filter(move |&j| j != i)
    }
}

impl Residuals for BroydenBanded {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for i in 0..self.n {
            let band: f64 = self.band(i).map(|j| x[j] * (1.0 + x[j])).sum();
            r[i] = x[i] * (2.0 + 5.0 * x[i] * x[i]) + 1.0 - band;
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.n {
            j[(i, i)] = 2.0 + 15.0 * x[i] * x[i];
            for k in self.band(i) {
                j[(i, k)] = -(1.0 + 2.0 * x[k]);
            }
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for i in 0..self.n {
            h[(i, i)] += 30.0 * x[i] * w[i];
            for k in self.band(i) {
                h[(k, k)] -= 2.0 * w[i];
            }
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![-1.0; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        zero_unknown_point()
    }
}

/// Problem 32, linear function of full rank: `r_i = x_i - (2/m) sum_j x_j - 1` for `i <= n`,
/// `r_i = -(2/m) sum_j x_j - 1` for `i > n`, `m >= n` (default `n = 10`, `m = 2n`); `x0 = (1, ..., 1)`;
/// `f* = m - n` at `(-1, ..., -1)`. The Hessian is constant.
pub struct LinearFullRank {
    /// Number of variables.
    pub n: usize,
    /// Number of residuals.
    pub m: usize,
}

impl Residuals for LinearFullRank {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let c = 2.0 * x.iter().sum::<f64>() / self.m as f64 + 1.0;
        for (i, ri) in r.iter_mut().enumerate() {
            *ri = if i < self.n { x[i] - c } else { -c };
        }
    }
    fn jacobian(&self, _x: &[f64], j: &mut Mat<f64>) {
        let c = 2.0 / self.m as f64;
        for k in 0..self.n {
            for i in 0..self.m {
                j[(i, k)] = -c;
            }
            j[(k, k)] += 1.0;
        }
    }
    fn add_hessians(&self, _x: &[f64], _w: &[f64], _h: &mut Mat<f64>) {}
    fn start(&self) -> Vec<f64> {
        vec![1.0; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: (self.m - self.n) as f64,
            point: Some(vec![-1.0; self.n]),
        })
    }
}

/// Problem 33, linear function of rank 1: `r_i = i sum_j j x_j - 1`, `m >= n` (default `n = 10`, `m = 2n`);
/// `x0 = (1, ..., 1)`. `f* = m (m - 1) / (2 (2m + 1))` on the whole hyperplane `sum_j j x_j = 3 / (2m + 1)`:
/// the minimisers are not isolated, so no point is given, and the Hessian is singular everywhere.
pub struct LinearRank1 {
    /// Number of variables.
    pub n: usize,
    /// Number of residuals.
    pub m: usize,
}

impl Residuals for LinearRank1 {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let s: f64 = x
            .iter()
            .enumerate()
            .map(|(j, xj)| (j + 1) as f64 * xj)
            .sum();
        for (i, ri) in r.iter_mut().enumerate() {
            *ri = (i + 1) as f64 * s - 1.0;
        }
    }
    fn jacobian(&self, _x: &[f64], j: &mut Mat<f64>) {
        for k in 0..self.n {
            for i in 0..self.m {
                j[(i, k)] = ((i + 1) * (k + 1)) as f64;
            }
        }
    }
    fn add_hessians(&self, _x: &[f64], _w: &[f64], _h: &mut Mat<f64>) {}
    fn start(&self) -> Vec<f64> {
        vec![1.0; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        let m = self.m as f64;
        Some(Optimum {
            value: m * (m - 1.0) / (2.0 * (2.0 * m + 1.0)),
            point: None,
        })
    }
}

/// Problem 34, linear function of rank 1 with zero columns and rows: `r_1 = r_m = -1` and
/// `r_i = (i - 1) sum_{j=2}^{n-1} j x_j - 1` for `2 <= i <= m - 1`, `3 <= n <= m` (default `n = 10`,
/// `m = 2n`); `x0 = (1, ..., 1)`. `f* = (m^2 + 3m - 6) / (2 (2m - 3))` on the whole hyperplane
/// `sum_{j=2}^{n-1} j x_j = 3 / (2m - 3)`: the minimisers are not isolated, so no point is given.
pub struct LinearRank1ZeroColumnsRows {
    /// Number of variables.
    pub n: usize,
    /// Number of residuals.
    pub m: usize,
}

impl Residuals for LinearRank1ZeroColumnsRows {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let s: f64 = (1..self.n - 1).map(|j| (j + 1) as f64 * x[j]).sum();
        for (i, ri) in r.iter_mut().enumerate() {
            *ri = if i == 0 || i == self.m - 1 {
                -1.0
            } else {
                i as f64 * s - 1.0
            };
        }
    }
    fn jacobian(&self, _x: &[f64], j: &mut Mat<f64>) {
        for k in 1..self.n - 1 {
            for i in 1..self.m - 1 {
                j[(i, k)] = (i * (k + 1)) as f64;
            }
        }
    }
    fn add_hessians(&self, _x: &[f64], _w: &[f64], _h: &mut Mat<f64>) {}
    fn start(&self) -> Vec<f64> {
        vec![1.0; self.n]
    }
    fn optimum(&self) -> Option<Optimum> {
        let m = self.m as f64;
        Some(Optimum {
            value: (m * m + 3.0 * m - 6.0) / (2.0 * (2.0 * m - 3.0)),
            point: None,
        })
    }
}

/// Problem 35, Chebyquad: `r_i = (1/n) sum_j T_i(2 x_j - 1) - c_i`, `T_i` the Chebyshev polynomial of the
/// first kind, `c_i = 0` for odd `i` and `-1 / (i^2 - 1)` for even `i` (the integral of `T_i(2u - 1)` over
/// `[0, 1]`), `i = 1..m`, `m >= n` (default `n = 10`, `m = n`); `x0_j = j / (n + 1)`. For `m = n` the
/// paper gives `f* = 0` for `n <= 7` and `n = 9` (the Chebyshev quadrature nodes), `3.51687...e-3` for
/// `n = 8` and `6.50395...e-3` for `n = 10`; otherwise none. Every permutation of a minimiser is one, so no
/// point is given.
pub struct Chebyquad {
    /// Number of variables.
    pub n: usize,
    /// Number of residuals.
    pub m: usize,
}

/// The nonzero minima of [`Chebyquad`] with `m = n`, to full precision.
pub const CHEBYQUAD_MINIMA: [(usize, f64); 2] = [
    (8, 3.516_873_725_677_931_6e-3),
    (10, 6.503_954_800_882_306e-3),
];

impl Chebyquad {
    /// Calls `each(i, T_{i+1}(z), T'_{i+1}(z), T''_{i+1}(z))` for `i = 0..m`, `z = 2 u - 1`.
    fn chebyshev(&self, u: f64, mut each: impl FnMut(usize, f64, f64, f64)) {
        let z = 2.0 * u - 1.0;
        let (mut t0, mut t1) = (1.0, z);
        let (mut d0, mut d1) = (0.0, 1.0);
        let (mut s0, mut s1) = (0.0, 0.0);
        for i in 0..self.m {
            each(i, t1, d1, s1);
            let t2 = 2.0 * z * t1 - t0;
            let d2 = 2.0 * t1 + 2.0 * z * d1 - d0;
            let s2 = 4.0 * d1 + 2.0 * z * s1 - s0;
            (t0, t1, d0, d1, s0, s1) = (t1, t2, d1, d2, s1, s2);
        }
    }
}

impl Residuals for Chebyquad {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        let inv = 1.0 / self.n as f64;
        for (i, ri) in r.iter_mut().enumerate() {
            let k = (i + 1) as f64;
            *ri = if (i + 1) % 2 == 0 {
                1.0 / (k * k - 1.0)
            } else {
                0.0
            };
        }
        for xj in x {
            self.chebyshev(*xj, |i, t, _, _| r[i] += inv * t);
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        // d/du T(2u - 1) = 2 T'(z).
        let c = 2.0 / self.n as f64;
        for (k, xk) in x.iter().enumerate() {
            self.chebyshev(*xk, |i, _, d, _| j[(i, k)] = c * d);
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let c = 4.0 / self.n as f64;
        for (k, xk) in x.iter().enumerate() {
            let mut acc = 0.0;
            self.chebyshev(*xk, |i, _, _, s| acc += w[i] * s);
            h[(k, k)] += c * acc;
        }
    }
    fn start(&self) -> Vec<f64> {
        (1..=self.n)
            .map(|j| j as f64 / (self.n + 1) as f64)
            .collect()
    }
    fn optimum(&self) -> Option<Optimum> {
        if self.m != self.n {
            return None;
        }
        if self.n <= 7 || self.n == 9 {
            return zero_unknown_point();
        }
        CHEBYQUAD_MINIMA
            .iter()
            .find(|(n, _)| *n == self.n)
            .map(|&(_, value)| Optimum { value, point: None })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for (name, dim, m) in [
            ("discrete-boundary-value", None, None),
            ("discrete-boundary-value", Some(1), None),
            ("discrete-integral-equation", None, None),
            ("discrete-integral-equation", Some(1), None),
            ("broyden-tridiagonal", None, None),
            ("broyden-tridiagonal", Some(1), None),
            ("broyden-banded", None, None),
            ("broyden-banded", Some(3), None),
            ("linear-full-rank", None, None),
            ("linear-full-rank", Some(3), Some(3)),
            ("linear-rank-1-zero-columns-rows", Some(3), Some(3)),
            ("chebyquad", None, None),
            ("chebyquad", Some(3), Some(7)),
        ] {
            check_derivatives(&build(name, dim, m));
        }
        // The rank-1 problems are large at x0 = (1, ..., 1) (f ~ 8.7e6 and 4.1e6 at n = 10, m = 20)
        // against their gradients: the differences' rounding eps |f| / h is added.
        for name in ["linear-rank-1", "linear-rank-1-zero-columns-rows"] {
            check_derivatives_scaled(&build(name, None, None));
        }
    }

    #[test]
    fn start_values_match_hand_arithmetic() {
        // Broyden tridiagonal at -1: r = (-2, -1, ..., -1, -3); banded: r_i = -7 + 1 (x_j (1 + x_j) = 0).
        assert_start_value(&build("broyden-tridiagonal", None, None), 4.0 + 8.0 + 9.0);
        assert_start_value(&build("broyden-banded", None, None), 36.0 * 10.0);
        // Linear, n = 10, m = 20, x0 = 1: full rank r = -1 (i <= n), -2 (i > n).
        assert_start_value(&build("linear-full-rank", None, None), 10.0 + 40.0);
        // Rank 1: sum_j j = 55, sum_{i=1}^{20} (55 i - 1)^2 = 3025 * 2870 - 110 * 210 + 20.
        assert_start_value(&build("linear-rank-1", None, None), 8_658_670.0);
        // Zero columns and rows: sum_{j=2}^{9} j = 44, sum_{k=1}^{18} (44 k - 1)^2 + 2.
        assert_start_value(
            &build("linear-rank-1-zero-columns-rows", None, None),
            1936.0 * 2109.0 - 88.0 * 171.0 + 18.0 + 2.0,
        );
        // In 40-digit arithmetic (mpmath) from the authors' formulas, n = 10 (and 8 for Chebyquad).
        for (name, dim, f0) in [
            ("discrete-boundary-value", None, 7.885_191_012_648_215e-4),
            ("discrete-integral-equation", None, 6.341_684_157_945_264e-2),
            ("chebyquad", None, 3.376_326_546_288_000_6e-2),
            ("chebyquad", Some(8), 3.861_769_828_593_023e-2),
        ] {
            assert_start_value(&build(name, dim, None), f0);
        }
    }

    #[test]
    fn exact_minima_are_minima() {
        // Full rank: f* = m - n at (-1, ..., -1), for several shapes.
        for (n, m) in [(10, 20), (5, 5), (3, 50)] {
            let p = build("linear-full-rank", Some(n), Some(m));
            let x = vec![-1.0; n];
            assert_exact_minimiser(&p, &x, (m - n) as f64);
            check_optimum(&p, &x);
        }
        // Rank 1: any x with sum_j j x_j = 3 / (2m + 1), e.g. a multiple of e_1.
        let p = build("linear-rank-1", None, None);
        let mut x = vec![0.0; 10];
        x[0] = 3.0 / 41.0;
        assert_exact_minimiser(&p, &x, 20.0 * 19.0 / (2.0 * 41.0));
        check_optimum(&p, &x);
        // Zero columns and rows: sum_{j=2}^{n-1} j x_j = 3 / (2m - 3), e.g. on x_2.
        let p = build("linear-rank-1-zero-columns-rows", None, None);
        let mut x = vec![0.0; 10];
        x[1] = 3.0 / (2.0 * 37.0);
        assert_exact_minimiser(&p, &x, (400.0 + 60.0 - 6.0) / (2.0 * 37.0));
        check_optimum(&p, &x);
    }

    #[test]
    fn published_minima_are_reached() {
        let zero = Published {
            value: 0.0,
            unit: 0.0,
            point: None,
        };
        for (name, dim) in [
            ("discrete-boundary-value", None),
            ("discrete-integral-equation", None),
            ("broyden-tridiagonal", None),
            ("broyden-banded", None),
            ("chebyquad", Some(1)),
            ("chebyquad", Some(2)),
            ("chebyquad", Some(3)),
            ("chebyquad", Some(4)),
            ("chebyquad", Some(5)),
            ("chebyquad", Some(6)),
            ("chebyquad", Some(7)),
            ("chebyquad", Some(9)),
        ] {
            let p = build(name, dim, None);
            let x = check_published(&p, &zero, None);
            check_optimum(&p, &x);
        }
        for (dim, value, unit) in [(8, 3.51687e-3, 1e-8), (10, 6.50395e-3, 1e-8)] {
            let p = build("chebyquad", Some(dim), None);
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
    }
}
