//! Exact mode on the noisy quadratic model (`nqm-exact`) against independent computations: the mean of
//! sampled runs over many seeds, and the closed-form stationary loss of constant-step SGD.
//!
//! On `f = 1/2 sum h_i x_i^2` with gradient noise `N(0, C / B)`, `C = H`, constant-step SGD's coordinate
//! `i` has stationary variance `eta c_i / (B h_i (2 - eta h_i))`, so the long-run expected loss is
//! `sum_i eta h_i / (2 B (2 - eta h_i))`; it is computed here from the formula.

use optzoo::config::SourceText;
use optzoo::plan::plan;
use optzoo::runner::execute;
use optzoo::stop::Status;

fn planned(text: &str) -> optzoo::Plan {
    let src = SourceText {
        name: "inline.toml".into(),
        text: text.into(),
        dir: None,
    };
    plan(&src, "inline").expect("valid config")
}

/// The final values of `optimizer` on `nqm` (dim, batch size) after `k` steps, one per seed.
fn final_values(dim: usize, b: usize, k: u64, seeds: usize, optimizer: &str) -> Vec<f64> {
    let seed_list: Vec<String> = (0..seeds).map(|s| s.to_string()).collect();
    let p = planned(&format!(
        "seeds = [{}]\n[[problem]]\nfamily = \"nqm\"\ndim = {dim}\nbatch_size = {b}\n\
         [stop]\nmax_iters = {k}\n[[optimizer]]\n{optimizer}\n",
        seed_list.join(", ")
    ));
    p.runs
        .iter()
        .map(|run| {
            let record = execute(run);
            assert_eq!(record.outcome.status, Status::MaxIters, "{optimizer}");
            assert_eq!(record.outcome.iterations, k);
            record.outcome.final_value
        })
        .collect()
}

fn mean_and_standard_error(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

#[test]
fn exact_mode_is_the_mean_of_sampled_runs() {
    // SGD and heavy ball (sampled by `gd` and `momentum`, the same update) at three horizons: the transient,
    // where the loss still falls, and near stationarity.
    let (dim, b, seeds) = (20, 2, 400);
    let cases = [
        (
            "name = \"gd\"\nstep = 0.8",
            "name = \"nqm-exact\"\nstep = 0.8",
        ),
        (
            "name = \"momentum\"\nstep = 0.3\nbeta = 0.7",
            "name = \"nqm-exact\"\nstep = 0.3\nbeta = 0.7",
        ),
    ];
    for (sampled, exact) in cases {
        for k in [3, 15, 60] {
            let values = final_values(dim, b, k, seeds, sampled);
            let (mean, se) = mean_and_standard_error(&values);
            let expected = final_values(dim, b, k, 2, exact);
            assert_eq!(
                expected[0], expected[1],
                "exact mode samples nothing: the seed changes nothing"
            );
            assert!(
                (mean - expected[0]).abs() < 4.0 * se,
                "{sampled} after {k} steps: sampled mean {mean} (standard error {se}) vs exact {}",
                expected[0]
            );
        }
    }
}

#[test]
fn exact_sgd_settles_at_the_closed_form_stationary_loss() {
    let (dim, b) = (100, 4);
    for eta in [0.5, 1.5] {
        // The slowest mode contracts by (1 - eta / 100)^2 per step: below e^-50 after 5000 steps.
        let got = final_values(
            dim,
            b,
            5000,
            1,
            &format!("name = \"nqm-exact\"\nstep = {eta}"),
        )[0];
        let want: f64 = (1..=dim)
            .map(|i| 1.0 / i as f64)
            .map(|h| eta * h / (2.0 * b as f64 * (2.0 - eta * h)))
            .sum();
        assert!(
            (got / want - 1.0).abs() < 1e-10,
            "eta {eta}: exact mode {got} vs closed form {want}"
        );
    }
}

#[test]
fn exact_heavy_ball_settles_at_its_closed_form_stationary_loss() {
    // Heavy ball's stationary variance per coordinate (x_{k+1} = r x_k - beta x_{k-1} - eta xi, r = 1 + beta
    // - eta h, noise variance s = c / B): eta^2 s (1 + beta) / ((1 - beta) ((1 + beta)^2 - r^2)).
    let (dim, b, eta, beta) = (50, 8, 0.4, 0.8);
    let got = final_values(
        dim,
        b,
        8000,
        1,
        &format!("name = \"nqm-exact\"\nstep = {eta}\nbeta = {beta}"),
    )[0];
    let want: f64 = (1..=dim)
        .map(|i| 1.0 / i as f64)
        .map(|h| {
            let r = 1.0 + beta - eta * h;
            let var = eta * eta * (h / b as f64) * (1.0 + beta)
                / ((1.0 - beta) * ((1.0 + beta).powi(2) - r * r));
            0.5 * h * var
        })
        .sum();
    assert!(
        (got / want - 1.0).abs() < 1e-9,
        "exact heavy ball {got} vs closed form {want}"
    );
}

#[test]
fn exact_mode_on_another_family_is_not_applicable_and_says_why() {
    let p = planned(
        "[[problem]]\nfamily = \"quadratic\"\ndim = 3\nkappa = 10\n[stop]\nmax_iters = 5\n\
         [[optimizer]]\nname = \"nqm-exact\"\n",
    );
    let record = execute(&p.runs[0]);
    assert_eq!(record.outcome.status, Status::NotApplicable);
    let message = record.outcome.message.unwrap_or_default();
    assert!(message.contains("noise model (family `nqm`)"), "{message}");
}
