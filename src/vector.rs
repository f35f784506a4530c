//! Small dense-vector kernels on plain slices, written so the compiler vectorises them.

/// The dot product of two vectors of equal length.
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(p, q)| p * q).sum()
}

/// The Euclidean norm of a vector.
#[inline]
pub fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

/// The Euclidean distance between two vectors of equal length.
#[inline]
pub fn distance(a: &[f64], b: &[f64]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q) * (p - q))
        .sum::<f64>()
        .sqrt()
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
}
