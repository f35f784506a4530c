//! Small dense-vector kernels on plain slices, written so the compiler vectorises them.
//!
//! A reduction written as one running sum (`iter().sum()`) cannot be vectorised: floating-point addition is
//! not associative, so the compiler must keep the sequential order, and the loop runs at one addition per
//! add latency. The reductions here keep [`LANES`] independent partial sums over `chunks_exact(LANES)`,
//! which the compiler maps onto SIMD registers, and add the partial sums pairwise at the end. The order of
//! the additions is fixed by the length alone, so every result is the same on every run and thread count.

/// Independent partial sums of the reductions: two AVX registers of `f64`, or four SSE2 registers.
pub const LANES: usize = 8;

/// `sum_i term(a_i, b_i)` over two slices of equal length, with [`LANES`] partial sums added pairwise.
#[inline(always)]
pub fn reduce(a: &[f64], b: &[f64], term: impl Fn(f64, f64) -> f64) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (p, q) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += term(p[i], q[i]);
        }
    }
    for (i, (p, q)) in ra.iter().zip(rb).enumerate() {
        acc[i] += term(*p, *q);
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7]))
}

/// The dot product of two vectors of equal length.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    reduce(a, b, |p, q| p * q)
}

/// The Euclidean norm of a vector.
#[inline]
pub fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

/// The Euclidean distance between two vectors of equal length.
#[inline]
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    reduce(a, b, |p, q| (p - q) * (p - q)).sqrt()
}

/// Bitwise equality of two slices. The comparison runs in blocks whose bit differences are OR-ed together
/// (a reduction the compiler vectorises, unlike a per-element early exit), leaving after the first block
/// that differs.
pub fn same_bits(a: &[f64], b: &[f64]) -> bool {
    const BLOCK: usize = 256;
    a.len() == b.len()
        && a.chunks(BLOCK).zip(b.chunks(BLOCK)).all(|(p, q)| {
            p.iter()
                .zip(q)
                .fold(0u64, |acc, (u, v)| acc | (u.to_bits() ^ v.to_bits()))
                == 0
        })
}

/// The first non-finite entry of `v` (NaN or infinite) and its index, if any. The entries are checked in
/// blocks whose exponent bits are reduced together (a loop the compiler vectorises, so a million entries take a
/// memory pass, not a branch each); only a block that holds one is searched.
pub fn first_non_finite(v: &[f64]) -> Option<(usize, f64)> {
    const BLOCK: usize = 256;
    const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    v.chunks(BLOCK).enumerate().find_map(|(b, block)| {
        let any = block
            .iter()
            .fold(false, |acc, x| acc | (x.to_bits() & EXPONENT == EXPONENT));
        any.then(|| {
            let i = block.iter().position(|x| !x.is_finite()).unwrap_or(0);
            (b * BLOCK + i, block[i])
        })
    })
}

/// Copies `from` into `to` (of equal length), checking on the way that every entry is finite: one pass, in
/// blocks that are copied while their exponent bits are reduced together (as in [`first_non_finite`]). At the
/// first block that holds a NaN or an infinity it stops with that entry's index and value; `to` then holds
/// part of `from`.
pub fn copy_finite(to: &mut [f64], from: &[f64]) -> Result<(), (usize, f64)> {
    const BLOCK: usize = 256;
    const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    debug_assert_eq!(to.len(), from.len());
    for (b, (t, f)) in to.chunks_mut(BLOCK).zip(from.chunks(BLOCK)).enumerate() {
        let mut any = false;
        for (ti, fi) in t.iter_mut().zip(f) {
            *ti = *fi;
            any |= fi.to_bits() & EXPONENT == EXPONENT;
        }
        if any {
            let i = f.iter().position(|x| !x.is_finite()).unwrap_or(0);
            return Err((b * BLOCK + i, f[i]));
        }
    }
    Ok(())
}

/// `y <- y + alpha * x`.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    debug_assert_eq!(x.len(), y.len());
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// `out <- x + alpha * d`.
#[inline]
pub fn step_to(x: &[f64], alpha: f64, d: &[f64], out: &mut [f64]) {
    debug_assert_eq!(x.len(), d.len());
    for ((o, xi), di) in out.iter_mut().zip(x).zip(d) {
        *o = xi + alpha * di;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_hand_arithmetic() {
        let a = [1.0, 2.0, 2.0];
        let b = [3.0, 0.0, -1.0];
        assert_eq!(dot(&a, &b), 1.0);
        assert_eq!(norm(&a), 3.0);
        assert_eq!(distance(&a, &a), 0.0);
        let mut y = [1.0, 1.0, 1.0];
        axpy(2.0, &a, &mut y);
        assert_eq!(y, [3.0, 5.0, 5.0]);
        let mut out = [0.0; 3];
        step_to(&a, -1.0, &b, &mut out);
        assert_eq!(out, [-2.0, 2.0, 3.0]);
    }

    #[test]
    fn copy_finite_copies_every_bit_or_names_the_first_non_finite_entry() {
        // Lengths around and across a block of 256; the bad entry first, inside, or last in its block.
        for n in [0, 1, 255, 256, 257, 700] {
            let from: Vec<f64> = (0..n).map(|i| (i as f64 - 300.5) * 1e-3).collect();
            let mut to = vec![f64::NAN; n];
            assert_eq!(copy_finite(&mut to, &from), Ok(()), "n = {n}");
            assert!(
                to.iter()
                    .zip(&from)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
            for (at, bad) in [
                (0, f64::NAN),
                (n / 2, f64::INFINITY),
                (n.saturating_sub(1), f64::NEG_INFINITY),
            ] {
                if n == 0 {
                    continue;
                }
                let mut from = from.clone();
                from[at] = bad;
                // A second bad entry after the first: the first is named.
                if at + 1 < n {
                    from[at + 1] = f64::NAN;
                }
                let got = copy_finite(&mut to, &from).expect_err("a non-finite entry");
                assert_eq!(got.0, at, "n = {n}");
                assert_eq!(got.1.to_bits(), bad.to_bits(), "n = {n}");
                assert_eq!(first_non_finite(&from).map(|(i, _)| i), Some(at));
            }
        }
    }

    #[test]
    fn reductions_match_integer_arithmetic_across_chunk_boundaries() {
        // Small integers: every partial sum is exact in f64, so the lane order cannot change the result
        // and the reductions must equal the integer sums exactly, for lengths around and across LANES.
        for n in 0..(5 * LANES + 3) {
            let a: Vec<i64> = (0..n as i64).map(|i| i % 7 - 3).collect();
            let b: Vec<i64> = (0..n as i64).map(|i| (2 * i) % 5 - 2).collect();
            let (fa, fb): (Vec<f64>, Vec<f64>) = (
                a.iter().map(|v| *v as f64).collect(),
                b.iter().map(|v| *v as f64).collect(),
            );
            let exact_dot: i64 = a.iter().zip(&b).map(|(p, q)| p * q).sum();
            let exact_sq: i64 = a.iter().zip(&b).map(|(p, q)| (p - q) * (p - q)).sum();
            let exact_norm_sq: i64 = a.iter().map(|p| p * p).sum();
            assert_eq!(dot(&fa, &fb), exact_dot as f64, "dot, n = {n}");
            assert_eq!(
                distance(&fa, &fb),
                (exact_sq as f64).sqrt(),
                "distance, n = {n}"
            );
            assert_eq!(norm(&fa), (exact_norm_sq as f64).sqrt(), "norm, n = {n}");
        }
    }
}
