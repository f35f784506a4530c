//! GD with step 2/(L+mu) on diagonal quadratics: the harness's iteration count equals the closed form.
//!
//! On f = 1/2 sum lambda_i x_i^2 from x_0 = 1, GD with step eta gives g_{k,i} = lambda_i (1 - eta lambda_i)^k,
//! so ||g_k||^2 = sum_i lambda_i^2 (1 - eta lambda_i)^{2k}: the first k with ||g_k|| <= 1e-6 ||g_0|| is
//! computed here from powers, independently of the optimizer's recurrence.

use optzoo::config::SourceText;
use optzoo::plan::plan;
use optzoo::runner::execute;
use optzoo::stop::Status;

/// The eigenvalues of `quadratic` with `spectrum = "linear"`, from the definition.
fn linear_spectrum(n: usize, kappa: f64) -> Vec<f64> {
    let mu = 1.0 / kappa;
    (0..n)
        .map(|i| mu + (1.0 - mu) * i as f64 / (n - 1) as f64)
        .collect()
}

/// (first k with ||g_k|| <= tol ||g_0||, relative distance of ||g_k|| / ||g_0|| to tol at k and k - 1).
fn closed_form(lambda: &[f64], eta: f64, tol: f64) -> (u64, f64) {
    let norm_at = |k: i32| {
        lambda
            .iter()
            .map(|l| (l * (1.0 - eta * l).powi(k)).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let g0 = norm_at(0);
    let mut k = 0;
    while norm_at(k) > tol * g0 {
        k += 1;
    }
    let margin = ((norm_at(k) / g0 - tol).abs() / tol).min((norm_at(k - 1) / g0 - tol).abs() / tol);
    (k as u64, margin)
}

#[test]
fn gd_iterations_match_the_closed_form() {
    for kappa in [10.0, 100.0, 1000.0] {
        let text = format!(
            "[[problem]]\nfamily = \"quadratic\"\ndim = 100\nkappa = {kappa}\nspectrum = \"linear\"\nrotation = \"none\"\n\
             [stop]\ngrad_rtol = 1e-6\nmax_iters = 100000\n[[optimizer]]\nname = \"gd\"\nstep = \"2/(L+mu)\"\n"
        );
        let src = SourceText {
            name: "inline.toml".into(),
            text,
            dir: None,
        };
        let plan = plan(&src, "inline").expect("valid config");
        assert_eq!(plan.runs.len(), 1);
        let record = execute(&plan.runs[0]);
        assert_eq!(record.outcome.status, Status::Converged);

        let lambda = linear_spectrum(100, kappa);
        let eta = 2.0 / (1.0 + 1.0 / kappa);
        let (expected, margin) = closed_form(&lambda, eta, 1e-6);
        // The harness iterates x <- x - eta g; rounding moves ||g_k|| by a few ulps per step, so the count is
        // only well defined when the threshold is not within that of ||g_k|| at the crossing.
        let drift = 16.0 * f64::EPSILON * expected as f64;
        assert!(
            margin > drift,
            "kappa {kappa}: crossing too close to call ({margin:e})"
        );
        assert_eq!(record.outcome.iterations, expected, "kappa {kappa:e}");
        // Theory: the error contracts by (kappa - 1)/(kappa + 1) per step, so k ~ ln(1e6) / ln((kappa+1)/(kappa-1)).
        let bound = (1e6f64 * kappa).ln() / ((kappa + 1.0) / (kappa - 1.0)).ln();
        assert!(
            (expected as f64) <= bound.ceil(),
            "kappa {kappa}: {expected} > bound {bound:e}"
        );
    }
}
