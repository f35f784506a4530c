//! `optzoo report` writes one outcome table per problem instance (Markdown, CSV, LaTeX) whose numbers are
//! the medians and ranges of the instance's run records, keeps the pooled table with a caption that says what
//! it pools, and gives every LaTeX table a caption with the stop rule and the booktabs note.

use super::common;

use std::path::Path;

use common::{optzoo, records, write};

// Quadratics from random starts, so seeds differ; gd stops at the iteration budget on kappa 1000; the theory
// step is not applicable to Rosenbrock (no curvature bounds).
const CONFIG: &str = r#"
name = "per-instance"
seeds = [0, 1, 2]

[[problem]]
family = "quadratic"
dim = 10
kappa = [10, 1000]
rotation = "random"
start = "random"

[[problem]]
family = "rosenbrock"
dim = 2

[stop]
grad_rtol = 1e-8
max_iters = 200

[[optimizer]]
name = "gd"
step = ["armijo", "1/L"]

[[optimizer]]
name = "newton"
"#;

const STOP: &str = "Stop rule: grad\\_rtol = 1e-8, max\\_iters = 200, diverge\\_factor = 1e10.";

fn run_ok(cwd: &Path, args: &[&str]) {
    let out = optzoo(cwd, args);
    assert!(
        out.status.success(),
        "optzoo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Median, min and max, the median of an even count being the mean of the middle two.
fn spread(mut v: Vec<f64>) -> Option<[f64; 3]> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    let median = if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    };
    Some([median, v[0], v[v.len() - 1]])
}

#[test]
fn each_instance_has_its_own_table_of_medians_and_ranges_and_latex_states_the_stop_rule() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "p.toml", CONFIG);
    run_ok(dir.path(), &["run", "p.toml", "--out", "out"]);
    run_ok(
        dir.path(),
        &["report", "out", "--formats", "svg", "--figures", "kappa"],
    );
    let out = dir.path().join("out");
    let tables = out.join("report/tables");
    let recs = records(&out);

    let instances = [
        ("outcomes-00-quadratic", "quadratic", Some(10.0)),
        ("outcomes-01-quadratic", "quadratic", Some(1000.0)),
        ("outcomes-02-rosenbrock", "rosenbrock", None),
    ];
    let optimizers = [
        ("gd step=armijo", "gd", Some("armijo")),
        ("gd step=1/L", "gd", Some("1/L")),
        ("newton", "newton", None),
    ];
    for (stem, family, kappa) in instances {
        for ext in ["md", "csv", "tex"] {
            assert!(
                tables.join(format!("{stem}.{ext}")).is_file(),
                "{stem}.{ext}"
            );
        }
        let csv = read(&tables.join(format!("{stem}.csv")));
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
        let col = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .unwrap_or_else(|| panic!("{stem}.csv has no column {name}: {header:?}"))
        };
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 3, "{stem}: one row per optimizer configuration");
        for (label, name, step) in optimizers {
            let row = rows
                .iter()
                .find(|r| r[0] == label)
                .unwrap_or_else(|| panic!("{stem}: no row {label}:\n{csv}"));
            let runs: Vec<&serde_json::Value> = recs
                .iter()
                .filter(|r| {
                    r["spec"]["problem"]["family"] == family
                        && kappa.is_none_or(|k| r["spec"]["problem"]["params"]["kappa"] == k)
                        && r["spec"]["optimizer"]["name"] == name
                        && step.is_none_or(|s| r["spec"]["optimizer"]["params"]["step"] == s)
                })
                .collect();
            assert_eq!(row[col("runs")], runs.len().to_string(), "{stem} {label}");
            assert_eq!(runs.len(), 3, "{stem} {label}: one run per seed");
            let ran: Vec<&&serde_json::Value> = runs
                .iter()
                .filter(|r| r["outcome"]["status"] != "not-applicable")
                .collect();
            let of = |f: &dyn Fn(&serde_json::Value) -> f64| {
                spread(ran.iter().map(|r| f(&r["outcome"])).collect())
            };
            let iters = of(&|o| o["iterations"].as_f64().unwrap_or(f64::NAN));
            let evals = of(&|o| o["grad_equiv_evals"].as_f64().unwrap_or(f64::NAN));
            let gaps = of(&|o| {
                o["final_value"].as_f64().unwrap_or(f64::NAN)
                    - o["optimum_value"].as_f64().unwrap_or(f64::NAN)
            });
            for (what, want) in [("iterations", iters), ("evaluations", evals), ("gap", gaps)] {
                for (k, stat) in ["median", "min", "max"].iter().enumerate() {
                    let cell = row[col(&format!("{what}_{stat}"))];
                    match want {
                        None => assert_eq!(cell, "", "{stem} {label} {what}_{stat}"),
                        Some(w) => {
                            let got: f64 = cell.parse().unwrap_or_else(|_| {
                                panic!("{stem} {label} {what}_{stat}: {cell:?}")
                            });
                            assert_eq!(
                                got, w[k],
                                "{stem} {label} {what}_{stat}: {got:e} != {:e}",
                                w[k]
                            );
                        }
                    }
                }
            }
        }
        let md = read(&tables.join(format!("{stem}.md")));
        assert!(
            md.contains("| iterations median [min, max] | evaluations median [min, max] | f - f* median [min, max] |"),
            "{md}"
        );
    }

    // Statuses per instance: gd with Armijo steps runs out of iterations at kappa 1000; the theory step is
    // not applicable to Rosenbrock, and such runs have no statistics.
    let hard = read(&tables.join("outcomes-01-quadratic.md"));
    assert!(hard.contains("max-iters"), "{hard}");
    let rosen = read(&tables.join("outcomes-02-rosenbrock.md"));
    assert!(rosen.contains("not-applicable"), "{rosen}");
    assert!(
        rosen
            .lines()
            .any(|l| l.starts_with("| gd step=1/L | 3 |") && l.ends_with("| - | - | - |")),
        "{rosen}"
    );
    // Seeds start apart on the quadratics: a range is shown.
    let easy = read(&tables.join("outcomes-00-quadratic.md"));
    assert!(
        easy.lines()
            .any(|l| l.starts_with("| gd step=armijo |") && l.contains(" [")),
        "{easy}"
    );

    // Every LaTeX table: the booktabs note, a float with a caption ending in the stop rule, a label.
    let mut tex_files = 0;
    for entry in std::fs::read_dir(&tables).expect("tables/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "tex") {
            continue;
        }
        tex_files += 1;
        let tex = read(&path);
        let name = path.display();
        assert!(
            tex.starts_with(
                "% Uses booktabs: put \\usepackage{booktabs} in the preamble.\n\\begin{table}"
            ),
            "{name}:\n{tex}"
        );
        let caption = tex
            .lines()
            .find(|l| l.starts_with("\\caption{"))
            .unwrap_or_else(|| panic!("{name} has no caption:\n{tex}"));
        assert!(caption.ends_with(&format!("{STOP}}}")), "{name}: {caption}");
        assert!(
            tex.contains("\\label{tab:") && tex.contains("\\toprule"),
            "{name}"
        );
        assert!(tex.ends_with("\\end{tabular}\n\\end{table}\n"), "{name}");
    }
    // Pooled, three instances, museum, one kappa study.
    assert_eq!(tex_files, 6);
    let pooled = read(&tables.join("outcomes.tex"));
    assert!(
        pooled.contains(
            "\\caption{Runs by optimizer configuration and status, pooled over every problem instance. \
             Pooled over all 3 problem instances of the sweep (quadratic, rosenbrock) and 3 seeds"
        ),
        "{pooled}"
    );
    assert!(pooled.contains("over converged runs only"), "{pooled}");

    let page = read(&out.join("report/index.html"));
    assert!(
        page.contains(
            "<h2 id=\"outcomes-per-problem-instance\">Outcomes per problem instance</h2>"
        )
    );
    assert_eq!(page.matches("<h3>Outcomes on ").count(), 3);
    assert!(
        page.contains("Outcomes on quadratic kappa=1000"),
        "instance labels"
    );
    assert!(page.contains("href=\"tables/outcomes-02-rosenbrock.tex\""));
}
