//! `bfgs`: the BFGS quasi-Newton method with a dense inverse-Hessian approximation.
//!
//! Update (Broyden 1970, Fletcher 1970, Goldfarb 1970, Shanno 1970; Nocedal and Wright 2006, Algorithm 6.1):
//! `x_{k+1} = x_k + a_k d_k`, `d_k = -H_k g_k`, with `s_k = x_{k+1} - x_k`, `y_k = g_{k+1} - g_k`,
//! `rho_k = 1/(y_k's_k)` and
//! ```text
//! H_{k+1} = (I - rho_k s_k y_k') H_k (I - rho_k y_k s_k') + rho_k s_k s_k'       (eq. 6.17)
//! ```
//! The first `H_0 = I` is rescaled to `(s'y / y'y) I` just before the first update (eq. 6.20). The step
//! satisfies the strong Wolfe conditions ([`StrongWolfe`]), tried at `a = 1` (at `1/||g||` on the first
//! iteration and after a reset), so `s'y > 0` and `H` stays positive definite; a pair with
//! `s'y <= eps ||s|| ||y||` (`eps` the machine epsilon) is skipped. If rounding makes `d` an ascent direction,
//! `H` is reset to the identity. Each iteration costs `O(n^2)` arithmetic and `n^2` memory: the same
//! curvature model as `lbfgs` with unlimited memory.
//!
//! Its keys are declared once, in [`BfgsConfig`] and the shared [`super::line_search::LineSearchKeys`]
//! (listed by `optzoo list optimizers` and in `docs/reference.md`).

use faer::Mat;

use super::OptimizerConfig;
use super::descent::{self, DescentState, Direction, Move};
use super::line_search::{LineSearchKeys, SharedKeys, StrongWolfe};
use crate::footprint::{Footprint, Part, Size};
use crate::optimizer::{Optimizer, StepError};
use crate::oracle::Oracle;
use crate::params::{ParamDoc, ParamError};
use crate::preconditioner::{Conditioner, Formed, Preconditioner};
use crate::problem::Capabilities;
use crate::theory::Anatomy;
use crate::vector::{dot, norm};

/// The keys of `bfgs`: those of the strong Wolfe search.
pub const PARAMS: &[ParamDoc] = &crate::params::declare::select::<2>(
    super::line_search::LineSearchKeys::PARAMS,
    BfgsConfig::LINE_SEARCH.keys,
);

crate::declare_params! {
    /// The parameters of `bfgs`: none of its own, the strong Wolfe keys `c1` and `c2` of
    /// [`LineSearchKeys`].
    #[derive(Debug, Clone, Copy)]
    pub struct BfgsConfig {}
}

impl OptimizerConfig for BfgsConfig {
    type Checked = Bfgs;
    const LINE_SEARCH: SharedKeys = SharedKeys {
        keys: &["c1", "c2"],
        always: true,
    };

    fn check(&self) -> Result<Bfgs, ParamError> {
        self.check_with(&LineSearchKeys::default())
    }

    fn check_with(&self, search: &LineSearchKeys) -> Result<Bfgs, ParamError> {
        let search = search.wolfe();
        search.check()?;
        Ok(Bfgs { search })
    }
}

/// BFGS with checked parameters.
#[derive(Debug, Clone, Copy)]
pub struct Bfgs {
    /// The line search.
    pub search: StrongWolfe,
}

/// The state of a `bfgs` run.
pub type BfgsState = DescentState<Inverse>;

/// The inverse-Hessian approximation of a `bfgs` run, with its update buffers.
pub struct Inverse {
    /// The inverse-Hessian approximation `H`.
    h: Mat<f64>,
    /// True once `H` has received an update (so the first-update scaling has been applied).
    updated: bool,
    s: Vec<f64>,
    y: Vec<f64>,
    hy: Vec<f64>,
}

/// `out <- H v` for a symmetric `H` (column `i` of `H` is row `i`).
fn sym_mul(h: &Mat<f64>, v: &[f64], out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = dot(h.col_as_slice(i), v);
    }
}

/// The BFGS update (eq. 6.17) of a symmetric `H` in place, expanded as
/// `H + ((s'y + y'Hy)/(s'y)^2) s s' - (Hy s' + s (Hy)')/(s'y)`; `hy` is a buffer for `H y`. Every entry is
/// computed by an expression symmetric in its indices, so `H` stays symmetric to the last bit.
pub fn bfgs_update(h: &mut Mat<f64>, s: &[f64], y: &[f64], hy: &mut [f64]) {
    let sy = dot(s, y);
    sym_mul(h, y, hy);
    let c = (sy + dot(y, hy)) / (sy * sy);
    for j in 0..s.len() {
        let (sj, hyj) = (s[j], hy[j]);
        for (i, hij) in h.col_as_slice_mut(j).iter_mut().enumerate() {
            *hij += c * (s[i] * sj) - (hy[i] * sj + s[i] * hyj) / sy;
        }
    }
}

impl Direction for Bfgs {
    type Memory = Inverse;
    type Search = StrongWolfe;

    fn line_search(&self) -> &StrongWolfe {
        &self.search
    }

    fn memory(&self, n: usize) -> Inverse {
        Inverse {
            h: Mat::identity(n, n),
            updated: false,
            s: vec![0.0; n],
            y: vec![0.0; n],
            hy: vec![0.0; n],
        }
    }

    /// `d = -H g`; none before the first update.
    fn propose(
        &self,
        inv: &mut Inverse,
        _x: &[f64],
        g: &[f64],
        d: &mut [f64],
        _oracle: &mut Oracle,
    ) -> Result<bool, StepError> {
        if !inv.updated {
            return Ok(false);
        }
        sym_mul(&inv.h, g, d);
        d.iter_mut().for_each(|v| *v = -*v);
        Ok(true)
    }

    fn restart(&self, inv: &mut Inverse) {
        inv.h.fill(0.0);
        inv.h.diagonal_mut().fill(1.0);
        inv.updated = false;
    }

    /// Updates `H` with the step's pair when `s'y > eps ||s|| ||y||`, scaling `H^0 = (s'y / y'y) I` first.
    fn accept(&self, inv: &mut Inverse, step: &Move<'_>, _d: &mut [f64]) {
        let Move {
            x,
            trial,
            g,
            g_trial,
            ..
        } = *step;
        for ((((si, yi), t), xi), (gt, gi)) in inv
            .s
            .iter_mut()
            .zip(&mut inv.y)
            .zip(trial)
            .zip(x)
            .zip(g_trial.iter().zip(g))
        {
            *si = t - xi;
            *yi = gt - gi;
        }
        let sy = dot(&inv.s, &inv.y);
        if sy > f64::EPSILON * norm(&inv.s) * norm(&inv.y) {
            if !inv.updated {
                let gamma = sy / dot(&inv.y, &inv.y);
                inv.h.diagonal_mut().fill(gamma);
                inv.updated = true;
            }
            bfgs_update(&mut inv.h, &inv.s, &inv.y, &mut inv.hy);
        }
    }
}

impl Optimizer for Bfgs {
    /// The dense inverse-Hessian approximation and a product buffer beside the vectors.
    type State = BfgsState;

    /// Exact values: the line search compares them.
    fn requires(&self) -> Capabilities {
        Capabilities::EXACT
    }

    descent::driven_steps!(BfgsState);

    fn conditioner(&self) -> Conditioner {
        Conditioner::Learned("H_k^-1 (dense)".into())
    }

    fn preconditioner(&self, st: &BfgsState) -> Option<Formed> {
        Some(Formed::new(
            "H_k^-1 (dense)",
            Preconditioner::DenseInverse(st.memory.h.clone()),
        ))
    }

    fn anatomy(&self) -> Option<Anatomy> {
        Some(Anatomy::new(
            "full inverse",
            Footprint::none()
                .with(1, Size::Matrix, Part::Hessian, "inverse Hessian")
                .with(3, Size::Vector, Part::History, "s, y, H y")
                .plus(descent::footprint::<StrongWolfe>()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Bfgs, ParamError> {
        crate::optimizers::parse_checked::<BfgsConfig>(s, PARAMS)
    }

    #[test]
    fn update_equals_the_product_form_and_meets_the_secant_equation() {
        let n = 3;
        let mut h = Mat::<f64>::from_fn(n, n, |i, j| {
            [[2.0, 0.3, -0.1], [0.3, 1.5, 0.2], [-0.1, 0.2, 0.8]][i][j]
        });
        let s = [0.4, -0.2, 1.0];
        let y = [1.1, -0.1, 0.7];
        let rho = 1.0 / dot(&s, &y);
        // Independent arithmetic: (I - rho s y') H (I - rho y s') + rho s s' as dense products.
        let left =
            Mat::<f64>::from_fn(n, n, |i, j| f64::from(u8::from(i == j)) - rho * s[i] * y[j]);
        let expected =
            &left * &h * left.transpose() + Mat::<f64>::from_fn(n, n, |i, j| rho * s[i] * s[j]);
        bfgs_update(&mut h, &s, &y, &mut [0.0; 3]);
        for i in 0..n {
            for j in 0..n {
                // Entries of size <= 3 through two 3 x 3 products: a few ulps each, 32 in all is ample.
                assert!(
                    (h[(i, j)] - expected[(i, j)]).abs() <= 32.0 * f64::EPSILON,
                    "({i}, {j}): {:e} vs {:e}",
                    h[(i, j)],
                    expected[(i, j)]
                );
                assert_eq!(h[(i, j)], h[(j, i)], "symmetric to the last bit");
            }
        }
        let mut hy = [0.0; 3];
        sym_mul(&h, &y, &mut hy);
        for i in 0..n {
            // H y = s holds exactly in exact arithmetic; the rounding is that of the update and the product.
            assert!(
                (hy[i] - s[i]).abs() <= 32.0 * f64::EPSILON,
                "H y = s: {:e}",
                hy[i]
            );
        }
    }

    #[test]
    fn bad_values_name_their_key() {
        for (s, key) in [("c1 = 0", "c1"), ("c2 = 1", "c2"), ("memory = 3", "memory")] {
            assert_eq!(parse(s).unwrap_err().key.as_deref(), Some(key), "{s}");
        }
        assert!(parse("c2 = 0.5").is_ok());
    }
}
