//! A counting allocator, so that the runner can measure the memory an optimizer keeps.
//!
//! [`Counting`] wraps the system allocator and keeps, per thread, the net bytes allocated on that thread.
//! The `optzoo` binary installs it; a plug-in binary does the same with two lines:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOC: optzoo::alloc::Counting = optzoo::alloc::Counting;
//! ```
//!
//! Without it, [`live_bytes`] is `None` and records carry no memory figure. A run executes on one thread, so
//! the difference of [`live_bytes`] across an optimizer's start and first step is the memory that optimizer
//! allocated and still holds: its state (history, buffers, factors, a dense Hessian). What a problem
//! allocates inside its own evaluations (a network's buffers made at its first Hessian-vector product or
//! minibatch) is the problem's: the oracle makes every evaluation through [`in_problem`], which books those
//! bytes apart, and [`optimizer_bytes`] leaves them out. The count is of bytes requested, so it is the same on
//! every rerun of the same code.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    /// The net bytes of [`LIVE`] allocated inside calls into a problem ([`in_problem`]).
    static PROBLEM: Cell<i64> = const { Cell::new(0) };
}

static INSTALLED: AtomicBool = AtomicBool::new(false);

fn add(bytes: i64) {
    // `try_with` fails only while the thread is being torn down; nothing is measured then.
    let _ = LIVE.try_with(|c| c.set(c.get() + bytes));
}

/// The system allocator, counting net bytes per thread.
pub struct Counting;

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s contract; the
// bookkeeping only touches a thread-local integer and never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            INSTALLED.store(true, Ordering::Relaxed);
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's layout.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            INSTALLED.store(true, Ordering::Relaxed);
            add(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator (hence by `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        add(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded with the caller's pointer, layout and size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// The net bytes allocated on this thread so far, when [`Counting`] is the global allocator.
pub fn live_bytes() -> Option<i64> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| LIVE.try_with(Cell::get).ok())
        .flatten()
}

/// Runs `f`, a call into a problem, and books the net bytes it leaves allocated on this thread as the
/// problem's. Calls do not nest: the oracle makes each evaluation through one, and a problem books only
/// what the oracle does not wrap (a network's pass inside K-FAC's statistics, whose buffers are the
/// caller's). Two reads and one write of thread-locals: nothing to notice beside an evaluation.
#[inline]
pub fn in_problem<R>(f: impl FnOnce() -> R) -> R {
    let before = LIVE.try_with(Cell::get).unwrap_or(0);
    let r = f();
    let after = LIVE.try_with(Cell::get).unwrap_or(0);
    let _ = PROBLEM.try_with(|c| c.set(c.get() + after - before));
    r
}

/// The net bytes allocated on this thread so far outside calls into a problem ([`in_problem`]), when
/// [`Counting`] is the global allocator: what the optimizer and the harness hold.
pub fn optimizer_bytes() -> Option<i64> {
    live_bytes().map(|live| live - PROBLEM.try_with(Cell::get).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_call_books_what_it_leaves_allocated() {
        // The test binary does not install the allocator, so book by hand through `LIVE`.
        let problem = || PROBLEM.with(Cell::get);
        let start = problem();
        in_problem(|| add(100));
        in_problem(|| {
            add(20);
            add(-20);
        });
        assert_eq!(problem() - start, 100);
        add(-100);
    }
}
