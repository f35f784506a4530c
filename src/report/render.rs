//! Draws a [`Figure`] with plotters: SVG (text as text, no fonts needed), PNG (300 dpi, text rasterised
//! from the embedded font) and PDF (the SVG converted by svg2pdf, text embedded from the same font).
//!
//! Everything is laid out in figure units (1/100 inch) and multiplied by a backend scale: 4 for SVG (the
//! root element says 3.5in wide, so the file has a physical size), 3 for PNG (300 dpi). Axes, ticks, grid
//! and legend are drawn here directly in device coordinates, so log axes get decade ticks labelled
//! `10⁻³` and every backend gets the same picture.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::figure::{Axis, Figure, LegendEntry, Look, Scale};
use super::style::{
    FAMILY, FONT, FONT_NAME, GREY, INK, MARKER_SIZE, Marker, PNG_SCALE, UNITS_PER_INCH, WIDTH,
    register_fonts,
};

/// SVG device units per figure unit.
pub const SVG_SCALE: f64 = 4.0;

/// Title text size, in points.
pub const TITLE_PT: f64 = 8.5;
/// Axis label text size, in points.
pub const LABEL_PT: f64 = 7.5;
/// Tick label and legend text size, in points.
pub const TICK_PT: f64 = 6.5;

const TITLE_H: f64 = 18.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 4.0;
const BOTTOM: f64 = 30.0;
const LEGEND_ROW: f64 = 13.0;
const LEGEND_PAD: f64 = 8.0;
const SAMPLE_W: f64 = 20.0;

/// A figure that could not be drawn or encoded.
#[derive(Debug, thiserror::Error)]
#[error("figure `{figure}`: {message}")]
pub struct RenderError {
    /// The figure's name.
    pub figure: String,
    /// What failed.
    pub message: String,
}

/// plotters' font size for a text of `pt` points at device scale `s`: plotters draws SVG text at
/// `font-size = size / 1.24`, so the size asked for is 1.24 em.
fn font_size(pt: f64, s: f64) -> f64 {
    pt / 72.0 * UNITS_PER_INCH * 1.24 * s
}

fn text_width(text: &str, pt: f64, s: f64) -> f64 {
    (FAMILY, font_size(pt, s))
        .into_font()
        .box_size(text)
        .map(|(w, _)| w as f64)
        .unwrap_or(text.chars().count() as f64 * 0.6 * pt / 72.0 * UNITS_PER_INCH * s)
}

/// Legend rows: for each row, the entries' indices and their x offsets (figure units).
fn legend_rows(entries: &[LegendEntry]) -> Vec<Vec<(usize, f64)>> {
    let avail = WIDTH - 2.0 * LEGEND_PAD;
    let mut rows: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut x = 0.0;
    for (i, e) in entries.iter().enumerate() {
        let w = SAMPLE_W + 4.0 + text_width(&e.label, TICK_PT, 1.0) + 10.0;
        if rows.is_empty() || (x + w > avail && x > 0.0) {
            rows.push(Vec::new());
            x = 0.0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((i, x));
        }
        x += w;
    }
    rows
}

/// The figure's size in figure units.
pub fn size(fig: &Figure) -> (f64, f64) {
    let rows = legend_rows(&fig.legend).len() as f64;
    let legend = if rows > 0.0 {
        rows * LEGEND_ROW + 6.0
    } else {
        0.0
    };
    (WIDTH, TITLE_H + fig.panel_height + legend)
}

/// Maps one axis from data values to device coordinates.
#[derive(Debug, Clone, Copy)]
struct Map {
    scale: Scale,
    lo: f64,
    hi: f64,
    d0: f64,
    d1: f64,
}

impl Map {
    fn t(&self, v: f64) -> f64 {
        let u = match self.scale {
            Scale::Log if v > 0.0 && v.is_finite() => v.log10(),
            Scale::Log if v == f64::INFINITY => self.hi,
            Scale::Log => self.lo,
            Scale::Linear => v,
        };
        u.clamp(self.lo, self.hi)
    }
    fn dev(&self, v: f64) -> f64 {
        self.d0 + (self.t(v) - self.lo) / (self.hi - self.lo) * (self.d1 - self.d0)
    }
    fn dev_t(&self, u: f64) -> f64 {
        self.d0 + (u - self.lo) / (self.hi - self.lo) * (self.d1 - self.d0)
    }
}

/// Every data value the figure draws on one axis (`x` when `horizontal`).
fn values(fig: &Figure, horizontal: bool) -> Vec<f64> {
    let pick = |p: &(f64, f64)| if horizontal { p.0 } else { p.1 };
    let mut v: Vec<f64> = Vec::new();
    for c in &fig.contours {
        v.extend(c.iter().map(pick));
    }
    for l in &fig.lines {
        v.extend(l.points.iter().map(pick));
    }
    for m in &fig.marks {
        v.push(pick(&m.at));
    }
    for l in &fig.labels {
        v.push(pick(&l.at));
    }
    for b in &fig.bands {
        if horizontal {
            v.extend(&b.x);
        } else {
            v.extend(&b.lo);
            v.extend(&b.hi);
        }
    }
    for e in &fig.error_bars {
        if horizontal {
            v.push(e.x);
        } else {
            v.push(e.lo);
            v.push(e.hi);
        }
    }
    v
}

/// The axis range in transformed units (log10 for a log axis).
fn range(axis: &Axis, data: &[f64]) -> (f64, f64) {
    let tr = |v: f64| match axis.scale {
        Scale::Log => v.log10(),
        Scale::Linear => v,
    };
    if let Some((a, b)) = axis.range {
        let (a, b) = (tr(a), tr(b));
        if a.is_finite() && b.is_finite() && b > a {
            return (a, b);
        }
    }
    let us: Vec<f64> = data
        .iter()
        .filter(|v| v.is_finite() && (axis.scale == Scale::Linear || **v > 0.0))
        .map(|v| tr(*v))
        .collect();
    let (mut lo, mut hi) = us
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), u| {
            (a.min(*u), b.max(*u))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    match axis.scale {
        Scale::Log => {
            // At least one decade, and a margin of 5% of the span so that no point sits on the frame.
            if hi - lo < 1.0 {
                let mid = 0.5 * (lo + hi);
                lo = mid - 0.5;
                hi = mid + 0.5;
            }
            let pad = 0.05 * (hi - lo);
            lo -= pad;
            hi += pad;
        }
        Scale::Linear => {
            if hi <= lo {
                let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
                return (lo - d, hi + d);
            }
            let pad = 0.03 * (hi - lo);
            lo = if lo == 0.0 { 0.0 } else { lo - pad };
            hi += pad;
        }
    }
    (lo, hi)
}

/// "Nice" tick positions in `[lo, hi]`: multiples of 1, 2, 2.5 or 5 times a power of ten, about `n` of
/// them.
pub fn linear_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = hi - lo;
    if span <= 0.0 || !span.is_finite() {
        return vec![lo];
    }
    let raw = span / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Tick positions (in log10 units) for a log axis over `[lo, hi]`: whole decades, every `k`-th so that
/// at most about `n` remain; over two decades or less, the logs of 2 and 5 times powers of ten as well.
pub fn log_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let first = lo.ceil() as i64;
    let last = hi.floor() as i64;
    let decades = (last - first + 1).max(0) as usize;
    if hi - lo > 2.0 + 1e-9 {
        let stride = decades.div_ceil(n.max(1)).max(1) as i64;
        // Keep the multiples of the stride so that 10^0 is a tick whenever it is in range.
        return (first..=last)
            .filter(|k| k.rem_euclid(stride) == 0)
            .map(|k| k as f64)
            .collect();
    }
    let mut out = Vec::new();
    for k in (lo.floor() as i64)..=(hi.ceil() as i64) {
        for m in [1.0, 2.0, 5.0] {
            let u = k as f64 + f64::log10(m);
            if u >= lo - 1e-9 && u <= hi + 1e-9 {
                out.push(u);
            }
        }
    }
    out
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// `10` with a superscript exponent: `10⁻³`.
pub fn power_of_ten(k: i64) -> String {
    let mut s = String::from("10");
    if k < 0 {
        s.push('⁻');
    }
    for c in k.unsigned_abs().to_string().chars() {
        s.push(SUPERSCRIPT[c.to_digit(10).unwrap_or(0) as usize]);
    }
    s
}

fn tick_label(scale: Scale, u: f64) -> String {
    match scale {
        Scale::Log => {
            let k = u.round();
            if (u - k).abs() < 1e-9 {
                power_of_ten(k as i64)
            } else {
                crate::analysis::sweep::number_text(
                    (10f64.powf(u) * 1e3).round() / 1e3, // a 2 or 5 times a power of ten, to 3 digits
                )
            }
        }
        Scale::Linear => {
            // Ticks are multiples of a step; print them without rounding noise.
            let r = (u * 1e9).round() / 1e9;
            crate::analysis::sweep::number_text(r)
        }
    }
}

type DrawResult = Result<(), String>;

fn px(v: f64) -> i32 {
    v.round() as i32
}

fn stroke(color: RGBColor, w: f64) -> ShapeStyle {
    ShapeStyle {
        color: color.to_rgba(),
        filled: false,
        stroke_width: (w.round() as u32).max(1),
    }
}

fn fill(color: RGBColor, alpha: f64) -> ShapeStyle {
    ShapeStyle {
        color: color.mix(alpha),
        filled: true,
        stroke_width: 0,
    }
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The outline of a marker centred at `(x, y)` with radius `r`, as a closed polygon (device units).
fn marker_polygon(m: Marker, x: f64, y: f64, r: f64) -> Vec<(i32, i32)> {
    let pts: Vec<(f64, f64)> = match m {
        Marker::Circle => (0..24)
            .map(|k| {
                let a = k as f64 / 24.0 * std::f64::consts::TAU;
                (x + r * a.cos(), y + r * a.sin())
            })
            .collect(),
        Marker::Square => {
            let h = r * 0.85;
            vec![
                (x - h, y - h),
                (x + h, y - h),
                (x + h, y + h),
                (x - h, y + h),
            ]
        }
        Marker::TriangleUp => {
            let h = r * 1.15;
            vec![(x, y - h), (x + h, y + 0.6 * h), (x - h, y + 0.6 * h)]
        }
        Marker::TriangleDown => {
            let h = r * 1.15;
            vec![(x, y + h), (x + h, y - 0.6 * h), (x - h, y - 0.6 * h)]
        }
        Marker::Diamond => {
            let h = r * 1.2;
            vec![(x, y - h), (x + h * 0.8, y), (x, y + h), (x - h * 0.8, y)]
        }
        Marker::Star => (0..10)
            .map(|k| {
                let a = -std::f64::consts::FRAC_PI_2 + k as f64 / 10.0 * std::f64::consts::TAU;
                let rr = if k % 2 == 0 { r * 1.3 } else { r * 0.55 };
                (x + rr * a.cos(), y + rr * a.sin())
            })
            .collect(),
        Marker::Plus | Marker::Cross => Vec::new(),
    };
    pts.into_iter().map(|(a, b)| (px(a), px(b))).collect()
}

fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: Marker,
    (x, y): (f64, f64),
    r: f64,
    color: RGBColor,
    filled: bool,
    s: f64,
) -> DrawResult {
    let w = 1.1 * s;
    match m {
        Marker::Plus | Marker::Cross => {
            let h = r * 1.15;
            let (a, b) = if m == Marker::Plus {
                (((x - h, y), (x + h, y)), ((x, y - h), (x, y + h)))
            } else {
                let d = h * 0.8;
                (
                    ((x - d, y - d), (x + d, y + d)),
                    ((x - d, y + d), (x + d, y - d)),
                )
            };
            for (p, q) in [a, b] {
                area.draw(&PathElement::new(
                    vec![(px(p.0), px(p.1)), (px(q.0), px(q.1))],
                    stroke(color, 1.6 * s),
                ))
                .map_err(err)?;
            }
            Ok(())
        }
        _ => {
            let poly = marker_polygon(m, x, y, r);
            if filled {
                area.draw(&Polygon::new(poly.clone(), fill(color, 1.0)))
                    .map_err(err)?;
            } else {
                area.draw(&Polygon::new(poly.clone(), fill(WHITE, 1.0)))
                    .map_err(err)?;
            }
            let mut closed = poly;
            if let Some(first) = closed.first().copied() {
                closed.push(first);
            }
            area.draw(&PathElement::new(closed, stroke(color, w)))
                .map_err(err)
        }
    }
}

fn draw_line_look<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: Vec<(i32, i32)>,
    look: &Look,
    s: f64,
) -> DrawResult {
    let style = stroke(look.color, look.width * s);
    if look.dashed {
        area.draw(&DashedPathElement::new(
            pts,
            px(4.0 * s),
            px(3.0 * s),
            style,
        ))
        .map_err(err)
    } else {
        area.draw(&PathElement::new(pts, style)).map_err(err)
    }
}

fn text_style(pt: f64, s: f64, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FAMILY, font_size(pt, s)).into_font())
        .color(&INK)
        .pos(Pos::new(h, v))
}

/// Draws `fig` on `root` at device scale `s`.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure, s: f64) -> DrawResult {
    root.fill(&WHITE).map_err(err)?;
    let (w, _) = size(fig);
    // Title.
    root.draw(&Text::new(
        fig.title.clone(),
        (px(w / 2.0 * s), px(5.0 * s)),
        text_style(TITLE_PT, s, HPos::Center, VPos::Top),
    ))
    .map_err(err)?;

    // Plot box, device units.
    let bx0 = LEFT * s;
    let bx1 = (w - RIGHT) * s;
    let by0 = (TITLE_H + TOP) * s;
    let by1 = (TITLE_H + fig.panel_height - BOTTOM) * s;
    let (xl, xh) = range(&fig.x, &values(fig, true));
    let (yl, yh) = range(&fig.y, &values(fig, false));
    let mx = Map {
        scale: fig.x.scale,
        lo: xl,
        hi: xh,
        d0: bx0,
        d1: bx1,
    };
    let my = Map {
        scale: fig.y.scale,
        lo: yl,
        hi: yh,
        d0: by1,
        d1: by0,
    };
    let to_dev = |p: &(f64, f64)| (px(mx.dev(p.0)), px(my.dev(p.1)));

    // Grid and ticks.
    let xticks = match fig.x.scale {
        Scale::Log => log_ticks(xl, xh, 6),
        Scale::Linear => linear_ticks(xl, xh, 5),
    };
    let yticks = match fig.y.scale {
        Scale::Log => log_ticks(yl, yh, 7),
        Scale::Linear => linear_ticks(yl, yh, 5),
    };
    let grid = stroke(RGBColor(0xE4, 0xE4, 0xE4), 0.5 * s);
    let tick = stroke(INK, 0.8 * s);
    for &u in &xticks {
        let x = px(mx.dev_t(u));
        root.draw(&PathElement::new(vec![(x, px(by0)), (x, px(by1))], grid))
            .map_err(err)?;
        root.draw(&PathElement::new(
            vec![(x, px(by1)), (x, px(by1 + 3.0 * s))],
            tick,
        ))
        .map_err(err)?;
        root.draw(&Text::new(
            tick_label(fig.x.scale, u),
            (x, px(by1 + 5.0 * s)),
            text_style(TICK_PT, s, HPos::Center, VPos::Top),
        ))
        .map_err(err)?;
    }
    for &u in &yticks {
        let y = px(my.dev_t(u));
        root.draw(&PathElement::new(vec![(px(bx0), y), (px(bx1), y)], grid))
            .map_err(err)?;
        root.draw(&PathElement::new(
            vec![(px(bx0 - 3.0 * s), y), (px(bx0), y)],
            tick,
        ))
        .map_err(err)?;
        root.draw(&Text::new(
            tick_label(fig.y.scale, u),
            (px(bx0 - 5.0 * s), y),
            text_style(TICK_PT, s, HPos::Right, VPos::Center),
        ))
        .map_err(err)?;
    }
    // Axis labels.
    root.draw(&Text::new(
        fig.x.label.clone(),
        (px((bx0 + bx1) / 2.0), px(by1 + 17.0 * s)),
        text_style(LABEL_PT, s, HPos::Center, VPos::Top),
    ))
    .map_err(err)?;
    root.draw(&Text::new(
        fig.y.label.clone(),
        (px(6.0 * s), px((by0 + by1) / 2.0)),
        text_style(LABEL_PT, s, HPos::Center, VPos::Top).transform(FontTransform::Rotate270),
    ))
    .map_err(err)?;

    // Contours, bands, error bars, lines, marks, labels.
    for c in &fig.contours {
        let pts: Vec<(i32, i32)> = c.iter().map(to_dev).collect();
        root.draw(&PathElement::new(pts, stroke(GREY, 0.6 * s)))
            .map_err(err)?;
    }
    for b in &fig.bands {
        let mut poly: Vec<(i32, i32)> =
            b.x.iter()
                .zip(&b.hi)
                .map(|(x, y)| to_dev(&(*x, *y)))
                .collect();
        poly.extend(b.x.iter().zip(&b.lo).rev().map(|(x, y)| to_dev(&(*x, *y))));
        if poly.len() >= 3 {
            root.draw(&Polygon::new(poly, fill(b.color, 0.18)))
                .map_err(err)?;
        }
    }
    for e in &fig.error_bars {
        let x = mx.dev(e.x);
        let (a, b) = (my.dev(e.lo), my.dev(e.hi));
        let st = stroke(e.color, 1.0 * s);
        let cap = 2.5 * s;
        for seg in [
            [(x, a), (x, b)],
            [(x - cap, a), (x + cap, a)],
            [(x - cap, b), (x + cap, b)],
        ] {
            root.draw(&PathElement::new(
                seg.iter().map(|p| (px(p.0), px(p.1))).collect::<Vec<_>>(),
                st,
            ))
            .map_err(err)?;
        }
    }
    for (k, l) in fig.lines.iter().enumerate() {
        let dev: Vec<(f64, f64)> = l
            .points
            .iter()
            .map(|p| (mx.dev(p.0), my.dev(p.1)))
            .collect();
        if dev.len() >= 2 {
            draw_line_look(
                root,
                dev.iter().map(|p| (px(p.0), px(p.1))).collect(),
                &l.look,
                s,
            )?;
        }
        if let Some(m) = l.look.marker {
            for p in marker_positions(&dev, k) {
                draw_marker(root, m, p, MARKER_SIZE * s, l.look.color, true, s)?;
            }
        }
    }
    for m in &fig.marks {
        let p = (mx.dev(m.at.0), my.dev(m.at.1));
        draw_marker(
            root,
            m.marker,
            p,
            MARKER_SIZE * m.scale * s,
            m.color,
            m.filled,
            s,
        )?;
    }
    for l in &fig.labels {
        let mut style = text_style(TICK_PT, s, HPos::Left, VPos::Center);
        style.color = l.color.to_backend_color();
        root.draw(&Text::new(
            l.text.clone(),
            (px(mx.dev(l.at.0)), px(my.dev(l.at.1))),
            style,
        ))
        .map_err(err)?;
    }
    // Frame.
    root.draw(&PathElement::new(
        vec![
            (px(bx0), px(by0)),
            (px(bx1), px(by0)),
            (px(bx1), px(by1)),
            (px(bx0), px(by1)),
            (px(bx0), px(by0)),
        ],
        stroke(INK, 0.8 * s),
    ))
    .map_err(err)?;

    // Legend.
    let top = TITLE_H + fig.panel_height + 2.0;
    for (r, row) in legend_rows(&fig.legend).iter().enumerate() {
        let y = (top + (r as f64 + 0.5) * LEGEND_ROW) * s;
        for &(i, off) in row {
            let e = &fig.legend[i];
            let x0 = (LEGEND_PAD + off) * s;
            let x1 = x0 + SAMPLE_W * s;
            if let Some(look) = &e.line {
                draw_line_look(root, vec![(px(x0), px(y)), (px(x1), px(y))], look, s)?;
                if let Some(m) = look.marker {
                    draw_marker(
                        root,
                        m,
                        ((x0 + x1) / 2.0, y),
                        MARKER_SIZE * s,
                        look.color,
                        true,
                        s,
                    )?;
                }
            }
            if let Some((m, color, filled)) = e.mark {
                draw_marker(
                    root,
                    m,
                    ((x0 + x1) / 2.0, y),
                    MARKER_SIZE * s,
                    color,
                    filled,
                    s,
                )?;
            }
            root.draw(&Text::new(
                e.label.clone(),
                (px(x1 + 4.0 * s), px(y)),
                text_style(TICK_PT, s, HPos::Left, VPos::Center),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

/// Where to put the markers of line `k`: five points spread along its horizontal extent, shifted a little
/// per line so that markers of overlapping lines do not hide each other.
fn marker_positions(dev: &[(f64, f64)], k: usize) -> Vec<(f64, f64)> {
    let (Some(first), Some(last)) = (dev.first(), dev.last()) else {
        return Vec::new();
    };
    let (a, b) = (first.0, last.0);
    let count = 5;
    let shift = (k as f64 * 0.37).fract();
    (0..count)
        .filter_map(|i| {
            let target = a + (b - a) * (i as f64 + 0.2 + 0.6 * shift) / count as f64;
            let j = dev.partition_point(|p| p.0 < target);
            dev.get(j.min(dev.len().saturating_sub(1))).copied()
        })
        .collect()
}

/// The figure as an SVG document, 3.5 in wide.
pub fn to_svg(fig: &Figure) -> Result<String, RenderError> {
    register_fonts();
    let (w, h) = size(fig);
    let dims = (
        (w * SVG_SCALE).round() as u32,
        (h * SVG_SCALE).round() as u32,
    );
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, dims).into_drawing_area();
        draw(&root, fig, SVG_SCALE).map_err(|message| RenderError {
            figure: fig.name.clone(),
            message,
        })?;
        root.present().map_err(|e| RenderError {
            figure: fig.name.clone(),
            message: e.to_string(),
        })?;
    }
    // Give the root element a physical size; the viewBox keeps the device units.
    let physical = format!(
        "<svg width=\"{}in\" height=\"{}in\"",
        w / UNITS_PER_INCH,
        h / UNITS_PER_INCH
    );
    let device = format!("<svg width=\"{}\" height=\"{}\"", dims.0, dims.1);
    Ok(out.replacen(&device, &physical, 1))
}

/// The figure as a PNG image at 300 dpi.
pub fn to_png(fig: &Figure) -> Result<Vec<u8>, RenderError> {
    register_fonts();
    let fail = |message: String| RenderError {
        figure: fig.name.clone(),
        message,
    };
    let (w, h) = size(fig);
    let dims = (
        (w * PNG_SCALE).round() as u32,
        (h * PNG_SCALE).round() as u32,
    );
    let mut buf = vec![255u8; dims.0 as usize * dims.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, dims).into_drawing_area();
        draw(&root, fig, PNG_SCALE).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, dims.0, dims.1);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // 300 dots per inch = 11811 per metre.
        let per_metre = (PNG_SCALE * UNITS_PER_INCH / 0.0254).round() as u32;
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: png::Unit::Meter,
        }));
        let mut writer = enc.write_header().map_err(|e| fail(e.to_string()))?;
        writer
            .write_image_data(&buf)
            .map_err(|e| fail(e.to_string()))?;
        writer.finish().map_err(|e| fail(e.to_string()))?;
    }
    Ok(out)
}

/// An SVG document (as made by [`to_svg`]) converted to PDF, the page the SVG's physical size, text
/// embedded from the figure font.
pub fn svg_to_pdf(name: &str, svg: &str) -> Result<Vec<u8>, RenderError> {
    use svg2pdf::usvg;
    let fail = |message: String| RenderError {
        figure: name.to_string(),
        message,
    };
    let mut opt = usvg::Options::default();
    opt.fontdb_mut().load_font_data(FONT.to_vec());
    opt.fontdb_mut().set_sans_serif_family(FONT_NAME);
    opt.font_family = FONT_NAME.to_string();
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| fail(e.to_string()))?;
    // usvg reads inches at 96 px per inch; the same dpi gives the page its physical size.
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions { dpi: 96.0 },
    )
    .map_err(|e| fail(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_numbers_inside_the_range() {
        assert_eq!(
            linear_ticks(0.0, 20000.0, 5),
            vec![0.0, 5000.0, 10000.0, 15000.0, 20000.0]
        );
        assert_eq!(linear_ticks(0.3, 1.7, 5), vec![0.5, 1.0, 1.5]);
        let t = linear_ticks(-1.0, 1.0, 4);
        assert_eq!(t, vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
    }

    #[test]
    fn log_ticks_are_decades_or_one_two_five() {
        // 15 decades, at most about 7 ticks: every third, through 10^0.
        assert_eq!(log_ticks(-12.0, 2.0, 7), vec![-12.0, -9.0, -6.0, -3.0, 0.0]);
        assert_eq!(log_ticks(0.0, 3.0, 7), vec![0.0, 1.0, 2.0, 3.0]);
        let t = log_ticks(0.0, 1.2, 7);
        let expect = [0.0, 2f64.log10(), 5f64.log10(), 1.0];
        assert_eq!(t.len(), expect.len(), "{t:?}");
        for (a, b) in t.iter().zip(expect) {
            assert!((a - b).abs() <= 4.0 * f64::EPSILON, "{a:e} vs {b:e}");
        }
    }

    #[test]
    fn powers_of_ten_use_superscripts() {
        assert_eq!(power_of_ten(-12), "10⁻¹²");
        assert_eq!(power_of_ten(3), "10³");
        assert_eq!(power_of_ten(0), "10⁰");
    }
}
