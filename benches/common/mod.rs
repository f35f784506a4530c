//! Shared helpers of the benches: problems, optimizers and plans built through the registries and the config
//! parser, exactly as a sweep builds them.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use optzoo::config::SourceText;
use optzoo::optimizer::DynOptimizer;
use optzoo::optimizers::{self, Checked};
use optzoo::plan::Plan;
use optzoo::problems::{self, Instance};
use optzoo::{Oracle, Problem};

/// Parses `text` (TOML keys without `family`) as an instance of `family`.
pub fn instance(family: &str, text: &str) -> Instance {
    let table: toml::Table = toml::from_str(text).expect("bench tables are valid TOML");
    let family = problems::family(family).expect("a registered family");
    Instance::parse(family, &table).expect("bench parameters are valid")
}

/// Builds an instance for seed 0: the problem and its starting point.
pub fn build(family: &str, text: &str) -> (Box<dyn Problem>, Vec<f64>) {
    instance(family, text)
        .build(0)
        .expect("bench problems build")
}

/// Parses `text` (TOML keys without `name`) as the named optimizer.
pub fn optimizer(name: &str, text: &str) -> Checked {
    let table: toml::Table = toml::from_str(text).expect("bench tables are valid TOML");
    let entry = optimizers::optimizer(name).expect("a registered optimizer");
    (entry.parse)(&table, entry.params, &Default::default()).expect("bench parameters are valid")
}

/// Plans a config text, as `optzoo run` does for a file.
pub fn plan(name: &str, text: &str) -> Plan {
    let src = SourceText {
        name: format!("{name}.toml"),
        text: text.to_string(),
        dir: None,
    };
    optzoo::plan::plan(&src, name).expect("bench configs are valid")
}

/// True when criterion runs in test mode (`cargo test --benches`, or `--test`): each routine runs once, so
/// timing checks are skipped there.
pub fn test_mode() -> bool {
    !std::env::args().any(|a| a == "--bench")
}

/// Criterion's settings for every bench: no plots (they need fonts, and the figures that matter are the
/// table of docs/performance.md, computed from criterion's estimates).
pub fn criterion() -> criterion::Criterion {
    criterion::Criterion::default().without_plots()
}

/// Times `iters` steps through the run loop ([`optzoo::run_loop`]), in fresh runs of at most `chunk`
/// steps each (with `restart`, of one step each, so every step starts from `x0`): the optimizer's time
/// inside its steps, its start and the loop's measurement apart.
pub fn time_steps(
    problem: &dyn optzoo::Problem,
    x0: &[f64],
    optimizer: &dyn DynOptimizer,
    restart: bool,
    chunk: u64,
    iters: u64,
) -> Duration {
    Duration::from_secs_f64(timed_runs(problem, x0, optimizer, restart, chunk, iters).0)
}

/// As [`time_steps`], but the whole loop: the optimizer's steps and the loop's measurement after each, the time
/// a run of `iters` iterations takes apart from the optimizer's start.
pub fn time_iterations(
    problem: &dyn optzoo::Problem,
    x0: &[f64],
    optimizer: &dyn DynOptimizer,
    chunk: u64,
    iters: u64,
) -> Duration {
    let (steps, measure) = timed_runs(problem, x0, optimizer, false, chunk, iters);
    Duration::from_secs_f64(steps + measure)
}

/// One run of `optimizer` from `x0` through the run loop, stopped after `steps` iterations: how it ended, where,
/// and what it was charged.
pub fn run_steps(
    problem: &dyn optzoo::Problem,
    x0: &[f64],
    optimizer: &dyn DynOptimizer,
    steps: u64,
) -> (optzoo::run_loop::Ended, Vec<f64>, optzoo::oracle::Counts) {
    let mut x = x0.to_vec();
    let mut oracle = Oracle::new(problem);
    let stop = optzoo::StopRule::steps_only(steps);
    let setup = optzoo::run_loop::Setup {
        stop: &stop,
        f_star: None,
        x_star: None,
        started: Instant::now(),
    };
    let ended = optzoo::run_loop::run(optimizer, &mut x, &mut oracle, setup, &mut []);
    (ended, x, oracle.counts())
}

/// Seconds in the optimizer's steps and in the loop's measurements over `iters` steps.
fn timed_runs(
    problem: &dyn optzoo::Problem,
    x0: &[f64],
    optimizer: &dyn DynOptimizer,
    restart: bool,
    chunk: u64,
    iters: u64,
) -> (f64, f64) {
    let (mut total, mut measure) = (0.0, 0.0);
    let mut left = iters;
    while left > 0 {
        let steps = if restart { 1 } else { left.min(chunk) };
        let (ended, _, _) = run_steps(problem, x0, optimizer, steps);
        assert!(
            ended.status == optzoo::Status::MaxIters && ended.last.iter == steps,
            "a bench run ended after {} of {steps} steps: {:?} {}",
            ended.last.iter,
            ended.status,
            ended.message.unwrap_or_default()
        );
        total += ended.optimizer_time_s;
        measure += ended.measure_time_s;
        left -= steps;
    }
    (total, measure)
}
