//! The report's tables as data: what each holds, its notes and its caption. They are written in Markdown,
//! CSV, LaTeX (booktabs) and HTML by the formats of [`crate::table`].
//!
//! - The museum table ([`museum_table`], see [`crate::analysis::museum`]).
//! - Outcomes ([`outcomes`]): pooled over the sweep, and one table per problem instance.
//! - Iterations versus kappa ([`kappa`]), one per kappa study.
//! - Steps to target versus batch size ([`batch`]), one per batch-size study.
//!
//! Every LaTeX file is a `table` float ([`crate::table::Latex`] of a table with a caption) whose caption
//! says what the table shows and the stop rule of its runs ([`stop_rule_sentence`]), under a comment line
//! naming the package its rules need (booktabs).

pub mod batch;
pub mod kappa;
pub mod outcomes;

use std::collections::BTreeMap;

use crate::analysis::sweep::Sweep;
use crate::stop::Status;

pub use crate::table::{Table, html_escape, latex_escape, markdown_cell, math};
pub use batch::{
    batch_cell_text, batch_note, batch_table, critical_text, fit_text, noise_scale_text,
};
pub use kappa::{kappa_cell_text, kappa_table};
pub use outcomes::{
    INSTANCE_NOTE, console_outcome_table, instance_outcome_table, outcome_table, pooled_note,
};

/// `n status` for every status but `converged` that some of a cell's runs ended with, in report order: what
/// a cell of a study's table says of the runs that did not converge.
pub fn failure_counts(statuses: &BTreeMap<Status, usize>) -> Vec<String> {
    statuses
        .iter()
        .filter(|(s, n)| **s != Status::Converged && **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect()
}

/// The museum table of a sweep (see [`crate::analysis::museum`]).
pub fn museum_table(sweep: &Sweep) -> Table {
    use crate::analysis::museum::{museum, museum_cells, museum_header};
    Table::new(
        museum_header(sweep),
        museum(sweep)
            .iter()
            .map(|row| museum_cells(sweep, row))
            .collect(),
    )
}

/// The sentence that tells the museum table's two time columns apart (in [`MUSEUM_NOTE`], and under
/// the Markdown table).
macro_rules! museum_medians {
    () => {
        "time / step and cost / step are different medians (the first over all runs of a configuration, the \
second of ratios paired run by run), so one does not divide into the other."
    };
}

/// The sentence that tells the museum table's two time columns apart: each is a median of its own.
pub const MUSEUM_MEDIANS: &str = museum_medians!();

/// The note under the museum table, stating where each column comes from.
pub const MUSEUM_NOTE: &str = concat!(
    "Per optimizer configuration. keeps and memory (floats held beyond the iterate, \
as a formula) are what the method states of itself; everything else is measured in this sweep. measured: the \
bytes the optimizer allocated and still held after its start and first step, in floats, on the largest \
instance it ran (not measured where a client process holds the memory: this process sees only its side of \
the protocol). time / step: median optimizer time per iteration over its runs. cost / step: median over \
shared runs (same instance and seed) of its time per iteration over that of the configuration the header \
names: the first gd configuration, else the first that runs in this process. ",
    museum_medians!(),
    " kappa slope: the fitted slope \
of log iterations on log kappa (first kappa study, converged runs at kappa > 1), with how many runs at \
kappa > 1 did not converge and where (the fit leaves them out), or why there is no slope; beside it the \
theory slope for that configuration (none where theory gives none). ends on saddle \
problems: the Hessian's verdict at the last point of diagnosed runs on problems that document a saddle. \
converged: runs that met the stop rule, of those that applied."
);

/// The sentence every LaTeX caption ends with: the stop rule of the sweep's runs (tuning trials included),
/// or each of them where runs differ.
pub fn stop_rule_sentence(sweep: &Sweep) -> String {
    let mut rules: Vec<String> = Vec::new();
    for r in sweep.records.iter().chain(&sweep.trials) {
        let text = r.spec.stop.describe();
        if !rules.contains(&text) {
            rules.push(text);
        }
    }
    match rules.as_slice() {
        [] => String::new(),
        [one] => format!("Stop rule: {one}."),
        many => format!(
            "Stop rules (they differ between runs): {}.",
            many.join("; ")
        ),
    }
}

/// A LaTeX caption: the table's title, its note and the stop rule, each as a sentence.
pub fn caption(title: &str, note: &str, stop: &str) -> String {
    [title, note, stop]
        .iter()
        .map(|s| s.trim().trim_end_matches('.'))
        .filter(|s| !s.is_empty())
        .map(|s| format!("{s}."))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caption_is_its_parts_as_sentences() {
        assert_eq!(
            caption(
                "Outcomes on quadratic",
                "Medians over 3 seeds.",
                "Stop rule: grad_rtol = 1e-6."
            ),
            "Outcomes on quadratic. Medians over 3 seeds. Stop rule: grad_rtol = 1e-6."
        );
        assert_eq!(caption("Title", "", ""), "Title.");
    }
}
