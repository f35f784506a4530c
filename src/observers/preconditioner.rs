//! The preconditioner an optimizer has formed by the end of a run, read from its own state
//! ([`crate::optimizer::Stepper::preconditioner`]), with the last finite iterate and the steps taken to
//! it: what `inspect --conditioning` measures the effective condition number with.

use crate::optimizer::Stepper;
use crate::oracle::Oracle;
use crate::preconditioner::Formed;
use crate::run_loop::Observer;
use crate::stop::{Measure, Status};

/// Captures the preconditioner at the end of a run.
#[derive(Debug, Default)]
pub struct FormedPreconditioner {
    /// The last iterate at which value and gradient were finite.
    pub point: Vec<f64>,
    /// The iterations to that point.
    pub steps: u64,
    /// The preconditioner read from the optimizer's state at the end (`None` where the run could not start
    /// or the state holds none yet).
    pub formed: Option<Formed>,
}

impl Observer for FormedPreconditioner {
    fn started(&mut self, x: &[f64], _m: &Measure, _oracle: &Oracle) {
        self.point = x.to_vec();
    }

    fn measured(&mut self, x: &[f64], m: &Measure, _o: &Oracle, _v: Option<Status>) {
        let finite =
            m.value.is_finite() && m.grad_norm.is_finite() && x.iter().all(|v| v.is_finite());
        if finite {
            self.point.copy_from_slice(x);
            self.steps = m.iter;
        }
    }

    fn ended(&mut self, _x: &[f64], _l: &Measure, _s: Status, stepper: Option<&dyn Stepper>) {
        self.formed = stepper.and_then(|s| s.preconditioner());
    }
}
