//! One point of a run's trace.

use serde::{Deserialize, Serialize};

use crate::oracle::Counts;

/// One recorded iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TracePoint {
    /// Iterations done.
    pub iter: u64,
    /// The optimizer's oracle calls so far.
    #[serde(flatten)]
    pub counts: Counts,
    /// `f(x_k)`.
    #[serde(with = "super::real")]
    pub value: f64,
    /// `||g(x_k)||`.
    #[serde(with = "super::real")]
    pub grad_norm: f64,
    /// The iterate `x_k` itself, kept only for problems of dimension at most
    /// [`KEEP_PATH_MAX_DIM`](crate::trace::KEEP_PATH_MAX_DIM), so that their paths can be drawn.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub x: Option<Vec<f64>>,
}
