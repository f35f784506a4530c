//! `rosenbrock`: the banana valley, a curved ill-conditioned descent with `f* = 0` at `x* = (1, ..., 1)`.
//!
//! - `variant = "chained"` (default, as scipy's `rosen`): `f(x) = sum_{i=1}^{n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2`.
//!   For `n >= 4` it has a second local minimum (Kok and Sandrock 2009): at `x_1 = -0.7757`, `f = 3.7014` for
//!   `n = 4`, settling near `x_1 = -0.9933`, `f = 3.9866` from `n = 10` on. A run that ends there has converged,
//!   to another minimum, and its distance to `x*` says so.
//! - `variant = "extended"`: independent pairs, `f(x) = sum_{i=1}^{n/2} 100 (x_{2i} - x_{2i-1}^2)^2 + (1 - x_{2i-1})^2`,
//!   `n` even.
//!
//! Standard start `(-1.2, 1, -1.2, 1, ...)`. The curvature is unbounded (the Hessian grows with `|x|`), so
//! there are no global `mu`, `L`. Hessian-vector products exploit the tridiagonal (chained) or 2x2 block
//! (extended) structure: `O(n)`.

use super::critical::CriticalPoint;
use crate::params::{ParamDoc, ParamError};
use crate::problem::{Capabilities, Optimum, Problem, SecondOrder};
use faer::Mat;
use rand_chacha::ChaCha8Rng;

/// The keys of `rosenbrock`.
pub const PARAMS: &[ParamDoc] = RosenbrockConfig::PARAMS;

crate::declare_choice! {
    /// How the terms couple, as `variant` names it.
    pub enum Variant {
        /// Overlapping terms, as scipy's `rosen`.
        Chained = "chained",
        /// Independent pairs.
        Extended = "extended",
    }
}

crate::declare_params! {
    /// The parameters of `rosenbrock`.
    #[derive(Debug, Clone)]
    pub struct RosenbrockConfig {
        /// dimension n >= 2 (even for "extended")
        dim: usize = 2,
        /// "chained" (overlapping terms, as scipy's rosen) or "extended" (independent pairs)
        variant: Variant = "chained",
    }
}

impl super::FamilyConfig for RosenbrockConfig {
    /// `f* = 0` at `x* = (1, ..., 1)`.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::BOTH)
    }

    fn check(&self) -> Result<(), ParamError> {
        if self.dim < 2 {
            return Err(ParamError::key(
                "dim",
                format!("`dim` must be at least 2, got {}", self.dim),
            ));
        }
        if self.variant == Variant::Extended && self.dim % 2 == 1 {
            return Err(ParamError::key(
                "dim",
                format!(
                    "the extended variant pairs coordinates, so `dim` must be even, got {}",
                    self.dim
                ),
            ));
        }
        Ok(())
    }

    const CAPABILITIES: Capabilities = Capabilities::ANALYTIC;

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(Rosenbrock {
            dim: self.dim,
            chained: self.variant == Variant::Chained,
        }))
    }
}

/// An instance of `rosenbrock`.
pub struct Rosenbrock {
    dim: usize,
    chained: bool,
}

impl Rosenbrock {
    /// The (first, second) coordinates of each term: overlapping pairs or disjoint pairs.
    fn terms(&self) -> impl Iterator<Item = (usize, usize)> + use<> {
        let (n, stride) = (self.dim, if self.chained { 1 } else { 2 });
        (0..n - 1).step_by(stride).map(|i| (i, i + 1))
    }

    /// The value, and the gradient into `g` where one is given: one loop over the terms behind `value`,
    /// `gradient` and `value_and_gradient`, so they add the same terms in the same order.
    fn evaluate(&self, x: &[f64], mut g: Option<&mut [f64]>) -> f64 {
        if let Some(g) = g.as_deref_mut() {
            g.fill(0.0);
        }
        let mut f = 0.0;
        for (i, j) in self.terms() {
            let a = x[j] - x[i] * x[i];
            let b = 1.0 - x[i];
            f += 100.0 * a * a + b * b;
            if let Some(g) = g.as_deref_mut() {
                g[i] += -400.0 * x[i] * a - 2.0 * b;
                g[j] += 200.0 * a;
            }
        }
        f
    }
}

impl Problem for Rosenbrock {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        self.evaluate(x, None)
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.evaluate(x, Some(g));
    }

    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.evaluate(x, Some(g))
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        (0..self.dim)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect()
    }

    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![1.0; self.dim]),
        })
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::new(&vec![1.0; self.dim], 0.0, 0)]
    }
}

impl SecondOrder for Rosenbrock {
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for (i, j) in self.terms() {
            // The 2x2 Hessian of one term in (x_i, x_j).
            let hii = 1200.0 * x[i] * x[i] - 400.0 * x[j] + 2.0;
            let hij = -400.0 * x[i];
            out[i] += hii * v[i] + hij * v[j];
            out[j] += hij * v[i] + 200.0 * v[j];
        }
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        h.fill(0.0);
        for (i, j) in self.terms() {
            h[(i, i)] += 1200.0 * x[i] * x[i] - 400.0 * x[j] + 2.0;
            h[(i, j)] += -400.0 * x[i];
            h[(j, i)] += -400.0 * x[i];
            h[(j, j)] += 200.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::FamilyConfig;
    use crate::problems::testing::assert_derivatives;
    use faer::Side;
    use faer::linalg::solvers::Solve;
    use proptest::prelude::*;
    use rand::SeedableRng;

    /// The config of a table `dim = ..., variant = "..."`, checked.
    fn parse(dim: usize, variant: &str) -> Result<RosenbrockConfig, ParamError> {
        let table: toml::Table = toml::from_str(&format!("dim = {dim}\nvariant = \"{variant}\""))
            .expect("test tables are valid TOML");
        let c: RosenbrockConfig = crate::params::from_table(&table, PARAMS)?;
        c.check().map(|()| c)
    }

    fn build(dim: usize, variant: &str) -> Box<dyn Problem> {
        let c = parse(dim, variant).expect("valid config");
        c.build(&mut ChaCha8Rng::seed_from_u64(0)).expect("builds")
    }

    #[test]
    fn matches_scipy_rosen_at_the_standard_start() {
        // scipy.optimize.rosen([-1.2, 1]) = 24.2; chained n = 4: 24.2 + (100 * (-1.2 - 1)^2 + 4) + 24.2.
        let f2 = build(2, "chained").value(&[-1.2, 1.0]);
        assert!((f2 - 24.2).abs() <= 64.0 * f64::EPSILON, "{f2:e}");
        let f4 = build(4, "chained").value(&[-1.2, 1.0, -1.2, 1.0]);
        assert!(
            (f4 - (24.2 + 100.0 * 2.2f64.powi(2) + 24.2)).abs() <= 1e3 * f64::EPSILON,
            "{f4:e}"
        );
        let fe = build(4, "extended").value(&[-1.2, 1.0, -1.2, 1.0]);
        assert!((fe - 48.4).abs() <= 128.0 * f64::EPSILON, "{fe:e}");
    }

    #[test]
    fn minimiser_is_a_minimum() {
        for (n, variant) in [(2, "chained"), (7, "chained"), (6, "extended")] {
            let p = build(n, variant);
            let x = p.optimum().and_then(|o| o.point).expect("known");
            let mut g = vec![1.0; n];
            assert_eq!(p.value_and_gradient(&x, &mut g), 0.0);
            assert!(g.iter().all(|gi| *gi == 0.0));
            let mut h = Mat::<f64>::zeros(n, n);
            p.second_order().expect("second order").hessian(&x, &mut h);
            h.llt(Side::Lower)
                .expect("positive definite at the minimiser");
        }
    }

    /// Newton steps on the exact Hessian, shifted by `tau I` until positive definite (so saddles repel),
    /// from `x`; returns the point, where the gradient vanishes.
    fn polish(p: &dyn Problem, mut x: Vec<f64>) -> Vec<f64> {
        let n = x.len();
        let so = p.second_order().expect("second order");
        let mut g = vec![0.0; n];
        let mut h = Mat::<f64>::zeros(n, n);
        for _ in 0..200 {
            p.gradient(&x, &mut g);
            so.hessian(&x, &mut h);
            let gm = Mat::from_fn(n, 1, |i, _| g[i]);
            let mut tau = 0.0;
            let d = loop {
                let shifted = Mat::from_fn(n, n, |i, j| h[(i, j)] + if i == j { tau } else { 0.0 });
                match shifted.llt(Side::Lower) {
                    Ok(llt) => break llt.solve(&gm),
                    Err(_) => tau = if tau == 0.0 { 1e-3 } else { 2.0 * tau },
                }
            };
            for i in 0..n {
                x[i] -= d[(i, 0)];
            }
        }
        x
    }

    #[test]
    fn chained_has_the_documented_second_minimum() {
        // From (-1, 1, ..., 1): n = 4 gives (-0.7757, 0.6131, 0.3821, 0.1460), f = 3.7014; for n >= 10 the
        // point settles near x_1 = -0.9933, f = 3.9866 (Kok and Sandrock 2009).
        for (n, x1, f) in [(4usize, -0.7757, 3.7014), (30, -0.9933, 3.9866)] {
            let p = build(n, "chained");
            let mut x0 = vec![1.0; n];
            x0[0] = -1.0;
            let x = polish(p.as_ref(), x0);
            let mut g = vec![0.0; n];
            p.gradient(&x, &mut g);
            let gn = crate::vector::norm(&g);
            assert!(
                gn <= 1e3 * f64::EPSILON * n as f64,
                "n = {n}: ||g|| = {gn:e}"
            );
            assert!((x[0] - x1).abs() <= 1e-4, "n = {n}: x_1 = {}", x[0]);
            assert!(
                (p.value(&x) - f).abs() <= 1e-4,
                "n = {n}: f = {:e}",
                p.value(&x)
            );
            let mut h = Mat::<f64>::zeros(n, n);
            p.second_order().expect("second order").hessian(&x, &mut h);
            assert!(h.llt(Side::Lower).is_ok(), "n = {n}: not a local minimum");
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (dim, variant, key) in [
            (1, "chained", "dim"),
            (3, "extended", "dim"),
            (4, "banana", "variant"),
        ] {
            assert_eq!(parse(dim, variant).unwrap_err().key.as_deref(), Some(key));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-2.0f64..2.0, 6),
            v in prop::collection::vec(-1.0f64..1.0, 6),
            chained in any::<bool>(),
        ) {
            let p = build(6, if chained { "chained" } else { "extended" });
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
