//! What a census writes and prints: the summary, the table of distinct points (Markdown and CSV), the JSON
//! of the whole census, and the figure of index fraction `index / n` against the value `f` (SVG and PNG)
//! with its caption, drawn with the report's figure and table writers.
//!
//! Files in the output directory: `census.md` (summary, caption and table), `census.csv` (the table),
//! `census.json` (every setting, every start's end and every distinct point with its location and full
//! spectrum: [`Census`], format [`super::FORMAT`]), `index-vs-loss.svg|png`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::Census;
use super::points::{KINDS, kind_name};
use crate::digits::significant;
use crate::report::figure::{Axis, Figure, Label, LegendEntry, Mark, Scale};
use crate::report::style::{INK, Marker, PALETTE};
use crate::report::{Formats, ReportError};
use crate::table::{Csv, Markdown, Table, TableFormat};

/// The figure's file stem.
pub const FIGURE: &str = "index-vs-loss";

/// Labels with the number of points are drawn when the points fall on at most this many places.
pub const MAX_LABELS: usize = 24;

/// The marker and colour of a kind in the figure.
fn look(kind: &str) -> (Marker, plotters::style::RGBColor) {
    match kind {
        "minimum" => (Marker::Star, PALETTE[2]),
        "saddle" => (Marker::Hourglass, PALETTE[0]),
        "maximum" => (Marker::Asterisk, PALETTE[1]),
        _ => (Marker::Bar, PALETTE[3]),
    }
}

/// The instance as one line: `family {params}`.
pub fn instance_line(c: &Census) -> String {
    format!("{} {}", c.family, c.params)
}

/// The Spearman lines (over distinct points, then over levels), where the census computed them.
pub fn spearman_line(c: &Census) -> Option<String> {
    let line = |s: &super::Spearman, what: &str| {
        format!(
            "Spearman rank correlation of index and f over the {} {what}: rho = {}, one-sided \
             permutation p = {} ({} permutations)",
            s.pairs,
            significant(s.rho, 3),
            significant(s.p_value, 2),
            s.permutations
        )
    };
    let points = line(c.spearman.as_ref()?, "distinct points");
    Some(match &c.spearman_levels {
        Some(l) => format!(
            "{points}; over the {} (equal index, nullity and f counted once)",
            line(l, "levels")
                .trim_start_matches("Spearman rank correlation of index and f over the ")
        ),
        None => points,
    })
}

/// The summary `optzoo critical` prints: starts, converged, distinct points per kind and index, and the rank
/// correlation where asked for.
pub fn summary(c: &Census) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "census of {} (n = {}), seed {}",
        instance_line(c),
        c.dim,
        c.seed
    );
    let _ = writeln!(
        s,
        "starts: {}, uniform in the box x_std + [-R, R]^n, R = {} ({})",
        c.ends.len(),
        significant(c.radius, 4),
        c.radius_rule
    );
    let converged = c.converged();
    let _ = writeln!(
        s,
        "converged: {converged} (||g|| <= {}), not converged: {}",
        significant(c.grad_tol, 3),
        c.ends.len() - converged
    );
    let kinds: Vec<String> = KINDS
        .iter()
        .map(|k| format!("{} {}", c.count(kind_name(*k)), kind_name(*k)))
        .collect();
    let _ = writeln!(
        s,
        "distinct points: {} ({}), in {} levels (equal index, nullity and f)",
        c.points.len(),
        kinds.join(", "),
        c.levels.len()
    );
    let mut by_index: BTreeMap<usize, usize> = BTreeMap::new();
    for p in &c.points {
        *by_index.entry(p.index).or_default() += 1;
    }
    let idx: Vec<String> = by_index.iter().map(|(i, k)| format!("{i}: {k}")).collect();
    let _ = writeln!(s, "by index: {}", idx.join(", "));
    if let Some(line) = spearman_line(c) {
        let _ = writeln!(s, "{line}");
    }
    s
}

/// The table of distinct points, lowest value first.
pub fn table(c: &Census) -> Table {
    let mut order: Vec<usize> = (0..c.points.len()).collect();
    order.sort_by(|&a, &b| {
        c.points[a]
            .value
            .total_cmp(&c.points[b].value)
            .then(c.points[a].index.cmp(&c.points[b].index))
            .then(a.cmp(&b))
    });
    let rows = order
        .iter()
        .map(|&i| {
            let p = &c.points[i];
            let lo = p.eigenvalues.first().copied().unwrap_or(f64::NAN);
            let hi = p.eigenvalues.last().copied().unwrap_or(f64::NAN);
            vec![
                (i + 1).to_string(),
                p.kind.clone(),
                p.index.to_string(),
                p.nullity.to_string(),
                significant(p.index_fraction, 4),
                significant(p.value, 10),
                significant(p.grad_norm, 3),
                significant(lo, 4),
                significant(hi, 4),
                p.kappa.map(|k| significant(k, 4)).unwrap_or_default(),
                p.hits.to_string(),
            ]
        })
        .collect();
    Table {
        header: [
            "point",
            "kind",
            "index",
            "nullity",
            "index / n",
            "f",
            "grad norm",
            "lambda_min",
            "lambda_max",
            "kappa",
            "starts",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        rows,
        footer_from: None,
        ..Table::default()
    }
}

/// The caption of the figure and the table: what is drawn and how the points were found.
pub fn caption(c: &Census) -> String {
    let f_star = c
        .f_star
        .map(|f| format!(" The global minimum value is f* = {}.", significant(f, 6)))
        .unwrap_or_default();
    format!(
        "Critical points of {} (n = {}, seed {}): the fraction index / n of negative Hessian eigenvalues \
         against the value f at each of the {} distinct points found from {} random starts (uniform in the \
         box x_std + [-R, R]^n, R = {}), {} of which converged (||g|| <= {}). Each start runs damped \
         Gauss-Newton on ||g||^2 / 2 (steps -(H^2 + ||g||^2 I)^-1 H g with a line search on ||g||), then \
         Newton polishing; ends within {} (relative, max norm) are one point. Eigenvalues with |lambda| <= \
         {} S count as zero, S = {} the largest |lambda| of the census; a point with a zero eigenvalue and \
         no negative one is degenerate, never a minimum.{}{f_star}{}",
        instance_line(c),
        c.dim,
        c.seed,
        c.points.len(),
        c.ends.len(),
        significant(c.radius, 4),
        c.converged(),
        significant(c.grad_tol, 3),
        significant(c.dedup_tol, 3),
        significant(c.zero_tol, 3),
        significant(c.curvature_scale, 4),
        if counted_places(c).is_some() {
            " Numbers beside the marks count the points drawn there."
        } else {
            ""
        },
        spearman_line(c)
            .map(|l| format!(" {l}."))
            .unwrap_or_default()
    )
}

/// A place of the figure: the value to 6 significant digits and the index.
type Place = (String, usize);

/// The places `(f, index / n)` with the number of points drawn at each, where the figure labels them: when
/// there are at most [`MAX_LABELS`] places and some place holds more than one point.
fn counted_places(c: &Census) -> Option<BTreeMap<Place, (f64, f64, usize)>> {
    let mut places: BTreeMap<Place, (f64, f64, usize)> = BTreeMap::new();
    for p in &c.points {
        let key = (significant(p.value, 6), p.index);
        let e = places.entry(key).or_insert((p.value, p.index_fraction, 0));
        e.2 += 1;
    }
    (places.len() <= MAX_LABELS && places.values().any(|(_, _, k)| *k > 1)).then_some(places)
}

/// The figure of index fraction against value: one mark per distinct point, by kind.
pub fn figure(c: &Census) -> Figure {
    let mut fig = Figure::new(
        FIGURE,
        format!("critical points of {}", c.family),
        Axis::new("f at the critical point", Scale::Linear),
        Axis::fixed("index / n", Scale::Linear, (-0.05, 1.05)),
    );
    fig.caption = caption(c);
    for k in KINDS {
        let name = kind_name(k);
        let (marker, color) = look(name);
        let mut any = false;
        for p in c.points.iter().filter(|p| p.kind == name) {
            any = true;
            fig.marks.push(Mark {
                at: (p.value, p.index_fraction),
                marker,
                color,
                filled: true,
                scale: 1.0,
            });
        }
        if any {
            fig.legend.push(LegendEntry {
                label: name.to_string(),
                line: None,
                mark: Some((marker, color, true)),
            });
        }
    }
    // Where many points share a place (symmetric landscapes), say how many.
    if let Some(places) = counted_places(c) {
        // Room on the right for the label of the rightmost place.
        let (lo, hi) = c
            .points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p.value), b.max(p.value))
            });
        let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
        fig.x.range = Some((lo - 0.06 * span, hi + 0.12 * span));
        for (value, fraction, k) in places.values() {
            fig.labels.push(Label {
                at: (*value, *fraction),
                text: format!("  {k}"),
                color: INK,
            });
        }
    }
    fig
}

/// The Markdown file: summary, caption and table.
pub fn markdown(c: &Census) -> String {
    format!(
        "# Census of critical points\n\n```\n{}```\n\n![{}]({FIGURE}.svg)\n\n{}\n\n{}",
        summary(c),
        fig_alt(c),
        caption(c),
        Markdown::default().write(&table(c))
    )
}

fn fig_alt(c: &Census) -> String {
    format!("index / n against f for {}", c.family)
}

/// Writes `census.md`, `census.csv`, `census.json` and the figure (SVG, PNG; its title drawn when
/// `titles`) into `dir`; returns the files.
pub fn write(c: &Census, dir: &Path, titles: bool) -> Result<Vec<PathBuf>, ReportError> {
    let io = |path: &Path, e: String| ReportError::Write {
        path: path.to_path_buf(),
        message: e,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e.to_string()))?;
    let json = serde_json::to_string_pretty(c).map_err(|e| io(dir, e.to_string()))?;
    let mut files = Vec::new();
    for (name, text) in [
        ("census.md", markdown(c)),
        ("census.csv", Csv.write(&table(c))),
        ("census.json", json + "\n"),
    ] {
        let path = dir.join(name);
        crate::store::write_atomic(&path, text.as_bytes()).map_err(|e| io(&path, e.to_string()))?;
        files.push(path);
    }
    let formats = Formats {
        svg: true,
        png: true,
        pdf: false,
    };
    let mut fig = figure(c);
    fig.draw_title = titles;
    files.extend(crate::report::diagnostics::write_figure(
        &fig, dir, formats,
    )?);
    Ok(files)
}
