//! The counting oracle: the only door through which an optimizer sees a problem.
//!
//! Every value, gradient, Hessian and Hessian-vector call an optimizer makes is counted here. The runner's
//! own measurements (the value and gradient norm its stop rule and trace need) go through
//! `Oracle::measure`, which is not charged. A one-entry cache keyed by the exact bits of `x` lets the
//! runner and the optimizer share one evaluation at the same point: the optimizer is still charged for the
//! call it makes, but the arithmetic is done once.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::optimizer::StepError;
use crate::problem::{Curvature, Optimum, Problem, SecondOrder};

/// How many times an optimizer asked the problem for each kind of information.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Function values (a value computed together with a gradient counts here too).
    pub f_evals: u64,
    /// Gradients.
    pub g_evals: u64,
    /// Dense Hessians.
    pub hess_evals: u64,
    /// Hessian-vector products.
    pub hvp_evals: u64,
}

impl Counts {
    /// Gradient-equivalent evaluations: a value and its gradient together cost one gradient (reverse mode
    /// differentiation computes both in one pass), so value-only and gradient calls count as
    /// `max(f_evals, g_evals)`; a Hessian-vector product costs one more; a dense Hessian costs `n`.
    pub fn grad_equiv(&self, dim: usize) -> u64 {
        self.f_evals.max(self.g_evals) + self.hvp_evals + self.hess_evals * dim as u64
    }
}

/// The last point evaluated, with what is known there.
struct Cache {
    x: Vec<f64>,
    value: Option<f64>,
    grad: Vec<f64>,
    has_grad: bool,
}

/// A counting wrapper around a problem. Optimizers receive `&mut Oracle` in `init` and `step`.
pub struct Oracle<'p> {
    problem: &'p dyn Problem,
    counts: Counts,
    cache: Cache,
}

impl<'p> Oracle<'p> {
    /// Wraps a problem with all counts at zero.
    pub fn new(problem: &'p dyn Problem) -> Self {
        let n = problem.dim();
        Oracle {
            problem,
            counts: Counts::default(),
            cache: Cache {
                x: vec![f64::NAN; n],
                value: None,
                grad: vec![0.0; n],
                has_grad: false,
            },
        }
    }

    /// The dimension of the problem.
    pub fn dim(&self) -> usize {
        self.problem.dim()
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The problem's known curvature bounds, if any (free: this is prior knowledge, not an evaluation).
    pub fn curvature(&self) -> Option<Curvature> {
        self.problem.curvature()
    }

    /// The problem's known optimum, if any (free; meant for the runner's measurements).
    pub fn optimum(&self) -> Option<Optimum> {
        self.problem.optimum()
    }

    fn cached_at(&self, x: &[f64]) -> bool {
        // Bitwise equality: NaN never matches, so the initial cache is empty.
        self.cache.x.len() == x.len()
            && self
                .cache
                .x
                .iter()
                .zip(x)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    }

    fn remember(&mut self, x: &[f64], value: Option<f64>, grad: Option<&[f64]>) {
        if !self.cached_at(x) {
            self.cache.x.copy_from_slice(x);
            self.cache.value = None;
            self.cache.has_grad = false;
        }
        if value.is_some() {
            self.cache.value = value;
        }
        if let Some(g) = grad {
            self.cache.grad.copy_from_slice(g);
            self.cache.has_grad = true;
        }
    }

    /// The value `f(x)`; counts one value evaluation.
    pub fn value(&mut self, x: &[f64]) -> f64 {
        self.counts.f_evals += 1;
        if self.cached_at(x)
            && let Some(v) = self.cache.value
        {
            return v;
        }
        let v = self.problem.value(x);
        self.remember(x, Some(v), None);
        v
    }

    /// Writes the gradient at `x` into `g`; counts one gradient evaluation.
    pub fn gradient(&mut self, x: &[f64], g: &mut [f64]) {
        self.counts.g_evals += 1;
        if self.cached_at(x) && self.cache.has_grad {
            g.copy_from_slice(&self.cache.grad);
            return;
        }
        self.problem.gradient(x, g);
        self.remember(x, None, Some(g));
    }

    /// Writes the gradient at `x` into `g` and returns the value; counts one value and one gradient.
    pub fn value_and_gradient(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        self.counts.f_evals += 1;
        self.counts.g_evals += 1;
        self.fill(x, g)
    }

    /// The runner's measurement at `x`: value and gradient, not charged to the optimizer.
    pub(crate) fn measure(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        self.fill(x, g)
    }

    fn fill(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        if self.cached_at(x)
            && self.cache.has_grad
            && let Some(v) = self.cache.value
        {
            g.copy_from_slice(&self.cache.grad);
            return v;
        }
        let v = self.problem.value_and_gradient(x, g);
        self.remember(x, Some(v), Some(g));
        v
    }

    fn second_order(&self) -> Result<&'p dyn SecondOrder, StepError> {
        self.problem.second_order().ok_or_else(|| {
            StepError::NotApplicable("the problem offers no second derivatives".into())
        })
    }

    /// Writes `H(x) v` into `out`; counts one Hessian-vector product.
    pub fn hvp(&mut self, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<(), StepError> {
        let so = self.second_order()?;
        self.counts.hvp_evals += 1;
        so.hvp(x, v, out);
        Ok(())
    }

    /// Writes the dense Hessian at `x` into `h` (`n x n`); counts one Hessian evaluation.
    pub fn hessian(&mut self, x: &[f64], h: &mut Mat<f64>) -> Result<(), StepError> {
        let so = self.second_order()?;
        self.counts.hess_evals += 1;
        so.hessian(x, h);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// f(x) = sum x_i^2 / 2, counting how often its arithmetic really runs.
    struct Bowl {
        work: AtomicU64,
    }

    impl Problem for Bowl {
        fn dim(&self) -> usize {
            2
        }
        fn value(&self, x: &[f64]) -> f64 {
            self.work.fetch_add(1, Ordering::Relaxed);
            x.iter().map(|a| a * a).sum::<f64>() / 2.0
        }
        fn gradient(&self, x: &[f64], g: &mut [f64]) {
            self.work.fetch_add(1, Ordering::Relaxed);
            g.copy_from_slice(x);
        }
        fn standard_start(&self) -> Vec<f64> {
            vec![1.0, 1.0]
        }
    }

    #[test]
    fn every_call_is_counted_and_measurement_is_free() {
        let p = Bowl {
            work: AtomicU64::new(0),
        };
        let mut o = Oracle::new(&p);
        let mut g = [0.0; 2];
        let x = [1.0, 2.0];
        assert_eq!(o.measure(&x, &mut g), 2.5);
        assert_eq!(o.counts(), Counts::default(), "measurement is not charged");
        o.gradient(&x, &mut g);
        assert_eq!(g, [1.0, 2.0]);
        assert_eq!(o.value(&x), 2.5);
        assert_eq!(o.counts().g_evals, 1);
        assert_eq!(o.counts().f_evals, 1);
        // value and gradient at x were computed once (two units of work), then served from the cache.
        assert_eq!(p.work.load(Ordering::Relaxed), 2);
        let y = [0.0, 2.0];
        assert_eq!(o.value(&y), 2.0);
        assert_eq!(p.work.load(Ordering::Relaxed), 3);
        assert_eq!(o.counts().f_evals, 2);
    }

    #[test]
    fn grad_equivalents_charge_a_hessian_as_n_gradients() {
        let c = Counts {
            f_evals: 7,
            g_evals: 5,
            hess_evals: 2,
            hvp_evals: 3,
        };
        assert_eq!(c.grad_equiv(10), 7 + 3 + 20);
    }
}
