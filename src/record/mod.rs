//! The record types: what a run is (its spec, whose hash is the run id) and what it gave (outcome, trace,
//! diagnosis, provenance, timing), as stored one JSON file per run by [`crate::store`].
//!
//! These types sit below everything that reads or writes runs (the runner, the store, tuning, summaries,
//! analyses and reports) and depend only on what runs state and count: the oracle's counts, the stop rule,
//! the theory statements, the problem's curvature and critical points, parameter docs and the code
//! identity.

mod ending;
pub mod facts;
pub mod point;
pub mod real;
mod run;
pub mod sharpness;
mod spec;
mod trace;
mod tuning;

pub use ending::{Diagnosis, Ending};
pub use facts::{CriticalFact, EscapeFact, Facts, OptimizerFacts, ProblemFacts};
pub use run::{Host, Outcome, Provenance, RunRecord, Timing, status_counts};
pub use sharpness::{EdgeFact, SharpnessFact, SharpnessPoint, SharpnessSpec};
pub use spec::{OptimizerSpec, ProblemSpec, RunSpec};
pub use trace::TracePoint;
pub use tuning::{Phase, Rule, TuningCost, TuningRole, phase_name};

/// The version of the run-file layout this binary writes; bumped when a field is added that readers rely
/// on. Format 2 added [`Facts`]: what reading the results needs, stated or measured while the run ran.
/// Format 3 added the sharpness series ([`RunSpec::sharpness`], [`Facts::sharpness`]), the optimizer's
/// stability edge ([`OptimizerFacts::stability_edge`]), [`Outcome::final_x_file`] (the final point of a
/// larger run, kept in a file beside the record, [`point`]), the stop rule's `f_tol_hold` and the outcome's
/// `target_iteration` (the steps to target of a run that had to hold `f_tol`; older readers would take the
/// run's end for them). Records of every format from 1 to this one are read.
pub const FORMAT: u32 = 3;
