//! The `Problem` trait: what an objective function offers to the harness.
//!
//! A problem is one *instance* of a family, its parameters fixed. It evaluates values and gradients through
//! plain slices, may offer second-order information ([`SecondOrder`]) and the layer structure K-FAC needs
//! ([`Layered`]), and carries its ground truth: the known optimum and curvature bounds where they are known. Optimizers never see a `Problem` directly; they
//! go through the counting [`Oracle`](crate::oracle::Oracle).

pub mod critical;
pub mod stochastic;

use faer::Mat;
use serde::{Deserialize, Serialize};

/// An objective function `f: R^n -> R` with its exact derivatives and ground truth.
pub trait Problem: Send + Sync {
    /// The dimension `n` of the search space.
    fn dim(&self) -> usize;

    /// The value `f(x)`.
    fn value(&self, x: &[f64]) -> f64;

    /// Writes the gradient of `f` at `x` into `g` (length `n`).
    fn gradient(&self, x: &[f64], g: &mut [f64]);

    /// Writes the gradient into `g` and returns the value; override to share work between the two.
    fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
        self.gradient(x, g);
        self.value(x)
    }

    /// Second-order information (Hessian-vector products, the dense Hessian), where the family offers it.
    fn second_order(&self) -> Option<&dyn SecondOrder> {
        None
    }

    /// The layer structure of a model trained by this objective, where it is one ([`Layered`]).
    fn layered(&self) -> Option<&dyn Layered> {
        None
    }

    /// Minibatch values and gradients ([`stochastic::Stochastic`]), where the family draws them: used when
    /// the instance sets `batch_size`.
    fn stochastic(&self) -> Option<&dyn stochastic::Stochastic> {
        None
    }

    /// The point every run of this instance starts from, unless the config asks for a random start.
    fn standard_start(&self) -> Vec<f64>;

    /// The global minimum, where it is known.
    fn optimum(&self) -> Option<Optimum> {
        None
    }

    /// Global curvature bounds `mu I <= H(x) <= L I`, where they are known.
    fn curvature(&self) -> Option<Curvature> {
        None
    }

    /// The documented critical points (location, value and Hessian inertia), where the family documents
    /// them; locations may be rounded (see [`newton_polish`](crate::problems::critical::newton_polish)).
    fn critical_points(&self) -> Vec<critical::CriticalPoint> {
        Vec::new()
    }

    /// What this built problem offers, where only building it tells (an external problem process states it
    /// in its `hello`); `None`: what its family declared before building ([`Capabilities`]) holds.
    fn offers(&self) -> Option<Capabilities> {
        None
    }

    /// A fault that made this problem's answers meaningless (an external problem process that crashed, hung
    /// or answered garbage), where one happened: the run is then `failed` with this message.
    fn fault(&self) -> Option<String> {
        None
    }
}

/// Exact second derivatives of a problem.
pub trait SecondOrder: Send + Sync {
    /// Writes the Hessian-vector product `H(x) v` into `out`.
    fn hvp(&self, x: &[f64], v: &[f64], out: &mut [f64]);

    /// Writes the dense Hessian `H(x)` into `h`, an `n x n` matrix.
    fn hessian(&self, x: &[f64], h: &mut Mat<f64>);
}

/// A known global minimum: its value and, where known, a minimiser.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// The minimum value `f*`.
    pub value: f64,
    /// A global minimiser `x*`, where known.
    pub point: Option<Vec<f64>>,
}

/// Which parts of a problem's global minimum are known ([`Problem::optimum`]): what the stop rule's ground-truth
/// tests need (`f_tol` the value `f*`, `x_rtol` a minimiser `x*`). Families declare it without building an
/// instance ([`crate::problems::FamilyConfig::known_optimum`]), so that a stop rule that can never fire is
/// refused before anything runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KnownOptimum {
    /// The minimum value `f*` is known.
    pub value: bool,
    /// A global minimiser `x*` is known.
    pub point: bool,
}

impl KnownOptimum {
    /// Both `f*` and `x*` known.
    pub const BOTH: KnownOptimum = KnownOptimum {
        value: true,
        point: true,
    };
    /// `f*` known, no minimiser (several, a continuum, or none published).
    pub const VALUE: KnownOptimum = KnownOptimum {
        value: true,
        point: false,
    };
    /// Neither known.
    pub const NONE: KnownOptimum = KnownOptimum {
        value: false,
        point: false,
    };

    /// What `optimum` (as [`Problem::optimum`] returns it) holds.
    pub fn of(optimum: Option<&Optimum>) -> KnownOptimum {
        KnownOptimum {
            value: optimum.is_some(),
            point: optimum.is_some_and(|o| o.point.is_some()),
        }
    }
}

/// Global curvature bounds of a problem: `mu I <= H(x) <= L I` for every `x`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Curvature {
    /// Strong convexity `mu` (the smallest Hessian eigenvalue; 0 when merely convex).
    pub mu: f64,
    /// Smoothness `L` (the largest Hessian eigenvalue).
    pub lipschitz: f64,
}

impl Curvature {
    /// The condition number `kappa = L / mu` (infinite when `mu = 0`).
    pub fn kappa(&self) -> f64 {
        self.lipschitz / self.mu
    }
}

/// What an instance offers, known before it is built: the runner matches it against what an optimizer needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// A dense Hessian.
    pub hessian: bool,
    /// Hessian-vector products.
    pub hvp: bool,
    /// Global curvature bounds `mu` and `L`.
    pub curvature: bool,
    /// Layer structure: K-FAC's Kronecker factors ([`Layered`]).
    #[serde(default)]
    pub layers: bool,
    /// Exact values and gradients. A problem has them unless its instance draws minibatches
    /// (`batch_size`); a method that compares values (a line search) needs them.
    #[serde(default)]
    pub exact: bool,
}

impl Capabilities {
    /// A closed-form function of its own (no data, no layers, no known curvature bounds): exact values and
    /// gradients, Hessian-vector products and the dense Hessian.
    pub const ANALYTIC: Capabilities = Capabilities {
        hessian: true,
        hvp: true,
        curvature: false,
        layers: false,
        exact: true,
    };

    /// Nothing beyond values and gradients, which may be minibatch estimates: what most optimizers need.
    pub const NONE: Capabilities = Capabilities {
        hessian: false,
        hvp: false,
        curvature: false,
        layers: false,
        exact: false,
    };

    /// Exact values and gradients only: what a method that compares values (a line search) needs.
    pub const EXACT: Capabilities = Capabilities {
        exact: true,
        ..Capabilities::NONE
    };

    /// A layered model trained on a data set (a network): exact values and gradients, Hessian-vector
    /// products, the dense Hessian and the layer structure K-FAC needs; no known curvature bounds.
    pub const NETWORK: Capabilities = Capabilities {
        layers: true,
        ..Capabilities::ANALYTIC
    };

    /// A closed-form function whose curvature bounds `mu` and `L` are known (a quadratic): all of
    /// [`Capabilities::ANALYTIC`] and the bounds.
    pub const BOUNDED: Capabilities = Capabilities {
        curvature: true,
        ..Capabilities::ANALYTIC
    };

    /// A network whose curvature bounds are known (a linear or convex model): all of
    /// [`Capabilities::NETWORK`] and the bounds.
    pub const BOUNDED_NETWORK: Capabilities = Capabilities {
        curvature: true,
        ..Capabilities::NETWORK
    };

    /// Each capability with its name, in the order listings and messages give them, and what its absence
    /// means where the name alone does not say it.
    fn each(&self) -> [(bool, &'static str, &'static str); 5] {
        [
            (self.hessian, "a dense Hessian", "a dense Hessian"),
            (
                self.hvp,
                "Hessian-vector products",
                "Hessian-vector products",
            ),
            (
                self.curvature,
                "known curvature bounds (mu, L)",
                "known curvature bounds (mu, L)",
            ),
            (
                self.layers,
                "layer structure (K-FAC factors)",
                "layer structure (K-FAC factors)",
            ),
            (
                self.exact,
                "exact values and gradients",
                "exact values and gradients (this instance draws minibatches, batch_size)",
            ),
        ]
    }

    /// The names of the capabilities `self` holds, or an empty list.
    pub fn names(&self) -> Vec<&'static str> {
        self.each()
            .into_iter()
            .filter_map(|(has, name, _)| has.then_some(name))
            .collect()
    }

    /// The capabilities `needed` asks for that `self` lacks, as names, or an empty list.
    pub fn missing(&self, needed: &Capabilities) -> Vec<&'static str> {
        needed
            .each()
            .into_iter()
            .zip(self.each())
            .filter_map(|((need, _, lacking), (has, ..))| (need && !has).then_some(lacking))
            .collect()
    }
}

/// One layer's weight matrix `W_l` (`outputs x inputs`) and where it sits in the parameter vector `x`.
///
/// Layout: `W_l` fills `x[offset .. offset + outputs * inputs]` **row-major**, `W_l[i][j] =
/// x[offset + i * inputs + j]`, and the layers follow each other in order. With `bias`, the last input is
/// the constant 1, so the last column of `W_l` holds the biases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerShape {
    /// Rows of `W_l`: the layer's pre-activations `s = W_l a`.
    pub outputs: usize,
    /// Columns of `W_l`: the layer's inputs `a`, the constant-1 bias input included.
    pub inputs: usize,
    /// Whether the last input is the constant 1.
    pub bias: bool,
    /// The index in `x` of `W_l[0][0]`.
    pub offset: usize,
}

/// The structure K-FAC needs (Martens and Grosse 2015): an objective `f(x) = (1/N) sum_n l(z_n, y_n) +
/// (l2/2) ||x||^2` over `N` samples, where `z_n` is the output of a stack of layers `s_l = W_l a_{l-1}`,
/// `a_l = phi(s_l)`, and `l(z, y) = -log p(y | z)` for a predictive distribution `p` (squared loss:
/// a unit Gaussian; cross-entropy: the softmax).
///
/// At a point `x` the model writes, per layer, its samples' inputs `a_n` and two kinds of back-propagated
/// pre-activation gradients into [`LayerStats`], from which [`KfacFactors`] forms
/// `A_l = E[a a']` and `G_l = E[g g']`, so that the Fisher block of layer `l` is approximated by `A_l (x) G_l`
/// for the column-major `vec(W_l)`, that is `G_l (x) A_l` in the row-major layout of `x` ([`LayerShape`]).
pub trait Layered: Send + Sync {
    /// The layers, in order; their matrices tile `x` exactly.
    fn shapes(&self) -> &[LayerShape];

    /// The number of samples `N`.
    fn samples(&self) -> usize;

    /// `K`, the number of columns of a square root `R R' = F_z` of the output Fisher `F_z =
    /// E_{y ~ p(.|z)}[grad_z l grad_z l']`: the output dimension (`F_z = I` for the squared loss, `F_z =
    /// diag(p) - p p'` for the softmax).
    fn fisher_rank(&self) -> usize;

    /// The ridge coefficient `l2` of `f`; the statistics describe the data term only, the ridge adds `l2 I`
    /// to the curvature (K-FAC adds it to its damping; Martens and Grosse 2015, section 6.2).
    fn l2(&self) -> f64 {
        0.0
    }

    /// Writes the per-sample statistics at `x` into `stats` (allocated by [`LayerStats::new`]).
    fn statistics(&self, x: &[f64], stats: &mut LayerStats);
}

/// Per-sample statistics of a [`Layered`] model at one point, per layer `l` (sample `n`, Fisher column `k`):
/// - `inputs[l]`, `inputs x N`: column `n` is the layer input `a_n` (with its trailing 1 when `bias`);
/// - `grads[l]`, `outputs x N`: column `n` is `g_n = d l(z_n, y_n) / d s_n`, so that the gradient of the data
///   term is `grad W_l = (1/N) sum_n g_n a_n' = E[g a']`;
/// - `fisher[l]`, `outputs x (K N)`: column `k N + n` is `J_n' R_n e_k`, the `k`-th column of the output
///   Fisher's square root back-propagated to `s_l` (`J_n = d z_n / d s_n`), so that `G_l = E[g g']` with `g`
///   drawn from the model's own predictive distribution is exactly `(1/N) sum of their outer products`.
///   Martens and Grosse draw one `y ~ p(.|z)` per sample; the exact expectation keeps runs deterministic.
#[derive(Debug, Clone)]
pub struct LayerStats {
    /// Layer inputs, `inputs x N` per layer.
    pub inputs: Vec<Mat<f64>>,
    /// Pre-activation gradients of the samples' losses, `outputs x N` per layer.
    pub grads: Vec<Mat<f64>>,
    /// Back-propagated columns of the output Fisher's square root, `outputs x (K N)` per layer.
    pub fisher: Vec<Mat<f64>>,
}

impl LayerStats {
    /// Zeroed buffers of the right sizes for `model`.
    pub fn new(model: &dyn Layered) -> Self {
        let (n, k) = (model.samples(), model.fisher_rank());
        let shapes = model.shapes();
        LayerStats {
            inputs: shapes.iter().map(|s| Mat::zeros(s.inputs, n)).collect(),
            grads: shapes.iter().map(|s| Mat::zeros(s.outputs, n)).collect(),
            fisher: shapes
                .iter()
                .map(|s| Mat::zeros(s.outputs, k * n))
                .collect(),
        }
    }
}

/// K-FAC's Kronecker factors of every layer, `A_l = (1/N) sum_n a_n a_n'` (`inputs x inputs`) and
/// `G_l = (1/N) sum_{n,k} (J_n' R_n e_k)(J_n' R_n e_k)'` (`outputs x outputs`), with the statistics they
/// come from. Filled by [`Oracle::kfac_factors`](crate::oracle::Oracle::kfac_factors).
#[derive(Debug, Clone)]
pub struct KfacFactors {
    /// The layers.
    pub shapes: Vec<LayerShape>,
    /// The ridge coefficient of the objective ([`Layered::l2`]).
    pub l2: f64,
    /// The per-sample statistics the factors were formed from.
    pub stats: LayerStats,
    /// `A_l`, per layer.
    pub a: Vec<Mat<f64>>,
    /// `G_l`, per layer.
    pub g: Vec<Mat<f64>>,
}

impl KfacFactors {
    /// Zeroed buffers of the right sizes for `model`.
    pub fn new(model: &dyn Layered) -> Self {
        let shapes = model.shapes().to_vec();
        KfacFactors {
            l2: model.l2(),
            stats: LayerStats::new(model),
            a: shapes
                .iter()
                .map(|s| Mat::zeros(s.inputs, s.inputs))
                .collect(),
            g: shapes
                .iter()
                .map(|s| Mat::zeros(s.outputs, s.outputs))
                .collect(),
            shapes,
        }
    }

    /// Computes the statistics of `model` at `x` and forms the factors from them.
    pub fn compute(&mut self, model: &dyn Layered, x: &[f64]) {
        use faer::linalg::matmul::matmul;
        model.statistics(x, &mut self.stats);
        let inv_n = 1.0 / model.samples() as f64;
        let s = &self.stats;
        for (l, (a, g)) in self.a.iter_mut().zip(self.g.iter_mut()).enumerate() {
            let (ai, fi) = (&s.inputs[l], &s.fisher[l]);
            matmul(
                a,
                faer::Accum::Replace,
                ai,
                ai.transpose(),
                inv_n,
                faer::Par::Seq,
            );
            matmul(
                g,
                faer::Accum::Replace,
                fi,
                fi.transpose(),
                inv_n,
                faer::Par::Seq,
            );
        }
    }
}
