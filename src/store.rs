//! The results store: one JSON file per run, written atomically, and the tidy CSV views of a sweep.
//!
//! Layout of a results directory `DIR`:
//! - `DIR/runs/<run-id>.json`: one [`RunRecord`], written to a temporary file in the same directory and then
//!   renamed, so a reader never sees half a file;
//! - `DIR/summary.csv`: one row per run; `DIR/traces.csv`: one row per run and recorded iteration;
//! - `DIR/sweep.json`: the sweep's name, config hash, run ids in plan order and provenance. Where it exists,
//!   the sweep is exactly the runs it lists ([`read_sweep`]): other files in `DIR/runs` (an earlier config
//!   written to the same directory) are left out of reports and comparisons, and counted.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::record::{
    FORMAT, Host, OptimizerSpec, Outcome, ProblemSpec, Provenance, RunRecord, RunSpec, Timing, real,
};

/// A failure to read or write results.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file that is not what it should be.
    #[error("{path}: {message}")]
    Invalid {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(io(path))
}

/// The path of a run's file.
pub fn run_path(dir: &Path, run_id: &str) -> PathBuf {
    dir.join("runs").join(format!("{run_id}.json"))
}

/// Writes one run record atomically.
pub fn write_run(dir: &Path, record: &RunRecord) -> Result<(), StoreError> {
    let path = run_path(dir, &record.run_id);
    let mut bytes = serde_json::to_vec_pretty(record).map_err(|e| StoreError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes)
}

/// Reads one run record.
pub fn read_run(path: &Path) -> Result<RunRecord, StoreError> {
    let bytes = fs::read(path).map_err(io(path))?;
    serde_json::from_slice(&bytes).map_err(|e| StoreError::Invalid {
        path: path.to_path_buf(),
        message: format!("not a run record: {e}"),
    })
}

/// What a results directory holds for a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Existing {
    /// No readable record of this spec.
    Missing,
    /// A record of this spec made by other code (see [`crate::identity`]): to be redone.
    Stale(Box<RunRecord>),
    /// A record of this spec made by this code: reusable.
    Current(Box<RunRecord>),
}

/// What `dir` holds for `spec`: nothing usable, a record made by other code, or a reusable one.
pub fn existing(dir: &Path, spec: &RunSpec) -> Existing {
    match read_run(&run_path(dir, &spec.run_id())) {
        Ok(record) if record.format == FORMAT && record.spec == *spec => {
            if crate::identity::is_current(record.provenance.code.as_deref()) {
                Existing::Current(Box::new(record))
            } else {
                Existing::Stale(Box::new(record))
            }
        }
        _ => Existing::Missing,
    }
}

/// Reads the finished record of `spec` in `dir`, if one exists, matches it and was made by this code.
pub fn finished(dir: &Path, spec: &RunSpec) -> Option<RunRecord> {
    match existing(dir, spec) {
        Existing::Current(record) => Some(*record),
        _ => None,
    }
}

/// The run files in `DIR/runs` (`*.json`, temporary files left out), sorted.
fn run_files(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let runs = dir.join("runs");
    let mut paths: Vec<PathBuf> = fs::read_dir(&runs)
        .map_err(io(&runs))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    Ok(paths)
}

/// Every run record in `DIR/runs`, sorted by run id; files that are not records are errors.
pub fn read_all(dir: &Path) -> Result<Vec<RunRecord>, StoreError> {
    run_files(dir)?.iter().map(|p| read_run(p)).collect()
}

/// Reads `DIR/sweep.json`, or `None` where the directory has none.
pub fn read_manifest(dir: &Path) -> Result<Option<SweepManifest>, StoreError> {
    let path = dir.join("sweep.json");
    if !path.exists() {
        return Ok(None);
    }
    let bytes = fs::read(&path).map_err(io(&path))?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| StoreError::Invalid {
            path,
            message: format!("not a sweep manifest: {e}"),
        })
}

/// The runs of the sweep in a results directory (see [`read_sweep`]).
#[derive(Debug, Clone)]
pub struct SweepRuns {
    /// `DIR/sweep.json`, where present.
    pub manifest: Option<SweepManifest>,
    /// The sweep's run records: in the manifest's order where there is one, else every record by run id.
    pub records: Vec<RunRecord>,
    /// Run files in `DIR/runs` that the manifest does not list (left by another config written to the same
    /// directory, or by a sweep that did not finish): not read, not part of the sweep.
    pub ignored: usize,
}

/// Reads the runs of the sweep in `dir`. Where `DIR/sweep.json` exists, exactly the runs its `run_ids` list
/// (those present; a shard holds only its own), in that order, and the count of other run files, which are
/// not read; without it, every record in `DIR/runs`, sorted by run id.
pub fn read_sweep(dir: &Path) -> Result<SweepRuns, StoreError> {
    let manifest = read_manifest(dir)?;
    let Some(m) = manifest else {
        return Ok(SweepRuns {
            manifest: None,
            records: read_all(dir)?,
            ignored: 0,
        });
    };
    let rank: std::collections::BTreeMap<&str, usize> = m
        .run_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let mut listed = Vec::new();
    let mut ignored = 0;
    for path in run_files(dir)? {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        match rank.get(stem.as_str()) {
            Some(&i) => listed.push((i, path)),
            None => ignored += 1,
        }
    }
    listed.sort();
    let records = listed
        .iter()
        .map(|(_, p)| read_run(p))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SweepRuns {
        manifest: Some(m),
        records,
        ignored,
    })
}

/// A float as CSV text: plain decimals for moderate magnitudes, shortest round-trip scientific otherwise;
/// `NaN`, `inf` and `-inf` as such (pandas, polars and R read all of these).
pub fn fmt_real(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || !v.is_finite() || (1e-4..1e16).contains(&a) {
        v.to_string()
    } else {
        format!("{v:e}")
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map(fmt_real).unwrap_or_default()
}

/// The columns of `summary.csv`.
pub const SUMMARY_COLUMNS: &[&str] = &[
    "run_id",
    "problem",
    "problem_params",
    "optimizer",
    "optimizer_params",
    "seed",
    "status",
    "message",
    "iterations",
    "f_evals",
    "g_evals",
    "hess_evals",
    "hvp_evals",
    "kfac_evals",
    "samples",
    "grad_equiv_evals",
    "initial_value",
    "final_value",
    "optimum_value",
    "final_gap",
    "final_grad_norm",
    "final_x_error",
    "noise_scale",
    "tuning_phase",
    "tuning_group",
    "tuning_trial",
    "tuned",
    "tuning_cost_evals",
    "ending",
    "saddle_index",
    "wall_time_s",
];

/// The columns of `traces.csv`.
pub const TRACE_COLUMNS: &[&str] = &[
    "run_id",
    "problem",
    "optimizer",
    "seed",
    "iter",
    "f_evals",
    "g_evals",
    "hess_evals",
    "hvp_evals",
    "kfac_evals",
    "samples",
    "grad_equiv_evals",
    "value",
    "gap",
    "grad_norm",
    "time_s",
];

fn csv_bytes(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes `summary.csv` and `traces.csv` for `records` (in the given order), each atomically.
pub fn write_tables(dir: &Path, records: &[RunRecord]) -> Result<(), StoreError> {
    let invalid = |path: PathBuf| {
        move |e: csv::Error| StoreError::Invalid {
            path,
            message: e.to_string(),
        }
    };
    let summary = dir.join("summary.csv");
    let rows = records.iter().map(|r| {
        let o = &r.outcome;
        let tuning = r.spec.tuning.as_ref();
        vec![
            r.run_id.clone(),
            r.spec.problem.family.clone(),
            r.spec.problem.params.to_string(),
            r.spec.optimizer.name.clone(),
            r.spec.optimizer.params.to_string(),
            r.spec.seed.to_string(),
            o.status.to_string(),
            o.message.clone().unwrap_or_default(),
            o.iterations.to_string(),
            o.counts.f_evals.to_string(),
            o.counts.g_evals.to_string(),
            o.counts.hess_evals.to_string(),
            o.counts.hvp_evals.to_string(),
            o.counts.kfac_evals.to_string(),
            o.counts.samples.to_string(),
            o.grad_equiv_evals.to_string(),
            fmt_real(o.initial_value),
            fmt_real(o.final_value),
            fmt_opt(o.optimum_value),
            fmt_opt(o.optimum_value.map(|f| o.final_value - f)),
            fmt_real(o.final_grad_norm),
            fmt_opt(o.final_x_error),
            fmt_opt(o.noise_scale),
            tuning
                .map(|t| crate::record::phase_name(t.phase))
                .unwrap_or_default()
                .to_string(),
            tuning.map(|t| t.group.clone()).unwrap_or_default(),
            tuning.map(|t| t.trial.to_string()).unwrap_or_default(),
            tuning.map(|t| t.tuned.to_string()).unwrap_or_default(),
            tuning
                .and_then(|t| t.cost)
                .map(|c| c.grad_equiv_evals.to_string())
                .unwrap_or_default(),
            o.diagnosis
                .as_ref()
                .map(|d| d.ending.name().to_string())
                .unwrap_or_default(),
            o.diagnosis
                .as_ref()
                .and_then(|d| d.index)
                .map(|i| i.to_string())
                .unwrap_or_default(),
            fmt_real(r.timing.wall_time_s),
        ]
    });
    let bytes = csv_bytes(SUMMARY_COLUMNS, rows).map_err(invalid(summary.clone()))?;
    write_atomic(&summary, &bytes)?;

    let traces = dir.join("traces.csv");
    let rows = records.iter().flat_map(|r| {
        let dim = r.outcome.dim;
        r.trace.iter().enumerate().map(move |(i, t)| {
            vec![
                r.run_id.clone(),
                r.spec.problem.family.clone(),
                r.spec.optimizer.name.clone(),
                r.spec.seed.to_string(),
                t.iter.to_string(),
                t.counts.f_evals.to_string(),
                t.counts.g_evals.to_string(),
                t.counts.hess_evals.to_string(),
                t.counts.hvp_evals.to_string(),
                t.counts.kfac_evals.to_string(),
                t.counts.samples.to_string(),
                t.counts.grad_equiv(dim).to_string(),
                fmt_real(t.value),
                fmt_opt(r.outcome.optimum_value.map(|f| t.value - f)),
                fmt_real(t.grad_norm),
                fmt_opt(r.timing.trace_time_s.get(i).copied()),
            ]
        })
    });
    let bytes = csv_bytes(TRACE_COLUMNS, rows).map_err(invalid(traces.clone()))?;
    write_atomic(&traces, &bytes)
}

/// `DIR/sweep.json`: what a sweep was and which runs belong to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// The file layout version.
    pub format: u32,
    /// The config's name.
    pub name: String,
    /// Where the config came from.
    pub source: String,
    /// The hash of the planned run ids.
    pub config_hash: String,
    /// The run ids of the whole sweep, in plan order (all shards).
    pub run_ids: Vec<String>,
    /// The shard this directory holds (`(k, n)`: the k-th of n, 1-based), or none for a whole sweep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<(usize, usize)>,
    /// Version, commit, compiler and target.
    pub provenance: Provenance,
    /// The machine and thread count of the sweep.
    pub host: Host,
}

/// Writes `sweep.json`, `summary.csv` and `traces.csv` for a finished sweep (a tuned sweep's `tuning.csv` is
/// written beside them by [`crate::tune::table::write`]).
pub fn write_sweep(
    dir: &Path,
    manifest: &SweepManifest,
    records: &[RunRecord],
) -> Result<(), StoreError> {
    let path = dir.join("sweep.json");
    let mut bytes = serde_json::to_vec_pretty(manifest).map_err(|e| StoreError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes)?;
    write_tables(dir, records)
}
