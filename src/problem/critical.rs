//! Documented critical points of non-convex families, and the arithmetic that verifies them.
//!
//! A [`CriticalPoint`] is a point where the gradient vanishes, stated as its family documents it: a
//! (possibly rounded) location, its value and its Hessian inertia. [`newton_polish`] refines a rounded
//! location to full `f64` precision with Newton steps on the exact Hessian, and [`inertia`] counts the
//! negative, zero and positive Hessian eigenvalues (faer's self-adjoint eigensolver). This file holds no
//! family: each family lists its own points.

use faer::linalg::solvers::Solve;
use faer::{Mat, Side};

use super::Problem;
use crate::vector::norm;

/// What a critical point is, judged by its Hessian inertia.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A strict local minimum: positive definite Hessian.
    Minimum,
    /// A strict local maximum: negative definite Hessian.
    Maximum,
    /// At least one negative eigenvalue and not a strict maximum.
    Saddle,
    /// No negative eigenvalue but a singular Hessian: second order does not decide (a degenerate point).
    Degenerate,
}

impl Kind {
    /// The kind of a critical point in `n` dimensions with Hessian `index` and `nullity`.
    pub fn of(n: usize, index: usize, nullity: usize) -> Kind {
        match (index, nullity) {
            (0, 0) => Kind::Minimum,
            (0, _) => Kind::Degenerate,
            (i, 0) if i == n => Kind::Maximum,
            _ => Kind::Saddle,
        }
    }
}

/// A critical point as its family documents it.
#[derive(Debug, Clone, PartialEq)]
pub struct CriticalPoint {
    /// The location, as documented (rounded where the family says so; see [`newton_polish`]).
    pub point: Vec<f64>,
    /// The value `f` at the exact critical point.
    pub value: f64,
    /// The Hessian index: the number of negative eigenvalues.
    pub index: usize,
    /// The number of zero Hessian eigenvalues (0 for a non-degenerate point).
    pub nullity: usize,
}

impl CriticalPoint {
    /// A non-degenerate critical point.
    pub fn new(point: &[f64], value: f64, index: usize) -> Self {
        CriticalPoint {
            point: point.to_vec(),
            value,
            index,
            nullity: 0,
        }
    }

    /// What the point is, from its index and nullity.
    pub fn kind(&self) -> Kind {
        Kind::of(self.point.len(), self.index, self.nullity)
    }
}

/// The inertia of a symmetric matrix: how many eigenvalues are negative, zero and positive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inertia {
    /// Eigenvalues below `-tol`.
    pub negative: usize,
    /// Eigenvalues in `[-tol, tol]`.
    pub zero: usize,
    /// Eigenvalues above `tol`.
    pub positive: usize,
}

/// The inertia of the symmetric matrix `h`, with its eigenvalues (ascending).
///
/// An eigenvalue counts as zero when `|lambda| <= 16 n eps ||h||_F`: a backward-stable symmetric
/// eigensolver returns the exact eigenvalues of `h + E` with `||E||_2 <= c n eps ||h||_2`, so by Weyl's
/// inequality each computed eigenvalue is within that bound of the true one (Golub and Van Loan 2013,
/// section 8.1), and `||h||_2 <= ||h||_F`.
pub fn inertia(h: &Mat<f64>) -> Result<(Inertia, Vec<f64>), String> {
    let n = h.nrows();
    let eig = h
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| format!("the symmetric eigensolver did not converge: {e:?}"))?;
    let s = eig.S();
    let eigenvalues: Vec<f64> = (0..n).map(|i| s[i]).collect();
    let tol = 16.0 * n as f64 * f64::EPSILON * h.norm_l2();
    let mut out = Inertia {
        negative: 0,
        zero: 0,
        positive: 0,
    };
    for &l in &eigenvalues {
        if l < -tol {
            out.negative += 1;
        } else if l > tol {
            out.positive += 1;
        } else {
            out.zero += 1;
        }
    }
    Ok((out, eigenvalues))
}

/// Refines an approximate non-degenerate critical point with up to `max_iters` Newton steps
/// `x <- x - H(x)^{-1} g(x)` (LU with partial pivoting, so indefinite Hessians are fine), and returns the
/// iterate with the smallest gradient norm seen. Newton converges quadratically to a non-degenerate
/// critical point from close enough (Nocedal and Wright 2006, Theorem 3.5), so a location rounded to a few
/// digits reaches full precision in a handful of steps; a singular Hessian stops the iteration.
pub fn newton_polish(p: &dyn Problem, x0: &[f64], max_iters: usize) -> Result<Vec<f64>, String> {
    let so = p
        .second_order()
        .ok_or("Newton polishing needs exact second derivatives")?;
    let n = p.dim();
    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    p.gradient(&x, &mut g);
    let mut best = (norm(&g), x.clone());
    let mut h = Mat::<f64>::zeros(n, n);
    for _ in 0..max_iters {
        if best.0 == 0.0 {
            break;
        }
        so.hessian(&x, &mut h);
        let rhs = Mat::from_fn(n, 1, |i, _| g[i]);
        let d = h.partial_piv_lu().solve(&rhs);
        if (0..n).any(|i| !d[(i, 0)].is_finite()) {
            break;
        }
        for (i, xi) in x.iter_mut().enumerate() {
            *xi -= d[(i, 0)];
        }
        p.gradient(&x, &mut g);
        let gn = norm(&g);
        if gn < best.0 {
            best = (gn, x.clone());
        }
    }
    Ok(best.1)
}

/// Test helpers: assert that a documented critical point is what its family says.
#[cfg(test)]
pub(crate) mod check {
    use super::*;

    /// The gradient norm a point exact to the last bit may still show: its coordinates are off by up to
    /// `eps |x|`, which moves the gradient by `||H|| eps ||x||`, and evaluation rounding is of the same order.
    /// A factor 64 covers the few operations per term.
    pub(crate) fn gradient_tol(p: &dyn Problem, x: &[f64]) -> f64 {
        let n = x.len();
        let mut h = Mat::<f64>::zeros(n, n);
        p.second_order()
            .expect("the family offers second derivatives")
            .hessian(x, &mut h);
        64.0 * f64::EPSILON * (1.0 + h.norm_l2() * (1.0 + norm(x)))
    }

    /// Polishes `cp` from its documented location, which must lie within `digits_tol` (one unit of the
    /// last documented digit) of the exact point, then asserts: zero gradient, the documented value (to
    /// `value_tol`), the documented index and nullity, and for a minimum a positive definite Hessian
    /// (faer `llt`). Returns the polished point.
    pub(crate) fn assert_critical_point(
        p: &dyn Problem,
        cp: &CriticalPoint,
        digits_tol: f64,
        value_tol: f64,
    ) -> Vec<f64> {
        let x = newton_polish(p, &cp.point, 20).expect("second derivatives");
        let moved = x
            .iter()
            .zip(&cp.point)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            moved <= digits_tol,
            "documented {:?} is {moved:e} from the exact point {x:?}",
            cp.point
        );
        assert_exact_critical_point(p, &x, cp, value_tol);
        x
    }

    /// Asserts at an exact location `x`: zero gradient, the documented value, index and nullity, and for a
    /// minimum a positive definite Hessian (faer `llt`).
    pub(crate) fn assert_exact_critical_point(
        p: &dyn Problem,
        x: &[f64],
        cp: &CriticalPoint,
        value_tol: f64,
    ) {
        let n = p.dim();
        let mut g = vec![0.0; n];
        let f = p.value_and_gradient(x, &mut g);
        let (gn, gtol) = (norm(&g), gradient_tol(p, x));
        assert!(gn <= gtol, "||g|| = {gn:e} > {gtol:e} at {x:?}");
        assert!(
            (f - cp.value).abs() <= value_tol,
            "f = {f:e}, documented {:e} (tolerance {value_tol:e}) at {x:?}",
            cp.value
        );
        let mut h = Mat::<f64>::zeros(n, n);
        p.second_order()
            .expect("the family offers second derivatives")
            .hessian(x, &mut h);
        let (inertia, eig) = inertia(&h).expect("eigensolver converges");
        assert_eq!(
            (inertia.negative, inertia.zero),
            (cp.index, cp.nullity),
            "inertia {inertia:?} at {x:?}, eigenvalues {eig:?}"
        );
        if cp.kind() == Kind::Minimum {
            assert!(
                h.llt(Side::Lower).is_ok(),
                "Hessian not positive definite at the minimum {x:?}: eigenvalues {eig:?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inertia_counts_signs() {
        let h = Mat::from_fn(3, 3, |i, j| match (i, j) {
            (0, 0) => -2.0,
            (1, 1) => 0.0,
            (2, 2) => 5.0,
            _ => 0.0,
        });
        let (counts, eig) = inertia(&h).expect("converges");
        assert_eq!(
            counts,
            Inertia {
                negative: 1,
                zero: 1,
                positive: 1
            }
        );
        assert_eq!(eig, vec![-2.0, 0.0, 5.0]);
        let (zero, _) = inertia(&Mat::zeros(2, 2)).expect("converges");
        assert_eq!(zero.zero, 2);
    }

    #[test]
    fn kinds_follow_index_and_nullity() {
        let mut cp = CriticalPoint::new(&[0.0, 0.0], 0.0, 0);
        assert_eq!(cp.kind(), Kind::Minimum);
        cp.index = 1;
        assert_eq!(cp.kind(), Kind::Saddle);
        cp.index = 2;
        assert_eq!(cp.kind(), Kind::Maximum);
        cp.index = 0;
        cp.nullity = 2;
        assert_eq!(cp.kind(), Kind::Degenerate);
    }
}
