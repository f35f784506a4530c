//! The harness over the whole registry: every optimizer on every suite and on a shared table of problems,
//! one value per point, steps that allocate nothing, memory as stated, capabilities as declared, the evaluation budget, fair tuning, and the crate's
//! one-way module dependencies.

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod capabilities_declared;
mod every_suite;
mod max_evals;
mod memory_statement;
mod one_value_per_point;
mod optimizer_table;
mod steps_do_not_allocate;
mod tuning;
