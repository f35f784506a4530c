//! Pairing the runs of two results directories: by run id, then (when asked) the runs left over by their
//! spec without the optimizer's parameters. Tuning trials are not paired.

use std::collections::{BTreeMap, BTreeSet};

use super::Matching;
use crate::store::RunRecord;

/// The key a run is paired by. An evaluation run of a tuning is paired by its spec without the chosen
/// values, the chosen trial and the tuning cost, so that a change that moves the choice still compares
/// the tuned optimizer's results on the same instance and seed.
pub fn key(r: &RunRecord, matching: Matching) -> String {
    let tuned = r
        .spec
        .tuning
        .as_ref()
        .filter(|t| t.phase == crate::tune::Phase::Evaluation);
    match (matching, tuned) {
        (Matching::RunId, None) => r.run_id.clone(),
        (Matching::RunId, Some(t)) => {
            let mut spec = r.spec.clone();
            spec.optimizer.params =
                crate::tune::table::untuned_params(&spec.optimizer.params, &t.tuned);
            if let Some(t) = spec.tuning.as_mut() {
                t.trial = 0;
                t.tuned = serde_json::Value::Null;
                t.cost = None;
            }
            spec.run_id()
        }
        (Matching::IgnoreOptimizerParams, _) => {
            let mut spec = r.spec.clone();
            spec.optimizer.params = serde_json::Value::Null;
            if let Some(t) = spec.tuning.as_mut() {
                t.trial = 0;
                t.tuned = serde_json::Value::Null;
                t.cost = None;
            }
            spec.run_id()
        }
    }
}

/// Whether a run is a tuning trial: trials are how a result was chosen, not results, and are not compared.
pub(super) fn is_trial(r: &RunRecord) -> bool {
    r.spec
        .tuning
        .as_ref()
        .is_some_and(|t| t.phase == crate::tune::Phase::Trial)
}

/// Two runs of one side that share a key: the pairing is ambiguous.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{side}: runs {first} and {second} ({what}) would both pair with the same run of the other side (same \
     instance, optimizer name and seed); compare by run id, or keep one setting of each optimizer on each side"
)]
pub struct Ambiguous {
    /// `baseline` or `new`.
    pub side: &'static str,
    /// The first run's id.
    pub first: String,
    /// The second run's id.
    pub second: String,
    /// What the two runs share: optimizer name, problem family and seed.
    pub what: String,
}

/// The runs of the two sides, paired.
pub(super) struct Pairs<'a> {
    pub(super) paired: Vec<(&'a RunRecord, &'a RunRecord)>,
    pub(super) missing: Vec<&'a RunRecord>,
    pub(super) new: Vec<&'a RunRecord>,
}

fn index<'a>(
    runs: &[&'a RunRecord],
    matching: Matching,
    side: &'static str,
) -> Result<BTreeMap<String, &'a RunRecord>, Ambiguous> {
    let mut out = BTreeMap::new();
    for r in runs {
        if let Some(prev) = out.insert(key(r, matching), *r) {
            return Err(Ambiguous {
                side,
                first: prev.run_id.clone(),
                second: r.run_id.clone(),
                what: format!(
                    "{} on {}, seed {}",
                    r.spec.optimizer.name, r.spec.problem.family, r.spec.seed
                ),
            });
        }
    }
    Ok(out)
}

/// Pairs `base` with `new` by `matching` among runs not paired yet; returns the runs left over, in order.
fn pair_stage<'a>(
    base: Vec<&'a RunRecord>,
    new: Vec<&'a RunRecord>,
    matching: Matching,
    paired: &mut Vec<(&'a RunRecord, &'a RunRecord)>,
) -> Result<(Vec<&'a RunRecord>, Vec<&'a RunRecord>), Ambiguous> {
    let by_key = index(&new, matching, "new")?;
    index(&base, matching, "baseline")?;
    let mut taken = BTreeSet::new();
    let mut missing = Vec::new();
    for b in base {
        let k = key(b, matching);
        match by_key.get(&k) {
            Some(n) => {
                paired.push((b, *n));
                taken.insert(n.run_id.as_str());
            }
            None => missing.push(b),
        }
    }
    let left = new
        .into_iter()
        .filter(|n| !taken.contains(n.run_id.as_str()))
        .collect();
    Ok((missing, left))
}

pub(super) fn pair<'a>(
    base: &'a [RunRecord],
    new: &'a [RunRecord],
    matching: Matching,
) -> Result<Pairs<'a>, Ambiguous> {
    let base: Vec<&RunRecord> = base.iter().filter(|r| !is_trial(r)).collect();
    let new: Vec<&RunRecord> = new.iter().filter(|r| !is_trial(r)).collect();
    let mut paired = Vec::new();
    let (mut missing, mut left) = pair_stage(base, new, Matching::RunId, &mut paired)?;
    if matching == Matching::IgnoreOptimizerParams {
        (missing, left) = pair_stage(missing, left, matching, &mut paired)?;
    }
    Ok(Pairs {
        paired,
        missing,
        new: left,
    })
}
