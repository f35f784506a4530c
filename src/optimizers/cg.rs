//! `cg`: nonlinear conjugate gradients, Polak-Ribière+ with a strong Wolfe line search.
//!
//! Update (Polak and Ribière 1969, Polyak 1969; the nonnegative variant of Powell 1986 and Gilbert and
//! Nocedal 1992; Nocedal and Wright 2006, section 5.2, eq. 5.45):
//! ```text
//! x_{k+1} = x_k + a_k d_k,    beta_{k+1} = max(0, g_{k+1}'(g_{k+1} - g_k) / g_k'g_k),
//! d_{k+1} = -g_{k+1} + beta_{k+1} d_k,    d_0 = -g_0
//! ```
//! `a_k` satisfies the strong Wolfe conditions ([`StrongWolfe`]); `c2 = 0.1` by default, because conjugate
//! gradients need a nearly exact search to produce descent directions (Nocedal and Wright recommend it). Its
//! first trial is `a_{k-1} g_{k-1}'d_{k-1} / g_k'd_k` (eq. 3.60: the same first-order decrease as the last
//! step), and `1/||g_0||` at the start. Should `d` fail to be a descent direction, the method restarts
//! with `d = -g`. CG keeps no matrix: only the previous direction, conjugate with respect to the Hessian on
//! a quadratic (where with exact searches it is the linear conjugate gradient method of Hestenes and
//! Stiefel 1952).
//!
//! Its keys are declared once, in [`CgConfig`] (`c2`, whose default differs from the quasi-Newton methods')
//! and the shared [`super::line_search::LineSearchKeys`] (`c1`), listed by `optzoo list optimizers` and in
//! `docs/reference.md`.

use super::OptimizerConfig;
use super::descent::{self, DescentState, Direction, Move};
use super::line_search::{LineSearchKeys, SharedKeys, StrongWolfe};
use crate::optimizer::{Optimizer, StepError};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError};
use crate::problem::Capabilities;
use crate::theory::{Anatomy, KappaSlope};
use crate::vector::dot;

/// The keys of `cg`.
pub const PARAMS: &[ParamDoc] = &crate::params::declare::concat::<2>(&[
    &crate::params::declare::select::<1>(
        super::line_search::LineSearchKeys::PARAMS,
        CgConfig::LINE_SEARCH.keys,
    ),
    CgConfig::PARAMS,
]);

crate::declare_params! {
    /// The parameters of `cg`, besides the strong Wolfe `c1` of
    /// [`LineSearchKeys`].
    #[derive(Debug, Clone, Copy)]
    pub struct CgConfig {
        /// curvature constant of the strong Wolfe search, in (c1, 1) (small: CG needs near-exact searches)
        c2: f64 = 0.1,
    }
}

impl OptimizerConfig for CgConfig {
    type Checked = Cg;
    const LINE_SEARCH: SharedKeys = SharedKeys {
        keys: &["c1"],
        always: true,
    };

    fn check(&self) -> Result<Cg, ParamError> {
        self.check_with(&LineSearchKeys::default())
    }

    fn check_with(&self, search: &LineSearchKeys) -> Result<Cg, ParamError> {
        let search = StrongWolfe {
            c2: self.c2,
            ..search.wolfe()
        };
        search.check()?;
        Ok(Cg { search })
    }
}

/// Polak-Ribière+ conjugate gradients with checked parameters.
#[derive(Debug, Clone, Copy)]
pub struct Cg {
    /// The line search.
    pub search: StrongWolfe,
}

/// The memory of a `cg` run.
pub type CgState = DescentState<CgMemory>;

/// What `cg` remembers: the decrease `a phi'(0)` of the last step, for the next first trial step.
pub struct CgMemory {
    last_decrease: f64,
}

pub fn polak_ribiere_plus(g_new: &[f64], g_old: &[f64]) -> f64 {
    let num: f64 = g_new.iter().zip(g_old).map(|(a, b)| a * (a - b)).sum();
    (num / dot(g_old, g_old)).max(0.0)
}

impl Direction for Cg {
    type Memory = CgMemory;
    type Search = StrongWolfe;

    fn line_search(&self) -> &StrongWolfe {
        &self.search
    }

    fn memory(&self, _n: usize) -> CgMemory {
        CgMemory {
            last_decrease: f64::NAN,
        }
    }

    /// The direction is already in `d` (written by `accept`).
    fn propose(
        &self,
        _memory: &mut CgMemory,
        _x: &[f64],
        _g: &[f64],
        _d: &mut [f64],
        _oracle: &mut Oracle,
    ) -> Result<bool, StepError> {
        Ok(true)
    }

    /// The last step's decrease over the new slope (Nocedal and Wright 2006, eq. 3.60).
    fn first_step(&self, memory: &CgMemory, slope: f64) -> f64 {
        memory.last_decrease / slope
    }

    fn accept(&self, memory: &mut CgMemory, step: &Move<'_>, d: &mut [f64]) {
        memory.last_decrease = step.found.step * step.slope;
        let beta = polak_ribiere_plus(step.g_trial, step.g);
        for (di, gi) in d.iter_mut().zip(step.g_trial) {
            *di = -gi + beta * *di;
        }
    }
}

impl Optimizer for Cg {
    type State = CgState;

    fn kappa_slope(&self) -> Option<KappaSlope> {
        Some(KappaSlope {
            slope: 0.5,
            source: "conjugate gradients, rate (sqrt(kappa)-1)/(sqrt(kappa)+1) (Hestenes and Stiefel 1952)",
        })
    }

    /// Exact values: the line search compares them.
    fn requires(&self) -> Capabilities {
        Capabilities::EXACT
    }

    descent::driven_steps!(CgState);

    fn anatomy(&self) -> Option<Anatomy> {
        // The direction carries the conjugacy; nothing else is kept.
        Some(Anatomy::new(
            "none (conjugacy)",
            descent::footprint::<StrongWolfe>(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Cg, ParamError> {
        crate::optimizers::parse_checked::<CgConfig>(s, PARAMS)
    }

    #[test]
    fn polak_ribiere_plus_by_hand() {
        // g_old = (1, 0): g_new = (1, 1) gives (0 + 1)/1 = 1; (-1, 0) gives (-1)(-2)/1 = 2;
        // (0.5, 0) gives 0.5 (-0.5) = -0.25, clipped to 0.
        assert_eq!(polak_ribiere_plus(&[1.0, 1.0], &[1.0, 0.0]), 1.0);
        assert_eq!(polak_ribiere_plus(&[-1.0, 0.0], &[1.0, 0.0]), 2.0);
        assert_eq!(polak_ribiere_plus(&[0.5, 0.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn defaults_and_bad_values() {
        let cg = parse("").expect("defaults are valid");
        assert_eq!(cg.search, StrongWolfe { c1: 1e-4, c2: 0.1 });
        for (s, key) in [
            ("c2 = 1e-5", "c2"),
            ("c1 = 0.7", "c1"),
            ("beta = 1", "beta"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }
}
