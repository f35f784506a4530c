//! Saddle escape: how many iterations a method needs to leave a strict saddle, against the saddle's most
//! negative curvature `lambda_min` and the start's distance from it.
//!
//! **Which runs.** A run is analysed when its problem documents a strict saddle `x_s` (a non-degenerate
//! critical point of index >= 1, [`crate::problem::Problem::critical_points`]) and the run starts within the
//! escape radius `R` of it: the `double-well` family (saddle at the origin, `lambda_min = -c`) is built for
//! this, and any family that documents its saddles qualifies the same way.
//!
//! **Definition.** The escape
//! iteration is the first `k` with `||x_k - x_s|| >= R`, `R = rho sqrt(|lambda_min|)`, `rho` =
//! [`RADIUS_FRACTION`]. The radius is a fixed fraction of `sqrt(c)`, the distance from the saddle to the
//! bottom of each well, so that escape is judged at the same place of the landscape at every curvature
//! (with `x = sqrt(c) y` every double well is the same function of `y` up to the factor `c^2`). A run that
//! never reaches `R` within its iterations did not escape.
//!
//! **Theory** (the linearisation at the saddle). Write `eps_u` for the length of the start's projection on
//! the unstable eigenspace. Gradient descent with step `eta` multiplies that component by `1 + eta
//! |lambda_min|` per iteration, so it reaches `R` after `log(R / eps_u) / log(1 + eta |lambda_min|)`
//! iterations, about `log(R / eps_u) / (eta |lambda_min|)`: `k` scales as `|lambda_min|^-1` and linearly in
//! `log(1 / eps)`. The saddle-free Newton step `-|H|^{-1} g` multiplies it by `1 + |lambda| / |lambda| = 2`,
//! whatever the curvature: `log2(R / eps_u)` iterations. Pure Newton's unit step `-H^{-1} g` sends the
//! unstable component to `2 x^3 / (3 x^2 - c)`: it converges to the saddle, cubically, and never escapes.
//! The neglected quartic term `x^4 / 4` slows gradient descent's growth by the factor `1 - eta x^2 / (1 +
//! eta c)`, which over the whole escape costs about `rho^2 / (2 eta c)` iterations (0.05 for `rho = 0.01`,
//! `eta c = 1e-3`), so the measured escape iteration is the ceiling of the linear prediction or one more.
//!
//! **Measurement.** The trace of a run is sampled on a log-spaced ladder (steps of about 12%), too coarse
//! for the escape iteration to the unit. Runs are deterministic functions of their spec, so each run is
//! *replayed* from its record (problem family and parameters, optimizer and hyperparameters, seed) through
//! the same counting oracle and the same measurements as the runner, watching `||x_k - x_s||` at every
//! iteration; the replay is checked against the recorded trace value at every recorded iteration it
//! passes (a record from a different optimzoo version that no longer replays is reported, never guessed).
//! Nothing new is stored, and the runner and its records stay as they are.
//!
//! **Fits.** Per optimizer configuration, over its escaped runs: least squares of `log k` on `log
//! |lambda_min|` and `log log(R / eps_u)`, `k ~ |lambda_min|^a log(R / eps_u)^b` (theory for gradient descent:
//! `a` near -1, `b = 1`); when the start offsets do not vary independently of the curvature, `b` is fixed
//! at 1 and `a` alone is fitted. Per curvature, least squares of `k` on `log(R / eps_u)` (theory for
//! gradient descent: slope `1 / log(1 + eta |lambda_min|)`).

use std::collections::BTreeMap;

use faer::{Mat, Side};

use super::sweep::{Sweep, value_text};
use crate::oracle::Oracle;
use crate::problems::Instance;
use crate::registry::{Registry, json_table};
use crate::store::RunRecord;
use crate::vector::distance;

/// `rho`: the escape radius as a fraction of `sqrt(|lambda_min|)`.
pub const RADIUS_FRACTION: f64 = 0.01;

/// How a run left (or did not leave) the saddle.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// First iteration with `||x_k - x_s|| >= R`.
    Escaped(u64),
    /// Never at distance `R` within the run's iterations.
    Stayed {
        /// The run's iterations.
        iterations: u64,
        /// `||x - x_s||` at the end.
        final_distance: f64,
    },
    /// The run could not be replayed faithfully: why.
    Unverified(String),
}

/// The linear theory of a method's escape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theory {
    /// The unstable component's growth factor per iteration.
    pub growth: f64,
    /// The real-valued escape time `log(R / eps_u) / log(growth)`.
    pub iterations: f64,
    /// The formula, for captions.
    pub source: &'static str,
}

impl Theory {
    /// The first iteration the linear theory puts at distance `R`: `ceil(iterations)`.
    pub fn first_iteration(&self) -> u64 {
        self.iterations.max(0.0).ceil() as u64
    }
}

/// One run's escape.
#[derive(Debug, Clone, PartialEq)]
pub struct EscapeRun {
    /// Index of the record in the sweep.
    pub record: usize,
    /// Its problem instance.
    pub instance: usize,
    /// Its optimizer configuration.
    pub optimizer: usize,
    /// Its seed.
    pub seed: u64,
    /// `|lambda_min|` of the Hessian at the saddle.
    pub lambda: f64,
    /// `eps_u`: the length of the start's projection on the saddle's unstable eigenspace.
    pub offset: f64,
    /// The escape radius `R`.
    pub radius: f64,
    /// What happened.
    pub outcome: Outcome,
    /// The linear theory, for methods that have one.
    pub theory: Option<Theory>,
}

impl EscapeRun {
    /// The escape iteration, if the run escaped.
    pub fn escaped(&self) -> Option<u64> {
        match self.outcome {
            Outcome::Escaped(k) => Some(k),
            _ => None,
        }
    }

    /// `log(R / eps_u)`.
    pub fn log_ratio(&self) -> f64 {
        (self.radius / self.offset).ln()
    }
}

/// A stored parameter object as a TOML table (JSON nulls, which TOML cannot hold, are left out).
/// The documented strict saddle nearest `x0`, `|lambda_min|` there, and the unstable eigenspace projection
/// length of `x0 - x_s`; an error where the problem documents none or `x0` starts beyond its escape
/// radius.
fn saddle(
    problem: &dyn crate::problem::Problem,
    x0: &[f64],
) -> Result<(Vec<f64>, f64, f64), String> {
    let n = x0.len();
    let so = problem.second_order().ok_or("the problem has no Hessian")?;
    let origin = problem
        .critical_points()
        .into_iter()
        .filter(|c| c.index >= 1 && c.nullity == 0 && c.point.len() == n)
        .map(|c| c.point)
        .min_by(|a, b| distance(a, x0).total_cmp(&distance(b, x0)))
        .ok_or("no documented strict saddle")?;
    let mut h = Mat::zeros(n, n);
    so.hessian(&origin, &mut h);
    let e = h
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| format!("eigendecomposition failed: {e:?}"))?;
    let (s, u) = (e.S(), e.U());
    if s[0] >= 0.0 {
        return Err("the origin is not a saddle (index 0)".into());
    }
    let d: Vec<f64> = x0.iter().zip(&origin).map(|(a, b)| a - b).collect();
    let unstable: f64 = (0..n)
        .filter(|&j| s[j] < 0.0)
        .map(|j| {
            let c: f64 = (0..n).map(|i| u[(i, j)] * d[i]).sum();
            c * c
        })
        .sum();
    if distance(x0, &origin) >= RADIUS_FRACTION * (-s[0]).sqrt() {
        return Err("the start lies beyond the escape radius".into());
    }
    Ok((origin, -s[0], unstable.sqrt()))
}

/// One replayed run: its saddle's geometry and its escape.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    /// `|lambda_min|` at the saddle.
    pub lambda: f64,
    /// `eps_u`, the start's distance from the saddle along the unstable eigenspace.
    pub offset: f64,
    /// The escape radius `R`.
    pub radius: f64,
    /// What happened.
    pub outcome: Outcome,
}

/// Replays `record` (names resolved in `registry`) and measures its escape; `Ok(None)` for runs that do not
/// start within the escape radius of a documented strict saddle.
pub fn measure(registry: &Registry, record: &RunRecord) -> Result<Option<Measured>, String> {
    let spec = &record.spec;
    let fam = registry
        .family(&spec.problem.family)
        .ok_or_else(|| registry.unknown_family(&spec.problem.family))?;
    let inst =
        Instance::parse(fam, &json_table(&spec.problem.params)?).map_err(|e| e.to_string())?;
    if !inst.capabilities().hessian {
        return Ok(None);
    }
    let (problem, x0) = inst.build(spec.seed)?;
    let Ok((x_s, lambda, offset)) = saddle(problem.as_ref(), &x0) else {
        return Ok(None);
    };
    let radius = RADIUS_FRACTION * lambda.sqrt();
    let done = |outcome: Outcome| {
        Ok(Some(Measured {
            lambda,
            offset,
            radius,
            outcome,
        }))
    };
    let checked = registry.resolve_optimizer(&spec.optimizer.name, &spec.optimizer.params)?;
    let recorded: BTreeMap<u64, f64> = record.trace.iter().map(|t| (t.iter, t.value)).collect();
    // The measured value must equal the recorded one; JSON's decimal round trip may move it by an ulp.
    let check = |k: u64, v: f64| -> Result<(), Outcome> {
        match recorded.get(&k) {
            Some(&r) if (r - v).abs() > 4.0 * f64::EPSILON * r.abs().max(v.abs()) => {
                Err(Outcome::Unverified(format!(
                    "the replay gives f = {v:e} at iteration {k}, the record {r:e}"
                )))
            }
            _ => Ok(()),
        }
    };
    let mut x = x0;
    let mut oracle = Oracle::new(problem.as_ref());
    let (f0, _) = oracle.measure(&x);
    if let Err(o) = check(0, f0) {
        return done(o);
    }
    if distance(&x, &x_s) >= radius {
        return done(Outcome::Escaped(0));
    }
    let iterations = record.outcome.iterations;
    let Ok(mut stepper) = checked.optimizer.start(&x, &mut oracle) else {
        return done(Outcome::Stayed {
            iterations: 0,
            final_distance: distance(&x, &x_s),
        });
    };
    for k in 1..=iterations {
        if stepper.step(&mut x, &mut oracle).is_err() {
            break;
        }
        let (f, _) = oracle.measure(&x);
        if let Err(o) = check(k, f) {
            return done(o);
        }
        if distance(&x, &x_s) >= radius {
            return done(Outcome::Escaped(k));
        }
    }
    done(Outcome::Stayed {
        iterations,
        final_distance: distance(&x, &x_s),
    })
}

/// A least-squares fit `log k = c + a log |lambda_min| + b log log(R / eps_u)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentFit {
    /// `a`: the exponent of `|lambda_min|`.
    pub lambda_exponent: f64,
    /// `b`: the exponent of `log(R / eps_u)`, or `None` when it was fixed at 1 (the offsets did not vary
    /// independently of the curvature).
    pub log_exponent: Option<f64>,
    /// `c`.
    pub intercept: f64,
    /// Runs fitted.
    pub points: usize,
}

/// Fits `k ~ |lambda|^a log(R/eps_u)^b` to `(lambda, log_ratio, k)` points (`k >= 1`, `log_ratio > 0`).
pub fn fit_exponents(points: &[(f64, f64, f64)]) -> Option<ExponentFit> {
    let pts: Vec<(f64, f64, f64)> = points
        .iter()
        .filter(|(l, r, k)| *l > 0.0 && *r > 0.0 && *k >= 1.0)
        .map(|(l, r, k)| (l.ln(), r.ln(), k.ln()))
        .collect();
    let m = pts.len() as f64;
    if pts.len() < 2 {
        return None;
    }
    let mean = |f: &dyn Fn(&(f64, f64, f64)) -> f64| pts.iter().map(f).sum::<f64>() / m;
    let (mu, mw, my) = (mean(&|p| p.0), mean(&|p| p.1), mean(&|p| p.2));
    let s = |f: &dyn Fn(&(f64, f64, f64)) -> f64| pts.iter().map(f).sum::<f64>();
    let suu = s(&|p| (p.0 - mu).powi(2));
    let sww = s(&|p| (p.1 - mw).powi(2));
    let suw = s(&|p| (p.0 - mu) * (p.1 - mw));
    let suy = s(&|p| (p.0 - mu) * (p.2 - my));
    let swy = s(&|p| (p.1 - mw) * (p.2 - my));
    if suu <= 0.0 {
        return None;
    }
    let det = suu * sww - suw * suw;
    // Two free exponents need offsets that vary apart from the curvature: 1 - corr^2 above 1e-3.
    if pts.len() >= 3 && sww > 0.0 && det > 1e-3 * suu * sww {
        let a = (sww * suy - suw * swy) / det;
        let b = (suu * swy - suw * suy) / det;
        return Some(ExponentFit {
            lambda_exponent: a,
            log_exponent: Some(b),
            intercept: my - a * mu - b * mw,
            points: pts.len(),
        });
    }
    // b = 1: fit log k - log log(R/eps_u) on log |lambda|.
    let a = (suy - suw) / suu;
    Some(ExponentFit {
        lambda_exponent: a,
        log_exponent: None,
        intercept: (my - mw) - a * mu,
        points: pts.len(),
    })
}

/// A straight-line fit `k = intercept + slope log(R / eps_u)` at one curvature.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogFit {
    /// `|lambda_min|`.
    pub lambda: f64,
    /// Iterations per unit of `log(R / eps_u)`.
    pub slope: f64,
    /// Iterations at `R = eps_u`.
    pub intercept: f64,
    /// Runs fitted.
    pub points: usize,
}

/// For each curvature with at least two distinct offsets, the least-squares line of `k` on
/// `log(R / eps_u)`, from `(lambda, log_ratio, k)` points.
pub fn fit_log_offsets(points: &[(f64, f64, f64)]) -> Vec<LogFit> {
    let mut by: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
    for &(l, r, k) in points {
        by.entry(l.to_bits()).or_default().push((r, k));
    }
    by.into_iter()
        .filter_map(|(bits, pts)| {
            let m = pts.len() as f64;
            let (mr, mk) = (
                pts.iter().map(|p| p.0).sum::<f64>() / m,
                pts.iter().map(|p| p.1).sum::<f64>() / m,
            );
            let srr: f64 = pts.iter().map(|p| (p.0 - mr).powi(2)).sum();
            let srk: f64 = pts.iter().map(|p| (p.0 - mr) * (p.1 - mk)).sum();
            (srr > 0.0).then(|| LogFit {
                lambda: f64::from_bits(bits),
                slope: srk / srr,
                intercept: mk - srk / srr * mr,
                points: pts.len(),
            })
        })
        .collect()
}

/// The escape analysis of one optimizer configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The optimizer configuration.
    pub optimizer: usize,
    /// Its fit over every escaped run.
    pub fit: Option<ExponentFit>,
    /// Its per-curvature fits against `log(R / eps_u)`.
    pub offsets: Vec<LogFit>,
    /// Runs that escaped, stayed, and could not be replayed.
    pub escaped: usize,
    /// Runs that never reached `R`.
    pub stayed: usize,
    /// Runs that could not be replayed.
    pub unverified: usize,
}

/// Instances that differ only in their curvature: one figure each.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The shared parameters, as `key=value` pairs.
    pub label: String,
    /// The parameters that differ between the groups (empty for a single group).
    pub short: String,
    /// The instances, by curvature.
    pub instances: Vec<usize>,
}

/// The escape analysis of a sweep's runs that start next to a strict saddle.
#[derive(Debug, Clone, PartialEq)]
pub struct Escapes {
    /// Every run that starts next to a strict saddle, in record order.
    pub runs: Vec<EscapeRun>,
    /// Per optimizer configuration that has such runs.
    pub series: Vec<Series>,
    /// Instance groups.
    pub groups: Vec<Group>,
    /// Runs whose analysis failed outright (the instance or optimizer could not be rebuilt): record and why.
    pub errors: Vec<(usize, String)>,
}

/// `(|lambda|, log(R/eps_u), k)` of the escaped runs with `k >= 1`.
pub fn points<'a>(runs: impl Iterator<Item = &'a EscapeRun>) -> Vec<(f64, f64, f64)> {
    runs.filter_map(|r| {
        r.escaped()
            .filter(|k| *k >= 1)
            .map(|k| (r.lambda, r.log_ratio(), k as f64))
    })
    .collect()
}

/// Measures and fits every run of `sweep` that starts next to a strict saddle (replaying them in
/// parallel).
pub fn escapes(sweep: &Sweep) -> Escapes {
    use rayon::prelude::*;
    let measured: Vec<(usize, Result<Option<Measured>, String>)> = sweep
        .records
        .par_iter()
        .enumerate()
        .filter(|(_, r)| r.outcome.dim > 0)
        .map(|(i, r)| (i, measure(&sweep.registry, r)))
        .collect();
    let mut runs = Vec::new();
    let mut errors = Vec::new();
    for (i, m) in measured {
        match m {
            Err(e) => errors.push((i, e)),
            Ok(None) => {}
            Ok(Some(Measured {
                lambda,
                offset,
                radius,
                outcome,
            })) => {
                let (inst, opt) = sweep.cells[i];
                let spec = &sweep.records[i].spec;
                let theory = sweep.optimizers[opt].escape.map(|t| {
                    let growth = t.factor(lambda);
                    Theory {
                        growth,
                        iterations: (radius / offset).ln() / growth.ln(),
                        source: t.source,
                    }
                });
                runs.push(EscapeRun {
                    record: i,
                    instance: inst,
                    optimizer: opt,
                    seed: spec.seed,
                    lambda,
                    offset,
                    radius,
                    outcome,
                    theory,
                });
            }
        }
    }
    let mut series = Vec::new();
    for o in 0..sweep.optimizers.len() {
        let mine: Vec<&EscapeRun> = runs.iter().filter(|r| r.optimizer == o).collect();
        if mine.is_empty() {
            continue;
        }
        let pts = points(mine.iter().copied());
        series.push(Series {
            optimizer: o,
            fit: fit_exponents(&pts),
            offsets: fit_log_offsets(&pts),
            escaped: mine.iter().filter(|r| r.escaped().is_some()).count(),
            stayed: mine
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Stayed { .. }))
                .count(),
            unverified: mine
                .iter()
                .filter(|r| matches!(r.outcome, Outcome::Unverified(_)))
                .count(),
        });
    }
    // Group by every parameter but the curvature, in order of first appearance.
    let mut keys: Vec<BTreeMap<String, String>> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for r in &runs {
        let params: BTreeMap<String, String> = match &sweep.instances[r.instance].spec.params {
            serde_json::Value::Object(m) => m
                .iter()
                .filter(|(k, _)| k.as_str() != "curvature")
                .map(|(k, v)| (k.clone(), value_text(v)))
                .collect(),
            _ => BTreeMap::new(),
        };
        let g = match keys.iter().position(|k| *k == params) {
            Some(g) => g,
            None => {
                keys.push(params);
                members.push(Vec::new());
                keys.len() - 1
            }
        };
        if !members[g].contains(&r.instance) {
            members[g].push(r.instance);
        }
    }
    let varying: Vec<&String> = keys
        .first()
        .map(|first| {
            first
                .keys()
                .filter(|k| keys.iter().any(|m| m.get(*k) != first.get(*k)))
                .collect()
        })
        .unwrap_or_default();
    let lambda_of = |i: usize| {
        runs.iter()
            .find(|r| r.instance == i)
            .map(|r| r.lambda)
            .unwrap_or(f64::NAN)
    };
    let pairs = |m: &BTreeMap<String, String>, only: Option<&[&String]>| {
        m.iter()
            .filter(|(k, _)| only.is_none_or(|o| o.contains(k)))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let groups = keys
        .iter()
        .zip(members)
        .map(|(m, mut instances)| {
            instances.sort_by(|a, b| lambda_of(*a).total_cmp(&lambda_of(*b)));
            Group {
                label: pairs(m, None),
                short: pairs(m, Some(&varying)),
                instances,
            }
        })
        .collect();
    Escapes {
        runs,
        series,
        groups,
        errors,
    }
}

/// The least-squares exponents the linear theory itself gives on the same `(lambda, log_ratio)` points,
/// for a method with growth factor `growth(lambda)`: the reference the measured fit is compared with.
pub fn theory_exponents(
    points: &[(f64, f64, f64)],
    growth: impl Fn(f64) -> f64,
) -> Option<ExponentFit> {
    let ideal: Vec<(f64, f64, f64)> = points
        .iter()
        .map(|&(l, r, _)| (l, r, r / growth(l).ln()))
        .collect();
    fit_exponents(&ideal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponent_fit_recovers_a_known_power_law() {
        // k = 7 |lambda|^-1 log(R/eps)^1, exactly, on a grid where both vary.
        let mut pts = Vec::new();
        for l in [0.01, 0.1, 1.0] {
            for r in [5.0, 10.0, 20.0] {
                pts.push((l, r, 7.0 * r / l));
            }
        }
        let f = fit_exponents(&pts).expect("fits");
        // Logs of exact products: the normal equations are solved to a few ulps of their O(10) entries.
        let tol = 1e3 * f64::EPSILON;
        assert!(
            (f.lambda_exponent + 1.0).abs() <= tol,
            "{:e}",
            f.lambda_exponent
        );
        assert!((f.log_exponent.expect("both vary") - 1.0).abs() <= tol);
        assert!((f.intercept - 7f64.ln()).abs() <= tol, "{:e}", f.intercept);
        // One offset only: b is fixed at 1 and a still comes out.
        let one: Vec<_> = pts.iter().copied().filter(|p| p.1 == 10.0).collect();
        let f = fit_exponents(&one).expect("fits");
        assert_eq!(f.log_exponent, None);
        assert!(
            (f.lambda_exponent + 1.0).abs() <= tol,
            "{:e}",
            f.lambda_exponent
        );
        // Lines in log(R/eps) per curvature: slope 7 / lambda, intercept 0.
        for lf in fit_log_offsets(&pts) {
            assert!(
                (lf.slope - 7.0 / lf.lambda).abs() <= tol * 7.0 / lf.lambda,
                "{lf:?}"
            );
            assert!(lf.intercept.abs() <= tol * 7.0 / lf.lambda * 20.0, "{lf:?}");
        }
    }

    fn one_run(optimizer: &str) -> RunRecord {
        let text = format!(
            "[[problem]]\nfamily = \"double-well\"\ncurvature = 0.1\nstart_offset = 1e-6\n\
             [stop]\nf_tol = 1e-12\nmax_iters = 5000\n[[optimizer]]\n{optimizer}\n"
        );
        let src = crate::config::SourceText {
            name: "t.toml".into(),
            text,
            dir: None,
        };
        let plan = crate::plan::plan(&src, "t").expect("valid");
        crate::runner::execute(&plan.runs[0])
    }

    #[test]
    fn replay_finds_the_escape_and_refuses_a_record_it_does_not_reproduce() {
        let record = one_run("name = \"gd\"\nstep = 0.1");
        let m = measure(&Registry::builtin(), &record)
            .expect("replays")
            .expect("a double well");
        // R = 0.01 sqrt(0.1), eps_u = 1e-6 (index 1): log(R/eps)/log(1.01) = 809.9 -> 810 (or one more).
        let t = (RADIUS_FRACTION * 0.1f64.sqrt() / 1e-6).ln() / 1.01f64.ln();
        assert_eq!(m.lambda, 0.1);
        assert_eq!(m.offset, 1e-6);
        let k = match m.outcome {
            Outcome::Escaped(k) => k,
            other => panic!("{other:?}"),
        };
        assert!(
            k == t.ceil() as u64 || k == t.ceil() as u64 + 1,
            "{k} vs {t:e}"
        );
        // A trace value the replay does not reproduce (here: an earlier point moved by 1%) is reported.
        let mut tampered = record.clone();
        let p = tampered
            .trace
            .iter_mut()
            .find(|p| p.iter > 100)
            .expect("a recorded point before the escape");
        p.value *= 1.01;
        let m = measure(&Registry::builtin(), &tampered)
            .expect("replays")
            .expect("a double well");
        assert!(
            matches!(m.outcome, Outcome::Unverified(_)),
            "{:?}",
            m.outcome
        );
        // Problems without a documented strict saddle near the start are not analysed.
        let mut other = record;
        other.spec.problem.family = "quadratic".into();
        other.spec.problem.params = serde_json::json!({"dim": 2, "kappa": 10});
        assert_eq!(measure(&Registry::builtin(), &other), Ok(None));
    }

    #[test]
    fn theory_of_gd_and_saddle_free_newton() {
        let r = Registry::builtin();
        let growth = |name: &str, params: serde_json::Value, lambda: f64| {
            let c = r.resolve_optimizer(name, &params).expect("valid");
            c.optimizer.escape().map(|t| t.factor(lambda))
        };
        assert_eq!(
            growth("gd", serde_json::json!({"step": 0.1}), 0.5),
            Some(1.05)
        );
        assert_eq!(
            growth("gd", serde_json::json!({"step": "armijo"}), 0.5),
            None
        );
        let sfn = serde_json::json!({"mode": "saddle-free"});
        assert_eq!(growth("newton", sfn, 0.5), Some(2.0));
        assert_eq!(
            growth("newton", serde_json::json!({"mode": "pure"}), 0.5),
            None
        );
        let t = Theory {
            growth: 2.0,
            iterations: 3.0000001,
            source: "",
        };
        assert_eq!(t.first_iteration(), 4);
    }
}
