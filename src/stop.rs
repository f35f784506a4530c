//! The stop rule and the outcome of a run.
//!
//! The rule's tests live here ([`StopRule::verdict`], with the `f_tol_hold` window counted by
//! [`Measure::hold_from`]), and only the run loop ([`crate::run_loop`]) applies them, after every iteration
//! on its own measurement, in this order: a non-finite value or gradient, or runaway growth, is `diverged`;
//! any satisfied tolerance is `converged`; then the budgets `max_iters`, `max_evals` and `time_limit_s`.
//!
//! Two ends are decided elsewhere. Within a step, `max_evals` is enforced by the oracle itself
//! ([`crate::budget`]): an evaluation past the budget is not made and the run ends `max-evals` at its last
//! completed iterate. And an optimizer ends a run only by returning a [`crate::optimizer::StepError`]:
//! `failed` and `not-applicable` from any optimizer, and `Stopped` from an external client that sends
//! `done` or exits with its own convergence test ([`crate::optimizers::external`]), for which the run loop
//! records this rule's verdict at that iterate where one holds, `converged` under `[stop] client = true`
//! (the client's test is then the rule), and `stopped` otherwise.
//!
//! Under noisy gradients (`batch_size`) the iterate is random, and so is `f(x_k)` (the stop rule always
//! sees the noise-free objective of the iterate, never a minibatch's value). What "steps to reach the
//! target" means then has to be said:
//! - first passage (`f_tol` alone): the first `k` with `f(x_k) - f* <= f_tol`. A fluctuation below the
//!   target ends the run, so a step whose stationary loss sits at or just above the target still
//!   "converges", early: tuning on it favours steps too large to keep the loss below the target.
//! - holding (`f_tol` with `f_tol_hold = W`): converged at the end of the first window of `W` consecutive
//!   iterations with `f(x_k) - f* <= f_tol`; the steps to target recorded are the window's first iteration
//!   (the record's `target_iteration`). The loss has to stay below the target, as on McCandlish et al.'s
//!   smoothed training curves; `W` long beside the loss's correlation time makes it the first `k` from which
//!   the loss stays below.
//! - expected loss: Zhang et al.'s measure, the first `k` with `E f(x_k) - f* <= f_tol`. No single sampled
//!   run knows the expectation; exact mode ([`crate::optimizers::nqm_exact`]) computes it, and its runs'
//!   iterate has `f` equal to it, so `f_tol` on an exact run is this criterion.
//!
//! The batch studies use the expected loss where the family provides it (`nqm-paper`, exact mode) and the
//! holding rule for sampled runs (`nqm`, and methods with no exact mode such as Adam), never first passage:
//! that is the rule's default only for exact gradients, where `f(x_k)` is not random.

use serde::{Deserialize, Serialize};

use crate::params::{ParamDoc, ParamError, positive};

/// The `[stop]` keys.
pub const PARAMS: &[ParamDoc] = &[
    ParamDoc {
        name: "grad_rtol",
        default: "1e-6 if no tolerance is given",
        doc: "converged when ||g_k|| <= grad_rtol ||g_0||",
    },
    ParamDoc {
        name: "grad_atol",
        default: "none",
        doc: "converged when ||g_k|| <= grad_atol",
    },
    ParamDoc {
        name: "f_tol",
        default: "none",
        doc: "converged when f_k - f* <= f_tol (where f* is known)",
    },
    ParamDoc {
        name: "f_tol_hold",
        default: "none (first passage)",
        doc: "W >= 1: f_tol must hold for W consecutive iterations; the steps to target are the first of them (for noisy runs, whose f(x_k) fluctuates)",
    },
    ParamDoc {
        name: "x_rtol",
        default: "none",
        doc: "converged when ||x_k - x*|| <= x_rtol ||x_0 - x*|| (where x* is known)",
    },
    ParamDoc {
        name: "max_iters",
        default: "10000",
        doc: "iteration budget",
    },
    ParamDoc {
        name: "max_evals",
        default: "none",
        doc: "budget of gradient-equivalent evaluations",
    },
    ParamDoc {
        name: "time_limit_s",
        default: "none",
        doc: "wall-time budget per run, in seconds",
    },
    ParamDoc {
        name: "diverge_factor",
        default: "1e10",
        doc: "diverged when ||g_k|| > diverge_factor max(||g_0||, 1)",
    },
    ParamDoc {
        name: "client",
        default: "false",
        doc: "true: an external client's own test ends the run (its `done` is `converged`); no tolerance may then be given, the budgets still hold",
    },
];

/// The `[stop]` table as written, before defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StopConfig {
    /// Relative gradient tolerance.
    pub grad_rtol: Option<f64>,
    /// Absolute gradient tolerance.
    pub grad_atol: Option<f64>,
    /// Tolerance on `f - f*`.
    pub f_tol: Option<f64>,
    /// Iterations `f_tol` must hold for.
    pub f_tol_hold: Option<u64>,
    /// Relative tolerance on `||x - x*||`.
    pub x_rtol: Option<f64>,
    /// Iteration budget.
    pub max_iters: Option<u64>,
    /// Gradient-equivalent evaluation budget.
    pub max_evals: Option<u64>,
    /// Wall-time budget, seconds.
    pub time_limit_s: Option<f64>,
    /// Runaway-growth factor.
    pub diverge_factor: Option<f64>,
    /// Whether an external client's own test ends the run.
    pub client: Option<bool>,
}

/// The checked stop rule with defaults filled in; part of every run's spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StopRule {
    /// Relative gradient tolerance.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub grad_rtol: Option<f64>,
    /// Absolute gradient tolerance.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub grad_atol: Option<f64>,
    /// Tolerance on `f - f*`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub f_tol: Option<f64>,
    /// Iterations `f_tol` must hold for before the run has converged (absent: first passage).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub f_tol_hold: Option<u64>,
    /// Relative tolerance on `||x - x*||`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub x_rtol: Option<f64>,
    /// Iteration budget.
    pub max_iters: u64,
    /// Gradient-equivalent evaluation budget.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_evals: Option<u64>,
    /// Wall-time budget, seconds.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub time_limit_s: Option<f64>,
    /// Runaway-growth factor.
    pub diverge_factor: f64,
    /// The optimizer's own test ends the run (`[stop] client = true`): no tolerance is applied, and an
    /// optimizer that ends on its own has converged. Absent when false, so other run ids are unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub client: bool,
}

impl Default for StopRule {
    fn default() -> Self {
        StopConfig::default()
            .check()
            .expect("the default stop rule is valid")
    }
}

impl StopRule {
    /// The rule as its `[stop]` keys read, the set ones in the order of [`PARAMS`], numbers to 6 significant
    /// digits: `grad_rtol = 1e-6, max_iters = 10000, diverge_factor = 1e10`.
    pub fn describe(&self) -> String {
        let num = |x: f64| crate::digits::significant(x, 6);
        [
            ("grad_rtol", self.grad_rtol.map(num)),
            ("grad_atol", self.grad_atol.map(num)),
            ("f_tol", self.f_tol.map(num)),
            ("f_tol_hold", self.f_tol_hold.map(|n| n.to_string())),
            ("x_rtol", self.x_rtol.map(num)),
            ("max_iters", Some(self.max_iters.to_string())),
            ("max_evals", self.max_evals.map(|n| n.to_string())),
            ("time_limit_s", self.time_limit_s.map(num)),
            ("diverge_factor", Some(num(self.diverge_factor))),
            ("client", self.client.then(|| "true".to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k} = {v}")))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

impl StopConfig {
    /// Fills in defaults and checks every value, naming the key at fault.
    pub fn check(&self) -> Result<StopRule, ParamError> {
        for (key, v) in [
            ("grad_rtol", self.grad_rtol),
            ("grad_atol", self.grad_atol),
            ("f_tol", self.f_tol),
            ("x_rtol", self.x_rtol),
            ("time_limit_s", self.time_limit_s),
            ("diverge_factor", self.diverge_factor),
        ] {
            if let Some(v) = v {
                positive(key, v)?;
            }
        }
        if self.max_iters == Some(0) {
            return Err(ParamError::key(
                "max_iters",
                "`max_iters` must be at least 1",
            ));
        }
        match (self.f_tol_hold, self.f_tol) {
            (Some(0), _) => {
                return Err(ParamError::key(
                    "f_tol_hold",
                    "`f_tol_hold` must be at least 1 (iterations the loss stays within f_tol)",
                ));
            }
            (Some(_), None) => {
                return Err(ParamError::key(
                    "f_tol_hold",
                    "`f_tol_hold` says how long `f_tol` must hold: give `f_tol` too",
                ));
            }
            _ => {}
        }
        if self.max_evals == Some(0) {
            return Err(ParamError::key(
                "max_evals",
                "`max_evals` must be at least 1",
            ));
        }
        let no_tolerance = self.grad_rtol.is_none()
            && self.grad_atol.is_none()
            && self.f_tol.is_none()
            && self.x_rtol.is_none();
        let client = self.client.unwrap_or(false);
        if client && !no_tolerance {
            return Err(ParamError::key(
                "client",
                "with `client = true` the client's own test ends the run: remove grad_rtol, grad_atol, f_tol \
                 and x_rtol (max_iters, max_evals and time_limit_s still hold)",
            ));
        }
        Ok(StopRule {
            client,
            grad_rtol: if no_tolerance && !client {
                Some(1e-6)
            } else {
                self.grad_rtol
            },
            grad_atol: self.grad_atol,
            f_tol: self.f_tol,
            f_tol_hold: self.f_tol_hold,
            x_rtol: self.x_rtol,
            max_iters: self.max_iters.unwrap_or(10_000),
            max_evals: self.max_evals,
            time_limit_s: self.time_limit_s,
            diverge_factor: self.diverge_factor.unwrap_or(1e10),
        })
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A tolerance of the stop rule was met.
    Converged,
    /// The iteration budget ran out.
    MaxIters,
    /// The evaluation budget ran out.
    MaxEvals,
    /// The wall-time budget ran out.
    TimeLimit,
    /// A non-finite value or gradient, or runaway growth.
    Diverged,
    /// The optimizer broke down or panicked; the message says why.
    Failed,
    /// The problem lacks what the optimizer needs; the message says what.
    NotApplicable,
    /// The optimizer ended on its own (an external client's own test or limit) where no rule of the stop rule
    /// held; the message is the optimizer's.
    Stopped,
}

impl Status {
    /// Every status, in report order.
    pub const ALL: [Status; 8] = [
        Status::Converged,
        Status::MaxIters,
        Status::MaxEvals,
        Status::TimeLimit,
        Status::Diverged,
        Status::Stopped,
        Status::Failed,
        Status::NotApplicable,
    ];

    /// The kebab-case name used in files and tables.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Converged => "converged",
            Status::MaxIters => "max-iters",
            Status::MaxEvals => "max-evals",
            Status::TimeLimit => "time-limit",
            Status::Diverged => "diverged",
            Status::Failed => "failed",
            Status::NotApplicable => "not-applicable",
            Status::Stopped => "stopped",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the runner measured after an iteration, for the stop rule.
#[derive(Debug, Clone, Copy)]
pub struct Measure {
    /// Iterations done.
    pub iter: u64,
    /// Gradient-equivalent evaluations so far.
    pub evals: u64,
    /// Seconds since the run started.
    pub elapsed_s: f64,
    /// `f(x_k)`.
    pub value: f64,
    /// `||g(x_k)||`.
    pub grad_norm: f64,
    /// `||g(x_0)||`.
    pub grad_norm0: f64,
    /// `f(x_k) - f*`, where `f*` is known.
    pub gap: Option<f64>,
    /// `||x_k - x*|| / ||x_0 - x*||`, where `x*` is known and `x_0 != x*`.
    pub x_ratio: Option<f64>,
    /// The first iteration of the current unbroken stretch with `f - f* <= f_tol`, where the rule has
    /// `f_tol` and the stretch reaches this iteration ([`Measure::hold_from`]).
    pub f_tol_since: Option<u64>,
}

impl Measure {
    /// Where the stretch below `f_tol` that reaches this measurement began: `since` of the previous one
    /// (`None` before the first), carried on while `gap <= f_tol` holds, else `None`.
    pub fn hold_from(&self, rule: &StopRule, since: Option<u64>) -> Option<u64> {
        match (rule.f_tol, self.gap) {
            (Some(t), Some(g)) if g <= t => Some(since.unwrap_or(self.iter)),
            _ => None,
        }
    }
}

impl StopRule {
    /// The status at which the run ends after this measurement, or `None` to go on.
    pub fn verdict(&self, m: &Measure) -> Option<Status> {
        if !m.value.is_finite()
            || !m.grad_norm.is_finite()
            || m.grad_norm > self.diverge_factor * m.grad_norm0.max(1.0)
        {
            return Some(Status::Diverged);
        }
        let hit =
            |tol: Option<f64>, v: Option<f64>| matches!((tol, v), (Some(t), Some(v)) if v <= t);
        if matches!(self.grad_rtol, Some(t) if m.grad_norm <= t * m.grad_norm0)
            || hit(self.grad_atol, Some(m.grad_norm))
            || (hit(self.f_tol, m.gap)
                && m.f_tol_since
                    .is_some_and(|k| m.iter + 1 - k.min(m.iter) >= self.f_tol_hold.unwrap_or(1)))
            || hit(self.x_rtol, m.x_ratio)
            || m.grad_norm == 0.0
        {
            return Some(Status::Converged);
        }
        if m.iter >= self.max_iters {
            return Some(Status::MaxIters);
        }
        if matches!(self.max_evals, Some(b) if m.evals >= b) {
            return Some(Status::MaxEvals);
        }
        if matches!(self.time_limit_s, Some(t) if m.elapsed_s >= t) {
            return Some(Status::TimeLimit);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_describes_itself_by_its_keys() {
        assert_eq!(
            StopRule::default().describe(),
            "grad_rtol = 1e-6, max_iters = 10000, diverge_factor = 1e10"
        );
        let rule = StopRule {
            x_rtol: Some(1e-6),
            grad_rtol: None,
            max_evals: Some(500),
            ..StopRule::default()
        };
        assert_eq!(
            rule.describe(),
            "x_rtol = 1e-6, max_iters = 10000, max_evals = 500, diverge_factor = 1e10"
        );
    }

    fn measure(grad_norm: f64) -> Measure {
        Measure {
            iter: 5,
            evals: 5,
            elapsed_s: 0.0,
            value: 1.0,
            grad_norm,
            grad_norm0: 1.0,
            gap: Some(0.5),
            x_ratio: None,
            f_tol_since: Some(5),
        }
    }

    #[test]
    fn default_rule_is_grad_rtol() {
        let r = StopRule::default();
        assert_eq!(r.grad_rtol, Some(1e-6));
        assert_eq!(r.max_iters, 10_000);
        assert_eq!(r.verdict(&measure(1e-6)), Some(Status::Converged));
        assert_eq!(r.verdict(&measure(2e-6)), None);
        assert_eq!(r.verdict(&measure(f64::NAN)), Some(Status::Diverged));
        assert_eq!(r.verdict(&measure(1e11)), Some(Status::Diverged));
    }

    #[test]
    fn budgets_and_known_optimum_tests() {
        let r = StopConfig {
            f_tol: Some(0.5),
            max_iters: Some(5),
            ..StopConfig::default()
        }
        .check()
        .expect("valid");
        assert_eq!(
            r.grad_rtol, None,
            "an explicit tolerance replaces the default"
        );
        assert_eq!(r.verdict(&measure(0.9)), Some(Status::Converged));
        let m = Measure {
            gap: Some(0.6),
            ..measure(0.9)
        };
        assert_eq!(r.verdict(&m), Some(Status::MaxIters));
        let m = Measure {
            gap: None,
            iter: 1,
            ..measure(0.9)
        };
        assert_eq!(r.verdict(&m), None, "f_tol is silent where f* is unknown");
    }

    #[test]
    fn f_tol_hold_waits_for_a_stretch_of_w_iterations_below_the_target() {
        let rule = StopConfig {
            f_tol: Some(1.0),
            f_tol_hold: Some(3),
            ..StopConfig::default()
        }
        .check()
        .expect("valid");
        assert_eq!(
            rule.describe(),
            "f_tol = 1, f_tol_hold = 3, max_iters = 10000, diverge_factor = 1e10"
        );
        // f - f* at iterations 0..: 2, 0.5, 2, 0.5, 0.5, 0.5: the stretch from 3 holds at 5.
        let mut since = None;
        let mut ended = None;
        for (k, gap) in [2.0, 0.5, 2.0, 0.5, 0.5, 0.5].into_iter().enumerate() {
            let mut m = Measure {
                iter: k as u64,
                gap: Some(gap),
                ..measure(0.9)
            };
            since = m.hold_from(&rule, since);
            m.f_tol_since = since;
            if let Some(s) = rule.verdict(&m) {
                ended = Some((k, s, since));
                break;
            }
        }
        assert_eq!(ended, Some((5, Status::Converged, Some(3))));
        let e = StopConfig {
            f_tol_hold: Some(3),
            ..StopConfig::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("f_tol_hold"));
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = StopConfig {
            grad_rtol: Some(-1.0),
            ..StopConfig::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("grad_rtol"));
        let e = StopConfig {
            max_iters: Some(0),
            ..StopConfig::default()
        }
        .check()
        .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("max_iters"));
    }
}
