//! One value per point: for every registered family, the value an optimizer is told (`value`) and the value
//! the run records with the gradient (`value_and_gradient`) are the same number to the last bit, as are the
//! gradients of `gradient` and `value_and_gradient`; where a family offers both Hessian-vector products and
//! the dense Hessian, `H(x) e_j` is column `j` of the dense Hessian to rounding.
//!
//! The cases cover the registry exactly (a new family without a case fails this test), with small
//! parameters: every `mgh` problem at its default size, and quadratics diagonal and rotated, shifted, at a
//! dimension that fills whole lanes of the vector kernels and at one that leaves a remainder.

use std::collections::BTreeSet;

use optzoo::faer::Mat;
use optzoo::problems::{FAMILIES, Instance, family, mgh};
use optzoo::rand::SeedableRng;
use optzoo::rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Random points per instance at which values and gradients are compared.
const POINTS: usize = 40;
/// Points per instance at which Hessian-vector products are compared with the dense Hessian (n columns each).
const HESSIAN_POINTS: usize = 3;

/// (family, parameters as TOML), every registered family at least once.
fn cases() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = vec![
        ("deep-linear", String::new()),
        ("deep-linear", "depth = 3\nwidth = 3\nsamples = 9".into()),
        ("double-well", "dim = 5\nindex = 2".into()),
        ("himmelblau", String::new()),
        ("least-squares", "samples = 16\ninput_kappa = 10.0".into()),
        ("mlp", "samples = 16".into()),
        ("monkey-saddle", String::new()),
        ("nqm", "dim = 19".into()),
        ("quadratic", "dim = 10\nkappa = 100\nrotation = \"random\"".into()),
        (
            "quadratic",
            "dim = 19\nkappa = 1000\nrotation = \"random\"\nspectrum = \"log-uniform\"\nshift = 0.5"
                .into(),
        ),
        ("quadratic", "dim = 16\nkappa = 10".into()),
        (
            "quadratic",
            "dim = 21\nkappa = 1e4\nspectrum = \"log-uniform\"\nshift = -2.0".into(),
        ),
        ("rosenbrock", "dim = 7".into()),
        ("rosenbrock", "dim = 8\nvariant = \"extended\"".into()),
        ("six-hump-camel", String::new()),
        ("softmax", "samples = 30".into()),
        ("styblinski-tang", "dim = 9".into()),
    ];
    for entry in mgh::PROBLEMS {
        out.push(("mgh", format!("problem = \"{}\"", entry.name)));
    }
    out
}

/// `x0` moved by Gaussian noise of a size relative to each coordinate.
fn near(x0: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
    x0.iter()
        .map(|&a| {
            let z: f64 = StandardNormal.sample(rng);
            a + z * (0.25 + 0.5 * a.abs())
        })
        .collect()
}

#[test]
fn value_equals_value_and_gradient_bit_for_bit_and_hvp_matches_the_dense_hessian() {
    let cases = cases();
    let covered: BTreeSet<&str> = cases.iter().map(|(f, _)| *f).collect();
    let registered: BTreeSet<&str> = FAMILIES.iter().map(|f| f.name).collect();
    assert_eq!(covered, registered, "every registered family needs a case");

    let mut failures = Vec::new();
    for (case, (name, params)) in cases.iter().enumerate() {
        let table: toml::Table = toml::from_str(params).unwrap_or_else(|e| panic!("{params}: {e}"));
        let fam = family(name).unwrap_or_else(|| panic!("{name} is registered"));
        let instance =
            Instance::parse(fam, &table).unwrap_or_else(|e| panic!("{name} {params}: {e}"));
        let (problem, x0) = instance
            .build(case as u64)
            .unwrap_or_else(|e| panic!("{name} {params}: {e}"));
        let n = problem.dim();
        let mut rng = ChaCha8Rng::seed_from_u64(1000 + case as u64);
        let (mut g, mut g_only) = (vec![0.0; n], vec![0.0; n]);
        let mut unequal = 0;
        let mut worst = String::new();
        for k in 0..POINTS {
            let x = if k == 0 {
                x0.clone()
            } else {
                near(&x0, &mut rng)
            };
            let fused = problem.value_and_gradient(&x, &mut g);
            let alone = problem.value(&x);
            problem.gradient(&x, &mut g_only);
            let same_gradient = g
                .iter()
                .zip(&g_only)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            if fused.to_bits() != alone.to_bits() || !same_gradient {
                unequal += 1;
                worst = format!(
                    "value {alone:e}, value_and_gradient {fused:e} (difference {:e}); gradients equal: {same_gradient}",
                    alone - fused
                );
            }
        }
        if unequal > 0 {
            failures.push(format!(
                "{name} {{{}}}: {unequal} of {POINTS} points differ, e.g. {worst}",
                params.replace('\n', ", ")
            ));
        }

        let caps = instance.capabilities();
        let Some(so) = problem.second_order().filter(|_| caps.hvp && caps.hessian) else {
            continue;
        };
        // Column j of H against H e_j: a sum of at most n products each way, so rounding stays within a
        // multiple of n eps of the column's size.
        let tol = 64.0 * f64::EPSILON * n as f64;
        let (mut h, mut e, mut col) = (Mat::<f64>::zeros(n, n), vec![0.0; n], vec![0.0; n]);
        for k in 0..HESSIAN_POINTS {
            let x = if k == 0 {
                x0.clone()
            } else {
                near(&x0, &mut rng)
            };
            so.hessian(&x, &mut h);
            for j in 0..n {
                e[j] = 1.0;
                so.hvp(&x, &e, &mut col);
                e[j] = 0.0;
                let diff: f64 = (0..n)
                    .map(|i| (h[(i, j)] - col[i]).powi(2))
                    .sum::<f64>()
                    .sqrt();
                let size: f64 = col.iter().map(|c| c * c).sum::<f64>().sqrt();
                if diff.is_nan() || diff > tol * (1.0 + size) {
                    failures.push(format!(
                        "{name} {{{}}}: H e_{j} differs from column {j} of the dense Hessian by {diff:e} \
                         (column norm {size:e}, tolerance {:e})",
                        params.replace('\n', ", "),
                        tol * (1.0 + size)
                    ));
                    break;
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
