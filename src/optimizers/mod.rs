//! The optimizer registry: name -> documented parameters -> a checked optimizer.
//!
//! Adding an optimizer is one file (its `XxxConfig` implementing [`OptimizerConfig`], the optimizer and its
//! state implementing [`Optimizer`], its tests) plus one line in [`OPTIMIZERS`]. An optimizer whose step a
//! learning-rate schedule can scale implements [`lr_schedule::Schedulable`], lists its keys with
//! [`with_schedule_keys`] and is parsed by [`parse_scheduled`]: it then takes the schedule keys of
//! [`lr_schedule`] and the iterate-averaging keys of [`averaging`] as well.

use std::path::PathBuf;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::optimizer::{DynOptimizer, Optimizer};
use crate::params::{ParamDoc, ParamError};

pub mod adagrad;
pub mod adam;
pub mod averaging;
pub mod bfgs;
pub mod cg;
pub mod descent;
pub mod diagonal;
pub mod external;
pub mod gd;
pub mod kfac;
pub mod label;
pub mod lbfgs;
pub mod line_search;
pub mod lr_schedule;
pub mod momentum;
pub mod newton;
pub mod newton_cg;
pub mod nqm_exact;
pub mod rmsprop;

/// An optimizer's typed, documented hyperparameters; `check` turns them into the optimizer itself.
///
/// Its keys are best declared once with [`crate::declare_params!`], which writes the struct, its defaults
/// and its listing together.
pub trait OptimizerConfig: DeserializeOwned + Serialize {
    /// The checked optimizer.
    type Checked: Optimizer + 'static;
    /// The shared line-search keys ([`line_search::LineSearchKeys`]) this optimizer takes besides its own:
    /// none by default. They are taken out of the table before `Self` is parsed and handed to
    /// [`OptimizerConfig::check_with`].
    const LINE_SEARCH: line_search::SharedKeys = line_search::SharedKeys::NONE;
    /// Rejects invalid values, naming the key, or returns the optimizer.
    fn check(&self) -> Result<Self::Checked, ParamError>;
    /// [`OptimizerConfig::check`] with the shared line-search keys given (the default ignores them: an
    /// optimizer that takes some overrides it).
    fn check_with(
        &self,
        search: &line_search::LineSearchKeys,
    ) -> Result<Self::Checked, ParamError> {
        let _ = search;
        self.check()
    }
}

/// Parses an optimizer's table without the keys taken out before (schedule, averaging): the shared
/// line-search keys of `C`, then `C` itself; returns the config, the checked optimizer and the canonical
/// parameters.
fn parse_own<C: OptimizerConfig>(
    table: &toml::Table,
    docs: &[ParamDoc],
) -> Result<(C::Checked, serde_json::Value), ParamError> {
    let mut own = table.clone();
    let search = line_search::LineSearchKeys::take(&mut own, &C::LINE_SEARCH)?;
    let config: C = crate::params::from_table(&own, docs)?;
    let optimizer = config.check_with(&search)?;
    let mut params = serde_json::to_value(&config).unwrap_or(serde_json::Value::Null);
    if let serde_json::Value::Object(map) = &mut params {
        map.extend(search.canonical(&C::LINE_SEARCH));
    }
    Ok((optimizer, params))
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

    /// Parses a grid point of this optimizer's table, with the `label` every optimizer takes: an external
    /// client's is its own key; a built-in's is taken out, checked ([`label::check`]) and recorded in the
    /// canonical parameters beside the optimizer's own keys.
    pub fn parse_point(
        &self,
        table: &toml::Table,
        context: &ParseContext,
    ) -> Result<Checked, ParamError> {
        if self.params.iter().any(|p| p.name == label::KEY) {
            return (self.parse)(table, self.params, context);
        }
        let (own, label) = label::take(table)?;
        let mut checked = (self.parse)(&own, self.params, context)?;
        if let (Some(label), serde_json::Value::Object(m)) = (label, &mut checked.params) {
            m.insert(label::KEY.into(), label.into());
        }
        Ok(checked)
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
        parse: parse_scheduled::<adagrad::AdagradConfig>,
    },
    OptimizerEntry {
        name: "adam",
        summary: "Adam (Kingma and Ba 2015) with bias correction; AdamW's decoupled weight decay (Loshchilov and Hutter 2019) optional",
        keeps: "a diagonal scale from averaged squared gradients (not curvature), plus momentum",
        params: adam::PARAMS,
        lists: &[],
        parse: parse_scheduled::<adam::AdamConfig>,
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
        parse: parse_scheduled::<gd::GdConfig>,
    },
    OptimizerEntry {
        name: "kfac",
        summary: "K-FAC (Martens and Grosse 2015): per-layer Kronecker-factored Fisher, damped, inverted by Cholesky",
        keeps: "per layer, the Fisher block as A (x) G (layered problems only)",
        params: kfac::PARAMS,
        lists: &[],
        parse: parse_scheduled::<kfac::KfacConfig>,
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
        parse: parse_scheduled::<momentum::MomentumConfig>,
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
        name: "nqm-exact",
        summary: "exact mode on the noisy quadratic model: the expected loss of SGD, heavy ball and H^-p-preconditioned SGD by the closed recursion of moments, nothing sampled",
        keeps: "the curvature H^p of its preconditioning (none at p = 0), plus a memory of the last step where beta > 0",
        params: nqm_exact::PARAMS,
        lists: &[],
        parse: parse_optimizer::<nqm_exact::NqmExactConfig>,
    },
    OptimizerEntry {
        name: "nqm-exact-momentum",
        summary: "exact mode of heavy ball on the noisy quadratic model: nqm-exact under a name of its own, so that a tuning gives it its own space (beta tuned jointly with the step)",
        keeps: "the curvature H^p of its preconditioning (none at p = 0), plus a memory of the last step",
        params: nqm_exact::PARAMS,
        lists: &[],
        parse: parse_optimizer::<nqm_exact::NqmExactConfig>,
    },
    OptimizerEntry {
        name: "rmsprop",
        summary: "RMSprop (Tieleman and Hinton 2012): x <- x - lr g / (sqrt(running mean of g^2) + eps)",
        keeps: "a diagonal scale from averaged squared gradients (not curvature)",
        params: rmsprop::PARAMS,
        lists: &[],
        parse: parse_scheduled::<rmsprop::RmspropConfig>,
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
    let (optimizer, params) = parse_own::<C>(table, docs)?;
    Ok(Checked {
        params,
        optimizer: Box::new(optimizer),
    })
}

/// The keys an optimizer parsed by [`parse_scheduled`] takes besides its own: the schedule's and the
/// averaging's.
pub const SCHEDULE_KEYS: usize = lr_schedule::PARAMS.len() + averaging::PARAMS.len();

/// An optimizer's own keys followed by the keys of [`lr_schedule`] and [`averaging`], as one list of `M`
/// keys: `M` is the own keys' count plus [`SCHEDULE_KEYS`] (any other `M` fails to compile).
pub const fn with_schedule_keys<const M: usize>(own: &[ParamDoc]) -> [ParamDoc; M] {
    crate::params::declare::concat::<M>(&[own, lr_schedule::PARAMS, averaging::PARAMS])
}

/// Parses a table as [`parse_optimizer`] does, with the shared keys besides `C`'s own: the schedule of
/// [`lr_schedule`] goes to the checked optimizer, an average of [`averaging`] wraps it in
/// [`averaging::Averaged`], and the shared keys not at their defaults join its canonical parameters (so a
/// config without them keeps its parameters, and its run ids, unchanged).
pub fn parse_scheduled<C>(
    table: &toml::Table,
    docs: &[ParamDoc],
    _context: &ParseContext,
) -> Result<Checked, ParamError>
where
    C: OptimizerConfig,
    C::Checked: lr_schedule::Schedulable,
{
    let mut own = table.clone();
    let schedule = lr_schedule::ScheduleConfig::take(&mut own)?;
    let averaging = averaging::AveragingConfig::take(&mut own)?;
    let (optimizer, mut params) = parse_own::<C>(&own, docs)?;
    let optimizer = schedule.apply(optimizer)?;
    let mode = averaging.check()?;
    if let serde_json::Value::Object(map) = &mut params {
        let shared = [
            serde_json::to_value(schedule.canonical()),
            serde_json::to_value(averaging.canonical()),
        ];
        for keys in shared {
            if let Ok(serde_json::Value::Object(keys)) = keys {
                map.extend(keys);
            }
        }
    }
    let optimizer: Box<dyn DynOptimizer> = match mode {
        averaging::Averaging::None => Box::new(optimizer),
        averaging => Box::new(averaging::Averaged {
            inner: optimizer,
            averaging,
        }),
    };
    Ok(Checked { params, optimizer })
}

/// Parses TOML text as an optimizer's keys and checks them: the shared first step of every optimizer's tests.
#[cfg(test)]
pub(crate) fn parse_checked<C: OptimizerConfig>(
    text: &str,
    docs: &[ParamDoc],
) -> Result<C::Checked, ParamError> {
    let t: toml::Table = toml::from_str(text).expect("test tables are valid TOML");
    parse_own::<C>(&t, docs).map(|(optimizer, _)| optimizer)
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

    #[test]
    fn only_external_needs_settings() {
        // The shared schedule keys required by some schedules must not make an optimizer need settings.
        let needing: Vec<&str> = OPTIMIZERS
            .iter()
            .filter(|o| o.needs_settings())
            .map(|o| o.name)
            .collect();
        assert_eq!(needing, ["external"]);
    }
}
