//! Final points kept beside the records: `DIR/points/<run-id>.f64`, the last iterate of a run whose
//! dimension is above what a record keeps inline (`outcome.final_x`, up to
//! [`KEEP_FINAL_X_MAX_DIM`](crate::runner::KEEP_FINAL_X_MAX_DIM)) and at most [`KEEP_MAX_DIM`].
//!
//! The file holds the coordinates as little-endian f64 ([`crate::record::point`]); it is written atomically
//! ([`crate::store::write_atomic`]) before its record, and the record states its length and SHA-256
//! (`outcome.final_x_file`), so a reader checks what it reads ([`read`]): a missing or altered file is an
//! error naming the file and what is wrong, never another point. Records without the field (older
//! formats, smaller or larger runs) read as before; they simply keep no file.

use std::path::{Path, PathBuf};

use crate::record::RunRecord;
use crate::record::point::{self, PointFile};
use crate::store::StoreError;

/// The largest dimension whose final point is kept in a file (8 bytes a coordinate: at most 800 kB a run).
pub const KEEP_MAX_DIM: usize = 100_000;

/// The folder of the points inside a results directory.
pub const FOLDER: &str = "points";

/// The path of a run's point file.
pub fn path(dir: &Path, run_id: &str) -> PathBuf {
    dir.join(FOLDER).join(format!("{run_id}.f64"))
}

/// Writes `x` as the point file of `run_id` in `dir`, atomically, and returns what its record says of it.
pub fn write(dir: &Path, run_id: &str, x: &[f64]) -> Result<PointFile, StoreError> {
    let (bytes, file) = point::encode(x);
    crate::store::write_atomic(&path(dir, run_id), &bytes)?;
    Ok(file)
}

/// The point file of `record` in `dir`, checked against the record (length and SHA-256); `None` when the
/// record keeps no file.
pub fn read(dir: &Path, record: &RunRecord) -> Result<Option<Vec<f64>>, StoreError> {
    let Some(file) = &record.outcome.final_x_file else {
        return Ok(None);
    };
    let p = path(dir, &record.run_id);
    let bytes = std::fs::read(&p).map_err(|source| StoreError::Io {
        path: p.clone(),
        source,
    })?;
    point::decode(&bytes, file)
        .map(Some)
        .map_err(|message| StoreError::Invalid {
            path: p,
            message: format!("the final point of run {}: {message}", record.run_id),
        })
}

/// Where a recorded run ended: its inline `final_x`, else its checked point file; an error says why
/// there is none (a failed run, a record older than format 3, a dimension above [`KEEP_MAX_DIM`]).
pub fn final_point(dir: &Path, record: &RunRecord) -> Result<Vec<f64>, StoreError> {
    if let Some(x) = &record.outcome.final_x {
        return Ok(x.clone());
    }
    if let Some(x) = read(dir, record)? {
        return Ok(x);
    }
    Err(StoreError::Invalid {
        path: crate::store::run_path(dir, &record.run_id),
        message: format!(
            "the record keeps no final point (status {}, dimension {}, format {}): points are kept for \
             runs of dimension up to {KEEP_MAX_DIM}, by optzoo writing record format 3 or later",
            record.outcome.status, record.outcome.dim, record.format
        ),
    })
}

/// Copies the point file of `record` from results directory `from` to `to`, checked as [`read`] checks it
/// (nothing to do when the record keeps none).
pub fn copy(from: &Path, to: &Path, record: &RunRecord) -> Result<(), StoreError> {
    match read(from, record)? {
        Some(x) => write(to, &record.run_id, &x).map(|_| ()),
        None => Ok(()),
    }
}
