//! `optzoo inspect`: the Hessian's spectrum and verdict at a family's documented critical points, or at a
//! given point.
//!
//! The second-order verdict only holds at a critical point: a point whose gradient norm exceeds the
//! tolerance (by default `1e-5 max(1, ||g(x_0)||)` at the family's standard start, as for the diagnosis of a
//! run's final point, see [`crate::spectrum::diagnosis`]) is `not critical`, with both numbers stated. At a
//! saddle the eigenvectors of the extreme eigenvalues are given too: the one of `lambda_min` is the
//! direction of fastest escape. Numbers are shown to 4 significant digits.
//!
//! What an inspection allocates ([`memory_need`]) is checked against the memory limit (`--memory-limit`, as
//! for `run`, see [`crate::memory`]) before the problem is built ([`check_memory`]): a request too large for
//! the machine is refused with what it needs, never an allocation failure.
//!
//! `--density` (the spectral density at the standard start, a given point or a recorded run's end) is
//! [`crate::density`]; `--conditioning` is [`crate::conditioning`].

use std::fmt::Write;

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::digits::significant;
use crate::memory::{MemoryNeed, bytes, gib};
use crate::problems::Instance;
use crate::problems::critical::{CriticalPoint, newton_polish};
use crate::registry::Registry;
use crate::spectrum::{self, ExtremeVectors, Verdict};

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
    /// `||g(x)||`: the verdict holds only where this is at most `grad_tol`.
    pub grad_norm: f64,
    /// The gradient norm under which the point counts as critical.
    pub grad_tol: f64,
    /// Every eigenvalue (dense), or the two extremes (Lanczos).
    pub eigenvalues: Vec<f64>,
    /// True when `eigenvalues` holds only the extremes.
    pub extremes_only: bool,
    /// The verdict of the curvature alone (from the extremes when `extremes_only`: a saddle's index is
    /// then unknown); it holds only when [`Inspected::is_critical`].
    pub verdict: Verdict,
    /// The eigenvectors of the extreme eigenvalues (dense spectra only).
    pub vectors: Option<ExtremeVectors>,
    /// The relative tolerance under which eigenvalues count as zero (or as equal).
    pub zero_tol: f64,
    /// The documented verdict, for documented points.
    pub documented: Option<Verdict>,
}

impl Inspected {
    /// Whether the gradient is small enough for the second-order verdict to hold: `||g|| <= grad_tol`
    /// (a NaN gradient norm is not).
    pub fn is_critical(&self) -> bool {
        self.grad_norm <= self.grad_tol
    }

    /// The verdict as shown: the curvature's at a critical point, else `not critical` with the numbers.
    pub fn verdict_text(&self) -> String {
        if self.is_critical() {
            format!(
                "{}{}",
                self.verdict,
                if self.extremes_only {
                    " (extremes only)"
                } else {
                    ""
                }
            )
        } else {
            format!(
                "not critical (grad norm {} > tol {})",
                significant(self.grad_norm, 4),
                significant(self.grad_tol, 4)
            )
        }
    }
}

/// The most Lanczos steps the extremes of a spectrum above [`DENSE_MAX_DIM`] take (each keeps one vector).
pub const LANCZOS_STEPS: usize = 300;

/// What inspecting `instance` allocates: building the problem ([`Instance::memory`]) and a few vectors; up
/// to [`DENSE_MAX_DIM`], the dense Hessian (`n^2` numbers) and its eigendecomposition (the eigenvectors and
/// a working copy, `2 n^2`), which also covers the Newton polish of a documented point (a Hessian and its LU
/// factors); above it, the Lanczos basis (up to [`LANCZOS_STEPS`] + 1 vectors).
pub fn memory_need(instance: &Instance) -> MemoryNeed {
    let problem = instance.memory();
    let n = problem.dim as u64;
    let spectrum = if problem.dim <= DENSE_MAX_DIM {
        MemoryNeed {
            hessian: bytes(n, n),
            factors: bytes(2, n.saturating_mul(n)),
            ..MemoryNeed::default()
        }
    } else {
        MemoryNeed::vectors(n.min(LANCZOS_STEPS as u64) + 1, problem.dim)
    };
    problem
        .need
        .plus(spectrum)
        .plus(MemoryNeed::vectors(4, problem.dim))
}

/// What `inspect` is asked to do, for its memory pre-flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inspection {
    /// The Hessian's spectrum and verdict ([`inspect`]): [`memory_need`].
    Spectrum,
    /// The effective conditioning of the preconditioners (`--conditioning`): building the problem; its dense
    /// matrices stop at dimension [`crate::conditioning::MAX_DIM`] (a few MiB each).
    Conditioning,
}

/// Refuses, before the problem is built, an inspection of `family` with `params` that would allocate more
/// than the memory limit ([`crate::memory::limit`]), saying what it needs, part by part; unknown families and
/// bad parameters are refused as [`inspect`] refuses them. [`inspect`] makes this check itself; a caller that
/// builds the problem elsewhere (`--conditioning`) makes it first.
pub fn check_memory(
    registry: &Registry,
    family: &str,
    params: &toml::Table,
    what: Inspection,
) -> Result<(), InspectError> {
    let instance = resolve(registry, family, params)?;
    let need = match what {
        Inspection::Spectrum => memory_need(&instance),
        Inspection::Conditioning => instance.memory().need,
    };
    within_limit(family, &instance, need)
}

/// The instance of `family` with `params` (an external problem's paths relative to the current directory);
/// nothing is built or started.
fn resolve(
    registry: &Registry,
    family: &str,
    params: &toml::Table,
) -> Result<Instance, InspectError> {
    let instance = if family == crate::problems::external::NAME {
        Instance::parse_external(params, None)
    } else {
        let Some(fam) = registry.family(family) else {
            return Err(InspectError(registry.unknown_family(family)));
        };
        Instance::parse(fam, params)
    };
    instance.map_err(|e| InspectError(format!("{family}: {}", e.message)))
}

/// An error where `need` is above the memory limit.
fn within_limit(family: &str, instance: &Instance, need: MemoryNeed) -> Result<(), InspectError> {
    let limit = crate::memory::limit();
    if need.total() > limit {
        return Err(InspectError(format!(
            "inspecting {family} {} needs {} ({}), above the memory limit of {}; make it smaller or raise \
             --memory-limit",
            instance.params,
            gib(need.total()),
            need.parts(),
            gib(limit)
        )));
    }
    Ok(())
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

/// What to inspect, beyond the family and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InspectOptions<'a> {
    /// A point to inspect instead of the documented critical points.
    pub at: Option<&'a [f64]>,
    /// The seed for families with random data or rotations.
    pub seed: u64,
    /// Eigenvalues with `|lambda| <= zero_tol max |lambda|` count as zero.
    pub zero_tol: f64,
    /// The gradient norm under which a point counts as critical [default: `1e-5 max(1, ||g(x_0)||)` at
    /// the standard start].
    pub grad_tol: Option<f64>,
}

/// Inspects `family` with `params` at `options.at`, or at its documented critical points. What it would
/// allocate ([`memory_need`]) is checked against the memory limit before the problem is built.
pub fn inspect(
    registry: &Registry,
    family: &str,
    params: &toml::Table,
    options: InspectOptions<'_>,
) -> Result<Vec<Inspected>, InspectError> {
    let InspectOptions {
        at,
        seed,
        zero_tol,
        grad_tol,
    } = options;
    let instance = resolve(registry, family, params)?;
    within_limit(family, &instance, memory_need(&instance))?;
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
        Some(x) => {
            if let Some((i, v)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(InspectError(format!(
                    "--at: coordinate {} is {v}; the point must have finite coordinates",
                    i + 1
                )));
            }
            vec![("given point".into(), x.to_vec(), None)]
        }
        None => problem
            .critical_points()
            .into_iter()
            .map(|c| {
                // Documented locations may be rounded: polish them to a zero gradient first, with dense
                // Newton steps where the dense path is taken (above it, a Newton step alone would need
                // n^2 memory and n^3 time: the point is taken as documented, and the gradient test says
                // whether it is critical).
                let x = if n <= DENSE_MAX_DIM {
                    newton_polish(problem.as_ref(), &c.point, 50)
                        .unwrap_or_else(|_| c.point.clone())
                } else {
                    c.point.clone()
                };
                let documented = documented_verdict(&c);
                (documented.to_string(), x, Some(documented))
            })
            .collect(),
    };
    // A problem that documents no critical points (a user's model) is inspected at its start.
    let points = if points.is_empty() && at.is_none() {
        vec![("start".to_string(), problem.standard_start(), None)]
    } else {
        points
    };
    let mut g = vec![0.0; n];
    let grad_tol = match grad_tol {
        Some(t) => t,
        None => {
            problem.value_and_gradient(&problem.standard_start(), &mut g);
            let g0 = crate::vector::norm(&g);
            spectrum::diagnosis::CRITICAL_RTOL * if g0.is_finite() { g0.max(1.0) } else { 1.0 }
        }
    };
    let mut out = Vec::new();
    for (name, x, documented) in points {
        let value = problem.value_and_gradient(&x, &mut g);
        let (eigenvalues, vectors, extremes_only) = if n <= DENSE_MAX_DIM {
            let mut h = Mat::<f64>::zeros(n, n);
            so.hessian(&x, &mut h);
            let (values, vectors) =
                spectrum::dense_spectrum_with_extremes(&h).map_err(InspectError)?;
            (values, Some(vectors), false)
        } else {
            let mut hvp = |v: &[f64], out: &mut [f64]| so.hvp(&x, v, out);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (lo, hi) = spectrum::lanczos_extremes(&mut hvp, n, LANCZOS_STEPS, 1e-8, &mut rng)
                .map_err(InspectError)?;
            (vec![lo, hi], None, true)
        };
        let verdict = spectrum::classify(&eigenvalues, zero_tol);
        out.push(Inspected {
            name,
            point: x,
            value,
            grad_norm: crate::vector::norm(&g),
            grad_tol,
            eigenvalues,
            extremes_only,
            verdict,
            vectors,
            zero_tol,
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
    let shown: Vec<String> = x.iter().take(4).map(|v| significant(*v, 4)).collect();
    if x.len() > 4 {
        format!("({}, ... [{}])", shown.join(", "), x.len())
    } else {
        format!("({})", shown.join(", "))
    }
}

/// A unit vector for reading: every component up to dimension 8; above, the (at most 6) largest components
/// of magnitude at least 1e-4, with their 1-based indices.
fn direction(v: &[f64]) -> String {
    if v.len() <= 8 {
        let all: Vec<String> = v.iter().map(|c| significant(*c, 4)).collect();
        return format!("({})", all.join(", "));
    }
    let mut by_size: Vec<usize> = (0..v.len()).filter(|&i| v[i].abs() >= 1e-4).collect();
    by_size.sort_by(|a, b| v[*b].abs().total_cmp(&v[*a].abs()).then(a.cmp(b)));
    let shown: Vec<String> = by_size
        .iter()
        .take(6)
        .map(|&i| format!("x{} = {}", i + 1, significant(v[i], 4)))
        .collect();
    let rest = by_size.len().saturating_sub(6);
    format!(
        "{}{} (of {} components; the others below 1e-4 in magnitude)",
        shown.join(", "),
        if rest > 0 {
            format!(", and {rest} more")
        } else {
            String::new()
        },
        v.len()
    )
}

/// How many eigenvalues equal `lambda` to `rel_tol` times the largest magnitude: above 1, its eigenvector is
/// one of many (any unit vector of the eigenspace).
fn multiplicity(eigenvalues: &[f64], lambda: f64, rel_tol: f64) -> usize {
    let scale = eigenvalues.iter().fold(0.0f64, |m, l| m.max(l.abs()));
    eigenvalues
        .iter()
        .filter(|l| (**l - lambda).abs() <= rel_tol.max(f64::EPSILON.sqrt()) * scale)
        .count()
}

/// A Markdown table of inspected points, then the escape directions at saddles.
pub fn render(rows: &[Inspected]) -> String {
    let mut s = String::from(
        "| point | x | f | grad norm | lambda_min | lambda_max | negative | verdict | documented | kappa |\n|---|---|---|---|---|---|---|---|---|---|\n",
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
            Verdict::Minimum if r.is_critical() => spectrum::condition_number(&r.eigenvalues)
                .map(|k| significant(k, 4))
                .unwrap_or_default(),
            _ => String::new(),
        };
        let documented = r
            .documented
            .map(|d| {
                if !r.is_critical() {
                    format!("{d} (not checked: not critical)")
                } else if d == r.verdict {
                    format!("{d} (agrees)")
                } else {
                    format!("{d} (DISAGREES)")
                }
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            short(&r.point),
            significant(r.value, 4),
            significant(r.grad_norm, 4),
            significant(lo, 4),
            significant(hi, 4),
            negative,
            r.verdict_text(),
            documented,
            kappa
        );
    }
    let tol = rows.first().map_or(f64::NAN, |r| r.grad_tol);
    let _ = writeln!(
        s,
        "\nThe verdict holds at a critical point, where the gradient norm ||g|| <= tol = {} (--grad-tol; by \
         default 1e-5 max(1, ||g(x_0)||) at the standard start); elsewhere it is `not critical`.",
        significant(tol, 4)
    );
    let saddles: Vec<&Inspected> = rows
        .iter()
        .filter(|r| r.is_critical() && matches!(r.verdict, Verdict::Saddle { .. }))
        .collect();
    if !saddles.is_empty() {
        s.push_str(
            "\nAt each saddle, the unit eigenvectors of the extreme eigenvalues; the first is the escape \
             direction (the most negative curvature: f falls along it both ways):\n",
        );
    }
    for r in saddles {
        let lo = r.eigenvalues.first().copied().unwrap_or(f64::NAN);
        let hi = r.eigenvalues.last().copied().unwrap_or(f64::NAN);
        let _ = writeln!(s, "- {} at {}:", r.name, short(&r.point));
        match &r.vectors {
            Some(v) => {
                let repeated = |lambda: f64| match multiplicity(&r.eigenvalues, lambda, r.zero_tol)
                {
                    1 => String::new(),
                    m => format!(" (multiplicity {m}: one unit vector of its eigenspace)"),
                };
                let _ = writeln!(
                    s,
                    "  - escape direction, lambda_min = {}{}: {}",
                    significant(lo, 4),
                    repeated(lo),
                    direction(&v.min)
                );
                let _ = writeln!(
                    s,
                    "  - lambda_max = {}{}: {}",
                    significant(hi, 4),
                    repeated(hi),
                    direction(&v.max)
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  - eigenvectors not computed above n = {DENSE_MAX_DIM} (Lanczos gives the extremes' values only)"
                );
            }
        }
    }
    s
}
