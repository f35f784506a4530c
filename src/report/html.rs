//! `index.html`: one self-contained page (inline SVG figures, inline CSS, no script, no network) with the
//! sweep's provenance, every table and every figure with its caption and links to its files.

use std::fmt::Write;

use super::kinds::FigureKind;
use super::tables::{Table, html_escape};
use crate::analysis::sweep::Sweep;
use crate::store::Provenance;
use crate::table::{Html, TableFormat};

/// A drawn figure as the page shows it.
#[derive(Debug, Clone)]
pub struct PageFigure {
    /// The file stem.
    pub name: String,
    /// The title.
    pub title: String,
    /// The caption.
    pub caption: String,
    /// The SVG document, inlined.
    pub svg: String,
    /// Links to the figure's files, relative to the page: (format, path).
    pub files: Vec<(String, String)>,
}

/// A table as the page shows it.
#[derive(Debug, Clone)]
pub struct PageTable {
    /// The heading.
    pub title: String,
    /// A sentence under the heading.
    pub note: String,
    /// The table.
    pub table: Table,
    /// Links to the table's files, relative to the page: (format, path).
    pub files: Vec<(String, String)>,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// The sweep.
    pub sweep: &'a Sweep,
    /// The museum table, shown first.
    pub museum: PageTable,
    /// The overview figures shown beside it: the kappa figure, the batch-size figure and one convergence panel
    /// per family.
    pub overview: Vec<PageFigure>,
    /// The outcome table, pooled over the sweep.
    pub outcomes: PageTable,
    /// One outcome table per problem instance.
    pub instance_tables: Vec<PageTable>,
    /// Kappa tables.
    pub kappa_tables: Vec<PageTable>,
    /// Batch-size tables, one per study.
    pub batch_tables: Vec<PageTable>,
    /// Tables shown after the outcome table (where runs ended).
    pub outcome_tables: Vec<PageTable>,
    /// The tuning table, for a tuned sweep.
    pub tuning_tables: Vec<PageTable>,
    /// Figures by kind.
    pub figures: Vec<(FigureKind, Vec<PageFigure>)>,
}

const CSS: &str = "
body { font-family: 'DejaVu Sans', Verdana, sans-serif; margin: 1.5em auto; max-width: 78em; padding: 0 1em;
       color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.0em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.85em; }
th, td { padding: 0.2em 0.7em; text-align: right; border-bottom: 1px solid #e4e4e4; white-space: nowrap; }
th.text, td.text { text-align: left; }
td.text { white-space: normal; min-width: 6em; }
td.text:first-child { white-space: nowrap; }
td.long { white-space: normal; min-width: 12em; }
span.nowrap { white-space: nowrap; }
th { white-space: normal; vertical-align: bottom; }
.scroll { overflow-x: auto; max-width: 100%; }
nav.toc ul { columns: 2; margin: 0.3em 0; }
thead th { border-bottom: 1.5px solid #222; }
tr.foot td { border-top: 1.5px solid #222; }
table.prov td { text-align: left; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; width: 37em; max-width: 100%; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 0.78em; color: #444; }
.files a, .files span { margin-right: 0.6em; }
code { font-size: 0.9em; }
";

fn links(files: &[(String, String)]) -> String {
    let mut out = String::from("<span class=\"files\">");
    for (fmt, path) in files {
        let _ = write!(
            out,
            "<a href=\"{}\">{}</a>",
            html_escape(path),
            html_escape(fmt)
        );
    }
    out.push_str("</span>");
    out
}

/// A caption as HTML: escaped, with `code` spans (backticks in the text) set as code, not shown as backticks.
fn caption_html(caption: &str) -> String {
    let escaped = html_escape(caption);
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        // An unpaired backtick is text.
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

/// A section heading with its anchor, noted for the table of contents.
fn section(out: &mut String, toc: &mut Vec<(String, String)>, title: &str) {
    let id = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>();
    let _ = writeln!(out, "<h2 id=\"{id}\">{}</h2>", html_escape(title));
    toc.push((id, title.to_string()));
}

/// The SVG document without anything before its root element, ready to inline.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

fn kind_heading(kind: FigureKind) -> (&'static str, &'static str) {
    match kind {
        FigureKind::Convergence => (
            "Convergence",
            "Per problem instance: f - f* (or ||g|| where f* is unknown) against iterations, \
             gradient-equivalent evaluations and wall time. How they are drawn: ",
        ),
        FigureKind::Kappa => (
            "Iterations versus condition number",
            "Instances that differ only in kappa: median iterations to convergence, least-squares slope on \
             log-log axes, and the slope theory predicts.",
        ),
        FigureKind::Batch => (
            "Steps to target versus batch size",
            "Instances that differ only in batch_size: median steps (iterations) to the stop rule's target and \
             median samples drawn, against the batch size B. Under perfect scaling the steps fall as 1/B and the \
             samples stay the same; the critical batch size is the smallest B from which doubling it saves less \
             than a quarter of the steps, where larger batches stop paying (McCandlish et al. 2018, who predict \
             it from the gradient noise scale B_noise = tr(H C) / (g' H g), H the Hessian and C the covariance \
             of one sample's gradient; each table gives B_noise at the start).",
        ),
        FigureKind::Profiles => (
            "Performance and data profiles",
            "Over every (instance, seed) of the sweep, cost = gradient-equivalent evaluations to convergence.",
        ),
        FigureKind::Trajectories => (
            "Paths on two-dimensional problems",
            "Iterates over contour lines of the objective.",
        ),
        FigureKind::Sensitivity => (
            "Tuning",
            "Every tuned optimizer had the same budget of trials on the tuning seeds; the chosen settings \
             ran on the evaluation seeds, and only those runs enter the other tables and figures.",
        ),
        FigureKind::Escape => (
            "Saddle escape",
            "Double wells that differ only in curvature: iterations to leave the saddle against |lambda_min|, \
             with the linear theory where the method has one (fixed-step gradient descent, saddle-free Newton).",
        ),
        FigureKind::Sharpness => (
            "Sharpness along the runs",
            "Per problem instance whose runs measured it: the Hessian's largest eigenvalue lambda_max against \
             the iteration, with the stability edge 2/eta of each fixed step dashed (gradient descent is unstable \
             along eigenvalues above it), and the objective at the same iterations below. How they are drawn: ",
        ),
    }
}

fn table_block(out: &mut String, t: &PageTable) {
    let _ = writeln!(out, "<h3>{}</h3>", html_escape(&t.title));
    if !t.note.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", caption_html(&t.note));
    }
    out.push_str(&Html.write(&t.table));
    if !t.files.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", links(&t.files));
    }
}

/// The figures `figs`, inlined, with their captions and file links.
fn figure_block(out: &mut String, figs: &[PageFigure]) {
    out.push_str("<div class=\"figs\">\n");
    for f in figs {
        let _ = writeln!(
            out,
            "<figure id=\"{}\" title=\"{}\">\n{}\n<figcaption>{} {}</figcaption>\n</figure>",
            html_escape(&f.name),
            html_escape(&f.title),
            inline_svg(&f.svg).trim_end(),
            caption_html(&f.caption),
            links(&f.files)
        );
    }
    out.push_str("</div>\n");
}

/// The page.
pub fn page(p: &Page<'_>) -> String {
    let sweep = p.sweep;
    let name = sweep
        .manifest
        .as_ref()
        .map_or("results".to_string(), |m| m.name.clone());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>optzoo report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>",
        html_escape(&name)
    );
    let _ = writeln!(out, "<h1>optzoo report: {}</h1>", html_escape(&name));

    // Provenance.
    let mut prov: Vec<(String, String)> = Vec::new();
    if let Some(m) = &sweep.manifest {
        prov.push(("sweep".into(), m.name.clone()));
        prov.push(("config".into(), m.source.clone()));
        prov.push(("config hash".into(), m.config_hash.clone()));
        if sweep.ignored > 0 {
            prov.push((
                "runs left out".into(),
                format!(
                    "{} run files in runs/ that sweep.json does not list (another sweep's)",
                    sweep.ignored
                ),
            ));
        }
        prov.push((
            "run with".into(),
            format!(
                "optzoo {}{}",
                m.provenance.optzoo_version,
                m.provenance
                    .git_commit
                    .as_ref()
                    .map_or(String::new(), |c| format!(" (commit {c})"))
            ),
        ));
    } else {
        prov.push((
            "sweep".into(),
            "no sweep.json: the runs found in runs/, in run-id order".into(),
        ));
    }
    let now = Provenance::current();
    prov.push((
        "report by".into(),
        format!(
            "optzoo {}{}",
            now.optzoo_version,
            now.git_commit
                .as_ref()
                .map_or(String::new(), |c| format!(" (commit {c})"))
        ),
    ));
    prov.push((
        "runs".into(),
        format!(
            "{} = {} problem instances x {} optimizer configurations x {} seeds",
            sweep.records.len(),
            sweep.instances.len(),
            sweep.optimizers.len(),
            sweep.seeds().len()
        ),
    ));
    prov.push((
        "seeds".into(),
        sweep
            .seeds()
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    ));
    let mut stops: Vec<String> = sweep
        .records
        .iter()
        .map(|r| r.spec.stop.describe())
        .collect();
    stops.dedup();
    stops.sort();
    stops.dedup();
    prov.push(("stop rule".into(), stops.join("; ")));
    let intro = introduction(p, &stops);
    let mut toc = Vec::new();
    let head = out;
    let mut out = String::new();
    section(&mut out, &mut toc, "Overview");
    table_block(&mut out, &p.museum);
    figure_block(&mut out, &p.overview);
    section(&mut out, &mut toc, "Provenance");
    out.push_str("<table class=\"prov\">\n");
    for (k, v) in &prov {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><code>{}</code></td></tr>",
            html_escape(k),
            html_escape(v)
        );
    }
    out.push_str("</table>\n");
    out.push_str("<h3>Problem instances</h3>\n<ul>\n");
    for inst in &sweep.instances {
        let _ = writeln!(
            out,
            "<li><b>{}</b>: <code>{}</code></li>",
            html_escape(&inst.label),
            html_escape(&inst.full)
        );
    }
    out.push_str("</ul>\n<h3>Optimizer configurations</h3>\n<ul>\n");
    for opt in &sweep.optimizers {
        let _ = writeln!(
            out,
            "<li><b>{}</b>: <code>{} {}</code></li>",
            html_escape(&opt.label),
            html_escape(&opt.spec.name),
            html_escape(&opt.spec.params.to_string())
        );
    }
    out.push_str("</ul>\n");

    section(&mut out, &mut toc, "Outcomes");
    table_block(&mut out, &p.outcomes);
    for t in &p.outcome_tables {
        table_block(&mut out, t);
    }
    if !p.instance_tables.is_empty() {
        section(&mut out, &mut toc, "Outcomes per problem instance");
        out.push_str(
            "<p>Cells: median [min, max] over the seeds, of every run that ran, converged or not.</p>\n",
        );
        for t in &p.instance_tables {
            table_block(&mut out, t);
        }
    }

    for (kind, figs) in &p.figures {
        // A kind with neither figures nor tables in this sweep has no section.
        let tables = match kind {
            FigureKind::Kappa => p.kappa_tables.len(),
            FigureKind::Batch => p.batch_tables.len(),
            FigureKind::Sensitivity => p.tuning_tables.len(),
            _ => 0,
        };
        if figs.is_empty() && tables == 0 {
            continue;
        }
        let (title, note) = kind_heading(*kind);
        section(&mut out, &mut toc, title);
        let conventions = match kind {
            FigureKind::Convergence => super::convergence::CONVENTIONS,
            FigureKind::Sharpness => super::sharpness::CONVENTIONS,
            _ => "",
        };
        let _ = writeln!(
            out,
            "<p>{}{}</p>",
            html_escape(note),
            html_escape(conventions)
        );
        if *kind == FigureKind::Kappa {
            for t in &p.kappa_tables {
                table_block(&mut out, t);
            }
        }
        if *kind == FigureKind::Batch {
            for t in &p.batch_tables {
                table_block(&mut out, t);
            }
        }
        if *kind == FigureKind::Sensitivity {
            for t in &p.tuning_tables {
                table_block(&mut out, t);
            }
        }
        if figs.is_empty() {
            out.push_str("<p>No figure of this kind for this sweep.</p>\n");
            continue;
        }
        figure_block(&mut out, figs);
    }
    out.push_str("</body>\n</html>\n");
    let mut page = head;
    page.push_str(&intro);
    page.push_str("<nav class=\"toc\"><b>Contents</b>\n<ul>\n");
    for (id, title) in &toc {
        let _ = writeln!(
            page,
            "<li><a href=\"#{id}\">{}</a></li>",
            html_escape(title)
        );
    }
    page.push_str("</ul></nav>\n");
    page.push_str(&out);
    page
}

/// The page's first paragraphs: what the sweep ran and under which stop rule, and how to read what follows
/// (the conventions every figure shares, so that captions say only what is particular to theirs).
fn introduction(p: &Page<'_>, stops: &[String]) -> String {
    let sweep = p.sweep;
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    let mut out = format!(
        "<p>This page reports {} of {} on {}, every instance with every configuration on {}, each \
         stopped by the rule <code>{}</code>. Every number and figure below is computed from the run records in \
         <code>runs/</code>; nothing was rerun to draw it.</p>\n",
        plural(sweep.records.len(), "run"),
        plural(sweep.optimizers.len(), "optimizer configuration"),
        plural(sweep.instances.len(), "problem instance"),
        super::notes::seeds_text(sweep),
        html_escape(&stops.join("; ")),
    );
    out.push_str(
        "<p>How to read the figures: each optimizer configuration keeps one colour and one marker shape in \
         every figure; black shapes that no optimizer uses mark documented points of the problem (its minimiser, \
         saddles). A run that did not converge is marked where it ended: x diverged, + failed, I stopped by a \
         budget or on its own. Axes are logarithmic where the caption says so. Each section says once how its \
         figures are drawn; each caption then says what is particular to its figure. The full conventions are \
         repeated in <code>figures/captions.md</code>, for captions in a paper.</p>\n",
    );
    out
}
