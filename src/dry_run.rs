//! `optzoo run CONFIG --dry-run`: the plan of a checked config, and how much of it a results directory
//! already holds, without running anything or writing any file.

use std::fmt::Write as _;
use std::path::Path;

use crate::plan::Plan;
use crate::store;

/// What a sweep would do in a results directory.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    /// Runs the plan makes (this shard's, evaluation runs of tuned groups included).
    pub total: usize,
    /// Planned runs (known before running: tuning evaluations are not) whose records the directory holds
    /// and a rerun would reuse.
    pub done: usize,
    /// Planned runs known before running.
    pub known: usize,
    /// Planned runs whose records the directory holds but other code made: a rerun redoes them.
    pub stale: usize,
}

/// Counts the planned runs whose finished records `dir` already holds (reads only; `dir` may not exist). A
/// record that fails [`store::read_run`]'s checks (its id is not that of its spec, its file is misnamed, its
/// format is not one this binary reads) is not counted: a run would make it again.
pub fn survey(plan: &Plan, dir: &Path) -> DryRun {
    let (mut done, mut stale) = (0, 0);
    if dir.join("runs").is_dir() {
        for r in &plan.runs {
            match store::existing(dir, &r.spec) {
                store::Existing::Current(_) => done += 1,
                store::Existing::Stale(_) => stale += 1,
                store::Existing::Missing => {}
            }
        }
    }
    DryRun {
        total: plan.total_runs(),
        done,
        known: plan.runs.len(),
        stale,
    }
}

/// The plan as text: instances, optimizers, seeds, stop rule, run count, and what `dir` already holds.
pub fn render(plan: &Plan, dir: &Path, survey: &DryRun) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "sweep `{}` ({}): config checked; dry run, nothing run or written",
        plan.name, plan.source
    );
    let _ = writeln!(s, "problem instances ({}):", plan.instances.len());
    for i in &plan.instances {
        let _ = writeln!(s, "  {} {}", i.family, i.params);
    }
    let _ = writeln!(s, "optimizers ({}):", plan.optimizers.len());
    for (name, checked) in &plan.optimizers {
        let _ = writeln!(s, "  {name} {}", checked.params);
    }
    let seeds: Vec<String> = plan.seeds.iter().map(u64::to_string).collect();
    let _ = writeln!(s, "seeds ({}): {}", plan.seeds.len(), seeds.join(", "));
    let _ = writeln!(
        s,
        "stop: {}",
        serde_json::to_string(&plan.stop).unwrap_or_default()
    );
    if let Some(t) = &plan.tuning {
        let _ = writeln!(
            s,
            "tuning: {} groups x {} trials, select {}, on seeds {:?}",
            t.groups.len(),
            t.trials,
            t.rule.name(),
            t.seeds
        );
    }
    let shard = plan
        .shard
        .map(|(k, n)| format!(" in shard {k}/{n} (of {} in the sweep)", plan.run_ids.len()))
        .unwrap_or_default();
    let _ = writeln!(s, "runs: {}{shard}", survey.total);
    let _ = writeln!(
        s,
        "already done in {}: {} of {} (a run reuses them; --fresh would rerun them)",
        dir.display(),
        survey.done,
        survey.known
    );
    if survey.stale > 0 {
        let _ = writeln!(
            s,
            "stale in {}: {} (made by other code: a run redoes them)",
            dir.display(),
            survey.stale
        );
    }
    s
}
