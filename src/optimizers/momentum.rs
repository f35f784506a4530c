//! `momentum`: gradient descent with momentum, Polyak's heavy ball and Nesterov's accelerated gradient.
//!
//! Update rules, with step `eta`, momentum `beta` and `x_{-1} = x_0`:
//! - `variant = "heavy-ball"` (Polyak 1964): `x_{k+1} = x_k - eta g(x_k) + beta (x_k - x_{k-1})`.
//! - `variant = "nesterov"` (Nesterov 1983): `y_k = x_k + beta_k (x_k - x_{k-1})`,
//!   `x_{k+1} = y_k - eta g(y_k)`; the iterate the runner measures is `x_k`.
//!
//! `"optimal"` parameters come from the problem's known curvature `mu I <= H <= L I`, `kappa = L/mu`:
//! - heavy ball: `eta = 4 / (sqrt L + sqrt mu)^2`, `beta = ((sqrt kappa - 1)/(sqrt kappa + 1))^2`, the
//!   parameters that minimise the asymptotic rate on quadratics, `(sqrt kappa - 1)/(sqrt kappa + 1)` per
//!   iteration (Polyak 1964; Polyak 1987, section 3.2.1);
//! - Nesterov, strongly convex: `eta = 1/L`, `beta = (sqrt kappa - 1)/(sqrt kappa + 1)`, error contracting
//!   like `(1 - 1/sqrt kappa)^k` (Nesterov 2004, section 2.2.1).
//!
//! `beta = "schedule"` (Nesterov only) is the convex schedule `beta_k = (k - 1)/(k + 2)`, `k` the number of
//! steps taken, for which `f(x_k) - f* <= 2 L ||x_0 - x*||^2 / (k + 1)^2` with `eta = 1/L` (Nesterov 1983;
//! Beck and Teboulle 2009). Heavy ball is not globally convergent beyond quadratics with its optimal
//! parameters (Lessard, Recht and Packard 2016 give a strongly convex counterexample); this is part of what
//! the museum shows.
//!
//! Its keys (`variant`, `step`: a number or `"optimal"`, `beta`: a number, `"optimal"`, which needs the
//! curvature bounds and `mu > 0`, or `"schedule"`) are declared once, in [`MomentumConfig`] (listed by
//! `optzoo list optimizers` and in `docs/reference.md`); with them, the schedule keys of
//! [`super::lr_schedule`] (either variant steps with `eta_k = eta s_k` at iteration `k`; `beta` is not
//! scheduled) and the averaging keys of [`super::averaging`].

use super::OptimizerConfig;
use super::lr_schedule::{Schedulable, Schedule};
use crate::footprint::Footprint;
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::params::{NumberOr, ParamDoc, ParamError, in_range, positive};
use crate::preconditioner::{Conditioner, Formed, Preconditioner};
use crate::problem::Capabilities;
use crate::theory::{Anatomy, KappaSlope, StabilityEdge};

/// The keys of `momentum`: its own, then the schedule and averaging keys.
pub const PARAMS: &[ParamDoc] = &super::with_schedule_keys::<
    { MomentumConfig::PARAMS.len() + super::SCHEDULE_KEYS },
>(MomentumConfig::PARAMS);

crate::declare_choice! {
    /// Which momentum method, as `variant` names it.
    pub enum VariantName {
        /// Polyak's heavy ball.
        HeavyBall = "heavy-ball",
        /// Nesterov's accelerated gradient.
        Nesterov = "nesterov",
    }
}

crate::declare_choice! {
    /// The rule `step` names (besides a number).
    pub enum StepName {
        /// The variant's optimal step from `mu` and `L`.
        Optimal = "optimal",
    }
}

crate::declare_choice! {
    /// The rules `beta` names (besides a number).
    pub enum BetaName {
        /// The variant's optimal momentum from `kappa`.
        Optimal = "optimal",
        /// Nesterov's convex schedule `(k - 1)/(k + 2)`.
        Schedule = "schedule",
    }
}

crate::declare_params! {
    /// The parameters of `momentum`.
    #[derive(Debug, Clone)]
    pub struct MomentumConfig {
        /// "heavy-ball" (Polyak 1964) or "nesterov" (Nesterov 1983)
        variant: VariantName = "heavy-ball",
        /// a number > 0 or "optimal" (heavy ball 4/(sqrt L + sqrt mu)^2, Nesterov 1/L; needs known curvature)
        step: NumberOr<StepName> = "optimal",
        /// a number in [0, 1), "optimal" (from kappa; needs known curvature) or "schedule" ((k-1)/(k+2), Nesterov only)
        beta: NumberOr<BetaName> = "optimal",
    }
}

/// Which momentum method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Polyak's heavy ball.
    HeavyBall,
    /// Nesterov's accelerated gradient.
    Nesterov,
}

/// The step, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// A fixed step.
    Fixed(f64),
    /// The variant's optimal step from `mu` and `L`.
    Optimal,
}

/// The momentum, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Beta {
    /// A fixed momentum.
    Fixed(f64),
    /// The variant's optimal momentum from `kappa`.
    Optimal,
    /// Nesterov's convex schedule `(k - 1)/(k + 2)`.
    Schedule,
}

impl OptimizerConfig for MomentumConfig {
    type Checked = Momentum;

    fn check(&self) -> Result<Momentum, ParamError> {
        let variant = match self.variant {
            VariantName::HeavyBall => Variant::HeavyBall,
            VariantName::Nesterov => Variant::Nesterov,
        };
        let step = match self.step {
            NumberOr::Number(v) => {
                positive("step", v)?;
                Step::Fixed(v)
            }
            NumberOr::Word(StepName::Optimal) => Step::Optimal,
        };
        let beta = match self.beta {
            NumberOr::Number(v) => {
                in_range("beta", v, 0.0, 1.0)?;
                if v == 1.0 {
                    return Err(ParamError::key(
                        "beta",
                        "`beta` must be below 1: with beta = 1 nothing damps the iterates",
                    ));
                }
                Beta::Fixed(v)
            }
            NumberOr::Word(BetaName::Schedule) => {
                if variant != Variant::Nesterov {
                    return Err(ParamError::key(
                        "beta",
                        "`beta` = \"schedule\" is Nesterov's convex schedule: it needs variant = \"nesterov\"",
                    ));
                }
                Beta::Schedule
            }
            NumberOr::Word(BetaName::Optimal) => Beta::Optimal,
        };
        Ok(Momentum {
            variant,
            step,
            beta,
            schedule: Schedule::CONSTANT,
        })
    }
}

/// Momentum with checked parameters.
#[derive(Debug, Clone, Copy)]
pub struct Momentum {
    /// Heavy ball or Nesterov.
    pub variant: Variant,
    /// The step rule.
    pub step: Step,
    /// The momentum rule.
    pub beta: Beta,
    /// The factor on the step at each iteration.
    pub schedule: Schedule,
}

impl Schedulable for Momentum {
    fn with_schedule(self, schedule: Schedule) -> Self {
        Momentum { schedule, ..self }
    }
}

/// The memory of a `momentum` run.
pub struct MomentumState {
    /// `x_{k-1}`.
    prev: Vec<f64>,
    /// The gradient at the current evaluation point.
    grad: Vec<f64>,
    /// Nesterov's look-ahead point `y_k`.
    ahead: Vec<f64>,
    /// Steps taken.
    k: u64,
    /// The resolved step.
    eta: f64,
    /// The resolved fixed momentum (unused with the schedule).
    beta: f64,
}

impl Momentum {
    /// The step and momentum this method uses on a problem with curvature bounds `(mu, L)`, where known.
    pub fn resolve(&self, curvature: Option<(f64, f64)>) -> Result<(f64, f64), StepError> {
        let need = || {
            curvature.ok_or_else(|| {
                StepError::NotApplicable(
                    "\"optimal\" momentum parameters need the problem's curvature bounds".into(),
                )
            })
        };
        let eta = match (self.step, self.variant) {
            (Step::Fixed(v), _) => v,
            (Step::Optimal, Variant::HeavyBall) => {
                let (mu, l) = need()?;
                4.0 / (l.sqrt() + mu.sqrt()).powi(2)
            }
            (Step::Optimal, Variant::Nesterov) => 1.0 / need()?.1,
        };
        let beta = match self.beta {
            Beta::Fixed(v) => v,
            Beta::Schedule => f64::NAN,
            Beta::Optimal => {
                let (mu, l) = need()?;
                if mu.is_nan() || mu <= 0.0 {
                    return Err(StepError::NotApplicable(format!(
                        "the optimal momentum needs strong convexity, but mu = {mu:e}; use beta = \"schedule\""
                    )));
                }
                // (sqrt kappa - 1)/(sqrt kappa + 1), written without forming kappa.
                let r = (l.sqrt() - mu.sqrt()) / (l.sqrt() + mu.sqrt());
                match self.variant {
                    Variant::HeavyBall => r * r,
                    Variant::Nesterov => r,
                }
            }
        };
        Ok((eta, beta))
    }
}

impl Optimizer for Momentum {
    type State = MomentumState;

    fn conditioner(&self) -> Conditioner {
        Conditioner::Fixed(Formed::new("I", Preconditioner::Identity))
    }

    /// Slope 1/2 with the optimal parameters (both chosen from `mu` and `L`); slope 1 with a fixed step or a
    /// fixed beta (the rate is then `1 - O(1/kappa)`, as gradient descent's); none for Nesterov's convex
    /// schedule, which does not use `mu` (its count follows `sqrt(L/eps)`, not `sqrt(kappa)`); none under a
    /// learning-rate schedule either.
    fn kappa_slope(&self) -> Option<KappaSlope> {
        if !self.schedule.is_constant() {
            return None;
        }
        match (self.step, self.beta) {
            (_, Beta::Schedule) => None,
            (Step::Optimal, Beta::Optimal) => Some(KappaSlope {
                slope: 0.5,
                source: "momentum, rate 1 - O(1/sqrt(kappa)) (Polyak 1964; Nesterov 1983)",
            }),
            _ => Some(KappaSlope {
                slope: 1.0,
                source: "momentum with a fixed step or beta, rate 1 - O(1/kappa) (Polyak 1987, 3.2.1)",
            }),
        }
    }

    /// With a fixed step `eta` and a fixed `beta` (unscheduled), the linear recurrence along an eigenvalue
    /// `lambda` is stable iff `eta lambda < 2 (1 + beta)` for the heavy ball (Polyak 1964) and
    /// `eta lambda < (2 + 2 beta) / (1 + 2 beta)` for Nesterov's method (the roots of
    /// `z^2 - (1 + beta)(1 - eta lambda) z + beta (1 - eta lambda)`).
    fn stability_edge(&self) -> Option<StabilityEdge> {
        let (Step::Fixed(eta), Beta::Fixed(beta)) = (self.step, self.beta) else {
            return None;
        };
        if !self.schedule.is_constant() {
            return None;
        }
        Some(match self.variant {
            Variant::HeavyBall => StabilityEdge {
                sharpness: 2.0 * (1.0 + beta) / eta,
                source: "heavy ball: stable iff eta lambda < 2 (1 + beta)",
            },
            Variant::Nesterov => StabilityEdge {
                sharpness: (2.0 + 2.0 * beta) / ((1.0 + 2.0 * beta) * eta),
                source: "nesterov: stable iff eta lambda < (2 + 2 beta) / (1 + 2 beta)",
            },
        })
    }

    fn requires(&self) -> Capabilities {
        Capabilities {
            curvature: self.step == Step::Optimal || self.beta == Beta::Optimal,
            ..Capabilities::default()
        }
    }

    fn init(&self, x0: &[f64], oracle: &mut Oracle) -> Result<MomentumState, StepError> {
        let curvature = oracle.curvature().map(|c| (c.mu, c.lipschitz));
        let (eta, beta) = self.resolve(curvature)?;
        let n = x0.len();
        Ok(MomentumState {
            prev: x0.to_vec(),
            grad: vec![0.0; n],
            ahead: vec![0.0; n],
            k: 0,
            eta,
            beta,
        })
    }

    fn step(
        &self,
        s: &mut MomentumState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        let eta = s.eta * self.schedule.factor(s.k);
        match self.variant {
            Variant::HeavyBall => {
                oracle.gradient(x, &mut s.grad);
                for ((xi, pi), gi) in x.iter_mut().zip(s.prev.iter_mut()).zip(&s.grad) {
                    let next = *xi - eta * gi + s.beta * (*xi - *pi);
                    *pi = *xi;
                    *xi = next;
                }
            }
            Variant::Nesterov => {
                let beta = match self.beta {
                    // (k - 1)/(k + 2); at k = 0 the difference x_0 - x_{-1} is zero anyway.
                    Beta::Schedule => (s.k as f64 - 1.0).max(0.0) / (s.k as f64 + 2.0),
                    _ => s.beta,
                };
                for ((yi, xi), pi) in s.ahead.iter_mut().zip(x.iter()).zip(&s.prev) {
                    *yi = xi + beta * (xi - pi);
                }
                oracle.gradient(&s.ahead, &mut s.grad);
                s.prev.copy_from_slice(x);
                for ((xi, yi), gi) in x.iter_mut().zip(&s.ahead).zip(&s.grad) {
                    *xi = yi - eta * gi;
                }
            }
        }
        s.k += 1;
        Ok(StepInfo {
            step_size: Some(eta),
        })
    }

    fn anatomy(&self) -> Option<Anatomy> {
        Some(Anatomy::new(
            "running average",
            Footprint::none().vectors(3, "previous iterate, gradient, look-ahead"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    fn parse(s: &str) -> Result<Momentum, ParamError> {
        crate::optimizers::parse_checked::<MomentumConfig>(s, PARAMS)
    }

    #[test]
    fn optimal_parameters_match_the_formulas() {
        // kappa = 100 with mu = 0.01, L = 1: sqrt kappa = 10, so heavy ball has eta = 4/1.1^2 and
        // beta = (9/11)^2; Nesterov eta = 1, beta = 9/11.
        let hb = parse("").expect("defaults are valid");
        assert!(hb.requires().curvature);
        let (eta, beta) = hb.resolve(Some((0.01, 1.0))).expect("known curvature");
        let tol = 4.0 * f64::EPSILON;
        assert!((eta - 4.0 / 1.21).abs() <= tol, "{eta:e}");
        assert!((beta - 81.0 / 121.0).abs() <= tol, "{beta:e}");
        let nag = parse("variant = \"nesterov\"").expect("valid");
        let (eta, beta) = nag.resolve(Some((0.01, 1.0))).expect("known curvature");
        assert_eq!(eta, 1.0);
        assert!((beta - 9.0 / 11.0).abs() <= tol, "{beta:e}");
        assert!(matches!(hb.resolve(None), Err(StepError::NotApplicable(_))));
        assert!(matches!(
            nag.resolve(Some((0.0, 1.0))),
            Err(StepError::NotApplicable(_))
        ));
        let fixed = parse("step = 0.1\nbeta = 0.5").expect("valid");
        assert!(!fixed.requires().curvature);
        assert_eq!(fixed.resolve(None), Ok((0.1, 0.5)));
    }

    #[test]
    fn bad_values_name_their_key() {
        for (s, key) in [
            ("variant = \"polyak\"", "variant"),
            ("step = 0", "step"),
            ("step = \"1/L\"", "step"),
            ("beta = 1", "beta"),
            ("beta = -0.1", "beta"),
            ("beta = \"schedule\"", "beta"),
            ("beta = \"optimum\"", "beta"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
        assert!(parse("variant = \"nesterov\"\nbeta = \"schedule\"\nstep = 1").is_ok());
    }

    /// f(x) = lambda x^2 / 2 in one dimension.
    struct Parabola(f64);

    impl Problem for Parabola {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, x: &[f64]) -> f64 {
            0.5 * self.0 * x[0] * x[0]
        }
        fn gradient(&self, x: &[f64], g: &mut [f64]) {
            g[0] = self.0 * x[0];
        }
        fn standard_start(&self) -> Vec<f64> {
            vec![1.0]
        }
    }

    #[test]
    fn iterates_follow_the_recurrences() {
        // On f = 2 x^2 / 2 with eta = 0.1, beta = 0.5 from x_0 = 1, by hand:
        // heavy ball: x_1 = 1 - 0.2 = 0.8, x_2 = 0.8 - 0.16 + 0.5 (0.8 - 1) = 0.54;
        // Nesterov: x_1 = 0.8 (y_0 = x_0), y_1 = 0.8 + 0.5 (-0.2) = 0.7, x_2 = 0.7 - 0.1 * 1.4 = 0.56.
        let p = Parabola(2.0);
        for (variant, expected) in [("heavy-ball", [0.8, 0.54]), ("nesterov", [0.8, 0.56])] {
            let m =
                parse(&format!("variant = \"{variant}\"\nstep = 0.1\nbeta = 0.5")).expect("valid");
            let mut o = Oracle::new(&p);
            let mut x = vec![1.0];
            let mut s = m.init(&x, &mut o).expect("init");
            for e in expected {
                m.step(&mut s, &mut x, &mut o).expect("step");
                assert!(
                    (x[0] - e).abs() <= 4.0 * f64::EPSILON,
                    "{variant}: {:e} vs {e:e}",
                    x[0]
                );
            }
            assert_eq!(o.counts().g_evals, 2, "one gradient per step");
        }
        // The schedule's momenta are 0, 0, 1/4, 2/5, ... : check the third step by hand with eta = 0.1.
        // x_1 = 0.8, x_2 = 0.8 - 0.16 = 0.64 (beta_1 = 0), y_2 = 0.64 + 0.25 (0.64 - 0.8) = 0.6,
        // x_3 = 0.6 - 0.12 = 0.48.
        let m = parse("variant = \"nesterov\"\nstep = 0.1\nbeta = \"schedule\"").expect("valid");
        let mut o = Oracle::new(&p);
        let mut x = vec![1.0];
        let mut s = m.init(&x, &mut o).expect("init");
        for _ in 0..3 {
            m.step(&mut s, &mut x, &mut o).expect("step");
        }
        assert!((x[0] - 0.48).abs() <= 4.0 * f64::EPSILON, "{:e}", x[0]);
    }
}
