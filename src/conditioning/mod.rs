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
//! Each optimizer says what its preconditioner is ([`crate::preconditioner`]), through
//! [`crate::optimizer::DynOptimizer::conditioner`]:
//! - a *fixed* rule (`I` for gd and momentum, `|H|` for newton) is measured where the row starts, without
//!   steps;
//! - a *learned* one (the diagonals of adam, rmsprop and adagrad, the inverse-Hessian approximations of
//!   lbfgs and bfgs, K-FAC's Kronecker blocks) is read from the optimizer's own state after it has run
//!   through the same counting oracle and with the same measurements as the runner
//!   ([`crate::optimizer::Stepper::preconditioner`]); the Hessian is then taken where the optimizer
//!   stands, the point where the preconditioner acts next;
//! - methods that form no matrix (cg, newton-cg) get a row that says so.
//!
//! The row `jacobi` is the ideal diagonal `P = |diag(H)|` (Jacobi scaling; `diag(H)` where `H` is
//! positive definite), a state-free reference for the diagonal methods: on an axis-aligned `H` it is exact
//! (`kappa = 1`); under a random rotation `diag(H)` is close to `(tr H / n) I` and removes almost nothing.

use std::fmt::Write;

use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Mat, Par, Side};

use crate::preconditioner::{KroneckerBlock, Preconditioner};
use crate::spectrum::dense_spectrum;

pub mod measure;

pub use measure::{Driven, drive, expand_rows, for_family, measure, measure_all, study};

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

/// The dense `P` of Kronecker blocks, in the layout of `x` (zero outside the blocks).
fn kronecker_dense(blocks: &[KroneckerBlock], n: usize) -> Mat<f64> {
    let mut p = Mat::zeros(n, n);
    for b in blocks {
        let (outputs, inputs) = (b.g.nrows(), b.a.nrows());
        for i in 0..outputs {
            for i2 in 0..outputs {
                for j in 0..inputs {
                    for j2 in 0..inputs {
                        p[(b.offset + i * inputs + j, b.offset + i2 * inputs + j2)] =
                            b.g[(i, i2)] * b.a[(j, j2)];
                    }
                }
            }
        }
    }
    p
}

/// The spectrum of `P^{-1} H` for a preconditioner as an optimizer describes it.
pub fn effective(h: &Mat<f64>, p: &Preconditioner) -> Result<Effective, String> {
    match p {
        Preconditioner::Identity => with_diagonal(h, &vec![1.0; h.nrows()]),
        Preconditioner::Diagonal(d) => with_diagonal(h, d),
        Preconditioner::DenseInverse(p_inv) => with_inverse_preconditioner(h, p_inv),
        Preconditioner::Kronecker(blocks) => {
            with_preconditioner(h, &kronecker_dense(blocks, h.nrows()))
        }
        Preconditioner::AbsoluteHessian => with_preconditioner(h, &absolute(h)?),
    }
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

/// The reference row: the ideal diagonal `|diag(H)|`.
pub const JACOBI: &str = "jacobi";

/// The row name that stands for every registered optimizer that forms a preconditioner, in registry
/// order.
pub const EVERY_FORMED: &str = "*";

/// The rows `optzoo inspect --conditioning` measures: `jacobi`, then every registered optimizer whose
/// preconditioner can be formed.
pub const ALL_ROWS: &[&str] = &[JACOBI, EVERY_FORMED];

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
    use crate::Problem;
    use crate::preconditioner::Formed;
    use crate::registry::Registry;

    /// `M v` for a dense `M`.
    fn apply(m: &Mat<f64>, v: &[f64]) -> Vec<f64> {
        (0..m.nrows())
            .map(|i| (0..m.ncols()).map(|j| m[(i, j)] * v[j]).sum())
            .collect()
    }
    use crate::problems::{Instance, family};

    fn instance(family_name: &str, text: &str) -> (Box<dyn Problem>, Vec<f64>) {
        let t: toml::Table = toml::from_str(text).expect("valid TOML");
        let inst = Instance::parse(family(family_name).expect("registered"), &t).expect("valid");
        inst.build(0).expect("builds")
    }

    fn checked(name: &str, text: &str) -> crate::optimizers::Checked {
        let t: toml::Table = toml::from_str(text).expect("valid TOML");
        let r = Registry::builtin();
        let e = r.optimizer(name).expect("registered");
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
    fn lbfgs_dense_inverse_gives_the_directions_lbfgs_took() {
        let (p, x0) = instance("quadratic", "dim = 20\nkappa = 1000\nrotation = \"random\"");
        let c = checked("lbfgs", "memory = 4");
        let grad = |x: &[f64]| {
            let mut g = vec![0.0; x.len()];
            p.gradient(x, &mut g);
            g
        };
        for k in 1..12 {
            let here = drive(p.as_ref(), c.optimizer.as_ref(), &x0, k);
            let next = drive(p.as_ref(), c.optimizer.as_ref(), &x0, k + 1);
            assert_eq!((here.steps, next.steps), (k, k + 1), "{:?}", next.stopped);
            let Some(Formed {
                matrix: Preconditioner::DenseInverse(hk),
                label,
            }) = here.formed
            else {
                panic!("lbfgs forms a dense inverse")
            };
            assert_eq!(label, format!("H_k^-1 ({} of 4 pairs)", k.min(4)));
            let d: Vec<f64> = apply(&hk, &grad(&here.point)).iter().map(|v| -v).collect();
            let s: Vec<f64> = next
                .point
                .iter()
                .zip(&here.point)
                .map(|(a, b)| a - b)
                .collect();
            let cos = crate::vector::dot(&d, &s)
                / (crate::vector::dot(&d, &d) * crate::vector::dot(&s, &s)).sqrt();
            // The step is a positive multiple of -H_k g_k: the dense H_k is the two-loop recursion applied
            // to unit vectors, rounding differently by about kappa m n eps ~ 2e-10 relative in the
            // direction; 1 - cos is second order in that, so what is left is the rounding of the cosine.
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
        let row =
            measure(&Registry::builtin(), p.as_ref(), &x0, "kfac", &plain, 3).expect("measures");
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
        let row = measure(
            &Registry::builtin(),
            p.as_ref(),
            &x0,
            "kfac",
            &toml::Table::new(),
            3,
        )
        .expect("measures");
        let got = row.effective.expect("formed").kappa;
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "damped kfac {got:e} vs {want:e}"
        );
    }
}
