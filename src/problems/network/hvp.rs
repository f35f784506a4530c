//! Hessian-vector products: Pearlmutter's (1994) R-operator of the backward pass (forward-over-reverse),
//! exact to rounding, on the forward and backward passes a [`Workspace`] holds.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, Par};

use super::Network;
use super::workspace::{Workspace, below};

impl Network {
    /// `H v` at the point whose backward pass `ws` holds, written into `out`.
    pub(super) fn hvp_at(&self, ws: &mut Workspace, x: &[f64], v: &[f64], out: &mut [f64]) {
        let layers = self.shapes.len();
        let n = self.samples();
        let inv_n = 1.0 / n as f64;
        // Forward: R(a_{l-1}) = tanh'(s_{l-1}) .* R(s_{l-1}) (zero for the data and the bias row) and
        // R(s_l) = V_l inputs_l + W_l R(a_{l-1}).
        for l in 0..layers {
            if l > 0 {
                let (r_in, r_s, d1) = (&mut ws.r_in[l], &ws.r_pre[l - 1], &ws.d1[l - 1]);
                for j in 0..n {
                    let (rc, dc) = (r_s.col_as_slice(j), d1.col_as_slice(j));
                    for ((o, d), r) in r_in.col_as_slice_mut(j).iter_mut().zip(dc).zip(rc) {
                        *o = d * r;
                    }
                }
            }
            matmul(
                &mut ws.r_pre[l],
                Accum::Replace,
                self.weight(l, v),
                &ws.inputs[l],
                1.0,
                Par::Seq,
            );
            if l > 0 {
                let width = below(&self.shapes[l]);
                matmul(
                    &mut ws.r_pre[l],
                    Accum::Add,
                    self.weight(l, x).subcols(0, width),
                    &ws.r_in[l],
                    1.0,
                    Par::Seq,
                );
            }
        }
        // Output: R(d_L) = (d^2 l / dz^2) R(z).
        output_curvature(
            &ws.probs,
            &ws.r_pre[layers - 1],
            &mut ws.r_delta[layers - 1],
            n,
        );
        // Backward, top layer first, writing each layer's block of H v.
        for l in (0..layers).rev() {
            let s = self.shapes[l];
            let width = below(&s);
            let block = &mut out[s.offset..s.offset + s.outputs * s.inputs];
            let mut dst = MatMut::from_row_major_slice_mut(block, s.outputs, s.inputs);
            matmul(
                dst.as_mut(),
                Accum::Replace,
                &ws.r_delta[l],
                ws.inputs[l].transpose(),
                inv_n,
                Par::Seq,
            );
            if l == 0 {
                break;
            }
            matmul(
                dst.subcols_mut(0, width),
                Accum::Add,
                &ws.deltas[l],
                ws.r_in[l].transpose(),
                inv_n,
                Par::Seq,
            );
            // V_l' d_l + W_l' R(d_l), bias row dropped.
            matmul(
                &mut ws.r_back[l],
                Accum::Replace,
                self.weight(l, v).subcols(0, width).transpose(),
                &ws.deltas[l],
                1.0,
                Par::Seq,
            );
            matmul(
                &mut ws.r_back[l],
                Accum::Add,
                self.weight(l, x).subcols(0, width).transpose(),
                &ws.r_delta[l],
                1.0,
                Par::Seq,
            );
            // R(d_{l-1}) = tanh''(s) R(s) .* (W_l' d_l) + tanh'(s) .* R(W_l' d_l), tanh'' = -2 a tanh'.
            let dst = &mut ws.r_delta[l - 1];
            let (a, d1, rs) = (&ws.inputs[l], &ws.d1[l - 1], &ws.r_pre[l - 1]);
            let (back, r_back) = (&ws.back[l], &ws.r_back[l]);
            for j in 0..n {
                r_delta_column(
                    dst.col_as_slice_mut(j),
                    &a.col_as_slice(j)[..width],
                    d1.col_as_slice(j),
                    rs.col_as_slice(j),
                    back.col_as_slice(j),
                    r_back.col_as_slice(j),
                );
            }
        }
        if self.l2 != 0.0 {
            crate::vector::axpy(self.l2, v, out);
        }
    }
}

/// `R(d_L) = (d^2 l / dz^2) R(z)` for the first `cols` columns of `rz` (column `c` belongs to sample
/// `c % N`, `N` the columns of `probs`): the identity for the squared loss (`probs` empty),
/// `p .* (R(z) - p'R(z))` for the softmax.
pub(super) fn output_curvature(probs: &Mat<f64>, rz: &Mat<f64>, rd: &mut Mat<f64>, cols: usize) {
    let n = probs.ncols();
    for c in 0..cols {
        let (zc, dc) = (rz.col_as_slice(c), rd.col_as_slice_mut(c));
        if n > 0 {
            let p = probs.col_as_slice(c % n);
            let pr: f64 = p.iter().zip(zc).map(|(a, b)| a * b).sum();
            for ((o, pi), zi) in dc.iter_mut().zip(p).zip(zc) {
                *o = pi * (zi - pr);
            }
        } else {
            dc.copy_from_slice(zc);
        }
    }
}

/// One column of `R(d_{l-1}) = tanh''(s) R(s) .* back + tanh'(s) .* r_back`, with `tanh'' = -2 a tanh'`
/// (`a = tanh(s)`, `d1 = tanh'(s)`).
#[inline]
pub(super) fn r_delta_column(
    out: &mut [f64],
    a: &[f64],
    d1: &[f64],
    rs: &[f64],
    back: &[f64],
    r_back: &[f64],
) {
    let terms = a.iter().zip(d1).zip(rs).zip(back).zip(r_back);
    for (o, ((((t, d1), rs), b), rb)) in out.iter_mut().zip(terms) {
        let d2 = -2.0 * t * d1;
        *o = d2 * rs * b + d1 * rb;
    }
}
