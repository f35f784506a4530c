//! The counting oracle: the only door through which an optimizer sees a problem.
//!
//! Every value, gradient, Hessian, Hessian-vector and K-FAC-factor call an optimizer makes is counted here. The runner's
//! own measurements (the value and gradient norm its stop rule and trace need) go through
//! `Oracle::measure`, which is not charged. A one-entry cache keyed by the exact bits of `x` lets the
//! runner and the optimizer share one evaluation at the same point: the optimizer is still charged for the
//! call it makes, but the arithmetic is done once.
//!
//! The oracle also enforces the run's `max_evals` budget, before an evaluation is made ([`crate::budget`]),
//! and, under `batch_size`, serves the optimizer minibatch values and gradients drawn from the run's seed
//! ([`Oracle::with_minibatches`]) while the runner's measurement stays exact.

use faer::Mat;
use serde::{Deserialize, Serialize};

use crate::problem::stochastic::{Sampler, Stochastic};
use crate::problem::{Curvature, KfacFactors, Layered, Optimum, Problem, SecondOrder};
use crate::vector::norm;

/// Why a step could not be taken. Numerical breakdown is data: the runner records it as the outcome.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StepError {
    /// The method broke down (a line search that found no decrease, a matrix that is not positive definite).
    #[error("{0}")]
    Failed(String),
    /// The problem lacks what the method needs.
    #[error("not applicable: {0}")]
    NotApplicable(String),
    /// The method ended on its own (an external client's own convergence test or limit). The runner then
    /// applies the stop rule at the current point; where no rule holds the run is `stopped`.
    #[error("{0}")]
    Stopped(String),
}

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
    /// K-FAC factor evaluations ([`Oracle::kfac_factors`]).
    #[serde(default)]
    pub kfac_evals: u64,
    /// Samples drawn by minibatch values and gradients (`batch_size` per call; 0 for exact ones).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub samples: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Counts {
    /// Gradient-equivalent evaluations: a value and its gradient together cost one gradient (reverse mode
    /// differentiation computes both in one pass), so value-only and gradient calls count as
    /// `max(f_evals, g_evals)`; a Hessian-vector product costs one more; a dense Hessian costs `n`; K-FAC
    /// factors cost one (a forward pass and one backward pass of a sampled target: Martens and Grosse 2015,
    /// section 5; forming `A` and `G` is small beside it for layers narrower than the sample count).
    pub fn grad_equiv(&self, dim: usize) -> u64 {
        self.f_evals.max(self.g_evals)
            + self.hvp_evals
            + self.hess_evals * dim as u64
            + self.kfac_evals
    }
}

/// The last point evaluated, with what is known there.
struct Cache {
    x: Vec<f64>,
    value: Option<f64>,
    grad: Vec<f64>,
    has_grad: bool,
    /// The gradient's norm at `x`, where known.
    grad_norm: Option<f64>,
}

/// The runner's next measurement, made ahead of it ([`Oracle::measure_ahead`]) at the caller's vector: its
/// address and length, the value and the gradient's norm there.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ahead {
    at: usize,
    len: usize,
    value: f64,
    grad_norm: f64,
}

/// What the oracle knows of the run it serves: for methods that seed their own randomness or report the
/// problem to a client (an external optimizer's `hello`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// The run's seed.
    pub seed: u64,
    /// The problem's family.
    pub family: String,
    /// The instance's parameters, as canonical JSON.
    pub params: serde_json::Value,
}

/// Minibatch draws: the source, the batch size, the run's sampler and a buffer for a drawn gradient.
struct Minibatches<'p> {
    source: &'p dyn Stochastic,
    batch_size: usize,
    sampler: Sampler,
    grad: Vec<f64>,
}

/// A counting wrapper around a problem. Optimizers receive `&mut Oracle` in `init` and `step`.
///
/// Under minibatches ([`Oracle::with_minibatches`]) every value and gradient an optimizer asks for is that of
/// a fresh minibatch (never served from the cache, which holds the runner's exact measurement); Hessians,
/// Hessian-vector products and K-FAC factors stay exact (full batch).
pub struct Oracle<'p> {
    problem: &'p dyn Problem,
    counts: Counts,
    cache: Cache,
    run: Option<RunInfo>,
    budget: Option<u64>,
    minibatches: Option<Minibatches<'p>>,
    ahead: Option<Ahead>,
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
                grad_norm: None,
            },
            run: None,
            budget: None,
            minibatches: None,
            ahead: None,
        }
    }

    /// Serves optimizers minibatch values and gradients of `batch_size` samples drawn by `sampler`; an error
    /// where the problem draws no minibatches.
    pub fn with_minibatches(mut self, batch_size: usize, sampler: Sampler) -> Result<Self, String> {
        let source = self
            .problem
            .stochastic()
            .ok_or("the problem draws no minibatches (batch_size does not apply)")?;
        self.minibatches = Some(Minibatches {
            source,
            batch_size,
            sampler,
            grad: vec![0.0; self.problem.dim()],
        });
        Ok(self)
    }

    /// The minibatch size, where values and gradients are drawn from minibatches.
    pub fn batch_size(&self) -> Option<usize> {
        self.minibatches.as_ref().map(|m| m.batch_size)
    }

    /// Draws a minibatch at `x` into its buffer (or `g`), charging `more` plus the batch's samples.
    fn draw(&mut self, x: &[f64], more: Counts, g: Option<&mut [f64]>) -> Option<f64> {
        let batch = self.minibatches.as_ref()?.batch_size as u64;
        self.charge(Counts {
            samples: batch,
            ..more
        });
        let m = self.minibatches.as_mut()?;
        let out = match g {
            Some(g) => g,
            None => &mut m.grad[..],
        };
        Some(crate::alloc::in_problem(|| {
            m.source
                .sample_value_and_gradient(x, m.batch_size, &mut m.sampler, out)
        }))
    }

    /// The problem as a diagonal linear-Gaussian noise model, where it is one (free: it is what exact mode
    /// knows of the problem, not an evaluation).
    pub fn diagonal_noise(&self) -> Option<crate::problem::stochastic::DiagonalNoise> {
        self.problem.stochastic().and_then(|s| s.diagonal_noise())
    }

    /// Charges one gradient, and under minibatches its batch's samples, without drawing it: for exact mode,
    /// whose step stands for the expectation over one minibatch gradient's noise.
    pub fn charge_gradient(&mut self) {
        let samples = self.minibatches.as_ref().map_or(0, |m| m.batch_size as u64);
        self.charge(Counts {
            g_evals: 1,
            samples,
            ..Counts::default()
        });
    }

    /// Limits the optimizer to `max_evals` gradient-equivalent evaluations (see [`Counts::grad_equiv`]): a
    /// call that would exceed it is neither made nor counted, and ends the step (see [`crate::budget`]).
    pub fn with_budget(mut self, max_evals: Option<u64>) -> Self {
        self.budget = max_evals;
        self
    }

    /// Counts `more` calls, first ending the step if they would take the counts past the budget.
    fn charge(&mut self, more: Counts) {
        let after = Counts {
            f_evals: self.counts.f_evals + more.f_evals,
            g_evals: self.counts.g_evals + more.g_evals,
            hess_evals: self.counts.hess_evals + more.hess_evals,
            hvp_evals: self.counts.hvp_evals + more.hvp_evals,
            kfac_evals: self.counts.kfac_evals + more.kfac_evals,
            samples: self.counts.samples.saturating_add(more.samples),
        };
        if let Some(budget) = self.budget
            && after.grad_equiv(self.problem.dim()) > budget
        {
            crate::budget::exhaust(budget);
        }
        self.counts = after;
    }

    /// Tells the oracle which run it serves.
    pub fn with_run(mut self, run: RunInfo) -> Self {
        self.run = Some(run);
        self
    }

    /// The run this oracle serves, where the runner said.
    pub fn run(&self) -> Option<&RunInfo> {
        self.run.as_ref()
    }

    /// Whether the problem offers second derivatives ([`Oracle::hvp`] and [`Oracle::hessian`]).
    pub fn offers_second_order(&self) -> bool {
        self.problem.second_order().is_some()
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
        crate::vector::same_bits(&self.cache.x, x)
    }

    fn remember(&mut self, x: &[f64], value: Option<f64>, grad: Option<&[f64]>) {
        if !self.cached_at(x) {
            self.cache.x.copy_from_slice(x);
            self.cache.value = None;
            self.cache.has_grad = false;
            self.cache.grad_norm = None;
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
        let one = Counts {
            f_evals: 1,
            ..Counts::default()
        };
        if let Some(v) = self.draw(x, one, None) {
            return v;
        }
        self.charge(one);
        if self.cached_at(x)
            && let Some(v) = self.cache.value
        {
            return v;
        }
        let v = crate::alloc::in_problem(|| self.problem.value(x));
        self.remember(x, Some(v), None);
        v
    }

    /// Writes the gradient at `x` into `g`; counts one gradient evaluation.
    pub fn gradient(&mut self, x: &[f64], g: &mut [f64]) {
        let one = Counts {
            g_evals: 1,
            ..Counts::default()
        };
        if self.minibatches.is_some() {
            self.draw(x, one, Some(g));
            return;
        }
        self.charge(one);
        if self.cached_at(x) && self.cache.has_grad {
            g.copy_from_slice(&self.cache.grad);
            return;
        }
        crate::alloc::in_problem(|| self.problem.gradient(x, g));
        self.remember(x, None, Some(g));
    }

    /// The gradient at `x`, lent from the oracle's cache instead of copied into a buffer of the caller's;
    /// counts one gradient evaluation, as [`Oracle::gradient`]. For a method that reads the gradient once
    /// per step: where the runner has just measured at `x` (the usual case at the start of a step), this
    /// costs one comparison of `x` and no arithmetic or copy of the gradient.
    pub fn gradient_view(&mut self, x: &[f64]) -> &[f64] {
        let one = Counts {
            g_evals: 1,
            ..Counts::default()
        };
        if self.minibatches.is_some() {
            self.draw(x, one, None);
            return match &self.minibatches {
                Some(m) => &m.grad,
                None => &self.cache.grad,
            };
        }
        self.charge(one);
        let hit = self.cached_at(x);
        if !(hit && self.cache.has_grad) {
            if !hit {
                self.cache.x.copy_from_slice(x);
                self.cache.value = None;
                self.cache.grad_norm = None;
            }
            crate::alloc::in_problem(|| self.problem.gradient(x, &mut self.cache.grad));
            self.cache.has_grad = true;
        }
        &self.cache.grad
    }

    /// Writes the gradient at `x` into `g` and returns the value; counts one value and one gradient.
    pub fn value_and_gradient(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let one = Counts {
            f_evals: 1,
            g_evals: 1,
            ..Counts::default()
        };
        if self.minibatches.is_some() {
            return self.draw(x, one, Some(g)).unwrap_or(f64::NAN);
        }
        self.charge(one);
        self.fill(x, g)
    }

    /// The runner's measurement at `x`: the value and the gradient's norm, not charged to the optimizer.
    ///
    /// The gradient is computed straight into the cache (no copy), where the optimizer's next call at the
    /// same point finds it. Where [`Oracle::measure_ahead`] measured at this very vector, this costs no pass
    /// over it.
    pub(crate) fn measure(&mut self, x: &[f64]) -> (f64, f64) {
        if let Some(a) = self.ahead.take()
            && a.at == x.as_ptr() as usize
            && a.len == x.len()
        {
            return (a.value, a.grad_norm);
        }
        let hit = self.cached_at(x);
        if hit && let (Some(v), Some(n)) = (self.cache.value, self.cache.grad_norm) {
            return (v, n);
        }
        let value = match self.cache.value {
            Some(v) if hit && self.cache.has_grad => v,
            _ => {
                if !hit {
                    self.cache.x.copy_from_slice(x);
                }
                let v = crate::alloc::in_problem(|| {
                    self.problem.value_and_gradient(x, &mut self.cache.grad)
                });
                self.cache.value = Some(v);
                self.cache.has_grad = true;
                v
            }
        };
        let n = norm(&self.cache.grad);
        self.cache.grad_norm = Some(n);
        (value, n)
    }

    /// The runner's next measurement, made ahead of it by an optimizer that needs the gradient at its new
    /// iterate outside the oracle (an external client's answer, written where the client reads it): checks
    /// the iterate in `from`, takes it into `x`, writes the gradient there into `g` and returns the value, not
    /// charged. The oracle remembers the value and the gradient's norm as measured at the vector `x` (its
    /// address), so the runner's measurement of `x` costs nothing, and [`Oracle::charge_measured`] charges
    /// what the caller hands on. The caller must not write `x` before that measurement; the cache keeps no
    /// copy of the point (the next evaluation there is computed again).
    ///
    /// Where `from` has a non-finite coordinate, that coordinate and its index are returned, `x` is left as
    /// it was and nothing is evaluated. So the iterate is read once for the check and once for the copy, and
    /// `x` once by the evaluation.
    pub(crate) fn measure_ahead(
        &mut self,
        from: &[f64],
        x: &mut [f64],
        g: &mut [f64],
    ) -> Result<f64, (usize, f64)> {
        if let Some(bad) = crate::vector::first_non_finite(from) {
            return Err(bad);
        }
        x.copy_from_slice(from);
        let v = crate::alloc::in_problem(|| self.problem.value_and_gradient(x, g));
        self.ahead = Some(Ahead {
            at: x.as_ptr() as usize,
            len: x.len(),
            value: v,
            grad_norm: norm(g),
        });
        Ok(v)
    }

    /// Forgets a measurement made ahead ([`Oracle::measure_ahead`]): the caller wrote the vector it was made
    /// at.
    pub(crate) fn forget_ahead(&mut self) {
        self.ahead = None;
    }

    /// Charges the value (`value`) and the gradient (`gradient`) at the point last measured ahead
    /// ([`Oracle::measure_ahead`]) as [`Oracle::value`], [`Oracle::gradient`] or
    /// [`Oracle::value_and_gradient`] there would, without evaluating again: the caller hands on what
    /// `measure_ahead` wrote. Exact values only: under minibatches every charged evaluation is a fresh draw,
    /// so this charges nothing and returns false (the caller then asks for the draw).
    pub(crate) fn charge_measured(&mut self, value: bool, gradient: bool) -> bool {
        if self.minibatches.is_some() {
            return false;
        }
        self.charge(Counts {
            f_evals: u64::from(value),
            g_evals: u64::from(gradient),
            ..Counts::default()
        });
        true
    }

    fn fill(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        if self.cached_at(x)
            && self.cache.has_grad
            && let Some(v) = self.cache.value
        {
            g.copy_from_slice(&self.cache.grad);
            return v;
        }
        let v = crate::alloc::in_problem(|| self.problem.value_and_gradient(x, g));
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
        self.charge(Counts {
            hvp_evals: 1,
            ..Counts::default()
        });
        crate::alloc::in_problem(|| so.hvp(x, v, out));
        Ok(())
    }

    fn layered(&self) -> Result<&'p dyn Layered, StepError> {
        self.problem
            .layered()
            .ok_or_else(|| StepError::NotApplicable("the problem has no layer structure".into()))
    }

    /// Buffers for this problem's K-FAC factors (free: the layer structure is prior knowledge).
    pub fn kfac_buffers(&self) -> Result<KfacFactors, StepError> {
        Ok(KfacFactors::new(self.layered()?))
    }

    /// Computes K-FAC's Kronecker factors at `x` into `out` (from [`Oracle::kfac_buffers`]); counts one
    /// K-FAC evaluation.
    pub fn kfac_factors(&mut self, x: &[f64], out: &mut KfacFactors) -> Result<(), StepError> {
        let model = self.layered()?;
        self.charge(Counts {
            kfac_evals: 1,
            ..Counts::default()
        });
        out.compute(model, x);
        Ok(())
    }

    /// Writes the dense Hessian at `x` into `h` (`n x n`); counts one Hessian evaluation.
    pub fn hessian(&mut self, x: &[f64], h: &mut Mat<f64>) -> Result<(), StepError> {
        let so = self.second_order()?;
        self.charge(Counts {
            hess_evals: 1,
            ..Counts::default()
        });
        crate::alloc::in_problem(|| so.hessian(x, h));
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
        assert_eq!(o.measure(&x), (2.5, 5f64.sqrt()));
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
        // A lent gradient is counted like a copied one and agrees with it; at the measured point it is
        // served without arithmetic.
        let z = [3.0, -1.0];
        assert_eq!(o.gradient_view(&z), &[3.0, -1.0]);
        assert_eq!(o.counts().g_evals, 2);
        assert_eq!(p.work.load(Ordering::Relaxed), 4);
        assert_eq!(o.measure(&x), (2.5, 5f64.sqrt()));
        assert_eq!(p.work.load(Ordering::Relaxed), 6);
        assert_eq!(o.gradient_view(&x), &[1.0, 2.0]);
        assert_eq!(o.counts().g_evals, 3);
        assert_eq!(p.work.load(Ordering::Relaxed), 6);
    }

    #[test]
    fn a_measurement_made_ahead_is_the_measurement_and_charges_only_what_is_handed_on() {
        let p = Bowl {
            work: AtomicU64::new(0),
        };
        let mut o = Oracle::new(&p);
        let (mut x, mut g) = ([0.0; 2], [0.0; 2]);
        // f = (9 + 16) / 2, g = x, ||g|| = 5: the value and gradient written where the caller asked.
        assert_eq!(o.measure_ahead(&[3.0, -4.0], &mut x, &mut g), Ok(12.5));
        assert_eq!((x, g), ([3.0, -4.0], [3.0, -4.0]));
        assert_eq!(o.counts(), Counts::default(), "not charged");
        let work = p.work.load(Ordering::Relaxed);
        assert_eq!(o.measure(&x), (12.5, 5.0));
        assert_eq!(
            p.work.load(Ordering::Relaxed),
            work,
            "the runner's measurement found it"
        );
        assert!(o.charge_measured(true, true));
        assert!(o.charge_measured(false, true));
        assert_eq!((o.counts().f_evals, o.counts().g_evals), (1, 2));
        assert_eq!(
            p.work.load(Ordering::Relaxed),
            work,
            "charging evaluates nothing"
        );
        // The cache keeps no gradient of its own there: one asked for is computed, and equals g.
        let mut again = [0.0; 2];
        o.gradient(&x, &mut again);
        assert_eq!(again, g);
        // Made ahead at one vector, the measurement is not that of another holding the same numbers, nor of
        // the same vector once forgotten (its owner wrote it): those are measured afresh, and agree.
        let mut y = [0.0; 2];
        assert_eq!(o.measure_ahead(&[0.0, 2.0], &mut y, &mut g), Ok(2.0));
        let copy = y;
        let work = p.work.load(Ordering::Relaxed);
        assert_eq!(o.measure(&copy), (2.0, 2.0));
        assert!(
            p.work.load(Ordering::Relaxed) > work,
            "another vector: measured"
        );
        assert_eq!(o.measure_ahead(&[0.0, 4.0], &mut y, &mut g), Ok(8.0));
        o.forget_ahead();
        y = [1.0, 0.0];
        assert_eq!(
            o.measure(&y),
            (0.5, 1.0),
            "forgotten: the vector as written now"
        );
        // A non-finite coordinate is named; x is left as it was and nothing is known at the bad point.
        assert_eq!(
            o.measure_ahead(&[1.0, f64::INFINITY], &mut x, &mut g),
            Err((1, f64::INFINITY))
        );
        assert_eq!(x, [3.0, -4.0]);
        let work = p.work.load(Ordering::Relaxed);
        assert_eq!(o.measure(&[0.0, 1.0]), (0.5, 1.0));
        assert!(p.work.load(Ordering::Relaxed) > work, "measured afresh");
    }

    #[test]
    fn grad_equivalents_charge_a_hessian_as_n_gradients() {
        let c = Counts {
            f_evals: 7,
            g_evals: 5,
            hess_evals: 2,
            hvp_evals: 3,
            kfac_evals: 4,
            samples: 0,
        };
        assert_eq!(c.grad_equiv(10), 7 + 3 + 20 + 4);
    }
}
