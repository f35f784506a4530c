//! The report's tables as data, and their Markdown, CSV, LaTeX (booktabs) and HTML forms.
//!
//! - The museum table ([`museum_table`], see [`crate::analysis::museum`]).
//! - Outcomes ([`outcomes`]): pooled over the sweep, and one table per problem instance.
//! - Iterations versus kappa ([`kappa`]), one per kappa study.
//! - Steps to target versus batch size ([`batch`]), one per batch-size study.
//!
//! Every LaTeX file is a `table` float ([`Table::latex_float`]) whose caption says what the table shows and
//! the stop rule of its runs ([`stop_rule_sentence`]), under a comment line naming the package its rules
//! need (booktabs).
//!
//! Each format escapes its cells in one place: [`markdown_cell`], [`latex_escape`] and [`html_escape`], the
//! first two on text made one line by [`crate::summary::one_line`]; CSV is quoted by the `csv` crate.

pub mod batch;
pub mod kappa;
pub mod math;
pub mod outcomes;

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::analysis::sweep::Sweep;
use crate::stop::Status;
use crate::summary::one_line;

pub use batch::{
    batch_cell_text, batch_note, batch_table, critical_text, fit_text, noise_scale_text,
};
pub use kappa::{kappa_cell_text, kappa_table};
pub use outcomes::{INSTANCE_NOTE, instance_outcome_table, outcome_table, pooled_note};

/// A table of text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The column headers.
    pub header: Vec<String>,
    /// The body rows, each as long as the header.
    pub rows: Vec<Vec<String>>,
    /// Index of the first row that closes the table (drawn after a rule), if any.
    pub footer_from: Option<usize>,
}

/// Escapes text for a cell of a Markdown table (GitHub-flavoured): on one line
/// ([`one_line`]), a backslash and a `|` escaped by a backslash (a `|` would end
/// the cell), and `<` and `&` as the entities `&lt;` and `&amp;`, so that no tag or entity in a label reaches
/// a renderer as HTML. Rendered, the cell reads as the text it was given.
pub fn markdown_cell(s: &str) -> String {
    let line = one_line(s);
    let mut out = String::with_capacity(line.len());
    for c in line.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for LaTeX's text mode: on one line ([`one_line`]; a line break
/// could end a cell's paragraph), with `\ { } $ & # ^ _ % ~` and the characters that print as other glyphs
/// in the default font encoding (`< > |`) written as the commands that print them, and Greek letters,
/// relations and superscripts ([`math`]) as math, each run of them in one `$...$`.
pub fn latex_escape(s: &str) -> String {
    let line = one_line(s);
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if math::is_math(c) {
            let len = chars[i..].iter().take_while(|&&c| math::is_math(c)).count();
            out.push('$');
            out.push_str(&math::run(&chars[i..i + len]));
            out.push('$');
            i += len;
            continue;
        }
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

impl Table {
    /// GitHub-flavoured Markdown; the first column left-aligned, the others right-aligned.
    pub fn markdown(&self) -> String {
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
        let _ = writeln!(out, "{}", row(&self.header));
        let align: Vec<&str> = (0..self.header.len())
            .map(|c| if c == 0 { ":---" } else { "---:" })
            .collect();
        let _ = writeln!(out, "| {} |", align.join(" | "));
        for r in &self.rows {
            let _ = writeln!(out, "{}", row(r));
        }
        out
    }

    /// CSV (RFC 4180 quoting).
    pub fn csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut ok = w.write_record(&self.header).is_ok();
        for r in &self.rows {
            ok &= w.write_record(r).is_ok();
        }
        let bytes = w.into_inner().unwrap_or_default();
        debug_assert!(ok, "writing CSV into memory does not fail");
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// A LaTeX `tabular` with booktabs rules (`\usepackage{booktabs}`).
    pub fn latex(&self) -> String {
        let mut out = String::new();
        let cols: String = (0..self.header.len())
            .map(|c| if c == 0 { 'l' } else { 'r' })
            .collect();
        let row = |cells: &[String]| {
            cells
                .iter()
                .map(|c| latex_escape(c))
                .collect::<Vec<_>>()
                .join(" & ")
                + " \\\\"
        };
        let _ = writeln!(out, "\\begin{{tabular}}{{{cols}}}");
        let _ = writeln!(out, "\\toprule");
        let _ = writeln!(out, "{}", row(&self.header));
        let _ = writeln!(out, "\\midrule");
        for (i, r) in self.rows.iter().enumerate() {
            if Some(i) == self.footer_from {
                let _ = writeln!(out, "\\midrule");
            }
            let _ = writeln!(out, "{}", row(r));
        }
        let _ = writeln!(out, "\\bottomrule");
        let _ = writeln!(out, "\\end{{tabular}}");
        out
    }

    /// A LaTeX `table` float around [`Table::latex`], with `caption` and the label `tab:<label>`, under a
    /// comment naming the package the rules need.
    pub fn latex_float(&self, caption: &str, label: &str) -> String {
        format!(
            "% Uses booktabs: put \\usepackage{{booktabs}} in the preamble.\n\\begin{{table}}[htbp]\n\\centering\n\
             \\caption{{{}}}\n\\label{{tab:{}}}\n{}\\end{{table}}\n",
            latex_escape(caption),
            label,
            self.latex()
        )
    }

    /// An HTML `<table>`.
    pub fn html(&self) -> String {
        // Text columns (names, statuses, messages) read left-aligned; numbers right-aligned.
        let text: Vec<bool> = (0..self.header.len())
            .map(|c| {
                let cells: Vec<&str> = self
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
        for (c, h) in self.header.iter().enumerate() {
            // Headers wrap between words, never at a hyphen (`max-iters`): a non-breaking hyphen.
            let _ = write!(
                out,
                "<th{}>{}</th>",
                class(c),
                html_escape(h).replace('-', "\u{2011}")
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, r) in self.rows.iter().enumerate() {
            let row_class = if Some(i) == self.footer_from {
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

/// `n status` for every status but `converged` that some of a cell's runs ended with, in report order: what
/// a cell of a study's table says of the runs that did not converge.
pub fn failure_counts(statuses: &BTreeMap<Status, usize>) -> Vec<String> {
    statuses
        .iter()
        .filter(|(s, n)| **s != Status::Converged && **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect()
}

/// The museum table of a sweep (see [`crate::analysis::museum`]).
pub fn museum_table(sweep: &Sweep) -> Table {
    use crate::analysis::museum::{museum, museum_cells, museum_header};
    Table {
        header: museum_header(sweep),
        rows: museum(sweep)
            .iter()
            .map(|row| museum_cells(sweep, row))
            .collect(),
        footer_from: None,
    }
}

/// The sentence that tells the museum table's two time columns apart (in [`MUSEUM_NOTE`], and under
/// the Markdown table).
macro_rules! museum_medians {
    () => {
        "time / step and cost / step are different medians (the first over all runs of a configuration, the \
second of ratios paired run by run), so one does not divide into the other."
    };
}

/// The sentence that tells the museum table's two time columns apart: each is a median of its own.
pub const MUSEUM_MEDIANS: &str = museum_medians!();

/// The note under the museum table, stating where each column comes from.
pub const MUSEUM_NOTE: &str = concat!(
    "Per optimizer configuration. keeps and memory (floats held beyond the iterate, \
as a formula) are what the method states of itself; everything else is measured in this sweep. measured: the \
bytes the optimizer allocated and still held after its start and first step, in floats, on the largest \
instance it ran (not measured where a client process holds the memory: this process sees only its side of \
the protocol). time / step: median optimizer time per iteration over its runs. cost / step: median over \
shared runs (same instance and seed) of its time per iteration over that of the configuration the header \
names: the first gd configuration, else the first that runs in this process. ",
    museum_medians!(),
    " kappa slope: the fitted slope \
of log iterations on log kappa (first kappa study, converged runs at kappa > 1), with how many runs at \
kappa > 1 did not converge and where (the fit leaves them out), or why there is no slope; beside it the \
theory slope for that configuration (none where theory gives none). ends on saddle \
problems: the Hessian's verdict at the last point of diagnosed runs on problems that document a saddle. \
converged: runs that met the stop rule, of those that applied."
);

/// The sentence every LaTeX caption ends with: the stop rule of the sweep's runs (tuning trials included),
/// or each of them where runs differ.
pub fn stop_rule_sentence(sweep: &Sweep) -> String {
    let mut rules: Vec<String> = Vec::new();
    for r in sweep.records.iter().chain(&sweep.trials) {
        let text = r.spec.stop.describe();
        if !rules.contains(&text) {
            rules.push(text);
        }
    }
    match rules.as_slice() {
        [] => String::new(),
        [one] => format!("Stop rule: {one}."),
        many => format!(
            "Stop rules (they differ between runs): {}.",
            many.join("; ")
        ),
    }
}

/// A LaTeX caption: the table's title, its note and the stop rule, each as a sentence.
pub fn caption(title: &str, note: &str, stop: &str) -> String {
    [title, note, stop]
        .iter()
        .map(|s| s.trim().trim_end_matches('.'))
        .filter(|s| !s.is_empty())
        .map(|s| format!("{s}."))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_escape_their_special_characters() {
        let t = Table {
            header: vec!["a_b".into(), "c|d".into()],
            rows: vec![
                vec!["x&y".into(), "<1>".into()],
                vec!["fit".into(), "50%".into()],
            ],
            footer_from: Some(1),
        };
        let md = t.markdown();
        assert!(md.contains("| a_b | c\\|d |"), "{md}");
        assert!(md.contains("| :--- | ---: |"), "{md}");
        let tex = t.latex();
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
        let html = t.html();
        assert!(
            html.contains("<td class=\"text\">x&amp;y</td><td>&lt;1&gt;</td>"),
            "{html}"
        );
        let csv = t.csv();
        assert_eq!(csv, "a_b,c|d\nx&y,<1>\nfit,50%\n");
    }

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
        assert_eq!(crate::summary::one_line("plain"), "plain");
    }

    #[test]
    fn latex_floats_carry_their_caption_label_and_package() {
        let t = Table {
            header: vec!["optimizer".into(), "runs".into()],
            rows: vec![vec!["gd".into(), "3".into()]],
            footer_from: None,
        };
        let cap = caption(
            "Outcomes on quadratic",
            "Medians over 3 seeds.",
            "Stop rule: grad_rtol = 1e-6.",
        );
        assert_eq!(
            cap,
            "Outcomes on quadratic. Medians over 3 seeds. Stop rule: grad_rtol = 1e-6."
        );
        let tex = t.latex_float(&cap, "outcomes-00");
        assert!(
            tex.starts_with(
                "% Uses booktabs: put \\usepackage{booktabs} in the preamble.\n\\begin{table}"
            ),
            "{tex}"
        );
        assert!(tex.contains("\\caption{Outcomes on quadratic. Medians over 3 seeds. Stop rule: grad\\_rtol = 1e-6.}\n\\label{tab:outcomes-00}\n\\begin{tabular}{lr}"), "{tex}");
        assert!(tex.ends_with("\\end{tabular}\n\\end{table}\n"), "{tex}");
    }
}
