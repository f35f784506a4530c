//! `optzoo run CONFIG --dry-run`: the plan of a checked config, what it is estimated to cost, and how much
//! of it a results directory already holds, without running anything or writing any file.
//!
//! The cost is the scheduler's own estimate ([`crate::schedule::expected_work`]), from what the plan states:
//! no problem is built for it. Planning itself builds none of the built-in families (see
//! [`Plan::built`]).

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

/// How many of the largest runs a dry run lists.
pub const LARGEST_SHOWN: usize = 5;

/// The estimated work of a plan's runs known before running (tuning evaluations are not), in the units of
/// [`crate::schedule::expected_work`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cost {
    /// The work of every known run, summed.
    pub total: f64,
    /// The largest runs, largest first (at most [`LARGEST_SHOWN`]): index into `plan.runs`, and work.
    pub largest: Vec<(usize, f64)>,
}

/// The scheduler's estimate of every known run of `plan`, and its largest runs; builds nothing.
pub fn cost(plan: &Plan) -> Cost {
    let work: Vec<f64> = plan
        .runs
        .iter()
        .map(|r| crate::schedule::expected_work(&r.instance, &r.optimizer, r.spec.stop.max_iters))
        .collect();
    let largest = crate::schedule::largest_first(&work)
        .into_iter()
        .take(LARGEST_SHOWN)
        .map(|i| (i, work[i]))
        .collect();
    Cost {
        total: work.iter().sum(),
        largest,
    }
}

/// The cost as text: the total, then one line per largest run (its work, share, what it is, its dimension,
/// the work of building its problem and the memory it will hold).
fn render_cost(plan: &Plan, cost: &Cost) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "estimated work: {:.1e} (the scheduler's estimate, about one unit per flop or byte touched: building \
         each problem, then max_iters iterations; runs that converge sooner cost less)",
        cost.total
    );
    if cost.largest.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "largest runs ({} of {}; work, share, problem / optimizer / seed, run id):",
        cost.largest.len(),
        plan.runs.len()
    );
    for &(i, work) in &cost.largest {
        let r = &plan.runs[i];
        let problem = r.instance.memory();
        let memory = problem
            .need
            .plus(r.optimizer.optimizer.memory(problem.dim))
            .total();
        let _ = writeln!(
            s,
            "  {work:.1e} {:>3.0}%  {} {} / {} {} / seed {}  {}  (dim {}, building {:.1e}, memory {})",
            100.0 * work / cost.total.max(f64::MIN_POSITIVE),
            r.spec.problem.family,
            r.spec.problem.params,
            r.spec.optimizer.name,
            r.spec.optimizer.params,
            r.spec.seed,
            r.run_id,
            problem.dim,
            r.instance.build_work(),
            crate::memory::gib(memory)
        );
    }
    s
}

/// The plan as text: instances, optimizers, seeds, stop rule, run count, estimated work and the largest
/// runs, and what `dir` already holds.
pub fn render(plan: &Plan, dir: &Path, survey: &DryRun) -> String {
    let mut s = String::new();
    let built = match plan.built {
        0 => "no problem built".to_string(),
        n => format!(
            "{n} problem{} built (one seed each) to learn whether the stop rule's f_tol or x_rtol can fire",
            if n == 1 { "" } else { "s" }
        ),
    };
    let _ = writeln!(
        s,
        "sweep `{}` ({}): config checked; dry run: {built}, nothing run or written",
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
    s.push_str(&render_cost(plan, &cost(plan)));
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
