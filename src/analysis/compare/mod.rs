//! Regression testing: compare a results directory against a baseline, run by run.
//!
//! Runs are paired by run id (the hash of their spec), so only identical experiments are compared: records
//! read from a results directory are checked to carry the id of their spec ([`crate::store::read_run`]). A run
//! **regressed** when its status got worse (converged -> anything else), its iterations or
//! gradient-equivalent evaluations grew beyond `rtol * base + atol` (both runs converged), or its final gap
//! (`f - f*`, or `f` where `f*` is unknown) grew beyond `rtol * |base| + atol`; a baseline run with no
//! partner is **missing**. Both fail a comparison. Improvements, other status changes and new runs are
//! listed but are not failures.
//!
//! [`Matching::IgnoreOptimizerParams`] also pairs runs that differ only in the optimizer's parameters, to
//! test a new setting of an optimizer against the baseline's setting.
//!
//! The result is one [`RunRow`] per run, named by instance, optimizer configuration and seed, with its
//! [`Verdict`] and every change beyond tolerance. [`groups`] counts verdicts per optimizer and instance;
//! [`text`] writes the comparison as Markdown, [`machine`] as CSV or JSON.

pub mod groups;
mod hint;
mod labels;
pub mod machine;
mod pair;
pub mod text;

pub use pair::{Ambiguous, key};
use pair::{is_trial, pair};

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

    /// The change in words (`iterations grew`).
    pub fn label(self) -> &'static str {
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

/// A quantity compared between the two runs of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Metric {
    /// The outcome status.
    Status,
    /// Iterations.
    Iterations,
    /// Gradient-equivalent evaluations.
    Evaluations,
    /// The final gap `f - f*` (`f` where `f*` is unknown).
    FinalGap,
}

impl Metric {
    /// The metric in words, as tables show it.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Status => "status",
            Metric::Iterations => "iterations",
            Metric::Evaluations => "evaluations",
            Metric::FinalGap => "final gap",
        }
    }

    /// The metric as a CSV column or JSON key stem.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Status => "status",
            Metric::Iterations => "iterations",
            Metric::Evaluations => "evaluations",
            Metric::FinalGap => "final_gap",
        }
    }
}

impl Kind {
    /// The metric a change is about (none for a missing or new run).
    pub fn metric(self) -> Option<Metric> {
        match self {
            Kind::StatusWorse | Kind::StatusBetter | Kind::StatusChanged => Some(Metric::Status),
            Kind::ItersGrew | Kind::ItersShrank => Some(Metric::Iterations),
            Kind::EvalsGrew | Kind::EvalsShrank => Some(Metric::Evaluations),
            Kind::ValueWorse | Kind::ValueBetter => Some(Metric::FinalGap),
            Kind::Missing | Kind::New => None,
        }
    }
}

/// One run of one side, as compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    /// The run id.
    pub run_id: String,
    /// The outcome status.
    pub status: Status,
    /// The outcome's message (why it failed), if any.
    pub message: Option<String>,
    /// Iterations.
    pub iterations: u64,
    /// Gradient-equivalent evaluations.
    pub evaluations: u64,
    /// The final gap `f - f*` (`f` where `f*` is unknown).
    pub final_gap: f64,
}

impl Side {
    fn of(r: &RunRecord) -> Side {
        Side {
            run_id: r.run_id.clone(),
            status: r.outcome.status,
            message: r.outcome.message.clone(),
            iterations: r.outcome.iterations,
            evaluations: r.outcome.grad_equiv_evals,
            final_gap: gap(r),
        }
    }

    /// A numeric metric's value (`None` for the status).
    pub fn value(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::Status => None,
            Metric::Iterations => Some(self.iterations as f64),
            Metric::Evaluations => Some(self.evaluations as f64),
            Metric::FinalGap => Some(self.final_gap),
        }
    }
}

/// The change of `new` relative to `base` in percent, where both are finite and `base` is not zero.
pub fn percent(base: f64, new: f64) -> Option<f64> {
    (base != 0.0 && base.is_finite() && new.is_finite()).then(|| 100.0 * (new - base) / base.abs())
}

/// What happened to one run, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Paired, and worse beyond tolerance in some metric (a failure).
    Regressed,
    /// In the baseline, with no partner in the new results (a failure).
    Missing,
    /// Paired, better in some metric and worse in none.
    Improved,
    /// Paired, a change between two statuses other than converged, and nothing better or worse.
    Changed,
    /// In the new results only.
    New,
    /// Paired, and within tolerance in every metric.
    Unchanged,
}

impl Verdict {
    /// Every verdict, worst first.
    pub const ALL: [Verdict; 6] = [
        Verdict::Regressed,
        Verdict::Missing,
        Verdict::Improved,
        Verdict::Changed,
        Verdict::New,
        Verdict::Unchanged,
    ];

    /// The verdict as a word (`regressed`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Missing => "missing",
            Verdict::Improved => "improved",
            Verdict::Changed => "changed",
            Verdict::New => "new",
            Verdict::Unchanged => "unchanged",
        }
    }

    /// True for the verdicts that fail a comparison.
    pub fn fails(self) -> bool {
        matches!(self, Verdict::Regressed | Verdict::Missing)
    }

    fn of(kinds: &[Kind]) -> Verdict {
        if kinds.iter().any(|k| k.is_regression()) {
            Verdict::Regressed
        } else if kinds.iter().any(|k| *k != Kind::StatusChanged) {
            Verdict::Improved
        } else if kinds.is_empty() {
            Verdict::Unchanged
        } else {
            Verdict::Changed
        }
    }
}

/// One run of the comparison: a pair, a missing baseline run or a new run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    /// What happened to the run.
    pub verdict: Verdict,
    /// The problem instance's short label (family and the parameters that vary between the two sides' runs).
    pub instance: String,
    /// The optimizer configuration's short label: the new run's (the baseline run's when missing).
    pub optimizer: String,
    /// The baseline run's configuration label where it differs from `optimizer` (pairs made by
    /// [`Matching::IgnoreOptimizerParams`]).
    pub baseline_optimizer: Option<String>,
    /// The seed.
    pub seed: u64,
    /// The baseline run, unless new.
    pub baseline: Option<Side>,
    /// The new run, unless missing.
    pub new: Option<Side>,
    /// Every change beyond tolerance, in [`Kind`] order (`Missing` or `New` alone for unpaired runs).
    pub changes: Vec<Kind>,
    /// Where the run's optimizer and instance first appear (optimizer, instance): the order of rows.
    order: (usize, usize),
}

impl RunRow {
    /// The optimizer and instance the row belongs to, in order of first appearance.
    pub fn group_order(&self) -> (usize, usize) {
        self.order
    }
}

/// The result of a comparison.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    /// How runs were paired.
    pub matching: Matching,
    /// The tolerances applied.
    pub tolerances: Tolerances,
    /// One row per run: failing runs first, then by optimizer and instance (in order of first appearance,
    /// baseline first) and seed.
    pub rows: Vec<RunRow>,
    /// Why runs did not pair and what might pair them, where many did not.
    pub hint: Option<String>,
}

impl Comparison {
    /// The verdicts of all runs, counted.
    pub fn counts(&self) -> groups::Tally {
        let mut t = groups::Tally::default();
        for r in &self.rows {
            t.add(r.verdict);
        }
        t
    }

    /// The number of runs that fail the comparison: regressed and missing ones.
    pub fn regressions(&self) -> usize {
        self.rows.iter().filter(|r| r.verdict.fails()).count()
    }

    /// The number of runs paired with a run of the other side.
    pub fn matched(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.baseline.is_some() && r.new.is_some())
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
    /// By run id first; then the runs left over by their spec without the optimizer's parameters: a new
    /// setting of an optimizer against the baseline's setting of the same optimizer, on the same instance
    /// and seed. Among the runs left over, each side must hold one setting per optimizer name.
    IgnoreOptimizerParams,
}

impl Matching {
    /// The matching as a word (`run-id`, `ignore-optimizer-params`).
    pub fn name(self) -> &'static str {
        match self {
            Matching::RunId => "run-id",
            Matching::IgnoreOptimizerParams => "ignore-optimizer-params",
        }
    }
}

/// Every change of a pair beyond tolerance, in [`Kind`] order.
fn changes(b: &RunRecord, n: &RunRecord, tol: &Tolerances) -> Vec<Kind> {
    let mut out = Vec::new();
    let (bs, ns) = (b.outcome.status, n.outcome.status);
    if bs != ns {
        out.push(match (bs == Status::Converged, ns == Status::Converged) {
            (true, false) => Kind::StatusWorse,
            (false, true) => Kind::StatusBetter,
            _ => Kind::StatusChanged,
        });
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
                out.push(worse);
            } else if (nv as f64) < bv as f64 - allowed {
                out.push(better);
            }
        }
    }
    let (bg, ng) = (gap(b), gap(n));
    let allowed = tol.value_rtol * bg.abs() + tol.value_atol;
    if ng > bg + allowed || (bg.is_finite() && !ng.is_finite()) {
        out.push(Kind::ValueWorse);
    } else if ng < bg - allowed || (!bg.is_finite() && ng.is_finite()) {
        out.push(Kind::ValueBetter);
    }
    out.sort();
    out
}

/// Compares `new` against `base`, pairing runs by run id.
pub fn compare(base: &[RunRecord], new: &[RunRecord], tol: &Tolerances) -> Comparison {
    compare_matching(base, new, tol, Matching::RunId).unwrap_or_default()
}

/// Compares `new` against `base`, pairing runs as `matching` says: one [`RunRow`] per paired, missing and
/// new run (tuning trials are left out), and a hint where runs did not pair.
pub fn compare_matching(
    base: &[RunRecord],
    new: &[RunRecord],
    tol: &Tolerances,
    matching: Matching,
) -> Result<Comparison, Ambiguous> {
    let pairs = pair(base, new, matching)?;
    let labels = labels::Labels::new(base.iter().chain(new).filter(|r| !is_trial(r)));
    // `shown` names the row: the new run, or the baseline run where there is no new one.
    let row =
        |shown: &RunRecord, b: Option<&RunRecord>, n: Option<&RunRecord>, changes: Vec<Kind>| {
            let seed = shown.spec.seed;
            let (_, optimizer) = labels.optimizer(shown);
            // Rows keep the baseline's order of optimizers where they have a baseline run.
            let (oi, _) = labels.optimizer(b.unwrap_or(shown));
            let (ii, instance) = labels.instance(shown);
            let baseline_optimizer = b
                .map(|b| labels.optimizer(b).1)
                .filter(|l| *l != optimizer)
                .map(str::to_string);
            RunRow {
                verdict: Verdict::of(&changes),
                instance: instance.to_string(),
                optimizer: optimizer.to_string(),
                baseline_optimizer,
                seed,
                baseline: b.map(Side::of),
                new: n.map(Side::of),
                changes,
                order: (oi, ii),
            }
        };
    let mut rows = Vec::new();
    for (b, n) in &pairs.paired {
        rows.push(row(n, Some(b), Some(n), changes(b, n, tol)));
    }
    for b in &pairs.missing {
        let mut r = row(b, Some(b), None, vec![Kind::Missing]);
        r.verdict = Verdict::Missing;
        rows.push(r);
    }
    for n in &pairs.new {
        let mut r = row(n, None, Some(n), vec![Kind::New]);
        r.verdict = Verdict::New;
        rows.push(r);
    }
    rows.sort_by_cached_key(|r| {
        let id = r
            .new
            .as_ref()
            .or(r.baseline.as_ref())
            .map(|s| s.run_id.clone());
        (!r.verdict.fails(), r.order, r.seed, id)
    });
    Ok(Comparison {
        matching,
        tolerances: *tol,
        hint: hint::hint(base, new, &pairs, matching),
        rows,
    })
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
                sharpness: None,
            },
            outcome: Outcome {
                status,
                message: None,
                dim: 2,
                iterations,
                target_iteration: None,
                counts: Default::default(),
                grad_equiv_evals: iterations,
                initial_value: 1.0,
                final_value,
                optimum_value: Some(0.0),
                initial_grad_norm: 1.0,
                final_grad_norm: 0.0,
                final_x_error: None,
                final_x: None,
                final_x_file: None,
                diagnosis: None,
                state_bytes: None,
                noise_scale: None,
            },
            trace: vec![],
            facts: Default::default(),
            provenance: Provenance::current(),
            timing: Timing::default(),
        }
    }

    fn kinds(c: &Comparison) -> Vec<(&str, Verdict, Vec<Kind>)> {
        c.rows
            .iter()
            .map(|r| {
                let id = r
                    .new
                    .as_ref()
                    .or(r.baseline.as_ref())
                    .map_or("", |s| s.run_id.as_str());
                (id, r.verdict, r.changes.clone())
            })
            .collect()
    }

    #[test]
    fn identical_results_are_unchanged() {
        let a = vec![record("a", Status::Converged, 100, 1e-12)];
        let c = compare(&a, &a, &Tolerances::default());
        assert_eq!(kinds(&c), vec![("a", Verdict::Unchanged, vec![])]);
        assert_eq!((c.matched(), c.regressions(), c.hint.clone()), (1, 0, None));
    }

    #[test]
    fn tolerances_are_ten_percent_plus_two_and_a_run_counts_once() {
        let base = vec![record("a", Status::Converged, 100, 1e-12)];
        let ok = vec![record("a", Status::Converged, 112, 1e-12)];
        assert_eq!(compare(&base, &ok, &Tolerances::default()).regressions(), 0);
        let worse = vec![record("a", Status::Converged, 113, 1e-12)];
        let c = compare(&base, &worse, &Tolerances::default());
        assert_eq!(
            kinds(&c),
            vec![(
                "a",
                Verdict::Regressed,
                vec![Kind::ItersGrew, Kind::EvalsGrew]
            )]
        );
        assert_eq!(c.regressions(), 1, "two metrics, one run: {c:?}");
        let better = vec![record("a", Status::Converged, 50, 1e-12)];
        let c = compare(&base, &better, &Tolerances::default());
        assert_eq!(c.regressions(), 0);
        assert_eq!(c.counts().improved, 1);
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
        assert_eq!(
            kinds(&c),
            vec![
                (
                    "a",
                    Verdict::Regressed,
                    vec![Kind::StatusWorse, Kind::ValueWorse]
                ),
                ("c", Verdict::Missing, vec![Kind::Missing]),
                (
                    "b",
                    Verdict::Improved,
                    vec![Kind::StatusBetter, Kind::ValueBetter]
                ),
                ("d", Verdict::New, vec![Kind::New]),
            ]
        );
        assert_eq!(c.regressions(), 2);
        let md = text::markdown(&c, &[]);
        assert!(
            md.contains(
                "| REGRESSED | o | p | 0 | status converged -> diverged; final gap 0 -> NaN |"
            ),
            "{md}"
        );
        assert!(
            md.contains("Verdict: FAIL, 1 run regressed and 1 baseline run missing."),
            "{md}"
        );
    }

    fn with_step(mut r: RunRecord, step: f64) -> RunRecord {
        r.spec.optimizer.params = serde_json::json!({ "step": step });
        r.run_id = r.spec.run_id();
        r
    }

    #[test]
    fn a_changed_parameter_pairs_only_when_asked_and_the_hint_says_so() {
        let base = vec![
            with_step(record("", Status::Converged, 10, 0.0), 0.5),
            with_step(record("", Status::Converged, 10, 0.0), 0.1),
        ];
        // 0.1 is unchanged and pairs by run id; 0.5 became 0.9.
        let new = vec![
            with_step(record("", Status::Converged, 30, 0.0), 0.9),
            with_step(record("", Status::Converged, 10, 0.0), 0.1),
        ];
        let tol = Tolerances::default();
        let by_id = compare_matching(&base, &new, &tol, Matching::RunId).expect("pairs");
        let t = by_id.counts();
        assert_eq!((t.unchanged, t.missing, t.new), (1, 1, 1));
        let hint = by_id.hint.clone().unwrap_or_default();
        assert!(
            hint.contains("--ignore-optimizer-params") && hint.contains("1 of them"),
            "{hint}"
        );
        let relaxed =
            compare_matching(&base, &new, &tol, Matching::IgnoreOptimizerParams).expect("pairs");
        let t = relaxed.counts();
        assert_eq!((t.regressed, t.unchanged, t.missing, t.new), (1, 1, 0, 0));
        assert_eq!(relaxed.hint, None);
        let row = &relaxed.rows[0];
        assert_eq!(
            (row.optimizer.as_str(), row.baseline_optimizer.as_deref()),
            ("o step=0.9", Some("o step=0.5"))
        );
    }
}
