//! The `Problem` trait: what an objective function offers to the harness.
//!
//! A problem is one *instance* of a family, its parameters fixed. It evaluates values and gradients through
//! plain slices, may offer second-order information ([`SecondOrder`]) and carries its ground truth: the
//! known optimum and curvature bounds where they are known. Optimizers never see a `Problem` directly; they
//! go through the counting [`Oracle`](crate::oracle::Oracle).

use faer::Mat;
use serde::{Deserialize, Serialize};

/// An objective function `f: R^n -> R` with its exact derivatives and ground truth.
pub trait Problem: Send + Sync {
    /// The dimension `n` of the search space.
    fn dim(&self) -> usize;

    /// The value `f(x)`.
    fn value(&self, x: &[f64]) -> f64;

    /// Writes the gradient of `f` at `x` into `g` (length `n`).
    fn gradient(&self, x: &[f64], g: &mut [f64]);

    /// Writes the gradient into `g` and returns the value; override to share work between the two.
    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.gradient(x, g);
        self.value(x)
    }

    /// Second-order information (Hessian-vector products, the dense Hessian), where the family offers it.
    fn second_order(&self) -> Option<&dyn SecondOrder> {
        None
    }

    /// The point every run of this instance starts from, unless the config asks for a random start.
    fn standard_start(&self) -> Vec<f64>;

    /// The global minimum, where it is known.
    fn optimum(&self) -> Option<Optimum> {
        None
    }

    /// Global curvature bounds `mu I <= H(x) <= L I`, where they are known.
    fn curvature(&self) -> Option<Curvature> {
        None
    }

    /// The documented critical points (location, value and Hessian inertia), where the family documents
    /// them; locations may be rounded (see [`newton_polish`](crate::problems::critical::newton_polish)).
    fn critical_points(&self) -> Vec<crate::problems::critical::CriticalPoint> {
        Vec::new()
    }
}

/// Exact second derivatives of a problem.
pub trait SecondOrder: Send + Sync {
    /// Writes the Hessian-vector product `H(x) v` into `out`.
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]);

    /// Writes the dense Hessian `H(x)` into `h`, an `n x n` matrix.
    fn hessian(&self, x: &[f64], h: &mut Mat<f64>);
}

/// A known global minimum: its value and, where known, a minimiser.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// The minimum value `f*`.
    pub value: f64,
    /// A global minimiser `x*`, where known.
    pub point: Option<Vec<f64>>,
}

/// Global curvature bounds of a problem: `mu I <= H(x) <= L I` for every `x`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Curvature {
    /// Strong convexity `mu` (the smallest Hessian eigenvalue; 0 when merely convex).
    pub mu: f64,
    /// Smoothness `L` (the largest Hessian eigenvalue).
    pub lipschitz: f64,
}

impl Curvature {
    /// The condition number `kappa = L / mu` (infinite when `mu = 0`).
    pub fn kappa(&self) -> f64 {
        self.lipschitz / self.mu
    }
}

/// What an instance offers, known before it is built: the runner matches it against what an optimizer needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// A dense Hessian.
    pub hessian: bool,
    /// Hessian-vector products.
    pub hvp: bool,
    /// Global curvature bounds `mu` and `L`.
    pub curvature: bool,
}

impl Capabilities {
    /// The capabilities `needed` asks for that `self` lacks, as names, or an empty list.
    pub fn missing(&self, needed: &Capabilities) -> Vec<&'static str> {
        let mut out = Vec::new();
        if needed.hessian && !self.hessian {
            out.push("a dense Hessian");
        }
        if needed.hvp && !self.hvp {
            out.push("Hessian-vector products");
        }
        if needed.curvature && !self.curvature {
            out.push("known curvature bounds (mu, L)");
        }
        out
    }
}
