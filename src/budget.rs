//! The evaluation budget (`max_evals`), enforced by the oracle itself.
//!
//! An evaluation that would take the run past its budget of gradient-equivalent evaluations is not made and
//! not counted: the oracle unwinds out of the optimizer's step with an [`Exhausted`] payload (through
//! `std::panic::resume_unwind`, so no panic message is printed), and the runner catches it with [`within`]
//! and ends the run `max-evals` at its last completed iterate. So a run never exceeds its budget, whatever
//! the optimizer does inside one step (a line search, a client's requests). Any other unwind goes on as it
//! was, to be recorded as a panic.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// The payload of the unwind that ends a step whose next evaluation would exceed the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted {
    /// The budget, in gradient-equivalent evaluations.
    pub budget: u64,
}

/// Ends the current step: called by the oracle instead of an evaluation past the budget.
pub(crate) fn exhaust(budget: u64) -> ! {
    resume_unwind(Box::new(Exhausted { budget }))
}

/// Runs `f` (an optimizer's `init` or `step`); `Err` when it was ended by an evaluation past the budget.
pub fn within<T>(f: impl FnOnce() -> T) -> Result<T, Exhausted> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Ok(v),
        Err(payload) => match payload.downcast::<Exhausted>() {
            Ok(e) => Err(*e),
            Err(other) => resume_unwind(other),
        },
    }
}
