//! HTML: a `<table>` in a scrolling `<div>`, text columns (names, statuses) classed `text` and left-aligned,
//! numbers right-aligned, the closing rows classed `foot`. The page around it writes the caption and notes.

use std::fmt::Write;

use super::{Table, TableFormat, html_escape};

/// HTML.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl TableFormat for Html {
    fn write(&self, t: &Table) -> String {
        // Text columns (names, statuses, messages) read left-aligned; numbers right-aligned.
        let text: Vec<bool> = (0..t.header.len())
            .map(|c| {
                let cells: Vec<&str> = t
                    .rows
                    .iter()
                    .filter_map(|r| r.get(c).map(String::as_str))
                    .filter(|v| !v.is_empty() && *v != "-")
                    .collect();
                c == 0
                    || (!cells.is_empty()
                        && cells.iter().filter(|v| !numeric(v)).count() * 2 > cells.len())
            })
            .collect();
        let class = |c: usize| {
            if text.get(c).copied().unwrap_or(false) {
                " class=\"text\""
            } else {
                ""
            }
        };
        let mut out = String::from("<div class=\"scroll\"><table>\n<thead><tr>");
        for (c, h) in t.header.iter().enumerate() {
            // Headers wrap between words, never at a hyphen (`max-iters`): a non-breaking hyphen.
            let _ = write!(
                out,
                "<th{}>{}</th>",
                class(c),
                html_escape(h).replace('-', "\u{2011}")
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, r) in t.rows.iter().enumerate() {
            let row_class = if Some(i) == t.footer_from {
                " class=\"foot\""
            } else {
                ""
            };
            let _ = write!(out, "<tr{row_class}>");
            for (c, cell) in r.iter().enumerate() {
                // A number with a sentence after it may wrap between its words; a bare number never does,
                // nor does a word at its hyphens (`3.2e-12`, `max-iters`).
                let (cls, text) = match class(c) {
                    "" if cell.chars().count() > 24 => (" class=\"long\"", unbroken_words(cell)),
                    cls => (cls, html_escape(cell)),
                };
                let _ = write!(out, "<td{cls}>{text}</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
        out
    }

    fn extension(&self) -> &str {
        "html"
    }
}

/// `cell` escaped for HTML, each word with a hyphen in a `nowrap` span, so that a cell that wraps between its
/// words never breaks a number such as `3.2e-12` after its minus sign.
fn unbroken_words(cell: &str) -> String {
    cell.split(' ')
        .map(|w| {
            if w.contains('-') {
                format!("<span class=\"nowrap\">{}</span>", html_escape(w))
            } else {
                html_escape(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a cell reads as a number: its first word is one (`0.341;`, `1.6x`, `50%`, `36/36`, `1.2e-3`, `inf`),
/// whatever words follow (`48 ns`, `166 at n=50`, `154 (2464)`). A formula (`3n (...)`, `O(1)`) or a name is
/// text.
fn numeric(cell: &str) -> bool {
    let word = cell.split_whitespace().next().unwrap_or("");
    let word = word
        .trim_end_matches([';', ',', ':', 'x', '%'])
        .trim_start_matches(['~', '≤', '<', '>', '+']);
    !word.is_empty() && word.split('/').all(|p| p.parse::<f64>().is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_words_after_them_are_numbers_and_formulas_are_text() {
        for cell in [
            "166 at n=50",
            "36/36",
            "0.341; 5 of 12 runs",
            "1.6x",
            "48.2 ns",
            "1.2e-3",
            "50%",
        ] {
            assert!(numeric(cell), "{cell}");
        }
        for cell in [
            "3n (gradient, direction)",
            "O(1)",
            "minimum 18",
            "gd step=1/L",
            "2mn + O(n)",
        ] {
            assert!(!numeric(cell), "{cell}");
        }
    }
}
