//! A figure as data: axes, bands, lines, marks and a legend, in data coordinates. The builders in
//! [`plots`](super::plots) make figures from analysis results; [`render`](super::render) draws any figure
//! to SVG, PNG and PDF. Keeping the two apart lets tests inspect a figure's content without pixels.

use plotters::style::RGBColor;

use super::style::{LINE_WIDTH, Marker, optimizer_style};

/// How an axis maps values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic: values at or below zero are drawn at the axis' lower edge.
    Log,
}

/// One axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The label under (x) or beside (y) the axis.
    pub label: String,
    /// The mapping.
    pub scale: Scale,
    /// A fixed range in data units; `None` fits the data.
    pub range: Option<(f64, f64)>,
    /// Tick positions in data units (those inside the range are drawn), labelled with their values (on a
    /// log axis too); `None` chooses round numbers.
    pub ticks: Option<Vec<f64>>,
}

impl Axis {
    /// An axis fitted to the data.
    pub fn new(label: impl Into<String>, scale: Scale) -> Axis {
        Axis {
            label: label.into(),
            scale,
            range: None,
            ticks: None,
        }
    }

    /// An axis over a fixed range, in data units.
    pub fn fixed(label: impl Into<String>, scale: Scale, range: (f64, f64)) -> Axis {
        Axis {
            range: Some(range),
            ..Axis::new(label, scale)
        }
    }

    /// `v` in the axis' drawing units: `log10 v` on a log axis, `v` on a linear one.
    pub fn transform(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Log => v.log10(),
            Scale::Linear => v,
        }
    }

    /// The inverse of [`Axis::transform`].
    pub fn untransform(&self, u: f64) -> f64 {
        match self.scale {
            Scale::Log => 10f64.powf(u),
            Scale::Linear => u,
        }
    }

    /// The drawn range in drawing units ([`Axis::transform`]): the fixed range if valid, else the range
    /// of the finite `data` (positive data on a log axis) with a margin so that no point sits on the
    /// frame, and at least one decade on a log axis.
    pub fn drawn_range(&self, data: &[f64]) -> (f64, f64) {
        if let Some((a, b)) = self.range {
            let (a, b) = (self.transform(a), self.transform(b));
            if a.is_finite() && b.is_finite() && b > a {
                return (a, b);
            }
        }
        let us: Vec<f64> = data
            .iter()
            .filter(|v| v.is_finite() && (self.scale == Scale::Linear || **v > 0.0))
            .map(|v| self.transform(*v))
            .collect();
        let (mut lo, mut hi) = us
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), u| {
                (a.min(*u), b.max(*u))
            });
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        match self.scale {
            Scale::Log => {
                // At least one decade, and a margin of 5% of the span.
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
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// The colour.
    pub color: RGBColor,
    /// A marker repeated along the line (a few times, not at every point).
    pub marker: Option<Marker>,
    /// Dashed instead of solid.
    pub dashed: bool,
    /// Line width in figure units.
    pub width: f64,
}

impl Look {
    /// A standard-size mark of this look's marker (a circle where it has none) and colour at `at`, filled
    /// or hollow: a series' point.
    pub fn mark(&self, at: (f64, f64), filled: bool) -> Mark {
        Mark {
            at,
            marker: self.marker.unwrap_or(Marker::Circle),
            color: self.color,
            filled,
            scale: 1.0,
        }
    }

    /// The legend sample of [`Look::mark`]: shape, colour, filled.
    pub fn sample(&self, filled: bool) -> (Marker, RGBColor, bool) {
        (self.marker.unwrap_or(Marker::Circle), self.color, filled)
    }
}

/// A polyline.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The points, in data units.
    pub points: Vec<(f64, f64)>,
    /// How it is drawn.
    pub look: Look,
}

/// A shaded region between two curves over the same abscissae.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The abscissae.
    pub x: Vec<f64>,
    /// The lower curve.
    pub lo: Vec<f64>,
    /// The upper curve.
    pub hi: Vec<f64>,
    /// The colour (drawn translucent).
    pub color: RGBColor,
}

/// A single marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mark {
    /// Where, in data units.
    pub at: (f64, f64),
    /// The shape.
    pub marker: Marker,
    /// The colour.
    pub color: RGBColor,
    /// Filled, or outline only.
    pub filled: bool,
    /// Size relative to the standard marker.
    pub scale: f64,
}

/// A vertical error bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorBar {
    /// The abscissa.
    pub x: f64,
    /// The lower end.
    pub lo: f64,
    /// The upper end.
    pub hi: f64,
    /// The colour.
    pub color: RGBColor,
}

/// One legend entry: a line sample, a marker sample, or both, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// The text.
    pub label: String,
    /// A line sample (its marker, if any, is drawn in the middle).
    pub line: Option<Look>,
    /// A lone marker sample: shape, colour, filled.
    pub mark: Option<(Marker, RGBColor, bool)>,
}

/// A text placed in data coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// The anchor point (left end of the text's baseline middle).
    pub at: (f64, f64),
    /// The text.
    pub text: String,
    /// The colour.
    pub color: RGBColor,
}

/// A complete figure.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The file stem (`<name>.svg`, `.png`, `.pdf`).
    pub name: String,
    /// The title drawn above the panel (and given with the caption).
    pub title: String,
    /// Whether the title is drawn in the figure; without it (for papers, where the caption carries the
    /// title) the figure is shorter by the title's line.
    pub draw_title: bool,
    /// A caption for the HTML page and the captions file (not drawn): what is particular to this figure.
    pub caption: String,
    /// What a paper's caption needs beyond [`Figure::caption`]: how figures of this kind are drawn and the
    /// instance's every parameter. The captions file appends it to the caption; the HTML page explains the
    /// drawing once, in the section of the kind, and lists the parameters in its provenance.
    pub details: String,
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
    /// Height of the panel in figure units (axes included; title and legend come on top).
    pub panel_height: f64,
    /// Grey polylines drawn first (contour lines).
    pub contours: Vec<Vec<(f64, f64)>>,
    /// Shaded bands.
    pub bands: Vec<Band>,
    /// Error bars.
    pub error_bars: Vec<ErrorBar>,
    /// Lines.
    pub lines: Vec<Line>,
    /// Marks, drawn last.
    pub marks: Vec<Mark>,
    /// Texts in the panel.
    pub labels: Vec<Label>,
    /// The legend, drawn below the panel.
    pub legend: Vec<LegendEntry>,
}

impl Figure {
    /// An empty figure with the standard panel height.
    pub fn new(name: impl Into<String>, title: impl Into<String>, x: Axis, y: Axis) -> Figure {
        Figure {
            name: name.into(),
            title: title.into(),
            draw_title: true,
            caption: String::new(),
            details: String::new(),
            x,
            y,
            panel_height: super::style::PANEL_HEIGHT,
            contours: Vec::new(),
            bands: Vec::new(),
            error_bars: Vec::new(),
            lines: Vec::new(),
            marks: Vec::new(),
            labels: Vec::new(),
            legend: Vec::new(),
        }
    }
}

/// `n` points log-spaced over `[lo, hi]`.
pub fn log_points(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..n)
        .map(|k| (a + (b - a) * k as f64 / (n - 1).max(1) as f64).exp())
        .collect()
}

/// The power law `y = y0 (x / x0)^slope` through `through = (x0, y0)`, at every `x` of `xs`: a reference
/// line on log-log axes (a theory slope, perfect scaling).
pub fn power_law(through: (f64, f64), slope: f64, xs: &[f64]) -> Vec<(f64, f64)> {
    let (x0, y0) = through;
    xs.iter().map(|&x| (x, y0 * (x / x0).powf(slope))).collect()
}

/// The look of optimizer configuration `o`'s lines.
pub fn optimizer_look(o: usize) -> Look {
    let (color, marker) = optimizer_style(o);
    Look {
        color,
        marker: Some(marker),
        dashed: false,
        width: LINE_WIDTH,
    }
}
