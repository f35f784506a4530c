//! The memory an optimizer holds: the net bytes allocated on the run's thread from just before its start
//! to the end of its first step (its state: history, buffers, factors), where the binary counts
//! allocations ([`crate::alloc`]). Give it last among the observers, so that the others' bookkeeping at
//! the start is not counted.

use crate::oracle::Oracle;
use crate::run_loop::Observer;
use crate::stop::Measure;

/// Observes the bytes held after the first step.
#[derive(Debug, Default)]
pub struct HeldMemory {
    from: Option<i64>,
    steps: u32,
    /// The bytes held after the start and first step, once measured.
    pub bytes: Option<u64>,
}

impl Observer for HeldMemory {
    fn started(&mut self, _x: &[f64], _m: &Measure, _oracle: &Oracle) {
        self.from = crate::alloc::live_bytes();
    }

    fn stepped(&mut self) {
        self.steps += 1;
        if self.steps == 1 {
            self.bytes = self
                .from
                .zip(crate::alloc::live_bytes())
                .map(|(a, b)| (b - a).max(0) as u64);
        }
    }
}
