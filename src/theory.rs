//! What convergence theory predicts for an optimizer configuration, as the optimizer states it.
//!
//! [`KappaSlope`]: the growth of iterations with the condition number on strongly convex quadratics (read
//! by [`crate::analysis::scaling`]); [`EscapeTheory`]: the linear theory of escaping a strict saddle (read
//! by [`crate::analysis::escape`]). Optimizers answer through
//! [`crate::optimizer::Optimizer::kappa_slope`] and [`crate::optimizer::Optimizer::escape`].

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
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EscapeGrowth {
    /// A gradient step of length `step`: the component grows by `1 + step lambda`.
    Gradient {
        /// The fixed step.
        step: f64,
    },
    /// A constant factor whatever `lambda` (saddle-free Newton doubles it).
    Constant(f64),
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
        match self.growth {
            EscapeGrowth::Gradient { step } => 1.0 + step * lambda,
            EscapeGrowth::Constant(f) => f,
        }
    }
}
