//! Minibatches of `deep-linear`'s samples: the value and gradient of
//! `(1/|S|) sum_{n in S} ||(P - M) x_n||^2 / 2 = ||(P - M) X_S||_F^2 / (2|S|)` for a set `S` of sample
//! indices ([`FiniteSum`]), `X_S` the columns `S` of `X` (there is no regulariser).
//!
//! The derivatives are the full objective's with `X_S` for `X`: with `R = (P - M) X_S` and
//! `E = R X_S' / |S|`, `dF/dW_l = B_l' E A_l'` (see the family's documentation). Only `R` and `E` touch the
//! samples, so a minibatch costs about `|S|/N` of a full evaluation once `N` outweighs the products of the
//! weight matrices. Every product runs into buffers ([`Batch`]) allocated at the first minibatch of a size
//! (and again when the size changes): after that, minibatches of the same size allocate nothing. Each
//! minibatch is computed afresh, so the same indices at the same point give the same bits; a thread that
//! finds the buffers busy works in buffers of its own.

use std::sync::TryLockError;

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};

use super::DeepLinear;
use crate::problem::stochastic::FiniteSum;

/// The buffers of one minibatch size.
pub(super) struct Batch {
    /// `X_S`, `in_dim x |S|`.
    inputs: Mat<f64>,
    /// `R = (P - M) X_S`, `out_dim x |S|`.
    residuals: Mat<f64>,
    /// `A_1 = I, A_2, ..., A_{L+1} = P`: `A_{l+1} = W_l A_l`, `rows_l x in_dim`.
    prefix: Vec<Mat<f64>>,
    /// `B_1, ..., B_L = I`: `B_{l-1} = B_l W_l`, `out_dim x rows_l`.
    suffix: Vec<Mat<f64>>,
    /// `P - M`, `out_dim x in_dim`.
    diff: Mat<f64>,
    /// `E = R X_S' / |S|`, `out_dim x in_dim`.
    e: Mat<f64>,
    /// `B_l' E`, `rows_l x in_dim`, per layer.
    left: Vec<Mat<f64>>,
}

impl Batch {
    /// Buffers for minibatches of `size` samples of `p`.
    fn new(p: &DeepLinear, size: usize) -> Self {
        let (din, dout) = (p.x.nrows(), p.teacher.nrows());
        let mut prefix = vec![Mat::identity(din, din)];
        prefix.extend(p.shapes.iter().map(|&(r, _)| Mat::zeros(r, din)));
        let mut suffix: Vec<Mat<f64>> =
            p.shapes.iter().map(|&(r, _)| Mat::zeros(dout, r)).collect();
        if let Some(last) = suffix.last_mut() {
            *last = Mat::identity(dout, dout);
        }
        Batch {
            inputs: Mat::zeros(din, size),
            residuals: Mat::zeros(dout, size),
            prefix,
            suffix,
            diff: Mat::zeros(dout, din),
            e: Mat::zeros(dout, din),
            left: p.shapes.iter().map(|&(r, _)| Mat::zeros(r, din)).collect(),
        }
    }

    /// The number of samples the buffers hold.
    fn size(&self) -> usize {
        self.inputs.ncols()
    }

    /// Writes the minibatch gradient at `x` for the samples `indices` into `g` and returns the value.
    fn evaluate(&mut self, p: &DeepLinear, x: &[f64], indices: &[usize], g: &mut [f64]) -> f64 {
        debug_assert_eq!(indices.len(), self.size());
        for (j, &n) in indices.iter().enumerate() {
            self.inputs
                .col_as_slice_mut(j)
                .copy_from_slice(p.x.col_as_slice(n));
        }
        let layers = p.shapes.len();
        for l in 0..layers {
            let (done, rest) = self.prefix.split_at_mut(l + 1);
            matmul(
                &mut rest[0],
                Accum::Replace,
                weight(p, l, x),
                &done[l],
                1.0,
                Par::Seq,
            );
        }
        for l in (1..layers).rev() {
            let (lower, upper) = self.suffix.split_at_mut(l);
            matmul(
                &mut lower[l - 1],
                Accum::Replace,
                &upper[0],
                weight(p, l, x),
                1.0,
                Par::Seq,
            );
        }
        let product = &self.prefix[layers];
        for j in 0..self.diff.ncols() {
            let (pc, mc) = (product.col_as_slice(j), p.teacher.col_as_slice(j));
            for ((d, a), b) in self.diff.col_as_slice_mut(j).iter_mut().zip(pc).zip(mc) {
                *d = a - b;
            }
        }
        matmul(
            &mut self.residuals,
            Accum::Replace,
            &self.diff,
            &self.inputs,
            1.0,
            Par::Seq,
        );
        let inv = 1.0 / self.size() as f64;
        matmul(
            &mut self.e,
            Accum::Replace,
            &self.residuals,
            self.inputs.transpose(),
            inv,
            Par::Seq,
        );
        for (l, (&(rows, cols), &offset)) in p.shapes.iter().zip(&p.offsets).enumerate() {
            matmul(
                &mut self.left[l],
                Accum::Replace,
                self.suffix[l].transpose(),
                &self.e,
                1.0,
                Par::Seq,
            );
            let dst =
                MatMut::from_row_major_slice_mut(&mut g[offset..offset + rows * cols], rows, cols);
            matmul(
                dst,
                Accum::Replace,
                &self.left[l],
                self.prefix[l].transpose(),
                1.0,
                Par::Seq,
            );
        }
        let mut squares = 0.0;
        for j in 0..self.residuals.ncols() {
            squares += self
                .residuals
                .col_as_slice(j)
                .iter()
                .map(|r| r * r)
                .sum::<f64>();
        }
        0.5 * squares * inv
    }
}

/// `W_l` (0-based `l`) as a view of `x`.
fn weight<'a>(p: &DeepLinear, l: usize, x: &'a [f64]) -> MatRef<'a, f64> {
    let ((rows, cols), offset) = (p.shapes[l], p.offsets[l]);
    MatRef::from_row_major_slice(&x[offset..offset + rows * cols], rows, cols)
}

impl FiniteSum for DeepLinear {
    fn samples(&self) -> usize {
        self.x.ncols()
    }

    /// Panics if `indices` is empty or holds an index `>= N`.
    fn subset_value_and_gradient(&self, x: &[f64], indices: &[usize], g: &mut [f64]) -> f64 {
        assert!(!indices.is_empty(), "a minibatch holds at least one sample");
        let size = indices.len();
        let mut slot = match self.batch.try_lock() {
            Ok(slot) => slot,
            // Every call overwrites every buffer it reads: a panic leaves nothing stale.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                return Batch::new(self, size).evaluate(self, x, indices, g);
            }
        };
        if slot.as_ref().is_some_and(|b| b.size() != size) {
            *slot = None;
        }
        slot.get_or_insert_with(|| Batch::new(self, size))
            .evaluate(self, x, indices, g)
    }
}
