//! Shared helpers of the benches: problems, optimizers and plans built through the registries and the config
//! parser, exactly as a sweep builds them.

#![allow(dead_code)]

use optzoo::Problem;
use optzoo::config::SourceText;
use optzoo::optimizers::{self, Checked};
use optzoo::plan::Plan;
use optzoo::problems::{self, Instance};

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
