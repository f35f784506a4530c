//! What an optimizer forms of the curvature: the preconditioner `P` of its steps `-P^{-1} g`, as the
//! optimizer itself reports it from its own state.
//!
//! This module only describes matrices; [`crate::conditioning`] turns a description into the
//! spectrum of `P^{-1} H`. Optimizers answer through [`crate::optimizer::Optimizer::conditioner`] (what
//! kind of preconditioner, known before any step) and [`crate::optimizer::Optimizer::preconditioner`] (the
//! matrix formed from a run's state).

use faer::Mat;

/// A preconditioner `P`: the method steps along `-P^{-1} g`.
#[derive(Debug, Clone, PartialEq)]
pub enum Preconditioner {
    /// `P = I`.
    Identity,
    /// `P = diag(d)`, every entry positive.
    Diagonal(Vec<f64>),
    /// `P^{-1}` as a dense symmetric matrix (a quasi-Newton inverse-Hessian approximation).
    DenseInverse(Mat<f64>),
    /// A block-diagonal `P` whose blocks are Kronecker products, in the order of `x`.
    Kronecker(Vec<KroneckerBlock>),
    /// `|H| = U |Lambda| U'` at the point where it acts (`H` itself where `H` is positive definite).
    AbsoluteHessian,
}

/// One diagonal block `G (x) A` of a [`Preconditioner::Kronecker`], acting on the coordinates
/// `offset .. offset + rows(G) cols(A)` of `x` laid out row-major as a `rows(G) x rows(A)` matrix, so that
/// `P[offset + i rows(A) + j, offset + k rows(A) + l] = G[i, k] A[j, l]`.
#[derive(Debug, Clone, PartialEq)]
pub struct KroneckerBlock {
    /// The first coordinate of the block.
    pub offset: usize,
    /// The output-side factor (`outputs x outputs`).
    pub g: Mat<f64>,
    /// The input-side factor (`inputs x inputs`).
    pub a: Mat<f64>,
}

/// A preconditioner with a description for tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Formed {
    /// `P` in words (`sqrt(v^) + eps`, `H_k^-1 (4 of 10 pairs)`).
    pub label: String,
    /// The matrix.
    pub matrix: Preconditioner,
}

impl Formed {
    /// A description and a matrix.
    pub fn new(label: impl Into<String>, matrix: Preconditioner) -> Formed {
        Formed {
            label: label.into(),
            matrix,
        }
    }
}

/// How a method's preconditioner comes about, known from its hyperparameters alone.
#[derive(Debug, Clone, PartialEq)]
pub enum Conditioner {
    /// No matrix is formed (a conjugate direction, a Krylov solve): there is nothing to measure.
    None,
    /// The same rule at every step, independent of the run's history (the identity, `|H|` where it acts).
    Fixed(Formed),
    /// Learned from the run: read from the state after steps; the label says what it is.
    Learned(String),
}
