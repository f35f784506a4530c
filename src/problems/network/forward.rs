//! The forward pass (value), back-propagation (gradient) and the back-propagated square root of the output
//! Fisher (K-FAC's statistics), on whole batches, into a [`Workspace`].

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, Par};

use super::activation::tanh_and_derivative;
use super::workspace::{Stage, Workspace, below};
use super::{Loss, Network};
use crate::problem::LayerStats;

impl Network {
    /// Makes `ws` hold the forward pass at `x`: `inputs`, `pre`, `d1`, `probs` and `value`, for the samples
    /// whose inputs `ws` holds and whose targets `loss` holds (the whole data set and `self.loss`, or a
    /// minibatch's).
    pub(super) fn ensure_forward(&self, ws: &mut Workspace, loss: &Loss, x: &[f64]) {
        if ws.holds(x, Stage::Forward) {
            return;
        }
        ws.stage = Stage::Empty;
        let layers = self.shapes.len();
        for l in 0..layers {
            if l > 0 {
                // a_{l-1} = tanh(s_{l-1}) and tanh'(s_{l-1}) = 1 - a^2, once per pass.
                let (input, s, d1) = (&mut ws.inputs[l], &ws.pre[l - 1], &mut ws.d1[l - 1]);
                let rows = s.nrows();
                for j in 0..s.ncols() {
                    let (sc, dc) = (s.col_as_slice(j), d1.col_as_slice_mut(j));
                    tanh_and_derivative(sc, &mut input.col_as_slice_mut(j)[..rows], dc);
                }
            }
            matmul(
                &mut ws.pre[l],
                Accum::Replace,
                self.weight(l, x),
                &ws.inputs[l],
                1.0,
                Par::Seq,
            );
        }
        let z = &ws.pre[layers - 1];
        let n = z.ncols();
        let mut total = 0.0;
        match loss {
            Loss::Squared(y) => {
                for j in 0..n {
                    for (zi, yi) in z.col_as_slice(j).iter().zip(y.col_as_slice(j)) {
                        let r = zi - yi;
                        total += 0.5 * r * r;
                    }
                }
            }
            Loss::Softmax(labels) => {
                for (j, &label) in labels.iter().enumerate() {
                    let zc = z.col_as_slice(j);
                    let m = zc.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let sum: f64 = zc.iter().map(|v| (v - m).exp()).sum();
                    let lse = m + sum.ln();
                    total += lse - zc[label];
                    for (p, v) in ws.probs.col_as_slice_mut(j).iter_mut().zip(zc) {
                        *p = (v - lse).exp();
                    }
                }
            }
        }
        let ridge = 0.5 * self.l2 * x.iter().map(|v| v * v).sum::<f64>();
        ws.value = total / n as f64 + ridge;
        ws.x.copy_from_slice(x);
        ws.stage = Stage::Forward;
    }

    /// Makes `ws` hold the backward pass at `x` too: `d_L = dl/dz` (`z - y`, or `p - e_y`), then
    /// `back_l = W_l' d_l` (bias row dropped) and `d_{l-1} = tanh'(s_{l-1}) .* back_l`.
    pub(super) fn ensure_backward(&self, ws: &mut Workspace, loss: &Loss, x: &[f64]) {
        self.ensure_forward(ws, loss, x);
        if ws.stage >= Stage::Backward {
            return;
        }
        let layers = self.shapes.len();
        let z = &ws.pre[layers - 1];
        let top = &mut ws.deltas[layers - 1];
        match loss {
            Loss::Squared(y) => {
                for j in 0..z.ncols() {
                    let (zc, yc) = (z.col_as_slice(j), y.col_as_slice(j));
                    for ((d, zi), yi) in top.col_as_slice_mut(j).iter_mut().zip(zc).zip(yc) {
                        *d = zi - yi;
                    }
                }
            }
            Loss::Softmax(labels) => {
                for (j, &label) in labels.iter().enumerate() {
                    let dc = top.col_as_slice_mut(j);
                    dc.copy_from_slice(ws.probs.col_as_slice(j));
                    dc[label] -= 1.0;
                }
            }
        }
        for l in (1..layers).rev() {
            let width = below(&self.shapes[l]);
            let w = self.weight(l, x).subcols(0, width);
            matmul(
                &mut ws.back[l],
                Accum::Replace,
                w.transpose(),
                &ws.deltas[l],
                1.0,
                Par::Seq,
            );
            let (back, d1) = (&ws.back[l], &ws.d1[l - 1]);
            let delta = &mut ws.deltas[l - 1];
            for j in 0..back.ncols() {
                let (bc, dc) = (back.col_as_slice(j), d1.col_as_slice(j));
                for ((o, b), d) in delta.col_as_slice_mut(j).iter_mut().zip(bc).zip(dc) {
                    *o = b * d;
                }
            }
        }
        ws.stage = Stage::Backward;
    }

    /// `grad W_l = (1/N) d_l inputs_l' + l2 W_l`, row-major into `g`, from the backward pass in `ws` (`N`
    /// the samples it holds).
    pub(super) fn assemble(&self, ws: &Workspace, x: &[f64], g: &mut [f64]) {
        let inv_n = 1.0 / ws.samples() as f64;
        for (l, s) in self.shapes.iter().enumerate() {
            let block = &mut g[s.offset..s.offset + s.outputs * s.inputs];
            let dst = MatMut::from_row_major_slice_mut(block, s.outputs, s.inputs);
            matmul(
                dst,
                Accum::Replace,
                &ws.deltas[l],
                ws.inputs[l].transpose(),
                inv_n,
                Par::Seq,
            );
        }
        if self.l2 != 0.0 {
            crate::vector::axpy(self.l2, x, g);
        }
    }

    /// K-FAC's statistics at `x` from the backward pass in `ws`: the inputs and deltas, and the square-root
    /// columns of the output Fisher (column `k N + n` for sample `n`) back-propagated through the layers,
    /// written straight into `stats`.
    pub(super) fn fisher(&self, ws: &Workspace, x: &[f64], stats: &mut LayerStats) {
        let layers = self.shapes.len();
        let n = self.samples();
        for l in 0..layers {
            stats.inputs[l].copy_from(&ws.inputs[l]);
            stats.grads[l].copy_from(&ws.deltas[l]);
        }
        let top = &mut stats.fisher[layers - 1];
        let k = top.nrows();
        match &self.loss {
            Loss::Squared(_) => {
                for c in 0..k * n {
                    let col = top.col_as_slice_mut(c);
                    col.fill(0.0);
                    col[c / n] = 1.0;
                }
            }
            Loss::Softmax(_) => {
                // sqrt(p_k) (e_k - p).
                for c in 0..k * n {
                    let (kk, j) = (c / n, c % n);
                    let p = ws.probs.col_as_slice(j);
                    let root = p[kk].sqrt();
                    for (i, (o, pi)) in top.col_as_slice_mut(c).iter_mut().zip(p).enumerate() {
                        *o = root * (if i == kk { 1.0 } else { 0.0 } - pi);
                    }
                }
            }
        }
        for l in (1..layers).rev() {
            let width = below(&self.shapes[l]);
            let w = self.weight(l, x).subcols(0, width);
            let (lower, upper) = stats.fisher.split_at_mut(l);
            let dst = &mut lower[l - 1];
            matmul(
                &mut *dst,
                Accum::Replace,
                w.transpose(),
                &upper[0],
                1.0,
                Par::Seq,
            );
            let d1 = &ws.d1[l - 1];
            for c in 0..dst.ncols() {
                let dc = d1.col_as_slice(c % n);
                for (o, d) in dst.col_as_slice_mut(c).iter_mut().zip(dc) {
                    *o *= d;
                }
            }
        }
    }

    /// The network's outputs at `x` (`outputs x N`), through a workspace of its own.
    pub(super) fn outputs_with(&self, ws: &mut Workspace, x: &[f64]) -> Mat<f64> {
        self.ensure_forward(ws, &self.loss, x);
        ws.pre[self.shapes.len() - 1].clone()
    }
}
