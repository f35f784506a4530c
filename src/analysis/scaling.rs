//! Iterations versus condition number: least-squares slopes on log-log axes, beside what theory predicts.
//!
//! For a method whose error contracts by a factor `1 - c kappa^(-s)` per iteration, reaching a fixed relative
//! tolerance takes `k ~ kappa^s log(1/tol) / c` iterations, so `log k = s log kappa + const`:
//! - gradient descent with step `1/L` or `2/(L + mu)`: `s = 1` (Nesterov 2004, Theorem 2.1.15);
//! - accelerated methods (Nesterov 1983; Polyak's heavy ball, 1964) and conjugate gradients on quadratics
//!   (Hestenes and Stiefel 1952; the bound `2 ((sqrt(kappa) - 1)/(sqrt(kappa) + 1))^k`): `s = 1/2`;
//! - Newton's method: a quadratic is solved in one step whatever `kappa` is: `s = 0`.
//!
//! A *kappa study* gathers the instances of one family that differ only in their `kappa` parameter (any
//! family with a numeric `kappa`, the `quadratic` family first of all) and, for every optimizer
//! configuration, the median iterations per `kappa` and the fitted slope over converged runs with
//! `kappa > 1` (at `kappa = 1` several methods finish in one step, which says nothing about the growth).

use std::collections::BTreeMap;

use super::axis::{axis_groups, main_failure};
use super::sweep::Sweep;
use crate::record::facts::SlopeFact;
use crate::stop::Status;
use crate::summary::median;

/// A least-squares line `log y = slope log x + intercept` (natural logarithms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The exponent.
    pub slope: f64,
    /// The intercept, in natural-log units.
    pub intercept: f64,
    /// How many points were fitted.
    pub points: usize,
}

impl Fit {
    /// The fitted `y` at `x`.
    pub fn at(&self, x: f64) -> f64 {
        (self.intercept + self.slope * x.ln()).exp()
    }
}

/// Fits `log y = s log x + b` by ordinary least squares over the points with `x > 0` and `y > 0`; `None`
/// when fewer than two distinct `x` remain.
///
/// `s = sum (u - u_bar)(v - v_bar) / sum (u - u_bar)^2` with `u = ln x`, `v = ln y`.
pub fn fit_loglog(points: &[(f64, f64)]) -> Option<Fit> {
    let uv: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0 && x.is_finite() && y.is_finite())
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let n = uv.len();
    if n < 2 {
        return None;
    }
    let ubar = uv.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let vbar = uv.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let suu: f64 = uv.iter().map(|p| (p.0 - ubar).powi(2)).sum();
    let suv: f64 = uv.iter().map(|p| (p.0 - ubar) * (p.1 - vbar)).sum();
    // Distinct abscissae: the spread of ln x must exceed rounding in the sum of squares.
    if suu <= f64::EPSILON * n as f64 * uv.iter().map(|p| p.0 * p.0).sum::<f64>() {
        return None;
    }
    let slope = suv / suu;
    Some(Fit {
        slope,
        intercept: vbar - slope * ubar,
        points: n,
    })
}

/// The runs of one optimizer configuration at one `kappa`.
#[derive(Debug, Clone, PartialEq)]
pub struct KappaCell {
    /// The condition number.
    pub kappa: f64,
    /// How many runs of each status.
    pub statuses: BTreeMap<Status, usize>,
    /// Iterations of the converged runs, ascending.
    pub converged_iters: Vec<f64>,
    /// Iterations used by the runs that started but did not converge (a lower bound on what they need).
    pub unconverged_iters: Vec<f64>,
}

impl KappaCell {
    /// The number of runs.
    pub fn runs(&self) -> usize {
        self.statuses.values().sum()
    }

    /// The median iterations of the converged runs.
    pub fn median_iters(&self) -> Option<f64> {
        median(&mut self.converged_iters.clone())
    }

    /// The status most runs that did not converge ended with (ties: report order), if any.
    pub fn main_failure(&self) -> Option<Status> {
        main_failure(&self.statuses)
    }
}

/// One optimizer configuration across the `kappa` values of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct KappaSeries {
    /// Index into [`Sweep::optimizers`].
    pub optimizer: usize,
    /// One cell per `kappa` of the study, ascending.
    pub cells: Vec<KappaCell>,
    /// The least-squares slope over converged runs with `kappa > 1`.
    pub fit: Option<Fit>,
    /// The theory slope, where known.
    pub theory: Option<SlopeFact>,
}

/// The instances of one family that differ only in `kappa`, with every optimizer configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct KappaStudy {
    /// The family.
    pub family: String,
    /// The other parameters, as `key=value` (what the instances share).
    pub shared: String,
    /// A label that tells studies of the same sweep apart.
    pub label: String,
    /// The `kappa` values, ascending.
    pub kappas: Vec<f64>,
    /// One series per optimizer configuration that ran on these instances.
    pub series: Vec<KappaSeries>,
}

/// Every kappa study of a sweep: groups of at least two instances that differ only in a numeric `kappa`.
pub fn kappa_studies(sweep: &Sweep) -> Vec<KappaStudy> {
    axis_groups(sweep, "kappa")
        .into_iter()
        .map(|group| {
            let members = &group.members;
            let kappas: Vec<f64> = members.iter().map(|m| m.1).collect();
            let series = (0..sweep.optimizers.len())
                .filter_map(|o| {
                    let cells: Vec<KappaCell> = members
                        .iter()
                        .map(|&(i, kappa)| {
                            let runs = sweep.runs(i, o);
                            let mut statuses = BTreeMap::new();
                            for r in &runs {
                                *statuses.entry(r.outcome.status).or_insert(0) += 1;
                            }
                            let mut converged_iters: Vec<f64> = runs
                                .iter()
                                .filter(|r| r.outcome.status == Status::Converged)
                                .map(|r| r.outcome.iterations as f64)
                                .collect();
                            converged_iters.sort_by(f64::total_cmp);
                            let unconverged_iters: Vec<f64> = runs
                                .iter()
                                .filter(|r| {
                                    !matches!(
                                        r.outcome.status,
                                        Status::Converged | Status::NotApplicable
                                    ) && r.outcome.iterations > 0
                                })
                                .map(|r| r.outcome.iterations as f64)
                                .collect();
                            KappaCell {
                                kappa,
                                statuses,
                                converged_iters,
                                unconverged_iters,
                            }
                        })
                        .collect();
                    if cells.iter().all(|c| c.runs() == 0) {
                        return None;
                    }
                    let points: Vec<(f64, f64)> = cells
                        .iter()
                        .filter(|c| c.kappa > 1.0)
                        .flat_map(|c| c.converged_iters.iter().map(move |k| (c.kappa, *k)))
                        .collect();
                    Some(KappaSeries {
                        optimizer: o,
                        cells,
                        fit: fit_loglog(&points),
                        theory: sweep.optimizers[o].kappa_slope.clone(),
                    })
                })
                .collect();
            KappaStudy {
                family: group.family,
                shared: group.shared,
                label: group.label,
                kappas,
                series,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Relative tolerance of a least-squares slope on exact data: a few roundings per point, through sums
    /// of `n` terms whose size is `ln(x_max)^2`.
    fn tol(n: usize, x_max: f64) -> f64 {
        16.0 * f64::EPSILON * n as f64 * x_max.ln().powi(2).max(1.0)
    }

    #[test]
    fn fit_recovers_known_slopes_on_exact_power_laws() {
        let kappas: [f64; 6] = [10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
        for s in [1.0, 0.5, 0.0, 2.0 / 3.0] {
            let c = 37.0;
            let pts: Vec<(f64, f64)> = kappas.iter().map(|&k| (k, c * k.powf(s))).collect();
            let fit = fit_loglog(&pts).expect("six distinct abscissae");
            let t = tol(pts.len(), 1e6);
            assert!(
                (fit.slope - s).abs() <= t,
                "slope {:e} vs {s:e} (tol {t:e})",
                fit.slope
            );
            assert!(
                (fit.at(1.0) - c).abs() <= c * t,
                "intercept exp {:e} vs {c:e}",
                fit.at(1.0)
            );
            assert_eq!(fit.points, 6);
        }
    }

    #[test]
    fn fit_of_symmetric_noise_keeps_the_slope() {
        // Log noise +e, -e, +e, -e on a line of slope 1 at ln x = 0, 1, 2, 3 moves the slope by
        // sum (u - u_bar) noise / sum (u - u_bar)^2, computed here by hand.
        let e = 0.1_f64;
        let pts: Vec<(f64, f64)> = (0..4)
            .map(|i| {
                let x = (i as f64).exp();
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                (x, x * (sign * e).exp())
            })
            .collect();
        // u_bar = 1.5; sum (u - u_bar)^2 = 5; sum (u - u_bar) * noise = e(-1.5 - (-0.5) + 0.5 - 1.5) = -2e.
        let expected = 1.0 - 2.0 * e / 5.0;
        let fit = fit_loglog(&pts).expect("four points");
        assert!(
            (fit.slope - expected).abs() <= tol(4, 3f64.exp()),
            "slope {:e} vs {expected:e}",
            fit.slope
        );
    }

    #[test]
    fn fit_needs_two_distinct_abscissae() {
        assert_eq!(fit_loglog(&[]), None);
        assert_eq!(fit_loglog(&[(10.0, 5.0), (10.0, 7.0)]), None);
        assert_eq!(fit_loglog(&[(10.0, 5.0), (-1.0, 7.0), (10.0, 0.0)]), None);
    }

    #[test]
    fn optimizers_state_their_theory_slope() {
        let registry = crate::registry::Registry::builtin();
        let theory_slope = |name: &str, params: &Value| {
            registry
                .resolve_optimizer(name, params)
                .ok()
                .and_then(|c| c.optimizer.kappa_slope())
        };
        let none = Value::Null;
        assert_eq!(theory_slope("gd", &none).map(|t| t.slope), Some(1.0));
        assert_eq!(theory_slope("newton", &none).map(|t| t.slope), Some(0.0));
        assert_eq!(theory_slope("momentum", &none).map(|t| t.slope), Some(0.5));
        let schedule = serde_json::json!({ "variant": "nesterov", "beta": "schedule" });
        assert_eq!(
            theory_slope("momentum", &schedule),
            None,
            "the convex schedule does not use mu"
        );
        assert_eq!(theory_slope("cg", &none).map(|t| t.slope), Some(0.5));
        assert_eq!(theory_slope("adam", &none), None);
        let fixed = serde_json::json!({ "step": 0.1, "beta": 0.5 });
        assert_eq!(
            theory_slope("momentum", &fixed).map(|t| t.slope),
            Some(1.0),
            "fixed parameters do not use mu"
        );
    }
}
