//! What determines a run: the problem instance, the optimizer, the seed, the stop rule and its part in a
//! tuning; the hash of the canonical JSON spec is the run id.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::tuning::TuningRole;
use crate::stop::StopRule;

/// A problem instance as recorded: family and every parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemSpec {
    /// The family.
    pub family: String,
    /// Every parameter, defaults filled in.
    pub params: serde_json::Value,
}

/// An optimizer as recorded: name and every hyperparameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimizerSpec {
    /// The registry name.
    pub name: String,
    /// Every hyperparameter, defaults filled in.
    pub params: serde_json::Value,
}

impl OptimizerSpec {
    /// How tables and figures name the optimizer, with the parameters shown beside that name. An optimizer
    /// with a `label` is named by it: an external client (whose parameters hold its `command`) is shown
    /// with its `params` table only, a built-in with its other parameters (of which tables and legends show
    /// only those that differ between configurations of the same name). Any other is named by its registry
    /// name and shown with all its parameters.
    pub fn display(&self) -> (String, serde_json::Value) {
        match self.params.get("label").and_then(serde_json::Value::as_str) {
            Some(label) if self.params.get("command").is_some() => (
                label.to_string(),
                self.params
                    .get("params")
                    .cloned()
                    .unwrap_or_else(|| serde_json::json!({})),
            ),
            Some(label) => {
                let mut rest = self.params.clone();
                if let serde_json::Value::Object(m) = &mut rest {
                    m.remove("label");
                }
                (label.to_string(), rest)
            }
            None => (self.name.clone(), self.params.clone()),
        }
    }
}

/// Everything that determines a run; its hash is the run id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// The problem instance.
    pub problem: ProblemSpec,
    /// The optimizer.
    pub optimizer: OptimizerSpec,
    /// The seed.
    pub seed: u64,
    /// The stop rule.
    pub stop: StopRule,
    /// The run's part in a tuning, if it belongs to one (absent otherwise, so untuned run ids are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tuning: Option<TuningRole>,
    /// Whether the run diagnoses its final point (`diagnose = true` in the config; absent when false, so
    /// other run ids are unchanged).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub diagnose: bool,
    /// What the run measures of its sharpness along the way (`[sharpness]` in the config; absent when not
    /// asked, so other run ids are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharpness: Option<super::SharpnessSpec>,
}

impl RunSpec {
    /// The stable id: `<family>-<optimizer>-<first 16 hex digits of SHA-256 of the canonical JSON spec>`, with
    /// the slash of a namespaced name written as `.` so the id is a file name.
    pub fn run_id(&self) -> String {
        let canonical = serde_json::to_string(self).unwrap_or_default();
        let digest = Sha256::digest(canonical.as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{hex}",
            self.problem.family.replace('/', "."),
            self.optimizer.name.replace('/', ".")
        )
    }
}
