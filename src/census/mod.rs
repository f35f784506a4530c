//! `optzoo critical`: a census of the critical points of a family instance, found from seeded random
//! starts and classified by their dense Hessians.
//!
//! In many dimensions almost every critical point is a saddle, and the higher its loss the more negative
//! eigenvalues it has (Bray and Dean 2007; Dauphin et al. 2014, Figure 1). A census measures this: from
//! `starts` random points it runs an iteration attracted to every zero of the gradient, whatever its inertia
//! ([`search`]: damped Gauss-Newton on `||g||^2 / 2`, then Newton polishing), keeps the ends whose gradient
//! norm is at most `grad_tol`, merges those that coincide and classifies each distinct point by its Hessian
//! spectrum ([`points`]); [`rank`] gives the Spearman rank correlation between index and loss, and
//! [`output`] writes the table, the JSON of every point and the figure of index fraction against loss.
//!
//! **Starts.** Start `i` is `x_i = x_std + R u_i` with `x_std` the family's standard start and `u_i`
//! uniform in the box `[-1, 1]^n`, drawn from the stream `Instance::rng(seed, "census start i")`: each start
//! depends only on the seed, the instance and `i`, so a census is the same on any number of threads. The
//! half-width `R` is `--radius`, by default [`default_radius`]: `1.5 sqrt(curvature)` for `double-well` (a
//! box reaching past the wells at `+-sqrt(curvature)`), `1` for every other family. The problem is built
//! from the same seed, as `run` builds it.
//!
//! **Tolerances.** A start converges when its end has `||g|| <= grad_tol`, by default
//! [`DEFAULT_GRAD_RTOL`]` max(1, ||g(x_std)||)`. The Newton polish brings a non-degenerate critical point to
//! a gradient at rounding level, far below it; degenerate points are approached linearly, and the
//! iteration runs on until rounding stops it. Eigenvalues count as zero below `zero_tol S`, `S` the largest
//! `|lambda|` of the census ([`points`]), by default [`DEFAULT_ZERO_TOL`]: a gradient that vanishes to the
//! second order at a degenerate point is resolved to rounding `eps` only within `sqrt(eps) ~ 1e-8` of the
//! point, which moves its eigenvalues by about `1e-8 S`; `1e-6` leaves a margin of 100.
//!
//! **Limits.** The census needs exact second derivatives and forms the dense Hessian at every iteration,
//! so the dimension is at most [`DENSE_MAX_DIM`], and what it allocates is checked against the memory
//! limit before the problem is built (as `inspect` checks it, [`crate::inspect::check_memory`]). The keys
//! `start`, `start_sigma` and `batch_size` are refused: the census draws its own starts and needs exact
//! gradients.

pub mod output;
pub mod points;
pub mod rank;
pub mod search;

use faer::{Mat, Side};
use rand::RngExt;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::inspect::{InspectError, Inspection, check_memory};
use crate::problems::Instance;
use crate::registry::Registry;
use crate::spectrum::DENSE_MAX_DIM;
use crate::vector::norm;

pub use points::Point;
pub use rank::Spearman;

/// The format version of `census.json`.
pub const FORMAT: u32 = 1;

/// The default gradient tolerance, relative to `max(1, ||g(x_std)||)`.
pub const DEFAULT_GRAD_RTOL: f64 = 1e-12;

/// The default relative tolerance under which an eigenvalue counts as zero (relative to the census's
/// largest `|lambda|`).
pub const DEFAULT_ZERO_TOL: f64 = 1e-6;

/// The default relative distance under which two ends are one point ([`points::same_point`]).
pub const DEFAULT_DEDUP_TOL: f64 = 1e-6;

/// The default cap on Gauss-Newton iterations per start.
pub const DEFAULT_MAX_ITERS: usize = 200;

/// Random permutations behind the p-value of the rank correlation.
pub const PERMUTATIONS: usize = 9999;

/// A bad census request: an unknown family, a bad parameter or option, a family without Hessians, a
/// dimension too large.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct CensusError(pub String);

/// What a census does, beyond the family and its parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CensusOptions {
    /// The number of random starts (at least 1).
    pub starts: usize,
    /// The seed of the problem and of the starts.
    pub seed: u64,
    /// The half-width of the start box [default: [`default_radius`]].
    pub radius: Option<f64>,
    /// The gradient norm under which an end is a critical point [default: [`DEFAULT_GRAD_RTOL`]` max(1,
    /// ||g(x_std)||)`].
    pub grad_tol: Option<f64>,
    /// Eigenvalues with `|lambda| <= zero_tol S` count as zero.
    pub zero_tol: f64,
    /// Ends closer than this (relative, max norm) are one point.
    pub dedup_tol: f64,
    /// The most Gauss-Newton iterations per start.
    pub max_iters: usize,
    /// Whether to compute the Spearman rank correlation between index and loss.
    pub spearman: bool,
}

impl Default for CensusOptions {
    fn default() -> Self {
        CensusOptions {
            starts: 100,
            seed: 0,
            radius: None,
            grad_tol: None,
            zero_tol: DEFAULT_ZERO_TOL,
            dedup_tol: DEFAULT_DEDUP_TOL,
            max_iters: DEFAULT_MAX_ITERS,
            spearman: false,
        }
    }
}

/// Where one start ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StartEnd {
    /// `||g||` at the end.
    pub grad_norm: f64,
    /// `f` at the end.
    pub value: f64,
    /// Gauss-Newton iterations taken.
    pub iterations: usize,
    /// `max |x_i|` at the end: large where the iteration ran off towards infinity.
    pub x_max: f64,
    /// The distinct point it reached (0-based, into [`Census::points`]), if it converged.
    pub point: Option<usize>,
}

/// A census: its settings, every start's end and the distinct critical points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Census {
    /// [`FORMAT`].
    pub format: u32,
    /// The family.
    pub family: String,
    /// Every parameter of the instance (defaults filled in).
    pub params: serde_json::Value,
    /// The dimension `n`.
    pub dim: usize,
    /// The seed of the problem and the starts.
    pub seed: u64,
    /// The half-width `R` of the start box around the standard start.
    pub radius: f64,
    /// Where `radius` comes from.
    pub radius_rule: String,
    /// The gradient norm under which an end converged.
    pub grad_tol: f64,
    /// Eigenvalues with `|lambda| <= zero_tol curvature_scale` count as zero.
    pub zero_tol: f64,
    /// The deduplication distance ([`points::same_point`]).
    pub dedup_tol: f64,
    /// The most Gauss-Newton iterations per start.
    pub max_iters: usize,
    /// The largest `|lambda|` over the distinct points: the scale `S` of the zero test.
    pub curvature_scale: f64,
    /// The global minimum value `f*`, where the family knows it.
    pub f_star: Option<f64>,
    /// Every start's end, in start order.
    pub ends: Vec<StartEnd>,
    /// The distinct critical points, in the order they were first reached.
    pub points: Vec<Point>,
    /// The rank correlation between index and value over the distinct points, when asked for.
    pub spearman: Option<Spearman>,
    /// The levels: distinct points grouped by equal index, nullity and value ([`levels`]); one
    /// representative (the first point) each, as indices into `points`.
    pub levels: Vec<usize>,
    /// The rank correlation over the levels, when asked for: each symmetric copy or manifold of points
    /// counted once.
    pub spearman_levels: Option<Spearman>,
}

impl Census {
    /// How many starts converged.
    pub fn converged(&self) -> usize {
        self.ends.iter().filter(|e| e.point.is_some()).count()
    }

    /// How many distinct points are of kind `name` (`minimum`, `saddle`, `maximum`, `degenerate`).
    pub fn count(&self, name: &str) -> usize {
        self.points.iter().filter(|p| p.kind == name).count()
    }
}

/// The default half-width of the start box, with its rule in words.
pub fn default_radius(instance: &Instance) -> (f64, String) {
    if instance.family == "double-well" {
        let c = instance
            .params
            .get("curvature")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(1.0);
        return (
            1.5 * c.sqrt(),
            "1.5 sqrt(curvature): past the wells at +-sqrt(curvature)".into(),
        );
    }
    (1.0, "the default for this family".into())
}

/// Checks the options: a number of starts of at least 1 and positive finite tolerances.
fn check_options(o: &CensusOptions) -> Result<(), CensusError> {
    if o.starts == 0 {
        return Err(CensusError("--starts must be at least 1, got 0".into()));
    }
    if o.max_iters == 0 {
        return Err(CensusError("--max-iters must be at least 1, got 0".into()));
    }
    for (name, v) in [
        ("--radius", o.radius),
        ("--grad-tol", o.grad_tol),
        ("--zero-tol", Some(o.zero_tol)),
        ("--dedup-tol", Some(o.dedup_tol)),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v > 0.0)
        {
            return Err(CensusError(format!(
                "{name} must be a finite number > 0, got {v}"
            )));
        }
    }
    Ok(())
}

/// Runs a census of `family` with `params`; `progress` is called once per finished start (from worker
/// threads).
pub fn census(
    registry: &Registry,
    family: &str,
    params: &toml::Table,
    options: CensusOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Census, CensusError> {
    check_options(&options)?;
    for key in ["start", "start_sigma", "batch_size"] {
        if params.contains_key(key) {
            return Err(CensusError(format!(
                "`{key}` does not apply to a census: it draws its own starts (--starts, --seed, --radius) \
                 and needs exact gradients"
            )));
        }
    }
    let Some(fam) = registry.family(family) else {
        return Err(CensusError(registry.unknown_family(family)));
    };
    let instance = Instance::parse(fam, params)
        .map_err(|e| CensusError(format!("{family}: {}", e.message)))?;
    if !instance.capabilities().hessian {
        return Err(CensusError(format!(
            "{family} offers no dense Hessian: a census classifies critical points by their Hessian spectrum \
             (families with one: see `optzoo list problems`)"
        )));
    }
    let too_big = |n: usize| {
        CensusError(format!(
            "{family} {} has dimension {n}: a census forms and decomposes the dense Hessian at every \
             iteration, so the dimension must be at most {DENSE_MAX_DIM}",
            instance.params
        ))
    };
    let declared = instance.memory().dim;
    if declared > DENSE_MAX_DIM {
        return Err(too_big(declared));
    }
    check_memory(registry, family, params, Inspection::Spectrum)
        .map_err(|InspectError(e)| CensusError(e))?;
    let (problem, _) = instance
        .build(options.seed)
        .map_err(|e| CensusError(format!("{family}: {e}")))?;
    let n = problem.dim();
    if n > DENSE_MAX_DIM {
        return Err(too_big(n));
    }
    let Some(so) = problem.second_order() else {
        return Err(CensusError(format!(
            "{family} offers no second derivatives: a census needs its Hessian"
        )));
    };
    let x_std = problem.standard_start();
    let (radius, radius_rule) = match options.radius {
        Some(r) => (r, "--radius".to_string()),
        None => default_radius(&instance),
    };
    let grad_tol = options.grad_tol.unwrap_or_else(|| {
        let mut g = vec![0.0; n];
        problem.gradient(&x_std, &mut g);
        let g0 = norm(&g);
        DEFAULT_GRAD_RTOL * if g0.is_finite() { g0.max(1.0) } else { 1.0 }
    });
    let results: Vec<Result<(StartEnd, Option<points::End>), String>> = (0..options.starts)
        .into_par_iter()
        .map(|i| {
            let mut rng = instance.rng(options.seed, &format!("census start {i}"));
            let x0: Vec<f64> = x_std
                .iter()
                .map(|c| c + radius * (2.0 * rng.random::<f64>() - 1.0))
                .collect();
            let end = search::descend(problem.as_ref(), so, &x0, options.max_iters);
            progress();
            let end = end?;
            let value = problem.value(&end.x);
            let converged = end.grad_norm <= grad_tol && value.is_finite();
            let x_max = end.x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let found = if converged {
                let mut h = Mat::<f64>::zeros(n, n);
                so.hessian(&end.x, &mut h);
                let eigenvalues = h
                    .self_adjoint_eigenvalues(Side::Lower)
                    .map_err(|e| format!("the symmetric eigensolver did not converge: {e:?}"))?;
                Some(points::End {
                    x: end.x,
                    value,
                    grad_norm: end.grad_norm,
                    eigenvalues,
                    start: i,
                })
            } else {
                None
            };
            Ok((
                StartEnd {
                    grad_norm: end.grad_norm,
                    value,
                    iterations: end.iterations,
                    x_max,
                    point: None,
                },
                found,
            ))
        })
        .collect();
    let mut ends = Vec::with_capacity(options.starts);
    let mut found = Vec::new();
    for r in results {
        let (e, f) = r.map_err(|e| CensusError(format!("{family}: {e}")))?;
        ends.push(e);
        found.extend(f);
    }
    let converged_starts: Vec<usize> = found.iter().map(|f| f.start).collect();
    let (points, joined, curvature_scale) =
        points::distinct(found, options.dedup_tol, options.zero_tol);
    for (start, point) in converged_starts.into_iter().zip(joined) {
        ends[start].point = Some(point);
    }
    let level_points = levels(&points);
    let correlate = |chosen: &[usize]| {
        let index: Vec<f64> = chosen.iter().map(|&i| points[i].index as f64).collect();
        let value: Vec<f64> = chosen.iter().map(|&i| points[i].value).collect();
        rank::spearman(&index, &value, PERMUTATIONS, options.seed)
    };
    let all: Vec<usize> = (0..points.len()).collect();
    let spearman = options.spearman.then(|| correlate(&all));
    let spearman_levels = options.spearman.then(|| correlate(&level_points));
    Ok(Census {
        format: FORMAT,
        family: family.to_string(),
        params: instance.params.clone(),
        dim: n,
        seed: options.seed,
        radius,
        radius_rule,
        grad_tol,
        zero_tol: options.zero_tol,
        dedup_tol: options.dedup_tol,
        max_iters: options.max_iters,
        curvature_scale,
        f_star: problem.optimum().map(|o| o.value),
        ends,
        points,
        spearman,
        levels: level_points,
        spearman_levels,
    })
}

/// The relative difference in value under which two points with the same index and nullity are one level.
pub const LEVEL_RTOL: f64 = 1e-9;

/// The first point of each level: points with equal index and nullity whose values differ by at most
/// [`LEVEL_RTOL`]` max(1, |f|)` are one level (the symmetric copies of a critical point, or the places a
/// manifold of critical points was reached), in order of first appearance.
pub fn levels(points: &[Point]) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        let same = |q: &Point| {
            q.index == p.index
                && q.nullity == p.nullity
                && (q.value - p.value).abs()
                    <= LEVEL_RTOL * 1f64.max(q.value.abs()).max(p.value.abs())
        };
        if !out.iter().any(|&j| same(&points[j])) {
            out.push(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamError;
    use crate::problem::{Capabilities, Problem};
    use crate::problems::{Family, FamilyConfig};
    use rand_chacha::ChaCha8Rng;

    /// A family with gradients and no Hessian.
    #[derive(Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct BowlConfig {}

    impl FamilyConfig for BowlConfig {
        fn check(&self) -> Result<(), ParamError> {
            Ok(())
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities {
                exact: true,
                ..Capabilities::default()
            }
        }
        fn build(&self, _: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
            Ok(Box::new(Bowl))
        }
    }

    struct Bowl;

    impl Problem for Bowl {
        fn dim(&self) -> usize {
            2
        }
        fn value(&self, x: &[f64]) -> f64 {
            x.iter().map(|v| v * v).sum()
        }
        fn gradient(&self, x: &[f64], g: &mut [f64]) {
            for (gi, xi) in g.iter_mut().zip(x) {
                *gi = 2.0 * xi;
            }
        }
        fn standard_start(&self) -> Vec<f64> {
            vec![1.0, 1.0]
        }
    }

    static BOWL: Family = Family::of::<BowlConfig>("test/bowl", "x'x without a Hessian", &[]);

    #[test]
    fn a_family_without_a_hessian_is_refused() {
        let mut registry = Registry::builtin();
        registry.add_family(&BOWL).expect("namespaced");
        let e = census(
            &registry,
            "test/bowl",
            &toml::Table::new(),
            CensusOptions::default(),
            &|| {},
        )
        .expect_err("no Hessian");
        assert!(e.0.contains("offers no dense Hessian"), "{e}");
    }

    #[test]
    fn a_census_is_the_same_on_any_number_of_threads() {
        let params: toml::Table = toml::from_str("dim = 3\nindex = 2").expect("valid TOML");
        let options = CensusOptions {
            starts: 40,
            seed: 5,
            spearman: true,
            ..CensusOptions::default()
        };
        let on = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool")
                .install(|| {
                    census(
                        &Registry::builtin(),
                        "double-well",
                        &params,
                        options,
                        &|| {},
                    )
                    .expect("runs")
                })
        };
        let (one, two) = (on(1), on(2));
        assert_eq!(one, two);
        assert_eq!(one.points.len(), 9);
    }
}
