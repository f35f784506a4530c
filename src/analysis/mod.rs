//! Analysis: comparison of results against a baseline, and the Hessian spectrum at a point.

pub mod compare;
pub mod spectrum;
