//! One line-search driver for the methods that choose a direction and search along it (gd with Armijo,
//! cg, bfgs, lbfgs, newton-cg), as argmin makes its solvers generic over a line search, with `f64` and
//! slices only.
//!
//! A method implements [`Direction`]: its memory, the direction it proposes, and what it learns from an
//! accepted step. [`descend`] is the step written once: propose; restart along `-g` when the method has no
//! direction yet or proposes one that does not descend (or whose first trial step is unusable); search
//! with the method's [`LineSearch`]; accept (the method updates its memory, then the iterate moves). The
//! rules themselves ([`Armijo`], [`StrongWolfe`]) stay in [`super::line_search`].

use super::line_search::{Armijo, StrongWolfe};
use crate::optimizer::{StepError, StepInfo};
use crate::oracle::Oracle;
use crate::vector::{dot, norm};

/// What an accepted step found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    /// The step length `a`.
    pub step: f64,
    /// `f(x + a d)`.
    pub value: f64,
}

/// A rule that picks the step length along a descent direction.
pub trait LineSearch {
    /// Whether every trial evaluates the gradient too, so that the accepted point's gradient comes back in
    /// `g_trial` (and the driver keeps value and gradient from one step to the next). Otherwise the driver
    /// evaluates both at the start of each step, and the first trial step is the rule's own.
    const GRADIENTS: bool;

    /// Searches along `d` from `x` (`f(x) = fx`, gradient `g`) from the trial step `first`; leaves the
    /// accepted point in `trial` (and, with [`LineSearch::GRADIENTS`], its gradient in `g_trial`).
    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        oracle: &mut Oracle,
        x: &[f64],
        fx: f64,
        g: &[f64],
        d: &[f64],
        first: f64,
        trial: &mut [f64],
        g_trial: &mut [f64],
    ) -> Result<Found, StepError>;
}

impl LineSearch for Armijo {
    const GRADIENTS: bool = false;

    fn search(
        &self,
        oracle: &mut Oracle,
        x: &[f64],
        fx: f64,
        g: &[f64],
        d: &[f64],
        _first: f64,
        trial: &mut [f64],
        _g_trial: &mut [f64],
    ) -> Result<Found, StepError> {
        let a = Armijo::search(self, oracle, x, fx, g, d, trial)?;
        Ok(Found {
            step: a.step,
            value: a.value,
        })
    }
}

impl LineSearch for StrongWolfe {
    const GRADIENTS: bool = true;

    fn search(
        &self,
        oracle: &mut Oracle,
        x: &[f64],
        fx: f64,
        g: &[f64],
        d: &[f64],
        first: f64,
        trial: &mut [f64],
        g_trial: &mut [f64],
    ) -> Result<Found, StepError> {
        let w = StrongWolfe::search(self, oracle, x, fx, g, d, first, trial, g_trial)?;
        Ok(Found {
            step: w.step,
            value: w.value,
        })
    }
}

/// A method that proposes search directions.
pub trait Direction {
    /// What the method remembers between steps.
    type Memory: Send;
    /// Its line search.
    type Search: LineSearch;

    /// The line search.
    fn line_search(&self) -> &Self::Search;

    /// Fresh memory for dimension `n`.
    fn memory(&self, n: usize) -> Self::Memory;

    /// Writes the method's direction at `x` (gradient `g`) into `d` and returns `true`, or returns `false`
    /// when it has none yet (the driver then restarts along `-g`). `d` holds the previous direction.
    fn propose(
        &self,
        memory: &mut Self::Memory,
        x: &[f64],
        g: &[f64],
        d: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<bool, StepError>;

    /// The first trial step along a proposed direction of slope `g'd = slope < 0` (by default 1, the
    /// quasi-Newton step).
    fn first_step(&self, memory: &Self::Memory, slope: f64) -> f64 {
        let _ = (memory, slope);
        1.0
    }

    /// Forgets what the method learned (before a restart along `-g`).
    fn restart(&self, memory: &mut Self::Memory) {
        let _ = memory;
    }

    /// Learns from an accepted step (by default nothing); may write the next direction into `d`.
    fn accept(&self, memory: &mut Self::Memory, step: &Move<'_>, d: &mut [f64]) {
        let _ = (memory, step, d);
    }
}

/// An accepted step `x -> trial`, as [`Direction::accept`] sees it.
pub struct Move<'a> {
    /// Where the step started.
    pub x: &'a [f64],
    /// Where it ended.
    pub trial: &'a [f64],
    /// The gradient at `x`.
    pub g: &'a [f64],
    /// The gradient at `trial` (empty where the line search does not evaluate it).
    pub g_trial: &'a [f64],
    /// `g'd` at `x` along the direction searched.
    pub slope: f64,
    /// What the search found.
    pub found: Found,
}

/// The `init` and `step` of a [`Direction`] method's `impl Optimizer`, for its state type: the driver's.
macro_rules! driven_steps {
    ($state:ty) => {
        fn init(
            &self,
            x0: &[f64],
            oracle: &mut $crate::oracle::Oracle,
        ) -> Result<$state, $crate::optimizer::StepError> {
            Ok($crate::optimizers::descent::start(self, x0, oracle))
        }

        fn step(
            &self,
            st: &mut $state,
            x: &mut [f64],
            oracle: &mut $crate::oracle::Oracle,
        ) -> Result<$crate::optimizer::StepInfo, $crate::optimizer::StepError> {
            $crate::optimizers::descent::descend(self, st, x, oracle)
        }
    };
}
pub(crate) use driven_steps;

/// The memory of a run of a direction method under the driver.
pub struct DescentState<M> {
    /// `f(x)` (kept from the last accepted trial when the search evaluates gradients).
    pub value: f64,
    /// `g(x)`.
    pub grad: Vec<f64>,
    /// The search direction.
    pub direction: Vec<f64>,
    /// The trial point.
    pub trial: Vec<f64>,
    /// Its gradient.
    pub grad_trial: Vec<f64>,
    /// The method's own memory.
    pub memory: M,
}

/// What the driver's state holds for a method searching with `S` ([`DescentState`]): the gradient, the
/// direction and the trial point, and the trial point's gradient where the search evaluates it.
pub fn footprint<S: LineSearch>() -> crate::footprint::Footprint {
    let driver = crate::footprint::Footprint::none().vectors(3, "gradient, direction, trial point");
    if S::GRADIENTS {
        driver.vectors(1, "trial gradient")
    } else {
        driver
    }
}

/// The state at `x0`: value and gradient evaluated there when the search keeps them between steps.
pub fn start<D: Direction>(method: &D, x0: &[f64], oracle: &mut Oracle) -> DescentState<D::Memory> {
    let n = x0.len();
    let mut grad = vec![0.0; n];
    let value = if D::Search::GRADIENTS {
        oracle.value_and_gradient(x0, &mut grad)
    } else {
        f64::NAN
    };
    DescentState {
        value,
        direction: grad.iter().map(|g| -g).collect(),
        grad,
        trial: vec![0.0; n],
        grad_trial: if D::Search::GRADIENTS {
            vec![0.0; n]
        } else {
            Vec::new()
        },
        memory: method.memory(n),
    }
}

/// One step: propose, restart along `-g` where needed, search, accept.
pub fn descend<D: Direction>(
    method: &D,
    st: &mut DescentState<D::Memory>,
    x: &mut [f64],
    oracle: &mut Oracle,
) -> Result<StepInfo, StepError> {
    if !D::Search::GRADIENTS {
        st.value = oracle.value_and_gradient(x, &mut st.grad);
    }
    let own = method.propose(&mut st.memory, x, &st.grad, &mut st.direction, oracle)?;
    let mut slope = if own {
        dot(&st.grad, &st.direction)
    } else {
        f64::NAN
    };
    let mut first = if slope < 0.0 {
        method.first_step(&st.memory, slope)
    } else {
        f64::NAN
    };
    if !(slope < 0.0 && first.is_finite() && first > 0.0) {
        method.restart(&mut st.memory);
        for (d, g) in st.direction.iter_mut().zip(&st.grad) {
            *d = -g;
        }
        if D::Search::GRADIENTS {
            slope = -dot(&st.grad, &st.grad);
            first = 1.0 / norm(&st.grad);
        }
    }
    let found = method.line_search().search(
        oracle,
        x,
        st.value,
        &st.grad,
        &st.direction,
        first,
        &mut st.trial,
        &mut st.grad_trial,
    )?;
    let step = Move {
        x,
        trial: &st.trial,
        g: &st.grad,
        g_trial: &st.grad_trial,
        slope,
        found,
    };
    method.accept(&mut st.memory, &step, &mut st.direction);
    x.copy_from_slice(&st.trial);
    if D::Search::GRADIENTS {
        std::mem::swap(&mut st.grad, &mut st.grad_trial);
        st.value = found.value;
    }
    Ok(StepInfo {
        step_size: Some(found.step),
    })
}
