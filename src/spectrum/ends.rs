//! A few eigenvalues at both ends of a symmetric operator's spectrum, from Hessian-vector products alone:
//! the Lanczos process (full reorthogonalisation), run until the Ritz
//! residuals `|beta_k u_j[last]|` of the `k` lowest and the `k` highest Ritz values all fall below
//! `rel_tol` times the largest `|Ritz value|`, or until `max_steps` steps.
//!
//! A Ritz value `theta` with residual `r` lies within `r` of an eigenvalue (and within `r^2 / gap` of it
//! once it is separated from the rest of the spectrum by `gap`: Parlett 1998, Theorem 11.7.1), so a
//! relative residual bound of `1e-10` gives the extremes to about that relative accuracy or better.

use rand::{Rng, RngExt};

use super::{Lanczos, TriEigen, lanczos, tridiagonal_eigen};

/// The ends of a spectrum as Lanczos found them.
#[derive(Debug, Clone, PartialEq)]
pub struct Ends {
    /// The lowest Ritz values, ascending (`lowest[0]` approximates `lambda_min`).
    pub lowest: Vec<f64>,
    /// The highest Ritz values, descending (`highest[0]` approximates `lambda_max`).
    pub highest: Vec<f64>,
    /// The largest Ritz residual among those reported, relative to the largest `|Ritz value|`: below
    /// `rel_tol` where the process converged, larger where it stopped at `max_steps`.
    pub residual: f64,
    /// The Lanczos steps taken (Hessian-vector products made).
    pub steps: usize,
}

/// The eigendecomposition of `t` and the largest Ritz residual `|beta_k u_j[last]|` among its `k` lowest and
/// `k` highest Ritz values, relative to the largest `|Ritz value|` (0 at an invariant subspace).
fn ritz_residual(t: &Lanczos, k: usize) -> Option<(TriEigen, f64)> {
    let e = tridiagonal_eigen(t).ok()?;
    let m = e.values.len();
    let scale = e.values[0].abs().max(e.values[m - 1].abs());
    let k = k.min(m);
    let r = (0..k)
        .chain(m - k..m)
        .map(|j| (t.residual * e.last[j]).abs())
        .fold(0.0, f64::max);
    Some((e, if scale > 0.0 { r / scale } else { r }))
}

/// The `k` lowest and `k` highest eigenvalues of the symmetric operator `hvp` on `R^n` (fewer where
/// `2k > n`: the two lists then overlap), from a random start drawn from `rng`, each with a Ritz residual
/// at most `rel_tol` times the largest `|eigenvalue|`, or what `max_steps` Lanczos steps give. The test is
/// made every 5 steps once the tridiagonal holds `k` values at each end. This is the one Lanczos front end
/// for extreme eigenvalues: [`super::lanczos_extremes_checked`] is the case `k = 1`.
pub fn lanczos_ends(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    k: usize,
    max_steps: usize,
    rel_tol: f64,
    rng: &mut impl Rng,
) -> Result<Ends, String> {
    if n == 0 || k == 0 {
        return Err(format!(
            "nothing to compute: n = {n}, k = {k} (both must be at least 1)"
        ));
    }
    let v0: Vec<f64> = (0..n).map(|_| rng.random::<f64>() - 0.5).collect();
    // `lanczos` asks after each step, with the new residual norm already in `t.residual`.
    let mut converged = |t: &Lanczos| -> bool {
        let m = t.alpha.len();
        m >= (2 * k).max(2)
            && m.is_multiple_of(5)
            && ritz_residual(t, k).is_some_and(|(_, r)| r <= rel_tol)
    };
    let t = lanczos(hvp, &v0, max_steps.max(1), &mut converged);
    let (e, r) = ritz_residual(&t, k)
        .ok_or_else(|| "the Lanczos tridiagonal's eigendecomposition failed".to_string())?;
    let m = e.values.len();
    let kk = k.min(m);
    Ok(Ends {
        lowest: e.values[..kk].to_vec(),
        highest: e.values[m - kk..].iter().rev().copied().collect(),
        // The whole space spanned: the Ritz values are the eigenvalues.
        residual: if m == n { 0.0 } else { r },
        steps: m,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn both_ends_match_the_dense_spectrum() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 120;
        let g = Mat::<f64>::from_fn(n, n, |_, _| StandardNormal.sample(&mut rng));
        let a = Mat::from_fn(n, n, |i, j| g[(i, j)] + g[(j, i)]);
        let dense = super::super::dense_spectrum(&a).expect("eigen converges");
        let mut op = |v: &[f64], out: &mut [f64]| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = (0..n).map(|j| a[(i, j)] * v[j]).sum();
            }
        };
        let e = lanczos_ends(&mut op, n, 3, n, 1e-10, &mut rng).expect("converges");
        let scale = dense[0].abs().max(dense[n - 1].abs());
        assert!(e.residual <= 1e-10, "residual {:e}", e.residual);
        for j in 0..3 {
            assert!((e.lowest[j] - dense[j]).abs() <= 1e-8 * scale);
            assert!((e.highest[j] - dense[n - 1 - j]).abs() <= 1e-8 * scale);
        }
        // The step cap ends the process early and says so in the residual.
        let capped = lanczos_ends(&mut op, n, 3, 10, 1e-10, &mut rng).expect("runs");
        assert_eq!(capped.steps, 10);
        assert!(capped.residual > 1e-10);
    }
}
