//! The landscape under a path figure: the values of a two-dimensional instance on a grid over the box its
//! paths span, sampled once per instance when the sweep that ran it ends and kept in
//! `DIR/landscapes.json`, so that a report draws contour lines without building the problem.
//!
//! The box is [`path_box`] of the paths of the sweep's first seed and `x*`: the same function the report
//! frames its figure with, so the contours fill the figure. A shard samples over the paths it ran; a merge
//! keeps, per instance, the landscape of the widest box (every landscape samples the same function).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::record::ProblemSpec;
use crate::store::{self, RunRecord, StoreError};

/// Grid points per side.
pub const GRID_POINTS: usize = 121;

/// Largest grid side a reader accepts.
pub const MAX_GRID_POINTS: usize = 1024;

/// The file name inside a results directory.
pub const FILE: &str = "landscapes.json";

/// A number that may be non-finite (written as `"NaN"`, `"inf"`, `"-inf"`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Value(#[serde(with = "crate::record::real")] pub f64);

/// One instance's values on a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landscape {
    /// The problem instance.
    pub problem: ProblemSpec,
    /// The seed the instance was built with.
    pub seed: u64,
    /// `[x0, x1]`, the first coordinate's span.
    pub x_range: (f64, f64),
    /// `[y0, y1]`, the second coordinate's span.
    pub y_range: (f64, f64),
    /// Points along x.
    pub nx: usize,
    /// Points along y.
    pub ny: usize,
    /// `values[j * nx + i] = f(x_i, y_j)` on the evenly spaced grid.
    pub values: Vec<Value>,
}

impl Landscape {
    /// Samples `f` on [`GRID_POINTS`] squared points over `x_range` x `y_range`.
    pub fn sample(
        problem: ProblemSpec,
        seed: u64,
        x_range: (f64, f64),
        y_range: (f64, f64),
        f: impl Fn(f64, f64) -> f64,
    ) -> Landscape {
        let n = GRID_POINTS;
        let at = |(a, b): (f64, f64), k: usize| a + (b - a) * k as f64 / (n - 1) as f64;
        let values = (0..n)
            .flat_map(|j| (0..n).map(move |i| (i, j)))
            .map(|(i, j)| Value(f(at(x_range, i), at(y_range, j))))
            .collect();
        Landscape {
            problem,
            seed,
            x_range,
            y_range,
            nx: n,
            ny: n,
            values,
        }
    }

    /// The box's area (for choosing among shards' landscapes).
    pub fn area(&self) -> f64 {
        (self.x_range.1 - self.x_range.0) * (self.y_range.1 - self.y_range.0)
    }

    /// What is wrong with this landscape as read from a file, if anything.
    fn problem_with(&self) -> Option<String> {
        let ok_side = |n: usize| (2..=MAX_GRID_POINTS).contains(&n);
        let ok_range = |(a, b): (f64, f64)| a.is_finite() && b.is_finite() && a < b;
        if !(ok_side(self.nx) && ok_side(self.ny)) {
            Some(format!(
                "a grid of {} x {} points (each side 2 to {MAX_GRID_POINTS})",
                self.nx, self.ny
            ))
        } else if self.values.len() != self.nx * self.ny {
            Some(format!(
                "{} values for a grid of {} x {} points",
                self.values.len(),
                self.nx,
                self.ny
            ))
        } else if !(ok_range(self.x_range) && ok_range(self.y_range)) {
            Some("a box that is not finite and increasing".into())
        } else {
            None
        }
    }
}

/// `DIR/landscapes.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Landscapes {
    /// The file layout version (that of the records).
    pub format: u32,
    /// One per two-dimensional instance drawn as paths.
    pub landscapes: Vec<Landscape>,
}

impl Landscapes {
    /// The landscape of `problem` built with `seed`, if one was sampled.
    pub fn find(&self, problem: &ProblemSpec, seed: u64) -> Option<&Landscape> {
        self.landscapes
            .iter()
            .find(|l| l.seed == seed && l.problem == *problem)
    }

    /// Adds `other`'s landscapes; where both hold one of the same instance and seed, the wider box stays.
    pub fn join(&mut self, other: Landscapes) {
        for l in other.landscapes {
            match self
                .landscapes
                .iter_mut()
                .find(|m| m.seed == l.seed && m.problem == l.problem)
            {
                Some(m) if l.area() > m.area() => *m = l,
                Some(_) => {}
                None => self.landscapes.push(l),
            }
        }
    }
}

/// Reads `DIR/landscapes.json` (empty where there is none), checking every grid's shape.
pub fn read(dir: &Path) -> Result<Landscapes, StoreError> {
    let path = dir.join(FILE);
    if !path.exists() {
        return Ok(Landscapes::default());
    }
    let invalid = |message: String| StoreError::Invalid {
        path: path.clone(),
        message,
    };
    let bytes = std::fs::read(&path).map_err(|source| StoreError::Io {
        path: path.clone(),
        source,
    })?;
    let l: Landscapes = serde_json::from_slice(&bytes)
        .map_err(|e| invalid(format!("not a landscape file: {e}")))?;
    if l.format > crate::record::FORMAT {
        return Err(invalid(format!(
            "made by a newer optzoo (format {}); this one reads up to {}",
            l.format,
            crate::record::FORMAT
        )));
    }
    if let Some((i, why)) = l
        .landscapes
        .iter()
        .enumerate()
        .find_map(|(i, x)| x.problem_with().map(|w| (i, w)))
    {
        return Err(invalid(format!("landscape {i} has {why}")));
    }
    Ok(l)
}

/// Writes `DIR/landscapes.json` atomically (nothing where there are no landscapes).
pub fn write(dir: &Path, landscapes: &Landscapes) -> Result<(), StoreError> {
    if landscapes.landscapes.is_empty() {
        return Ok(());
    }
    let path = dir.join(FILE);
    let mut bytes = serde_json::to_vec(landscapes).map_err(|e| StoreError::Invalid {
        path: path.clone(),
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    store::write_atomic(&path, &bytes)
}

/// The frame of a path figure: every point given, padded by 15% of each side (a degenerate side gets a
/// unit width); `None` without a finite point.
pub fn path_box(points: impl Iterator<Item = (f64, f64)>) -> Option<((f64, f64), (f64, f64))> {
    let (mut xs, mut ys) = (
        (f64::INFINITY, f64::NEG_INFINITY),
        (f64::INFINITY, f64::NEG_INFINITY),
    );
    for (x, y) in points.filter(|(x, y)| x.is_finite() && y.is_finite()) {
        xs = (xs.0.min(x), xs.1.max(x));
        ys = (ys.0.min(y), ys.1.max(y));
    }
    if xs.0 > xs.1 {
        return None;
    }
    let pad = |(a, b): (f64, f64)| {
        let p = if b > a { 0.15 * (b - a) } else { 0.5 };
        (a - p, b + p)
    };
    Some((pad(xs), pad(ys)))
}

/// The recorded path of a run: its iterates of dimension two, in order.
pub fn path(record: &RunRecord) -> Vec<(f64, f64)> {
    record
        .trace
        .iter()
        .filter_map(|t| t.x.as_deref())
        .filter(|x| x.len() == 2 && x[0].is_finite() && x[1].is_finite())
        .map(|x| (x[0], x[1]))
        .collect()
}

/// The frame of the path figure of `runs` (one seed's runs of one instance): the paths of at least two
/// points and `x*` where it is two-dimensional, through [`path_box`].
pub fn frame<'a>(
    runs: impl Iterator<Item = &'a RunRecord>,
    x_star: Option<&[f64]>,
) -> Option<((f64, f64), (f64, f64))> {
    let paths: Vec<Vec<(f64, f64)>> = runs.map(path).filter(|p| p.len() >= 2).collect();
    if paths.is_empty() {
        return None;
    }
    let star = x_star.filter(|s| s.len() == 2).map(|s| (s[0], s[1]));
    path_box(paths.iter().flatten().copied().chain(star))
}
