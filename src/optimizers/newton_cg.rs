//! `newton-cg`: line-search Newton-CG, Newton's method with the system solved inexactly by conjugate
//! gradients on Hessian-vector products.
//!
//! Update (Dembo and Steihaug 1983; Nocedal and Wright 2006, Algorithm 7.1): the direction `d` is the
//! conjugate gradient iterate for `H d = -g` (`H = H(x_k)`, touched only through products `H p`), started at
//! `d = 0` and stopped when
//! - the residual is small: `||H d + g|| <= eta_k ||g||`, `eta_k = min(0.5, sqrt ||g||)` (the forcing
//!   sequence that makes the outer iteration superlinear);
//! - a direction of nonpositive curvature `p'Hp <= 0` appears: `d` so far is returned, or `-g` if that is
//!   still the first inner iteration;
//! - or `max_cg` inner iterations are spent.
//!
//! Then `x_{k+1} = x_k + a d` with Armijo backtracking from the unit step ([`Armijo`]). Every inner
//! iteration costs one Hessian-vector product, so the method keeps the full Hessian, restricted to the
//! Krylov subspace it explores, without ever forming it.
//!
//! Its keys are declared once, in [`NewtonCgConfig`] and the shared [`super::line_search::LineSearchKeys`]
//! (listed by `optzoo list optimizers` and in `docs/reference.md`).

use super::OptimizerConfig;
use super::descent::{self, DescentState, Direction};
use super::line_search::{Armijo, LineSearchKeys, SharedKeys};
use crate::footprint::Footprint;
use crate::optimizer::{Optimizer, StepError};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError};
use crate::problem::Capabilities;
use crate::theory::Anatomy;
use crate::vector::{axpy, dot, norm};

/// The keys of `newton-cg`.
pub const PARAMS: &[ParamDoc] = &crate::params::declare::concat::<2>(&[
    &crate::params::declare::select::<1>(
        super::line_search::LineSearchKeys::PARAMS,
        NewtonCgConfig::LINE_SEARCH.keys,
    ),
    NewtonCgConfig::PARAMS,
]);

crate::declare_params! {
    /// The parameters of `newton-cg`, besides the Armijo `c1` of
    /// [`LineSearchKeys`].
    #[derive(Debug, Clone, Copy)]
    pub struct NewtonCgConfig {
        /// inner conjugate gradient iterations per step, >= 1 (absent: the dimension n)
        max_cg: Option<usize> = none,
    }
}

impl OptimizerConfig for NewtonCgConfig {
    type Checked = NewtonCg;
    const LINE_SEARCH: SharedKeys = SharedKeys {
        keys: &["c1"],
        always: true,
    };

    fn check(&self) -> Result<NewtonCg, ParamError> {
        self.check_with(&LineSearchKeys::default())
    }

    fn check_with(&self, search: &LineSearchKeys) -> Result<NewtonCg, ParamError> {
        let armijo = Armijo {
            c1: search.armijo().c1,
            ..Armijo::default()
        };
        armijo.check()?;
        if self.max_cg == Some(0) {
            return Err(ParamError::key("max_cg", "`max_cg` must be at least 1"));
        }
        Ok(NewtonCg {
            armijo,
            max_cg: self.max_cg,
        })
    }
}

/// Newton-CG with checked parameters.
#[derive(Debug, Clone, Copy)]
pub struct NewtonCg {
    /// The backtracking search.
    pub armijo: Armijo,
    /// Inner iterations (none: the dimension).
    pub max_cg: Option<usize>,
}

/// The memory of a `newton-cg` run.
pub type NewtonCgState = DescentState<Krylov>;

/// The inner conjugate gradient loop's buffers.
pub struct Krylov {
    /// Residual, search direction and `H p`.
    residual: Vec<f64>,
    conj: Vec<f64>,
    hp: Vec<f64>,
}

/// Why the inner conjugate gradient loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CgExit {
    /// The residual met the tolerance.
    Converged,
    /// A direction of nonpositive curvature was met.
    NegativeCurvature,
    /// The iteration budget ran out.
    Budget,
}

/// Truncated conjugate gradients for `H d = -g` from `d = 0` (Nocedal and Wright 2006, Algorithm 7.1):
/// stops when `||H d + g|| <= tol`, on nonpositive curvature (returning `-g` if met at once) or after
/// `max_iter` products; `hvp(p, out)` writes `H p`. Buffers `r`, `p`, `hp` have length `n`.
#[allow(clippy::too_many_arguments)]
pub fn truncated_cg(
    mut hvp: impl FnMut(&[f64], &mut [f64]) -> Result<(), StepError>,
    g: &[f64],
    tol: f64,
    max_iter: usize,
    d: &mut [f64],
    r: &mut [f64],
    p: &mut [f64],
    hp: &mut [f64],
) -> Result<CgExit, StepError> {
    d.fill(0.0);
    r.copy_from_slice(g);
    for (pi, gi) in p.iter_mut().zip(g) {
        *pi = -gi;
    }
    let mut rr = dot(r, r);
    if rr.sqrt() <= tol {
        return Ok(CgExit::Converged);
    }
    for j in 0..max_iter {
        hvp(p, hp)?;
        let php = dot(p, hp);
        if php.is_nan() || php <= 0.0 {
            if j == 0 {
                for (di, gi) in d.iter_mut().zip(g) {
                    *di = -gi;
                }
            }
            return Ok(CgExit::NegativeCurvature);
        }
        let alpha = rr / php;
        axpy(alpha, p, d);
        axpy(alpha, hp, r);
        let rr_new = dot(r, r);
        if rr_new.sqrt() <= tol {
            return Ok(CgExit::Converged);
        }
        let beta = rr_new / rr;
        rr = rr_new;
        for (pi, ri) in p.iter_mut().zip(r.iter()) {
            *pi = -ri + beta * *pi;
        }
    }
    Ok(CgExit::Budget)
}

impl Direction for NewtonCg {
    type Memory = Krylov;
    type Search = Armijo;

    fn line_search(&self) -> &Armijo {
        &self.armijo
    }

    fn memory(&self, n: usize) -> Krylov {
        Krylov {
            residual: vec![0.0; n],
            conj: vec![0.0; n],
            hp: vec![0.0; n],
        }
    }

    /// Truncated conjugate gradients on `H d = -g` with the forcing tolerance `min(0.5, sqrt ||g||) ||g||`.
    fn propose(
        &self,
        k: &mut Krylov,
        x: &[f64],
        g: &[f64],
        d: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<bool, StepError> {
        let gn = norm(g);
        let tol = gn.sqrt().min(0.5) * gn;
        let max_iter = self.max_cg.unwrap_or(x.len());
        truncated_cg(
            |v, out| oracle.hvp(x, v, out),
            g,
            tol,
            max_iter,
            d,
            &mut k.residual,
            &mut k.conj,
            &mut k.hp,
        )?;
        Ok(true)
    }
}

impl Optimizer for NewtonCg {
    type State = NewtonCgState;

    fn requires(&self) -> Capabilities {
        Capabilities {
            hvp: true,
            ..Capabilities::EXACT
        }
    }

    descent::driven_steps!(NewtonCgState);

    fn anatomy(&self) -> Option<Anatomy> {
        Some(Anatomy::new(
            "Hessian-vector products",
            Footprint::none()
                .vectors(3, "Krylov residual, conjugate direction, product")
                .plus(descent::footprint::<Armijo>()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;
    use faer::linalg::solvers::Solve;

    fn parse(s: &str) -> Result<NewtonCg, ParamError> {
        crate::optimizers::parse_checked::<NewtonCgConfig>(s, PARAMS)
    }

    fn run_cg(a: &Mat<f64>, g: &[f64], tol: f64, max_iter: usize) -> (Vec<f64>, CgExit, usize) {
        let n = g.len();
        let (mut d, mut r, mut p, mut hp) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut products = 0;
        let exit = truncated_cg(
            |v, out| {
                products += 1;
                for (i, o) in out.iter_mut().enumerate() {
                    *o = (0..n).map(|j| a[(i, j)] * v[j]).sum();
                }
                Ok(())
            },
            g,
            tol,
            max_iter,
            &mut d,
            &mut r,
            &mut p,
            &mut hp,
        )
        .expect("no oracle errors");
        (d, exit, products)
    }

    #[test]
    fn inner_cg_solves_positive_definite_systems() {
        // A = B'B + I is positive definite; CG in exact arithmetic needs at most n = 6 products.
        let n = 6;
        let b = Mat::<f64>::from_fn(n, n, |i, j| ((i * 7 + j * 3) % 5) as f64 - 2.0);
        let a = b.transpose() * &b + Mat::<f64>::identity(n, n);
        let g: Vec<f64> = (0..n).map(|i| (i as f64) - 2.5).collect();
        let (d, exit, _) = run_cg(&a, &g, 1e-12 * norm(&g), 4 * n);
        assert_eq!(exit, CgExit::Converged);
        // Independent solve: Cholesky of A.
        let rhs = Mat::<f64>::from_fn(n, 1, |i, _| -g[i]);
        let exact = a
            .llt(faer::Side::Lower)
            .expect("positive definite")
            .solve(&rhs);
        // lambda_min(A) >= 1, so an (updated) residual of 1e-12 ||g|| bounds the error by 1e-12 ||g||; the
        // recursively updated residual drifts from the true one by rounding of order n eps cond(A) ||d||,
        // with cond(A) <= 1 + ||B||_F^2 <= 1 + 4 n^2 (entries of B lie in [-2, 2]); allow 64 times that.
        let cond = 1.0 + 4.0 * (n * n) as f64;
        let exact: Vec<f64> = (0..n).map(|i| exact[(i, 0)]).collect();
        let err: f64 = d
            .iter()
            .zip(&exact)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        let tol = 1e-12 * norm(&g) + 64.0 * n as f64 * f64::EPSILON * cond * norm(&exact);
        assert!(err <= tol, "||d - d*|| = {err:e} > {tol:e}");
    }

    #[test]
    fn negative_curvature_stops_the_inner_loop() {
        // A = diag(-1, 2), g = (1, 1): the first direction p = -g has p'Ap = -1 + 2 = 1 > 0, so one CG
        // step d = -(rr / p'Ap) g = -2 g = (-2, -2) happens; the next direction has
        // p'Ap < 0 and the loop returns that d.
        let a = Mat::<f64>::from_fn(2, 2, |i, j| match (i, j) {
            (0, 0) => -1.0,
            (1, 1) => 2.0,
            _ => 0.0,
        });
        let (d, exit, products) = run_cg(&a, &[1.0, 1.0], 1e-14, 10);
        assert_eq!(exit, CgExit::NegativeCurvature);
        assert_eq!(products, 2);
        assert_eq!(d, vec![-2.0, -2.0]);
        // With A = diag(-1, -2) the first product already shows negative curvature: d = -g.
        let a = Mat::<f64>::from_fn(2, 2, |i, j| if i == j { -(i as f64) - 1.0 } else { 0.0 });
        let (d, exit, _) = run_cg(&a, &[1.0, 1.0], 1e-14, 10);
        assert_eq!(exit, CgExit::NegativeCurvature);
        assert_eq!(d, vec![-1.0, -1.0]);
    }

    #[test]
    fn bad_values_name_their_key() {
        assert!(parse("").expect("defaults").requires().hvp);
        for (s, key) in [
            ("max_cg = 0", "max_cg"),
            ("c1 = 0.6", "c1"),
            ("c2 = 0.9", "c2"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }
}
