//! `optzoo report DIR`: figures (SVG, PNG, PDF), tables (Markdown, CSV, LaTeX) and one self-contained
//! `index.html`, written to `DIR/report/` from the stored records of a sweep, its `sweep.json` and its
//! `landscapes.json`: nothing is built, replayed or started, so the report of a folder is the same under any
//! optzoo binary, with or without the plug-ins that made it.
//!
//! Layout of the output directory:
//! - `figures/<name>.svg|png|pdf`: convergence per instance (`convergence-*`), iterations versus kappa
//!   (`kappa-*`), steps and samples to target versus batch size (`batch-<k>-steps`, `batch-<k>-samples`, for
//!   instances that differ only in `batch_size`), `performance-profile`, `data-profile`, paths of 2-D
//!   problems (`trajectory-*`), saddle escape on double wells (`escape-*`), `sensitivity-*` (tuning trials
//!   against the tuned hyperparameter), the sharpness along runs that measured it with the objective at the
//!   same iterations (`sharpness-*`, `sharpness-*-loss`); `figures/captions.md` lists every figure with its caption;
//! - `tables/museum.md|csv|tex` (see [`crate::analysis::museum`]), `tables/outcomes.md|csv|tex` (pooled over
//!   the sweep), `tables/outcomes-<i>-<family>.md|csv|tex` (one per problem instance, numbered as the
//!   convergence figures), `tables/kappa-<k>.md|csv|tex`, `tables/batch-<k>.md|csv|tex` (steps and samples
//!   to target per batch size, with the critical batch size), for a tuned sweep `tables/tuning.md|csv|tex`,
//!   and for a diagnosed one `tables/endings.md|csv|tex`; every `.tex` is a `table` float (booktabs) whose
//!   caption states the stop rule;
//! - `index.html`: everything on one page, figures inlined as SVG;
//! - `.optzoo-report.json`: the report's manifest, every file it wrote with the SHA-256 of its contents: a
//!   later report into the same folder removes only files listed there that it does not write again, never
//!   a file of the user's and never through a symbolic link (see `stale.rs`).
//!
//! The analysis lives in [`crate::analysis`]; this module only draws and writes. What a report writes is
//! a function of what it reads from the results folder (the records in `runs/` that `sweep.json` lists, or
//! all of them where there is none, and `landscapes.json`) and of the optzoo version in its provenance
//! line: the same folder gives the same files, wall-time figures aside, which show measured times. Besides
//! the results it reads only the manifest of an earlier report in its output folder, and the files that
//! manifest lists, which decide what it removes, never what it writes.
//!
//! The same writers draw the figures of commands that measure rather than read a folder: the spectral
//! density of `optzoo inspect --density` ([`density`], numbers from [`crate::density`]) and the effective
//! conditioning of `inspect --conditioning` ([`diagnostics`], numbers from [`crate::conditioning`]);
//! `optzoo critical` draws its census with this module's figure, style and table types
//! ([`crate::census`]).

pub mod batch;
pub mod clip;
pub mod contour;
pub mod convergence;
pub mod density;
pub mod diagnostics;
pub mod endings;
pub mod families;
pub mod figure;
pub mod html;
pub mod kinds;
pub mod legend;
pub mod markers;
pub mod notes;
pub mod plots;
pub mod render;
pub mod sharpness;
mod stale;
pub mod style;
pub mod tables;
pub mod tuning;

use std::fmt::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analysis::batch::batch_studies;
use crate::analysis::convergence::XAxis;
use crate::analysis::scaling::kappa_studies;
use crate::analysis::sweep::Sweep;
use crate::store::write_atomic;
use crate::table::{Csv, Latex, Markdown, TableFormat};

pub use kinds::FigureKind;
pub use render::RenderError;

/// Which file formats figures are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    /// SVG.
    pub svg: bool,
    /// PNG, 300 dpi.
    pub png: bool,
    /// PDF.
    pub pdf: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            svg: true,
            png: true,
            pdf: true,
        }
    }
}

/// What a report draws and where.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// The output directory [default: `DIR/report`].
    pub out: Option<PathBuf>,
    /// Figure file formats.
    pub formats: Formats,
    /// The kinds of figures.
    pub kinds: Vec<FigureKind>,
    /// Draw each figure's title in it [default: true]; papers drop them, the caption carries the title.
    pub titles: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            out: None,
            formats: Formats::default(),
            kinds: FigureKind::ALL.to_vec(),
            titles: true,
        }
    }
}

/// A report that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The results directory is missing or is not one.
    #[error("{}: {message}", path.display())]
    BadDir {
        /// The directory given.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A figure could not be drawn.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// An output file could not be written.
    #[error("{}: {message}", path.display())]
    Write {
        /// The path.
        path: PathBuf,
        /// The cause.
        message: String,
    },
}

impl ReportError {
    /// True for errors in the user's input (the results directory), as opposed to failures while working.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, ReportError::BadDir { .. })
    }
}

/// What a report wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The output directory.
    pub out: PathBuf,
    /// Every figure's name, by kind.
    pub figures: Vec<(FigureKind, Vec<String>)>,
    /// Every file written, in order (the manifest `.optzoo-report.json` aside).
    pub files: Vec<PathBuf>,
    /// The page.
    pub index: PathBuf,
    /// Run files in `DIR/runs` left out because `DIR/sweep.json` does not list them.
    pub ignored: usize,
    /// Figure files that an earlier report into the same folder wrote and this one neither wrote nor
    /// removed (other formats, or other kinds when only some kinds were drawn), sorted.
    pub kept: Vec<PathBuf>,
    /// One line per batch-size study (when batch figures were asked for): its critical batch sizes and the
    /// gradient noise scale at the start ([`batch::summary_line`]).
    pub batch_lines: Vec<String>,
}

fn write_file(path: &Path, bytes: &[u8], files: &mut Vec<PathBuf>) -> Result<(), ReportError> {
    write_atomic(path, bytes).map_err(|e| ReportError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    files.push(path.to_path_buf());
    Ok(())
}

/// `word` with every character but ASCII letters, digits, `.`, `_` and `-` made `-`: a family name (a
/// plug-in's is `owner/name`) as part of a file name.
pub(crate) fn file_word(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Reads the sweep in `dir`, failing with [`ReportError::BadDir`] when `dir` is not a results directory.
pub fn load(dir: &Path) -> Result<Sweep, ReportError> {
    let bad = |message: String| ReportError::BadDir {
        path: dir.to_path_buf(),
        message,
    };
    if !dir.exists() {
        return Err(bad("no such directory".into()));
    }
    if !dir.is_dir() {
        return Err(bad("not a directory".into()));
    }
    if !dir.join("runs").is_dir() {
        return Err(bad(
            "not a results directory: it has no runs/ (make one with `optzoo run CONFIG --out DIR`)".into(),
        ));
    }
    let sweep = Sweep::load(dir).map_err(|e| bad(format!("cannot read the results: {e}")))?;
    if sweep.records.is_empty() {
        return Err(bad(if sweep.ignored > 0 {
            format!(
                "none of the {} run files in runs/ is listed in sweep.json (they belong to another sweep)",
                sweep.ignored
            )
        } else {
            "runs/ holds no run records".into()
        }));
    }
    Ok(sweep)
}

/// The overview's figures: the first kappa study's figure with every optimizer, the first batch study's steps to
/// target, and the first convergence-against-iterations panel of each problem family.
fn overview_figures(
    sweep: &Sweep,
    page_figures: &[(FigureKind, Vec<html::PageFigure>)],
) -> Vec<html::PageFigure> {
    let mut out = Vec::new();
    let mut families = std::collections::BTreeSet::new();
    for (kind, figs) in page_figures {
        for f in figs {
            match kind {
                FigureKind::Kappa if f.name == "kappa-00-all" => out.push(f.clone()),
                FigureKind::Batch if f.name == "batch-00-steps" => out.push(f.clone()),
                FigureKind::Convergence => {
                    let family = sweep.instances.iter().enumerate().find_map(|(i, inst)| {
                        let stem = format!("convergence-{i:02}-{}-", file_word(&inst.spec.family));
                        f.name
                            .strip_prefix(&stem)
                            .filter(|slug| *slug == XAxis::Iterations.slug())
                            .map(|_| inst.spec.family.clone())
                    });
                    if let Some(family) = family
                        && families.insert(family)
                    {
                        out.push(f.clone());
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Writes the report of the results in `dir`: a pure function of the folder (its records, `sweep.json`
/// and `landscapes.json`), which builds no problem, starts no process and replays no run, so any optzoo
/// binary, with or without the plug-ins that made the results, writes the same report.
pub fn write_report(dir: &Path, options: &ReportOptions) -> Result<Written, ReportError> {
    let sweep = load(dir)?;
    let out = options.out.clone().unwrap_or_else(|| dir.join("report"));
    stale::remove_stale_temporaries(&out);
    let fig_dir = out.join("figures");
    let tab_dir = out.join("tables");
    let mut files = Vec::new();

    // Figures: built from the analysis, drawn in parallel.
    let mut groups = kinds::figures(&sweep, &options.kinds);
    for (_, figs) in &mut groups {
        for f in figs {
            f.draw_title = options.titles;
        }
    }
    type Drawn = (String, Option<Vec<u8>>, Option<Vec<u8>>);
    let mut page_figures = Vec::new();
    let mut names = Vec::new();
    let mut captions = String::from("# Figures\n\n");
    for (kind, figs) in &groups {
        let drawn: Vec<Result<Drawn, RenderError>> = figs
            .par_iter()
            .map(|f| {
                let svg = render::to_svg(f)?;
                let png = if options.formats.png {
                    Some(render::to_png(f)?)
                } else {
                    None
                };
                let pdf = if options.formats.pdf {
                    Some(render::svg_to_pdf(&f.name, &svg)?)
                } else {
                    None
                };
                Ok((svg, png, pdf))
            })
            .collect();
        let mut page = Vec::new();
        let mut kind_names = Vec::new();
        for (f, d) in figs.iter().zip(drawn) {
            let (svg, png, pdf) = d?;
            let mut links = Vec::new();
            if options.formats.svg {
                write_file(
                    &fig_dir.join(format!("{}.svg", f.name)),
                    svg.as_bytes(),
                    &mut files,
                )?;
                links.push(("svg".to_string(), format!("figures/{}.svg", f.name)));
            }
            if let Some(png) = png {
                write_file(&fig_dir.join(format!("{}.png", f.name)), &png, &mut files)?;
                links.push(("png".to_string(), format!("figures/{}.png", f.name)));
            }
            if let Some(pdf) = pdf {
                write_file(&fig_dir.join(format!("{}.pdf", f.name)), &pdf, &mut files)?;
                links.push(("pdf".to_string(), format!("figures/{}.pdf", f.name)));
            }
            let _ = writeln!(
                captions,
                "## {}\n\n**{}.** {}\n",
                f.name,
                tables::markdown_cell(&f.title),
                tables::markdown_cell(format!("{} {}", f.caption, f.details).trim())
            );
            kind_names.push(f.name.clone());
            page.push(html::PageFigure {
                name: f.name.clone(),
                title: f.title.clone(),
                caption: f.caption.clone(),
                svg,
                files: links,
            });
        }
        names.push((*kind, kind_names));
        page_figures.push((*kind, page));
    }
    if names.iter().any(|(_, n)| !n.is_empty()) {
        write_file(
            &fig_dir.join("captions.md"),
            captions.as_bytes(),
            &mut files,
        )?;
    }

    // Tables: Markdown, CSV (`csv`, plain numbers where it differs) and LaTeX with a caption.
    let stop = tables::stop_rule_sentence(&sweep);
    let mut write_table =
        |stem: &str, t: tables::Table, csv: &tables::Table, title: String, note: String| {
            let mut links = Vec::new();
            let file = tables::Table {
                caption: Some(tables::caption(&title, &note, &stop)),
                label: Some(stem.to_string()),
                ..t.clone()
            };
            let formats: [(&dyn TableFormat, &tables::Table); 3] =
                [(&Markdown::default(), &file), (&Csv, csv), (&Latex, &file)];
            for (format, table) in formats {
                let ext = format.extension();
                let path = tab_dir.join(format!("{stem}.{ext}"));
                write_file(&path, format.write(table).as_bytes(), &mut files)?;
                links.push((ext.to_string(), format!("tables/{stem}.{ext}")));
            }
            Ok::<_, ReportError>(html::PageTable {
                title,
                note,
                table: t,
                files: links,
            })
        };
    let outcome = tables::outcome_table(&sweep);
    let outcomes = write_table(
        "outcomes",
        outcome.clone(),
        &outcome,
        "Runs by optimizer configuration and status, pooled over every problem instance".into(),
        tables::pooled_note(&sweep),
    )?;
    let mut instance_tables = Vec::new();
    for (i, inst) in sweep.instances.iter().enumerate() {
        let t = tables::instance_outcome_table(&sweep, i, false);
        let csv = tables::instance_outcome_table(&sweep, i, true);
        let stem = format!("outcomes-{i:02}-{}", file_word(&inst.spec.family));
        instance_tables.push(write_table(
            &stem,
            t,
            &csv,
            format!("Outcomes on {}", inst.label),
            format!("Instance: {}. {}", inst.full, tables::INSTANCE_NOTE),
        )?);
    }
    // The museum's Markdown carries the sentence that tells its two time columns apart.
    let museum = tables::Table {
        notes: vec![tables::MUSEUM_MEDIANS.to_string()],
        ..tables::museum_table(&sweep)
    };
    let museum_page = write_table(
        "museum",
        museum.clone(),
        &museum,
        "The museum: what each optimizer keeps of the Hessian, what it pays and what it gains"
            .into(),
        tables::MUSEUM_NOTE.into(),
    )?;
    let mut kappa_tables = Vec::new();
    if options.kinds.contains(&FigureKind::Kappa) {
        for (k, study) in kappa_studies(&sweep).iter().enumerate() {
            let t = tables::kappa_table(&sweep, study, false);
            let csv = tables::kappa_table(&sweep, study, true);
            kappa_tables.push(write_table(
                &format!("kappa-{k:02}"),
                t,
                &csv,
                format!("Median iterations to convergence: {}", study.label),
                format!(
                    "{} {}. Cells: median over converged seeds (runs that did not converge in brackets, or \
                     the status when none did). Last row: least-squares slope of log iterations on log kappa \
                     (converged runs, kappa > 1) with the theory slope in brackets, then how many runs at \
                     kappa > 1 did not converge and where (the fit leaves them out), or why there is no slope \
                     (fewer than two kappa values with a converged run).",
                    study.family, study.shared
                ),
            )?);
        }
    }
    let mut batch_tables = Vec::new();
    let mut batch_lines = Vec::new();
    if options.kinds.contains(&FigureKind::Batch) {
        for (k, study) in batch_studies(&sweep).iter().enumerate() {
            let t = tables::batch_table(&sweep, study, false);
            let csv = tables::batch_table(&sweep, study, true);
            batch_tables.push(write_table(
                &format!("batch-{k:02}"),
                t,
                &csv,
                format!("Steps to the target against batch size: {}", study.label),
                tables::batch_note(study),
            )?);
            batch_lines.push(batch::summary_line(&sweep, study));
        }
    }

    let mut outcome_tables = Vec::new();
    if let Some(t) = endings::ending_table(&sweep) {
        outcome_tables.push(write_table(
            "endings",
            t.clone(),
            &t,
            "Where each optimizer ended".into(),
            "Runs of a config with `diagnose = true`, by the Hessian's verdict at the final point: minimum, \
             saddle, maximum, degenerate (a zero eigenvalue: the second-order test is silent), or not a \
             critical point (the gradient is not small); no verdict where the problem has no second \
             derivatives or the point is not finite."
                .into(),
        )?);
    }
    let mut tuning_tables = Vec::new();
    if let Some(t) = tuning::tuning_table(&sweep) {
        tuning_tables.push(write_table(
            "tuning",
            t.clone(),
            &t,
            "Tuning: chosen settings and their cost".into(),
            "Per tuned optimizer and group: the rule, the trial it chose on the tuning seeds, and what the \
             trials cost in runs and gradient-equivalent evaluations (also in the outcome table). The last \
             column names each key chosen at the least or greatest value tried (on a grid, a bound of the \
             range; for Sobol points, within one stratum of it): the best value may lie outside, so widen the \
             range."
                .into(),
        )?);
    }
    let overview = overview_figures(&sweep, &page_figures);
    let page = html::page(&html::Page {
        sweep: &sweep,
        museum: museum_page,
        overview,
        outcomes,
        instance_tables,
        kappa_tables,
        batch_tables,
        outcome_tables,
        tuning_tables,
        figures: page_figures,
    });
    let index = out.join("index.html");
    write_file(&index, page.as_bytes(), &mut files)?;
    let kept = stale::tidy(&out, &files, options)?;
    Ok(Written {
        out,
        figures: names,
        files,
        index,
        ignored: sweep.ignored,
        kept,
        batch_lines,
    })
}
