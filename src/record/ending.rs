//! Where a run ended, as recorded when a config sets `diagnose = true`: the kind of point and the
//! spectrum there (computed by [`crate::spectrum::diagnosis`]).

use serde::{Deserialize, Serialize};

/// Where a run ended, by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ending {
    /// Every eigenvalue positive.
    Minimum,
    /// Eigenvalues of both signs.
    Saddle,
    /// Every eigenvalue negative.
    Maximum,
    /// Some eigenvalue zero to the tolerance: the second-order test is silent.
    Degenerate,
    /// The gradient is not small: no verdict applies.
    NotCritical,
}

impl Ending {
    /// Every kind, in table order.
    pub const ALL: [Ending; 5] = [
        Ending::Minimum,
        Ending::Saddle,
        Ending::Maximum,
        Ending::Degenerate,
        Ending::NotCritical,
    ];

    /// The name used in records and tables.
    pub fn name(self) -> &'static str {
        match self {
            Ending::Minimum => "minimum",
            Ending::Saddle => "saddle",
            Ending::Maximum => "maximum",
            Ending::Degenerate => "degenerate",
            Ending::NotCritical => "not critical",
        }
    }
}

/// The diagnosis of a run's final point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Where it ended.
    pub ending: Ending,
    /// The number of negative eigenvalues, where the whole spectrum was computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The smallest eigenvalue of the Hessian there.
    #[serde(with = "super::real")]
    pub lambda_min: f64,
    /// The largest eigenvalue.
    #[serde(with = "super::real")]
    pub lambda_max: f64,
    /// `lambda_max / lambda_min` at a minimum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kappa: Option<f64>,
    /// The gradient norm there, and the bound it was held to.
    #[serde(with = "super::real")]
    pub grad_norm: f64,
    /// The critical-point bound on `||g||`.
    #[serde(with = "super::real")]
    pub grad_bound: f64,
    /// `dense` (every eigenvalue) or `lanczos` (the extremes).
    pub method: String,
}
