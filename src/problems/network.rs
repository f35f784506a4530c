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
//! is made of `n` such products, symmetrised. With `tanh' = 1 - t^2` and `tanh'' = -2 t (1 - t^2)`.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};

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
#[derive(Debug, Clone)]
pub struct Network {
    shapes: Vec<LayerShape>,
    dim: usize,
    data: Mat<f64>,
    loss: Loss,
    l2: f64,
    start: Vec<f64>,
    optimum: Option<Optimum>,
    curvature: Option<Curvature>,
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

/// Everything the forward pass computes at one point.
struct Forward {
    /// Per layer, its inputs `[a_{l-1}; 1]`, `inputs x N`.
    inputs: Vec<Mat<f64>>,
    /// Per layer, its pre-activations `s_l`, `outputs x N`.
    pre: Vec<Mat<f64>>,
    /// Softmax probabilities of the output (softmax loss only), `outputs x N`.
    probs: Option<Mat<f64>>,
    /// `f(x)`.
    value: f64,
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
        Network {
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

    /// The network's outputs `z_n` at `x`, as the columns of an `outputs x N` matrix.
    pub fn outputs(&self, x: &[f64]) -> Mat<f64> {
        let mut fw = self.forward(x);
        fw.pre.pop().expect("at least one layer")
    }

    fn forward(&self, x: &[f64]) -> Forward {
        let n = self.samples();
        let layers = self.shapes.len();
        let mut inputs = Vec::with_capacity(layers);
        let mut pre: Vec<Mat<f64>> = Vec::with_capacity(layers);
        for (l, s) in self.shapes.iter().enumerate() {
            let width = s.inputs - usize::from(s.bias);
            let input = Mat::from_fn(s.inputs, n, |i, j| {
                if i == width {
                    1.0
                } else if l == 0 {
                    self.data[(i, j)]
                } else {
                    pre[l - 1][(i, j)].tanh()
                }
            });
            let mut out = Mat::zeros(s.outputs, n);
            matmul(
                &mut out,
                Accum::Replace,
                self.weight(l, x),
                &input,
                1.0,
                Par::Seq,
            );
            inputs.push(input);
            pre.push(out);
        }
        let z = &pre[layers - 1];
        let mut total = 0.0;
        let probs = match &self.loss {
            Loss::Squared(y) => {
                for j in 0..n {
                    for i in 0..z.nrows() {
                        let r = z[(i, j)] - y[(i, j)];
                        total += 0.5 * r * r;
                    }
                }
                None
            }
            Loss::Softmax(labels) => {
                let mut p = Mat::zeros(z.nrows(), n);
                for (j, &label) in labels.iter().enumerate() {
                    let m = (0..z.nrows())
                        .map(|i| z[(i, j)])
                        .fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = (0..z.nrows()).map(|i| (z[(i, j)] - m).exp()).sum();
                    let lse = m + sum.ln();
                    total += lse - z[(label, j)];
                    for i in 0..z.nrows() {
                        p[(i, j)] = (z[(i, j)] - lse).exp();
                    }
                }
                Some(p)
            }
        };
        let ridge = 0.5 * self.l2 * x.iter().map(|v| v * v).sum::<f64>();
        Forward {
            inputs,
            pre,
            probs,
            value: total / n as f64 + ridge,
        }
    }

    /// `dl/dz` per sample: `z - y`, or `p - e_y`.
    fn output_delta(&self, fw: &Forward) -> Mat<f64> {
        let z = &fw.pre[self.shapes.len() - 1];
        match (&self.loss, &fw.probs) {
            (Loss::Squared(y), _) => {
                Mat::from_fn(z.nrows(), z.ncols(), |i, j| z[(i, j)] - y[(i, j)])
            }
            (Loss::Softmax(labels), Some(p)) => Mat::from_fn(z.nrows(), z.ncols(), |i, j| {
                p[(i, j)] - if labels[j] == i { 1.0 } else { 0.0 }
            }),
            (Loss::Softmax(_), None) => unreachable!("the forward pass of a softmax loss keeps p"),
        }
    }

    /// Back-propagates `top` (`d_L`, one column per sample or per Fisher column) through the layers:
    /// the returned `d_l`, per layer, are `tanh'(s_l) .* (W_{l+1}' d_{l+1})` with the bias row dropped.
    /// `fw.pre[l]` has `N` columns and `top` a multiple of `N`: column `c` of `top` belongs to sample `c % N`.
    fn backward(&self, x: &[f64], fw: &Forward, top: Mat<f64>) -> Vec<Mat<f64>> {
        let layers = self.shapes.len();
        let n = self.samples();
        let mut deltas = vec![Mat::zeros(0, 0); layers];
        deltas[layers - 1] = top;
        for l in (1..layers).rev() {
            let below = self.shapes[l - 1].outputs;
            let w = self.weight(l, x).subcols(0, below);
            let d = &deltas[l];
            let mut back = Mat::zeros(below, d.ncols());
            matmul(&mut back, Accum::Replace, w.transpose(), d, 1.0, Par::Seq);
            let s = &fw.pre[l - 1];
            for j in 0..back.ncols() {
                for i in 0..below {
                    let t = s[(i, j % n)].tanh();
                    back[(i, j)] *= 1.0 - t * t;
                }
            }
            deltas[l - 1] = back;
        }
        deltas
    }

    /// `grad W_l = (1/N) d_l inputs_l' + l2 W_l`, written row-major into `g`.
    fn assemble(&self, x: &[f64], fw: &Forward, deltas: &[Mat<f64>], g: &mut [f64]) {
        let inv_n = 1.0 / self.samples() as f64;
        for (l, s) in self.shapes.iter().enumerate() {
            let block = &mut g[s.offset..s.offset + s.outputs * s.inputs];
            let dst = MatMut::from_row_major_slice_mut(block, s.outputs, s.inputs);
            matmul(
                dst,
                Accum::Replace,
                &deltas[l],
                fw.inputs[l].transpose(),
                inv_n,
                Par::Seq,
            );
        }
        if self.l2 != 0.0 {
            crate::vector::axpy(self.l2, x, g);
        }
    }

    /// `H v` from a forward pass and its deltas at `x`: the R-operator of the backward pass.
    fn hvp_at(&self, x: &[f64], fw: &Forward, deltas: &[Mat<f64>], v: &[f64], out: &mut [f64]) {
        let layers = self.shapes.len();
        let n = self.samples();
        let inv_n = 1.0 / n as f64;
        // Forward: R(inputs_l) (zero for the data and the bias row) and R(s_l).
        let mut r_inputs: Vec<Mat<f64>> = Vec::with_capacity(layers);
        let mut r_pre: Vec<Mat<f64>> = Vec::with_capacity(layers);
        for (l, s) in self.shapes.iter().enumerate() {
            let width = s.inputs - usize::from(s.bias);
            let r_in = Mat::from_fn(s.inputs, n, |i, j| {
                if l == 0 || i == width {
                    0.0
                } else {
                    let t = fw.pre[l - 1][(i, j)].tanh();
                    (1.0 - t * t) * r_pre[l - 1][(i, j)]
                }
            });
            let mut r_s = Mat::zeros(s.outputs, n);
            matmul(
                &mut r_s,
                Accum::Replace,
                self.weight(l, v),
                &fw.inputs[l],
                1.0,
                Par::Seq,
            );
            if l > 0 {
                matmul(
                    &mut r_s,
                    Accum::Add,
                    self.weight(l, x),
                    &r_in,
                    1.0,
                    Par::Seq,
                );
            }
            r_inputs.push(r_in);
            r_pre.push(r_s);
        }
        // Output: R(d_L) = (d^2 l / dz^2) R(z).
        let rz = &r_pre[layers - 1];
        let mut r_delta = match &fw.probs {
            None => rz.clone(),
            Some(p) => Mat::from_fn(rz.nrows(), n, |i, j| {
                let pr: f64 = (0..rz.nrows()).map(|k| p[(k, j)] * rz[(k, j)]).sum();
                p[(i, j)] * (rz[(i, j)] - pr)
            }),
        };
        // Backward, top layer first, writing each layer's block of H v.
        for l in (0..layers).rev() {
            let s = self.shapes[l];
            let block = &mut out[s.offset..s.offset + s.outputs * s.inputs];
            let mut dst = MatMut::from_row_major_slice_mut(block, s.outputs, s.inputs);
            matmul(
                dst.as_mut(),
                Accum::Replace,
                &r_delta,
                fw.inputs[l].transpose(),
                inv_n,
                Par::Seq,
            );
            matmul(
                dst,
                Accum::Add,
                &deltas[l],
                r_inputs[l].transpose(),
                inv_n,
                Par::Seq,
            );
            if l == 0 {
                break;
            }
            let below = self.shapes[l - 1].outputs;
            let w = self.weight(l, x).subcols(0, below);
            let vw = self.weight(l, v).subcols(0, below);
            let mut back = Mat::zeros(below, n); // W' d_l
            matmul(
                &mut back,
                Accum::Replace,
                w.transpose(),
                &deltas[l],
                1.0,
                Par::Seq,
            );
            let mut r_back = Mat::zeros(below, n); // V' d_l + W' R(d_l)
            matmul(
                &mut r_back,
                Accum::Replace,
                vw.transpose(),
                &deltas[l],
                1.0,
                Par::Seq,
            );
            matmul(
                &mut r_back,
                Accum::Add,
                w.transpose(),
                &r_delta,
                1.0,
                Par::Seq,
            );
            let (s_below, rs_below) = (&fw.pre[l - 1], &r_pre[l - 1]);
            r_delta = Mat::from_fn(below, n, |i, j| {
                let t = s_below[(i, j)].tanh();
                let d1 = 1.0 - t * t;
                let d2 = -2.0 * t * d1;
                d2 * rs_below[(i, j)] * back[(i, j)] + d1 * r_back[(i, j)]
            });
        }
        if self.l2 != 0.0 {
            crate::vector::axpy(self.l2, v, out);
        }
    }

    fn pass(&self, x: &[f64]) -> (Forward, Vec<Mat<f64>>) {
        let fw = self.forward(x);
        let top = self.output_delta(&fw);
        let deltas = self.backward(x, &fw, top);
        (fw, deltas)
    }
}

impl Problem for Network {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &[f64]) -> f64 {
        self.forward(x).value
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_and_gradient(x, g);
    }

    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let (fw, deltas) = self.pass(x);
        self.assemble(x, &fw, &deltas, g);
        fw.value
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn layered(&self) -> Option<&dyn Layered> {
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
        let (fw, deltas) = self.pass(x);
        self.hvp_at(x, &fw, &deltas, v, out);
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        let (fw, deltas) = self.pass(x);
        let n = self.dim;
        let mut e = vec![0.0; n];
        let mut col = vec![0.0; n];
        for j in 0..n {
            e[j] = 1.0;
            self.hvp_at(x, &fw, &deltas, &e, &mut col);
            e[j] = 0.0;
            for (i, c) in col.iter().enumerate() {
                h[(i, j)] = *c;
            }
        }
        for j in 0..n {
            for i in 0..j {
                let m = 0.5 * (h[(i, j)] + h[(j, i)]);
                h[(i, j)] = m;
                h[(j, i)] = m;
            }
        }
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
        let (fw, deltas) = self.pass(x);
        let n = Network::samples(self);
        let k = self.fisher_rank();
        // Square-root columns of the output Fisher, column k N + j for sample j.
        let top = match &fw.probs {
            None => Mat::from_fn(k, k * n, |i, c| if c / n == i { 1.0 } else { 0.0 }),
            Some(p) => Mat::from_fn(k, k * n, |i, c| {
                let (kk, j) = (c / n, c % n);
                p[(kk, j)].sqrt() * (if i == kk { 1.0 } else { 0.0 } - p[(i, j)])
            }),
        };
        let fisher = self.backward(x, &fw, top);
        for l in 0..self.shapes.len() {
            stats.inputs[l].copy_from(&fw.inputs[l]);
            stats.grads[l].copy_from(&deltas[l]);
            stats.fisher[l].copy_from(&fisher[l]);
        }
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
}
