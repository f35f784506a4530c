//! A config's `[sharpness]` table, read and checked against the sweep's problems: every instance must offer
//! Hessian-vector products, and a tuned sweep cannot ask for it (its evaluation runs are planned from the
//! trials' results, after planning).

use std::ops::Range;

use toml::Spanned;

use crate::config::grid::{RawTable, span_of};
use crate::config::{ConfigError, SourceText};
use crate::problems::Instance;
use crate::record::SharpnessSpec;

/// A problem instance of the sweep with the text and place it came from.
pub(super) type Placed<'a> = (&'a Instance, &'a SourceText, Range<usize>);

/// The sharpness every run of the sweep measures, or `None` where the config has no `[sharpness]`.
pub(super) fn read(
    src: &SourceText,
    raw: Option<&Spanned<RawTable>>,
    found: &[Placed<'_>],
    tune: Option<Range<usize>>,
) -> Result<Option<SharpnessSpec>, ConfigError> {
    let Some(t) = raw else {
        return Ok(None);
    };
    let table: toml::Table = t
        .get_ref()
        .iter()
        .map(|(k, v)| (k.get_ref().clone(), v.get_ref().clone()))
        .collect();
    let spec = SharpnessSpec::parse(&table).map_err(|e| {
        let span = e
            .key
            .as_deref()
            .and_then(|k| span_of(t.get_ref(), k))
            .unwrap_or(t.span());
        src.error(Some(span), format!("[sharpness]: {}", e.message))
    })?;
    if let Some(tune) = tune {
        return Err(src.error(
            Some(t.span()),
            format!(
                "[sharpness] cannot be combined with [tune] (at {}): a tuned optimizer's evaluation runs are \
                 planned from its trials' results; measure the sharpness in a config of the chosen settings",
                src.locate(Some(tune))
            ),
        ));
    }
    if let Some((inst, isrc, ispan)) = found.iter().find(|(i, ..)| !i.capabilities().hvp) {
        return Err(src.error(
            Some(t.span()),
            format!(
                "[sharpness] needs Hessian-vector products, but problem `{}` {} (at {}) has none; remove \
                 [sharpness] or that problem",
                inst.family,
                inst.params,
                isrc.locate(Some(ispan.clone())),
            ),
        ));
    }
    Ok(Some(spec))
}
