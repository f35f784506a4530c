//! Converged ends made into distinct critical points, each classified by its dense Hessian.
//!
//! **Deduplication.** Ends are taken in start order; an end joins the first distinct point `y` with
//! `||x - y||_inf <= dedup_tol max(1, ||x||_inf, ||y||_inf)` (a relative distance in the max norm), else it
//! becomes a new distinct point. A non-isolated set of critical points (a manifold of minima) gives a
//! distinct point per place it is reached: each is a critical point, and the count says how spread out
//! they are, not how many components there are.
//!
//! **Classification.** At each distinct point every Hessian eigenvalue is computed densely (faer's
//! self-adjoint eigensolver). An eigenvalue counts as zero when `|lambda| <= zero_tol S`, with `S` the largest
//! `|lambda|` over all distinct points of the census: the curvature scale of the landscape. The scale is
//! the landscape's, not the point's own Hessian norm, because near a degenerate point (a Hessian that
//! vanishes, as at the origin of a deep linear network of depth 3) every eigenvalue is small, and a
//! tolerance relative to them would call none of them zero. The index is the number of eigenvalues below
//! `-zero_tol S`, the nullity the number counted as zero, and the kind follows
//! [`Kind::of`]: a minimum has every eigenvalue positive, so a point with a zero eigenvalue and no negative
//! one is degenerate, never a minimum; a point with a negative eigenvalue is a saddle (or, with every
//! eigenvalue negative, a maximum), whatever its nullity. `kappa = lambda_max / lambda_min` is given at
//! minima.

use serde::{Deserialize, Serialize};

use crate::problem::critical::Kind;

/// A distinct critical point with its classification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Point {
    /// The location.
    pub x: Vec<f64>,
    /// `f(x)`.
    pub value: f64,
    /// `||g(x)||`.
    pub grad_norm: f64,
    /// Every Hessian eigenvalue, ascending.
    pub eigenvalues: Vec<f64>,
    /// The number of eigenvalues below `-zero_tol S`.
    pub index: usize,
    /// The number of eigenvalues with `|lambda| <= zero_tol S`.
    pub nullity: usize,
    /// `index / n`.
    pub index_fraction: f64,
    /// minimum, maximum, saddle or degenerate.
    pub kind: String,
    /// `lambda_max / lambda_min` at a minimum.
    pub kappa: Option<f64>,
    /// How many starts ended here.
    pub hits: usize,
    /// The first start (0-based) that ended here.
    pub first_start: usize,
}

/// The name of a kind, as tables and records write it.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Minimum => "minimum",
        Kind::Maximum => "maximum",
        Kind::Saddle => "saddle",
        Kind::Degenerate => "degenerate",
    }
}

/// The kinds in the order tables and summaries list them.
pub const KINDS: [Kind; 4] = [Kind::Minimum, Kind::Saddle, Kind::Maximum, Kind::Degenerate];

/// Whether `x` and `y` are the same point under the deduplication rule.
pub fn same_point(x: &[f64], y: &[f64], dedup_tol: f64) -> bool {
    let inf = |v: &[f64]| v.iter().fold(0.0f64, |m, a| m.max(a.abs()));
    let scale = 1.0f64.max(inf(x)).max(inf(y));
    x.iter()
        .zip(y)
        .all(|(a, b)| (a - b).abs() <= dedup_tol * scale)
}

/// A converged end before classification: location, value, gradient norm, eigenvalues, start.
#[derive(Debug, Clone, PartialEq)]
pub struct End {
    /// The location.
    pub x: Vec<f64>,
    /// `f(x)`.
    pub value: f64,
    /// `||g(x)||`.
    pub grad_norm: f64,
    /// Every Hessian eigenvalue, ascending.
    pub eigenvalues: Vec<f64>,
    /// The start (0-based).
    pub start: usize,
}

/// The distinct points of `ends` (in start order), classified; also, for each end, the distinct point it
/// joined, and the curvature scale `S`.
pub fn distinct(ends: Vec<End>, dedup_tol: f64, zero_tol: f64) -> (Vec<Point>, Vec<usize>, f64) {
    let mut kept: Vec<(End, usize)> = Vec::new();
    let mut joined = Vec::with_capacity(ends.len());
    for e in ends {
        match kept
            .iter()
            .position(|(k, _)| same_point(&k.x, &e.x, dedup_tol))
        {
            Some(i) => {
                kept[i].1 += 1;
                joined.push(i);
            }
            None => {
                joined.push(kept.len());
                kept.push((e, 1));
            }
        }
    }
    let scale = kept
        .iter()
        .flat_map(|(e, _)| e.eigenvalues.iter())
        .fold(0.0f64, |m, l| m.max(l.abs()));
    let points = kept
        .into_iter()
        .map(|(e, hits)| classify(e, hits, zero_tol * scale))
        .collect();
    (points, joined, scale)
}

/// Classifies one distinct point with the absolute zero threshold `zero_at`.
fn classify(e: End, hits: usize, zero_at: f64) -> Point {
    let n = e.eigenvalues.len();
    let index = e.eigenvalues.iter().filter(|l| **l < -zero_at).count();
    let nullity = e.eigenvalues.iter().filter(|l| l.abs() <= zero_at).count();
    let kind = Kind::of(n, index, nullity);
    let kappa = match (kind, e.eigenvalues.first(), e.eigenvalues.last()) {
        (Kind::Minimum, Some(lo), Some(hi)) => Some(hi / lo),
        _ => None,
    };
    Point {
        index_fraction: if n == 0 { 0.0 } else { index as f64 / n as f64 },
        kind: kind_name(kind).to_string(),
        x: e.x,
        value: e.value,
        grad_norm: e.grad_norm,
        eigenvalues: e.eigenvalues,
        index,
        nullity,
        kappa,
        hits,
        first_start: e.start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(x: &[f64], eigenvalues: &[f64], start: usize) -> End {
        End {
            x: x.to_vec(),
            value: 0.0,
            grad_norm: 0.0,
            eigenvalues: eigenvalues.to_vec(),
            start,
        }
    }

    #[test]
    fn duplicates_merge_and_zero_is_relative_to_the_landscape() {
        let ends = vec![
            end(&[1.0, 0.0], &[1.0, 4.0], 0),
            end(&[1.0 + 1e-9, 0.0], &[1.0, 4.0], 1),
            end(&[0.0, 0.0], &[1e-9, 1e-9], 2),
            end(&[2.0, 0.0], &[-1e-9, 2.0], 3),
            end(&[3.0, 0.0], &[-1.0, 2.0], 4),
            end(&[4.0, 0.0], &[-1.0, -2.0], 5),
        ];
        let (points, joined, scale) = distinct(ends, 1e-6, 1e-6);
        assert_eq!(joined, vec![0, 0, 1, 2, 3, 4]);
        assert_eq!(scale, 4.0);
        let kinds: Vec<(&str, usize, usize)> = points
            .iter()
            .map(|p| (p.kind.as_str(), p.index, p.nullity))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("minimum", 0, 0),
                // Tiny but positive eigenvalues, tiny against the landscape: degenerate, not a minimum.
                ("degenerate", 0, 2),
                ("degenerate", 0, 1),
                ("saddle", 1, 0),
                ("maximum", 2, 0),
            ]
        );
        assert_eq!(points[0].hits, 2);
        assert_eq!(points[0].kappa, Some(4.0));
        assert_eq!(points[1].kappa, None);
    }
}
