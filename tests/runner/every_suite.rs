//! Every registered optimizer over every embedded suite finishes every run with a status: no harness failure
//! (a panic, or a problem that fails to build), whatever the optimizer makes of the problem.

use optzoo::config::SourceText;
use optzoo::embedded::SUITES;
use optzoo::optimizers::OPTIMIZERS;
use optzoo::plan::plan;
use optzoo::runner::execute;
use optzoo::{RunRecord, Status};
use rayon::prelude::*;

#[test]
fn every_optimizer_over_every_suite_ends_in_a_status() {
    let suites: Vec<String> = SUITES.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let mut text = format!("suites = [{}]\n[stop]\nmax_iters = 15\n", suites.join(", "));
    for o in OPTIMIZERS {
        // Defaults, except theory steps: gd's default is Armijo, momentum's "optimal" is not-applicable where
        // curvature is unknown, which is itself a status worth covering.
        text.push_str(&format!("[[optimizer]]\nname = \"{}\"\n", o.name));
        // An external client's keys have no defaults: gradient descent in Python, standard library only.
        if o.needs_settings() {
            text.push_str(concat!(
                "label = \"py-gd\"\ncommand = [\"python3\", \"",
                env!("CARGO_MANIFEST_DIR"),
                "/tests/clients/gd.py\"]\nparams = { lr = 1e-3 }\n"
            ));
        }
    }
    let src = SourceText {
        name: "every-suite.toml".into(),
        text,
        dir: None,
    };
    let plan = plan(&src, "every-suite").unwrap_or_else(|e| panic!("{e:#}"));
    let records: Vec<RunRecord> = plan.runs.par_iter().map(execute).collect();
    assert!(records.len() >= 100, "{} runs", records.len());
    let mut harness_failures = Vec::new();
    for r in &records {
        let message = r.outcome.message.as_deref().unwrap_or("");
        if message.starts_with("panic") || message.starts_with("building the problem failed") {
            harness_failures.push(format!(
                "{} on {} {}: {message}",
                r.spec.optimizer.name, r.spec.problem.family, r.spec.problem.params
            ));
        }
        if r.outcome.status != Status::NotApplicable {
            assert!(
                r.outcome.initial_value.is_finite(),
                "{}: f(x0) is not finite",
                r.run_id
            );
        }
    }
    assert!(
        harness_failures.is_empty(),
        "\n{}",
        harness_failures.join("\n")
    );
    // Every family of every suite was reached by at least one applicable run.
    let families: std::collections::BTreeSet<&str> = records
        .iter()
        .filter(|r| r.outcome.status != Status::NotApplicable)
        .map(|r| r.spec.problem.family.as_str())
        .collect();
    let planned: std::collections::BTreeSet<&str> =
        plan.instances.iter().map(|i| i.family).collect();
    assert_eq!(families, planned);
}
