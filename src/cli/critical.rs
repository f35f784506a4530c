//! `optzoo critical`: the census of critical points.

use std::io::IsTerminal;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::registry::Registry;

use super::BadInput;

/// `optzoo critical`: the census, with a progress bar on an interactive terminal, then its files.
pub(super) fn critical(
    registry: &Registry,
    family: &str,
    params: &[String],
    options: crate::census::CensusOptions,
    out: &std::path::Path,
    titles: bool,
) -> anyhow::Result<()> {
    let table = crate::inspect::parse_params(params).map_err(|e| BadInput(e.0))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(options.starts as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} starts  {elapsed_precise} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let tick = || {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let census = crate::census::census(registry, family, &table, options, &tick)
        .map_err(|e| BadInput(e.0))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    print!("{}", crate::census::output::summary(&census));
    let files = crate::census::output::write(&census, out, titles).context("writing the census")?;
    for f in files {
        println!("  {}", f.display());
    }
    Ok(())
}
