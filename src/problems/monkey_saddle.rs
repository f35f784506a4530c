//! `monkey-saddle`: `f(x, y) = x^3 - 3 x y^2`, a degenerate saddle that second-order tests cannot see.
//!
//! `f = Re((x + i y)^3)`: three descending valleys (angles `pi/3`, `pi`, `5 pi/3`) alternate with three
//! ascending ridges (angles `0`, `2 pi/3`, `4 pi/3`), room for a monkey's tail (Hilbert and Cohn-Vossen
//! 1932, *Anschauliche Geometrie*). Gradient `(3 x^2 - 3 y^2, -6 x y)`, Hessian `[[6 x, -6 y], [-6 y, -6 x]]`,
//! whose trace is zero: its eigenvalues are `+-6 sqrt(x^2 + y^2)`, indefinite everywhere but at the origin.
//!
//! The only critical point is the origin ([`MonkeySaddle::critical_points`]), with a zero Hessian (index 0,
//! nullity 2): a degenerate point that is not a minimum, which only the third-order term reveals. The
//! function is **unbounded below** (`f(x, 0) = x^3 -> -inf`), so there is no optimum (`optimum()` is
//! `None`) and no curvature bound (`|H| = 6 |(x, y)|` grows without limit). Runs end `diverged` when a method
//! follows a valley out, or with a small gradient when it stalls near the origin: both are informative.
//!
//! Standard start `(1, 1e-3)`: on the ridge `y = 0` (where gradient descent runs straight into the degenerate
//! point, `x_{k+1} = x_k - 3 eta x_k^2`) and `1e-3` off it, so a method must notice the slowly growing
//! `y`-component to escape into the valley at angle `pi/3`.

use faer::Mat;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::critical::CriticalPoint;
use crate::params::ParamDoc;
use crate::problem::{Problem, SecondOrder};

/// `monkey-saddle` takes no keys of its own.
pub const PARAMS: &[ParamDoc] = &[];

/// The parameters of `monkey-saddle` (none).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonkeySaddleConfig {}

impl super::FamilyConfig for MonkeySaddleConfig {
    /// Neither: the function is unbounded below.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::NONE)
    }

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(MonkeySaddle))
    }
}

/// An instance of `monkey-saddle`.
pub struct MonkeySaddle;

impl Problem for MonkeySaddle {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: &[f64]) -> f64 {
        x[0] * (x[0] * x[0] - 3.0 * x[1] * x[1])
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        g[0] = 3.0 * (x[0] * x[0] - x[1] * x[1]);
        g[1] = -6.0 * x[0] * x[1];
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        vec![1.0, 1e-3]
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint {
            point: vec![0.0, 0.0],
            value: 0.0,
            index: 0,
            nullity: 2,
        }]
    }
}

impl SecondOrder for MonkeySaddle {
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        out[0] = 6.0 * (x[0] * v[0] - x[1] * v[1]);
        out[1] = -6.0 * (x[1] * v[0] + x[0] * v[1]);
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        h[(0, 0)] = 6.0 * x[0];
        h[(0, 1)] = -6.0 * x[1];
        h[(1, 0)] = -6.0 * x[1];
        h[(1, 1)] = -6.0 * x[0];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::critical::check::assert_exact_critical_point;
    use crate::problems::critical::{Kind, inertia};
    use crate::problems::testing::assert_derivatives;
    use crate::problems::{FamilyConfig, family};
    use proptest::prelude::*;

    #[test]
    fn origin_is_a_degenerate_critical_point_that_is_not_a_minimum() {
        let p = MonkeySaddle;
        let cp = &p.critical_points()[0];
        assert_eq!(cp.kind(), Kind::Degenerate);
        assert_exact_critical_point(&p, &cp.point, cp, 0.0);
        // Not a minimum: f(-t, 0) = -t^3 < 0 = f(0) for every t > 0.
        for t in [1e-8, 1e-3, 1.0] {
            assert!(p.value(&[-t, 0.0]) < 0.0);
        }
        // Unbounded below along the valley at angle pi: f(-t, 0) = -t^3, exact for t = 2^100.
        assert_eq!(p.value(&[-(2f64.powi(100)), 0.0]), -(2f64.powi(300)));
        assert!(p.optimum().is_none() && p.curvature().is_none());
    }

    #[test]
    fn hessian_eigenvalues_are_plus_minus_six_radius() {
        let p = MonkeySaddle;
        let mut h = Mat::<f64>::zeros(2, 2);
        for x in [[1.0, 0.0], [0.3, -0.4], [-2.0, 1.5]] {
            p.hessian(&x, &mut h);
            let (inertia, eig) = inertia(&h).expect("converges");
            let r = 6.0 * (x[0] * x[0] + x[1] * x[1]).sqrt();
            assert_eq!((inertia.negative, inertia.positive), (1, 1));
            for (e, want) in eig.iter().zip([-r, r]) {
                assert!(
                    (e - want).abs() <= 8.0 * f64::EPSILON * r,
                    "{e:e} vs {want:e}"
                );
            }
        }
    }

    #[test]
    fn standard_start_is_not_the_critical_point() {
        let p = MonkeySaddle;
        let mut g = [0.0; 2];
        p.gradient(&p.standard_start(), &mut g);
        // g = (3 (1 - 1e-6), -6e-3).
        assert!(
            (g[0] - 3.0 * (1.0 - 1e-6)).abs() <= 4.0 * f64::EPSILON * 3.0,
            "{:e}",
            g[0]
        );
        assert!(
            (g[1] + 6e-3).abs() <= 4.0 * f64::EPSILON * 6e-3,
            "{:e}",
            g[1]
        );
    }

    #[test]
    fn invalid_values_name_their_key() {
        let f = family("monkey-saddle").expect("registered");
        let table: toml::Table = toml::from_str("dim = 2").expect("valid TOML");
        let err = (f.parse)(&table, f.params).err().expect("unknown key");
        assert_eq!(err.key.as_deref(), Some("dim"));
        assert!(MonkeySaddleConfig {}.check().is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-3.0f64..3.0, 2),
            v in prop::collection::vec(-1.0f64..1.0, 2),
        ) {
            let p = MonkeySaddleConfig {}.build(&mut rand::SeedableRng::seed_from_u64(0)).expect("builds");
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
