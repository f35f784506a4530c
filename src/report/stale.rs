//! Files an earlier report left in the output directory: which a new report removes and which it keeps.
//!
//! A report writes each of its files atomically (a temporary file, then a rename) and tidies up only after
//! every file is written, so a report that fails halfway leaves the earlier one whole. It then removes only
//! files it would itself have written and did not this time (figures of a sweep that has fewer instances
//! now, say): in `figures/`, files of the formats it wrote and `captions.md`; in `tables/`, `.md`, `.csv` and
//! `.tex` files. It does so only when it drew every figure kind, since a report of some kinds cannot tell
//! another kind's figure from a stale one. Everything else stays: `report DIR --formats svg` after a full
//! report keeps the PNG and PDF files, which are then listed as kept (they may be older than the SVGs).

use std::path::{Path, PathBuf};

use super::{FigureKind, ReportError, ReportOptions};

/// The extensions of figure files.
const FIGURE_EXTENSIONS: [&str; 3] = ["svg", "png", "pdf"];
/// The extensions of table files.
const TABLE_EXTENSIONS: [&str; 3] = ["md", "csv", "tex"];

fn extension(p: &Path) -> Option<String> {
    p.extension().map(|e| e.to_string_lossy().into_owned())
}

/// The plain files directly in `dir` (none when it does not exist), sorted; hidden files left out.
fn files_in(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| ReportError::Write {
        path: dir.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// Removes the stale files of `fig_dir` and `tab_dir` (see the module documentation), given every file the
/// report `written`; returns the figure files of an earlier report that are kept.
pub(super) fn remove(
    fig_dir: &Path,
    tab_dir: &Path,
    written: &[PathBuf],
    options: &ReportOptions,
) -> Result<Vec<PathBuf>, ReportError> {
    let full = FigureKind::ALL.iter().all(|k| options.kinds.contains(k));
    let f = options.formats;
    let formats: Vec<&str> = [(f.svg, "svg"), (f.png, "png"), (f.pdf, "pdf")]
        .into_iter()
        .filter_map(|(on, ext)| on.then_some(ext))
        .collect();
    let is_written = |p: &Path| written.iter().any(|w| w == p);
    let mut kept = Vec::new();
    for (dir, removable) in [
        (fig_dir, [formats.as_slice(), &["md"]].concat()),
        (tab_dir, TABLE_EXTENSIONS.to_vec()),
    ] {
        for p in files_in(dir)? {
            let ext = extension(&p).unwrap_or_default();
            if is_written(&p) {
                continue;
            }
            if full && removable.contains(&ext.as_str()) {
                std::fs::remove_file(&p).map_err(|e| ReportError::Write {
                    path: p.clone(),
                    message: format!("cannot remove a file of an earlier report: {e}"),
                })?;
            } else if dir == fig_dir && FIGURE_EXTENSIONS.contains(&ext.as_str()) {
                kept.push(p);
            }
        }
    }
    Ok(kept)
}
