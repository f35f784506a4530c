//! `adam`: adaptive moment estimation, with optional decoupled weight decay (AdamW).
//!
//! Update (Kingma and Ba 2015, Algorithm 1), with `t` the step count from 1 and squares taken per coordinate:
//! ```text
//! m_t = beta1 m_{t-1} + (1 - beta1) g_t            v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
//! m^_t = m_t / (1 - beta1^t)                        v^_t = v_t / (1 - beta2^t)
//! x_t = x_{t-1} - lr (m^_t / (sqrt(v^_t) + eps) + weight_decay x_{t-1})
//! ```
//! The `weight_decay` term is decoupled from the gradient, as AdamW (Loshchilov and Hutter 2019), in the
//! convention of PyTorch's `AdamW` (the decay is scaled by `lr`). With `weight_decay > 0` the fixed points
//! are not those of `f` but of `f` plus a penalty, so the gradient of `f` does not vanish there.
//!
//! The scale `sqrt(v^)` is a diagonal, per-coordinate preconditioner built from squared gradients: it is
//! not curvature, but on an axis-aligned problem it equalises the coordinates' step scales (with `eps`
//! negligible the iterates do not depend on the eigenvalues at all), which a rotation of the same spectrum
//! takes away. With a constant `lr` the effective step `lr / sqrt(v^)` grows as the gradients shrink, until
//! the iteration starts to oscillate; the first-moment average damps the oscillation, and on deterministic
//! problems Adam still converges, more slowly the more coupled the coordinates are.
//!
//! TOML keys: `lr` (1e-3), `beta1` (0.9), `beta2` (0.999), `eps` (1e-8), `weight_decay` (0).

use serde::{Deserialize, Serialize};

use super::OptimizerConfig;
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError, in_range, positive};
use crate::problem::Capabilities;

/// The keys of `adam`.
pub const PARAMS: &[ParamDoc] = &[
    ParamDoc {
        name: "lr",
        default: "1e-3",
        doc: "learning rate > 0",
    },
    ParamDoc {
        name: "beta1",
        default: "0.9",
        doc: "decay of the first-moment average, in [0, 1)",
    },
    ParamDoc {
        name: "beta2",
        default: "0.999",
        doc: "decay of the second-moment average, in [0, 1)",
    },
    ParamDoc {
        name: "eps",
        default: "1e-8",
        doc: "added to sqrt(v^) in the denominator, > 0",
    },
    ParamDoc {
        name: "weight_decay",
        default: "0.0",
        doc: "decoupled weight decay (AdamW), >= 0",
    },
];

/// The parameters of `adam`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamConfig {
    /// Learning rate.
    #[serde(default = "default_lr")]
    pub lr: f64,
    /// First-moment decay.
    #[serde(default = "default_beta1")]
    pub beta1: f64,
    /// Second-moment decay.
    #[serde(default = "default_beta2")]
    pub beta2: f64,
    /// Denominator offset.
    #[serde(default = "default_eps")]
    pub eps: f64,
    /// Decoupled weight decay.
    #[serde(default)]
    pub weight_decay: f64,
}

fn default_lr() -> f64 {
    1e-3
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_eps() -> f64 {
    1e-8
}

/// Checks that a decay lies in `[0, 1)`.
fn decay(key: &str, v: f64) -> Result<(), ParamError> {
    in_range(key, v, 0.0, 1.0)?;
    if v == 1.0 {
        return Err(ParamError::key(
            key,
            format!("`{key}` must be below 1 (an average that never forgets never moves)"),
        ));
    }
    Ok(())
}

impl OptimizerConfig for AdamConfig {
    type Checked = Adam;

    fn check(&self) -> Result<Adam, ParamError> {
        positive("lr", self.lr)?;
        decay("beta1", self.beta1)?;
        decay("beta2", self.beta2)?;
        positive("eps", self.eps)?;
        in_range("weight_decay", self.weight_decay, 0.0, f64::MAX)?;
        Ok(Adam { config: *self })
    }
}

/// Adam with checked parameters.
#[derive(Debug, Clone, Copy)]
pub struct Adam {
    /// The parameters.
    pub config: AdamConfig,
}

/// The memory of an `adam` run.
pub struct AdamState {
    grad: Vec<f64>,
    /// First-moment average `m`.
    m: Vec<f64>,
    /// Second-moment average `v`.
    v: Vec<f64>,
    /// `beta1^t` and `beta2^t`, kept as running products.
    beta1_t: f64,
    beta2_t: f64,
}

impl Optimizer for Adam {
    type State = AdamState;

    fn requires(&self) -> Capabilities {
        Capabilities::default()
    }

    fn init(&self, x0: &[f64], _oracle: &mut Oracle) -> Result<AdamState, StepError> {
        let n = x0.len();
        Ok(AdamState {
            grad: vec![0.0; n],
            m: vec![0.0; n],
            v: vec![0.0; n],
            beta1_t: 1.0,
            beta2_t: 1.0,
        })
    }

    fn step(
        &self,
        s: &mut AdamState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        let c = &self.config;
        oracle.gradient(x, &mut s.grad);
        s.beta1_t *= c.beta1;
        s.beta2_t *= c.beta2;
        let (bc1, bc2) = (1.0 - s.beta1_t, 1.0 - s.beta2_t);
        for (((xi, gi), mi), vi) in x.iter_mut().zip(&s.grad).zip(&mut s.m).zip(&mut s.v) {
            *mi = c.beta1 * *mi + (1.0 - c.beta1) * gi;
            *vi = c.beta2 * *vi + (1.0 - c.beta2) * gi * gi;
            let m_hat = *mi / bc1;
            let v_hat = *vi / bc2;
            *xi -= c.lr * (m_hat / (v_hat.sqrt() + c.eps) + c.weight_decay * *xi);
        }
        Ok(StepInfo {
            step_size: Some(c.lr),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    fn parse(s: &str) -> Result<Adam, ParamError> {
        crate::optimizers::parse_checked::<AdamConfig>(s, PARAMS)
    }

    /// f(x) = sum c_i x_i, a constant gradient c.
    struct Tilt(Vec<f64>);

    impl Problem for Tilt {
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

    #[test]
    fn bias_correction_makes_constant_gradients_sign_steps() {
        // With a constant gradient c, m^_t = c and v^_t = c^2 exactly for every t (bias correction), so each
        // step moves every coordinate by -lr c_i/(|c_i| + eps), whatever the scale of c_i.
        let p = Tilt(vec![1e-3, -5.0, 1e3]);
        let a = parse("lr = 0.1\neps = 1e-12").expect("valid");
        let mut o = Oracle::new(&p);
        let mut x = vec![0.0; 3];
        let mut s = a.init(&x, &mut o).expect("init");
        for t in 1..=5 {
            a.step(&mut s, &mut x, &mut o).expect("step");
            for (xi, ci) in x.iter().zip(&p.0) {
                let expected = -0.1 * t as f64 * ci / (ci.abs() + 1e-12);
                // Each step rounds a handful of operations on values of size <= 1 (the moments' ratio, the step);
                // five steps accumulate well under 64 ulps.
                assert!(
                    (xi - expected).abs() <= 64.0 * f64::EPSILON,
                    "step {t}: {xi:e} vs {expected:e}"
                );
            }
        }
    }

    #[test]
    fn decoupled_weight_decay_shrinks_at_zero_gradient() {
        // At a zero gradient m = v = 0 and the update is x <- x - lr wd x.
        let p = Tilt(vec![0.0, 0.0]);
        let a = parse("lr = 0.5\nweight_decay = 0.2").expect("valid");
        let mut o = Oracle::new(&p);
        let mut x = vec![1.0, -2.0];
        let mut s = a.init(&x, &mut o).expect("init");
        a.step(&mut s, &mut x, &mut o).expect("step");
        assert_eq!(x, vec![0.9, -1.8]);
    }

    #[test]
    fn bad_values_name_their_key() {
        for (s, key) in [
            ("lr = 0", "lr"),
            ("beta1 = 1", "beta1"),
            ("beta2 = 1.5", "beta2"),
            ("eps = -1", "eps"),
            ("weight_decay = -0.1", "weight_decay"),
            ("momentum = 0.9", "momentum"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }
}
