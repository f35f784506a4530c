//! Analysis of results, no drawing here: comparison against a baseline
//! and the numbers the report draws and tabulates, from what a results folder holds (its records,
//! `sweep.json` and `landscapes.json`; nothing here builds a problem, resolves an optimizer or steps one:
//! `tests/runner/architecture.rs` checks it).
//!
//! [`sweep`] reads a results directory back and indexes it; [`convergence`] turns traces into curves and
//! seed bands; [`scaling`] fits iterations against the condition number ([`slope_count`] says which runs
//! a slope counts); [`profiles`] builds performance and data profiles; [`compare`] checks results against a
//! baseline; [`museum`] puts each optimizer's curvature, memory, cost and
//! results side by side; [`escape`] fits the escape from a saddle, measured during each run, against its
//! negative curvature; [`batch`] measures steps to target against the batch size ([`axis`] groups
//! instances along one parameter). [`spectrum`] and [`diagnosis`] are re-exported at their earlier paths;
//! they compute the Hessian's spectrum at a point and sit below the runner, and nothing here calls them.

pub mod axis;
pub mod batch;
pub mod compare;
pub mod convergence;
pub mod escape;
pub mod museum;
pub mod profiles;
pub mod scaling;
pub mod slope_count;
pub mod sweep;

// At their earlier paths: the spectrum at a point and a run's ending, which sit below the runner.
pub use crate::spectrum;
pub use crate::spectrum::diagnosis;
