//! Problem suites and experiment configs embedded in the binary, so optzoo runs from any directory.

/// The embedded problem suites: (name, file text).
pub const SUITES: &[(&str, &str)] = &[
    ("kappa", include_str!("../problems/kappa.toml")),
    ("mgh", include_str!("../problems/mgh.toml")),
    ("networks", include_str!("../problems/networks.toml")),
    ("rosenbrock", include_str!("../problems/rosenbrock.toml")),
    ("saddles", include_str!("../problems/saddles.toml")),
];

/// The embedded experiment configs: (name, file text).
pub const CONFIGS: &[(&str, &str)] = &[
    (
        "edge-of-stability",
        include_str!("../configs/edge-of-stability.toml"),
    ),
    ("museum", include_str!("../configs/museum.toml")),
    ("nqm", include_str!("../configs/nqm.toml")),
    ("nqm-paper", include_str!("../configs/nqm-paper.toml")),
    ("optimizers", include_str!("../configs/optimizers.toml")),
    ("paper", include_str!("../configs/paper.toml")),
    ("quickstart", include_str!("../configs/quickstart.toml")),
    ("tuned", include_str!("../configs/tuned.toml")),
    ("saddles", include_str!("../configs/saddles.toml")),
];

/// An embedded suite by name.
pub fn suite(name: &str) -> Option<&'static str> {
    SUITES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// An embedded config by name.
pub fn config(name: &str) -> Option<&'static str> {
    CONFIGS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
