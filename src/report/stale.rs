//! The files of a report in its output folder `OUT`: the manifest of what a report wrote, and which files of
//! an earlier report a new one removes.
//!
//! A report writes each of its files atomically (a temporary file, then a rename) and tidies up only after
//! every file is written, so a report that fails halfway leaves the earlier one whole. It then records every
//! file it wrote, with the SHA-256 of its contents, in the manifest `OUT/.optzoo-report.json` ([`MANIFEST`]).
//! The next report into `OUT` removes a file only if that manifest lists it and the new report did not write
//! it again (figures of an instance the sweep no longer has, say), and only while the file is still what the
//! earlier report wrote: a regular file (not a symbolic link) with the recorded contents, in a `figures/` or
//! `tables/` that is a directory itself (not a symbolic link to one). Even then it removes it only when the
//! new report drew every figure kind (a report of some kinds cannot tell another kind's figure from a stale
//! one), and it keeps figure files of the formats it did not write: `report DIR --formats svg` after a full
//! report keeps the PNG and PDF files, which are then listed as kept (they may be older than the SVGs) and
//! stay in the manifest, so a later report in those formats can remove them.
//!
//! Nothing else is ever removed: no file the user put in the folder, nothing in a folder without a manifest
//! (an empty one, or a report of an optzoo that kept none) and nothing behind a symbolic link. Where
//! `figures/` or `tables/` is a symbolic link to a directory, the report writes its files there (whoever made
//! the link chose that place) but removes none of them. Before writing, a report removes the temporary files
//! that killed optzoo writers left in `OUT`, `OUT/figures` and `OUT/tables` (optzoo's temporary names only,
//! see [`crate::store::remove_stale_temporaries`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{FigureKind, ReportError, ReportOptions};
use crate::store::write_atomic;

/// The file name of a report's manifest, in its output folder.
pub(super) const MANIFEST: &str = ".optzoo-report.json";
/// The layout of the manifest this binary writes and reads.
const MANIFEST_FORMAT: u32 = 1;

/// The extensions of figure files.
const FIGURE_EXTENSIONS: [&str; 3] = ["svg", "png", "pdf"];
/// The extensions of table files.
const TABLE_EXTENSIONS: [&str; 3] = ["md", "csv", "tex"];

/// What `OUT/.optzoo-report.json` holds: the files of the report in `OUT`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// [`MANIFEST_FORMAT`].
    format: u32,
    /// Every file of the report, sorted by path.
    files: Vec<Entry>,
}

/// One file of a report.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    /// The path relative to the output folder, `/`-separated (`figures/kappa-00.svg`).
    path: String,
    /// The SHA-256 of the contents the report wrote, in lowercase hex.
    sha256: String,
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write_error(path: &Path, message: String) -> ReportError {
    ReportError::Write {
        path: path.to_path_buf(),
        message,
    }
}

/// Where a manifest entry may point: `index.html`, or a plain file name (no separator, not hidden) in
/// `figures/` or `tables/` with an extension a report writes there; the sub-folder and the name. A manifest
/// is read from the output folder, so an entry that points anywhere else is ignored.
fn place(path: &str) -> Option<(Option<&'static str>, &str)> {
    if path == "index.html" {
        return Some((None, path));
    }
    let (sub, name) = path.split_once('/')?;
    let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
    let (_, ext) = name.rsplit_once('.')?;
    match sub {
        "figures" if plain && (FIGURE_EXTENSIONS.contains(&ext) || ext == "md") => {
            Some((Some("figures"), name))
        }
        "tables" if plain && TABLE_EXTENSIONS.contains(&ext) => Some((Some("tables"), name)),
        _ => None,
    }
}

/// Whether `path` is a directory itself, not a symbolic link to one.
fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir())
}

/// The path of the file an earlier report wrote as `entry`, if it is still that report's: a regular file
/// (not a symbolic link) in a sub-folder that is no symbolic link, holding the contents recorded.
fn still_written(out: &Path, sub: Option<&str>, name: &str, sha256: &str) -> Option<PathBuf> {
    let dir = match sub {
        Some(sub) => {
            let dir = out.join(sub);
            is_real_dir(&dir).then_some(dir)?
        }
        None => out.to_path_buf(),
    };
    let path = dir.join(name);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    (sha256_hex(&bytes) == sha256).then_some(path)
}

/// The entries of the manifest of an earlier report in `out`: none when there is none, or when it is not a
/// regular file or not a manifest this binary reads (then nothing of that report is removed).
fn earlier(out: &Path) -> Vec<Entry> {
    let path = out.join(MANIFEST);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return Vec::new();
    }
    std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
        .filter(|m| m.format == MANIFEST_FORMAT)
        .map(|m| m.files)
        .unwrap_or_default()
}

/// Removes the temporary files that killed optzoo writers left in the output folder `out` and its
/// `figures/` and `tables/` (see the module documentation).
pub(super) fn remove_stale_temporaries(out: &Path) {
    crate::store::remove_stale_temporaries(out, &["figures", "tables"]);
}

/// Removes the files of an earlier report in `out` that this one, which wrote `written`, did not write
/// again, as the module documentation says, and writes the new manifest; returns the figure files of an
/// earlier report that are kept, sorted.
pub(super) fn tidy(
    out: &Path,
    written: &[PathBuf],
    options: &ReportOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    let full = FigureKind::ALL.iter().all(|k| options.kinds.contains(k));
    let f = options.formats;
    let formats: Vec<&str> = [(f.svg, "svg"), (f.png, "png"), (f.pdf, "pdf")]
        .into_iter()
        .filter_map(|(on, ext)| on.then_some(ext))
        .collect();

    let mut files = Vec::new();
    let mut now = BTreeSet::new();
    for path in written {
        let Ok(relative) = path.strip_prefix(out) else {
            continue;
        };
        let relative: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let relative = relative.join("/");
        let bytes = std::fs::read(path).map_err(|e| write_error(path, e.to_string()))?;
        if now.insert(relative.clone()) {
            files.push(Entry {
                path: relative,
                sha256: sha256_hex(&bytes),
            });
        }
    }

    let mut kept = Vec::new();
    for entry in earlier(out) {
        if now.contains(&entry.path) {
            continue;
        }
        // An entry that points outside the report's places, or a file no longer as the report wrote it, is
        // not the report's any more: dropped from the manifest, never removed.
        let Some((sub, name)) = place(&entry.path) else {
            continue;
        };
        let Some(path) = still_written(out, sub, name, &entry.sha256) else {
            continue;
        };
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        let figure = sub == Some("figures") && FIGURE_EXTENSIONS.contains(&ext);
        // A figure in a format not written now is kept: this report cannot tell whether it is stale.
        let other_format = figure && !formats.contains(&ext);
        if full && !other_format {
            std::fs::remove_file(&path).map_err(|e| {
                write_error(
                    &path,
                    format!("cannot remove a file of an earlier report: {e}"),
                )
            })?;
        } else {
            if figure {
                kept.push(path);
            }
            now.insert(entry.path.clone());
            files.push(entry);
        }
    }

    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = Manifest {
        format: MANIFEST_FORMAT,
        files,
    };
    let path = out.join(MANIFEST);
    let mut bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| write_error(&path, e.to_string()))?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes).map_err(|e| write_error(&path, e.to_string()))?;
    kept.sort();
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_entry_points_only_at_places_a_report_writes() {
        assert_eq!(place("index.html"), Some((None, "index.html")));
        assert_eq!(
            place("figures/kappa-00.svg"),
            Some((Some("figures"), "kappa-00.svg"))
        );
        assert_eq!(
            place("figures/captions.md"),
            Some((Some("figures"), "captions.md"))
        );
        assert_eq!(
            place("tables/museum.tex"),
            Some((Some("tables"), "museum.tex"))
        );
        for path in [
            "",
            "notes.md",
            "../index.html",
            "figures/../../thesis.tex",
            "figures/sub/x.svg",
            "figures/.hidden.svg",
            "figures/x.txt",
            "figures/x",
            "tables/x.svg",
            "tables/..\\x.tex",
            "/etc/x.md",
            "runs/x.json",
            ".optzoo-report.json",
        ] {
            assert_eq!(place(path), None, "{path:?}");
        }
    }
}
