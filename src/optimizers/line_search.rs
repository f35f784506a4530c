//! Line searches shared by the optimizers that need one.
//!
//! Both search along a descent direction `d` from `x`, on `phi(a) = f(x + a d)` with `phi'(0) = g'd < 0`:
//! - [`Armijo`]: backtracking until the sufficient-decrease condition
//!   `f(x + a d) <= f(x) + c1 a g'd` holds (Armijo 1966; Nocedal and Wright 2006, Algorithm 3.1).
//! - [`StrongWolfe`]: bracketing and zoom until the strong Wolfe conditions hold (Nocedal and Wright 2006,
//!   Algorithms 3.5 and 3.6, with safeguarded cubic interpolation, eq. 3.59): sufficient decrease as above
//!   and the curvature condition `|g(x + a d)'d| <= c2 |g'd|`, with `0 < c1 < c2 < 1`. Every step it
//!   accepts satisfies both; when none is found within its budget it fails, and the failure is the run's
//!   recorded outcome. Quasi-Newton methods need the curvature condition: it guarantees `s'y > 0`, so the
//!   secant update stays positive definite.
//!
//! Their keys are declared once, in [`LineSearchKeys`]; each optimizer takes the subset it needs.

use crate::optimizer::StepError;
use crate::oracle::Oracle;
use crate::params::{ParamError, in_range, positive};
use crate::vector::{dot, step_to};

/// Backtracking line search with the Armijo condition.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Armijo {
    /// Sufficient-decrease constant `c1` in (0, 1).
    pub c1: f64,
    /// Factor by which a rejected step shrinks, in (0, 1).
    pub shrink: f64,
    /// The first step tried at every iteration.
    pub initial_step: f64,
    /// Rejected steps allowed before the search fails.
    pub max_backtracks: u32,
}

impl Default for Armijo {
    /// The declared defaults of [`LineSearchKeys`].
    fn default() -> Self {
        LineSearchKeys::default().armijo()
    }
}

crate::declare_params! {
    /// The line-search keys, declared once for every optimizer that takes some of them: each optimizer
    /// names its subset in [`OptimizerConfig::LINE_SEARCH`](super::OptimizerConfig::LINE_SEARCH), and a
    /// key outside it is an unknown key there.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct LineSearchKeys {
        /// sufficient-decrease constant of the line search (Armijo, or strong Wolfe with c1 < c2), in (0, 0.5]
        c1: Option<f64> = 1e-4,
        /// curvature constant of the strong Wolfe search, in (c1, 1)
        c2: Option<f64> = 0.9,
        /// factor by which Armijo backtracking shrinks a rejected step, in [0.001, 0.999]
        shrink: Option<f64> = 0.5,
        /// the first step Armijo backtracking tries each iteration, > 0
        initial_step: Option<f64> = 1.0,
        /// backtracks before an Armijo step fails, >= 1
        max_backtracks: Option<u32> = 60,
    }
}

/// Which of the [`LineSearchKeys`] an optimizer takes, and how its canonical parameters hold them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedKeys {
    /// The keys taken, a subset of [`LineSearchKeys::PARAMS`]' names.
    pub keys: &'static [&'static str],
    /// Whether the canonical parameters spell every taken key out (`true`), or only those given (`false`, so
    /// that a config which spells out a default keeps its run ids).
    pub always: bool,
}

impl SharedKeys {
    /// No line-search key.
    pub const NONE: SharedKeys = SharedKeys {
        keys: &[],
        always: false,
    };
}

impl LineSearchKeys {
    /// Takes the keys of `shared` out of an optimizer's table and parses them.
    pub fn take(
        table: &mut toml::Table,
        shared: &SharedKeys,
    ) -> Result<LineSearchKeys, ParamError> {
        let mut own = toml::Table::new();
        for key in shared.keys {
            if let Some(v) = table.remove(*key) {
                own.insert((*key).to_string(), v);
            }
        }
        crate::params::from_table(&own, LineSearchKeys::PARAMS)
    }

    /// The first key given, in declaration order.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            ("c1", self.c1.is_some()),
            ("c2", self.c2.is_some()),
            ("shrink", self.shrink.is_some()),
            ("initial_step", self.initial_step.is_some()),
            ("max_backtracks", self.max_backtracks.is_some()),
        ]
        .into_iter()
        .find_map(|(key, given)| given.then_some(key))
    }

    /// The Armijo search of these keys, each absent one at its declared default.
    pub fn armijo(&self) -> Armijo {
        let f = self.filled();
        Armijo {
            c1: f.c1.unwrap_or_default(),
            shrink: f.shrink.unwrap_or_default(),
            initial_step: f.initial_step.unwrap_or_default(),
            max_backtracks: f.max_backtracks.unwrap_or_default(),
        }
    }

    /// The strong Wolfe search of these keys, each absent one at its declared default.
    pub fn wolfe(&self) -> StrongWolfe {
        let f = self.filled();
        StrongWolfe {
            c1: f.c1.unwrap_or_default(),
            c2: f.c2.unwrap_or_default(),
        }
    }

    /// The keys of `shared` as the canonical parameters hold them: every one (`always`) or those given.
    pub fn canonical(&self, shared: &SharedKeys) -> serde_json::Map<String, serde_json::Value> {
        let keys = if shared.always { self.filled() } else { *self };
        let mut map = match serde_json::to_value(keys) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        map.retain(|k, _| shared.keys.contains(&k.as_str()));
        map
    }
}

/// What an accepted step found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accepted {
    /// The step length `a`.
    pub step: f64,
    /// `f(x + a d)`.
    pub value: f64,
}

impl Armijo {
    /// Checks the constants, naming the key at fault.
    pub fn check(&self) -> Result<(), ParamError> {
        in_range("c1", self.c1, f64::MIN_POSITIVE, 0.5)?;
        in_range("shrink", self.shrink, 1e-3, 0.999)?;
        positive("initial_step", self.initial_step)?;
        if self.max_backtracks == 0 {
            return Err(ParamError::key(
                "max_backtracks",
                "`max_backtracks` must be at least 1",
            ));
        }
        Ok(())
    }

    /// Searches along `d` from `x`, where `f(x) = fx` and the gradient is `g`; leaves the accepted point
    /// in `trial`.
    pub fn search(
        &self,
        oracle: &mut Oracle,
        x: &[f64],
        fx: f64,
        g: &[f64],
        d: &[f64],
        trial: &mut [f64],
    ) -> Result<Accepted, StepError> {
        let slope = dot(g, d);
        if slope.is_nan() || slope >= 0.0 {
            return Err(StepError::Failed(format!(
                "not a descent direction (g'd = {slope:e})"
            )));
        }
        let mut step = self.initial_step;
        for _ in 0..=self.max_backtracks {
            step_to(x, step, d, trial);
            if trial == x {
                return Err(StepError::Failed(format!(
                    "Armijo line search: the step shrank to {step:e} without moving x and without decrease"
                )));
            }
            let value = oracle.value(trial);
            if value <= fx + self.c1 * step * slope {
                return Ok(Accepted { step, value });
            }
            step *= self.shrink;
        }
        Err(StepError::Failed(format!(
            "Armijo line search found no decrease in {} backtracks (last step {step:e})",
            self.max_backtracks
        )))
    }
}

/// Function evaluations (each a value with its gradient) one strong Wolfe search may spend before it fails.
/// Bracketing doubles the step, so 50 evaluations reach `2^50 ~ 1e15` times the first trial, and each zoom
/// step shrinks the bracket by at least the safeguard factor 0.9 (bisection by 0.5): a search that needs more
/// is stuck at the rounding level of `f`.
pub const WOLFE_MAX_EVALS: u32 = 50;

/// Interpolated trial steps are kept this fraction of the bracket's width away from its ends, so the bracket
/// shrinks by a factor of at least `1 - WOLFE_SAFEGUARD` per evaluation (Nocedal and Wright 2006, section 3.5).
const WOLFE_SAFEGUARD: f64 = 0.1;

/// A line search for the strong Wolfe conditions (Nocedal and Wright 2006, Algorithms 3.5 and 3.6).
///
/// Bracketing: trial steps `a_1 = initial_step`, `a_{i+1} = 2 a_i` until one violates sufficient decrease,
/// does not decrease `f` below the previous trial, or has `phi'(a_i) >= 0`; then zoom shrinks the bracket
/// `[a_lo, a_hi]` (`a_lo` the best step with sufficient decrease, `phi'(a_lo) (a_hi - a_lo) < 0`) by the
/// minimiser of the cubic through `phi` and `phi'` at both ends (eq. 3.59), falling back to the quadratic
/// through `phi(a_lo)`, `phi'(a_lo)`, `phi(a_hi)` and then to bisection when the trial leaves the inner
/// `[0.1, 0.9]` part of the bracket. "Does not decrease" means by more than the rounding level of `f`
/// (16 ulps): where two values tie to rounding, the slope `phi'` decides, which lets the search meet a tight
/// curvature condition where `phi` is flat to rounding (near a minimiser, `phi` resolves `a` only to
/// `sqrt(eps)` relative, `phi'` to `eps`). Every trial evaluates the value and the gradient; the accepted
/// point's gradient is left for the caller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StrongWolfe {
    /// Sufficient-decrease constant `c1`.
    pub c1: f64,
    /// Curvature constant `c2`: 0.9 for quasi-Newton and Newton directions, 0.1 for conjugate gradients.
    pub c2: f64,
}

impl Default for StrongWolfe {
    /// The declared defaults of [`LineSearchKeys`] (`c2` for quasi-Newton).
    fn default() -> Self {
        LineSearchKeys::default().wolfe()
    }
}

/// What an accepted strong Wolfe step found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WolfeStep {
    /// The step length `a`.
    pub step: f64,
    /// `f(x + a d)`.
    pub value: f64,
    /// `phi'(a) = g(x + a d)'d`.
    pub slope: f64,
    /// Trials evaluated (each a value and a gradient).
    pub evals: u32,
}

/// One trial of the search: `(a, phi(a), phi'(a))`; a non-finite value is stored as `+inf`.
#[derive(Debug, Clone, Copy)]
struct Probe {
    a: f64,
    f: f64,
    df: f64,
}

impl StrongWolfe {
    /// Checks `0 < c1 < c2 < 1`, naming the key at fault.
    pub fn check(&self) -> Result<(), ParamError> {
        in_range("c1", self.c1, f64::MIN_POSITIVE, 0.5)?;
        let valid = self.c2 > self.c1 && self.c2 < 1.0;
        if !valid {
            return Err(ParamError::key(
                "c2",
                format!(
                    "`c2` must lie in (c1, 1) = ({}, 1), got {}",
                    self.c1, self.c2
                ),
            ));
        }
        Ok(())
    }

    /// Searches along `d` from `x`, where `f(x) = fx` and the gradient is `g`, starting from the trial step
    /// `initial_step`. On success the accepted point is in `trial` and its gradient in `g_trial`.
    #[allow(clippy::too_many_arguments)]
    pub fn search(
        &self,
        oracle: &mut Oracle,
        x: &[f64],
        fx: f64,
        g: &[f64],
        d: &[f64],
        initial_step: f64,
        trial: &mut [f64],
        g_trial: &mut [f64],
    ) -> Result<WolfeStep, StepError> {
        let slope0 = dot(g, d);
        if slope0.is_nan() || slope0 >= 0.0 {
            return Err(StepError::Failed(format!(
                "not a descent direction (g'd = {slope0:e})"
            )));
        }
        if !initial_step.is_finite() || initial_step <= 0.0 {
            return Err(StepError::Failed(format!(
                "the first trial step must be finite and positive, got {initial_step:e}"
            )));
        }
        let mut evals = 0u32;
        let mut eval = |a: f64, evals: &mut u32, trial: &mut [f64], g_trial: &mut [f64]| {
            *evals += 1;
            step_to(x, a, d, trial);
            let f = oracle.value_and_gradient(trial, g_trial);
            let df = dot(g_trial, d);
            if f.is_finite() && df.is_finite() {
                Probe { a, f, df }
            } else {
                Probe {
                    a,
                    f: f64::INFINITY,
                    df: f64::NAN,
                }
            }
        };
        let armijo = |p: &Probe| p.f <= fx + self.c1 * p.a * slope0;
        let curvature = |p: &Probe| p.df.abs() <= -self.c2 * slope0;
        let accept = |p: Probe, evals: u32| WolfeStep {
            step: p.a,
            value: p.f,
            slope: p.df,
            evals,
        };

        // Bracketing (Algorithm 3.5).
        let mut prev = Probe {
            a: 0.0,
            f: fx,
            df: slope0,
        };
        let mut a = initial_step;
        let (mut lo, mut hi) = loop {
            if evals >= WOLFE_MAX_EVALS {
                return Err(StepError::Failed(format!(
                    "strong Wolfe line search found no bracket in {WOLFE_MAX_EVALS} evaluations \
                     (last step {a:e}; f may be unbounded below along d)"
                )));
            }
            let p = eval(a, &mut evals, trial, g_trial);
            if !armijo(&p) || (evals > 1 && p.f > prev.f + noise(p.f, prev.f)) {
                break (prev, p);
            }
            if curvature(&p) {
                return Ok(accept(p, evals));
            }
            if p.df >= 0.0 {
                break (p, prev);
            }
            prev = p;
            a *= 2.0;
        };

        // Zoom (Algorithm 3.6): lo satisfies sufficient decrease with the lowest value seen, and
        // phi'(lo) (hi - lo) < 0, so the bracket holds a strong Wolfe step.
        loop {
            if evals >= WOLFE_MAX_EVALS {
                return Err(StepError::Failed(format!(
                    "strong Wolfe line search did not converge in {WOLFE_MAX_EVALS} evaluations \
                     (bracket [{:e}, {:e}])",
                    lo.a, hi.a
                )));
            }
            let width = (hi.a - lo.a).abs();
            if width <= f64::EPSILON * lo.a.abs().max(hi.a.abs()) {
                return Err(StepError::Failed(format!(
                    "strong Wolfe line search: the bracket around {:e} shrank to rounding level \
                     (phi'(a_lo) = {:e}, phi'(0) = {slope0:e})",
                    lo.a, lo.df
                )));
            }
            let a = zoom_trial(&lo, &hi);
            let p = eval(a, &mut evals, trial, g_trial);
            if !armijo(&p) || p.f > lo.f + noise(p.f, lo.f) {
                hi = p;
            } else {
                if curvature(&p) {
                    return Ok(accept(p, evals));
                }
                if p.df * (hi.a - lo.a) >= 0.0 {
                    hi = lo;
                }
                lo = p;
            }
        }
    }
}

/// The rounding level of a comparison of two values of `f`: 16 ulps of the larger. A value summed from a
/// few terms carries an error of a few ulps of its largest term; 16 ulps of the result covers moderate
/// cancellation. Two values closer than this are not ordered by their digits, and the search decides by
/// the slope instead (so that it can still locate `phi' = 0` where `phi` is flat to rounding).
fn noise(a: f64, b: f64) -> f64 {
    16.0 * f64::EPSILON * a.abs().max(b.abs())
}

/// The next zoom trial inside the bracket `[lo, hi]` (either order): the cubic interpolant's minimiser
/// (Nocedal and Wright 2006, eq. 3.59), else the quadratic's, else the midpoint, whichever first lies in
/// the bracket's inner part.
fn zoom_trial(lo: &Probe, hi: &Probe) -> f64 {
    let (left, right) = (lo.a.min(hi.a), lo.a.max(hi.a));
    let margin = WOLFE_SAFEGUARD * (right - left);
    let inside = |t: f64| t.is_finite() && t >= left + margin && t <= right - margin;
    if hi.f.is_finite() {
        let cubic = cubic_minimiser(lo, hi);
        if inside(cubic) {
            return cubic;
        }
        // Quadratic through phi(lo), phi'(lo), phi(hi).
        let w = hi.a - lo.a;
        let curv = hi.f - lo.f - lo.df * w;
        let quad = lo.a - lo.df * w * w / (2.0 * curv);
        if curv > 0.0 && inside(quad) {
            return quad;
        }
    }
    0.5 * (lo.a + hi.a)
}

/// The minimiser of the cubic matching `phi` and `phi'` at `p` and `q` (Nocedal and Wright 2006, eq. 3.59);
/// NaN where the cubic has no local minimiser.
fn cubic_minimiser(p: &Probe, q: &Probe) -> f64 {
    let d1 = p.df + q.df - 3.0 * (p.f - q.f) / (p.a - q.a);
    let disc = d1 * d1 - p.df * q.df;
    if disc.is_nan() || disc < 0.0 {
        return f64::NAN;
    }
    let d2 = (q.a - p.a).signum() * disc.sqrt();
    q.a - (q.a - p.a) * (q.df + d2 - d1) / (q.df - p.df + 2.0 * d2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Problem;
    use crate::problems::FamilyConfig;
    use crate::problems::rosenbrock::RosenbrockConfig;
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    /// A one-dimensional function returning `(phi(a), phi'(a))`.
    type Phi = fn(f64) -> (f64, f64);

    /// A one-dimensional `phi` with its derivative, as a problem of dimension 1.
    struct Line(Phi);

    impl Problem for Line {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, x: &[f64]) -> f64 {
            (self.0)(x[0]).0
        }
        fn gradient(&self, x: &[f64], g: &mut [f64]) {
            g[0] = (self.0)(x[0]).1;
        }
        fn standard_start(&self) -> Vec<f64> {
            vec![0.0]
        }
    }

    /// Moré and Thuente (1994), function 1: `-a / (a^2 + 2)`.
    fn mt1(a: f64) -> (f64, f64) {
        let b = 2.0;
        let q = a * a + b;
        (-a / q, (a * a - b) / (q * q))
    }

    /// Moré and Thuente (1994), function 2: `(a + 0.004)^5 - 2 (a + 0.004)^4`.
    fn mt2(a: f64) -> (f64, f64) {
        let t = a + 0.004;
        (
            t.powi(5) - 2.0 * t.powi(4),
            5.0 * t.powi(4) - 8.0 * t.powi(3),
        )
    }

    /// Moré and Thuente (1994), function 3: a kinked line with a wiggle, `l = 39`, `beta = 0.01`.
    fn mt3(a: f64) -> (f64, f64) {
        let (b, l) = (0.01, 39.0);
        let (p0, dp0) = if a <= 1.0 - b {
            (1.0 - a, -1.0)
        } else if a >= 1.0 + b {
            (a - 1.0, 1.0)
        } else {
            ((a - 1.0) * (a - 1.0) / (2.0 * b) + b / 2.0, (a - 1.0) / b)
        };
        let w = l * std::f64::consts::PI / 2.0;
        (
            p0 + 2.0 * (1.0 - b) / (l * std::f64::consts::PI) * (w * a).sin(),
            dp0 + (1.0 - b) * (w * a).cos(),
        )
    }

    /// Moré and Thuente (1994), functions 4 to 6: `gamma(b1) sqrt((1 - a)^2 + b2^2) + gamma(b2) sqrt(a^2 + b1^2)`.
    fn mt_yanai(a: f64, b1: f64, b2: f64) -> (f64, f64) {
        let gamma = |b: f64| (1.0 + b * b).sqrt() - b;
        let r1 = ((1.0 - a) * (1.0 - a) + b2 * b2).sqrt();
        let r2 = (a * a + b1 * b1).sqrt();
        (
            gamma(b1) * r1 + gamma(b2) * r2,
            -gamma(b1) * (1.0 - a) / r1 + gamma(b2) * a / r2,
        )
    }

    fn mt4(a: f64) -> (f64, f64) {
        mt_yanai(a, 0.001, 0.001)
    }
    fn mt5(a: f64) -> (f64, f64) {
        mt_yanai(a, 0.01, 0.001)
    }
    fn mt6(a: f64) -> (f64, f64) {
        mt_yanai(a, 0.001, 0.01)
    }

    /// Searches from `x` along `d` and checks the accepted step against the strong Wolfe conditions,
    /// re-evaluating the problem directly (not through the search's own numbers).
    fn search_and_verify(
        p: &dyn Problem,
        ls: StrongWolfe,
        x: &[f64],
        d: &[f64],
        a0: f64,
    ) -> WolfeStep {
        let n = x.len();
        let mut g = vec![0.0; n];
        let fx = p.value_and_gradient(x, &mut g);
        let mut oracle = Oracle::new(p);
        let (mut trial, mut g_trial) = (vec![0.0; n], vec![0.0; n]);
        let found = ls
            .search(&mut oracle, x, fx, &g, d, a0, &mut trial, &mut g_trial)
            .unwrap_or_else(|e| panic!("search from step {a0:e} failed: {e}"));
        let a = found.step;
        let xa: Vec<f64> = x.iter().zip(d).map(|(xi, di)| xi + a * di).collect();
        assert_eq!(trial, xa, "the accepted point is x + a d");
        let mut ga = vec![0.0; n];
        let fa = p.value_and_gradient(&xa, &mut ga);
        assert_eq!(
            g_trial, ga,
            "the gradient left for the caller is the accepted point's"
        );
        let slope0: f64 = g.iter().zip(d).map(|(a, b)| a * b).sum();
        let slope = crate::vector::dot(&ga, d);
        assert!(a > 0.0, "step {a:e}");
        assert!(
            fa <= fx + ls.c1 * a * slope0,
            "sufficient decrease fails: f(a) = {fa:e} > {:e} (a = {a:e})",
            fx + ls.c1 * a * slope0
        );
        assert!(
            slope.abs() <= ls.c2 * slope0.abs(),
            "curvature fails: |phi'(a)| = {:e} > c2 |phi'(0)| = {:e} (a = {a:e})",
            slope.abs(),
            ls.c2 * slope0.abs()
        );
        assert_eq!(found.value, fa);
        assert_eq!(found.slope, slope);
        assert!(found.evals <= WOLFE_MAX_EVALS);
        assert_eq!(u64::from(found.evals), oracle.counts().g_evals);
        found
    }

    #[test]
    fn accepted_steps_satisfy_strong_wolfe_on_more_thuente_functions() {
        // The functions with the constants (mu = c1, eta = c2) of Moré and Thuente (1994), Tables 1 to 6
        // (where the paper takes mu = eta, c1 = eta / 100 here, since the check asks c1 < c2), and again
        // with the quasi-Newton constants (1e-4, 0.9); first trials 1e-3, 1e-1, 10, 1000 as in the paper.
        let cases: [(Phi, f64, f64); 6] = [
            (mt1, 0.001, 0.1),
            (mt2, 0.001, 0.1),
            (mt3, 0.001, 0.1),
            (mt4, 1e-5, 0.001),
            (mt5, 1e-5, 0.001),
            (mt6, 1e-5, 0.001),
        ];
        for (k, (phi, c1, c2)) in cases.into_iter().enumerate() {
            let p = Line(phi);
            for ls in [StrongWolfe { c1, c2 }, StrongWolfe::default()] {
                ls.check().expect("valid constants");
                for a0 in [1e-3, 1e-1, 1e1, 1e3] {
                    let found = search_and_verify(&p, ls, &[0.0], &[1.0], a0);
                    assert!(
                        found.evals <= 30,
                        "function {}: {} evaluations from {a0:e}",
                        k + 1,
                        found.evals
                    );
                }
            }
        }
    }

    #[test]
    fn cubic_interpolation_is_exact_on_a_quadratic() {
        // phi(a) = (1 - a)^2 / 2 from a0 = 3: phi(3) = 2 > phi(0) = 1/2 brackets [0, 3], and the cubic through
        // phi and phi' at 0 and 3 is phi itself, so the first zoom trial is its minimiser a = 1 (phi'(1) = 0).
        let p = Line(|x| (0.5 * x * x, x));
        let found = search_and_verify(&p, StrongWolfe::default(), &[1.0], &[-1.0], 3.0);
        assert_eq!(found.evals, 2);
        // The cubic formula's few operations on exact small dyadic values round to within a few ulps of 1.
        assert!(
            (found.step - 1.0).abs() <= 4.0 * f64::EPSILON,
            "step {:e}",
            found.step
        );
    }

    #[test]
    fn failures_are_errors_not_panics() {
        let bowl = Line(|x| (0.5 * x * x, x));
        let mut o = Oracle::new(&bowl);
        let (mut t, mut gt) = ([0.0], [0.0]);
        let uphill = StrongWolfe::default().search(
            &mut o,
            &[1.0],
            0.5,
            &[1.0],
            &[1.0],
            1.0,
            &mut t,
            &mut gt,
        );
        assert!(matches!(uphill, Err(StepError::Failed(m)) if m.contains("descent")));
        // f(x) = -x is unbounded below: phi'(a) = -1 never meets the curvature condition.
        let ramp = Line(|x| (-x, -1.0));
        let mut o = Oracle::new(&ramp);
        let r = StrongWolfe::default().search(
            &mut o,
            &[0.0],
            0.0,
            &[-1.0],
            &[1.0],
            1.0,
            &mut t,
            &mut gt,
        );
        assert!(matches!(r, Err(StepError::Failed(m)) if m.contains("unbounded")));
        assert_eq!(o.counts().g_evals, u64::from(WOLFE_MAX_EVALS));
    }

    #[test]
    fn constants_are_checked() {
        assert!(StrongWolfe::default().check().is_ok());
        let e = StrongWolfe { c1: 0.5, c2: 0.4 }.check().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("c2"));
        let e = StrongWolfe { c1: 0.0, c2: 0.4 }.check().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("c1"));
        let e = StrongWolfe { c1: 1e-4, c2: 1.0 }.check().unwrap_err();
        assert_eq!(e.key.as_deref(), Some("c2"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn accepted_steps_satisfy_strong_wolfe_on_rosenbrock(
            x in prop::collection::vec(-2.0f64..2.0, 10),
            log_a0 in -4.0f64..4.0,
            cg_constants in any::<bool>(),
            seed in any::<u64>(),
        ) {
            let config = RosenbrockConfig { dim: 10, ..RosenbrockConfig::default() };
            let p = config.build(&mut ChaCha8Rng::seed_from_u64(seed)).expect("builds");
            let mut g = vec![0.0; 10];
            p.gradient(&x, &mut g);
            let d: Vec<f64> = g.iter().map(|v| -v).collect();
            let ls = if cg_constants { StrongWolfe { c1: 1e-4, c2: 0.1 } } else { StrongWolfe::default() };
            search_and_verify(p.as_ref(), ls, &x, &d, 10f64.powf(log_a0));
        }
    }
}
