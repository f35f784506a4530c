//! Running a plan into a results directory: its runs (see [`crate::runner::sweep`]), and for a tuned plan
//! per group the selection on the tuning seeds and the chosen settings on the evaluation seeds; then
//! `sweep.json`, `summary.csv`, `traces.csv` and, when tuned, `tuning.csv`.
//!
//! Records are ordered as the plan lists them: the untuned runs, then group by group its trials followed by
//! its evaluation runs. A shard (`--shard K/N`) owns every N-th group, starting at the K-th, and runs its
//! trials and evaluation; its `sweep.json` lists every run it knows of in that order (all trials, its own
//! groups' evaluations), and a merge fills in the other shards' evaluations after their group's trials.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::Plan;
use crate::landscape::{Landscape, Landscapes};
use crate::runner::{Finished, SweepOptions, sweep};
use crate::store::{self, RunRecord, StoreError};
use crate::tune::{self, TuningPlan};

/// Runs `plan` into `dir` and writes its tables; returns the records in plan order.
pub fn run_plan(
    plan: &Plan,
    dir: &Path,
    options: SweepOptions,
    progress: &(dyn Fn(Finished<'_>) + Sync),
) -> Result<Vec<RunRecord>, StoreError> {
    let (run_ids, records) = match &plan.tuning {
        Some(tuning) => run_tuned(plan, tuning, dir, options, progress)?,
        None => (
            plan.run_ids.clone(),
            sweep(&plan.runs, dir, options, progress)?,
        ),
    };
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
    tune::table::write(dir, &records)?;
    crate::landscape::write(dir, &landscapes(plan, &records))?;
    Ok(records)
}

/// The landscapes of the plan's two-dimensional instances over the frame of their path figure: the paths
/// of the sweep's first seed (tuning trials apart, as the report reads them) and `x*`.
fn landscapes(plan: &Plan, records: &[RunRecord]) -> Landscapes {
    let reported: Vec<&RunRecord> = records
        .iter()
        .filter(|r| {
            r.spec
                .tuning
                .as_ref()
                .is_none_or(|t| t.phase != tune::Phase::Trial)
        })
        .collect();
    let Some(seed) = reported.iter().map(|r| r.spec.seed).min() else {
        return Landscapes::default();
    };
    let mut out = Landscapes {
        format: store::FORMAT,
        landscapes: Vec::new(),
    };
    for inst in &plan.instances {
        let spec = store::ProblemSpec {
            family: inst.family.to_string(),
            params: inst.params.clone(),
        };
        let runs: Vec<&RunRecord> = reported
            .iter()
            .copied()
            .filter(|r| r.spec.seed == seed && r.spec.problem == spec && r.outcome.dim == 2)
            .collect();
        if runs.is_empty() {
            continue;
        }
        let Ok((problem, _)) = inst.build(seed) else {
            continue;
        };
        let x_star = problem.optimum().and_then(|o| o.point);
        let Some((bx, by)) = crate::landscape::frame(runs.into_iter(), x_star.as_deref()) else {
            continue;
        };
        out.landscapes
            .push(Landscape::sample(spec, seed, bx, by, |a, b| {
                problem.value(&[a, b])
            }));
        // The processes an external problem started for the sampling end here, not with the program.
        drop(problem);
        inst.release();
    }
    out
}

/// Runs a tuned plan: the untuned runs and every trial, then each owned group's evaluation runs; returns the
/// run ids in plan order and the records.
fn run_tuned(
    plan: &Plan,
    tuning: &TuningPlan,
    dir: &Path,
    options: SweepOptions,
    progress: &(dyn Fn(Finished<'_>) + Sync),
) -> Result<(Vec<String>, Vec<RunRecord>), StoreError> {
    let first = sweep(&plan.runs, dir, options, progress)?;
    let mut done: BTreeMap<String, RunRecord> =
        first.into_iter().map(|r| (r.run_id.clone(), r)).collect();
    let mut evaluations: Vec<Vec<String>> = vec![Vec::new(); tuning.groups.len()];
    let mut second = Vec::new();
    for (g, ids) in evaluations.iter_mut().enumerate() {
        if !tune::owns(g, plan.shard) {
            continue;
        }
        let runs = tune::evaluation_runs(tuning, g, &done, &plan.stop);
        ids.extend(runs.iter().map(|r| r.run_id.clone()));
        second.extend(runs);
    }
    for r in sweep(&second, dir, options, progress)? {
        done.insert(r.run_id.clone(), r);
    }

    // Plan order: untuned runs, then each group's trials and evaluations.
    let trial_ids: BTreeSet<&str> = tuning
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
    Ok((run_ids, records))
}
