//! `optzoo list`: the registries with their parameters, defaults, capabilities and one-line docs.

use std::fmt::Write;

use crate::params::ParamDoc;
use crate::problems::COMMON_PARAMS;
use crate::registry::Registry;

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
        let _ = writeln!(
            out,
            "  Every optimizer also takes:\n    label  = (its name)   how tables, legends and compare output name \
             it (part of the run id; at most 100 printable characters, not a built-in name)"
        );
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
