//! What reading a run's results needs beyond its counts and trace, stated or measured while the run ran:
//! the optimizer's statements about itself, the problem's ground truth, the saddle escape and the sharpness
//! series.
//!
//! Reports, comparisons and merges read these from the record and never rebuild a problem or replay a run,
//! so an old folder reads the same under any later binary, and one made by a plug-in reads under the plain
//! one. Records of format 1 carry none of this (every field is then empty); what a reader cannot learn from
//! them it says it does not know.

use serde::{Deserialize, Serialize};

use crate::problem::Curvature;
use crate::problem::critical::{CriticalPoint, Kind};
use crate::theory::{Anatomy, EscapeGrowth, EscapeTheory, KappaSlope};

/// `rho`: the escape radius `R = rho sqrt(|lambda_min|)` as a fraction of `sqrt(|lambda_min|)` (see
/// [`EscapeFact`]).
pub const RADIUS_FRACTION: f64 = 0.01;

/// Largest number of documented critical points a record keeps (families list one of each kind).
pub const MAX_CRITICAL_POINTS: usize = 64;

/// Everything a run states or measures for its readers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// What the optimizer states about itself.
    #[serde(default)]
    pub optimizer: OptimizerFacts,
    /// The problem's ground truth.
    #[serde(default)]
    pub problem: ProblemFacts,
    /// The saddle escape, measured at every iteration, for a run that starts within the escape radius of a
    /// documented strict saddle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escape: Option<EscapeFact>,
    /// The sharpness series, for a run whose spec asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sharpness: Option<super::SharpnessFact>,
}

/// An optimizer configuration's statements about itself (see [`crate::theory`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OptimizerFacts {
    /// The part of the Hessian it keeps (`none`, `diagonal`, `full matrix`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keeps: Option<String>,
    /// The floats it holds between steps, as a formula.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_formula: Option<String>,
    /// Whether a client process holds that memory (an external optimizer): what this process measured of
    /// the optimizer's state (`state_bytes`) is then not the method's memory.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub memory_in_client: bool,
    /// The theory slope of iterations against kappa.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa_slope: Option<SlopeFact>,
    /// The linear theory of its escape from a strict saddle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escape_theory: Option<EscapeTheoryFact>,
    /// The sharpness above which its fixed step is unstable on a quadratic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stability_edge: Option<super::EdgeFact>,
}

impl OptimizerFacts {
    /// What `optimizer` states.
    pub fn of(optimizer: &dyn crate::optimizer::DynOptimizer) -> Self {
        let anatomy: Option<Anatomy> = optimizer.anatomy();
        OptimizerFacts {
            keeps: anatomy.as_ref().map(|a| a.keeps.to_string()),
            memory_in_client: anatomy.as_ref().is_some_and(|a| a.in_client),
            memory_formula: anatomy.map(|a| a.formula()),
            kappa_slope: optimizer.kappa_slope().map(|k| SlopeFact::from(&k)),
            escape_theory: optimizer.escape().map(|e| EscapeTheoryFact::from(&e)),
            stability_edge: optimizer
                .stability_edge()
                .map(|e| super::EdgeFact::from(&e)),
        }
    }
}

/// A theory slope as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlopeFact {
    /// The exponent `s` in `iterations ~ kappa^s`.
    pub slope: f64,
    /// Where the prediction comes from.
    pub source: String,
}

impl From<&KappaSlope> for SlopeFact {
    fn from(k: &KappaSlope) -> Self {
        SlopeFact {
            slope: k.slope,
            source: k.source.to_string(),
        }
    }
}

/// The linear theory of a saddle escape as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscapeTheoryFact {
    /// The growth of the unstable component per iteration.
    pub growth: EscapeGrowth,
    /// The formula, for captions.
    pub source: String,
}

impl From<&EscapeTheory> for EscapeTheoryFact {
    fn from(e: &EscapeTheory) -> Self {
        EscapeTheoryFact {
            growth: e.growth,
            source: e.source.to_string(),
        }
    }
}

impl EscapeTheoryFact {
    /// The growth factor per iteration at `|lambda_min| = lambda`.
    pub fn factor(&self, lambda: f64) -> f64 {
        self.growth.factor(lambda)
    }
}

/// The problem's ground truth, where the family documents it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProblemFacts {
    /// A global minimiser `x*`, kept when the dimension is at most [`crate::runner::KEEP_FINAL_X_MAX_DIM`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimum_point: Option<Vec<f64>>,
    /// Global curvature bounds `mu` and `L`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curvature: Option<Curvature>,
    /// The documented critical points (at most [`MAX_CRITICAL_POINTS`], dimension at most
    /// [`crate::runner::KEEP_FINAL_X_MAX_DIM`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub critical_points: Vec<CriticalFact>,
}

/// A documented critical point as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriticalFact {
    /// The location, as documented.
    pub point: Vec<f64>,
    /// The value there.
    #[serde(with = "super::real")]
    pub value: f64,
    /// The number of negative Hessian eigenvalues.
    pub index: usize,
    /// The number of zero Hessian eigenvalues.
    #[serde(default)]
    pub nullity: usize,
}

impl CriticalFact {
    /// What the point is, from its index and nullity.
    pub fn kind(&self) -> Kind {
        Kind::of(self.point.len(), self.index, self.nullity)
    }
}

impl From<CriticalPoint> for CriticalFact {
    fn from(c: CriticalPoint) -> Self {
        CriticalFact {
            point: c.point,
            value: c.value,
            index: c.index,
            nullity: c.nullity,
        }
    }
}

/// How a run left (or did not leave) the strict saddle it started near, measured at every iteration (see
/// [`crate::analysis::escape`] for the definition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscapeFact {
    /// `|lambda_min|` of the Hessian at the saddle.
    pub lambda: f64,
    /// `eps_u`: the length of the start's projection on the saddle's unstable eigenspace.
    pub offset: f64,
    /// The escape radius `R`.
    pub radius: f64,
    /// The first iteration at distance `R` or more from the saddle; `None` when the run never got there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escaped_at: Option<u64>,
    /// The distance from the saddle at the run's last iterate.
    #[serde(with = "super::real")]
    pub final_distance: f64,
}
