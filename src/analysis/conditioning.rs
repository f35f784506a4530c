//! Effective conditioning: how much of the Hessian's spread each optimizer's preconditioner removes.
//!
//! A method that steps along `-P^{-1} g` is, in the variables `z = P^{1/2} x`, gradient descent on a problem
//! whose Hessian is `P^{-1/2} H P^{-1/2}`; on a quadratic its rate is set by that matrix's condition number,
//! the *effective* condition number `kappa(P^{-1} H) = mu_max / mu_min` over the eigenvalues `mu` of the
//! generalized problem `H v = mu P v` (real, since `P^{-1} H` is similar to the symmetric
//! `P^{-1/2} H P^{-1/2}`). It is computed symmetrically: with the Cholesky factor `P = L L'` (faer), as the
//! eigenvalues of `L^{-1} H L^{-T}`; where a method keeps `P^{-1} = C C'` instead (L-BFGS), as those of
//! `C' H C`; for a diagonal `P = D`, of `D^{-1/2} H D^{-1/2}`. Where `H` is indefinite the `mu` carry its
//! inertia (Sylvester), and the effective condition number is `max |mu| / min |mu|`.
//!
//! The preconditioner of each optimizer, as the optimizer itself forms it:
//! - `gd`, `momentum`: `P = I`, so `kappa(P^{-1} H) = kappa(H)`.
//! - `jacobi`: the ideal diagonal `P = |diag(H)|` (Jacobi scaling; `diag(H)` where `H` is positive
//!   definite), a state-free reference for the diagonal methods: on an axis-aligned `H` it is exact
//!   (`kappa = 1`); under a random rotation `diag(H)` is close to `(tr H / n) I` and removes almost nothing.
//! - `adam`: `P = diag(sqrt(v^) + eps)` with the bias-corrected second moment `v^` after the run's steps;
//!   `rmsprop`: `diag(sqrt(v) + eps)`; `adagrad`: `diag(sqrt(G) + eps)`.
//! - `lbfgs`: `P = H_k^{-1}`, with `H_k` the two-loop inverse-Hessian approximation after the run's steps
//!   (`H^0 = (s'y / y'y) I` from the newest pair; the identity before the first pair), formed column by
//!   column by applying the two-loop recursion to the unit vectors.
//! - `kfac`: the block-diagonal `P = (G_l + gamma/pi_l I) (x) (A_l + pi_l gamma I)` per layer (row-major
//!   layout), `gamma = sqrt(damping + l2)`, from the running averages of the factors after the run's steps.
//! - `newton`: `P = |H|` (`= H` where `H` is positive definite), so every `|mu| = 1`.
//!
//! The optimizers' states are private to them; rather than expose them, each stateful optimizer is *run*
//! here, from the given start, through the same counting oracle and with the same measurements as the
//! runner, and its preconditioner is rebuilt from its trajectory with the optimizer's own recursions and
//! hyperparameters: the gradients it saw at its iterates (Adam, RMSprop, Adagrad), the secant pairs of its
//! accepted steps with its skip and restart rules (L-BFGS), the factors at its iterates (K-FAC). The unit
//! tests check the rebuilt state against the optimizer's own steps (Adam's iterates reproduced bit for bit,
//! L-BFGS's steps parallel to `-H_k g_k`). The Hessian is taken where the optimizer stands after its steps,
//! the point where the preconditioner acts next; rows without state use the start itself.

use std::fmt::Write;

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par, Side};

use super::spectrum::dense_spectrum;
use crate::optimizers::adagrad::AdagradConfig;
use crate::optimizers::adam::AdamConfig;
use crate::optimizers::kfac::{KfacConfig, factored_pi};
use crate::optimizers::lbfgs::LbfgsConfig;
use crate::optimizers::rmsprop::RmspropConfig;
use crate::oracle::Oracle;
use crate::problem::{KfacFactors, Problem};
use crate::vector::dot;

/// The spectrum of `P^{-1} H` and its condition number.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// The eigenvalues `mu` of `P^{-1} H`, ascending.
    pub eigenvalues: Vec<f64>,
    /// `max |mu| / min |mu|` (infinite when some `mu` is zero): for positive definite `H`, the condition
    /// number of `P^{-1/2} H P^{-1/2}`.
    pub kappa: f64,
    /// How many `mu` are negative (as many as `H` has negative eigenvalues).
    pub negative: usize,
}

impl Effective {
    /// Summarises eigenvalues (any order).
    pub fn from_eigenvalues(mut eigenvalues: Vec<f64>) -> Effective {
        eigenvalues.sort_by(f64::total_cmp);
        let (lo, hi) = eigenvalues
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(a, b), m| {
                (a.min(m.abs()), b.max(m.abs()))
            });
        let negative = eigenvalues.iter().filter(|m| **m < 0.0).count();
        Effective {
            kappa: if lo > 0.0 { hi / lo } else { f64::INFINITY },
            eigenvalues,
            negative,
        }
    }
}

/// `(M + M') / 2`: removes the rounding asymmetry of a product that is symmetric in exact arithmetic.
fn symmetrise(m: &mut Mat<f64>) {
    let n = m.nrows();
    for j in 0..n {
        for i in 0..j {
            let v = 0.5 * (m[(i, j)] + m[(j, i)]);
            m[(i, j)] = v;
            m[(j, i)] = v;
        }
    }
}

/// The eigenvalues of `P^{-1} H` for a symmetric positive definite `P = L L'`: those of `L^{-1} H L^{-T}`.
pub fn with_preconditioner(h: &Mat<f64>, p: &Mat<f64>) -> Result<Effective, String> {
    let llt = p
        .llt(Side::Lower)
        .map_err(|e| format!("the preconditioner is not positive definite ({e:?})"))?;
    let l = llt.L();
    // X = L^{-1} H; then M = L^{-1} X' = L^{-1} H L^{-T}, because H is symmetric.
    let mut x = h.clone();
    solve_lower_triangular_in_place(l, x.as_mut(), Par::Seq);
    let mut m = x.transpose().to_owned();
    solve_lower_triangular_in_place(l, m.as_mut(), Par::Seq);
    symmetrise(&mut m);
    Ok(Effective::from_eigenvalues(dense_spectrum(&m)?))
}

/// The eigenvalues of `P^{-1} H` where `P^{-1} = C C'` is given (symmetric positive definite): those of
/// `C' H C`.
pub fn with_inverse_preconditioner(h: &Mat<f64>, p_inv: &Mat<f64>) -> Result<Effective, String> {
    let llt = p_inv
        .llt(Side::Lower)
        .map_err(|e| format!("the inverse preconditioner is not positive definite ({e:?})"))?;
    let c = llt.L();
    let mut m = c.transpose() * h * c;
    symmetrise(&mut m);
    Ok(Effective::from_eigenvalues(dense_spectrum(&m)?))
}

/// The eigenvalues of `D^{-1} H` for a positive diagonal `D = diag(d)`: those of `D^{-1/2} H D^{-1/2}`.
pub fn with_diagonal(h: &Mat<f64>, d: &[f64]) -> Result<Effective, String> {
    if let Some((i, v)) = d
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v > 0.0))
    {
        return Err(format!(
            "the diagonal preconditioner has entry {i} = {v:e}, not a finite positive number"
        ));
    }
    let s: Vec<f64> = d.iter().map(|v| 1.0 / v.sqrt()).collect();
    let m = Mat::from_fn(h.nrows(), h.ncols(), |i, j| s[i] * h[(i, j)] * s[j]);
    Ok(Effective::from_eigenvalues(dense_spectrum(&m)?))
}

/// `|H| = U |Lambda| U'` from the eigendecomposition `H = U Lambda U'`.
pub fn absolute(h: &Mat<f64>) -> Result<Mat<f64>, String> {
    let e = h
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| format!("eigendecomposition failed: {e:?}"))?;
    let (u, s) = (e.U(), e.S());
    let n = h.nrows();
    let scaled = Mat::from_fn(n, n, |i, j| u[(i, j)] * s[j].abs());
    let mut out = &scaled * u.transpose();
    symmetrise(&mut out);
    Ok(out)
}

/// `H_k v` by the two-loop recursion (Nocedal and Wright 2006, Algorithm 7.4) over L-BFGS's pairs
/// `(s_i, y_i)`, oldest first, with `H^0 = (s'y / y'y) I` from the newest pair (eq. 7.20), the identity
/// with no pairs.
pub fn lbfgs_apply(pairs: &[(Vec<f64>, Vec<f64>)], v: &[f64]) -> Vec<f64> {
    let gamma = pairs
        .last()
        .map(|(s, y)| dot(s, y) / dot(y, y))
        .unwrap_or(1.0);
    let mut alpha = vec![0.0; pairs.len()];
    let mut q = v.to_vec();
    for (i, (s, y)) in pairs.iter().enumerate().rev() {
        alpha[i] = dot(s, &q) / dot(s, y);
        crate::vector::axpy(-alpha[i], y, &mut q);
    }
    q.iter_mut().for_each(|v| *v *= gamma);
    for (i, (s, y)) in pairs.iter().enumerate() {
        let b = dot(y, &q) / dot(s, y);
        crate::vector::axpy(alpha[i] - b, s, &mut q);
    }
    q
}

/// The dense `H_k` of L-BFGS: column `j` is the two-loop recursion applied to the unit vector `e_j`.
pub fn lbfgs_inverse_hessian(pairs: &[(Vec<f64>, Vec<f64>)], n: usize) -> Mat<f64> {
    let mut out = Mat::zeros(n, n);
    let mut e = vec![0.0; n];
    for j in 0..n {
        e[j] = 1.0;
        for (i, v) in lbfgs_apply(pairs, &e).into_iter().enumerate() {
            out[(i, j)] = v;
        }
        e[j] = 0.0;
    }
    symmetrise(&mut out);
    out
}

/// `M v` for a dense `M`.
#[cfg(test)]
fn apply(m: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    (0..m.nrows())
        .map(|i| (0..m.ncols()).map(|j| m[(i, j)] * v[j]).sum())
        .collect()
}

/// The iterates of a run and the gradients the optimizer saw there.
#[derive(Debug, Clone, Default)]
pub struct Trajectory {
    /// `x_0, ..., x_N`.
    pub points: Vec<Vec<f64>>,
    /// The gradient at each point, as the runner's measurement computes it (and the oracle's cache hands
    /// it to the optimizer).
    pub grads: Vec<Vec<f64>>,
    /// Why the run stopped before the steps asked for, if it did.
    pub stopped: Option<String>,
}

/// Runs `optimizer` for `steps` steps from `x0` exactly as the runner drives it (the uncharged measurement
/// at the start and after every step), recording the iterates and their gradients.
pub fn drive(
    problem: &dyn Problem,
    optimizer: &dyn crate::optimizer::DynOptimizer,
    x0: &[f64],
    steps: usize,
) -> Trajectory {
    let n = x0.len();
    let mut oracle = Oracle::new(problem);
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    oracle.measure(&x);
    g.copy_from_slice(oracle.measured_gradient());
    let mut t = Trajectory {
        points: vec![x.clone()],
        grads: vec![g.clone()],
        stopped: None,
    };
    let mut stepper = match optimizer.start(&x, &mut oracle) {
        Ok(s) => s,
        Err(e) => {
            t.stopped = Some(e.to_string());
            return t;
        }
    };
    for _ in 0..steps {
        if let Err(e) = stepper.step(&mut x, &mut oracle) {
            t.stopped = Some(e.to_string());
            break;
        }
        oracle.measure(&x);
        g.copy_from_slice(oracle.measured_gradient());
        if !(x.iter().all(|v| v.is_finite()) && g.iter().all(|v| v.is_finite())) {
            t.stopped = Some("the iterate or its gradient is not finite".into());
            break;
        }
        t.points.push(x.clone());
        t.grads.push(g.clone());
    }
    t
}

/// Adam's second-moment scale `sqrt(v^_N) + eps` after `N = points - 1` steps: `v_t = beta2 v_{t-1} +
/// (1 - beta2) g(x_{t-1})^2`, `v^_N = v_N / (1 - beta2^N)`, with Adam's own operations in Adam's order.
/// With no step taken `v^` is undefined; the scale is then `eps`.
pub fn adam_scale(config: &AdamConfig, t: &Trajectory) -> Vec<f64> {
    let n = t.points[0].len();
    let mut v = vec![0.0; n];
    let mut beta2_t = 1.0;
    let steps = t.points.len() - 1;
    for g in &t.grads[..steps] {
        beta2_t *= config.beta2;
        for (vi, gi) in v.iter_mut().zip(g) {
            *vi = config.beta2 * *vi + (1.0 - config.beta2) * gi * gi;
        }
    }
    if steps == 0 {
        return vec![config.eps; n];
    }
    v.iter()
        .map(|vi| (vi / (1.0 - beta2_t)).sqrt() + config.eps)
        .collect()
}

/// RMSprop's scale `sqrt(v_N) + eps`, `v_k = beta2 v_{k-1} + (1 - beta2) g(x_k)^2`, `v_{-1} = 0`.
pub fn rmsprop_scale(config: &RmspropConfig, t: &Trajectory) -> Vec<f64> {
    let n = t.points[0].len();
    let mut v = vec![0.0; n];
    for g in &t.grads[..t.points.len() - 1] {
        for (vi, gi) in v.iter_mut().zip(g) {
            *vi = config.beta2 * *vi + (1.0 - config.beta2) * gi * gi;
        }
    }
    v.iter().map(|vi| vi.sqrt() + config.eps).collect()
}

/// Adagrad's scale `sqrt(G_N) + eps`, `G_k = G_{k-1} + g(x_k)^2`.
pub fn adagrad_scale(config: &AdagradConfig, t: &Trajectory) -> Vec<f64> {
    let n = t.points[0].len();
    let mut s = vec![0.0; n];
    for g in &t.grads[..t.points.len() - 1] {
        for (si, gi) in s.iter_mut().zip(g) {
            *si += gi * gi;
        }
    }
    s.iter().map(|si| si.sqrt() + config.eps).collect()
}

/// L-BFGS's pairs (oldest first) after the trajectory's steps, by its own rules: the pair of each step is
/// kept when `s'y > eps ||s|| ||y||`, at most `memory` of them, and the memory is cleared when the
/// direction `-H_k g_k` is not a descent direction (the step then restarts along `-g`).
pub fn lbfgs_pairs(config: &LbfgsConfig, t: &Trajectory) -> Vec<(Vec<f64>, Vec<f64>)> {
    let mut pairs: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
    for k in 0..t.points.len() - 1 {
        if !pairs.is_empty() {
            let slope = dot(&t.grads[k], &lbfgs_apply(&pairs, &t.grads[k]));
            if slope.is_nan() || slope <= 0.0 {
                pairs.clear();
            }
        }
        let s: Vec<f64> = t.points[k + 1]
            .iter()
            .zip(&t.points[k])
            .map(|(a, b)| a - b)
            .collect();
        let y: Vec<f64> = t.grads[k + 1]
            .iter()
            .zip(&t.grads[k])
            .map(|(a, b)| a - b)
            .collect();
        if dot(&s, &y) > f64::EPSILON * (dot(&s, &s) * dot(&y, &y)).sqrt() {
            if pairs.len() == config.memory {
                pairs.remove(0);
            }
            pairs.push((s, y));
        }
    }
    pairs
}

/// K-FAC's damped block-diagonal preconditioner after the trajectory's steps: the factors at the iterates
/// `x_0 .. x_{N-1}` folded into running averages with K-FAC's weights `w = min(1 - 1/k, decay)`, damped as
/// K-FAC damps them, each block `(G + gamma/pi I) (x) (A + pi gamma I)` in the row-major layout of `x`.
pub fn kfac_preconditioner(
    config: &KfacConfig,
    problem: &dyn Problem,
    t: &Trajectory,
) -> Result<Mat<f64>, String> {
    let model = problem
        .layered()
        .ok_or("K-FAC needs layer structure, which this problem lacks")?;
    let mut factors = KfacFactors::new(model);
    let mut a_avg: Vec<Mat<f64>> = factors
        .a
        .iter()
        .map(|m| Mat::zeros(m.nrows(), m.ncols()))
        .collect();
    let mut g_avg: Vec<Mat<f64>> = factors
        .g
        .iter()
        .map(|m| Mat::zeros(m.nrows(), m.ncols()))
        .collect();
    let steps = t.points.len() - 1;
    // With no step taken, the factors of the start stand in for the first update.
    for (k, x) in t.points[..steps.max(1)].iter().enumerate() {
        factors.compute(model, x);
        let w = (1.0 - 1.0 / (k + 1) as f64).min(config.decay);
        for (avg, new) in a_avg
            .iter_mut()
            .zip(&factors.a)
            .chain(g_avg.iter_mut().zip(&factors.g))
        {
            for j in 0..avg.ncols() {
                for i in 0..avg.nrows() {
                    avg[(i, j)] = w * avg[(i, j)] + (1.0 - w) * new[(i, j)];
                }
            }
        }
    }
    let gamma = (config.damping + factors.l2).sqrt();
    let n = problem.dim();
    let mut p = Mat::zeros(n, n);
    for (l, sh) in factors.shapes.iter().enumerate() {
        let (a, g) = (&a_avg[l], &g_avg[l]);
        let pi = factored_pi(a.as_ref(), g.as_ref());
        let (da, dg) = (pi * gamma, gamma / pi);
        for i in 0..sh.outputs {
            for i2 in 0..sh.outputs {
                let gv = g[(i, i2)] + if i == i2 { dg } else { 0.0 };
                for j in 0..sh.inputs {
                    for j2 in 0..sh.inputs {
                        let av = a[(j, j2)] + if j == j2 { da } else { 0.0 };
                        p[(
                            sh.offset + i * sh.inputs + j,
                            sh.offset + i2 * sh.inputs + j2,
                        )] = gv * av;
                    }
                }
            }
        }
    }
    Ok(p)
}

/// One measured row: an optimizer, its preconditioner, and the conditioning it sees.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The optimizer's registry name, or `jacobi`.
    pub optimizer: String,
    /// The preconditioner, in words.
    pub preconditioner: String,
    /// Steps taken to form it (0 for a preconditioner without state).
    pub steps: usize,
    /// Why the run stopped before the steps asked for, if it did.
    pub note: Option<String>,
    /// `max |lambda| / min |lambda|` of `H` at the row's point.
    pub kappa_h: f64,
    /// The spectrum of `P^{-1} H`, or why it could not be formed.
    pub effective: Result<Effective, String>,
}

/// The rows measured by default: every optimizer whose preconditioner can be formed, and `jacobi`.
pub const DEFAULT_ROWS: &[&str] = &[
    "gd", "momentum", "jacobi", "adagrad", "rmsprop", "adam", "lbfgs", "kfac", "newton",
];

fn params_of<C: serde::de::DeserializeOwned>(params: &serde_json::Value) -> Result<C, String> {
    serde_json::from_value(params.clone())
        .map_err(|e| format!("the optimizer's parameters do not read back: {e}"))
}

fn hessian_at(problem: &dyn Problem, x: &[f64]) -> Result<Mat<f64>, String> {
    let so = problem
        .second_order()
        .ok_or("the problem offers no dense Hessian")?;
    let n = x.len();
    let mut h = Mat::zeros(n, n);
    so.hessian(x, &mut h);
    Ok(h)
}

/// `max |lambda| / min |lambda|` of a symmetric matrix.
fn kappa_abs(h: &Mat<f64>) -> Result<f64, String> {
    Ok(Effective::from_eigenvalues(dense_spectrum(h)?).kappa)
}

/// Measures the row `name` (a registry optimizer with the keys `table`, or `"jacobi"`) on `problem` from
/// `x0`, running stateful optimizers for `steps` steps.
pub fn measure(
    problem: &dyn Problem,
    x0: &[f64],
    name: &str,
    table: &toml::Table,
    steps: usize,
) -> Result<Row, String> {
    type Eff<'a> = &'a dyn Fn(&Mat<f64>) -> Result<Effective, String>;
    let row = |preconditioner: &str,
               steps: usize,
               note: Option<String>,
               at: &[f64],
               eff: Eff<'_>|
     -> Result<Row, String> {
        let h = hessian_at(problem, at)?;
        Ok(Row {
            optimizer: name.to_string(),
            preconditioner: preconditioner.to_string(),
            steps,
            note,
            kappa_h: kappa_abs(&h)?,
            effective: eff(&h),
        })
    };
    if name == "jacobi" {
        let eff = |h: &Mat<f64>| {
            let d: Vec<f64> = (0..h.nrows()).map(|i| h[(i, i)].abs()).collect();
            with_diagonal(h, &d)
        };
        return row("abs(diag(H)) (ideal diagonal)", 0, None, x0, &eff);
    }
    let entry = crate::optimizers::optimizer(name).ok_or_else(|| {
        let known: Vec<&str> = crate::optimizers::OPTIMIZERS
            .iter()
            .map(|o| o.name)
            .collect();
        format!(
            "unknown optimizer \"{name}\"{}; known: jacobi, {}",
            crate::config::suggest::did_you_mean(name, &known),
            known.join(", ")
        )
    })?;
    let checked = (entry.parse)(table, entry.params, &Default::default())
        .map_err(|e| format!("{name}: {}", e.message))?;
    let identity = |h: &Mat<f64>| with_diagonal(h, &vec![1.0; h.nrows()]);
    match name {
        "gd" | "momentum" => return row("I", 0, None, x0, &identity),
        "newton" => {
            let eff = |h: &Mat<f64>| with_preconditioner(h, &absolute(h)?);
            return row("abs(H) (= H where H > 0)", 0, None, x0, &eff);
        }
        "adam" | "rmsprop" | "adagrad" | "lbfgs" | "kfac" => {}
        _ => {
            return Ok(Row {
                optimizer: name.to_string(),
                preconditioner: "none formed".into(),
                steps: 0,
                note: None,
                kappa_h: kappa_abs(&hessian_at(problem, x0)?)?,
                effective: Err(format!("{name} keeps {}: no matrix to form", entry.keeps)),
            });
        }
    }
    if name == "kfac" && problem.layered().is_none() {
        return Ok(Row {
            optimizer: name.to_string(),
            preconditioner: "(G + gamma/pi I) (x) (A + pi gamma I) per layer".into(),
            steps: 0,
            note: None,
            kappa_h: kappa_abs(&hessian_at(problem, x0)?)?,
            effective: Err("needs layer structure, which this problem lacks".into()),
        });
    }
    let t = drive(problem, checked.optimizer.as_ref(), x0, steps);
    let taken = t.points.len() - 1;
    let here = t.points[taken].clone();
    let p = &checked.params;
    match name {
        "adam" => {
            let d = adam_scale(&params_of(p)?, &t);
            row("sqrt(v^) + eps", taken, t.stopped.clone(), &here, &|h| {
                with_diagonal(h, &d)
            })
        }
        "rmsprop" => {
            let d = rmsprop_scale(&params_of(p)?, &t);
            row("sqrt(v) + eps", taken, t.stopped.clone(), &here, &|h| {
                with_diagonal(h, &d)
            })
        }
        "adagrad" => {
            let d = adagrad_scale(&params_of(p)?, &t);
            row("sqrt(G) + eps", taken, t.stopped.clone(), &here, &|h| {
                with_diagonal(h, &d)
            })
        }
        "lbfgs" => {
            let config: LbfgsConfig = params_of(p)?;
            let pairs = lbfgs_pairs(&config, &t);
            let hk = lbfgs_inverse_hessian(&pairs, x0.len());
            let what = format!("H_k^-1 ({} of {} pairs)", pairs.len(), config.memory);
            row(&what, taken, t.stopped.clone(), &here, &|h| {
                with_inverse_preconditioner(h, &hk)
            })
        }
        _ => {
            let pk = kfac_preconditioner(&params_of(p)?, problem, &t)?;
            row(
                "(G + gamma/pi I) (x) (A + pi gamma I) per layer",
                taken,
                t.stopped.clone(),
                &here,
                &|h| with_preconditioner(h, &pk),
            )
        }
    }
}

/// Measures every row of `names` with default hyperparameters.
pub fn measure_all(
    problem: &dyn Problem,
    x0: &[f64],
    names: &[&str],
    steps: usize,
) -> Result<Vec<Row>, String> {
    names
        .iter()
        .map(|name| measure(problem, x0, name, &toml::Table::new(), steps))
        .collect()
}

/// The conditioning of one problem instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Study {
    /// The family and its parameters, as `key=value` pairs.
    pub label: String,
    /// Where the rows start.
    pub start: Vec<f64>,
    /// The rows.
    pub rows: Vec<Row>,
}

/// Largest dimension measured: every row forms and factors dense `n x n` matrices.
pub const MAX_DIM: usize = 1000;

/// Builds `family` with `params` for `seed` and measures `names` (default hyperparameters) from `at`, or
/// from the instance's start, running stateful optimizers for `steps` steps.
pub fn for_family(
    family_name: &str,
    params: &toml::Table,
    at: Option<&[f64]>,
    seed: u64,
    names: &[&str],
    steps: usize,
) -> Result<Study, String> {
    let fam = crate::problems::family(family_name).ok_or_else(|| {
        let known: Vec<&str> = crate::problems::FAMILIES.iter().map(|f| f.name).collect();
        format!(
            "unknown problem family \"{family_name}\"{}; known: {}",
            crate::config::suggest::did_you_mean(family_name, &known),
            known.join(", ")
        )
    })?;
    let instance = crate::problems::Instance::parse(fam, params)
        .map_err(|e| format!("{family_name}: {}", e.message))?;
    let (problem, x0) = instance
        .build(seed)
        .map_err(|e| format!("{family_name}: {e}"))?;
    let n = problem.dim();
    if problem.second_order().is_none() {
        return Err(format!("{family_name} offers no dense Hessian"));
    }
    if n > MAX_DIM {
        return Err(format!(
            "{family_name} here has dim {n}; conditioning forms dense matrices, up to dim {MAX_DIM}"
        ));
    }
    let start = match at {
        Some(x) if x.len() != n => {
            return Err(format!(
                "--at has {} coordinates, but {family_name} here has dim {n}",
                x.len()
            ));
        }
        Some(x) => x.to_vec(),
        None => x0,
    };
    let rows = measure_all(problem.as_ref(), &start, names, steps)?;
    let label = match &instance.params {
        serde_json::Value::Object(m) => std::iter::once(family_name.to_string())
            .chain(
                m.iter()
                    .map(|(k, v)| format!("{k}={}", super::sweep::value_text(v))),
            )
            .collect::<Vec<_>>()
            .join(" "),
        other => format!("{family_name} {other}"),
    };
    Ok(Study { label, start, rows })
}

/// A Markdown table of rows.
pub fn render(rows: &[Row]) -> String {
    let mut s = String::from(
        "| optimizer | preconditioner P | steps | kappa(P^-1 H) | kappa(H) | negative |\n|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let (kappa, negative) = match &r.effective {
            Ok(e) => (format!("{:.4e}", e.kappa), e.negative.to_string()),
            Err(m) => (format!("n/a: {m}"), String::new()),
        };
        let steps = match &r.note {
            Some(why) => format!("{} (stopped: {why})", r.steps),
            None => r.steps.to_string(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:.4e} | {} |",
            r.optimizer, r.preconditioner, steps, kappa, r.kappa_h, negative
        );
    }
    s.push_str(
        "\nkappa(P^-1 H) = max |mu| / min |mu| over the eigenvalues mu of P^-1 H; H is taken where the optimizer \
         stands after its steps.\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::{Instance, family};

    fn instance(family_name: &str, text: &str) -> (Box<dyn Problem>, Vec<f64>) {
        let t: toml::Table = toml::from_str(text).expect("valid TOML");
        let inst = Instance::parse(family(family_name).expect("registered"), &t).expect("valid");
        inst.build(0).expect("builds")
    }

    fn checked(name: &str, text: &str) -> crate::optimizers::Checked {
        let t: toml::Table = toml::from_str(text).expect("valid TOML");
        let e = crate::optimizers::optimizer(name).expect("registered");
        (e.parse)(&t, e.params, &Default::default()).expect("valid")
    }

    #[test]
    fn generalized_eigenvalues_by_cholesky_match_a_closed_form() {
        // H = [[2, 1], [1, 2]], P = diag(1, 4): P^{-1} H = [[2, 1], [1/4, 1/2]], trace 5/2, determinant 3/4,
        // eigenvalues (5/2 +- sqrt(25/4 - 3)) / 2 = (5 +- sqrt(13)) / 4.
        let h = Mat::from_fn(2, 2, |i, j| if i == j { 2.0 } else { 1.0 });
        let p = Mat::from_fn(2, 2, |i, j| match (i, j) {
            (0, 0) => 1.0,
            (1, 1) => 4.0,
            _ => 0.0,
        });
        let want = [(5.0 - 13f64.sqrt()) / 4.0, (5.0 + 13f64.sqrt()) / 4.0];
        // A 2x2 Cholesky, two triangular solves and an eigensolve: a few ulps each.
        let tol = 16.0 * f64::EPSILON;
        for eff in [
            with_preconditioner(&h, &p).expect("P > 0"),
            with_diagonal(&h, &[1.0, 4.0]).expect("d > 0"),
            with_inverse_preconditioner(
                &h,
                &Mat::from_fn(2, 2, |i, j| match (i, j) {
                    (0, 0) => 1.0,
                    (1, 1) => 0.25,
                    _ => 0.0,
                }),
            )
            .expect("P^-1 > 0"),
        ] {
            for (got, want) in eff.eigenvalues.iter().zip(want) {
                assert!((got - want).abs() <= tol * want, "{got:e} vs {want:e}");
            }
            let kappa = want[1] / want[0];
            assert!((eff.kappa - kappa).abs() <= tol * kappa, "{:e}", eff.kappa);
        }
        // |H|^{-1} H has eigenvalues +-1 for an indefinite H, and keeps its inertia.
        let ind = Mat::from_fn(2, 2, |i, j| match (i, j) {
            (0, 0) => -3.0,
            (1, 1) => 0.5,
            _ => 0.25,
        });
        let eff = with_preconditioner(&ind, &absolute(&ind).expect("eigen")).expect("|H| > 0");
        assert_eq!(eff.negative, 1);
        assert!((eff.kappa - 1.0).abs() <= tol, "{:e}", eff.kappa);
    }

    #[test]
    fn lbfgs_dense_inverse_satisfies_every_secant_equation_of_the_newest_pair() {
        let pairs = vec![
            (vec![1.0, 0.5, -0.2], vec![2.0, 0.3, -0.1]),
            (vec![-0.3, 1.0, 0.2], vec![-0.2, 1.5, 0.1]),
        ];
        let h = lbfgs_inverse_hessian(&pairs, 3);
        let hy = apply(&h, &pairs[1].1);
        for (a, b) in hy.iter().zip(&pairs[1].0) {
            // The secant equation H y = s holds exactly in exact arithmetic; O(m n) rounded products of O(1).
            assert!((a - b).abs() <= 64.0 * f64::EPSILON, "{a:e} vs {b:e}");
        }
        assert!(h.llt(Side::Lower).is_ok(), "positive definite when s'y > 0");
        assert_eq!(lbfgs_inverse_hessian(&[], 3), Mat::<f64>::identity(3, 3));
    }

    #[test]
    fn rebuilt_adam_state_reproduces_adams_iterates_bit_for_bit() {
        let (p, x0) = instance("quadratic", "dim = 12\nkappa = 100\nrotation = \"random\"");
        let c = checked("adam", "lr = 0.01");
        let t = drive(p.as_ref(), c.optimizer.as_ref(), &x0, 40);
        assert_eq!(t.points.len(), 41);
        let cfg: AdamConfig = params_of(&c.params).expect("reads back");
        // Replay Adam's update from the recorded gradients: the same iterates, exactly, mean the recorded
        // gradients are the ones Adam accumulated into v.
        let mut x = x0.clone();
        let (mut m, mut v) = (vec![0.0; 12], vec![0.0; 12]);
        let (mut b1t, mut b2t) = (1.0, 1.0);
        for k in 0..40 {
            b1t *= cfg.beta1;
            b2t *= cfg.beta2;
            for i in 0..12 {
                let g = t.grads[k][i];
                m[i] = cfg.beta1 * m[i] + (1.0 - cfg.beta1) * g;
                v[i] = cfg.beta2 * v[i] + (1.0 - cfg.beta2) * g * g;
                let (mh, vh) = (m[i] / (1.0 - b1t), v[i] / (1.0 - b2t));
                x[i] -= cfg.lr * (mh / (vh.sqrt() + cfg.eps) + cfg.weight_decay * x[i]);
            }
            assert_eq!(x, t.points[k + 1], "step {k}");
        }
        let scale = adam_scale(&cfg, &t);
        for i in 0..12 {
            assert_eq!(scale[i], (v[i] / (1.0 - b2t)).sqrt() + cfg.eps);
        }
    }

    #[test]
    fn rebuilt_lbfgs_matrix_gives_the_directions_lbfgs_took() {
        let (p, x0) = instance("quadratic", "dim = 20\nkappa = 1000\nrotation = \"random\"");
        let c = checked("lbfgs", "memory = 4");
        let cfg: LbfgsConfig = params_of(&c.params).expect("reads back");
        let t = drive(p.as_ref(), c.optimizer.as_ref(), &x0, 12);
        assert_eq!(t.points.len(), 13, "{:?}", t.stopped);
        for k in 1..12 {
            let prefix = Trajectory {
                points: t.points[..=k].to_vec(),
                grads: t.grads[..=k].to_vec(),
                stopped: None,
            };
            let pairs = lbfgs_pairs(&cfg, &prefix);
            assert_eq!(pairs.len(), k.min(4));
            let d: Vec<f64> = apply(&lbfgs_inverse_hessian(&pairs, 20), &t.grads[k])
                .iter()
                .map(|v| -v)
                .collect();
            let s: Vec<f64> = t.points[k + 1]
                .iter()
                .zip(&t.points[k])
                .map(|(a, b)| a - b)
                .collect();
            let cos = dot(&d, &s) / (dot(&d, &d) * dot(&s, &s)).sqrt();
            // The step is a positive multiple of -H_k g_k. The dense H_k and the optimizer's two-loop round
            // differently, by about kappa m n eps ~ 2e-10 relative in the direction; 1 - cos is second order
            // in that, so what is left is the rounding of the cosine itself.
            assert!(
                1.0 - cos <= 64.0 * f64::EPSILON,
                "step {k}: 1 - cos = {:e}",
                1.0 - cos
            );
        }
    }

    #[test]
    fn kfac_on_one_linear_layer_is_exact_without_damping_and_damped_as_the_closed_form() {
        // least-squares: H = I_out (x) A with A = X X'/N of eigenvalues log-uniform in [1/kappa, 1], G = I.
        let kappa_in = 1e3;
        let (p, x0) = instance(
            "least-squares",
            "in_dim = 6\nout_dim = 2\nsamples = 40\ninput_kappa = 1000",
        );
        let mut plain = toml::Table::new();
        plain.insert("damping".into(), toml::Value::Float(0.0));
        let row = measure(p.as_ref(), &x0, "kfac", &plain, 3).expect("measures");
        let eff = row.effective.expect("formed");
        assert!(
            (row.kappa_h - kappa_in).abs() <= 1e-9 * kappa_in,
            "kappa(H) {:e}",
            row.kappa_h
        );
        // P = H exactly: P^{-1} H = I up to the rounding of a Cholesky of condition 1e3.
        assert!(
            (eff.kappa - 1.0).abs() <= 64.0 * kappa_in * f64::EPSILON,
            "kfac without damping: {:e}",
            eff.kappa
        );
        // With damping lambda: mu = a / ((1 + gamma/pi)(a + pi gamma)) over the eigenvalues a of A, so
        // kappa = (a_max (a_min + pi gamma)) / (a_min (a_max + pi gamma)), gamma = sqrt(lambda),
        // pi = sqrt(mean a / 1).
        let lambda: f64 = 1e-2;
        let a: Vec<f64> = (0..6).map(|i| kappa_in.powf(-(i as f64) / 5.0)).collect();
        let pi = (a.iter().sum::<f64>() / 6.0).sqrt();
        let pg = pi * lambda.sqrt();
        let want = (a[0] * (a[5] + pg)) / (a[5] * (a[0] + pg));
        let row = measure(p.as_ref(), &x0, "kfac", &toml::Table::new(), 3).expect("measures");
        let got = row.effective.expect("formed").kappa;
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "damped kfac {got:e} vs {want:e}"
        );
    }
}
