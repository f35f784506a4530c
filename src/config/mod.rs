//! What every config reader shares: the located error ([`ConfigError`], with the file's text), grid
//! expansion of list values ([`grid`]), "did you mean" suggestions ([`suggest`]) and the checks of seeds and
//! names. The experiment config itself is read into a plan by [`crate::plan`], above this module and above
//! the runner and tuning, which use these parts too.

pub mod error;
pub mod grid;
pub mod suggest;

use std::collections::BTreeSet;

pub use error::{ConfigError, SourceText};

/// `seeds` with repeats removed, in the order given.
pub fn unique_seeds(seeds: &[u64]) -> Vec<u64> {
    let mut seen = BTreeSet::new();
    seeds.iter().copied().filter(|x| seen.insert(*x)).collect()
}

/// Whether `name` is a plain file name: letters, digits, `.`, `_` and `-`, not `.` or `..`, at most 100
/// characters. A config's name becomes the folder `results/<name>`, so it must not reach anywhere else.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}
