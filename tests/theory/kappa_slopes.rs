//! On the embedded `kappa` suite (diagonal quadratics, kappa from 1 to 1e6, linear and log-uniform spectra),
//! the least-squares slope of log iterations on log kappa matches the slope convergence theory predicts.
//!
//! The stop rule is `x_rtol`: `||x_k - x*|| <= x_rtol ||x_0 - x*||`, the quantity the contraction bounds
//! speak of. (A gradient tolerance would flatten the slope: the slowest mode's gradient is `mu` times its
//! distance, already below `grad_rtol ||g_0||` when kappa is large.)

use super::common;
use super::svg;

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
    kappa_studies(&swept(&text))
}

/// Plans the config `text` and runs it in this process: the sweep of its records.
fn swept(text: &str) -> Sweep {
    let src = SourceText {
        name: "kappa-slopes.toml".into(),
        text: text.into(),
        dir: None,
    };
    let plan = optzoo::plan::plan(&src, "kappa-slopes").expect("the test config is valid");
    let records = plan.runs.par_iter().map(optzoo::execute).collect();
    Sweep::new(records, None)
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

/// Gradient descent with step `1/L` needs about `13.8 kappa` iterations to shrink the distance to `x*` a
/// millionfold along the slowest mode (`ln(1e6) / (mu / L)`), and with step `0.1` ten times as many; with
/// 5000 iterations the first converges at kappa 10 and 100 only, the second at kappa 10 only, and optimal
/// heavy ball everywhere.
const THINNED: &str = r#"
name = "thinned"
seeds = [0, 1, 2]

[[problem]]
family = "quadratic"
dim = 20
kappa = [10, 100, 1000]
spectrum = "linear"
rotation = "none"

[stop]
x_rtol = 1e-6
max_iters = 5000

[[optimizer]]
name = "gd"
step = ["1/L", 0.1]

[[optimizer]]
name = "momentum"
variant = "heavy-ball"
step = "optimal"
beta = "optimal"
"#;

#[test]
fn a_slope_says_which_runs_it_left_out_and_is_refused_over_one_kappa() {
    let tmp = tempfile::tempdir().expect("temp dir");
    common::write(tmp.path(), "thinned.toml", THINNED);
    common::run_ok(tmp.path(), &["run", "thinned.toml", "--out", "out"]);
    common::run_ok(
        tmp.path(),
        &["report", "out", "--formats", "svg", "--figures", "kappa"],
    );
    let report = tmp.path().join("out/report");
    let read = |name: &str| {
        std::fs::read_to_string(report.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };

    // The table: the slope row counts the runs left out, and refuses a slope over one kappa.
    let md = read("tables/kappa-00.md");
    let slopes = md
        .lines()
        .find(|l| l.starts_with("| slope: fit (theory) |"))
        .unwrap_or_else(|| panic!("no slope row in\n{md}"));
    let cells: Vec<&str> = slopes
        .trim_matches('|')
        .split(" | ")
        .map(str::trim)
        .collect();
    assert_eq!(cells.len(), 4, "{slopes}");
    assert!(
        cells[1].ends_with(" (1); 3 of 9 runs not converged, at kappa 1000"),
        "gd step=1/L: {}",
        cells[1]
    );
    assert_eq!(
        cells[2], "- (1); no slope: converged at only 1 of 3 kappa values > 1",
        "gd step=0.1"
    );
    assert!(
        !cells[3].contains(';') && cells[3].ends_with(" (0.5)"),
        "heavy ball converged everywhere: {}",
        cells[3]
    );
    let csv = read("tables/kappa-00.csv");
    assert!(
        csv.contains("\nruns at kappa > 1,9,9,9\n")
            && csv.contains("\nnot converged at kappa > 1,3,6,0\n"),
        "{csv}"
    );

    // The figure with every configuration: the legend says the same (an entry wider than the figure is
    // wrapped onto consecutive text elements, joined here with spaces).
    let all = svg::joined_texts(&read("figures/kappa-00-all.svg"));
    let gd = all
        .find("gd step=1/L (slope ")
        .map(|i| &all[i..])
        .unwrap_or_else(|| panic!("no legend entry for gd step=1/L in {all}"));
    assert!(
        gd.split(')')
            .next()
            .is_some_and(|entry| entry.ends_with("; 3 of 9 runs not converged, at kappa 1000")),
        "{gd}"
    );
    assert!(
        all.contains("gd step=0.1 (no slope: converged at only 1 of 3 kappa values > 1)"),
        "{all}"
    );
    assert!(
        all.split("momentum (slope ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .is_some_and(|slope| slope.parse::<f64>().is_ok()),
        "heavy ball's slope stands alone: {all}"
    );
    // The figure of one configuration: its fit line's legend entry.
    let one = svg::joined_texts(&read("figures/kappa-00-00.svg"));
    assert!(
        one.contains("fit: slope ")
            && one.contains("; 3 of 9 runs not converged, at kappa 1000 theory: slope 1"),
        "the fit's legend entry counts the runs left out: {one}"
    );
    let captions = read("figures/captions.md");
    assert!(
        captions.contains("no slope: converged at only 1 of 3 kappa values > 1"),
        "{captions}"
    );
}

/// The combined figure, as rendered: a marker at every kappa for every configuration (the first kappa too), and
/// configurations with the same iterations everywhere (Newton with and without its line search: one step on a
/// quadratic) drawn side by side, not one over the other. The captions say what varies; the parameters every
/// instance shares go to the captions file's details.
#[test]
fn the_combined_figure_marks_every_kappa_and_keeps_coinciding_series_apart() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let text = "name = \"k\"\nseeds = [0]\n[[problem]]\nfamily = \"quadratic\"\ndim = 20\n\
                kappa = [10, 100, 1000]\nrotation = \"none\"\nstart = \"random\"\n\
                [stop]\nx_rtol = 1e-6\nmax_iters = 1000\n\
                [[optimizer]]\nname = \"newton\"\nmode = \"line-search\"\n\
                [[optimizer]]\nname = \"newton\"\nmode = \"pure\"\n";
    common::write(tmp.path(), "k.toml", text);
    common::run_ok(tmp.path(), &["run", "k.toml", "--out", "out"]);
    common::run_ok(
        tmp.path(),
        &["report", "out", "--formats", "svg", "--figures", "kappa"],
    );
    let report = tmp.path().join("out/report");
    let svg = std::fs::read_to_string(report.join("figures/kappa-00-all.svg")).expect("the figure");
    // Filled markers as plotters draws them: one polygon each, its fill the configuration's colour.
    let mut by_colour: std::collections::BTreeMap<String, Vec<(f64, f64)>> = Default::default();
    for shape in svg::shapes(&svg).into_iter().filter(|s| s.polygon) {
        assert!(
            !shape.points.is_empty(),
            "a polygon without points: {shape:?}"
        );
        let n = shape.points.len() as f64;
        let centre = shape
            .points
            .iter()
            .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
        by_colour.entry(shape.fill).or_default().push(centre);
    }
    assert_eq!(by_colour.len(), 2, "two configurations: {by_colour:?}");
    let columns: Vec<Vec<f64>> = by_colour
        .values()
        .map(|centres| {
            // The legend's swatch sits below the plot: the lowest marker of each colour.
            let legend_y = centres.iter().map(|c| c.1).fold(f64::MIN, f64::max);
            let mut xs: Vec<f64> = centres
                .iter()
                .filter(|c| c.1 < legend_y)
                .map(|c| c.0)
                .collect();
            xs.sort_by(f64::total_cmp);
            xs
        })
        .collect();
    for xs in &columns {
        assert_eq!(xs.len(), 3, "a marker at each of three kappas: {columns:?}");
    }
    // One decade of kappa is the distance between neighbouring markers of one configuration.
    let decade = columns[0][1] - columns[0][0];
    for k in 0..3 {
        let apart = (columns[0][k] - columns[1][k]).abs();
        assert!(
            apart > 0.005 * decade && apart < 0.1 * decade,
            "side by side at kappa {}, {apart} px apart (a decade is {decade} px): {columns:?}",
            [10, 100, 1000][k]
        );
    }
    let captions = std::fs::read_to_string(report.join("figures/captions.md")).expect("captions");
    let all = captions
        .split("## ")
        .find(|s| s.starts_with("kappa-00-all"))
        .expect("the combined figure's caption");
    let (particular, details) = all
        .split_once("Instances: ")
        .expect("the shared parameters");
    assert!(
        !particular.contains("dim=20") && details.contains("dim=20 rotation=none"),
        "the shared parameters are details, not the caption: {all}"
    );
}
