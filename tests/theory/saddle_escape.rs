//! The embedded `saddles` config end to end: escape iterations from a double-well saddle against the
//! saddle's negative curvature `|lambda_min| = c` and the start offset `eps`, checked against the linear
//! theory of each method (`optzoo::analysis::escape`).

use optzoo::analysis::escape::{self, EscapeRun, Outcome, RADIUS_FRACTION};
use optzoo::analysis::sweep::Sweep;
use optzoo::execute;
use rayon::prelude::*;

/// The step of gradient descent in `configs/saddles.toml`.
const ETA: f64 = 0.1;

fn runs_of<'a>(
    e: &'a escape::Escapes,
    sweep: &Sweep,
    name: &str,
    mode: Option<&str>,
) -> Vec<&'a EscapeRun> {
    e.runs
        .iter()
        .filter(|r| {
            let o = &sweep.optimizers[r.optimizer].spec;
            o.name == name
                && mode.is_none_or(|m| o.params.get("mode").and_then(|v| v.as_str()) == Some(m))
        })
        .collect()
}

#[test]
fn escape_iterations_follow_the_linear_theory_of_each_method() {
    let plan = optzoo::plan::load("saddles").expect("the embedded config is valid");
    // 5 curvatures x 3 start offsets, 5 optimizer configurations, one seed.
    assert_eq!(plan.runs.len(), 75);
    let records: Vec<_> = plan.runs.par_iter().map(execute).collect();
    let sweep = Sweep::new(records, None);
    let e = escape::escapes(&sweep);
    assert_eq!(
        e.runs.len(),
        75,
        "every run measured its escape while it ran"
    );
    // Gradient descent: every escape is the ceiling of the linear prediction, or one more (the quartic
    // term's delay is about rho^2 / (2 eta c) <= 0.05 iterations here).
    let gd = runs_of(&e, &sweep, "gd", None);
    assert_eq!(gd.len(), 15);
    for r in &gd {
        let k = r.escaped().unwrap_or_else(|| panic!("gd escapes: {r:?}"));
        let theory = r
            .theory
            .as_ref()
            .expect("gd with a fixed step has a theory");
        // Independent arithmetic for the prediction: log(R/eps)/log(1 + eta c), R = rho sqrt(c).
        let c = r.lambda;
        let predicted = (RADIUS_FRACTION * c.sqrt() / r.offset).ln() / (1.0 + ETA * c).ln();
        assert!((theory.iterations - predicted).abs() <= 1e-9 * predicted);
        let first = predicted.ceil() as u64;
        assert!(
            k == first || k == first + 1,
            "c = {c:e}, eps = {:e}: escaped at {k}, theory {predicted:e}",
            r.offset
        );
    }

    // The fit k ~ |lambda|^a log(R/eps)^b over the 15 runs, against the same fit of the real-valued theory
    // T = log(R/eps)/log(1 + eta c) on the same points. The theory's own a lies between -1 (eta c -> 0) and
    // -eta c_max / ((1 + eta c_max) log(1 + eta c_max)) = -0.954 (c_max = 1), the local slopes of
    // -log log(1 + eta c); its b is 1 up to the correlation of log log(R/eps) with log c.
    let pts = escape::points(gd.iter().copied());
    let fit = escape::fit_exponents(&pts).expect("fits");
    let theory = escape::theory_exponents(&pts, |c| 1.0 + ETA * c).expect("fits");
    // Measured k = ceil(T) or ceil(T) + 1, so log k - log T lies in [0, log((ceil T + 1)/T)]. The fit is
    // linear in log k: its exponents move by at most that times the sum of |d exponent / d log k_i|,
    // obtained by fitting unit perturbations.
    let dev = pts
        .iter()
        .map(|&(l, r, _)| {
            let t = r / (1.0 + ETA * l).ln();
            ((t.ceil() + 1.0) / t).ln()
        })
        .fold(0.0_f64, f64::max);
    let unit = |i: usize| -> Vec<(f64, f64, f64)> {
        pts.iter()
            .enumerate()
            .map(|(j, &(l, r, _))| (l, r, if i == j { 1f64.exp() } else { 1.0 }))
            .collect()
    };
    // A point with k = 1 (log k = 0) is kept by the fit, so unit perturbations are fitted as they are.
    let (mut sens_a, mut sens_b) = (0.0, 0.0);
    for i in 0..pts.len() {
        let f = escape::fit_exponents(&unit(i)).expect("fits");
        sens_a += f.lambda_exponent.abs();
        sens_b += f.log_exponent.expect("offsets vary").abs();
    }
    let (a, b) = (fit.lambda_exponent, fit.log_exponent.expect("offsets vary"));
    let (ta, tb) = (
        theory.lambda_exponent,
        theory.log_exponent.expect("offsets vary"),
    );
    eprintln!(
        "gd: a = {a:.4}, b = {b:.4}; theory a = {ta:.4}, b = {tb:.4}; bounds {:e}, {:e}",
        dev * sens_a,
        dev * sens_b
    );
    assert!((a - ta).abs() <= dev * sens_a, "a = {a:e}, theory {ta:e}");
    assert!((b - tb).abs() <= dev * sens_b, "b = {b:e}, theory {tb:e}");
    let c_max = 1.0;
    let flattest = -ETA * c_max / ((1.0 + ETA * c_max) * (1.0 + ETA * c_max).ln());
    assert!(
        (-1.0 - dev * sens_a..=flattest + dev * sens_a).contains(&a),
        "gd's exponent of |lambda_min|: {a:e}"
    );
    // k is linear in log(1/eps) at each curvature, with slope 1/log(1 + eta c); measured k is off the
    // real-valued line by [0, 1 + 1), which moves a least-squares slope by at most
    // 2 sum|r_i - mean r| / sum (r_i - mean r)^2 over that curvature's offsets.
    for lf in escape::fit_log_offsets(&pts) {
        let rs: Vec<f64> = pts
            .iter()
            .filter(|p| p.0 == lf.lambda)
            .map(|p| p.1)
            .collect();
        let mean = rs.iter().sum::<f64>() / rs.len() as f64;
        let spread = rs.iter().map(|r| (r - mean).abs()).sum::<f64>()
            / rs.iter().map(|r| (r - mean).powi(2)).sum::<f64>();
        let want = 1.0 / (1.0 + ETA * lf.lambda).ln();
        assert!(
            (lf.slope - want).abs() <= 2.0 * spread,
            "c = {:e}: {:e} iterations per unit of log(1/eps), theory {want:e}",
            lf.lambda,
            lf.slope
        );
    }

    // Pure Newton: the unit step -H^{-1} g sends x to 2 x^3 / (3 x^2 - c), which rounds to the saddle
    // itself within a few steps: no run gets anywhere near R, and each ends on the saddle, f = 0 > f*.
    let pure = runs_of(&e, &sweep, "newton", Some("pure"));
    assert_eq!(pure.len(), 15);
    for r in &pure {
        match r.outcome {
            Outcome::Stayed { final_distance, .. } => {
                assert!(final_distance < r.radius, "{r:?}");
                let rec = &sweep.records[r.record].outcome;
                assert_eq!(rec.final_value, 0.0, "pure newton ends on the saddle");
                assert!(rec.optimum_value.expect("f* known") < 0.0);
            }
            _ => panic!("pure newton escaped: {r:?}"),
        }
    }

    // Saddle-free Newton doubles the unstable component every step, whatever c: it escapes after
    // ceil(log2(R/eps)) steps. The quartic term speeds the doubling by a factor 1 + x^2/c + ..., which over
    // the escape gains about (4/3) rho^2 / log 2 ~ 2e-4 iterations: one step either way covers it and the
    // line search's rounding.
    let sfn = runs_of(&e, &sweep, "newton", Some("saddle-free"));
    assert_eq!(sfn.len(), 15);
    for r in &sfn {
        let k = r
            .escaped()
            .unwrap_or_else(|| panic!("saddle-free newton escapes: {r:?}"));
        let predicted = (RADIUS_FRACTION * r.lambda.sqrt() / r.offset).log2();
        assert!(
            (k as f64 - predicted.ceil()).abs() <= 1.0,
            "c = {:e}, eps = {:e}: escaped at {k}, theory {predicted:e}",
            r.lambda,
            r.offset
        );
    }

    // Heavy ball and Adam leave too (Adam's steps have length about lr whatever the gradient, so it needs
    // about R / lr steps).
    for name in ["momentum", "adam"] {
        for r in runs_of(&e, &sweep, name, None) {
            assert!(r.escaped().is_some(), "{name}: {r:?}");
        }
    }
}

#[test]
fn report_draws_one_escape_figure_per_start_offset() {
    use optzoo::report::{FigureKind, Formats, ReportOptions, write_report};
    use optzoo::runner::SweepOptions;
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("saddles");
    let plan = optzoo::plan::load("saddles").expect("the embedded config is valid");
    optzoo::plan::execute::run_plan(
        &plan,
        &dir,
        SweepOptions {
            jobs: 2,
            fresh: true,
            keep_failed: false,
        },
        &|_| {},
    )
    .expect("the sweep writes its records");
    let written = write_report(
        &dir,
        &ReportOptions {
            out: None,
            formats: Formats {
                svg: true,
                png: false,
                pdf: false,
            },
            kinds: vec![FigureKind::Escape],
            titles: true,
        },
    )
    .expect("the report is written");
    let names: Vec<String> = written
        .figures
        .iter()
        .filter(|(k, _)| *k == FigureKind::Escape)
        .flat_map(|(_, n)| n.clone())
        .collect();
    assert_eq!(names, ["escape-00", "escape-01", "escape-02"]);
    for (name, offset) in names.iter().zip(["1e-10", "1e-8", "1e-6"]) {
        let svg = std::fs::read_to_string(written.out.join("figures").join(format!("{name}.svg")))
            .expect("the figure is written");
        assert!(
            svg.contains(&format!("start_offset={offset}")),
            "{name}: title"
        );
        assert!(svg.contains("theory: gd"), "{name}: the theory line of gd");
        assert!(svg.contains("newton mode=pure (no escape)"), "{name}");
    }
    let page = std::fs::read_to_string(&written.index).expect("the page is written");
    assert!(page.contains("Saddle escape"));
    // A sweep without double wells draws no escape figure.
    let quick = tmp.path().join("quick");
    let plan = optzoo::plan::load("quickstart").expect("embedded");
    optzoo::plan::execute::run_plan(
        &plan,
        &quick,
        SweepOptions {
            jobs: 2,
            fresh: true,
            keep_failed: false,
        },
        &|_| {},
    )
    .expect("runs");
    let written = write_report(
        &quick,
        &ReportOptions {
            out: None,
            formats: Formats {
                svg: true,
                png: false,
                pdf: false,
            },
            kinds: vec![FigureKind::Escape],
            titles: true,
        },
    )
    .expect("the report is written");
    assert!(written.figures.iter().all(|(_, n)| n.is_empty()));
}
