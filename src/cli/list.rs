//! `optzoo list`: the registries.

use crate::listing::{self, Section};
use crate::registry::Registry;

use super::ListWhat;

/// Prints the registries' listing, of one section or of all.
pub(super) fn list(r: &Registry, what: Option<ListWhat>) -> anyhow::Result<()> {
    print!(
        "{}",
        listing::listing(
            r,
            what.map(|w| match w {
                ListWhat::Problems => Section::Problems,
                ListWhat::Optimizers => Section::Optimizers,
                ListWhat::Suites => Section::Suites,
                ListWhat::Configs => Section::Configs,
            })
        )
    );
    Ok(())
}
