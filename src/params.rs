//! Parameters of registry entries: parsing a TOML table into a typed config, and errors that name the key.
//!
//! Families and optimizers share this path: TOML table -> `XxxConfig` (serde, `deny_unknown_fields`,
//! documented defaults) -> `check()`. A [`ParamError`] names the offending key so that the config layer can
//! point at its line and column.

use serde::de::DeserializeOwned;

pub mod declare;

pub use declare::{Choice, NumberOr};

/// A rejected parameter: which key (where one is to blame) and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ParamError {
    /// The key at fault, if the error concerns one key.
    pub key: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ParamError {
    /// An error about one key.
    pub fn key(key: &str, message: impl Into<String>) -> Self {
        ParamError {
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    /// An error about the table as a whole.
    pub fn table(message: impl Into<String>) -> Self {
        ParamError {
            key: None,
            message: message.into(),
        }
    }
}

/// Documentation of one parameter, shown by `optzoo list`.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    /// The TOML key.
    pub name: &'static str,
    /// The default, as TOML would spell it, or `"required"`.
    pub default: &'static str,
    /// One line: meaning and accepted values.
    pub doc: &'static str,
}

/// Deserializes a table into a typed config, turning serde's message into a [`ParamError`] with its key.
pub fn from_table<C: DeserializeOwned>(
    table: &toml::Table,
    valid: &[ParamDoc],
) -> Result<C, ParamError> {
    let config = table.clone().try_into::<C>().map_err(|e| {
        let message = plain_types(e.message());
        if let Some(name) = between(&message, "unknown field `", "`") {
            let known: Vec<&str> = valid.iter().map(|p| p.name).collect();
            let hint = crate::config::suggest::did_you_mean(name, &known);
            return ParamError::key(
                name,
                format!(
                    "unknown key `{name}`{hint}; valid keys: {}",
                    known.join(", ")
                ),
            );
        }
        if let Some(name) = between(&message, "missing field `", "`") {
            return ParamError::table(format!("missing required key `{name}`"));
        }
        // toml appends the key path as a last line "in `a.b`".
        let text = e.to_string();
        let key = text
            .lines()
            .last()
            .and_then(|l| between(l, "in `", "`"))
            .map(str::to_string);
        match key {
            Some(k) => match unknown_word(&k, &message) {
                Some(better) => ParamError::key(&k, better),
                None => ParamError::key(&k.clone(), format!("`{k}`: {message}")),
            },
            None => ParamError::table(message),
        }
    })?;
    // A declared struct fills a required key with a placeholder: its absence is found here, after unknown
    // keys and wrong types (which serde reports first).
    match valid
        .iter()
        .find(|p| p.default == "required" && !table.contains_key(p.name))
    {
        Some(missing) => Err(ParamError::table(format!(
            "missing required key `{}`",
            missing.name
        ))),
        None => Ok(config),
    }
}

/// A word that is not one of a choice's (serde's "unknown variant `x`, expected one of `a`, `b`", or a
/// [`NumberOr`]'s "expected a number or one of ..."), said as [`one_of`] says it, with a suggestion.
fn unknown_word(key: &str, message: &str) -> Option<String> {
    let word = between(message, "unknown variant `", "`")?;
    let (_, tail) = message.split_once(", expected ")?;
    let words: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    let hint = crate::config::suggest::did_you_mean(word, &words);
    let number = if tail.starts_with("a number or") {
        "a number or "
    } else {
        ""
    };
    Some(format!(
        "`{key}` = \"{word}\" is not valid{hint}; expected {number}one of: {}",
        words.join(", ")
    ))
}

/// Serde names Rust types ("expected usize"); a config's reader wants TOML words.
fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, plain) in [
        ("expected usize", "expected a whole number >= 0"),
        ("expected u64", "expected a whole number >= 0"),
        ("expected u32", "expected a whole number >= 0"),
        ("expected f64", "expected a number"),
    ] {
        out = out.replace(rust, plain);
    }
    out
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let len = s[start..].find(close)?;
    Some(&s[start..start + len])
}

/// Checks that `value` is finite and strictly positive.
pub fn positive(key: &str, value: f64) -> Result<(), ParamError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(ParamError::key(
            key,
            format!("`{key}` must be a finite number > 0, got {value}"),
        ))
    }
}

/// Checks that `value` is finite and lies in `[lo, hi]`.
pub fn in_range(key: &str, value: f64, lo: f64, hi: f64) -> Result<(), ParamError> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(ParamError::key(
            key,
            format!("`{key}` must be a finite number in [{lo}, {hi}], got {value}"),
        ))
    }
}

/// Checks that `value` is one of `allowed`.
pub fn one_of(key: &str, value: &str, allowed: &[&str]) -> Result<(), ParamError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        let hint = crate::config::suggest::did_you_mean(value, allowed);
        Err(ParamError::key(
            key,
            format!(
                "`{key}` = \"{value}\" is not valid{hint}; expected one of: {}",
                allowed.join(", ")
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Demo {
        dim: usize,
        #[serde(default)]
        kappa: f64,
    }

    const DOCS: &[ParamDoc] = &[
        ParamDoc {
            name: "dim",
            default: "required",
            doc: "",
        },
        ParamDoc {
            name: "kappa",
            default: "1",
            doc: "",
        },
    ];

    fn table(s: &str) -> toml::Table {
        toml::from_str(s).expect("test tables are valid TOML")
    }

    #[test]
    fn errors_name_their_key() {
        let e = from_table::<Demo>(&table("dim = 2\nkapa = 3"), DOCS).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("kapa"));
        assert!(e.message.contains("did you mean `kappa`"), "{}", e.message);
        let e = from_table::<Demo>(&table("dim = \"x\""), DOCS).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("dim"));
        let e = from_table::<Demo>(&table("kappa = 3"), DOCS).unwrap_err();
        assert_eq!(e.key, None);
        assert!(e.message.contains("missing required key `dim`"));
    }

    #[test]
    fn range_checks_reject_nan() {
        assert!(positive("step", f64::NAN).is_err());
        assert!(in_range("beta", 1.5, 0.0, 1.0).is_err());
        assert!(in_range("beta", 0.5, 0.0, 1.0).is_ok());
    }
}
