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
//! for the escape iteration to the unit, so the run loop watches `||x_k - x_s||` at every iteration
//! ([`crate::observers::escape`]) and the record keeps the escape iteration, `|lambda_min|`, `eps_u` and
//! `R` ([`crate::record::EscapeFact`]). This module reads them from the records alone: it builds no
//! problem and replays no run. Records of format 1 carry no such measurement and are not analysed.
//!
//! **Fits.** Per optimizer configuration, over its escaped runs: least squares of `log k` on `log
//! |lambda_min|` and `log log(R / eps_u)`, `k ~ |lambda_min|^a log(R / eps_u)^b` (theory for gradient descent:
//! `a` near -1, `b = 1`); when the start offsets do not vary independently of the curvature, `b` is fixed
//! at 1 and `a` alone is fitted. Per curvature, least squares of `k` on `log(R / eps_u)` (theory for
//! gradient descent: slope `1 / log(1 + eta |lambda_min|)`).

use std::collections::BTreeMap;

use super::sweep::{Sweep, value_text};
use crate::record::EscapeFact;

pub use crate::record::facts::RADIUS_FRACTION;

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
}

/// The linear theory of a method's escape.
#[derive(Debug, Clone, PartialEq)]
pub struct Theory {
    /// The unstable component's growth factor per iteration.
    pub growth: f64,
    /// The real-valued escape time `log(R / eps_u) / log(growth)`.
    pub iterations: f64,
    /// The formula, for captions.
    pub source: String,
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

impl Outcome {
    /// The outcome a record's escape measurement states.
    pub fn of(fact: &EscapeFact, iterations: u64) -> Outcome {
        match fact.escaped_at {
            Some(k) => Outcome::Escaped(k),
            None => Outcome::Stayed {
                iterations,
                final_distance: fact.final_distance,
            },
        }
    }
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
    /// Runs that escaped.
    pub escaped: usize,
    /// Runs that never reached `R`.
    pub stayed: usize,
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

/// Fits every run of `sweep` whose record measured an escape (it started next to a strict saddle).
pub fn escapes(sweep: &Sweep) -> Escapes {
    let mut runs = Vec::new();
    for (i, r) in sweep.records.iter().enumerate() {
        let Some(fact) = &r.facts.escape else {
            continue;
        };
        let (instance, optimizer) = sweep.cells[i];
        let EscapeFact {
            lambda,
            offset,
            radius,
            ..
        } = *fact;
        let theory = sweep.optimizers[optimizer].escape.as_ref().map(|t| {
            let growth = t.factor(lambda);
            Theory {
                growth,
                iterations: (radius / offset).ln() / growth.ln(),
                source: t.source.clone(),
            }
        });
        runs.push(EscapeRun {
            record: i,
            instance,
            optimizer,
            seed: r.spec.seed,
            lambda,
            offset,
            radius,
            outcome: Outcome::of(fact, r.outcome.iterations),
            theory,
        });
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

    fn one_run(optimizer: &str) -> crate::store::RunRecord {
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
    fn the_run_measures_the_escape_and_the_analysis_reads_it() {
        let record = one_run("name = \"gd\"\nstep = 0.1");
        let fact = record
            .facts
            .escape
            .clone()
            .expect("a double well next to its saddle");
        // R = 0.01 sqrt(0.1), eps_u = 1e-6 (index 1): log(R/eps)/log(1.01) = 809.9 -> 810 (or one more).
        let t = (RADIUS_FRACTION * 0.1f64.sqrt() / 1e-6).ln() / 1.01f64.ln();
        assert_eq!(fact.lambda, 0.1);
        assert_eq!(fact.offset, 1e-6);
        let k = fact.escaped_at.expect("gd escapes");
        assert!(
            k == t.ceil() as u64 || k == t.ceil() as u64 + 1,
            "{k} vs {t:e}"
        );
        let sweep = Sweep::new(vec![record.clone()], None);
        let e = escapes(&sweep);
        assert_eq!(e.runs.len(), 1);
        assert_eq!(e.runs[0].escaped(), Some(k));
        let theory = e.runs[0]
            .theory
            .as_ref()
            .expect("gd with a fixed step states its theory");
        assert!(
            (theory.iterations - t).abs() <= 1e-9 * t,
            "{theory:?} vs {t:e}"
        );
        // Problems without a documented strict saddle near the start measure no escape.
        let quadratic = crate::runner::execute(
            &crate::plan::plan(
                &crate::config::SourceText {
                    name: "q.toml".into(),
                    text: "[[problem]]\nfamily = \"quadratic\"\ndim = 2\nkappa = 10\n[[optimizer]]\nname = \"gd\"\n".into(),
                    dir: None,
                },
                "q",
            )
            .expect("valid")
            .runs[0],
        );
        assert_eq!(quadratic.facts.escape, None);
    }

    #[test]
    fn theory_of_gd_and_saddle_free_newton() {
        let r = crate::registry::Registry::builtin();
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
            source: String::new(),
        };
        assert_eq!(t.first_iteration(), 4);
    }
}
