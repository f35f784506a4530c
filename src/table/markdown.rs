//! GitHub-flavoured Markdown: a header, a rule that states each column's alignment, the rows, then the
//! notes, each after a blank line.

use std::fmt::Write;

use super::{Align, Table, TableFormat, markdown_cell};

/// Markdown; the rule row spaced as the other rows (`| :--- | ---: |`), or written without spaces
/// (`|---|---:|`) where `compact`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Markdown {
    /// Write the rule row without spaces.
    pub compact: bool,
}

impl TableFormat for Markdown {
    fn write(&self, t: &Table) -> String {
        let mut out = String::new();
        let row = |cells: &[String]| {
            format!(
                "| {} |",
                cells
                    .iter()
                    .map(|c| markdown_cell(c))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        };
        let _ = writeln!(out, "{}", row(&t.header));
        let rule: Vec<&str> = (0..t.header.len())
            .map(|c| match t.align(c) {
                Align::Left => ":---",
                Align::Right => "---:",
                Align::Unset => "---",
            })
            .collect();
        if self.compact {
            let _ = writeln!(out, "|{}|", rule.join("|"));
        } else {
            let _ = writeln!(out, "| {} |", rule.join(" | "));
        }
        for r in &t.rows {
            let _ = writeln!(out, "{}", row(r));
        }
        for note in &t.notes {
            let _ = write!(out, "\n{note}\n");
        }
        out
    }

    fn extension(&self) -> &str {
        "md"
    }
}
