//! The runner: it owns the loop, every stop test, timing and measurement.
//!
//! One run = problem instance x optimizer x seed x stop rule. A run never crashes a sweep: a build error or
//! a step error is a `failed` outcome, a capability the problem lacks is `not-applicable`, and a panic
//! inside one run is caught and recorded as `failed` with its message. Runs are independent and seeded
//! from their spec alone, so a sweep gives the same records for any number of jobs.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::optimizer::StepError;
use crate::optimizers::Checked;
use crate::oracle::Oracle;
use crate::problems::Instance;
use crate::stop::{Measure, Status};
use crate::store::{self, Outcome, Provenance, RunRecord, RunSpec, StoreError, Timing};
use crate::trace::{Ladder, TracePoint};
use crate::vector::{distance, norm};

/// Largest dimension for which a run keeps its final point.
pub const KEEP_FINAL_X_MAX_DIM: usize = 100;

/// Largest dimension for which every trace point keeps its iterate (the path drawn over contour lines).
pub const KEEP_PATH_MAX_DIM: usize = 2;

/// One run of a sweep, ready to execute.
pub struct PlannedRun {
    /// What is run; its hash is the run id.
    pub spec: RunSpec,
    /// The run id.
    pub run_id: String,
    /// The problem instance.
    pub instance: Arc<Instance>,
    /// The optimizer.
    pub optimizer: Arc<Checked>,
}

/// Runs one planned run to its outcome. Never panics: a panic inside the run is recorded as `failed`.
pub fn execute(run: &PlannedRun) -> RunRecord {
    let started = Instant::now();
    match catch_unwind(AssertUnwindSafe(|| drive(run, started))) {
        Ok(record) => record,
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".into());
            let mut record = blank(run, Status::Failed, format!("panic: {text}"));
            record.timing.wall_time_s = started.elapsed().as_secs_f64();
            record
        }
    }
}

fn blank(run: &PlannedRun, status: Status, message: String) -> RunRecord {
    RunRecord {
        format: store::FORMAT,
        run_id: run.run_id.clone(),
        spec: run.spec.clone(),
        outcome: Outcome {
            status,
            message: Some(message),
            dim: 0,
            iterations: 0,
            counts: Default::default(),
            grad_equiv_evals: 0,
            initial_value: f64::NAN,
            final_value: f64::NAN,
            optimum_value: None,
            initial_grad_norm: f64::NAN,
            final_grad_norm: f64::NAN,
            final_x_error: None,
            final_x: None,
        },
        trace: Vec::new(),
        provenance: Provenance::current(),
        timing: Timing::default(),
    }
}

fn drive(run: &PlannedRun, started: Instant) -> RunRecord {
    let missing = run
        .instance
        .capabilities()
        .missing(&run.optimizer.optimizer.requires());
    if !missing.is_empty() {
        return blank(
            run,
            Status::NotApplicable,
            format!(
                "{} needs {}",
                run.spec.optimizer.name,
                missing.join(" and ")
            ),
        );
    }
    let (problem, mut x) = match run.instance.build(run.spec.seed) {
        Ok(built) => built,
        Err(e) => {
            return blank(
                run,
                Status::Failed,
                format!("building the problem failed: {e}"),
            );
        }
    };
    let stop = &run.spec.stop;
    let n = problem.dim();
    let optimum = problem.optimum();
    let x_star = optimum.as_ref().and_then(|o| o.point.clone());
    let f_star = optimum.as_ref().map(|o| o.value);
    let mut oracle = Oracle::new(problem.as_ref());
    let mut g = vec![0.0; n];
    let mut timing = Timing::default();
    let mut trace = Vec::new();
    let mut ladder = Ladder::default();

    let t = Instant::now();
    let f0 = oracle.measure(&x, &mut g);
    let gn0 = norm(&g);
    timing.measure_time_s += t.elapsed().as_secs_f64();
    let x_err0 = x_star.as_ref().map(|s| distance(&x, s));
    let mut last = Measure {
        iter: 0,
        evals: 0,
        elapsed_s: started.elapsed().as_secs_f64(),
        value: f0,
        grad_norm: gn0,
        grad_norm0: gn0,
        gap: f_star.map(|f| f0 - f),
        x_ratio: x_err0.and_then(|e| (e > 0.0).then_some(1.0)),
    };
    let record_point = |m: &Measure,
                        x: &[f64],
                        oracle: &Oracle,
                        timing: &mut Timing,
                        trace: &mut Vec<TracePoint>| {
        trace.push(TracePoint {
            iter: m.iter,
            counts: oracle.counts(),
            value: m.value,
            grad_norm: m.grad_norm,
            x: (n <= KEEP_PATH_MAX_DIM).then(|| x.to_vec()),
        });
        timing.trace_time_s.push(m.elapsed_s);
    };
    ladder.take(0);
    record_point(&last, &x, &oracle, &mut timing, &mut trace);

    let mut message = None;
    let mut status = stop.verdict(&last);
    let mut stepper = None;
    if status.is_none() {
        let t = Instant::now();
        match run.optimizer.optimizer.start(&x, &mut oracle) {
            Ok(s) => stepper = Some(s),
            Err(e) => (status, message) = failure(e),
        }
        timing.optimizer_time_s += t.elapsed().as_secs_f64();
    }
    if let Some(stepper) = stepper.as_mut() {
        loop {
            let t = Instant::now();
            let stepped = stepper.step(&mut x, &mut oracle);
            timing.optimizer_time_s += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let value = oracle.measure(&x, &mut g);
            let grad_norm = norm(&g);
            timing.measure_time_s += t.elapsed().as_secs_f64();
            let iter = last.iter + u64::from(stepped.is_ok());
            last = Measure {
                iter,
                evals: oracle.counts().grad_equiv(n),
                elapsed_s: started.elapsed().as_secs_f64(),
                value,
                grad_norm,
                grad_norm0: gn0,
                gap: f_star.map(|f| value - f),
                x_ratio: x_star
                    .as_ref()
                    .zip(x_err0)
                    .and_then(|(s, e0)| (e0 > 0.0).then(|| distance(&x, s) / e0)),
            };
            let verdict = match stepped {
                Ok(_) => stop.verdict(&last),
                Err(e) => {
                    let (s, m) = failure(e);
                    message = m;
                    s
                }
            };
            if ladder.take(iter) || verdict.is_some() {
                if trace.last().is_some_and(|p: &TracePoint| p.iter == iter) {
                    trace.pop();
                    timing.trace_time_s.pop();
                }
                record_point(&last, &x, &oracle, &mut timing, &mut trace);
            }
            if verdict.is_some() {
                status = verdict;
                break;
            }
        }
    }
    drop(stepper);
    let counts = oracle.counts();
    timing.wall_time_s = started.elapsed().as_secs_f64();
    RunRecord {
        format: store::FORMAT,
        run_id: run.run_id.clone(),
        spec: run.spec.clone(),
        outcome: Outcome {
            status: status.unwrap_or(Status::Failed),
            message,
            dim: n,
            iterations: last.iter,
            counts,
            grad_equiv_evals: counts.grad_equiv(n),
            initial_value: f0,
            final_value: last.value,
            optimum_value: f_star,
            initial_grad_norm: gn0,
            final_grad_norm: last.grad_norm,
            final_x_error: x_star.as_ref().map(|s| distance(&x, s)),
            final_x: (n <= KEEP_FINAL_X_MAX_DIM).then(|| x.clone()),
        },
        trace,
        provenance: Provenance::current(),
        timing,
    }
}

fn failure(e: StepError) -> (Option<Status>, Option<String>) {
    match e {
        StepError::Failed(m) => (Some(Status::Failed), Some(m)),
        StepError::NotApplicable(m) => (Some(Status::NotApplicable), Some(m)),
    }
}

/// How a sweep runs.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Rerun runs whose records already exist.
    pub fresh: bool,
}

/// A run as the sweep reports it to its progress callback.
pub struct Finished<'a> {
    /// The record.
    pub record: &'a RunRecord,
    /// True when the record was already on disk and the run was skipped.
    pub reused: bool,
}

/// Runs every planned run (in parallel, skipping finished ones unless `fresh`), writing each record as it
/// finishes; returns the records in plan order.
pub fn sweep(
    runs: &[PlannedRun],
    dir: &Path,
    options: SweepOptions,
    progress: &(dyn Fn(Finished<'_>) + Sync),
) -> Result<Vec<RunRecord>, StoreError> {
    std::fs::create_dir_all(dir.join("runs")).map_err(|source| StoreError::Io {
        path: dir.join("runs"),
        source,
    })?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build()
        .map_err(|e| StoreError::Invalid {
            path: dir.to_path_buf(),
            message: format!("cannot start worker threads: {e}"),
        })?;
    pool.install(|| {
        runs.par_iter()
            .map(|run| {
                if !options.fresh
                    && let Some(record) = store::finished(dir, &run.spec)
                {
                    progress(Finished {
                        record: &record,
                        reused: true,
                    });
                    return Ok(record);
                }
                let record = execute(run);
                store::write_run(dir, &record)?;
                progress(Finished {
                    record: &record,
                    reused: false,
                });
                Ok(record)
            })
            .collect()
    })
}
