//! `gd`: gradient descent, the optimizer that keeps no curvature at all.
//!
//! Update: `x_{k+1} = x_k - eta_k g_k` (Cauchy 1847). On an `L`-smooth, `mu`-strongly convex function the
//! step `2/(L + mu)` contracts the error by `(kappa - 1)/(kappa + 1)` per iteration, and `1/L` by
//! `1 - 1/kappa` (Nesterov 2004, Theorem 2.1.15), so the iteration count grows like `kappa`.
//!
//! The step is a positive number (fixed), `"1/L"`, `"2/(L+mu)"` (from the problem's known curvature; a
//! problem without it is a config error) or `"armijo"` (backtracking from `initial_step` until
//! `f(x - a g) <= f(x) - c1 a ||g||^2`; Armijo 1966). Its keys are declared once, in [`GdConfig`] and the
//! shared [`LineSearchKeys`] (`c1`, `shrink`, `initial_step`, `max_backtracks`: with `step = "armijo"`
//! only), listed by `optzoo list optimizers` and in `docs/reference.md`. With a number or a theory step
//! only, the schedule keys of [`super::lr_schedule`] (`eta_k = eta s_k`; a line search sets its own step, so
//! with `step = "armijo"` they are errors); and the averaging keys of [`super::averaging`].

use super::OptimizerConfig;
use super::descent::{self, DescentState, Direction};
use super::line_search::{Armijo, LineSearchKeys, SharedKeys};
use super::lr_schedule::{Schedulable, Schedule};
use crate::footprint::Footprint;
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::params::{NumberOr, ParamDoc, ParamError, positive};
use crate::preconditioner::{Conditioner, Formed, Preconditioner};
use crate::problem::Capabilities;
use crate::theory::{Anatomy, EscapeGrowth, EscapeTheory, KappaSlope, StabilityEdge};

/// The keys of `gd`: its own, the Armijo keys of [`LineSearchKeys`], then the schedule and averaging keys.
pub const PARAMS: &[ParamDoc] = &super::with_schedule_keys::<{ 5 + super::SCHEDULE_KEYS }>(
    &crate::params::declare::concat::<5>(&[
        GdConfig::PARAMS,
        &crate::params::declare::select::<4>(LineSearchKeys::PARAMS, GdConfig::LINE_SEARCH.keys),
    ]),
);

crate::declare_choice! {
    /// The step rules `step` names (besides a number).
    pub enum StepName {
        /// `1/L`.
        InverseL = "1/L",
        /// `2/(L + mu)`.
        TwoOverLPlusMu = "2/(L+mu)",
        /// Armijo backtracking.
        Armijo = "armijo",
    }
}

/// A step given as a number or by name.
pub type StepValue = NumberOr<StepName>;

crate::declare_params! {
    /// The parameters of `gd`, besides the Armijo keys of [`LineSearchKeys`] (`step = "armijo"` only).
    #[derive(Debug, Clone)]
    pub struct GdConfig {
        /// a number > 0, "1/L", "2/(L+mu)" (needs known curvature) or "armijo"
        step: StepValue = "armijo",
    }
}

/// The step rule, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepRule {
    /// A fixed step.
    Fixed(f64),
    /// `1/L`.
    InverseL,
    /// `2/(L + mu)`, the optimal fixed step on a quadratic.
    TwoOverLPlusMu,
    /// Armijo backtracking.
    Armijo(Armijo),
}

impl OptimizerConfig for GdConfig {
    type Checked = Gd;
    const LINE_SEARCH: SharedKeys = SharedKeys {
        keys: &["c1", "shrink", "initial_step", "max_backtracks"],
        always: false,
    };

    fn check(&self) -> Result<Gd, ParamError> {
        self.check_with(&LineSearchKeys::default())
    }

    fn check_with(&self, search: &LineSearchKeys) -> Result<Gd, ParamError> {
        let rule = match self.step {
            NumberOr::Number(v) => {
                positive("step", v)?;
                StepRule::Fixed(v)
            }
            NumberOr::Word(StepName::InverseL) => StepRule::InverseL,
            NumberOr::Word(StepName::TwoOverLPlusMu) => StepRule::TwoOverLPlusMu,
            NumberOr::Word(StepName::Armijo) => {
                let a = search.armijo();
                a.check()?;
                StepRule::Armijo(a)
            }
        };
        if !matches!(rule, StepRule::Armijo(_))
            && let Some(key) = search.first_given()
        {
            return Err(ParamError::key(
                key,
                format!("`{key}` applies only with step = \"armijo\""),
            ));
        }
        Ok(Gd {
            rule,
            schedule: Schedule::CONSTANT,
        })
    }
}

/// Gradient descent with a checked step rule.
#[derive(Debug, Clone, Copy)]
pub struct Gd {
    /// The step rule.
    pub rule: StepRule,
    /// The factor on a fixed or theory step at each iteration (constant with Armijo).
    pub schedule: Schedule,
}

impl Schedulable for Gd {
    fn refuses_schedule(&self) -> Option<&'static str> {
        matches!(self.rule, StepRule::Armijo(_)).then_some(
            "a number, \"1/L\" or \"2/(L+mu)\" as step, not with step = \"armijo\" (the line search sets the step)",
        )
    }

    fn with_schedule(self, schedule: Schedule) -> Self {
        Gd { schedule, ..self }
    }
}

/// The memory of a `gd` run.
pub struct GdState {
    /// The line-search driver's state (Armijo only).
    search: DescentState<()>,
    /// The fixed step, resolved from the problem's curvature at `init`; unused with Armijo.
    eta: f64,
    /// Steps taken (the schedule's `k`).
    steps: u64,
}

/// Steepest descent under the line-search driver: no direction of its own, so every step searches along
/// `-g`.
struct Steepest(Armijo);

impl Direction for Steepest {
    type Memory = ();
    type Search = Armijo;

    fn line_search(&self) -> &Armijo {
        &self.0
    }

    fn memory(&self, _n: usize) {}

    fn propose(
        &self,
        _memory: &mut (),
        _x: &[f64],
        _g: &[f64],
        _d: &mut [f64],
        _oracle: &mut Oracle,
    ) -> Result<bool, StepError> {
        Ok(false)
    }
}

impl Optimizer for Gd {
    type State = GdState;

    fn conditioner(&self) -> Conditioner {
        Conditioner::Fixed(Formed::new("I", Preconditioner::Identity))
    }

    /// Slope 1 for every step rule: a fixed step below `2/L`, the theory steps and Armijo's accepted steps
    /// (bounded below by a multiple of `1/L`) all contract by `1 - O(1/kappa)`. None under a schedule, whose
    /// steps change with the iteration.
    fn kappa_slope(&self) -> Option<KappaSlope> {
        if !self.schedule.is_constant() {
            return None;
        }
        Some(KappaSlope {
            slope: 1.0,
            source: "gradient descent, rate 1 - O(1/kappa) (Nesterov 2004, Thm 2.1.15)",
        })
    }

    /// A fixed step `eta` multiplies the unstable component by `1 + eta |lambda_min|` (unscheduled only).
    fn escape(&self) -> Option<EscapeTheory> {
        match self.rule {
            StepRule::Fixed(step) if self.schedule.is_constant() => Some(EscapeTheory {
                growth: EscapeGrowth::Gradient { step },
                source: "gd: log(R/eps_u) / log(1 + eta |lambda_min|)",
            }),
            _ => None,
        }
    }

    /// A fixed step `eta` is unstable along eigenvalues above `2/eta` (unscheduled only).
    fn stability_edge(&self) -> Option<StabilityEdge> {
        match self.rule {
            StepRule::Fixed(step) if self.schedule.is_constant() => Some(StabilityEdge {
                sharpness: 2.0 / step,
                source: "gd: |1 - eta lambda| < 1 iff lambda < 2/eta",
            }),
            _ => None,
        }
    }

    fn requires(&self) -> Capabilities {
        Capabilities {
            curvature: matches!(self.rule, StepRule::InverseL | StepRule::TwoOverLPlusMu),
            exact: matches!(self.rule, StepRule::Armijo(_)),
            ..Capabilities::default()
        }
    }

    fn init(&self, x0: &[f64], oracle: &mut Oracle) -> Result<GdState, StepError> {
        let curvature = || {
            oracle.curvature().ok_or_else(|| {
                StepError::NotApplicable(
                    "the theory step needs the problem's curvature bounds".into(),
                )
            })
        };
        let eta = match self.rule {
            StepRule::Fixed(eta) => eta,
            StepRule::InverseL => 1.0 / curvature()?.lipschitz,
            StepRule::TwoOverLPlusMu => {
                let c = curvature()?;
                2.0 / (c.lipschitz + c.mu)
            }
            StepRule::Armijo(_) => f64::NAN,
        };
        let n = if matches!(self.rule, StepRule::Armijo(_)) {
            x0.len()
        } else {
            0
        };
        Ok(GdState {
            search: descent::start(&Steepest(Armijo::default()), &x0[..n], oracle),
            eta,
            steps: 0,
        })
    }

    fn step(
        &self,
        s: &mut GdState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        match self.rule {
            StepRule::Armijo(ls) => descent::descend(&Steepest(ls), &mut s.search, x, oracle),
            _ => {
                // The gradient is read once: borrowed from the oracle, not copied.
                let g = oracle.gradient_view(x);
                let eta = s.eta * self.schedule.factor(s.steps);
                crate::vector::axpy(-eta, g, x);
                s.steps += 1;
                Ok(StepInfo {
                    step_size: Some(eta),
                })
            }
        }
    }

    fn anatomy(&self) -> Option<Anatomy> {
        Some(Anatomy::new(
            "none",
            match self.rule {
                StepRule::Armijo(_) => descent::footprint::<Armijo>(),
                // The step is taken in place.
                _ => Footprint::none(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Gd, ParamError> {
        crate::optimizers::parse_checked::<GdConfig>(s, PARAMS)
    }

    #[test]
    fn step_rules_parse() {
        assert_eq!(
            parse("step = 0.5").expect("valid").rule,
            StepRule::Fixed(0.5)
        );
        assert_eq!(parse("step = 1").expect("valid").rule, StepRule::Fixed(1.0));
        assert_eq!(
            parse("step = \"1/L\"").expect("valid").rule,
            StepRule::InverseL
        );
        assert_eq!(
            parse("").expect("valid").rule,
            StepRule::Armijo(Armijo::default())
        );
        // The default, Armijo backtracking, compares values: it needs them exact, and nothing else.
        assert!(
            parse("").expect("valid").requires()
                == Capabilities {
                    exact: true,
                    ..Capabilities::default()
                }
        );
        assert!(
            parse("step = \"2/(L+mu)\"")
                .expect("valid")
                .requires()
                .curvature
        );
    }

    #[test]
    fn schedules_scale_fixed_and_theory_steps_only() {
        use crate::optimizers::lr_schedule::{Decay, ScheduleConfig};
        let warm = ScheduleConfig {
            warmup: Some(4),
            ..ScheduleConfig::default()
        };
        let e = warm.apply(parse("").expect("valid")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("warmup"), "{}", e.message);
        assert!(
            e.message.contains("not with step = \"armijo\""),
            "{}",
            e.message
        );
        let unscheduled = parse("step = \"1/L\"").expect("valid");
        assert!(unscheduled.kappa_slope().is_some());
        let g = warm
            .apply(unscheduled)
            .expect("a theory step takes a schedule");
        assert_eq!(g.schedule.warmup, 4);
        assert_eq!(g.schedule.decay, Decay::Constant);
        assert!(
            g.kappa_slope().is_none(),
            "no theory slope for changing steps"
        );
        assert!(
            ScheduleConfig::default()
                .apply(parse("").expect("valid"))
                .is_ok()
        );
    }

    #[test]
    fn bad_steps_name_their_key() {
        for (s, key) in [
            ("step = -1", "step"),
            ("step = \"1/l\"", "step"),
            ("step = 0.1\nc1 = 0.1", "c1"),
            ("step = \"armijo\"\nshrink = 1.5", "shrink"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }
}
