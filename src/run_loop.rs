//! The one loop that steps an optimizer. Every run of a sweep, `inspect --conditioning` and the benches
//! go through [`run`]; what is measured along the way (the trace, the memory held, the saddle escape, the
//! final diagnosis, the preconditioner) is an [`Observer`] of it (argmin's `Executor` with `Observe` is the
//! model), so budgets and minibatches apply everywhere and a new measurement is a new observer.
//!
//! The loop owns the stop rule: after each step it measures `f` and `||g||` through the oracle's uncharged
//! measurement, asks [`StopRule::verdict`], and ends the run on a verdict, a budget or an optimizer's
//! error. Optimizer time (inside `start` and `step`) and measurement time (the measurement and the
//! observers) are kept apart. A step allocates nothing here: observers that record keep their own buffers.

use std::time::Instant;

use crate::budget::Exhausted;
use crate::optimizer::{DynOptimizer, StepError, Stepper};
use crate::oracle::Oracle;
use crate::stop::{Measure, Status, StopRule};
use crate::vector::distance;

/// A measurement riding on the loop. Every hook has an empty default; observers are called in the order
/// given to [`run`].
pub trait Observer {
    /// Before the optimizer starts, with the start `x_0` and its measurement (iteration 0).
    fn started(&mut self, x: &[f64], m: &Measure, oracle: &Oracle) {
        let _ = (x, m, oracle);
    }

    /// Right after the optimizer's start, or a step, returned, before anything is measured.
    fn stepped(&mut self) {}

    /// After a step has been measured, with the stop rule's verdict (`Some` when the run ends here).
    fn measured(&mut self, x: &[f64], m: &Measure, oracle: &Oracle, verdict: Option<Status>) {
        let _ = (x, m, oracle, verdict);
    }

    /// Once, when the run has ended with `status` at `x` (the last measurement `last`); `stepper` is the
    /// running optimizer, already told to finish, where it started.
    fn ended(&mut self, x: &[f64], last: &Measure, status: Status, stepper: Option<&dyn Stepper>) {
        let _ = (x, last, status, stepper);
    }
}

impl StopRule {
    /// The rule of a run that only counts steps: `max_iters = steps`, no tolerance, no evaluation or time
    /// budget, and divergence only at a non-finite value or gradient.
    pub fn steps_only(steps: u64) -> StopRule {
        StopRule {
            grad_rtol: None,
            grad_atol: None,
            f_tol: None,
            f_tol_hold: None,
            x_rtol: None,
            max_iters: steps,
            max_evals: None,
            time_limit_s: None,
            diverge_factor: f64::INFINITY,
            client: false,
        }
    }
}

/// What the loop needs besides the optimizer, the oracle and the iterate.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    /// The stop rule.
    pub stop: &'a StopRule,
    /// `f*`, where known (for `f_tol` and the gap).
    pub f_star: Option<f64>,
    /// `x*`, where known (for `x_rtol`).
    pub x_star: Option<&'a [f64]>,
    /// When the run started (for `time_limit_s` and the trace's times).
    pub started: Instant,
}

/// How the loop ended.
#[derive(Debug, Clone)]
pub struct Ended {
    /// The status.
    pub status: Status,
    /// Why it failed, stopped or hit a budget, where there is something to say.
    pub message: Option<String>,
    /// The measurement at `x_0`.
    pub first: Measure,
    /// The last measurement (at the last completed iterate).
    pub last: Measure,
    /// Seconds inside the optimizer's `step`s.
    pub optimizer_time_s: f64,
    /// Seconds inside its `start` (an external client's start-up), kept apart from its steps and left out
    /// of the measurements' times and of `time_limit_s`.
    pub start_time_s: f64,
    /// Seconds in the loop's measurements and its observers.
    pub measure_time_s: f64,
}

fn exhausted(e: Exhausted) -> String {
    format!("the next evaluation would exceed max_evals = {}", e.budget)
}

fn failure(e: StepError) -> (Status, Option<String>) {
    match e {
        StepError::Failed(m) => (Status::Failed, Some(m)),
        StepError::NotApplicable(m) => (Status::NotApplicable, Some(m)),
        StepError::Stopped(m) => (Status::Stopped, Some(m)),
    }
}

/// Runs `optimizer` from `x` (moved in place to the run's last iterate) until the stop rule, a budget or
/// the optimizer ends it, telling `observers` what happens.
pub fn run(
    optimizer: &dyn DynOptimizer,
    x: &mut [f64],
    oracle: &mut Oracle,
    setup: Setup<'_>,
    observers: &mut [&mut dyn Observer],
) -> Ended {
    let stop = setup.stop;
    let n = x.len();
    // A step ended by the budget may have moved x part way: it goes back to the last completed iterate.
    // (Kept only under a budget, so unbudgeted runs pay no copy.)
    let mut before_step = stop.max_evals.map(|_| x.to_vec());
    let mut optimizer_time_s = 0.0;
    let mut start_time_s = 0.0;
    let mut measure_time_s = 0.0;

    let t = Instant::now();
    let (f0, gn0) = oracle.measure(x);
    let x_err0 = setup.x_star.map(|s| distance(x, s));
    let mut first = Measure {
        iter: 0,
        evals: 0,
        elapsed_s: setup.started.elapsed().as_secs_f64(),
        value: f0,
        grad_norm: gn0,
        grad_norm0: gn0,
        gap: setup.f_star.map(|f| f0 - f),
        x_ratio: x_err0.and_then(|e| (e > 0.0).then_some(1.0)),
        f_tol_since: None,
    };
    first.f_tol_since = first.hold_from(stop, None);
    for o in observers.iter_mut() {
        o.started(x, &first, oracle);
    }
    measure_time_s += t.elapsed().as_secs_f64();

    let mut last = first;
    let mut message = None;
    let mut status = stop.verdict(&last);
    let mut stepper: Option<Box<dyn Stepper + '_>> = None;
    if status.is_none() {
        let t = Instant::now();
        match crate::budget::within(|| optimizer.start(x, oracle)) {
            Ok(Ok(s)) => stepper = Some(s),
            Ok(Err(e)) => {
                let (s, m) = failure(e);
                (status, message) = (Some(s), m);
            }
            Err(e) => (status, message) = (Some(Status::MaxEvals), Some(exhausted(e))),
        }
        start_time_s = t.elapsed().as_secs_f64();
    }
    if let Some(stepper) = stepper.as_mut() {
        loop {
            let t = Instant::now();
            if let Some(saved) = before_step.as_mut() {
                saved.copy_from_slice(x);
            }
            let stepped = crate::budget::within(|| stepper.step(x, oracle));
            if let (Err(_), Some(saved)) = (&stepped, &before_step) {
                x.copy_from_slice(saved);
                oracle.forget_ahead();
            }
            optimizer_time_s += t.elapsed().as_secs_f64();
            for o in observers.iter_mut() {
                o.stepped();
            }
            let t = Instant::now();
            let (value, grad_norm) = oracle.measure(x);
            let previous_since = last.f_tol_since;
            let iter = last.iter + u64::from(matches!(stepped, Ok(Ok(_))));
            last = Measure {
                iter,
                evals: oracle.counts().grad_equiv(n),
                elapsed_s: setup.started.elapsed().as_secs_f64() - start_time_s,
                value,
                grad_norm,
                grad_norm0: gn0,
                gap: setup.f_star.map(|f| value - f),
                // Only the x_rtol test reads it: a pass over x and x* saved otherwise.
                x_ratio: setup
                    .x_star
                    .zip(x_err0)
                    .filter(|_| stop.x_rtol.is_some())
                    .and_then(|(s, e0)| (e0 > 0.0).then(|| distance(x, s) / e0)),
                f_tol_since: None,
            };
            last.f_tol_since = last.hold_from(stop, previous_since);
            let verdict = match stepped {
                Ok(Ok(_)) => stop.verdict(&last),
                // The budget ended the step: the last completed iterate is the run's end.
                Err(e) => {
                    message = Some(exhausted(e));
                    Some(Status::MaxEvals)
                }
                // The optimizer ended on its own: the stop rule's verdict at this point if one holds; under
                // `client = true` its own test is the rule, so it has converged.
                Ok(Err(StepError::Stopped(m))) if stop.verdict(&last).is_some() || stop.client => {
                    message = Some(m);
                    stop.verdict(&last).or(Some(Status::Converged))
                }
                Ok(Err(e)) => {
                    let (s, m) = failure(e);
                    message = m;
                    Some(s)
                }
            };
            for o in observers.iter_mut() {
                o.measured(x, &last, oracle, verdict);
            }
            measure_time_s += t.elapsed().as_secs_f64();
            if let Some(s) = verdict {
                stepper.finish(s);
                status = verdict;
                break;
            }
        }
    }
    let status = status.unwrap_or(Status::Failed);
    let t = Instant::now();
    for o in observers.iter_mut() {
        o.ended(x, &last, status, stepper.as_deref());
    }
    measure_time_s += t.elapsed().as_secs_f64();
    Ended {
        status,
        message,
        first,
        last,
        optimizer_time_s,
        start_time_s,
        measure_time_s,
    }
}
