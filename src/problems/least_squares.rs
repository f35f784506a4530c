//! `least-squares`: multi-output linear least squares, one linear layer without bias,
//! `f(W) = ||W X - Y||_F^2 / (2N)` for `W` (`out_dim x in_dim`, row-major in `x`), inputs `X`
//! (`in_dim x N`) and targets `Y` (`out_dim x N`), `N = samples`.
//!
//! Data, from the run's seed: `X = sqrt(N) Q diag(sqrt(lambda)) V'` with `Q` Haar-random orthogonal
//! (`in_dim x in_dim`), `V` (`N x in_dim`) with orthonormal columns (the thin QR factor of a Gaussian
//! matrix), and `lambda_i = input_kappa^(-i/(in_dim - 1))`, `i = 0..in_dim-1`, so that the input second
//! moment `X X' / N = Q diag(lambda) Q'` has eigenvalues exactly log-uniform in `[1/input_kappa, 1]`. The
//! targets are `Y = W_0 X + noise E` with `W_0` and `E` standard Gaussian.
//!
//! Ground truth: the Hessian is `H = I_out (x) X X'/N` in the row-major layout (the same for every `x`:
//! `f` is quadratic, and its Gauss-Newton matrix and Fisher coincide with it), so `mu = 1/input_kappa` and
//! `L = 1` exactly. The minimiser solves the normal equations, `W* = Y X' (X X')^{-1}` (Cholesky, faer),
//! and `f* = f(W*)`, about `noise^2 out_dim (N - in_dim) / (2N)`. Standard start: `W = 0`.
//!
//! As a [`Layered`](crate::problem::Layered) model its one layer has `A = X X'/N` and `G = I`: the Fisher is
//! exactly `A (x) I`, so K-FAC without damping is Newton's method and lands on `W*` in one unit step.
//!
//! Minibatches: `f` is the mean of the `N` samples' losses `||W x_n - y_n||^2 / 2`, and a minibatch `S`
//! gives `||W X_S - Y_S||_F^2 / (2|S|)` ([`FiniteSum`](crate::problem::stochastic::FiniteSum)).

use faer::Mat;
use faer::linalg::solvers::Solve;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::network::{Loss, Network};
use crate::params::{ParamDoc, ParamError, in_range};
use crate::problem::stochastic::Population;
use crate::problem::{Capabilities, Curvature, Optimum, Problem};

/// The keys of `least-squares`.
pub const PARAMS: &[ParamDoc] = LeastSquaresConfig::PARAMS;

crate::declare_params! {
    /// The parameters of `least-squares`.
    #[derive(Debug, Clone)]
    pub struct LeastSquaresConfig {
        /// inputs per sample (columns of W), >= 1
        in_dim: usize = 8,
        /// outputs per sample (rows of W), >= 1
        out_dim: usize = 3,
        /// samples N >= in_dim (so that X X' is invertible and W* unique)
        samples: usize = 64,
        /// condition number of X X'/N (eigenvalues log-uniform in [1/input_kappa, 1]), in [1, 1e12]; 1 when in_dim = 1
        input_kappa: f64 = 1.0,
        /// standard deviation of the target noise, >= 0 (0 gives f* = 0)
        noise: f64 = 0.1,
    }
}

impl LeastSquaresConfig {
    /// The eigenvalues of `X X'/N`, descending from 1 to `1/input_kappa`, as the module docs define them.
    pub fn input_eigenvalues(&self) -> Vec<f64> {
        let d = self.in_dim;
        if d == 1 {
            return vec![1.0];
        }
        (0..d)
            .map(|i| self.input_kappa.powf(-(i as f64) / (d - 1) as f64))
            .collect()
    }

    /// The data `X`, the targets `Y`, and the minimiser `W*` (row-major), drawn from `rng`.
    fn generate(&self, rng: &mut ChaCha8Rng) -> Result<Drawn, String> {
        let (d, m, n) = (self.in_dim, self.out_dim, self.samples);
        let mut gauss = |r: usize, c: usize| -> Mat<f64> {
            Mat::from_fn(r, c, |_, _| StandardNormal.sample(&mut *rng))
        };
        let q = haar(gauss(d, d));
        let v = gauss(n, d).qr().compute_thin_Q();
        let scale: Vec<f64> = self
            .input_eigenvalues()
            .iter()
            .map(|l| (l * n as f64).sqrt())
            .collect();
        let mut qs = q;
        for (j, s) in scale.iter().enumerate() {
            for i in 0..d {
                qs[(i, j)] *= s;
            }
        }
        let x = &qs * v.transpose();
        let w0 = gauss(m, d);
        let e = gauss(m, n);
        let mut y = &w0 * &x;
        for j in 0..n {
            for i in 0..m {
                y[(i, j)] += self.noise * e[(i, j)];
            }
        }
        // Normal equations: (X X') W*' = X Y'.
        let xxt = &x * x.transpose();
        let llt = xxt
            .llt(faer::Side::Lower)
            .map_err(|e| format!("X X' is not positive definite ({e:?})"))?;
        let wt = llt.solve(&x * y.transpose());
        let w_star: Vec<f64> = (0..m)
            .flat_map(|i| (0..d).map(move |j| (i, j)))
            .map(|(i, j)| wt[(j, i)])
            .collect();
        Ok((x, y, w_star))
    }

    /// The instance: its data drawn from `rng`, with its optimum and curvature.
    fn network(&self, rng: &mut ChaCha8Rng) -> Result<Network, String> {
        let (x, y, w_star) = self.generate(rng)?;
        let dim = self.in_dim * self.out_dim;
        let net = Network::new(
            &[self.in_dim, self.out_dim],
            false,
            x,
            Loss::Squared(y),
            0.0,
            vec![0.0; dim],
        );
        let value = net.value(&w_star);
        Ok(net
            .with_optimum(Optimum {
                value,
                point: Some(w_star),
            })
            .with_curvature(Curvature {
                mu: 1.0 / self.input_kappa,
                lipschitz: 1.0,
            }))
    }
}

/// The inputs `X`, the targets `Y` and the minimiser `W*`, row-major.
type Drawn = (Mat<f64>, Mat<f64>, Vec<f64>);

/// The orthogonal factor of `z`'s QR with the signs of `R`'s diagonal folded in: Haar-distributed when `z`
/// is Gaussian (Mezzadri 2007).
pub(crate) fn haar(z: Mat<f64>) -> Mat<f64> {
    let n = z.nrows();
    let qr = z.qr();
    let mut q = qr.compute_Q();
    let r = qr.R();
    for j in 0..n {
        if r[(j, j)] < 0.0 {
            for i in 0..n {
                q[(i, j)] = -q[(i, j)];
            }
        }
    }
    q
}

impl super::FamilyConfig for LeastSquaresConfig {
    /// `f*` and `x*` from the normal equations of the drawn data.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::BOTH)
    }

    /// The weights (four vectors of them), the data, targets and residuals, and the input moment.
    fn memory(&self) -> super::ProblemMemory {
        let (i, o, s) = (self.in_dim as u64, self.out_dim as u64, self.samples as u64);
        let params = i.saturating_mul(o);
        super::ProblemMemory {
            dim: usize::try_from(params).unwrap_or(usize::MAX),
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4, params)
                    .saturating_add(crate::memory::bytes(i + 2 * o, s))
                    .saturating_add(crate::memory::bytes(2, i.saturating_mul(i))),
                ..Default::default()
            },
        }
    }

    fn check(&self) -> Result<(), ParamError> {
        for (key, v) in [("in_dim", self.in_dim), ("out_dim", self.out_dim)] {
            if v == 0 {
                return Err(ParamError::key(
                    key,
                    format!("`{key}` must be at least 1, got 0"),
                ));
            }
        }
        if self.samples < self.in_dim {
            return Err(ParamError::key(
                "samples",
                format!(
                    "`samples` must be at least in_dim = {} so that X X' is invertible, got {}",
                    self.in_dim, self.samples
                ),
            ));
        }
        in_range("input_kappa", self.input_kappa, 1.0, 1e12)?;
        if self.in_dim == 1 && self.input_kappa != 1.0 {
            return Err(ParamError::key(
                "input_kappa",
                format!(
                    "in_dim = 1 gives X X'/N one eigenvalue, so `input_kappa` must be 1, got {}",
                    self.input_kappa
                ),
            ));
        }
        in_range("noise", self.noise, 0.0, 1e6)
    }

    /// A network whose curvature bounds are known.
    const CAPABILITIES: Capabilities = Capabilities::BOUNDED_NETWORK;

    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(self.network(rng)?))
    }

    /// Minibatches of the `samples` columns of `X`.
    fn population(&self) -> Population {
        Population::Finite(self.samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::KfacFactors;
    use crate::problems::FamilyConfig;
    use crate::problems::testing::{assert_derivatives, assert_finite_sum};
    use crate::vector::norm;
    use faer::Side;
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn config(
        in_dim: usize,
        out_dim: usize,
        samples: usize,
        kappa: f64,
        noise: f64,
    ) -> LeastSquaresConfig {
        LeastSquaresConfig {
            in_dim,
            out_dim,
            samples,
            input_kappa: kappa,
            noise,
        }
    }

    fn build(c: &LeastSquaresConfig, seed: u64) -> Box<dyn Problem> {
        c.check().expect("valid config");
        c.build(&mut ChaCha8Rng::seed_from_u64(seed))
            .expect("builds")
    }

    /// `(X, Y)` as drawn for seed 3: the same stream `build` uses.
    fn data(c: &LeastSquaresConfig) -> (Mat<f64>, Mat<f64>) {
        let (x, y, _) = c
            .generate(&mut ChaCha8Rng::seed_from_u64(3))
            .expect("generates");
        (x, y)
    }

    #[test]
    fn input_second_moment_has_the_exact_spectrum() {
        let c = config(6, 2, 40, 1e4, 0.1);
        let (x, _) = data(&c);
        let m = Mat::from_fn(6, 6, |i, j| {
            (0..40).map(|n| x[(i, n)] * x[(j, n)]).sum::<f64>() / 40.0
        });
        let eig = m.self_adjoint_eigen(Side::Lower).expect("eigen converges");
        let mut expected = c.input_eigenvalues();
        expected.reverse();
        // Each eigenvalue of a sum of N rank-one terms of size 1 carries rounding of order N eps.
        let tol = 40.0 * 6.0 * f64::EPSILON;
        for (i, e) in expected.iter().enumerate() {
            assert!(
                (eig.S()[i] - e).abs() <= tol,
                "lambda_{i} = {:e}, expected {e:e}",
                eig.S()[i]
            );
        }
        assert_eq!(expected[0], 1e-4);
    }

    #[test]
    fn hessian_is_identity_kron_input_moment() {
        let c = config(4, 3, 20, 100.0, 0.5);
        let p = build(&c, 3);
        let (x, _) = data(&c);
        let sigma = |j: usize, l: usize| (0..20).map(|n| x[(j, n)] * x[(l, n)]).sum::<f64>() / 20.0;
        let mut h = Mat::zeros(12, 12);
        let at: Vec<f64> = (0..12).map(|i| (i as f64 * 0.7).sin()).collect();
        p.second_order().expect("second order").hessian(&at, &mut h);
        for a in 0..12 {
            for b in 0..12 {
                let (i, j, k, l) = (a / 4, a % 4, b / 4, b % 4);
                let expected = if i == k { sigma(j, l) } else { 0.0 };
                assert!(
                    (h[(a, b)] - expected).abs() <= 64.0 * f64::EPSILON,
                    "H[{a},{b}] = {:e}, expected {expected:e}",
                    h[(a, b)]
                );
            }
        }
        let eig = h.self_adjoint_eigen(Side::Lower).expect("eigen converges");
        let curv = p.curvature().expect("known");
        let tol = 20.0 * 12.0 * f64::EPSILON;
        assert!(
            (eig.S()[0] - curv.mu).abs() <= tol,
            "mu: {:e} vs {:e}",
            eig.S()[0],
            curv.mu
        );
        assert!(
            (eig.S()[11] - curv.lipschitz).abs() <= tol,
            "L: {:e}",
            eig.S()[11]
        );
    }

    #[test]
    fn minimiser_solves_the_normal_equations() {
        // kappa = 1e6 amplifies rounding in W* by kappa: the gradient at W* is of order kappa eps |Y X'|/N.
        for (kappa, noise) in [(1.0, 0.1), (1e6, 0.3), (10.0, 0.0)] {
            let c = config(5, 2, 30, kappa, noise);
            let p = build(&c, 3);
            let opt = p.optimum().expect("known");
            let w = opt.point.expect("known point");
            let mut g = vec![0.0; 10];
            let f = p.value_and_gradient(&w, &mut g);
            assert_eq!(f, opt.value);
            let tol = 1e3 * kappa * f64::EPSILON;
            assert!(
                norm(&g) <= tol,
                "kappa {kappa:e}: ||g(W*)|| = {:e} > {tol:e}",
                norm(&g)
            );
            // f* against its expectation noise^2 m (N - d) / (2N) = 0.0025 * 25 / 60 for noise 0.1: the
            // residual is the projection of the noise off the row space of X, a chi-square with m (N - d)
            // degrees of freedom; within five standard deviations sqrt(2 m (N - d)).
            let dof = 2.0 * 25.0;
            let expected = noise * noise * dof / 60.0;
            let spread = 5.0 * noise * noise * (2.0 * dof).sqrt() / 60.0;
            assert!(
                (f - expected).abs() <= spread + 1e3 * f64::EPSILON,
                "f* = {f:e}, expected {expected:e}"
            );
            if noise == 0.0 {
                assert!(f <= 1e3 * kappa * f64::EPSILON, "noiseless f* = {f:e}");
            }
        }
    }

    #[test]
    fn kfac_factors_are_the_input_moment_and_identity() {
        let c = config(4, 3, 25, 50.0, 0.2);
        let p = build(&c, 3);
        let model = p.layered().expect("layered");
        let (x, y) = data(&c);
        let w: Vec<f64> = (0..12).map(|i| (i as f64).cos()).collect();
        let mut k = KfacFactors::new(model);
        k.compute(model, &w);
        for a in 0..4 {
            for b in 0..4 {
                let m = (0..25).map(|n| x[(a, n)] * x[(b, n)]).sum::<f64>() / 25.0;
                assert!(
                    (k.a[0][(a, b)] - m).abs() <= 64.0 * f64::EPSILON,
                    "A[{a},{b}] = {:e}",
                    k.a[0][(a, b)]
                );
            }
        }
        for a in 0..3 {
            for b in 0..3 {
                assert_eq!(k.g[0][(a, b)], if a == b { 1.0 } else { 0.0 }, "G[{a},{b}]");
            }
        }
        // The per-sample gradients are the residuals W x_n - y_n.
        for n in 0..25 {
            for i in 0..3 {
                let r = (0..4).map(|j| w[i * 4 + j] * x[(j, n)]).sum::<f64>() - y[(i, n)];
                assert!(
                    (k.stats.grads[0][(i, n)] - r).abs() <= 64.0 * f64::EPSILON,
                    "residual {n},{i}"
                );
            }
        }
    }

    #[test]
    fn minibatches_are_means_over_the_samples() {
        let c = config(4, 3, 24, 30.0, 0.2);
        assert_eq!(c.population(), Population::Finite(24));
        let p = c
            .network(&mut ChaCha8Rng::seed_from_u64(5))
            .expect("builds");
        let x: Vec<f64> = (0..12).map(|i| (0.9 * i as f64).sin()).collect();
        for batch in [1, 6, 24] {
            assert_finite_sum(&p, &x, batch);
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (c, key) in [
            (config(0, 2, 10, 1.0, 0.1), "in_dim"),
            (config(2, 0, 10, 1.0, 0.1), "out_dim"),
            (config(5, 2, 4, 1.0, 0.1), "samples"),
            (config(3, 2, 10, 0.5, 0.1), "input_kappa"),
            (config(1, 2, 10, 2.0, 0.1), "input_kappa"),
            (config(3, 2, 10, 2.0, -1.0), "noise"),
        ] {
            assert_eq!(c.check().unwrap_err().key.as_deref(), Some(key));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-2.0f64..2.0, 12),
            v in prop::collection::vec(-1.0f64..1.0, 12),
        ) {
            let p = build(&config(4, 3, 16, 30.0, 0.2), 5);
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
