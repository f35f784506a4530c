//! Measuring effective conditioning: each row's optimizer run through the run loop for its steps (a
//! learned preconditioner) or asked for its fixed rule, and the Hessian taken where it stands. This half
//! builds problems and runs optimizers (for `inspect --conditioning`); [`super`] holds the arithmetic and
//! the results, which reports draw.

use faer::Mat;

use super::{EVERY_FORMED, Effective, JACOBI, MAX_DIM, Row, Study, effective};
use crate::optimizer::DynOptimizer;
use crate::oracle::Oracle;
use crate::preconditioner::{Conditioner, Formed, Preconditioner};
use crate::problem::Problem;
use crate::registry::Registry;
use crate::spectrum::dense_spectrum;

/// Where an optimizer stands after its steps, and what it has formed there.
#[derive(Debug, Clone)]
pub struct Driven {
    /// The last iterate.
    pub point: Vec<f64>,
    /// Steps taken.
    pub steps: usize,
    /// Why the run stopped before the steps asked for, if it did.
    pub stopped: Option<String>,
    /// The preconditioner read from the optimizer's state (`None` when the run could not start or the state
    /// holds none yet).
    pub formed: Option<Formed>,
}

/// Runs `optimizer` for `steps` steps from `x0` through the run loop ([`crate::run_loop`]: the same
/// uncharged measurement and stop tests as every run, with no tolerance but the step count), then reads
/// the preconditioner of its state ([`crate::observers::FormedPreconditioner`]).
pub fn drive(
    problem: &dyn Problem,
    optimizer: &dyn DynOptimizer,
    x0: &[f64],
    steps: usize,
) -> Driven {
    let mut oracle = Oracle::new(problem);
    let mut x = x0.to_vec();
    let stop = crate::stop::StopRule::steps_only(steps as u64);
    let setup = crate::run_loop::Setup {
        stop: &stop,
        f_star: None,
        x_star: None,
        started: std::time::Instant::now(),
    };
    let mut formed = crate::observers::FormedPreconditioner::default();
    let ended = crate::run_loop::run(optimizer, &mut x, &mut oracle, setup, &mut [&mut formed]);
    let stopped = match ended.status {
        crate::stop::Status::MaxIters => None,
        crate::stop::Status::Diverged => Some("the iterate or its gradient is not finite".into()),
        other => Some(ended.message.unwrap_or_else(|| other.to_string())),
    };
    Driven {
        point: formed.point,
        steps: formed.steps as usize,
        stopped,
        formed: formed.formed,
    }
}

fn hessian_at(problem: &dyn Problem, x: &[f64]) -> Result<Mat<f64>, String> {
    let so = problem
        .second_order()
        .ok_or("the problem offers no dense Hessian")?;
    let n = x.len();
    let mut h = Mat::zeros(n, n);
    so.hessian(x, &mut h);
    Ok(h)
}

/// `max |lambda| / min |lambda|` of a symmetric matrix.
fn kappa_abs(h: &Mat<f64>) -> Result<f64, String> {
    Ok(Effective::from_eigenvalues(dense_spectrum(h)?).kappa)
}

/// The names `rows` stands for: [`EVERY_FORMED`] expanded to the registered optimizers that form a
/// preconditioner with their default hyperparameters.
pub fn expand_rows(registry: &Registry, rows: &[&str]) -> Vec<String> {
    rows.iter()
        .flat_map(|r| {
            if *r != EVERY_FORMED {
                return vec![r.to_string()];
            }
            registry
                .optimizers()
                .filter(|e| {
                    (e.parse)(&toml::Table::new(), e.params, &Default::default())
                        .is_ok_and(|c| !matches!(c.optimizer.conditioner(), Conditioner::None))
                })
                .map(|e| e.name.to_string())
                .collect()
        })
        .collect()
}

/// Measures the row `name` (a registered optimizer with the keys `table`, or `"jacobi"`) on `problem`
/// from `x0`, running optimizers whose preconditioner is learned for `steps` steps.
pub fn measure(
    registry: &Registry,
    problem: &dyn Problem,
    x0: &[f64],
    name: &str,
    table: &toml::Table,
    steps: usize,
) -> Result<Row, String> {
    let row = |preconditioner: &str,
               steps: usize,
               note: Option<String>,
               at: &[f64],
               p: Result<&Preconditioner, String>|
     -> Result<Row, String> {
        let h = hessian_at(problem, at)?;
        Ok(Row {
            optimizer: name.to_string(),
            preconditioner: preconditioner.to_string(),
            steps,
            note,
            kappa_h: kappa_abs(&h)?,
            effective: p.and_then(|p| effective(&h, p)),
        })
    };
    if name == JACOBI {
        let h = hessian_at(problem, x0)?;
        let d = Preconditioner::Diagonal((0..h.nrows()).map(|i| h[(i, i)].abs()).collect());
        return row("abs(diag(H)) (ideal diagonal)", 0, None, x0, Ok(&d));
    }
    let entry = registry.optimizer(name).ok_or_else(|| {
        let mut known = vec![JACOBI];
        known.extend(registry.optimizers().map(|o| o.name));
        registry.unknown_optimizer(name, &known)
    })?;
    let checked = entry
        .parse_point(table, &Default::default())
        .map_err(|e| format!("{name}: {}", e.message))?;
    match checked.optimizer.conditioner() {
        Conditioner::None => row(
            "none formed",
            0,
            None,
            x0,
            Err(format!("{name} keeps {}: no matrix to form", entry.keeps)),
        ),
        Conditioner::Fixed(formed) => row(&formed.label, 0, None, x0, Ok(&formed.matrix)),
        Conditioner::Learned(label) => {
            let driven = drive(problem, checked.optimizer.as_ref(), x0, steps);
            match &driven.formed {
                Some(f) => row(
                    &f.label,
                    driven.steps,
                    driven.stopped.clone(),
                    &driven.point,
                    Ok(&f.matrix),
                ),
                None => row(
                    &label,
                    driven.steps,
                    None,
                    &driven.point,
                    Err(driven
                        .stopped
                        .clone()
                        .unwrap_or_else(|| "no state formed yet".into())),
                ),
            }
        }
    }
}

/// Measures every row of `names` with default hyperparameters.
pub fn measure_all(
    registry: &Registry,
    problem: &dyn Problem,
    x0: &[f64],
    names: &[&str],
    steps: usize,
) -> Result<Vec<Row>, String> {
    expand_rows(registry, names)
        .iter()
        .map(|name| measure(registry, problem, x0, name, &toml::Table::new(), steps))
        .collect()
}

/// [`study`] over the built-in registry.
pub fn for_family(
    family_name: &str,
    params: &toml::Table,
    at: Option<&[f64]>,
    seed: u64,
    names: &[&str],
    steps: usize,
) -> Result<Study, String> {
    study(
        &Registry::builtin(),
        family_name,
        params,
        at,
        seed,
        names,
        steps,
    )
}

/// Builds `family` with `params` for `seed` and measures `names` (default hyperparameters) from `at`, or
/// from the instance's start, running optimizers whose preconditioner is learned for `steps` steps.
pub fn study(
    registry: &Registry,
    family_name: &str,
    params: &toml::Table,
    at: Option<&[f64]>,
    seed: u64,
    names: &[&str],
    steps: usize,
) -> Result<Study, String> {
    let fam = registry
        .family(family_name)
        .ok_or_else(|| registry.unknown_family(family_name))?;
    let instance = crate::problems::Instance::parse(fam, params)
        .map_err(|e| format!("{family_name}: {}", e.message))?;
    let (problem, x0) = instance
        .build(seed)
        .map_err(|e| format!("{family_name}: {e}"))?;
    let n = problem.dim();
    if problem.second_order().is_none() {
        return Err(format!("{family_name} offers no dense Hessian"));
    }
    if n > MAX_DIM {
        return Err(format!(
            "{family_name} here has dim {n}; conditioning forms dense matrices, up to dim {MAX_DIM}"
        ));
    }
    let start = match at {
        Some(x) if x.len() != n => {
            return Err(format!(
                "--at has {} coordinates, but {family_name} here has dim {n}",
                x.len()
            ));
        }
        Some(x) => x.to_vec(),
        None => x0,
    };
    let rows = measure_all(registry, problem.as_ref(), &start, names, steps)?;
    let label = match &instance.params {
        serde_json::Value::Object(m) => std::iter::once(family_name.to_string())
            .chain(
                m.iter()
                    .map(|(k, v)| format!("{k}={}", crate::analysis::sweep::value_text(v))),
            )
            .collect::<Vec<_>>()
            .join(" "),
        other => format!("{family_name} {other}"),
    };
    Ok(Study { label, start, rows })
}
