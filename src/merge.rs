//! Joining shard directories into one results directory.
//!
//! Each shard directory holds a deterministic slice of one sweep (`optzoo run --shard K/N`). Merging copies
//! every run record its `sweep.json` lists into the output (other run files are left out and counted),
//! refuses two records of the same run id that differ outside `timing` (a conflict: different code or data
//! produced them), and writes the sweep's tables in plan order, so the result equals the unsharded sweep
//! outside `timing`. The shards' landscapes are joined (per instance the widest box; a shard samples over
//! the paths it ran, so a merged path figure's contours may cover less of the frame than an unsharded one's).
//! Nothing is built or run: a merge reads and writes files.
//!
//! The output directory must hold no `sweep.json` (a new or empty directory, say) or the same sweep's (with
//! the shards' config hash, as after an earlier merge of some of its shards): a merge into a directory whose
//! `sweep.json` belongs to another sweep, or is not a sweep manifest at all, is refused before anything is
//! written, so that sweep's manifest and runs stay as they were.
//!
//! Shard directories are data: every file is checked as it is read ([`crate::store::read_run`],
//! [`crate::store::read_manifest`]), and each record is written to `OUT/runs/<id>.json` with the id computed
//! from its spec, never with a name or path taken from a file. A record's final point kept in a file
//! ([`crate::points`]) is checked against its record as it is read and copied beside it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::store::{self, RunRecord, StoreError, SweepManifest};

/// Why shards cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A shard directory could not be read, or holds a file that is not what it should be (bad input).
    #[error(transparent)]
    Read(StoreError),
    /// Writing the merged directory failed.
    #[error(transparent)]
    Write(StoreError),
    /// Two shards hold different results for one run.
    #[error(
        "{run_id}: {first} and {second} hold different results for this run (outside timing); refusing to merge"
    )]
    Conflict {
        /// The run id.
        run_id: String,
        /// The first directory.
        first: PathBuf,
        /// The second directory.
        second: PathBuf,
    },
    /// Shards of different sweeps.
    #[error("{0} and {1} are shards of different sweeps (their config hashes differ)")]
    DifferentSweeps(PathBuf, PathBuf),
    /// The output directory holds another sweep's results (bad input): merging would replace its
    /// `sweep.json` and mix its runs with the shards'.
    #[error(
        "{}: belongs to another sweep (config_hash {found}; the shards' is {merging}); refusing to merge into \
         its directory: choose a new or empty OUT",
        path.display()
    )]
    OtherSweep {
        /// `OUT/sweep.json`.
        path: PathBuf,
        /// Its config hash.
        found: String,
        /// The shards' config hash.
        merging: String,
    },
    /// The output directory's `sweep.json` is not a sweep manifest this binary reads (bad input).
    #[error("{0}; refusing to replace it: choose a new or empty OUT")]
    UnreadableOut(StoreError),
}

/// What a merge did.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// Runs written.
    pub runs: usize,
    /// Planned runs that no shard holds.
    pub missing: Vec<String>,
    /// Run files in the shards that their `sweep.json` does not list (another config's): not merged.
    pub ignored: usize,
}

fn without_timing(r: &RunRecord) -> RunRecord {
    RunRecord {
        timing: Default::default(),
        ..r.clone()
    }
}

/// The run ids of `a`, with those of `b` that `a` lacks each inserted right after its predecessor in `b`.
///
/// Shards of an untuned sweep list the same ids, so this is `a`. Shards of a tuned sweep all list every
/// trial but only their own groups' evaluations, each right after its group's trials: inserting after
/// the predecessor puts every evaluation where the unsharded sweep has it.
pub fn union_in_order(a: &[String], b: &[String]) -> Vec<String> {
    if a == b {
        return a.to_vec();
    }
    let mut out: Vec<String> = a.to_vec();
    let mut previous: Option<usize> = None;
    for id in b {
        match out.iter().position(|x| x == id) {
            Some(i) => previous = Some(i),
            None => {
                let at = previous.map_or(0, |p| p + 1);
                out.insert(at, id.clone());
                previous = Some(at);
            }
        }
    }
    out
}

/// Reads `DIR/sweep.json`, which a shard directory must have.
pub fn read_manifest(dir: &Path) -> Result<SweepManifest, StoreError> {
    crate::store::read_manifest(dir)?.ok_or_else(|| StoreError::Io {
        path: dir.join("sweep.json"),
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    })
}

/// Merges shard directories `dirs` into `out`.
pub fn merge(out: &Path, dirs: &[PathBuf]) -> Result<Merged, MergeError> {
    let mut manifest: Option<(SweepManifest, &PathBuf)> = None;
    let mut records: BTreeMap<String, (RunRecord, &PathBuf)> = BTreeMap::new();
    // The final points kept in files beside the records, read and checked before anything is written.
    let mut points: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut ignored = 0;
    let mut landscapes = crate::landscape::Landscapes {
        format: store::FORMAT,
        landscapes: Vec::new(),
    };
    for dir in dirs {
        let m = read_manifest(dir).map_err(MergeError::Read)?;
        match &manifest {
            Some((first, first_dir)) if first.config_hash != m.config_hash => {
                return Err(MergeError::DifferentSweeps(
                    (*first_dir).clone(),
                    dir.clone(),
                ));
            }
            Some((first, _)) => {
                let joined = union_in_order(&first.run_ids, &m.run_ids);
                if let Some((first, _)) = manifest.as_mut() {
                    first.run_ids = joined;
                }
            }
            None => manifest = Some((m, dir)),
        }
        let runs = store::read_sweep(dir).map_err(MergeError::Read)?;
        ignored += runs.ignored;
        landscapes.join(crate::landscape::read(dir).map_err(MergeError::Read)?);
        for r in runs.records {
            // The key is computed from the spec; `read_sweep` has checked that the record's own id equals it.
            let id = r.spec.run_id();
            match records.get(&id) {
                Some((prev, prev_dir)) if without_timing(prev) != without_timing(&r) => {
                    return Err(MergeError::Conflict {
                        run_id: id,
                        first: (*prev_dir).clone(),
                        second: dir.clone(),
                    });
                }
                Some(_) => {}
                None => {
                    if let Some(x) = crate::points::read(dir, &r).map_err(MergeError::Read)? {
                        points.insert(id.clone(), x);
                    }
                    records.insert(id, (r, dir));
                }
            }
        }
    }
    let Some((mut manifest, _)) = manifest else {
        return Ok(Merged {
            runs: 0,
            missing: vec![],
            ignored,
        });
    };
    // Refused before anything is written: OUT holds nothing of a sweep, or this sweep.
    match store::read_manifest(out) {
        Ok(None) => {}
        Ok(Some(there)) if there.config_hash == manifest.config_hash => {}
        Ok(Some(there)) => {
            return Err(MergeError::OtherSweep {
                path: out.join("sweep.json"),
                found: there.config_hash,
                merging: manifest.config_hash,
            });
        }
        Err(e) => return Err(MergeError::UnreadableOut(e)),
    }
    for (id, (r, _)) in &records {
        if let Some(x) = points.get(id) {
            crate::points::write(out, id, x).map_err(MergeError::Write)?;
        }
        // Written at the id of its spec (`write_run` refuses a record whose `run_id` differs).
        store::write_run(out, r).map_err(MergeError::Write)?;
    }
    let mut ordered = Vec::new();
    let mut missing = Vec::new();
    for id in &manifest.run_ids {
        match records.get(id) {
            Some((r, _)) => ordered.push(r.clone()),
            None => missing.push(id.clone()),
        }
    }
    manifest.shard = None;
    store::write_sweep(out, &manifest, &ordered).map_err(MergeError::Write)?;
    crate::tune::table::write(out, &ordered).map_err(MergeError::Write)?;
    crate::landscape::write(out, &landscapes).map_err(MergeError::Write)?;
    Ok(Merged {
        runs: records.len(),
        missing,
        ignored,
    })
}
