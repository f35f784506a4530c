//! `softmax`: multinomial logistic (softmax) regression on Gaussian clusters, with a small ridge.
//!
//! One linear layer `W` (`classes x (in_dim + 1)`, the last column the biases, row-major in `x`):
//! `f(W) = (1/N) sum_n [log sum_c exp(z_nc) - z_{n y_n}] + (l2/2) ||W||_F^2` with `z_n = W [u_n; 1]`.
//!
//! Data, from the run's seed: class means `m_c ~ N(0, separation^2 I)`, then sample `n` has label
//! `y_n = n mod classes` (balanced classes) and input `u_n = m_{y_n} + N(0, I)`. The clusters overlap at
//! `separation` of order one and are nearly separable from about three on.
//!
//! Ground truth: with `p_n = softmax(z_n)` and `a_n = [u_n; 1]` the Hessian is
//! `H = (1/N) sum_n (diag(p_n) - p_n p_n') (x) a_n a_n' + l2 I` (row-major layout), which is also its
//! Gauss-Newton matrix and Fisher. The ridge (on the biases too: the cross-entropy alone is flat along
//! adding one vector to every row of `W`) makes `f` `l2`-strongly convex, so a unique minimiser exists,
//! but it has no closed form, so `f*` and `x*` are not reported. Curvature: `mu = l2` (the infimum, as the
//! probabilities saturate far away) and `L = l2 + lambda_max(A)/2` with `A = (1/N) sum_n a_n a_n'`, since
//! `diag(p) - p p' <= I/2` (Böhning 1992): an upper bound, not necessarily attained. Standard start:
//! `W = 0` (uniform probabilities, `f = log(classes)`).
//!
//! Minibatches: a minibatch `S` gives `(1/|S|) sum_{n in S} [log sum_c exp(z_nc) - z_{n y_n}] +
//! (l2/2) ||W||_F^2`, the ridge whole in every minibatch, so that the mean over a partition of the samples
//! is `f` ([`FiniteSum`](crate::problem::stochastic::FiniteSum)).

use faer::{Mat, Side};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::network::{Loss, Network};
use crate::params::{ParamDoc, ParamError, in_range, positive};
use crate::problem::stochastic::Population;
use crate::problem::{Capabilities, Curvature, Problem};

/// The keys of `softmax`.
pub const PARAMS: &[ParamDoc] = SoftmaxConfig::PARAMS;

crate::declare_params! {
    /// The parameters of `softmax`.
    #[derive(Debug, Clone)]
    pub struct SoftmaxConfig {
        /// number of classes C >= 2
        classes: usize = 3,
        /// input dimension >= 1
        in_dim: usize = 4,
        /// samples N >= 1 (labels n mod C)
        samples: usize = 120,
        /// ridge coefficient > 0, on every weight and bias (the strong convexity mu)
        l2: f64 = 1e-3,
        /// standard deviation of the class means around 0, > 0 (the noise around a mean is N(0, I))
        separation: f64 = 2.0,
    }
}

impl SoftmaxConfig {
    /// The inputs (`in_dim x N`) and labels, drawn from `rng`.
    fn generate(&self, rng: &mut ChaCha8Rng) -> (Mat<f64>, Vec<usize>) {
        let (d, c, n) = (self.in_dim, self.classes, self.samples);
        let means = Mat::from_fn(d, c, |_, _| {
            let z: f64 = StandardNormal.sample(&mut *rng);
            self.separation * z
        });
        let labels: Vec<usize> = (0..n).map(|i| i % c).collect();
        let data = Mat::from_fn(d, n, |i, j| {
            let z: f64 = StandardNormal.sample(&mut *rng);
            means[(i, labels[j])] + z
        });
        (data, labels)
    }

    /// The instance: its data drawn from `rng`, with its curvature bounds.
    fn network(&self, rng: &mut ChaCha8Rng) -> Result<Network, String> {
        let (data, labels) = self.generate(rng);
        let (d, n) = (self.in_dim, self.samples);
        // A = (1/N) sum_n a_n a_n' with a_n = [u_n; 1].
        let a = Mat::from_fn(d + 1, d + 1, |i, j| {
            let at = |r: usize, s: usize| if r == d { 1.0 } else { data[(r, s)] };
            (0..n).map(|s| at(i, s) * at(j, s)).sum::<f64>() / n as f64
        });
        let top = a
            .self_adjoint_eigen(Side::Lower)
            .map_err(|e| format!("eigenvalues of the input moment did not converge ({e:?})"))?
            .S()[d];
        let dim = self.classes * (d + 1);
        let net = Network::new(
            &[d, self.classes],
            true,
            data,
            Loss::Softmax(labels),
            self.l2,
            vec![0.0; dim],
        )
        .with_curvature(Curvature {
            mu: self.l2,
            lipschitz: self.l2 + 0.5 * top,
        });
        Ok(net)
    }
}

impl super::FamilyConfig for SoftmaxConfig {
    /// Neither: the ridge-regularised minimum has no closed form.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::NONE)
    }

    /// The weights (four vectors of them), the data, and the class probabilities of every sample.
    fn memory(&self) -> super::ProblemMemory {
        let (c, i, s) = (self.classes as u64, self.in_dim as u64, self.samples as u64);
        let params = c.saturating_mul(i + 1);
        super::ProblemMemory {
            dim: usize::try_from(params).unwrap_or(usize::MAX),
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4, params)
                    .saturating_add(crate::memory::bytes(i + 2 * c, s)),
                ..Default::default()
            },
        }
    }

    fn check(&self) -> Result<(), ParamError> {
        if self.classes < 2 {
            return Err(ParamError::key(
                "classes",
                format!("`classes` must be at least 2, got {}", self.classes),
            ));
        }
        for (key, v) in [("in_dim", self.in_dim), ("samples", self.samples)] {
            if v == 0 {
                return Err(ParamError::key(
                    key,
                    format!("`{key}` must be at least 1, got 0"),
                ));
            }
        }
        in_range("l2", self.l2, f64::MIN_POSITIVE, 1e6)?;
        positive("separation", self.separation)
    }

    /// A network whose curvature bounds are known.
    const CAPABILITIES: Capabilities = Capabilities::BOUNDED_NETWORK;

    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(self.network(rng)?))
    }

    /// Minibatches of the `samples` labelled inputs.
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
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn config(classes: usize, in_dim: usize, samples: usize, l2: f64) -> SoftmaxConfig {
        SoftmaxConfig {
            classes,
            in_dim,
            samples,
            l2,
            separation: 2.0,
        }
    }

    fn build(c: &SoftmaxConfig, seed: u64) -> Box<dyn Problem> {
        c.check().expect("valid config");
        c.build(&mut ChaCha8Rng::seed_from_u64(seed))
            .expect("builds")
    }

    /// Inputs `a_n = [u_n; 1]` and labels, as `build` draws them for `seed`.
    fn samples(c: &SoftmaxConfig, seed: u64) -> (Vec<Vec<f64>>, Vec<usize>) {
        let (u, y) = c.generate(&mut ChaCha8Rng::seed_from_u64(seed));
        let a = (0..c.samples)
            .map(|n| {
                (0..=c.in_dim)
                    .map(|i| if i == c.in_dim { 1.0 } else { u[(i, n)] })
                    .collect()
            })
            .collect();
        (a, y)
    }

    fn probs(w: &[f64], a: &[f64], classes: usize) -> Vec<f64> {
        let d1 = a.len();
        let z: Vec<f64> = (0..classes)
            .map(|c| (0..d1).map(|j| w[c * d1 + j] * a[j]).sum())
            .collect();
        let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let s: f64 = z.iter().map(|v| (v - m).exp()).sum();
        z.iter().map(|v| (v - m).exp() / s).collect()
    }

    #[test]
    fn value_gradient_and_hessian_match_the_closed_forms() {
        let c = config(3, 2, 30, 0.01);
        let p = build(&c, 9);
        let (a, y) = samples(&c, 9);
        let n = 9;
        let w: Vec<f64> = (0..n).map(|i| 0.6 * (0.9 * i as f64).cos()).collect();
        let ps: Vec<Vec<f64>> = a.iter().map(|an| probs(&w, an, 3)).collect();
        let ridge = 0.005 * w.iter().map(|v| v * v).sum::<f64>();
        let f: f64 = ps.iter().zip(&y).map(|(pn, yn)| -pn[*yn].ln()).sum::<f64>() / 30.0 + ridge;
        assert!(
            (p.value(&w) - f).abs() <= 64.0 * f64::EPSILON * f,
            "{:e} vs {f:e}",
            p.value(&w)
        );
        // grad W = (1/N) sum (p - e_y) a' + l2 W.
        let mut g = vec![0.0; n];
        p.gradient(&w, &mut g);
        for cl in 0..3 {
            for j in 0..3 {
                let e = (0..30)
                    .map(|s| (ps[s][cl] - f64::from(u8::from(y[s] == cl))) * a[s][j])
                    .sum::<f64>()
                    / 30.0
                    + 0.01 * w[cl * 3 + j];
                assert!(
                    (g[cl * 3 + j] - e).abs() <= 64.0 * f64::EPSILON * (1.0 + e.abs()),
                    "grad"
                );
            }
        }
        // H = (1/N) sum (diag p - p p') (x) a a' + l2 I.
        let mut h = Mat::zeros(n, n);
        p.second_order().expect("second order").hessian(&w, &mut h);
        for r in 0..n {
            for q in 0..n {
                let (c1, j1, c2, j2) = (r / 3, r % 3, q / 3, q % 3);
                let e = (0..30)
                    .map(|s| {
                        let pp = if c1 == c2 { ps[s][c1] } else { 0.0 } - ps[s][c1] * ps[s][c2];
                        pp * a[s][j1] * a[s][j2]
                    })
                    .sum::<f64>()
                    / 30.0
                    + if r == q { 0.01 } else { 0.0 };
                assert!(
                    (h[(r, q)] - e).abs() <= 256.0 * f64::EPSILON,
                    "H[{r},{q}] = {:e} vs {e:e}",
                    h[(r, q)]
                );
            }
        }
    }

    #[test]
    fn hessian_stays_within_the_curvature_bounds() {
        let c = config(4, 3, 40, 0.05);
        let p = build(&c, 2);
        let curv = p.curvature().expect("known");
        let n = p.dim();
        let mut h = Mat::zeros(n, n);
        for scale in [0.0, 1.0, 10.0] {
            let w: Vec<f64> = (0..n).map(|i| scale * (2.1 * i as f64).sin()).collect();
            p.second_order().expect("second order").hessian(&w, &mut h);
            let eig = h.self_adjoint_eigen(Side::Lower).expect("eigen converges");
            let (lo, hi) = (eig.S()[0], eig.S()[n - 1]);
            let tol = 64.0 * n as f64 * f64::EPSILON * curv.lipschitz;
            assert!(
                lo >= curv.mu - tol,
                "scale {scale}: lambda_min {lo:e} < mu {:e}",
                curv.mu
            );
            assert!(
                hi <= curv.lipschitz + tol,
                "scale {scale}: lambda_max {hi:e} > L {:e}",
                curv.lipschitz
            );
        }
        // Far out the probabilities saturate and lambda_min approaches mu = l2.
        let w: Vec<f64> = (0..n).map(|i| 200.0 * (2.1 * i as f64).sin()).collect();
        p.second_order().expect("second order").hessian(&w, &mut h);
        let lo = h
            .self_adjoint_eigen(Side::Lower)
            .expect("eigen converges")
            .S()[0];
        assert!(
            lo <= 1.01 * curv.mu,
            "lambda_min far out {lo:e}, mu {:e}",
            curv.mu
        );
    }

    #[test]
    fn kfac_factors_match_an_independent_computation() {
        let c = config(3, 2, 24, 0.02);
        let p = build(&c, 5);
        let model = p.layered().expect("layered");
        let (a, y) = samples(&c, 5);
        let w: Vec<f64> = (0..9).map(|i| 0.5 * (1.7 * i as f64).sin()).collect();
        let mut k = KfacFactors::new(model);
        k.compute(model, &w);
        assert_eq!(k.l2, 0.02);
        let ps: Vec<Vec<f64>> = a.iter().map(|an| probs(&w, an, 3)).collect();
        // G = (1/N) sum_n diag(p_n) - p_n p_n' (one layer: J = I), A = (1/N) sum a a'.
        for r in 0..3 {
            for q in 0..3 {
                let e = (0..24)
                    .map(|s| if r == q { ps[s][r] } else { 0.0 } - ps[s][r] * ps[s][q])
                    .sum::<f64>()
                    / 24.0;
                assert!(
                    (k.g[0][(r, q)] - e).abs() <= 64.0 * f64::EPSILON,
                    "G[{r},{q}]: {:e} vs {e:e}",
                    k.g[0][(r, q)]
                );
                let e = (0..24).map(|s| a[s][r] * a[s][q]).sum::<f64>() / 24.0;
                assert!(
                    (k.a[0][(r, q)] - e).abs() <= 64.0 * f64::EPSILON * (1.0 + e.abs()),
                    "A[{r},{q}]"
                );
            }
        }
        // grad W = E[g a'] + l2 W, with g_n = p_n - e_{y_n}.
        let mut g = vec![0.0; 9];
        p.gradient(&w, &mut g);
        for cl in 0..3 {
            for j in 0..3 {
                let e = (0..24)
                    .map(|s| k.stats.grads[0][(cl, s)] * k.stats.inputs[0][(j, s)])
                    .sum::<f64>()
                    / 24.0
                    + 0.02 * w[cl * 3 + j];
                assert!(
                    (g[cl * 3 + j] - e).abs() <= 64.0 * f64::EPSILON * (1.0 + e.abs()),
                    "grad"
                );
                let want = ps[0][cl] - if y[0] == cl { 1.0 } else { 0.0 };
                assert!(
                    (k.stats.grads[0][(cl, 0)] - want).abs() <= 8.0 * f64::EPSILON,
                    "g_0"
                );
            }
        }
    }

    #[test]
    fn minibatches_are_means_over_the_samples_with_the_ridge_in_each() {
        let c = config(3, 4, 30, 0.05);
        assert_eq!(c.population(), Population::Finite(30));
        let p = c
            .network(&mut ChaCha8Rng::seed_from_u64(8))
            .expect("builds");
        let x: Vec<f64> = (0..15).map(|i| 0.7 * (1.9 * i as f64).cos()).collect();
        for batch in [1, 5, 30] {
            assert_finite_sum(&p, &x, batch);
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        let mut bad_sep = config(3, 2, 10, 0.1);
        bad_sep.separation = 0.0;
        for (c, key) in [
            (config(1, 2, 10, 0.1), "classes"),
            (config(3, 0, 10, 0.1), "in_dim"),
            (config(3, 2, 0, 0.1), "samples"),
            (config(3, 2, 10, 0.0), "l2"),
            (bad_sep, "separation"),
        ] {
            assert_eq!(c.check().unwrap_err().key.as_deref(), Some(key));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-2.0f64..2.0, 15),
            v in prop::collection::vec(-1.0f64..1.0, 15),
        ) {
            let p = build(&config(3, 4, 20, 0.01), 1);
            assert_derivatives(p.as_ref(), &x, &v);
        }
    }
}
