//! LaTeX: a `tabular` with booktabs rules; with a caption, inside a `table` float labelled `tab:<label>`,
//! under a comment naming the package the rules need.

use std::fmt::Write;

use super::{Align, Table, TableFormat, latex_escape};

/// LaTeX (`\usepackage{booktabs}`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Latex;

/// The `tabular` of `t`.
fn tabular(t: &Table) -> String {
    let mut out = String::new();
    let cols: String = (0..t.header.len())
        .map(|c| match t.align(c) {
            Align::Right => 'r',
            Align::Left | Align::Unset => 'l',
        })
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
    let _ = writeln!(out, "{}", row(&t.header));
    let _ = writeln!(out, "\\midrule");
    for (i, r) in t.rows.iter().enumerate() {
        if Some(i) == t.footer_from {
            let _ = writeln!(out, "\\midrule");
        }
        let _ = writeln!(out, "{}", row(r));
    }
    let _ = writeln!(out, "\\bottomrule");
    let _ = writeln!(out, "\\end{{tabular}}");
    out
}

impl TableFormat for Latex {
    fn write(&self, t: &Table) -> String {
        match &t.caption {
            None => tabular(t),
            Some(caption) => format!(
                "% Uses booktabs: put \\usepackage{{booktabs}} in the preamble.\n\\begin{{table}}[htbp]\n\\centering\n\
                 \\caption{{{}}}\n\\label{{tab:{}}}\n{}\\end{{table}}\n",
                latex_escape(caption),
                t.label.as_deref().unwrap_or_default(),
                tabular(t)
            ),
        }
    }

    fn extension(&self) -> &str {
        "tex"
    }
}
