//! The dense Hessian in blocks: the R-operator pass of the Hessian-vector product run for many unit
//! directions at once (their columns side by side, so each layer's product is one matrix product), and only
//! for the lower block triangle.
//!
//! For the unit direction of `W_l[o][i]`, `R(s_m) = 0` below layer `l`, `R(s_l) = e_o inputs_l[i, :]`, and
//! the rows of `H e` that belong to layers `m >= l` need the R-pass from layer `l` up and back down to `l`
//! only. The blocks above the diagonal are copied from those below; the diagonal blocks, computed whole,
//! are symmetrised by averaging.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, Par};

use super::Network;
use super::hvp::{output_curvature, r_delta_column};
use super::workspace::{Block, Workspace, below};

/// Doubles the R-pass buffers of one block of directions may hold (16 MiB): the number of directions per
/// block is this over the doubles one direction needs, at least 1.
const BLOCK_BUDGET: usize = 1 << 21;

impl Network {
    /// Directions per block of the dense Hessian.
    fn block_directions(&self) -> usize {
        let n = self.samples();
        let per_direction: usize = self
            .shapes
            .iter()
            .map(|s| n * (2 * s.outputs + 2 * below(s)))
            .sum();
        let largest = self
            .shapes
            .iter()
            .map(|s| s.outputs * s.inputs)
            .max()
            .unwrap_or(1);
        (BLOCK_BUDGET / per_direction.max(1)).clamp(1, largest.max(1))
    }

    /// The dense Hessian at the point whose backward pass `ws` holds, into `h` (`dim x dim`).
    pub(super) fn hessian_at(&self, ws: &mut Workspace, x: &[f64], h: &mut Mat<f64>) {
        self.hessian_in_blocks(ws, x, h, self.block_directions());
    }

    /// [`Network::hessian_at`] with blocks of `directions` unit directions.
    pub(super) fn hessian_in_blocks(
        &self,
        ws: &mut Workspace,
        x: &[f64],
        h: &mut Mat<f64>,
        directions: usize,
    ) {
        let layers = self.shapes.len();
        let n = self.samples();
        let inv_n = 1.0 / n as f64;
        let mut blk = match ws.block.take() {
            Some(b) if b.directions == directions => b,
            _ => Block::new(&self.shapes, n, directions),
        };
        for l in 0..layers {
            let s = self.shapes[l];
            let count = s.outputs * s.inputs;
            for q0 in (0..count).step_by(directions) {
                let b_count = directions.min(count - q0);
                let cols = b_count * n;
                // Seed: R(s_l) = e_o inputs_l[i, :] for the direction of W_l[o][i].
                {
                    let r = &mut blk.r_pre[l];
                    for b in 0..b_count {
                        let (o, i) = ((q0 + b) / s.inputs, (q0 + b) % s.inputs);
                        for j in 0..n {
                            let col = r.col_as_slice_mut(b * n + j);
                            col.fill(0.0);
                            col[o] = ws.inputs[l][(i, j)];
                        }
                    }
                }
                // Forward through the layers above.
                for m in l + 1..layers {
                    let width = below(&self.shapes[m]);
                    let (r_in, r_s, d1) = (&mut blk.r_in[m], &blk.r_pre[m - 1], &ws.d1[m - 1]);
                    for c in 0..cols {
                        let (rc, dc) = (r_s.col_as_slice(c), d1.col_as_slice(c % n));
                        for ((o, d), r) in r_in.col_as_slice_mut(c).iter_mut().zip(dc).zip(rc) {
                            *o = d * r;
                        }
                    }
                    matmul(
                        blk.r_pre[m].subcols_mut(0, cols),
                        Accum::Replace,
                        self.weight(m, x).subcols(0, width),
                        blk.r_in[m].subcols(0, cols),
                        1.0,
                        Par::Seq,
                    );
                }
                output_curvature(
                    &ws.probs,
                    &blk.r_pre[layers - 1],
                    &mut blk.r_delta[layers - 1],
                    cols,
                );
                // Backward down to layer l, writing rows of layers m >= l of the block's columns.
                for m in (l..layers).rev() {
                    let sm = self.shapes[m];
                    let width = below(&sm);
                    for b in 0..b_count {
                        let column = h.col_as_slice_mut(s.offset + q0 + b);
                        let rows = &mut column[sm.offset..sm.offset + sm.outputs * sm.inputs];
                        let mut dst = MatMut::from_row_major_slice_mut(rows, sm.outputs, sm.inputs);
                        matmul(
                            dst.as_mut(),
                            Accum::Replace,
                            blk.r_delta[m].subcols(b * n, n),
                            ws.inputs[m].transpose(),
                            inv_n,
                            Par::Seq,
                        );
                        if m > l {
                            matmul(
                                dst.subcols_mut(0, width),
                                Accum::Add,
                                &ws.deltas[m],
                                blk.r_in[m].subcols(b * n, n).transpose(),
                                inv_n,
                                Par::Seq,
                            );
                        }
                    }
                    if m == l {
                        break;
                    }
                    matmul(
                        blk.r_back[m].subcols_mut(0, cols),
                        Accum::Replace,
                        self.weight(m, x).subcols(0, width).transpose(),
                        blk.r_delta[m].subcols(0, cols),
                        1.0,
                        Par::Seq,
                    );
                    // R(d_{m-1}) = tanh''(s) R(s) .* (W_m' d_m) + tanh'(s) .* W_m' R(d_m).
                    let dst = &mut blk.r_delta[m - 1];
                    let (a, d1, rs) = (&ws.inputs[m], &ws.d1[m - 1], &blk.r_pre[m - 1]);
                    let (back, r_back) = (&ws.back[m], &blk.r_back[m]);
                    for c in 0..cols {
                        let j = c % n;
                        r_delta_column(
                            dst.col_as_slice_mut(c),
                            &a.col_as_slice(j)[..width],
                            d1.col_as_slice(j),
                            rs.col_as_slice(c),
                            back.col_as_slice(j),
                            r_back.col_as_slice(c),
                        );
                    }
                }
            }
        }
        ws.block = Some(blk);
        self.symmetrise(h);
    }

    /// Completes `h` from its lower block triangle: blocks above the diagonal are the transposes of those
    /// below, diagonal blocks are averaged with their transposes; then adds the ridge `l2 I`.
    fn symmetrise(&self, h: &mut Mat<f64>) {
        for s in &self.shapes {
            let end = s.offset + s.outputs * s.inputs;
            for p in s.offset..end {
                for r in 0..s.offset {
                    h[(r, p)] = h[(p, r)];
                }
                for r in s.offset..p {
                    let m = 0.5 * (h[(r, p)] + h[(p, r)]);
                    h[(r, p)] = m;
                    h[(p, r)] = m;
                }
            }
        }
        if self.l2 != 0.0 {
            for p in 0..self.dim {
                h[(p, p)] += self.l2;
            }
        }
    }
}
