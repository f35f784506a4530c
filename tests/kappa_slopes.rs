//! On the embedded `kappa` suite (diagonal quadratics, kappa from 1 to 1e6, linear and log-uniform spectra),
//! the least-squares slope of log iterations on log kappa matches the slope convergence theory predicts.
//!
//! The stop rule is `x_rtol`: `||x_k - x*|| <= x_rtol ||x_0 - x*||`, the quantity the contraction bounds
//! speak of. (A gradient tolerance would flatten the slope: from the all-ones start the slowest mode's
//! gradient is `mu`, already below `grad_rtol ||g_0||` when kappa is large.)

mod common;

use common::theory_slope;
use rayon::prelude::*;

use optzoo::analysis::scaling::{KappaStudy, kappa_studies};
use optzoo::analysis::sweep::Sweep;
use optzoo::config::SourceText;

/// Optimizer tables and the slope their iteration count should grow with.
const CASES: &[(&str, f64)] = &[
    ("name = \"gd\"\nstep = \"2/(L+mu)\"", 1.0),
    ("name = \"momentum\"\nvariant = \"heavy-ball\"", 0.5),
    ("name = \"newton\"\nmode = \"line-search\"", 0.0),
];

/// How far a measured slope may sit from theory: the bounds hold up to factors logarithmic in kappa (the
/// log-uniform spectrum puts several modes near mu), which over six decades move the slope by a few
/// hundredths.
const SLOPE_TOL: f64 = 0.1;

fn kappa_sweep(optimizer: &str) -> Vec<KappaStudy> {
    let text = format!(
        "name = \"kappa-slopes\"\nsuites = [\"kappa\"]\nseeds = [0]\n\
         [stop]\nx_rtol = 1e-6\nmax_iters = 100000000\n\
         [[optimizer]]\n{optimizer}\n"
    );
    let src = SourceText {
        name: "kappa-slopes.toml".into(),
        text,
        dir: None,
    };
    let plan = optzoo::plan::plan(&src, "kappa-slopes").expect("the test config is valid");
    let records = plan.runs.par_iter().map(optzoo::execute).collect();
    kappa_studies(&Sweep::new(records, None))
}

#[test]
fn iterations_grow_with_kappa_at_the_theory_slope() {
    for (optimizer, expected) in CASES {
        let studies = kappa_sweep(optimizer);
        // The kappa suite holds four spectra: linear, log-uniform, two-cluster and outlier.
        assert_eq!(
            studies.len(),
            4,
            "one study per spectrum of the kappa suite"
        );
        for study in &studies {
            let series = &study.series[0];
            for cell in &series.cells {
                assert_eq!(
                    cell.converged_iters.len(),
                    1,
                    "{optimizer} on {} kappa {:e}: {:?}",
                    study.label,
                    cell.kappa,
                    cell.statuses
                );
            }
            let fit = series.fit.expect("six kappa values above 1");
            assert_eq!(fit.points, 6);
            eprintln!(
                "{} on {}: slope {:.4} (expected {expected})",
                optimizer.replace('\n', " "),
                study.label,
                fit.slope
            );
            assert!(
                (fit.slope - expected).abs() <= SLOPE_TOL,
                "{optimizer} on {}: slope {:e}, expected {expected:e}",
                study.label,
                fit.slope
            );
            let name = optimizer
                .split('"')
                .nth(1)
                .expect("the case names its optimizer");
            let theory = theory_slope(name, &serde_json::Value::Null)
                .expect("every case has a theory slope");
            assert_eq!(theory.slope, *expected, "the report's theory table agrees");
            assert_eq!(series.theory.as_ref().map(|t| t.slope), Some(*expected));
        }
    }
}
