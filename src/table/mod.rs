//! Tables as data, and the formats they are written in.
//!
//! A [`Table`] is neutral: a caption, a header, rows of text cells, where its closing rows start, how its
//! columns align and the notes under it. A format is one type behind [`TableFormat`]: [`Markdown`],
//! [`Csv`], [`Latex`], [`Html`] and [`Text`] (aligned plain text for a console). The report, the summary a
//! sweep prints and `compare` write every table through these, so a new format is one new file here.
//!
//! Each format escapes its cells in one place ([`escape`]): Markdown and LaTeX on text made one line by
//! [`one_line`], HTML as element content; CSV is quoted by the `csv` crate.

pub mod csv;
pub mod escape;
pub mod html;
pub mod latex;
pub mod markdown;
pub mod math;
pub mod text;

pub use self::csv::{Csv, csv_bytes};
pub use escape::{html_escape, latex_escape, markdown_cell, one_line};
pub use html::Html;
pub use latex::Latex;
pub use markdown::Markdown;
pub use text::Text;

/// How a column's cells align.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Left-aligned.
    Left,
    /// Right-aligned (numbers).
    Right,
    /// As the format aligns by default (left, in every format here), stated as nothing in Markdown.
    Unset,
}

/// A table of text cells, with what a format may write around it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// What the table shows, as a sentence or more; LaTeX writes it as the float's caption (no float
    /// without one).
    pub caption: Option<String>,
    /// A name to refer to the table by: LaTeX's `tab:<label>`.
    pub label: Option<String>,
    /// The column headers.
    pub header: Vec<String>,
    /// The body rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
    /// Index of the first row that closes the table (drawn after a rule), if any.
    pub footer_from: Option<usize>,
    /// Each column's alignment; where empty, the first column is left-aligned and the others right-aligned
    /// ([`Table::align`]).
    pub aligns: Vec<Align>,
    /// Lines under the table, written by the formats that are read as text (Markdown, plain text).
    pub notes: Vec<String>,
}

impl Table {
    /// A table of `header` and `rows`, nothing around it.
    pub fn new(header: Vec<String>, rows: Vec<Vec<String>>) -> Table {
        Table {
            header,
            rows,
            ..Table::default()
        }
    }

    /// The alignment of column `c`: as [`Table::aligns`] states it, else left for the first column and
    /// right for the others.
    pub fn align(&self, c: usize) -> Align {
        match self.aligns.get(c) {
            Some(a) => *a,
            None if c == 0 => Align::Left,
            None => Align::Right,
        }
    }
}

/// A way of writing a table down: one type per format.
pub trait TableFormat {
    /// The table in this format, ending with a line break.
    fn write(&self, table: &Table) -> String;
    /// The file extension of the format, without its dot (`md`, `csv`, `tex`, `html`, `txt`).
    fn extension(&self) -> &str;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_escape_their_special_characters() {
        let t = Table {
            footer_from: Some(1),
            ..Table::new(
                vec!["a_b".into(), "c|d".into()],
                vec![
                    vec!["x&y".into(), "<1>".into()],
                    vec!["fit".into(), "50%".into()],
                ],
            )
        };
        let md = Markdown::default().write(&t);
        assert!(md.contains("| a_b | c\\|d |"), "{md}");
        assert!(md.contains("| :--- | ---: |"), "{md}");
        let tex = Latex.write(&t);
        assert!(tex.contains("a\\_b & c\\textbar{}d \\\\"), "{tex}");
        assert!(
            tex.contains("x\\&y & \\textless{}1\\textgreater{} \\\\\n\\midrule\nfit & 50\\% \\\\"),
            "{tex}"
        );
        assert!(
            tex.starts_with("\\begin{tabular}{lr}\n\\toprule\n"),
            "{tex}"
        );
        assert!(tex.ends_with("\\bottomrule\n\\end{tabular}\n"), "{tex}");
        let html = Html.write(&t);
        assert!(
            html.contains("<td class=\"text\">x&amp;y</td><td>&lt;1&gt;</td>"),
            "{html}"
        );
        let csv = Csv.write(&t);
        assert_eq!(csv, "a_b,c|d\nx&y,<1>\nfit,50%\n");
    }

    #[test]
    fn a_cell_stays_one_line_and_shows_its_text() {
        let hostile = "a|b\nc\\|<script>&lt;\u{1b}[2J\u{202e}~^$#%_{}";
        assert_eq!(
            markdown_cell(hostile),
            "a\\|b\\\\nc\\\\\\|&lt;script>&amp;lt;\\\\u{1b}[2J\\\\u{202e}~^$#%_{}"
        );
        assert_eq!(
            latex_escape(hostile),
            "a\\textbar{}b\\textbackslash{}nc\\textbackslash{}\\textbar{}\\textless{}script\\textgreater{}\\&lt;\
             \\textbackslash{}u\\{1b\\}[2J\\textbackslash{}u\\{202e\\}\\textasciitilde{}\\textasciicircum{}\\$\\#\\%\\_\\{\\}"
        );
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn latex_floats_carry_their_caption_label_and_package() {
        let t = Table {
            caption: Some("Outcomes on quadratic. Stop rule: grad_rtol = 1e-6.".into()),
            label: Some("outcomes-00".into()),
            ..Table::new(
                vec!["optimizer".into(), "runs".into()],
                vec![vec!["gd".into(), "3".into()]],
            )
        };
        let tex = Latex.write(&t);
        assert!(
            tex.starts_with(
                "% Uses booktabs: put \\usepackage{booktabs} in the preamble.\n\\begin{table}"
            ),
            "{tex}"
        );
        assert!(tex.contains("\\caption{Outcomes on quadratic. Stop rule: grad\\_rtol = 1e-6.}\n\\label{tab:outcomes-00}\n\\begin{tabular}{lr}"), "{tex}");
        assert!(tex.ends_with("\\end{tabular}\n\\end{table}\n"), "{tex}");
    }
}
