//! Spearman's rank correlation, with a one-sided permutation test of its significance.
//!
//! `rho` is Pearson's correlation of the ranks, ties given their average rank (Spearman 1904; the tie rule
//! of Kendall 1948). Its significance is tested without a distributional assumption: under the null
//! hypothesis of no association every pairing of the two samples is equally likely, so the one-sided
//! p-value of `rho >= observed` is estimated as `(1 + #{permutations with rho >= observed}) / (1 +
//! permutations)` over seeded random permutations of one sample (Phipson and Smyth 2010: never zero, and
//! valid at any number of permutations).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A rank correlation and its one-sided significance.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spearman {
    /// Spearman's `rho`, in `[-1, 1]`; NaN where either sample is constant.
    pub rho: f64,
    /// The number of pairs.
    pub pairs: usize,
    /// The permutation p-value of `rho >= observed` (no association against a positive one).
    pub p_value: f64,
    /// The number of random permutations behind `p_value`.
    pub permutations: usize,
}

/// The ranks of `v` (1-based), ties given their average rank.
pub fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut out = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) share the average rank (i + j) / 2 + 1.
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            out[k] = r;
        }
        i = j + 1;
    }
    out
}

/// Pearson's correlation of two equally long samples; NaN where either is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        f64::NAN
    } else {
        sab / (saa * sbb).sqrt()
    }
}

/// Spearman's `rho` between `a` and `b` (equal lengths), with the p-value of `permutations` random
/// permutations drawn from `seed`.
pub fn spearman(a: &[f64], b: &[f64], permutations: usize, seed: u64) -> Spearman {
    let (ra, mut rb) = (ranks(a), ranks(b));
    let rho = pearson(&ra, &rb);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut at_least = 0usize;
    if rho.is_finite() {
        for _ in 0..permutations {
            rb.shuffle(&mut rng);
            // A relative margin so that a permutation tying the observed value counts despite rounding.
            if pearson(&ra, &rb) >= rho - 1e-12 {
                at_least += 1;
            }
        }
    }
    Spearman {
        rho,
        pairs: a.len(),
        p_value: if rho.is_finite() {
            (1 + at_least) as f64 / (1 + permutations) as f64
        } else {
            f64::NAN
        },
        permutations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn closed_form_without_ties() {
        // Without ties rho = 1 - 6 sum d^2 / (n (n^2 - 1)).
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [2.0, 1.0, 4.0, 3.0, 6.0, 5.0];
        let d2: f64 = ranks(&a)
            .iter()
            .zip(ranks(&b))
            .map(|(x, y)| (x - y).powi(2))
            .sum();
        let n = 6.0;
        let expected = 1.0 - 6.0 * d2 / (n * (n * n - 1.0));
        let s = spearman(&a, &b, 0, 0);
        assert!((s.rho - expected).abs() < 1e-14, "{} vs {expected}", s.rho);
        // A monotone transform leaves rho unchanged; reversing one sample flips its sign.
        let cubed: Vec<f64> = b.iter().map(|v| v * v * v).collect();
        assert!((spearman(&a, &cubed, 0, 0).rho - expected).abs() < 1e-14);
        let reversed: Vec<f64> = b.iter().map(|v| -v).collect();
        assert!((spearman(&a, &reversed, 0, 0).rho + expected).abs() < 1e-14);
    }

    #[test]
    fn permutation_p_value_matches_the_exact_one_for_a_perfect_order() {
        // For n = 5 distinct values, rho = 1 is reached by exactly one of the 120 pairings: p = 1/120.
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        let s = spearman(&a, &a, 20_000, 7);
        assert_eq!(s.rho, 1.0);
        assert!((s.p_value - 1.0 / 120.0).abs() < 0.003, "{}", s.p_value);
        // Independent samples: p is not small.
        let b = [4.0, 1.0, 5.0, 2.0, 3.0];
        let s = spearman(&a, &b, 2000, 7);
        assert!(s.p_value > 0.2, "{s:?}");
        assert!(spearman(&a, &[1.0; 5], 100, 7).rho.is_nan());
    }
}
