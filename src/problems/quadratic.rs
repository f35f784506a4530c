//! `quadratic`: f(x) = 1/2 (x - x*)' A (x - x*) with an exactly controlled spectrum.
//!
//! `A = Q diag(lambda) Q'` with `lambda_max = 1` and `lambda_min = mu = 1/kappa`:
//! - `spectrum = "linear"`: `lambda_i = mu + (1 - mu) i / (n - 1)`;
//! - `spectrum = "log-uniform"`: `lambda_i = mu kappa^(i / (n - 1))`, `i = 0..n-1`;
//! - `spectrum = "two-cluster"`: `lambda_i = mu` for `i < floor(n/2)`, `lambda_i = 1` otherwise (two distinct
//!   eigenvalues: conjugate gradients finish in two steps, gradient descent still pays `kappa`);
//! - `spectrum = "outlier"`: `lambda_i = mu` for `i < n - 1`, `lambda_{n-1} = 1` (one large eigenvalue: the
//!   case where a method that deflates or learns the top direction wins).
//!
//! `rotation = "none"` keeps `A` diagonal (`Q = I`); `"random"` draws `Q` from the Haar measure on the
//! orthogonal group (QR of a Gaussian matrix with the signs of `R`'s diagonal folded into `Q`; Mezzadri 2007),
//! from the run's seed. `x* = shift * (1, ..., 1)`, `f* = 0`, `mu = 1/kappa`, `L = 1`. Standard start: the
//! all-ones vector.

use std::sync::{Mutex, TryLockError};

use faer::Mat;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::critical::CriticalPoint;
use crate::params::{ParamDoc, ParamError, in_range};
use crate::problem::{Capabilities, Curvature, Optimum, Problem, SecondOrder};
use crate::vector::{LANES, axpy};

/// The keys of `quadratic`.
pub const PARAMS: &[ParamDoc] = QuadraticConfig::PARAMS;

crate::declare_choice! {
    /// The eigenvalue layout, as `spectrum` names it.
    pub enum Spectrum {
        /// Evenly spaced from `mu` to 1.
        Linear = "linear",
        /// Log-uniformly spaced from `mu` to 1.
        LogUniform = "log-uniform",
        /// Half at `mu`, half at 1.
        TwoCluster = "two-cluster",
        /// All at `mu` but one at 1.
        Outlier = "outlier",
    }
}

crate::declare_choice! {
    /// The eigenvectors, as `rotation` names them.
    pub enum Rotation {
        /// The coordinate axes: `A` diagonal.
        None = "none",
        /// Haar-random eigenvectors drawn from the seed.
        Random = "random",
    }
}

crate::declare_params! {
    /// The parameters of `quadratic`.
    #[derive(Debug, Clone)]
    pub struct QuadraticConfig {
        /// dimension n >= 1 (n = 1 needs kappa = 1)
        dim: usize = required,
        /// condition number lambda_max / lambda_min, 1 <= kappa <= 1e12
        kappa: f64 = required,
        /// eigenvalue layout: "linear", "log-uniform", "two-cluster" (half mu, half 1) or "outlier" (all mu but one 1)
        spectrum: Spectrum = "linear",
        /// "none" (A diagonal) or "random" (Haar-random eigenvectors from the seed)
        rotation: Rotation = "none",
        /// the minimiser is shift * (1, ..., 1)
        shift: f64 = 0.0,
    }
}

impl QuadraticConfig {
    /// The eigenvalues, ascending, exactly as the module docs define them.
    pub fn eigenvalues(&self) -> Vec<f64> {
        let n = self.dim;
        let mu = 1.0 / self.kappa;
        if n == 1 {
            return vec![1.0];
        }
        (0..n)
            .map(|i| {
                let t = i as f64 / (n - 1) as f64;
                match self.spectrum {
                    Spectrum::LogUniform => mu * self.kappa.powf(t),
                    Spectrum::TwoCluster if i < n / 2 => mu,
                    Spectrum::Outlier if i + 1 < n => mu,
                    Spectrum::TwoCluster | Spectrum::Outlier => 1.0,
                    Spectrum::Linear => mu + (1.0 - mu) * t,
                }
            })
            .collect()
    }
}

impl super::FamilyConfig for QuadraticConfig {
    /// `f* = 0` at `x* = shift`.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::BOTH)
    }

    /// The spectrum and a few vectors; with `rotation = "random"` also the dense `A` and, while it is
    /// drawn, the Gaussian matrix, its QR factors and the scaled copy (four `n x n` matrices at the peak),
    /// and the vector `value` forms the gradient in.
    fn memory(&self) -> super::ProblemMemory {
        let n = self.dim as u64;
        let (dense, buffer) = if self.rotation == Rotation::Random {
            (4, 1)
        } else {
            (0, 0)
        };
        super::ProblemMemory {
            dim: self.dim,
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4 + buffer, n)
                    .saturating_add(crate::memory::bytes(dense, n.saturating_mul(n))),
                ..Default::default()
            },
        }
    }

    /// With `rotation = "random"`: the QR factorisation of an `n x n` Gaussian matrix (`4/3 n^3`), forming
    /// its `Q` (`4/3 n^3`) and `Q diag(lambda) Q'` (`2 n^3`): about `5 n^3`, minutes at `n` of several
    /// thousands; otherwise a few vectors.
    fn build_work(&self) -> f64 {
        let n = self.dim as f64;
        let dense = if self.rotation == Rotation::Random {
            5.0 * n * n * n
        } else {
            0.0
        };
        dense + super::FamilyConfig::memory(self).need.data as f64
    }

    fn check(&self) -> Result<(), ParamError> {
        if self.dim == 0 {
            return Err(ParamError::key("dim", "`dim` must be at least 1, got 0"));
        }
        in_range("kappa", self.kappa, 1.0, 1e12)?;
        if self.dim == 1 && self.kappa != 1.0 {
            return Err(ParamError::key(
                "kappa",
                format!(
                    "dim = 1 holds one eigenvalue, so `kappa` must be 1, got {}",
                    self.kappa
                ),
            ));
        }
        in_range("shift", self.shift, -1e150, 1e150)
    }

    /// A closed-form quadratic whose curvature bounds are known.
    const CAPABILITIES: Capabilities = Capabilities::BOUNDED;

    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        let lambda = self.eigenvalues();
        let dense = match self.rotation {
            Rotation::Random => Some(rotated(&lambda, rng)),
            Rotation::None => None,
        };
        let scratch = Mutex::new(match dense {
            Some(_) => vec![0.0; lambda.len()],
            None => Vec::new(),
        });
        Ok(Box::new(Quadratic {
            lambda,
            dense,
            shift: self.shift,
            mu: 1.0 / self.kappa,
            scratch,
        }))
    }
}

/// `Q diag(lambda) Q'` with `Q` Haar-distributed on the orthogonal group.
fn rotated(lambda: &[f64], rng: &mut ChaCha8Rng) -> Mat<f64> {
    let n = lambda.len();
    let q =
        super::least_squares::haar(Mat::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(rng)));
    let mut ql = q.clone();
    for j in 0..n {
        for i in 0..n {
            ql[(i, j)] *= lambda[j];
        }
    }
    let a = &ql * q.transpose();
    // Symmetrise exactly, so the Hessian is symmetric to the last bit.
    Mat::from_fn(n, n, |i, j| 0.5 * (a[(i, j)] + a[(j, i)]))
}

/// An instance of `quadratic`.
pub struct Quadratic {
    lambda: Vec<f64>,
    dense: Option<Mat<f64>>,
    /// `x* = shift * (1, ..., 1)`: a scalar, so evaluations read no vector for it.
    shift: f64,
    mu: f64,
    /// Where a rotated instance's `value` forms the gradient it sums (empty for a diagonal one).
    scratch: Mutex<Vec<f64>>,
}

impl Quadratic {
    /// `f(x) = 1/2 (x - x*)' A (x - x*)`, writing the gradient `A (x - x*)` into `g` where one is given.
    ///
    /// The one evaluation behind [`Problem::value`], [`Problem::gradient`] and [`Problem::value_and_gradient`]:
    /// `f` is `1/2 sum_i (x_i - s) g_i` added in the lane-wise partial sums of [`crate::vector`], block by
    /// block ([`Quadratic::block`]), whether or not the caller keeps the gradient, so the value an optimizer
    /// is told and the value recorded with the gradient are the same number to the last bit. Without `g`, a
    /// diagonal instance's gradient lives a block at a time in [`LANES`] floats on the stack; a rotated
    /// instance's (`A (x - x*)`, column by column) in a buffer the instance keeps: nothing is allocated.
    fn evaluate(&self, x: &[f64], g: Option<&mut [f64]>) -> f64 {
        let mut acc = [0.0; LANES];
        let (xs, ls) = (x.chunks_exact(LANES), self.lambda.chunks_exact(LANES));
        let (x_tail, l_tail) = (xs.remainder(), ls.remainder());
        match (g, &self.dense) {
            (None, Some(_)) => return self.with_scratch(|g| self.evaluate(x, Some(g))),
            (Some(g), dense) => {
                if let Some(a) = dense {
                    g.fill(0.0);
                    for (j, xj) in x.iter().enumerate() {
                        axpy(xj - self.shift, a.col_as_slice(j), g);
                    }
                }
                let mut gs = g.chunks_exact_mut(LANES);
                for ((gk, xk), lk) in (&mut gs).zip(xs).zip(ls) {
                    self.block(xk, lk, gk, &mut acc);
                }
                self.block(x_tail, l_tail, gs.into_remainder(), &mut acc);
            }
            (None, None) => {
                let mut gk = [0.0; LANES];
                for (xk, lk) in xs.zip(ls) {
                    self.block(xk, lk, &mut gk, &mut acc);
                }
                self.block(x_tail, l_tail, &mut gk[..x_tail.len()], &mut acc);
            }
        }
        0.5 * (((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7])))
    }

    /// One block of at most [`LANES`] coordinates (`xk`, with their eigenvalues `lk`): the terms
    /// `(x_i - s) g_i` onto the lanes `acc`, after writing a diagonal instance's gradient entries into `gk`
    /// (a rotated instance's are there already).
    #[inline(always)]
    fn block(&self, xk: &[f64], lk: &[f64], gk: &mut [f64], acc: &mut [f64; LANES]) {
        let s = self.shift;
        if self.dense.is_none() {
            for ((gi, l), xi) in gk.iter_mut().zip(lk).zip(xk) {
                *gi = l * (xi - s);
            }
        }
        for ((a, gi), xi) in acc.iter_mut().zip(gk.iter()).zip(xk) {
            *a += (xi - s) * gi;
        }
    }

    /// Runs `f` on the instance's gradient buffer, or on a fresh one while another thread holds it.
    fn with_scratch<R>(&self, f: impl FnOnce(&mut [f64]) -> R) -> R {
        match self.scratch.try_lock() {
            Ok(mut g) => f(&mut g),
            // The buffer is written before it is read: what a panic left in it does not matter.
            Err(TryLockError::Poisoned(poisoned)) => f(&mut poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => f(&mut vec![0.0; self.lambda.len()]),
        }
    }
}

impl Problem for Quadratic {
    fn dim(&self) -> usize {
        self.lambda.len()
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
        vec![1.0; self.dim()]
    }

    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![self.shift; self.dim()]),
        })
    }

    fn curvature(&self) -> Option<Curvature> {
        Some(Curvature {
            mu: self.mu,
            lipschitz: 1.0,
        })
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        vec![CriticalPoint::new(&vec![self.shift; self.dim()], 0.0, 0)]
    }
}

impl SecondOrder for Quadratic {
    fn hvp(&self, _x: &[f64], v: &[f64], out: &mut [f64]) {
        match &self.dense {
            None => {
                for ((o, l), vi) in out.iter_mut().zip(&self.lambda).zip(v) {
                    *o = l * vi;
                }
            }
            Some(a) => {
                out.fill(0.0);
                for (j, vj) in v.iter().enumerate() {
                    axpy(*vj, a.col_as_slice(j), out);
                }
            }
        }
    }

    fn hessian(&self, _x: &[f64], h: &mut Mat<f64>) {
        match &self.dense {
            Some(a) => h.copy_from(a),
            None => {
                h.fill(0.0);
                for (i, l) in self.lambda.iter().enumerate() {
                    h[(i, i)] = *l;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::declare::Choice;
    use crate::problems::FamilyConfig;
    use crate::problems::testing::assert_derivatives;
    use faer::Side;
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn config(
        dim: usize,
        kappa: f64,
        spectrum: &str,
        rotation: &str,
        shift: f64,
    ) -> QuadraticConfig {
        QuadraticConfig {
            dim,
            kappa,
            spectrum: Spectrum::from_word(spectrum).expect("a spectrum word"),
            rotation: Rotation::from_word(rotation).expect("a rotation word"),
            shift,
        }
    }

    fn build(c: &QuadraticConfig) -> Box<dyn Problem> {
        c.check().expect("valid config");
        c.build(&mut ChaCha8Rng::seed_from_u64(7)).expect("builds")
    }

    #[test]
    fn spectra_hit_their_ends_exactly() {
        for spectrum in Spectrum::WORDS {
            let l = config(5, 1e3, spectrum, "none", 0.0).eigenvalues();
            assert_eq!(l[0], 1e-3, "{spectrum}");
            assert!(
                (l[4] - 1.0).abs() <= 4.0 * f64::EPSILON,
                "{spectrum}: {:e}",
                l[4]
            );
            assert!(l.windows(2).all(|w| w[0] <= w[1]), "{spectrum}: {l:?}");
        }
        let lin = config(5, 1e3, "linear", "none", 0.0).eigenvalues();
        assert!((lin[2] - (1e-3 + 0.999 * 0.5)).abs() <= 4.0 * f64::EPSILON);
        let log = config(5, 1e4, "log-uniform", "none", 0.0).eigenvalues();
        assert!(
            (log[2] - 1e-2).abs() <= 8.0 * f64::EPSILON * 1e-2,
            "{:e}",
            log[2]
        );
    }

    #[test]
    fn clustered_spectra_have_the_documented_multiplicities() {
        for n in [2usize, 7, 10] {
            let mu = 1e-3;
            let two = config(n, 1e3, "two-cluster", "none", 0.0).eigenvalues();
            assert_eq!(two.iter().filter(|l| **l == mu).count(), n / 2, "{two:?}");
            assert_eq!(
                two.iter().filter(|l| **l == 1.0).count(),
                n - n / 2,
                "{two:?}"
            );
            let out = config(n, 1e3, "outlier", "none", 0.0).eigenvalues();
            assert_eq!(out.iter().filter(|l| **l == mu).count(), n - 1, "{out:?}");
            assert_eq!(out[n - 1], 1.0);
        }
    }

    #[test]
    fn rotated_hessian_has_the_exact_spectrum() {
        let c = config(30, 100.0, "log-uniform", "random", 0.5);
        let p = build(&c);
        let mut h = Mat::<f64>::zeros(30, 30);
        p.second_order()
            .expect("second order")
            .hessian(&[0.0; 30], &mut h);
        let eig = h.self_adjoint_eigen(Side::Lower).expect("eigen converges");
        let s = eig.S();
        let expected = c.eigenvalues();
        let tol = 30.0 * 30.0 * f64::EPSILON;
        for (i, e) in expected.iter().enumerate() {
            assert!(
                (s[i] - e).abs() <= tol,
                "eigenvalue {i}: {:e} vs {e:e}",
                s[i]
            );
        }
    }

    #[test]
    fn minimiser_has_zero_gradient_and_value() {
        for rotation in Rotation::WORDS {
            let p = build(&config(8, 1e2, "linear", rotation, -2.0));
            let opt = p.optimum().expect("known");
            let x = opt.point.expect("known point");
            let mut g = vec![1.0; 8];
            assert_eq!(p.value_and_gradient(&x, &mut g), 0.0);
            assert!(g.iter().all(|gi| *gi == 0.0), "{g:?}");
        }
    }

    #[test]
    fn gradient_is_the_hessian_times_the_shift_to_the_bit() {
        // The gradient's entries are each a sum over j in order, as the Hessian-vector product's
        // column-by-column sum: one value of A (x - x*) whichever evaluates it, at lengths around LANES.
        for n in [2, 7, 8, 9, 19] {
            for rotation in Rotation::WORDS {
                let p = build(&config(n, 1e3, "log-uniform", rotation, 0.25));
                let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
                let x: Vec<f64> = (0..n).map(|_| StandardNormal.sample(&mut rng)).collect();
                let shifted: Vec<f64> = x.iter().map(|xi| xi - 0.25).collect();
                let (mut g, mut hv) = (vec![0.0; n], vec![0.0; n]);
                let f = p.value_and_gradient(&x, &mut g);
                p.second_order()
                    .expect("second order")
                    .hvp(&x, &shifted, &mut hv);
                assert_eq!(g, hv, "n = {n}, {rotation}");
                assert_eq!(f.to_bits(), p.value(&x).to_bits(), "n = {n}, {rotation}");
            }
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (c, key) in [
            (config(0, 10.0, "linear", "none", 0.0), "dim"),
            (config(3, 0.5, "linear", "none", 0.0), "kappa"),
            (config(3, f64::NAN, "linear", "none", 0.0), "kappa"),
            (config(1, 2.0, "linear", "none", 0.0), "kappa"),
        ] {
            assert_eq!(c.check().unwrap_err().key.as_deref(), Some(key));
        }
        for (text, key) in [
            ("dim = 3\nkappa = 2.0\nspectrum = \"cubic\"", "spectrum"),
            ("dim = 3\nkappa = 2.0\nrotation = \"haar\"", "rotation"),
        ] {
            let table: toml::Table = toml::from_str(text).expect("valid TOML");
            let err = crate::params::from_table::<QuadraticConfig>(&table, PARAMS).unwrap_err();
            assert_eq!(err.key.as_deref(), Some(key), "{err:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-3.0f64..3.0, 6),
            v in prop::collection::vec(-1.0f64..1.0, 6),
            rotate in any::<bool>(),
        ) {
            let p = build(&config(6, 50.0, "log-uniform", if rotate { "random" } else { "none" }, 0.3));
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
