//! One run as stored: its spec, how it ended, its trace, the build that made it and its timing.

use serde::{Deserialize, Serialize};

use super::ending::Diagnosis;
use super::real;
use super::spec::RunSpec;
use super::trace::TracePoint;
use crate::oracle::Counts;
use crate::stop::Status;

/// How a run ended and what it cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The status.
    pub status: Status,
    /// Why it failed or was not applicable.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
    /// The problem's dimension.
    pub dim: usize,
    /// Iterations done.
    pub iterations: u64,
    /// Under `f_tol_hold`, for a run that converged: the first iteration of the stretch over which `f_tol`
    /// held, its steps to target (the run went on to the stretch's end, `iterations`). Absent otherwise,
    /// where the steps to target of a converged run are `iterations`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub target_iteration: Option<u64>,
    /// The optimizer's oracle calls.
    pub counts: Counts,
    /// Gradient-equivalent evaluations (see [`Counts::grad_equiv`]).
    pub grad_equiv_evals: u64,
    /// `f(x_0)`.
    #[serde(with = "real")]
    pub initial_value: f64,
    /// `f` at the last iterate.
    #[serde(with = "real")]
    pub final_value: f64,
    /// `f*`, where known.
    pub optimum_value: Option<f64>,
    /// `||g(x_0)||`.
    #[serde(with = "real")]
    pub initial_grad_norm: f64,
    /// `||g||` at the last iterate.
    #[serde(with = "real")]
    pub final_grad_norm: f64,
    /// `||x - x*||` at the last iterate, where `x*` is known.
    pub final_x_error: Option<f64>,
    /// The last iterate, kept when the dimension is at most 100.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub final_x: Option<Vec<f64>>,
    /// The file that keeps the last iterate of a larger run (dimension above 100, up to
    /// `runner::KEEP_FINAL_POINT_MAX_DIM`), `DIR/points/<run-id>.f64`: its length and hash (absent in records
    /// before format 3, and where the point is not kept).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub final_x_file: Option<super::point::PointFile>,
    /// Where the run ended (minimum, saddle, ...), when its spec asks for a diagnosis.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub diagnosis: Option<Diagnosis>,
    /// The memory the optimizer allocated and still held after its start and first step, in bytes (its
    /// state: history, buffers, factors), where the binary counts allocations (see [`crate::alloc`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub state_bytes: Option<u64>,
    /// The gradient noise scale `tr(H C) / (g' H g)` at the start, for a run on minibatches whose problem
    /// knows it ([`crate::problem::stochastic::Stochastic::noise_scale`]).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub noise_scale: Option<f64>,
}

/// Where and with what a run was made; identical for reruns of the same binary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The optzoo version.
    pub optzoo_version: String,
    /// The git commit optzoo was built from, where known.
    pub git_commit: Option<String>,
    /// The compiler that built optzoo (`rustc --version`).
    #[serde(default)]
    pub rustc: String,
    /// The target triple optzoo was built for.
    #[serde(default)]
    pub target: String,
    /// The identity of the code that produced the record (see [`crate::identity`]); absent in records of
    /// older versions, which are then rerun on resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Provenance {
    /// The provenance of this build.
    pub fn current() -> Self {
        Provenance {
            optzoo_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: option_env!("OPTZOO_GIT_COMMIT")
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            rustc: env!("OPTZOO_RUSTC").to_string(),
            target: env!("OPTZOO_TARGET").to_string(),
            code: Some(crate::identity::current().to_string()),
        }
    }
}

/// The machine a run ran on. Kept inside [`Timing`], because it may differ between reruns of the same
/// spec (another machine, another `--jobs`) while the results do not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Host {
    /// The CPU model, from `/proc/cpuinfo` where available.
    pub cpu_model: String,
    /// Worker threads of the sweep.
    pub threads: usize,
}

impl Host {
    /// This machine, with the sweep's thread count.
    pub fn current(threads: usize) -> Self {
        static CPU: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let cpu = CPU.get_or_init(|| {
            std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|text| {
                    text.lines()
                        .find(|l| l.starts_with("model name"))
                        .and_then(|l| l.split_once(':'))
                        .map(|(_, v)| v.trim().to_string())
                })
                .unwrap_or_else(|| format!("unknown ({})", std::env::consts::ARCH))
        });
        Host {
            cpu_model: cpu.clone(),
            threads,
        }
    }
}

/// Wall-clock measurements: the only part of a record that differs between reruns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// The whole run, building the problem included.
    pub wall_time_s: f64,
    /// Time inside the optimizer's `step` calls.
    pub optimizer_time_s: f64,
    /// Time inside the optimizer's start (`init`): for an external client its start-up, up to its first
    /// message. Left out of `optimizer_time_s`, of the trace's times and of `time_limit_s`.
    #[serde(default)]
    pub start_time_s: f64,
    /// Time in the runner's own measurements (not charged to the optimizer).
    pub measure_time_s: f64,
    /// Seconds since the start at each trace point.
    pub trace_time_s: Vec<f64>,
    /// The machine.
    #[serde(default)]
    pub host: Host,
}

/// One run, as stored in `DIR/runs/<run-id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The file layout version.
    pub format: u32,
    /// The run id.
    pub run_id: String,
    /// What was run.
    pub spec: RunSpec,
    /// How it ended.
    pub outcome: Outcome,
    /// Measurements on the log-spaced ladder, plus the last iteration.
    pub trace: Vec<TracePoint>,
    /// What reading the results needs: the optimizer's statements, the problem's ground truth, the saddle
    /// escape (empty in records of format 1).
    #[serde(default)]
    pub facts: super::facts::Facts,
    /// Version and commit.
    pub provenance: Provenance,
    /// Wall-clock times.
    pub timing: Timing,
}

/// How many of `runs` ended with each of `statuses`, in that order, as table cells.
pub fn status_counts<'a>(
    runs: impl Iterator<Item = &'a RunRecord> + Clone,
    statuses: &[Status],
) -> Vec<String> {
    statuses
        .iter()
        .map(|s| {
            runs.clone()
                .filter(|r| r.outcome.status == *s)
                .count()
                .to_string()
        })
        .collect()
}

impl Outcome {
    /// The steps to the target of a converged run: `target_iteration` under `f_tol_hold`, else
    /// `iterations`.
    pub fn steps_to_target(&self) -> u64 {
        self.target_iteration.unwrap_or(self.iterations)
    }
}
