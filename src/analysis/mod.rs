//! Analysis of stored results: comparison against a baseline.

pub mod compare;
