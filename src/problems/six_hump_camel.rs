//! `six-hump-camel`: the six-hump camel-back function, six minima (two global), two maxima, seven saddles.
//!
//! `f(x, y) = (4 - 2.1 x^2 + x^4/3) x^2 + x y + (-4 + 4 y^2) y^2` (Dixon and Szegő 1978, *Towards Global
//! Optimisation 2*; also in Molga and Smutnicki 2005). Gradient
//! `(8 x - 8.4 x^3 + 2 x^5 + y, x - 8 y + 16 y^3)`, Hessian `[[8 - 25.2 x^2 + 10 x^4, 1], [1, -8 + 48 y^2]]`.
//! The function is odd-symmetric: `f(-x, -y) = f(x, y)`, so critical points come in pairs `+-p`.
//!
//! Its fifteen critical points ([`CRITICAL_POINTS`]; locations rounded to 6 decimals, values to 14
//! significant digits from a 40-digit Newton solve; the index is the number of negative Hessian
//! eigenvalues):
//!
//! | point (and its mirror `-p`) | f | index |
//! |---|---|---|
//! | +-(0.089842, -0.712656) | -1.0316284534899 | 0 (global minima) |
//! | +-(1.703607, -0.796084) | -0.21546382438372 | 0 (local minima) |
//! | +-(1.607105, 0.568651) | 2.1042503103113 | 0 (local minima) |
//! | +-(1.230230, 0.162335) | 2.4962953510236 | 2 (local maxima) |
//! | (0, 0) | 0 | 1 (saddle) |
//! | +-(1.109205, -0.768268) | 0.54371860097819 | 1 (saddles) |
//! | +-(1.296070, 0.605084) | 2.2294708180299 | 1 (saddles) |
//! | +-(1.638068, 0.228674) | 2.2293571975307 | 1 (saddles) |
//!
//! `f* = -1.0316284534899`; the global minimiser is not unique (a mirror pair), so [`Problem::optimum`]
//! gives `f*` without `x*`. Standard start `(1e-3, 1e-3)`: a small offset from the saddle at the origin,
//! whose unstable direction (eigenvalue `-sqrt(65)`) leads down to the global minima, so a method that
//! escapes the saddle reaches one of them. The Hessian grows like `10 x^4` and is indefinite at the saddles,
//! so there are no global curvature bounds (`curvature()` is `None`).

use faer::Mat;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::critical::CriticalPoint;
use crate::params::ParamDoc;
use crate::problem::{Optimum, Problem, SecondOrder};

/// `six-hump-camel` takes no keys of its own.
pub const PARAMS: &[ParamDoc] = &[];

/// The global minimum value.
pub const F_STAR: f64 = -1.031_628_453_489_877;

/// The documented critical points with `x >= 0` (each mirrored by `-p`, with the same value and index,
/// except the origin): (x, y) rounded to 6 decimals, f, Hessian index.
pub const CRITICAL_POINTS: &[([f64; 2], f64, usize)] = &[
    ([0.089842, -0.712656], F_STAR, 0),
    ([1.703607, -0.796084], -0.215_463_824_383_72, 0),
    ([1.607105, 0.568651], 2.104_250_310_311_3, 0),
    ([1.230230, 0.162335], 2.496_295_351_023_6, 2),
    ([0.0, 0.0], 0.0, 1),
    ([1.109205, -0.768268], 0.543_718_600_978_19, 1),
    ([1.296070, 0.605084], 2.229_470_818_029_9, 1),
    ([1.638068, 0.228674], 2.229_357_197_530_7, 1),
];

/// The parameters of `six-hump-camel` (none).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SixHumpCamelConfig {}

impl super::FamilyConfig for SixHumpCamelConfig {
    /// `f*` known; two global minimisers, so no single `x*`.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::VALUE)
    }

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(SixHumpCamel))
    }
}

/// An instance of `six-hump-camel`.
pub struct SixHumpCamel;

impl SixHumpCamel {
    fn hessian_entries(x: &[f64]) -> [f64; 3] {
        let (a, b) = (x[0], x[1]);
        let a2 = a * a;
        [8.0 - 25.2 * a2 + 10.0 * a2 * a2, 1.0, -8.0 + 48.0 * b * b]
    }
}

impl Problem for SixHumpCamel {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: &[f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        let (a2, b2) = (a * a, b * b);
        (4.0 - 2.1 * a2 + a2 * a2 / 3.0) * a2 + a * b + (-4.0 + 4.0 * b2) * b2
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        let (a, b) = (x[0], x[1]);
        let a2 = a * a;
        g[0] = a * (8.0 - 8.4 * a2 + 2.0 * a2 * a2) + b;
        g[1] = a - 8.0 * b + 16.0 * b * b * b;
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        vec![1e-3, 1e-3]
    }

    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: F_STAR,
            point: None,
        })
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        let mut out = Vec::new();
        for (x, f, i) in CRITICAL_POINTS {
            out.push(CriticalPoint::new(x, *f, *i));
            if x[0] != 0.0 || x[1] != 0.0 {
                out.push(CriticalPoint::new(&[-x[0], -x[1]], *f, *i));
            }
        }
        out
    }
}

impl SecondOrder for SixHumpCamel {
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
    use crate::problems::critical::Kind;
    use crate::problems::critical::check::assert_critical_point;
    use crate::problems::testing::assert_derivatives;
    use crate::problems::{FamilyConfig, family};
    use proptest::prelude::*;

    /// One unit in the 6th decimal: the documented locations are rounded there.
    const DIGITS_TOL: f64 = 1e-6;

    #[test]
    fn documented_critical_points_have_their_value_and_index() {
        let p = SixHumpCamel;
        let cps = p.critical_points();
        assert_eq!(cps.len(), 15);
        let mut polished = Vec::new();
        for cp in &cps {
            // Values to 14 significant digits (relative 5e-14); evaluation of terms of size <= 10 rounds at
            // about 64 eps (1 + |f|).
            let tol = 64.0 * f64::EPSILON * (1.0 + cp.value.abs()) + 5e-14 * cp.value.abs();
            polished.push(assert_critical_point(&p, cp, DIGITS_TOL, tol));
        }
        let count = |k: Kind| cps.iter().filter(|c| c.kind() == k).count();
        // 6 - 7 + 2 = 1, the Euler characteristic of the plane (Morse theory): none is missing.
        assert_eq!(
            (
                count(Kind::Minimum),
                count(Kind::Saddle),
                count(Kind::Maximum)
            ),
            (6, 7, 2)
        );
        for (i, a) in polished.iter().enumerate() {
            for b in &polished[i + 1..] {
                assert!(
                    crate::vector::distance(a, b) > 1e-3,
                    "{a:?} and {b:?} coincide"
                );
            }
        }
        // The global minima: published as +-(0.0898, -0.7126), f* = -1.0316284535 (Molga and Smutnicki 2005).
        let min = &polished[0];
        assert!((min[0] - 0.0898).abs() <= 5e-5 && (min[1] + 0.7126).abs() <= 1e-4);
        assert!(
            (p.value(min) + 1.0316284535).abs() <= 5e-11,
            "{:e}",
            p.value(min)
        );
        assert!(cps.iter().all(|c| c.value >= F_STAR));
    }

    #[test]
    fn invalid_values_name_their_key() {
        let f = family("six-hump-camel").expect("registered");
        let table: toml::Table = toml::from_str("scale = 2.0").expect("valid TOML");
        let err = (f.parse)(&table, f.params).err().expect("unknown key");
        assert_eq!(err.key.as_deref(), Some("scale"));
        assert!(SixHumpCamelConfig {}.check().is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-2.5f64..2.5, 2),
            v in prop::collection::vec(-1.0f64..1.0, 2),
        ) {
            let p = SixHumpCamelConfig {}.build(&mut rand::SeedableRng::seed_from_u64(0)).expect("builds");
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
