//! Iterate averaging: the runner measures an average of the iterates while the optimizer steps on.
//!
//! [`Averaged`] wraps any optimizer. The wrapped optimizer's own iterate `z_k` (the raw iterate) lives in the
//! state and every step continues from it; the point handed back to the runner, which the stop rule and the
//! trace measure and the run reports as its result, is the average `x_k`:
//! ```text
//! average = "polyak":  x_k = mean(z_s, ..., z_k) for k >= s = average_start, x_k = z_k before
//! average = "ema":     e_k = d e_{k-1} + (1 - d) z_k,  e_{-1} = 0,  x_k = e_k / (1 - d^(k+1)),  d = average_decay
//! ```
//! Polyak-Ruppert averaging (Ruppert 1988; Polyak and Juditsky 1992) gives stochastic gradient methods with
//! slowly decaying steps the optimal asymptotic rate; started after a burn-in (`average_start`) it forgets
//! the transient. The exponential moving average is optax's `ema(decay, debias=True)` fed the iterates
//! `z_0, z_1, ...` in turn: the bias correction makes `x_0 = z_0` and weights every average to sum 1. On a
//! deterministic problem an average lags the iterates (Polyak's mean of a geometric sequence converges only
//! like `1/k`), so averaged runs state no kappa slope or escape theory.
//!
//! The keys, on `gd`, `momentum`, `adam`, `rmsprop`, `adagrad` and `kfac`, are declared once, in
//! [`AveragingConfig`] (listed by `optzoo list optimizers` and in `docs/reference.md`). A key of another
//! mode is an error, and every key at its default is left out of the canonical parameters.

use crate::footprint::{Part, Size};
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError};
use crate::preconditioner::{Conditioner, Formed};
use crate::problem::Capabilities;
use crate::stop::Status;
use crate::theory::{Anatomy, EscapeTheory, KappaSlope};

/// The averaging keys, shared by every optimizer that takes them.
pub const PARAMS: &[ParamDoc] = AveragingConfig::PARAMS;

crate::declare_choice! {
    /// The averages `average` names.
    pub enum AverageName {
        /// The iterate itself.
        None = "none",
        /// The running mean of the iterates.
        Polyak = "polyak",
        /// The debiased exponential moving average.
        Ema = "ema",
    }
}

crate::declare_params! {
    /// The averaging keys as a config spells them (each `None` where not given).
    #[derive(Debug, Clone, PartialEq)]
    pub struct AveragingConfig {
        /// what the run measures and reports: the iterate ("none"), the running mean of the iterates ("polyak") or their debiased exponential average ("ema")
        average: Option<AverageName> = "none",
        /// the first iterate in the mean; before it the iterate itself (average = "polyak" only)
        average_start: Option<u64> = 0,
        /// decay of the exponential average, in (0, 1) (average = "ema" only)
        average_decay: Option<f64> = 0.99,
    }
}

/// The averaging, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Averaging {
    /// The iterate itself.
    None,
    /// The running mean of the iterates from iteration `start` on.
    Polyak {
        /// The first iterate averaged.
        start: u64,
    },
    /// The bias-corrected exponential moving average of the iterates.
    Ema {
        /// The decay, in `(0, 1)`.
        decay: f64,
    },
}

impl AveragingConfig {
    /// Takes the averaging keys out of an optimizer's table and parses them.
    pub fn take(table: &mut toml::Table) -> Result<Self, ParamError> {
        let mut own = toml::Table::new();
        for p in PARAMS {
            if let Some(v) = table.remove(p.name) {
                own.insert(p.name.to_string(), v);
            }
        }
        crate::params::from_table(&own, PARAMS)
    }

    /// Rejects invalid values and keys of another mode, naming the key, or returns the averaging.
    pub fn check(&self) -> Result<Averaging, ParamError> {
        let filled = self.clone().filled();
        let kind = filled.average.unwrap_or(AverageName::None);
        if kind != AverageName::Polyak && self.average_start.is_some() {
            return Err(ParamError::key(
                "average_start",
                "`average_start` applies only with average = \"polyak\"",
            ));
        }
        if kind != AverageName::Ema && self.average_decay.is_some() {
            return Err(ParamError::key(
                "average_decay",
                "`average_decay` applies only with average = \"ema\"",
            ));
        }
        Ok(match kind {
            AverageName::Polyak => Averaging::Polyak {
                start: filled.average_start.unwrap_or_default(),
            },
            AverageName::Ema => {
                let decay = filled.average_decay.unwrap_or_default();
                if !(decay.is_finite() && decay > 0.0 && decay < 1.0) {
                    return Err(ParamError::key(
                        "average_decay",
                        format!("`average_decay` must be a number in (0, 1), got {decay}"),
                    ));
                }
                Averaging::Ema { decay }
            }
            AverageName::None => Averaging::None,
        })
    }

    /// The keys as the canonical parameters hold them: those at their defaults left out.
    pub fn canonical(&self) -> AveragingConfig {
        let d = AveragingConfig::default().filled();
        AveragingConfig {
            average: self.average.filter(|a| Some(*a) != d.average),
            average_start: self.average_start.filter(|s| Some(*s) != d.average_start),
            average_decay: self.average_decay.filter(|x| Some(*x) != d.average_decay),
        }
    }
}

/// An optimizer whose reported iterate is an average of its own iterates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Averaged<O> {
    /// The optimizer that steps.
    pub inner: O,
    /// How its iterates are averaged (not [`Averaging::None`]).
    pub averaging: Averaging,
}

/// The memory of an averaged run: the wrapped optimizer's, its raw iterate and the average.
pub struct AveragedState<S> {
    /// The wrapped optimizer's state.
    inner: S,
    /// The raw iterate `z_k`, from which the next step continues.
    raw: Vec<f64>,
    /// Polyak: the mean so far; ema: the biased average `e_k`.
    average: Vec<f64>,
    /// Steps taken.
    steps: u64,
    /// Polyak: iterates in the mean; ema: iterates folded in.
    count: u64,
    /// Ema: `d^count`.
    decay_power: f64,
}

impl<O: Optimizer> Averaged<O> {
    /// Folds the raw iterate `z_k` (`k` = steps taken) into the average.
    fn fold(&self, s: &mut AveragedState<O::State>) {
        match self.averaging {
            Averaging::None => {}
            Averaging::Polyak { start } => {
                if s.steps < start {
                    return;
                }
                s.count += 1;
                if s.count == 1 {
                    s.average.copy_from_slice(&s.raw);
                } else {
                    let w = 1.0 / s.count as f64;
                    for (a, z) in s.average.iter_mut().zip(&s.raw) {
                        *a += w * (z - *a);
                    }
                }
            }
            Averaging::Ema { decay } => {
                s.count += 1;
                s.decay_power *= decay;
                for (a, z) in s.average.iter_mut().zip(&s.raw) {
                    *a = decay * *a + (1.0 - decay) * z;
                }
            }
        }
    }

    /// Writes the reported point: the average, or the raw iterate where nothing is averaged yet.
    fn report(&self, s: &AveragedState<O::State>, x: &mut [f64]) {
        match self.averaging {
            Averaging::Ema { .. } => {
                let debias = 1.0 / (1.0 - s.decay_power);
                for (xi, a) in x.iter_mut().zip(&s.average) {
                    *xi = a * debias;
                }
            }
            _ if s.count > 0 => x.copy_from_slice(&s.average),
            _ => x.copy_from_slice(&s.raw),
        }
    }
}

impl<O: Optimizer> Optimizer for Averaged<O> {
    type State = AveragedState<O::State>;

    fn requires(&self) -> Capabilities {
        self.inner.requires()
    }

    /// The wrapped optimizer's state at `x0`, with `z_0 = x0` folded into the average as its first term.
    fn init(&self, x0: &[f64], oracle: &mut Oracle) -> Result<Self::State, StepError> {
        let inner = self.inner.init(x0, oracle)?;
        let mut s = AveragedState {
            inner,
            raw: x0.to_vec(),
            average: vec![0.0; x0.len()],
            steps: 0,
            count: 0,
            decay_power: 1.0,
        };
        // The reported x_0 is z_0 in every mode: only the average takes it in.
        self.fold(&mut s);
        Ok(s)
    }

    /// One step of the wrapped optimizer from the raw iterate; `x` becomes the new average.
    fn step(
        &self,
        s: &mut Self::State,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        let info = self.inner.step(&mut s.inner, &mut s.raw, oracle)?;
        s.steps += 1;
        self.fold(s);
        self.report(s, x);
        Ok(info)
    }

    fn conditioner(&self) -> Conditioner {
        self.inner.conditioner()
    }

    fn preconditioner(&self, state: &Self::State) -> Option<Formed> {
        self.inner.preconditioner(&state.inner)
    }

    /// None: an average converges more slowly than the iterates it averages.
    fn kappa_slope(&self) -> Option<KappaSlope> {
        None
    }

    /// None: the average lags the escaping iterate.
    fn escape(&self) -> Option<EscapeTheory> {
        None
    }

    /// The wrapped optimizer's need plus the raw iterate and the average.
    fn anatomy(&self) -> Option<Anatomy> {
        self.inner.anatomy().map(|a| Anatomy {
            memory: a
                .memory
                .with(2, Size::Vector, Part::History, "raw iterate, average"),
            ..a
        })
    }

    fn finish(&self, state: &mut Self::State, status: Status) {
        self.inner.finish(&mut state.inner, status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    fn parse(text: &str) -> Result<Averaging, ParamError> {
        let mut t: toml::Table = toml::from_str(text).expect("test tables are valid TOML");
        AveragingConfig::take(&mut t)?.check()
    }

    /// Moves the iterate by `x <- r x` (gradient descent with step `1 - r` on `x^2/2`), without the oracle.
    struct Contract(f64);

    impl Optimizer for Contract {
        type State = ();
        fn anatomy(&self) -> Option<Anatomy> {
            Some(Anatomy::new("none", crate::footprint::Footprint::none()))
        }
        fn requires(&self) -> Capabilities {
            Capabilities::default()
        }
        fn init(&self, _x0: &[f64], _oracle: &mut Oracle) -> Result<(), StepError> {
            Ok(())
        }
        fn step(&self, _s: &mut (), x: &mut [f64], _o: &mut Oracle) -> Result<StepInfo, StepError> {
            for xi in x.iter_mut() {
                *xi *= self.0;
            }
            Ok(StepInfo::default())
        }
    }

    struct Zero;

    impl Problem for Zero {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, _x: &[f64]) -> f64 {
            0.0
        }
        fn gradient(&self, _x: &[f64], g: &mut [f64]) {
            g[0] = 0.0;
        }
        fn standard_start(&self) -> Vec<f64> {
            vec![1.0]
        }
    }

    /// The reported points x_1..x_k of `averaging` over z_j = r^j.
    fn reported(averaging: Averaging, r: f64, k: usize) -> Vec<f64> {
        let o = Averaged {
            inner: Contract(r),
            averaging,
        };
        let mut oracle = Oracle::new(&Zero);
        let mut x = vec![1.0];
        let mut s = o.init(&x, &mut oracle).expect("init");
        (0..k)
            .map(|_| {
                o.step(&mut s, &mut x, &mut oracle).expect("step");
                x[0]
            })
            .collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-14 * b.abs()
    }

    #[test]
    fn polyak_is_the_mean_of_the_geometric_iterates() {
        let r = 0.8f64;
        for start in [0u64, 3] {
            let xs = reported(Averaging::Polyak { start }, r, 20);
            for (i, x) in xs.iter().enumerate() {
                let k = i as u64 + 1;
                let expected = if k < start {
                    r.powi(k as i32)
                } else {
                    // mean of r^start..r^k: r^start (1 - r^(k - start + 1)) / ((1 - r)(k - start + 1)).
                    let m = (k - start + 1) as f64;
                    r.powi(start as i32) * (1.0 - r.powf(m)) / ((1.0 - r) * m)
                };
                assert!(
                    close(*x, expected),
                    "start {start}, k {k}: {x} vs {expected}"
                );
            }
        }
    }

    #[test]
    fn ema_is_the_debiased_weighted_mean() {
        // x_k = (1 - d) sum_j d^(k - j) r^j / (1 - d^(k+1)) = (1 - d)(d^(k+1) - r^(k+1)) / ((d - r)(1 - d^(k+1))).
        let (r, d) = (0.7f64, 0.9f64);
        let xs = reported(Averaging::Ema { decay: d }, r, 30);
        for (i, x) in xs.iter().enumerate() {
            let k1 = i as i32 + 2;
            let expected = (1.0 - d) * (d.powi(k1) - r.powi(k1)) / ((d - r) * (1.0 - d.powi(k1)));
            assert!(close(*x, expected), "k {}: {x} vs {expected}", k1 - 1);
        }
    }

    #[test]
    fn memory_counts_two_more_vectors() {
        use crate::optimizer::DynOptimizer;
        let stated = Averaged {
            inner: Contract(0.5),
            averaging: Averaging::Ema { decay: 0.5 },
        };
        assert_eq!(
            stated.memory(10),
            crate::memory::MemoryNeed::vectors(2, 10),
            "the contraction holds nothing; the raw iterate and the average"
        );
        let formula = Optimizer::anatomy(&stated).map(|a| a.formula());
        assert_eq!(formula.as_deref(), Some("2n (raw iterate, average)"));
    }

    #[test]
    fn keys_check_and_canonicalise() {
        assert_eq!(parse(""), Ok(Averaging::None));
        assert_eq!(
            parse("average = \"polyak\"\naverage_start = 5"),
            Ok(Averaging::Polyak { start: 5 })
        );
        assert_eq!(
            parse("average = \"ema\""),
            Ok(Averaging::Ema { decay: 0.99 })
        );
        for (text, key, needle) in [
            ("average = \"mean\"", "average", "expected one of"),
            (
                "average = \"ema\"\naverage_decay = 1",
                "average_decay",
                "(0, 1)",
            ),
            (
                "average = \"ema\"\naverage_decay = 0",
                "average_decay",
                "(0, 1)",
            ),
            (
                "average = \"polyak\"\naverage_decay = 0.5",
                "average_decay",
                "applies only",
            ),
            (
                "average = \"ema\"\naverage_start = 2",
                "average_start",
                "applies only",
            ),
            ("average_start = 2", "average_start", "applies only"),
            ("average_start = -2", "average_start", "whole number"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key), "{text}: {}", e.message);
            assert!(e.message.contains(needle), "{text}: {}", e.message);
        }
        let c: AveragingConfig = toml::from_str("average = \"none\"").expect("valid");
        assert_eq!(c.canonical(), AveragingConfig::default());
        let c: AveragingConfig =
            toml::from_str("average = \"ema\"\naverage_decay = 0.99").expect("valid");
        assert_eq!(
            serde_json::to_value(c.canonical()).expect("serializes"),
            serde_json::json!({"average": "ema"})
        );
    }
}
