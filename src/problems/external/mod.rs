//! `external`: an objective served by a process of the user's (the loss of a JAX, PyTorch or numpy model),
//! speaking the problem protocol of `docs/problem-protocol.md` on its stdin and stdout. Every built-in
//! optimizer, every external client, tuning, the Hessian diagnostics and the reports run on it unchanged:
//! its evaluations go through the same counting [`crate::oracle::Oracle`] as a built-in family's.
//!
//! **When the process starts.** A config is code, a results folder is data: planning (`run --dry-run`
//! too), `report`, `compare` and `merge` never start it. It starts when the first run of the instance
//! executes (or when `inspect` builds the instance), and serves the instance's later runs on the same worker
//! thread ([`pool`]); at the end of the sweep it is told to stop and its process group is killed.
//!
//! **What the plan knows.** Before the process starts the plan takes the instance to offer everything but
//! layers (K-FAC is `not-applicable` at once), and to know `f*` and `x*`. When a run starts the process's
//! `hello` decides: an optimizer that needs what the process does not offer (Hessian-vector products, a
//! dense Hessian, curvature bounds) is `not-applicable` with the same message as on a built-in family, and
//! `f_tol`, `x_rtol` are silent where the `hello` states no `f*`, `x*`. The memory pre-flight takes the
//! dimension from the optional `dim` key at planning time (checked against the `hello`); without it, the
//! run makes its pre-flight after the `hello`, before the optimizer allocates anything.
//!
//! TOML keys (as for `[[optimizer]] name = "external"`): `command` (required, taken whole), `label`
//! (required), `params` (a table sent in the harness's `hello`; list values are grid axes, each point an
//! instance), `timeout_s` (600: the wall time for the process's start and for each answer), `env`, `files`,
//! `version` (identity, hashed exactly as an external optimizer's: [`crate::external::files`]), `dim`
//! (optional, see above). Every key but `dim` is one an external optimizer takes too: they are declared,
//! listed with their defaults and checked once, in [`crate::external::keys`].

pub mod pool;
pub mod problem;
pub mod server;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;

use super::{Builder, ProblemMemory};
use crate::external::{files, keys};
use crate::params::{ParamDoc, ParamError};
use crate::problem::stochastic::Population;
use crate::problem::{Capabilities, KnownOptimum, Problem};

/// The family's name in configs.
pub const NAME: &str = "external";

/// One line for `optzoo list problems`.
pub const SUMMARY: &str = "an objective served by a process of yours (docs/problem-protocol.md): a JAX, PyTorch or numpy model's loss";

/// The keys of `external`: the keys every external process takes ([`keys`]), in a problem process's words,
/// and `dim`.
pub const PARAMS: &[ParamDoc] = &[
    keys::doc(
        "command",
        "program and arguments of the problem process, e.g. [\"python3\", \"my_model.py\"]; run in the config file's folder",
    ),
    keys::doc(
        "label",
        "how tables, figures and messages name the problem (part of the run id)",
    ),
    keys::doc(
        "params",
        "a table sent to the process in the harness's hello; its list values are grid axes",
    ),
    keys::doc(
        "timeout_s",
        "wall time, in seconds, for the process's start and for each of its answers; then it is killed",
    ),
    keys::doc("env", "environment variables added for the process"),
    keys::doc(
        "files",
        "globs of further files the process runs, relative to the config's folder (hashed into the run id)",
    ),
    keys::doc(
        "version",
        "free text for what the file hashes cannot see, e.g. \"jax 0.4.30\" (part of the run id)",
    ),
    ParamDoc {
        name: "dim",
        default: "none (known at the process's hello)",
        doc: "the dimension the process will announce, for the memory pre-flight before anything starts; checked against its hello",
    },
];

const _: () = assert!(keys::lists_all(PARAMS));

/// The keys whose list value is taken whole, not as a grid axis.
pub const LISTS: &[&str] = keys::LISTS;

keys::external_config! {
    /// The `[[problem]]` table of `family = "external"`, as its runs' specs record it: the keys every external
    /// process takes ([`keys`]) and `dim`.
    pub struct ExternalProblemConfig {
        /// The dimension the process will announce, where the config states it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub dim: Option<usize>,
    }
}

impl ExternalProblemConfig {
    /// Rejects a `dim` out of range, naming the key.
    fn check_dim(&self) -> Result<(), ParamError> {
        if let Some(d) = self.dim
            && !(1..=server::MAX_DIM).contains(&d)
        {
            return Err(ParamError::key(
                "dim",
                format!("`dim` must be in 1..={}, got {d}", server::MAX_DIM),
            ));
        }
        Ok(())
    }
}

/// The longest label, in characters (as an optimizer's).
pub const MAX_LABEL: usize = crate::optimizers::label::MAX_CHARS;

/// Checks a label: 1 to [`MAX_LABEL`] printable characters (no control, bidirectional or zero-width
/// characters), not reading like a built-in family's name.
fn check_label(label: &str) -> Result<(), ParamError> {
    let hidden = |c: char| c.is_control() || crate::optimizers::label::invisible(c);
    if label.trim().is_empty() || label.chars().count() > MAX_LABEL || label.chars().any(hidden) {
        return Err(ParamError::key(
            "label",
            format!(
                "`label` must be 1 to {MAX_LABEL} printable characters (no control, bidirectional or \
                 zero-width characters), got {label:?}"
            ),
        ));
    }
    if super::FAMILIES.iter().any(|f| f.name == label.trim()) {
        return Err(ParamError::key(
            "label",
            format!(
                "`label` {label:?} reads exactly like a built-in family's name: choose another, so that \
                 tables cannot be misread"
            ),
        ));
    }
    Ok(())
}

/// A checked external instance: its config and its pool of processes.
pub struct ExternalBuilder {
    config: ExternalProblemConfig,
    pool: Arc<pool::Pool>,
}

/// Parses and checks an `external` table (the common keys `start`, `start_sigma`, `batch_size` already
/// removed), its relative paths taken from `dir` (the config's folder; the current directory when `None`).
/// Nothing is started.
pub fn parse(
    table: &toml::Table,
    docs: &[ParamDoc],
    dir: Option<&Path>,
) -> Result<Box<dyn Builder>, ParamError> {
    let keys::Parsed { config, dir, .. } = keys::parse(
        table,
        docs,
        dir,
        check_label,
        ExternalProblemConfig::check_dim,
    )?;
    let launch = server::Launch {
        command: files::resolve_program(&config.command, &dir),
        dir,
        env: config
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        timeout: Duration::from_secs_f64(config.timeout_s),
        label: config.label.clone(),
        params: serde_json::Value::Object(config.params.clone()),
    };
    Ok(Box::new(ExternalBuilder {
        config,
        pool: Arc::new(pool::Pool::new(launch)),
    }))
}

impl Builder for ExternalBuilder {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(&self.config).unwrap_or(serde_json::Value::Null)
    }

    /// Everything but layers, until the process's `hello` says (see the module's documentation).
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            curvature: true,
            ..Capabilities::ANALYTIC
        }
    }

    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        self.build_seeded(0, rng)
    }

    fn build_seeded(&self, seed: u64, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        let (mut server, announced) = self.pool.checkout()?;
        if let Some(d) = self.config.dim
            && d != announced.dim
        {
            return Err(server.fault(&format!(
                "the process announced dim {}, the config's `dim` says {d}",
                announced.dim
            )));
        }
        let start = if announced.offers.start {
            server.start_for(seed)?
        } else {
            announced.x0.clone()
        };
        Ok(Box::new(problem::ExternalProblem::new(
            server,
            announced,
            start,
            self.pool.clone(),
        )))
    }

    /// The `dim` key's, or 0 (unknown until the `hello`).
    fn memory(&self) -> ProblemMemory {
        let dim = self.config.dim.unwrap_or(0);
        ProblemMemory {
            dim,
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4, dim as u64),
                ..Default::default()
            },
        }
    }

    fn population(&self) -> Population {
        Population::None
    }

    /// Taken as known until the `hello` says (a tolerance on them is silent where it states none).
    fn known_optimum(&self) -> Option<KnownOptimum> {
        Some(KnownOptimum::BOTH)
    }

    /// The process's start is not counted: it runs apart from the harness's threads.
    fn build_work(&self) -> f64 {
        0.0
    }

    fn release(&self) {
        self.pool.release();
    }
}
