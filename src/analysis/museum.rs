//! The museum table: per optimizer configuration, the part of the Hessian it keeps and what it pays and
//! gains for it, all measured from the sweep's records except the two statements the optimizer makes about
//! itself (what it keeps, its memory as a formula; see [`crate::theory::Anatomy`]), which its runs recorded.
//!
//! - memory measured: the bytes the optimizer allocated and still held after its start and first step
//!   (`state_bytes`, see [`crate::alloc`]), in floats, on the largest instance it ran on;
//! - cost per step: the median over shared (instance, seed) pairs of its optimizer time per iteration over
//!   that of the sweep's first optimizer configuration (the reference row);
//! - kappa slope: the fitted slope of iterations against kappa of the sweep's first kappa study beside the
//!   theory slope the configuration states;
//! - saddle ending: where its diagnosed runs ended on instances whose family documents a saddle;
//! - converged: the share of its runs (not-applicable ones apart) that met the stop rule.

use crate::analysis::scaling::{KappaStudy, kappa_studies};
use crate::analysis::sweep::Sweep;
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
    /// Time per iteration relative to the reference configuration (median over shared runs).
    pub cost_ratio: Option<f64>,
    /// The fitted slope of iterations against kappa.
    pub fitted_slope: Option<f64>,
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
        .map(|i| sweep.runs(i, 0))
        .collect();
    (0..sweep.optimizers.len())
        .map(|o| {
            let info = &sweep.optimizers[o];
            let mut memory_measured: Option<(u64, usize)> = None;
            let mut ratios = Vec::new();
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
                cost_ratio: median(&mut ratios),
                fitted_slope: series.and_then(|s| s.fit.as_ref()).map(|f| f.slope),
                theory_slope: series.and_then(|s| s.theory.as_ref()).map(|t| t.slope),
                saddle_endings: endings,
                converged,
            }
        })
        .collect()
}

/// The header of the museum table, as [`museum_cells`] fills it.
pub const MUSEUM_HEADER: [&str; 9] = [
    "optimizer",
    "keeps",
    "memory (floats)",
    "measured",
    "cost / step",
    "kappa slope",
    "theory",
    "ends on saddle problems",
    "converged",
];

/// The text cells of a row, in [`MUSEUM_HEADER`] order.
pub fn museum_cells(sweep: &Sweep, row: &MuseumRow) -> Vec<String> {
    let dash = || "-".to_string();
    vec![
        sweep.optimizers[row.optimizer].label.clone(),
        row.keeps.clone().unwrap_or_else(dash),
        row.memory_formula.clone().unwrap_or_else(dash),
        row.memory_measured
            .map_or_else(dash, |(f, n)| format!("{f} at n={n}")),
        row.cost_ratio.map_or_else(dash, |r| format!("{r:.2}x")),
        row.fitted_slope.map_or_else(dash, |s| format!("{s:.2}")),
        row.theory_slope.map_or_else(dash, |s| format!("{s}")),
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
