//! Drawing one [`Marker`] in device coordinates: filled shapes as polygons with an outline, stroke glyphs
//! (plus, cross, asterisk, arrow, I-beam, ring) as line segments. Used by [`render`](super::render) for marks, markers
//! along lines and legend samples.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::style::Marker;

/// A device point.
type P = (f64, f64);

/// A device coordinate rounded to the nearest pixel.
pub(super) fn px(v: f64) -> i32 {
    v.round() as i32
}

/// An unfilled stroke of `color`, `w` pixels wide (at least 1).
pub(super) fn stroke(color: RGBColor, w: f64) -> ShapeStyle {
    ShapeStyle {
        color: color.to_rgba(),
        filled: false,
        stroke_width: (w.round() as u32).max(1),
    }
}

fn fill(color: RGBColor) -> ShapeStyle {
    ShapeStyle {
        color: color.to_rgba(),
        filled: true,
        stroke_width: 0,
    }
}

/// `n` points on a circle of radius `r` around `(x, y)`, the first at angle `a0` (radians, clockwise on
/// screen from the positive x axis).
fn regular(x: f64, y: f64, r: f64, n: usize, a0: f64) -> Vec<P> {
    (0..n)
        .map(|k| {
            let a = a0 + k as f64 / n as f64 * std::f64::consts::TAU;
            (x + r * a.cos(), y + r * a.sin())
        })
        .collect()
}

/// The outline of a filled marker centred at `(x, y)` with radius `r`, as a closed polygon (device units;
/// y grows downwards); empty for the stroke glyphs.
pub fn marker_polygon(m: Marker, x: f64, y: f64, r: f64) -> Vec<(i32, i32)> {
    use std::f64::consts::FRAC_PI_2;
    let h = r * 1.15;
    let pts: Vec<P> = match m {
        Marker::Circle => regular(x, y, r, 24, 0.0),
        Marker::Square => {
            let h = r * 0.85;
            vec![
                (x - h, y - h),
                (x + h, y - h),
                (x + h, y + h),
                (x - h, y + h),
            ]
        }
        Marker::TriangleUp => vec![(x, y - h), (x + h, y + 0.6 * h), (x - h, y + 0.6 * h)],
        Marker::TriangleDown => vec![(x, y + h), (x + h, y - 0.6 * h), (x - h, y - 0.6 * h)],
        Marker::TriangleLeft => vec![(x - h, y), (x + 0.6 * h, y - h), (x + 0.6 * h, y + h)],
        Marker::TriangleRight => vec![(x + h, y), (x - 0.6 * h, y - h), (x - 0.6 * h, y + h)],
        Marker::Diamond => {
            let h = r * 1.2;
            vec![(x, y - h), (x + h * 0.8, y), (x, y + h), (x - h * 0.8, y)]
        }
        Marker::Pentagon => regular(x, y, r * 1.1, 5, -FRAC_PI_2),
        Marker::Hexagon => regular(x, y, r * 1.1, 6, 0.0),
        Marker::Star => (0..10)
            .map(|k| {
                let a = -FRAC_PI_2 + k as f64 / 10.0 * std::f64::consts::TAU;
                let rr = if k % 2 == 0 { r * 1.3 } else { r * 0.55 };
                (x + rr * a.cos(), y + rr * a.sin())
            })
            .collect(),
        Marker::Hourglass => {
            let (w, h) = (r * 0.9, r * 1.2);
            vec![
                (x - w, y - h),
                (x + w, y - h),
                (x - w, y + h),
                (x + w, y + h),
            ]
        }
        Marker::Bar => {
            let (w, h) = (r * 1.3, r * 0.45);
            vec![
                (x - w, y - h),
                (x + w, y - h),
                (x + w, y + h),
                (x - w, y + h),
            ]
        }
        Marker::Plus
        | Marker::Cross
        | Marker::Asterisk
        | Marker::ArrowUp
        | Marker::Stop
        | Marker::Ring => Vec::new(),
    };
    pts.into_iter().map(|(a, b)| (px(a), px(b))).collect()
}

/// The segments of a stroke glyph centred at `(x, y)` with radius `r`.
fn glyph_strokes(m: Marker, x: f64, y: f64, r: f64) -> Vec<Vec<P>> {
    let h = r * 1.15;
    match m {
        Marker::Plus => vec![vec![(x - h, y), (x + h, y)], vec![(x, y - h), (x, y + h)]],
        Marker::Cross => {
            let d = h * 0.8;
            vec![
                vec![(x - d, y - d), (x + d, y + d)],
                vec![(x - d, y + d), (x + d, y - d)],
            ]
        }
        Marker::Asterisk => (0..3)
            .map(|k| {
                let a = std::f64::consts::FRAC_PI_2 + k as f64 * std::f64::consts::PI / 3.0;
                let (c, s) = (h * a.cos(), h * a.sin());
                vec![(x - c, y - s), (x + c, y + s)]
            })
            .collect(),
        Marker::ArrowUp => {
            let (tip, tail) = (y - 1.3 * r, y + 1.3 * r);
            vec![
                vec![(x, tip), (x, tail)],
                vec![
                    (x - 0.8 * r, tip + 0.9 * r),
                    (x, tip),
                    (x + 0.8 * r, tip + 0.9 * r),
                ],
            ]
        }
        Marker::Stop => {
            let c = 0.6 * r;
            vec![
                vec![(x, y - h), (x, y + h)],
                vec![(x - c, y - h), (x + c, y - h)],
                vec![(x - c, y + h), (x + c, y + h)],
            ]
        }
        Marker::Ring => {
            // Wider than a filled marker, so that a legend sample shows the hole.
            let rr = 1.35 * r;
            let mut ring = regular(x, y, rr, 32, 0.0);
            ring.push((x + rr, y));
            vec![ring]
        }
        _ => Vec::new(),
    }
}

/// Draws marker `m` centred at `p` (device units) with radius `r`; `s` is the device scale (for stroke
/// widths). Filled shapes are filled in `color` or, when not `filled`, in white with a `color` outline;
/// stroke glyphs are always strokes.
pub fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    m: Marker,
    (x, y): P,
    r: f64,
    color: RGBColor,
    filled: bool,
    s: f64,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let strokes = glyph_strokes(m, x, y, r);
    if !strokes.is_empty() {
        for seg in strokes {
            let pts: Vec<(i32, i32)> = seg.iter().map(|p| (px(p.0), px(p.1))).collect();
            area.draw(&PathElement::new(pts, stroke(color, 1.6 * s)))
                .map_err(err)?;
        }
        return Ok(());
    }
    let poly = marker_polygon(m, x, y, r);
    let inside = if filled { color } else { WHITE };
    area.draw(&Polygon::new(poly.clone(), fill(inside)))
        .map_err(err)?;
    let mut closed = poly;
    if let Some(first) = closed.first().copied() {
        closed.push(first);
    }
    area.draw(&PathElement::new(closed, stroke(color, 1.1 * s)))
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::style::{ANNOTATION_MARKERS, MARKERS};

    #[test]
    fn every_marker_has_a_polygon_or_strokes() {
        for m in MARKERS.iter().chain(&ANNOTATION_MARKERS) {
            let poly = marker_polygon(*m, 50.0, 50.0, 10.0);
            let strokes = glyph_strokes(*m, 50.0, 50.0, 10.0);
            assert!(
                poly.len() >= 3 || !strokes.is_empty(),
                "{m:?} draws nothing"
            );
        }
    }

    #[test]
    fn series_markers_are_filled_polygons() {
        for m in MARKERS {
            assert!(marker_polygon(m, 0.0, 0.0, 10.0).len() >= 3, "{m:?}");
        }
    }
}
