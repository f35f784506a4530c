//! The tuning in a report: a table of what each tuned optimizer chose and what the choice cost, and one
//! sensitivity figure per group: the trials' scores against the tuned hyperparameter, which shows how
//! robust each optimizer is to its step size.

use std::collections::BTreeMap;

use super::figure::optimizer_look;
use super::figure::{Axis, Figure, LegendEntry, Line, Mark, Scale};
use super::style::Marker;
use super::tables::Table;
use crate::analysis::sweep::{Sweep, number_text, value_text};
use crate::tune::Rule;
use crate::tune::edge::edges;
use crate::tune::table::{GroupSummary, summaries};

fn tuned_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}={}", value_text(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// The label of a tuned optimizer in a sweep: the label of its evaluation runs' configuration.
fn optimizer_index(sweep: &Sweep, g: &GroupSummary) -> Option<usize> {
    sweep
        .optimizers
        .iter()
        .position(|o| o.spec.name == g.optimizer && o.spec.params == g.params)
}

fn label(sweep: &Sweep, g: &GroupSummary) -> String {
    optimizer_index(sweep, g)
        .map(|o| sweep.optimizers[o].label.clone())
        .unwrap_or_else(|| g.optimizer.clone())
}

/// A group as a reader knows it: `suite NAME`, or the instance's short label.
fn group_text(sweep: &Sweep, group: &str) -> String {
    group
        .strip_prefix("instance ")
        .and_then(|rest| {
            sweep
                .instances
                .iter()
                .find(|i| format!("{} {}", i.spec.family, i.spec.params) == rest)
        })
        .map_or_else(|| group.to_string(), |i| i.label.clone())
}

/// The last cell of a group's row: each key chosen at the least or greatest value tried, with that range
/// (`step = 2 at the upper edge of [0.01, 2]: widen the range`), or `-`.
fn edge_text(g: &GroupSummary) -> String {
    let found = edges(g);
    if found.is_empty() {
        return "-".into();
    }
    found
        .iter()
        .map(|e| e.text(e.tried))
        .collect::<Vec<_>>()
        .join("; ")
}

/// One row per tuned optimizer and group: the chosen values, the rule, the tuning's cost, and the keys
/// chosen at an edge of the values tried (see [`crate::tune::edge`]).
pub fn tuning_table(sweep: &Sweep) -> Option<Table> {
    let groups = summaries(&sweep.trials);
    if groups.is_empty() {
        return None;
    }
    let header = [
        "optimizer",
        "group",
        "rule",
        "chosen",
        "trials",
        "tuning runs",
        "tuning evaluations",
        "at the edge of the range tried",
    ]
    .map(String::from)
    .to_vec();
    let rows = groups
        .iter()
        .map(|g| {
            vec![
                label(sweep, g),
                group_text(sweep, &g.group),
                g.rule.name().to_string(),
                g.chosen
                    .and_then(|c| g.trials.iter().find(|t| t.trial == c))
                    .map_or("-".into(), |t| tuned_text(&t.tuned)),
                g.cost.trials.to_string(),
                g.cost.runs.to_string(),
                g.cost.grad_equiv_evals.to_string(),
                edge_text(g),
            ]
        })
        .collect();
    Some(Table::new(header, rows))
}

/// The first tuned key and its value in a trial's tuned values.
fn first_value(tuned: &serde_json::Value) -> Option<(String, f64)> {
    let m = tuned.as_object()?;
    // The step size where one is tuned: it is what the figure is about.
    let (k, v) = ["step", "lr"]
        .iter()
        .find_map(|k| m.get_key_value(*k))
        .or_else(|| m.iter().next())?;
    Some((k.clone(), v.as_f64()?))
}

/// One figure per group label: each tuned optimizer's trial scores against its step (`step` or `lr`, else
/// its first tuned key), with a line through the best trial at each value.
pub fn sensitivity_figures(sweep: &Sweep) -> Vec<Figure> {
    let groups = summaries(&sweep.trials);
    let mut by_label: BTreeMap<&str, Vec<&GroupSummary>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for g in &groups {
        if !by_label.contains_key(g.group.as_str()) {
            order.push(&g.group);
        }
        by_label.entry(&g.group).or_default().push(g);
    }
    order
        .iter()
        .enumerate()
        .filter_map(|(n, label_text)| {
            let members = &by_label[label_text];
            let rule = members.first()?.rule;
            let (y_label, what) = match rule {
                Rule::FinalGap => ("final f - f_ref (geometric mean)", "final gap"),
                Rule::EvalsToTarget => (
                    "evaluations to target (geometric mean)",
                    "gradient-equivalent evaluations to the target",
                ),
            };
            let mut fig = Figure::new(
                format!("sensitivity-{n:02}"),
                format!("Tuning: {}", group_text(sweep, label_text)),
                Axis::new("tuned value (key in legend)", Scale::Log),
                Axis::new(y_label, Scale::Log),
            );
            let mut keys = Vec::new();
            let mut unusable = Vec::new();
            for g in members {
                let o = optimizer_index(sweep, g).unwrap_or(0);
                let look = optimizer_look(o);
                let mut points: Vec<(f64, f64, bool, bool)> = Vec::new();
                for t in &g.trials {
                    let Some((_, x)) = first_value(&t.tuned).filter(|(_, x)| *x > 0.0) else {
                        continue;
                    };
                    let y = match rule {
                        Rule::FinalGap => 10f64.powf(t.score.mean_log_gap),
                        Rule::EvalsToTarget => 10f64.powf(t.score.mean_log_evals),
                    };
                    if y.is_finite() {
                        points.push((x, y, t.score.bad > 0, g.chosen == Some(t.trial)));
                    } else {
                        unusable.push((x, look.color));
                    }
                }
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                let key = g
                    .trials
                    .first()
                    .and_then(|t| first_value(&t.tuned))
                    .map_or_else(String::new, |(k, _)| k);
                let others: Vec<String> = g
                    .trials
                    .first()
                    .and_then(|t| t.tuned.as_object())
                    .map(|m| m.keys().filter(|k| **k != key).cloned().collect())
                    .unwrap_or_default();
                // The line: at each value of the key, the best trial over the other keys (a profile); for
                // scattered (Sobol) points with no repeated value there is no profile, only the marks.
                let mut best_at: Vec<(f64, f64)> = Vec::new();
                for p in &points {
                    match best_at.last_mut() {
                        Some(b) if b.0 == p.0 => b.1 = b.1.min(p.1),
                        _ => best_at.push((p.0, p.1)),
                    }
                }
                if best_at.len() > 1 && (others.is_empty() || best_at.len() < points.len()) {
                    fig.lines.push(Line {
                        points: best_at,
                        look,
                    });
                }
                for &(x, y, bad, chosen) in &points {
                    fig.marks.push(Mark {
                        scale: if chosen { 1.8 } else { 1.0 },
                        ..look.mark((x, y), !bad)
                    });
                }
                let over = if others.is_empty() {
                    String::new()
                } else {
                    format!("; best over {}", others.join(", "))
                };
                fig.legend.push(LegendEntry {
                    label: format!("{} ({key}{over})", label(sweep, g)),
                    line: Some(look),
                    mark: None,
                });
                keys.push(format!(
                    "{}: {} trials, {} tuning evaluations",
                    g.optimizer,
                    g.cost.trials,
                    number_text(g.cost.grad_equiv_evals as f64)
                ));
            }
            if fig.marks.is_empty() && unusable.is_empty() {
                return None;
            }
            // Trials with no usable run: crosses along the top edge.
            let top = fig
                .marks
                .iter()
                .map(|m| m.at.1)
                .fold(f64::NAN, f64::max);
            let top = if top.is_finite() { top * 2.0 } else { 1.0 };
            for (x, color) in unusable {
                fig.marks.push(Mark {
                    at: (x, top),
                    marker: Marker::Cross,
                    color,
                    filled: true,
                    scale: 1.0,
                });
            }
            fig.caption = format!(
                "Each tuning trial's {what} (over every instance of the group and every tuning seed) against \
                 the value of the optimizer's first tuned hyperparameter; the large marker is the trial the \
                 rule `{}` chose, hollow markers are trials where some run counted against the trial (diverged or \
                 failed; for evals-to-target, did not converge), and crosses along the top edge are trials with no \
                 usable run. Budgets: {}.",
                rule.name(),
                keys.join("; ")
            );
            Some(fig)
        })
        .collect()
}
