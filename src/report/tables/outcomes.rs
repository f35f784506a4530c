//! Outcome tables: how the runs of each optimizer configuration ended, and what they cost.
//!
//! - Pooled ([`outcome_table`]): one row per optimizer configuration over the whole sweep, the count of each
//!   status, and the median iterations and gradient-equivalent evaluations of converged runs, whatever the
//!   problem (a tuned sweep adds the evaluations spent on tuning). The table `optzoo run` prints
//!   ([`console_outcome_table`]) is the same table ([`pooled_table`]) with a row per tuned choice and
//!   shorter words.
//! - Per problem instance ([`instance_outcome_table`]): one row per optimizer configuration that ran on the
//!   instance, the count of each status, and the median with the range `[min, max]` over the instance's
//!   seeds of iterations, gradient-equivalent evaluations and the final gap `f - f*` (the final value where
//!   `f*` is unknown), over every run that ran (all but `not-applicable`), converged or not. A tuned
//!   optimizer's row shows the values chosen for the instance. The CSV form has plain numbers, one column
//!   each for median, min and max.

use serde_json::Value;

use super::Table;
use crate::analysis::sweep::{Sweep, number_text};
use crate::digits::significant;
use crate::stop::Status;
use crate::store::{RunRecord, fmt_real};
use crate::summary::{median, tuned_text_for, tuned_values_text};

/// How a pooled outcome table names its median columns and writes its medians: the report's words in
/// full ([`REPORT_WORDS`]), the console's short ([`CONSOLE_WORDS`]).
#[derive(Debug, Clone, Copy)]
pub struct OutcomeWords {
    /// The header of the median iterations.
    pub iterations: &'static str,
    /// The header of the median gradient-equivalent evaluations.
    pub evaluations: &'static str,
    /// The header of the evaluations spent on tuning.
    pub tuning: &'static str,
    /// A median as text.
    pub number: fn(f64) -> String,
}

/// The report's words: `median iterations`, medians by [`number_text`].
pub const REPORT_WORDS: OutcomeWords = OutcomeWords {
    iterations: "median iterations",
    evaluations: "median evaluations",
    tuning: "tuning evaluations",
    number: number_text,
};

/// The console's words: `median iters`, medians as Rust prints them.
pub const CONSOLE_WORDS: OutcomeWords = OutcomeWords {
    iterations: "median iters",
    evaluations: "median evals",
    tuning: "tuning evals",
    number: |m| format!("{m}"),
};

/// The pooled outcome table of `groups` (a row label and its runs, in row order) among `records` (every
/// run the table counts): runs, each status that occurs among `records`, the median iterations and
/// evaluations of converged runs, and where any run was tuned, the evaluations spent on tuning.
pub fn pooled_table(
    groups: &[(String, Vec<&RunRecord>)],
    records: &[&RunRecord],
    words: OutcomeWords,
) -> Table {
    let statuses: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|s| records.iter().any(|r| r.outcome.status == *s))
        .collect();
    let mut header = vec!["optimizer".to_string(), "runs".to_string()];
    header.extend(statuses.iter().map(|s| s.to_string()));
    header.push(words.iterations.into());
    header.push(words.evaluations.into());
    let tuned = records.iter().any(|r| r.spec.tuning.is_some());
    if tuned {
        header.push(words.tuning.into());
    }
    let rows = groups
        .iter()
        .map(|(label, runs)| {
            let mut row = vec![label.clone(), runs.len().to_string()];
            row.extend(crate::record::status_counts(
                runs.iter().copied(),
                &statuses,
            ));
            let (iters, evals) = crate::summary::converged_medians(runs);
            row.push(iters.map_or("-".into(), words.number));
            row.push(evals.map_or("-".into(), words.number));
            if tuned {
                row.push(crate::summary::tuning_cost(runs).to_string());
            }
            row
        })
        .collect();
    Table::new(header, rows)
}

/// The pooled outcome table of a sweep: one row per optimizer configuration, over every instance and seed;
/// medians over converged runs.
pub fn outcome_table(sweep: &Sweep) -> Table {
    let groups: Vec<(String, Vec<&RunRecord>)> = sweep
        .optimizers
        .iter()
        .enumerate()
        .map(|(o, opt)| {
            let runs = sweep
                .records
                .iter()
                .zip(&sweep.cells)
                .filter(|(_, c)| c.1 == o)
                .map(|(r, _)| r)
                .collect();
            (opt.label.clone(), runs)
        })
        .collect();
    let records: Vec<&RunRecord> = sweep.records.iter().collect();
    pooled_table(&groups, &records, REPORT_WORDS)
}

/// The outcome table a sweep prints at its end, for [`crate::table::Text`]: rows by
/// [`crate::summary::row_labels`] (in order of first appearance; a tuned optimizer has one row per
/// choice), the console's words, and a note on whom the medians count. Tuning trials are not rows: they
/// are in `tuning.csv`.
pub fn console_outcome_table(records: &[RunRecord]) -> Table {
    let records: Vec<&RunRecord> = records
        .iter()
        .filter(|r| {
            r.spec
                .tuning
                .as_ref()
                .is_none_or(|t| t.phase != crate::tune::Phase::Trial)
        })
        .collect();
    let mut groups: Vec<(String, Vec<&RunRecord>)> = Vec::new();
    for (r, label) in records
        .iter()
        .copied()
        .zip(crate::summary::row_labels(&records))
    {
        match groups.iter_mut().find(|(l, _)| *l == label) {
            Some((_, runs)) => runs.push(r),
            None => groups.push((label, vec![r])),
        }
    }
    let mut table = pooled_table(&groups, &records, CONSOLE_WORDS);
    // Who the medians count, said where they are read.
    let instances: std::collections::BTreeSet<(&str, String)> = records
        .iter()
        .map(|r| {
            (
                r.spec.problem.family.as_str(),
                r.spec.problem.params.to_string(),
            )
        })
        .collect();
    let pooled = if instances.len() > 1 {
        format!(", pooled over {} problem instances", instances.len())
    } else {
        String::new()
    };
    table
        .notes
        .push(format!("medians: of converged runs only{pooled}"));
    table
}

/// The note under the pooled table: what it pools.
pub fn pooled_note(sweep: &Sweep) -> String {
    let mut families: Vec<&str> = Vec::new();
    for i in &sweep.instances {
        if !families.contains(&i.spec.family.as_str()) {
            families.push(&i.spec.family);
        }
    }
    format!(
        "Pooled over all {} problem instances of the sweep ({}) and {} seeds: runs by status, and median \
         iterations and gradient-equivalent evaluations over converged runs only, whatever the problem, so \
         the medians mix unlike problems; the tables per instance give each problem apart.",
        sweep.instances.len(),
        families.join(", "),
        sweep.seeds().len()
    )
}

/// The note under each per-instance table.
pub const INSTANCE_NOTE: &str = "Per optimizer configuration, over the seeds: runs by status, then the median \
and the range [min, max] of iterations, gradient-equivalent evaluations and the final gap f - f* (the final \
value where f* is unknown) over every run that ran (all but not-applicable), converged or not; a single \
number where all runs agree. A tuned optimizer shows the values its tuning chose for this instance.";

/// Median, least and greatest of some values.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

fn spread(mut values: Vec<f64>) -> Option<Spread> {
    let median = median(&mut values)?;
    // `median` sorted the values (NaN last).
    Some(Spread {
        median,
        min: values[0],
        max: values[values.len() - 1],
    })
}

fn spread_text(s: Option<Spread>, text: fn(f64) -> String) -> String {
    match s {
        None => "-".into(),
        Some(s) if s.min.total_cmp(&s.max).is_eq() => text(s.median),
        Some(s) => format!("{} [{}, {}]", text(s.median), text(s.min), text(s.max)),
    }
}

fn spread_numbers(s: Option<Spread>) -> [String; 3] {
    match s {
        None => Default::default(),
        Some(s) => [fmt_real(s.median), fmt_real(s.min), fmt_real(s.max)],
    }
}

fn gap_text(x: f64) -> String {
    significant(x, 3)
}

/// The label of an optimizer configuration on one instance: its label, with the values a tuning chose for
/// the instance in place of `tuned` (`gd step=1.97 (tuned)`).
fn row_label(label: &str, runs: &[&RunRecord]) -> String {
    let Some(t) = runs.iter().find_map(|r| r.spec.tuning.as_ref()) else {
        return label.to_string();
    };
    let mut out = label.to_string();
    let mut extra = String::new();
    if let Value::Object(m) = &t.tuned {
        for (k, v) in m {
            let one = serde_json::json!({ k.as_str(): v });
            let shown = runs.first().map_or_else(
                || tuned_values_text(&one),
                |r| tuned_text_for(&r.spec.optimizer, &one),
            );
            let short = k.rsplit('.').next().unwrap_or(k);
            let token = [format!("{k}=tuned"), format!("{short}=tuned")]
                .into_iter()
                .find(|t| out.contains(t.as_str()));
            match token {
                Some(token) => out = out.replacen(&token, &shown, 1),
                None => {
                    extra.push(' ');
                    extra.push_str(&shown);
                }
            }
        }
    }
    format!("{out}{extra} (tuned)")
}

/// The outcome table of instance `instance` of `sweep`; for CSV (`plain`), median, min and max in columns
/// of their own, as plain numbers.
pub fn instance_outcome_table(sweep: &Sweep, instance: usize, plain: bool) -> Table {
    let info = &sweep.instances[instance];
    let rows: Vec<(usize, Vec<&RunRecord>)> = (0..sweep.optimizers.len())
        .map(|o| (o, sweep.runs(instance, o)))
        .filter(|(_, runs)| !runs.is_empty())
        .collect();
    let statuses: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|s| {
            rows.iter()
                .flat_map(|(_, rs)| rs)
                .any(|r| r.outcome.status == *s)
        })
        .collect();
    let known = info.optimum_value;
    let gap_name = if known.is_some() { "f - f*" } else { "final f" };
    let mut header = vec!["optimizer".to_string(), "runs".to_string()];
    header.extend(statuses.iter().map(|s| s.to_string()));
    for what in ["iterations", "evaluations", gap_name] {
        if plain {
            let stem = what.replace(' ', "");
            let stem = match stem.as_str() {
                "f-f*" => "gap",
                "finalf" => "final_value",
                other => other,
            }
            .to_string();
            header.extend(["median", "min", "max"].map(|s| format!("{stem}_{s}")));
        } else {
            header.push(format!("{what} median [min, max]"));
        }
    }
    let body = rows
        .iter()
        .map(|(o, runs)| {
            let mut row = vec![
                row_label(&sweep.optimizers[*o].label, runs),
                runs.len().to_string(),
            ];
            row.extend(crate::record::status_counts(
                runs.iter().copied(),
                &statuses,
            ));
            let ran: Vec<&&RunRecord> = runs
                .iter()
                .filter(|r| r.outcome.status != Status::NotApplicable)
                .collect();
            let iters = spread(ran.iter().map(|r| r.outcome.iterations as f64).collect());
            let evals = spread(
                ran.iter()
                    .map(|r| r.outcome.grad_equiv_evals as f64)
                    .collect(),
            );
            let gaps = spread(
                ran.iter()
                    .map(|r| r.outcome.final_value - known.unwrap_or(0.0))
                    .collect(),
            );
            if plain {
                for s in [iters, evals, gaps] {
                    row.extend(spread_numbers(s));
                }
            } else {
                row.push(spread_text(iters, number_text));
                row.push(spread_text(evals, number_text));
                row.push(spread_text(gaps, gap_text));
            }
            row
        })
        .collect();
    Table {
        header,
        rows: body,
        footer_from: None,
        ..Table::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_show_the_median_and_the_range_once_it_is_one() {
        let s = spread(vec![30.0, 10.0, 12.0]);
        assert_eq!(spread_text(s, number_text), "12 [10, 30]");
        assert_eq!(spread_text(spread(vec![7.0, 7.0]), number_text), "7");
        assert_eq!(spread_text(spread(Vec::new()), number_text), "-");
        assert_eq!(
            spread_numbers(s),
            ["12".to_string(), "10".into(), "30".into()]
        );
        let gaps = spread(vec![1.234e-9, 5.0e-10]);
        assert_eq!(spread_text(gaps, gap_text), "8.67e-10 [5e-10, 1.23e-9]");
    }
}
