//! Analysis of results, no drawing here: comparison against a baseline, the Hessian spectrum at a point,
//! and the numbers the report draws and tabulates.
//!
//! [`sweep`] reads a results directory back and indexes it; [`convergence`] turns traces into curves and
//! seed bands; [`scaling`] fits iterations against the condition number; [`profiles`] builds performance
//! and data profiles; [`compare`] checks results against a baseline; [`spectrum`] reads the Hessian.

pub mod compare;
pub mod convergence;
pub mod diagnosis;
pub mod profiles;
pub mod scaling;
pub mod spectrum;
pub mod sweep;
