//! The optimizer registry: name -> documented parameters -> a checked optimizer.
//!
//! Adding an optimizer is one file (its `XxxConfig` implementing [`OptimizerConfig`], the optimizer and its
//! state implementing [`Optimizer`], its tests) plus one line in [`OPTIMIZERS`].

use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::optimizer::{DynOptimizer, Optimizer};
use crate::params::{ParamDoc, ParamError};

pub mod adagrad;
pub mod adam;
pub mod bfgs;
pub mod cg;
pub mod descent;
pub mod diagonal;
pub mod external;
pub mod gd;
pub mod kfac;
pub mod lbfgs;
pub mod line_search;
pub mod momentum;
pub mod newton;
pub mod newton_cg;
pub mod rmsprop;

/// An optimizer's typed, documented hyperparameters; `check` turns them into the optimizer itself.
pub trait OptimizerConfig: DeserializeOwned + Serialize {
    /// The checked optimizer.
    type Checked: Optimizer + 'static;
    /// Rejects invalid values, naming the key, or returns the optimizer.
    fn check(&self) -> Result<Self::Checked, ParamError>;
}

/// What parsing an optimizer's table may need besides the table itself.
#[derive(Debug, Clone, Default)]
pub struct ParseContext {
    /// The folder of the config file the table comes from (`None` for embedded configs and replays: the
    /// current directory). An external optimizer's client runs there.
    pub base_dir: Option<PathBuf>,
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
    /// The keys whose value is a list taken whole, not a grid axis (an external optimizer's `command`).
    pub lists: &'static [&'static str],
    /// Parses and checks a table of the keys beside `name`.
    pub parse: fn(&toml::Table, &[ParamDoc], &ParseContext) -> Result<Checked, ParamError>,
}

impl OptimizerEntry {
    /// Whether some key has no default (an external client's `command`): such an optimizer cannot run from
    /// `name` alone, so generic sweeps over the registry must give it settings.
    pub fn needs_settings(&self) -> bool {
        self.params.iter().any(|p| p.default == "required")
    }
}

/// A checked optimizer with its canonical parameters.
pub struct Checked {
    /// Every hyperparameter (defaults filled in), as canonical JSON.
    pub params: serde_json::Value,
    /// The optimizer.
    pub optimizer: Box<dyn DynOptimizer>,
}

/// The registry, sorted by name.
pub const OPTIMIZERS: &[OptimizerEntry] = &[
    OptimizerEntry {
        name: "adagrad",
        summary: "Adagrad (Duchi et al. 2011): x <- x - lr g / (sqrt(sum of past g^2) + eps), per coordinate",
        keeps: "a diagonal scale from accumulated squared gradients (not curvature)",
        params: adagrad::PARAMS,
        lists: &[],
        parse: parse_optimizer::<adagrad::AdagradConfig>,
    },
    OptimizerEntry {
        name: "adam",
        summary: "Adam (Kingma and Ba 2015) with bias correction; AdamW's decoupled weight decay (Loshchilov and Hutter 2019) optional",
        keeps: "a diagonal scale from averaged squared gradients (not curvature), plus momentum",
        params: adam::PARAMS,
        lists: &[],
        parse: parse_optimizer::<adam::AdamConfig>,
    },
    OptimizerEntry {
        name: "bfgs",
        summary: "BFGS with a dense inverse-Hessian approximation and a strong Wolfe line search",
        keeps: "a dense secant approximation of the inverse Hessian, built from every step",
        params: bfgs::PARAMS,
        lists: &[],
        parse: parse_optimizer::<bfgs::BfgsConfig>,
    },
    OptimizerEntry {
        name: "cg",
        summary: "nonlinear conjugate gradients, Polak-Ribiere+, with a strong Wolfe line search",
        keeps: "no matrix: the last direction, conjugate to the next with respect to the Hessian on quadratics",
        params: cg::PARAMS,
        lists: &[],
        parse: parse_optimizer::<cg::CgConfig>,
    },
    OptimizerEntry {
        name: "external",
        summary: "an optimizer in any language, run as a client process over a binary protocol (docs/external-protocol.md)",
        keeps: "whatever the client keeps (the harness sees only its evaluations and iterates)",
        params: external::PARAMS,
        lists: external::LISTS,
        parse: external::parse,
    },
    OptimizerEntry {
        name: "gd",
        summary: "gradient descent: x <- x - eta g, with a fixed step, a theory step (1/L, 2/(L+mu)) or Armijo backtracking",
        keeps: "none (the identity)",
        params: gd::PARAMS,
        lists: &[],
        parse: parse_optimizer::<gd::GdConfig>,
    },
    OptimizerEntry {
        name: "kfac",
        summary: "K-FAC (Martens and Grosse 2015): per-layer Kronecker-factored Fisher, damped, inverted by Cholesky",
        keeps: "per layer, the Fisher block as A (x) G (layered problems only)",
        params: kfac::PARAMS,
        lists: &[],
        parse: parse_optimizer::<kfac::KfacConfig>,
    },
    OptimizerEntry {
        name: "lbfgs",
        summary: "limited-memory BFGS: two-loop recursion over the last m secant pairs, strong Wolfe line search",
        keeps: "a secant approximation of the inverse Hessian of rank at most 2m, from the last m steps",
        params: lbfgs::PARAMS,
        lists: &[],
        parse: parse_optimizer::<lbfgs::LbfgsConfig>,
    },
    OptimizerEntry {
        name: "momentum",
        summary: "Polyak's heavy ball or Nesterov's accelerated gradient, with fixed, optimal (from mu, L) or scheduled parameters",
        keeps: "none (the identity), plus a memory of the last step",
        params: momentum::PARAMS,
        lists: &[],
        parse: parse_optimizer::<momentum::MomentumConfig>,
    },
    OptimizerEntry {
        name: "newton",
        summary: "Newton's method on the dense Hessian: pure, line-search (H + tau I), damped (Levenberg-Marquardt) or saddle-free (|H|)",
        keeps: "the full Hessian (as is, shifted, damped, or with its eigenvalues' signs flipped)",
        params: newton::PARAMS,
        lists: &[],
        parse: parse_optimizer::<newton::NewtonConfig>,
    },
    OptimizerEntry {
        name: "newton-cg",
        summary: "line-search Newton-CG: truncated conjugate gradients on Hessian-vector products, then Armijo",
        keeps: "the full Hessian, through Hessian-vector products, on a Krylov subspace",
        params: newton_cg::PARAMS,
        lists: &[],
        parse: parse_optimizer::<newton_cg::NewtonCgConfig>,
    },
    OptimizerEntry {
        name: "rmsprop",
        summary: "RMSprop (Tieleman and Hinton 2012): x <- x - lr g / (sqrt(running mean of g^2) + eps)",
        keeps: "a diagonal scale from averaged squared gradients (not curvature)",
        params: rmsprop::PARAMS,
        lists: &[],
        parse: parse_optimizer::<rmsprop::RmspropConfig>,
    },
];

/// Looks an optimizer up by name.
pub fn optimizer(name: &str) -> Option<&'static OptimizerEntry> {
    OPTIMIZERS.iter().find(|o| o.name == name)
}

/// Parses a table into `C`, checks it and returns the optimizer with its canonical parameters.
pub fn parse_optimizer<C: OptimizerConfig>(
    table: &toml::Table,
    docs: &[ParamDoc],
    _context: &ParseContext,
) -> Result<Checked, ParamError> {
    let config: C = crate::params::from_table(table, docs)?;
    let optimizer = config.check()?;
    Ok(Checked {
        params: serde_json::to_value(&config).unwrap_or(serde_json::Value::Null),
        optimizer: Box::new(optimizer),
    })
}

/// Parses TOML text as an optimizer's keys and checks them: the shared first step of every optimizer's tests.
#[cfg(test)]
pub(crate) fn parse_checked<C: OptimizerConfig>(
    text: &str,
    docs: &[ParamDoc],
) -> Result<C::Checked, ParamError> {
    let t: toml::Table = toml::from_str(text).expect("test tables are valid TOML");
    crate::params::from_table::<C>(&t, docs)?.check()
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
