//! The memory an optimizer holds: the net bytes allocated on the run's thread from just before its start
//! to the end of its first step (its state: history, buffers, factors), where the binary counts
//! allocations ([`crate::alloc`]), less what the problem allocated inside its own evaluations. Give it last
//! among the observers, so that the others' bookkeeping at the start is not counted.

use std::cell::Cell;

use faer::Mat;

use crate::oracle::Oracle;
use crate::run_loop::Observer;
use crate::stop::Measure;

thread_local! {
    /// Whether this thread's matrix-product buffers are made ([`warm`]).
    static WARM: Cell<bool> = const { Cell::new(false) };
}

/// The side of the matrix product that makes faer's per-thread buffers: large enough for its blocked kernel.
const WARM_SIDE: usize = 256;

/// Makes, once per thread, the buffers faer's matrix product keeps for the life of the thread (sized by the
/// machine's caches: 4 MiB here), so that they are counted for no run: they are the library's, not the
/// state of the method whose first large product happens to make them.
fn warm() {
    if WARM.with(|w| w.replace(true)) {
        return;
    }
    let a = Mat::<f64>::from_fn(WARM_SIDE, WARM_SIDE, |i, j| ((i + j) % 7) as f64);
    let mut c = Mat::<f64>::zeros(WARM_SIDE, WARM_SIDE);
    faer::linalg::matmul::matmul(&mut c, faer::Accum::Replace, &a, &a, 1.0, faer::Par::Seq);
    std::hint::black_box(&c);
}

/// Observes the bytes held after the first step.
#[derive(Debug, Default)]
pub struct HeldMemory {
    from: Option<i64>,
    steps: u32,
    /// The bytes held after the start and first step, once measured.
    pub bytes: Option<u64>,
}

impl HeldMemory {
    /// An observer for a run on this thread; makes the thread's matrix-product buffers first, outside the
    /// run's measurement and its timing.
    pub fn new() -> Self {
        warm();
        Self::default()
    }
}

impl Observer for HeldMemory {
    fn started(&mut self, _x: &[f64], _m: &Measure, _oracle: &Oracle) {
        self.from = crate::alloc::optimizer_bytes();
    }

    fn stepped(&mut self) {
        self.steps += 1;
        if self.steps == 1 {
            self.bytes = self
                .from
                .zip(crate::alloc::optimizer_bytes())
                .map(|(a, b)| (b - a).max(0) as u64);
        }
    }
}
