//! The trace of a run: measurements sampled on a log-spaced ladder of iterations, plus the last one (runs of
//! up to [`KEEP_PATH_MAX_DIM`] dimensions record every iteration, see [`crate::observers::trace`]).
//!
//! The ladder is integer arithmetic only (`next = k + max(1, k / 8)`: every iteration up to 8, then steps of
//! about 12%, some 20 points a decade), so it is the same on every platform and a million-iteration run keeps
//! about 120 points.

pub use crate::record::TracePoint;

/// Largest dimension for which a run records every iterate (line-search trials apart) with its point, so
/// that its path can be drawn as taken.
pub const KEEP_PATH_MAX_DIM: usize = 3;

/// The iterations a run of dimension at most [`KEEP_PATH_MAX_DIM`] records one by one; later ones follow
/// the log-spaced ladder, so a long run's record stays small.
pub const MAX_PATH_POINTS: u64 = 2_000;

/// Decides which iterations are recorded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ladder {
    next: u64,
}

impl Ladder {
    /// True when iteration `k` is on the ladder; call with increasing `k`.
    pub fn take(&mut self, k: u64) -> bool {
        if k < self.next {
            return false;
        }
        self.next = k + (k / 8).max(1);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_is_dense_early_and_logarithmic_later() {
        let mut l = Ladder::default();
        let taken: Vec<u64> = (0..1_000_000).filter(|k| l.take(*k)).collect();
        assert_eq!(&taken[..10], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(taken.len() < 140, "{} points", taken.len());
        assert!(
            taken
                .windows(2)
                .all(|w| w[1] as f64 <= 1.126 * w[0] as f64 + 1.0)
        );
    }
}
