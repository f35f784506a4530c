//! A run's part in a tuning, as recorded in its spec: trial or evaluation, the group, the tuned values, the
//! selection rule and what the tuning cost.

use serde::{Deserialize, Serialize};

/// What the tuning optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The least final `f - f*` (for a fixed budget).
    FinalGap,
    /// The fewest gradient-equivalent evaluations to meet the stop rule's tolerance.
    EvalsToTarget,
}

impl Rule {
    /// The name used in configs.
    pub fn name(self) -> &'static str {
        match self {
            Rule::FinalGap => "final-gap",
            Rule::EvalsToTarget => "evals-to-target",
        }
    }
}

/// Whether a run was a tuning trial or an evaluation of the chosen settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// A tuning trial, on a tuning seed.
    Trial,
    /// The chosen settings, on an evaluation seed.
    Evaluation,
}

/// The name of a phase, as in configs and tables.
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Trial => "trial",
        Phase::Evaluation => "evaluation",
    }
}

/// What a group's tuning cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TuningCost {
    /// Trial points tried.
    pub trials: usize,
    /// Runs made for them (trials x instances x tuning seeds).
    pub runs: usize,
    /// Gradient-equivalent evaluations of those runs.
    pub grad_equiv_evals: u64,
}

/// A run's part in a tuning; recorded in its spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuningRole {
    /// Trial or evaluation.
    pub phase: Phase,
    /// The group the settings were tuned on: `suite NAME` or `instance FAMILY {params}`.
    pub group: String,
    /// The trial (for an evaluation run: the chosen one), 0-based.
    pub trial: usize,
    /// The tuned hyperparameters' values.
    pub tuned: serde_json::Value,
    /// The selection rule.
    pub rule: Rule,
    /// For an evaluation run: what the tuning of its group cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<TuningCost>,
}
