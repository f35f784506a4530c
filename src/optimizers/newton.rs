//! `newton`: Newton's method on the dense Hessian, in four flavours that differ in what they do with
//! negative and small curvature.
//!
//! Every mode evaluates the Hessian `H = H(x_k)` through the oracle (charged as one Hessian, `n` gradient
//! equivalents) and solves with faer on buffers allocated once per run:
//! - `mode = "pure"`: `x_{k+1} = x_k + d`, `H d = -g`, solved by the symmetric indefinite `L B L'`
//!   factorisation with Bunch-Kaufman pivoting (Bunch and Kaufman 1977). No safeguard: Newton's iteration
//!   is attracted to any nondegenerate critical point, saddles included, and a singular `H` fails the run.
//! - `mode = "line-search"` (default): Cholesky with added multiple of the identity (Nocedal and Wright 2006,
//!   Algorithm 3.3): `tau_0 = 0` if `min_i h_ii > 0`, else `shift - min_i h_ii`; while `H + tau I` has no
//!   Cholesky factor, `tau <- max(2 tau, shift)`. Then `(H + tau I) d = -g` and an Armijo backtracking
//!   search from the unit step ([`Armijo`]). On a strongly convex quadratic `tau = 0` and the unit step lands
//!   on the minimiser: one iteration.
//! - `mode = "damped"`: Levenberg-Marquardt (Levenberg 1944, Marquardt 1963) with the gain-ratio update of
//!   Nielsen (1999): `(H + lambda I) d = -g`; the trial `x + d` is accepted when the gain ratio
//!   `rho = (f(x) - f(x + d)) / (m(0) - m(d))`, `m(d) = f + g'd + d'Hd/2`, is positive, and then
//!   `lambda <- lambda max(1/3, 1 - (2 rho - 1)^3)`, `nu <- 2`; otherwise (or when `H + lambda I` has no
//!   Cholesky factor) `lambda <- lambda nu`, `nu <- 2 nu`, and the step is tried again with the same `H`.
//!   The first `lambda` is `lambda0 max_i |h_ii|` (Nielsen's choice, `lambda0` where `H` has a zero diagonal).
//!   Where the predicted decrease `m(0) - m(d)` is below the rounding level of `f` (`4 eps |f|`), the gain
//!   ratio is noise: the step is accepted unless `f` rises by more than that level.
//! - `mode = "saddle-free"`: the saddle-free Newton step (Dauphin et al. 2014): `d = -|H|^{-1} g` with
//!   `|H| = U |Lambda| U'` from the symmetric eigendecomposition `H = U Lambda U'`, each `|lambda_i|` floored
//!   at `floor max_j |lambda_j|`; then Armijo from the unit step. Negative curvature becomes a direction to
//!   descend along, so saddles repel instead of attract.
//!
//! Its keys are declared once, in [`NewtonConfig`] and the shared [`LineSearchKeys`] (`c1`, the Armijo
//! constant of `"line-search"` and `"saddle-free"`), listed by `optzoo list optimizers` and in
//! `docs/reference.md`. A key that does not apply to the chosen mode is an error.

use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::{lblt, llt};
use faer::linalg::evd::{self, ComputeEigenvectors};
use faer::{Mat, Par};

use super::OptimizerConfig;
use super::line_search::{Armijo, LineSearchKeys, SharedKeys};
use crate::footprint::{Footprint, Part, Size};
use crate::optimizer::{Optimizer, StepError, StepInfo};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError, in_range, positive};
use crate::preconditioner::{Conditioner, Formed, Preconditioner};
use crate::problem::Capabilities;
use crate::theory::{Anatomy, EscapeGrowth, EscapeTheory, KappaSlope};
use crate::vector::{axpy, dot, step_to};

/// The keys of `newton`: its own, with the Armijo `c1` of [`LineSearchKeys`] after `mode`.
pub const PARAMS: &[ParamDoc] = &crate::params::declare::concat::<5>(&[
    &crate::params::declare::select::<1>(NewtonConfig::PARAMS, &["mode"]),
    &crate::params::declare::select::<1>(LineSearchKeys::PARAMS, NewtonConfig::LINE_SEARCH.keys),
    &crate::params::declare::select::<3>(NewtonConfig::PARAMS, &["shift", "lambda0", "floor"]),
]);

crate::declare_choice! {
    /// Which Newton method, as `mode` names it.
    pub enum ModeName {
        /// Unit steps on `H d = -g`.
        Pure = "pure",
        /// Shift until positive definite, then Armijo.
        LineSearch = "line-search",
        /// Levenberg-Marquardt.
        Damped = "damped",
        /// `|H|` with a floor, then Armijo.
        SaddleFree = "saddle-free",
    }
}

/// Damping trials one `"damped"` step may spend: `nu` doubles at every rejection, so after `t` rejections
/// `lambda` has grown by `2^(t (t + 1) / 2)`; 60 trials cover any scale a double can hold.
const MAX_DAMPING_TRIALS: u32 = 60;

crate::declare_params! {
    /// The parameters of `newton`, as written, besides the Armijo `c1` of [`LineSearchKeys`] (a key that
    /// does not apply to the chosen mode is an error).
    #[derive(Debug, Clone)]
    pub struct NewtonConfig {
        /// "pure", "line-search" (H + tau I, Armijo), "damped" (Levenberg-Marquardt) or "saddle-free" (|H|)
        mode: ModeName = "line-search",
        /// smallest shift tau added to H when it is not positive definite, > 0 ("line-search")
        shift: Option<f64> = 1e-3,
        /// first damping, relative to max |h_ii|, > 0 ("damped")
        lambda0: Option<f64> = 1e-3,
        /// floor on |lambda_i| relative to max |lambda_j|, in (0, 1] ("saddle-free")
        floor: Option<f64> = 1e-8,
    }
}

/// The Newton method, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Unit steps on `H d = -g`.
    Pure,
    /// Shift until positive definite, then Armijo.
    LineSearch {
        /// The backtracking search.
        armijo: Armijo,
        /// The smallest shift.
        shift: f64,
    },
    /// Levenberg-Marquardt.
    Damped {
        /// The first damping, relative to `max |h_ii|`.
        lambda0: f64,
    },
    /// `|H|` with a floor, then Armijo.
    SaddleFree {
        /// The backtracking search.
        armijo: Armijo,
        /// The relative eigenvalue floor.
        floor: f64,
    },
}

impl OptimizerConfig for NewtonConfig {
    type Checked = Newton;
    const LINE_SEARCH: SharedKeys = SharedKeys {
        keys: &["c1"],
        always: false,
    };

    fn check(&self) -> Result<Newton, ParamError> {
        self.check_with(&LineSearchKeys::default())
    }

    fn check_with(&self, search: &LineSearchKeys) -> Result<Newton, ParamError> {
        let applies: &[&str] = match self.mode {
            ModeName::Pure => &[],
            ModeName::LineSearch => &["c1", "shift"],
            ModeName::Damped => &["lambda0"],
            ModeName::SaddleFree => &["c1", "floor"],
        };
        for (key, given) in [
            ("c1", search.c1.is_some()),
            ("shift", self.shift.is_some()),
            ("lambda0", self.lambda0.is_some()),
            ("floor", self.floor.is_some()),
        ] {
            if given && !applies.contains(&key) {
                return Err(ParamError::key(
                    key,
                    format!("`{key}` does not apply to mode = \"{}\"", self.mode),
                ));
            }
        }
        let armijo = || -> Result<Armijo, ParamError> {
            let a = Armijo {
                c1: search.armijo().c1,
                ..Armijo::default()
            };
            a.check()?;
            Ok(a)
        };
        let filled = self.clone().filled();
        let mode = match self.mode {
            ModeName::Pure => Mode::Pure,
            ModeName::LineSearch => {
                let shift = filled.shift.unwrap_or_default();
                positive("shift", shift)?;
                Mode::LineSearch {
                    armijo: armijo()?,
                    shift,
                }
            }
            ModeName::Damped => {
                let lambda0 = filled.lambda0.unwrap_or_default();
                positive("lambda0", lambda0)?;
                Mode::Damped { lambda0 }
            }
            ModeName::SaddleFree => {
                let floor = filled.floor.unwrap_or_default();
                in_range("floor", floor, f64::MIN_POSITIVE, 1.0)?;
                Mode::SaddleFree {
                    armijo: armijo()?,
                    floor,
                }
            }
        };
        Ok(Newton { mode })
    }
}

/// Newton's method with a checked mode.
#[derive(Debug, Clone, Copy)]
pub struct Newton {
    /// The mode and its constants.
    pub mode: Mode,
}

/// Dense factorisation workspace, allocated once per run for the mode's needs: no step allocates.
struct Dense {
    /// The copy of `H` that is factored, so that `H` stays intact for a retry (all but saddle-free).
    work: Mat<f64>,
    rhs: Mat<f64>,
    subdiag: Diag<f64>,
    perm_fwd: Vec<usize>,
    perm_bwd: Vec<usize>,
    eigenvalues: Diag<f64>,
    eigenvectors: Mat<f64>,
    mem: MemBuffer,
}

/// The workspace of a Cholesky factorisation and solve of an `n x n` matrix.
fn llt_scratch(n: usize) -> StackReq {
    StackReq::any_of(&[
        llt::factor::cholesky_in_place_scratch::<f64>(n, Par::Seq, Default::default()),
        llt::solve::solve_in_place_scratch::<f64>(n, 1, Par::Seq),
    ])
}

/// The workspace of a pivoted `L B L'` factorisation and solve of an `n x n` matrix.
fn lblt_scratch(n: usize) -> StackReq {
    StackReq::any_of(&[
        lblt::factor::cholesky_in_place_scratch::<usize, f64>(n, Par::Seq, Default::default()),
        lblt::solve::solve_in_place_scratch::<usize, f64>(n, 1, Par::Seq),
    ])
}

/// The workspace of a symmetric eigendecomposition of an `n x n` matrix, with eigenvectors.
fn evd_scratch(n: usize) -> StackReq {
    evd::self_adjoint_evd_scratch::<f64>(n, ComputeEigenvectors::Yes, Par::Seq, Default::default())
}

/// The workspace a mode holds ([`Dense::mem`]), for the footprint: its bytes at `n`.
fn workspace(mode: &Mode) -> Size {
    let (name, bytes): (&'static str, fn(usize) -> u64) = match mode {
        Mode::Pure => ("L B L' solve", |n| lblt_scratch(n).size_bytes() as u64),
        Mode::LineSearch { .. } | Mode::Damped { .. } => {
            ("Cholesky solve", |n| llt_scratch(n).size_bytes() as u64)
        }
        Mode::SaddleFree { .. } => ("eigensolver", |n| evd_scratch(n).size_bytes() as u64),
    };
    Size::Workspace { name, bytes }
}

impl Dense {
    fn new(n: usize, mode: &Mode) -> Self {
        // Only the saddle-free mode decomposes H into eigenpairs, and only the pure mode pivots.
        let (req, copy, pivots, eigen) = match mode {
            Mode::Pure => (lblt_scratch(n), n, n, 0),
            Mode::LineSearch { .. } => (llt_scratch(n), n, 0, 0),
            Mode::Damped { .. } => (llt_scratch(n), n, 0, 0),
            Mode::SaddleFree { .. } => (evd_scratch(n), 0, 0, n),
        };
        Dense {
            work: Mat::zeros(copy, copy),
            rhs: Mat::zeros(n, 1),
            subdiag: Diag::zeros(pivots),
            perm_fwd: vec![0; pivots],
            perm_bwd: vec![0; pivots],
            eigenvalues: Diag::zeros(eigen),
            eigenvectors: Mat::zeros(eigen, eigen),
            mem: MemBuffer::new(req),
        }
    }

    /// Cholesky of `a` in place and the solve of `a d = -g`; false when `a` is not numerically positive
    /// definite or `d` is not finite. Reads the lower triangle of `a` (faer uses the upper one as scratch).
    fn cholesky_solve(&mut self, a: faer::MatMut<'_, f64>, g: &[f64], d: &mut [f64]) -> bool {
        let stack = MemStack::new(&mut self.mem);
        let mut a = a;
        let factored = llt::factor::cholesky_in_place(
            a.as_mut(),
            Default::default(),
            Par::Seq,
            stack,
            Default::default(),
        );
        if factored.is_err() {
            return false;
        }
        for (i, gi) in g.iter().enumerate() {
            self.rhs[(i, 0)] = -gi;
        }
        llt::solve::solve_in_place(a.as_ref(), self.rhs.as_mut(), Par::Seq, stack);
        for (i, di) in d.iter_mut().enumerate() {
            *di = self.rhs[(i, 0)];
        }
        d.iter().all(|v| v.is_finite())
    }

    /// Solves `(H + shift I) d = -g` by Cholesky on a copy of `H`'s lower triangle (all the factorisation
    /// reads), so `H` stays intact; false when `H + shift I` is not numerically positive definite.
    fn solve_shifted(&mut self, h: &Mat<f64>, shift: f64, g: &[f64], d: &mut [f64]) -> bool {
        let mut work = std::mem::replace(&mut self.work, Mat::new());
        work.copy_from_triangular_lower(h);
        for i in 0..g.len() {
            work[(i, i)] += shift;
        }
        let solved = self.cholesky_solve(work.as_mut(), g, d);
        self.work = work;
        solved
    }

    /// The line-search mode's direction (Nocedal and Wright 2006, Algorithm 3.3): the first `tau` of the
    /// sequence `0` (when `min_i h_ii > 0`, else `shift - min_i h_ii`), then `max(2 tau, shift)`, for which
    /// `H + tau I` has a Cholesky factor, and `d` solving `(H + tau I) d = -g`. Returns `tau`, or `None` when
    /// `tau` overflows.
    fn shifted_direction(
        &mut self,
        h: &Mat<f64>,
        shift: f64,
        g: &[f64],
        d: &mut [f64],
    ) -> Option<f64> {
        let min_diag = (0..g.len())
            .map(|i| h[(i, i)])
            .fold(f64::INFINITY, f64::min);
        let mut tau = if min_diag > 0.0 {
            0.0
        } else {
            shift - min_diag
        };
        while !self.solve_shifted(h, tau, g, d) {
            tau = (2.0 * tau).max(shift);
            if !tau.is_finite() {
                return None;
            }
        }
        Some(tau)
    }

    /// Solves `H d = -g` by the Bunch-Kaufman `L B L'` factorisation; false when the result is not finite
    /// (a singular `H`).
    fn solve_indefinite(&mut self, h: &Mat<f64>, g: &[f64], d: &mut [f64]) -> bool {
        self.work.copy_from(h);
        self.subdiag.column_vector_mut().fill(0.0);
        let stack = MemStack::new(&mut self.mem);
        let (_, perm) = lblt::factor::cholesky_in_place(
            self.work.as_mut(),
            self.subdiag.as_mut(),
            &mut self.perm_fwd,
            &mut self.perm_bwd,
            Par::Seq,
            stack,
            Default::default(),
        );
        for (i, gi) in g.iter().enumerate() {
            self.rhs[(i, 0)] = -gi;
        }
        lblt::solve::solve_in_place(
            self.work.as_ref(),
            self.work.diagonal(),
            self.subdiag.as_ref(),
            perm,
            self.rhs.as_mut(),
            Par::Seq,
            stack,
        );
        for (i, di) in d.iter_mut().enumerate() {
            *di = self.rhs[(i, 0)];
        }
        d.iter().all(|v| v.is_finite())
    }

    /// The eigendecomposition `H = U Lambda U'` into `eigenvalues` (ascending) and `eigenvectors`.
    fn eigen(&mut self, h: &Mat<f64>) -> bool {
        let stack = MemStack::new(&mut self.mem);
        evd::self_adjoint_evd(
            h.as_ref(),
            self.eigenvalues.as_mut(),
            Some(self.eigenvectors.as_mut()),
            Par::Seq,
            stack,
            Default::default(),
        )
        .is_ok()
    }
}

/// The memory of a `newton` run.
pub struct NewtonState {
    grad: Vec<f64>,
    direction: Vec<f64>,
    trial: Vec<f64>,
    /// `H d` (damped) or the eigenbasis coefficients of `g` (saddle-free).
    work: Vec<f64>,
    hessian: Mat<f64>,
    dense: Dense,
    /// Levenberg-Marquardt damping (NaN until the first damped step) and its growth factor.
    lambda: f64,
    nu: f64,
}

impl Optimizer for Newton {
    type State = NewtonState;

    fn conditioner(&self) -> Conditioner {
        Conditioner::Fixed(Formed::new(
            "abs(H) (= H where H > 0)",
            Preconditioner::AbsoluteHessian,
        ))
    }

    fn kappa_slope(&self) -> Option<KappaSlope> {
        Some(KappaSlope {
            slope: 0.0,
            source: "Newton's method solves a quadratic in one step",
        })
    }

    /// Saddle-free Newton moves along the unstable direction by its own distance: the component doubles.
    fn escape(&self) -> Option<EscapeTheory> {
        match self.mode {
            Mode::SaddleFree { .. } => Some(EscapeTheory {
                growth: EscapeGrowth::Constant(2.0),
                source: "saddle-free newton: log(R/eps_u) / log 2",
            }),
            _ => None,
        }
    }

    fn requires(&self) -> Capabilities {
        Capabilities {
            hessian: true,
            // Every mode but the pure step compares values (a line search or the damping's trust ratio).
            exact: !matches!(self.mode, Mode::Pure),
            ..Capabilities::default()
        }
    }

    fn init(&self, x0: &[f64], _oracle: &mut Oracle) -> Result<NewtonState, StepError> {
        let n = x0.len();
        Ok(NewtonState {
            grad: vec![0.0; n],
            direction: vec![0.0; n],
            trial: vec![0.0; n],
            work: vec![0.0; n],
            hessian: Mat::zeros(n, n),
            dense: Dense::new(n, &self.mode),
            lambda: f64::NAN,
            nu: 2.0,
        })
    }

    fn step(
        &self,
        st: &mut NewtonState,
        x: &mut [f64],
        oracle: &mut Oracle,
    ) -> Result<StepInfo, StepError> {
        let n = x.len();
        match self.mode {
            Mode::Pure => {
                oracle.gradient(x, &mut st.grad);
                oracle.hessian(x, &mut st.hessian)?;
                if !st
                    .dense
                    .solve_indefinite(&st.hessian, &st.grad, &mut st.direction)
                {
                    return Err(StepError::Failed(
                        "pure Newton: the Hessian is singular (the L B L' solve is not finite)"
                            .into(),
                    ));
                }
                axpy(1.0, &st.direction, x);
                Ok(StepInfo {
                    step_size: Some(1.0),
                })
            }
            Mode::LineSearch { armijo, shift } => {
                let fx = oracle.value_and_gradient(x, &mut st.grad);
                oracle.hessian(x, &mut st.hessian)?;
                let shifted =
                    st.dense
                        .shifted_direction(&st.hessian, shift, &st.grad, &mut st.direction);
                if shifted.is_none() {
                    return Err(StepError::Failed(
                        "Newton line search: no shift makes the Hessian positive definite (non-finite entries?)"
                            .into(),
                    ));
                }
                let accepted =
                    armijo.search(oracle, x, fx, &st.grad, &st.direction, &mut st.trial)?;
                x.copy_from_slice(&st.trial);
                Ok(StepInfo {
                    step_size: Some(accepted.step),
                })
            }
            Mode::Damped { lambda0 } => {
                let fx = oracle.value_and_gradient(x, &mut st.grad);
                oracle.hessian(x, &mut st.hessian)?;
                let h = &st.hessian;
                let scale = (0..n).map(|i| h[(i, i)].abs()).fold(0.0, f64::max);
                let scale = if scale > 0.0 && scale.is_finite() {
                    scale
                } else {
                    1.0
                };
                if st.lambda.is_nan() {
                    st.lambda = lambda0 * scale;
                }
                for _ in 0..MAX_DAMPING_TRIALS {
                    if st
                        .dense
                        .solve_shifted(h, st.lambda, &st.grad, &mut st.direction)
                    {
                        step_to(x, 1.0, &st.direction, &mut st.trial);
                        let f_new = oracle.value(&st.trial);
                        for (i, hd) in st.work.iter_mut().enumerate() {
                            *hd = dot(h.col_as_slice(i), &st.direction);
                        }
                        let predicted =
                            -(dot(&st.grad, &st.direction) + 0.5 * dot(&st.direction, &st.work));
                        let rho = (fx - f_new) / predicted;
                        // A predicted decrease below the rounding level of f makes the gain ratio noise:
                        // there the (positive definite) model is trusted unless f visibly increases.
                        let noise = 4.0 * f64::EPSILON * fx.abs().max(f_new.abs());
                        let trusted = predicted <= noise && f_new <= fx + noise;
                        if f_new.is_finite() && (rho > 0.0 || trusted) {
                            let shrink = 1.0 - (2.0 * rho - 1.0).powi(3);
                            st.lambda *= shrink.max(1.0 / 3.0);
                            st.nu = 2.0;
                            x.copy_from_slice(&st.trial);
                            return Ok(StepInfo {
                                step_size: Some(1.0),
                            });
                        }
                    }
                    // Below eps * scale the shift is invisible in H + lambda I: grow from there.
                    st.lambda = (st.lambda * st.nu).max(f64::EPSILON * scale);
                    st.nu *= 2.0;
                }
                Err(StepError::Failed(format!(
                    "Levenberg-Marquardt: no decrease in {MAX_DAMPING_TRIALS} damping trials (lambda = {:e})",
                    st.lambda
                )))
            }
            Mode::SaddleFree { armijo, floor } => {
                let fx = oracle.value_and_gradient(x, &mut st.grad);
                oracle.hessian(x, &mut st.hessian)?;
                if !st.dense.eigen(&st.hessian) {
                    return Err(StepError::Failed(
                        "saddle-free Newton: the eigendecomposition did not converge".into(),
                    ));
                }
                let lam = &st.dense.eigenvalues;
                let largest = (0..n).map(|i| lam[i].abs()).fold(0.0, f64::max);
                if !largest.is_finite() || largest <= 0.0 {
                    return Err(StepError::Failed(format!(
                        "saddle-free Newton: the Hessian's largest |eigenvalue| is {largest:e}"
                    )));
                }
                let least = floor * largest;
                let u = &st.dense.eigenvectors;
                // d = -U |Lambda|^{-1} U' g.
                for (i, c) in st.work.iter_mut().enumerate() {
                    *c = dot(u.col_as_slice(i), &st.grad) / lam[i].abs().max(least);
                }
                st.direction.fill(0.0);
                for (i, c) in st.work.iter().enumerate() {
                    axpy(-c, u.col_as_slice(i), &mut st.direction);
                }
                let accepted =
                    armijo.search(oracle, x, fx, &st.grad, &st.direction, &mut st.trial)?;
                x.copy_from_slice(&st.trial);
                Ok(StepInfo {
                    step_size: Some(accepted.step),
                })
            }
        }
    }

    /// The dense Hessian and its factored copy (two `n x n` matrices), or in the saddle-free mode the Hessian
    /// and its eigenvectors; the buffers of a step and the solver's workspace, as its dense solver holds them.
    fn anatomy(&self) -> Option<Anatomy> {
        let buffers = Footprint::none()
            .with(1, Size::Matrix, Part::Hessian, "Hessian")
            .vectors(4, "gradient, direction, trial point, work")
            .with(1, Size::Column, Part::Data, "right-hand side");
        let mode = match self.mode {
            Mode::SaddleFree { .. } => buffers
                .with(1, Size::Matrix, Part::Factors, "eigenvectors")
                .with(1, Size::Column, Part::Factors, "eigenvalues"),
            Mode::Pure => buffers
                .with(1, Size::Matrix, Part::Factors, "factor")
                .with(1, Size::Column, Part::Factors, "pivots")
                .with(2, Size::Vector, Part::Factors, "permutations"),
            _ => buffers.with(1, Size::Matrix, Part::Factors, "factor"),
        };
        Some(Anatomy::new(
            "full matrix",
            mode.with(1, workspace(&self.mode), Part::Factors, "solver"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceText;
    use crate::plan::plan;
    use crate::problem::{Problem, SecondOrder};
    use crate::runner::execute;
    use crate::stop::Status;
    use crate::vector::norm;

    fn parse(s: &str) -> Result<Newton, ParamError> {
        crate::optimizers::parse_checked::<NewtonConfig>(s, PARAMS)
    }

    #[test]
    fn keys_are_checked_per_mode() {
        assert!(parse("").expect("defaults").requires().hessian);
        for m in ModeName::WORDS {
            assert!(parse(&format!("mode = \"{m}\"")).is_ok(), "{m}");
        }
        for (s, key) in [
            ("mode = \"trust-region\"", "mode"),
            ("mode = \"pure\"\nc1 = 0.1", "c1"),
            ("lambda0 = 1", "lambda0"),
            ("mode = \"damped\"\nshift = 1", "shift"),
            ("mode = \"saddle-free\"\nfloor = 0", "floor"),
            ("mode = \"saddle-free\"\nfloor = 2", "floor"),
            ("shift = -1", "shift"),
            ("c1 = 0.9", "c1"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }

    /// Runs `mode` through the harness on one quadratic; returns (status, iterations).
    fn on_quadratic(mode: &str, kappa: f64, rotation: &str, spectrum: &str) -> (Status, u64) {
        let n = 30;
        // A backward-stable solve of H d = -g leaves a residual ||H d + g|| <= c n eps ||H|| ||d||
        // <= c n eps kappa ||g||, and on a quadratic g(x + d) = g + H d is that residual: allow c = 64.
        let tol = 64.0 * n as f64 * kappa * f64::EPSILON;
        let text = format!(
            "seeds = [3]\n[[problem]]\nfamily = \"quadratic\"\ndim = {n}\nkappa = {kappa}\n\
             rotation = \"{rotation}\"\nspectrum = \"{spectrum}\"\nshift = 0.25\n\
             [stop]\ngrad_rtol = {tol:e}\nmax_iters = 5\n[[optimizer]]\nname = \"newton\"\nmode = \"{mode}\"\n"
        );
        let src = SourceText {
            name: "newton-quadratic.toml".into(),
            text,
            dir: None,
        };
        let p = plan(&src, "test").expect("a valid config");
        assert_eq!(p.runs.len(), 1);
        let r = execute(&p.runs[0]);
        (r.outcome.status, r.outcome.iterations)
    }

    #[test]
    fn line_search_newton_solves_every_quadratic_in_one_iteration() {
        for kappa in [1.0, 10.0, 1e3, 1e6] {
            for rotation in ["none", "random"] {
                for spectrum in ["linear", "log-uniform"] {
                    for mode in ["line-search", "pure", "saddle-free"] {
                        let (status, iters) = on_quadratic(mode, kappa, rotation, spectrum);
                        assert_eq!(
                            (status, iters),
                            (Status::Converged, 1),
                            "{mode} on kappa = {kappa:e}, {rotation}, {spectrum}"
                        );
                    }
                }
            }
        }
    }

    /// A private double well: `f(x) = sum a_i x_i^2 / 2 + x_i^4 / 4`, critical points where each `x_i` is 0
    /// or `+-sqrt(-a_i)` (for `a_i < 0`), Hessian `diag(a_i + 3 x_i^2)`.
    struct DoubleWell(Vec<f64>);

    impl Problem for DoubleWell {
        fn dim(&self) -> usize {
            self.0.len()
        }
        fn value(&self, x: &[f64]) -> f64 {
            x.iter()
                .zip(&self.0)
                .map(|(xi, a)| a * xi * xi / 2.0 + xi.powi(4) / 4.0)
                .sum()
        }
        fn gradient(&self, x: &[f64], g: &mut [f64]) {
            for ((gi, xi), a) in g.iter_mut().zip(x).zip(&self.0) {
                *gi = a * xi + xi.powi(3);
            }
        }
        fn second_order(&self) -> Option<&dyn SecondOrder> {
            Some(self)
        }
        fn standard_start(&self) -> Vec<f64> {
            vec![0.1; self.0.len()]
        }
    }

    impl SecondOrder for DoubleWell {
        fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
            for (((o, xi), vi), a) in out.iter_mut().zip(x).zip(v).zip(&self.0) {
                *o = (a + 3.0 * xi * xi) * vi;
            }
        }
        fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
            h.fill(0.0);
            for (i, (xi, a)) in x.iter().zip(&self.0).enumerate() {
                h[(i, i)] = a + 3.0 * xi * xi;
            }
        }
    }

    /// Steps `mode` from `x0` until `||g|| <= 1e3 eps` (the gradient's rounding level at points of size 1
    /// is a few eps) or 100 iterations; returns the last point and the iterations taken.
    fn descend(mode: &str, p: &DoubleWell, x0: &[f64]) -> (Vec<f64>, usize) {
        let newton = parse(&format!("mode = \"{mode}\"")).expect("valid");
        let mut oracle = Oracle::new(p);
        let mut x = x0.to_vec();
        let mut state = newton.init(&x, &mut oracle).expect("init");
        let mut g = vec![0.0; x.len()];
        for k in 0..100 {
            p.gradient(&x, &mut g);
            if norm(&g) <= 1e3 * f64::EPSILON {
                return (x, k);
            }
            newton
                .step(&mut state, &mut x, &mut oracle)
                .unwrap_or_else(|e| panic!("{mode} failed at step {k}: {e}"));
        }
        panic!("{mode} did not converge in 100 iterations from {x0:?}: at {x:?}");
    }

    #[test]
    fn pure_newton_converges_to_the_saddle_and_saddle_free_escapes_it() {
        // a = (-1, 1): a saddle at 0 (Hessian diag(-1, 1)), minima at (+-1, 0) (Hessian diag(2, 1)).
        let p = DoubleWell(vec![-1.0, 1.0]);
        let start = [0.1, 0.1];
        let (x, _) = descend("pure", &p, &start);
        assert!(
            norm(&x) <= 1e3 * f64::EPSILON,
            "pure Newton should stop at the saddle 0, got {x:?}"
        );
        for mode in ["saddle-free", "line-search", "damped"] {
            let (x, iters) = descend(mode, &p, &start);
            assert!(
                (x[0].abs() - 1.0).abs() <= 1e3 * f64::EPSILON && x[1].abs() <= 1e3 * f64::EPSILON,
                "{mode} should reach a minimum (+-1, 0), got ({:e}, {:e}) after {iters} iterations",
                x[0],
                x[1]
            );
        }
    }

    #[test]
    fn shifted_cholesky_finds_the_first_working_shift_and_keeps_h() {
        // A positive diagonal, so tau starts at 0, but indefinite (the leading 2 x 2 block has eigenvalues
        // -1 and 3): the first attempts fail, and each later one must see H itself again (faer's in-place
        // Cholesky also writes into the upper triangle, so the factor works on a copy).
        let rows = [[1.0, 2.0, 0.0], [2.0, 1.0, 0.5], [0.0, 0.5, 2.0]];
        let h0 = Mat::from_fn(3, 3, |i, j| rows[i][j]);
        let g = [1.0, -2.0, 0.5];
        let shift = 1e-3;
        let newton = parse(&format!("shift = {shift:e}")).expect("valid");
        let mut dense = Dense::new(3, &newton.mode);
        let mut d = [0.0; 3];
        let tau = dense
            .shifted_direction(&h0, shift, &g, &mut d)
            .expect("a finite shift works");
        let shifted = |t: f64| Mat::from_fn(3, 3, |i, j| h0[(i, j)] + if i == j { t } else { 0.0 });
        // tau is the first of 0, shift, 2 shift, 4 shift, ... with a Cholesky factor of H + tau I.
        let before = if tau > shift { tau / 2.0 } else { 0.0 };
        assert!(tau > 0.0, "H is indefinite, tau = {tau:e}");
        assert!(
            shifted(before).llt(faer::Side::Lower).is_err(),
            "tau = {tau:e} is not the first"
        );
        // (H + tau I) d = -g with the original H, to a backward-stable solve's residual
        // c n eps ||H + tau I|| ||d|| (c = 64, ||.|| <= the max-abs row sum).
        let a = shifted(tau);
        let scale = (0..3)
            .map(|i| (0..3).map(|j| a[(i, j)].abs()).sum::<f64>())
            .fold(0.0, f64::max);
        let tol = 64.0 * 3.0 * f64::EPSILON * scale * norm(&d);
        for i in 0..3 {
            let r: f64 = (0..3).map(|j| a[(i, j)] * d[j]).sum::<f64>() + g[i];
            assert!(r.abs() <= tol, "residual {i}: {r:e} > {tol:e}");
        }
        // A positive definite H is factored at tau = 0, once.
        let tau = dense
            .shifted_direction(&shifted(2.0), shift, &g, &mut d)
            .expect("positive definite");
        assert_eq!(tau, 0.0);
    }

    #[test]
    fn pure_newton_fails_on_a_singular_hessian() {
        // a = (0, 1) at x = (0, 1): H = diag(0, 4), g = (0, 2).
        let p = DoubleWell(vec![0.0, 1.0]);
        let newton = parse("mode = \"pure\"").expect("valid");
        let mut oracle = Oracle::new(&p);
        let mut x = vec![0.0, 1.0];
        let mut state = newton.init(&x, &mut oracle).expect("init");
        let r = newton.step(&mut state, &mut x, &mut oracle);
        assert!(matches!(r, Err(StepError::Failed(m)) if m.contains("singular")));
        assert_eq!(oracle.counts().hess_evals, 1);
    }
}
