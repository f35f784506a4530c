//! `optzoo list`: the registries.

use crate::listing::{self, Section};
use crate::registry::Registry;

use super::ListWhat;

/// Prints the registries' listing, of one section or of all, as plain text or as the Markdown reference.
pub(super) fn list(
    r: &Registry,
    what: Option<ListWhat>,
    format: listing::Format,
) -> anyhow::Result<()> {
    print!(
        "{}",
        listing::listing_as(
            r,
            what.map(|w| match w {
                ListWhat::Problems => Section::Problems,
                ListWhat::Optimizers => Section::Optimizers,
                ListWhat::Suites => Section::Suites,
                ListWhat::Configs => Section::Configs,
            }),
            format
        )
    );
    Ok(())
}
