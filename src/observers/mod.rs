//! The measurements that ride on the run loop ([`crate::run_loop::Observer`]), one file each: the trace on
//! its ladder, the memory an optimizer holds, the saddle escape, the diagnosis of the final point, the
//! preconditioner an optimizer has formed and the sharpness along the run. A new measurement is a new file here, not a longer loop.

pub mod allocation;
pub mod diagnosis;
pub mod escape;
pub mod preconditioner;
pub mod sharpness;
pub mod trace;

pub use allocation::HeldMemory;
pub use diagnosis::FinalDiagnosis;
pub use escape::EscapeWatch;
pub use preconditioner::FormedPreconditioner;
pub use sharpness::SharpnessWatch;
pub use trace::Trace;
