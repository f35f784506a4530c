//! Config errors that say where: file, line, column, key, and what was expected.

use std::ops::Range;
use std::path::PathBuf;

/// A rejected config: every variant names the file, and where possible the line, column and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file that cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// The path as given.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A config name that is neither a file nor an embedded config.
    #[error("{0}")]
    NotFound(String),
    /// A value or structure that is invalid, at a place in a file.
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        /// The file's display name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what was expected.
        message: String,
    },
}

/// A config text with its display name, for locating spans.
#[derive(Debug, Clone)]
pub struct SourceText {
    /// The display name: a path, or `problems/NAME.toml (embedded)`.
    pub name: String,
    /// The text.
    pub text: String,
    /// The directory that relative suite paths are taken from (none for embedded texts).
    pub dir: Option<PathBuf>,
}

impl SourceText {
    /// An error at byte span `span` of this text.
    pub fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        let (line, column) = self.position(span);
        ConfigError::Invalid {
            file: self.name.clone(),
            line,
            column,
            message: message.into(),
        }
    }

    /// The 1-based (line, column) of the start of `span` (the file's start where there is none).
    pub fn position(&self, span: Option<Range<usize>>) -> (usize, usize) {
        let mut offset = span.map(|s| s.start).unwrap_or(0).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map(|l| l.chars().count())
            .unwrap_or(0)
            + 1;
        (line, column)
    }

    /// `file:line:column` of the start of `span`.
    pub fn locate(&self, span: Option<Range<usize>>) -> String {
        let (line, column) = self.position(span);
        format!("{}:{line}:{column}", self.name)
    }

    /// Turns a TOML parse or schema error into a located one.
    pub fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let mut message = e.message().trim().to_string();
        if let Some(rest) = message.strip_prefix("unknown field `")
            && let Some((name, expected)) = rest.split_once("`, expected ")
        {
            let known: Vec<&str> = expected
                .split(['`', ',', ' '])
                .filter(|w| !w.is_empty() && *w != "or" && *w != "one" && *w != "of")
                .collect();
            let hint = super::suggest::did_you_mean(name, &known);
            message = format!(
                "unknown key `{name}`{hint}; valid keys: {}",
                known.join(", ")
            );
        }
        self.error(e.span(), message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_become_lines_and_columns() {
        let s = SourceText {
            name: "x.toml".into(),
            text: "a = 1\nbb = 2\n".into(),
            dir: None,
        };
        let e = s.error(Some(9..10), "bad");
        assert_eq!(e.to_string(), "x.toml:2:4: bad");
    }
}
