//! The harness over the whole registry: every optimizer on every suite and on a shared table of problems,
//! one value per point, steps that allocate nothing, the evaluation budget, fair tuning, and the crate's
//! one-way module dependencies.

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod every_suite;
mod max_evals;
mod one_value_per_point;
mod optimizer_table;
mod steps_do_not_allocate;
mod tuning;
