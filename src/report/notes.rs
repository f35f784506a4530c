//! Pieces that several figure builders share: the mark of how a run ended, and caption texts (the seeds,
//! the optimizers that did not apply).

use crate::analysis::sweep::Sweep;
use crate::stop::Status;

use super::style::Marker;

/// The mark of a run that ended with `status`: shape, whether it is drawn in ink (else in the run's
/// colour, hollow where the shape has an inside), and the legend text; `None` for runs that converged or did not apply.
pub fn status_mark(status: Status) -> Option<(Marker, bool, &'static str)> {
    match status {
        Status::Converged | Status::NotApplicable => None,
        Status::Diverged => Some((Marker::Cross, true, "diverged")),
        Status::Failed => Some((Marker::Plus, true, "failed")),
        Status::MaxIters | Status::MaxEvals | Status::TimeLimit => {
            Some((Marker::Stop, false, "stopped by a budget"))
        }
        Status::Stopped => Some((Marker::Stop, false, "stopped on its own")),
    }
}

/// `optimizer (message)` for every optimizer configuration with a not-applicable run on instance `i`.
pub fn not_applicable(sweep: &Sweep, i: usize) -> Vec<String> {
    (0..sweep.optimizers.len())
        .filter_map(|o| {
            let runs = sweep.runs(i, o);
            let na = runs
                .iter()
                .find(|r| r.outcome.status == Status::NotApplicable)?;
            Some(format!(
                "{} ({})",
                sweep.optimizers[o].label,
                na.outcome.message.clone().unwrap_or_default()
            ))
        })
        .collect()
}

/// `seed 0`, or `3 seeds (0, 1, 2)`.
pub fn seeds_text(sweep: &Sweep) -> String {
    let seeds = sweep.seeds();
    if seeds.len() == 1 {
        format!("seed {}", seeds[0])
    } else {
        format!(
            "{} seeds ({})",
            seeds.len(),
            seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
