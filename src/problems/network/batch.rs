//! Minibatches of a [`Network`]'s samples: the value and gradient of
//! `(1/|S|) sum_{n in S} l(z_n, y_n) + (l2/2) ||x||^2` for a set `S` of sample indices ([`FiniteSum`]).
//!
//! The minibatch's inputs and targets are gathered, in the order of the indices, into a [`Batch`]: a
//! [`Workspace`] with `|S|` columns and the targets of those samples. The forward and backward passes are the
//! full objective's code run on those columns, so a minibatch costs about `|S|/N` of a full evaluation, and
//! with every index in order its results are those of the full objective, bit for bit. The network keeps one
//! batch's buffers, allocated at the first minibatch of a size (and again when the size changes): after
//! that, minibatches of the same size allocate nothing. Each minibatch is computed afresh (nothing is cached
//! between two minibatches), so the same indices at the same point give the same bits, whatever was evaluated
//! before. As for the full workspace, a thread that finds the buffers busy works in buffers of its own.

use std::sync::TryLockError;

use faer::Mat;

use super::workspace::{Stage, Workspace};
use super::{Loss, Network};
use crate::problem::stochastic::FiniteSum;

/// The buffers of one minibatch size: the passes' workspace and the gathered targets.
#[derive(Debug)]
pub(super) struct Batch {
    /// The forward and backward passes on the minibatch's columns.
    ws: Workspace,
    /// The minibatch's targets, in the order of its indices.
    loss: Loss,
}

impl Batch {
    /// Buffers for minibatches of `size` samples of `net`.
    fn new(net: &Network, size: usize) -> Self {
        let softmax = matches!(net.loss, Loss::Softmax(_));
        let loss = match &net.loss {
            Loss::Squared(y) => Loss::Squared(Mat::zeros(y.nrows(), size)),
            Loss::Softmax(_) => Loss::Softmax(vec![0; size]),
        };
        Batch {
            ws: Workspace::with_samples(&net.shapes, size, softmax),
            loss,
        }
    }

    /// The number of samples the buffers hold.
    fn size(&self) -> usize {
        self.ws.samples()
    }

    /// Copies the inputs and targets of the samples `indices` (as many as [`Batch::size`]) of `net`, in
    /// order, and forgets any previous pass.
    fn gather(&mut self, net: &Network, indices: &[usize]) {
        debug_assert_eq!(indices.len(), self.size());
        let (data, rows) = (&net.data, net.data.nrows());
        let first = &mut self.ws.inputs[0];
        for (j, &n) in indices.iter().enumerate() {
            first.col_as_slice_mut(j)[..rows].copy_from_slice(data.col_as_slice(n));
        }
        match (&mut self.loss, &net.loss) {
            (Loss::Squared(dst), Loss::Squared(y)) => {
                for (j, &n) in indices.iter().enumerate() {
                    dst.col_as_slice_mut(j).copy_from_slice(y.col_as_slice(n));
                }
            }
            (Loss::Softmax(dst), Loss::Softmax(labels)) => {
                for (d, &n) in dst.iter_mut().zip(indices) {
                    *d = labels[n];
                }
            }
            _ => unreachable!("a batch's loss has the network's kind"),
        }
        self.ws.stage = Stage::Empty;
    }
}

impl Network {
    /// Runs `f` on the network's minibatch buffers, sized for `size` samples (reallocated when the last
    /// minibatch had another size); if another thread holds them, on buffers of this call's own.
    fn with_batch<R>(&self, size: usize, f: impl FnOnce(&mut Batch) -> R) -> R {
        let mut slot = match self.batch.try_lock() {
            Ok(slot) => slot,
            // Every call gathers its columns and forgets the previous pass: a panic leaves nothing stale.
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => return f(&mut Batch::new(self, size)),
        };
        if slot.as_ref().is_some_and(|b| b.size() != size) {
            *slot = None;
        }
        f(slot.get_or_insert_with(|| Batch::new(self, size)))
    }
}

impl FiniteSum for Network {
    fn samples(&self) -> usize {
        self.data.ncols()
    }

    /// Panics if `indices` is empty or holds an index `>= N`.
    fn subset_value_and_gradient(&self, x: &[f64], indices: &[usize], g: &mut [f64]) -> f64 {
        assert!(!indices.is_empty(), "a minibatch holds at least one sample");
        self.with_batch(indices.len(), |batch| {
            batch.gather(self, indices);
            self.ensure_backward(&mut batch.ws, &batch.loss, x);
            self.assemble(&batch.ws, x, g);
            batch.ws.value
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;

    /// A two-layer softmax network on a few samples, and a point away from any minimum.
    fn softmax_net() -> (Network, Vec<f64>) {
        let samples = 12;
        let data = Mat::from_fn(3, samples, |i, j| ((i * 5 + j * 3) as f64 * 0.7).sin());
        let labels = (0..samples).map(|j| j % 3).collect();
        let dim = crate::problems::network::shapes(&[3, 4, 3], true)
            .last()
            .map_or(0, |s| s.offset + s.outputs * s.inputs);
        let net = Network::new(
            &[3, 4, 3],
            true,
            data,
            Loss::Softmax(labels),
            0.01,
            vec![0.0; dim],
        );
        let x = (0..dim).map(|i| 0.8 * (1.3 * i as f64).cos()).collect();
        (net, x)
    }

    #[test]
    fn every_index_in_order_is_the_full_objective_bit_for_bit() {
        let (net, x) = softmax_net();
        let n = net.dim();
        let (mut g, mut gs) = (vec![0.0; n], vec![0.0; n]);
        let f = net.value_and_gradient(&x, &mut g);
        let all: Vec<usize> = (0..12).collect();
        assert_eq!(net.subset_value_and_gradient(&x, &all, &mut gs), f);
        assert_eq!(g, gs);
    }

    #[test]
    fn results_do_not_depend_on_the_buffers_they_are_computed_in() {
        let (net, x) = softmax_net();
        let n = net.dim();
        let s = [7, 2, 11, 4];
        let mut first = vec![0.0; n];
        let f = net.subset_value_and_gradient(&x, &s, &mut first);
        let mut g = vec![0.0; n];
        // After another minibatch of the same size, and of another size (the buffers reallocated).
        net.subset_value_and_gradient(&x, &[0, 1, 2, 3], &mut g);
        assert_eq!(net.subset_value_and_gradient(&x, &s, &mut g), f);
        assert_eq!(g, first);
        net.subset_value_and_gradient(&x, &[5, 6], &mut g);
        assert_eq!(net.subset_value_and_gradient(&x, &s, &mut g), f);
        assert_eq!(g, first);
        // In buffers of its own, as a thread that finds the shared ones busy.
        let held = net.batch.lock().expect("not poisoned");
        assert_eq!(net.subset_value_and_gradient(&x, &s, &mut g), f);
        assert_eq!(g, first);
        drop(held);
        // The full objective's cached pass is neither used nor disturbed.
        let mut full = vec![0.0; n];
        let value = net.value_and_gradient(&x, &mut full);
        net.subset_value_and_gradient(&x, &s, &mut g);
        let mut again = vec![0.0; n];
        assert_eq!(net.value_and_gradient(&x, &mut again), value);
        assert_eq!(again, full);
    }

    #[test]
    #[should_panic(expected = "at least one sample")]
    fn an_empty_minibatch_is_refused() {
        let (net, x) = softmax_net();
        let mut g = vec![0.0; net.dim()];
        net.subset_value_and_gradient(&x, &[], &mut g);
    }
}
