//! Effective conditioning `kappa(P^{-1} H)` of each optimizer's preconditioner on quadratics of condition
//! number 1e3, rotated and axis-aligned, against what theory says each preconditioner can and cannot fix.

use super::common;

use faer::Mat;
use optzoo::conditioning::{self, Row, Study};
use optzoo::problems::{Instance, family};

/// The rows of the table measured in `docs/reports.md` (Effective conditioning): the identity, the
/// diagonals, L-BFGS, K-FAC and Newton, with the `jacobi` reference.
const TABLE_ROWS: &[&str] = &[
    "gd",
    "momentum",
    conditioning::JACOBI,
    "adagrad",
    "rmsprop",
    "adam",
    "lbfgs",
    "kfac",
    "newton",
];

const KAPPA: f64 = 1e3;
const DIM: usize = 50;
/// Steps the stateful optimizers take before their preconditioner is formed.
const STEPS: usize = 50;

fn study(rotation: &str) -> Study {
    let t: toml::Table = toml::from_str(&format!(
        "dim = {DIM}\nkappa = {KAPPA}\nrotation = \"{rotation}\""
    ))
    .expect("valid TOML");
    conditioning::for_family("quadratic", &t, None, 0, TABLE_ROWS, STEPS).expect("measures")
}

fn row<'a>(s: &'a Study, name: &str) -> &'a Row {
    s.rows
        .iter()
        .find(|r| r.optimizer == name)
        .unwrap_or_else(|| panic!("row {name}"))
}

fn kappa(s: &Study, name: &str) -> f64 {
    match &row(s, name).effective {
        Ok(e) => e.kappa,
        Err(why) => panic!("{name}: {why}"),
    }
}

/// The diagonal of the quadratic's (constant) Hessian.
fn hessian_diagonal(rotation: &str) -> Vec<f64> {
    let t: toml::Table = toml::from_str(&format!(
        "dim = {DIM}\nkappa = {KAPPA}\nrotation = \"{rotation}\""
    ))
    .expect("valid TOML");
    let inst = Instance::parse(family("quadratic").expect("registered"), &t).expect("valid");
    let (p, x0) = inst.build(0).expect("builds");
    let mut h = Mat::zeros(DIM, DIM);
    p.second_order()
        .expect("exact Hessian")
        .hessian(&x0, &mut h);
    (0..DIM).map(|i| h[(i, i)]).collect()
}

/// An eigenvalue of a symmetric matrix of norm about 1 is computed to about `n eps` absolutely, so the
/// smallest one, 1/kappa, to `n eps kappa` relatively; kappa itself to twice that.
fn spectral_tol() -> f64 {
    2.0 * DIM as f64 * f64::EPSILON * KAPPA
}

#[test]
fn rotated_quadratic_diagonals_see_the_full_kappa_newton_none_lbfgs_between() {
    let s = study("random");
    for r in &s.rows {
        eprintln!(
            "rotated: {:9} {:40} {:4} steps  kappa_eff {:?}",
            r.optimizer,
            r.preconditioner,
            r.steps,
            r.effective.as_ref().map(|e| e.kappa)
        );
    }
    // The identity keeps kappa(H) = 1e3.
    for name in ["gd", "momentum"] {
        let k = kappa(&s, name);
        assert!((k - KAPPA).abs() <= spectral_tol() * KAPPA, "{name}: {k:e}");
    }
    // For any positive diagonal D, lambda_max(D^-1/2 H D^-1/2) <= lambda_max(H) / d_min and
    // lambda_min(...) >= lambda_min(H) / d_max, and symmetrically, so
    // kappa(H) d_min/d_max <= kappa(D^-1 H) <= kappa(H) d_max/d_min. Under a Haar rotation
    // d_i = sum_j lambda_j Q_ij^2 concentrates at tr(H)/n, with relative spread about sqrt(2/n) std/mean
    // of the spectrum (0.11 for the linear spectrum at n = 50): d_max/d_min is well below 10, which puts
    // Jacobi's kappa within a factor 10 of kappa(H): the rotation leaves a diagonal nothing to fix.
    let d = hessian_diagonal("random");
    let (lo, hi) = d
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(a, b), v| (a.min(*v), b.max(*v)));
    let spread = hi / lo;
    assert!(spread < 10.0, "d_max/d_min = {spread:e}");
    let jacobi = kappa(&s, "jacobi");
    let slack = 1.0 + spectral_tol();
    assert!(
        KAPPA / spread / slack <= jacobi && jacobi <= KAPPA * spread * slack,
        "jacobi {jacobi:e} outside [{:e}, {:e}]",
        KAPPA / spread,
        KAPPA * spread
    );
    assert!(
        (KAPPA / 10.0..=KAPPA * 10.0).contains(&jacobi),
        "jacobi {jacobi:e}"
    );
    // Newton's P = H: every mu = 1.
    let newton = kappa(&s, "newton");
    assert!((newton - 1.0).abs() <= 1e-8, "newton {newton:e}");
    // L-BFGS after 50 steps (memory 10, not converged yet: ||g|| is still ~1e-5 ||g_0||) has captured part
    // of the spectrum: strictly between Newton and the diagonal.
    let lbfgs = kappa(&s, "lbfgs");
    assert_eq!(row(&s, "lbfgs").steps, STEPS);
    assert!(
        newton * 1.5 < lbfgs && lbfgs < jacobi / 1.5,
        "lbfgs {lbfgs:e} not between newton {newton:e} and jacobi {jacobi:e}"
    );
    // The accumulated diagonals obey the same two-sided diagonal bound: they cannot undo a rotation.
    for name in ["adam", "rmsprop", "adagrad"] {
        let k = kappa(&s, name);
        assert!(k >= KAPPA / 10.0, "{name}: {k:e}");
    }
    // K-FAC needs layers, which a quadratic has not.
    assert!(row(&s, "kfac").effective.is_err());
}

#[test]
fn axis_aligned_quadratic_diagonals_remove_the_whole_spread() {
    let s = study("none");
    for r in &s.rows {
        eprintln!(
            "axis-aligned: {:9} {:4} steps kappa_eff - 1 = {:?}",
            r.optimizer,
            r.steps,
            r.effective.as_ref().map(|e| e.kappa - 1.0)
        );
    }
    // Jacobi: D = H exactly, D^-1/2 H D^-1/2 = I up to one rounding per entry.
    let jacobi = kappa(&s, "jacobi");
    assert!((jacobi - 1.0).abs() <= 1e-8, "jacobi {jacobi:e}");
    let newton = kappa(&s, "newton");
    assert!((newton - 1.0).abs() <= 1e-8, "newton {newton:e}");
    // Adam from x_0 = (1, ..., 1): with eps = 0 Adam's step is invariant to rescaling a coordinate, so every
    // coordinate x_i = 1 - ... follows one and the same path y(t), g_i = lambda_i y, and
    // sqrt(v^_i) = lambda_i w with w the bias-corrected RMS of y over the steps: P = w H + eps I and
    // mu_i = 1 / (w + eps / lambda_i). Hence kappa = (w + eps/lambda_min)/(w + eps/lambda_max), at most
    // 1 + eps kappa / w. The eps in the steps perturbs the paths by the same relative order, so
    // 2 eps kappa / w bounds both (eps = 1e-8, w ~ 0.97 after 50 steps of lr 1e-3: ~2e-5).
    let adam = kappa(&s, "adam");
    let eps = 1e-8;
    let w = 1.0 - 1e-3 * STEPS as f64; // the path moves by about lr per step: y >= 1 - lr t.
    let bound = 2.0 * eps * KAPPA / w;
    assert!(
        adam >= 1.0 && adam - 1.0 <= bound,
        "adam: kappa - 1 = {:e}, bound {bound:e}",
        adam - 1.0
    );
    // The identity still sees all of kappa(H).
    let gd = kappa(&s, "gd");
    assert!((gd - KAPPA).abs() <= spectral_tol() * KAPPA, "gd {gd:e}");
}

#[test]
fn inspect_conditioning_prints_the_table_and_writes_the_figure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("fig");
    let o = common::optzoo(
        dir.path(),
        &[
            "inspect",
            "quadratic",
            "dim=20",
            "kappa=100",
            "rotation=random",
            "--conditioning",
            "--steps",
            "10",
            "--out",
            out.to_str().expect("utf-8 path"),
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for name in TABLE_ROWS {
        assert!(
            text.contains(&format!("| {name} |")),
            "row {name} missing:\n{text}"
        );
    }
    for ext in ["svg", "png", "pdf"] {
        let p = out.join(format!("conditioning.{ext}"));
        assert!(
            std::fs::metadata(&p)
                .map(|m| m.len() > 1000)
                .unwrap_or(false),
            "{} missing or empty",
            p.display()
        );
    }
    // --steps without --conditioning is bad input.
    let o = common::optzoo(dir.path(), &["inspect", "quadratic", "--steps", "3"]);
    assert_eq!(o.status.code(), Some(2));
}
