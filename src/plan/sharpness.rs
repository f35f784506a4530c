//! A config's `[sharpness]` table, read and checked against the sweep's problems: every instance must offer
//! Hessian-vector products, and a tuned sweep cannot ask for it (its evaluation runs are planned from the
//! trials' results, after planning).

use toml::Spanned;

use super::{Found, located};
use crate::config::grid::RawTable;
use crate::config::{ConfigError, SourceText};
use crate::params::ParamError;
use crate::record::SharpnessSpec;

/// The sharpness every run of the sweep measures, or `None` where the config has no `[sharpness]`.
pub(super) fn read(
    src: &SourceText,
    raw: Option<&Spanned<RawTable>>,
    found: &[Found<'_>],
    tune: &Option<Spanned<crate::tune::parse::RawTune>>,
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
        located(
            src,
            t.get_ref(),
            t.span(),
            ParamError {
                message: format!("[sharpness]: {}", e.message),
                ..e
            },
        )
    })?;
    if let Some(tune) = tune {
        return Err(src.error(
            Some(t.span()),
            format!(
                "[sharpness] cannot be combined with [tune] (at {}): a tuned optimizer's evaluation runs are \
                 planned from its trials' results; measure the sharpness in a config of the chosen settings",
                src.locate(Some(tune.span()))
            ),
        ));
    }
    if let Some((inst, _, isrc, ispan)) = found.iter().find(|(i, ..)| !i.capabilities().hvp) {
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
