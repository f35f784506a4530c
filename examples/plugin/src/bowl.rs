//! `acme/bowl`: `f(x) = sum_i w_i (x_i - c)^2 / 2` with `w_i = kappa^(-i/(n-1))` (`w_0 = 1`), so
//! `mu = 1/kappa`, `L = 1`, `x* = (c, ..., c)`, `f* = 0`. Standard start: the origin.
//!
//! Its keys (`dim`, required; `kappa`, 10; `center`, 1.0) are declared once, in [`BowlConfig`].

use optzoo::faer::Mat;
use optzoo::params::{ParamDoc, ParamError, positive};
use optzoo::problem::{Capabilities, Curvature, Optimum, Problem, SecondOrder};
use optzoo::problems::FamilyConfig;
use optzoo::rand_chacha::ChaCha8Rng;

/// The keys.
pub const PARAMS: &[ParamDoc] = BowlConfig::PARAMS;

optzoo::declare_params! {
    /// The parameters, with their defaults.
    #[derive(Debug, Clone)]
    pub struct BowlConfig {
        /// dimension >= 1
        dim: usize = required,
        /// condition number >= 1
        kappa: f64 = 10.0,
        /// every coordinate of the minimiser
        center: f64 = 1.0,
    }
}

impl FamilyConfig for BowlConfig {
    fn check(&self) -> Result<(), ParamError> {
        if self.dim == 0 {
            return Err(ParamError::key("dim", "`dim` must be at least 1"));
        }
        positive("kappa", self.kappa)?;
        if self.kappa < 1.0 {
            return Err(ParamError::key("kappa", "`kappa` must be at least 1"));
        }
        if !self.center.is_finite() {
            return Err(ParamError::key("center", "`center` must be finite"));
        }
        Ok(())
    }

    /// A closed-form quadratic whose curvature bounds are known.
    const CAPABILITIES: Capabilities = Capabilities::BOUNDED;

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        let n = self.dim;
        let weights = (0..n)
            .map(|i| {
                let t = if n > 1 {
                    i as f64 / (n - 1) as f64
                } else {
                    0.0
                };
                self.kappa.powf(-t)
            })
            .collect();
        Ok(Box::new(Bowl {
            weights,
            center: self.center,
        }))
    }
}

/// A built bowl.
pub struct Bowl {
    weights: Vec<f64>,
    center: f64,
}

impl Problem for Bowl {
    fn dim(&self) -> usize {
        self.weights.len()
    }
    fn value(&self, x: &[f64]) -> f64 {
        x.iter()
            .zip(&self.weights)
            .map(|(xi, w)| 0.5 * w * (xi - self.center).powi(2))
            .sum()
    }
    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        for ((gi, xi), w) in g.iter_mut().zip(x).zip(&self.weights) {
            *gi = w * (xi - self.center);
        }
    }
    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }
    fn standard_start(&self) -> Vec<f64> {
        vec![0.0; self.dim()]
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![self.center; self.dim()]),
        })
    }
    fn curvature(&self) -> Option<Curvature> {
        let (lo, hi) = self
            .weights
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(a, b), w| (a.min(*w), b.max(*w)));
        Some(Curvature {
            mu: lo,
            lipschitz: hi,
        })
    }
}

impl SecondOrder for Bowl {
    fn hvp(&self, _x: &[f64], v: &[f64], out: &mut [f64]) {
        for ((o, vi), w) in out.iter_mut().zip(v).zip(&self.weights) {
            *o = w * vi;
        }
    }
    fn hessian(&self, _x: &[f64], h: &mut Mat<f64>) {
        h.fill(0.0);
        for (i, w) in self.weights.iter().enumerate() {
            h[(i, i)] = *w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimiser_has_zero_gradient_and_the_documented_value() {
        let b = Bowl {
            weights: vec![1.0, 0.1],
            center: 2.0,
        };
        let mut g = vec![1.0; 2];
        b.gradient(&[2.0, 2.0], &mut g);
        assert_eq!(g, vec![0.0, 0.0]);
        assert_eq!(b.value(&[2.0, 2.0]), 0.0);
    }
}
