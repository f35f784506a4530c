//! Dense feed-forward networks on a fixed data set: the machinery the layered families share
//! (`least-squares`, `mlp`, `softmax`). A family file generates its data and ground truth and hands them
//! to a [`Network`], which is the problem: value, gradient, exact Hessian-vector products, dense Hessian
//! and the per-sample statistics of [`Layered`].
//!
//! The model, for samples `n = 1..N` with inputs `u_n` (the columns of `data`):
//! `a_0 = u_n`, `s_l = W_l [a_{l-1}; 1]` (the `; 1` only where the layer has a bias), `a_l = tanh(s_l)` for
//! the hidden layers and `z_n = s_L` (linear output). The objective is
//! `f(x) = (1/N) sum_n l(z_n, y_n) + (l2/2) ||x||^2` with
//! - [`Loss::Squared`]: `l(z, y) = ||z - y||^2 / 2` (a unit Gaussian's negative log-likelihood, up to a
//!   constant), output Fisher `F_z = I`;
//! - [`Loss::Softmax`]: `l(z, y) = log sum_c exp(z_c) - z_y` (cross-entropy of `p = softmax(z)`), output
//!   Fisher `F_z = diag(p) - p p'`, whose square root has columns `sqrt(p_k) (e_k - p)`.
//!
//! The gradient is back-propagation, `d_L = dl/dz`, `d_{l-1} = tanh'(s_{l-1}) .* (W_l' d_l)` (the bias
//! column dropped), `grad W_l = (1/N) sum_n d_l [a_{l-1}; 1]'`. The Hessian-vector product is Pearlmutter's
//! (1994) R-operator applied to that pass (forward-over-reverse), exact to rounding, and the dense Hessian
//! runs the same R-pass for blocks of unit directions at once, lower block triangle only, then mirrors it.
//! With `tanh' = 1 - t^2` and `tanh'' = -2 t (1 - t^2)`, both computed once per pass.
//!
//! Every product is one matrix product over the whole batch (faer), into buffers a network allocates once
//! (`workspace.rs`): after the first evaluation, values, gradients, Hessian-vector products, dense Hessians
//! and K-FAC statistics allocate nothing. The buffers remember the point of their last pass, so a gradient,
//! Hessian-vector product or K-FAC statistics at the point of the previous evaluation reuse its forward and
//! backward passes (with identical results). Concurrent evaluations of one network from several threads
//! are correct: a thread that finds the buffers busy works in buffers of its own.
//!
//! The objective is a finite sum over the samples: a minibatch's value and gradient run the same passes on
//! the minibatch's columns, gathered into buffers of their own (`batch.rs`).

mod activation;
mod batch;
mod forward;
mod hessian;
mod hvp;
mod workspace;

use std::sync::{Mutex, TryLockError};

use faer::{Mat, MatRef};

use workspace::Workspace;

use crate::problem::stochastic::Stochastic;
use crate::problem::{Curvature, LayerShape, LayerStats, Layered, Optimum, Problem, SecondOrder};

/// The loss on the network's output, with the targets.
#[derive(Debug, Clone)]
pub enum Loss {
    /// `||z - y||^2 / 2`; the targets are the columns of an `outputs x N` matrix.
    Squared(Mat<f64>),
    /// Softmax cross-entropy; the targets are class labels in `0..outputs`.
    Softmax(Vec<usize>),
}

/// A dense feed-forward network on a fixed data set, with the ground truth its family knows.
#[derive(Debug)]
pub struct Network {
    shapes: Vec<LayerShape>,
    dim: usize,
    data: Mat<f64>,
    loss: Loss,
    l2: f64,
    start: Vec<f64>,
    optimum: Option<Optimum>,
    curvature: Option<Curvature>,
    workspace: Mutex<Workspace>,
    /// The buffers of the last minibatch size, allocated at the first minibatch.
    batch: Mutex<Option<batch::Batch>>,
}

/// The shapes of a network of widths `d_0, ..., d_L` (`L` layers, `W_l` is `d_l x (d_{l-1} + bias)`), laid out
/// in order, each row-major.
pub fn shapes(widths: &[usize], bias: bool) -> Vec<LayerShape> {
    let mut offset = 0;
    widths
        .windows(2)
        .map(|w| {
            let s = LayerShape {
                outputs: w[1],
                inputs: w[0] + usize::from(bias),
                bias,
                offset,
            };
            offset += s.outputs * s.inputs;
            s
        })
        .collect()
}

impl Network {
    /// A network of the given widths (`d_0` = the rows of `data`), with hidden `tanh` layers and a bias
    /// column in every layer when `bias`; `start` is the standard start.
    ///
    /// Panics if the data, targets or start do not fit the widths: families build these themselves, so a
    /// mismatch is a bug.
    pub fn new(
        widths: &[usize],
        bias: bool,
        data: Mat<f64>,
        loss: Loss,
        l2: f64,
        start: Vec<f64>,
    ) -> Self {
        assert!(widths.len() >= 2, "a network has at least one layer");
        let shapes = shapes(widths, bias);
        let dim = shapes.last().map_or(0, |s| s.offset + s.outputs * s.inputs);
        let n = data.ncols();
        assert_eq!(data.nrows(), widths[0], "data rows = input width");
        let out = widths[widths.len() - 1];
        match &loss {
            Loss::Squared(y) => assert!(y.nrows() == out && y.ncols() == n, "targets shape"),
            Loss::Softmax(labels) => {
                assert!(
                    labels.len() == n && labels.iter().all(|c| *c < out),
                    "labels"
                )
            }
        }
        assert_eq!(start.len(), dim, "start length = parameter count");
        let workspace = Mutex::new(Workspace::new(
            &shapes,
            &data,
            matches!(loss, Loss::Softmax(_)),
        ));
        Network {
            workspace,
            batch: Mutex::new(None),
            shapes,
            dim,
            data,
            loss,
            l2,
            start,
            optimum: None,
            curvature: None,
        }
    }

    /// Sets the known optimum.
    pub fn with_optimum(mut self, optimum: Optimum) -> Self {
        self.optimum = Some(optimum);
        self
    }

    /// Sets the known curvature bounds.
    pub fn with_curvature(mut self, curvature: Curvature) -> Self {
        self.curvature = Some(curvature);
        self
    }

    /// The input data, `d_0 x N`.
    pub fn data(&self) -> MatRef<'_, f64> {
        self.data.as_ref()
    }

    fn weight<'a>(&self, l: usize, x: &'a [f64]) -> MatRef<'a, f64> {
        let s = self.shapes[l];
        MatRef::from_row_major_slice(
            &x[s.offset..s.offset + s.outputs * s.inputs],
            s.outputs,
            s.inputs,
        )
    }

    fn samples(&self) -> usize {
        self.data.ncols()
    }

    /// The workspace buffers of a fresh set, for a thread that finds the shared ones busy.
    fn fresh_workspace(&self) -> Workspace {
        Workspace::new(
            &self.shapes,
            &self.data,
            matches!(self.loss, Loss::Softmax(_)),
        )
    }

    /// Runs `f` on the network's workspace; if another thread holds it, on buffers of this call's own. A
    /// workspace left behind by a panic is marked empty first.
    fn with_workspace<R>(&self, f: impl FnOnce(&mut Workspace) -> R) -> R {
        match self.workspace.try_lock() {
            Ok(mut ws) => f(&mut ws),
            Err(TryLockError::Poisoned(poisoned)) => {
                let mut ws = poisoned.into_inner();
                ws.stage = workspace::Stage::Empty;
                f(&mut ws)
            }
            Err(TryLockError::WouldBlock) => f(&mut self.fresh_workspace()),
        }
    }

    /// The network's outputs `z_n` at `x`, as the columns of an `outputs x N` matrix.
    pub fn outputs(&self, x: &[f64]) -> Mat<f64> {
        self.with_workspace(|ws| self.outputs_with(ws, x))
    }
}

impl Problem for Network {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        self.with_workspace(|ws| {
            self.ensure_forward(ws, &self.loss, x);
            ws.value
        })
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_and_gradient(x, g);
    }

    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.with_workspace(|ws| {
            self.ensure_backward(ws, &self.loss, x);
            self.assemble(ws, x, g);
            ws.value
        })
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn layered(&self) -> Option<&dyn Layered> {
        Some(self)
    }

    fn stochastic(&self) -> Option<&dyn Stochastic> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        self.start.clone()
    }

    fn optimum(&self) -> Option<Optimum> {
        self.optimum.clone()
    }

    fn curvature(&self) -> Option<Curvature> {
        self.curvature
    }
}

impl SecondOrder for Network {
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        self.with_workspace(|ws| {
            self.ensure_backward(ws, &self.loss, x);
            self.hvp_at(ws, x, v, out);
        })
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        self.with_workspace(|ws| {
            self.ensure_backward(ws, &self.loss, x);
            self.hessian_at(ws, x, h);
        })
    }
}

impl Layered for Network {
    fn shapes(&self) -> &[LayerShape] {
        &self.shapes
    }

    fn samples(&self) -> usize {
        self.data.ncols()
    }

    fn fisher_rank(&self) -> usize {
        self.shapes.last().map_or(0, |s| s.outputs)
    }

    fn l2(&self) -> f64 {
        self.l2
    }

    fn statistics(&self, x: &[f64], stats: &mut LayerStats) {
        // The workspace is the network's; `stats` is the caller's (K-FAC's buffers): only the pass is booked
        // as the problem's allocation.
        self.with_workspace(|ws| {
            crate::alloc::in_problem(|| self.ensure_backward(ws, &self.loss, x));
            self.fisher(ws, x, stats);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_tile_the_parameter_vector() {
        let s = shapes(&[3, 5, 2], true);
        assert_eq!(
            s,
            vec![
                LayerShape {
                    outputs: 5,
                    inputs: 4,
                    bias: true,
                    offset: 0
                },
                LayerShape {
                    outputs: 2,
                    inputs: 6,
                    bias: true,
                    offset: 20
                },
            ]
        );
        let s = shapes(&[3, 2], false);
        assert_eq!((s[0].inputs, s[0].outputs), (3, 2));
    }

    #[test]
    fn one_linear_layer_matches_hand_arithmetic() {
        // W = [[1, 2]], data u = (3, -1) and (0, 1), targets 0 and 1: z = (1, 2), residuals (1, 1),
        // f = (1/2)(1 + 1)/2 = 1/2, grad = (1/N) sum r u' = ((3 + 0)/2, (-1 + 1)/2) = (1.5, 0).
        let data = Mat::from_fn(2, 2, |i, j| [[3.0, 0.0], [-1.0, 1.0]][i][j]);
        let y = Mat::from_fn(1, 2, |_, j| j as f64);
        let net = Network::new(&[2, 1], false, data, Loss::Squared(y), 0.0, vec![0.0; 2]);
        let mut g = [0.0; 2];
        assert_eq!(net.value_and_gradient(&[1.0, 2.0], &mut g), 0.5);
        assert_eq!(g, [1.5, 0.0]);
    }

    #[test]
    fn blocked_hessian_matches_hessian_vector_products() {
        // Three layers, softmax loss with a ridge, at a point away from any minimum: every term of the
        // R-pass (tanh'', the residual terms, the softmax curvature) is present.
        let widths = [3, 4, 3, 3];
        let samples = 7;
        let data = Mat::from_fn(3, samples, |i, j| ((i * 7 + j * 3) as f64 * 0.9).sin());
        let labels = (0..samples).map(|j| j % 3).collect();
        let dim = shapes(&widths, true)
            .last()
            .map_or(0, |s| s.offset + s.outputs * s.inputs);
        let net = Network::new(
            &widths,
            true,
            data,
            Loss::Softmax(labels),
            0.01,
            vec![0.0; dim],
        );
        let x: Vec<f64> = (0..dim).map(|i| 0.9 * (1.7 * i as f64).cos()).collect();
        let mut columns = Mat::<f64>::zeros(dim, dim);
        let mut e = vec![0.0; dim];
        let mut col = vec![0.0; dim];
        for j in 0..dim {
            e[j] = 1.0;
            net.hvp(&x, &e, &mut col);
            e[j] = 0.0;
            for (i, c) in col.iter().enumerate() {
                columns[(i, j)] = *c;
            }
        }
        let scale = (0..dim).map(|i| columns[(i, i)].abs()).fold(0.0, f64::max);
        for directions in [1, 5, 16, dim] {
            let mut h = Mat::<f64>::from_fn(dim, dim, |_, _| f64::NAN);
            net.with_workspace(|ws| {
                net.ensure_backward(ws, &net.loss, &x);
                net.hessian_in_blocks(ws, &x, &mut h, directions);
            });
            for j in 0..dim {
                for i in 0..dim {
                    assert_eq!(h[(i, j)], h[(j, i)], "symmetric");
                    let want = 0.5 * (columns[(i, j)] + columns[(j, i)]);
                    assert!(
                        (h[(i, j)] - want).abs() <= 64.0 * f64::EPSILON * scale,
                        "blocks of {directions}: H[{i},{j}] = {:e} vs {want:e}",
                        h[(i, j)]
                    );
                }
            }
        }
    }
}
