//! Plain text for a console: columns padded to their widest cell and two spaces apart, the first
//! left-aligned and the others right-aligned (or as the table states), a rule of dashes under the header,
//! a rule before the closing rows, then the notes, one line each. Cells are made one line by [`one_line`].

use std::fmt::Write;

use super::{Align, Table, TableFormat, one_line};

/// Aligned plain text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Text;

impl TableFormat for Text {
    fn write(&self, t: &Table) -> String {
        let lines: Vec<Vec<String>> = std::iter::once(&t.header)
            .chain(&t.rows)
            .map(|r| r.iter().map(|c| one_line(c).into_owned()).collect())
            .collect();
        let widths: Vec<usize> = (0..t.header.len())
            .map(|c| {
                lines
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let rule = "-".repeat(widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1));
        let mut out = String::new();
        for (i, row) in lines.iter().enumerate() {
            // The closing rows start after a rule of their own.
            if i > 0 && t.footer_from == Some(i - 1) {
                let _ = writeln!(out, "{rule}");
            }
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(c, cell)| {
                    let w = widths.get(c).copied().unwrap_or(0);
                    match t.align(c) {
                        Align::Right => format!("{cell:>w$}"),
                        Align::Left | Align::Unset => format!("{cell:<w$}"),
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", cells.join("  ").trim_end());
            if i == 0 {
                let _ = writeln!(out, "{rule}");
            }
        }
        for note in &t.notes {
            let _ = writeln!(out, "{note}");
        }
        out
    }

    fn extension(&self) -> &str {
        "txt"
    }
}
