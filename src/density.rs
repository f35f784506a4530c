//! `optzoo inspect --density`: the spectral density of the Hessian at a point of a family (its standard
//! start, or `--at`), or where a recorded run ended (`--run DIR/runs/<id>.json`), from Hessian-vector
//! products alone ([`crate::spectrum::density`]).
//!
//! Up to [`DENSE_MAX_DIM`] the dense Hessian's every eigenvalue is computed too: the number of eigenvalues
//! near zero is then exact, and the figure overlays them as a histogram; above it, nothing of size `n^2` is
//! formed, and the count is estimated from the SLQ weights. What the inspection allocates ([`memory_need`]) is
//! checked against the memory limit before the problem is built.
//!
//! A recorded run is read as data ([`crate::store::read_run`] checks it) and its problem rebuilt from the
//! record's spec (family, every parameter, seed); its final point is the record's `final_x` or its checked
//! point file ([`crate::points`]). This is a computing command: `report`, `compare` and `merge` never build a
//! problem.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use faer::Mat;

use crate::digits::significant;
use crate::inspect::InspectError;
use crate::memory::{MemoryNeed, bytes, gib};
use crate::problems::Instance;
use crate::registry::Registry;
use crate::spectrum::density::{self, Density, DensityOptions};

/// The largest dimension whose Hessian is also formed densely and fully eigendecomposed (32 MB at the limit).
pub const DENSE_MAX_DIM: usize = 2000;

/// Points of the broadened density drawn and written.
pub const CURVE_POINTS: usize = 1000;

/// Bins of the exact eigenvalues' histogram.
pub const HISTOGRAM_BINS: usize = 60;

/// Where the density was taken.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// The family's standard start.
    Start,
    /// A point given with `--at`.
    Given,
    /// Where a recorded run ended.
    RunEnd {
        /// The run id.
        run_id: String,
        /// The optimizer's name.
        optimizer: String,
        /// The run's status.
        status: String,
        /// Its iterations.
        iterations: u64,
    },
}

/// The density at one point, with the point's value and gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityStudy {
    /// The family.
    pub family: String,
    /// Every parameter, as the instance records them.
    pub params: serde_json::Value,
    /// The seed the problem was built with.
    pub seed: u64,
    /// Where.
    pub place: Place,
    /// `f(x)`.
    pub value: f64,
    /// `||g(x)||`.
    pub grad_norm: f64,
    /// The density and its companions.
    pub density: Density,
    /// Seconds the estimate took (the dense eigendecomposition included).
    pub seconds: f64,
}

impl DensityStudy {
    /// One line naming the instance and the point.
    pub fn label(&self) -> String {
        let place = match &self.place {
            Place::Start => "at the standard start".to_string(),
            Place::Given => "at the given point".to_string(),
            Place::RunEnd {
                run_id,
                optimizer,
                status,
                iterations,
            } => format!(
                "where run {run_id} ({optimizer}, {status} after {iterations} iterations) ended"
            ),
        };
        format!(
            "{} {} (seed {}), n = {}, {place}",
            self.family, self.params, self.seed, self.density.n
        )
    }
}

/// What the density of `instance` allocates: the problem, a few vectors, the Lanczos basis of the longer of
/// the SLQ probes and the extremes' run, and up to [`DENSE_MAX_DIM`] the dense Hessian with its
/// eigendecomposition's working copy and output (`2 n^2` more).
pub fn memory_need(instance: &Instance, options: &DensityOptions) -> MemoryNeed {
    let problem = instance.memory();
    let n = problem.dim as u64;
    let basis = (options.steps.max(options.extreme_steps) as u64).min(n) + 1;
    let dense = if problem.dim <= DENSE_MAX_DIM {
        MemoryNeed {
            hessian: bytes(n, n),
            factors: bytes(2, n.saturating_mul(n)),
            ..MemoryNeed::default()
        }
    } else {
        MemoryNeed::default()
    };
    problem
        .need
        .plus(dense)
        .plus(MemoryNeed::vectors(basis + 6, problem.dim))
}

/// The density of `family` with `params` (seed `seed`) at `at`, or at its standard start.
pub fn at_point(
    registry: &Registry,
    family: &str,
    params: &toml::Table,
    at: Option<&[f64]>,
    seed: u64,
    options: DensityOptions,
) -> Result<DensityStudy, InspectError> {
    options.check().map_err(InspectError)?;
    let instance = instance(registry, family, params)?;
    within_limit(&instance, &options)?;
    let (problem, start) = instance
        .build(seed)
        .map_err(|e| InspectError(format!("{family}: {e}")))?;
    let (x, place) = match at {
        Some(x) => (x.to_vec(), Place::Given),
        None => (start, Place::Start),
    };
    study(&instance, problem.as_ref(), x, seed, place, options)
}

/// The density where the run recorded at `record_path` (`DIR/runs/<id>.json`) ended: the record is read
/// and checked, its problem rebuilt from its spec, its final point read from the record or its point file.
pub fn at_run_end(
    registry: &Registry,
    record_path: &Path,
    options: DensityOptions,
) -> Result<DensityStudy, InspectError> {
    options.check().map_err(InspectError)?;
    let dir = results_dir(record_path)?;
    let record = crate::store::read_run(record_path).map_err(|e| InspectError(e.to_string()))?;
    let spec = &record.spec;
    let family = spec.problem.family.as_str();
    let params: toml::Table = serde_json::from_value(spec.problem.params.clone()).map_err(|e| {
        InspectError(format!(
            "{}: the recorded parameters of {family} are not a table of TOML values: {e}",
            record_path.display()
        ))
    })?;
    let instance = instance(registry, family, &params)?;
    within_limit(&instance, &options)?;
    let x = crate::points::final_point(&dir, &record).map_err(|e| InspectError(e.to_string()))?;
    let (problem, _) = instance
        .build(spec.seed)
        .map_err(|e| InspectError(format!("{family}: {e}")))?;
    let place = Place::RunEnd {
        run_id: record.run_id.clone(),
        optimizer: spec.optimizer.display().0,
        status: record.outcome.status.to_string(),
        iterations: record.outcome.iterations,
    };
    study(&instance, problem.as_ref(), x, spec.seed, place, options)
}

/// The results directory of a run file `DIR/runs/<id>.json`.
fn results_dir(record_path: &Path) -> Result<PathBuf, InspectError> {
    let runs = record_path
        .parent()
        .filter(|p| p.file_name().is_some_and(|n| n == "runs"));
    match runs.and_then(Path::parent) {
        Some(dir) => Ok(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        }),
        None => Err(InspectError(format!(
            "--run {}: expected a run record inside a results directory, RESULTS_DIR/runs/<run-id>.json",
            record_path.display()
        ))),
    }
}

fn instance(
    registry: &Registry,
    family: &str,
    params: &toml::Table,
) -> Result<Instance, InspectError> {
    let Some(fam) = registry.family(family) else {
        return Err(InspectError(registry.unknown_family(family)));
    };
    Instance::parse(fam, params).map_err(|e| InspectError(format!("{family}: {}", e.message)))
}

fn within_limit(instance: &Instance, options: &DensityOptions) -> Result<(), InspectError> {
    let need = memory_need(instance, options);
    let limit = crate::memory::limit();
    if need.total() > limit {
        return Err(InspectError(format!(
            "the density of {} {} needs {} ({}), above the memory limit of {}; make it smaller or raise \
             --memory-limit",
            instance.family,
            instance.params,
            gib(need.total()),
            need.parts(),
            gib(limit)
        )));
    }
    Ok(())
}

fn study(
    instance: &Instance,
    problem: &dyn crate::problem::Problem,
    x: Vec<f64>,
    seed: u64,
    place: Place,
    options: DensityOptions,
) -> Result<DensityStudy, InspectError> {
    let family = instance.family;
    let n = problem.dim();
    if x.len() != n {
        return Err(InspectError(format!(
            "the point has {} coordinates, but {family} here has dim {n}",
            x.len()
        )));
    }
    if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(InspectError(format!(
            "coordinate {} of the point is {v}; the density needs a point with finite coordinates",
            i + 1
        )));
    }
    let Some(so) = problem.second_order() else {
        return Err(InspectError(format!(
            "{family} offers no Hessian-vector products to take a density with"
        )));
    };
    let started = std::time::Instant::now();
    let mut g = vec![0.0; n];
    let value = problem.value_and_gradient(&x, &mut g);
    let exact = if n <= DENSE_MAX_DIM {
        let mut h = Mat::<f64>::zeros(n, n);
        so.hessian(&x, &mut h);
        Some(crate::spectrum::dense_spectrum(&h).map_err(InspectError)?)
    } else {
        None
    };
    let mut hvp = |v: &[f64], out: &mut [f64]| so.hvp(&x, v, out);
    let density = density::estimate(&mut hvp, n, options, exact).map_err(InspectError)?;
    Ok(DensityStudy {
        family: family.to_string(),
        params: instance.params.clone(),
        seed,
        place,
        value,
        grad_norm: crate::vector::norm(&g),
        density,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The printed summary: the point, the trace, the extremes, the zero count and the moments (beside their
/// exact values where the dense spectrum is known).
pub fn render(s: &DensityStudy) -> String {
    let d = &s.density;
    let o = &d.options;
    let sig = |v: f64| significant(v, 6);
    let mut out = String::new();
    let _ = writeln!(out, "{}", s.label());
    let _ = writeln!(
        out,
        "f = {}, ||g|| = {}; {:.2} s",
        sig(s.value),
        sig(s.grad_norm),
        s.seconds
    );
    let _ = writeln!(
        out,
        "\nSLQ density: {} probe vectors (--probes) x {} Lanczos steps (--steps), Rademacher, seed {}; drawn \
         with Gaussians of standard deviation sigma = {} (--broadening {} of lambda_max - lambda_min)\n",
        o.probes,
        o.steps,
        o.seed,
        significant(d.sigma(), 4),
        o.broadening
    );
    out.push_str("| quantity | estimate | exact (dense) |\n|---|---|---|\n");
    let exact_trace = d.exact.as_ref().map(|e| e.iter().sum::<f64>());
    let cell = |v: Option<f64>| v.map(sig).unwrap_or_else(|| "-".into());
    let _ = writeln!(
        out,
        "| trace (Hutchinson, {} probes) | {} +- {} (standard error) | {} |",
        o.trace_samples,
        sig(d.trace),
        significant(d.trace_se, 3),
        cell(exact_trace)
    );
    let converged = if d.extremes.residual
        <= density::EXTREME_RTOL * d.extremes.min.abs().max(d.extremes.max.abs())
    {
        String::new()
    } else {
        format!(
            " (not converged: residual {})",
            significant(d.extremes.residual, 3)
        )
    };
    let first = |v: &Option<Vec<f64>>, last: bool| {
        v.as_ref()
            .and_then(|e| if last { e.last() } else { e.first() })
            .copied()
    };
    let _ = writeln!(
        out,
        "| lambda_min (Lanczos, {} steps of at most {} (--extreme-steps){converged}) | {} | {} |",
        d.extremes.steps,
        o.extreme_steps,
        sig(d.extremes.min),
        cell(first(&d.exact, false))
    );
    let _ = writeln!(
        out,
        "| lambda_max (Lanczos) | {} | {} |",
        sig(d.extremes.max),
        cell(first(&d.exact, true))
    );
    let estimate = format!(
        "{}{} (from the SLQ weights)",
        significant(d.zeros.estimate, 4),
        d.zeros
            .se
            .map(|se| format!(" +- {}", significant(se, 3)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "| eigenvalues with abs(lambda) <= {} (--zero-tol {} x max abs(lambda)) | {estimate} | {} |",
        significant(d.zeros.threshold, 4),
        significant(o.zero_tol, 4),
        d.zeros
            .exact
            .map_or_else(|| "-".to_string(), |c| c.to_string())
    );
    for k in 1..=4 {
        let exact = d
            .exact
            .as_ref()
            .map(|e| e.iter().map(|l| l.powi(k)).sum::<f64>() / e.len() as f64);
        let _ = writeln!(
            out,
            "| moment {k}: mean of lambda^{k} (SLQ) | {} | {} |",
            sig(d.moment(k)),
            cell(exact)
        );
    }
    out
}

/// The numbers as JSON: the point, the options, the estimates and (where dense) the exact values.
pub fn to_json(s: &DensityStudy) -> serde_json::Value {
    let d = &s.density;
    let o = &d.options;
    let place = match &s.place {
        Place::Start => serde_json::json!({ "kind": "start" }),
        Place::Given => serde_json::json!({ "kind": "given" }),
        Place::RunEnd {
            run_id,
            optimizer,
            status,
            iterations,
        } => serde_json::json!({
            "kind": "run-end", "run_id": run_id, "optimizer": optimizer, "status": status,
            "iterations": iterations
        }),
    };
    let exact_moments: Option<Vec<f64>> = d.exact.as_ref().map(|e| {
        (1..=4)
            .map(|k| e.iter().map(|l| l.powi(k)).sum::<f64>() / e.len() as f64)
            .collect()
    });
    serde_json::json!({
        "family": s.family,
        "params": s.params,
        "seed": s.seed,
        "point": place,
        "n": d.n,
        "value": finite(s.value),
        "grad_norm": finite(s.grad_norm),
        "seconds": s.seconds,
        "options": {
            "probes": o.probes, "steps": o.steps, "trace_samples": o.trace_samples,
            "extreme_steps": o.extreme_steps,
            "broadening": o.broadening, "sigma": d.sigma(), "zero_tol": o.zero_tol, "seed": o.seed
        },
        "trace": { "estimate": d.trace, "standard_error": d.trace_se,
                   "exact": d.exact.as_ref().map(|e| e.iter().sum::<f64>()) },
        "lambda_min": { "lanczos": d.extremes.min, "exact": d.exact.as_ref().and_then(|e| e.first()) },
        "lambda_max": { "lanczos": d.extremes.max, "exact": d.exact.as_ref().and_then(|e| e.last()) },
        "lanczos": { "steps": d.extremes.steps, "residual": d.extremes.residual },
        "zeros": { "estimate": d.zeros.estimate, "standard_error": d.zeros.se, "exact": d.zeros.exact,
                   "threshold": d.zeros.threshold },
        "moments": { "slq": (1..=4).map(|k| d.moment(k)).collect::<Vec<f64>>(), "exact": exact_moments },
        "eigenvalues": d.exact,
    })
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Writes `density.json` ([`to_json`]), `density.csv` (the broadened density, `lambda,density`) and
/// `nodes.csv` (every probe's quadrature, `probe,node,weight`) into `dir`, atomically; returns their paths.
pub fn write_numbers(
    s: &DensityStudy,
    dir: &Path,
) -> Result<Vec<PathBuf>, crate::store::StoreError> {
    let d = &s.density;
    let mut json = serde_json::to_vec_pretty(&to_json(s)).unwrap_or_default();
    json.push(b'\n');
    let mut curve = String::from("lambda,density\n");
    for (x, y) in d.broadened(CURVE_POINTS) {
        let _ = writeln!(curve, "{x:e},{y:e}");
    }
    let mut nodes = String::from("probe,node,weight\n");
    for (p, q) in d.probes.iter().enumerate() {
        for (t, w) in q.nodes.iter().zip(&q.weights) {
            let _ = writeln!(nodes, "{},{t:e},{w:e}", p + 1);
        }
    }
    let mut files = Vec::new();
    for (name, bytes) in [
        ("density.json", json),
        ("density.csv", curve.into_bytes()),
        ("nodes.csv", nodes.into_bytes()),
    ] {
        let path = dir.join(name);
        crate::store::write_atomic(&path, &bytes)?;
        files.push(path);
    }
    Ok(files)
}
