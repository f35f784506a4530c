//! The results store: one JSON file per run, written atomically, and the tidy CSV views of a sweep.
//!
//! Layout of a results directory `DIR`:
//! - `DIR/runs/<run-id>.json`: one [`RunRecord`], written to a temporary file in the same directory and then
//!   renamed, so a reader never sees half a file;
//! - `DIR/points/<run-id>.f64`: the final point of a run of dimension 101 to 100,000, beside its record
//!   ([`crate::points`]);
//! - `DIR/summary.csv`: one row per run; `DIR/traces.csv`: one row per run and recorded iteration;
//! - `DIR/sweep.json`: the sweep's name, config hash, run ids in plan order and provenance. Where it exists,
//!   the sweep is exactly the runs it lists ([`read_sweep`]): other files in `DIR/runs` (an earlier config
//!   written to the same directory) are left out of reports and comparisons, and counted;
//! - beside them, written by other modules: `DIR/landscapes.json` ([`crate::landscape`]) and a tuned sweep's
//!   `DIR/tuning.csv` ([`crate::tune::table::write`]).
//!
//! A results directory is data from anywhere, so every file is checked as it is read ([`read_run`],
//! [`read_manifest`]): its format version is one this binary reads ([`OLDEST_FORMAT`] to [`FORMAT`]), a run
//! record's `run_id` is the id of its spec ([`RunSpec::run_id`]) and its file is named by that id, and a
//! manifest lists only run ids. A run's file is only ever written at the id of its spec ([`write_run`]).

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

/// The oldest run-file and manifest layout this binary reads; [`FORMAT`] is the newest, the one it writes.
pub const OLDEST_FORMAT: u32 = 1;

fn invalid(path: &Path, message: String) -> StoreError {
    StoreError::Invalid {
        path: path.to_path_buf(),
        message,
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The tag in the name of every temporary file optzoo writes (the form is at [`temporary_writer`]).
const TEMPORARY_TAG: &str = "optzoo-";

/// A fresh temporary name for a file named `name` (the form is at [`temporary_writer`]): the hex digits are
/// drawn from a generator seeded from the operating system (from the clock where that fails), so that
/// nobody can plant a file or link at the name beforehand.
fn temporary_name(name: &str) -> String {
    use rand::{Rng, SeedableRng};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static RNG: Mutex<Option<rand_chacha::ChaCha8Rng>> = Mutex::new(None);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let random = {
        // A poisoned lock only means another thread panicked while drawing: the generator is still usable.
        let mut rng = RNG.lock().unwrap_or_else(|p| p.into_inner());
        rng.get_or_insert_with(|| {
            rand_chacha::ChaCha8Rng::try_from_rng(&mut rand::rngs::SysRng).unwrap_or_else(|_| {
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                rand_chacha::ChaCha8Rng::seed_from_u64(
                    (nanos as u64) ^ ((nanos >> 64) as u64) ^ u64::from(std::process::id()),
                )
            })
        })
        .next_u64()
    };
    format!(
        ".{name}.{TEMPORARY_TAG}{}-{n}-{random:016x}.tmp",
        std::process::id()
    )
}

/// The process that wrote a temporary file named `name`, if `name` has the form of optzoo's temporary files,
/// `.<target>.optzoo-<pid>-<n>-<16 hex digits>.tmp` (`<target>` the file it becomes, `<pid>` the writing
/// process, `<n>` a counter within it, the hex digits random); `None` for every other name.
pub fn temporary_writer(name: &str) -> Option<u32> {
    let inner = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (target, tag) = inner.rsplit_once('.')?;
    let mut parts = tag.strip_prefix(TEMPORARY_TAG)?.split('-');
    let (pid, n, hex) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let ok = !target.is_empty()
        && parts.next().is_none()
        && digits(pid)
        && digits(n)
        && hex.len() == 16
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok { pid.parse().ok() } else { None }
}

/// Creates the file `path`, which must not exist: an existing file, directory or symbolic link (even a
/// dangling one) at `path` is an error (`AlreadyExists`), and nothing is written through it.
fn create_new(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, created afresh under an unpredictable
/// name (never opened through an existing file or link), then renamed over `path`. A rename replaces a
/// symbolic link at `path` itself, not its target. On failure the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io(dir))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A name already taken (by a file or a planted link) is skipped; the next one is new.
    let mut attempts = 0;
    let (tmp, mut f) = loop {
        let tmp = dir.join(temporary_name(&name));
        match create_new(&tmp) {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempts < 16 => {
                attempts += 1;
            }
            Err(e) => return Err(io(&tmp)(e)),
        }
    };
    let written = f.write_all(bytes);
    drop(f);
    let done = written
        .map_err(io(&tmp))
        .and_then(|()| fs::rename(&tmp, path).map_err(io(path)));
    if done.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    done
}

/// Removes the temporary files that optzoo processes no longer alive left in `dir` and in each of its
/// sub-folders `subdirs` that is a directory itself (not a symbolic link to one): names of optzoo's form
/// ([`temporary_writer`]) only, regular files only (never a symbolic link), never one of a process that is
/// still alive. They are never read as results; this only tidies. Where liveness cannot be told (no
/// `/proc`), nothing is removed.
pub fn remove_stale_temporaries(dir: &Path, subdirs: &[&str]) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let real_subdirs = subdirs
        .iter()
        .map(|s| dir.join(s))
        .filter(|d| fs::symlink_metadata(d).is_ok_and(|m| m.is_dir()));
    for d in std::iter::once(dir.to_path_buf()).chain(real_subdirs) {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(temporary_writer) else {
                continue;
            };
            let alive = pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists();
            // `file_type` does not follow a symbolic link.
            if !alive && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Whether `id` has the form of a run id, `<family>-<optimizer>-<16 hex digits>` ([`RunSpec::run_id`]):
/// names of `[a-z0-9-]` (a namespaced name's `/` written as `.`), so that `runs/<id>.json` is a plain file
/// name, with no path separator, no `..` and nothing hidden.
pub fn is_run_id(id: &str) -> bool {
    let Some((names, hex)) = id.rsplit_once('-') else {
        return false;
    };
    hex.len() == 16
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && names.contains('-')
        && names.split(['-', '.']).all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// The path of a run's file.
pub fn run_path(dir: &Path, run_id: &str) -> PathBuf {
    dir.join("runs").join(format!("{run_id}.json"))
}

/// Why `record` is not a record of its own spec: its `run_id` is not the id of its spec, or that id is not
/// a run id ([`is_run_id`]).
fn id_error(record: &RunRecord) -> Option<String> {
    let expected = record.spec.run_id();
    if record.run_id != expected {
        Some(format!(
            "run_id {:?} is not the id of its spec (expected {expected:?})",
            record.run_id
        ))
    } else if !is_run_id(&expected) {
        Some(format!(
            "run_id {expected:?} is not of the form <family>-<optimizer>-<16 hex digits> (names of [a-z0-9-])"
        ))
    } else {
        None
    }
}

/// Writes one run record atomically, to `DIR/runs/<id>.json` with the id of its spec; a record whose
/// `run_id` is not that id is refused and nothing is written.
pub fn write_run(dir: &Path, record: &RunRecord) -> Result<(), StoreError> {
    if let Some(message) = id_error(record) {
        return Err(invalid(
            &dir.join("runs"),
            format!("refusing to write a run record: {message}"),
        ));
    }
    let path = run_path(dir, &record.spec.run_id());
    let mut bytes = serde_json::to_vec_pretty(record).map_err(|e| invalid(&path, e.to_string()))?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes)
}

/// The format version at the head of a run file or manifest, read before the rest.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    format: Option<u32>,
}

/// Checks that `bytes`, the text of `path`, is JSON of a format this binary reads; `what` names the kind
/// of file (`run record`, `sweep manifest`).
fn check_format(path: &Path, bytes: &[u8], what: &str) -> Result<(), StoreError> {
    let header: Header =
        serde_json::from_slice(bytes).map_err(|e| invalid(path, format!("not a {what}: {e}")))?;
    match header.format {
        None => Err(invalid(
            path,
            format!("not a {what}: it has no format version"),
        )),
        Some(n) if n > FORMAT => Err(invalid(
            path,
            format!("made by a newer optzoo (format {n}); this one reads up to {FORMAT}"),
        )),
        Some(n) if n < OLDEST_FORMAT => Err(invalid(
            path,
            format!(
                "not a {what}: format {n} (this optzoo reads formats {OLDEST_FORMAT} to {FORMAT})"
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// Reads one run record and checks it: a format this binary reads, a `run_id` that is the id of its spec,
/// and a file named by that id (`<run_id>.json`). Anything else is [`StoreError::Invalid`], naming the file
/// and what is wrong.
pub fn read_run(path: &Path) -> Result<RunRecord, StoreError> {
    let bytes = fs::read(path).map_err(io(path))?;
    check_format(path, &bytes, "run record")?;
    let record: RunRecord = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(path, format!("not a run record: {e}")))?;
    if let Some(message) = id_error(&record) {
        return Err(invalid(path, message));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let expected = format!("{}.json", record.run_id);
    if name != expected {
        return Err(invalid(
            path,
            format!(
                "the file of run {:?} must be named {expected:?}",
                record.run_id
            ),
        ));
    }
    Ok(record)
}

/// What a results directory holds for a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Existing {
    /// No record of this spec that passes [`read_run`]'s checks (none, unreadable, of another format or
    /// spec, or not the record its id and file name say): the run is made again and written at its path.
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

/// Reads `DIR/sweep.json`, or `None` where the directory has none. The manifest is checked: a format this
/// binary reads, and `run_ids` that are all run ids ([`is_run_id`]).
pub fn read_manifest(dir: &Path) -> Result<Option<SweepManifest>, StoreError> {
    let path = dir.join("sweep.json");
    if !path.exists() {
        return Ok(None);
    }
    let bytes = fs::read(&path).map_err(io(&path))?;
    check_format(&path, &bytes, "sweep manifest")?;
    let manifest: SweepManifest = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(&path, format!("not a sweep manifest: {e}")))?;
    if let Some((i, id)) = manifest
        .run_ids
        .iter()
        .enumerate()
        .find(|(_, id)| !is_run_id(id))
    {
        return Err(invalid(
            &path,
            format!(
                "run_ids[{i}] {id:?} is not a run id (<family>-<optimizer>-<16 hex digits>, names of [a-z0-9-])"
            ),
        ));
    }
    Ok(Some(manifest))
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

/// Writes `summary.csv` and `traces.csv` for `records` (in the given order), each atomically.
pub fn write_tables(dir: &Path, records: &[RunRecord]) -> Result<(), StoreError> {
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
    let bytes = crate::table::csv_bytes(SUMMARY_COLUMNS, rows);
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
    let bytes = crate::table::csv_bytes(TRACE_COLUMNS, rows);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The museum's reference results, kept in the repository.
    fn museum() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/baselines/museum")
    }

    /// A record of the museum's, as JSON, changed by `change` and written under `name` in a fresh
    /// `runs/`; returns the checked reading of it.
    fn tampered(
        name: Option<&str>,
        change: impl FnOnce(&mut serde_json::Value),
    ) -> (Result<RunRecord, StoreError>, PathBuf, tempfile::TempDir) {
        let source = run_files(&museum()).expect("the museum has runs")[0].clone();
        let mut v: serde_json::Value =
            serde_json::from_slice(&fs::read(&source).expect("readable")).expect("JSON");
        change(&mut v);
        let dir = tempfile::tempdir().expect("temp dir");
        let name = name.map_or_else(
            || source.file_name().expect("a name").to_os_string(),
            Into::into,
        );
        let path = dir.path().join("runs").join(name);
        write_atomic(&path, v.to_string().as_bytes()).expect("writable");
        (read_run(&path), path, dir)
    }

    fn message(r: Result<RunRecord, StoreError>) -> String {
        match r {
            Ok(r) => panic!("{} was accepted", r.run_id),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn run_ids_are_plain_file_names_of_one_form() {
        for id in [
            "quadratic-gd-0123456789abcdef",
            "double-well-newton-cg-0123456789abcdef",
            "acme.ring-acme.sgd-0123456789abcdef",
        ] {
            assert!(is_run_id(id), "{id} is a run id");
        }
        for id in [
            "",
            "quadratic-0123456789abcdef",
            "quadratic-gd-0123456789ABCDEF",
            "quadratic-gd-0123456789abcde",
            "../quadratic-gd-0123456789abcdef",
            "..-gd-0123456789abcdef",
            "a..b-gd-0123456789abcdef",
            ".quadratic-gd-0123456789abcdef",
            "quad/ratic-gd-0123456789abcdef",
            "quad\\ratic-gd-0123456789abcdef",
            "quad\0ratic-gd-0123456789abcdef",
            "-gd-0123456789abcdef",
            "quadratic--gd-0123456789abcdef",
        ] {
            assert!(!is_run_id(id), "{id:?} is not a run id");
        }
    }

    #[test]
    fn the_reference_results_pass_the_checks() {
        for name in ["museum", "quickstart"] {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("reports/baselines")
                .join(name);
            let runs = read_sweep(&dir).unwrap_or_else(|e| panic!("{e}"));
            assert!(!runs.records.is_empty(), "{name} has runs");
        }
    }

    #[test]
    fn a_record_is_read_only_as_the_record_of_its_spec_under_its_own_name() {
        let (r, _, _dir) = tampered(None, |_| {});
        assert!(r.is_ok(), "an untouched record reads: {r:?}");

        let (r, path, _dir) = tampered(None, |v| v["run_id"] = "../../elsewhere/x".into());
        let m = message(r);
        assert!(
            m.starts_with(&path.display().to_string())
                && m.contains(r#"run_id "../../elsewhere/x" is not the id of its spec (expected "double-well-"#),
            "{m}"
        );

        let (r, _, _dir) = tampered(None, |v| v["spec"]["seed"] = 12345.into());
        let m = message(r);
        assert!(m.contains("is not the id of its spec"), "{m}");

        let (r, _, _dir) = tampered(Some("quadratic-gd-0123456789abcdef.json"), |_| {});
        let m = message(r);
        assert!(m.contains("must be named \"double-well-"), "{m}");
    }

    #[test]
    fn a_record_of_a_format_this_binary_does_not_read_is_refused() {
        let newer = FORMAT + 1;
        let (r, path, _dir) = tampered(None, |v| v["format"] = newer.into());
        assert_eq!(
            message(r),
            format!(
                "{}: made by a newer optzoo (format {newer}); this one reads up to {FORMAT}",
                path.display()
            )
        );
        let (r, _, _dir) = tampered(None, |v| v["format"] = 0.into());
        let m = message(r);
        assert!(m.contains("not a run record: format 0"), "{m}");
        let (r, _, _dir) = tampered(None, |v| {
            v.as_object_mut().expect("an object").remove("format");
        });
        let m = message(r);
        assert!(
            m.contains("not a run record: it has no format version"),
            "{m}"
        );
    }

    #[test]
    fn a_record_whose_id_is_not_its_spec_is_never_written() {
        let (r, _, _dir) = tampered(None, |_| {});
        let mut record = r.expect("an untouched record reads");
        record.run_id = "../../elsewhere/x".into();
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("a").join("b");
        let m = match write_run(&out, &record) {
            Ok(()) => panic!("written"),
            Err(e) => e.to_string(),
        };
        assert!(m.contains("refusing to write a run record"), "{m}");
        assert!(!out.exists() && !dir.path().join("elsewhere").exists());
    }

    #[test]
    fn a_manifest_lists_only_run_ids() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut v: serde_json::Value =
            serde_json::from_slice(&fs::read(museum().join("sweep.json")).expect("readable"))
                .expect("JSON");
        v["run_ids"][0] = "../x".into();
        write_atomic(&dir.path().join("sweep.json"), v.to_string().as_bytes()).expect("writable");
        let m = read_manifest(dir.path())
            .map(|_| ())
            .expect_err("refused")
            .to_string();
        assert!(
            m.ends_with(r#"sweep.json: run_ids[0] "../x" is not a run id (<family>-<optimizer>-<16 hex digits>, names of [a-z0-9-])"#),
            "{m}"
        );
    }

    #[test]
    fn a_temporary_name_is_new_each_time_and_of_optzoos_form() {
        let a = temporary_name("sweep.json");
        let b = temporary_name("sweep.json");
        assert_ne!(a, b, "two temporaries of one file have different names");
        for t in [&a, &b] {
            assert_eq!(temporary_writer(t), Some(std::process::id()), "{t}");
        }
        for name in [
            "notes.tmp",
            ".notes.tmp",
            ".sweep.json.1234.tmp",
            ".sweep.json.optzoo-1234-0-0123456789abcde.tmp",
            ".sweep.json.optzoo-1234-0-0123456789ABCDEF.tmp",
            ".sweep.json.optzoo-x-0-0123456789abcdef.tmp",
            "..optzoo-1234-0-0123456789abcdef.tmp",
            "sweep.json.optzoo-1234-0-0123456789abcdef.tmp",
        ] {
            assert_eq!(temporary_writer(name), None, "{name} is not optzoo's");
        }
    }

    #[test]
    fn a_write_never_goes_through_a_link_planted_at_an_old_temporary_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "precious").expect("writable");
        let planted = dir
            .path()
            .join(format!(".sweep.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).expect("a symlink");
        let target = dir.path().join("sweep.json");
        write_atomic(&target, b"new").expect("written");
        assert_eq!(fs::read(&victim).expect("readable"), b"precious");
        assert_eq!(fs::read(&target).expect("readable"), b"new");
        assert!(fs::symlink_metadata(&planted).is_ok_and(|m| m.file_type().is_symlink()));
    }

    #[test]
    fn a_temporary_file_is_created_only_where_nothing_is() {
        let dir = tempfile::tempdir().expect("temp dir");
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "precious").expect("writable");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&victim, &link).expect("a symlink");
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).expect("a symlink");
        for existing in [&victim, &link, &dangling] {
            let e = create_new(existing).map(|_| ()).expect_err("refused");
            assert_eq!(
                e.kind(),
                std::io::ErrorKind::AlreadyExists,
                "{}",
                existing.display()
            );
        }
        assert_eq!(fs::read(&victim).expect("readable"), b"precious");
        assert!(
            !dir.path().join("nowhere").exists(),
            "nothing created through a link"
        );
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        // The target is a non-empty directory: the rename fails after the temporary file is written.
        let target = dir.path().join("sweep.json");
        fs::create_dir_all(target.join("inside")).expect("a directory");
        assert!(write_atomic(&target, b"new").is_err());
        let left: Vec<_> = fs::read_dir(dir.path())
            .expect("readable")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("sweep.json")]);
    }
}
