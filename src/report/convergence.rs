//! Convergence figures: for each problem instance, `f - f*` (or `||g||` where `f*` is unknown) on a log
//! axis against iterations, evaluations and wall time, one median line and min-max band per optimizer
//! configuration (from [`analysis::convergence`](crate::analysis::convergence)).
//!
//! What makes them readable at a glance:
//! - the y range comes from the runs that stay in bounds: a run that diverged, reached a non-finite value
//!   or grew beyond [`RUNAWAY`] times the largest starting value is drawn as a thin line cut at the frame,
//!   with an arrow where it leaves, and does not stretch the axis;
//! - the median is drawn only while at least half of the seeds are running (a finished run counted at its
//!   last value); after that, each run still going is a thin line of its own.

use crate::analysis::convergence::{RunCurve, XAxis, YMeasure, band};
use crate::analysis::sweep::{Sweep, number_text};
use crate::stop::Status;

use super::figure::optimizer_look;
use super::figure::{Axis, Band, Figure, LegendEntry, Line, Look, Mark, Scale};
use super::notes::{not_applicable, seeds_text, status_mark};
use super::style::{INK, Marker};

/// The spread of run lengths (the longest median run over the shortest) above which an iteration or
/// evaluation axis is drawn logarithmic.
pub const LOG_X_SPREAD: f64 = 100.0;

/// A run whose `y` exceeds the largest starting `y` of the figure by this factor (six decades) has run
/// away: it leaves the frame instead of setting it.
pub const RUNAWAY: f64 = 1e6;

/// Width of the line of a single run (after the median stops, or a run that left the frame).
pub const SINGLE_RUN_WIDTH: f64 = 0.8;

/// The smallest value a log axis draws for these values: the smallest positive value, but no lower than
/// `EPSILON^2` times the largest (`f - f*` below that is rounding of `f`, not progress).
fn log_floor(ys: impl Iterator<Item = f64>) -> f64 {
    let (lo, hi) = ys
        .filter(|y| y.is_finite() && *y > 0.0)
        .fold((f64::INFINITY, 0.0_f64), |(a, b), y| (a.min(y), b.max(y)));
    if !lo.is_finite() {
        return f64::MIN_POSITIVE;
    }
    lo.max(hi * f64::EPSILON * f64::EPSILON)
}

/// Linear, or logarithmic where the optimizers' median run lengths on the axis differ by more than
/// [`LOG_X_SPREAD`] (wall time stays linear).
fn iteration_scale(axis: XAxis, per_opt: &[(usize, Vec<RunCurve>)]) -> Scale {
    if axis == XAxis::Time {
        return Scale::Linear;
    }
    let lengths: Vec<f64> = per_opt
        .iter()
        .filter_map(|(_, curves)| {
            let mut ends: Vec<f64> = curves.iter().filter_map(|c| c.end()).map(|e| e.0).collect();
            crate::summary::median(&mut ends)
        })
        .filter(|x| *x >= 1.0)
        .collect();
    let (lo, hi) = lengths
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), x| (a.min(*x), b.max(*x)));
    if lengths.len() >= 2 && hi / lo > LOG_X_SPREAD {
        Scale::Log
    } else {
        Scale::Linear
    }
}

/// The vertical frame of one figure.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// Values below are drawn at it (rounding level).
    floor: f64,
    /// Values above leave the frame.
    top: f64,
    /// The runaway level: [`RUNAWAY`] times the largest starting value.
    cap: f64,
    /// The drawn range in decades, `(log10 bottom, log10 top)`.
    decades: (f64, f64),
    /// Whether some finite value is below the floor (and drawn at it).
    clamped: bool,
}

impl Frame {
    /// The frame fitted to the runs that stay in bounds (all runs' values up to the cap when none does).
    fn of(curves: &[&RunCurve], y: &Axis) -> Frame {
        let start = curves
            .iter()
            .filter_map(|c| c.points.iter().find(|p| p.1.is_finite()).map(|p| p.1))
            .fold(0.0_f64, f64::max);
        let cap = if start > 0.0 {
            start * RUNAWAY
        } else {
            f64::INFINITY
        };
        let staying: Vec<&&RunCurve> = curves.iter().filter(|c| !leaves(c, cap)).collect();
        let basis: Vec<f64> = if staying.is_empty() {
            curves
                .iter()
                .flat_map(|c| c.points.iter().map(|p| p.1))
                .filter(|y| y.is_finite() && *y <= cap)
                .collect()
        } else {
            staying
                .iter()
                .flat_map(|c| c.points.iter().map(|p| p.1))
                .collect()
        };
        let floor = log_floor(basis.iter().copied());
        let ys: Vec<f64> = basis
            .iter()
            .filter(|y| y.is_finite())
            .map(|y| y.max(floor))
            .collect();
        let decades = y.drawn_range(&ys);
        let clamped = curves
            .iter()
            .flat_map(|c| &c.points)
            .any(|p| p.1.is_finite() && p.1 < floor);
        Frame {
            floor,
            top: 10f64.powf(decades.1),
            cap,
            decades,
            clamped,
        }
    }

    /// Where the polyline `pts` first leaves through the top, interpolated as the renderer draws it
    /// (linear in `log10 y`, and in `log10 x` on a log x axis); `+inf` values lie ten spans above.
    fn exit(&self, pts: &[(f64, f64)], x_scale: Scale) -> Option<f64> {
        let top = self.decades.1;
        let far = top + 10.0 * (self.decades.1 - self.decades.0);
        let u = |y: f64| {
            if y == f64::INFINITY {
                far
            } else {
                y.max(self.floor).log10()
            }
        };
        pts.windows(2).find_map(|w| {
            let (a, b) = (w[0], w[1]);
            if a.1.is_nan() || b.1.is_nan() || u(a.1) > top || u(b.1) <= top {
                return None;
            }
            let t = (top - u(a.1)) / (u(b.1) - u(a.1));
            Some(if x_scale == Scale::Log && a.0 > 0.0 && b.0 > 0.0 {
                10f64.powf(a.0.log10() + t * (b.0.log10() - a.0.log10()))
            } else {
                a.0 + t * (b.0 - a.0)
            })
        })
    }
}

/// Whether run `c` leaves the frame: it diverged, reached a non-finite value or exceeded `cap`.
fn leaves(c: &RunCurve, cap: f64) -> bool {
    c.diverged() || c.points.iter().any(|p| p.1 > cap)
}

/// One run as a thin line: the whole run if it leaves the frame (up to its last finite value), else the
/// part after `after` (where the median stops); `None` when there is nothing to draw.
fn single_run(c: &RunCurve, frame: &Frame, after: Option<f64>) -> Option<Vec<(f64, f64)>> {
    let floor = frame.floor;
    let finite = |p: &&(f64, f64)| p.1.is_finite();
    let pts: Vec<(f64, f64)> = if leaves(c, frame.cap) {
        c.points
            .iter()
            .take_while(finite)
            .map(|p| (p.0, p.1.max(floor)))
            .collect()
    } else {
        let after = after?;
        if c.last_x().is_none_or(|l| l <= after) {
            return None;
        }
        let head = c.at(after, floor).map(|y| (after, y));
        head.into_iter()
            .chain(
                c.points
                    .iter()
                    .filter(|p| p.0 > after)
                    .filter(finite)
                    .map(|p| (p.0, p.1.max(floor))),
            )
            .collect()
    };
    (pts.len() >= 2).then_some(pts)
}

/// Convergence figures: for each instance, `y` (f - f* where f* is known, else ||g||) against each x axis.
pub fn convergence_figures(sweep: &Sweep) -> Vec<Figure> {
    let mut out = Vec::new();
    for (i, inst) in sweep.instances.iter().enumerate() {
        let measure = match inst.optimum_value {
            Some(f) => YMeasure::Gap(f),
            None => YMeasure::GradNorm,
        };
        for axis in XAxis::ALL {
            let per_opt: Vec<(usize, Vec<RunCurve>)> = (0..sweep.optimizers.len())
                .map(|o| {
                    let curves = sweep
                        .runs(i, o)
                        .iter()
                        .filter_map(|r| RunCurve::of(r, axis, measure))
                        .collect();
                    (o, curves)
                })
                .filter(|(_, c): &(usize, Vec<RunCurve>)| !c.is_empty())
                .collect();
            if !per_opt.is_empty() {
                out.push(figure(sweep, i, axis, measure, &per_opt));
            }
        }
    }
    out
}

/// The convergence figure of instance `i` against `axis`.
fn figure(
    sweep: &Sweep,
    i: usize,
    axis: XAxis,
    measure: YMeasure,
    per_opt: &[(usize, Vec<RunCurve>)],
) -> Figure {
    let inst = &sweep.instances[i];
    let all: Vec<&RunCurve> = per_opt.iter().flat_map(|(_, c)| c.iter()).collect();
    let x_scale = iteration_scale(axis, per_opt);
    let mut y = Axis::new(measure.label(), Scale::Log);
    let frame = Frame::of(&all, &y);
    y.range = Some((10f64.powf(frame.decades.0), frame.top));
    let floor = frame.floor;
    let mut fig = Figure::new(
        format!(
            "convergence-{i:02}-{}-{}",
            super::file_word(&inst.spec.family),
            axis.slug()
        ),
        inst.label.clone(),
        Axis::new(axis.label(), x_scale),
        y,
    );
    let mut statuses_seen: Vec<Status> = Vec::new();
    let (mut singles, mut exits, mut left) = (false, false, Vec::new());
    for (o, curves) in per_opt {
        let look = optimizer_look(*o);
        let thin = Look {
            marker: None,
            width: SINGLE_RUN_WIDTH,
            ..look
        };
        let b = band(curves, floor);
        if b.x.len() >= 2 {
            fig.bands.push(Band {
                x: b.x.clone(),
                lo: b.lo.clone(),
                hi: b.hi.clone(),
                color: look.color,
            });
        }
        let median: Vec<(f64, f64)> = b.x.iter().copied().zip(b.median.iter().copied()).collect();
        let mut exit_points: Vec<f64> = frame.exit(&median, x_scale).into_iter().collect();
        fig.lines.push(Line {
            points: median,
            look,
        });
        fig.legend.push(LegendEntry {
            label: sweep.optimizers[*o].label.clone(),
            line: Some(look),
            mark: None,
        });
        for c in curves {
            if let Some(pts) = single_run(c, &frame, b.end()) {
                singles = true;
                exit_points.extend(frame.exit(&pts, x_scale));
                fig.lines.push(Line {
                    points: pts,
                    look: thin,
                });
            }
            if leaves(c, frame.cap) && !left.contains(o) {
                left.push(*o);
            }
            let (Some((marker, filled, _)), Some(end)) = (status_mark(c.status), c.end()) else {
                continue;
            };
            if end.1 > frame.top {
                // It left the frame: the arrow where it left marks it.
                continue;
            }
            fig.marks.push(Mark {
                at: (end.0, end.1.max(floor)),
                marker,
                color: if filled { INK } else { look.color },
                filled,
                scale: 1.5,
            });
            if !statuses_seen.contains(&c.status) {
                statuses_seen.push(c.status);
            }
        }
        for x in exit_points {
            exits = true;
            fig.marks.push(Mark {
                at: (x, frame.top),
                marker: Marker::ArrowUp,
                color: look.color,
                filled: true,
                scale: 1.3,
            });
        }
    }
    if singles {
        fig.legend.push(LegendEntry {
            label: "single runs".into(),
            line: Some(Look {
                color: INK,
                marker: None,
                dashed: false,
                width: SINGLE_RUN_WIDTH,
            }),
            mark: None,
        });
    }
    let mut legend_status: Vec<&str> = Vec::new();
    statuses_seen.sort();
    for s in &statuses_seen {
        if let Some((marker, filled, text)) = status_mark(*s)
            && !legend_status.contains(&text)
        {
            legend_status.push(text);
            fig.legend.push(LegendEntry {
                label: text.to_string(),
                line: None,
                mark: Some((marker, INK, filled)),
            });
        }
    }
    if exits {
        fig.legend.push(LegendEntry {
            label: "left the frame".into(),
            line: None,
            mark: Some((Marker::ArrowUp, INK, true)),
        });
    }
    fig.caption = caption(sweep, i, axis, measure, x_scale, &frame, &left);
    fig.details = format!("{CONVENTIONS} Instance: {}.", sweep.instances[i].full);
    fig
}

/// How every convergence figure is drawn: said once on the page, after each caption in the captions file.
pub const CONVENTIONS: &str = "Thick line: the median over the seeds, a finished run counted at its last value (a \
    diverged one as infinite), drawn while at least half of the seeds are still running; thin lines: each run still \
    going after that; band: min to max over the seeds where the median is drawn. Runs that did not converge are \
    marked at their last point (x diverged, + failed, I stopped by a budget or on its own).";

/// The caption of the convergence figure of instance `i`: what is particular to it.
fn caption(
    sweep: &Sweep,
    i: usize,
    axis: XAxis,
    measure: YMeasure,
    x_scale: Scale,
    frame: &Frame,
    left: &[usize],
) -> String {
    let inst = &sweep.instances[i];
    let mut caption = format!(
        "{}: {} against {}, {}.",
        inst.label,
        match measure {
            YMeasure::Gap(f) => format!("f - f* (f* = {})", crate::digits::significant(f, 6)),
            YMeasure::GradNorm => "||g|| (f* unknown)".to_string(),
        },
        axis.label(),
        seeds_text(sweep)
    );
    if !left.is_empty() {
        caption.push_str(&format!(
            " The y range is fitted to the runs that stayed finite and below {} times the largest starting \
             value; runs that did not ({}) are drawn as thin lines cut at the frame, an arrow where they leave it.",
            number_text(RUNAWAY),
            left.iter()
                .map(|o| sweep.optimizers[*o].label.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if frame.clamped {
        let floor = frame.floor;
        let floor = crate::digits::significant(floor, 2);
        caption.push_str(&format!(
            " Values below {floor} (rounding level) are drawn at {floor}."
        ));
    }
    if x_scale == Scale::Log {
        caption.push_str(&format!(
            " The {} axis is logarithmic, since the methods' run lengths differ by more than {}x; the \
             start is drawn at its left edge.",
            axis.label(),
            LOG_X_SPREAD
        ));
    }
    // Runs with no trace at all (failed before the first measurement).
    let traceless: Vec<String> = (0..sweep.optimizers.len())
        .flat_map(|o| {
            sweep
                .runs(i, o)
                .into_iter()
                .filter(|r| r.trace.is_empty() && r.outcome.status != Status::NotApplicable)
                .map(move |r| (o, r))
        })
        .map(|(o, r)| {
            format!(
                "{} seed {} ({}: {})",
                sweep.optimizers[o].label,
                r.spec.seed,
                r.outcome.status,
                r.outcome.message.clone().unwrap_or_default()
            )
        })
        .collect();
    if !traceless.is_empty() {
        caption.push_str(&format!(" No trace: {}.", traceless.join("; ")));
    }
    let na = not_applicable(sweep, i);
    caption.push_str(&if na.is_empty() {
        " Not applicable: none.".to_string()
    } else {
        format!(" Not applicable: {}.", na.join("; "))
    });
    caption
}
