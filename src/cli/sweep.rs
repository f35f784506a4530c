//! What `run` sweeps: the plan of a config and its results directory.

use std::path::PathBuf;

use crate::registry::Registry;

use super::{BadInput, DEFAULT_CONFIG};

/// What `run` was asked to sweep: a config (default: the museum), its results directory, a shard and the
/// plan's limits.
#[derive(Default)]
pub(super) struct Sweep {
    pub(super) config: Option<String>,
    pub(super) out: Option<PathBuf>,
    pub(super) shard: Option<(usize, usize)>,
    pub(super) limits: crate::plan::Limits,
}

/// The plan of the sweep's config, sharded, and its results directory, checked to be a directory where it
/// exists.
pub(super) fn plan_and_dir(
    registry: &Registry,
    sweep: Sweep,
) -> anyhow::Result<(crate::plan::Plan, PathBuf)> {
    let Sweep {
        config,
        out,
        shard,
        limits,
    } = sweep;
    // No config: the embedded museum, whatever the working directory holds.
    let mut plan = match config {
        Some(arg) => crate::plan::load_with(registry, &arg, limits)?,
        None => crate::plan::load_embedded_with(registry, DEFAULT_CONFIG, limits)?,
    };
    if let Some((k, n)) = shard {
        plan.shard(k, n);
    }
    let dir = out.unwrap_or_else(|| PathBuf::from("results").join(&plan.name));
    if dir.exists() && !dir.is_dir() {
        return Err(BadInput(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        ))
        .into());
    }
    Ok((plan, dir))
}
