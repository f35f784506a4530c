//! Running a tuned sweep: the untuned runs and every trial, then per group the selection on the tuning
//! seeds, then the chosen settings on the evaluation seeds.
//!
//! Records are ordered as the plan lists them: the untuned runs, then group by group its trials followed by
//! its evaluation runs. A shard (`--shard K/N`) owns every N-th group, starting at the K-th, and runs its
//! trials and evaluation; its `sweep.json` lists every run it knows of in that order (all trials, its own
//! groups' evaluations), and a merge fills in the other shards' evaluations after their group's trials.

use std::collections::BTreeMap;
use std::path::Path;

use super::table::summarize_group;
use super::{Phase, TuningPlan, TuningRole};
use crate::config::Plan;
use crate::runner::{Finished, PlannedRun, SweepOptions, sweep};
use crate::store::{self, RunRecord, StoreError};

/// Whether shard `shard` (`(k, n)`, 1-based; none for the whole sweep) owns group `g`.
pub fn owns(g: usize, shard: Option<(usize, usize)>) -> bool {
    shard.is_none_or(|(k, n)| g % n == k - 1)
}

/// The evaluation runs of group `g`, with the trials' records at hand.
fn evaluation_runs(
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

/// Runs a tuned plan into `dir` and writes `sweep.json`, `summary.csv`, `traces.csv` and `tuning.csv`.
pub fn run_tuned(
    plan: &Plan,
    tuning: &TuningPlan,
    dir: &Path,
    options: SweepOptions,
    progress: &(dyn Fn(Finished<'_>) + Sync),
) -> Result<Vec<RunRecord>, StoreError> {
    let first = sweep(&plan.runs, dir, options, progress)?;
    let mut done: BTreeMap<String, RunRecord> =
        first.into_iter().map(|r| (r.run_id.clone(), r)).collect();
    let mut evaluations: Vec<Vec<String>> = vec![Vec::new(); tuning.groups.len()];
    let mut second = Vec::new();
    for (g, ids) in evaluations.iter_mut().enumerate() {
        if !owns(g, plan.shard) {
            continue;
        }
        let runs = evaluation_runs(tuning, g, &done, &plan.stop);
        ids.extend(runs.iter().map(|r| r.run_id.clone()));
        second.extend(runs);
    }
    for r in sweep(&second, dir, options, progress)? {
        done.insert(r.run_id.clone(), r);
    }

    // Plan order: untuned runs, then each group's trials and evaluations.
    let trial_ids: std::collections::BTreeSet<&str> = tuning
        .groups
        .iter()
        .flat_map(|g| g.trial_runs.iter().flatten().map(String::as_str))
        .collect();
    let mut run_ids: Vec<String> = plan
        .run_ids
        .iter()
        .filter(|id| !trial_ids.contains(id.as_str()))
        .cloned()
        .collect();
    for (group, evals) in tuning.groups.iter().zip(&evaluations) {
        run_ids.extend(group.trial_runs.iter().flatten().cloned());
        run_ids.extend(evals.iter().cloned());
    }
    let records: Vec<RunRecord> = run_ids.iter().filter_map(|id| done.remove(id)).collect();
    let manifest = store::SweepManifest {
        format: store::FORMAT,
        name: plan.name.clone(),
        source: plan.source.clone(),
        config_hash: plan.config_hash.clone(),
        run_ids,
        shard: plan.shard,
        provenance: store::Provenance::current(),
        host: store::Host::current(options.jobs.max(1)),
    };
    store::write_sweep(dir, &manifest, &records)?;
    Ok(records)
}
