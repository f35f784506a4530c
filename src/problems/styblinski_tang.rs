//! `styblinski-tang`: a separable quartic with `3^n` critical points of every index.
//!
//! `f(x) = sum_i (x_i^4 - 16 x_i^2 + 5 x_i) / 2` (Styblinski and Tang 1990, "Experiments in nonconvex
//! optimization", *Neural Networks* 3). Each coordinate sees `phi(t) = (t^4 - 16 t^2 + 5 t)/2` with
//! `phi'(t) = 2 t^3 - 16 t + 5/2` and `phi''(t) = 6 t^2 - 16`, so the gradient is `phi'(x_i)` and the Hessian
//! is `diag(phi''(x_i))`.
//!
//! `phi'` has three roots ([`stationary_roots`], from the trigonometric solution of the cubic):
//! `r_0 = -2.903534` (`phi = -39.166166`, `phi'' > 0`: the global minimum of `phi`), `r_1 = 0.156731`
//! (`phi = 0.195612`, `phi'' < 0`: a maximum) and `r_2 = 2.746803` (`phi = -25.029447`, `phi'' > 0`: a
//! local minimum). Since `f` is separable, its critical points are exactly the `3^n` points with every
//! `x_i` in `{r_0, r_1, r_2}` ([`StyblinskiTang::critical_point`]), and because the Hessian is diagonal,
//! **the index of a critical point is the number of its coordinates at the local-maximum root `r_1`**: 0
//! gives one of the `2^n` local minima, `n` the single maximum, anything between a saddle.
//!
//! Global minimum `x_i = r_0 = -2.903534` for all `i`, `f* = -39.16617 n` (unique). Standard start: the
//! origin, on the global side of every coordinate's maximum (`r_1 > 0`), where `phi'(0) = 5/2`. The Hessian
//! grows like `6 x_i^2` and is indefinite between the roots, so there are no global curvature bounds.

use faer::Mat;
use rand_chacha::ChaCha8Rng;

use super::critical::CriticalPoint;
use crate::params::{ParamDoc, ParamError};
use crate::problem::{Optimum, Problem, SecondOrder};

/// The keys of `styblinski-tang`.
pub const PARAMS: &[ParamDoc] = StyblinskiTangConfig::PARAMS;

crate::declare_params! {
    /// The parameters of `styblinski-tang`.
    #[derive(Debug, Clone)]
    pub struct StyblinskiTangConfig {
        /// dimension n >= 1
        dim: usize = 2,
    }
}

impl super::FamilyConfig for StyblinskiTangConfig {
    /// `f*` and `x*` in closed form.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::BOTH)
    }

    fn check(&self) -> Result<(), ParamError> {
        if self.dim == 0 {
            return Err(ParamError::key("dim", "`dim` must be at least 1, got 0"));
        }
        Ok(())
    }

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(StyblinskiTang { dim: self.dim }))
    }
}

/// One coordinate's term `phi(t) = (t^4 - 16 t^2 + 5 t) / 2`.
fn phi(t: f64) -> f64 {
    0.5 * (t * t * (t * t - 16.0) + 5.0 * t)
}

/// `phi'(t) = 2 t^3 - 16 t + 5/2`.
fn dphi(t: f64) -> f64 {
    t * (2.0 * t * t - 16.0) + 2.5
}

/// `phi''(t) = 6 t^2 - 16`.
fn ddphi(t: f64) -> f64 {
    6.0 * t * t - 16.0
}

/// The three roots of `phi'`, ascending: the global minimum, the maximum and the local minimum of `phi`.
///
/// `phi'(t) = 2 (t^3 + p t + q)` with `p = -8`, `q = 5/4` has three real roots (its discriminant
/// `-(4 p^3 + 27 q^2) > 0`): `t_k = 2 sqrt(-p/3) cos(theta/3 - 2 pi k/3)`, `cos theta = (3 q / (2 p))
/// sqrt(-3/p)` (Viète's trigonometric solution), each refined by two Newton steps on `phi'` to the last bit.
pub fn stationary_roots() -> [f64; 3] {
    let (p, q) = (-8.0f64, 1.25f64);
    let m = 2.0 * (-p / 3.0).sqrt();
    let theta = ((3.0 * q / (2.0 * p)) * (-3.0 / p).sqrt()).acos();
    let root = |k: f64| {
        let mut t = m * (theta / 3.0 - 2.0 * std::f64::consts::PI * k / 3.0).cos();
        for _ in 0..2 {
            t -= dphi(t) / ddphi(t);
        }
        t
    };
    [root(2.0), root(1.0), root(0.0)]
}

/// An instance of `styblinski-tang`.
pub struct StyblinskiTang {
    dim: usize,
}

impl StyblinskiTang {
    /// The critical point whose coordinate `i` is the root `stationary_roots()[choice[i]]` (0 = global
    /// minimum root, 1 = maximum root, 2 = local minimum root); its index is the number of 1s.
    ///
    /// # Panics
    /// If `choice` has the wrong length or an entry above 2 (a programming error).
    pub fn critical_point(&self, choice: &[usize]) -> CriticalPoint {
        assert_eq!(choice.len(), self.dim, "one root choice per coordinate");
        let r = stationary_roots();
        let point: Vec<f64> = choice.iter().map(|&c| r[c]).collect();
        let value = point.iter().map(|&t| phi(t)).sum();
        CriticalPoint::new(&point, value, choice.iter().filter(|&&c| c == 1).count())
    }
}

impl Problem for StyblinskiTang {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        x.iter().map(|&t| phi(t)).sum()
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (gi, &t) in g.iter_mut().zip(x) {
            *gi = dphi(t);
        }
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        vec![0.0; self.dim]
    }

    fn optimum(&self) -> Option<Optimum> {
        let r0 = stationary_roots()[0];
        Some(Optimum {
            value: self.dim as f64 * phi(r0),
            point: Some(vec![r0; self.dim]),
        })
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        // The global minimum, the local maximum and an index-1 saddle: one of each kind, not all 3^n.
        let n = self.dim;
        let mut saddle = vec![0; n];
        saddle[0] = 1;
        vec![
            self.critical_point(&vec![0; n]),
            self.critical_point(&vec![1; n]),
            self.critical_point(&saddle),
        ]
    }
}

impl SecondOrder for StyblinskiTang {
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        for ((o, &t), vi) in out.iter_mut().zip(x).zip(v) {
            *o = ddphi(t) * vi;
        }
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        h.fill(0.0);
        for (i, &t) in x.iter().enumerate() {
            h[(i, i)] = ddphi(t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::FamilyConfig;
    use crate::problems::critical::check::assert_exact_critical_point;
    use crate::problems::testing::assert_derivatives;
    use proptest::prelude::*;
    use rand::SeedableRng;

    /// The roots of `4 t^3 - 32 t + 5` and `phi` there, from a 40-digit polynomial solve.
    const ROOTS: [f64; 3] = [
        -2.903_534_027_771_177,
        0.156_731_256_780_340_1,
        2.746_802_770_990_837,
    ];
    const PHI: [f64; 3] = [
        -39.166_165_703_771_41,
        0.195_612_359_055_358_07,
        -25.029_446_655_283_943,
    ];

    fn build(dim: usize) -> StyblinskiTang {
        StyblinskiTang { dim }
    }

    #[test]
    fn roots_match_an_independent_solve() {
        for (r, e) in stationary_roots().iter().zip(ROOTS) {
            // Newton-refined roots are exact to a few ulps of |r| <= 3.
            assert!((r - e).abs() <= 4.0 * f64::EPSILON * 3.0, "{r:e} vs {e:e}");
        }
        for (t, e) in ROOTS.iter().zip(PHI) {
            assert!(
                (phi(*t) - e).abs() <= 64.0 * f64::EPSILON * 40.0,
                "{:e}",
                phi(*t)
            );
        }
    }

    #[test]
    fn every_critical_point_has_index_equal_to_its_maximum_coordinates() {
        let n = 3;
        let p = build(n);
        let mut seen = [0usize; 4];
        for code in 0..27usize {
            let choice = [code % 3, (code / 3) % 3, code / 9];
            let cp = p.critical_point(&choice);
            let expected: f64 = choice.iter().map(|&c| PHI[c]).sum();
            // Three terms of size <= 40, each exact to 64 eps * 40.
            let tol = 3.0 * 64.0 * f64::EPSILON * 40.0;
            assert_exact_critical_point(
                &p,
                &cp.point.clone(),
                &CriticalPoint {
                    value: expected,
                    ..cp.clone()
                },
                tol,
            );
            seen[cp.index] += 1;
        }
        // Index k arises in C(3, k) 2^(3 - k) ways.
        assert_eq!(seen, [8, 12, 6, 1]);
    }

    #[test]
    fn optimum_is_the_documented_global_minimum() {
        for n in [1usize, 2, 5, 40] {
            let p = build(n);
            let opt = p.optimum().expect("known");
            let fstar = -39.16617 * n as f64;
            // The published f* = -39.16617 n is rounded to 5 decimals per coordinate.
            assert!(
                (opt.value - fstar).abs() <= 5e-6 * n as f64,
                "{:e}",
                opt.value
            );
            let x = opt.point.expect("unique");
            assert!(x.iter().all(|&t| (t + 2.903534).abs() <= 5e-7), "{x:?}");
            let cp = p.critical_point(&vec![0; n]);
            assert_exact_critical_point(&p, &x, &cp, 64.0 * f64::EPSILON * opt.value.abs());
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        let c = StyblinskiTangConfig { dim: 0 };
        assert_eq!(c.check().unwrap_err().key.as_deref(), Some("dim"));
        assert!(StyblinskiTangConfig { dim: 1 }.check().is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-4.0f64..4.0, 5),
            v in prop::collection::vec(-1.0f64..1.0, 5),
        ) {
            let p = StyblinskiTangConfig { dim: 5 }.build(&mut ChaCha8Rng::seed_from_u64(0)).expect("builds");
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
