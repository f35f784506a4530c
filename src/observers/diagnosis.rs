//! The diagnosis of a run's final point (minimum, saddle, maximum, ...), when its spec asks for one
//! (`diagnose = true`): the Hessian's spectrum where the run ended ([`crate::spectrum::diagnosis`]).

use crate::optimizer::Stepper;
use crate::problem::Problem;
use crate::record::Diagnosis;
use crate::run_loop::Observer;
use crate::spectrum::diagnosis::{diagnose, grad_bound};
use crate::stop::{Measure, Status, StopRule};

/// Diagnoses the point a run ends at.
pub struct FinalDiagnosis<'a> {
    problem: &'a dyn Problem,
    stop: &'a StopRule,
    seed: u64,
    /// The diagnosis, once the run has ended (`None` where the problem has no Hessian or the point is not
    /// finite).
    pub diagnosis: Option<Diagnosis>,
}

impl<'a> FinalDiagnosis<'a> {
    /// Diagnoses the end of a run of `problem` under `stop`, with `seed` for the Lanczos start.
    pub fn new(problem: &'a dyn Problem, stop: &'a StopRule, seed: u64) -> Self {
        FinalDiagnosis {
            problem,
            stop,
            seed,
            diagnosis: None,
        }
    }
}

impl Observer for FinalDiagnosis<'_> {
    fn ended(&mut self, x: &[f64], last: &Measure, _s: Status, _st: Option<&dyn Stepper>) {
        let bound = grad_bound(self.stop, last.grad_norm0);
        self.diagnosis = diagnose(self.problem, x, last.grad_norm, bound, self.seed);
    }
}
