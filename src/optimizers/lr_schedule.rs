//! Learning-rate schedules: a factor `s_k` multiplied onto the step (or learning rate) of iteration `k`,
//! `k` counting the completed steps from 0, shared by `gd`, `momentum`, `adam`, `rmsprop`, `adagrad` and
//! `kfac`.
//!
//! With `eta` the optimizer's own step, iteration `k` steps with `eta_k = eta s_k`, `s_k = w_k d_k`:
//! ```text
//! d_k = 1                                                 schedule = "constant"
//! d_k = decay_factor^floor(k / decay_every)               schedule = "step"
//! d_k = f + (1 - f) (1 + cos(pi min(k, T) / T)) / 2       schedule = "cosine", T = horizon, f = final_fraction
//! d_k = 1 / (1 + k / decay_every)                         schedule = "inverse-time"
//! w_k = (k + 1) / warmup for k < warmup, else 1           linear warm-up, on any schedule
//! ```
//! The step schedule is the piecewise-constant decay of deep-learning practice; cosine is SGDR's annealing
//! without restarts (Loshchilov and Hutter 2017), ending at `f eta` and staying there; inverse-time is the
//! `1/t` decay of stochastic approximation (Robbins and Monro 1951), whose iterate averages reach the optimal
//! asymptotic rate (Polyak and Juditsky 1992; see [`super::averaging`]). Warm-up ramps the step up linearly
//! over its first iterations (Goyal et al. 2017).
//!
//! The keys, on each of those optimizers, are declared once, in [`ScheduleConfig`] (listed by `optzoo list
//! optimizers` and in `docs/reference.md`). A key of another schedule is an error, and every key at its
//! default is left out of the canonical parameters (so a run's id does not change when it is spelled out).

use crate::params::{ParamDoc, ParamError, in_range};

/// The schedule keys, shared by every optimizer that takes a schedule.
pub const PARAMS: &[ParamDoc] = ScheduleConfig::PARAMS;

crate::declare_choice! {
    /// The schedules `schedule` names.
    pub enum ScheduleName {
        /// No decay.
        Constant = "constant",
        /// Piecewise-constant decay.
        Step = "step",
        /// Cosine annealing.
        Cosine = "cosine",
        /// `1 / (1 + k / decay_every)`.
        InverseTime = "inverse-time",
    }
}

crate::declare_params! {
    /// The schedule keys as a config spells them (each `None` where not given).
    #[derive(Debug, Clone, PartialEq)]
    pub struct ScheduleConfig {
        /// factor on the step at iteration k: "constant", "step", "cosine" or "inverse-time"
        schedule: Option<ScheduleName> = "constant",
        /// iterations of linear warm-up, factor (k + 1)/warmup for k < warmup, on any schedule
        warmup: Option<u64> = 0,
        /// integer >= 1, required by "step" (times decay_factor every decay_every iterations) and "inverse-time" (1/(1 + k/decay_every)), only there
        decay_every: Option<u64> = none,
        /// factor of each decay, in (0, 1) (schedule = "step" only)
        decay_factor: Option<f64> = 0.1,
        /// integer T >= 1, required by "cosine" (only there): from 1 at k = 0 to final_fraction at k >= T
        horizon: Option<u64> = none,
        /// where the cosine ends, in [0, 1) (schedule = "cosine" only)
        final_fraction: Option<f64> = 0.0,
    }
}

/// The decay part of a schedule, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decay {
    /// No decay.
    Constant,
    /// `factor^floor(k / every)`.
    Step {
        /// Iterations between decays, `>= 1`.
        every: u64,
        /// The factor of each decay, in `(0, 1)`.
        factor: f64,
    },
    /// `f + (1 - f) (1 + cos(pi min(k, T) / T)) / 2`.
    Cosine {
        /// `T`, `>= 1`.
        horizon: u64,
        /// `f`, in `[0, 1)`.
        final_fraction: f64,
    },
    /// `1 / (1 + k / every)`.
    InverseTime {
        /// Iterations over which the step halves first, `>= 1`.
        every: u64,
    },
}

/// A checked schedule: a decay times a linear warm-up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// The decay.
    pub decay: Decay,
    /// Iterations of linear warm-up (0: none).
    pub warmup: u64,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::CONSTANT
    }
}

impl Schedule {
    /// The factor 1 at every iteration.
    pub const CONSTANT: Schedule = Schedule {
        decay: Decay::Constant,
        warmup: 0,
    };

    /// Whether every factor is 1.
    pub fn is_constant(&self) -> bool {
        *self == Schedule::CONSTANT
    }

    /// The factor `s_k` on the step of iteration `k` (`k` completed steps before it); exactly 1 for the
    /// constant schedule, so an unscheduled step is the same number as before schedules existed.
    pub fn factor(&self, k: u64) -> f64 {
        let decay = match self.decay {
            Decay::Constant => 1.0,
            Decay::Step { every, factor } => {
                let j = k / every;
                match i32::try_from(j) {
                    Ok(j) => factor.powi(j),
                    Err(_) => factor.powf(j as f64),
                }
            }
            Decay::Cosine {
                horizon,
                final_fraction,
            } => {
                let t = k.min(horizon) as f64 / horizon as f64;
                final_fraction
                    + (1.0 - final_fraction) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
            Decay::InverseTime { every } => 1.0 / (1.0 + k as f64 / every as f64),
        };
        if k < self.warmup {
            decay * ((k + 1) as f64 / self.warmup as f64)
        } else {
            decay
        }
    }
}

/// An optimizer configuration whose step a [`Schedule`] can scale.
pub trait Schedulable: Sized {
    /// Why this configuration takes no schedule, as what completes "`schedule` applies only with ..."
    /// (`step = "fixed", not with step = "armijo"`), or `None` when it takes one (the default).
    fn refuses_schedule(&self) -> Option<&'static str> {
        None
    }

    /// This configuration with its step at iteration `k` multiplied by `schedule.factor(k)`.
    fn with_schedule(self, schedule: Schedule) -> Self;
}

/// `key` given where it does not apply: `` `key` applies only with `what` ``.
fn only_with(key: &str, what: &str) -> ParamError {
    ParamError::key(key, format!("`{key}` applies only with {what}"))
}

/// A required count: given and at least 1.
fn at_least_one(key: &str, value: Option<u64>, name: &str) -> Result<u64, ParamError> {
    match value {
        Some(v) if v >= 1 => Ok(v),
        Some(v) => Err(ParamError::key(
            key,
            format!("`{key}` must be an integer >= 1, got {v}"),
        )),
        None => Err(ParamError::key(
            "schedule",
            format!("schedule = \"{name}\" needs `{key}` (an integer >= 1)"),
        )),
    }
}

impl ScheduleConfig {
    /// Takes the schedule keys out of an optimizer's table and parses them.
    pub fn take(table: &mut toml::Table) -> Result<Self, ParamError> {
        let mut own = toml::Table::new();
        for p in PARAMS {
            if let Some(v) = table.remove(p.name) {
                own.insert(p.name.to_string(), v);
            }
        }
        crate::params::from_table(&own, PARAMS)
    }

    /// The first schedule key given, in the order of [`PARAMS`].
    pub fn first_given(&self) -> Option<&'static str> {
        [
            ("schedule", self.schedule.is_some()),
            ("warmup", self.warmup.is_some()),
            ("decay_every", self.decay_every.is_some()),
            ("decay_factor", self.decay_factor.is_some()),
            ("horizon", self.horizon.is_some()),
            ("final_fraction", self.final_fraction.is_some()),
        ]
        .into_iter()
        .find_map(|(key, given)| given.then_some(key))
    }

    /// Rejects invalid values and keys of another schedule, naming the key, or returns the schedule.
    pub fn check(&self) -> Result<Schedule, ParamError> {
        let filled = self.clone().filled();
        let kind = filled.schedule.unwrap_or(ScheduleName::Constant);
        let name = kind.word();
        let step_only = "schedule = \"step\"";
        let period_only = "schedule = \"step\" or \"inverse-time\"";
        let cosine_only = "schedule = \"cosine\"";
        if kind != ScheduleName::Step && self.decay_factor.is_some() {
            return Err(only_with("decay_factor", step_only));
        }
        if !matches!(kind, ScheduleName::Step | ScheduleName::InverseTime)
            && self.decay_every.is_some()
        {
            return Err(only_with("decay_every", period_only));
        }
        if kind != ScheduleName::Cosine {
            for (key, given) in [
                ("horizon", self.horizon.is_some()),
                ("final_fraction", self.final_fraction.is_some()),
            ] {
                if given {
                    return Err(only_with(key, cosine_only));
                }
            }
        }
        let decay = match kind {
            ScheduleName::Step => {
                let factor = filled.decay_factor.unwrap_or_default();
                if !(factor.is_finite() && factor > 0.0 && factor < 1.0) {
                    return Err(ParamError::key(
                        "decay_factor",
                        format!("`decay_factor` must be a number in (0, 1), got {factor}"),
                    ));
                }
                Decay::Step {
                    every: at_least_one("decay_every", self.decay_every, name)?,
                    factor,
                }
            }
            ScheduleName::Cosine => {
                let final_fraction = filled.final_fraction.unwrap_or_default();
                in_range("final_fraction", final_fraction, 0.0, 1.0)?;
                if final_fraction == 1.0 {
                    return Err(ParamError::key(
                        "final_fraction",
                        "`final_fraction` must be below 1 (with 1 the cosine does not decay)",
                    ));
                }
                Decay::Cosine {
                    horizon: at_least_one("horizon", self.horizon, name)?,
                    final_fraction,
                }
            }
            ScheduleName::InverseTime => Decay::InverseTime {
                every: at_least_one("decay_every", self.decay_every, name)?,
            },
            ScheduleName::Constant => Decay::Constant,
        };
        Ok(Schedule {
            decay,
            warmup: filled.warmup.unwrap_or_default(),
        })
    }

    /// Checks the keys and hands the schedule to `optimizer`; a key given to a configuration that refuses
    /// schedules is an error naming it.
    pub fn apply<O: Schedulable>(&self, optimizer: O) -> Result<O, ParamError> {
        let schedule = self.check()?;
        if let (Some(key), Some(why)) = (self.first_given(), optimizer.refuses_schedule()) {
            return Err(only_with(key, why));
        }
        Ok(optimizer.with_schedule(schedule))
    }

    /// The keys as the canonical parameters hold them: those at their defaults left out.
    pub fn canonical(&self) -> ScheduleConfig {
        let d = ScheduleConfig::default().filled();
        ScheduleConfig {
            schedule: self.schedule.filter(|s| Some(*s) != d.schedule),
            warmup: self.warmup.filter(|w| Some(*w) != d.warmup),
            decay_every: self.decay_every,
            decay_factor: self.decay_factor.filter(|f| Some(*f) != d.decay_factor),
            horizon: self.horizon,
            final_fraction: self.final_fraction.filter(|f| Some(*f) != d.final_fraction),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Schedule, ParamError> {
        let mut t: toml::Table = toml::from_str(text).expect("test tables are valid TOML");
        ScheduleConfig::take(&mut t)?.check()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0)
    }

    #[test]
    fn constant_is_exactly_one() {
        let s = parse("").expect("valid");
        assert!(s.is_constant());
        for k in [0, 1, 7, u64::MAX] {
            assert_eq!(s.factor(k), 1.0);
        }
        assert_eq!(parse("schedule = \"constant\"").expect("valid"), s);
    }

    #[test]
    fn step_decays_at_the_boundaries() {
        let s = parse("schedule = \"step\"\ndecay_every = 3\ndecay_factor = 0.5").expect("valid");
        for (k, f) in [
            (0, 1.0),
            (2, 1.0),
            (3, 0.5),
            (5, 0.5),
            (6, 0.25),
            (9, 0.125),
        ] {
            assert_eq!(s.factor(k), f, "k = {k}");
        }
        let default = parse("schedule = \"step\"\ndecay_every = 10").expect("valid");
        assert_eq!(default.factor(9), 1.0);
        assert_eq!(default.factor(10), 0.1);
        assert!(close(default.factor(25), 0.1 * 0.1));
        assert!(default.factor(u64::MAX) >= 0.0);
    }

    #[test]
    fn cosine_matches_the_closed_form() {
        let s = parse("schedule = \"cosine\"\nhorizon = 100\nfinal_fraction = 0.2").expect("valid");
        assert_eq!(s.factor(0), 1.0);
        // At T/2 the cosine is 0: f + (1 - f)/2.
        assert!(close(s.factor(50), 0.2 + 0.8 * 0.5));
        // At T/4: f + (1 - f) (1 + cos(pi/4))/2.
        let quarter = 0.2 + 0.8 * 0.5 * (1.0 + std::f64::consts::FRAC_1_SQRT_2);
        assert!(close(s.factor(25), quarter), "{}", s.factor(25));
        assert_eq!(s.factor(100), 0.2);
        assert_eq!(s.factor(1000), 0.2, "beyond T the factor stays at f");
        let to_zero = parse("schedule = \"cosine\"\nhorizon = 4").expect("valid");
        assert_eq!(to_zero.factor(4), 0.0);
        assert!(close(to_zero.factor(2), 0.5));
    }

    #[test]
    fn inverse_time_halves_after_decay_every() {
        let s = parse("schedule = \"inverse-time\"\ndecay_every = 4").expect("valid");
        for (k, f) in [(0, 1.0), (2, 1.0 / 1.5), (4, 0.5), (12, 0.25)] {
            assert!(close(s.factor(k), f), "k = {k}: {}", s.factor(k));
        }
    }

    #[test]
    fn warmup_ramps_linearly_onto_any_schedule() {
        let s = parse("warmup = 4").expect("valid");
        for (k, f) in [
            (0, 0.25),
            (1, 0.5),
            (2, 0.75),
            (3, 1.0),
            (4, 1.0),
            (50, 1.0),
        ] {
            assert_eq!(s.factor(k), f, "k = {k}");
        }
        let s = parse("warmup = 2\nschedule = \"step\"\ndecay_every = 1\ndecay_factor = 0.5")
            .expect("valid");
        assert_eq!(s.factor(0), 0.5, "(0 + 1)/2 times 0.5^0");
        assert_eq!(s.factor(1), 0.5, "(1 + 1)/2 times 0.5^1");
        assert_eq!(s.factor(2), 0.25);
    }

    #[test]
    fn bad_keys_are_named() {
        for (text, key, needle) in [
            ("schedule = \"bogus\"", "schedule", "expected one of"),
            ("schedule = \"cosine\"", "schedule", "needs `horizon`"),
            ("schedule = \"step\"", "schedule", "needs `decay_every`"),
            (
                "schedule = \"inverse-time\"",
                "schedule",
                "needs `decay_every`",
            ),
            (
                "schedule = \"step\"\ndecay_every = 0",
                "decay_every",
                "integer >= 1",
            ),
            (
                "schedule = \"step\"\ndecay_every = 2\ndecay_factor = 2",
                "decay_factor",
                "(0, 1)",
            ),
            (
                "schedule = \"step\"\ndecay_every = 2\ndecay_factor = 0",
                "decay_factor",
                "(0, 1)",
            ),
            (
                "schedule = \"cosine\"\nhorizon = 0",
                "horizon",
                "integer >= 1",
            ),
            (
                "schedule = \"cosine\"\nhorizon = 5\nfinal_fraction = 1",
                "final_fraction",
                "below 1",
            ),
            (
                "schedule = \"step\"\ndecay_every = 2\nhorizon = 5",
                "horizon",
                "applies only with schedule = \"cosine\"",
            ),
            (
                "final_fraction = 0.5",
                "final_fraction",
                "applies only with schedule = \"cosine\"",
            ),
            (
                "schedule = \"cosine\"\nhorizon = 5\ndecay_every = 2",
                "decay_every",
                "applies only with schedule = \"step\" or \"inverse-time\"",
            ),
            (
                "schedule = \"inverse-time\"\ndecay_every = 2\ndecay_factor = 0.5",
                "decay_factor",
                "applies only with schedule = \"step\"",
            ),
            ("warmup = -1", "warmup", "whole number"),
            ("horizon = 2.5", "horizon", ""),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key), "{text}: {}", e.message);
            assert!(e.message.contains(needle), "{text}: {}", e.message);
        }
    }

    #[test]
    fn defaults_are_left_out_of_the_canonical_keys() {
        let mut t: toml::Table =
            toml::from_str("schedule = \"constant\"\nwarmup = 0\nlr = 0.1\n[extra]\nkeep = 1")
                .expect("valid TOML");
        let c = ScheduleConfig::take(&mut t).expect("valid");
        assert_eq!(t.len(), 2, "the optimizer's own keys stay: {t:?}");
        assert_eq!(c.canonical(), ScheduleConfig::default());
        assert_eq!(c.first_given(), Some("schedule"));
        let json = serde_json::to_value(c.canonical()).expect("serializes");
        assert_eq!(json, serde_json::json!({}));
        let step: ScheduleConfig =
            toml::from_str("schedule = \"step\"\ndecay_every = 5\ndecay_factor = 0.1\nwarmup = 3")
                .expect("valid");
        assert_eq!(
            serde_json::to_value(step.canonical()).expect("serializes"),
            serde_json::json!({"schedule": "step", "decay_every": 5, "warmup": 3})
        );
    }
}
