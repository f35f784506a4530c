//! `rmsprop`: gradient steps divided by a running root mean square of past gradients.
//!
//! Update (Tieleman and Hinton 2012, lecture 6e), per coordinate:
//! ```text
//! v_k = beta2 v_{k-1} + (1 - beta2) g_k^2,    x_{k+1} = x_k - lr g_k / (sqrt(v_k) + eps),    v_{-1} = 0
//! ```
//! No momentum and no bias correction (so the first steps are larger, by `1/sqrt(1 - beta2^(k+1))`). The
//! scale `sqrt(v)` is a diagonal preconditioner from squared gradients, not curvature: it equalises the step
//! scales of an axis-aligned problem and does nothing for a rotated one.
//!
//! Limitation: with a constant `lr` and no momentum, once `|g|` is small `v` follows `g^2` and the update
//! approaches a sign step of length about `lr` per coordinate. Axis-aligned problems still converge, each
//! coordinate on its own; where coordinates are coupled (Rosenbrock's valley, a rotated quadratic of large
//! condition number) the iterates oscillate at an amplitude set by `lr` instead of converging.
//!
//! Its keys are declared once, in [`RmspropConfig`] (listed by `optzoo list optimizers` and in
//! `docs/reference.md`); with them, the schedule keys of [`super::lr_schedule`] (on `lr`) and the averaging keys of
//! [`super::averaging`].

use super::OptimizerConfig;
use super::diagonal::{Diagonal, FirstMoment, SecondMoment};
use super::lr_schedule::Schedule;
use crate::params::{ParamDoc, ParamError, in_range, positive};

/// The keys of `rmsprop`: its own, then the schedule and averaging keys.
pub const PARAMS: &[ParamDoc] = &super::with_schedule_keys::<
    { RmspropConfig::PARAMS.len() + super::SCHEDULE_KEYS },
>(RmspropConfig::PARAMS);

crate::declare_params! {
    /// The parameters of `rmsprop`.
    #[derive(Debug, Clone, Copy)]
    pub struct RmspropConfig {
        /// learning rate > 0
        lr: f64 = 1e-3,
        /// decay of the squared-gradient average, in [0, 1) (0.9 is the decay Tieleman and Hinton used)
        beta2: f64 = 0.9,
        /// added to sqrt(v) in the denominator, > 0
        eps: f64 = 1e-8,
    }
}

impl OptimizerConfig for RmspropConfig {
    type Checked = Diagonal;

    fn check(&self) -> Result<Diagonal, ParamError> {
        positive("lr", self.lr)?;
        in_range("beta2", self.beta2, 0.0, 1.0)?;
        if self.beta2 == 1.0 {
            return Err(ParamError::key(
                "beta2",
                "`beta2` must be below 1 (with 1, v stays 0)",
            ));
        }
        positive("eps", self.eps)?;
        Ok(Diagonal {
            lr: self.lr,
            first: FirstMoment::Gradient,
            second: SecondMoment::Average {
                beta2: self.beta2,
                bias_corrected: false,
            },
            eps: self.eps,
            label: "sqrt(v) + eps",
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
        crate::optimizers::parse_checked::<RmspropConfig>(s, PARAMS)
    }

    #[test]
    fn steps_are_scale_free_and_unbiased_averages_grow() {
        // With a constant gradient c, v_k = (1 - beta2^(k+1)) c^2, so step k moves coordinate i by
        // -lr sign(c_i) / sqrt(1 - beta2^(k+1)) (eps = 0 in the limit): with beta2 = 0.75, the first two steps
        // are -lr sign(c)/sqrt(1/4) = -2 lr sign(c) and -lr sign(c)/sqrt(7/16).
        let p = Tilt(vec![1e-3, -1e3]);
        let r = parse("lr = 0.1\nbeta2 = 0.75\neps = 1e-300").expect("valid");
        let mut o = Oracle::new(&p);
        let mut x = vec![0.0; 2];
        let mut s = r.init(&x, &mut o).expect("init");
        let mut expected = [0.0; 2];
        for k in 0..2 {
            r.step(&mut s, &mut x, &mut o).expect("step");
            let scale = (1.0 - 0.75f64.powi(k + 1)).sqrt();
            for (e, c) in expected.iter_mut().zip(&p.0) {
                *e -= 0.1 * c.signum() / scale;
            }
            for (xi, e) in x.iter().zip(&expected) {
                // Two steps of a few roundings each on values of size <= 1: 16 ulps is ample.
                assert!(
                    (xi - e).abs() <= 16.0 * f64::EPSILON,
                    "step {k}: {xi:e} vs {e:e}"
                );
            }
        }
    }

    #[test]
    fn bad_values_name_their_key() {
        for (s, key) in [
            ("lr = -1", "lr"),
            ("beta2 = 1", "beta2"),
            ("eps = 0", "eps"),
            ("beta1 = 0.9", "beta1"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }
}
