//! The museum table: per optimizer configuration, the part of the Hessian it keeps and what it pays and
//! gains for it, all measured from the sweep's records except the two statements the optimizer makes about
//! itself (what it keeps, its memory as a formula; see [`crate::theory::Anatomy`]), which its runs recorded.
//!
//! - memory measured: the bytes the optimizer allocated and still held after its start and first step
//!   (`state_bytes`, see [`crate::alloc`]), in floats, on the largest instance it ran on; not measured for
//!   a method whose memory a client process holds (an external optimizer), since this process sees only
//!   its own side of the protocol;
//! - time per step: the median of its optimizer time per iteration over its runs;
//! - cost per step: the median over shared (instance, seed) pairs of its optimizer time per iteration over
//!   that of the reference configuration, named in the column's header (see [`cost_reference`]);
//! - kappa slope: the fitted slope of iterations against kappa of the sweep's first kappa study beside the
//!   theory slope the configuration states, with the runs the fit left out (see
//!   [`crate::analysis::slope_count`]);
//! - saddle ending: where its diagnosed runs ended on instances whose family documents a saddle;
//! - converged: the share of its runs (not-applicable ones apart) that met the stop rule.

use crate::analysis::scaling::{KappaStudy, kappa_studies};
use crate::analysis::slope_count::{SlopeCount, slope_number};
use crate::analysis::sweep::Sweep;
use crate::digits::duration;
use crate::problem::critical::Kind;
use crate::record::Ending;
use crate::stop::Status;
use crate::summary::median;

/// One optimizer configuration's row.
#[derive(Debug, Clone, PartialEq)]
pub struct MuseumRow {
    /// Index into [`Sweep::optimizers`].
    pub optimizer: usize,
    /// What it keeps of the Hessian, as it states.
    pub keeps: Option<String>,
    /// Its memory formula, as it states.
    pub memory_formula: Option<String>,
    /// Floats held, measured, and the dimension of the instance measured on.
    pub memory_measured: Option<(u64, usize)>,
    /// Whether a client process holds its memory (then `memory_measured` is not the method's memory).
    pub memory_in_client: bool,
    /// Optimizer time per iteration, in seconds (median over its runs).
    pub step_time: Option<f64>,
    /// Time per iteration relative to the reference configuration (median over shared runs).
    pub cost_ratio: Option<f64>,
    /// The fitted slope of iterations against kappa.
    pub fitted_slope: Option<f64>,
    /// Whom that slope counts: the runs at `kappa > 1` and those that did not converge.
    pub slope_count: Option<SlopeCount>,
    /// The theory slope for this configuration.
    pub theory_slope: Option<f64>,
    /// Endings of diagnosed runs on saddle problems: (ending, count), most common first.
    pub saddle_endings: Vec<(Ending, usize)>,
    /// Converged runs and runs that applied.
    pub converged: (usize, usize),
}

/// Whether instance `i`'s runs recorded a documented saddle point among the problem's critical points.
fn has_saddle(sweep: &Sweep, i: usize) -> bool {
    (0..sweep.optimizers.len()).any(|o| {
        sweep.runs(i, o).iter().any(|r| {
            r.facts
                .problem
                .critical_points
                .iter()
                .any(|c| matches!(c.kind(), Kind::Saddle))
        })
    })
}

/// Time per iteration of a run, when it made progress.
fn step_time(r: &crate::record::RunRecord) -> Option<f64> {
    (r.outcome.iterations > 0 && r.outcome.status != Status::NotApplicable)
        .then(|| r.timing.optimizer_time_s / r.outcome.iterations as f64)
        .filter(|t| *t > 0.0)
}

/// The registry name of the configuration the cost column is relative to, where the sweep has one: one
/// gradient-descent step, the cheapest step that uses a gradient.
pub const COST_REFERENCE: &str = "gd";

/// The configuration the cost column is relative to: the first configuration named [`COST_REFERENCE`]; else
/// the first whose memory this process holds (not an external client, whose steps also pay for the
/// protocol); else none.
pub fn cost_reference(sweep: &Sweep) -> Option<usize> {
    let ours = |o: &&crate::analysis::sweep::OptimizerInfo| !o.memory_in_client;
    sweep
        .optimizers
        .iter()
        .position(|o| o.spec.name == COST_REFERENCE && ours(&o))
        .or_else(|| sweep.optimizers.iter().position(|o| ours(&o)))
}

/// The museum rows of a sweep, one per optimizer configuration in sweep order.
pub fn museum(sweep: &Sweep) -> Vec<MuseumRow> {
    let studies = kappa_studies(sweep);
    let study: Option<&KappaStudy> = studies.first();
    let saddles: Vec<usize> = (0..sweep.instances.len())
        .filter(|&i| {
            (0..sweep.optimizers.len()).any(|o| {
                sweep
                    .runs(i, o)
                    .iter()
                    .any(|r| r.outcome.diagnosis.is_some())
            })
        })
        .filter(|&i| has_saddle(sweep, i))
        .collect();
    // The reference configuration's runs per instance, looked up once for every row.
    let reference: Vec<Vec<&crate::record::RunRecord>> = (0..sweep.instances.len())
        .map(|i| cost_reference(sweep).map_or_else(Vec::new, |o| sweep.runs(i, o)))
        .collect();
    (0..sweep.optimizers.len())
        .map(|o| {
            let info = &sweep.optimizers[o];
            let mut memory_measured: Option<(u64, usize)> = None;
            let mut ratios = Vec::new();
            let mut times = Vec::new();
            let mut converged = (0, 0);
            for (i, reference) in reference.iter().enumerate() {
                let runs = sweep.runs(i, o);
                for r in &runs {
                    if r.outcome.status == Status::NotApplicable {
                        continue;
                    }
                    converged.1 += 1;
                    converged.0 += usize::from(r.outcome.status == Status::Converged);
                    if let Some(bytes) = r.outcome.state_bytes
                        && memory_measured.is_none_or(|(_, d)| r.outcome.dim > d)
                    {
                        memory_measured = Some((bytes.div_ceil(8), r.outcome.dim));
                    }
                    times.extend(step_time(r));
                    let same_seed = reference.iter().find(|q| q.spec.seed == r.spec.seed);
                    if let Some(t) = step_time(r)
                        && let Some(t0) = same_seed.and_then(|q| step_time(q))
                    {
                        ratios.push(t / t0);
                    }
                }
            }
            let series = study.and_then(|s| s.series.iter().find(|x| x.optimizer == o));
            let mut endings: Vec<(Ending, usize)> = Vec::new();
            for &i in &saddles {
                for r in sweep.runs(i, o) {
                    if let Some(d) = &r.outcome.diagnosis {
                        match endings.iter_mut().find(|(e, _)| *e == d.ending) {
                            Some(e) => e.1 += 1,
                            None => endings.push((d.ending, 1)),
                        }
                    }
                }
            }
            endings.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            MuseumRow {
                optimizer: o,
                keeps: info.keeps.clone(),
                memory_formula: info.memory_formula.clone(),
                memory_measured,
                memory_in_client: info.memory_in_client,
                step_time: median(&mut times),
                cost_ratio: median(&mut ratios),
                fitted_slope: series.and_then(|s| s.fit.as_ref()).map(|f| f.slope),
                slope_count: series.map(SlopeCount::of),
                theory_slope: series.and_then(|s| s.theory.as_ref()).map(|t| t.slope),
                saddle_endings: endings,
                converged,
            }
        })
        .collect()
}

/// The header of the museum table, as [`museum_cells`] fills it: the cost column names its reference
/// configuration (`cost / step (x gd step=armijo)`), or says there is none.
pub fn museum_header(sweep: &Sweep) -> Vec<String> {
    let cost = match cost_reference(sweep) {
        Some(o) => format!("cost / step (x {})", sweep.optimizers[o].label),
        None => "cost / step (no in-process reference)".to_string(),
    };
    [
        "optimizer",
        "keeps",
        "memory (floats)",
        "measured",
        "time / step",
        cost.as_str(),
        "kappa slope",
        "theory",
        "ends on saddle problems",
        "converged",
    ]
    .map(String::from)
    .to_vec()
}

/// What the `measured` column says of a row.
fn memory_text(row: &MuseumRow) -> String {
    if row.memory_in_client {
        return "not measured (client process)".to_string();
    }
    row.memory_measured
        .map_or_else(|| "-".to_string(), |(f, n)| format!("{f} at n={n}"))
}

/// What the `kappa slope` column says of a row: the fitted slope, with the runs at `kappa > 1` that did not
/// converge (which the fit leaves out) where there are any, or why there is no slope.
fn slope_text(row: &MuseumRow) -> String {
    // No series, or one whose runs at kappa > 1 did not apply: nothing to say here.
    let Some(count) = row.slope_count.as_ref().filter(|c| c.runs > 0) else {
        return "-".to_string();
    };
    match (row.fitted_slope, count.caveat()) {
        (Some(s), Some(c)) => format!("{}; {c}", slope_number(s, 3)),
        (Some(s), None) => slope_number(s, 3),
        (None, _) => format!("no slope: {}", count.refusal()),
    }
}

/// The text cells of a row, in [`museum_header`] order.
pub fn museum_cells(sweep: &Sweep, row: &MuseumRow) -> Vec<String> {
    let dash = || "-".to_string();
    vec![
        sweep.optimizers[row.optimizer].label.clone(),
        row.keeps.clone().unwrap_or_else(dash),
        row.memory_formula.clone().unwrap_or_else(dash),
        memory_text(row),
        row.step_time.map_or_else(dash, |t| duration(t, 3)),
        row.cost_ratio
            .map_or_else(dash, |r| format!("{}x", crate::digits::significant(r, 3))),
        slope_text(row),
        row.theory_slope
            .map_or_else(dash, |s| crate::digits::significant(s, 3)),
        if row.saddle_endings.is_empty() {
            dash()
        } else {
            row.saddle_endings
                .iter()
                .map(|(e, n)| format!("{} {n}", e.name()))
                .collect::<Vec<_>>()
                .join(", ")
        },
        format!("{}/{}", row.converged.0, row.converged.1),
    ]
}
