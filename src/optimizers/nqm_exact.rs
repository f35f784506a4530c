//! `nqm-exact`: exact mode on the noisy quadratic model. The expected loss of SGD, heavy ball and SGD
//! preconditioned by `H^-p` (with or without momentum) under the model's gradient noise, computed by a
//! closed recursion of moments instead of sampled (Zhang et al. 2019 compute their figures this way).
//!
//! The update is `x_{k+1} = x_k - eta H^-p g_k + beta (x_k - x_{k-1})` with `x_{-1} = x_0` (the heavy ball of
//! [`super::momentum`] at `p = 0`; [`super::gd`] with a fixed step at `beta = 0` too), on a problem that is
//! a diagonal linear-Gaussian noise model ([`crate::problem::stochastic::Stochastic::diagonal_noise`]: the
//! `nqm` family), whose minibatch gradient is `g_k = H x_k + xi_k`, `xi_k ~ N(0, diag(c) / B)`. The update
//! is linear and coordinate-wise: with `d_i = eta h_i^-p`, `r_i = 1 + beta - d_i h_i` and `s_i = c_i / B`,
//! coordinate `i` follows `x_{k+1} = r_i x_k - beta x_{k-1} - d_i xi_k`, so its second moments
//! `A_k = E x_k^2`, `C_k = E x_k x_{k-1}`, `P_k = E x_{k-1}^2` follow exactly
//!
//! ```text
//! A_{k+1} = r^2 A_k - 2 r beta C_k + beta^2 P_k + d^2 s,   C_{k+1} = r A_k - beta C_k,   P_{k+1} = A_k,
//! ```
//!
//! from `A_0 = C_0 = P_0 = x_0^2`, and the expected loss is `E f(x_k) = 1/2 sum_i h_i A_k,i`. Nothing is
//! sampled: a run is one deterministic sequence, and its seed changes nothing.
//!
//! How exact mode enters a config: as this optimizer, on an `nqm` instance with its `batch_size` (without
//! one the noise is zero and the recursion is the noise-free descent). Its iterate, the one the run loop
//! measures, records and applies the stop rule to, is the root-mean-square iterate `x_i = sqrt(A_k,i)`,
//! whose loss `f(x) = 1/2 sum h_i A_k,i` is the expected loss: so `f_tol` is met at the first step where the
//! expected loss is below it, and records, traces, tuning and reports treat exact runs like any other. Each
//! step charges one minibatch gradient (and its `batch_size` samples), the cost of the step it stands for.
//!
//! The expected loss depends on the start only through `E x_0,i^2`: the `nqm` standard start (ones) gives
//! `E x_0^2 = 1`, the same as a start drawn from `N(0, I)`, so exact mode from the standard start is also the
//! expectation over Zhang et al.'s random start.
//!
//! Its keys, `step` (`eta`), `beta` and `power` (`p`), are declared once, in [`NqmExactConfig`] (listed by
//! `optzoo list optimizers` and in `docs/reference.md`). The same method is
//! registered again as `nqm-exact-momentum`, so that a tuning, whose spaces are per optimizer name, can tune
//! `beta` jointly with the step for heavy ball while SGD and the preconditioned configurations of
//! `nqm-exact` keep `beta = 0`.

use super::OptimizerConfig;
use crate::footprint::{Footprint, Part, Size};
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError, in_range, positive};
use crate::problem::Capabilities;
use crate::theory::Anatomy;

/// The keys of `nqm-exact`.
pub const PARAMS: &[ParamDoc] = NqmExactConfig::PARAMS;

crate::declare_params! {
    /// The parameters of `nqm-exact`.
    #[derive(Debug, Clone)]
    pub struct NqmExactConfig {
        /// the step eta > 0 (stable at large batch sizes where eta h_i^(1-p) < 2 (1 + beta) for every i)
        step: f64 = 0.1,
        /// heavy-ball momentum in [0, 1): 0 is SGD
        beta: f64 = 0.0,
        /// p in [0, 1]: the step is preconditioned by H^-p (0: none; Zhang et al. model Adam and K-FAC so)
        power: f64 = 0.0,
    }
}

impl OptimizerConfig for NqmExactConfig {
    type Checked = NqmExact;

    fn check(&self) -> Result<NqmExact, ParamError> {
        positive("step", self.step)?;
        in_range("beta", self.beta, 0.0, 1.0)?;
        if self.beta >= 1.0 {
            return Err(ParamError::key(
                "beta",
                format!("`beta` must be below 1, got {}", self.beta),
            ));
        }
        in_range("power", self.power, 0.0, 1.0)?;
        Ok(NqmExact {
            step: self.step,
            beta: self.beta,
            power: self.power,
        })
    }
}

/// Exact mode: the moment recursion of the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct NqmExact {
    /// The step `eta`.
    pub step: f64,
    /// The momentum `beta`.
    pub beta: f64,
    /// The preconditioning power `p`.
    pub power: f64,
}

/// The moments of an exact-mode run, per coordinate.
pub struct NqmExactState {
    /// `h_i`.
    h: Vec<f64>,
    /// `d_i = eta h_i^-p`.
    d: Vec<f64>,
    /// `c_i / B` (zero without minibatches).
    s: Vec<f64>,
    /// `E x_k^2`.
    a: Vec<f64>,
    /// `E x_k x_{k-1}`.
    c: Vec<f64>,
    /// `E x_{k-1}^2`.
    p: Vec<f64>,
}

impl NqmExact {
    /// One step of the moment recursion on the state.
    fn advance(&self, s: &mut NqmExactState) {
        let beta = self.beta;
        for i in 0..s.a.len() {
            let (d, h) = (s.d[i], s.h[i]);
            let r = 1.0 + beta - d * h;
            let (a, c, p) = (s.a[i], s.c[i], s.p[i]);
            s.a[i] = r * r * a - 2.0 * r * beta * c + beta * beta * p + d * d * s.s[i];
            s.c[i] = r * a - beta * c;
            s.p[i] = a;
        }
    }
}

impl Optimizer for NqmExact {
    type State = NqmExactState;

    /// Nothing beyond values and gradients: the noise model is asked for at the start, and a problem
    /// without one makes the run `not-applicable`, saying so.
    fn requires(&self) -> Capabilities {
        Capabilities::default()
    }

    fn init(&self, x0: &[f64], oracle: &mut Oracle) -> Result<NqmExactState, StepError> {
        let model = oracle.diagonal_noise().ok_or_else(|| {
            StepError::NotApplicable(
                "exact mode needs a diagonal linear-Gaussian noise model (family `nqm`)".into(),
            )
        })?;
        if model.curvatures.len() != x0.len() {
            return Err(StepError::Failed(format!(
                "the noise model has {} coordinates, the start {}",
                model.curvatures.len(),
                x0.len()
            )));
        }
        let inv_b = oracle.batch_size().map_or(0.0, |b| 1.0 / b.max(1) as f64);
        let d = model
            .curvatures
            .iter()
            .map(|h| self.step * h.powf(-self.power))
            .collect();
        let s = model.noise.iter().map(|c| c * inv_b).collect();
        let a: Vec<f64> = x0.iter().map(|x| x * x).collect();
        Ok(NqmExactState {
            h: model.curvatures,
            d,
            s,
            c: a.clone(),
            p: a.clone(),
            a,
        })
    }

    fn step(
        &self,
        s: &mut NqmExactState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        oracle.charge_gradient();
        self.advance(s);
        for (xi, a) in x.iter_mut().zip(&s.a) {
            *xi = a.sqrt();
        }
        Ok(StepInfo {
            step_size: Some(self.step),
        })
    }

    /// Per coordinate: the model's curvature, the step, the noise, and the three moments of the recursion.
    fn anatomy(&self) -> Option<Anatomy> {
        Some(Anatomy::new(
            "diagonal (the model's own)",
            Footprint::none()
                .vectors(3, "curvatures, steps, noise")
                .with(3, Size::Vector, Part::History, "moments"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimizers::parse_checked;

    #[test]
    fn keys_are_checked_by_name() {
        let bad = |text: &str| {
            parse_checked::<NqmExactConfig>(text, PARAMS)
                .err()
                .and_then(|e| e.key)
        };
        assert_eq!(bad("step = -1.0").as_deref(), Some("step"));
        assert_eq!(bad("beta = 1.0").as_deref(), Some("beta"));
        assert_eq!(bad("power = 1.5").as_deref(), Some("power"));
        assert!(parse_checked::<NqmExactConfig>("beta = 0.9\npower = 0.5", PARAMS).is_ok());
    }

    #[test]
    fn one_coordinate_follows_the_moments_of_its_scalar_recursion() {
        // h = 0.5, c = 2, B = 4, eta = 0.3, beta = 0.6, p = 0: simulate the 2x2 covariance of
        // (x_k, x_{k-1}) directly (its transition matrix T = [[r, -beta], [1, 0]], noise (d^2 s, 0)).
        let opt = NqmExact {
            step: 0.3,
            beta: 0.6,
            power: 0.0,
        };
        let (h, c, b, x0) = (0.5, 2.0, 4.0, 1.5);
        let mut s = NqmExactState {
            h: vec![h],
            d: vec![0.3],
            s: vec![c / b],
            a: vec![x0 * x0],
            c: vec![x0 * x0],
            p: vec![x0 * x0],
        };
        let r = 1.0 + 0.6 - 0.3 * h;
        let mut cov = [[x0 * x0, x0 * x0], [x0 * x0, x0 * x0]];
        for _ in 0..25 {
            opt.advance(&mut s);
            let t = [[r, -0.6], [1.0, 0.0]];
            let mut next = [[0.0; 2]; 2];
            for (i, row) in next.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    for k in 0..2 {
                        for l in 0..2 {
                            *v += t[i][k] * cov[k][l] * t[j][l];
                        }
                    }
                }
            }
            next[0][0] += 0.09 * c / b;
            cov = next;
            assert!((s.a[0] - cov[0][0]).abs() < 1e-12 * cov[0][0].max(1.0));
            assert!((s.c[0] - cov[0][1]).abs() < 1e-12 * cov[0][0].max(1.0));
        }
    }
}
