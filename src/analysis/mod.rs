//! Analysis of a sweep's stored records: no drawing here, only numbers that the report draws and tabulates.
//!
//! [`sweep`] reads a results directory back and indexes it; [`convergence`] turns traces into curves and
//! seed bands; [`scaling`] fits iterations against the condition number; [`profiles`] builds performance
//! and data profiles.

pub mod convergence;
pub mod profiles;
pub mod scaling;
pub mod sweep;
