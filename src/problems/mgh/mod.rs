//! `mgh`: the 35 unconstrained test problems of Moré, Garbow and Hillstrom, as nonlinear least squares.
//!
//! Source: J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing Unconstrained Optimization Software",
//! ACM Transactions on Mathematical Software 7(1), 1981, pp. 17-41 (the paper), with the authors' Fortran of
//! the same set (MINPACK-1 and ACM Algorithm 566) resolving its misprints: the `|y_i - x_2|` of the Gulf
//! function and the starting point `(25, 5, -5, -1)` of Brown and Dennis.
//!
//! Every problem is `f(x) = sum_{i=1}^m r_i(x)^2` with residuals `r: R^n -> R^m` written out exactly, as are
//! their Jacobian `J` and second derivatives, so the derivatives of `f` are exact:
//! `grad f = 2 J' r` and `H = 2 (J' J + sum_i r_i Hess(r_i))` (Gauss-Newton part plus second-order part).
//!
//! Keys: `problem` (required, the paper's name in kebab-case), `dim` and `m` where the paper lets them vary
//! (a fixed size may be given, and must then equal it). Sizes the paper leaves free default to the sizes of
//! the authors' own test drivers (Gulf `m = 99`, Box `m = 10`, Jennrich-Sampson `m = 10`, Brown-Dennis
//! `m = 20`, Biggs `m = 13`, Watson `n = 6`) or, for the problems of variable dimension, to `n = 10` (12 for
//! the extended Powell function, whose `n` is a multiple of 4), a size at which the paper publishes `f*` for
//! penalty I, penalty II and Chebyquad. Sizes are capped at [`MAX_SIZE`] because the Jacobian is held dense.
//!
//! | # | `problem` | n | m | published minimum |
//! |---|---|---|---|---|
//! | 1 | `rosenbrock` | 2 | 2 | 0 at (1, 1) |
//! | 2 | `freudenstein-roth` | 2 | 2 | 0 at (5, 4); local 48.9842... |
//! | 3 | `powell-badly-scaled` | 2 | 2 | 0 at (1.098...e-5, 9.106...) |
//! | 4 | `brown-badly-scaled` | 2 | 3 | 0 at (1e6, 2e-6) |
//! | 5 | `beale` | 2 | 3 | 0 at (3, 0.5) |
//! | 6 | `jennrich-sampson` | 2 | m >= 2 (10) | 124.362... at x1 = x2 = 0.2578... (m = 10) |
//! | 7 | `helical-valley` | 3 | 3 | 0 at (1, 0, 0) |
//! | 8 | `bard` | 3 | 15 | 8.21487...e-3; 17.4286... at (0.8406..., -inf, -inf) |
//! | 9 | `gaussian` | 3 | 15 | 1.12793...e-8 |
//! | 10 | `meyer` | 3 | 16 | 87.9458... |
//! | 11 | `gulf` | 3 | 3 <= m <= 100 (99) | 0 at (50, 25, 1.5) |
//! | 12 | `box-3d` | 3 | m >= 3 (10) | 0 at (1, 10, 1), (10, 1, -1) and on x1 = x2, x3 = 0 |
//! | 13 | `powell-singular` | 4 | 4 | 0 at the origin |
//! | 14 | `wood` | 4 | 6 | 0 at (1, 1, 1, 1) |
//! | 15 | `kowalik-osborne` | 4 | 11 | 3.07505...e-4; 1.02734...e-3 at infinity |
//! | 16 | `brown-dennis` | 4 | m >= 4 (20) | 85822.2... (m = 20) |
//! | 17 | `osborne-1` | 5 | 33 | 5.46489...e-5 |
//! | 18 | `biggs-exp6` | 6 | m >= 6 (13) | 0 at (1, 10, 1, 5, 4, 3); local 5.65565...e-3 (m = 13) |
//! | 19 | `osborne-2` | 11 | 65 | 4.01377...e-2 |
//! | 20 | `watson` | 2..=31 (6) | 31 | 2.28767...e-3 (n = 6), 1.39976...e-6 (9), 4.72238...e-10 (12) |
//! | 21 | `extended-rosenbrock` | even (10) | n | 0 at (1, ..., 1) |
//! | 22 | `extended-powell-singular` | 4k (12) | n | 0 at the origin |
//! | 23 | `penalty-1` | n (10) | n + 1 | 2.24997...e-5 (n = 4), 7.08765...e-5 (n = 10) |
//! | 24 | `penalty-2` | n (10) | 2n | 9.37629...e-6 (n = 4), 2.93660...e-4 (n = 10) |
//! | 25 | `variably-dimensioned` | n (10) | n + 2 | 0 at (1, ..., 1) |
//! | 26 | `trigonometric` | n (10) | n | 0 |
//! | 27 | `brown-almost-linear` | n (10) | n | 0 at (1, ..., 1) and others; local 1 |
//! | 28 | `discrete-boundary-value` | n (10) | n | 0 |
//! | 29 | `discrete-integral-equation` | n (10) | n | 0 |
//! | 30 | `broyden-tridiagonal` | n (10) | n | 0 |
//! | 31 | `broyden-banded` | n (10) | n | 0 |
//! | 32 | `linear-full-rank` | n (10) | m >= n (2n) | m - n at (-1, ..., -1) |
//! | 33 | `linear-rank-1` | n (10) | m >= n (2n) | m (m - 1) / (2 (2m + 1)) on a hyperplane |
//! | 34 | `linear-rank-1-zero-columns-rows` | n >= 3 (10) | m >= n (2n) | (m^2 + 3m - 6) / (2 (2m - 3)) on a hyperplane |
//! | 35 | `chebyquad` | n (10) | m >= n (n) | 0 for m = n <= 7 and 9; 3.51687...e-3 (8); 6.50395...e-3 (10) |
//!
//! Where the paper gives only some digits of `f*`, [`Optimum::value`] carries the digits of an independent
//! high-precision solve, which the tests check against the paper's digits and against a Newton solve on this
//! module's own derivatives. A minimiser is given where it is isolated and known; where the paper gives
//! several, a continuum or none, the problem's doc comment says so and `point` is `None`.
//!
//! The groups of problems live in [`classic`] (small algebraic problems), [`fitting`] (data fitting),
//! [`variable`] (variable dimension, 20-27) and [`systems`] (nonlinear and linear systems, 28-35).

use faer::Mat;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::params::declare::{Derive, KeyType};
use crate::params::{ParamDoc, ParamError};
use crate::problem::{Optimum, Problem, SecondOrder};

pub mod classic;
pub mod fitting;
pub mod systems;
pub mod variable;

/// The largest `dim` and `m` accepted: the Jacobian is held as a dense `m x n` matrix, so `1000 x 1000`
/// (8 MB per evaluation) is the size beyond which a dense representation stops being reasonable.
pub const MAX_SIZE: usize = 1000;

/// The keys of `mgh`.
pub const PARAMS: &[ParamDoc] = MghConfig::PARAMS;

/// Residuals `r: R^n -> R^m` with their exact first and second derivatives: one problem of the set.
pub trait Residuals: Send + Sync {
    /// Writes `r(x)` into `r` (length `m`).
    fn residuals(&self, x: &[f64], r: &mut [f64]);

    /// Writes the nonzero entries of the Jacobian `J(x)` (`m x n`, row `i` the gradient of `r_i`) into `j`,
    /// which the caller has zeroed.
    fn jacobian(&self, x: &[f64], j: &mut Mat<f64>);

    /// Adds `sum_i w_i Hess(r_i)(x)` to `h` (`n x n`, both triangles).
    fn add_hessians(&self, x: &[f64], w: &[f64], h: &mut Mat<f64>);

    /// The paper's standard starting point.
    fn start(&self) -> Vec<f64>;

    /// The published minimum, where known.
    fn optimum(&self) -> Option<Optimum>;
}

/// How many variables a problem takes.
#[derive(Debug, Clone, Copy)]
pub enum Dim {
    /// Exactly this many.
    Fixed(usize),
    /// Any multiple of `step` in `[min, max]`.
    Free {
        /// Used when `dim` is not given.
        default: usize,
        /// Smallest accepted.
        min: usize,
        /// Largest accepted.
        max: usize,
        /// `n` must be a multiple of this.
        step: usize,
    },
}

/// How many residuals a problem has.
#[derive(Debug, Clone, Copy)]
pub enum Rows {
    /// Exactly this many.
    Fixed(usize),
    /// A function of `n`, spelled out in `rule`.
    Derived {
        /// `m` from `n`.
        of: fn(usize) -> usize,
        /// The rule in words, for messages.
        rule: &'static str,
    },
    /// Any `m` in `[max(min, n), max]`.
    Free {
        /// Used when `m` is not given, as a function of `n`.
        default: fn(usize) -> usize,
        /// Smallest accepted (and never below `n`).
        min: usize,
        /// Largest accepted.
        max: usize,
    },
}

/// One problem of the set: its name, its number in the paper, its sizes and its constructor.
pub struct Entry {
    /// The `problem` key's value.
    pub name: &'static str,
    /// The number in the paper.
    pub number: usize,
    /// Number of variables.
    pub dim: Dim,
    /// Number of residuals.
    pub rows: Rows,
    /// Builds the residuals for `(n, m)`, both checked.
    pub build: fn(usize, usize) -> Box<dyn Residuals>,
}

fn same(n: usize) -> usize {
    n
}
fn twice(n: usize) -> usize {
    2 * n
}
fn plus_one(n: usize) -> usize {
    n + 1
}
fn plus_two(n: usize) -> usize {
    n + 2
}
fn ten(_: usize) -> usize {
    10
}

/// A free dimension defaulting to 10.
const FREE_N: Dim = Dim::Free {
    default: 10,
    min: 1,
    max: MAX_SIZE,
    step: 1,
};

/// `m = n`.
const SQUARE: Rows = Rows::Derived {
    of: same,
    rule: "m = n",
};

/// Every problem, in the paper's order.
pub const PROBLEMS: &[Entry] = &[
    Entry {
        name: "rosenbrock",
        number: 1,
        dim: Dim::Fixed(2),
        rows: Rows::Fixed(2),
        build: |_, _| Box::new(classic::Rosenbrock),
    },
    Entry {
        name: "freudenstein-roth",
        number: 2,
        dim: Dim::Fixed(2),
        rows: Rows::Fixed(2),
        build: |_, _| Box::new(classic::FreudensteinRoth),
    },
    Entry {
        name: "powell-badly-scaled",
        number: 3,
        dim: Dim::Fixed(2),
        rows: Rows::Fixed(2),
        build: |_, _| Box::new(classic::PowellBadlyScaled),
    },
    Entry {
        name: "brown-badly-scaled",
        number: 4,
        dim: Dim::Fixed(2),
        rows: Rows::Fixed(3),
        build: |_, _| Box::new(classic::BrownBadlyScaled),
    },
    Entry {
        name: "beale",
        number: 5,
        dim: Dim::Fixed(2),
        rows: Rows::Fixed(3),
        build: |_, _| Box::new(classic::Beale),
    },
    Entry {
        name: "jennrich-sampson",
        number: 6,
        dim: Dim::Fixed(2),
        rows: Rows::Free {
            default: ten,
            min: 2,
            max: MAX_SIZE,
        },
        build: |_, m| Box::new(fitting::JennrichSampson { m }),
    },
    Entry {
        name: "helical-valley",
        number: 7,
        dim: Dim::Fixed(3),
        rows: Rows::Fixed(3),
        build: |_, _| Box::new(classic::HelicalValley),
    },
    Entry {
        name: "bard",
        number: 8,
        dim: Dim::Fixed(3),
        rows: Rows::Fixed(15),
        build: |_, _| Box::new(fitting::Bard),
    },
    Entry {
        name: "gaussian",
        number: 9,
        dim: Dim::Fixed(3),
        rows: Rows::Fixed(15),
        build: |_, _| Box::new(fitting::Gaussian),
    },
    Entry {
        name: "meyer",
        number: 10,
        dim: Dim::Fixed(3),
        rows: Rows::Fixed(16),
        build: |_, _| Box::new(fitting::Meyer),
    },
    Entry {
        name: "gulf",
        number: 11,
        dim: Dim::Fixed(3),
        rows: Rows::Free {
            default: |_| 99,
            min: 3,
            max: 100,
        },
        build: |_, m| Box::new(fitting::Gulf { m }),
    },
    Entry {
        name: "box-3d",
        number: 12,
        dim: Dim::Fixed(3),
        rows: Rows::Free {
            default: ten,
            min: 3,
            max: MAX_SIZE,
        },
        build: |_, m| Box::new(fitting::Box3d { m }),
    },
    Entry {
        name: "powell-singular",
        number: 13,
        dim: Dim::Fixed(4),
        rows: Rows::Fixed(4),
        build: |_, _| Box::new(classic::PowellSingular),
    },
    Entry {
        name: "wood",
        number: 14,
        dim: Dim::Fixed(4),
        rows: Rows::Fixed(6),
        build: |_, _| Box::new(classic::Wood),
    },
    Entry {
        name: "kowalik-osborne",
        number: 15,
        dim: Dim::Fixed(4),
        rows: Rows::Fixed(11),
        build: |_, _| Box::new(fitting::KowalikOsborne),
    },
    Entry {
        name: "brown-dennis",
        number: 16,
        dim: Dim::Fixed(4),
        rows: Rows::Free {
            default: |_| 20,
            min: 4,
            max: MAX_SIZE,
        },
        build: |_, m| Box::new(fitting::BrownDennis { m }),
    },
    Entry {
        name: "osborne-1",
        number: 17,
        dim: Dim::Fixed(5),
        rows: Rows::Fixed(33),
        build: |_, _| Box::new(fitting::Osborne1),
    },
    Entry {
        name: "biggs-exp6",
        number: 18,
        dim: Dim::Fixed(6),
        rows: Rows::Free {
            default: |_| 13,
            min: 6,
            max: MAX_SIZE,
        },
        build: |_, m| Box::new(fitting::BiggsExp6 { m }),
    },
    Entry {
        name: "osborne-2",
        number: 19,
        dim: Dim::Fixed(11),
        rows: Rows::Fixed(65),
        build: |_, _| Box::new(fitting::Osborne2),
    },
    Entry {
        name: "watson",
        number: 20,
        dim: Dim::Free {
            default: 6,
            min: 2,
            max: 31,
            step: 1,
        },
        rows: Rows::Fixed(31),
        build: |n, _| Box::new(variable::Watson { n }),
    },
    Entry {
        name: "extended-rosenbrock",
        number: 21,
        dim: Dim::Free {
            default: 10,
            min: 2,
            max: MAX_SIZE,
            step: 2,
        },
        rows: SQUARE,
        build: |n, _| Box::new(variable::ExtendedRosenbrock { n }),
    },
    Entry {
        name: "extended-powell-singular",
        number: 22,
        dim: Dim::Free {
            default: 12,
            min: 4,
            max: MAX_SIZE,
            step: 4,
        },
        rows: SQUARE,
        build: |n, _| Box::new(variable::ExtendedPowellSingular { n }),
    },
    Entry {
        name: "penalty-1",
        number: 23,
        dim: FREE_N,
        rows: Rows::Derived {
            of: plus_one,
            rule: "m = n + 1",
        },
        build: |n, _| Box::new(variable::Penalty1 { n }),
    },
    Entry {
        name: "penalty-2",
        number: 24,
        dim: FREE_N,
        rows: Rows::Derived {
            of: twice,
            rule: "m = 2n",
        },
        build: |n, _| Box::new(variable::Penalty2 { n }),
    },
    Entry {
        name: "variably-dimensioned",
        number: 25,
        dim: FREE_N,
        rows: Rows::Derived {
            of: plus_two,
            rule: "m = n + 2",
        },
        build: |n, _| Box::new(variable::VariablyDimensioned { n }),
    },
    Entry {
        name: "trigonometric",
        number: 26,
        dim: FREE_N,
        rows: SQUARE,
        build: |n, _| Box::new(variable::Trigonometric { n }),
    },
    Entry {
        name: "brown-almost-linear",
        number: 27,
        dim: FREE_N,
        rows: SQUARE,
        build: |n, _| Box::new(variable::BrownAlmostLinear { n }),
    },
    Entry {
        name: "discrete-boundary-value",
        number: 28,
        dim: FREE_N,
        rows: SQUARE,
        build: |n, _| Box::new(systems::DiscreteBoundaryValue { n }),
    },
    Entry {
        name: "discrete-integral-equation",
        number: 29,
        dim: FREE_N,
        rows: SQUARE,
        build: |n, _| Box::new(systems::DiscreteIntegralEquation { n }),
    },
    Entry {
        name: "broyden-tridiagonal",
        number: 30,
        dim: FREE_N,
        rows: SQUARE,
        build: |n, _| Box::new(systems::BroydenTridiagonal { n }),
    },
    Entry {
        name: "broyden-banded",
        number: 31,
        dim: FREE_N,
        rows: SQUARE,
        build: |n, _| Box::new(systems::BroydenBanded { n }),
    },
    Entry {
        name: "linear-full-rank",
        number: 32,
        dim: FREE_N,
        rows: Rows::Free {
            default: twice,
            min: 1,
            max: MAX_SIZE,
        },
        build: |n, m| Box::new(systems::LinearFullRank { n, m }),
    },
    Entry {
        name: "linear-rank-1",
        number: 33,
        dim: FREE_N,
        rows: Rows::Free {
            default: twice,
            min: 1,
            max: MAX_SIZE,
        },
        build: |n, m| Box::new(systems::LinearRank1 { n, m }),
    },
    Entry {
        name: "linear-rank-1-zero-columns-rows",
        number: 34,
        dim: Dim::Free {
            default: 10,
            min: 3,
            max: MAX_SIZE,
            step: 1,
        },
        rows: Rows::Free {
            default: twice,
            min: 3,
            max: MAX_SIZE,
        },
        build: |n, m| Box::new(systems::LinearRank1ZeroColumnsRows { n, m }),
    },
    Entry {
        name: "chebyquad",
        number: 35,
        dim: FREE_N,
        rows: Rows::Free {
            default: same,
            min: 1,
            max: MAX_SIZE,
        },
        build: |n, m| Box::new(systems::Chebyquad { n, m }),
    },
];

/// Looks a problem up by its `problem` name.
pub fn entry(name: &str) -> Option<&'static Entry> {
    PROBLEMS.iter().find(|e| e.name == name)
}

/// Every problem's name, in the paper's order: the words the `problem` key accepts, read off [`PROBLEMS`].
pub static NAMES: [&str; PROBLEMS.len()] = {
    let mut names = [""; PROBLEMS.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = PROBLEMS[i].name;
        i += 1;
    }
    names
};

/// The `problem` key: one problem of [`PROBLEMS`], by name. A name that is not one of [`NAMES`] is refused
/// when the config is read, with the names and a suggestion.
#[derive(Clone, Copy)]
pub struct ProblemName(&'static Entry);

impl ProblemName {
    /// The problem called `name`, if there is one.
    pub fn new(name: &str) -> Option<ProblemName> {
        entry(name).map(ProblemName)
    }

    /// The problem's entry.
    pub fn entry(self) -> &'static Entry {
        self.0
    }

    /// The problem's name.
    pub fn name(self) -> &'static str {
        self.0.name
    }
}

/// The first problem: only the placeholder of the required key, since a table without `problem` is
/// refused when read.
impl Default for ProblemName {
    fn default() -> Self {
        ProblemName(&PROBLEMS[0])
    }
}

impl std::fmt::Debug for ProblemName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.name())
    }
}

impl PartialEq for ProblemName {
    fn eq(&self, other: &Self) -> bool {
        self.0.number == other.0.number
    }
}

impl Eq for ProblemName {}

impl KeyType for ProblemName {}

impl Serialize for ProblemName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ProblemName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        ProblemName::new(&name).ok_or_else(|| serde::de::Error::unknown_variant(&name, &NAMES))
    }
}

crate::declare_params! {
    /// The parameters of `mgh`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct MghConfig {
        /// the problem's name in the paper, kebab-case, one of 35: "rosenbrock", "watson", "chebyquad", ... (a name that is not one of them is answered with all 35)
        problem: ProblemName = required,
        /// number of variables n, where the problem lets it vary (a fixed n may be given and must match)
        dim: Option<usize> = derived("the problem's"),
        /// number of residuals m, where the problem lets it vary (a fixed or derived m may be given and must match)
        m: Option<usize> = derived("the problem's"),
    }
}

/// The problem's sizes where not given, once they are valid: a run's parameters record its sizes, so that
/// spelling out a default size never changes a run id.
impl Derive for MghConfig {
    fn derived(&self) -> Self {
        match self.resolve() {
            Ok((_, n, m)) => MghConfig {
                problem: self.problem,
                dim: Some(n),
                m: Some(m),
            },
            Err(_) => self.clone(),
        }
    }
}

impl MghConfig {
    /// The problem's entry with its checked sizes `(n, m)`, defaults filled in.
    pub fn resolve(&self) -> Result<(&'static Entry, usize, usize), ParamError> {
        let e = self.problem.entry();
        let p = e.name;
        let n = match e.dim {
            Dim::Fixed(k) => match self.dim {
                Some(d) if d != k => {
                    return Err(ParamError::key(
                        "dim",
                        format!("`dim` is fixed at {k} for problem \"{p}\", got {d}"),
                    ));
                }
                _ => k,
            },
            Dim::Free {
                default,
                min,
                max,
                step,
            } => {
                let d = self.dim.unwrap_or(default);
                if d < min || d > max || !d.is_multiple_of(step) {
                    let multiple = if step > 1 {
                        format!(", a multiple of {step}")
                    } else {
                        String::new()
                    };
                    return Err(ParamError::key(
                        "dim",
                        format!(
                            "`dim` for problem \"{p}\" must be in [{min}, {max}]{multiple}, got {d}"
                        ),
                    ));
                }
                d
            }
        };
        let m = match e.rows {
            Rows::Fixed(k) => match self.m {
                Some(g) if g != k => {
                    return Err(ParamError::key(
                        "m",
                        format!("`m` is fixed at {k} for problem \"{p}\", got {g}"),
                    ));
                }
                _ => k,
            },
            Rows::Derived { of, rule } => {
                let k = of(n);
                match self.m {
                    Some(g) if g != k => {
                        return Err(ParamError::key(
                            "m",
                            format!("problem \"{p}\" has {rule}, so `m` must be {k}, got {g}"),
                        ));
                    }
                    _ => k,
                }
            }
            Rows::Free { default, min, max } => {
                let g = self.m.unwrap_or(default(n));
                let lo = min.max(n);
                if g < lo || g > max {
                    return Err(ParamError::key(
                        "m",
                        format!(
                            "`m` for problem \"{p}\" with n = {n} must be in [{lo}, {max}], got {g}"
                        ),
                    ));
                }
                g
            }
        };
        Ok((e, n, m))
    }
}

impl super::FamilyConfig for MghConfig {
    fn check(&self) -> Result<(), ParamError> {
        self.resolve().map(|_| ())
    }

    /// As the problem's published minimum says for these sizes (some are published for a few `n` only): the
    /// residuals are built (a few numbers; no random draw), not the instance.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        let (e, n, m) = self.resolve().ok()?;
        Some(crate::problem::KnownOptimum::of(
            (e.build)(n, m).optimum().as_ref(),
        ))
    }

    fn build(&self, _rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        let (e, n, m) = self.resolve().map_err(|e| e.message)?;
        Ok(Box::new(Mgh::new(e, n, m)))
    }
}

/// An instance of `mgh`: `f(x) = sum_i r_i(x)^2` over one problem's residuals.
///
/// Curvature bounds are not offered: the Hessians of the nonlinear problems are unbounded.
pub struct Mgh {
    name: &'static str,
    n: usize,
    m: usize,
    residuals: Box<dyn Residuals>,
}

impl Mgh {
    /// The problem of `entry` with `n` variables and `m` residuals (sizes as checked by [`MghConfig`]).
    pub fn new(entry: &Entry, n: usize, m: usize) -> Mgh {
        Mgh {
            name: entry.name,
            n,
            m,
            residuals: (entry.build)(n, m),
        }
    }

    /// The problem's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The number of residuals `m`.
    pub fn rows(&self) -> usize {
        self.m
    }

    /// The residuals `r(x)`.
    pub fn residuals(&self, x: &[f64]) -> Vec<f64> {
        let mut r = vec![0.0; self.m];
        self.residuals.residuals(x, &mut r);
        r
    }

    /// The Jacobian `J(x)`, `m x n`.
    pub fn jacobian(&self, x: &[f64]) -> Mat<f64> {
        let mut j = Mat::zeros(self.m, self.n);
        self.residuals.jacobian(x, &mut j);
        j
    }

    /// The second-order part `S(x) = sum_i r_i(x) Hess(r_i)(x)`, `n x n`.
    fn second_order_part(&self, x: &[f64], r: &[f64]) -> Mat<f64> {
        let mut s = Mat::zeros(self.n, self.n);
        self.residuals.add_hessians(x, r, &mut s);
        s
    }
}

/// `f = sum_i r_i^2`, added in order: the one sum behind `value` and `value_and_gradient`, so both give the
/// same value to the bit.
fn sum_of_squares(r: &[f64]) -> f64 {
    r.iter().map(|ri| ri * ri).sum()
}

impl Problem for Mgh {
    fn dim(&self) -> usize {
        self.n
    }

    fn value(&self, x: &[f64]) -> f64 {
        sum_of_squares(&self.residuals(x))
    }

    fn gradient(&self, x: &[f64], g: &mut [f64]) {
        self.value_and_gradient(x, g);
    }

    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        let r = self.residuals(x);
        let j = self.jacobian(x);
        for (k, gk) in g.iter_mut().enumerate() {
            let col = j.col(k);
            *gk = 2.0 * (0..self.m).map(|i| col[i] * r[i]).sum::<f64>();
        }
        sum_of_squares(&r)
    }

    fn second_order(&self) -> Option<&dyn SecondOrder> {
        Some(self)
    }

    fn standard_start(&self) -> Vec<f64> {
        self.residuals.start()
    }

    fn optimum(&self) -> Option<Optimum> {
        self.residuals.optimum()
    }
}

impl SecondOrder for Mgh {
    /// `H v = 2 (J' (J v) + S v)`.
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]) {
        let r = self.residuals(x);
        let j = self.jacobian(x);
        let s = self.second_order_part(x, &r);
        let mut jv = vec![0.0; self.m];
        for (k, vk) in v.iter().enumerate() {
            let col = j.col(k);
            for (i, jvi) in jv.iter_mut().enumerate() {
                *jvi += col[i] * vk;
            }
        }
        for (k, ok) in out.iter_mut().enumerate() {
            let (jcol, scol) = (j.col(k), s.col(k));
            let gauss_newton: f64 = (0..self.m).map(|i| jcol[i] * jv[i]).sum();
            let second: f64 = (0..self.n).map(|i| scol[i] * v[i]).sum();
            *ok = 2.0 * (gauss_newton + second);
        }
    }

    /// `H = 2 (J' J + S)`.
    fn hessian(&self, x: &[f64], h: &mut Mat<f64>) {
        let r = self.residuals(x);
        let j = self.jacobian(x);
        let s = self.second_order_part(x, &r);
        let jtj = j.transpose() * &j;
        for c in 0..self.n {
            for i in 0..self.n {
                h[(i, c)] = 2.0 * (jtj[(i, c)] + s[(i, c)]);
            }
        }
    }
}

/// Adds `w * a b'` and, unless `a == b`, `w * b a'` to the `(a, b)` entries of `h`: one symmetric entry pair.
#[inline]
fn add_sym(h: &mut Mat<f64>, a: usize, b: usize, w: f64) {
    h[(a, b)] += w;
    if a != b {
        h[(b, a)] += w;
    }
}

/// Shared helpers of the problem groups' tests.
#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::testkit::build;
    use super::*;
    use crate::problems::FamilyConfig;

    fn config(problem: &str, dim: Option<usize>, m: Option<usize>) -> MghConfig {
        MghConfig {
            problem: ProblemName::new(problem).expect("a registered name"),
            dim,
            m,
        }
    }

    #[test]
    fn problems_are_the_papers_in_order() {
        let numbers: Vec<usize> = PROBLEMS.iter().map(|e| e.number).collect();
        assert_eq!(numbers, (1..=35).collect::<Vec<_>>());
        for e in PROBLEMS {
            assert!(
                e.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                e.name
            );
            assert_eq!(
                entry(e.name).map(|f| f.number),
                Some(e.number),
                "duplicate name {}",
                e.name
            );
        }
    }

    #[test]
    fn every_problem_builds_at_its_default_and_smallest_sizes() {
        for e in PROBLEMS {
            let smallest = match e.dim {
                Dim::Fixed(_) => None,
                Dim::Free { min, .. } => Some(min),
            };
            for dim in [None, smallest] {
                let c = config(e.name, dim, None);
                let (_, n, m) = c.resolve().expect("default sizes are valid");
                let p = build(e.name, dim, None);
                assert_eq!((p.dim(), p.rows()), (n, m), "{}", e.name);
                let x0 = p.standard_start();
                assert_eq!(x0.len(), n, "{}", e.name);
                assert_eq!(p.residuals(&x0).len(), m, "{}", e.name);
                assert!(p.value(&x0).is_finite(), "{}: f(x0) not finite", e.name);
                if let Some(opt) = p.optimum() {
                    assert!(opt.value >= 0.0, "{}: negative f*", e.name);
                    if let Some(x) = opt.point {
                        assert_eq!(x.len(), n, "{}", e.name);
                    }
                }
            }
        }
    }

    fn parse(text: &str) -> Result<MghConfig, ParamError> {
        let table: toml::Table = toml::from_str(text).expect("valid TOML");
        crate::params::from_table::<MghConfig>(&table, PARAMS)
    }

    #[test]
    fn invalid_values_name_their_key() {
        let e = parse("problem = \"rosenbrok\"").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("problem"));
        assert!(
            e.message.contains("did you mean `rosenbrock`")
                && e.message
                    .ends_with(&format!("expected one of: {}", NAMES.join(", "))),
            "{}",
            e.message
        );
        let e = parse("dim = 3").unwrap_err();
        assert_eq!(e.message, "missing required key `problem`");
        for (problem, dim, m, key) in [
            ("rosenbrock", Some(3), None, "dim"),
            ("bard", None, Some(16), "m"),
            ("watson", Some(1), None, "dim"),
            ("watson", Some(32), None, "dim"),
            ("extended-rosenbrock", Some(7), None, "dim"),
            ("extended-powell-singular", Some(10), None, "dim"),
            ("penalty-1", Some(0), None, "dim"),
            ("penalty-1", Some(MAX_SIZE + 1), None, "dim"),
            ("penalty-2", Some(4), Some(9), "m"),
            ("gulf", None, Some(101), "m"),
            ("gulf", None, Some(2), "m"),
            ("jennrich-sampson", None, Some(1), "m"),
            ("linear-full-rank", Some(10), Some(9), "m"),
            ("chebyquad", Some(8), Some(MAX_SIZE + 1), "m"),
            ("linear-rank-1-zero-columns-rows", Some(2), None, "dim"),
        ] {
            let err = config(problem, dim, m).check().unwrap_err();
            assert_eq!(err.key.as_deref(), Some(key), "{problem}: {}", err.message);
        }
        // A fixed size may be spelled out.
        assert!(config("bard", Some(3), Some(15)).check().is_ok());
        assert!(config("penalty-2", Some(4), Some(8)).check().is_ok());
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_valid_ones() {
        let table: toml::Table = toml::from_str("problem = \"beale\"\nn = 2").expect("valid TOML");
        let err = crate::params::from_table::<MghConfig>(&table, PARAMS).unwrap_err();
        assert_eq!(err.key.as_deref(), Some("n"));
        assert!(err.message.contains("problem, dim, m"), "{}", err.message);
    }

    #[test]
    fn the_names_are_the_tables() {
        assert_eq!(NAMES.len(), 35);
        for (name, e) in NAMES.iter().zip(PROBLEMS) {
            assert_eq!(*name, e.name);
            assert_eq!(ProblemName::new(name).map(ProblemName::name), Some(e.name));
        }
        let given = parse("problem = \"watson\"\ndim = 6\nm = 31").expect("valid");
        assert_eq!(given.problem.entry().number, 20);
        assert_eq!(given.clone().filled(), given);
        assert_eq!(
            parse("problem = \"watson\"").expect("valid").filled(),
            given
        );
    }

    #[test]
    fn parameters_record_the_resolved_sizes() {
        let json = serde_json::to_value(config("watson", None, None)).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"problem": "watson", "dim": 6, "m": 31})
        );
        let json = serde_json::to_value(config("chebyquad", Some(8), None)).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({"problem": "chebyquad", "dim": 8, "m": 8})
        );
        // The resolved form parses back to the same instance.
        let back: MghConfig = serde_json::from_value(json.clone()).expect("parses");
        assert_eq!(serde_json::to_value(back).expect("serialises"), json);
    }

    #[test]
    fn the_suite_covers_every_problem_at_its_standard_size() {
        let src = crate::config::SourceText {
            name: "test".into(),
            text: "suites = [\"mgh\"]\n[[optimizer]]\nname = \"gd\"\nstep = \"armijo\"\n".into(),
            dir: None,
        };
        let plan = crate::plan::plan(&src, "test").expect("the suite plans");
        let mut names: Vec<String> = plan
            .instances
            .iter()
            .map(|i| {
                let p = &i.params;
                let name = p["problem"].as_str().expect("a problem name").to_string();
                let default = config(&name, None, None).resolve().expect("registered");
                assert_eq!(
                    (p["dim"].as_u64(), p["m"].as_u64()),
                    (Some(default.1 as u64), Some(default.2 as u64)),
                    "{name} is not at its standard size"
                );
                name
            })
            .collect();
        names.sort();
        let mut all: Vec<String> = PROBLEMS.iter().map(|e| e.name.to_string()).collect();
        all.sort();
        assert_eq!(names, all);
    }
}
