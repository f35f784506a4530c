//! Clipping to the plotting frame, in device coordinates: polylines by Liang and Barsky (1984), segment by
//! segment; polygons (bands) by Sutherland and Hodgman (1974) against the frame's four edges. The renderer
//! clips every line, band and contour itself, so no backend draws outside the frame: SVG, PNG and PDF get
//! the same geometry.

/// A device point.
pub type P = (f64, f64);

/// The plotting frame: `x0 <= x <= x1`, `y0 <= y <= y1` (device units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Top edge (device y grows downwards).
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Bottom edge.
    pub y1: f64,
}

impl Rect {
    /// Whether `p` is inside or on the frame.
    pub fn contains(&self, p: P) -> bool {
        p.0 >= self.x0 && p.0 <= self.x1 && p.1 >= self.y0 && p.1 <= self.y1
    }
}

/// The part of segment `a`-`b` inside `r`, or `None` (Liang-Barsky).
pub fn clip_segment(a: P, b: P, r: &Rect) -> Option<(P, P)> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, a.0 - r.x0),
        (dx, r.x1 - a.0),
        (-dy, a.1 - r.y0),
        (dy, r.y1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    let at = |t: f64| (a.0 + t * dx, a.1 + t * dy);
    Some((at(t0), at(t1)))
}

/// The pieces of a polyline inside `r`: a new piece starts wherever the line re-enters the frame. Points
/// with a non-finite coordinate break the line.
pub fn clip_polyline(pts: &[P], r: &Rect) -> Vec<Vec<P>> {
    let mut out: Vec<Vec<P>> = Vec::new();
    let mut current: Vec<P> = Vec::new();
    let finite = |p: &P| p.0.is_finite() && p.1.is_finite();
    for w in pts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let clipped = if finite(&a) && finite(&b) {
            clip_segment(a, b, r)
        } else {
            None
        };
        match clipped {
            Some((p, q)) => {
                if current.last() != Some(&p) {
                    if current.len() >= 2 {
                        out.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(p);
                }
                current.push(q);
            }
            None => {
                if current.len() >= 2 {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        out.push(current);
    }
    out
}

/// The polygon `poly` clipped to `r` (Sutherland-Hodgman); fewer than three points when nothing is left.
/// A non-convex polygon may come back with edges along the frame joining its parts; filled, they cover no
/// area.
pub fn clip_polygon(poly: &[P], r: &Rect) -> Vec<P> {
    type Inside = fn(P, &Rect) -> bool;
    type Cross = fn(P, P, &Rect) -> P;
    let edges: [(Inside, Cross); 4] = [
        (
            |p, r| p.0 >= r.x0,
            |a, b, r| {
                let t = (r.x0 - a.0) / (b.0 - a.0);
                (r.x0, a.1 + t * (b.1 - a.1))
            },
        ),
        (
            |p, r| p.0 <= r.x1,
            |a, b, r| {
                let t = (r.x1 - a.0) / (b.0 - a.0);
                (r.x1, a.1 + t * (b.1 - a.1))
            },
        ),
        (
            |p, r| p.1 >= r.y0,
            |a, b, r| {
                let t = (r.y0 - a.1) / (b.1 - a.1);
                (a.0 + t * (b.0 - a.0), r.y0)
            },
        ),
        (
            |p, r| p.1 <= r.y1,
            |a, b, r| {
                let t = (r.y1 - a.1) / (b.1 - a.1);
                (a.0 + t * (b.0 - a.0), r.y1)
            },
        ),
    ];
    let mut out: Vec<P> = poly
        .iter()
        .copied()
        .filter(|p| p.0.is_finite() && p.1.is_finite())
        .collect();
    for (inside, cross) in edges {
        if out.is_empty() {
            break;
        }
        let input = std::mem::take(&mut out);
        let mut prev = input[input.len() - 1];
        for &cur in &input {
            match (inside(cur, r), inside(prev, r)) {
                (true, true) => out.push(cur),
                (true, false) => {
                    out.push(cross(prev, cur, r));
                    out.push(cur);
                }
                (false, true) => out.push(cross(prev, cur, r)),
                (false, false) => {}
            }
            prev = cur;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Rect = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: 10.0,
        y1: 10.0,
    };

    #[test]
    fn a_line_leaving_and_reentering_is_two_pieces_on_the_edge() {
        let pieces = clip_polyline(&[(1.0, 5.0), (5.0, -5.0), (9.0, 5.0)], &R);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0], vec![(1.0, 5.0), (3.0, 0.0)]);
        assert_eq!(pieces[1], vec![(7.0, 0.0), (9.0, 5.0)]);
    }

    #[test]
    fn a_line_inside_is_kept_whole_and_outside_dropped() {
        let inside = [(1.0, 1.0), (2.0, 3.0), (4.0, 4.0)];
        assert_eq!(clip_polyline(&inside, &R), vec![inside.to_vec()]);
        assert!(clip_polyline(&[(-5.0, -5.0), (-1.0, 20.0)], &R).is_empty());
        // A non-finite point breaks the line.
        let broken = clip_polyline(&[(1.0, 1.0), (2.0, f64::NAN), (3.0, 3.0), (4.0, 4.0)], &R);
        assert_eq!(broken, vec![vec![(3.0, 3.0), (4.0, 4.0)]]);
    }

    #[test]
    fn a_band_through_the_top_edge_is_cut_at_it() {
        // A quadrilateral reaching y = -10 (above the frame), cut at y = 0.
        let poly = [(2.0, 5.0), (8.0, -10.0), (8.0, 8.0), (2.0, 8.0)];
        let c = clip_polygon(&poly, &R);
        assert!(c.len() >= 3);
        for p in &c {
            assert!(R.contains(*p), "{p:?} outside");
        }
        assert!(c.iter().any(|p| p.1 == 0.0), "touches the top edge: {c:?}");
        assert!(clip_polygon(&[(20.0, 1.0), (30.0, 1.0), (25.0, 5.0)], &R).len() < 3);
    }
}
