//! The memory a method holds, stated once: a [`Footprint`] is a sum of symbolic terms (`k` vectors of `n`
//! numbers, `m` pairs of vectors, an `n x n` matrix, the squares of layer factors, a solver's workspace),
//! from which both the bytes at a given size ([`Footprint::need`], the pre-flight of [`crate::memory`]) and
//! the formula a reader sees ([`Footprint::formula`], the museum table's memory column) are derived, so that
//! the two cannot drift apart.
//!
//! A footprint states the floats a method holds between steps beyond the iterate: its state, as the
//! counting allocator measures it after the first step ([`crate::alloc`]), up to the fixed size of the state
//! structure itself.

use crate::memory::{MemoryNeed, bytes};

/// The numbers a matrix column of `rows` numbers holds: faer pads every column to a multiple of 8 (a SIMD
/// register line), so a `rows x cols` matrix holds `padded(rows) x cols` numbers.
pub fn padded(rows: usize) -> usize {
    rows.div_ceil(8).saturating_mul(8)
}

/// How a term grows with the problem.
#[derive(Debug, Clone, Copy)]
pub enum Size {
    /// `n` numbers: a vector of the dimension.
    Vector,
    /// `n` numbers held as one matrix column (a faer `Mat` of one column, a `Col` or a `Diag`), [`padded`];
    /// written `n` in the formula, as a vector.
    Column,
    /// `n` numbers held as the layers' weight matrices (`g_l x a_l` each, so each column is [`padded`]);
    /// written `n` in the formula, as a vector.
    Weights,
    /// `n^2` numbers: a dense `n x n` matrix.
    Matrix,
    /// `sum_l (a_l^2 + g_l^2)` numbers: one `a_l x a_l` and one `g_l x g_l` matrix per layer, `a_l` the
    /// layer's inputs (with its bias input), `g_l` its outputs.
    LayerSquares,
    /// `N sum_l (a_l + g_l (1 + K))` numbers: per-sample layer inputs, gradients and back-propagated Fisher
    /// columns of `N` samples (`K` the output Fisher's rank).
    PerSample,
    /// A solver's workspace, in bytes at dimension `n`, named for the formula.
    Workspace {
        /// What the workspace is for (`the eigensolver's`).
        name: &'static str,
        /// Its bytes at dimension `n`.
        bytes: fn(usize) -> u64,
    },
    /// A solver's workspace for the largest layer factor, in bytes at its side `max_l max(a_l, g_l)`, named
    /// for the formula.
    LayerWorkspace {
        /// What the workspace is for (`Cholesky inverse`).
        name: &'static str,
        /// Its bytes for a factor of side `k`.
        bytes: fn(usize) -> u64,
    },
}

/// Sizes are equal when they are the same kind; workspaces when they have the same name (what they are for
/// says how they grow).
impl PartialEq for Size {
    fn eq(&self, other: &Size) -> bool {
        match (self, other) {
            (Size::Workspace { name: a, .. }, Size::Workspace { name: b, .. })
            | (Size::LayerWorkspace { name: a, .. }, Size::LayerWorkspace { name: b, .. }) => {
                a == b
            }
            (
                Size::Vector | Size::Column | Size::Weights,
                Size::Vector | Size::Column | Size::Weights,
            ) => true,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for Size {}

impl Size {
    /// The rank of this size in a formula: larger sizes are written first.
    fn order(&self) -> u8 {
        match self {
            Size::Matrix => 0,
            Size::LayerSquares => 1,
            Size::PerSample => 2,
            Size::Vector | Size::Column | Size::Weights => 3,
            Size::Workspace { .. } | Size::LayerWorkspace { .. } => 4,
        }
    }

    /// The symbol of one unit of this size (`n`, `n^2`, ...).
    fn symbol(&self) -> String {
        match self {
            Size::Vector | Size::Column | Size::Weights => "n".into(),
            Size::Matrix => "n^2".into(),
            Size::LayerSquares => "sum_l (a_l^2 + g_l^2)".into(),
            Size::PerSample => "N sum_l (a_l + g_l (1 + K))".into(),
            Size::Workspace { name, .. } => format!("{name} workspace"),
            Size::LayerWorkspace { name, .. } => format!("{name} workspace of the largest factor"),
        }
    }
}

/// Which part of a [`MemoryNeed`] a term counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Buffers of the dimension (gradients, directions, trial points).
    Data,
    /// A dense Hessian or its approximation.
    Hessian,
    /// Factorisations, decompositions and their workspace.
    Factors,
    /// History kept across iterations (pairs, moments, averages).
    History,
}

/// A named hyperparameter that multiplies a term (`m = 5` secant pairs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param {
    /// Its symbol in the formula (`m`).
    pub name: &'static str,
    /// Its value in this configuration.
    pub value: u64,
}

/// One term: `times` (times a parameter, where one is named) units of a [`Size`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The fixed multiplier.
    pub times: u64,
    /// A hyperparameter that multiplies the term too.
    pub param: Option<Param>,
    /// What one unit is.
    pub size: Size,
    /// Where the bytes count.
    pub part: Part,
    /// What it holds, for the formula (`gradient`, `secant pairs`).
    pub what: &'static str,
}

impl Term {
    /// The number of units: `times`, times the parameter's value where there is one.
    fn count(&self) -> u64 {
        self.times.saturating_mul(self.param.map_or(1, |p| p.value))
    }
}

/// The sizes of a layered model that [`Size::LayerSquares`] and [`Size::PerSample`] are measured in,
/// where the problem is one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layers {
    /// Per layer, its inputs `a_l` (the bias input included) and outputs `g_l`.
    pub shapes: Vec<(usize, usize)>,
    /// The number of samples `N`.
    pub samples: usize,
    /// The output Fisher's rank `K`.
    pub fisher_rank: usize,
}

/// The memory a method holds between steps beyond the iterate, as a sum of [`Term`]s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Footprint {
    terms: Vec<Term>,
}

impl Footprint {
    /// Nothing held (a step taken in place).
    pub fn none() -> Footprint {
        Footprint::default()
    }

    /// The terms, in the order they were stated.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Adds `times` units of `size`, counted in `part`, holding `what`.
    pub fn with(mut self, times: u64, size: Size, part: Part, what: &'static str) -> Footprint {
        self.terms.push(Term {
            times,
            param: None,
            size,
            part,
            what,
        });
        self
    }

    /// Adds `times * param` units of `size` (`2m` vectors of secant pairs).
    pub fn with_param(
        mut self,
        times: u64,
        param: Param,
        size: Size,
        part: Part,
        what: &'static str,
    ) -> Footprint {
        self.terms.push(Term {
            times,
            param: Some(param),
            size,
            part,
            what,
        });
        self
    }

    /// `times` vectors of `n`, as [`Part::Data`] (a method's buffers).
    pub fn vectors(self, times: u64, what: &'static str) -> Footprint {
        self.with(times, Size::Vector, Part::Data, what)
    }

    /// Both footprints' terms.
    pub fn plus(mut self, other: Footprint) -> Footprint {
        self.terms.extend(other.terms);
        self
    }

    /// The bytes at dimension `n`, part by part, with the layer sizes where the problem has layers; a
    /// layer term counts nothing without them (its size is not known before the problem is built). Matrices
    /// are counted as faer holds them, each column [`padded`].
    pub fn need_with(&self, n: usize, layers: Option<&Layers>) -> MemoryNeed {
        let mut need = MemoryNeed::default();
        for t in &self.terms {
            let b = match t.size {
                Size::Vector => bytes(t.count(), n as u64),
                Size::Column => bytes(t.count(), padded(n) as u64),
                Size::Weights => match layers {
                    Some(l) => {
                        let sum: u64 = l.shapes.iter().map(|&(a, g)| (padded(g) * a) as u64).sum();
                        bytes(t.count(), sum)
                    }
                    None => bytes(t.count(), n as u64),
                },
                Size::Matrix => bytes(t.count(), (padded(n) as u64).saturating_mul(n as u64)),
                Size::LayerSquares => layers.map_or(0, |l| {
                    let sum: u64 = l
                        .shapes
                        .iter()
                        .map(|&(a, g)| (padded(a) * a + padded(g) * g) as u64)
                        .sum();
                    bytes(t.count(), sum)
                }),
                Size::PerSample => layers.map_or(0, |l| {
                    let sum: u64 = l
                        .shapes
                        .iter()
                        .map(|&(a, g)| (padded(a) + padded(g) * (1 + l.fisher_rank)) as u64)
                        .sum();
                    bytes(t.count(), sum.saturating_mul(l.samples as u64))
                }),
                Size::Workspace { bytes: of, .. } => of(n).saturating_mul(t.count()),
                Size::LayerWorkspace { bytes: of, .. } => layers.map_or(0, |l| {
                    let side = l.shapes.iter().map(|&(a, g)| a.max(g)).max().unwrap_or(0);
                    of(side).saturating_mul(t.count())
                }),
            };
            let slot = match t.part {
                Part::Data => &mut need.data,
                Part::Hessian => &mut need.hessian,
                Part::Factors => &mut need.factors,
                Part::History => &mut need.history,
            };
            *slot = slot.saturating_add(b);
        }
        need
    }

    /// The bytes at dimension `n` without layer sizes (see [`Footprint::need_with`]).
    pub fn need(&self, n: usize) -> MemoryNeed {
        self.need_with(n, None)
    }

    /// The formula in `n` and the named parameters, largest terms first, with what each holds:
    /// `2mn + 3n with m = 5 (secant pairs; gradient, direction, trial point)`; `0` for nothing held.
    pub fn formula(&self) -> String {
        // Like terms (same size, same parameter) are added; the order of first statement is kept within a rank.
        let mut groups: Vec<(Size, Option<&'static str>, u64, Vec<&'static str>)> = Vec::new();
        let mut terms: Vec<&Term> = self.terms.iter().collect();
        terms.sort_by_key(|t| (t.size.order(), t.param.is_none()));
        for t in terms {
            let name = t.param.map(|p| p.name);
            match groups
                .iter_mut()
                .find(|(s, p, ..)| *s == t.size && *p == name)
            {
                Some(g) => {
                    g.2 += t.times;
                    g.3.push(t.what);
                }
                None => groups.push((t.size, name, t.times, vec![t.what])),
            }
        }
        if groups.is_empty() {
            return "0".into();
        }
        let sum = groups
            .iter()
            .map(|(size, param, times, _)| {
                let coefficient = match (times, param) {
                    (1, None) => String::new(),
                    (t, None) => t.to_string(),
                    (1, Some(p)) => (*p).to_string(),
                    (t, Some(p)) => format!("{t}{p}"),
                };
                let symbol = size.symbol();
                match (coefficient.is_empty(), symbol.contains(' ')) {
                    (true, _) => symbol,
                    (false, false) => format!("{coefficient}{symbol}"),
                    (false, true) => format!("{coefficient} {symbol}"),
                }
            })
            .collect::<Vec<_>>()
            .join(" + ");
        let mut params: Vec<String> = Vec::new();
        for p in self.terms.iter().filter_map(|t| t.param) {
            let text = format!("{} = {}", p.name, p.value);
            if !params.contains(&text) {
                params.push(text);
            }
        }
        let with = if params.is_empty() {
            String::new()
        } else {
            format!(" with {}", params.join(", "))
        };
        let what = groups
            .iter()
            .map(|g| g.3.join(", "))
            .collect::<Vec<_>>()
            .join("; ");
        format!("{sum}{with} ({what})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(value: u64) -> Param {
        Param { name: "m", value }
    }

    #[test]
    fn formula_and_bytes_come_from_the_same_terms() {
        let f = Footprint::none()
            .with_param(2, m(5), Size::Vector, Part::History, "secant pairs")
            .vectors(2, "gradient, direction")
            .vectors(1, "trial point");
        assert_eq!(
            f.formula(),
            "2mn + 3n with m = 5 (secant pairs; gradient, direction, trial point)"
        );
        // 2 * 5 + 3 = 13 vectors of 100 floats.
        assert_eq!(f.need(100).total(), 13 * 100 * 8);
        assert_eq!(f.need(100).history, 10 * 100 * 8);
        assert_eq!(Footprint::none().formula(), "0");
        assert_eq!(Footprint::none().need(1000).total(), 0);
    }

    #[test]
    fn matrices_and_layers_count_their_squares() {
        let f = Footprint::none()
            .with(2, Size::Matrix, Part::Hessian, "Hessian, factor")
            .with(1, Size::LayerSquares, Part::Factors, "factors")
            .vectors(1, "gradient");
        assert_eq!(
            f.formula(),
            "2n^2 + sum_l (a_l^2 + g_l^2) + n (Hessian, factor; factors; gradient)"
        );
        let layers = Layers {
            shapes: vec![(3, 2), (5, 1)],
            samples: 10,
            fisher_rank: 1,
        };
        // Every matrix column is padded to 8 numbers: 2 * (8 * 6) + (8 * 3 + 8 * 2 + 8 * 5 + 8 * 1) + 6 floats.
        assert_eq!(f.need_with(6, Some(&layers)).total(), (96 + 88 + 6) * 8);
        assert_eq!(f.need(6).total(), (96 + 6) * 8, "no layers, no layer term");
        let per_sample = Footprint::none().with(1, Size::PerSample, Part::Data, "statistics");
        // N (a + 2 g) per layer with K = 1, each column padded: 10 * ((8 + 16) + (8 + 16)).
        assert_eq!(per_sample.need_with(0, Some(&layers)).total(), 10 * 48 * 8);
        // At multiples of 8 nothing is padded: 2 * 64 floats for n = 8.
        assert_eq!(f.need(8).total(), (128 + 8) * 8);
    }

    #[test]
    fn columns_and_weights_are_padded_and_written_n() {
        let f = Footprint::none()
            .with(1, Size::Column, Part::Data, "right-hand side")
            .with(1, Size::Weights, Part::Factors, "G^-1 grad W")
            .vectors(2, "gradient, direction");
        assert_eq!(
            f.formula(),
            "4n (right-hand side, G^-1 grad W, gradient, direction)"
        );
        // n = 13: a column of 16; weights of a 3 x 5 and a 1 x 2 layer (13 numbers), columns of 8.
        let layers = Layers {
            shapes: vec![(5, 3), (2, 1)],
            samples: 1,
            fisher_rank: 1,
        };
        assert_eq!(
            f.need_with(13, Some(&layers)).total(),
            (16 + (8 * 5 + 8 * 2) + 26) * 8
        );
        assert_eq!(f.need(13).total(), (16 + 13 + 26) * 8, "no layers: n");
    }
}
