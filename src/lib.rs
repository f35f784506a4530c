//! optzoo: a benchmark harness for optimizers.
//!
//! A zoo of problems whose curvature is controlled ([`problems`]), a zoo of optimizers that each keep a
//! different part of the Hessian ([`optimizers`]), and a [`runner`] that sweeps problems x optimizers x
//! seeds reproducibly, in parallel, counting every evaluation through the [`oracle::Oracle`].
//!
//! Data flows one way: a config is read into a [`plan`] (names resolved, grids expanded, values checked),
//! the [`runner`] executes its runs, the [`store`] keeps one JSON [`record`] per run with `summary.csv` and
//! `traces.csv`, and [`summary`] tables, [`analysis`] (kappa slopes, profiles, comparison) and [`report`]
//! (figures, tables, `index.html`) read the records back, with the folder's `sweep.json` and
//! `landscapes.json`.
//!
//! The modules form layers; each uses modules of its own layer and of the layers below, with two
//! exceptions: [`spectrum`] re-exports the record's ending types ([`record::Ending`]), and
//! [`conditioning`] names a configuration's parameters with the analysis's formatter. The test `architecture`
//! checks that no module depends on itself through others, and that the modules that read results
//! ([`summary`], [`merge`], [`analysis`], [`report`]) use none that builds a problem, resolves an optimizer or
//! starts a process.
//!
//! | layer | modules |
//! |---|---|
//! | 1. basics | [`vector`], [`digits`] (numbers rounded for reading), [`table`] (tables as data and the formats they are written in), [`config`] (located errors, grids, suggestions), [`params`], [`stop`], [`footprint`] (the memory a method states), [`theory`], [`preconditioner`], [`embedded`], [`external`] (the protocol and the client process), [`alloc`] (the counting allocator), [`budget`] (the `max_evals` unwind), [`identity`] (which code made a record), [`memory`] (what a run will allocate, against a limit) |
//! | 2. what is optimized | [`problem`] (the trait and critical points), [`oracle`] (counted calls), [`problems`] |
//! | 3. what optimizes | [`optimizer`] (the trait), [`optimizers`], [`spectrum`] (the Hessian at a point) |
//! | 4. records | [`record`] (spec, outcome, facts, trace, provenance), [`store`], [`points`] (final points beside the records), [`trace`], [`landscape`] (the values under a path figure), [`run_loop`] (the one loop that steps an optimizer), [`observers`] (what rides on it) |
//! | 5. names | [`registry`] (built-ins and plug-ins), [`inspect`], [`density`] (the Hessian's spectral density at a point or a run's end), [`conditioning`] (the effective conditioning `inspect` measures), [`listing`] |
//! | 6. running | [`schedule`] (which run starts first), [`runner`] (one run, a sweep), [`tune`] (trials, selection, evaluation), [`plan`] (a config read and run), [`dry_run`] (a plan's cost, nothing run) |
//! | 7. reading results | [`summary`], [`merge`], [`analysis`], [`report`] |
//! | 8. the program | [`census`] (`optzoo critical`: critical points found from random starts, classified, drawn with the report's writers), [`cli`] |

// The declaration macros name serde as `optzoo::serde`, which must resolve inside optzoo as in a plug-in.
extern crate self as optzoo;

pub mod alloc;
pub mod analysis;
pub mod budget;
pub mod census;
pub mod cli;
pub mod conditioning;
pub mod config;
pub mod density;
pub mod digits;
pub mod dry_run;
pub mod embedded;
pub mod external;
pub mod footprint;
pub mod identity;
pub mod inspect;
pub mod landscape;
pub mod listing;
pub mod memory;
pub mod merge;
pub mod observers;
pub mod optimizer;
pub mod optimizers;
pub mod oracle;
pub mod params;
pub mod plan;
pub mod points;
pub mod preconditioner;
pub mod problem;
pub mod problems;
pub mod record;
pub mod registry;
pub mod report;
pub mod run_loop;
pub mod runner;
pub mod schedule;
pub mod spectrum;
pub mod stop;
pub mod store;
pub mod summary;
pub mod table;
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
