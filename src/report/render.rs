//! Draws a [`Figure`] with plotters: SVG (text as text, no fonts needed), PNG (300 dpi, text rasterised
//! from the embedded font) and PDF (the SVG converted by svg2pdf, text embedded from the same font).
//!
//! Everything is laid out in figure units (1/100 inch) and multiplied by a backend scale: 4 for SVG (the
//! root element says 3.5in wide, so the file has a physical size), 3 for PNG (300 dpi). Axes, ticks, grid
//! and legend are drawn here directly in device coordinates, so log axes get decade ticks labelled
//! `10⁻³` and every backend gets the same picture. Lines, bands and contours are clipped to the plotting
//! frame here ([`clip`](super::clip)), so what leaves the frame is cut at its edge in every format; marks
//! and labels outside the frame are drawn on its edge.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::clip::{Rect, clip_polygon, clip_polyline};
use super::figure::{Axis, Figure, Look, Scale};
use super::legend::{self, LegendLayout};
use super::markers::{draw_marker, px, stroke};
use super::style::{
    FAMILY, FONT, FONT_NAME, GREY, INK, MARKER_SIZE, PNG_SCALE, UNITS_PER_INCH, WIDTH,
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
/// The space above the panel of a figure drawn without its title.
const NO_TITLE_H: f64 = 4.0;
const LEFT: f64 = 46.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 4.0;
const BOTTOM: f64 = 30.0;

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

/// The legend of `fig` laid out with the embedded font's widths.
fn legend_layout(fig: &Figure) -> LegendLayout {
    legend::layout(&fig.legend, WIDTH, |text, pt| text_width(text, pt, 1.0))
}

/// The height above the panel: the title's line, or a small margin without a title.
fn title_height(fig: &Figure) -> f64 {
    if fig.draw_title { TITLE_H } else { NO_TITLE_H }
}

/// The figure's size in figure units.
pub fn size(fig: &Figure) -> (f64, f64) {
    (
        WIDTH,
        title_height(fig) + fig.panel_height + legend_layout(fig).height(),
    )
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
    /// `v` in drawing units, unclamped: on a log axis, values at or below zero at the lower edge; infinite
    /// values ten spans beyond the frame (so that a clipped line leaves through the edge); NaN stays NaN.
    fn u(&self, v: f64) -> f64 {
        let span = self.hi - self.lo;
        match self.scale {
            _ if v == f64::INFINITY => self.hi + 10.0 * span,
            Scale::Log if v > 0.0 && v.is_finite() => v.log10(),
            Scale::Log if v.is_nan() => f64::NAN,
            Scale::Log => self.lo,
            Scale::Linear if v == f64::NEG_INFINITY => self.lo - 10.0 * span,
            Scale::Linear => v,
        }
    }
    /// `v` in device units, clamped to the frame (for marks and labels).
    fn dev(&self, v: f64) -> f64 {
        let u = self.u(v);
        let u = if u.is_nan() { self.lo } else { u };
        self.dev_t(u.clamp(self.lo, self.hi))
    }
    /// `v` in device units, possibly outside the frame (for geometry that is clipped).
    fn dev_free(&self, v: f64) -> f64 {
        self.dev_t(self.u(v))
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

fn log_tick_label(u: f64) -> String {
    let k = u.round();
    if (u - k).abs() < 1e-9 {
        power_of_ten(k as i64)
    } else {
        // A 2 or 5 times a power of ten: one significant digit.
        let v = 10f64.powf(u);
        let mag = 10f64.powf(v.log10().floor());
        crate::analysis::sweep::number_text((v / mag).round() * mag)
    }
}

/// `text` without trailing zeros after a decimal point (and without the point when nothing follows).
fn trim_zeros(text: &str) -> String {
    if !text.contains('.') {
        return text.to_string();
    }
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Labels of linear ticks (multiples of one step): the fewest decimals, or mantissa digits, that keep
/// every label distinct and exact to the tick, so a small or fractional range never repeats a label or
/// prints rounding noise. Fixed notation for magnitudes from 1e-3 to 1e6, scientific otherwise.
pub fn linear_tick_labels(ticks: &[f64]) -> Vec<String> {
    let step = ticks
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let top = ticks.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
    // A label is exact when it is within a millionth of a step of its tick.
    let tol = if step.is_finite() { step * 1e-6 } else { 0.0 };
    let distinct = |labels: &[String]| {
        let mut sorted = labels.to_vec();
        sorted.sort();
        sorted.dedup();
        sorted.len() == labels.len()
    };
    let fixed = top == 0.0 || (1e-3..1e6).contains(&top);
    let mut labels = Vec::new();
    for d in 0..=17usize {
        labels = ticks
            .iter()
            .map(|v| {
                let text = if fixed {
                    format!("{v:.d$}")
                } else {
                    format!("{v:.d$e}")
                };
                let back: f64 = text.parse().unwrap_or(f64::NAN);
                (text, (back - v).abs() <= tol)
            })
            .map(|(text, exact)| if exact { text } else { String::new() })
            .collect();
        if labels.iter().all(|l| !l.is_empty()) && distinct(&labels) {
            break;
        }
    }
    labels
        .iter()
        .zip(ticks)
        .map(|(l, v)| match l.split_once('e') {
            _ if *v == 0.0 => "0".to_string(),
            Some((m, e)) => format!("{}e{e}", trim_zeros(m)),
            None => trim_zeros(l),
        })
        .collect()
}

/// Tick positions in drawing units for an axis drawn over `[lo, hi]` (drawing units), about `n` of them
/// unless the axis gives its own.
fn axis_ticks(axis: &Axis, lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if let Some(ticks) = &axis.ticks {
        return ticks
            .iter()
            .map(|v| axis.transform(*v))
            .filter(|u| u.is_finite() && *u >= lo - 1e-9 * (hi - lo) && *u <= hi + 1e-9 * (hi - lo))
            .collect();
    }
    match axis.scale {
        Scale::Log => log_ticks(lo, hi, n),
        Scale::Linear => linear_ticks(lo, hi, n),
    }
}

/// The label of every tick (drawing units) of `axis`. A log axis's own ticks are values to read off (batch
/// sizes, say) and are labelled with those values, not as powers of ten.
fn tick_labels(axis: &Axis, ticks: &[f64]) -> Vec<String> {
    match (axis.scale, &axis.ticks) {
        (Scale::Log, Some(own)) => ticks
            .iter()
            .map(|u| {
                own.iter()
                    .copied()
                    .min_by(|a, b| {
                        let d = |v: f64| (axis.transform(v) - u).abs();
                        d(*a).total_cmp(&d(*b))
                    })
                    .map_or_else(String::new, crate::analysis::sweep::number_text)
            })
            .collect(),
        (Scale::Log, None) => ticks.iter().map(|u| log_tick_label(*u)).collect(),
        (Scale::Linear, _) => linear_tick_labels(ticks),
    }
}

type DrawResult = Result<(), String>;

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

/// A device point in whole units.
type Pixel = (i32, i32);

/// `pts` without consecutive repeats, cut into runs at every vertex where the line turns by more than a
/// right angle; the cut vertices are returned too. A wide polyline is drawn with mitred joins, whose
/// spike at a sharp turn grows without bound as the turn approaches a reversal (the bitmap backend has no
/// miter limit): drawn in pieces, with a round dot at each cut, no join is sharper than a right angle.
fn split_at_sharp_turns(pts: &[Pixel]) -> (Vec<Vec<Pixel>>, Vec<Pixel>) {
    let mut clean: Vec<(i32, i32)> = Vec::with_capacity(pts.len());
    for p in pts {
        if clean.last() != Some(p) {
            clean.push(*p);
        }
    }
    let mut pieces = Vec::new();
    let mut cuts = Vec::new();
    let mut current: Vec<(i32, i32)> = Vec::new();
    for (k, p) in clean.iter().enumerate() {
        current.push(*p);
        if k == 0 || k + 1 == clean.len() {
            continue;
        }
        let (a, b, c) = (clean[k - 1], *p, clean[k + 1]);
        let dot = ((b.0 - a.0) as i64) * ((c.0 - b.0) as i64)
            + ((b.1 - a.1) as i64) * ((c.1 - b.1) as i64);
        if dot < 0 {
            pieces.push(std::mem::take(&mut current));
            current.push(*p);
            cuts.push(*p);
        }
    }
    if current.len() >= 2 {
        pieces.push(current);
    }
    (pieces, cuts)
}

fn draw_line_look<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pts: Vec<(i32, i32)>,
    look: &Look,
    s: f64,
) -> DrawResult {
    let style = stroke(look.color, look.width * s);
    if look.dashed {
        return area
            .draw(&DashedPathElement::new(
                pts,
                px(4.0 * s),
                px(3.0 * s),
                style,
            ))
            .map_err(err);
    }
    let (pieces, cuts) = split_at_sharp_turns(&pts);
    for piece in pieces {
        area.draw(&PathElement::new(piece, style)).map_err(err)?;
    }
    let r = (look.width * s / 2.0).round() as i32;
    if r >= 1 {
        for c in cuts {
            area.draw(&Circle::new(c, r, fill(look.color, 1.0)))
                .map_err(err)?;
        }
    }
    Ok(())
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
    if fig.draw_title {
        root.draw(&Text::new(
            fig.title.clone(),
            (px(w / 2.0 * s), px(5.0 * s)),
            text_style(TITLE_PT, s, HPos::Center, VPos::Top),
        ))
        .map_err(err)?;
    }

    // Plot box, device units.
    let head = title_height(fig);
    let bx0 = LEFT * s;
    let bx1 = (w - RIGHT) * s;
    let by0 = (head + TOP) * s;
    let by1 = (head + fig.panel_height - BOTTOM) * s;
    let frame = Rect {
        x0: bx0,
        y0: by0,
        x1: bx1,
        y1: by1,
    };
    let (xl, xh) = fig.x.drawn_range(&values(fig, true));
    let (yl, yh) = fig.y.drawn_range(&values(fig, false));
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
    let free = |p: &(f64, f64)| (mx.dev_free(p.0), my.dev_free(p.1));
    let ipts = |pts: &[(f64, f64)]| -> Vec<(i32, i32)> {
        pts.iter().map(|p| (px(p.0), px(p.1))).collect()
    };

    // Grid and ticks.
    let count = |scale: Scale, log: usize| if scale == Scale::Log { log } else { 5 };
    let xticks = axis_ticks(&fig.x, xl, xh, count(fig.x.scale, 6));
    let yticks = axis_ticks(&fig.y, yl, yh, count(fig.y.scale, 7));
    let grid = stroke(RGBColor(0xE4, 0xE4, 0xE4), 0.5 * s);
    let tick = stroke(INK, 0.8 * s);
    for (&u, label) in xticks.iter().zip(tick_labels(&fig.x, &xticks)) {
        let x = px(mx.dev_t(u));
        root.draw(&PathElement::new(vec![(x, px(by0)), (x, px(by1))], grid))
            .map_err(err)?;
        root.draw(&PathElement::new(
            vec![(x, px(by1)), (x, px(by1 + 3.0 * s))],
            tick,
        ))
        .map_err(err)?;
        // A label centred on a tick near the right edge would be cut off: it ends at the edge instead.
        let half = text_width(&label, TICK_PT, s) / 2.0;
        let (at, pos) = if mx.dev_t(u) + half > (w - 1.0) * s {
            (px((w - 1.0) * s), HPos::Right)
        } else {
            (x, HPos::Center)
        };
        root.draw(&Text::new(
            label,
            (at, px(by1 + 5.0 * s)),
            text_style(TICK_PT, s, pos, VPos::Top),
        ))
        .map_err(err)?;
    }
    for (&u, label) in yticks.iter().zip(tick_labels(&fig.y, &yticks)) {
        let y = px(my.dev_t(u));
        root.draw(&PathElement::new(vec![(px(bx0), y), (px(bx1), y)], grid))
            .map_err(err)?;
        root.draw(&PathElement::new(
            vec![(px(bx0 - 3.0 * s), y), (px(bx0), y)],
            tick,
        ))
        .map_err(err)?;
        root.draw(&Text::new(
            label,
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

    // Contours, bands, error bars and lines, clipped to the frame; then marks and labels.
    for c in &fig.contours {
        let dev: Vec<(f64, f64)> = c.iter().map(free).collect();
        for piece in clip_polyline(&dev, &frame) {
            root.draw(&PathElement::new(ipts(&piece), stroke(GREY, 0.6 * s)))
                .map_err(err)?;
        }
    }
    for b in &fig.bands {
        let mut poly: Vec<(f64, f64)> =
            b.x.iter()
                .zip(&b.hi)
                .map(|(x, y)| free(&(*x, *y)))
                .collect();
        poly.extend(b.x.iter().zip(&b.lo).rev().map(|(x, y)| free(&(*x, *y))));
        let clipped = clip_polygon(&poly, &frame);
        if clipped.len() >= 3 {
            root.draw(&Polygon::new(ipts(&clipped), fill(b.color, 0.18)))
                .map_err(err)?;
        }
    }
    for e in &fig.error_bars {
        let x = mx.dev_free(e.x);
        let (a, b) = (my.dev_free(e.lo), my.dev_free(e.hi));
        let st = stroke(e.color, 1.0 * s);
        let cap = 2.5 * s;
        for seg in [
            [(x, a), (x, b)],
            [(x - cap, a), (x + cap, a)],
            [(x - cap, b), (x + cap, b)],
        ] {
            for piece in clip_polyline(&seg, &frame) {
                root.draw(&PathElement::new(ipts(&piece), st))
                    .map_err(err)?;
            }
        }
    }
    for (k, l) in fig.lines.iter().enumerate() {
        let dev: Vec<(f64, f64)> = l.points.iter().map(free).collect();
        let pieces = clip_polyline(&dev, &frame);
        for piece in &pieces {
            draw_line_look(root, ipts(piece), &l.look, s)?;
        }
        if let Some(m) = l.look.marker {
            // Markers at recorded points inside the frame only.
            let inside: Vec<(f64, f64)> =
                dev.iter().copied().filter(|p| frame.contains(*p)).collect();
            for p in marker_positions(&inside, k) {
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
    let top = head + fig.panel_height + 2.0;
    let key = legend_layout(fig);
    for item in &key.items {
        let y = (top + (item.row as f64 + 0.5) * key.row_height) * s;
        let e = &fig.legend[item.entry];
        let x0 = (legend::PAD + item.x) * s;
        let x1 = x0 + legend::SAMPLE_W * s;
        // A continuation line of a wrapped entry is text only.
        let line = e.line.as_ref().filter(|_| item.sample);
        if let Some(look) = line {
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
        if let Some((m, color, filled)) = e.mark.filter(|_| item.sample) {
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
            item.text.clone(),
            (px(x1 + legend::SAMPLE_GAP * s), px(y)),
            text_style(key.pt, s, HPos::Left, VPos::Center),
        ))
        .map_err(err)?;
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
    fn sharp_turns_cut_the_line_and_repeats_go() {
        let (pieces, cuts) =
            split_at_sharp_turns(&[(0, 0), (10, 0), (10, 0), (20, 1), (0, 2), (-5, 8)]);
        // (10, 0) -> (20, 1) -> (0, 2) reverses: cut at (20, 1); at (0, 2) the line turns by less than 90°.
        assert_eq!(cuts, vec![(20, 1)]);
        assert_eq!(
            pieces,
            vec![
                vec![(0, 0), (10, 0), (20, 1)],
                vec![(20, 1), (0, 2), (-5, 8)]
            ]
        );
    }

    #[test]
    fn linear_tick_labels_are_distinct_and_exact_on_small_ranges() {
        assert_eq!(
            linear_tick_labels(&linear_ticks(0.3, 1.7, 5)),
            vec!["0.5", "1", "1.5"]
        );
        assert_eq!(
            linear_tick_labels(&[0.5, 0.75, 1.0, 1.25]),
            vec!["0.5", "0.75", "1", "1.25"]
        );
        // A span of 1e-9 around 1 (rounding to 1e-9 used to print the same label at every tick).
        let t = linear_ticks(1.0, 1.0 + 1e-9, 5);
        let labels = linear_tick_labels(&t);
        let mut unique = labels.clone();
        unique.dedup();
        assert_eq!(unique.len(), t.len(), "{labels:?}");
        assert!(labels.iter().all(|l| l.len() <= 13), "{labels:?}");
        // Small magnitudes in scientific notation, without rounding noise.
        assert_eq!(
            linear_tick_labels(&[0.0, 2e-5, 4e-5, 6e-5]),
            vec!["0", "2e-5", "4e-5", "6e-5"]
        );
    }

    #[test]
    fn powers_of_ten_use_superscripts() {
        assert_eq!(power_of_ten(-12), "10⁻¹²");
        assert_eq!(power_of_ten(3), "10³");
        assert_eq!(power_of_ten(0), "10⁰");
    }
}
