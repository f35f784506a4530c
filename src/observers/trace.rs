//! The trace of a run: the measurement at iteration 0, on the log-spaced [`Ladder`], at the last iteration,
//! and, for problems of at most [`KEEP_PATH_MAX_DIM`] dimensions, every iterate with its point for the first
//! [`MAX_PATH_POINTS`] iterations (so a path can be drawn as taken).

use crate::oracle::Oracle;
use crate::record::TracePoint;
use crate::run_loop::Observer;
use crate::stop::{Measure, Status};
use crate::trace::{KEEP_PATH_MAX_DIM, Ladder, MAX_PATH_POINTS};

/// Records the trace.
#[derive(Debug, Default)]
pub struct Trace {
    ladder: Ladder,
    /// The recorded points, in iteration order.
    pub points: Vec<TracePoint>,
    /// Seconds since the run's start at each point.
    pub times_s: Vec<f64>,
}

impl Trace {
    fn record(&mut self, x: &[f64], m: &Measure, oracle: &Oracle) {
        self.points.push(TracePoint {
            iter: m.iter,
            counts: oracle.counts(),
            value: m.value,
            grad_norm: m.grad_norm,
            x: (x.len() <= KEEP_PATH_MAX_DIM).then(|| x.to_vec()),
        });
        self.times_s.push(m.elapsed_s);
    }
}

impl Observer for Trace {
    fn started(&mut self, x: &[f64], m: &Measure, oracle: &Oracle) {
        self.ladder.take(0);
        self.record(x, m, oracle);
    }

    fn measured(&mut self, x: &[f64], m: &Measure, oracle: &Oracle, verdict: Option<Status>) {
        let whole_path = x.len() <= KEEP_PATH_MAX_DIM && m.iter < MAX_PATH_POINTS;
        if self.ladder.take(m.iter) || whole_path || verdict.is_some() {
            // A step that did not count (ended by a budget or an error) replaces the point of its iteration.
            if self.points.last().is_some_and(|p| p.iter == m.iter) {
                self.points.pop();
                self.times_s.pop();
            }
            self.record(x, m, oracle);
        }
    }
}
