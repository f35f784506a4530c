//! The data-fitting problems of the set: 6, 8-12 and 15-19 of Moré, Garbow and Hillstrom (1981).
//!
//! Each residual is a model at a design point `t_i` minus (or plus) an observation `y_i`; the data are the
//! paper's, as in the authors' Fortran. Where the paper gives only `f*`, the value of [`Optimum`] carries the
//! digits of an independent high-precision solve (checked in the tests against the paper's digits) and no
//! minimiser.

use faer::Mat;

use super::{Residuals, add_sym};
use crate::problem::Optimum;

fn value_only(value: f64) -> Option<Optimum> {
    Some(Optimum { value, point: None })
}

/// Problem 6, Jennrich and Sampson: `r_i = 2 + 2i - exp(i x_1) - exp(i x_2)`, `i = 1..m`, `m >= 2`
/// (default 10); `x0 = (0.3, 0.4)`. The paper gives `f* = 124.362...` at `x_1 = x_2 = 0.2578...` for
/// `m = 10` only; other `m` have no published minimum.
pub struct JennrichSampson {
    /// Number of residuals.
    pub m: usize,
}

/// The minimiser of [`JennrichSampson`] for `m = 10`, to full precision (`x_1 = x_2 = 0.2578...`).
pub const JENNRICH_SAMPSON_MINIMISER: f64 = 0.257_825_213_670_364_1;
/// The minimum of [`JennrichSampson`] for `m = 10` (`124.362...`), to full precision.
pub const JENNRICH_SAMPSON_MINIMUM: f64 = 124.362_182_355_614_85;

impl Residuals for JennrichSampson {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let k = (i + 1) as f64;
            *ri = 2.0 + 2.0 * k - (k * x[0]).exp() - (k * x[1]).exp();
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.m {
            let k = (i + 1) as f64;
            j[(i, 0)] = -k * (k * x[0]).exp();
            j[(i, 1)] = -k * (k * x[1]).exp();
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let k = (i + 1) as f64;
            h[(0, 0)] -= wi * k * k * (k * x[0]).exp();
            h[(1, 1)] -= wi * k * k * (k * x[1]).exp();
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.3, 0.4]
    }
    fn optimum(&self) -> Option<Optimum> {
        (self.m == 10).then(|| Optimum {
            value: JENNRICH_SAMPSON_MINIMUM,
            point: Some(vec![JENNRICH_SAMPSON_MINIMISER; 2]),
        })
    }
}

/// Problem 8, Bard: `r_i = y_i - (x_1 + u_i / (v_i x_2 + w_i x_3))`, `u_i = i`, `v_i = 16 - i`,
/// `w_i = min(u_i, v_i)`, `i = 1..15`; `x0 = (1, 1, 1)`. The paper gives only `f* = 8.21487...e-3`, and
/// `f = 17.4286...` at `(0.8406..., -inf, -inf)`, approached by runs that drift off.
pub struct Bard;

const BARD_Y: [f64; 15] = [
    0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39,
];

/// The minimum of [`Bard`] (`8.21487...e-3`), to full precision.
pub const BARD_MINIMUM: f64 = 8.214_877_306_578_975e-3;

fn bard_uvw(i: usize) -> (f64, f64, f64) {
    let u = (i + 1) as f64;
    let v = 16.0 - u;
    (u, v, u.min(v))
}

impl Residuals for Bard {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let (u, v, w) = bard_uvw(i);
            *ri = BARD_Y[i] - (x[0] + u / (v * x[1] + w * x[2]));
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..15 {
            let (u, v, w) = bard_uvw(i);
            let d = v * x[1] + w * x[2];
            j[(i, 0)] = -1.0;
            j[(i, 1)] = u * v / (d * d);
            j[(i, 2)] = u * w / (d * d);
        }
    }
    fn add_hessians(&self, x: &[f64], wt: &[f64], h: &mut Mat<f64>) {
        for (i, c) in wt.iter().enumerate() {
            let (u, v, w) = bard_uvw(i);
            let d = v * x[1] + w * x[2];
            let s = -2.0 * c * u / (d * d * d);
            h[(1, 1)] += s * v * v;
            add_sym(h, 1, 2, s * v * w);
            h[(2, 2)] += s * w * w;
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![1.0, 1.0, 1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        value_only(BARD_MINIMUM)
    }
}

/// Problem 9, Gaussian: `r_i = x_1 exp(-x_2 (t_i - x_3)^2 / 2) - y_i`, `t_i = (8 - i) / 2`, `i = 1..15`;
/// `x0 = (0.4, 1, 0)`. The paper gives only `f* = 1.12793...e-8`.
pub struct Gaussian;

const GAUSSIAN_Y: [f64; 15] = [
    0.0009, 0.0044, 0.0175, 0.0540, 0.1295, 0.2420, 0.3521, 0.3989, 0.3521, 0.2420, 0.1295, 0.0540,
    0.0175, 0.0044, 0.0009,
];

/// The minimum of [`Gaussian`] (`1.12793...e-8`), to full precision.
pub const GAUSSIAN_MINIMUM: f64 = 1.127_932_769_618_648e-8;

impl Residuals for Gaussian {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let d = (7.0 - i as f64) / 2.0 - x[2];
            *ri = x[0] * (-0.5 * x[1] * d * d).exp() - GAUSSIAN_Y[i];
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..15 {
            let d = (7.0 - i as f64) / 2.0 - x[2];
            let e = (-0.5 * x[1] * d * d).exp();
            j[(i, 0)] = e;
            j[(i, 1)] = -0.5 * x[0] * d * d * e;
            j[(i, 2)] = x[0] * x[1] * d * e;
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let (a, b) = (x[0], x[1]);
        for (i, wi) in w.iter().enumerate() {
            let d = (7.0 - i as f64) / 2.0 - x[2];
            let e = wi * (-0.5 * b * d * d).exp();
            add_sym(h, 0, 1, -0.5 * d * d * e);
            add_sym(h, 0, 2, b * d * e);
            h[(1, 1)] += 0.25 * a * d.powi(4) * e;
            add_sym(h, 1, 2, a * d * e * (1.0 - 0.5 * b * d * d));
            h[(2, 2)] += a * b * (b * d * d - 1.0) * e;
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.4, 1.0, 0.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        value_only(GAUSSIAN_MINIMUM)
    }
}

/// Problem 10, Meyer: `r_i = x_1 exp(x_2 / (t_i + x_3)) - y_i`, `t_i = 45 + 5i`, `i = 1..16`;
/// `x0 = (0.02, 4000, 250)`. The paper gives only `f* = 87.9458...`. Badly scaled: the minimiser is near
/// `(0.0056, 6181, 345)`.
pub struct Meyer;

const MEYER_Y: [f64; 16] = [
    34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0, 11540.0, 9744.0, 8261.0, 7030.0, 6005.0,
    5147.0, 4427.0, 3820.0, 3307.0, 2872.0,
];

/// The minimum of [`Meyer`] (`87.9458...`), to full precision.
pub const MEYER_MINIMUM: f64 = 87.945_855_170_851_12;

impl Residuals for Meyer {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let s = 50.0 + 5.0 * i as f64 + x[2];
            *ri = x[0] * (x[1] / s).exp() - MEYER_Y[i];
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..16 {
            let s = 50.0 + 5.0 * i as f64 + x[2];
            let q = x[1] / s;
            let e = q.exp();
            j[(i, 0)] = e;
            j[(i, 1)] = x[0] * e / s;
            j[(i, 2)] = -x[0] * e * q / s;
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let s = 50.0 + 5.0 * i as f64 + x[2];
            let q = x[1] / s;
            let e = wi * q.exp();
            add_sym(h, 0, 1, e / s);
            add_sym(h, 0, 2, -e * q / s);
            h[(1, 1)] += x[0] * e / (s * s);
            add_sym(h, 1, 2, -x[0] * e * (q + 1.0) / (s * s));
            h[(2, 2)] += x[0] * e * q * (q + 2.0) / (s * s);
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.02, 4000.0, 250.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        value_only(MEYER_MINIMUM)
    }
}

/// Problem 11, Gulf research and development: `r_i = exp(-|y_i - x_2|^x_3 / x_1) - t_i`, `t_i = i / 100`,
/// `y_i = 25 + (-50 ln t_i)^(2/3)`, `i = 1..m`, `3 <= m <= 100` (default 99, as the authors' code);
/// `x0 = (5, 2.5, 0.15)`; `f* = 0` at `(50, 25, 1.5)`. The paper misprints `|y_i - x_2|`; the authors'
/// Fortran has it right. Where `y_i = x_2` exactly the residual is taken at its limit, with zero derivatives.
pub struct Gulf {
    /// Number of residuals.
    pub m: usize,
}

/// `(t_i, y_i)` of [`Gulf`] for 0-based `i`.
fn gulf_ty(i: usize) -> (f64, f64) {
    let t = (i + 1) as f64 / 100.0;
    (t, 25.0 + (-50.0 * t.ln()).powf(2.0 / 3.0))
}

/// `(a, s, q, e)` of one Gulf term: `a = |y - x_2|`, `s = sign(y - x_2)`, `q = a^x_3 / x_1`, `e = exp(-q)`.
fn gulf_term(x: &[f64], y: f64) -> (f64, f64, f64, f64) {
    let a = (y - x[1]).abs();
    let s = if y >= x[1] { 1.0 } else { -1.0 };
    let q = if a == 0.0 { 0.0 } else { a.powf(x[2]) / x[0] };
    (a, s, q, (-q).exp())
}

impl Residuals for Gulf {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let (t, y) = gulf_ty(i);
            *ri = gulf_term(x, y).3 - t;
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.m {
            let (_, y) = gulf_ty(i);
            let (a, s, q, e) = gulf_term(x, y);
            if a == 0.0 {
                continue;
            }
            // dq = (-q / x_1, -s x_3 q / a, q ln a); dr = -e dq.
            j[(i, 0)] = e * q / x[0];
            j[(i, 1)] = e * s * x[2] * q / a;
            j[(i, 2)] = -e * q * a.ln();
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        let p = x[2];
        for (i, wi) in w.iter().enumerate() {
            let (_, y) = gulf_ty(i);
            let (a, s, q, e) = gulf_term(x, y);
            if a == 0.0 {
                continue;
            }
            let la = a.ln();
            let dq = [-q / x[0], -s * p * q / a, q * la];
            let ddq = [
                [
                    2.0 * q / (x[0] * x[0]),
                    s * p * q / (a * x[0]),
                    -q * la / x[0],
                ],
                [
                    0.0,
                    p * (p - 1.0) * q / (a * a),
                    -s * q * (1.0 + p * la) / a,
                ],
                [0.0, 0.0, q * la * la],
            ];
            // Hess r = e (dq dq' - Hess q).
            for k in 0..3 {
                for l in k..3 {
                    add_sym(h, k, l, wi * e * (dq[k] * dq[l] - ddq[k][l]));
                }
            }
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![5.0, 2.5, 0.15]
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![50.0, 25.0, 1.5]),
        })
    }
}

/// Problem 12, Box three-dimensional: `r_i = exp(-t_i x_1) - exp(-t_i x_2) - x_3 (exp(-t_i) - exp(-10 t_i))`,
/// `t_i = i / 10`, `i = 1..m`, `m >= 3` (default 10); `x0 = (0, 10, 20)`. `f* = 0`, attained at `(1, 10, 1)`,
/// `(10, 1, -1)` and on the whole line `x_1 = x_2, x_3 = 0`: the minimisers are not isolated, so no point is
/// given.
pub struct Box3d {
    /// Number of residuals.
    pub m: usize,
}

impl Residuals for Box3d {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let t = (i + 1) as f64 / 10.0;
            *ri = (-t * x[0]).exp() - (-t * x[1]).exp() - x[2] * ((-t).exp() - (-10.0 * t).exp());
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.m {
            let t = (i + 1) as f64 / 10.0;
            j[(i, 0)] = -t * (-t * x[0]).exp();
            j[(i, 1)] = t * (-t * x[1]).exp();
            j[(i, 2)] = -((-t).exp() - (-10.0 * t).exp());
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let t = (i + 1) as f64 / 10.0;
            h[(0, 0)] += wi * t * t * (-t * x[0]).exp();
            h[(1, 1)] -= wi * t * t * (-t * x[1]).exp();
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.0, 10.0, 20.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        value_only(0.0)
    }
}

/// Problem 15, Kowalik and Osborne: `r_i = y_i - x_1 (u_i^2 + u_i x_2) / (u_i^2 + u_i x_3 + x_4)`,
/// `i = 1..11`; `x0 = (0.25, 0.39, 0.415, 0.39)`. The paper gives only `f* = 3.07505...e-4`, and
/// `f = 1.02734...e-3` approached at `(+inf, -14.07..., -inf, -inf)`.
pub struct KowalikOsborne;

const KOWALIK_Y: [f64; 11] = [
    0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627, 0.0456, 0.0342, 0.0323, 0.0235, 0.0246,
];
const KOWALIK_U: [f64; 11] = [
    4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1, 0.0833, 0.0714, 0.0625,
];

/// The minimum of [`KowalikOsborne`] (`3.07505...e-4`), to full precision.
pub const KOWALIK_OSBORNE_MINIMUM: f64 = 3.075_056_038_492_374_5e-4;

impl Residuals for KowalikOsborne {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let u = KOWALIK_U[i];
            *ri = KOWALIK_Y[i] - x[0] * u * (u + x[1]) / (u * (u + x[2]) + x[3]);
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for (i, &u) in KOWALIK_U.iter().enumerate() {
            let num = u * (u + x[1]);
            let den = u * (u + x[2]) + x[3];
            j[(i, 0)] = -num / den;
            j[(i, 1)] = -x[0] * u / den;
            j[(i, 2)] = x[0] * num * u / (den * den);
            j[(i, 3)] = x[0] * num / (den * den);
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let u = KOWALIK_U[i];
            let num = u * (u + x[1]);
            let den = u * (u + x[2]) + x[3];
            let (d2, d3) = (den * den, den * den * den);
            add_sym(h, 0, 1, -wi * u / den);
            add_sym(h, 0, 2, wi * num * u / d2);
            add_sym(h, 0, 3, wi * num / d2);
            add_sym(h, 1, 2, wi * x[0] * u * u / d2);
            add_sym(h, 1, 3, wi * x[0] * u / d2);
            h[(2, 2)] += -2.0 * wi * x[0] * num * u * u / d3;
            add_sym(h, 2, 3, -2.0 * wi * x[0] * num * u / d3);
            h[(3, 3)] += -2.0 * wi * x[0] * num / d3;
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.25, 0.39, 0.415, 0.39]
    }
    fn optimum(&self) -> Option<Optimum> {
        value_only(KOWALIK_OSBORNE_MINIMUM)
    }
}

/// Problem 16, Brown and Dennis: `r_i = (x_1 + t_i x_2 - exp(t_i))^2 + (x_3 + x_4 sin t_i - cos t_i)^2`,
/// `t_i = i / 5`, `i = 1..m`, `m >= 4` (default 20); `x0 = (25, 5, -5, -1)` (the authors' code; some later
/// transcriptions have `+1`). The paper gives only `f* = 85822.2...`, for `m = 20`.
pub struct BrownDennis {
    /// Number of residuals.
    pub m: usize,
}

/// The minimum of [`BrownDennis`] for `m = 20` (`85822.2...`), to full precision.
pub const BROWN_DENNIS_MINIMUM: f64 = 85_822.201_626_356_34;

impl Residuals for BrownDennis {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let t = (i + 1) as f64 / 5.0;
            let a = x[0] + t * x[1] - t.exp();
            let b = x[2] + x[3] * t.sin() - t.cos();
            *ri = a * a + b * b;
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.m {
            let t = (i + 1) as f64 / 5.0;
            let a = x[0] + t * x[1] - t.exp();
            let b = x[2] + x[3] * t.sin() - t.cos();
            j[(i, 0)] = 2.0 * a;
            j[(i, 1)] = 2.0 * a * t;
            j[(i, 2)] = 2.0 * b;
            j[(i, 3)] = 2.0 * b * t.sin();
        }
    }
    fn add_hessians(&self, _x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let t = (i + 1) as f64 / 5.0;
            let s = t.sin();
            // Hess r_i = 2 (1, t, 0, 0)' (1, t, 0, 0) + 2 (0, 0, 1, sin t)' (0, 0, 1, sin t).
            h[(0, 0)] += 2.0 * wi;
            add_sym(h, 0, 1, 2.0 * wi * t);
            h[(1, 1)] += 2.0 * wi * t * t;
            h[(2, 2)] += 2.0 * wi;
            add_sym(h, 2, 3, 2.0 * wi * s);
            h[(3, 3)] += 2.0 * wi * s * s;
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![25.0, 5.0, -5.0, -1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        (self.m == 20).then_some(Optimum {
            value: BROWN_DENNIS_MINIMUM,
            point: None,
        })
    }
}

/// Problem 17, Osborne 1: `r_i = y_i - (x_1 + x_2 exp(-t_i x_4) + x_3 exp(-t_i x_5))`, `t_i = 10 (i - 1)`,
/// `i = 1..33`; `x0 = (0.5, 1.5, -1, 0.01, 0.02)`. The paper gives only `f* = 5.46489...e-5`.
pub struct Osborne1;

const OSBORNE1_Y: [f64; 33] = [
    0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784, 0.751, 0.718, 0.685,
    0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522, 0.506, 0.490, 0.478, 0.467, 0.457, 0.448,
    0.438, 0.431, 0.424, 0.420, 0.414, 0.411, 0.406,
];

/// The minimum of [`Osborne1`] (`5.46489...e-5`), to full precision.
pub const OSBORNE1_MINIMUM: f64 = 5.464_894_697_482_907e-5;

impl Residuals for Osborne1 {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let t = 10.0 * i as f64;
            *ri = OSBORNE1_Y[i] - (x[0] + x[1] * (-t * x[3]).exp() + x[2] * (-t * x[4]).exp());
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..33 {
            let t = 10.0 * i as f64;
            let (e4, e5) = ((-t * x[3]).exp(), (-t * x[4]).exp());
            j[(i, 0)] = -1.0;
            j[(i, 1)] = -e4;
            j[(i, 2)] = -e5;
            j[(i, 3)] = t * x[1] * e4;
            j[(i, 4)] = t * x[2] * e5;
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let t = 10.0 * i as f64;
            let (e4, e5) = (wi * (-t * x[3]).exp(), wi * (-t * x[4]).exp());
            add_sym(h, 1, 3, t * e4);
            h[(3, 3)] -= t * t * x[1] * e4;
            add_sym(h, 2, 4, t * e5);
            h[(4, 4)] -= t * t * x[2] * e5;
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![0.5, 1.5, -1.0, 0.01, 0.02]
    }
    fn optimum(&self) -> Option<Optimum> {
        value_only(OSBORNE1_MINIMUM)
    }
}

/// Problem 18, Biggs EXP6: `r_i = x_3 exp(-t_i x_1) - x_4 exp(-t_i x_2) + x_6 exp(-t_i x_5) - y_i`,
/// `y_i = exp(-t_i) - 5 exp(-10 t_i) + 3 exp(-4 t_i)`, `t_i = i / 10`, `i = 1..m`, `m >= 6` (default 13);
/// `x0 = (1, 2, 1, 1, 1, 1)`. `f* = 0` at `(1, 10, 1, 5, 4, 3)` (and at its mirror `(4, 10, 3, 5, 1, 1)`,
/// which swaps the two positive terms); the paper also gives the local minimum `f = 5.65565...e-3` for
/// `m = 13`, where many runs end.
pub struct BiggsExp6 {
    /// Number of residuals.
    pub m: usize,
}

impl Residuals for BiggsExp6 {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let t = (i + 1) as f64 / 10.0;
            let y = (-t).exp() - 5.0 * (-10.0 * t).exp() + 3.0 * (-4.0 * t).exp();
            *ri =
                x[2] * (-t * x[0]).exp() - x[3] * (-t * x[1]).exp() + x[5] * (-t * x[4]).exp() - y;
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..self.m {
            let t = (i + 1) as f64 / 10.0;
            let (e1, e2, e5) = ((-t * x[0]).exp(), (-t * x[1]).exp(), (-t * x[4]).exp());
            j[(i, 0)] = -t * x[2] * e1;
            j[(i, 1)] = t * x[3] * e2;
            j[(i, 2)] = e1;
            j[(i, 3)] = -e2;
            j[(i, 4)] = -t * x[5] * e5;
            j[(i, 5)] = e5;
        }
    }
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in w.iter().enumerate() {
            let t = (i + 1) as f64 / 10.0;
            let (e1, e2, e5) = (
                wi * (-t * x[0]).exp(),
                wi * (-t * x[1]).exp(),
                wi * (-t * x[4]).exp(),
            );
            h[(0, 0)] += t * t * x[2] * e1;
            add_sym(h, 0, 2, -t * e1);
            h[(1, 1)] -= t * t * x[3] * e2;
            add_sym(h, 1, 3, t * e2);
            h[(4, 4)] += t * t * x[5] * e5;
            add_sym(h, 4, 5, -t * e5);
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![1.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    }
    fn optimum(&self) -> Option<Optimum> {
        Some(Optimum {
            value: 0.0,
            point: Some(vec![1.0, 10.0, 1.0, 5.0, 4.0, 3.0]),
        })
    }
}

/// Problem 19, Osborne 2: `r_i = y_i - (x_1 exp(-t_i x_5) + sum_{k=2}^4 x_k exp(-(t_i - x_{k+7})^2 x_{k+4}))`,
/// `t_i = (i - 1) / 10`, `i = 1..65`; `x0 = (1.3, 0.65, 0.65, 0.7, 0.6, 3, 5, 7, 2, 4.5, 5.5)`. The paper
/// gives only `f* = 4.01377...e-2`.
pub struct Osborne2;

const OSBORNE2_Y: [f64; 65] = [
    1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725, 0.746, 0.679, 0.608,
    0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724, 0.649, 0.649, 0.694, 0.644, 0.624, 0.661,
    0.612, 0.558, 0.533, 0.495, 0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428,
    0.429, 0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632, 0.591, 0.559,
    0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581, 0.428, 0.292, 0.162, 0.098, 0.054,
];

/// The minimum of [`Osborne2`] (`4.01377...e-2`), to full precision.
pub const OSBORNE2_MINIMUM: f64 = 4.013_773_629_354_773_5e-2;

/// The Gaussian bumps of Osborne 2: (amplitude, width, centre) indices, 0-based.
const OSBORNE2_BUMPS: [(usize, usize, usize); 3] = [(1, 5, 8), (2, 6, 9), (3, 7, 10)];

impl Residuals for Osborne2 {
    fn residuals(&self, x: &[f64], r: &mut [f64]) {
        for (i, ri) in r.iter_mut().enumerate() {
            let t = i as f64 / 10.0;
            let mut model = x[0] * (-t * x[4]).exp();
            for (a, w, c) in OSBORNE2_BUMPS {
                let d = t - x[c];
                model += x[a] * (-d * d * x[w]).exp();
            }
            *ri = OSBORNE2_Y[i] - model;
        }
    }
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>) {
        for i in 0..65 {
            let t = i as f64 / 10.0;
            let e = (-t * x[4]).exp();
            j[(i, 0)] = -e;
            j[(i, 4)] = t * x[0] * e;
            for (a, w, c) in OSBORNE2_BUMPS {
                let d = t - x[c];
                let e = (-d * d * x[w]).exp();
                j[(i, a)] = -e;
                j[(i, w)] = x[a] * d * d * e;
                j[(i, c)] = -2.0 * x[a] * x[w] * d * e;
            }
        }
    }
    fn add_hessians(&self, x: &[f64], wt: &[f64], h: &mut Mat<f64>) {
        for (i, wi) in wt.iter().enumerate() {
            let t = i as f64 / 10.0;
            // r carries minus the model's second derivatives.
            let e = wi * (-t * x[4]).exp();
            add_sym(h, 0, 4, t * e);
            h[(4, 4)] -= t * t * x[0] * e;
            for (a, w, c) in OSBORNE2_BUMPS {
                let d = t - x[c];
                let e = wi * (-d * d * x[w]).exp();
                let (amp, width) = (x[a], x[w]);
                add_sym(h, a, w, d * d * e);
                add_sym(h, a, c, -2.0 * d * width * e);
                h[(w, w)] -= amp * d.powi(4) * e;
                add_sym(h, w, c, -2.0 * amp * d * e * (1.0 - width * d * d));
                h[(c, c)] -= 2.0 * amp * width * e * (2.0 * width * d * d - 1.0);
            }
        }
    }
    fn start(&self) -> Vec<f64> {
        vec![1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5]
    }
    fn optimum(&self) -> Option<Optimum> {
        value_only(OSBORNE2_MINIMUM)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;

    #[test]
    fn derivatives_match_finite_differences() {
        for (name, m) in [
            ("jennrich-sampson", None),
            ("jennrich-sampson", Some(3)),
            ("bard", None),
            ("gaussian", None),
            ("gulf", None),
            ("gulf", Some(3)),
            ("gulf", Some(100)),
            ("box-3d", None),
            ("box-3d", Some(30)),
            ("kowalik-osborne", None),
            ("brown-dennis", Some(4)),
            ("biggs-exp6", None),
            ("biggs-exp6", Some(6)),
            ("osborne-2", None),
        ] {
            check_derivatives(&build(name, None, m));
        }
        // Meyer's f is about 1.7e9 near x0 and Brown and Dennis' about 8e6, both far above their
        // gradients' norms: the rounding term eps |f| / h of the differences is added to the tolerance.
        check_derivatives_scaled(&build("brown-dennis", None, None));
        // Meyer's variables live on scales 1e-2, 1e3 and 1e2: a step of eps^(1/3) (1 + ||x||) ~ 0.03 along
        // a random direction is larger than x_1 itself. Checked in x measured in those units, with the
        // rounding term of its f ~ 1.7e9 as for Brown and Dennis.
        check_derivatives_rescaled_scaled(&build("meyer", None, None), &[1e-2, 1e3, 1e2]);
        // Osborne 1 decays as exp(-t x_4) and exp(-t x_5) with t up to 320: at the common step
        // h ~ 6e-6 the truncation error h^2 t^2 / 6 of a central difference is ~ 6e-7 relative, above
        // fd_tol. Checked in x_4 and x_5 measured in units of 1 / t_max = 1/320 instead.
        let scale = [1.0, 1.0, 1.0, 1.0 / 320.0, 1.0 / 320.0];
        check_derivatives_rescaled(&build("osborne-1", None, None), &scale);
    }

    #[test]
    fn start_values_match_an_independent_evaluation() {
        // f(x0) in 40-digit arithmetic (mpmath) from the authors' Fortran formulas, at the default sizes.
        for (name, f0) in [
            ("jennrich-sampson", 4_171.306_161_960_495),
            ("bard", 41.681_695_861_678_01),
            ("gaussian", 3.888_106_991_166_826e-6),
            ("meyer", 1_693_607_809.436_146),
            ("gulf", 12.110_705_825_569_488),
            ("box-3d", 1_031.153_810_609_398_3),
            ("kowalik-osborne", 5.313_172_272_108_542e-3),
            ("brown-dennis", 7_926_693.336_997_432),
            ("osborne-1", 0.879_026_293_544_640_3),
            ("biggs-exp6", 0.779_070_075_655_970_5),
            ("osborne-2", 2.093_419_514_212_064),
        ] {
            assert_start_value(&build(name, None, None), f0);
        }
    }

    #[test]
    fn exact_minimisers_are_minima() {
        let p = build("gulf", None, None);
        assert_exact_minimiser(&p, &[50.0, 25.0, 1.5], 0.0);
        check_optimum(&p, &[50.0, 25.0, 1.5]);
        // Box: two isolated minimisers and a line of them.
        let p = build("box-3d", None, None);
        for x in [[1.0, 10.0, 1.0], [10.0, 1.0, -1.0], [3.0, 3.0, 0.0]] {
            assert_exact_minimiser(&p, &x, 0.0);
            check_optimum(&p, &x);
        }
        // Biggs: the published minimiser and its mirror image.
        let p = build("biggs-exp6", None, None);
        for x in [
            [1.0, 10.0, 1.0, 5.0, 4.0, 3.0],
            [4.0, 10.0, 3.0, 5.0, 1.0, 1.0],
        ] {
            assert_exact_minimiser(&p, &x, 0.0);
            check_optimum(&p, &x);
        }
    }

    #[test]
    fn published_minima_are_reached() {
        let p = build("jennrich-sampson", None, None);
        let x = check_published(
            &p,
            &Published {
                value: 124.362,
                unit: 1e-3,
                point: Some((&[0.2578, 0.2578], &[1e-4, 1e-4])),
            },
            None,
        );
        check_optimum(&p, &x);
        // Only f* is printed for these: solve from the standard start.
        for (name, value, unit) in [
            ("bard", 8.21487e-3, 1e-8),
            ("gaussian", 1.12793e-8, 1e-13),
            ("meyer", 87.9458, 1e-4),
            ("kowalik-osborne", 3.07505e-4, 1e-9),
            ("brown-dennis", 85822.2, 0.1),
            ("osborne-1", 5.46489e-5, 1e-10),
            ("osborne-2", 4.01377e-2, 1e-7),
        ] {
            let p = build(name, None, None);
            let x = check_published(
                &p,
                &Published {
                    value,
                    unit,
                    point: None,
                },
                None,
            );
            check_optimum(&p, &x);
        }
    }
}
