//! The Hessian's spectrum and what it says about a point.
//!
//! - [`dense_spectrum`]: every eigenvalue, from faer's self-adjoint eigendecomposition (small `n`);
//!   [`dense_spectrum_with_extremes`] adds the eigenvectors of the two extremes.
//! - [`lanczos_extremes`]: the extreme eigenvalues from Hessian-vector products alone, by the Lanczos process
//!   with full reorthogonalisation (Lanczos 1950; Golub and Van Loan 2013, Section 10.1), stopped when the Ritz
//!   residuals `|beta_k u_k[last]|` of both extremes fall below a relative tolerance.
//! - [`slq_density`]: a spectral density estimate by stochastic Lanczos quadrature (Golub and Meurant 2010;
//!   Ubaru, Chen and Saad 2017): Gauss quadrature nodes and weights of `v' f(H) v` for Rademacher `v`.
//! - [`hutchinson_trace`]: the trace `E[v' H v]` over Rademacher `v` (Hutchinson 1989).
//! - [`density`]: all of these together at a point, as `optzoo inspect --density` reports them.
//! - [`classify`]: the verdict at a point: all eigenvalues positive -> minimum; all negative -> maximum;
//!   mixed -> saddle with its index (the number of negative eigenvalues); some `|lambda|` below a relative
//!   tolerance -> degenerate, where the second-order test is silent. The verdict only holds at a critical
//!   point, so callers report the gradient norm beside it.

pub mod density;
pub mod diagnosis;
pub mod ends;

use faer::{Mat, Side};
use rand::{Rng, RngExt};

/// Largest dimension for which the full spectrum is computed densely; above it, Lanczos gives the extremes.
pub const DENSE_MAX_DIM: usize = 1000;

/// Every eigenvalue of a symmetric matrix, ascending.
pub fn dense_spectrum(h: &Mat<f64>) -> Result<Vec<f64>, String> {
    h.self_adjoint_eigenvalues(Side::Lower)
        .map_err(|e| format!("eigendecomposition failed: {e:?}"))
}

/// The unit eigenvectors of a symmetric matrix's smallest and largest eigenvalues.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtremeVectors {
    /// The eigenvector of `lambda_min`: at a saddle, the direction of fastest escape.
    pub min: Vec<f64>,
    /// The eigenvector of `lambda_max`.
    pub max: Vec<f64>,
}

/// Every eigenvalue of a symmetric matrix, ascending, with the eigenvectors of the two extremes, each
/// signed so that its largest-magnitude component is positive (an eigenvector's sign is arbitrary; this
/// makes the output the same on every platform).
pub fn dense_spectrum_with_extremes(h: &Mat<f64>) -> Result<(Vec<f64>, ExtremeVectors), String> {
    let n = h.nrows();
    if n == 0 {
        return Err("the Hessian is empty".into());
    }
    let e = h
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| format!("eigendecomposition failed: {e:?}"))?;
    let (s, u) = (e.S(), e.U());
    let values: Vec<f64> = (0..n).map(|i| s[i]).collect();
    let column = |j: usize| -> Vec<f64> {
        let v: Vec<f64> = (0..n).map(|i| u[(i, j)]).collect();
        let big = v
            .iter()
            .copied()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
        if big < 0.0 {
            v.iter().map(|x| -x).collect()
        } else {
            v
        }
    };
    Ok((
        values,
        ExtremeVectors {
            min: column(0),
            max: column(n - 1),
        },
    ))
}

/// The second-order verdict at a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every eigenvalue positive.
    Minimum,
    /// Every eigenvalue negative.
    Maximum,
    /// Eigenvalues of both signs, none near zero: `index` negative ones.
    Saddle {
        /// The number of negative eigenvalues.
        index: usize,
    },
    /// Some eigenvalue is zero to the tolerance: the second-order test is silent.
    Degenerate {
        /// Eigenvalues counted as zero.
        zero: usize,
        /// Negative eigenvalues beyond the tolerance.
        negative: usize,
    },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Minimum => write!(f, "minimum"),
            Verdict::Maximum => write!(f, "maximum"),
            Verdict::Saddle { index } => write!(f, "saddle (index {index})"),
            Verdict::Degenerate { zero, negative } => {
                write!(f, "degenerate ({zero} zero, {negative} negative)")
            }
        }
    }
}

/// The default relative tolerance below which an eigenvalue counts as zero: `sqrt(eps)`, the accuracy to
/// which a Hessian formed from exact derivatives at a point known to ~1e-8 resolves its small eigenvalues.
pub fn default_zero_tol() -> f64 {
    f64::EPSILON.sqrt()
}

/// Classifies a point from its Hessian's eigenvalues: `|lambda| <= rel_tol * max |lambda|` counts as zero
/// (and every eigenvalue counts as zero when the Hessian vanishes).
pub fn classify(eigenvalues: &[f64], rel_tol: f64) -> Verdict {
    let scale = eigenvalues.iter().fold(0.0f64, |m, l| m.max(l.abs()));
    let zero_at = rel_tol * scale;
    let zero = eigenvalues.iter().filter(|l| l.abs() <= zero_at).count();
    let negative = eigenvalues.iter().filter(|l| **l < -zero_at).count();
    if zero > 0 {
        Verdict::Degenerate { zero, negative }
    } else if negative == 0 {
        Verdict::Minimum
    } else if negative == eigenvalues.len() {
        Verdict::Maximum
    } else {
        Verdict::Saddle { index: negative }
    }
}

/// The condition number `lambda_max / lambda_min` of a positive definite spectrum, or `None` otherwise.
pub fn condition_number(eigenvalues: &[f64]) -> Option<f64> {
    let min = eigenvalues.iter().copied().fold(f64::INFINITY, f64::min);
    let max = eigenvalues
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    (min > 0.0).then(|| max / min)
}

/// A Lanczos tridiagonalisation: orthonormal basis `q_0..q_{k-1}`, diagonal `alpha`, off-diagonal `beta`,
/// and the norm of the residual after the last step (`beta_k`, 0 at an invariant subspace).
struct Lanczos {
    alpha: Vec<f64>,
    beta: Vec<f64>,
    residual: f64,
}

/// Runs up to `steps` Lanczos steps from `v0` with full reorthogonalisation, calling `stop` after each step
/// with the tridiagonal so far, whose `residual` is the norm `beta_k` of the new residual vector (the next
/// off-diagonal, which the Ritz residuals of the current tridiagonal are measured with). The process ends at an
/// invariant subspace: a residual below `n eps` times the largest entry of the tridiagonal so far.
fn lanczos(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    v0: &[f64],
    steps: usize,
    stop: &mut dyn FnMut(&Lanczos) -> bool,
) -> Lanczos {
    let n = v0.len();
    let norm0 = crate::vector::norm(v0);
    let mut basis: Vec<Vec<f64>> = vec![v0.iter().map(|x| x / norm0).collect()];
    let mut t = Lanczos {
        alpha: Vec::new(),
        beta: Vec::new(),
        residual: 0.0,
    };
    let mut w = vec![0.0; n];
    let mut scale = 0.0f64;
    for k in 0..steps.min(n) {
        hvp(&basis[k], &mut w);
        let a = crate::vector::dot(&w, &basis[k]);
        t.alpha.push(a);
        // Full reorthogonalisation, twice ("twice is enough": Parlett 1998).
        for _ in 0..2 {
            for q in &basis {
                let c = crate::vector::dot(&w, q);
                crate::vector::axpy(-c, q, &mut w);
            }
        }
        let b = crate::vector::norm(&w);
        scale = scale
            .max(a.abs())
            .max(t.beta.last().copied().unwrap_or(0.0));
        if b <= f64::EPSILON * n as f64 * scale || b == 0.0 {
            t.residual = 0.0;
            break;
        }
        t.residual = b;
        if stop(&t) || k + 1 == steps.min(n) {
            break;
        }
        t.beta.push(b);
        basis.push(w.iter().map(|x| x / b).collect());
    }
    t
}

/// Eigenvalues (ascending) of a tridiagonal, with the first and last components of its eigenvectors.
struct TriEigen {
    values: Vec<f64>,
    first: Vec<f64>,
    last: Vec<f64>,
}

/// The eigendecomposition of the Lanczos tridiagonal.
fn tridiagonal_eigen(t: &Lanczos) -> Result<TriEigen, String> {
    let k = t.alpha.len();
    let m = Mat::from_fn(k, k, |i, j| {
        if i == j {
            t.alpha[i]
        } else if i == j + 1 {
            t.beta[j]
        } else if j == i + 1 {
            t.beta[i]
        } else {
            0.0
        }
    });
    let e = m
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| format!("tridiagonal eigendecomposition failed: {e:?}"))?;
    let s = e.S();
    let u = e.U();
    let values = (0..k).map(|i| s[i]).collect();
    let first = (0..k).map(|j| u[(0, j)]).collect();
    let last = (0..k).map(|j| u[(k - 1, j)]).collect();
    Ok(TriEigen {
        values,
        first,
        last,
    })
}

/// The extreme eigenvalues `(lambda_min, lambda_max)` of the symmetric operator `hvp` on `R^n`, each to a
/// Ritz residual `|beta_k u[last]| <= rel_tol * max(|lambda_min|, |lambda_max|)` (which bounds its error by
/// that much, and by its square over the gap to the next Ritz value), or after `max_steps` steps (see
/// [`lanczos_extremes_checked`] to tell the two apart).
pub fn lanczos_extremes(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    max_steps: usize,
    rel_tol: f64,
    rng: &mut impl Rng,
) -> Result<(f64, f64), String> {
    let e = lanczos_extremes_checked(hvp, n, max_steps, rel_tol, rng)?;
    Ok((e.min, e.max))
}

/// The extreme eigenvalues of a symmetric operator with what the Lanczos process says of their accuracy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extremes {
    /// The smallest Ritz value.
    pub min: f64,
    /// The largest Ritz value.
    pub max: f64,
    /// The larger of the two Ritz residuals `|beta_k u[last]|` (0 at an invariant subspace).
    pub residual: f64,
    /// Lanczos steps taken (operator products).
    pub steps: usize,
}

/// [`lanczos_extremes`], with the residual and the number of steps: the caller can tell a converged pair
/// (`residual <= rel_tol * max(|min|, |max|)`) from one stopped by `max_steps`. The test runs every 5 steps.
pub fn lanczos_extremes_checked(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    max_steps: usize,
    rel_tol: f64,
    rng: &mut impl Rng,
) -> Result<Extremes, String> {
    if n == 0 {
        return Err("the operator is empty (dimension 0)".into());
    }
    let e = ends::lanczos_ends(hvp, n, 1, max_steps, rel_tol, rng)?;
    let (min, max) = (e.lowest[0], e.highest[0]);
    Ok(Extremes {
        min,
        max,
        residual: e.residual * min.abs().max(max.abs()),
        steps: e.steps,
    })
}

/// The Gauss quadrature of one stochastic Lanczos probe: Ritz values (ascending) and their weights (the
/// squared first components of the tridiagonal's eigenvectors), which sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrature {
    /// The nodes: Ritz values.
    pub nodes: Vec<f64>,
    /// The weights, summing to 1.
    pub weights: Vec<f64>,
}

/// Stochastic Lanczos quadrature, probe by probe: for each of `vectors` Rademacher probes `v`, `steps`
/// Lanczos steps from `v` give the Gauss quadrature of the measure `sum_i (q_i' v)^2 / n delta(lambda_i)`,
/// whose `2 steps - 1` first moments are exact: `sum_j w_j theta_j^k = v' H^k v / n`. Averaged over probes it
/// estimates the spectral density `(1/n) sum_i delta(lambda_i)` (Ubaru, Chen and Saad 2017). A probe that
/// reaches an invariant subspace early stops there (its quadrature is then exact for every moment).
pub fn slq_probes(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    vectors: usize,
    steps: usize,
    rng: &mut impl Rng,
) -> Result<Vec<Quadrature>, String> {
    if n == 0 {
        return Err("the operator is empty (dimension 0)".into());
    }
    if vectors == 0 || steps == 0 {
        return Err(format!(
            "stochastic Lanczos quadrature needs at least one probe vector and one step, got {vectors} \
             vectors of {steps} steps"
        ));
    }
    let mut out = Vec::with_capacity(vectors);
    for _ in 0..vectors {
        let v: Vec<f64> = (0..n)
            .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
            .collect();
        let t = lanczos(hvp, &v, steps, &mut |_| false);
        let TriEigen { values, first, .. } = tridiagonal_eigen(&t)?;
        let weights: Vec<f64> = first.iter().map(|u| u * u).collect();
        // The weights sum to 1 up to rounding; make it exact so that averages are probability measures.
        let total: f64 = weights.iter().sum();
        out.push(Quadrature {
            nodes: values,
            weights: weights.into_iter().map(|w| w / total).collect(),
        });
    }
    Ok(out)
}

/// Stochastic Lanczos quadrature: `(node, weight)` pairs whose weights sum to 1, approximating the spectral
/// density of `hvp` by `vectors` Rademacher probes of `steps` Lanczos steps each ([`slq_probes`], pooled,
/// each probe weighted `1 / vectors`), sorted by node.
pub fn slq_density(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    vectors: usize,
    steps: usize,
    rng: &mut impl Rng,
) -> Result<Vec<(f64, f64)>, String> {
    let probes = slq_probes(hvp, n, vectors, steps, rng)?;
    let mut out: Vec<(f64, f64)> = probes
        .iter()
        .flat_map(|q| {
            q.nodes
                .iter()
                .zip(&q.weights)
                .map(|(theta, w)| (*theta, w / vectors as f64))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    Ok(out)
}

/// Hutchinson's trace estimate over `samples >= 2` Rademacher probes `v`: the mean of `v' H v` and its
/// standard error (the sample standard deviation over `sqrt(samples)`). Fewer than two samples give no
/// standard error and are refused.
pub fn hutchinson_trace(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    samples: usize,
    rng: &mut impl Rng,
) -> Result<(f64, f64), String> {
    if samples < 2 {
        return Err(format!(
            "Hutchinson's trace estimate needs at least 2 probe vectors for a standard error, got {samples}"
        ));
    }
    let mut w = vec![0.0; n];
    let draws: Vec<f64> = (0..samples)
        .map(|_| {
            let v: Vec<f64> = (0..n)
                .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                .collect();
            hvp(&v, &mut w);
            crate::vector::dot(&v, &w)
        })
        .collect();
    let mean = draws.iter().sum::<f64>() / samples as f64;
    let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (samples - 1) as f64;
    Ok((mean, (var / samples as f64).sqrt()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    fn random_symmetric(n: usize, rng: &mut ChaCha8Rng) -> Mat<f64> {
        let g = Mat::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(rng));
        Mat::from_fn(n, n, |i, j| {
            (g[(i, j)] + g[(j, i)]) / (2.0 * (n as f64).sqrt())
        })
    }

    fn apply(a: &Mat<f64>) -> impl FnMut(&[f64], &mut [f64]) + '_ {
        move |v: &[f64], out: &mut [f64]| {
            let n = v.len();
            for i in 0..n {
                out[i] = (0..n).map(|j| a[(i, j)] * v[j]).sum();
            }
        }
    }

    #[test]
    fn verdicts() {
        assert_eq!(classify(&[1.0, 2.0], default_zero_tol()), Verdict::Minimum);
        assert_eq!(
            classify(&[-1.0, -2.0], default_zero_tol()),
            Verdict::Maximum
        );
        assert_eq!(
            classify(&[-1.0, 2.0, 3.0], default_zero_tol()),
            Verdict::Saddle { index: 1 }
        );
        assert_eq!(
            classify(&[0.0, 0.0], default_zero_tol()),
            Verdict::Degenerate {
                zero: 2,
                negative: 0
            }
        );
        assert_eq!(
            classify(&[1e-12, -1.0, 2.0], default_zero_tol()),
            Verdict::Degenerate {
                zero: 1,
                negative: 1
            }
        );
        assert_eq!(condition_number(&[0.5, 2.0]), Some(4.0));
        assert_eq!(condition_number(&[-0.5, 2.0]), None);
    }

    #[test]
    fn lanczos_extremes_match_the_dense_spectrum_at_n_500() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..2 {
            let a = random_symmetric(500, &mut rng);
            let dense = dense_spectrum(&a).expect("eigen converges");
            let (lo, hi) =
                lanczos_extremes(&mut apply(&a), 500, 500, 1e-10, &mut rng).expect("converges");
            let scale = dense[0].abs().max(dense[499].abs());
            assert!(
                (lo - dense[0]).abs() <= 1e-8 * scale,
                "min {lo:e} vs {:e}",
                dense[0]
            );
            assert!(
                (hi - dense[499]).abs() <= 1e-8 * scale,
                "max {hi:e} vs {:e}",
                dense[499]
            );
        }
    }

    #[test]
    fn every_extreme_lies_within_its_stated_residual_of_an_eigenvalue() {
        // A Ritz value of a symmetric operator lies within its residual |beta_k u[last]| of some eigenvalue
        // (Parlett 1998, Theorem 4.5.1), and inside [lambda_min, lambda_max] (Cauchy interlacing).
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let a = random_symmetric(300, &mut rng);
        let dense = dense_spectrum(&a).expect("eigen converges");
        let tiny = 1e-12;
        for steps in [10, 20, 40] {
            let e = lanczos_extremes_checked(&mut apply(&a), 300, steps, 1e-14, &mut rng)
                .expect("runs");
            assert_eq!(e.steps, steps);
            assert!(e.residual > 0.0, "{steps} steps: not converged to 1e-14");
            assert!(e.min >= dense[0] - tiny && e.max <= dense[299] + tiny);
            for ritz in [e.min, e.max] {
                let nearest = dense
                    .iter()
                    .map(|l| (l - ritz).abs())
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    nearest <= e.residual * (1.0 + 1e-8) + tiny,
                    "{steps} steps: Ritz {ritz} is {nearest:e} from the spectrum, residual {:e}",
                    e.residual
                );
            }
        }
    }

    #[test]
    fn slq_and_hutchinson_recover_moments() {
        // A diagonal operator with known trace and spectrum: lambda_i = i / n.
        let n = 200;
        let lambda: Vec<f64> = (1..=n).map(|i| i as f64 / n as f64).collect();
        let mut op = |v: &[f64], out: &mut [f64]| {
            for i in 0..v.len() {
                out[i] = lambda[i] * v[i];
            }
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (tr, se) = hutchinson_trace(&mut op, n, 400, &mut rng).expect("400 samples");
        let exact: f64 = lambda.iter().sum();
        // Rademacher probes of a diagonal operator are exact: v' D v = trace D for every v.
        assert!(
            (tr - exact).abs() <= 1e-12 * exact && se <= 1e-12 * exact,
            "{tr:e} +- {se:e} vs {exact:e}"
        );
        let density = slq_density(&mut op, n, 20, 30, &mut rng).expect("converges");
        let mass: f64 = density.iter().map(|(_, w)| w).sum();
        let mean: f64 = density.iter().map(|(x, w)| x * w).sum();
        assert!((mass - 1.0).abs() <= 1e-12, "weights sum to {mass:e}");
        // The mean eigenvalue is trace / n; Rademacher probes give it exactly for a diagonal operator.
        assert!((mean - exact / n as f64).abs() <= 1e-10, "mean {mean:e}");
        assert!(
            density[0].0 >= lambda[0] - 1e-12
                && density[density.len() - 1].0 <= lambda[n - 1] + 1e-12
        );
    }
    #[test]
    fn extreme_eigenvectors_are_unit_signed_eigenvectors() {
        // A saddle's Hessian: eigenvalues of both signs, no ties in any eigenvector's largest component.
        let h = Mat::from_fn(3, 3, |i, j| match (i, j) {
            (0, 0) => -1.0,
            (1, 1) => 2.0,
            (2, 2) => 0.5,
            (0, 1) | (1, 0) => 0.3,
            (1, 2) | (2, 1) => -0.2,
            _ => 0.0,
        });
        let (values, v) = dense_spectrum_with_extremes(&h).expect("3 x 3 symmetric");
        let tol = 64.0 * f64::EPSILON;
        for (vec, lambda) in [(&v.min, values[0]), (&v.max, values[2])] {
            let mut hv = vec![0.0; 3];
            apply(&h)(vec, &mut hv);
            for i in 0..3 {
                assert!(
                    (hv[i] - lambda * vec[i]).abs() <= tol,
                    "H v != lambda v: {hv:?} {lambda:e} {vec:?}"
                );
            }
            assert!((crate::vector::norm(vec) - 1.0).abs() <= tol);
            let big = vec
                .iter()
                .copied()
                .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            assert!(big > 0.0, "largest component positive: {vec:?}");
        }
        assert!(values[0] < 0.0 && values[2] > 0.0);
    }
}
