//! `nqm`: the noisy quadratic model (Zhang et al., NeurIPS 2019, "Which algorithmic choices matter at which
//! batch sizes? Insights from a noisy quadratic model").
//!
//! `f(x) = 1/2 sum_i h_i x_i^2` (diagonal, `x* = 0`, `f* = 0`), whose minibatch gradients carry Gaussian
//! noise of covariance `C / B` at batch size `B = batch_size`, with `C` diagonal:
//! - `spectrum = "inverse"`: `h_i = 1/i`, `i = 1..n` (the paper's setting);
//!   `spectrum = "log-uniform"`: `h_i = kappa^(-(i-1)/(n-1))`, from 1 down to `1/kappa`;
//! - `c_i = noise_level * h_i^noise_power`: `noise_power = 1` is the paper's `C = H` (the noise of a
//!   well-specified model near its optimum, where the gradient covariance equals the Fisher, which equals
//!   the Hessian); `noise_power = 0` is isotropic noise.
//!
//! One sample's loss is `l(x; xi) = f(x) + xi' x` with `xi ~ N(0, C)`, so a minibatch of `B` samples has
//! gradient `H x + xi_B` and value `f(x) + xi_B' x` with `xi_B ~ N(0, C / B)`: one Gaussian draw per
//! coordinate per call, whatever `B`. Without `batch_size` the gradients are exact. Standard start: the
//! all-ones vector. The gradient noise scale `tr(H C) / (g' H g)` is exact (`g = H x`).
//!
//! `bins = K` groups the `n` coordinates by curvature into at most `K` bins evenly spaced in `log h` (empty
//! bins dropped), as Zhang et al.'s notebook does for speed at `n = 10^4`. A bin of `m` coordinates becomes
//! one coordinate `y = sqrt(m) x` with the members' mean curvature `h`, noise variance `m` times their mean
//! `c` and standard start `sqrt(m)`: its dynamics under any method linear in the gradient are those of one
//! member of curvature `h` scaled by `sqrt(m)`, so its expected loss `1/2 h E y^2` is the `m` members' sum,
//! exactly where the members share the curvature (and `f(x_0)`, `tr H` and `tr C` are kept exactly). It is
//! the model exact mode ([`crate::optimizers::nqm_exact`]) needs: a bin's member curvatures lie within a
//! factor `(h_max / h_min)^(1/K)` of each other.
//!
//! The problem is a diagonal linear-Gaussian noise model ([`Stochastic::diagonal_noise`]), whose expected
//! loss under SGD, heavy ball and `H^-p` preconditioning exact mode computes without sampling.

use crate::params::{ParamDoc, ParamError, in_range, positive};
use crate::problem::stochastic::{DiagonalNoise, Population, Sampler, Stochastic};
use crate::problem::{Capabilities, Curvature, Optimum, Problem, SecondOrder};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The keys of `nqm`.
pub const PARAMS: &[ParamDoc] = NqmConfig::PARAMS;

crate::declare_choice! {
    /// The curvature layouts `spectrum` names.
    pub enum Spectrum {
        /// `h_i = 1/i`, the paper's.
        Inverse = "inverse",
        /// From 1 down to `1/kappa`, evenly in `log h`.
        LogUniform = "log-uniform",
    }
}

crate::declare_params! {
    /// The parameters of `nqm`.
    #[derive(Debug, Clone)]
    pub struct NqmConfig {
        /// dimension n >= 1
        dim: usize = required,
        /// curvatures h_i: "inverse" (1/i, the paper's) or "log-uniform" (from 1 down to 1/kappa)
        spectrum: Spectrum = "inverse",
        /// condition number, 1 <= kappa <= 1e12 (spectrum = "log-uniform" only)
        kappa: Option<f64> = 1000.0,
        /// c0 > 0 in the per-sample gradient covariance C = c0 H^noise_power
        noise_level: f64 = 1.0,
        /// p in [0, 4] in C = c0 H^p: 1 is the paper's C = H, 0 isotropic noise
        noise_power: f64 = 1.0,
        /// K >= 1: the n coordinates grouped into at most K bins evenly spaced in log h, each one coordinate standing for its m members (curvature their mean, noise m times their mean, start sqrt(m)); the expected loss is the full model's where members share a curvature (absent: one coordinate per curvature)
        bins: Option<usize> = none,
    }
}

impl NqmConfig {
    /// The curvatures `h_i`, descending, exactly as the module docs define them.
    pub fn curvatures(&self) -> Vec<f64> {
        let n = self.dim;
        match self.spectrum {
            Spectrum::LogUniform if n > 1 => {
                let kappa = self.clone().filled().kappa.unwrap_or_default();
                (0..n)
                    .map(|i| kappa.powf(-(i as f64) / (n - 1) as f64))
                    .collect()
            }
            Spectrum::LogUniform => vec![1.0],
            Spectrum::Inverse => (1..=n).map(|i| 1.0 / i as f64).collect(),
        }
    }
}

/// The coordinates of a binned model: per bin, the members' mean curvature, mean noise variance and count.
struct Binned {
    h: Vec<f64>,
    c: Vec<f64>,
    m: Vec<f64>,
}

impl NqmConfig {
    /// The per-sample noise variances `c_i = c0 h_i^p` of the unbinned model.
    fn noise_of(&self, h: &[f64]) -> Vec<f64> {
        h.iter()
            .map(|hi| self.noise_level * hi.powf(self.noise_power))
            .collect()
    }

    /// The model's coordinates: one per curvature, or one per non-empty bin (see the module docs).
    fn coordinates(&self) -> Binned {
        let h = self.curvatures();
        let c = self.noise_of(&h);
        let Some(k) = self.bins else {
            let m = vec![1.0; h.len()];
            return Binned { h, c, m };
        };
        let (lo, hi) = h.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        let width = (hi / lo).ln() / k as f64;
        let mut sums = vec![(0.0, 0.0, 0.0); k];
        for (hv, cv) in h.iter().zip(&c) {
            let j = if width > 0.0 {
                (((hi / hv).ln() / width) as usize).min(k - 1)
            } else {
                0
            };
            sums[j].0 += hv;
            sums[j].1 += cv;
            sums[j].2 += 1.0;
        }
        let kept: Vec<_> = sums.into_iter().filter(|s| s.2 > 0.0).collect();
        Binned {
            h: kept.iter().map(|s| s.0 / s.2).collect(),
            c: kept.iter().map(|s| s.1).collect(),
            m: kept.iter().map(|s| s.2).collect(),
        }
    }
}

impl super::FamilyConfig for NqmConfig {
    /// `f* = 0` at the origin.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::BOTH)
    }

    fn check(&self) -> Result<(), ParamError> {
        if self.dim == 0 {
            return Err(ParamError::key("dim", "`dim` must be at least 1, got 0"));
        }
        if let Some(kappa) = self.kappa {
            if self.spectrum != Spectrum::LogUniform {
                return Err(ParamError::key(
                    "kappa",
                    "`kappa` applies only with spectrum = \"log-uniform\" (\"inverse\" has kappa = dim)",
                ));
            }
            in_range("kappa", kappa, 1.0, 1e12)?;
        }
        positive("noise_level", self.noise_level)?;
        in_range("noise_level", self.noise_level, 0.0, 1e12)?;
        in_range("noise_power", self.noise_power, 0.0, 4.0)?;
        if self.bins == Some(0) {
            return Err(ParamError::key(
                "bins",
                "`bins` must be at least 1 (leave it out for one coordinate per curvature)",
            ));
        }
        Ok(())
    }

    /// A closed-form quadratic whose curvature bounds are known.
    const CAPABILITIES: Capabilities = Capabilities::BOUNDED;

    fn memory(&self) -> super::ProblemMemory {
        let dim = match self.bins {
            Some(_) => self.coordinates().h.len(),
            None => self.dim,
        };
        super::ProblemMemory {
            dim,
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4, dim as u64),
                ..Default::default()
            },
        }
    }

    fn population(&self) -> Population {
        Population::Unbounded
    }

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        let Binned { h, c, m } = self.coordinates();
        let start = m.iter().map(|m| m.sqrt()).collect();
        Ok(Box::new(Nqm { h, c, start }))
    }
}

/// An instance of `nqm`.
pub struct Nqm {
    /// Curvatures `h_i`, descending.
    h: Vec<f64>,
    /// Per-sample gradient noise variances `c_i`.
    c: Vec<f64>,
    /// The standard start: ones, or `sqrt(m)` for a bin of `m` coordinates.
    start: Vec<f64>,
}

impl Nqm {
    /// The curvatures `h_i`.
    pub fn curvatures(&self) -> &[f64] {
        &self.h
    }

    /// The per-sample gradient noise variances `c_i` (the diagonal of `C`).
    pub fn noise(&self) -> &[f64] {
        &self.c
    }

    /// The long-run average of `f` under SGD with constant step `eta` at batch size `b`, where it is stable
    /// (`eta h_i < 2` for every `i`): `sum_i eta c_i / (2 b (2 - eta h_i))`, from the stationary variance
    /// `eta c_i / (b h_i (2 - eta h_i))` of coordinate `i`.
    pub fn sgd_stationary_value(&self, eta: f64, b: usize) -> f64 {
        self.h
            .iter()
            .zip(&self.c)
            .map(|(h, c)| eta * c / (2.0 * b as f64 * (2.0 - eta * h)))
            .sum()
    }
}

impl Problem for Nqm {
    fn dim(&self) -> usize {
        self.h.len()
    }

    fn value(&self, x: &[f64]) -> f64 {
        0.5 * self.h.iter().zip(x).map(|(h, xi)| h * xi * xi).sum::<f64>()
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for ((gi, h), xi) in g.iter_mut().zip(&self.h).zip(x) {
            *gi = h * xi;
        }
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn stochastic(&self) -> Option<&dyn Stochastic> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        self.start.clone()
    }

    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![0.0; self.h.len()]),
        })
    }

    fn curvature(&self) -> Option<Curvature> {
        let (lo, hi) = self.h.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &h| {
            (lo.min(h), hi.max(h))
        });
        Some(Curvature {
            mu: lo,
            lipschitz: hi,
        })
    }
}

impl SecondOrder for Nqm {
    fn hvp(&self, _x: &[f64], v: &[f64], out: &mut [f64]) {
        for ((o, h), vi) in out.iter_mut().zip(&self.h).zip(v) {
            *o = h * vi;
        }
    }

    fn hessian(&self, _x: &[f64], m: &mut faer::Mat<f64>) {
        m.fill(0.0);
        for (i, h) in self.h.iter().enumerate() {
            m[(i, i)] = *h;
        }
    }
}

impl Stochastic for Nqm {
    fn sample_value_and_gradient(
        &self,
        x: &[f64],
        batch_size: usize,
        sampler: &mut Sampler,
        g: &mut [f64],
    ) -> f64 {
        let inv_b = 1.0 / batch_size.max(1) as f64;
        let rng = sampler.rng();
        let mut value = 0.0;
        for (((gi, h), c), xi) in g.iter_mut().zip(&self.h).zip(&self.c).zip(x) {
            let z: f64 = StandardNormal.sample(rng);
            let xi_b = (c * inv_b).sqrt() * z;
            *gi = h * xi + xi_b;
            value += 0.5 * h * xi * xi + xi_b * xi;
        }
        value
    }

    fn noise_scale(&self, x: &[f64]) -> Option<f64> {
        let trace: f64 = self.h.iter().zip(&self.c).map(|(h, c)| h * c).sum();
        let curv: f64 = self
            .h
            .iter()
            .zip(x)
            .map(|(h, xi)| h * (h * xi) * (h * xi))
            .sum();
        (curv > 0.0).then(|| trace / curv)
    }

    fn diagonal_noise(&self) -> Option<DiagonalNoise> {
        Some(DiagonalNoise {
            curvatures: self.h.clone(),
            noise: self.c.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::FamilyConfig;
    use rand::SeedableRng;

    fn nqm(dim: usize) -> Nqm {
        let config = NqmConfig {
            dim,
            spectrum: Spectrum::Inverse,
            kappa: None,
            noise_level: 1.0,
            noise_power: 1.0,
            bins: None,
        };
        Nqm {
            h: config.curvatures(),
            c: config
                .curvatures()
                .iter()
                .map(|h| config.noise_level * h)
                .collect(),
            start: vec![1.0; dim],
        }
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let p = nqm(5);
        let x = [0.3, -1.2, 2.0, 0.5, -0.7];
        let v = [1.0, 0.5, -0.25, 2.0, -1.0];
        crate::problems::testing::assert_derivatives(&p, &x, &v);
    }

    #[test]
    fn minibatch_noise_has_covariance_c_over_b() {
        let p = nqm(4);
        let x = [0.0; 4];
        let mut sampler = Sampler::new(ChaCha8Rng::seed_from_u64(11));
        let mut g = [0.0; 4];
        let (draws, b) = (40_000, 8);
        let mut second = [0.0; 4];
        for _ in 0..draws {
            p.sample_value_and_gradient(&x, b, &mut sampler, &mut g);
            for (s, gi) in second.iter_mut().zip(&g) {
                *s += gi * gi / draws as f64;
            }
        }
        for (i, s) in second.iter().enumerate() {
            let want = p.c[i] / b as f64;
            // Standard error of a variance estimate: want * sqrt(2 / draws) ~ 0.7%.
            assert!(
                (s / want - 1.0).abs() < 0.03,
                "coordinate {i}: {s} vs {want}"
            );
        }
    }

    #[test]
    fn noise_scale_is_tr_hc_over_ghg() {
        let p = nqm(3);
        let x = [1.0, 1.0, 1.0];
        // h = (1, 1/2, 1/3), c = h: tr(HC) = 1 + 1/4 + 1/9; g'Hg = 1 + 1/8 + 1/27.
        let want = (1.0 + 0.25 + 1.0 / 9.0) / (1.0 + 0.125 + 1.0 / 27.0);
        let got = p.noise_scale(&x).expect("known");
        assert!((got - want).abs() < 1e-14);
    }

    #[test]
    fn kappa_only_with_log_uniform() {
        let config = NqmConfig {
            dim: 3,
            spectrum: Spectrum::Inverse,
            kappa: Some(10.0),
            noise_level: 1.0,
            noise_power: 1.0,
            bins: None,
        };
        assert!(config.check().is_err());
        let log = NqmConfig {
            spectrum: Spectrum::LogUniform,
            ..config
        };
        assert!(log.check().is_ok());
        let h = log.curvatures();
        assert!((h[0] - 1.0).abs() < 1e-15 && (h[2] - 0.1).abs() < 1e-15);
    }

    #[test]
    fn bins_keep_the_start_value_and_the_traces() {
        let full = NqmConfig {
            dim: 1000,
            spectrum: Spectrum::Inverse,
            kappa: None,
            noise_level: 1.0,
            noise_power: 1.0,
            bins: None,
        };
        let binned = NqmConfig {
            bins: Some(20),
            ..full.clone()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (a, b) = (
            full.build(&mut rng).expect("builds"),
            binned.build(&mut rng).expect("builds"),
        );
        assert!(b.dim() <= 20 && b.dim() > 5, "{} bins kept", b.dim());
        assert_eq!(binned.memory().dim, b.dim());
        // f(x_0) = 1/2 sum_i h_i = 1/2 H_1000 (the harmonic number), binned or not.
        let harmonic: f64 = (1..=1000).map(|i| 1.0 / i as f64).sum();
        for p in [&a, &b] {
            let f0 = p.value(&p.standard_start());
            assert!((f0 - harmonic / 2.0).abs() < 1e-10, "{f0}");
            let model = p
                .stochastic()
                .and_then(|s| s.diagonal_noise())
                .expect("nqm is a diagonal noise model");
            // tr C = sum_i c_i = H_1000 with C = H; the members' counts add up to n.
            let trace: f64 = model.noise.iter().sum();
            assert!((trace - harmonic).abs() < 1e-10, "{trace}");
        }
        let counts: f64 = b.standard_start().iter().map(|s| s * s).sum();
        assert!((counts - 1000.0).abs() < 1e-9);
        assert!(binned.check().is_ok());
        assert!(
            NqmConfig {
                bins: Some(0),
                ..full
            }
            .check()
            .is_err()
        );
    }
}
