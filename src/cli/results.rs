//! The runs of a results directory as `compare` and `report` read them, with the note on runs left out.

use crate::analysis::compare;
use crate::store;

use super::BadInput;

/// The note that `n` run files in `dir/runs` were left out, not being listed in `dir/sweep.json`.
pub(super) fn ignored_note(dir: &std::path::Path, n: usize) -> String {
    format!(
        "note: {} holds {} that {} does not list (another config's, written to the same directory): ignored",
        dir.join("runs").display(),
        compare::text::count(n, "run"),
        dir.join("sweep.json").display()
    )
}

/// The runs of the sweep in `dir` (only those its sweep.json lists, where it has one), with a note on the
/// runs left out.
pub(super) fn results_dir(
    dir: &std::path::Path,
    role: &str,
) -> anyhow::Result<(Vec<store::RunRecord>, Option<String>)> {
    if !dir.join("runs").is_dir() {
        return Err(BadInput(format!(
            "{role} {}: not a results directory (no runs/ inside)",
            dir.display()
        ))
        .into());
    }
    let runs = store::read_sweep(dir).map_err(|e| BadInput(format!("{role}: {e}")))?;
    let note = (runs.ignored > 0).then(|| ignored_note(dir, runs.ignored));
    Ok((runs.records, note))
}
