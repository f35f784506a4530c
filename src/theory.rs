//! What convergence theory predicts for an optimizer configuration, as the optimizer states it.
//!
//! [`KappaSlope`]: the growth of iterations with the condition number on strongly convex quadratics (read
//! by [`crate::analysis::scaling`]); [`EscapeTheory`]: the linear theory of escaping a strict saddle (read
//! by [`crate::analysis::escape`]); [`StabilityEdge`]: the sharpness above which a fixed step is unstable
//! (drawn by [`crate::report::sharpness`]); [`Anatomy`]: the part of the Hessian a method keeps and the memory it
//! pays for it (read by [`crate::analysis::museum`]). Optimizers answer through
//! [`crate::optimizer::Optimizer::kappa_slope`], [`crate::optimizer::Optimizer::escape`],
//! [`crate::optimizer::Optimizer::stability_edge`] and [`crate::optimizer::Optimizer::anatomy`].

use crate::footprint::Footprint;

/// The part of the Hessian a method keeps, and the memory that costs, as the method states it once: its
/// [`Footprint`], from which both the pre-flight's bytes ([`crate::optimizer::DynOptimizer::memory`]) and
/// the museum table's formula ([`Anatomy::formula`]) are derived.
#[derive(Debug, Clone, PartialEq)]
pub struct Anatomy {
    /// The curvature kept: `none`, `running average`, `diagonal`, `low-rank history`, `Kronecker blocks`,
    /// `full matrix`, ...
    pub keeps: &'static str,
    /// The floats the method holds between steps beyond the iterate, as terms in `n` (the dimension) and
    /// its own hyperparameters (`m` pairs, layer widths `a_l`, `g_l`).
    pub memory: Footprint,
    /// Whether that memory is held by a client process rather than by this one (an external optimizer), so
    /// that what this process measures of the optimizer's state is not the method's memory; `memory` is
    /// then what this process holds for it.
    pub in_client: bool,
}

impl Anatomy {
    /// An anatomy from its two parts, for a method whose memory this process holds.
    pub fn new(keeps: &'static str, memory: Footprint) -> Self {
        Anatomy {
            keeps,
            memory,
            in_client: false,
        }
    }

    /// An anatomy whose memory a client process holds, out of this process's sight; `here` is what this
    /// process holds for it.
    pub fn in_client_process(keeps: &'static str, here: Footprint) -> Self {
        Anatomy {
            in_client: true,
            ..Anatomy::new(keeps, here)
        }
    }

    /// The memory as a reader sees it: the footprint's formula, or for a client's memory that the client
    /// holds it.
    pub fn formula(&self) -> String {
        if self.in_client {
            "held by the client process".into()
        } else {
            self.memory.formula()
        }
    }
}

/// The exponent `s` in `iterations ~ kappa^s` to a fixed relative accuracy on strongly convex quadratics:
/// a method whose error contracts by `1 - c kappa^(-s)` per iteration needs `kappa^s log(1/tol) / c`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KappaSlope {
    /// The exponent `s`.
    pub slope: f64,
    /// Where the prediction comes from.
    pub source: &'static str,
}

/// How the unstable component of a saddle escape grows, per iteration, near a strict saddle whose most
/// negative Hessian eigenvalue is `-lambda`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EscapeGrowth {
    /// A gradient step of length `step`: the component grows by `1 + step lambda`.
    Gradient {
        /// The fixed step.
        step: f64,
    },
    /// A constant factor whatever `lambda` (saddle-free Newton doubles it).
    Constant(f64),
}

impl EscapeGrowth {
    /// The growth factor per iteration at `|lambda_min| = lambda`.
    pub fn factor(&self, lambda: f64) -> f64 {
        match *self {
            EscapeGrowth::Gradient { step } => 1.0 + step * lambda,
            EscapeGrowth::Constant(f) => f,
        }
    }
}

/// The linear theory of a method's saddle escape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EscapeTheory {
    /// The growth per iteration.
    pub growth: EscapeGrowth,
    /// The formula, for captions.
    pub source: &'static str,
}

impl EscapeTheory {
    /// The growth factor per iteration at `|lambda_min| = lambda`.
    pub fn factor(&self, lambda: f64) -> f64 {
        self.growth.factor(lambda)
    }
}

/// The sharpness (the Hessian's largest eigenvalue `lambda_max`) above which a method's fixed step is
/// unstable on a quadratic: gradient descent with step `eta` multiplies the component along an eigenvector
/// of eigenvalue `lambda` by `1 - eta lambda`, which exceeds 1 in modulus once `lambda > 2/eta`. Along a
/// run on a non-quadratic objective, full-batch gradient descent drives `lambda_max` up to about this edge
/// and then hovers there (Cohen et al. 2021, "edge of stability").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StabilityEdge {
    /// The edge, `2/eta` for gradient descent.
    pub sharpness: f64,
    /// The formula, for captions.
    pub source: &'static str,
}
