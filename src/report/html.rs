//! `index.html`: one self-contained page (inline SVG figures, inline CSS, no script, no network) with the
//! sweep's provenance, every table and every figure with its caption and links to its files.

use std::fmt::Write;

use super::kinds::FigureKind;
use super::tables::{Table, html_escape};
use crate::analysis::sweep::Sweep;
use crate::store::Provenance;

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
th, td { padding: 0.2em 0.7em; text-align: right; border-bottom: 1px solid #e4e4e4; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 1.5px solid #222; }
tr.foot td { border-top: 1.5px solid #222; }
table.prov td { text-align: left; }
.figs { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0; width: 25em; }
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

/// The SVG document without anything before its root element, ready to inline.
fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

fn kind_heading(kind: FigureKind) -> (&'static str, &'static str) {
    match kind {
        FigureKind::Convergence => (
            "Convergence",
            "Per problem instance: f - f* (or ||g|| where f* is unknown) against iterations, \
             gradient-equivalent evaluations and wall time.",
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
             with the linear theory.",
        ),
    }
}

fn table_block(out: &mut String, t: &PageTable) {
    let _ = writeln!(out, "<h3>{}</h3>", html_escape(&t.title));
    if !t.note.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", html_escape(&t.note));
    }
    out.push_str(&t.table.html());
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
            html_escape(&f.caption),
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
    out.push_str("<h2>Overview</h2>\n");
    table_block(&mut out, &p.museum);
    figure_block(&mut out, &p.overview);
    out.push_str("<h2>Provenance</h2>\n<table class=\"prov\">\n");
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

    out.push_str("<h2>Outcomes</h2>\n");
    table_block(&mut out, &p.outcomes);
    for t in &p.outcome_tables {
        table_block(&mut out, t);
    }
    if !p.instance_tables.is_empty() {
        out.push_str(
            "<h2>Outcomes per problem instance</h2>\n<p>Cells: median [min, max] over the seeds, of every run \
             that ran, converged or not.</p>\n",
        );
        for t in &p.instance_tables {
            table_block(&mut out, t);
        }
    }

    for (kind, figs) in &p.figures {
        // Only sweeps with a batch-size axis have a batch section.
        if *kind == FigureKind::Batch && figs.is_empty() && p.batch_tables.is_empty() {
            continue;
        }
        let (title, note) = kind_heading(*kind);
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<p>{}</p>",
            html_escape(title),
            html_escape(note)
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
    out
}
