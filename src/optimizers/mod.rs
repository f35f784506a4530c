//! The optimizer registry: name -> documented parameters -> a checked optimizer.
//!
//! Adding an optimizer is one file (its `XxxConfig` implementing [`OptimizerConfig`], the optimizer and its
//! state implementing [`Optimizer`], its tests) plus one line in [`OPTIMIZERS`].

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::optimizer::{DynOptimizer, Optimizer};
use crate::params::{ParamDoc, ParamError};

pub mod gd;
pub mod line_search;

/// An optimizer's typed, documented hyperparameters; `check` turns them into the optimizer itself.
pub trait OptimizerConfig: DeserializeOwned + Serialize {
    /// The checked optimizer.
    type Checked: Optimizer + 'static;
    /// Rejects invalid values, naming the key, or returns the optimizer.
    fn check(&self) -> Result<Self::Checked, ParamError>;
}

/// One registered optimizer.
pub struct OptimizerEntry {
    /// The name used in configs (`name = "..."`).
    pub name: &'static str,
    /// One line for `optzoo list optimizers`.
    pub summary: &'static str,
    /// Which part of the curvature the method keeps.
    pub keeps: &'static str,
    /// The keys beside `name`.
    pub params: &'static [ParamDoc],
    /// Parses and checks a table of the keys beside `name`.
    pub parse: fn(&toml::Table, &[ParamDoc]) -> Result<Checked, ParamError>,
}

/// A checked optimizer with its canonical parameters.
pub struct Checked {
    /// Every hyperparameter (defaults filled in), as canonical JSON.
    pub params: serde_json::Value,
    /// The optimizer.
    pub optimizer: Box<dyn DynOptimizer>,
}

/// The registry, sorted by name.
pub const OPTIMIZERS: &[OptimizerEntry] = &[OptimizerEntry {
    name: "gd",
    summary: "gradient descent: x <- x - eta g, with a fixed step, a theory step (1/L, 2/(L+mu)) or Armijo backtracking",
    keeps: "none (the identity)",
    params: gd::PARAMS,
    parse: parse_optimizer::<gd::GdConfig>,
}];

/// Looks an optimizer up by name.
pub fn optimizer(name: &str) -> Option<&'static OptimizerEntry> {
    OPTIMIZERS.iter().find(|o| o.name == name)
}

/// Parses a table into `C`, checks it and returns the optimizer with its canonical parameters.
pub fn parse_optimizer<C: OptimizerConfig>(
    table: &toml::Table,
    docs: &[ParamDoc],
) -> Result<Checked, ParamError> {
    let config: C = crate::params::from_table(table, docs)?;
    let optimizer = config.check()?;
    Ok(Checked {
        params: serde_json::to_value(&config).unwrap_or(serde_json::Value::Null),
        optimizer: Box::new(optimizer),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        let names: Vec<&str> = OPTIMIZERS.iter().map(|o| o.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
