//! `optzoo compare`: new results against a baseline, run by run.

use std::path::PathBuf;

use crate::analysis::compare::{self, Matching, Tolerances};
use crate::store;

use super::results::results_dir;
use super::{BadInput, CompareFormat, Regressions};

pub(super) fn compare_dirs(
    baseline: PathBuf,
    new: PathBuf,
    tol: Tolerances,
    matching: Matching,
    format: CompareFormat,
) -> anyhow::Result<()> {
    for (name, v) in [
        ("--count-rtol", tol.count_rtol),
        ("--count-atol", tol.count_atol),
        ("--value-rtol", tol.value_rtol),
        ("--value-atol", tol.value_atol),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(BadInput(format!("{name} must be a finite number >= 0, got {v}")).into());
        }
    }
    let (base, base_note) = results_dir(&baseline, "baseline")?;
    // Against no runs every new result would pass: a check that cannot fail is refused, as `report` refuses
    // the same folder. (New results with no runs against a baseline that has some are all missing: a
    // regression, reported as such.)
    if base.is_empty() {
        let why = base_note.map(|n| format!(" ({n})")).unwrap_or_default();
        return Err(BadInput(format!(
            "baseline {}: the baseline holds no runs{why}, so a comparison against it could not fail",
            baseline.display()
        ))
        .into());
    }
    let (new_runs, new_note) = results_dir(&new, "new")?;
    let c = compare::compare_matching(&base, &new_runs, &tol, matching)
        .map_err(|e| BadInput(e.to_string()))?;
    let mut notes: Vec<String> = base_note.into_iter().chain(new_note).collect();
    let code = |r: &store::RunRecord| r.provenance.code.clone();
    let (base_codes, new_codes): (Vec<_>, Vec<_>) = (
        base.iter().map(code).collect(),
        new_runs.iter().map(code).collect(),
    );
    if !new_runs.is_empty()
        && let Some(note) = crate::identity::difference(
            base_codes.iter().map(Option::as_deref),
            new_codes.iter().map(Option::as_deref),
        )
    {
        notes.push(note);
    }
    match format {
        CompareFormat::Md => print!("{}", compare::text::markdown(&c, &notes)),
        CompareFormat::Json => print!("{}", compare::machine::json(&c, &notes)),
        CompareFormat::Csv => {
            for n in &notes {
                eprintln!("{n}");
            }
            eprintln!("{}", compare::text::headline(&c));
            eprintln!("{}", compare::text::verdict_line(&c.counts()));
            if let Some(h) = &c.hint {
                eprintln!("hint: {h}");
            }
            print!("{}", compare::machine::csv(&c));
        }
    }
    let t = c.counts();
    match t.failing() {
        0 => Ok(()),
        _ => Err(Regressions(t.regressed, t.missing).into()),
    }
}
