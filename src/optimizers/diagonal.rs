//! The diagonal-preconditioner family: gradient steps scaled per coordinate by the root of accumulated
//! squared gradients. `adam`, `rmsprop` and `adagrad` are presets over its parts (as optax's aliases chain
//! `scale_by_adam`, `scale_by_rms`, `scale_by_rss`), written once here and fused in one pass per step.
//!
//! Per coordinate, with `t` the step count from 1:
//! ```text
//! v_t = beta2 v_{t-1} + (1 - beta2) g_t^2   (SecondMoment::Average)   or   v_t = v_{t-1} + g_t^2   (Sum)
//! d_t = sqrt(v_t / (1 - beta2^t)) + eps      (bias-corrected)          or   d_t = sqrt(v_t) + eps
//! without a first moment:  x_t = x_{t-1} - lr g_t / d_t
//! with one (bias-corrected, decoupled weight decay):
//!   m_t = beta1 m_{t-1} + (1 - beta1) g_t,   x_t = x_{t-1} - lr (m_t / (1 - beta1^t) / d_t + weight_decay x_{t-1})
//! ```
//! The preconditioner the family forms is `P = diag(d)` (see [`crate::preconditioner`]). Under a schedule
//! of [`super::lr_schedule`], step `t` uses `lr s_{t-1}` in place of `lr` (the weight decay included, as a
//! scheduled `lr` scales it in PyTorch's `AdamW`).

use super::lr_schedule::{Schedulable, Schedule};
use crate::footprint::{Footprint, Part, Size};
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::preconditioner::{Conditioner, Formed, Preconditioner};
use crate::problem::Capabilities;
use crate::theory::Anatomy;

/// The numerator of the step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FirstMoment {
    /// The gradient itself.
    Gradient,
    /// A bias-corrected exponential average of gradients with decay `beta1`, and decoupled weight decay.
    Average {
        /// The decay of the average, in `[0, 1)`.
        beta1: f64,
        /// The decoupled weight decay, `>= 0`.
        weight_decay: f64,
    },
}

/// The accumulator of squared gradients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SecondMoment {
    /// An exponential average with decay `beta2`, bias-corrected or not.
    Average {
        /// The decay, in `[0, 1)`.
        beta2: f64,
        /// Whether `v` is divided by `1 - beta2^t`.
        bias_corrected: bool,
    },
    /// The running sum.
    Sum,
}

/// A checked member of the family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diagonal {
    /// The learning rate.
    pub lr: f64,
    /// The numerator.
    pub first: FirstMoment,
    /// The accumulator.
    pub second: SecondMoment,
    /// Added to the root of the accumulator.
    pub eps: f64,
    /// `P` in words, for tables (`sqrt(v^) + eps`).
    pub label: &'static str,
    /// The factor on `lr` at each iteration.
    pub schedule: Schedule,
}

impl Schedulable for Diagonal {
    fn with_schedule(self, schedule: Schedule) -> Self {
        Diagonal { schedule, ..self }
    }
}

/// The memory of a run of the family.
pub struct DiagonalState {
    grad: Vec<f64>,
    /// The first moment (empty without one).
    m: Vec<f64>,
    /// The accumulator of squared gradients.
    v: Vec<f64>,
    /// `beta1^t`.
    beta1_t: f64,
    /// `beta2^t`.
    beta2_t: f64,
    /// Steps taken.
    steps: u64,
}

/// The constants of one step.
#[derive(Clone, Copy)]
struct Consts {
    lr: f64,
    eps: f64,
    beta1: f64,
    beta2: f64,
    weight_decay: f64,
    /// `1 - beta1^t`.
    bc1: f64,
    /// `1 - beta2^t`.
    bc2: f64,
}

/// One fused pass over the coordinates; the parts are chosen at compile time, so each preset runs a loop
/// with only its own arithmetic.
#[inline(always)]
fn pass<const MOMENT: bool, const SUM: bool, const CORRECT: bool>(
    c: Consts,
    x: &mut [f64],
    grad: &[f64],
    m: &mut [f64],
    v: &mut [f64],
) {
    let update = |xi: &mut f64, gi: f64, mi: &mut f64, vi: &mut f64| {
        *vi = if SUM {
            *vi + gi * gi
        } else {
            c.beta2 * *vi + (1.0 - c.beta2) * gi * gi
        };
        let d = if CORRECT {
            (*vi / c.bc2).sqrt() + c.eps
        } else {
            vi.sqrt() + c.eps
        };
        if MOMENT {
            *mi = c.beta1 * *mi + (1.0 - c.beta1) * gi;
            *xi -= c.lr * (*mi / c.bc1 / d + c.weight_decay * *xi);
        } else {
            *xi -= c.lr * gi / d;
        }
    };
    if MOMENT {
        for (((xi, gi), mi), vi) in x.iter_mut().zip(grad).zip(m).zip(v) {
            update(xi, *gi, mi, vi);
        }
    } else {
        let mut unused = 0.0;
        for ((xi, gi), vi) in x.iter_mut().zip(grad).zip(v) {
            update(xi, *gi, &mut unused, vi);
        }
    }
}

impl Diagonal {
    /// `d = sqrt(v^) + eps` from a state (`eps` before the first step).
    fn scale(&self, s: &DiagonalState) -> Vec<f64> {
        if s.steps == 0 {
            return vec![self.eps; s.v.len()];
        }
        let corrected = matches!(
            self.second,
            SecondMoment::Average {
                bias_corrected: true,
                ..
            }
        );
        let bc2 = 1.0 - s.beta2_t;
        s.v.iter()
            .map(|vi| {
                if corrected {
                    (vi / bc2).sqrt() + self.eps
                } else {
                    vi.sqrt() + self.eps
                }
            })
            .collect()
    }
}

impl Optimizer for Diagonal {
    type State = DiagonalState;

    fn requires(&self) -> Capabilities {
        Capabilities::default()
    }

    fn init(&self, x0: &[f64], _oracle: &mut Oracle) -> Result<DiagonalState, StepError> {
        let n = x0.len();
        let moment = matches!(self.first, FirstMoment::Average { .. });
        Ok(DiagonalState {
            grad: vec![0.0; n],
            m: vec![0.0; if moment { n } else { 0 }],
            v: vec![0.0; n],
            beta1_t: 1.0,
            beta2_t: 1.0,
            steps: 0,
        })
    }

    fn step(
        &self,
        s: &mut DiagonalState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        oracle.gradient(x, &mut s.grad);
        let lr = self.lr * self.schedule.factor(s.steps);
        s.steps += 1;
        let (beta1, weight_decay) = match self.first {
            FirstMoment::Gradient => (0.0, 0.0),
            FirstMoment::Average {
                beta1,
                weight_decay,
            } => (beta1, weight_decay),
        };
        let (beta2, correct) = match self.second {
            SecondMoment::Average {
                beta2,
                bias_corrected,
            } => (beta2, bias_corrected),
            SecondMoment::Sum => (1.0, false),
        };
        s.beta1_t *= beta1;
        s.beta2_t *= beta2;
        let c = Consts {
            lr,
            eps: self.eps,
            beta1,
            beta2,
            weight_decay,
            bc1: 1.0 - s.beta1_t,
            bc2: 1.0 - s.beta2_t,
        };
        let (g, m, v) = (&s.grad, &mut s.m, &mut s.v);
        let moment = matches!(self.first, FirstMoment::Average { .. });
        let sum = self.second == SecondMoment::Sum;
        match (moment, sum, correct) {
            (true, false, true) => pass::<true, false, true>(c, x, g, m, v),
            (true, false, false) => pass::<true, false, false>(c, x, g, m, v),
            (true, true, _) => pass::<true, true, false>(c, x, g, m, v),
            (false, false, true) => pass::<false, false, true>(c, x, g, m, v),
            (false, false, false) => pass::<false, false, false>(c, x, g, m, v),
            (false, true, _) => pass::<false, true, false>(c, x, g, m, v),
        }
        Ok(StepInfo {
            step_size: Some(lr),
        })
    }

    fn conditioner(&self) -> Conditioner {
        Conditioner::Learned(self.label.into())
    }

    fn preconditioner(&self, state: &DiagonalState) -> Option<Formed> {
        Some(Formed::new(
            self.label,
            Preconditioner::Diagonal(self.scale(state)),
        ))
    }

    fn anatomy(&self) -> Option<Anatomy> {
        Some(Anatomy::new(
            "diagonal",
            match self.first {
                FirstMoment::Gradient => Footprint::none()
                    .with(1, Size::Vector, Part::History, "second moment")
                    .vectors(1, "gradient"),
                FirstMoment::Average { .. } => Footprint::none()
                    .with(2, Size::Vector, Part::History, "two moments")
                    .vectors(1, "gradient"),
            },
        ))
    }
}

/// Checks a decay rate: in `[0, 1)`, naming its key.
pub fn check_decay(key: &str, v: f64) -> Result<(), crate::params::ParamError> {
    crate::params::in_range(key, v, 0.0, 1.0)?;
    if v == 1.0 {
        return Err(crate::params::ParamError::key(
            key,
            format!("`{key}` must be below 1 (an average that never forgets never moves)"),
        ));
    }
    Ok(())
}

/// `f(x) = sum c_i x_i`: a constant gradient `c`, shared by the presets' tests.
#[cfg(test)]
pub(crate) struct Tilt(pub Vec<f64>);

#[cfg(test)]
impl crate::problem::Problem for Tilt {
    fn dim(&self) -> usize {
        self.0.len()
    }
    fn value(&self, x: &[f64]) -> f64 {
        x.iter().zip(&self.0).map(|(a, b)| a * b).sum()
    }
    fn gradient(&self, _x: &[f64], g: &mut [f64]) {
        g.copy_from_slice(&self.0);
    }
    fn standard_start(&self) -> Vec<f64> {
        vec![0.0; self.0.len()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preconditioner_is_the_scale_of_the_next_step() {
        // With a constant gradient c and no first moment, step t moves x by -lr c / d_t exactly, where d_t
        // is the scale the state reports after the step.
        let p = Tilt(vec![1e-3, -2.0, 5e2]);
        for second in [
            SecondMoment::Sum,
            SecondMoment::Average {
                beta2: 0.9,
                bias_corrected: false,
            },
            SecondMoment::Average {
                beta2: 0.99,
                bias_corrected: true,
            },
        ] {
            let o = Diagonal {
                lr: 0.1,
                first: FirstMoment::Gradient,
                second,
                eps: 1e-8,
                label: "d",
                schedule: Schedule::CONSTANT,
            };
            let mut oracle = Oracle::new(&p);
            let mut x = vec![0.0; 3];
            let mut s = o.init(&x, &mut oracle).expect("init");
            let before = o.preconditioner(&s).expect("formed");
            assert_eq!(before.matrix, Preconditioner::Diagonal(vec![1e-8; 3]));
            for _ in 0..4 {
                let x0 = x.clone();
                o.step(&mut s, &mut x, &mut oracle).expect("step");
                let Some(Formed {
                    matrix: Preconditioner::Diagonal(d),
                    ..
                }) = o.preconditioner(&s)
                else {
                    panic!("a diagonal")
                };
                for i in 0..3 {
                    assert_eq!(x[i], x0[i] - 0.1 * p.0[i] / d[i], "{second:?}");
                }
            }
        }
    }
}
