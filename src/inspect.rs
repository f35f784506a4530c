//! `optzoo inspect`: the Hessian's spectrum and verdict at a family's documented critical points, or at a
//! given point.

use std::fmt::Write;

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::problems::Instance;
use crate::problems::critical::{CriticalPoint, newton_polish};
use crate::registry::Registry;
use crate::spectrum::{self, Verdict};

pub use crate::spectrum::DENSE_MAX_DIM;

/// A bad `inspect` request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InspectError(pub String);

/// The verdict at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct Inspected {
    /// The point's name.
    pub name: String,
    /// The point.
    pub point: Vec<f64>,
    /// `f(x)`.
    pub value: f64,
    /// `||g(x)||`: the verdict holds only where this is (near) zero.
    pub grad_norm: f64,
    /// Every eigenvalue (dense), or the two extremes (Lanczos).
    pub eigenvalues: Vec<f64>,
    /// True when `eigenvalues` holds only the extremes.
    pub extremes_only: bool,
    /// The verdict (from the extremes alone when `extremes_only`: a saddle's index is then unknown).
    pub verdict: Verdict,
    /// The documented verdict, for documented points.
    pub documented: Option<Verdict>,
}

/// Parses `key=value` arguments into a TOML table; a value that is not TOML is taken as a string.
pub fn parse_params(args: &[String]) -> Result<toml::Table, InspectError> {
    let mut table = toml::Table::new();
    for arg in args {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| InspectError(format!("`{arg}`: expected key=value, e.g. dim=10")))?;
        let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        table.insert(key.trim().to_string(), parsed);
    }
    Ok(table)
}

/// Inspects `family` with `params` (seeded by `seed`) at `at`, or at its documented critical points.
pub fn inspect(
    registry: &Registry,
    family: &str,
    params: &toml::Table,
    at: Option<&[f64]>,
    seed: u64,
    zero_tol: f64,
) -> Result<Vec<Inspected>, InspectError> {
    let Some(fam) = registry.family(family) else {
        return Err(InspectError(registry.unknown_family(family)));
    };
    let instance = Instance::parse(fam, params)
        .map_err(|e| InspectError(format!("{family}: {}", e.message)))?;
    let (problem, _) = instance
        .build(seed)
        .map_err(|e| InspectError(format!("{family}: {e}")))?;
    let n = problem.dim();
    let Some(so) = problem.second_order() else {
        return Err(InspectError(format!(
            "{family} offers no second derivatives to inspect"
        )));
    };
    let points: Vec<(String, Vec<f64>, Option<Verdict>)> = match at {
        Some(x) if x.len() != n => {
            return Err(InspectError(format!(
                "--at has {} coordinates, but {family} here has dim {n}",
                x.len()
            )));
        }
        Some(x) => vec![("given point".into(), x.to_vec(), None)],
        None => problem
            .critical_points()
            .into_iter()
            .map(|c| {
                // Documented locations may be rounded: polish them to a zero gradient first.
                let x = newton_polish(problem.as_ref(), &c.point, 50)
                    .unwrap_or_else(|_| c.point.clone());
                let documented = documented_verdict(&c);
                (documented.to_string(), x, Some(documented))
            })
            .collect(),
    };
    if points.is_empty() {
        return Err(InspectError(format!(
            "{family} documents no critical points; give a point with --at x1,x2,..."
        )));
    }
    let mut out = Vec::new();
    for (name, x, documented) in points {
        let mut g = vec![0.0; n];
        let value = problem.value_and_gradient(&x, &mut g);
        let (eigenvalues, extremes_only) = if n <= DENSE_MAX_DIM {
            let mut h = Mat::<f64>::zeros(n, n);
            so.hessian(&x, &mut h);
            (spectrum::dense_spectrum(&h).map_err(InspectError)?, false)
        } else {
            let mut hvp = |v: &[f64], out: &mut [f64]| so.hvp(&x, v, out);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (lo, hi) = spectrum::lanczos_extremes(&mut hvp, n, 300, 1e-8, &mut rng)
                .map_err(InspectError)?;
            (vec![lo, hi], true)
        };
        let verdict = spectrum::classify(&eigenvalues, zero_tol);
        out.push(Inspected {
            name,
            point: x,
            value,
            grad_norm: crate::vector::norm(&g),
            eigenvalues,
            extremes_only,
            verdict,
            documented,
        });
    }
    Ok(out)
}

/// The verdict a documented critical point should get, from its index and nullity.
pub fn documented_verdict(c: &CriticalPoint) -> Verdict {
    let n = c.point.len();
    match (c.index, c.nullity) {
        (negative, zero) if zero > 0 => Verdict::Degenerate { zero, negative },
        (0, _) => Verdict::Minimum,
        (i, _) if i == n => Verdict::Maximum,
        (index, _) => Verdict::Saddle { index },
    }
}

fn short(x: &[f64]) -> String {
    let shown: Vec<String> = x.iter().take(4).map(|v| format!("{v:.6}")).collect();
    if x.len() > 4 {
        format!("({}, ... [{}])", shown.join(", "), x.len())
    } else {
        format!("({})", shown.join(", "))
    }
}

/// A Markdown table of inspected points.
pub fn render(rows: &[Inspected]) -> String {
    let mut s = String::from(
        "| point | x | f | ||g|| | lambda_min | lambda_max | negative | verdict | documented | kappa |\n|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let lo = r.eigenvalues.first().copied().unwrap_or(f64::NAN);
        let hi = r.eigenvalues.last().copied().unwrap_or(f64::NAN);
        let negative = if r.extremes_only {
            "?".to_string()
        } else {
            r.eigenvalues
                .iter()
                .filter(|l| **l < 0.0)
                .count()
                .to_string()
        };
        let kappa = match r.verdict {
            Verdict::Minimum => spectrum::condition_number(&r.eigenvalues)
                .map(|k| format!("{k:.4e}"))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let documented = r
            .documented
            .map(|d| {
                if d == r.verdict {
                    format!("{d} (agrees)")
                } else {
                    format!("{d} (DISAGREES)")
                }
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| {} | {} | {:.6e} | {:.2e} | {:.6e} | {:.6e} | {} | {}{} | {} | {} |",
            r.name,
            short(&r.point),
            r.value,
            r.grad_norm,
            lo,
            hi,
            negative,
            r.verdict,
            if r.extremes_only {
                " (extremes only)"
            } else {
                ""
            },
            documented,
            kappa
        );
    }
    s.push_str("\nThe verdict holds at a critical point: read it beside ||g||.\n");
    s
}
