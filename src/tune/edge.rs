//! A tuned value chosen at the edge of its search range: the best setting may lie outside the range, so
//! the range should be widened before the choice is trusted.
//!
//! A chosen value is at an edge when it is the least or the greatest value any trial of its group tried
//! for that key. On a grid those are the range's bounds; scrambled Sobol points are stratified along each
//! axis (one point in each `1/trials` of the axis, in its scale), so the least and greatest tried values
//! lie within one such stratum of the bounds. The rule reads the trials' records alone, so `run` (which
//! prints one line per group at the end of the sweep, see [`warnings`]) and `report` (the tuning table's
//! last column) say the same.

use super::TuningPlan;
use super::space::{Axis, Scale};
use super::table::{GroupSummary, summaries};
use crate::digits::significant;
use crate::store::RunRecord;

/// Which edge of the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The least value tried.
    Lower,
    /// The greatest value tried.
    Upper,
}

impl Side {
    /// `lower` or `upper`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Lower => "lower",
            Side::Upper => "upper",
        }
    }
}

/// A tuned key whose chosen value sits at an edge of the values tried.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The tuned key.
    pub key: String,
    /// The chosen value.
    pub value: f64,
    /// Which edge.
    pub side: Side,
    /// The least and greatest values tried for the key.
    pub tried: (f64, f64),
}

/// Significant digits of the values in an edge's text.
const DIGITS: usize = 4;

impl Edge {
    /// `step = 2 at the upper edge of [0.01, 2]: widen the range`, over `range` (the configured range
    /// where known, else the values tried).
    pub fn text(&self, range: (f64, f64)) -> String {
        format!(
            "{} = {} at the {} edge of [{}, {}]: widen the range",
            self.key,
            significant(self.value, DIGITS),
            self.side.name(),
            significant(range.0, DIGITS),
            significant(range.1, DIGITS)
        )
    }
}

/// The tuned keys of a group whose chosen value is the least or greatest value tried (a key tried at one
/// value only has no edge), in key order; none when nothing was chosen.
pub fn edges(g: &GroupSummary) -> Vec<Edge> {
    let Some(chosen) = g
        .chosen
        .and_then(|c| g.trials.iter().find(|t| t.trial == c))
        .and_then(|t| t.tuned.as_object())
    else {
        return Vec::new();
    };
    chosen
        .iter()
        .filter_map(|(k, v)| {
            let value = v.as_f64()?;
            let tried: Vec<f64> = g
                .trials
                .iter()
                .filter_map(|t| t.tuned.get(k)?.as_f64())
                .collect();
            let lo = tried.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = tried.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Tried values are finite, so fewer than two distinct ones show as lo >= hi.
            let side = if lo >= hi {
                return None;
            } else if value == lo {
                Side::Lower
            } else if value == hi {
                Side::Upper
            } else {
                return None;
            };
            Some(Edge {
                key: k.clone(),
                value,
                side,
                tried: (lo, hi),
            })
        })
        .collect()
}

/// The console's warnings at the end of a tuned sweep: one line per group with a key chosen at an edge,
/// naming the optimizer, the group and, per key, the chosen value and the configured range.
pub fn warnings(tuning: &TuningPlan, records: &[RunRecord]) -> Vec<String> {
    summaries(records)
        .iter()
        .filter_map(|g| {
            let found = edges(g);
            if found.is_empty() {
                return None;
            }
            let axes: &[Axis] = tuning
                .groups
                .iter()
                .find(|p| p.optimizer == g.optimizer && p.label == g.group)
                .map_or(&[], |p| p.axes.as_slice());
            let keys: Vec<String> = found
                .iter()
                .map(|e| match axes.iter().find(|a| a.key == e.key) {
                    Some(a) => format!(
                        "{} ({} range)",
                        e.text((a.lo, a.hi)),
                        match a.scale {
                            Scale::Log => "log",
                            Scale::Linear => "linear",
                        }
                    ),
                    None => e.text(e.tried),
                })
                .collect();
            Some(format!(
                "tuning {} on {}: {}",
                g.optimizer,
                g.group,
                keys.join("; ")
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::select::Score;
    use crate::tune::table::TrialSummary;
    use crate::tune::{Rule, TuningCost};
    use serde_json::json;

    fn group(values: &[(f64, f64)], chosen: usize) -> GroupSummary {
        GroupSummary {
            optimizer: "momentum".into(),
            params: json!({}),
            group: "suite s".into(),
            rule: Rule::FinalGap,
            trials: values
                .iter()
                .enumerate()
                .map(|(t, (step, beta))| TrialSummary {
                    trial: t,
                    tuned: json!({ "step": step, "beta": beta }),
                    score: Score {
                        bad: 0,
                        mean_log_gap: 0.0,
                        mean_log_evals: 0.0,
                    },
                    runs: 1,
                    grad_equiv_evals: 1,
                })
                .collect(),
            chosen: Some(chosen),
            cost: TuningCost {
                trials: values.len(),
                runs: values.len(),
                grad_equiv_evals: values.len() as u64,
            },
        }
    }

    #[test]
    fn a_choice_at_the_least_or_greatest_value_tried_is_at_an_edge() {
        let grid = [(0.1, 0.5), (0.1, 0.9), (1.0, 0.5), (1.0, 0.9)];
        // Chosen (1, 0.5): step at the upper edge, beta at the lower one; keys in order.
        let e = edges(&group(&grid, 2));
        assert_eq!(
            e.iter()
                .map(|e| (e.key.as_str(), e.side))
                .collect::<Vec<_>>(),
            vec![("beta", Side::Lower), ("step", Side::Upper)]
        );
        assert_eq!(
            e[1].text((0.01, 1.0)),
            "step = 1 at the upper edge of [0.01, 1]: widen the range"
        );
    }

    #[test]
    fn an_inner_choice_or_a_single_value_is_no_edge() {
        let line = [(0.1, 0.9), (0.3, 0.9), (1.0, 0.9)];
        assert_eq!(
            edges(&group(&line, 1)),
            Vec::new(),
            "beta was tried at 0.9 only"
        );
        let mut none = group(&line, 1);
        none.chosen = None;
        assert_eq!(edges(&none), Vec::new());
    }
}
