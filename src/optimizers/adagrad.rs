//! `adagrad`: gradient steps divided by the root of the sum of all past squared gradients.
//!
//! Update (Duchi, Hazan and Singer 2011, the diagonal variant), per coordinate:
//! ```text
//! G_k = G_{k-1} + g_k^2,    x_{k+1} = x_k - lr g_k / (sqrt(G_k) + eps),    G_{-1} = 0
//! ```
//! The accumulated `sqrt(G)` is a diagonal preconditioner from squared gradients, not curvature. It only
//! grows, so the effective steps only shrink: on a deterministic problem whose gradients decay
//! geometrically `G` converges and Adagrad ends as gradient descent with a fixed diagonal scaling.
//!
//! Its keys are declared once, in [`AdagradConfig`] (listed by `optzoo list optimizers` and in
//! `docs/reference.md`); with them, the schedule keys of [`super::lr_schedule`] (on `lr`) and the averaging keys of
//! [`super::averaging`].

use super::OptimizerConfig;
use super::diagonal::{Diagonal, FirstMoment, SecondMoment};
use super::lr_schedule::Schedule;
use crate::params::{ParamDoc, ParamError, positive};

/// The keys of `adagrad`: its own, then the schedule and averaging keys.
pub const PARAMS: &[ParamDoc] = &super::with_schedule_keys::<
    { AdagradConfig::PARAMS.len() + super::SCHEDULE_KEYS },
>(AdagradConfig::PARAMS);

crate::declare_params! {
    /// The parameters of `adagrad`.
    #[derive(Debug, Clone, Copy)]
    pub struct AdagradConfig {
        /// learning rate > 0
        lr: f64 = 1e-2,
        /// added to sqrt(G) in the denominator, > 0
        eps: f64 = 1e-10,
    }
}

impl OptimizerConfig for AdagradConfig {
    type Checked = Diagonal;

    fn check(&self) -> Result<Diagonal, ParamError> {
        positive("lr", self.lr)?;
        positive("eps", self.eps)?;
        Ok(Diagonal {
            lr: self.lr,
            first: FirstMoment::Gradient,
            second: SecondMoment::Sum,
            eps: self.eps,
            label: "sqrt(G) + eps",
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
        crate::optimizers::parse_checked::<AdagradConfig>(s, PARAMS)
    }

    #[test]
    fn steps_shrink_like_one_over_sqrt_k() {
        // With a constant gradient c, G_k = (k + 1) c^2 and step k moves by -lr sign(c)/sqrt(k + 1), so after
        // K steps x = -lr sign(c) sum_{j=1}^{K} 1/sqrt(j), for any scale of c (eps negligible).
        let p = Tilt(vec![1e-4, -1e4]);
        let a = parse("lr = 0.1\neps = 1e-300").expect("valid");
        let mut o = Oracle::new(&p);
        let mut x = vec![0.0; 2];
        let mut s = a.init(&x, &mut o).expect("init");
        let k_max = 50;
        for _ in 0..k_max {
            a.step(&mut s, &mut x, &mut o).expect("step");
        }
        let harmonic: f64 = (1..=k_max).map(|j| 1.0 / (j as f64).sqrt()).sum();
        for (xi, c) in x.iter().zip(&p.0) {
            let e = -0.1 * c.signum() * harmonic;
            // Each step adds a few roundings relative to |x|: the error grows at most linearly in k.
            let tol = 64.0 * k_max as f64 * f64::EPSILON * e.abs();
            assert!((xi - e).abs() <= tol, "{xi:e} vs {e:e}");
        }
    }

    #[test]
    fn bad_values_name_their_key() {
        for (s, key) in [
            ("lr = 0", "lr"),
            ("eps = -1", "eps"),
            ("beta2 = 0.9", "beta2"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }
}
