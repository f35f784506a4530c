//! `lbfgs`: limited-memory BFGS, a quasi-Newton method that keeps the last `m` secant pairs.
//!
//! Update (Nocedal 1980; Liu and Nocedal 1989; Nocedal and Wright 2006, Algorithms 7.4 and 7.5):
//! `x_{k+1} = x_k + a_k d_k`, `d_k = -H_k g_k`, where `H_k` is the BFGS inverse-Hessian approximation built
//! from the pairs `s_i = x_{i+1} - x_i`, `y_i = g_{i+1} - g_i` of the last `m` iterations on top of
//! `H_k^0 = gamma_k I`, `gamma_k = s'y / y'y` of the newest pair (eq. 7.20). `H_k g_k` is computed by the
//! two-loop recursion in `O(m n)`, never forming `H_k`. The step `a_k` satisfies the strong Wolfe conditions
//! ([`StrongWolfe`]), tried first at `a = 1` (at `1/||g||` on the first iteration and after a reset, as in
//! Liu and Nocedal's code), which guarantees `s'y > 0` in exact arithmetic; a pair with
//! `s'y <= eps ||s|| ||y||` (`eps` the machine epsilon: rounding has destroyed it) is skipped. Should
//! rounding make `d` an ascent direction, the memory is cleared and the step restarts along `-g`.
//!
//! On a quadratic with exact line searches L-BFGS coincides with conjugate gradients; its curvature model is
//! of rank at most `2m`.
//!
//! Its keys are declared once, in [`LbfgsConfig`] and the shared [`super::line_search::LineSearchKeys`]
//! (listed by `optzoo list optimizers` and in `docs/reference.md`).

use super::OptimizerConfig;
use super::descent::{self, DescentState, Direction, Move};
use super::line_search::{LineSearchKeys, SharedKeys, StrongWolfe};
use crate::footprint::{Footprint, Param, Part, Size};
use crate::optimizer::{Optimizer, StepError};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError};
use crate::preconditioner::{Conditioner, Formed, Preconditioner};
use crate::problem::Capabilities;
use crate::theory::Anatomy;
use crate::vector::dot;

/// The keys of `lbfgs`.
pub const PARAMS: &[ParamDoc] = &crate::params::declare::concat::<3>(&[
    LbfgsConfig::PARAMS,
    &crate::params::declare::select::<2>(
        super::line_search::LineSearchKeys::PARAMS,
        LbfgsConfig::LINE_SEARCH.keys,
    ),
]);

/// Largest memory accepted: beyond it the method is no longer limited-memory (use `bfgs`).
const MAX_MEMORY: usize = 10_000;

crate::declare_params! {
    /// The parameters of `lbfgs`, besides the strong Wolfe keys `c1` and `c2` of
    /// [`LineSearchKeys`].
    #[derive(Debug, Clone, Copy)]
    pub struct LbfgsConfig {
        /// secant pairs kept, m >= 1
        memory: usize = 10,
    }
}

impl OptimizerConfig for LbfgsConfig {
    type Checked = Lbfgs;
    const LINE_SEARCH: SharedKeys = SharedKeys {
        keys: &["c1", "c2"],
        always: true,
    };

    fn check(&self) -> Result<Lbfgs, ParamError> {
        self.check_with(&LineSearchKeys::default())
    }

    fn check_with(&self, search: &LineSearchKeys) -> Result<Lbfgs, ParamError> {
        if !(1..=MAX_MEMORY).contains(&self.memory) {
            return Err(ParamError::key(
                "memory",
                format!(
                    "`memory` must lie in [1, {MAX_MEMORY}], got {}",
                    self.memory
                ),
            ));
        }
        let search = search.wolfe();
        search.check()?;
        Ok(Lbfgs {
            memory: self.memory,
            search,
        })
    }
}

/// L-BFGS with checked parameters.
#[derive(Debug, Clone, Copy)]
pub struct Lbfgs {
    /// Pairs kept.
    pub memory: usize,
    /// The line search.
    pub search: StrongWolfe,
}

/// The state of an `lbfgs` run.
pub type LbfgsState = DescentState<Pairs>;

/// The secant pairs of an `lbfgs` run.
pub struct Pairs {
    /// The pairs, `memory x n` each, row `i` at `[i n, (i + 1) n)`; a ring with its newest at `newest`.
    s: Vec<f64>,
    y: Vec<f64>,
    /// `1 / s_i'y_i`.
    rho: Vec<f64>,
    /// The two-loop coefficients, per pair.
    alpha: Vec<f64>,
    /// The slot of the newest pair.
    newest: usize,
    /// Pairs held.
    len: usize,
}

/// `d <- -H g` by the two-loop recursion over the `len` pairs ending at ring slot `newest`
/// (Nocedal and Wright 2006, Algorithm 7.4), with `H^0 = (s'y / y'y) I` from the newest pair.
#[allow(clippy::too_many_arguments)]
fn two_loop(
    g: &[f64],
    s: &[f64],
    y: &[f64],
    rho: &[f64],
    alpha: &mut [f64],
    newest: usize,
    len: usize,
    d: &mut [f64],
) {
    let n = g.len();
    let m = rho.len();
    let row = |i: usize| i * n..(i + 1) * n;
    // d holds q = g, then r, then -r.
    d.copy_from_slice(g);
    for back in 0..len {
        let i = (newest + m - back) % m;
        let a = rho[i] * dot(&s[row(i)], d);
        alpha[i] = a;
        crate::vector::axpy(-a, &y[row(i)], d);
    }
    if len > 0 {
        let yi = &y[row(newest)];
        let gamma = dot(&s[row(newest)], yi) / dot(yi, yi);
        d.iter_mut().for_each(|v| *v *= gamma);
    }
    for fwd in (0..len).rev() {
        let i = (newest + m - fwd) % m;
        let b = rho[i] * dot(&y[row(i)], d);
        crate::vector::axpy(alpha[i] - b, &s[row(i)], d);
    }
    d.iter_mut().for_each(|v| *v = -*v);
}

impl Direction for Lbfgs {
    type Memory = Pairs;
    type Search = StrongWolfe;

    fn line_search(&self) -> &StrongWolfe {
        &self.search
    }

    fn memory(&self, n: usize) -> Pairs {
        let m = self.memory;
        Pairs {
            s: vec![0.0; m * n],
            y: vec![0.0; m * n],
            rho: vec![0.0; m],
            alpha: vec![0.0; m],
            newest: m - 1,
            len: 0,
        }
    }

    /// `d = -H_k g` by the two-loop recursion; none before the first pair.
    fn propose(
        &self,
        p: &mut Pairs,
        _x: &[f64],
        g: &[f64],
        d: &mut [f64],
        _oracle: &mut Oracle,
    ) -> Result<bool, StepError> {
        if p.len == 0 {
            return Ok(false);
        }
        two_loop(g, &p.s, &p.y, &p.rho, &mut p.alpha, p.newest, p.len, d);
        Ok(true)
    }

    fn restart(&self, p: &mut Pairs) {
        p.len = 0;
    }

    /// Keeps the pair `(s, y)` of the step when `s'y > eps ||s|| ||y||`, dropping the oldest beyond `m`.
    fn accept(&self, p: &mut Pairs, step: &Move<'_>, _d: &mut [f64]) {
        let Move {
            x,
            trial,
            g,
            g_trial,
            ..
        } = *step;
        let n = x.len();
        let m = self.memory;
        let (mut sy, mut ss, mut yy) = (0.0, 0.0, 0.0);
        for ((t, xi), (gt, gi)) in trial.iter().zip(x).zip(g_trial.iter().zip(g)) {
            let (si, yi) = (t - xi, gt - gi);
            sy += si * yi;
            ss += si * si;
            yy += yi * yi;
        }
        if sy > f64::EPSILON * (ss * yy).sqrt() {
            let slot = (p.newest + 1) % m;
            let range = slot * n..(slot + 1) * n;
            for (((si, yi), (t, xi)), (gt, gi)) in p.s[range.clone()]
                .iter_mut()
                .zip(&mut p.y[range])
                .zip(trial.iter().zip(x))
                .zip(g_trial.iter().zip(g))
            {
                *si = t - xi;
                *yi = gt - gi;
            }
            p.rho[slot] = 1.0 / sy;
            p.newest = slot;
            p.len = (p.len + 1).min(m);
        }
    }
}

impl Optimizer for Lbfgs {
    /// `memory` pairs of vectors beside the working vectors.
    type State = LbfgsState;

    /// Exact values: the line search compares them.
    fn requires(&self) -> Capabilities {
        Capabilities::EXACT
    }

    descent::driven_steps!(LbfgsState);

    fn conditioner(&self) -> Conditioner {
        Conditioner::Learned("H_k^-1".into())
    }

    /// `P^{-1} = H_k`, the two-loop matrix of the pairs kept: column `j` is the recursion applied to the
    /// unit vector `e_j` (the identity before the first pair).
    fn preconditioner(&self, st: &LbfgsState) -> Option<Formed> {
        let n = st.grad.len();
        let mut h = faer::Mat::zeros(n, n);
        let (mut e, mut col, mut alpha) = (vec![0.0; n], vec![0.0; n], vec![0.0; self.memory]);
        let p = &st.memory;
        for j in 0..n {
            e[j] = 1.0;
            two_loop(
                &e, &p.s, &p.y, &p.rho, &mut alpha, p.newest, p.len, &mut col,
            );
            e[j] = 0.0;
            for (i, v) in col.iter().enumerate() {
                h[(i, j)] = -v;
            }
        }
        for j in 0..n {
            for i in 0..j {
                let v = 0.5 * (h[(i, j)] + h[(j, i)]);
                h[(i, j)] = v;
                h[(j, i)] = v;
            }
        }
        Some(Formed::new(
            format!("H_k^-1 ({} of {} pairs)", st.memory.len, self.memory),
            Preconditioner::DenseInverse(h),
        ))
    }

    fn anatomy(&self) -> Option<Anatomy> {
        let m = Param {
            name: "m",
            value: self.memory as u64,
        };
        Some(Anatomy::new(
            "low-rank history",
            Footprint::none()
                .with_param(2, m, Size::Vector, Part::History, "secant pairs")
                .plus(descent::footprint::<StrongWolfe>()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::Mat;

    fn parse(s: &str) -> Result<Lbfgs, ParamError> {
        crate::optimizers::parse_checked::<LbfgsConfig>(s, PARAMS)
    }

    #[test]
    fn two_loop_equals_the_dense_bfgs_recursion() {
        // Independent arithmetic: H_{i+1} = (I - rho s y') H_i (I - rho y s') + rho s s' from
        // H_0 = gamma I, formed densely, applied to g, against the two-loop result.
        let n = 4;
        let pairs: [([f64; 4], [f64; 4]); 3] = [
            ([1.0, 0.5, -0.2, 0.1], [2.0, 0.3, -0.1, 0.4]),
            ([-0.3, 1.0, 0.2, 0.0], [-0.2, 1.5, 0.1, 0.3]),
            ([0.1, -0.4, 0.8, 0.5], [0.3, -0.2, 1.2, 0.9]),
        ];
        let g = [0.7, -1.1, 0.4, 2.0];
        let m = 3;
        let (mut s, mut y, mut rho) = (vec![0.0; m * n], vec![0.0; m * n], vec![0.0; m]);
        for (i, (si, yi)) in pairs.iter().enumerate() {
            s[i * n..(i + 1) * n].copy_from_slice(si);
            y[i * n..(i + 1) * n].copy_from_slice(yi);
            rho[i] = 1.0 / dot(si, yi);
        }
        let mut d = vec![0.0; n];
        two_loop(&g, &s, &y, &rho, &mut vec![0.0; m], m - 1, m, &mut d);

        let (s_last, y_last) = pairs[m - 1];
        let gamma = dot(&s_last, &y_last) / dot(&y_last, &y_last);
        let mut h = Mat::<f64>::identity(n, n) * faer::Scale(gamma);
        for (si, yi) in &pairs {
            let r = 1.0 / dot(si, yi);
            let v =
                Mat::<f64>::from_fn(n, n, |a, b| f64::from(u8::from(a == b)) - r * yi[a] * si[b]);
            let ss = Mat::<f64>::from_fn(n, n, |a, b| r * si[a] * si[b]);
            h = v.transpose() * &h * &v + ss;
        }
        for i in 0..n {
            let hg: f64 = (0..n).map(|j| h[(i, j)] * g[j]).sum();
            // Both sides are sums of O(m n) products of entries of size <= 2: 64 ulps covers their rounding.
            assert!(
                (d[i] + hg).abs() <= 64.0 * f64::EPSILON * (1.0 + hg.abs()),
                "component {i}: {:e} vs {:e}",
                d[i],
                -hg
            );
        }
        // The secant equation of the newest pair: H y = s.
        let hy: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| h[(i, j)] * y_last[j]).sum())
            .collect();
        for i in 0..n {
            // The secant equation holds exactly in exact arithmetic; the dense products round as above.
            assert!((hy[i] - s_last[i]).abs() <= 64.0 * f64::EPSILON);
        }
        // And H is positive definite, as it must be when every s'y > 0.
        assert!(h.llt(faer::Side::Lower).is_ok());
    }

    #[test]
    fn bad_values_name_their_key() {
        for (s, key) in [
            ("memory = 0", "memory"),
            ("c1 = 0.95", "c1"),
            ("c1 = 0.4\nc2 = 0.3", "c2"),
            ("c2 = 1.5", "c2"),
            ("c1 = -1", "c1"),
            ("m = 5", "m"),
        ] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
    }
}
