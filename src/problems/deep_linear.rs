//! `deep-linear`: a deep linear network fitted to a linear teacher: saddles from depth, not from data.
//!
//! `f(W_1, ..., W_L) = ||W_L ... W_1 X - Y||_F^2 / (2N)` with inputs `X` (`in_dim x N`) and targets
//! `Y = M X` from a teacher `M` (`out_dim x in_dim`) (Baldi and Hornik 1989, "Neural networks and principal
//! component analysis"; Saxe, McClelland and Ganguli 2014, "Exact solutions to the nonlinear dynamics of
//! learning in deep linear neural networks"; Kawaguchi 2016, "Deep learning without poor local minima").
//!
//! **Data**, from the `rng` passed to `build` (so it depends on the run's seed), drawn in this order: `X`
//! sample by sample (`X[i][s] ~ N(0, 1)`, `s` outer, `i` inner), then `M` row by row (`M[i][j] ~ N(0,
//! 1/in_dim)`), then the standard start.
//!
//! **Parameters** (`depth = L`): `W_1` is `width x in_dim`, `W_2 ... W_{L-1}` are `width x width`, `W_L` is
//! `out_dim x width` (for `L = 1`, `W_1` is `out_dim x in_dim`). The vector `x` concatenates `W_1, ..., W_L`,
//! each row-major: `W_l[i][j] = x[o_l + i cols_l + j]` with `o_l` the sizes of the earlier layers.
//!
//! **Derivatives.** With `P = W_L ... W_1`, `A_l = W_{l-1} ... W_1` (`A_1 = I`), `B_l = W_L ... W_{l+1}`
//! (`B_L = I`), `R = (P - M) X` and `E = R X' / N`: `f = ||R||^2 / (2N)` and `dF/dW_l = B_l' E A_l'`. The
//! Hessian-vector product differentiates that formula along `V = (V_1, ..., V_L)`:
//! `dP = sum_l B_l V_l A_l`, `dE = dP X X' / N`, `H V|_l = dB_l' E A_l' + B_l' dE A_l' + B_l' E dA_l'`, with
//! `dA_l`, `dB_l` from forward and backward product recursions. The dense Hessian is assembled from the
//! product with each unit vector (then symmetrised).
//!
//! **Critical points.** `W = 0` has gradient zero for `L >= 2` ([`DeepLinear::critical_points`]):
//! - `L = 2`: a strict saddle. Its Hessian is `[[0, -K], [-K', 0]]` per hidden unit with
//!   `K = M X X' / N`, so its eigenvalues are `+-sigma_j(K)`, each `width` times: `width r` negative ones
//!   with `r = rank(M X) = min(in_dim, out_dim, samples)` almost surely, and the rest zero.
//! - `L >= 3`: a degenerate point: `f - f(0) = ||P X||^2 / (2N) - <P X, M X> / N` has only terms of degree
//!   `L` and `2L` in `W`, so the Hessian vanishes (index 0, nullity `n`), yet `f(0)` is no minimum: `f`
//!   decreases along `W_l = t U_l` with `U_L ... U_1 = M`, as `(1 - t^L)^2 f(0)`.
//! - `L = 1`: the problem is a convex quadratic and `0` is not critical.
//!
//! **Optimum.** `f* = sum_{i >= width} sigma_i(M X)^2 / (2N)` (the best rank-`width` approximation of `Y`
//! (Eckart and Young 1936), reachable because the row space of `Y` lies in that of `X`): `f* = 0` when
//! `width >= min(in_dim, out_dim, samples)` or `L = 1`. The minimisers are never isolated for `L >= 2`
//! (`W_{l+1} G^{-1}, G W_l` leaves `P` unchanged for any invertible `G`), so `optimum()` gives `f*` without
//! `x*`, and the Hessian there is only positive semi-definite; [`DeepLinear::minimiser`] constructs one.
//! For `L = 1` and `samples >= in_dim`, `x* = M` is unique and the curvature is known: the Hessian is
//! `X X' / N` once per output row, so `mu`, `L` are its extreme eigenvalues; for `L >= 2` the Hessian grows
//! without bound and is indefinite near 0, so `curvature()` is `None`.
//!
//! **Standard start**: small random weights from the seed, `W_l[i][j] ~ N(0, init_scale^2 / cols_l)`, so
//! each layer scales a vector by about `init_scale` and the start lies near the saddle at 0 (the plateau of
//! Saxe et al. 2014).
//!
//! **Minibatches.** `f` is the finite sum `(1/N) sum_n ||(P - M) x_n||^2 / 2`: a minibatch `S` gives
//! `||(P - M) X_S||^2 / (2|S|)` and its gradient (`batch.rs`), `N = samples`.

mod batch;

use std::sync::Mutex;

use faer::{Mat, MatRef, Side};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::critical::CriticalPoint;
use crate::params::{ParamDoc, ParamError, in_range};
use crate::problem::stochastic::{Population, Stochastic};
use crate::problem::{Capabilities, Curvature, Optimum, Problem, SecondOrder};

/// The keys of `deep-linear`.
pub const PARAMS: &[ParamDoc] = DeepLinearConfig::PARAMS;

const MAX_DEPTH: usize = 100;
const MAX_SIDE: usize = 10_000;
const MAX_SAMPLES: usize = 1_000_000;

crate::declare_params! {
    /// The parameters of `deep-linear`.
    #[derive(Debug, Clone)]
    // `W_l[i][j]` in a key's line is the listing's notation, not a link.
    #[allow(rustdoc::broken_intra_doc_links)]
    pub struct DeepLinearConfig {
        /// number of weight matrices L, 1 <= L <= 100
        depth: usize = 2,
        /// hidden width, 1 <= width <= 10000 (unused when depth = 1)
        width: usize = 4,
        /// number of samples N, 1 <= N <= 1000000
        samples: usize = 32,
        /// input dimension, 1 <= in_dim <= 10000
        in_dim: usize = 4,
        /// output dimension, 1 <= out_dim <= 10000
        out_dim: usize = 4,
        /// standard start: W_l[i][j] ~ N(0, init_scale^2 / cols_l); 0 starts on the saddle at 0
        init_scale: f64 = 0.1,
    }
}

fn count_in(key: &str, value: usize, max: usize) -> Result<(), ParamError> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(ParamError::key(
            key,
            format!("`{key}` must be between 1 and {max}, got {value}"),
        ))
    }
}

impl DeepLinearConfig {
    /// The shapes `(rows, cols)` of `W_1, ..., W_L`.
    pub fn shapes(&self) -> Vec<(usize, usize)> {
        let l = self.depth;
        (0..l)
            .map(|i| {
                let rows = if i + 1 == l { self.out_dim } else { self.width };
                let cols = if i == 0 { self.in_dim } else { self.width };
                (rows, cols)
            })
            .collect()
    }
}

impl super::FamilyConfig for DeepLinearConfig {
    /// `f*` always; a unique minimiser (the teacher) only for one layer with at least as many samples as
    /// inputs.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum {
            value: true,
            point: self.depth == 1 && self.samples >= self.in_dim,
        })
    }

    /// The weights (four vectors of them), the data and targets, and the activations of every layer.
    fn memory(&self) -> super::ProblemMemory {
        let params: u64 = self
            .shapes()
            .iter()
            .map(|(r, c)| (*r as u64).saturating_mul(*c as u64))
            .fold(0, u64::saturating_add);
        let per_sample = (self.in_dim + self.out_dim) as u64
            + (self.depth as u64).saturating_mul(2 * self.width as u64);
        super::ProblemMemory {
            dim: usize::try_from(params).unwrap_or(usize::MAX),
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4, params)
                    .saturating_add(crate::memory::bytes(per_sample, self.samples as u64)),
                ..Default::default()
            },
        }
    }

    fn check(&self) -> Result<(), ParamError> {
        count_in("depth", self.depth, MAX_DEPTH)?;
        count_in("width", self.width, MAX_SIDE)?;
        count_in("samples", self.samples, MAX_SAMPLES)?;
        count_in("in_dim", self.in_dim, MAX_SIDE)?;
        count_in("out_dim", self.out_dim, MAX_SIDE)?;
        in_range("init_scale", self.init_scale, 0.0, 1e3)
    }

    /// Exact derivatives of every order; curvature bounds where the network is one linear layer.
    const CAPABILITIES: Capabilities = Capabilities::BOUNDED;

    /// Curvature bounds are known at depth 1 only (a convex quadratic).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            curvature: self.depth == 1,
            ..Self::CAPABILITIES
        }
    }

    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(DeepLinear::new(self, rng)?))
    }

    /// Minibatches of the `samples` columns of `X`.
    fn population(&self) -> Population {
        Population::Finite(self.samples)
    }
}

/// An instance of `deep-linear`.
pub struct DeepLinear {
    shapes: Vec<(usize, usize)>,
    offsets: Vec<usize>,
    width: usize,
    x: Mat<f64>,
    teacher: Mat<f64>,
    start: Vec<f64>,
    f_star: f64,
    curvature: Option<Curvature>,
    /// The buffers of the last minibatch size, allocated at the first minibatch.
    batch: Mutex<Option<batch::Batch>>,
}

/// The products a gradient needs: prefixes `A_l` and suffixes `B_l` (0-based `l`), and `E = R X' / N`.
struct Forward {
    prefix: Vec<Mat<f64>>,
    suffix: Vec<Mat<f64>>,
    e: Mat<f64>,
    value: f64,
}

impl DeepLinear {
    fn new(c: &DeepLinearConfig, rng: &mut ChaCha8Rng) -> Result<Self, String> {
        let (din, dout, n) = (c.in_dim, c.out_dim, c.samples);
        let mut draw = || -> f64 { StandardNormal.sample(rng) };
        let mut x = Mat::<f64>::zeros(din, n);
        for s in 0..n {
            for i in 0..din {
                x[(i, s)] = draw();
            }
        }
        let mut teacher = Mat::<f64>::zeros(dout, din);
        let teacher_scale = 1.0 / (din as f64).sqrt();
        for i in 0..dout {
            for j in 0..din {
                teacher[(i, j)] = teacher_scale * draw();
            }
        }
        let shapes = c.shapes();
        let mut offsets = Vec::with_capacity(shapes.len());
        let mut start = Vec::new();
        for &(rows, cols) in &shapes {
            offsets.push(start.len());
            let s = c.init_scale / (cols as f64).sqrt();
            for _ in 0..rows * cols {
                start.push(s * draw());
            }
        }
        let nf = n as f64;
        let rank_bound = din.min(dout).min(n);
        let f_star = if c.depth == 1 || c.width >= rank_bound {
            0.0
        } else {
            let mx = &teacher * &x;
            let sv = mx
                .singular_values()
                .map_err(|e| format!("the SVD of the teacher's outputs failed: {e:?}"))?;
            sv[c.width..].iter().map(|s| s * s).sum::<f64>() / (2.0 * nf)
        };
        let curvature = if c.depth == 1 {
            let s = covariance(x.as_ref());
            let eig = s
                .self_adjoint_eigenvalues(Side::Lower)
                .map_err(|e| format!("the eigenvalues of X X'/N failed: {e:?}"))?;
            let mu = if n >= din { eig[0].max(0.0) } else { 0.0 };
            Some(Curvature {
                mu,
                lipschitz: eig[din - 1],
            })
        } else {
            None
        };
        Ok(DeepLinear {
            shapes,
            offsets,
            width: c.width,
            x,
            teacher,
            start,
            f_star,
            curvature,
            batch: Mutex::new(None),
        })
    }

    fn depth(&self) -> usize {
        self.shapes.len()
    }

    fn samples(&self) -> usize {
        self.x.ncols()
    }

    /// The weight matrices held in `x`.
    fn layers(&self, x: &[f64]) -> Vec<Mat<f64>> {
        self.shapes
            .iter()
            .zip(&self.offsets)
            .map(|(&(r, c), &o)| Mat::from_fn(r, c, |i, j| x[o + i * c + j]))
            .collect()
    }

    /// Writes matrices into a parameter-shaped vector.
    fn flatten(&self, mats: &[Mat<f64>], out: &mut [f64]) {
        for ((m, &(r, c)), &o) in mats.iter().zip(&self.shapes).zip(&self.offsets) {
            for i in 0..r {
                for j in 0..c {
                    out[o + i * c + j] = m[(i, j)];
                }
            }
        }
    }

    /// The prefixes `A_0 = I`, `A_{l+1} = W_l A_l` (0-based `l`); the last is the end-to-end map `P`.
    fn prefixes(&self, w: &[Mat<f64>]) -> Vec<Mat<f64>> {
        let din = self.x.nrows();
        let mut prefix = Vec::with_capacity(w.len() + 1);
        prefix.push(Mat::<f64>::identity(din, din));
        for (i, wi) in w.iter().enumerate() {
            let next = wi * &prefix[i];
            prefix.push(next);
        }
        prefix
    }

    /// The residual `R = (P - M) X` of the end-to-end map `P` and the value `||R||_F^2 / (2N)`: the one
    /// computation of the value, behind `value` and the forward pass of `value_and_gradient`, so both give
    /// the same value to the bit.
    fn residual(&self, product: &Mat<f64>) -> (Mat<f64>, f64) {
        let d = product - &self.teacher;
        let r = &d * &self.x;
        let value = r.squared_norm_l2() / (2.0 * self.samples() as f64);
        (r, value)
    }

    fn forward(&self, w: &[Mat<f64>]) -> Forward {
        let l = w.len();
        let dout = self.teacher.nrows();
        let prefix = self.prefixes(w);
        let mut suffix = vec![Mat::<f64>::zeros(0, 0); l];
        suffix[l - 1] = Mat::<f64>::identity(dout, dout);
        for i in (1..l).rev() {
            suffix[i - 1] = &suffix[i] * &w[i];
        }
        let (r, value) = self.residual(&prefix[l]);
        let nf = self.samples() as f64;
        let e = scaled(&r * self.x.transpose(), 1.0 / nf);
        Forward {
            prefix,
            suffix,
            e,
            value,
        }
    }

    /// A global minimiser (value `f*`): for depth 1, `W_1 = M`; for depth >= 2, `P = W_L ... W_1` is `M` (when
    /// `width >= in_dim`: `W_1 = [I; 0]`, inner layers `I`, `W_L = [M, 0]`; else when `width >= out_dim`:
    /// `W_1 = [M; 0]`, inner `I`, `W_L = [I, 0]`) or, when `width < min(in_dim, out_dim)`, `U U' M` with
    /// `U` the top `width` left singular vectors of `M X` (`W_1 = U' M`, inner `I`, `W_L = U`).
    pub fn minimiser(&self) -> Result<Vec<f64>, String> {
        let l = self.depth();
        let (din, dout, h) = (self.x.nrows(), self.teacher.nrows(), self.width);
        let mut w: Vec<Mat<f64>> = self
            .shapes
            .iter()
            .map(|&(r, c)| Mat::from_fn(r, c, |i, j| if i == j { 1.0 } else { 0.0 }))
            .collect();
        let m = &self.teacher;
        if l == 1 {
            w[0] = m.clone();
        } else if h >= din {
            w[l - 1] = Mat::from_fn(dout, h, |i, j| if j < din { m[(i, j)] } else { 0.0 });
        } else if h >= dout {
            w[0] = Mat::from_fn(h, din, |i, j| if i < dout { m[(i, j)] } else { 0.0 });
        } else {
            let svd = (m * &self.x)
                .thin_svd()
                .map_err(|e| format!("the SVD of the teacher's outputs failed: {e:?}"))?;
            let u = svd.U();
            let top = Mat::from_fn(dout, h, |i, j| u[(i, j)]);
            w[0] = top.transpose() * m;
            w[l - 1] = top;
        }
        let mut out = vec![0.0; self.dim()];
        self.flatten(&w, &mut out);
        Ok(out)
    }
}

/// `X X' / N`.
fn covariance(x: MatRef<'_, f64>) -> Mat<f64> {
    let nf = x.ncols() as f64;
    scaled(x * x.transpose(), 1.0 / nf)
}

fn scaled(mut m: Mat<f64>, s: f64) -> Mat<f64> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            m[(i, j)] *= s;
        }
    }
    m
}

impl Problem for DeepLinear {
    fn dim(&self) -> usize {
        self.shapes.iter().map(|(r, c)| r * c).sum()
    }

    fn value(&self, x: &[f64]) -> f64 {
        let prefix = self.prefixes(&self.layers(x));
        let end_to_end = prefix.last().expect("the prefixes start with the identity");
        self.residual(end_to_end).1
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_and_gradient(x, g);
    }

    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let w = self.layers(x);
        let fw = self.forward(&w);
        let grads: Vec<Mat<f64>> = (0..w.len())
            .map(|l| fw.suffix[l].transpose() * &fw.e * fw.prefix[l].transpose())
            .collect();
        self.flatten(&grads, g);
        fw.value
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn stochastic(&self) -> Option<&dyn Stochastic> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        self.start.clone()
    }

    fn optimum(&self) -> Option<Optimum> {
        let unique = self.depth() == 1 && self.samples() >= self.x.nrows();
        Some(Optimum {
            value: self.f_star,
            point: unique.then(|| {
                let mut out = vec![0.0; self.dim()];
                self.flatten(std::slice::from_ref(&self.teacher), &mut out);
                out
            }),
        })
    }

    fn curvature(&self) -> Option<Curvature> {
        self.curvature
    }

    fn critical_points(&self) -> Vec<CriticalPoint> {
        let n = self.dim();
        if self.depth() < 2 {
            return Vec::new();
        }
        let mx = &self.teacher * &self.x;
        let value = mx.squared_norm_l2() / (2.0 * self.samples() as f64);
        let (index, nullity) = if self.depth() == 2 {
            let r = self.x.nrows().min(self.teacher.nrows()).min(self.samples());
            (self.width * r, n - 2 * self.width * r)
        } else {
            (0, n)
        };
        vec![CriticalPoint {
            point: vec![0.0; n],
            value,
            index,
            nullity,
        }]
    }
}

impl SecondOrder for DeepLinear {
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let w = self.layers(x);
        let dw = self.layers(v);
        let l = w.len();
        let fw = self.forward(&w);
        // dA_{l+1} = V_l A_l + W_l dA_l, dA_1 = 0.
        let mut dprefix = Vec::with_capacity(l + 1);
        dprefix.push(Mat::<f64>::zeros(self.x.nrows(), self.x.nrows()));
        for i in 0..l {
            let next = &(&dw[i] * &fw.prefix[i]) + &(&w[i] * &dprefix[i]);
            dprefix.push(next);
        }
        // dB_{l-1} = dB_l W_l + B_l V_l, dB_L = 0.
        let dout = self.teacher.nrows();
        let mut dsuffix = vec![Mat::<f64>::zeros(0, 0); l];
        dsuffix[l - 1] = Mat::<f64>::zeros(dout, dout);
        for i in (1..l).rev() {
            dsuffix[i - 1] = &(&dsuffix[i] * &w[i]) + &(&fw.suffix[i] * &dw[i]);
        }
        let nf = self.samples() as f64;
        let de = scaled(&(&dprefix[l] * &self.x) * self.x.transpose(), 1.0 / nf);
        let blocks: Vec<Mat<f64>> = (0..l)
            .map(|i| {
                let a = fw.prefix[i].transpose();
                let b = fw.suffix[i].transpose();
                let t1 = dsuffix[i].transpose() * &fw.e * a;
                let t2 = b * &de * a;
                let t3 = b * &fw.e * dprefix[i].transpose();
                &(&t1 + &t2) + &t3
            })
            .collect();
        self.flatten(&blocks, out);
    }

    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        let n = self.dim();
        let mut e = vec![0.0; n];
        let mut col = vec![0.0; n];
        for j in 0..n {
            e[j] = 1.0;
            self.hvp(x, &e, &mut col);
            e[j] = 0.0;
            for (i, c) in col.iter().enumerate() {
                h[(i, j)] = *c;
            }
        }
        for j in 0..n {
            for i in 0..j {
                let s = 0.5 * (h[(i, j)] + h[(j, i)]);
                h[(i, j)] = s;
                h[(j, i)] = s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::FamilyConfig;
    use crate::problems::critical::check::{assert_exact_critical_point, gradient_tol};
    use crate::problems::critical::inertia;
    use crate::problems::testing::{assert_derivatives, assert_finite_sum};
    use crate::vector::norm;
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn config(
        depth: usize,
        width: usize,
        samples: usize,
        din: usize,
        dout: usize,
    ) -> DeepLinearConfig {
        DeepLinearConfig {
            depth,
            width,
            samples,
            in_dim: din,
            out_dim: dout,
            init_scale: 0.1,
        }
    }

    fn build(c: &DeepLinearConfig, seed: u64) -> DeepLinear {
        c.check().expect("valid");
        DeepLinear::new(c, &mut ChaCha8Rng::seed_from_u64(seed)).expect("builds")
    }

    fn hessian(p: &DeepLinear, x: &[f64]) -> Mat<f64> {
        let n = p.dim();
        let mut h = Mat::<f64>::zeros(n, n);
        p.hessian(x, &mut h);
        h
    }

    /// Relative rounding of products of a few matrices of side <= 8 with O(1) entries.
    fn rel_tol(p: &DeepLinear) -> f64 {
        let side = p.shapes.iter().map(|&(r, c)| r.max(c)).max().unwrap_or(1);
        64.0 * f64::EPSILON * (side * p.depth()) as f64 * p.samples() as f64
    }

    #[test]
    fn value_matches_the_data_formula() {
        // Independent arithmetic: Y = M X elementwise, then P X - Y by explicit sums.
        let c = config(3, 3, 7, 4, 2);
        let p = build(&c, 11);
        let x: Vec<f64> = (0..p.dim())
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 7.0)
            .collect();
        let w = p.layers(&x);
        let (din, dout, n) = (4, 2, 7);
        let mut prod = vec![vec![0.0; din]; din];
        for (i, row) in prod.iter_mut().enumerate() {
            row[i] = 1.0;
        }
        for wl in &w {
            let mut next = vec![vec![0.0; din]; wl.nrows()];
            for (i, row) in next.iter_mut().enumerate() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v = (0..wl.ncols()).map(|k| wl[(i, k)] * prod[k][j]).sum();
                }
            }
            prod = next;
        }
        let mut loss = 0.0;
        for s in 0..n {
            for (i, row) in prod.iter().enumerate().take(dout) {
                let y: f64 = (0..din).map(|j| p.teacher[(i, j)] * p.x[(j, s)]).sum();
                let py: f64 = (0..din).map(|j| row[j] * p.x[(j, s)]).sum();
                loss += (py - y) * (py - y);
            }
        }
        loss /= 2.0 * n as f64;
        let f = p.value(&x);
        assert!((f - loss).abs() <= rel_tol(&p) * loss, "{f:e} vs {loss:e}");
        let mut g = vec![0.0; p.dim()];
        assert_eq!(p.value_and_gradient(&x, &mut g), p.forward(&w).value);
    }

    #[test]
    fn parameter_layout_is_row_major_by_layer() {
        let p = build(&config(3, 5, 4, 2, 3), 0);
        assert_eq!(p.shapes, vec![(5, 2), (5, 5), (3, 5)]);
        assert_eq!(p.offsets, vec![0, 10, 35]);
        assert_eq!(p.dim(), 10 + 25 + 15);
        let x: Vec<f64> = (0..p.dim()).map(|i| i as f64).collect();
        let w = p.layers(&x);
        assert_eq!(w[1][(2, 3)], (10 + 2 * 5 + 3) as f64);
        assert_eq!(w[2][(1, 4)], (35 + 5 + 4) as f64);
    }

    #[test]
    fn data_depend_on_the_seed_only() {
        let c = config(2, 4, 8, 3, 3);
        let (a, b, d) = (build(&c, 1), build(&c, 1), build(&c, 2));
        assert_eq!(a.x, b.x);
        assert_eq!(a.standard_start(), b.standard_start());
        assert_ne!(a.x, d.x);
    }

    #[test]
    fn zero_is_a_strict_saddle_at_depth_two() {
        // Hessian at 0: eigenvalues +-sigma_j(K), K = M X X'/N, each `width` times; the rest zero.
        for c in [
            config(2, 4, 32, 4, 4),
            config(2, 3, 16, 5, 2),
            config(2, 2, 3, 4, 4),
        ] {
            let p = build(&c, 5);
            let zero = &p.critical_points()[0];
            let h = hessian(&p, &zero.point);
            let (_, eig) = inertia(&h).expect("converges");
            let k = &p.teacher * covariance(p.x.as_ref());
            let sv = k.singular_values().expect("svd converges");
            let mut expected: Vec<f64> = Vec::new();
            for s in &sv {
                for _ in 0..c.width {
                    expected.push(-s);
                    expected.push(*s);
                }
            }
            expected.resize(p.dim(), 0.0);
            expected.sort_by(f64::total_cmp);
            let scale = sv[0];
            for (e, want) in eig.iter().zip(&expected) {
                assert!((e - want).abs() <= rel_tol(&p) * scale, "{e:e} vs {want:e}");
            }
            let tol = rel_tol(&p) * zero.value;
            assert_exact_critical_point(&p, &zero.point, zero, tol);
        }
    }

    #[test]
    fn zero_is_degenerate_at_depth_three_but_not_a_minimum() {
        let c = config(3, 4, 16, 3, 2);
        let p = build(&c, 9);
        let zero = &p.critical_points()[0];
        assert_eq!((zero.index, zero.nullity), (0, p.dim()));
        let h = hessian(&p, &zero.point);
        assert!((0..p.dim()).all(|i| (0..p.dim()).all(|j| h[(i, j)] == 0.0)));
        assert_exact_critical_point(&p, &zero.point, zero, rel_tol(&p) * zero.value);
        // Along W_l = t U_l with U_3 U_2 U_1 = M: P = t^3 M, f(t) = (1 - t^3)^2 f(0) < f(0) for 0 < t^3 < 2.
        let u = p.minimiser().expect("constructs");
        for t in [0.1f64, 0.5, 1.0] {
            let x: Vec<f64> = u.iter().map(|ui| t * ui).collect();
            let want = (1.0 - t.powi(3)).powi(2) * zero.value;
            let f = p.value(&x);
            assert!(f < zero.value, "t = {t}: {f:e}");
            assert!(
                (f - want).abs() <= rel_tol(&p) * zero.value,
                "{f:e} vs {want:e}"
            );
        }
    }

    #[test]
    fn constructed_minimisers_reach_the_documented_optimum() {
        // width >= in_dim, width >= out_dim only, width below both (f* > 0), and depth 1.
        for c in [
            config(2, 4, 32, 4, 4),
            config(4, 3, 20, 5, 2),
            config(3, 2, 24, 5, 4),
            config(2, 1, 10, 3, 3),
            config(1, 4, 12, 3, 2),
        ] {
            let p = build(&c, 3);
            let x = p.minimiser().expect("constructs");
            let fstar = p.optimum().expect("known").value;
            // Independent f*: the smallest out_dim - width eigenvalues of (M X)(M X)'/(2N), by the symmetric
            // eigensolver rather than the SVD.
            let mx = &p.teacher * &p.x;
            let gram = scaled(&mx * mx.transpose(), 0.5 / c.samples as f64);
            let eig = gram
                .self_adjoint_eigenvalues(Side::Lower)
                .expect("converges");
            let tail = if c.depth == 1 {
                0
            } else {
                c.out_dim.saturating_sub(c.width)
            };
            let want: f64 = eig[..tail].iter().sum();
            let scale = eig[eig.len() - 1];
            assert!(
                (fstar - want).abs() <= rel_tol(&p) * scale,
                "{fstar:e} vs {want:e}"
            );
            let mut g = vec![0.0; p.dim()];
            let f = p.value_and_gradient(&x, &mut g);
            assert!(
                (f - fstar).abs() <= rel_tol(&p) * scale,
                "{c:?}: {f:e} vs {fstar:e}"
            );
            let gtol = gradient_tol(&p, &x);
            assert!(norm(&g) <= gtol, "{c:?}: ||g|| = {:e} > {gtol:e}", norm(&g));
            let h = hessian(&p, &x);
            let (inertia, eig) = inertia(&h).expect("converges");
            assert_eq!(inertia.negative, 0, "{c:?}: {eig:?}");
            if c.depth == 1 {
                // Unique minimiser: positive definite (samples >= in_dim).
                assert!(h.llt(Side::Lower).is_ok(), "{eig:?}");
            } else {
                // Not isolated: (W_1, W_2) -> (G W_1, W_2 G^{-1}) keeps P; its tangent (A W_1, -W_2 A) is null.
                assert!(inertia.zero > 0, "{eig:?}");
                let w = p.layers(&x);
                let a = Mat::from_fn(c.width, c.width, |i, j| (i as f64 - 2.0 * j as f64) / 3.0);
                let mut dirs: Vec<Mat<f64>> =
                    w.iter().map(|m| Mat::zeros(m.nrows(), m.ncols())).collect();
                dirs[0] = &a * &w[0];
                dirs[1] = scaled(&w[1] * &a, -1.0);
                let mut v = vec![0.0; p.dim()];
                p.flatten(&dirs, &mut v);
                let mut hv = vec![0.0; p.dim()];
                p.hvp(&x, &v, &mut hv);
                let hv_tol = gtol * norm(&v);
                assert!(norm(&hv) <= hv_tol, "{c:?}: ||H v|| = {:e}", norm(&hv));
            }
        }
    }

    #[test]
    fn depth_one_is_a_quadratic_with_known_curvature() {
        let c = config(1, 4, 40, 3, 2);
        let p = build(&c, 4);
        let curv = p.curvature().expect("known for depth 1");
        let h = hessian(&p, &p.standard_start());
        let (_, eig) = inertia(&h).expect("converges");
        let s = covariance(p.x.as_ref())
            .self_adjoint_eigenvalues(Side::Lower)
            .expect("converges");
        // Each eigenvalue of X X'/N once per output row.
        for (i, e) in eig.iter().enumerate() {
            let want = s[i / 2];
            assert!((e - want).abs() <= rel_tol(&p) * s[2], "{e:e} vs {want:e}");
        }
        assert_eq!((curv.mu, curv.lipschitz), (s[0], s[2]));
        let x = p
            .optimum()
            .and_then(|o| o.point)
            .expect("unique for samples >= in_dim");
        let mut g = vec![1.0; p.dim()];
        assert_eq!(p.value_and_gradient(&x, &mut g), 0.0);
        assert!(g.iter().all(|gi| *gi == 0.0));
    }

    #[test]
    fn minibatches_are_means_over_the_samples() {
        for c in [
            config(1, 3, 12, 3, 2),
            config(2, 3, 12, 4, 3),
            config(4, 2, 12, 3, 5),
        ] {
            assert_eq!(c.population(), Population::Finite(12));
            let p = build(&c, 6);
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let x: Vec<f64> = (0..p.dim())
                .map(|_| StandardNormal.sample(&mut rng))
                .collect();
            for batch in [1, 4, 12] {
                assert_finite_sum(&p, &x, batch);
            }
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        let ok = config(2, 4, 32, 4, 4);
        let mut cases: Vec<(DeepLinearConfig, &str)> = Vec::new();
        let mut c = ok.clone();
        c.depth = 0;
        cases.push((c, "depth"));
        let mut c = ok.clone();
        c.depth = 101;
        cases.push((c, "depth"));
        let mut c = ok.clone();
        c.width = 0;
        cases.push((c, "width"));
        let mut c = ok.clone();
        c.samples = 0;
        cases.push((c, "samples"));
        let mut c = ok.clone();
        c.in_dim = 0;
        cases.push((c, "in_dim"));
        let mut c = ok.clone();
        c.out_dim = 20_000;
        cases.push((c, "out_dim"));
        let mut c = ok.clone();
        c.init_scale = -0.1;
        cases.push((c, "init_scale"));
        let mut c = ok.clone();
        c.init_scale = f64::NAN;
        cases.push((c, "init_scale"));
        for (c, key) in cases {
            assert_eq!(c.check().unwrap_err().key.as_deref(), Some(key), "{c:?}");
        }
        assert!(ok.check().is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn derivatives_match_finite_differences(
            depth in 1usize..=4,
            seed in 0u64..1000,
            scale in 0.2f64..1.5,
        ) {
            let c = config(depth, 3, 6, 3, 2);
            let p = build(&c, seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed + 1);
            let x: Vec<f64> = (0..p.dim())
                .map(|_| {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    scale * z
                })
                .collect();
            let v: Vec<f64> = (0..p.dim()).map(|_| StandardNormal.sample(&mut rng)).collect();
            assert_derivatives(&p, &x, &v);
        }
    }
}
