//! `optzoo run`: a sweep run with progress, its outcome table and notes, and the museum's report.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::compare;
use crate::registry::Registry;
use crate::runner::{Finished, SweepOptions};
use crate::table::TableFormat;

use super::client_changes::client_changes;
use super::failures::failures;
use super::report::report;
use super::sweep::{Sweep, plan_and_dir};
use super::{BadInput, ReportWith};

/// What `run` does with results already in the folder, and with failures.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Reuse {
    /// Rerun everything.
    pub(super) fresh: bool,
    /// Reuse failed runs' records too.
    pub(super) keep_failed: bool,
    /// Exit 1 when any run failed.
    pub(super) strict: bool,
}

/// Some runs of the sweep failed and `--strict` was given (exit 1, after every result is written).
#[derive(Debug, thiserror::Error)]
#[error("{} failed (--strict)", compare::text::count(*.0, "run"))]
pub(super) struct FailedRuns(usize);

/// How many times the cores `--jobs` may ask for: more threads than that only wait on each other.
pub const JOBS_PER_CORE: usize = 4;

/// The worker threads of a sweep of `runs` runs: as asked (default: the cores), at most the runs and
/// [`JOBS_PER_CORE`] x the cores, and at least 1; with a note where an asked number was capped.
pub(super) fn worker_threads(asked: Option<u32>, runs: usize) -> (usize, Option<String>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = runs.min(JOBS_PER_CORE.saturating_mul(cores)).max(1);
    match asked {
        None => (cores.min(most), None),
        Some(j) if j as usize <= most => (j as usize, None),
        Some(j) => {
            let why = if most == runs.max(1) {
                "the number of runs".to_string()
            } else {
                format!("{JOBS_PER_CORE} x the {cores} cores")
            };
            (
                most,
                Some(format!(
                    "note: --jobs {j} capped to {most} ({why}); more threads would only wait"
                )),
            )
        }
    }
}

pub(super) fn run(
    registry: &Registry,
    sweep: Sweep,
    jobs: Option<u32>,
    reuse: Reuse,
    report_with: ReportWith,
) -> anyhow::Result<()> {
    let museum = sweep.config.is_none();
    let (plan, dir) = plan_and_dir(registry, sweep)?;
    std::fs::create_dir_all(dir.join("runs")).map_err(|e| {
        BadInput(format!(
            "--out {}: cannot create the results directory: {e}",
            dir.display()
        ))
    })?;
    let total = plan.total_runs();
    let (jobs, capped) = worker_threads(jobs, total);
    if let Some(note) = capped {
        eprintln!("{note}");
    }
    let tuning = plan.tuning.as_ref().map(|t| {
        format!(
            "; tuning {} groups x {} trials ({}, select {}) on seeds {:?}, then evaluation",
            t.groups.len(),
            t.trials,
            match t.method {
                crate::tune::Method::Grid => "grid",
                crate::tune::Method::Sobol => "sobol",
            },
            t.rule.name(),
            t.seeds
        )
    });
    eprintln!(
        "optzoo: sweep `{}` ({}): {} problem instances x {} optimizers x {} seeds{} = {} runs{}, {jobs} jobs -> {}",
        plan.name,
        plan.source,
        plan.instances.len(),
        plan.optimizers.len(),
        plan.seeds.len(),
        tuning.unwrap_or_default(),
        plan.run_ids.len()
            + plan.tuning.as_ref().map_or(0, |t| {
                (0..t.groups.len())
                    .map(|g| t.evaluation_runs(g))
                    .sum::<usize>()
            }),
        plan.shard
            .map(|(k, n)| format!(" (shard {k}/{n}: {total} runs)"))
            .unwrap_or_default(),
        dir.display()
    );

    let changed_clients = if reuse.fresh {
        None
    } else {
        client_changes(&dir, &plan)
    };
    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let reused = AtomicUsize::new(0);
    let stale = AtomicUsize::new(0);
    let failed_before = AtomicUsize::new(0);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} runs  {elapsed_precise} (eta {eta})  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let last_line = Mutex::new(0usize);
    let progress = |f: Finished<'_>| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if f.reused {
            reused.fetch_add(1, Ordering::Relaxed);
        }
        if f.stale {
            stale.fetch_add(1, Ordering::Relaxed);
        }
        if f.failed_before {
            failed_before.fetch_add(1, Ordering::Relaxed);
        }
        match &bar {
            Some(bar) => {
                bar.set_message(f.record.run_id.clone());
                bar.inc(1);
            }
            None => {
                // Plain lines, at most one per tenth of the sweep, for logs and batch schedulers.
                let tenth = (n * 10) / total.max(1);
                if let Ok(mut last) = last_line.lock()
                    && (tenth > *last || n == total)
                {
                    *last = tenth;
                    eprintln!(
                        "optzoo: {n}/{total} runs done ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    };
    let records = crate::plan::execute::run_plan(
        &plan,
        &dir,
        SweepOptions {
            jobs,
            fresh: reuse.fresh,
            keep_failed: reuse.keep_failed,
        },
        &progress,
    )
    .context("writing results")?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let reused = reused.load(Ordering::Relaxed);
    let stale = stale.load(Ordering::Relaxed);
    println!(
        "{}",
        crate::table::Text.write(&crate::report::tables::console_outcome_table(&records))
    );
    let mut notes = Vec::new();
    if reused > 0 {
        notes.push(format!(
            "{reused} already done, reused; --fresh reruns them"
        ));
    }
    if stale > 0 {
        notes.push(format!("{stale} stale (made by other code), rerun"));
    }
    if let Some((n, files)) = &changed_clients {
        notes.push(format!("{n} rerun: client changed ({})", files.join(", ")));
    }
    let failed_before = failed_before.load(Ordering::Relaxed);
    if failed_before > 0 {
        notes.push(format!(
            "{failed_before} failed before, rerun; --keep-failed keeps them"
        ));
    }
    println!(
        "{total} runs in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        }
    );
    for name in ["summary.csv", "traces.csv", "runs/", "sweep.json"] {
        println!("  {}", dir.join(name).display());
    }
    let failed_count = records
        .iter()
        .filter(|r| r.outcome.status == crate::stop::Status::Failed)
        .count();
    if let Some(tuning) = &plan.tuning {
        for line in crate::tune::edge::warnings(tuning, &records) {
            eprintln!("optzoo: {line}");
        }
    }
    let failed = failures(&records);
    if !failed.is_empty() {
        eprintln!("optzoo: failed runs, by message:\n{}", failed.join("\n"));
    }
    if museum && plan.shard.is_none() {
        let sweep = crate::analysis::sweep::Sweep::new(records, None);
        println!(
            "\nThe museum: what each optimizer keeps of the Hessian, what it pays and what it gains\n\n{}",
            crate::table::Markdown::default().write(&crate::report::tables::museum_table(&sweep))
        );
        if report_with != ReportWith::Nothing {
            let titles = report_with == ReportWith::Titles;
            report(dir.clone(), None, Vec::new(), Vec::new(), titles)?;
        }
    }
    if reuse.strict && failed_count > 0 {
        return Err(FailedRuns(failed_count).into());
    }
    Ok(())
}
