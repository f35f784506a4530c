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
//! Its keys are declared once, in [`AdamConfig`] (listed by `optzoo list optimizers` and in
//! `docs/reference.md`); with them, the schedule keys of [`super::lr_schedule`] (on `lr`) and the averaging keys of
//! [`super::averaging`].

use super::OptimizerConfig;
use super::diagonal::{Diagonal, FirstMoment, SecondMoment, check_decay};
use super::lr_schedule::Schedule;
use crate::params::{ParamDoc, ParamError, in_range, positive};

/// The keys of `adam`: its own, then the schedule and averaging keys.
pub const PARAMS: &[ParamDoc] = &super::with_schedule_keys::<
    { AdamConfig::PARAMS.len() + super::SCHEDULE_KEYS },
>(AdamConfig::PARAMS);

crate::declare_params! {
    /// The parameters of `adam`.
    #[derive(Debug, Clone, Copy)]
    pub struct AdamConfig {
        /// learning rate > 0
        lr: f64 = 1e-3,
        /// decay of the first-moment average, in [0, 1)
        beta1: f64 = 0.9,
        /// decay of the second-moment average, in [0, 1)
        beta2: f64 = 0.999,
        /// added to sqrt(v^) in the denominator, > 0
        eps: f64 = 1e-8,
        /// decoupled weight decay (AdamW), >= 0
        weight_decay: f64 = 0.0,
    }
}

impl OptimizerConfig for AdamConfig {
    type Checked = Diagonal;

    fn check(&self) -> Result<Diagonal, ParamError> {
        positive("lr", self.lr)?;
        check_decay("beta1", self.beta1)?;
        check_decay("beta2", self.beta2)?;
        positive("eps", self.eps)?;
        in_range("weight_decay", self.weight_decay, 0.0, f64::MAX)?;
        Ok(Diagonal {
            lr: self.lr,
            first: FirstMoment::Average {
                beta1: self.beta1,
                weight_decay: self.weight_decay,
            },
            second: SecondMoment::Average {
                beta2: self.beta2,
                bias_corrected: true,
            },
            eps: self.eps,
            label: "sqrt(v^) + eps",
            schedule: Schedule::CONSTANT,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimizer::Optimizer;
    use crate::optimizers::diagonal::Tilt;
    use crate::oracle::Oracle;

    fn parse(s: &str) -> Result<Diagonal, ParamError> {
        crate::optimizers::parse_checked::<AdamConfig>(s, PARAMS)
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
    fn a_schedule_scales_the_sign_steps() {
        // As above, with lr_k = 0.1 * 0.5^k: after t steps x = -0.1 (2 - 2^(1-t)) c / (|c| + eps).
        use crate::optimizers::lr_schedule::{Decay, Schedulable};
        let p = Tilt(vec![1e-3, -5.0]);
        let a = parse("lr = 0.1\neps = 1e-12")
            .expect("valid")
            .with_schedule(Schedule {
                decay: Decay::Step {
                    every: 1,
                    factor: 0.5,
                },
                warmup: 0,
            });
        let mut o = Oracle::new(&p);
        let mut x = vec![0.0; 2];
        let mut s = a.init(&x, &mut o).expect("init");
        for t in 1..=5 {
            let info = a.step(&mut s, &mut x, &mut o).expect("step");
            assert_eq!(info.step_size, Some(0.1 * 0.5f64.powi(t - 1)));
            for (xi, ci) in x.iter().zip(&p.0) {
                let expected = -0.1 * (2.0 - 2f64.powi(1 - t)) * ci / (ci.abs() + 1e-12);
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
