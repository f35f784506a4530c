//! Figures of the batch-size study (the report's `batch` kind): per study, the median steps to the target
//! against the batch size (`batch-<k>-steps`) and the median samples drawn to reach it (`batch-<k>-samples`),
//! both on log-log axes, one line per optimizer configuration with perfect scaling dashed in its colour and
//! its critical batch size ringed; and the line `optzoo report` prints per study. The numbers come from
//! [`analysis::batch`](crate::analysis::batch), the table from [`tables::batch`](super::tables::batch).

use std::collections::BTreeMap;

use crate::analysis::batch::{
    BatchCell, BatchSeries, BatchStudy, CRITICAL_SAVING, Critical, EmpiricalFit,
};
use crate::analysis::sweep::{Sweep, number_text};

use super::figure::{
    Axis, Figure, LegendEntry, Line, Look, Mark, Scale, optimizer_look, power_law,
};
use super::notes::seeds_text;
use super::style::{INK, Marker};
use super::tables::{critical_text, failure_counts, fit_text, noise_scale_text};

/// At most about this many batch sizes are ticks of the x axis (every other one or fewer beyond).
const MAX_TICKS: usize = 7;

/// The size of the ring around a critical batch size's point, relative to a series' marker.
const RING_SCALE: f64 = 1.8;

/// What a figure draws against the batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantity {
    /// Iterations to the target.
    Steps,
    /// Samples drawn to reach the target.
    Samples,
}

impl Quantity {
    fn word(self) -> &'static str {
        match self {
            Quantity::Steps => "steps",
            Quantity::Samples => "samples",
        }
    }

    fn median(self, cell: &BatchCell) -> Option<f64> {
        match self {
            Quantity::Steps => cell.median_steps(),
            Quantity::Samples => cell.median_samples(),
        }
    }

    /// The exponent of `B` under perfect scaling: steps fall as `1/B`, samples stay the same.
    fn perfect_slope(self) -> f64 {
        match self {
            Quantity::Steps => -1.0,
            Quantity::Samples => 0.0,
        }
    }

    fn perfect_label(self) -> &'static str {
        match self {
            Quantity::Steps => "perfect scaling (steps ∝ 1/B)",
            Quantity::Samples => "perfect scaling (samples constant)",
        }
    }
}

/// Points per doubling of the batch size along a fitted hyperbola.
const FIT_POINTS_PER_DOUBLING: usize = 4;

/// McCandlish et al.'s fitted `S = S_min (1 + B_crit / B)` (or `E = B S`) from the first to the last of `xs`.
fn fitted_curve(fit: EmpiricalFit, xs: &[f64], quantity: Quantity) -> Vec<(f64, f64)> {
    let (lo, hi) = (xs[0], xs[xs.len() - 1]);
    let n = ((hi / lo).log2() * FIT_POINTS_PER_DOUBLING as f64)
        .ceil()
        .max(1.0) as usize;
    (0..=n)
        .map(|j| lo * (hi / lo).powf(j as f64 / n as f64))
        .map(|b| match quantity {
            Quantity::Steps => (b, fit.steps(b)),
            Quantity::Samples => (b, b * fit.steps(b)),
        })
        .collect()
}

/// The batch sizes to tick: all of them, or every `k`-th (from the smallest) where there are many.
fn ticks(batch_sizes: &[f64]) -> Vec<f64> {
    let stride = batch_sizes.len().div_ceil(MAX_TICKS).max(1);
    batch_sizes.iter().copied().step_by(stride).collect()
}

/// `15.2 for gd, - for adam`: each configuration's fitted `B_crit = E_min / S_min`.
fn fit_list(sweep: &Sweep, study: &BatchStudy) -> String {
    study
        .series
        .iter()
        .map(|s| {
            format!(
                "{} for {}",
                fit_text(s.fit),
                sweep.optimizers[s.optimizer].label
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `16 for gd, > 64 for adam`: each configuration's critical batch size by the doubling rule.
fn critical_list(sweep: &Sweep, study: &BatchStudy) -> String {
    study
        .series
        .iter()
        .map(|s| {
            let value = match s.critical {
                Critical::Unknown => "unknown".to_string(),
                c => critical_text(c),
            };
            format!("{value} for {}", sweep.optimizers[s.optimizer].label)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `gd at B = 1 (2 max-iters)`: where a configuration had runs but none reached the target.
fn missed(sweep: &Sweep, series: &BatchSeries) -> Option<String> {
    let label = &sweep.optimizers[series.optimizer].label;
    let failed: Vec<&BatchCell> = series
        .cells
        .iter()
        .filter(|c| c.runs() > 0 && c.converged() == 0)
        .collect();
    if failed.is_empty() {
        return None;
    }
    if series.cells.iter().all(|c| c.converged() == 0) {
        let mut all = BTreeMap::new();
        for c in &failed {
            for (s, n) in &c.statuses {
                *all.entry(*s).or_insert(0) += n;
            }
        }
        return Some(format!(
            "{label} at no batch size ({})",
            failure_counts(&all).join(", ")
        ));
    }
    let cells: Vec<String> = failed
        .iter()
        .map(|c| {
            format!(
                "B = {} ({})",
                number_text(c.batch_size),
                failure_counts(&c.statuses).join(", ")
            )
        })
        .collect();
    Some(format!("{label} at {}", cells.join(", ")))
}

/// What both figures of a study end their caption with: the critical batch sizes, the noise scale and the
/// cells where no run reached the target.
fn caption_tail(sweep: &Sweep, study: &BatchStudy) -> String {
    let missed: Vec<String> = study
        .series
        .iter()
        .filter_map(|s| missed(sweep, s))
        .collect();
    format!(
        "B_crit = E_min / S_min (McCandlish et al.'s S = S_min (1 + B_crit / B) fitted to the medians by \
         least squares of the relative residuals; drawn, with a hollow diamond at B_crit, where it fits): {}. \
         Critical batch size by the doubling rule: {} ('> B': every doubling up to B, the largest batch size \
         with a result, still saved more). Gradient noise scale at the start, B_noise = tr(H C) / (g' H g): \
         {}. {}",
        fit_list(sweep, study),
        critical_list(sweep, study),
        noise_scale_text(study),
        if missed.is_empty() {
            "At every batch size, some run of every configuration reached the target.".to_string()
        } else {
            format!("No run reached the target: {}.", missed.join("; "))
        }
    )
}

/// The figure of `quantity` against the batch size for study `k`.
fn study_figure(sweep: &Sweep, study: &BatchStudy, k: usize, quantity: Quantity) -> Figure {
    let lo = study.batch_sizes.first().copied().unwrap_or(1.0);
    let hi = study.batch_sizes.last().copied().unwrap_or(lo);
    let word = quantity.word();
    let mut fig = Figure::new(
        format!("batch-{k:02}-{word}"),
        format!("{word} to target vs batch size: {}", study.label),
        Axis {
            label: "batch size B".into(),
            scale: Scale::Log,
            range: Some((lo / 1.4, hi * 1.4)),
            ticks: Some(ticks(&study.batch_sizes)),
        },
        Axis::new(format!("{word} to target"), Scale::Log),
    );
    let mut perfect = Vec::new();
    let mut ringed = false;
    let mut fitted = false;
    for series in &study.series {
        let look = optimizer_look(series.optimizer);
        let points: Vec<(f64, f64)> = series
            .cells
            .iter()
            .filter_map(|c| quantity.median(c).map(|m| (c.batch_size, m)))
            .collect();
        let Some(&first) = points.first() else {
            continue;
        };
        if points.len() >= 2 {
            let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
            perfect.push(Line {
                points: power_law(first, quantity.perfect_slope(), &xs),
                look: Look {
                    marker: None,
                    dashed: true,
                    width: 1.0,
                    ..look
                },
            });
            // The fitted hyperbola where the model fits (the points stand alone on it), else the medians
            // joined.
            let drawn = match series.fit {
                Some(fit) => fitted_curve(fit, &xs, quantity),
                None => points.clone(),
            };
            fig.lines.push(Line {
                points: drawn,
                look: Look {
                    marker: None,
                    ..look
                },
            });
        }
        if let Some(fit) = series.fit
            && points.len() >= 2
            && fit.b_crit >= lo / 1.4
            && fit.b_crit <= hi * 1.4
        {
            let at = match quantity {
                Quantity::Steps => (fit.b_crit, fit.steps(fit.b_crit)),
                Quantity::Samples => (fit.b_crit, fit.b_crit * fit.steps(fit.b_crit)),
            };
            fig.marks.push(Mark {
                marker: Marker::Diamond,
                scale: RING_SCALE,
                ..look.mark(at, false)
            });
            fitted = true;
        }
        for &at in &points {
            fig.marks.push(look.mark(at, true));
        }
        if let Critical::At(b) = series.critical
            && let Some(&at) = points.iter().find(|p| p.0 == b)
        {
            fig.marks.push(Mark {
                marker: Marker::Ring,
                scale: RING_SCALE,
                ..look.mark(at, false)
            });
            ringed = true;
        }
        fig.legend.push(LegendEntry {
            label: sweep.optimizers[series.optimizer].label.clone(),
            line: Some(look),
            mark: None,
        });
    }
    if !perfect.is_empty() {
        fig.legend.push(LegendEntry {
            label: quantity.perfect_label().into(),
            line: Some(Look {
                color: INK,
                marker: None,
                dashed: true,
                width: 1.0,
            }),
            mark: None,
        });
    }
    if ringed {
        fig.legend.push(LegendEntry {
            label: "critical batch size (doubling rule)".into(),
            line: None,
            mark: Some((Marker::Ring, INK, false)),
        });
    }
    if fitted {
        fig.legend.push(LegendEntry {
            label: "B_crit = E_min / S_min (fit)".into(),
            line: None,
            mark: Some((Marker::Diamond, INK, false)),
        });
    }
    // Perfect scaling under the data. The y range is the data's: where a line of perfect scaling falls far
    // below the data at large batches, it leaves the frame rather than squeezing the data into its top.
    perfect.append(&mut fig.lines);
    fig.lines = perfect;
    let ys: Vec<f64> = fig.marks.iter().map(|m| m.at.1).collect();
    let (a, b) = fig.y.drawn_range(&ys);
    fig.y.range = Some((fig.y.untransform(a), fig.y.untransform(b)));
    let saving = number_text(CRITICAL_SAVING * 100.0);
    let what = match quantity {
        Quantity::Steps => format!(
            "median steps to the target against the batch size B (log-log), per optimizer configuration, over \
             the runs of {} that reached it. Dashed, in each configuration's colour: perfect scaling, steps ∝ \
             1/B, through its smallest batch size with a result. Ringed: the critical batch size, the smallest B \
             from which doubling B saves less than {saving}% of the steps; in McCandlish et al.'s model S = \
             S_min (1 + B_crit / B) it is the first batch size of the grid beyond B_crit.",
            seeds_text(sweep)
        ),
        Quantity::Samples => format!(
            "median samples drawn to reach the target (B per minibatch gradient) against the batch size B \
             (log-log), per optimizer configuration, over the runs of {} that reached it. Dashed, in each \
             configuration's colour: perfect scaling, the same samples at every B, through its smallest batch \
             size with a result; where a line rises above it, larger batches spend more samples on the same \
             target. Ringed: the critical batch size, from which doubling B saves less than {saving}% of the \
             steps.",
            seeds_text(sweep)
        ),
    };
    fig.caption = format!(
        "{} {}: {what} {}",
        study.family,
        study.shared,
        caption_tail(sweep, study)
    );
    fig
}

/// The figures of every batch-size study: steps and samples to target against the batch size, where some
/// run reached the target.
pub fn batch_figures(sweep: &Sweep, studies: &[BatchStudy]) -> Vec<Figure> {
    let mut out = Vec::new();
    for (k, study) in studies.iter().enumerate() {
        for quantity in [Quantity::Steps, Quantity::Samples] {
            let fig = study_figure(sweep, study, k, quantity);
            if !fig.marks.is_empty() {
                out.push(fig);
            }
        }
    }
    out
}

/// The line `optzoo report` prints for a study: `batch study nqm: B_crit = E_min / S_min 4 for gd, - for
/// adam; by the doubling rule 4 for gd, > 16 for adam; gradient noise scale at the start 1.35`.
pub fn summary_line(sweep: &Sweep, study: &BatchStudy) -> String {
    format!(
        "batch study {}: B_crit = E_min / S_min {}; by the doubling rule {}; gradient noise scale at the \
         start {}",
        study.label,
        fit_list(sweep, study),
        critical_list(sweep, study),
        noise_scale_text(study)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tables::batch::tests::{study, sweep};

    #[test]
    fn steps_figure_has_lines_perfect_scaling_and_the_critical_ring() {
        let (sweep, study) = (sweep(), study());
        let figs = batch_figures(&sweep, std::slice::from_ref(&study));
        let names: Vec<&str> = figs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["batch-00-steps", "batch-00-samples"]);
        let steps = &figs[0];
        assert_eq!(steps.x.ticks.as_deref(), Some(&[1.0, 4.0, 16.0][..]));
        // Perfect scaling first (drawn under the data), through each series' smallest batch size with a
        // result, falling as 1/B.
        assert_eq!(steps.lines.len(), 4);
        assert!(steps.lines[..2].iter().all(|l| l.look.dashed));
        assert_eq!(
            steps.lines[0].points,
            [(1.0, 400.0), (4.0, 100.0), (16.0, 25.0)]
        );
        assert_eq!(steps.lines[1].points, [(4.0, 80.0), (16.0, 20.0)]);
        assert_eq!(steps.lines[3].points, [(4.0, 80.0), (16.0, 20.0)]);
        // The y range is the medians' (20 to 400), with a margin.
        let (lo, hi) = steps.y.range.expect("fitted to the data");
        assert!(
            lo < 20.0 && lo > 15.0 && hi > 400.0 && hi < 500.0,
            "{lo} {hi}"
        );
        // gd's critical batch size, 4, is ringed; adam's lies beyond the grid.
        let rings: Vec<(f64, f64)> = steps
            .marks
            .iter()
            .filter(|m| m.marker == Marker::Ring)
            .map(|m| m.at)
            .collect();
        assert_eq!(rings, [(4.0, 100.0)]);
        let legend: Vec<&str> = steps.legend.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(
            legend,
            [
                "gd",
                "adam",
                "perfect scaling (steps ∝ 1/B)",
                "critical batch size (doubling rule)",
                "B_crit = E_min / S_min (fit)"
            ]
        );
        let c = &steps.caption;
        assert!(
            c.starts_with("nqm dim=50: median steps to the target"),
            "{c}"
        );
        assert!(c.contains("less than 25% of the steps"), "{c}");
        assert!(
            c.contains("Critical batch size by the doubling rule: 4 for gd, > 16 for adam"),
            "{c}"
        );
        assert!(
            c.contains("hollow diamond at B_crit, where it fits): 4 for gd, - for adam."),
            "{c}"
        );
        // gd's fitted hyperbola S = 1200/19 (1 + 4 / B) replaces its joined medians, from B = 1 to 16.
        let curve = &steps.lines[2].points;
        assert_eq!(curve.len(), 17);
        assert!(
            (curve[0].1 - 6000.0 / 19.0).abs() < 1e-9 && (curve[16].1 - 1500.0 / 19.0).abs() < 1e-9
        );
        let diamonds: Vec<(f64, f64)> = steps
            .marks
            .iter()
            .filter(|m| m.marker == Marker::Diamond && !m.filled)
            .map(|m| m.at)
            .collect();
        assert_eq!(diamonds.len(), 1);
        assert!((diamonds[0].0 - 4.0).abs() < 1e-9 && (diamonds[0].1 - 2400.0 / 19.0).abs() < 1e-9);
        assert!(c.contains("B_noise = tr(H C) / (g' H g): 1.35."), "{c}");
        assert!(
            c.ends_with("No run reached the target: adam at B = 1 (1 max-iters)."),
            "{c}"
        );
    }

    #[test]
    fn samples_stay_flat_under_perfect_scaling() {
        let (sweep, study) = (sweep(), study());
        let figs = batch_figures(&sweep, std::slice::from_ref(&study));
        let samples = &figs[1];
        assert_eq!(samples.y.label, "samples to target");
        assert_eq!(
            samples.lines[0].points,
            [(1.0, 400.0), (4.0, 400.0), (16.0, 400.0)]
        );
        // gd's fit in samples: E = B S = S_min B + E_min = (1200 B + 4800) / 19.
        let curve = &samples.lines[2].points;
        for &(b, e) in curve {
            assert!((e - (1200.0 * b + 4800.0) / 19.0).abs() < 1e-9, "{b} {e}");
        }
        assert_eq!(samples.lines[3].points, [(4.0, 320.0), (16.0, 320.0)]);
        assert!(
            samples
                .legend
                .iter()
                .any(|e| e.label == "perfect scaling (samples constant)")
        );
    }

    #[test]
    fn the_printed_line_gives_each_critical_batch_size_and_the_noise_scale() {
        let (sweep, mut study) = (sweep(), study());
        assert_eq!(
            summary_line(&sweep, &study),
            "batch study nqm: B_crit = E_min / S_min 4 for gd, - for adam; by the doubling rule 4 for gd, > 16 \
             for adam; gradient noise scale at the start 1.35"
        );
        study.noise_scale = None;
        study.series[0].critical = Critical::Unknown;
        assert_eq!(
            summary_line(&sweep, &study),
            "batch study nqm: B_crit = E_min / S_min 4 for gd, - for adam; by the doubling rule unknown for \
             gd, > 16 for adam; gradient noise scale at the start unknown for this problem"
        );
    }

    #[test]
    fn many_batch_sizes_are_ticked_every_other_one() {
        let powers: Vec<f64> = (0..11).map(|k| 2f64.powi(k)).collect();
        assert_eq!(ticks(&powers), [1.0, 4.0, 16.0, 64.0, 256.0, 1024.0]);
        assert_eq!(ticks(&powers[..7]), powers[..7]);
    }
}
