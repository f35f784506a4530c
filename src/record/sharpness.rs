//! The sharpness along a run: what a run that asks for it (`[sharpness]` in its config, kept in its spec)
//! measures, and the series it records. The measurement is made by
//! [`crate::observers::SharpnessWatch`]; [`crate::report::sharpness`] draws it from the record alone.
//!
//! Config keys (a `[sharpness]` table, or inline `sharpness = { every = 10 }`):
//! - `every` (default 10): measure at every iteration that is a multiple of it (iteration 0 included),
//!   and at the run's last iterate;
//! - `extremes` (default 1): how many eigenvalues at each end of the spectrum to record (the `k` largest
//!   and the `k` smallest);
//! - `rel_tol` (default 1e-10): the Lanczos process stops when every reported Ritz value's residual is at
//!   most `rel_tol` times the largest `|eigenvalue|`;
//! - `max_steps` (default 100): the cap on Lanczos steps (Hessian-vector products) per measurement.

use serde::{Deserialize, Serialize};

use crate::params::{ParamDoc, ParamError};

/// The keys of `[sharpness]`.
pub const PARAMS: &[ParamDoc] = &[
    ParamDoc {
        name: "every",
        default: "10",
        doc: "measure every this many iterations (and at iteration 0 and the last iterate), an integer >= 1",
    },
    ParamDoc {
        name: "extremes",
        default: "1",
        doc: "eigenvalues recorded at each end of the spectrum, an integer in 1..=16",
    },
    ParamDoc {
        name: "rel_tol",
        default: "1e-10",
        doc: "Lanczos stops once every reported Ritz residual is <= rel_tol max |lambda|, in (0, 0.1]",
    },
    ParamDoc {
        name: "max_steps",
        default: "100",
        doc: "most Lanczos steps (Hessian-vector products) per measurement, an integer in 2..=10000",
    },
];

/// The most eigenvalues at each end a run records.
pub const MAX_EXTREMES: usize = 16;

/// The most Lanczos steps per measurement (each keeps a vector of the problem's dimension).
pub const MAX_LANCZOS_STEPS: usize = 10_000;

/// What a run measures of its sharpness: part of its spec (its run id changes with it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharpnessSpec {
    /// Measure at every multiple of this iteration count, and at the last iterate.
    #[serde(default = "default_every")]
    pub every: u64,
    /// Eigenvalues recorded at each end of the spectrum.
    #[serde(default = "default_extremes")]
    pub extremes: usize,
    /// The Lanczos relative residual tolerance.
    #[serde(default = "default_rel_tol")]
    pub rel_tol: f64,
    /// The Lanczos step cap.
    #[serde(default = "default_max_steps")]
    pub max_steps: usize,
}

fn default_every() -> u64 {
    10
}

fn default_extremes() -> usize {
    1
}

fn default_rel_tol() -> f64 {
    1e-10
}

fn default_max_steps() -> usize {
    100
}

impl Default for SharpnessSpec {
    fn default() -> Self {
        SharpnessSpec {
            every: default_every(),
            extremes: default_extremes(),
            rel_tol: default_rel_tol(),
            max_steps: default_max_steps(),
        }
    }
}

impl SharpnessSpec {
    /// Reads and checks a `[sharpness]` table.
    pub fn parse(table: &toml::Table) -> Result<SharpnessSpec, ParamError> {
        let spec: SharpnessSpec = crate::params::from_table(table, PARAMS)?;
        spec.check()?;
        Ok(spec)
    }

    /// Checks every value against its range.
    pub fn check(&self) -> Result<(), ParamError> {
        if self.every == 0 {
            return Err(ParamError::key(
                "every",
                "`every` must be an integer >= 1 (measure every this many iterations), got 0",
            ));
        }
        if !(1..=MAX_EXTREMES).contains(&self.extremes) {
            return Err(ParamError::key(
                "extremes",
                format!(
                    "`extremes` must be an integer in 1..={MAX_EXTREMES} (eigenvalues at each end), got {}",
                    self.extremes
                ),
            ));
        }
        if !(self.rel_tol.is_finite() && self.rel_tol > 0.0 && self.rel_tol <= 0.1) {
            return Err(ParamError::key(
                "rel_tol",
                format!(
                    "`rel_tol` must be a number in (0, 0.1] (the Lanczos relative residual), got {}",
                    self.rel_tol
                ),
            ));
        }
        if !(2..=MAX_LANCZOS_STEPS).contains(&self.max_steps) || self.max_steps < 2 * self.extremes
        {
            return Err(ParamError::key(
                "max_steps",
                format!(
                    "`max_steps` must be an integer in {}..={MAX_LANCZOS_STEPS} (at least 2 and at least twice \
                     `extremes` = {}), got {}",
                    (2 * self.extremes).max(2),
                    self.extremes,
                    self.max_steps
                ),
            ));
        }
        Ok(())
    }
}

/// One measurement of the sharpness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharpnessPoint {
    /// The iteration.
    pub iter: u64,
    /// The objective there (the loss on the figure's shared iteration axis).
    pub value: f64,
    /// The largest Hessian eigenvalues, descending: `highest[0]` is the sharpness `lambda_max`.
    pub highest: Vec<f64>,
    /// The smallest Hessian eigenvalues, ascending: `lowest[0]` is `lambda_min`.
    pub lowest: Vec<f64>,
    /// The largest relative Ritz residual among the reported values (see
    /// [`crate::spectrum::ends::Ends::residual`]): at most the spec's `rel_tol` unless the step cap ended
    /// the process first.
    pub residual: f64,
    /// The Lanczos steps made.
    pub steps: usize,
}

impl SharpnessPoint {
    /// The sharpness `lambda_max`.
    pub fn lambda_max(&self) -> f64 {
        self.highest.first().copied().unwrap_or(f64::NAN)
    }
}

/// The sharpness series of a run, measured while it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharpnessFact {
    /// What was asked.
    pub spec: SharpnessSpec,
    /// The measurements in iteration order (iterates whose value or coordinates are not finite are not
    /// measured).
    pub points: Vec<SharpnessPoint>,
    /// Why the series stopped short, where it did (a non-finite iterate, a failed eigensolve).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An optimizer configuration's stability edge as recorded (see [`crate::theory::StabilityEdge`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeFact {
    /// The sharpness above which the fixed step is unstable on a quadratic (`2/eta` for gd).
    pub sharpness: f64,
    /// The formula, for captions.
    pub source: String,
}

impl From<&crate::theory::StabilityEdge> for EdgeFact {
    fn from(e: &crate::theory::StabilityEdge) -> Self {
        EdgeFact {
            sharpness: e.sharpness,
            source: e.source.to_string(),
        }
    }
}
