//! Convergence curves: one run's trace as `(x, y)` points, and the median with its min-max band over the
//! seeds of one instance and optimizer configuration.
//!
//! `y` is `f - f*` where the instance knows `f*`, otherwise `||g||`; `x` is iterations, gradient-equivalent
//! evaluations or wall time. Traces are sampled on a log-spaced ladder, so runs of different seeds are
//! recorded at different `x` (the time axis always, the others once runs end at different iterations).
//! Each run is read between its recorded points by linear interpolation of `log10 y` (exact for linear
//! convergence, the common case); the median and the band at `x` are taken over the runs still going at
//! `x`, and each run's end is reported separately with its status.

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

/// The median and min-max band over seeds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Band {
    /// The abscissae: every recorded `x` of every run, ascending.
    pub x: Vec<f64>,
    /// The median over the runs still going at `x`.
    pub median: Vec<f64>,
    /// The smallest value over those runs.
    pub lo: Vec<f64>,
    /// The largest value over those runs.
    pub hi: Vec<f64>,
}

/// Aggregates runs of the seeds of one cell. Values at or below `floor` (for a log axis: the smallest
/// value drawn) are read as `floor`.
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
        let mut ys: Vec<f64> = curves.iter().filter_map(|c| c.at(x, floor)).collect();
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
    fn band_takes_median_and_extremes_of_running_seeds() {
        let a = curve(&[(0.0, 1.0), (2.0, 1e-2)]);
        let b = curve(&[(0.0, 4.0), (1.0, 1e-1), (3.0, 1e-3)]);
        let c = curve(&[(0.0, 2.0), (1.0, 1.0)]);
        let band = band(&[a, b, c], 1e-300);
        assert_eq!(band.x, vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(band.median[0], 2.0);
        assert_eq!((band.lo[0], band.hi[0]), (1.0, 4.0));
        // At x = 1: a is at 10^-1 (halfway in log between 1 and 1e-2), b at 1e-1, c at 1.
        assert!((band.median[1] - 0.1).abs() <= 0.1 * 8.0 * f64::EPSILON);
        assert_eq!(band.hi[1], 1.0);
        // At x = 3 only b is still going.
        assert_eq!(band.median[3], 1e-3);
    }

    #[test]
    fn non_finite_points_are_not_interpolated() {
        let c = curve(&[(0.0, 1.0), (1.0, 10.0), (2.0, f64::INFINITY)]);
        assert_eq!(c.at(1.5, 1e-300), None);
        assert_eq!(c.end(), Some((1.0, 10.0)));
    }
}
