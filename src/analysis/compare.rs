//! Regression testing: compare a results directory against a baseline, run by run.
//!
//! Runs are matched by run id (the hash of their spec), so only identical experiments are compared. A
//! **regression** is a run whose status got worse (converged -> anything else), whose iterations or
//! gradient-equivalent evaluations grew beyond `rtol * base + atol` (both runs converged), whose final gap
//! (`f - f*`, or `f` where `f*` is unknown) grew beyond `rtol * |base| + atol`, or a baseline run that is
//! missing. Improvements, other status changes and new runs are listed but are not failures.
//!
//! [`Matching::IgnoreOptimizerParams`] pairs runs by their spec without the optimizer's parameters, to test a
//! new setting of an optimizer against the baseline's setting.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::stop::Status;
use crate::store::RunRecord;

/// How much a run may change before it counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Relative growth allowed in iterations and evaluations (default 0.1).
    pub count_rtol: f64,
    /// Absolute growth allowed in iterations and evaluations (default 2).
    pub count_atol: f64,
    /// Relative growth allowed in the final gap (default 0.1).
    pub value_rtol: f64,
    /// Absolute growth allowed in the final gap (default 1e-8).
    pub value_atol: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            count_rtol: 0.1,
            count_atol: 2.0,
            value_rtol: 0.1,
            value_atol: 1e-8,
        }
    }
}

/// What changed in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Converged before, not now.
    StatusWorse,
    /// More iterations.
    ItersGrew,
    /// More gradient-equivalent evaluations.
    EvalsGrew,
    /// A larger final gap.
    ValueWorse,
    /// In the baseline, not in the new results.
    Missing,
    /// Converges now, did not before.
    StatusBetter,
    /// Another change of a non-converged status.
    StatusChanged,
    /// Fewer iterations.
    ItersShrank,
    /// Fewer evaluations.
    EvalsShrank,
    /// A smaller final gap.
    ValueBetter,
    /// In the new results only.
    New,
}

impl Kind {
    /// True for the kinds that fail a comparison.
    pub fn is_regression(self) -> bool {
        self <= Kind::Missing
    }

    fn label(self) -> &'static str {
        match self {
            Kind::StatusWorse => "status worse",
            Kind::ItersGrew => "iterations grew",
            Kind::EvalsGrew => "evaluations grew",
            Kind::ValueWorse => "final gap worse",
            Kind::Missing => "missing",
            Kind::StatusBetter => "status better",
            Kind::StatusChanged => "status changed",
            Kind::ItersShrank => "iterations fell",
            Kind::EvalsShrank => "evaluations fell",
            Kind::ValueBetter => "final gap better",
            Kind::New => "new",
        }
    }
}

/// One change in one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The run id.
    pub run_id: String,
    /// The kind of change.
    pub kind: Kind,
    /// Baseline -> new, in words.
    pub detail: String,
}

/// The result of a comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// Runs present in both.
    pub matched: usize,
    /// Every change, regressions first, then by run id.
    pub findings: Vec<Finding>,
}

impl Comparison {
    /// The number of regressions.
    pub fn regressions(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.kind.is_regression())
            .count()
    }
}

fn gap(r: &RunRecord) -> f64 {
    r.outcome.final_value - r.outcome.optimum_value.unwrap_or(0.0)
}

/// How runs of the two directories are paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    /// By run id: the same spec exactly (the default).
    #[default]
    RunId,
    /// By the spec without the optimizer's parameters: a new setting of an optimizer against the baseline's
    /// setting of the same optimizer. Each side must then hold one setting per optimizer name.
    IgnoreOptimizerParams,
}

/// The key a run is paired by. An evaluation run of a tuning is paired by its spec without the chosen
/// values, the chosen trial and the tuning cost, so that a change that moves the choice still compares
/// the tuned optimizer's results on the same instance and seed.
pub fn key(r: &RunRecord, matching: Matching) -> String {
    let tuned = r
        .spec
        .tuning
        .as_ref()
        .filter(|t| t.phase == crate::tune::Phase::Evaluation);
    match (matching, tuned) {
        (Matching::RunId, None) => r.run_id.clone(),
        (Matching::RunId, Some(t)) => {
            let mut spec = r.spec.clone();
            spec.optimizer.params =
                crate::tune::table::untuned_params(&spec.optimizer.params, &t.tuned);
            if let Some(t) = spec.tuning.as_mut() {
                t.trial = 0;
                t.tuned = serde_json::Value::Null;
                t.cost = None;
            }
            spec.run_id()
        }
        (Matching::IgnoreOptimizerParams, _) => {
            let mut spec = r.spec.clone();
            spec.optimizer.params = serde_json::Value::Null;
            if let Some(t) = spec.tuning.as_mut() {
                t.trial = 0;
                t.tuned = serde_json::Value::Null;
                t.cost = None;
            }
            spec.run_id()
        }
    }
}

/// Whether a run is a tuning trial: trials are how a result was chosen, not results, and are not compared.
fn is_trial(r: &RunRecord) -> bool {
    r.spec
        .tuning
        .as_ref()
        .is_some_and(|t| t.phase == crate::tune::Phase::Trial)
}

/// Two runs of one side that share a key: the pairing is ambiguous.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "runs {0} and {1} of one side pair with the same run of the other; compare by run id instead"
)]
pub struct Ambiguous(pub String, pub String);

fn index(
    runs: &[RunRecord],
    matching: Matching,
) -> Result<BTreeMap<String, &RunRecord>, Ambiguous> {
    let mut out = BTreeMap::new();
    for r in runs.iter().filter(|r| !is_trial(r)) {
        if let Some(prev) = out.insert(key(r, matching), r) {
            return Err(Ambiguous(prev.run_id.clone(), r.run_id.clone()));
        }
    }
    Ok(out)
}

/// Compares `new` against `base`, pairing runs by run id.
pub fn compare(base: &[RunRecord], new: &[RunRecord], tol: &Tolerances) -> Comparison {
    compare_matching(base, new, tol, Matching::RunId).unwrap_or_default()
}

/// Compares `new` against `base`, pairing runs as `matching` says. Findings name the new run's id (the
/// baseline's for missing runs).
pub fn compare_matching(
    base: &[RunRecord],
    new: &[RunRecord],
    tol: &Tolerances,
    matching: Matching,
) -> Result<Comparison, Ambiguous> {
    let base = index(base, matching)?;
    let new = index(new, matching)?;
    let mut out = Comparison::default();
    let mut push = |run_id: &str, kind: Kind, detail: String| {
        out.findings.push(Finding {
            run_id: run_id.to_string(),
            kind,
            detail,
        })
    };
    for (k, b) in &base {
        let Some(n) = new.get(k) else {
            push(
                &b.run_id,
                Kind::Missing,
                format!("{} in the baseline", b.outcome.status),
            );
            continue;
        };
        let id = n.run_id.as_str();
        let (bs, ns) = (b.outcome.status, n.outcome.status);
        if bs != ns {
            let kind = match (bs == Status::Converged, ns == Status::Converged) {
                (true, false) => Kind::StatusWorse,
                (false, true) => Kind::StatusBetter,
                _ => Kind::StatusChanged,
            };
            let why = n
                .outcome
                .message
                .as_deref()
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            push(id, kind, format!("{bs} -> {ns}{why}"));
        }
        if bs == Status::Converged && ns == Status::Converged {
            let counts = [
                (
                    b.outcome.iterations,
                    n.outcome.iterations,
                    Kind::ItersGrew,
                    Kind::ItersShrank,
                ),
                (
                    b.outcome.grad_equiv_evals,
                    n.outcome.grad_equiv_evals,
                    Kind::EvalsGrew,
                    Kind::EvalsShrank,
                ),
            ];
            for (bv, nv, worse, better) in counts {
                let allowed = tol.count_rtol * bv as f64 + tol.count_atol;
                if nv as f64 > bv as f64 + allowed {
                    push(id, worse, format!("{bv} -> {nv}"));
                } else if (nv as f64) < bv as f64 - allowed {
                    push(id, better, format!("{bv} -> {nv}"));
                }
            }
        }
        let (bg, ng) = (gap(b), gap(n));
        let allowed = tol.value_rtol * bg.abs() + tol.value_atol;
        if ng > bg + allowed || (bg.is_finite() && !ng.is_finite()) {
            push(id, Kind::ValueWorse, format!("{bg:e} -> {ng:e}"));
        } else if ng < bg - allowed || (!bg.is_finite() && ng.is_finite()) {
            push(id, Kind::ValueBetter, format!("{bg:e} -> {ng:e}"));
        }
        out.matched += 1;
    }
    for (k, n) in &new {
        if !base.contains_key(k) {
            push(&n.run_id, Kind::New, format!("{}", n.outcome.status));
        }
    }
    out.findings
        .sort_by(|a, b| (a.kind, &a.run_id).cmp(&(b.kind, &b.run_id)));
    Ok(out)
}

/// The comparison as a Markdown table with a one-line verdict.
pub fn render(c: &Comparison) -> String {
    let mut s = String::new();
    let regressions = c.regressions();
    let _ = writeln!(
        s,
        "{} runs matched; {} regressions, {} other changes.",
        c.matched,
        regressions,
        c.findings.len() - regressions
    );
    if c.findings.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "\n| | change | run | baseline -> new |\n|---|---|---|---|"
    );
    for f in &c.findings {
        let mark = if f.kind.is_regression() {
            "REGRESSION"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "| {mark} | {} | {} | {} |",
            f.kind.label(),
            f.run_id,
            f.detail.replace('|', "/")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{OptimizerSpec, Outcome, ProblemSpec, Provenance, RunSpec, Timing};

    fn record(id: &str, status: Status, iterations: u64, final_value: f64) -> RunRecord {
        RunRecord {
            format: crate::store::FORMAT,
            run_id: id.into(),
            spec: RunSpec {
                problem: ProblemSpec {
                    family: "p".into(),
                    params: serde_json::json!({}),
                },
                optimizer: OptimizerSpec {
                    name: "o".into(),
                    params: serde_json::json!({}),
                },
                seed: 0,
                stop: Default::default(),
                tuning: None,
                diagnose: false,
            },
            outcome: Outcome {
                status,
                message: None,
                dim: 2,
                iterations,
                counts: Default::default(),
                grad_equiv_evals: iterations,
                initial_value: 1.0,
                final_value,
                optimum_value: Some(0.0),
                initial_grad_norm: 1.0,
                final_grad_norm: 0.0,
                final_x_error: None,
                final_x: None,
                diagnosis: None,
                state_bytes: None,
            },
            trace: vec![],
            provenance: Provenance::current(),
            timing: Timing::default(),
        }
    }

    #[test]
    fn identical_results_have_no_findings() {
        let a = vec![record("a", Status::Converged, 100, 1e-12)];
        let c = compare(&a, &a, &Tolerances::default());
        assert_eq!((c.matched, c.findings.len()), (1, 0));
    }

    #[test]
    fn tolerances_are_ten_percent_plus_two() {
        let base = vec![record("a", Status::Converged, 100, 1e-12)];
        let ok = vec![record("a", Status::Converged, 112, 1e-12)];
        assert_eq!(compare(&base, &ok, &Tolerances::default()).regressions(), 0);
        let worse = vec![record("a", Status::Converged, 113, 1e-12)];
        let c = compare(&base, &worse, &Tolerances::default());
        assert_eq!(c.regressions(), 2, "iterations and evaluations: {c:?}");
        let better = vec![record("a", Status::Converged, 50, 1e-12)];
        let c = compare(&base, &better, &Tolerances::default());
        assert_eq!((c.regressions(), c.findings.len()), (0, 2));
    }

    #[test]
    fn status_value_missing_and_new() {
        let base = vec![
            record("a", Status::Converged, 10, 0.0),
            record("b", Status::MaxIters, 10, 1.0),
            record("c", Status::Converged, 1, 0.0),
        ];
        let new = vec![
            record("a", Status::Diverged, 3, f64::NAN),
            record("b", Status::Converged, 10, 0.0),
            record("d", Status::Converged, 1, 0.0),
        ];
        let c = compare(&base, &new, &Tolerances::default());
        let kinds: Vec<(&str, Kind)> = c
            .findings
            .iter()
            .map(|f| (f.run_id.as_str(), f.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("a", Kind::StatusWorse),
                ("a", Kind::ValueWorse),
                ("c", Kind::Missing),
                ("b", Kind::StatusBetter),
                ("b", Kind::ValueBetter),
                ("d", Kind::New)
            ]
        );
        assert_eq!(c.regressions(), 3);
        assert!(render(&c).contains("| REGRESSION | status worse | a | converged -> diverged |"));
    }
}
