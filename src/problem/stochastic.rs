//! Stochastic gradients: minibatches of a finite sum, or a model of gradient noise.
//!
//! A problem whose instance sets `batch_size` is run under noise: every value and gradient an optimizer asks
//! the [`Oracle`](crate::oracle::Oracle) for is that of a minibatch of `batch_size` samples, drawn by a
//! [`Sampler`] seeded from the run's seed (so a run's minibatches depend on its spec alone, not on the
//! number of jobs or the shard it runs in). The runner's own measurements stay exact: the stop rule and the
//! trace see the full objective.
//!
//! Two kinds of problem offer it:
//! - a finite sum `f(x) = (1/N) sum_n l_n(x) + r(x)` ([`FiniteSum`]): a minibatch is `batch_size` distinct
//!   sample indices, drawn without replacement within an epoch (a fresh permutation of `0..N` per epoch; a
//!   batch never straddles two epochs: when fewer than `batch_size` indices are left, a new epoch starts);
//! - a noise model ([`Stochastic`] implemented directly): the noisy quadratic model adds Gaussian noise of
//!   covariance `C / batch_size` to the exact gradient.

use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// How many samples a family's instances draw minibatches from, known before building them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Population {
    /// Exact gradients only: `batch_size` does not apply.
    #[default]
    None,
    /// A finite sum over this many samples: `1 <= batch_size <= N`.
    Finite(usize),
    /// A noise model: any `batch_size >= 1`.
    Unbounded,
}

/// The minibatch draws of one run: a random stream and, for finite sums, the current epoch's permutation.
#[derive(Debug, Clone)]
pub struct Sampler {
    rng: ChaCha8Rng,
    order: Vec<usize>,
    next: usize,
    epochs: u64,
}

impl Sampler {
    /// A sampler drawing from `rng` (seeded from the run's seed).
    pub fn new(rng: ChaCha8Rng) -> Self {
        Sampler {
            rng,
            order: Vec::new(),
            next: 0,
            epochs: 0,
        }
    }

    /// The next minibatch of `size` distinct indices of `0..population`, without replacement within an
    /// epoch. `size` is clamped to `1..=population`.
    pub fn batch(&mut self, population: usize, size: usize) -> &[usize] {
        let size = size.clamp(1, population.max(1));
        if self.order.len() != population || self.next + size > population {
            if self.order.len() != population {
                self.order = (0..population).collect();
            }
            self.order.shuffle(&mut self.rng);
            self.next = 0;
            self.epochs += 1;
        }
        let start = self.next;
        self.next += size;
        &self.order[start..start + size]
    }

    /// The random stream, for noise models.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// The epochs begun so far (finite sums).
    pub fn epochs(&self) -> u64 {
        self.epochs
    }
}

/// A problem that can give minibatch values and gradients.
pub trait Stochastic: Send + Sync {
    /// Writes the gradient of a minibatch of `batch_size` samples at `x` into `g` and returns the
    /// minibatch's value, drawing the minibatch (or the noise) from `sampler`.
    fn sample_value_and_gradient(
        &self,
        x: &[f64],
        batch_size: usize,
        sampler: &mut Sampler,
        g: &mut [f64],
    ) -> f64;

    /// The gradient noise scale `tr(H C) / (g' H g)` at `x` (McCandlish et al. 2018, "An empirical model of
    /// large-batch training", `B_noise`), where `C` is the covariance of one sample's gradient and `g`, `H`
    /// the exact gradient and Hessian; where the problem knows it.
    fn noise_scale(&self, x: &[f64]) -> Option<f64> {
        let _ = x;
        None
    }

    /// The problem as a diagonal linear-Gaussian noise model, where it is one: `f(x) = 1/2 sum_i h_i x_i^2`
    /// (`x* = 0`, `f* = 0`) whose minibatch gradient at batch size `B` is `H x + xi` with
    /// `xi ~ N(0, diag(c) / B)`, independent across calls. Methods whose update is linear in the gradient
    /// then have expected losses that follow a closed recursion of moments per coordinate
    /// ([`crate::optimizers::nqm_exact`]).
    fn diagonal_noise(&self) -> Option<DiagonalNoise> {
        None
    }
}

/// A diagonal linear-Gaussian noise model (see [`Stochastic::diagonal_noise`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DiagonalNoise {
    /// The curvatures `h_i`.
    pub curvatures: Vec<f64>,
    /// The per-sample gradient noise variances `c_i`.
    pub noise: Vec<f64>,
}

/// A finite sum `f(x) = (1/N) sum_n l_n(x) + r(x)` over `N` samples, evaluated on a subset of them.
pub trait FiniteSum: Send + Sync {
    /// The number of samples `N`.
    fn samples(&self) -> usize;

    /// Writes the gradient of `(1/|S|) sum_{n in S} l_n(x) + r(x)` into `g` and returns its value, for the
    /// sample indices `S = indices` (distinct, each `< N`). With every index this is `f` and its gradient.
    fn subset_value_and_gradient(&self, x: &[f64], indices: &[usize], g: &mut [f64]) -> f64;
}

impl<T: FiniteSum> Stochastic for T {
    fn sample_value_and_gradient(
        &self,
        x: &[f64],
        batch_size: usize,
        sampler: &mut Sampler,
        g: &mut [f64],
    ) -> f64 {
        let indices = sampler.batch(self.samples(), batch_size);
        self.subset_value_and_gradient(x, indices, g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn an_epoch_draws_every_sample_once() {
        let mut s = Sampler::new(ChaCha8Rng::seed_from_u64(7));
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.extend_from_slice(s.batch(20, 4));
        }
        seen.sort_unstable();
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
        assert_eq!(s.epochs(), 1);
        // The sixth batch starts a new epoch with a new permutation.
        let first: Vec<usize> = s.batch(20, 4).to_vec();
        assert_eq!(s.epochs(), 2);
        assert_eq!(first.len(), 4);
    }

    #[test]
    fn a_batch_never_straddles_two_epochs() {
        let mut s = Sampler::new(ChaCha8Rng::seed_from_u64(1));
        for _ in 0..3 {
            let b = s.batch(10, 4).to_vec();
            let mut d = b.clone();
            d.sort_unstable();
            d.dedup();
            assert_eq!(d.len(), 4, "distinct indices within a batch");
        }
        // 10 = 4 + 4 + 2: the third batch began a second epoch.
        assert_eq!(s.epochs(), 2);
    }

    #[test]
    fn same_seed_same_batches() {
        let mut a = Sampler::new(ChaCha8Rng::seed_from_u64(3));
        let mut b = Sampler::new(ChaCha8Rng::seed_from_u64(3));
        for _ in 0..10 {
            assert_eq!(a.batch(50, 7).to_vec(), b.batch(50, 7).to_vec());
        }
    }
}
