//! Search spaces of a tuning: one axis per tuned hyperparameter, sampled by a log/linear grid or by
//! scrambled Sobol points.
//!
//! Every optimizer of a tuning gets the same budget of `trials` points. A grid over `d` axes has `k` points
//! per axis with `k^d = trials` exactly (a budget that is no `d`-th power is refused, so that no optimizer
//! is silently given fewer trials); Sobol points use the budget as given, whatever `d`. Grid points run
//! from the lower to the upper bound inclusive, evenly in `log(value)` for a log axis and in `value` for a
//! linear one; Sobol points are Owen-scrambled (Burley 2020), from a fixed scramble seed, so the points are
//! a pure function of the config.

use serde::{Deserialize, Serialize};

/// How an axis is spaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Evenly in `log(value)`; both bounds must be positive.
    Log,
    /// Evenly in `value`.
    Linear,
}

/// One tuned hyperparameter: its key and range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Axis {
    /// The optimizer's key (`step`, `lr`, `beta`, ...).
    pub key: String,
    /// The spacing.
    pub scale: Scale,
    /// The lower bound.
    pub lo: f64,
    /// The upper bound.
    pub hi: f64,
}

impl Axis {
    /// The value at `u` in `[0, 1]` of the way from `lo` to `hi`, in this axis' scale.
    /// Values are rounded to 12 significant digits, so that a grid reads as written (`0.1`, not
    /// `0.10000000000000002`) and the same point is the same number on every platform's `exp`/`ln`.
    pub fn at(&self, u: f64) -> f64 {
        let v = match self.scale {
            Scale::Log => self.lo * (self.hi / self.lo).powf(u),
            Scale::Linear => self.lo + u * (self.hi - self.lo),
        };
        format!("{v:.11e}").parse().unwrap_or(v)
    }

    /// Checks the bounds; the message says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        if !(self.lo.is_finite() && self.hi.is_finite()) || self.lo >= self.hi {
            return Err(format!(
                "`{}`: the range must be two finite numbers [lo, hi] with lo < hi, got [{}, {}]",
                self.key, self.lo, self.hi
            ));
        }
        if self.scale == Scale::Log && self.lo <= 0.0 {
            return Err(format!(
                "`{}`: a log range needs lo > 0, got {}",
                self.key, self.lo
            ));
        }
        Ok(())
    }
}

/// How trial points are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// A full grid with `trials^(1/d)` points per axis.
    Grid,
    /// The first `trials` points of a scrambled Sobol sequence.
    Sobol,
}

/// The scramble seed of the Sobol points: fixed, so the points depend on the config alone.
const SOBOL_SEED: u32 = 0x6f70_747a; // "optz"

/// The points per axis of a grid of `trials` points over `d` axes, when `trials` is a `d`-th power.
pub fn grid_side(trials: usize, d: usize) -> Option<usize> {
    if d == 0 {
        return (trials == 1).then_some(1);
    }
    let k = (trials as f64).powf(1.0 / d as f64).round() as usize;
    (k >= 1 && k.checked_pow(d as u32) == Some(trials)).then_some(k)
}

/// The trial points: `trials` assignments of a value to every axis, in a fixed order (for a grid, the
/// last axis varies fastest). Fails when a grid's budget is not a `d`-th power.
pub fn points(method: Method, trials: usize, axes: &[Axis]) -> Result<Vec<Vec<f64>>, String> {
    match method {
        Method::Grid => {
            let d = axes.len();
            let k = grid_side(trials, d).ok_or_else(|| {
                let lo = grid_side_floor(trials, d);
                format!(
                    "a grid over {d} hyperparameters needs a budget k^{d}; {trials} is not one (nearest: {} or {}); \
                     use method = \"sobol\" for any budget",
                    lo.pow(d as u32),
                    (lo + 1).pow(d as u32)
                )
            })?;
            let u = |i: usize| {
                if k == 1 {
                    0.5
                } else {
                    i as f64 / (k - 1) as f64
                }
            };
            let mut out = vec![Vec::with_capacity(d)];
            for axis in axes {
                out = out
                    .into_iter()
                    .flat_map(|p| {
                        (0..k).map(move |i| {
                            let mut q = p.clone();
                            q.push(axis.at(u(i)));
                            q
                        })
                    })
                    .collect();
            }
            Ok(out)
        }
        Method::Sobol => {
            if axes.len() > sobol_burley::NUM_DIMENSIONS as usize || trials > 1 << 16 {
                return Err(format!(
                    "Sobol points cover at most {} hyperparameters and 65536 trials",
                    sobol_burley::NUM_DIMENSIONS
                ));
            }
            Ok((0..trials as u32)
                .map(|t| {
                    axes.iter()
                        .enumerate()
                        .map(|(j, a)| {
                            a.at(f64::from(sobol_burley::sample(t, j as u32, SOBOL_SEED)))
                        })
                        .collect()
                })
                .collect())
        }
    }
}

fn grid_side_floor(trials: usize, d: usize) -> usize {
    let mut k = 1usize;
    while (k + 1).checked_pow(d as u32).is_some_and(|p| p <= trials) {
        k += 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(key: &str, scale: Scale, lo: f64, hi: f64) -> Axis {
        Axis {
            key: key.into(),
            scale,
            lo,
            hi,
        }
    }

    #[test]
    fn a_log_grid_is_geometric_and_hits_both_bounds() {
        let p = points(Method::Grid, 5, &[axis("step", Scale::Log, 1e-4, 1.0)]).expect("5 = 5^1");
        let v: Vec<f64> = p.iter().map(|q| q[0]).collect();
        let want = [1e-4, 1e-3, 1e-2, 1e-1, 1.0];
        // Rounded to 12 significant digits, the decades come out exactly.
        assert_eq!(v, want);
    }

    #[test]
    fn a_two_axis_grid_is_the_product_with_the_last_axis_fastest() {
        let p = points(
            Method::Grid,
            9,
            &[
                axis("a", Scale::Linear, 0.0, 2.0),
                axis("b", Scale::Linear, 10.0, 30.0),
            ],
        )
        .expect("9 = 3^2");
        assert_eq!(p.len(), 9);
        assert_eq!(p[0], vec![0.0, 10.0]);
        assert_eq!(p[1], vec![0.0, 20.0]);
        assert_eq!(p[3], vec![1.0, 10.0]);
        assert_eq!(p[8], vec![2.0, 30.0]);
    }

    #[test]
    fn a_grid_budget_that_is_no_power_is_refused_with_the_nearest_ones() {
        let e = points(
            Method::Grid,
            10,
            &[
                axis("a", Scale::Linear, 0.0, 1.0),
                axis("b", Scale::Linear, 0.0, 1.0),
            ],
        )
        .expect_err("10 is no square");
        assert!(e.contains("9 or 16"), "{e}");
    }

    #[test]
    fn sobol_points_fill_the_box_and_repeat() {
        let axes = [
            axis("a", Scale::Log, 1e-3, 1.0),
            axis("b", Scale::Linear, 0.5, 0.99),
        ];
        let p = points(Method::Sobol, 16, &axes).expect("16 points");
        assert_eq!(p, points(Method::Sobol, 16, &axes).expect("again"));
        assert!(
            p.iter()
                .all(|q| (1e-3..1.0).contains(&q[0]) && (0.5..0.99).contains(&q[1]))
        );
        // A (0, m, 2) net in base 2: each of the 4 quarters of the first axis (in log scale) holds 4 points.
        let mut quarters = [0; 4];
        for q in &p {
            let u = (q[0] / 1e-3).ln() / 1e3f64.ln();
            quarters[((u * 4.0) as usize).min(3)] += 1;
        }
        assert_eq!(quarters, [4, 4, 4, 4]);
    }

    #[test]
    fn bad_ranges_are_named() {
        assert!(
            axis("step", Scale::Log, 0.0, 1.0)
                .check()
                .is_err_and(|e| e.contains("lo > 0"))
        );
        assert!(
            axis("beta", Scale::Linear, 0.9, 0.5)
                .check()
                .is_err_and(|e| e.contains("lo < hi"))
        );
    }
}
