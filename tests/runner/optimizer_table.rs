//! The registry-wide table: every registered optimizer runs on one shared set of problems through the harness
//! and must converge, or end in the limitation its documentation states. The table must cover the registry
//! exactly, so an optimizer added without a case fails here. Also: a sweep of every optimizer over the
//! embedded `kappa` and `rosenbrock` suites ends every run in a status.

use std::collections::BTreeSet;

use optzoo::config::SourceText;
use optzoo::optimizers::OPTIMIZERS;
use optzoo::plan::plan;
use optzoo::runner::execute;
use optzoo::{RunRecord, Status};

/// The shared problems, in this order: a rotated ill-conditioned quadratic (curvature known, Hessian
/// available), Rosenbrock in 2 dimensions, chained Rosenbrock in 10 (curvature unknown, Hessian available).
const PROBLEMS: &str = "\
[[problem]]
family = \"quadratic\"
dim = 20
kappa = 100
spectrum = \"log-uniform\"
rotation = \"random\"

[[problem]]
family = \"rosenbrock\"
dim = [2, 10]
";

/// One stop rule for every case.
const STOP: &str = "[stop]\ngrad_rtol = 1e-6\nmax_iters = 50000\n";

/// What a case must end in on one problem: a status, and why when it is not `converged`.
type Expect = (Status, &'static str);

const CONVERGES: Expect = (Status::Converged, "");

/// One row: an optimizer with its settings (TOML keys beside `name`) and the outcome on each problem.
struct Case {
    name: &'static str,
    settings: &'static str,
    expect: [Expect; 3],
}

const NO_LAYERS: Expect = (
    Status::NotApplicable,
    "K-FAC needs layered structure (least-squares, mlp, softmax); its own tests cover those",
);

const NO_CURVATURE: Expect = (
    Status::NotApplicable,
    "\"optimal\" parameters need the curvature bounds mu, L, which Rosenbrock does not have",
);

const NO_NOISE_MODEL: Expect = (
    Status::NotApplicable,
    "exact mode needs the nqm family's diagonal noise model; tests/theory/nqm_exact.rs covers it there",
);

/// An external client: gradient descent in Python (standard library only), `lr` in `params`.
macro_rules! gd_client {
    () => {
        concat!(
            "label = \"py-gd\"\ncommand = [\"python3\", \"",
            env!("CARGO_MANIFEST_DIR"),
            "/tests/clients/gd.py\"]\n"
        )
    };
}

const CASES: &[Case] = &[
    Case {
        name: "adagrad",
        settings: "lr = 1.0",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "adam",
        settings: "",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "bfgs",
        settings: "",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "cg",
        settings: "",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "external",
        settings: concat!(gd_client!(), "params = { lr = 1.0 }"),
        expect: [
            CONVERGES,
            (
                Status::Diverged,
                "the client is gradient descent with step 1 = 1/L of the quadratic, far beyond 2/L on Rosenbrock (L ~ 1e3)",
            ),
            (
                Status::Diverged,
                "the client is gradient descent with step 1 = 1/L of the quadratic, far beyond 2/L on Rosenbrock (L ~ 1e3)",
            ),
        ],
    },
    Case {
        name: "gd",
        settings: "step = \"armijo\"",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "gd",
        settings: "step = \"2/(L+mu)\"",
        expect: [CONVERGES, NO_CURVATURE, NO_CURVATURE],
    },
    Case {
        name: "kfac",
        settings: "",
        expect: [NO_LAYERS; 3],
    },
    Case {
        name: "lbfgs",
        settings: "",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "momentum",
        settings: "variant = \"heavy-ball\"",
        expect: [CONVERGES, NO_CURVATURE, NO_CURVATURE],
    },
    Case {
        name: "momentum",
        settings: "variant = \"nesterov\"",
        expect: [CONVERGES, NO_CURVATURE, NO_CURVATURE],
    },
    Case {
        name: "momentum",
        settings: "variant = \"heavy-ball\"\nstep = 1e-3\nbeta = 0.9",
        expect: [
            (
                Status::MaxIters,
                "a fixed step small enough for Rosenbrock (L ~ 1e3) is a thousand times below the quadratic's 1/L = 1",
            ),
            CONVERGES,
            CONVERGES,
        ],
    },
    Case {
        name: "newton",
        settings: "mode = \"pure\"",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "newton",
        settings: "mode = \"line-search\"",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "newton",
        settings: "mode = \"damped\"",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "newton",
        settings: "mode = \"saddle-free\"",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "newton-cg",
        settings: "",
        expect: [CONVERGES; 3],
    },
    Case {
        name: "nqm-exact",
        settings: "",
        expect: [NO_NOISE_MODEL; 3],
    },
    Case {
        name: "nqm-exact-momentum",
        settings: "beta = 0.9",
        expect: [NO_NOISE_MODEL; 3],
    },
    Case {
        name: "rmsprop",
        settings: "lr = 1e-2\nbeta2 = 0.999",
        expect: [
            CONVERGES,
            (
                Status::MaxIters,
                "without momentum, constant-lr RMSprop oscillates across Rosenbrock's valley at an amplitude set by lr",
            ),
            (
                Status::MaxIters,
                "without momentum, constant-lr RMSprop oscillates across Rosenbrock's valley at an amplitude set by lr",
            ),
        ],
    },
];

fn run(text: &str) -> Vec<RunRecord> {
    let src = SourceText {
        name: "table.toml".into(),
        text: text.into(),
        dir: None,
    };
    let plan = plan(&src, "table").unwrap_or_else(|e| panic!("{e:#}"));
    plan.runs.iter().map(execute).collect()
}

#[test]
fn every_registered_optimizer_passes_the_shared_table() {
    let mut failures = Vec::new();
    for case in CASES {
        let records = run(&format!(
            "{PROBLEMS}\n{STOP}\n[[optimizer]]\nname = \"{}\"\n{}\n",
            case.name, case.settings
        ));
        assert_eq!(records.len(), 3, "{} {}", case.name, case.settings);
        for (r, (status, why)) in records.iter().zip(&case.expect) {
            let o = &r.outcome;
            if o.status != *status {
                failures.push(format!(
                    "{} [{}] on {} {}: {} (expected {status}{}{}), {} iterations, ||g|| = {:e}, message {:?}",
                    case.name,
                    case.settings.replace('\n', ", "),
                    r.spec.problem.family,
                    r.spec.problem.params,
                    o.status,
                    if why.is_empty() { "" } else { ": " },
                    why,
                    o.iterations,
                    o.final_grad_norm,
                    o.message
                ));
            }
            if o.status == Status::Converged {
                assert!(
                    o.final_grad_norm <= 1e-6 * o.initial_grad_norm,
                    "{}: converged with ||g|| = {:e}",
                    case.name,
                    o.final_grad_norm
                );
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    let covered: BTreeSet<&str> = CASES.iter().map(|c| c.name).collect();
    let registered: BTreeSet<&str> = OPTIMIZERS.iter().map(|o| o.name).collect();
    assert_eq!(
        covered, registered,
        "every registered optimizer needs a case"
    );
}

#[test]
fn every_optimizer_sweeps_the_kappa_and_rosenbrock_suites_to_a_status() {
    // Every registered optimizer with its defaults, plus the other modes and variants, a few iterations each.
    let mut text = String::from(
        "suites = [\"kappa\", \"rosenbrock\"]\n[stop]\ngrad_rtol = 1e-6\nmax_iters = 25\n",
    );
    for o in OPTIMIZERS {
        text.push_str(&format!("[[optimizer]]\nname = \"{}\"\n", o.name));
        // An external client's keys have no defaults: gradient descent with a step that is stable on both
        // suites.
        if o.needs_settings() {
            text.push_str(concat!(gd_client!(), "params = { lr = 1e-3 }\n"));
        }
    }
    text.push_str(
        "[[optimizer]]\nname = \"newton\"\nmode = [\"pure\", \"damped\", \"saddle-free\"]\n\
         [[optimizer]]\nname = \"momentum\"\nvariant = \"nesterov\"\n\
         [[optimizer]]\nname = \"momentum\"\nvariant = \"nesterov\"\nstep = 1e-4\nbeta = \"schedule\"\n",
    );
    let src = SourceText {
        name: "sweep.toml".into(),
        text,
        dir: None,
    };
    let plan = plan(&src, "sweep").unwrap_or_else(|e| panic!("{e:#}"));
    let names: BTreeSet<&str> = plan.optimizers.iter().map(|(n, _)| n.as_str()).collect();
    let registered: BTreeSet<&str> = OPTIMIZERS.iter().map(|o| o.name).collect();
    assert_eq!(names, registered);
    let families: BTreeSet<&str> = plan.instances.iter().map(|i| i.family).collect();
    assert_eq!(families, BTreeSet::from(["quadratic", "rosenbrock"]));
    let mut counts = std::collections::BTreeMap::new();
    for run in &plan.runs {
        let r = execute(run);
        let o = &r.outcome;
        let what = format!(
            "{} {} on {} {}",
            r.spec.optimizer.name,
            r.spec.optimizer.params,
            r.spec.problem.family,
            r.spec.problem.params
        );
        assert!(
            !o.message.as_deref().unwrap_or("").starts_with("panic"),
            "{what}: {:?}",
            o.message
        );
        // Not applicable exactly where the instance lacks what the optimizer requires; exact mode asks the
        // problem for its noise model at the start, which only `nqm` has.
        let missing = run
            .instance
            .capabilities()
            .missing(&run.optimizer.optimizer.requires());
        let exact_mode =
            r.spec.optimizer.name.starts_with("nqm-exact") && r.spec.problem.family != "nqm";
        assert_eq!(
            o.status == Status::NotApplicable,
            !missing.is_empty() || exact_mode,
            "{what}: {} ({:?})",
            o.status,
            o.message
        );
        // With 25 iterations, every applicable run either converges or runs out of iterations: no method
        // fails or diverges on these suites.
        assert!(
            matches!(
                o.status,
                Status::Converged | Status::MaxIters | Status::NotApplicable
            ),
            "{what}: {} ({:?})",
            o.status,
            o.message
        );
        *counts.entry(o.status).or_insert(0u32) += 1;
    }
    assert!(counts.get(&Status::Converged).copied().unwrap_or(0) > 0);
}

#[test]
fn the_embedded_optimizers_config_covers_the_registry() {
    let plan = optzoo::plan::load("optimizers").unwrap_or_else(|e| panic!("{e:#}"));
    let names: BTreeSet<&str> = plan.optimizers.iter().map(|(n, _)| n.as_str()).collect();
    // An optimizer with required keys (an external client's command) has no setting an embedded config
    // could run everywhere.
    let registered: BTreeSet<&str> = OPTIMIZERS
        .iter()
        .filter(|o| !o.needs_settings())
        .map(|o| o.name)
        .collect();
    assert_eq!(
        names, registered,
        "configs/optimizers.toml runs every optimizer that needs no client"
    );
    let families: BTreeSet<&str> = plan.instances.iter().map(|i| i.family).collect();
    assert_eq!(
        families,
        BTreeSet::from(["least-squares", "mlp", "quadratic", "rosenbrock", "softmax"]),
        "the kappa, rosenbrock and networks suites"
    );
}
