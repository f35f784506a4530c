//! The report's tables as data, and their Markdown, CSV, LaTeX (booktabs) and HTML forms.
//!
//! - Outcomes: one row per optimizer configuration, the count of each status, and the median iterations and
//!   gradient-equivalent evaluations of converged runs.
//! - Iterations versus kappa, one per kappa study: rows `kappa`, columns optimizer configurations, cells the
//!   median iterations of converged runs (`412` when every seed converged, `412 (1 max-iters)` when some did
//!   not, the status itself when none did), and a last row with the fitted slope beside the theory slope
//!   (`0.99 (1)`). The CSV form splits that row into `fitted slope` and `theory slope` rows of plain numbers.

use std::fmt::Write;

use crate::analysis::scaling::{KappaCell, KappaStudy};
use crate::analysis::sweep::{Sweep, number_text};
use crate::stop::Status;
use crate::summary::median;

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

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

fn latex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            _ => out.push(c),
        }
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
                    .map(|c| md_escape(c))
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

    /// An HTML `<table>`.
    pub fn html(&self) -> String {
        let mut out = String::from("<table>\n<thead><tr>");
        for h in &self.header {
            let _ = write!(out, "<th>{}</th>", html_escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (i, r) in self.rows.iter().enumerate() {
            let class = if Some(i) == self.footer_from {
                " class=\"foot\""
            } else {
                ""
            };
            let _ = write!(out, "<tr{class}>");
            for c in r {
                let _ = write!(out, "<td>{}</td>", html_escape(c));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

/// The museum table of a sweep (see [`crate::analysis::museum`]).
pub fn museum_table(sweep: &Sweep) -> Table {
    use crate::analysis::museum::{MUSEUM_HEADER, museum, museum_cells};
    Table {
        header: MUSEUM_HEADER.iter().map(|h| h.to_string()).collect(),
        rows: museum(sweep)
            .iter()
            .map(|row| museum_cells(sweep, row))
            .collect(),
        footer_from: None,
    }
}

/// The note under the museum table, stating where each column comes from.
pub const MUSEUM_NOTE: &str = "Per optimizer configuration. keeps and memory (floats held beyond the iterate, \
as a formula) are what the method states of itself; everything else is measured in this sweep. measured: the \
bytes the optimizer allocated and still held after its start and first step, in floats, on the largest \
instance it ran. cost / step: median over shared runs of its time per iteration over that of the first \
configuration. kappa slope: the fitted slope of log iterations on log kappa (first kappa study, converged \
runs), beside the theory slope for that configuration (none where theory gives none). ends on saddle \
problems: the Hessian's verdict at the last point of diagnosed runs on problems that document a saddle. \
converged: runs that met the stop rule, of those that applied.";

/// The outcome table of a sweep.
pub fn outcome_table(sweep: &Sweep) -> Table {
    let statuses: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|s| sweep.records.iter().any(|r| r.outcome.status == *s))
        .collect();
    let mut header = vec!["optimizer".to_string(), "runs".to_string()];
    header.extend(statuses.iter().map(|s| s.to_string()));
    header.push("median iterations".into());
    header.push("median evaluations".into());
    let tuned = sweep.records.iter().any(|r| r.spec.tuning.is_some());
    if tuned {
        header.push("tuning evaluations".into());
    }
    let rows = sweep
        .optimizers
        .iter()
        .enumerate()
        .map(|(o, opt)| {
            let runs: Vec<_> = sweep
                .records
                .iter()
                .zip(&sweep.cells)
                .filter(|(_, c)| c.1 == o)
                .map(|(r, _)| r)
                .collect();
            let mut row = vec![opt.label.clone(), runs.len().to_string()];
            for s in &statuses {
                row.push(
                    runs.iter()
                        .filter(|r| r.outcome.status == *s)
                        .count()
                        .to_string(),
                );
            }
            let conv: Vec<_> = runs
                .iter()
                .filter(|r| r.outcome.status == Status::Converged)
                .collect();
            let mut iters: Vec<f64> = conv.iter().map(|r| r.outcome.iterations as f64).collect();
            let mut evals: Vec<f64> = conv
                .iter()
                .map(|r| r.outcome.grad_equiv_evals as f64)
                .collect();
            row.push(median(&mut iters).map_or("-".into(), number_text));
            row.push(median(&mut evals).map_or("-".into(), number_text));
            if tuned {
                row.push(crate::summary::tuning_cost(&runs).to_string());
            }
            row
        })
        .collect();
    Table {
        header,
        rows,
        footer_from: None,
    }
}

/// The text of one cell of a kappa table.
pub fn kappa_cell_text(cell: &KappaCell) -> String {
    if cell.runs() == 0 {
        return "-".into();
    }
    let failed: Vec<String> = cell
        .statuses
        .iter()
        .filter(|(s, n)| **s != Status::Converged && **n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    match cell.median_iters() {
        Some(m) if failed.is_empty() => number_text(m),
        Some(m) => format!("{} ({})", number_text(m), failed.join(", ")),
        None => cell
            .main_failure()
            .map_or("-".into(), |s| s.as_str().to_string()),
    }
}

fn slope_text(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| format!("{s:.3}"))
}

/// The iterations-versus-kappa table of one study: rows kappa, columns optimizer configurations, a last
/// row `slope: fit (theory)`; for CSV (`split_slopes`), two last rows of plain numbers.
pub fn kappa_table(sweep: &Sweep, study: &KappaStudy, split_slopes: bool) -> Table {
    let mut header = vec!["kappa".to_string()];
    header.extend(
        study
            .series
            .iter()
            .map(|s| sweep.optimizers[s.optimizer].label.clone()),
    );
    let mut rows: Vec<Vec<String>> = study
        .kappas
        .iter()
        .enumerate()
        .map(|(k, kappa)| {
            let mut row = vec![number_text(*kappa)];
            row.extend(study.series.iter().map(|s| kappa_cell_text(&s.cells[k])));
            row
        })
        .collect();
    let footer_from = Some(rows.len());
    if split_slopes {
        let mut fit = vec!["fitted slope".to_string()];
        fit.extend(
            study
                .series
                .iter()
                .map(|s| slope_text(s.fit.map(|f| f.slope))),
        );
        let mut theory = vec!["theory slope".to_string()];
        theory.extend(
            study
                .series
                .iter()
                .map(|s| s.theory.map_or("-".into(), |t| number_text(t.slope))),
        );
        rows.push(fit);
        rows.push(theory);
    } else {
        let mut row = vec!["slope: fit (theory)".to_string()];
        row.extend(study.series.iter().map(|s| {
            format!(
                "{} ({})",
                slope_text(s.fit.map(|f| f.slope)),
                s.theory.map_or("-".into(), |t| number_text(t.slope))
            )
        }));
        rows.push(row);
    }
    Table {
        header,
        rows,
        footer_from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn cell(conv: &[f64], other: &[(Status, usize)]) -> KappaCell {
        let mut statuses = BTreeMap::new();
        if !conv.is_empty() {
            statuses.insert(Status::Converged, conv.len());
        }
        for (s, n) in other {
            statuses.insert(*s, *n);
        }
        KappaCell {
            kappa: 10.0,
            statuses,
            converged_iters: conv.to_vec(),
            unconverged_iters: Vec::new(),
        }
    }

    #[test]
    fn cells_show_medians_and_failures() {
        assert_eq!(kappa_cell_text(&cell(&[10.0, 12.0, 30.0], &[])), "12");
        assert_eq!(
            kappa_cell_text(&cell(&[10.0, 12.0], &[(Status::MaxIters, 1)])),
            "11 (1 max-iters)"
        );
        assert_eq!(
            kappa_cell_text(&cell(&[], &[(Status::Diverged, 2), (Status::Failed, 1)])),
            "diverged"
        );
        assert_eq!(kappa_cell_text(&cell(&[], &[])), "-");
    }

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
        assert!(tex.contains("a\\_b & c|d \\\\"), "{tex}");
        assert!(
            tex.contains("x\\&y & <1> \\\\\n\\midrule\nfit & 50\\% \\\\"),
            "{tex}"
        );
        assert!(
            tex.starts_with("\\begin{tabular}{lr}\n\\toprule\n"),
            "{tex}"
        );
        assert!(tex.ends_with("\\bottomrule\n\\end{tabular}\n"), "{tex}");
        let html = t.html();
        assert!(
            html.contains("<td>x&amp;y</td><td>&lt;1&gt;</td>"),
            "{html}"
        );
        let csv = t.csv();
        assert_eq!(csv, "a_b,c|d\nx&y,<1>\nfit,50%\n");
    }
}
