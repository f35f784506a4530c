//! The oracle enforces `max_evals`: an evaluation past the budget ends the step, the run is `max-evals`, and
//! no run records more evaluations than its budget, whatever its optimizer does inside a step.

use super::common;

use common::{optzoo, records, write};

fn config(optimizers: &str, budget: u64) -> String {
    format!(
        "name = \"budget\"\nseeds = [0, 1]\n[[problem]]\nfamily = \"rosenbrock\"\ndim = 2\n\
         [[problem]]\nfamily = \"quadratic\"\ndim = 20\nkappa = 1000\nrotation = \"random\"\n\
         [stop]\ngrad_rtol = 1e-12\nmax_iters = 100000\nmax_evals = {budget}\n{optimizers}"
    )
}

#[test]
fn lbfgs_on_rosenbrock_records_at_most_37_evaluations() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "b.toml",
        &config("[[optimizer]]\nname = \"lbfgs\"\n", 37),
    );
    let out = optzoo(dir.path(), &["run", "b.toml", "--out", "res"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = records(&dir.path().join("res"));
    let rosen: Vec<_> = runs
        .iter()
        .filter(|r| r["spec"]["problem"]["family"] == "rosenbrock")
        .collect();
    assert_eq!(rosen.len(), 2);
    for r in rosen {
        let o = &r["outcome"];
        let evals = o["grad_equiv_evals"].as_u64().expect("a count");
        assert!(evals <= 37, "{}: {evals} evaluations", r["run_id"]);
        assert_eq!(o["status"], "max-evals", "{}", r["run_id"]);
        assert!(o["counts"]["f_evals"].as_u64() <= Some(37));
        assert!(o["counts"]["g_evals"].as_u64() <= Some(37));
        let last = r["trace"]
            .as_array()
            .and_then(|t| t.last())
            .expect("a trace");
        for k in ["f_evals", "g_evals"] {
            assert_eq!(
                last[k], o["counts"][k],
                "the trace ends with the run's counts"
            );
        }
        assert_eq!(
            last["value"], o["final_value"],
            "the final point is the last iterate"
        );
    }
}

#[test]
fn no_optimizer_exceeds_its_budget() {
    let dir = tempfile::tempdir().expect("temp dir");
    let optimizers = [
        "name = \"gd\"\nstep = \"armijo\"",
        "name = \"cg\"",
        "name = \"bfgs\"",
        "name = \"lbfgs\"",
        "name = \"newton\"",
        "name = \"newton-cg\"",
        "name = \"momentum\"\nstep = 0.001\nbeta = 0.9",
        "name = \"adam\"",
    ]
    .iter()
    .map(|o| format!("[[optimizer]]\n{o}\n"))
    .collect::<String>();
    for budget in [1, 2, 7, 37] {
        write(dir.path(), "b.toml", &config(&optimizers, budget));
        let res = format!("res{budget}");
        let out = optzoo(dir.path(), &["run", "b.toml", "--out", &res]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for r in records(&dir.path().join(&res)) {
            let o = &r["outcome"];
            let evals = o["grad_equiv_evals"].as_u64().expect("a count");
            assert!(
                evals <= budget,
                "{} with max_evals = {budget}: {evals} evaluations ({})",
                r["run_id"],
                o["status"]
            );
            assert!(
                ["max-evals", "converged", "not-applicable"]
                    .contains(&o["status"].as_str().unwrap_or("")),
                "{} with max_evals = {budget}: {} {}",
                r["run_id"],
                o["status"],
                o["message"]
            );
        }
    }
}
