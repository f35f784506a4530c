//! Contour lines of a function sampled on a grid, by marching squares (Lorensen and Cline 1987, in two
//! dimensions): in every grid cell the level set is approximated by straight segments between the points
//! where the level crosses the cell's edges (found by linear interpolation), and segments that share an
//! edge crossing are joined into polylines. A cell whose four corners alternate in sign (a saddle) is
//! resolved by the value at its centre, the mean of the corners.

use std::collections::BTreeMap;

/// Values of a function on a regular grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// The abscissae, ascending.
    pub x: Vec<f64>,
    /// The ordinates, ascending.
    pub y: Vec<f64>,
    /// `values[j * x.len() + i] = f(x[i], y[j])`.
    pub values: Vec<f64>,
}

/// `n` evenly spaced points from `a` to `b`.
fn spaced((a, b): (f64, f64), n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| a + (b - a) * k as f64 / (n.max(2) - 1) as f64)
        .collect()
}

impl Grid {
    /// Samples `f` on `nx` by `ny` points spanning `[x0, x1] x [y0, y1]`.
    pub fn sample(
        (x0, x1): (f64, f64),
        (y0, y1): (f64, f64),
        nx: usize,
        ny: usize,
        f: impl Fn(f64, f64) -> f64,
    ) -> Grid {
        let x = spaced((x0, x1), nx);
        let y = spaced((y0, y1), ny);
        let values = y
            .iter()
            .flat_map(|&yj| x.iter().map(move |&xi| (xi, yj)))
            .map(|(a, b)| f(a, b))
            .collect();
        Grid { x, y, values }
    }

    /// The grid of a recorded landscape.
    pub fn from_landscape(l: &crate::landscape::Landscape) -> Grid {
        Grid {
            x: spaced(l.x_range, l.nx),
            y: spaced(l.y_range, l.ny),
            values: l.values.iter().map(|v| v.0).collect(),
        }
    }

    fn at(&self, i: usize, j: usize) -> f64 {
        self.values[j * self.x.len() + i]
    }
}

/// An edge of the grid: horizontal from `(i, j)` to `(i + 1, j)`, or vertical from `(i, j)` to `(i, j + 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Edge {
    H(usize, usize),
    V(usize, usize),
}

fn crossing(g: &Grid, e: Edge, level: f64) -> (f64, f64) {
    let ((i0, j0), (i1, j1)) = match e {
        Edge::H(i, j) => ((i, j), (i + 1, j)),
        Edge::V(i, j) => ((i, j), (i, j + 1)),
    };
    let (a, b) = (g.at(i0, j0), g.at(i1, j1));
    let t = if b == a {
        0.5
    } else {
        ((level - a) / (b - a)).clamp(0.0, 1.0)
    };
    (
        g.x[i0] + t * (g.x[i1] - g.x[i0]),
        g.y[j0] + t * (g.y[j1] - g.y[j0]),
    )
}

/// The contour lines of `grid` at `level`, as polylines (a closed curve repeats its first point).
/// Cells with a non-finite corner are skipped.
pub fn contour(grid: &Grid, level: f64) -> Vec<Vec<(f64, f64)>> {
    let (nx, ny) = (grid.x.len(), grid.y.len());
    let mut segments: Vec<(Edge, Edge)> = Vec::new();
    for j in 0..ny.saturating_sub(1) {
        for i in 0..nx.saturating_sub(1) {
            let v = [
                grid.at(i, j),
                grid.at(i + 1, j),
                grid.at(i + 1, j + 1),
                grid.at(i, j + 1),
            ];
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let above: Vec<bool> = v.iter().map(|x| *x > level).collect();
            // Edges in cyclic order: bottom, right, top, left, each between corners k and k + 1.
            let edges = [
                Edge::H(i, j),
                Edge::V(i + 1, j),
                Edge::H(i, j + 1),
                Edge::V(i, j),
            ];
            let cut: Vec<Edge> = (0..4)
                .filter(|&k| above[k] != above[(k + 1) % 4])
                .map(|k| edges[k])
                .collect();
            match cut.len() {
                2 => segments.push((cut[0], cut[1])),
                4 => {
                    // Saddle: corners 0 and 2 on one side, 1 and 3 on the other. If the centre is on the
                    // side of corner 0, the level separates corners 1 and 3, and the other way round.
                    let centre_above = v.iter().sum::<f64>() / 4.0 > level;
                    if centre_above == above[0] {
                        // Cut off corner 1 (bottom, right) and corner 3 (top, left).
                        segments.push((edges[0], edges[1]));
                        segments.push((edges[2], edges[3]));
                    } else {
                        // Cut off corner 0 (left, bottom) and corner 2 (right, top).
                        segments.push((edges[3], edges[0]));
                        segments.push((edges[1], edges[2]));
                    }
                }
                _ => {}
            }
        }
    }
    // Join segments through shared edge crossings.
    let mut at: BTreeMap<Edge, Vec<usize>> = BTreeMap::new();
    for (k, (a, b)) in segments.iter().enumerate() {
        at.entry(*a).or_default().push(k);
        at.entry(*b).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    // Open chains start at an edge crossing with one segment (the grid's border); loops anywhere.
    let mut starts: Vec<usize> = at.values().filter(|v| v.len() == 1).map(|v| v[0]).collect();
    starts.extend(0..segments.len());
    for s in starts {
        if used[s] {
            continue;
        }
        used[s] = true;
        let (a, b) = segments[s];
        // Orient the first segment so that it leaves the border where it touches it.
        let (first, mut end) = if at.get(&b).is_some_and(|v| v.len() == 1) {
            (b, a)
        } else {
            (a, b)
        };
        let mut chain = vec![first, end];
        loop {
            let next = at
                .get(&end)
                .and_then(|v| v.iter().copied().find(|k| !used[*k]));
            let Some(k) = next else { break };
            used[k] = true;
            let (p, q) = segments[k];
            end = if p == end { q } else { p };
            chain.push(end);
        }
        lines.push(chain.iter().map(|e| crossing(grid, *e, level)).collect());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circle_is_one_closed_loop_at_the_right_radius() {
        let n = 81;
        let g = Grid::sample((-1.0, 1.0), (-1.0, 1.0), n, n, |x, y| x * x + y * y);
        let r = 0.6;
        let lines = contour(&g, r * r);
        assert_eq!(lines.len(), 1, "one loop");
        let line = &lines[0];
        assert_eq!(line.first(), line.last(), "closed");
        // Linear interpolation of x^2 along an edge of length h misplaces the crossing by at most h^2/(8r)
        // in the worst direction, up to the cell's diagonal effect; bound it by h^2 / r.
        let h = 2.0 / (n - 1) as f64;
        for &(x, y) in line {
            let rad = (x * x + y * y).sqrt();
            assert!((rad - r).abs() <= h * h / r, "radius {rad:e} vs {r:e}");
        }
        // The polygon's area approaches pi r^2 from inside (chords of a convex curve).
        let area: f64 = line
            .windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum::<f64>()
            .abs()
            / 2.0;
        let exact = std::f64::consts::PI * r * r;
        assert!(
            (area - exact).abs() <= exact * h,
            "area {area:e} vs {exact:e}"
        );
    }

    #[test]
    fn a_level_across_the_grid_is_one_open_line_from_border_to_border() {
        let g = Grid::sample((0.0, 1.0), (0.0, 1.0), 11, 11, |x, y| x + 0.5 * y);
        let lines = contour(&g, 0.6);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_ne!(line.first(), line.last());
        // Interpolation is exact for a linear function; what remains is rounding in the grid values, the
        // ratio and the position: a few ulps of numbers below 2.
        for &(x, y) in line {
            assert!(
                (x + 0.5 * y - 0.6).abs() <= 16.0 * f64::EPSILON,
                "({x:e}, {y:e}) off the line"
            );
        }
    }

    #[test]
    fn levels_outside_the_values_give_nothing() {
        let g = Grid::sample((0.0, 1.0), (0.0, 1.0), 5, 5, |x, y| x + y);
        assert!(contour(&g, 3.0).is_empty());
        assert!(contour(&g, -1.0).is_empty());
    }
}
