//! `himmelblau`: Himmelblau's function, a 2-D polynomial with four global minima, a maximum and four saddles.
//!
//! `f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2` (Himmelblau 1972, *Applied Nonlinear Programming*).
//! With `a = x^2 + y - 11`, `b = x + y^2 - 7`: gradient `(4 x a + 2 b, 2 a + 4 y b)`, Hessian
//! `[[12 x^2 + 4 y - 42, 4 (x + y)], [4 (x + y), 12 y^2 + 4 x - 26]]`.
//!
//! Its nine critical points ([`CRITICAL_POINTS`]): the minima as commonly published (truncated or rounded
//! to 6 decimals, within `1e-6` of the exact points), the maximum and saddles rounded to 6 decimals; values
//! to 14 significant digits from a 40-digit Newton solve; the Hessian index is the number of negative
//! eigenvalues:
//!
//! | point | f | index |
//! |---|---|---|
//! | (3, 2) | 0 | 0 (global minimum) |
//! | (-2.805118, 3.131312) | 0 | 0 (global minimum) |
//! | (-3.779310, -3.283186) | 0 | 0 (global minimum) |
//! | (3.584428, -1.848126) | 0 | 0 (global minimum) |
//! | (-0.270845, -0.923039) | 181.61652152258 | 2 (local maximum) |
//! | (0.086678, 2.884255) | 67.719150087526 | 1 (saddle) |
//! | (-3.073026, -0.081353) | 104.01516291756 | 1 (saddle) |
//! | (3.385154, 0.073852) | 13.311926270406 | 1 (saddle) |
//! | (-0.127961, -1.953715) | 178.33723920193 | 1 (saddle) |
//!
//! `f* = 0`; the global minimiser is not unique (four of them), so [`Problem::optimum`] gives `f*` without
//! `x*`: a distance to one chosen minimiser would misreport a run that reached another. Standard start
//! `(0, 0)` (f = 170), between the maximum and the saddles. The Hessian grows like `12 |x|^2` and is
//! indefinite near the maximum, so there are no global curvature bounds (`curvature()` is `None`).

use faer::Mat;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::critical::CriticalPoint;
use crate::params::ParamDoc;
use crate::problem::{Optimum, Problem, SecondOrder};

/// `himmelblau` takes no keys of its own.
pub const PARAMS: &[ParamDoc] = &[];

/// The documented critical points: (x, y) rounded to 6 decimals, f, Hessian index.
pub const CRITICAL_POINTS: &[([f64; 2], f64, usize)] = &[
    ([3.0, 2.0], 0.0, 0),
    ([-2.805118, 3.131312], 0.0, 0),
    ([-3.779310, -3.283186], 0.0, 0),
    ([3.584428, -1.848126], 0.0, 0),
    ([-0.270845, -0.923039], 181.61652152258, 2),
    ([0.086678, 2.884255], 67.719150087526, 1),
    ([-3.073026, -0.081353], 104.01516291756, 1),
    ([3.385154, 0.073852], 13.311926270406, 1),
    ([-0.127961, -1.953715], 178.33723920193, 1),
];

/// The parameters of `himmelblau` (none).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HimmelblauConfig {}

impl super::FamilyConfig for HimmelblauConfig {
    /// `f* = 0`; four global minimisers, so no single `x*`.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::VALUE)
    }

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(Himmelblau))
    }
}

/// An instance of `himmelblau`.
pub struct Himmelblau;

impl Himmelblau {
    fn hessian_entries(x: &[f64]) -> [f64; 3] {
        let (a, b) = (x[0], x[1]);
        [
            12.0 * a * a + 4.0 * b - 42.0,
            4.0 * (a + b),
            12.0 * b * b + 4.0 * a - 26.0,
        ]
    }
}

/// The value `a^2 + b^2` of the residuals `a = x^2 + y - 11`, `b = x + y^2 - 7`, and the gradient into `g`
/// where one is given: one computation behind `value`, `gradient` and `value_and_gradient`.
fn evaluate(x: &[f64], g: Option<&mut [f64]>) -> f64 {
    let a = x[0] * x[0] + x[1] - 11.0;
    let b = x[0] + x[1] * x[1] - 7.0;
    if let Some(g) = g {
        g[0] = 4.0 * x[0] * a + 2.0 * b;
        g[1] = 2.0 * a + 4.0 * x[1] * b;
    }
    a * a + b * b
}

impl Problem for Himmelblau {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: &[f64]) -> f64 {
        evaluate(x, None)
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        evaluate(x, Some(g));
    }

    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        evaluate(x, Some(g))
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        vec![0.0, 0.0]
    }

    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: None,
        })
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        CRITICAL_POINTS
            .iter()
            .map(|(x, f, i)| CriticalPoint::new(x, *f, *i))
            .collect()
    }
}

impl SecondOrder for Himmelblau {
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        super::plane::hvp(Self::hessian_entries(x), v, out);
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        super::plane::fill(Self::hessian_entries(x), h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::critical::check::assert_critical_point;
    use crate::problems::critical::{Kind, newton_polish};
    use crate::problems::testing::assert_derivatives;
    use crate::problems::{FamilyConfig, family};
    use proptest::prelude::*;

    /// One unit in the 6th decimal: the documented locations are rounded there.
    const DIGITS_TOL: f64 = 1e-6;

    #[test]
    fn documented_critical_points_have_their_value_and_index() {
        let p = Himmelblau;
        let cps = p.critical_points();
        let mut polished = Vec::new();
        for cp in &cps {
            // Values are given to 14 significant digits (relative 5e-14), and evaluating `a^2 + b^2` with
            // `|a|, |b| <= 11` near the saddles rounds at about `64 eps (1 + |f|)`.
            let tol = 64.0 * f64::EPSILON * (1.0 + cp.value.abs()) + 5e-14 * cp.value.abs();
            polished.push(assert_critical_point(&p, cp, DIGITS_TOL, tol));
        }
        let kinds: Vec<Kind> = cps.iter().map(CriticalPoint::kind).collect();
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Minimum).count(), 4);
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Maximum).count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == Kind::Saddle).count(), 4);
        // Nine distinct points; on R^2 a coercive Morse function has #min - #saddle + #max = 1 (Morse theory),
        // and 4 - 4 + 1 = 1, so no critical point is missing.
        for (i, a) in polished.iter().enumerate() {
            for b in &polished[i + 1..] {
                assert!(
                    crate::vector::distance(a, b) > 0.1,
                    "{a:?} and {b:?} coincide"
                );
            }
        }
        // (3, 2) is exact: a = b = 0.
        let mut g = [1.0; 2];
        assert_eq!(p.value_and_gradient(&[3.0, 2.0], &mut g), 0.0);
        assert_eq!(g, [0.0, 0.0]);
    }

    #[test]
    fn newton_from_the_standard_start_region_finds_the_maximum() {
        // The standard start (0, 0) lies in the Newton basin of the maximum: Newton is attracted to any
        // critical point, which is why saddle-aware methods are benchmarked here.
        let p = Himmelblau;
        let x = newton_polish(&p, &p.standard_start(), 50).expect("second order");
        assert!((x[0] + 0.270845).abs() <= DIGITS_TOL, "{:e}", x[0]);
        assert!((x[1] + 0.923039).abs() <= DIGITS_TOL, "{:e}", x[1]);
    }

    #[test]
    fn invalid_values_name_their_key() {
        let f = family("himmelblau").expect("registered");
        let table: toml::Table = toml::from_str("dim = 3").expect("valid TOML");
        let err = (f.parse)(&table, f.params).err().expect("unknown key");
        assert_eq!(err.key.as_deref(), Some("dim"));
        assert!(HimmelblauConfig {}.check().is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-5.0f64..5.0, 2),
            v in prop::collection::vec(-1.0f64..1.0, 2),
        ) {
            let p = HimmelblauConfig {}.build(&mut rand::SeedableRng::seed_from_u64(0)).expect("builds");
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
