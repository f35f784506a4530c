//! Line searches shared by the optimizers that need one.
//!
//! [`Armijo`]: backtracking until the sufficient-decrease condition
//! `f(x + a d) <= f(x) + c1 a g'd` holds (Armijo 1966; Nocedal and Wright 2006, Algorithm 3.1).

use crate::optimizer::StepError;
use crate::oracle::Oracle;
use crate::params::{ParamError, in_range, positive};
use crate::vector::{dot, step_to};

/// Backtracking line search with the Armijo condition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Armijo {
    /// Sufficient-decrease constant `c1` in (0, 1).
    pub c1: f64,
    /// Factor by which a rejected step shrinks, in (0, 1).
    pub shrink: f64,
    /// The first step tried at every iteration.
    pub initial_step: f64,
    /// Rejected steps allowed before the search fails.
    pub max_backtracks: u32,
}

impl Default for Armijo {
    fn default() -> Self {
        Armijo {
            c1: 1e-4,
            shrink: 0.5,
            initial_step: 1.0,
            max_backtracks: 60,
        }
    }
}

/// What an accepted step found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accepted {
    /// The step length `a`.
    pub step: f64,
    /// `f(x + a d)`.
    pub value: f64,
}

impl Armijo {
    /// Checks the constants, naming the key at fault.
    pub fn check(&self) -> Result<(), ParamError> {
        in_range("c1", self.c1, f64::MIN_POSITIVE, 0.5)?;
        in_range("shrink", self.shrink, 1e-3, 0.999)?;
        positive("initial_step", self.initial_step)?;
        if self.max_backtracks == 0 {
            return Err(ParamError::key(
                "max_backtracks",
                "`max_backtracks` must be at least 1",
            ));
        }
        Ok(())
    }

    /// Searches along `d` from `x`, where `f(x) = fx` and the gradient is `g`; leaves the accepted point
    /// in `trial`.
    pub fn search(
        &self,
        oracle: &mut Oracle,
        x: &[f64],
        fx: f64,
        g: &[f64],
        d: &[f64],
        trial: &mut [f64],
    ) -> Result<Accepted, StepError> {
        let slope = dot(g, d);
        if slope.is_nan() || slope >= 0.0 {
            return Err(StepError::Failed(format!(
                "not a descent direction (g'd = {slope:e})"
            )));
        }
        let mut step = self.initial_step;
        for _ in 0..=self.max_backtracks {
            step_to(x, step, d, trial);
            if trial == x {
                return Err(StepError::Failed(format!(
                    "Armijo line search: the step shrank to {step:e} without moving x and without decrease"
                )));
            }
            let value = oracle.value(trial);
            if value <= fx + self.c1 * step * slope {
                return Ok(Accepted { step, value });
            }
            step *= self.shrink;
        }
        Err(StepError::Failed(format!(
            "Armijo line search found no decrease in {} backtracks (last step {step:e})",
            self.max_backtracks
        )))
    }
}
