//! Finite-difference checks shared by every family's tests.
//!
//! Central differences with step `h = eps^(1/3) (1 + |x_i|)` have truncation error `O(h^2 f''')` and
//! rounding error `O(eps f / h)`, both of order `eps^(2/3) ~ 4e-11` relative to the derivatives' scale.
//! [`FD_TOL`] allows a factor of 1e4 over that for third derivatives larger than the gradient (quartic
//! terms at points of size 2 to 3): failures below it are noise, failures above it are wrong formulas.

use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::problem::Problem;
use crate::problem::stochastic::{FiniteSum, Sampler};
use crate::vector::norm;

/// The accepted relative error of a central-difference derivative check: `1e4 * eps^(2/3)`.
pub fn fd_tol() -> f64 {
    1e4 * f64::EPSILON.powf(2.0 / 3.0)
}

fn step(xi: f64) -> f64 {
    f64::EPSILON.cbrt() * (1.0 + xi.abs())
}

/// The relative error `||g - g_fd|| / (1 + ||g||)` of the gradient at `x` against central differences of
/// the value.
pub fn gradient_error(p: &dyn Problem, x: &[f64]) -> f64 {
    let n = p.dim();
    let mut g = vec![0.0; n];
    let f = p.value_and_gradient(x, &mut g);
    assert_eq!(
        f.to_bits(),
        p.value(x).to_bits(),
        "value_and_gradient and value disagree at {x:?}"
    );
    let mut g_only = vec![0.0; n];
    p.gradient(x, &mut g_only);
    assert_eq!(g, g_only, "value_and_gradient and gradient disagree");
    difference_error(|y| p.value(y), x, &g)
}

/// The relative error `||g - g_fd|| / (1 + ||g||)` of `g` against central differences of `f` at `x`.
fn difference_error(mut f: impl FnMut(&[f64]) -> f64, x: &[f64], g: &[f64]) -> f64 {
    let mut xp = x.to_vec();
    let mut err = vec![0.0; x.len()];
    for i in 0..x.len() {
        let h = step(x[i]);
        xp[i] = x[i] + h;
        let fp = f(&xp);
        xp[i] = x[i] - h;
        let fm = f(&xp);
        xp[i] = x[i];
        err[i] = g[i] - (fp - fm) / (2.0 * h);
    }
    norm(&err) / (1.0 + norm(g))
}

/// Asserts the minibatch evaluations of the finite sum `p` at `x`, for minibatches of `batch` samples
/// (`batch` divides `N`):
/// - the problem offers them ([`Problem::stochastic`]);
/// - every index in order gives the full value and gradient (to `1e-12` relative);
/// - a minibatch's gradient matches central differences of its value;
/// - over one epoch of a [`Sampler`] (a partition of `0..N` into `N / batch` minibatches), the mean of the
///   minibatch values and gradients is the full value and gradient: the regulariser is in every minibatch;
/// - a sampler's seed fixes the bits of every minibatch, whatever the buffers held before.
pub fn assert_finite_sum<P: Problem + FiniteSum>(p: &P, x: &[f64], batch: usize) {
    let (n, dim) = (p.samples(), p.dim());
    assert!(
        batch >= 1 && n % batch == 0,
        "{batch} does not divide N = {n}"
    );
    let stochastic = p.stochastic().expect("a finite sum draws minibatches");
    let tol = 1e-12;
    let mut g = vec![0.0; dim];
    let f = p.value_and_gradient(x, &mut g);
    let all: Vec<usize> = (0..n).collect();
    let mut gs = vec![0.0; dim];
    let fs = p.subset_value_and_gradient(x, &all, &mut gs);
    assert!(
        (fs - f).abs() <= tol * f.abs(),
        "every index: value {fs:e} vs {f:e}"
    );
    let diff = norm(&vector_difference(&gs, &g));
    assert!(
        diff <= tol * norm(&g),
        "every index: gradient off by {diff:e}"
    );

    let mut sampler = Sampler::new(ChaCha8Rng::seed_from_u64(17));
    let subset = sampler.batch(n, batch).to_vec();
    p.subset_value_and_gradient(x, &subset, &mut gs);
    let mut scratch = vec![0.0; dim];
    let value = |y: &[f64]| p.subset_value_and_gradient(y, &subset, &mut scratch);
    let err = difference_error(value, x, &gs);
    assert!(
        err <= fd_tol(),
        "minibatch {subset:?}: gradient relative error {err:e} > {:e}",
        fd_tol()
    );

    let mut sampler = Sampler::new(ChaCha8Rng::seed_from_u64(29));
    let (mut mean_f, mut mean_g) = (0.0, vec![0.0; dim]);
    let batches = n / batch;
    for _ in 0..batches {
        let s = sampler.batch(n, batch).to_vec();
        mean_f += p.subset_value_and_gradient(x, &s, &mut gs) / batches as f64;
        crate::vector::axpy(1.0 / batches as f64, &gs, &mut mean_g);
    }
    assert_eq!(sampler.epochs(), 1, "the minibatches partition 0..N");
    assert!(
        (mean_f - f).abs() <= tol * (1.0 + f.abs()),
        "mean of minibatch values {mean_f:e} vs {f:e}"
    );
    let diff = norm(&vector_difference(&mean_g, &g));
    assert!(
        diff <= tol * (1.0 + norm(&g)),
        "mean of minibatch gradients off by {diff:e}"
    );

    // Two samplers of one seed, the second after other evaluations have used the buffers.
    let draws = |sampler: &mut Sampler| -> Vec<(u64, Vec<u64>)> {
        (0..3)
            .map(|_| {
                let mut g = vec![0.0; dim];
                let f = stochastic.sample_value_and_gradient(x, batch, sampler, &mut g);
                (f.to_bits(), g.iter().map(|v| v.to_bits()).collect())
            })
            .collect()
    };
    let first = draws(&mut Sampler::new(ChaCha8Rng::seed_from_u64(41)));
    p.value_and_gradient(x, &mut g);
    p.subset_value_and_gradient(x, &all, &mut gs);
    let again = draws(&mut Sampler::new(ChaCha8Rng::seed_from_u64(41)));
    assert_eq!(first, again, "same seed, same minibatch bits");
}

fn vector_difference(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(u, v)| u - v).collect()
}

/// The relative error of `H(x) v` against central differences of the gradient along `v`.
pub fn hvp_error(p: &dyn Problem, x: &[f64], v: &[f64]) -> f64 {
    let so = p
        .second_order()
        .expect("the family offers second derivatives");
    let n = p.dim();
    let mut hv = vec![0.0; n];
    so.hvp(x, v, &mut hv);
    let h = step(norm(x)) / norm(v).max(f64::MIN_POSITIVE);
    let xp: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
    let xm: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    p.gradient(&xp, &mut gp);
    p.gradient(&xm, &mut gm);
    let err: Vec<f64> = (0..n)
        .map(|i| hv[i] - (gp[i] - gm[i]) / (2.0 * h))
        .collect();
    norm(&err) / (1.0 + norm(&hv))
}

/// The relative error of the dense Hessian at `x`: each column against the Hessian-vector product with a
/// unit vector (itself checked by [`hvp_error`]), plus symmetry.
pub fn hessian_error(p: &dyn Problem, x: &[f64]) -> f64 {
    let so = p
        .second_order()
        .expect("the family offers second derivatives");
    let n = p.dim();
    let mut h = Mat::<f64>::zeros(n, n);
    so.hessian(x, &mut h);
    let mut worst: f64 = 0.0;
    let mut e = vec![0.0; n];
    let mut col = vec![0.0; n];
    for j in 0..n {
        e[j] = 1.0;
        so.hvp(x, &e, &mut col);
        e[j] = 0.0;
        let diff: Vec<f64> = (0..n).map(|i| h[(i, j)] - col[i]).collect();
        worst = worst.max(norm(&diff) / (1.0 + norm(&col)));
        for i in 0..n {
            worst = worst.max((h[(i, j)] - h[(j, i)]).abs() / (1.0 + h[(i, j)].abs()));
        }
    }
    worst
}

/// Asserts the gradient, Hessian-vector product and dense Hessian of `p` at `x` against finite differences.
pub fn assert_derivatives(p: &dyn Problem, x: &[f64], v: &[f64]) {
    let tol = fd_tol();
    let eg = gradient_error(p, x);
    assert!(
        eg <= tol,
        "gradient relative error {eg:e} > {tol:e} at {x:?}"
    );
    if p.second_order().is_some() {
        let ev = hvp_error(p, x, v);
        assert!(
            ev <= tol,
            "Hessian-vector relative error {ev:e} > {tol:e} at {x:?}"
        );
        let eh = hessian_error(p, x);
        assert!(
            eh <= 64.0 * f64::EPSILON * p.dim() as f64,
            "dense Hessian differs from hvp by {eh:e} at {x:?}"
        );
    }
}
