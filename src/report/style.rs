//! The one look of every figure: a colour-blind-safe palette dark enough for lines on white, one marker
//! per optimizer configuration, marks for annotations that no series uses, sizes for a paper's column
//! width, and the embedded font.
//!
//! Optimizer configuration `i` of a sweep (in order of first appearance) gets colour `PALETTE[i % 8]` and
//! marker `MARKERS[(i + i / 8) % 8]`, in every figure of the report, so a method is recognised by colour or,
//! printed in grey, by marker: up to eight configurations differ in both, more in the pair. Annotations
//! (critical points, the start of a path, runs that diverged, failed or left the frame, the critical batch
//! size) use only the shapes
//! of [`ANNOTATION_MARKERS`], which no series uses. Sizes are in figure units of 1/100 inch: a figure is
//! 3.5 in wide, and text is 8 to 9.5 pt at that size.

use std::sync::Once;

use plotters::style::{FontStyle, RGBColor};

/// DejaVu Sans (Bitstream Vera license; see `assets/fonts/DejaVuSans-LICENSE.txt`), embedded so that PNG
/// and PDF output need no system fonts.
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The font family name figures use; [`register_fonts`] maps it to [`FONT`].
pub const FAMILY: &str = "sans-serif";

/// The family name inside [`FONT`], for the PDF converter's font database.
pub const FONT_NAME: &str = "DejaVu Sans";

/// Registers [`FONT`] with plotters under [`FAMILY`] (once per process).
pub fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a valid TrueType file compiled into the binary; a failure here would be a
        // build defect, and text would then be missing, not wrong.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// Okabe and Ito (2008), "Color Universal Design": colours distinguishable under the common forms of
/// colour blindness. Their yellow (`#F0E442`, contrast 1.3:1 on white) vanishes as a line on white and in
/// grey print; Tol's (2021) olive (`#999933`, 3.0:1) takes its place. Every colour has at least
/// [`MIN_LINE_CONTRAST`] against white.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0x99, 0x99, 0x33), // olive (Tol's muted scheme), in place of Okabe-Ito's yellow
];

/// The least contrast ratio (WCAG 2: `(L1 + 0.05) / (L2 + 0.05)` of relative luminances) a palette colour
/// has against white. Okabe-Ito's orange and sky blue (2.3:1) are the lowest kept; yellow (1.3:1) is not.
pub const MIN_LINE_CONTRAST: f64 = 2.0;

/// The WCAG 2 relative luminance of a colour (sRGB, linearised).
pub fn relative_luminance(c: RGBColor) -> f64 {
    let lin = |v: u8| {
        let s = v as f64 / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.0) + 0.7152 * lin(c.1) + 0.0722 * lin(c.2)
}

/// The WCAG 2 contrast ratio of a colour against white (1 for white, 21 for black).
pub fn contrast_on_white(c: RGBColor) -> f64 {
    1.05 / (relative_luminance(c) + 0.05)
}

/// Neutral grey for contour lines, grids and reference marks.
pub const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Text and axes.
pub const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// A marker shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A circle.
    Circle,
    /// A square.
    Square,
    /// A triangle pointing up.
    TriangleUp,
    /// A diamond.
    Diamond,
    /// A triangle pointing down.
    TriangleDown,
    /// A regular pentagon, a vertex up.
    Pentagon,
    /// A triangle pointing left.
    TriangleLeft,
    /// A triangle pointing right.
    TriangleRight,
    /// A plus sign.
    Plus,
    /// A five-pointed star.
    Star,
    /// A cross.
    Cross,
    /// A regular hexagon, flat top and bottom.
    Hexagon,
    /// Two triangles meeting at their tips, one above the other.
    Hourglass,
    /// Three strokes crossing at the centre (six spokes).
    Asterisk,
    /// A flat bar, wider than high.
    Bar,
    /// An arrow pointing up.
    ArrowUp,
    /// A vertical bar with short caps at both ends (an I-beam).
    Stop,
    /// A circle drawn as an outline only, around a point of a series (drawn larger than a series' marker).
    Ring,
}

/// The markers of optimizer configurations, in assignment order: filled shapes only, none of them an
/// annotation's.
pub const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Pentagon,
    Marker::TriangleLeft,
    Marker::TriangleRight,
];

/// The shapes of annotations, which no series uses: critical points (star: minimum, hourglass: saddle,
/// asterisk: maximum, bar: degenerate), the start of a path (hexagon), a run that diverged (cross),
/// failed (plus), stopped (I-beam: by a budget or on its own) or left the frame (arrow up), and the critical
/// batch size of a series (a ring around its point).
pub const ANNOTATION_MARKERS: [Marker; 10] = [
    Marker::Star,
    Marker::Hourglass,
    Marker::Asterisk,
    Marker::Bar,
    Marker::Hexagon,
    Marker::Cross,
    Marker::Plus,
    Marker::ArrowUp,
    Marker::Stop,
    Marker::Ring,
];

/// The colour and marker of optimizer configuration `i`.
pub fn optimizer_style(i: usize) -> (RGBColor, Marker) {
    (PALETTE[i % 8], MARKERS[(i + i / 8) % 8])
}

/// Figure width in figure units (1/100 inch): one paper column, 3.5 in.
pub const WIDTH: f64 = 350.0;
/// Height of the plotting panel (axes included) of an ordinary figure.
pub const PANEL_HEIGHT: f64 = 250.0;
/// Figure units per inch.
pub const UNITS_PER_INCH: f64 = 100.0;
/// PNG pixels per figure unit: 300 dpi.
pub const PNG_SCALE: f64 = 3.0;
/// Title text size.
pub const TITLE_SIZE: f64 = 13.0;
/// Axis label text size.
pub const LABEL_SIZE: f64 = 12.0;
/// Tick label and legend text size.
pub const TICK_SIZE: f64 = 11.0;
/// Width of a data line.
pub const LINE_WIDTH: f64 = 1.5;
/// Radius of a marker.
pub const MARKER_SIZE: f64 = 3.2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_eight_configurations_differ_in_colour_and_marker() {
        for i in 0..8 {
            for j in 0..i {
                assert_ne!(optimizer_style(i).0, optimizer_style(j).0);
                assert_ne!(optimizer_style(i).1, optimizer_style(j).1);
            }
        }
        // The ninth reuses the first colour with another marker.
        assert_eq!(optimizer_style(8).0, optimizer_style(0).0);
        assert_ne!(optimizer_style(8).1, optimizer_style(0).1);
    }

    #[test]
    fn series_and_annotations_share_no_shape() {
        for m in MARKERS {
            assert!(!ANNOTATION_MARKERS.contains(&m), "{m:?} is both");
        }
    }

    #[test]
    fn every_palette_colour_is_dark_enough_for_a_line_on_white() {
        for c in PALETTE {
            let r = contrast_on_white(c);
            assert!(r >= MIN_LINE_CONTRAST, "{c:?}: contrast {r:e}");
        }
        // The reference points of the WCAG formula.
        assert!((contrast_on_white(RGBColor(0, 0, 0)) - 21.0).abs() <= 21.0 * f64::EPSILON);
        assert!(contrast_on_white(RGBColor(0xF0, 0xE4, 0x42)) < MIN_LINE_CONTRAST);
    }

    #[test]
    fn embedded_font_is_truetype() {
        assert_eq!(&FONT[..4], &[0, 1, 0, 0], "TrueType magic");
    }
}
