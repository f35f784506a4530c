//! A family declares what its instances offer once (`FamilyConfig::CAPABILITIES`); the problems it builds
//! answer the `Option` methods (`second_order`, `layered`, `stochastic`) as declared, and a `batch_size` is
//! accepted exactly where the built problem draws minibatches.

use optzoo::Capabilities;
use optzoo::problems::{FAMILIES, FamilyConfig, Instance, family};

/// An instance of every registered family (a parameter that narrows a capability, both ways).
const CASES: &[(&str, &str)] = &[
    ("deep-linear", ""),
    ("deep-linear", "depth = 1\nsamples = 20\nin_dim = 4"),
    ("double-well", "index = 1"),
    ("himmelblau", ""),
    ("least-squares", "in_dim = 3\nout_dim = 2\nsamples = 10"),
    ("mgh", "problem = \"rosenbrock\""),
    ("mlp", "widths = [2, 3, 1]\nsamples = 8"),
    ("monkey-saddle", ""),
    ("nqm", "dim = 4"),
    ("quadratic", "dim = 3\nkappa = 10"),
    ("rosenbrock", "dim = 4"),
    ("six-hump-camel", ""),
    ("softmax", "classes = 3\nin_dim = 2\nsamples = 12"),
    ("styblinski-tang", "dim = 3"),
];

fn instance(name: &str, text: &str) -> Result<Instance, String> {
    let table: optzoo::toml::Table = optzoo::toml::from_str(text).expect("valid TOML");
    Instance::parse(family(name).expect("registered"), &table).map_err(|e| e.message)
}

#[test]
fn built_problems_offer_what_their_family_declares() {
    let mut covered = std::collections::BTreeSet::new();
    for (name, text) in CASES {
        let inst = instance(name, text).unwrap_or_else(|e| panic!("{name} {text}: {e}"));
        let declared = inst.capabilities();
        let (problem, _) = inst.build(0).expect("builds");
        assert_eq!(
            problem.second_order().is_some(),
            declared.hessian || declared.hvp,
            "{name} {text}: second order"
        );
        assert_eq!(
            problem.layered().is_some(),
            declared.layers,
            "{name} {text}: layers"
        );
        assert_eq!(
            problem.curvature().is_some(),
            declared.curvature,
            "{name} {text}: curvature bounds"
        );
        // Minibatches: `batch_size` is accepted exactly where the problem draws them.
        let batched = instance(name, &format!("{text}\nbatch_size = 1"));
        assert_eq!(
            batched.is_ok(),
            problem.stochastic().is_some(),
            "{name} {text}: batch_size {batched:?}"
        );
        if let Ok(b) = batched {
            assert!(!b.capabilities().exact, "{name}: minibatches are not exact");
        }
        covered.insert(*name);
    }
    let registered: std::collections::BTreeSet<&str> = FAMILIES.iter().map(|f| f.name).collect();
    assert_eq!(covered, registered, "every registered family needs a case");
}

#[test]
fn the_declaration_is_the_instance_capabilities() {
    use optzoo::problems::{least_squares, mlp, nqm, quadratic, rosenbrock, softmax};
    let of = |name: &str, text: &str| instance(name, text).expect("valid").capabilities();
    assert_eq!(
        of("softmax", "classes = 3\nin_dim = 2\nsamples = 12"),
        softmax::SoftmaxConfig::CAPABILITIES
    );
    assert_eq!(
        of("least-squares", "in_dim = 3\nout_dim = 2\nsamples = 10"),
        least_squares::LeastSquaresConfig::CAPABILITIES
    );
    assert_eq!(
        of("mlp", "widths = [2, 3, 1]\nsamples = 8"),
        mlp::MlpConfig::CAPABILITIES
    );
    assert_eq!(of("nqm", "dim = 4"), nqm::NqmConfig::CAPABILITIES);
    assert_eq!(
        of("quadratic", "dim = 3\nkappa = 10"),
        quadratic::QuadraticConfig::CAPABILITIES
    );
    assert_eq!(
        of("rosenbrock", "dim = 3"),
        rosenbrock::RosenbrockConfig::CAPABILITIES
    );
    assert_eq!(
        rosenbrock::RosenbrockConfig::CAPABILITIES,
        Capabilities::ANALYTIC
    );
    // Networks share one declaration; those with known curvature bounds add them.
    assert_eq!(mlp::MlpConfig::CAPABILITIES, Capabilities::NETWORK);
    assert_eq!(
        softmax::SoftmaxConfig::CAPABILITIES,
        Capabilities {
            curvature: true,
            ..Capabilities::NETWORK
        }
    );
}
