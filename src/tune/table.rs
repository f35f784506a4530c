//! The tuning read back from run records: trials grouped and scored, the chosen trial and the cost, and
//! `DIR/tuning.csv` (one row per trial). Everything here is a function of the records, so a merged
//! directory gives the same table as the unsharded sweep.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::select::{self, Rule, Score};
use super::{Phase, TuningCost};
use crate::store::{self, RunRecord, StoreError, fmt_real};

/// One trial of a group, scored.
#[derive(Debug, Clone)]
pub struct TrialSummary {
    /// The trial index.
    pub trial: usize,
    /// The tuned values.
    pub tuned: Value,
    /// Its score over its runs.
    pub score: Score,
    /// Its runs.
    pub runs: usize,
    /// Gradient-equivalent evaluations of its runs.
    pub grad_equiv_evals: u64,
}

/// One tuned optimizer on one group, read back.
#[derive(Debug, Clone)]
pub struct GroupSummary {
    /// The optimizer's name.
    pub optimizer: String,
    /// Its hyperparameters with the tuned keys replaced by `"tuned"`.
    pub params: Value,
    /// The group label.
    pub group: String,
    /// The selection rule.
    pub rule: Rule,
    /// The trials, by index.
    pub trials: Vec<TrialSummary>,
    /// The trial the rule selects.
    pub chosen: Option<usize>,
    /// What the trials cost.
    pub cost: TuningCost,
}

/// An optimizer's hyperparameters with the keys of `tuned` replaced by the string `"tuned"`: the identity
/// of a tuned optimizer, whatever values were chosen.
pub fn untuned_params(params: &Value, tuned: &Value) -> Value {
    let mut p = params.clone();
    if let Value::Object(t) = tuned {
        for k in t.keys() {
            // A dotted key (`params.lr`) names a key inside a nested table.
            if let Some(slot) = p.pointer_mut(&format!("/{}", k.replace('.', "/"))) {
                *slot = Value::String("tuned".into());
            } else if let Value::Object(o) = &mut p {
                o.insert(k.clone(), Value::String("tuned".into()));
            }
        }
    }
    p
}

/// Scores the trials of one group (`trials[t]` the runs of trial `t`) and picks one.
pub fn summarize_group(
    rule: Rule,
    trials: &[Vec<&RunRecord>],
) -> (Vec<Score>, Option<usize>, TuningCost) {
    let scores = select::scores(rule, trials);
    let chosen = select::best(rule, &scores);
    let cost = TuningCost {
        trials: trials.len(),
        runs: trials.iter().map(Vec::len).sum(),
        grad_equiv_evals: trials
            .iter()
            .flatten()
            .map(|r| r.outcome.grad_equiv_evals)
            .sum(),
    };
    (scores, chosen, cost)
}

/// Every tuned group among `records`, in order of first appearance.
pub fn summaries(records: &[RunRecord]) -> Vec<GroupSummary> {
    type Key = (String, String, String);
    type Trials<'a> = BTreeMap<usize, (Value, Vec<&'a RunRecord>)>;
    let mut order: Vec<Key> = Vec::new();
    let mut found: BTreeMap<Key, (Rule, Value, Trials<'_>)> = BTreeMap::new();
    for r in records {
        let Some(role) = r.spec.tuning.as_ref().filter(|t| t.phase == Phase::Trial) else {
            continue;
        };
        let params = untuned_params(&r.spec.optimizer.params, &role.tuned);
        let key = (
            r.spec.optimizer.name.clone(),
            params.to_string(),
            role.group.clone(),
        );
        let entry = found.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            (role.rule, params, BTreeMap::new())
        });
        entry
            .2
            .entry(role.trial)
            .or_insert_with(|| (role.tuned.clone(), Vec::new()))
            .1
            .push(r);
    }
    order
        .into_iter()
        .filter_map(|key| {
            let (rule, params, trials) = found.remove(&key)?;
            let runs: Vec<Vec<&RunRecord>> = trials.values().map(|(_, rs)| rs.clone()).collect();
            let (scores, chosen, cost) = summarize_group(rule, &runs);
            let trials = trials
                .into_iter()
                .zip(scores)
                .map(|((t, (tuned, rs)), score)| TrialSummary {
                    trial: t,
                    tuned,
                    score,
                    runs: rs.len(),
                    grad_equiv_evals: rs.iter().map(|r| r.outcome.grad_equiv_evals).sum(),
                })
                .collect::<Vec<_>>();
            // `chosen` indexes the trials present; report it as the trial's own index.
            let chosen = chosen.map(|i| trials[i].trial);
            Some(GroupSummary {
                optimizer: key.0,
                params,
                group: key.2,
                rule,
                trials,
                chosen,
                cost,
            })
        })
        .collect()
}

/// The columns of `tuning.csv`.
pub const TUNING_COLUMNS: &[&str] = &[
    "optimizer",
    "optimizer_params",
    "group",
    "rule",
    "trial",
    "tuned",
    "chosen",
    "runs",
    "bad_runs",
    "mean_log10_gap",
    "mean_log10_evals",
    "grad_equiv_evals",
];

/// Writes `DIR/tuning.csv` for the tuned groups among `records` (nothing when there are none).
pub fn write(dir: &Path, records: &[RunRecord]) -> Result<(), StoreError> {
    let groups = summaries(records);
    if groups.is_empty() {
        return Ok(());
    }
    let path = dir.join("tuning.csv");
    let rows = groups.iter().flat_map(|g| {
        g.trials.iter().map(|t| {
            [
                g.optimizer.clone(),
                g.params.to_string(),
                g.group.clone(),
                g.rule.name().to_string(),
                t.trial.to_string(),
                t.tuned.to_string(),
                (g.chosen == Some(t.trial)).to_string(),
                t.runs.to_string(),
                t.score.bad.to_string(),
                fmt_real(t.score.mean_log_gap),
                fmt_real(t.score.mean_log_evals),
                t.grad_equiv_evals.to_string(),
            ]
        })
    });
    let bytes = crate::table::csv_bytes(TUNING_COLUMNS, rows);
    store::write_atomic(&path, &bytes)
}
