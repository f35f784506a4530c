//! The sharpness along a run, when its spec asks for it (`[sharpness]`, see [`crate::record::sharpness`]):
//! the Hessian's largest eigenvalue `lambda_max` (and, on request, a few eigenvalues at both ends of the
//! spectrum) at iteration 0, at every multiple of `every` and at the last iterate, by the Lanczos process
//! on Hessian-vector products ([`crate::spectrum::ends::lanczos_ends`]) to the spec's relative residual
//! `rel_tol` or its step cap `max_steps`, with the objective at the same iterates.
//!
//! The measurement is free for the optimizer: its Hessian-vector products go to the problem directly, not
//! through the [`Oracle`], so they are not counted among the run's evaluations, draw on no budget and
//! leave the oracle's cache alone; the run's iterates, counts and stop are the same with or without it
//! (its time is the loop's measurement time, not the optimizer's). The Lanczos start vectors come from a
//! generator seeded by the run's seed, so a run's series is reproducible.
//!
//! A problem without Hessian-vector products has no sharpness: planning refuses `[sharpness]` on it, and a
//! run that meets one anyway records an empty series with a note saying so.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::optimizer::Stepper;
use crate::oracle::Oracle;
use crate::problem::Problem;
use crate::record::{SharpnessFact, SharpnessPoint, SharpnessSpec};
use crate::run_loop::Observer;
use crate::spectrum::ends::lanczos_ends;
use crate::stop::{Measure, Status};

/// Mixed into the run's seed for the Lanczos start vectors, so that they are not the problem's draws.
const STREAM: u64 = 0x5348_4152_504e_4553;

/// Measures the sharpness of a run of one problem.
pub struct SharpnessWatch<'a> {
    problem: &'a dyn Problem,
    spec: SharpnessSpec,
    rng: ChaCha8Rng,
    last_iter: Option<u64>,
    stopped: bool,
    /// The series, complete once the run has ended.
    pub fact: SharpnessFact,
}

impl<'a> SharpnessWatch<'a> {
    /// Watches a run of `problem` with seed `seed` as `spec` asks.
    pub fn new(problem: &'a dyn Problem, spec: SharpnessSpec, seed: u64) -> Self {
        SharpnessWatch {
            problem,
            spec,
            rng: ChaCha8Rng::seed_from_u64(seed ^ STREAM),
            last_iter: None,
            stopped: false,
            fact: SharpnessFact {
                spec,
                points: Vec::new(),
                note: None,
            },
        }
    }

    fn stop(&mut self, note: String) {
        self.stopped = true;
        self.fact.note = Some(note);
    }

    /// Measures at `x` (iteration `m.iter`), once per iteration.
    fn measure(&mut self, x: &[f64], m: &Measure) {
        if self.stopped || self.last_iter == Some(m.iter) {
            return;
        }
        self.last_iter = Some(m.iter);
        let Some(so) = self.problem.second_order() else {
            self.stop("the problem has no Hessian-vector products".into());
            return;
        };
        if !m.value.is_finite() || !x.iter().all(|v| v.is_finite()) {
            self.stop(format!(
                "the iterate is not finite from iteration {}",
                m.iter
            ));
            return;
        }
        let mut hvp = |v: &[f64], out: &mut [f64]| so.hvp(x, v, out);
        let ends = lanczos_ends(
            &mut hvp,
            x.len(),
            self.spec.extremes,
            self.spec.max_steps,
            self.spec.rel_tol,
            &mut self.rng,
        );
        match ends {
            Ok(e) if e.highest.iter().chain(&e.lowest).all(|v| v.is_finite()) => {
                self.fact.points.push(SharpnessPoint {
                    iter: m.iter,
                    value: m.value,
                    highest: e.highest,
                    lowest: e.lowest,
                    residual: e.residual,
                    steps: e.steps,
                });
            }
            Ok(_) => self.stop(format!(
                "the Hessian has non-finite eigenvalues at iteration {}",
                m.iter
            )),
            Err(why) => self.stop(format!("at iteration {}: {why}", m.iter)),
        }
    }
}

impl Observer for SharpnessWatch<'_> {
    fn started(&mut self, x: &[f64], m: &Measure, _oracle: &Oracle) {
        self.measure(x, m);
    }

    fn measured(&mut self, x: &[f64], m: &Measure, _o: &Oracle, _v: Option<Status>) {
        if m.iter.is_multiple_of(self.spec.every) {
            self.measure(x, m);
        }
    }

    fn ended(&mut self, x: &[f64], last: &Measure, _s: Status, _st: Option<&dyn Stepper>) {
        self.measure(x, last);
    }
}
