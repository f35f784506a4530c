//! What `report` and `compare` write and print: figures, tables, captions and pages read at a glance and
//! ready for a paper, numbers recomputed from the run records, labels and tuned choices shown, and
//! `compare`'s verdicts and formats.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/shared_dir.rs"]
mod shared_dir;
#[path = "../common/svg.rs"]
mod svg;

mod batch_report;
mod compare;
mod compare_output;
mod figure_readability;
mod honest_answers;
mod labels;
mod legend_layout;
mod outcome_tables;
mod paper_output;
mod report;
mod sweep_runs;
mod table_formats;
mod tuned_choices;
