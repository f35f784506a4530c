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
/// README's table, computed from criterion's estimates).
pub fn criterion() -> criterion::Criterion {
    criterion::Criterion::default().without_plots()
}

/// Times `iters` steps, in fresh runs of at most `chunk` steps each; with `restart`, each step starts from
/// `x0` (the copy of `x0`, `n` numbers, is negligible beside the `n^2` work of the methods that restart).
pub fn time_steps(
    problem: &dyn optzoo::Problem,
    x0: &[f64],
    optimizer: &dyn DynOptimizer,
    restart: bool,
    chunk: u64,
    iters: u64,
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let steps = left.min(chunk);
        let mut x = x0.to_vec();
        let mut oracle = Oracle::new(problem);
        let mut stepper = optimizer
            .start(&x, &mut oracle)
            .expect("every bench case starts");
        let t = Instant::now();
        for k in 0..steps {
            if restart {
                x.copy_from_slice(x0);
            }
            if let Err(e) = stepper.step(&mut x, &mut oracle) {
                panic!("step {k} failed: {e}");
            }
        }
        total += t.elapsed();
        left -= steps;
    }
    total
}
