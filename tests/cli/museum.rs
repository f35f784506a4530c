//! The museum: the default run (no arguments) runs the museum config, writes its report and prints the
//! museum table, whose kappa slopes are theory's; theory is stated per configuration; runs of up to three
//! dimensions record every iterate.

use super::common;
use super::museum_run::museum;

use common::theory_slope;

use optzoo::config::SourceText;
use optzoo::plan::plan;
use optzoo::runner::execute;
use serde_json::json;

/// The cells of the museum table row whose first cell is `label`.
fn row<'a>(table: &'a str, label: &str) -> Vec<&'a str> {
    table
        .lines()
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split(" | ")
                .map(str::trim)
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first() == Some(&label))
        .unwrap_or_else(|| panic!("no row {label:?} in\n{table}"))
}

/// The fitted kappa slope of a row (column 7 of the museum table).
fn slope(table: &str, label: &str) -> f64 {
    let cells = row(table, label);
    cells[6]
        .parse()
        .unwrap_or_else(|_| panic!("row {label:?} has no fitted slope: {cells:?}"))
}

#[test]
fn the_default_run_is_the_museum_with_its_report_and_table() {
    let o = &museum().output;
    let out = museum().results();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let table = &text[text
        .find("The museum")
        .expect("the museum table is printed")..];
    // Iterations against kappa: kappa^1 for gd, kappa^(1/2) for optimal heavy ball, kappa^0 for Newton.
    for gd in ["gd step=armijo", "gd step=1/L"] {
        let s = slope(table, gd);
        assert!((s - 1.0).abs() <= 0.1, "{gd}: slope {s}");
        assert_eq!(row(table, gd)[7], "1", "gd's theory slope");
    }
    let s = slope(table, "momentum");
    assert!((s - 0.5).abs() <= 0.1, "heavy ball: slope {s}");
    assert_eq!(row(table, "momentum")[7], "0.5");
    for newton in ["newton mode=line-search", "newton mode=pure"] {
        let s = slope(table, newton);
        assert!(s.abs() <= 0.05, "{newton}: slope {s}");
    }
    // Adaptive methods have no theory slope; pure Newton is held by the saddle, shifted Newton is not.
    assert_eq!(row(table, "adam")[7], "-");
    assert!(row(table, "newton mode=pure")[8].starts_with("saddle"));
    assert!(row(table, "newton mode=line-search")[8].starts_with("minimum"));
    // Memory: measured, growing as the method states (n^2 for Newton against n for gd's Armijo search).
    let floats = |label: &str| -> f64 {
        row(table, label)[3]
            .split(' ')
            .next()
            .and_then(|f| f.parse().ok())
            .unwrap_or_else(|| panic!("{label}: no measured memory"))
    };
    assert!(floats("newton mode=line-search") > 20.0 * floats("gd step=armijo"));
    // Cost is relative to the first gd configuration, named in the header; time per step is absolute.
    let header = row(table, "optimizer");
    assert_eq!(header[4], "time / step");
    assert_eq!(header[5], "cost / step (x gd step=armijo)");
    assert_eq!(row(table, "gd step=armijo")[5], "1x");
    // The report is written and its page named.
    let index = out.join("report").join("index.html");
    let printed = std::path::Path::new("results/museum/report/index.html");
    assert!(text.contains(&printed.display().to_string()), "{text}");
    let page = std::fs::read_to_string(&index).expect("index.html is written");
    let overview = page
        .find("<h2 id=\"overview\">Overview</h2>")
        .expect("an overview");
    assert!(
        overview
            < page
                .find("<h2 id=\"provenance\">Provenance</h2>")
                .expect("provenance")
    );
    // Captions say what is particular to their figure; the drawing conventions are said once, and kept in
    // full for papers in captions.md.
    let captions =
        std::fs::read_to_string(out.join("report/figures/captions.md")).expect("captions.md");
    assert_eq!(
        page.matches("Thick line: the median").count(),
        1,
        "conventions once on the page"
    );
    assert!(
        captions.matches("Thick line: the median").count() >= 6,
        "{captions}"
    );
    assert!(
        !page.contains('`'),
        "captions and notes without Markdown syntax"
    );
    assert!(page.contains("white-space: nowrap"), "numbers never broken");
    assert!(
        page.contains("(f* = -2.5e-3)"),
        "f* through the number formatter"
    );
    // Seeds that did the same are said once; no theory line is promised where none is drawn.
    assert!(
        page.contains("Did not escape: newton mode=pure at |λ| = 0.1 (1 iteration), 3 seeds."),
        "the saddle-escape caption counts its seeds"
    );
    assert!(
        !page.contains("Dashed: the linear theory"),
        "no theory line drawn in the museum"
    );
    // An introduction and a table of contents come first.
    let toc = page
        .find("<nav class=\"toc\">")
        .expect("a table of contents");
    assert!(
        page.find("This page reports 144 runs")
            .is_some_and(|i| i < toc)
            && toc < overview
    );
    assert!(
        page.contains("kappa-00-all"),
        "the kappa figure is in the overview"
    );
    for ext in ["md", "csv", "tex"] {
        assert!(
            out.join("report/tables")
                .join(format!("museum.{ext}"))
                .is_file()
        );
    }
}

/// A time per step as the museum writes it (`3.6 us`), in seconds.
fn seconds(cell: &str) -> f64 {
    let (number, unit) = cell
        .split_once(' ')
        .unwrap_or_else(|| panic!("{cell:?} is no time"));
    let scale = match unit {
        "s" => 1.0,
        "ms" => 1e-3,
        "us" => 1e-6,
        "ns" => 1e-9,
        other => panic!("{cell:?}: unknown unit {other:?}"),
    };
    number
        .parse::<f64>()
        .unwrap_or_else(|_| panic!("{cell:?} is no time"))
        * scale
}

/// The cost ratio of a museum row (`1.4x`).
fn ratio(cells: &[&str]) -> f64 {
    cells[5]
        .strip_suffix('x')
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no cost ratio in {cells:?}"))
}

#[test]
fn with_a_client_first_cost_is_relative_to_gd_and_the_client_memory_is_not_measured() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let client = common::root().join("tests/clients/gd.py");
    let command = toml::Value::String(client.to_string_lossy().into_owned());
    common::write(
        tmp.path(),
        "client-first.toml",
        &format!(
            "name = \"client-first\"\nseeds = [0, 1]\n\
             [[problem]]\nfamily = \"quadratic\"\ndim = 50\nkappa = 10\n\
             [stop]\ngrad_rtol = 1e-6\nmax_iters = 300\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"py-gd\"\ncommand = [\"python3\", {command}]\n\
             params = {{ lr = 0.5 }}\n\
             [[optimizer]]\nname = \"adam\"\n\
             [[optimizer]]\nname = \"lbfgs\"\n\
             [[optimizer]]\nname = \"gd\"\nstep = 0.5\n"
        ),
    );
    common::run_ok(tmp.path(), &["run", "client-first.toml", "--out", "out"]);
    common::run_ok(tmp.path(), &["report", "out", "--formats", "svg"]);
    let table = std::fs::read_to_string(tmp.path().join("out/report/tables/museum.md"))
        .expect("the museum table is written");
    let header = row(&table, "optimizer");
    assert_eq!(header[5], "cost / step (x gd)", "{table}");
    assert_eq!(header[4], "time / step", "{table}");
    assert_eq!(row(&table, "gd")[5], "1x", "{table}");
    // Built-ins against a built-in: within a factor of a hundred of gd's step, not `0.00x` against the
    // client's round trips.
    for label in ["adam", "lbfgs"] {
        let r = ratio(&row(&table, label));
        assert!((0.01..100.0).contains(&r), "{label}: {r:e}\n{table}");
    }
    // Every row has an absolute time per step, and the client's includes its round trips.
    for label in ["py-gd", "adam", "lbfgs", "gd"] {
        let t = seconds(row(&table, label)[4]);
        assert!(t > 0.0 && t < 1.0, "{label}: {t:e}\n{table}");
    }
    let client_row = row(&table, "py-gd");
    assert_eq!(client_row[2], "held by the client process");
    assert_eq!(client_row[3], "not measured (client process)", "{table}");
}

#[test]
fn theory_slopes_are_those_of_the_configuration() {
    let fixed = theory_slope(
        "momentum",
        &json!({"variant": "heavy-ball", "step": 0.01, "beta": 0.9}),
    );
    assert_eq!(fixed.map(|t| t.slope), Some(1.0), "fixed-step momentum");
    let optimal = theory_slope(
        "momentum",
        &json!({"variant": "heavy-ball", "step": "optimal", "beta": "optimal"}),
    );
    assert_eq!(optimal.map(|t| t.slope), Some(0.5), "optimal heavy ball");
    for adaptive in ["adam", "rmsprop", "adagrad"] {
        assert_eq!(theory_slope(adaptive, &json!({})), None, "{adaptive}");
    }
    assert_eq!(
        theory_slope("newton", &json!({})).map(|t| t.slope),
        Some(0.0)
    );
}

#[test]
fn runs_of_up_to_three_dimensions_record_every_iterate() {
    let src = SourceText {
        name: "paths.toml".into(),
        text: r#"
            seeds = [0]
            [[problem]]
            family = "rosenbrock"
            dim = [2, 3, 4]
            [stop]
            max_iters = 500
            [[optimizer]]
            name = "gd"
            step = "armijo"
        "#
        .into(),
        dir: None,
    };
    let plan = plan(&src, "paths").unwrap_or_else(|e| panic!("{e:#}"));
    for run in &plan.runs {
        let r = execute(run);
        let n = r.outcome.dim;
        assert!(r.outcome.iterations > 100, "a long enough run");
        if n <= 3 {
            assert_eq!(r.trace.len() as u64, r.outcome.iterations + 1, "n = {n}");
            for (k, p) in r.trace.iter().enumerate() {
                assert_eq!(p.iter, k as u64);
                assert_eq!(
                    p.x.as_ref().map(Vec::len),
                    Some(n),
                    "n = {n}: the point is kept"
                );
            }
        } else {
            assert!(
                (r.trace.len() as u64) < r.outcome.iterations,
                "n = {n}: the log-spaced ladder"
            );
        }
    }
}
