//! The figure of `optzoo inspect --density --out DIR`: the Hessian's spectral density at a point, on a log
//! density axis, as PyHessian draws it: every SLQ node broadened into a Gaussian (the broadening stated in
//! the legend and caption), with the exact eigenvalues overlaid as a histogram where the dense spectrum was
//! computed. The numbers come from [`crate::density`].

use crate::density::{CURVE_POINTS, DensityStudy, HISTOGRAM_BINS};
use crate::digits::significant;

use super::figure::{Axis, Band, Figure, LegendEntry, Line, Look, Scale};
use super::style::{LINE_WIDTH, PALETTE};

/// The density axis spans this many decades below the curve's peak (PyHessian's plots span 12).
pub const DECADES: f64 = 10.0;

/// The density figure of `study`.
pub fn density_figure(study: &DensityStudy) -> Figure {
    let d = &study.density;
    let o = &d.options;
    let curve = d.broadened(CURVE_POINTS);
    let bars = d.histogram(HISTOGRAM_BINS).unwrap_or_default();
    let peak = curve
        .iter()
        .map(|p| p.1)
        .chain(bars.iter().map(|b| b.2))
        .fold(0.0f64, f64::max);
    let peak = if peak > 0.0 && peak.is_finite() {
        peak
    } else {
        1.0
    };
    let floor = peak * 10f64.powf(-DECADES);
    let (x_lo, x_hi) = (
        curve.first().map_or(0.0, |p| p.0),
        curve.last().map_or(1.0, |p| p.0),
    );
    let mut fig = Figure::new(
        "density",
        format!("Hessian spectral density, {} n = {}", study.family, d.n),
        Axis::fixed("eigenvalue λ", Scale::Linear, (x_lo, x_hi)),
        Axis::fixed("density", Scale::Log, (floor, peak * 3.0)),
    );
    let exact_color = PALETTE[1];
    for (a, b, y) in bars.iter().filter(|b| b.2 > 0.0) {
        fig.bands.push(Band {
            x: vec![*a, *b],
            lo: vec![floor, floor],
            hi: vec![y.max(floor), y.max(floor)],
            color: exact_color,
        });
    }
    let look = Look {
        color: PALETTE[0],
        marker: None,
        dashed: false,
        width: LINE_WIDTH,
    };
    fig.lines.push(Line {
        points: curve.iter().map(|(x, y)| (*x, y.max(floor))).collect(),
        look,
    });
    let sigma = significant(d.sigma(), 3);
    fig.legend.push(LegendEntry {
        label: format!(
            "SLQ, {} probes x {} steps, Gaussian σ = {sigma}",
            o.probes, o.steps
        ),
        line: Some(look),
        mark: None,
    });
    if !bars.is_empty() {
        fig.legend.push(LegendEntry {
            label: format!("exact eigenvalues, {HISTOGRAM_BINS} bins"),
            line: Some(Look {
                color: exact_color,
                marker: None,
                dashed: false,
                width: 3.0 * LINE_WIDTH,
            }),
            mark: None,
        });
    }
    let zeros = match d.zeros.exact {
        Some(c) => format!(
            "{c} eigenvalues (about {} by the SLQ weights)",
            significant(d.zeros.estimate, 3)
        ),
        None => format!(
            "About {} eigenvalues (by the SLQ weights)",
            significant(d.zeros.estimate, 3)
        ),
    };
    fig.caption = format!(
        "The Hessian's spectral density {}: stochastic Lanczos quadrature with {} Rademacher probe vectors \
         of {} Lanczos steps (seed {}), each node drawn as a Gaussian of standard deviation σ = {sigma} ({} of \
         λ_max − λ_min), on a log density axis spanning {DECADES} decades below the peak{}. {zeros} have \
         |λ| ≤ {} ({} max |λ|).",
        study.label(),
        o.probes,
        o.steps,
        o.seed,
        o.broadening,
        if bars.is_empty() {
            String::new()
        } else {
            format!(
                "; the exact eigenvalues (dense eigendecomposition) as a histogram of {HISTOGRAM_BINS} bins, \
                 normalised as a density"
            )
        },
        significant(d.zeros.threshold, 3),
        o.zero_tol,
    );
    fig
}
