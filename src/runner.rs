//! The runner: one run of a sweep (the problem built, the loop of [`crate::run_loop`] with its observers,
//! the record written), and the sweep of many runs in parallel.
//!
//! One run = problem instance x optimizer x seed x stop rule. A run never crashes a sweep: a build error or
//! a step error is a `failed` outcome, a capability the problem lacks is `not-applicable`, and a panic
//! inside one run is caught and recorded as `failed` with its message. Runs are independent and seeded
//! from their spec alone, so a sweep gives the same records for any number of jobs.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::observers;
use crate::optimizers::Checked;
use crate::oracle::Oracle;
use crate::problem::stochastic::Sampler;
use crate::problem::{Capabilities, Problem};
use crate::problems::Instance;
use crate::record::{CriticalFact, Facts, OptimizerFacts, ProblemFacts};
use crate::run_loop::{self, Observer};
use crate::stop::Status;
use crate::store::{self, Outcome, Provenance, RunRecord, RunSpec, StoreError, Timing};
use crate::vector::distance;

/// Largest dimension for which a run keeps its final point.
pub const KEEP_FINAL_X_MAX_DIM: usize = 100;

pub use crate::trace::{KEEP_PATH_MAX_DIM, MAX_PATH_POINTS};

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

impl PlannedRun {
    /// The run of `optimizer` (registry name `name`) on `instance` with `seed`, `stop`, a tuning role and
    /// the diagnosis flag; its id is the hash of the spec.
    pub fn new(
        instance: &Arc<Instance>,
        name: &str,
        optimizer: &Arc<Checked>,
        seed: u64,
        stop: &crate::stop::StopRule,
        tuning: Option<crate::record::TuningRole>,
        diagnose: bool,
    ) -> PlannedRun {
        let spec = RunSpec {
            problem: crate::store::ProblemSpec {
                family: instance.family.to_string(),
                params: instance.params.clone(),
            },
            optimizer: crate::store::OptimizerSpec {
                name: name.to_string(),
                params: optimizer.params.clone(),
            },
            seed,
            stop: stop.clone(),
            tuning,
            diagnose,
            sharpness: None,
        };
        PlannedRun {
            run_id: spec.run_id(),
            spec,
            instance: instance.clone(),
            optimizer: optimizer.clone(),
        }
    }
}

impl PlannedRun {
    /// The same run measuring its sharpness as `sharpness` asks (see [`crate::record::sharpness`]); its id
    /// follows its spec.
    pub fn with_sharpness(mut self, sharpness: Option<crate::record::SharpnessSpec>) -> PlannedRun {
        self.spec.sharpness = sharpness;
        self.run_id = self.spec.run_id();
        self
    }
}

/// Runs one planned run to its outcome. Never panics: a panic inside the run is recorded as `failed`.
pub fn execute(run: &PlannedRun) -> RunRecord {
    execute_keeping_point(run).0
}

/// [`execute`], with the final point where a results directory keeps it in a file
/// ([`crate::points`]: dimension above [`KEEP_FINAL_X_MAX_DIM`], up to [`crate::points::KEEP_MAX_DIM`], for a
/// run that started). The record's `final_x_file` is set by whoever writes that file.
pub fn execute_keeping_point(run: &PlannedRun) -> (RunRecord, Option<Vec<f64>>) {
    let started = Instant::now();
    match catch_unwind(AssertUnwindSafe(|| drive(run, started))) {
        Ok(done) => done,
        Err(panic) => {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".into());
            let mut record = blank(run, Status::Failed, format!("panic: {text}"));
            record.timing.wall_time_s = started.elapsed().as_secs_f64();
            (record, None)
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
            target_iteration: None,
            counts: Default::default(),
            grad_equiv_evals: 0,
            initial_value: f64::NAN,
            final_value: f64::NAN,
            optimum_value: None,
            initial_grad_norm: f64::NAN,
            final_grad_norm: f64::NAN,
            final_x_error: None,
            final_x: None,
            final_x_file: None,
            diagnosis: None,
            state_bytes: None,
            noise_scale: None,
        },
        trace: Vec::new(),
        facts: Facts {
            optimizer: OptimizerFacts::of(run.optimizer.optimizer.as_ref()),
            ..Facts::default()
        },
        provenance: Provenance::current(),
        timing: Timing::default(),
    }
}

fn drive(run: &PlannedRun, started: Instant) -> (RunRecord, Option<Vec<f64>>) {
    let missing = run
        .instance
        .capabilities()
        .missing(&run.optimizer.optimizer.requires());
    if !missing.is_empty() {
        return (
            blank(
                run,
                Status::NotApplicable,
                format!(
                    "{} needs {}",
                    run.spec.optimizer.name,
                    missing.join(" and ")
                ),
            ),
            None,
        );
    }
    if let Some(message) = too_large(run) {
        return (blank(run, Status::NotApplicable, message), None);
    }
    let (problem, mut x) = match run.instance.build(run.spec.seed) {
        Ok(built) => built,
        Err(e) => {
            return (
                blank(
                    run,
                    Status::Failed,
                    format!("building the problem failed: {e}"),
                ),
                None,
            );
        }
    };
    // What only the built problem can say (an external problem process's hello): what it offers, and its
    // dimension where the plan did not know it.
    if let Some(offers) = problem.offers() {
        let offers = Capabilities {
            exact: run.instance.capabilities().exact && offers.exact,
            ..offers
        };
        let missing = offers.missing(&run.optimizer.optimizer.requires());
        if !missing.is_empty() {
            return (
                blank(
                    run,
                    Status::NotApplicable,
                    format!(
                        "{} needs {}",
                        run.spec.optimizer.name,
                        missing.join(" and ")
                    ),
                ),
                None,
            );
        }
    }
    if run.instance.memory().dim != problem.dim()
        && let Some(message) = too_large_at(run, problem.dim())
    {
        return (blank(run, Status::NotApplicable, message), None);
    }
    let stop = &run.spec.stop;
    let n = problem.dim();
    let optimum = problem.optimum();
    let x_star = optimum.as_ref().and_then(|o| o.point.clone());
    let f_star = optimum.as_ref().map(|o| o.value);
    let mut oracle = Oracle::new(problem.as_ref())
        .with_run(crate::oracle::RunInfo {
            seed: run.spec.seed,
            family: run.spec.problem.family.clone(),
            params: run.spec.problem.params.clone(),
        })
        .with_budget(stop.max_evals);
    let mut noise_scale = None;
    if let Some(b) = run.instance.batch_size {
        let sampler = Sampler::new(run.instance.rng(run.spec.seed, "minibatch"));
        oracle = match oracle.with_minibatches(b, sampler) {
            Ok(o) => o,
            Err(e) => return (blank(run, Status::Failed, e), None),
        };
        noise_scale = problem.stochastic().and_then(|s| s.noise_scale(&x));
    }
    let problem_facts = problem_facts(problem.as_ref(), x_star.as_deref());
    let mut trace = observers::Trace::default();
    let mut escape = observers::EscapeWatch::new(problem.as_ref());
    let mut diagnosis = observers::FinalDiagnosis::new(problem.as_ref(), stop, run.spec.seed);
    let mut held = observers::HeldMemory::new();
    let mut sharpness = run
        .spec
        .sharpness
        .map(|spec| observers::SharpnessWatch::new(problem.as_ref(), spec, run.spec.seed));
    let mut watching: Vec<&mut dyn Observer> = vec![&mut trace, &mut escape];
    if run.spec.diagnose {
        watching.push(&mut diagnosis);
    }
    if let Some(s) = sharpness.as_mut() {
        watching.push(s);
    }
    // Last, so that the other observers' bookkeeping at the start is not counted as the optimizer's.
    watching.push(&mut held);
    let setup = run_loop::Setup {
        stop,
        f_star,
        x_star: x_star.as_deref(),
        started,
    };
    let ended = run_loop::run(
        run.optimizer.optimizer.as_ref(),
        &mut x,
        &mut oracle,
        setup,
        &mut watching,
    );
    drop(watching);
    // A fault of the problem (its process crashed, hung or answered garbage) makes the run's numbers
    // meaningless, whatever the loop concluded from them.
    let (status, message) = match problem.fault() {
        Some(fault) => (Status::Failed, Some(fault)),
        None => (ended.status, ended.message),
    };
    let counts = oracle.counts();
    let timing = Timing {
        wall_time_s: started.elapsed().as_secs_f64(),
        optimizer_time_s: ended.optimizer_time_s,
        start_time_s: ended.start_time_s,
        measure_time_s: ended.measure_time_s,
        trace_time_s: trace.times_s,
        host: Default::default(),
    };
    let (first, last) = (ended.first, ended.last);
    let keep = (KEEP_FINAL_X_MAX_DIM + 1..=crate::points::KEEP_MAX_DIM).contains(&n);
    let point = keep.then(|| x.clone());
    let record = RunRecord {
        format: store::FORMAT,
        run_id: run.run_id.clone(),
        spec: run.spec.clone(),
        outcome: Outcome {
            status,
            message,
            dim: n,
            iterations: last.iter,
            target_iteration: last
                .f_tol_since
                .filter(|_| stop.f_tol_hold.is_some() && ended.status == Status::Converged),
            counts,
            grad_equiv_evals: counts.grad_equiv(n),
            initial_value: first.value,
            final_value: last.value,
            optimum_value: f_star,
            initial_grad_norm: first.grad_norm,
            final_grad_norm: last.grad_norm,
            final_x_error: x_star.as_ref().map(|s| distance(&x, s)),
            final_x: (n <= KEEP_FINAL_X_MAX_DIM).then(|| x.clone()),
            final_x_file: None,
            diagnosis: diagnosis.diagnosis,
            state_bytes: held.bytes,
            noise_scale,
        },
        trace: trace.points,
        facts: Facts {
            optimizer: OptimizerFacts::of(run.optimizer.optimizer.as_ref()),
            problem: problem_facts,
            escape: escape.fact,
            sharpness: sharpness.map(|s| s.fact),
        },
        provenance: Provenance::current(),
        timing,
    };
    (record, point)
}

/// What a problem states of itself, as a record keeps it: `x*` and the critical points where the dimension
/// is at most [`KEEP_FINAL_X_MAX_DIM`] (at most [`crate::record::facts::MAX_CRITICAL_POINTS`] of them),
/// the curvature bounds always.
fn problem_facts(problem: &dyn Problem, x_star: Option<&[f64]>) -> ProblemFacts {
    let small = problem.dim() <= KEEP_FINAL_X_MAX_DIM;
    ProblemFacts {
        optimum_point: x_star.filter(|_| small).map(<[f64]>::to_vec),
        curvature: problem.curvature(),
        critical_points: if small {
            problem
                .critical_points()
                .into_iter()
                .take(crate::record::facts::MAX_CRITICAL_POINTS)
                .map(CriticalFact::from)
                .collect()
        } else {
            Vec::new()
        },
    }
}

/// What the run would allocate (the problem, the optimizer, the runner's and the oracle's vectors, the
/// final diagnosis's dense Hessian and the sharpness's Lanczos basis), where it exceeds the memory limit:
/// said before anything is allocated.
fn too_large(run: &PlannedRun) -> Option<String> {
    too_large_at(run, run.instance.memory().dim)
}

/// As [`too_large`], at dimension `n` (an external problem's, known once its process has said it).
fn too_large_at(run: &PlannedRun, n: usize) -> Option<String> {
    use crate::memory::{MemoryNeed, bytes, gib, limit};
    let mut problem = run.instance.memory();
    if problem.dim != n {
        problem.dim = n;
        problem.need.data = problem.need.data.max(bytes(4, n as u64));
    }
    let diagnosis = if run.spec.diagnose {
        MemoryNeed {
            hessian: bytes(2, (n as u64).saturating_mul(n as u64)),
            ..MemoryNeed::default()
        }
    } else {
        MemoryNeed::default()
    };
    let need = problem
        .need
        .plus(run.optimizer.optimizer.memory(n))
        .plus(MemoryNeed::vectors(6, n))
        .plus(diagnosis)
        // The sharpness's Lanczos basis: a vector per step.
        .plus(MemoryNeed::vectors(
            run.spec.sharpness.map_or(0, |s| s.max_steps as u64 + 2),
            n,
        ));
    let limit = limit();
    (need.total() > limit).then(|| {
        format!(
            "needs {} ({}), above the memory limit of {} (--memory-limit)",
            gib(need.total()),
            need.parts(),
            gib(limit)
        )
    })
}

/// The runs of shard `k` of `n` (1-based): every n-th run of the plan, starting at the k-th. A deterministic
/// slice, so that the shards together are exactly the sweep.
pub fn shard(runs: Vec<PlannedRun>, k: usize, n: usize) -> Vec<PlannedRun> {
    debug_assert!(1 <= k && k <= n, "shard {k}/{n}");
    runs.into_iter()
        .enumerate()
        .filter(|(i, _)| i % n == k - 1)
        .map(|(_, r)| r)
        .collect()
}

/// Removes the temporary files that killed optzoo writers left in `DIR` and `DIR/runs` (optzoo's own
/// temporary names, regular files of processes no longer alive: [`crate::store::remove_stale_temporaries`]).
/// They are never read as results; this only tidies.
pub fn remove_stale_temporaries(dir: &Path) {
    crate::store::remove_stale_temporaries(dir, &["runs", crate::points::FOLDER]);
}

/// How a sweep runs.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    /// Worker threads (at least 1).
    pub jobs: usize,
    /// Rerun runs whose records already exist.
    pub fresh: bool,
    /// Reuse the records of failed runs too (by default a failed run, a fault of the client or the
    /// optimizer, is rerun: a failure is not a result).
    pub keep_failed: bool,
}

/// A run as the sweep reports it to its progress callback.
pub struct Finished<'a> {
    /// The record.
    pub record: &'a RunRecord,
    /// True when the record was already on disk and the run was skipped.
    pub reused: bool,
    /// True when a record of this run was on disk but made by other code, so the run was redone.
    pub stale: bool,
    /// True when a record of this run was on disk but its run had failed, so the run was redone.
    pub failed_before: bool,
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
    remove_stale_temporaries(dir);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.max(1))
        .build()
        .map_err(|e| StoreError::Invalid {
            path: dir.to_path_buf(),
            message: format!("cannot start worker threads: {e}"),
        })?;
    // Workers take the next run, largest expected work first (see `crate::schedule`); each record lands
    // in its plan slot. A store error stops the handing out of runs; runs already going finish.
    let work: Vec<f64> = runs
        .iter()
        .map(|r| crate::schedule::expected_work(&r.instance, &r.optimizer, r.spec.stop.max_iters))
        .collect();
    let order = crate::schedule::largest_first(&work);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let slots: Vec<Mutex<Option<Result<RunRecord, StoreError>>>> =
        runs.iter().map(|_| Mutex::new(None)).collect();
    let work = || {
        while !failed.load(Ordering::Relaxed) {
            let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let result = sweep_one(&runs[i], dir, options, progress);
            if result.is_err() {
                failed.store(true, Ordering::Relaxed);
            }
            if let Ok(mut slot) = slots[i].lock() {
                *slot = Some(result);
            }
        }
    };
    pool.scope(|s| {
        for _ in 0..options.jobs.max(1) {
            s.spawn(|_| work());
        }
    });
    // No process an instance started (an external problem's) outlives the sweep.
    let mut released = std::collections::BTreeSet::new();
    for run in runs {
        if released.insert(Arc::as_ptr(&run.instance)) {
            run.instance.release();
        }
    }
    let mut records = Vec::with_capacity(runs.len());
    for (slot, run) in slots.into_iter().zip(runs) {
        match slot.into_inner() {
            Ok(Some(result)) => records.push(result?),
            _ => {
                return Err(StoreError::Invalid {
                    path: dir.to_path_buf(),
                    message: format!("run {} was not finished", run.run_id),
                });
            }
        }
    }
    Ok(records)
}

/// One run of a sweep: its record reused from `dir` when current (unless `fresh`), else executed and
/// written; reported to `progress` either way.
fn sweep_one(
    run: &PlannedRun,
    dir: &Path,
    options: SweepOptions,
    progress: &(dyn Fn(Finished<'_>) + Sync),
) -> Result<RunRecord, StoreError> {
    let (stale, failed_before) = match options.fresh {
        true => (false, false),
        false => match store::existing(dir, &run.spec) {
            store::Existing::Current(record)
                if options.keep_failed || record.outcome.status != Status::Failed =>
            {
                progress(Finished {
                    record: &record,
                    reused: true,
                    stale: false,
                    failed_before: false,
                });
                return Ok(*record);
            }
            store::Existing::Current(_) => (false, true),
            store::Existing::Stale(_) => (true, false),
            store::Existing::Missing => (false, false),
        },
    };
    let (mut record, point) = execute_keeping_point(run);
    record.timing.host = store::Host::current(options.jobs.max(1));
    // The point's file first, so that a record never names a file that is not there.
    if let Some(x) = point {
        record.outcome.final_x_file = Some(crate::points::write(dir, &run.run_id, &x)?);
    }
    store::write_run(dir, &record)?;
    progress(Finished {
        record: &record,
        reused: false,
        stale,
        failed_before,
    });
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{ParamDoc, ParamError};
    use crate::problem::{Capabilities, Problem};
    use crate::problems::{Family, FamilyConfig};
    use crate::stop::StopRule;
    use crate::store::{OptimizerSpec, ProblemSpec};
    use rand_chacha::ChaCha8Rng;
    use serde::{Deserialize, Serialize};

    /// A 1-D problem that misbehaves on purpose: `mode = "panic"` panics at the third gradient,
    /// `mode = "nan"` returns NaN once x leaves the start.
    #[derive(Serialize, Deserialize)]
    struct Trap {
        mode: String,
    }

    struct TrapProblem {
        panic: bool,
        calls: std::sync::atomic::AtomicU32,
    }

    impl Problem for TrapProblem {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, x: &[f64]) -> f64 {
            if !self.panic && x[0] != 1.0 {
                f64::NAN
            } else {
                0.5 * x[0] * x[0]
            }
        }
        fn gradient(&self, x: &[f64], g: &mut [f64]) {
            let n = self
                .calls
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            assert!(!(self.panic && n >= 2), "trap sprung at gradient call {n}");
            g[0] = x[0];
        }
        fn standard_start(&self) -> Vec<f64> {
            vec![1.0]
        }
    }

    impl FamilyConfig for Trap {
        fn check(&self) -> Result<(), ParamError> {
            Ok(())
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::default()
        }
        fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
            Ok(Box::new(TrapProblem {
                panic: self.mode == "panic",
                calls: 0.into(),
            }))
        }
    }

    static TRAP: Family = Family::of::<Trap>("trap", "", &[]);
    const MODE: &[ParamDoc] = &[];

    fn planned(mode: &str, step: &str) -> PlannedRun {
        let table: toml::Table = toml::from_str(&format!("mode = \"{mode}\"")).expect("valid TOML");
        let instance = Instance::parse(&TRAP, &table).expect("valid");
        let opt_table: toml::Table = toml::from_str(&format!("step = {step}")).expect("valid TOML");
        let entry = crate::optimizers::optimizer("gd").expect("registered");
        let optimizer = (entry.parse)(&opt_table, MODE, &Default::default()).expect("valid");
        let spec = RunSpec {
            problem: ProblemSpec {
                family: "trap".into(),
                params: instance.params.clone(),
            },
            optimizer: OptimizerSpec {
                name: "gd".into(),
                params: optimizer.params.clone(),
            },
            seed: 0,
            stop: StopRule::default(),
            tuning: None,
            diagnose: false,
            sharpness: None,
        };
        PlannedRun {
            run_id: spec.run_id(),
            spec,
            instance: Arc::new(instance),
            optimizer: Arc::new(optimizer),
        }
    }

    #[test]
    fn a_panic_inside_a_run_is_recorded_as_failed() {
        let r = execute(&planned("panic", "0.1"));
        assert_eq!(r.outcome.status, Status::Failed);
        let msg = r.outcome.message.unwrap_or_default();
        assert!(
            msg.contains("panic") && msg.contains("trap sprung"),
            "{msg}"
        );
    }

    #[test]
    fn a_nan_value_is_diverged_and_kept_in_the_record() {
        let r = execute(&planned("nan", "0.1"));
        assert_eq!(r.outcome.status, Status::Diverged);
        assert_eq!(r.outcome.iterations, 1);
        assert!(r.outcome.final_value.is_nan());
        let json = serde_json::to_string(&r).expect("serializes");
        let back: RunRecord = serde_json::from_str(&json).expect("reads back");
        assert!(
            back.outcome.final_value.is_nan(),
            "NaN survives the JSON round trip"
        );
    }

    #[test]
    fn a_line_search_failure_is_recorded_as_failed() {
        // NaN after the first move: Armijo's trial values are all NaN, so the search finds no decrease.
        let r = execute(&planned("nan", "\"armijo\""));
        assert_eq!(r.outcome.status, Status::Failed);
        assert!(r.outcome.message.unwrap_or_default().contains("Armijo"));
    }
}
