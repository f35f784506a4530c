//! `double-well`: a separable quartic whose origin is a saddle of any chosen index: the saddle-escape benchmark.
//!
//! `f(x) = sum_i a_i x_i^2 / 2 + x_i^4 / 4` with `a_i = -c` for `i < k` and `a_i = +c` for `i >= k`, where
//! `k` is `index` and `c` is `curvature`. Gradient `a_i x_i + x_i^3`, Hessian `diag(a_i + 3 x_i^2)`.
//! Each coordinate `i < k` is a double well (critical points `0` and `+-sqrt(c)`); each `i >= k` a single
//! well (critical point `0`). Hence the critical points are the `3^k` points with `x_i` in
//! `{-sqrt(c), 0, sqrt(c)}` for `i < k` and `x_i = 0` otherwise ([`DoubleWell::critical_point`]); the index
//! of one is the number of its first `k` coordinates at 0 (Hessian entry `-c` there, `2c` at `+-sqrt(c)`,
//! `c` for `i >= k`), and its value is `-m c^2 / 4` with `m` the number of coordinates at `+-sqrt(c)`.
//!
//! - The origin: `f = 0`, exactly `k` negative Hessian eigenvalues (all `-c`) and `n - k` equal to `+c`;
//!   a saddle for `0 < k < n`, the maximum over the wells for `k = n`, the unique minimum for `k = 0`.
//! - Global minima: the `2^k` points `x_i = +-sqrt(c)` for `i < k`, `0` otherwise, with `f* = -k c^2 / 4` and
//!   Hessian `diag(2c, ..., 2c, c, ..., c)`. For `k >= 1` the minimiser is not unique, so
//!   [`Problem::optimum`] gives `f*` without `x*`; for `k = 0` it gives `x* = 0`.
//!
//! Standard start: `x_i = eps` for every `i` (`start_offset`, default 1e-3), a small offset from the saddle
//! at the origin. Gradient descent with step `eta` leaves it at the rate `(1 + eta c)^t` along the `k`
//! unstable coordinates (Dauphin et al. 2014, "Identifying and attacking the saddle point problem"; Jin et
//! al. 2017, "How to escape saddle points efficiently"), so it needs about `log(R / eps) / log(1 + eta c)`
//! iterations to reach a distance `R` from the saddle (`crate::analysis::escape` measures this); for `k = 0`
//! the start is simply near the minimum. The Hessian grows like `3 x_i^2`, so there are no global curvature
//! bounds.
//!
//! Scaling: with `x = sqrt(c) y`, `f(x) = c^2 F(y)` where `F` is the instance with `c = 1`, so the
//! landscape is the same at every curvature up to the length scale `sqrt(c)`, the distance from the saddle
//! to the bottom of each well.

use faer::Mat;
use rand_chacha::ChaCha8Rng;

use super::critical::CriticalPoint;
use crate::params::{ParamDoc, ParamError, in_range, positive};
use crate::problem::{Optimum, Problem, SecondOrder};

/// The keys of `double-well`.
pub const PARAMS: &[ParamDoc] = DoubleWellConfig::PARAMS;

/// The default offset of the standard start from the saddle, in every coordinate (the declared default of
/// `start_offset`; a unit test holds them equal).
pub const START_OFFSET: f64 = 1e-3;

/// The largest `start_offset` accepted: `x^4` stays finite far beyond it.
const MAX_START_OFFSET: f64 = 1e50;

crate::declare_params! {
    /// The parameters of `double-well`.
    #[derive(Debug, Clone)]
    pub struct DoubleWellConfig {
        /// dimension n >= 1
        dim: usize = 2,
        /// saddle index k, 0 <= k <= dim: the number of double-well coordinates (negative curvature at 0)
        index: usize = 1,
        /// the magnitude c > 0 of every Hessian eigenvalue at the origin (at most 1e150)
        curvature: f64 = 1.0,
        /// the standard start's offset eps from the saddle, x_i = eps in every coordinate, in (0, 1e50]
        start_offset: f64 = 1e-3,
    }
}

impl super::FamilyConfig for DoubleWellConfig {
    /// `f* = -index c^2 / 4`; the minimiser is unique (the origin) only for index 0.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum {
            value: true,
            point: self.index == 0,
        })
    }

    fn check(&self) -> Result<(), ParamError> {
        if self.dim == 0 {
            return Err(ParamError::key("dim", "`dim` must be at least 1, got 0"));
        }
        if self.index > self.dim {
            return Err(ParamError::key(
                "index",
                format!(
                    "`index` counts negative curvature directions, so it must be at most dim = {}, got {}",
                    self.dim, self.index
                ),
            ));
        }
        positive("curvature", self.curvature)?;
        // c^2 / 4 must stay finite for f*.
        in_range("curvature", self.curvature, 0.0, 1e150)?;
        // Zero would start on the saddle itself, where the gradient vanishes and no method moves.
        positive("start_offset", self.start_offset)?;
        in_range("start_offset", self.start_offset, 0.0, MAX_START_OFFSET)
    }

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(DoubleWell {
            dim: self.dim,
            index: self.index,
            c: self.curvature,
            start_offset: self.start_offset,
        }))
    }
}

/// An instance of `double-well`.
pub struct DoubleWell {
    dim: usize,
    index: usize,
    c: f64,
    start_offset: f64,
}

impl DoubleWell {
    /// The coefficient `a_i`.
    fn a(&self, i: usize) -> f64 {
        if i < self.index { -self.c } else { self.c }
    }

    /// The critical point with `x_i = signs[i] sqrt(c)` for `i < k` (each sign in `{-1, 0, 1}`) and `x_i = 0`
    /// for `i >= k`: value `-m c^2 / 4` (`m` nonzero signs), index the number of zero signs.
    ///
    /// # Panics
    /// If `signs` does not have length `k` or holds a value outside `{-1, 0, 1}` (a programming error).
    pub fn critical_point(&self, signs: &[i8]) -> CriticalPoint {
        assert_eq!(
            signs.len(),
            self.index,
            "one sign per double-well coordinate"
        );
        assert!(
            signs.iter().all(|s| (-1..=1).contains(s)),
            "signs are -1, 0 or 1"
        );
        let r = self.c.sqrt();
        let mut point = vec![0.0; self.dim];
        for (x, &s) in point.iter_mut().zip(signs) {
            *x = f64::from(s) * r;
        }
        let m = signs.iter().filter(|&&s| s != 0).count();
        CriticalPoint::new(&point, -(m as f64) * self.c * self.c / 4.0, self.index - m)
    }
}

impl Problem for DoubleWell {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        x.iter()
            .enumerate()
            .map(|(i, &t)| {
                let t2 = t * t;
                0.5 * self.a(i) * t2 + 0.25 * t2 * t2
            })
            .sum()
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for (i, (gi, &t)) in g.iter_mut().zip(x).enumerate() {
            *gi = t * (self.a(i) + t * t);
        }
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        vec![self.start_offset; self.dim]
    }

    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: -(self.index as f64) * self.c * self.c / 4.0,
            point: (self.index == 0).then(|| vec![0.0; self.dim]),
        })
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        // The saddle (or, for index 0, the minimum) at the origin, a global minimum, and for k >= 2 an
        // index-1 saddle: one of each kind the family has, not all 3^k.
        let k = self.index;
        let mut points = vec![self.critical_point(&vec![0; k])];
        if k >= 1 {
            points.push(self.critical_point(&vec![1; k]));
        }
        if k >= 2 {
            let mut signs = vec![1; k];
            signs[0] = 0;
            points.push(self.critical_point(&signs));
        }
        points
    }
}

impl SecondOrder for DoubleWell {
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        for (i, ((o, &t), vi)) in out.iter_mut().zip(x).zip(v).enumerate() {
            *o = (self.a(i) + 3.0 * t * t) * vi;
        }
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        h.fill(0.0);
        for (i, &t) in x.iter().enumerate() {
            h[(i, i)] = self.a(i) + 3.0 * t * t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::FamilyConfig;
    use crate::problems::critical::check::assert_exact_critical_point;
    use crate::problems::critical::{Kind, inertia};
    use crate::problems::testing::assert_derivatives;
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn config(dim: usize, index: usize, curvature: f64) -> DoubleWellConfig {
        DoubleWellConfig {
            dim,
            index,
            curvature,
            start_offset: START_OFFSET,
        }
    }

    fn build(dim: usize, index: usize, curvature: f64) -> DoubleWell {
        let c = config(dim, index, curvature);
        c.check().expect("valid");
        DoubleWell {
            dim,
            index,
            c: curvature,
            start_offset: START_OFFSET,
        }
    }

    /// `|f|` is at most `k c^2 / 4` at a critical point; each term rounds at a few ulps of `c^2`.
    fn value_tol(p: &DoubleWell) -> f64 {
        16.0 * f64::EPSILON * (1.0 + p.dim as f64 * p.c * p.c)
    }

    #[test]
    fn origin_has_exactly_k_negative_eigenvalues_equal_to_minus_c() {
        for (n, k, c) in [
            (2, 1, 1.0),
            (10, 2, 1.0),
            (5, 0, 0.3),
            (4, 4, 7.5),
            (10, 7, 1e-2),
        ] {
            let p = build(n, k, c);
            let mut h = Mat::<f64>::zeros(n, n);
            p.hessian(&vec![0.0; n], &mut h);
            let (inertia, eig) = inertia(&h).expect("converges");
            assert_eq!((inertia.negative, inertia.positive), (k, n - k), "{eig:?}");
            for (i, e) in eig.iter().enumerate() {
                let want = if i < k { -c } else { c };
                assert!(
                    (e - want).abs() <= 4.0 * f64::EPSILON * c,
                    "{e:e} vs {want:e}"
                );
            }
            let origin = p.critical_point(&vec![0; k]);
            assert_eq!(origin.point, vec![0.0; n]);
            let kind = origin.kind();
            let expected = match k {
                0 => Kind::Minimum,
                _ if k == n => Kind::Maximum,
                _ => Kind::Saddle,
            };
            assert_eq!(kind, expected);
            assert_exact_critical_point(&p, &origin.point, &origin, 0.0);
        }
    }

    #[test]
    fn every_critical_point_has_its_documented_value_and_index() {
        let (n, k, c) = (4, 3, 2.0);
        let p = build(n, k, c);
        let mut minima = 0;
        for code in 0..27i32 {
            let signs: Vec<i8> = (0..3)
                .map(|j| ((code / 3i32.pow(j)) % 3 - 1) as i8)
                .collect();
            let cp = p.critical_point(&signs);
            // Independent arithmetic: f = sum over nonzero coordinates of -c * c / 2 + c^2 / 4 = -c^2 / 4.
            let m = signs.iter().filter(|s| **s != 0).count() as f64;
            assert_eq!(cp.value, -m);
            assert_exact_critical_point(&p, &cp.point, &cp, value_tol(&p));
            if cp.kind() == Kind::Minimum {
                minima += 1;
                assert_eq!(cp.value, p.optimum().expect("known").value);
            }
        }
        assert_eq!(minima, 8, "2^k global minima");
    }

    #[test]
    fn documented_minima_for_the_suite_instances() {
        for (n, k) in [(2, 1), (2, 2), (10, 1), (10, 2)] {
            let p = build(n, k, 1.0);
            let fstar = p.optimum().expect("known").value;
            assert_eq!(fstar, -(k as f64) / 4.0);
            let cp = p.critical_point(&vec![1; k]);
            assert_eq!(cp.kind(), Kind::Minimum);
            assert_exact_critical_point(&p, &cp.point, &cp, value_tol(&p));
            assert!(p.optimum().expect("known").point.is_none());
        }
        let p = build(3, 0, 1.0);
        assert_eq!(
            p.optimum().expect("known").point,
            Some(vec![0.0; 3]),
            "index 0: the origin is the unique minimum"
        );
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (c, key) in [
            (config(0, 0, 1.0), "dim"),
            (config(2, 3, 1.0), "index"),
            (config(2, 1, 0.0), "curvature"),
            (config(2, 1, -1.0), "curvature"),
            (config(2, 1, f64::NAN), "curvature"),
            (config(2, 1, 1e200), "curvature"),
            (
                DoubleWellConfig {
                    start_offset: 0.0,
                    ..config(2, 1, 1.0)
                },
                "start_offset",
            ),
            (
                DoubleWellConfig {
                    start_offset: -1e-3,
                    ..config(2, 1, 1.0)
                },
                "start_offset",
            ),
            (
                DoubleWellConfig {
                    start_offset: f64::INFINITY,
                    ..config(2, 1, 1.0)
                },
                "start_offset",
            ),
            (
                DoubleWellConfig {
                    start_offset: 1e60,
                    ..config(2, 1, 1.0)
                },
                "start_offset",
            ),
        ] {
            assert_eq!(c.check().unwrap_err().key.as_deref(), Some(key), "{c:?}");
        }
        assert!(config(2, 2, 1.0).check().is_ok());
        assert!(config(2, 0, 1.0).check().is_ok());
    }

    #[test]
    fn start_offset_sets_the_standard_start_and_defaults_to_1e_3() {
        let table: toml::Table =
            toml::from_str("dim = 3\nstart_offset = 1e-7").expect("valid TOML");
        let c: DoubleWellConfig = crate::params::from_table(&table, PARAMS).expect("a known key");
        c.check().expect("valid");
        let p = c.build(&mut ChaCha8Rng::seed_from_u64(0)).expect("builds");
        assert_eq!(p.standard_start(), vec![1e-7; 3]);
        let c: DoubleWellConfig =
            crate::params::from_table(&toml::Table::new(), PARAMS).expect("defaults");
        assert_eq!(c.start_offset, 1e-3);
        assert_eq!(c.start_offset, START_OFFSET);
        assert_eq!(DoubleWellConfig::default().start_offset, START_OFFSET);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-2.0f64..2.0, 6),
            v in prop::collection::vec(-1.0f64..1.0, 6),
            k in 0usize..=6,
            c in 0.1f64..3.0,
        ) {
            let p = config(6, k, c).build(&mut ChaCha8Rng::seed_from_u64(0)).expect("builds");
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
