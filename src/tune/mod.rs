//! Fair hyperparameter tuning: every tuned optimizer gets the same budget of trials, a stated selection
//! rule picks one trial per group on the tuning seeds, and the chosen settings then run on the evaluation
//! seeds (the config's `seeds`), which must be disjoint from the tuning seeds, so the reported numbers are
//! not the ones tuned on.
//!
//! ```toml
//! seeds = [0, 1, 2]            # evaluation seeds
//!
//! [tune]
//! method = "grid"              # "grid" (log/linear, k^d points) or "sobol" (scrambled Sobol points)
//! trials = 16                  # the budget: trials per optimizer and group
//! per = "suite"                # a group is a suite ("suite") or one problem instance ("instance")
//! select = "evals-to-target"   # or "final-gap"; see [`select`]
//! seeds = [100]                # tuning seeds [default: each evaluation seed + 1000000]
//!
//! [tune.space.gd]
//! step = { log = [1e-3, 2.0] }
//! [tune.space.momentum]
//! step = { log = [1e-3, 2.0] }
//! beta = { linear = [0.5, 0.99] }
//! ```
//!
//! A chosen value at the edge of its range is warned of, at the end of `run` and in the report (see
//! [`edge`]).
//!
//! Every `[[optimizer]]` table whose name has a space is tuned (it must not also fix a tuned key); the
//! others run untuned on the evaluation seeds. Each run records in its spec whether it was a tuning trial
//! or an evaluation run, its group, its trial and the tuned values; an evaluation run also records the
//! tuning cost (trials, runs and gradient-equivalent evaluations spent on its group's tuning).

pub mod edge;
pub mod parse;
pub mod run;
pub mod select;
pub mod space;
pub mod table;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::optimizers::Checked;
use crate::problems::Instance;

pub use crate::record::{Phase, Rule, TuningCost, TuningRole, phase_name};
pub use run::{evaluation_runs, owns};
pub use space::{Axis, Method, Scale};

/// Whether a group is a suite or one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Per {
    /// One choice per suite: trials are scored over every instance of the suite.
    Suite,
    /// One choice per problem instance.
    Instance,
}

/// One trial point of a group's optimizer.
pub struct Trial {
    /// The tuned values as JSON (`{"step": 0.01}`).
    pub tuned: serde_json::Value,
    /// The optimizer with these values.
    pub optimizer: Arc<Checked>,
}

/// A tuned optimizer on one group of instances.
pub struct Group {
    /// `suite NAME` or `instance FAMILY {params}`.
    pub label: String,
    /// The optimizer's registry name.
    pub optimizer: String,
    /// The instances the trials are scored over and the chosen settings evaluated on.
    pub instances: Vec<Arc<Instance>>,
    /// The tuned hyperparameters and their configured ranges.
    pub axes: Vec<Axis>,
    /// The trial points, in order.
    pub trials: Vec<Trial>,
    /// The run ids of the trials: `trial_runs[t]` for trial `t`.
    pub trial_runs: Vec<Vec<String>>,
}

/// A checked `[tune]` block with its groups.
pub struct TuningPlan {
    /// Grid or Sobol.
    pub method: Method,
    /// Trials per optimizer and group.
    pub trials: usize,
    /// Suite or instance groups.
    pub per: Per,
    /// The selection rule.
    pub rule: Rule,
    /// The tuning seeds.
    pub seeds: Vec<u64>,
    /// The evaluation seeds.
    pub eval_seeds: Vec<u64>,
    /// The groups, in plan order.
    pub groups: Vec<Group>,
    /// Whether runs diagnose their final point.
    pub diagnose: bool,
}

impl TuningPlan {
    /// The evaluation runs group `g` will make.
    pub fn evaluation_runs(&self, g: usize) -> usize {
        self.groups[g].instances.len() * self.eval_seeds.len()
    }
}
