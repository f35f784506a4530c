//! `label`: how tables, legends and compare output name an optimizer configuration. Every optimizer takes
//! one beside its own keys (an external client must); it is recorded in the optimizer's parameters, so it
//! is part of the run id, and it is checked so that no label can pass for a built-in name or hide text.

use crate::params::ParamError;

/// The key.
pub const KEY: &str = "label";

/// The longest label, in characters.
pub const MAX_CHARS: usize = 100;

/// Checks a label: 1 to [`MAX_CHARS`] printable characters (no control, bidirectional or zero-width
/// characters), not reading exactly like a built-in optimizer's name.
pub fn check(label: &str) -> Result<(), ParamError> {
    if label.trim().is_empty()
        || label.chars().count() > MAX_CHARS
        || label.chars().any(|c| c.is_control() || invisible(c))
    {
        return Err(ParamError::key(
            KEY,
            format!(
                "`label` must be 1 to {MAX_CHARS} printable characters (no control, bidirectional or \
                 zero-width characters), got {label:?}"
            ),
        ));
    }
    if super::OPTIMIZERS.iter().any(|o| o.name == label.trim()) {
        return Err(ParamError::key(
            KEY,
            format!(
                "`label` {label:?} reads exactly like a built-in optimizer's name: choose another, so that \
                 tables cannot be misread"
            ),
        ));
    }
    Ok(())
}

/// Takes a built-in optimizer's `label` out of its table, checked: the table without it, and the label.
pub fn take(table: &toml::Table) -> Result<(toml::Table, Option<String>), ParamError> {
    let mut own = table.clone();
    match own.remove(KEY) {
        None => Ok((own, None)),
        Some(toml::Value::String(s)) => {
            check(&s)?;
            Ok((own, Some(s)))
        }
        Some(other) => Err(ParamError::key(
            KEY,
            format!(
                "`label` must be a string, got {} `{other}`",
                other.type_str()
            ),
        )),
    }
}

/// Characters that change how text around them is shown without showing themselves: bidirectional
/// overrides and isolates, zero-width characters, the byte-order mark.
pub fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_checked() {
        assert!(check("heavy ball").is_ok());
        for bad in [
            "",
            "  ",
            "gd",
            " adam ",
            "a\u{202E}b",
            "a\nb",
            &"x".repeat(101),
        ] {
            let e = check(bad).err().map(|e| e.message);
            assert!(e.is_some_and(|m| m.contains("`label`")), "{bad:?}");
        }
        let t: toml::Table = toml::from_str("label = 3\nstep = 0.1").unwrap_or_default();
        let e = take(&t).err().map(|e| e.message).unwrap_or_default();
        assert!(e.contains("must be a string, got integer"), "{e}");
        let t: toml::Table = toml::from_str("label = \"mine\"\nstep = 0.1").unwrap_or_default();
        let (own, label) = take(&t).unwrap_or_default();
        assert_eq!(label.as_deref(), Some("mine"));
        assert!(!own.contains_key(KEY) && own.contains_key("step"));
    }
}
