//! A results directory read back for analysis: the run records in plan order, indexed by problem instance
//! and optimizer configuration, each with a short label.
//!
//! Labels name only what varies: a problem instance is labelled by its family and the parameters that differ
//! between the sweep's instances of that family (`quadratic kappa=100 rotation=none`), an optimizer
//! configuration by its name and the hyperparameters that differ between the sweep's configurations of that
//! name (`gd step=armijo`). The full parameters stay available for captions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::record::facts::{EscapeTheoryFact, OptimizerFacts, SlopeFact};
use crate::store::{self, OptimizerSpec, ProblemSpec, RunRecord, StoreError, SweepManifest};

/// One problem instance of a sweep.
#[derive(Debug, Clone)]
pub struct InstanceInfo {
    /// The family and every parameter.
    pub spec: ProblemSpec,
    /// The short label (family and the parameters that vary).
    pub label: String,
    /// Every parameter as `key=value`, for captions.
    pub full: String,
    /// The dimension, from the first run that built the problem.
    pub dim: Option<usize>,
    /// `f*`, when every run that built the problem knows it.
    pub optimum_value: Option<f64>,
}

/// One optimizer configuration of a sweep.
#[derive(Debug, Clone)]
pub struct OptimizerInfo {
    /// The name and every hyperparameter.
    pub spec: OptimizerSpec,
    /// The short label (name and the hyperparameters that vary).
    pub label: String,
    /// The theory slope of iterations against kappa, as the optimizer stated it for this configuration
    /// in its first run.
    pub kappa_slope: Option<SlopeFact>,
    /// The linear theory of its saddle escape, as stated in its first run.
    pub escape: Option<EscapeTheoryFact>,
    /// What it keeps of the Hessian, as stated in its first run.
    pub keeps: Option<String>,
    /// Its memory as a formula, as stated in its first run.
    pub memory_formula: Option<String>,
    /// Whether a client process holds its memory, as stated in its first run (an external optimizer).
    pub memory_in_client: bool,
}

/// The records of a results directory, indexed.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// `sweep.json`, where present.
    pub manifest: Option<SweepManifest>,
    /// Every run, in plan order; where a manifest is given, only the runs it lists.
    pub records: Vec<RunRecord>,
    /// Runs left out because the manifest does not list them (see [`crate::store::read_sweep`]).
    pub ignored: usize,
    /// The problem instances, in order of first appearance.
    pub instances: Vec<InstanceInfo>,
    /// The optimizer configurations, in order of first appearance.
    pub optimizers: Vec<OptimizerInfo>,
    /// For each record, the index of its instance and of its optimizer configuration.
    pub cells: Vec<(usize, usize)>,
    /// The tuning trials, in plan order: kept apart from `records`, since reported results come from the
    /// evaluation runs alone (see [`crate::tune`]).
    pub trials: Vec<RunRecord>,
    /// The values under the path figures (`DIR/landscapes.json`; empty where the folder has none).
    pub landscapes: crate::landscape::Landscapes,
}

/// A JSON value as a label would show it: strings bare, whole numbers without a fractional part, large and
/// small magnitudes in exponent notation (`1e6`, `1e-4`).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(x) => number_text(x),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// A number for labels: powers of ten from 1e5 on in exponent form (`1e6`), other integers below 1e15 as
/// such, otherwise the shortest round-trip form, in exponent notation outside `[1e-3, 1e5)`; a fraction whose
/// round-trip form needs more than [`LABEL_DIGITS`] significant digits (a computed grid point such as
/// `10^-1.5`) is rounded to that many by [`crate::digits::significant`].
pub fn number_text(x: f64) -> String {
    let exact = exact_text(x);
    if x.fract() != 0.0 && significant_digits(&exact) > LABEL_DIGITS {
        crate::digits::significant(x, LABEL_DIGITS)
    } else {
        exact
    }
}

/// Significant digits a label shows at most.
pub const LABEL_DIGITS: usize = 6;

/// The significant digits written in a decimal or exponent form (`0.0316` has 3, `1.25e-7` has 3).
fn significant_digits(text: &str) -> usize {
    let mantissa = text.split(['e', 'E']).next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let trimmed = digits.trim_start_matches('0');
    trimmed.len()
}

/// [`number_text`] before rounding: the exact forms.
fn exact_text(x: f64) -> String {
    let a = x.abs();
    if x == 0.0 {
        "0".into()
    } else if x.fract() == 0.0 && a < 1e15 {
        let exact_power = a >= 1e5 && 10f64.powi(a.log10().round() as i32) == a;
        if exact_power {
            format!("{x:e}")
        } else {
            format!("{x:.0}")
        }
    } else if (1e-3..1e5).contains(&a) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn params_of(v: &Value) -> BTreeMap<String, Value> {
    match v {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => BTreeMap::new(),
    }
}

/// `key=value` pairs, in key order, of the keys in `keys` (all keys when `None`).
fn pairs(params: &BTreeMap<String, Value>, keys: Option<&BTreeSet<String>>) -> String {
    params
        .iter()
        .filter(|(k, _)| keys.is_none_or(|ks| ks.contains(*k)))
        .map(|(k, v)| format!("{k}={}", value_text(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The keys whose values differ between `members` (a key missing in some member counts as differing).
fn varying(members: &[BTreeMap<String, Value>]) -> BTreeSet<String> {
    let all: BTreeSet<String> = members.iter().flat_map(|m| m.keys().cloned()).collect();
    all.into_iter()
        .filter(|k| {
            let first = members.first().and_then(|m| m.get(k));
            members.iter().any(|m| m.get(k) != first)
        })
        .collect()
}

/// Short labels for `(name, params)` entries: the name, then the parameters that vary among the entries
/// of the same name.
pub fn short_labels(entries: &[(String, Value)]) -> Vec<String> {
    let mut by_name: BTreeMap<&str, Vec<BTreeMap<String, Value>>> = BTreeMap::new();
    for (name, params) in entries {
        by_name.entry(name).or_default().push(params_of(params));
    }
    let keys: BTreeMap<&str, BTreeSet<String>> =
        by_name.iter().map(|(n, ms)| (*n, varying(ms))).collect();
    entries
        .iter()
        .map(|(name, params)| {
            let rest = pairs(&params_of(params), keys.get(name.as_str()));
            if rest.is_empty() {
                name.clone()
            } else {
                format!("{name} {rest}")
            }
        })
        .collect()
}

/// The optimizer configuration of a run: its spec, with `"tuned"` for the keys a tuning chose, so that a
/// tuned optimizer's runs form one configuration whichever values its groups chose.
pub fn optimizer_config(r: &RunRecord) -> OptimizerSpec {
    match &r.spec.tuning {
        Some(t) => OptimizerSpec {
            name: r.spec.optimizer.name.clone(),
            params: crate::tune::table::untuned_params(&r.spec.optimizer.params, &t.tuned),
        },
        None => r.spec.optimizer.clone(),
    }
}

impl Sweep {
    /// Reads the sweep in `dir` ([`store::read_sweep`]: where `DIR/sweep.json` exists, only the runs it
    /// lists). Nothing is built or run: everything comes from the records.
    pub fn load(dir: &Path) -> Result<Sweep, StoreError> {
        let runs = store::read_sweep(dir)?;
        let mut sweep = Sweep::new(runs.records, runs.manifest);
        sweep.ignored += runs.ignored;
        sweep.landscapes = crate::landscape::read(dir)?;
        Ok(sweep)
    }

    /// Indexes records; where a manifest is given, only the runs it lists are kept (the others are counted
    /// in [`Sweep::ignored`]), in its plan order. Tuning trials go to
    /// [`Sweep::trials`]; a tuned optimizer's evaluation runs form one configuration whose tuned keys read
    /// `tuned`, whichever values its groups chose. Each configuration's statements (theory, anatomy) are
    /// those recorded by its first run.
    pub fn new(mut records: Vec<RunRecord>, manifest: Option<SweepManifest>) -> Sweep {
        // Records of an earlier config in the same directory are not this sweep's (tuning records among
        // them would even change its choices and scores): where a manifest lists the runs, only those count.
        let mut ignored = 0;
        if let Some(m) = &manifest {
            let rank: BTreeMap<&str, usize> = m
                .run_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect();
            let before = records.len();
            records.retain(|r| rank.contains_key(r.run_id.as_str()));
            ignored = before - records.len();
            records.sort_by_key(|r| rank.get(r.run_id.as_str()).copied());
        }
        let (trials, records): (Vec<RunRecord>, Vec<RunRecord>) =
            records.into_iter().partition(|r| {
                r.spec
                    .tuning
                    .as_ref()
                    .is_some_and(|t| t.phase == crate::tune::Phase::Trial)
            });
        let mut inst_keys: Vec<String> = Vec::new();
        let mut inst_specs: Vec<ProblemSpec> = Vec::new();
        let mut opt_keys: Vec<String> = Vec::new();
        let mut opt_specs: Vec<OptimizerSpec> = Vec::new();
        let mut opt_first: Vec<&OptimizerFacts> = Vec::new();
        let mut cells = Vec::with_capacity(records.len());
        for r in &records {
            let ik = serde_json::to_string(&r.spec.problem).unwrap_or_default();
            let i = match inst_keys.iter().position(|k| *k == ik) {
                Some(i) => i,
                None => {
                    inst_keys.push(ik);
                    inst_specs.push(r.spec.problem.clone());
                    inst_keys.len() - 1
                }
            };
            let spec = optimizer_config(r);
            let ok = serde_json::to_string(&spec).unwrap_or_default();
            let o = match opt_keys.iter().position(|k| *k == ok) {
                Some(o) => o,
                None => {
                    opt_keys.push(ok);
                    opt_specs.push(spec);
                    opt_first.push(&r.facts.optimizer);
                    opt_keys.len() - 1
                }
            };
            cells.push((i, o));
        }
        let inst_labels = short_labels(
            &inst_specs
                .iter()
                .map(|s| (s.family.clone(), s.params.clone()))
                .collect::<Vec<_>>(),
        );
        let opt_labels = short_labels(
            &opt_specs
                .iter()
                .map(OptimizerSpec::display)
                .collect::<Vec<_>>(),
        );
        let instances = inst_specs
            .into_iter()
            .zip(inst_labels)
            .enumerate()
            .map(|(i, (spec, label))| {
                let built: Vec<&RunRecord> = records
                    .iter()
                    .zip(&cells)
                    .filter(|(r, c)| c.0 == i && r.outcome.dim > 0)
                    .map(|(r, _)| r)
                    .collect();
                let optimum_value = if !built.is_empty()
                    && built.iter().all(|r| r.outcome.optimum_value.is_some())
                {
                    built[0].outcome.optimum_value
                } else {
                    None
                };
                InstanceInfo {
                    full: format!("{} {}", spec.family, pairs(&params_of(&spec.params), None)),
                    dim: built.first().map(|r| r.outcome.dim),
                    optimum_value,
                    spec,
                    label,
                }
            })
            .collect();
        let optimizers = opt_specs
            .into_iter()
            .zip(opt_labels)
            .zip(opt_first)
            .map(|((spec, label), first)| OptimizerInfo {
                spec,
                label,
                kappa_slope: first.kappa_slope.clone(),
                escape: first.escape_theory.clone(),
                keeps: first.keeps.clone(),
                memory_formula: first.memory_formula.clone(),
                memory_in_client: first.memory_in_client,
            })
            .collect();
        Sweep {
            manifest,
            records,
            ignored,
            instances,
            optimizers,
            cells,
            trials,
            landscapes: Default::default(),
        }
    }

    /// The runs of one instance and one optimizer configuration, in plan order.
    pub fn runs(&self, instance: usize, optimizer: usize) -> Vec<&RunRecord> {
        self.records
            .iter()
            .zip(&self.cells)
            .filter(|(_, c)| **c == (instance, optimizer))
            .map(|(r, _)| r)
            .collect()
    }

    /// The seeds of the sweep, ascending.
    pub fn seeds(&self) -> Vec<u64> {
        let s: BTreeSet<u64> = self.records.iter().map(|r| r.spec.seed).collect();
        s.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_name_only_what_varies() {
        let entries = vec![
            ("gd".to_string(), json!({"step": "1/L"})),
            ("gd".to_string(), json!({"step": 0.001})),
            ("lbfgs".to_string(), json!({"memory": 10})),
            (
                "quadratic".to_string(),
                json!({"dim": 100, "kappa": 1e6, "rotation": "none"}),
            ),
            (
                "quadratic".to_string(),
                json!({"dim": 100, "kappa": 10.0, "rotation": "none"}),
            ),
        ];
        assert_eq!(
            short_labels(&entries),
            vec![
                "gd step=1/L",
                "gd step=0.001",
                "lbfgs",
                "quadratic kappa=1e6",
                "quadratic kappa=10"
            ]
        );
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(number_text(100.0), "100");
        assert_eq!(number_text(0.25), "0.25");
        assert_eq!(number_text(1e-6), "1e-6");
        assert_eq!(number_text(0.001), "0.001");
        assert_eq!(number_text(1e6), "1e6");
        assert_eq!(number_text(106807.0), "106807");
        assert_eq!(number_text(2.5e-5), "2.5e-5");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(10f64.powf(-1.5)), "0.0316228");
        assert_eq!(number_text(123456.7), "123457");
        assert_eq!(number_text(1.41), "1.41");
    }
}
