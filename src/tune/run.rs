//! The second half of a tuned sweep: once a group's trials have run, the selection on the tuning seeds and
//! the evaluation runs of the chosen settings (run by [`crate::plan::execute`]).
//!
//! Records are ordered as the plan lists them: the untuned runs, then group by group its trials followed by
//! its evaluation runs. A shard (`--shard K/N`) owns every N-th group, starting at the K-th, and runs its
//! trials and evaluation; its `sweep.json` lists every run it knows of in that order (all trials, its own
//! groups' evaluations), and a merge fills in the other shards' evaluations after their group's trials.

use std::collections::BTreeMap;

use super::table::summarize_group;
use super::{Phase, TuningPlan, TuningRole};
use crate::runner::PlannedRun;
use crate::store::RunRecord;

/// Whether shard `shard` (`(k, n)`, 1-based; none for the whole sweep) owns group `g`.
pub fn owns(g: usize, shard: Option<(usize, usize)>) -> bool {
    shard.is_none_or(|(k, n)| g % n == k - 1)
}

/// The evaluation runs of group `g`, with the trials' records at hand.
pub fn evaluation_runs(
    tuning: &TuningPlan,
    g: usize,
    done: &BTreeMap<String, RunRecord>,
    stop: &crate::stop::StopRule,
) -> Vec<PlannedRun> {
    let group = &tuning.groups[g];
    let trials: Vec<Vec<&RunRecord>> = group
        .trial_runs
        .iter()
        .map(|ids| ids.iter().filter_map(|id| done.get(id)).collect())
        .collect();
    let (_, chosen, cost) = summarize_group(tuning.rule, &trials);
    let Some(chosen) = chosen else {
        return Vec::new();
    };
    let trial = &group.trials[chosen];
    let mut runs = Vec::new();
    for instance in &group.instances {
        for &seed in &tuning.eval_seeds {
            runs.push(PlannedRun::new(
                instance,
                &group.optimizer,
                &trial.optimizer,
                seed,
                stop,
                Some(TuningRole {
                    phase: Phase::Evaluation,
                    group: group.label.clone(),
                    trial: chosen,
                    tuned: trial.tuned.clone(),
                    rule: tuning.rule,
                    cost: Some(cost),
                }),
                tuning.diagnose,
            ));
        }
    }
    runs
}
