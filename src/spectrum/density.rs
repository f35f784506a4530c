//! The spectral density of a Hessian from Hessian-vector products alone, as PyHessian (Yao et al. 2020)
//! gives it: stochastic Lanczos quadrature ([`super::slq_probes`]), Hutchinson's trace with its standard
//! error ([`super::hutchinson_trace`]), the extreme eigenvalues by Lanczos
//! ([`super::lanczos_extremes_checked`]) and the number of eigenvalues near zero, with the exact spectrum
//! beside them where a dense eigendecomposition is affordable.
//!
//! The density is the SLQ quadrature measure: each probe's Ritz values with their weights (summing to 1),
//! each probe weighted `1 / probes`. Its `k`-th moment `sum_j w_j theta_j^k` estimates `tr(H^k) / n`; for
//! `steps >= 3` the quadrature is exact for `k <= 4` on each probe (Gauss quadrature of `m` nodes is exact
//! to degree `2m - 1`), so the moments' only error is the probes' sampling error (Rademacher `v`:
//! `Var(v' A v) = 2 (||A||_F^2 - sum_i A_ii^2) <= 2 ||A||_F^2`).
//!
//! For drawing, each node is broadened into a Gaussian of standard deviation [`Density::sigma`] (a share,
//! [`DensityOptions::broadening`], of the spectrum's width `lambda_max - lambda_min`), as PyHessian draws its
//! densities on a log axis ([`Density::broadened`]).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::{Extremes, Quadrature};

/// Probe vectors of the SLQ density by default (PyHessian draws one; more make the density smoother).
pub const DEFAULT_PROBES: usize = 10;
/// Lanczos steps per probe by default (PyHessian's 100; 80 resolve a bulk and its outliers at dim 10^4 in
/// about a second).
pub const DEFAULT_STEPS: usize = 80;
/// Probe vectors of Hutchinson's trace by default.
pub const DEFAULT_TRACE_SAMPLES: usize = 100;
/// The standard deviation of the Gaussian each SLQ node is drawn as, as a share of `lambda_max -
/// lambda_min`, by default.
pub const DEFAULT_BROADENING: f64 = 0.01;
/// The most Lanczos steps the extreme eigenvalues take by default (a spectrum whose extremes are close to
/// their neighbours, relative to its width, needs more: the summary says when they did not converge).
pub const EXTREME_STEPS: usize = 300;
/// The relative Ritz residual the extreme eigenvalues are converged to.
pub const EXTREME_RTOL: f64 = 1e-10;

/// How the density is estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DensityOptions {
    /// SLQ probe vectors.
    pub probes: usize,
    /// Lanczos steps per probe.
    pub steps: usize,
    /// Hutchinson probe vectors (at least 2).
    pub trace_samples: usize,
    /// The most Lanczos steps of the extreme eigenvalues (at least 1).
    pub extreme_steps: usize,
    /// The Gaussian broadening of the drawn density, as a share of the spectrum's width.
    pub broadening: f64,
    /// Eigenvalues with `|lambda| <= zero_tol max |lambda|` count as zero.
    pub zero_tol: f64,
    /// The seed of every probe vector.
    pub seed: u64,
}

impl Default for DensityOptions {
    fn default() -> Self {
        DensityOptions {
            probes: DEFAULT_PROBES,
            steps: DEFAULT_STEPS,
            trace_samples: DEFAULT_TRACE_SAMPLES,
            extreme_steps: EXTREME_STEPS,
            broadening: DEFAULT_BROADENING,
            zero_tol: super::default_zero_tol(),
            seed: 0,
        }
    }
}

impl DensityOptions {
    /// Refuses options that cannot give an estimate, naming the option and what it must be.
    pub fn check(&self) -> Result<(), String> {
        if self.probes == 0 {
            return Err("--probes must be at least 1".into());
        }
        if self.steps < 3 {
            return Err(format!(
                "--steps must be at least 3 (for the density's first four moments to be exact per probe), got {}",
                self.steps
            ));
        }
        if self.trace_samples < 2 {
            return Err(format!(
                "--trace-samples must be at least 2 (for a standard error), got {}",
                self.trace_samples
            ));
        }
        if self.extreme_steps == 0 {
            return Err("--extreme-steps must be at least 1".into());
        }
        if !(self.broadening.is_finite() && self.broadening > 0.0 && self.broadening <= 1.0) {
            return Err(format!(
                "--broadening must be a number in (0, 1] (a share of lambda_max - lambda_min), got {}",
                self.broadening
            ));
        }
        if !(self.zero_tol.is_finite() && self.zero_tol >= 0.0) {
            return Err(format!(
                "--zero-tol must be a finite number >= 0, got {}",
                self.zero_tol
            ));
        }
        Ok(())
    }
}

/// How many eigenvalues are zero to the tolerance: `|lambda| <= threshold = zero_tol max |lambda|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZeroCount {
    /// The SLQ estimate: `n` times the weight of the nodes within the threshold, averaged over probes.
    pub estimate: f64,
    /// Its standard error over the probes (`None` from one probe).
    pub se: Option<f64>,
    /// The exact count, where the dense spectrum is known.
    pub exact: Option<usize>,
    /// The threshold: `zero_tol` times `max |lambda|` (exact where known, else Lanczos').
    pub threshold: f64,
}

/// The spectral density at a point and what comes with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Density {
    /// The dimension.
    pub n: usize,
    /// The options it was estimated with.
    pub options: DensityOptions,
    /// Each probe's quadrature.
    pub probes: Vec<Quadrature>,
    /// Hutchinson's trace estimate.
    pub trace: f64,
    /// Its standard error.
    pub trace_se: f64,
    /// The extreme eigenvalues by Lanczos.
    pub extremes: Extremes,
    /// Every eigenvalue, ascending, where the dense eigendecomposition was made.
    pub exact: Option<Vec<f64>>,
    /// Eigenvalues near zero.
    pub zeros: ZeroCount,
}

/// Estimates the density of the symmetric operator `hvp` on `R^n` with `options`; `exact` is its every
/// eigenvalue where the caller computed them densely (the zero count is then also exact). The probes of the
/// density, the trace and the extremes are drawn from three generators seeded from `options.seed`.
pub fn estimate(
    hvp: &mut dyn FnMut(&[f64], &mut [f64]),
    n: usize,
    options: DensityOptions,
    exact: Option<Vec<f64>>,
) -> Result<Density, String> {
    options.check()?;
    if let Some(e) = &exact
        && e.len() != n
    {
        return Err(format!("{} exact eigenvalues for dimension {n}", e.len()));
    }
    let rng = |stream: u64| {
        let mut r = ChaCha8Rng::seed_from_u64(options.seed);
        r.set_stream(stream);
        r
    };
    let probes = super::slq_probes(hvp, n, options.probes, options.steps, &mut rng(1))?;
    let (trace, trace_se) = super::hutchinson_trace(hvp, n, options.trace_samples, &mut rng(2))?;
    let extremes =
        super::lanczos_extremes_checked(hvp, n, options.extreme_steps, EXTREME_RTOL, &mut rng(3))?;
    let scale = match &exact {
        Some(e) => e.iter().fold(0.0f64, |m, l| m.max(l.abs())),
        None => extremes.min.abs().max(extremes.max.abs()),
    };
    let threshold = options.zero_tol * scale;
    let per_probe: Vec<f64> = probes
        .iter()
        .map(|q| {
            n as f64
                * q.nodes
                    .iter()
                    .zip(&q.weights)
                    .filter(|(t, _)| t.abs() <= threshold)
                    .map(|(_, w)| w)
                    .sum::<f64>()
        })
        .collect();
    let (estimate, se) = mean_and_se(&per_probe);
    let zeros = ZeroCount {
        estimate,
        se,
        exact: exact
            .as_ref()
            .map(|e| e.iter().filter(|l| l.abs() <= threshold).count()),
        threshold,
    };
    Ok(Density {
        n,
        options,
        probes,
        trace,
        trace_se,
        extremes,
        exact,
        zeros,
    })
}

/// The mean of `xs` and its standard error (`None` for fewer than two values).
fn mean_and_se(xs: &[f64]) -> (f64, Option<f64>) {
    let m = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / m;
    if xs.len() < 2 {
        return (mean, None);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1.0);
    (mean, Some((var / m).sqrt()))
}

impl Density {
    /// The pooled quadrature: every probe's `(node, weight / probes)`, sorted by node; weights sum to 1.
    pub fn pooled(&self) -> Vec<(f64, f64)> {
        let p = self.probes.len() as f64;
        let mut out: Vec<(f64, f64)> = self
            .probes
            .iter()
            .flat_map(|q| {
                q.nodes
                    .iter()
                    .zip(&q.weights)
                    .map(move |(t, w)| (*t, w / p))
            })
            .collect();
        out.sort_by(|a, b| a.0.total_cmp(&b.0));
        out
    }

    /// The `k`-th moment `sum_j w_j theta_j^k` of the pooled quadrature: an estimate of `tr(H^k) / n`.
    pub fn moment(&self, k: i32) -> f64 {
        self.pooled().iter().map(|(t, w)| w * t.powi(k)).sum()
    }

    /// The smallest and largest eigenvalue: exact where the dense spectrum is known, else Lanczos'.
    pub fn range(&self) -> (f64, f64) {
        match &self.exact {
            Some(e) if !e.is_empty() => (e[0], e[e.len() - 1]),
            _ => (self.extremes.min, self.extremes.max),
        }
    }

    /// The standard deviation of the Gaussian each node is drawn as: [`DensityOptions::broadening`] times
    /// `lambda_max - lambda_min` (times `max |lambda|` for a spectrum of one point, and 1 for the zero
    /// matrix).
    pub fn sigma(&self) -> f64 {
        let (lo, hi) = self.range();
        let width = if hi > lo {
            hi - lo
        } else if hi != 0.0 {
            hi.abs()
        } else {
            1.0
        };
        self.options.broadening * width
    }

    /// The broadened density `sum_j w_j N(x; theta_j, sigma^2)` at `points` abscissae spread evenly over
    /// `[lambda_min - 6 sigma, lambda_max + 6 sigma]`: a probability density (it integrates to 1).
    pub fn broadened(&self, points: usize) -> Vec<(f64, f64)> {
        let sigma = self.sigma();
        let (lo, hi) = self.range();
        let (a, b) = (lo - 6.0 * sigma, hi + 6.0 * sigma);
        let nodes = self.pooled();
        let norm = 1.0 / (sigma * (2.0 * std::f64::consts::PI).sqrt());
        (0..points)
            .map(|i| {
                let x = a + (b - a) * i as f64 / (points.max(2) - 1) as f64;
                let y = nodes
                    .iter()
                    .map(|(t, w)| w * (-0.5 * ((x - t) / sigma).powi(2)).exp())
                    .sum::<f64>()
                    * norm;
                (x, y)
            })
            .collect()
    }

    /// The exact eigenvalues as a histogram of `bins` equal bins over `[lambda_min, lambda_max]`, each
    /// `(left, right, density)` with density `count / (n width)` (so that it integrates to 1 as the
    /// broadened density does); `None` without the dense spectrum.
    pub fn histogram(&self, bins: usize) -> Option<Vec<(f64, f64, f64)>> {
        let e = self.exact.as_ref()?;
        let (lo, hi) = self.range();
        let bins = bins.max(1);
        let width = if hi > lo {
            (hi - lo) / bins as f64
        } else {
            2.0 * self.sigma()
        };
        let start = if hi > lo { lo } else { lo - 0.5 * width };
        let mut counts = vec![0usize; bins];
        for l in e {
            let i = (((l - start) / width).floor().max(0.0) as usize).min(bins - 1);
            counts[i] += 1;
        }
        Some(
            counts
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let left = start + width * i as f64;
                    (left, left + width, *c as f64 / (self.n as f64 * width))
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagonal(lambda: &[f64]) -> impl FnMut(&[f64], &mut [f64]) + '_ {
        move |v: &[f64], out: &mut [f64]| {
            for i in 0..v.len() {
                out[i] = lambda[i] * v[i];
            }
        }
    }

    #[test]
    fn the_broadened_density_integrates_to_one_and_the_histogram_counts_every_eigenvalue() {
        let lambda: Vec<f64> = (0..300)
            .map(|i| if i < 200 { 0.0 } else { 1.0 + i as f64 / 300.0 })
            .collect();
        let d = estimate(
            &mut diagonal(&lambda),
            300,
            DensityOptions::default(),
            Some(lambda.clone()),
        )
        .expect("estimates");
        let curve = d.broadened(4000);
        let h = curve[1].0 - curve[0].0;
        let integral: f64 = curve.iter().map(|(_, y)| y * h).sum();
        assert!((integral - 1.0).abs() < 1e-3, "integral {integral}");
        let bars = d.histogram(40).expect("exact spectrum");
        let mass: f64 = bars.iter().map(|(a, b, y)| (b - a) * y).sum();
        assert!((mass - 1.0).abs() < 1e-12, "histogram mass {mass}");
        assert_eq!(d.zeros.exact, Some(200));
        // Rademacher probes of a diagonal operator give its trace exactly.
        let trace: f64 = lambda.iter().sum();
        assert!((d.trace - trace).abs() <= 1e-10 * trace && d.trace_se <= 1e-10 * trace);
    }

    #[test]
    fn without_the_dense_spectrum_the_zero_count_comes_from_the_quadrature_weights() {
        // Diagonal: each probe's weight on the null space is exactly (zeros / n), so the estimate is exact.
        let lambda: Vec<f64> = (0..500)
            .map(|i| {
                if i % 5 == 0 {
                    1.0 + i as f64 / 500.0
                } else {
                    0.0
                }
            })
            .collect();
        let d = estimate(&mut diagonal(&lambda), 500, DensityOptions::default(), None)
            .expect("estimates");
        assert_eq!(d.zeros.exact, None);
        assert!((d.zeros.estimate - 400.0).abs() <= 1e-6, "{:?}", d.zeros);
        assert!(d.extremes.min.abs() <= 1e-12, "{:?}", d.extremes);
        assert!(
            (d.extremes.max - 1.99).abs() <= 1e-8 * 1.99,
            "{:?}",
            d.extremes
        );
    }

    #[test]
    fn bad_options_are_refused_by_name() {
        let lambda = [1.0, 2.0];
        for (options, says) in [
            (
                DensityOptions {
                    probes: 0,
                    ..Default::default()
                },
                "--probes",
            ),
            (
                DensityOptions {
                    steps: 2,
                    ..Default::default()
                },
                "--steps",
            ),
            (
                DensityOptions {
                    trace_samples: 1,
                    ..Default::default()
                },
                "--trace-samples",
            ),
            (
                DensityOptions {
                    broadening: 0.0,
                    ..Default::default()
                },
                "--broadening",
            ),
            (
                DensityOptions {
                    zero_tol: f64::NAN,
                    ..Default::default()
                },
                "--zero-tol",
            ),
        ] {
            let e = estimate(&mut diagonal(&lambda), 2, options, None).expect_err("refused");
            assert!(e.contains(says), "{e}");
        }
    }
}
