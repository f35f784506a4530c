//! Saddle escape, measured during the run: for a run that starts within the escape radius `R` of a
//! documented strict saddle `x_s` (a non-degenerate critical point of index >= 1), the first iteration with
//! `||x_k - x_s|| >= R`, `R = rho sqrt(|lambda_min|)`, `rho` = [`RADIUS_FRACTION`], and the start's
//! distance `eps_u` from the saddle along its unstable eigenspace. Watched at every iteration (the trace's
//! ladder is too coarse for the escape iteration to the unit) and written into the record
//! ([`crate::record::EscapeFact`]); [`crate::analysis::escape`] fits and draws it from the records alone.

use faer::{Mat, Side};

use crate::optimizer::Stepper;
use crate::oracle::Oracle;
use crate::problem::Problem;
use crate::record::EscapeFact;
use crate::run_loop::Observer;
use crate::stop::{Measure, Status};
use crate::vector::distance;

pub use crate::record::facts::RADIUS_FRACTION;

/// Largest dimension at which the saddle's Hessian is formed and decomposed densely.
pub const MAX_DIM: usize = 1000;

/// A saddle near the start: where it is, `|lambda_min|` there, and `eps_u`.
#[derive(Debug, Clone, PartialEq)]
pub struct Saddle {
    /// The saddle `x_s`.
    pub point: Vec<f64>,
    /// `|lambda_min|` of the Hessian at `x_s`.
    pub lambda: f64,
    /// The length of the projection of `x_0 - x_s` on the unstable eigenspace.
    pub offset: f64,
}

impl Saddle {
    /// The escape radius `R`.
    pub fn radius(&self) -> f64 {
        RADIUS_FRACTION * self.lambda.sqrt()
    }
}

/// The documented strict saddle nearest `x0`, when `x0` lies within its escape radius; `None` where the
/// problem documents none, has no dense Hessian, is larger than [`MAX_DIM`], or starts farther away.
pub fn saddle_near(problem: &dyn Problem, x0: &[f64]) -> Option<Saddle> {
    let n = x0.len();
    if n > MAX_DIM {
        return None;
    }
    let so = problem.second_order()?;
    let origin = problem
        .critical_points()
        .into_iter()
        .filter(|c| c.index >= 1 && c.nullity == 0 && c.point.len() == n)
        .map(|c| c.point)
        .min_by(|a, b| distance(a, x0).total_cmp(&distance(b, x0)))?;
    let mut h = Mat::zeros(n, n);
    so.hessian(&origin, &mut h);
    let e = h.self_adjoint_eigen(Side::Lower).ok()?;
    let (s, u) = (e.S(), e.U());
    if s[0] >= 0.0 || s[0].is_nan() {
        return None;
    }
    let d: Vec<f64> = x0.iter().zip(&origin).map(|(a, b)| a - b).collect();
    let unstable: f64 = (0..n)
        .filter(|&j| s[j] < 0.0)
        .map(|j| {
            let c: f64 = (0..n).map(|i| u[(i, j)] * d[i]).sum();
            c * c
        })
        .sum();
    let saddle = Saddle {
        point: origin,
        lambda: -s[0],
        offset: unstable.sqrt(),
    };
    (distance(x0, &saddle.point) < saddle.radius()).then_some(saddle)
}

/// Watches a run's distance from the saddle it starts near.
pub struct EscapeWatch<'a> {
    problem: &'a dyn Problem,
    saddle: Option<Saddle>,
    escaped_at: Option<u64>,
    /// The measurement, once the run has ended (`None` for runs that do not start near a strict saddle).
    pub fact: Option<EscapeFact>,
}

impl<'a> EscapeWatch<'a> {
    /// Watches runs of `problem`.
    pub fn new(problem: &'a dyn Problem) -> Self {
        EscapeWatch {
            problem,
            saddle: None,
            escaped_at: None,
            fact: None,
        }
    }

    fn check(&mut self, x: &[f64], iter: u64) {
        if let Some(s) = &self.saddle
            && self.escaped_at.is_none()
            && distance(x, &s.point) >= s.radius()
        {
            self.escaped_at = Some(iter);
        }
    }
}

impl Observer for EscapeWatch<'_> {
    fn started(&mut self, x: &[f64], m: &Measure, _oracle: &Oracle) {
        self.saddle = saddle_near(self.problem, x);
        self.check(x, m.iter);
    }

    fn measured(&mut self, x: &[f64], m: &Measure, _o: &Oracle, _v: Option<Status>) {
        self.check(x, m.iter);
    }

    fn ended(&mut self, x: &[f64], _l: &Measure, _s: Status, _st: Option<&dyn Stepper>) {
        self.fact = self.saddle.as_ref().map(|s| EscapeFact {
            lambda: s.lambda,
            offset: s.offset,
            radius: s.radius(),
            escaped_at: self.escaped_at,
            final_distance: distance(x, &s.point),
        });
    }
}
