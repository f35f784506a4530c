//! optzoo: a benchmark harness for optimizers.
//!
//! A zoo of problems whose curvature is controlled ([`problems`]), a zoo of optimizers that each keep a
//! different part of the Hessian ([`optimizers`]), and a [`runner`] that sweeps problems x optimizers x
//! seeds reproducibly, in parallel, counting every evaluation through the [`oracle::Oracle`].
//!
//! Data flows one way: [`config`] (parse, validate, expand grids) -> [`runner`] -> [`store`] (one JSON file
//! per run, `summary.csv`, `traces.csv`) -> [`summary`] tables, [`analysis`] (kappa slopes, profiles) and
//! [`report`] (figures, tables, `index.html`).

pub mod analysis;
pub mod budget;
pub mod cli;
pub mod config;
pub mod dry_run;
pub mod embedded;
pub mod external;
pub mod identity;
pub mod inspect;
pub mod listing;
pub mod memory;
pub mod merge;
pub mod optimizer;
pub mod optimizers;
pub mod oracle;
pub mod params;
pub mod plan;
pub mod preconditioner;
pub mod problem;
pub mod problems;
pub mod record;
pub mod registry;
pub mod report;
pub mod runner;
pub mod stop;
pub mod store;
pub mod summary;
pub mod theory;
pub mod trace;
pub mod tune;
pub mod vector;

pub use config::ConfigError;
pub use plan::Plan;
pub use registry::Registry;

// What a plug-in crate needs to define optimizers and problem families, at the versions optzoo uses.
pub use faer;
pub use optimizer::{Optimizer, StepError, StepInfo};
pub use oracle::{Counts, Oracle};
pub use problem::{Capabilities, Curvature, Optimum, Problem, SecondOrder};
pub use rand;
pub use rand_chacha;
pub use runner::{SweepOptions, execute, sweep};
pub use serde;
pub use serde_json;
pub use stop::{Status, StopRule};
pub use store::{RunRecord, RunSpec};
pub use toml;
