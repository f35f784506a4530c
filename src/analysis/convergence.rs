//! Convergence curves: one run's trace as `(x, y)` points, and the median with its min-max band over the
//! seeds of one instance and optimizer configuration.
//!
//! `y` is `f - f*` where the instance knows `f*`, otherwise `||g||`; `x` is iterations, gradient-equivalent
//! evaluations or wall time. Traces are sampled on a log-spaced ladder, so runs of different seeds are
//! recorded at different `x` (the time axis always, the others once runs end at different iterations).
//! Each run is read between its recorded points by linear interpolation of `log10 y` (exact for linear
//! convergence, the common case).
//!
//! The median and the band at `x` are taken over every seed, a run that has finished counted at its last
//! value (a diverged run, or one whose values stopped being finite, at `+inf`), and only while at least half
//! of the seeds are still running: past that point a median would be one of a few survivors', and taken over
//! the survivors alone it jumps up whenever a converged run drops out. Each run's end is reported
//! separately with its status, and [`Band::end`] says where the median stops.

use crate::stop::Status;
use crate::store::RunRecord;

/// What the horizontal axis counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum XAxis {
    /// Iterations.
    Iterations,
    /// Gradient-equivalent evaluations.
    Evaluations,
    /// Seconds of wall time since the run started.
    Time,
}

impl XAxis {
    /// Every axis, in report order.
    pub const ALL: [XAxis; 3] = [XAxis::Iterations, XAxis::Evaluations, XAxis::Time];

    /// A short name for file names.
    pub fn slug(&self) -> &'static str {
        match self {
            XAxis::Iterations => "iters",
            XAxis::Evaluations => "evals",
            XAxis::Time => "time",
        }
    }

    /// The axis label.
    pub fn label(&self) -> &'static str {
        match self {
            XAxis::Iterations => "iterations",
            XAxis::Evaluations => "gradient-equivalent evaluations",
            XAxis::Time => "wall time (s)",
        }
    }
}

/// What the vertical axis measures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum YMeasure {
    /// `f(x_k) - f*`.
    Gap(f64),
    /// `||g(x_k)||`.
    GradNorm,
}

impl YMeasure {
    /// The axis label.
    pub fn label(&self) -> &'static str {
        match self {
            YMeasure::Gap(_) => "f - f*",
            YMeasure::GradNorm => "||g||",
        }
    }
}

/// One run as a curve.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCurve {
    /// The seed.
    pub seed: u64,
    /// How the run ended.
    pub status: Status,
    /// Recorded points, `x` non-decreasing (`y` may be zero, negative through rounding, or non-finite).
    pub points: Vec<(f64, f64)>,
}

impl RunCurve {
    /// The curve of one run, or `None` when the run has no trace on this axis (a run that never started,
    /// or a time axis without the timing it needs).
    pub fn of(r: &RunRecord, axis: XAxis, measure: YMeasure) -> Option<RunCurve> {
        if r.trace.is_empty()
            || (axis == XAxis::Time && r.timing.trace_time_s.len() != r.trace.len())
        {
            return None;
        }
        let points = r
            .trace
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let x = match axis {
                    XAxis::Iterations => t.iter as f64,
                    XAxis::Evaluations => t.counts.grad_equiv(r.outcome.dim) as f64,
                    XAxis::Time => r.timing.trace_time_s[i],
                };
                let y = match measure {
                    YMeasure::Gap(f_star) => t.value - f_star,
                    YMeasure::GradNorm => t.grad_norm,
                };
                (x, y)
            })
            .collect();
        Some(RunCurve {
            seed: r.spec.seed,
            status: r.outcome.status,
            points,
        })
    }

    /// The last point with a finite `y`: where the run's end is marked.
    pub fn end(&self) -> Option<(f64, f64)> {
        self.points.iter().rev().find(|p| p.1.is_finite()).copied()
    }

    /// The last recorded `x`: the run is running up to here.
    pub fn last_x(&self) -> Option<f64> {
        self.points.last().map(|p| p.0)
    }

    /// Whether the run diverged: its status says so, or a recorded value is not finite.
    pub fn diverged(&self) -> bool {
        self.status == Status::Diverged || self.points.iter().any(|p| !p.1.is_finite())
    }

    /// `y` at any `x` for the median over seeds: before the first point, the first value; while
    /// running, [`RunCurve::at`] (`+inf` next to a non-finite value); after the end, the last value, or
    /// `+inf` for a run that [diverged](RunCurve::diverged).
    pub fn held(&self, x: f64, floor: f64) -> Option<f64> {
        let first = self.points.first()?;
        let last = self.points.last()?;
        if x < first.0 {
            return Some(if first.1.is_finite() {
                first.1.max(floor)
            } else {
                f64::INFINITY
            });
        }
        if x <= last.0 {
            return Some(self.at(x, floor).unwrap_or(f64::INFINITY));
        }
        if self.diverged() {
            return Some(f64::INFINITY);
        }
        self.end().map(|e| e.1.max(floor))
    }

    /// `y` at `x` by linear interpolation of `log10 max(y, floor)` between recorded points; `None` outside
    /// the recorded range or next to a non-finite value.
    pub fn at(&self, x: f64, floor: f64) -> Option<f64> {
        let first = self.points.first()?;
        let last = self.points.last()?;
        if x < first.0 || x > last.0 {
            return None;
        }
        let k = self.points.partition_point(|p| p.0 < x);
        let b = self.points.get(k)?;
        if !b.1.is_finite() {
            return None;
        }
        if b.0 == x || k == 0 {
            return Some(b.1.max(floor));
        }
        let a = self.points[k - 1];
        if !a.1.is_finite() {
            return None;
        }
        let t = (x - a.0) / (b.0 - a.0);
        let la = a.1.max(floor).log10();
        let lb = b.1.max(floor).log10();
        Some(10f64.powf(la + t * (lb - la)))
    }
}

/// The median and min-max band over seeds, while at least half of them are running.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Band {
    /// The abscissae: every recorded `x` of every run, ascending, up to the last at which at least half of
    /// the seeds are still running.
    pub x: Vec<f64>,
    /// The median over all seeds at `x`, each run [held](RunCurve::held) at its last value once finished.
    pub median: Vec<f64>,
    /// The smallest value over the seeds.
    pub lo: Vec<f64>,
    /// The largest value over the seeds (`+inf` once a run has diverged).
    pub hi: Vec<f64>,
}

impl Band {
    /// Where the median stops: its last abscissa.
    pub fn end(&self) -> Option<f64> {
        self.x.last().copied()
    }
}

/// How many of `curves` are still running at `x` (their last recorded point is at or after `x`).
pub fn running(curves: &[RunCurve], x: f64) -> usize {
    curves
        .iter()
        .filter(|c| c.last_x().is_some_and(|l| l >= x))
        .count()
}

/// Aggregates runs of the seeds of one cell, at every recorded `x` while at least half of the seeds are
/// running (see the module's notes). Values at or below `floor` (for a log axis: the smallest value drawn)
/// are read as `floor`.
pub fn band(curves: &[RunCurve], floor: f64) -> Band {
    let mut xs: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .filter(|x| x.is_finite())
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let mut out = Band::default();
    for x in xs {
        if 2 * running(curves, x) < curves.len() {
            break;
        }
        let mut ys: Vec<f64> = curves.iter().filter_map(|c| c.held(x, floor)).collect();
        if ys.is_empty() {
            continue;
        }
        ys.sort_by(f64::total_cmp);
        let med = crate::summary::median(&mut ys).unwrap_or(f64::NAN);
        out.x.push(x);
        out.median.push(med);
        out.lo.push(ys[0]);
        out.hi.push(ys[ys.len() - 1]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(points: &[(f64, f64)]) -> RunCurve {
        RunCurve {
            seed: 0,
            status: Status::Converged,
            points: points.to_vec(),
        }
    }

    #[test]
    fn interpolation_is_linear_in_log_y() {
        let c = curve(&[(0.0, 1.0), (10.0, 1e-4)]);
        let y = c.at(5.0, 1e-300).expect("inside");
        assert!((y - 1e-2).abs() <= 1e-2 * 8.0 * f64::EPSILON, "{y:e}");
        assert_eq!(c.at(11.0, 1e-300), None, "after the run's end");
        assert_eq!(c.at(10.0, 1e-300), Some(1e-4));
    }

    #[test]
    fn band_takes_median_and_extremes_while_half_the_seeds_run() {
        let a = curve(&[(0.0, 1.0), (2.0, 1e-2)]);
        let b = curve(&[(0.0, 4.0), (1.0, 1e-1), (3.0, 1e-3)]);
        let c = curve(&[(0.0, 2.0), (1.0, 1.0)]);
        let band = band(&[a, b, c], 1e-300);
        // At x = 3 only b is still going: one of three seeds, so the band stops at x = 2.
        assert_eq!(band.x, vec![0.0, 1.0, 2.0]);
        assert_eq!(band.end(), Some(2.0));
        assert_eq!(band.median[0], 2.0);
        assert_eq!((band.lo[0], band.hi[0]), (1.0, 4.0));
        // At x = 1: a is at 10^-1 (halfway in log between 1 and 1e-2), b at 1e-1, c at 1.
        assert!((band.median[1] - 0.1).abs() <= 0.1 * 8.0 * f64::EPSILON);
        assert_eq!(band.hi[1], 1.0);
        // At x = 2: c has finished and is held at its last value, 1; a is at 1e-2, b at 10^-2 (halfway in
        // log between 1e-1 and 1e-3).
        assert_eq!(band.hi[2], 1.0);
        assert!((band.median[2] - 1e-2).abs() <= 1e-2 * 8.0 * f64::EPSILON);
    }

    #[test]
    fn median_does_not_rise_when_a_converged_run_stops() {
        // Three decreasing runs of different lengths: over the survivors the median would jump up at x = 2,
        // when the lowest run stops; held at its last value it does not.
        let a = curve(&[(0.0, 1.0), (1.0, 1e-3), (2.0, 1e-6)]);
        let b = curve(&[(0.0, 1.0), (2.0, 1e-2), (4.0, 1e-4)]);
        let c = curve(&[(0.0, 1.0), (3.0, 1e-1), (6.0, 1e-2)]);
        let band = band(&[a, b, c], 1e-300);
        for w in band.median.windows(2) {
            assert!(w[1] <= w[0], "median rises: {:e} -> {:e}", w[0], w[1]);
        }
        assert_eq!(band.end(), Some(4.0), "two of three seeds run up to x = 4");
    }

    #[test]
    fn a_diverged_run_counts_as_infinite_after_its_end() {
        let good = curve(&[(0.0, 1.0), (4.0, 1e-4)]);
        let bad = RunCurve {
            seed: 1,
            status: Status::Diverged,
            points: vec![(0.0, 1.0), (1.0, 1e10), (2.0, f64::INFINITY)],
        };
        assert!(bad.diverged());
        assert_eq!(bad.held(3.0, 1e-300), Some(f64::INFINITY));
        let band = band(&[good, bad], 1e-300);
        // Two seeds: the median is drawn while one runs, up to x = 4; from x = 2 it is infinite.
        assert_eq!(band.end(), Some(4.0));
        assert_eq!(band.hi.last(), Some(&f64::INFINITY));
        assert_eq!(band.lo.last(), Some(&1e-4));
    }

    #[test]
    fn non_finite_points_are_not_interpolated() {
        let c = curve(&[(0.0, 1.0), (1.0, 10.0), (2.0, f64::INFINITY)]);
        assert_eq!(c.at(1.5, 1e-300), None);
        assert_eq!(c.end(), Some((1.0, 10.0)));
    }
}
