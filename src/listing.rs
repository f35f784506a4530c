//! `optzoo list`: the registries with their parameters, defaults, capabilities and one-line docs, as plain
//! text (the default) or as the Markdown reference (`optzoo list --format markdown`, committed as
//! `docs/reference.md`). Both come from the keys' declarations ([`crate::declare_params!`]), so neither can
//! drift from what the parsers accept.

use std::fmt::Write;

use crate::params::ParamDoc;
use crate::problems::COMMON_PARAMS;
use crate::registry::Registry;

/// How to write the listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Plain text for the terminal.
    #[default]
    Text,
    /// The Markdown reference (`docs/reference.md`).
    Markdown,
}

/// The key every optimizer takes besides its own.
pub const LABEL: ParamDoc = ParamDoc {
    name: crate::optimizers::label::KEY,
    default: "(its name)",
    doc: "how tables, legends and compare output name it (part of the run id; at most 100 printable characters, not a built-in name)",
};

/// What to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Problem families.
    Problems,
    /// Optimizers.
    Optimizers,
    /// Embedded problem suites.
    Suites,
    /// Embedded experiment configs.
    Configs,
}

fn params(out: &mut String, docs: &[ParamDoc]) {
    let w = docs.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in docs {
        let _ = writeln!(out, "    {:<w$}  = {:<12} {}", p.name, p.default, p.doc);
    }
}

/// The listing of one section, or of all of them.
pub fn listing(registry: &Registry, section: Option<Section>) -> String {
    let mut out = String::new();
    let all = section.is_none();
    if all || section == Some(Section::Problems) {
        let _ = writeln!(out, "Problem families (family = \"...\"):");
        for f in registry.families() {
            let _ = writeln!(out, "  {}: {}", f.name, f.summary);
            let _ = writeln!(out, "    offers: {}", offers(f));
            params(&mut out, f.params);
        }
        let _ = writeln!(out, "  Every family also takes:");
        params(&mut out, COMMON_PARAMS);
        let _ = writeln!(out);
    }
    if all || section == Some(Section::Optimizers) {
        let _ = writeln!(out, "Optimizers (name = \"...\"):");
        for o in registry.optimizers() {
            let _ = writeln!(out, "  {}: {}", o.name, o.summary);
            let _ = writeln!(out, "    curvature kept: {}", o.keeps);
            params(&mut out, o.params);
        }
        let _ = writeln!(out, "  Every optimizer also takes:");
        params(&mut out, &[LABEL]);
        let _ = writeln!(out);
    }
    if all || section == Some(Section::Suites) {
        let _ = writeln!(out, "Embedded problem suites (suites = [\"...\"]):");
        for (name, text) in crate::embedded::SUITES {
            let _ = writeln!(out, "  {name}: {}", description(text));
        }
        let _ = writeln!(out);
    }
    if all || section == Some(Section::Configs) {
        let _ = writeln!(out, "Embedded configs (optzoo run NAME):");
        for (name, text) in crate::embedded::CONFIGS {
            let _ = writeln!(out, "  {name}: {}", description(text));
        }
    }
    out
}

fn description(text: &str) -> String {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| {
            t.get("description")
                .and_then(|d| d.as_str())
                .map(str::to_string)
        })
        .unwrap_or_default()
}

/// The command that writes `docs/reference.md`, as its header and its test name it.
pub const REFERENCE_COMMAND: &str = "optzoo list --format markdown > docs/reference.md";

/// The listing of one section, or of all of them, in `format`.
pub fn listing_as(registry: &Registry, section: Option<Section>, format: Format) -> String {
    match format {
        Format::Text => listing(registry, section),
        Format::Markdown => markdown(registry, section),
    }
}

/// A table cell: pipes escaped, so that a doc line's `|H|` stays in its cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn md_params(out: &mut String, docs: &[ParamDoc]) {
    if docs.is_empty() {
        let _ = writeln!(out, "No keys of its own.\n");
        return;
    }
    let _ = writeln!(out, "| key | default | meaning and accepted values |");
    let _ = writeln!(out, "|---|---|---|");
    for p in docs {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} |",
            p.name,
            cell(p.default),
            cell(p.doc)
        );
    }
    let _ = writeln!(out);
}

/// What an optimizer at its defaults needs of a problem, from its checked form: `None` when it cannot be
/// built from its name alone (a required key).
fn needs(entry: &crate::optimizers::OptimizerEntry) -> Option<String> {
    if entry.needs_settings() {
        return None;
    }
    let checked = entry
        .parse_point(
            &toml::Table::new(),
            &crate::optimizers::ParseContext::default(),
        )
        .ok()?;
    Some(beyond_values(checked.optimizer.requires()))
}

/// The names of `capabilities` joined, or that they are values and gradients only.
fn beyond_values(capabilities: crate::problem::Capabilities) -> String {
    let names = capabilities.names();
    if names.is_empty() {
        "values and gradients only".to_string()
    } else {
        names.join(", ")
    }
}

/// What a family's instances offer besides values and gradients, as its declaration says (an instance that
/// draws minibatches, `batch_size`, has no exact values and gradients), and what an instance at the
/// family's defaults lacks of it (a family may narrow its declaration by its keys).
fn offers(family: &crate::problems::Family) -> String {
    let mut text = beyond_values(family.capabilities);
    if let Ok(builder) = (family.parse)(&toml::Table::new(), family.params) {
        let lacks = builder.capabilities().missing(&family.capabilities);
        if !lacks.is_empty() {
            let _ = write!(text, "; not at its defaults: {}", lacks.join(", "));
        }
    }
    text
}

/// The Markdown reference of one section, or of all of them.
pub fn markdown(registry: &Registry, section: Option<Section>) -> String {
    let mut out = String::new();
    let all = section.is_none();
    let _ = writeln!(
        out,
        "<!-- Generated by `{REFERENCE_COMMAND}`; do not edit: change the declarations and regenerate. -->\n"
    );
    let _ = writeln!(out, "# optzoo reference\n");
    let _ = writeln!(
        out,
        "Every key below is declared once, beside the code that reads it; `optzoo list` prints the same \
         declarations as text. A default of `required` must be given; `none` means absent (another key may \
         require it).\n"
    );
    if all || section == Some(Section::Problems) {
        let _ = writeln!(out, "## Problem families (`family = \"...\"`)\n");
        let _ = writeln!(
            out,
            "What a family offers is what an optimizer's needs are matched against before anything runs; an \
             instance that draws minibatches (`batch_size`) offers no exact values and gradients.\n"
        );
        for f in registry.families() {
            let _ = writeln!(out, "### `{}`\n\n{}\n", f.name, f.summary);
            let _ = writeln!(out, "Offers: {}.\n", offers(f));
            md_params(&mut out, f.params);
        }
        let _ = writeln!(out, "### Keys every family takes\n");
        md_params(&mut out, COMMON_PARAMS);
    }
    if all || section == Some(Section::Optimizers) {
        let _ = writeln!(out, "## Optimizers (`name = \"...\"`)\n");
        for o in registry.optimizers() {
            let _ = writeln!(out, "### `{}`\n\n{}\n", o.name, o.summary);
            let _ = writeln!(out, "Curvature kept: {}.\n", o.keeps);
            if let Some(needs) = needs(o) {
                let _ = writeln!(out, "Needs of a problem, at its defaults: {needs}.\n");
            }
            md_params(&mut out, o.params);
        }
        let _ = writeln!(out, "### Keys every optimizer takes\n");
        md_params(&mut out, &[LABEL]);
    }
    if all || section == Some(Section::Suites) {
        let _ = writeln!(out, "## Embedded problem suites (`suites = [\"...\"]`)\n");
        for (name, text) in crate::embedded::SUITES {
            let _ = writeln!(out, "- `{name}`: {}", description(text));
        }
        let _ = writeln!(out);
    }
    if all || section == Some(Section::Configs) {
        let _ = writeln!(out, "## Embedded configs (`optzoo run NAME`)\n");
        for (name, text) in crate::embedded::CONFIGS {
            let _ = writeln!(out, "- `{name}`: {}", description(text));
        }
    }
    out
}
