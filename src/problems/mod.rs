//! The problem registry: family name -> documented parameters -> a checked [`Instance`].
//!
//! Adding a family is one file (its `XxxConfig` implementing [`FamilyConfig`], its problem type, its tests)
//! plus one line in [`FAMILIES`]. Two keys are common to every family and handled here: `start`
//! (`"standard"` or `"random"`) and `start_sigma` (the standard deviation of the random start's noise).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::params::{ParamDoc, ParamError};
pub use crate::problem::critical;
use crate::problem::stochastic::Population;
use crate::problem::{Capabilities, KnownOptimum, Problem};

pub mod deep_linear;
pub mod double_well;
pub mod external;
pub mod himmelblau;
pub mod least_squares;
pub mod mgh;
pub mod mlp;
pub mod monkey_saddle;
pub mod network;
pub mod nqm;
pub mod plane;
pub mod quadratic;
pub mod rosenbrock;
pub mod six_hump_camel;
pub mod softmax;
pub mod styblinski_tang;

/// A family's typed, documented parameters. `check` runs before anything is built.
pub trait FamilyConfig: DeserializeOwned + Serialize + Send + Sync + 'static {
    /// Rejects invalid values, naming the key. By default nothing to reject (a family without parameters).
    fn check(&self) -> Result<(), ParamError> {
        Ok(())
    }

    /// What the family's instances offer, declared once for the family (known without building them): the
    /// runner matches it against what an optimizer needs, and the built problems answer
    /// [`Problem::second_order`] and [`Problem::layered`] accordingly. By default
    /// [`Capabilities::ANALYTIC`]: a closed-form test function with its exact Hessian.
    const CAPABILITIES: Capabilities = Capabilities::ANALYTIC;

    /// What the instance of this config offers: the family's [`FamilyConfig::CAPABILITIES`], which a
    /// family whose parameters take a capability away (known curvature bounds of a deep linear network
    /// of depth 1 only) narrows here.
    fn capabilities(&self) -> Capabilities {
        Self::CAPABILITIES
    }

    /// Builds the instance; `rng` is seeded from the run's seed and the instance's parameters.
    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String>;

    /// Which parts of the optimum instances know (what [`Problem::optimum`] of a built instance returns),
    /// declared without building one, so that a stop rule on `f*` or `x*` that can never fire is refused
    /// before anything runs. By default `None`: not declared, and the plan builds one seed of an instance to
    /// ask it, when the stop rule needs to know. A declaration must agree with what the built instances return.
    fn known_optimum(&self) -> Option<KnownOptimum> {
        None
    }

    /// The work of building an instance, in the units of [`crate::schedule::expected_work`] (about one per
    /// floating-point operation or byte written), known without building it. By default the bytes of its
    /// data (written once); a family whose construction factorises or multiplies dense matrices says more.
    fn build_work(&self) -> f64 {
        self.memory().need.data as f64
    }

    /// How many samples instances draw minibatches from (`batch_size`); by default none: exact gradients
    /// only. A family that returns more implements [`Problem::stochastic`] on what it builds.
    fn population(&self) -> Population {
        Population::None
    }

    /// The dimension of the instance and what building it allocates (its peak), known without building it
    /// (see [`crate::memory`]). By default: the `dim` key, and four vectors of that dimension; a family that
    /// holds data, dense matrices or has no `dim` key says more.
    fn memory(&self) -> ProblemMemory {
        let dim = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.get("dim").and_then(serde_json::Value::as_u64))
            .unwrap_or(0) as usize;
        ProblemMemory {
            dim,
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4, dim as u64),
                ..Default::default()
            },
        }
    }
}

/// A problem's dimension and what building it allocates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProblemMemory {
    /// The dimension (0 where a family cannot tell).
    pub dim: usize,
    /// What building it allocates.
    pub need: crate::memory::MemoryNeed,
}

/// Parses and checks a table of a family's own keys (the second argument lists the valid keys, for
/// suggestions).
pub type ParseFn = fn(&toml::Table, &[ParamDoc]) -> Result<Box<dyn Builder>, ParamError>;

/// One registered family.
pub struct Family {
    /// The name used in configs (`family = "..."`).
    pub name: &'static str,
    /// One line for `optzoo list problems`.
    pub summary: &'static str,
    /// The family's own keys (the common `start` keys are listed in [`COMMON_PARAMS`]).
    pub params: &'static [ParamDoc],
    /// Parses and checks a table of the family's own keys.
    pub parse: ParseFn,
    /// What the family's instances offer ([`FamilyConfig::CAPABILITIES`]; an instance that draws minibatches
    /// lacks exact values, and a family may narrow it by its keys).
    pub capabilities: Capabilities,
}

impl Family {
    /// The entry of the family whose config is `C`: its parser and capabilities come from the type.
    pub const fn of<C: FamilyConfig>(
        name: &'static str,
        summary: &'static str,
        params: &'static [ParamDoc],
    ) -> Family {
        Family {
            name,
            summary,
            params,
            parse: parse_family::<C>,
            capabilities: C::CAPABILITIES,
        }
    }
}

/// The registry, sorted by name.
pub const FAMILIES: &[Family] = &[
    Family::of::<deep_linear::DeepLinearConfig>(
        "deep-linear",
        "deep linear network ||W_L ... W_1 X - Y||^2 / (2N) on a linear teacher: a saddle at 0, non-isolated minima",
        deep_linear::PARAMS,
    ),
    Family::of::<double_well::DoubleWellConfig>(
        "double-well",
        "separable quartic sum a_i x_i^2/2 + x_i^4/4 whose origin is a saddle of chosen index: saddle escape",
        double_well::PARAMS,
    ),
    Family::of::<himmelblau::HimmelblauConfig>(
        "himmelblau",
        "Himmelblau's 2-D function: four global minima, one maximum, four saddles",
        himmelblau::PARAMS,
    ),
    Family::of::<least_squares::LeastSquaresConfig>(
        "least-squares",
        "multi-output linear least squares ||W X - Y||^2 / (2N), input moment with exact condition number",
        least_squares::PARAMS,
    ),
    Family::of::<mgh::MghConfig>(
        "mgh",
        "the 35 least-squares test problems of More, Garbow and Hillstrom (1981), by name",
        mgh::PARAMS,
    ),
    Family::of::<mlp::MlpConfig>(
        "mlp",
        "teacher-student regression with a tanh multilayer perceptron (f* = 0 at the teacher)",
        mlp::PARAMS,
    ),
    Family::of::<monkey_saddle::MonkeySaddleConfig>(
        "monkey-saddle",
        "x^3 - 3 x y^2: a degenerate saddle (zero Hessian) at 0, unbounded below",
        monkey_saddle::PARAMS,
    ),
    Family::of::<nqm::NqmConfig>(
        "nqm",
        "noisy quadratic model (Zhang et al. 2019): 1/2 sum h_i x_i^2, h_i = 1/i, minibatch gradient noise of covariance C / batch_size, C = H",
        nqm::PARAMS,
    ),
    Family::of::<quadratic::QuadraticConfig>(
        "quadratic",
        "1/2 (x - x*)' A (x - x*) with an exactly controlled spectrum: lambda_max = 1, lambda_min = 1/kappa",
        quadratic::PARAMS,
    ),
    Family::of::<rosenbrock::RosenbrockConfig>(
        "rosenbrock",
        "Rosenbrock's banana valley, chained (as scipy's rosen) or as extended independent pairs",
        rosenbrock::PARAMS,
    ),
    Family::of::<six_hump_camel::SixHumpCamelConfig>(
        "six-hump-camel",
        "six-hump camel-back: six minima (two global), two maxima, seven saddles",
        six_hump_camel::PARAMS,
    ),
    Family::of::<softmax::SoftmaxConfig>(
        "softmax",
        "softmax (multinomial logistic) regression on Gaussian clusters with a small ridge",
        softmax::PARAMS,
    ),
    Family::of::<styblinski_tang::StyblinskiTangConfig>(
        "styblinski-tang",
        "separable quartic sum (x_i^4 - 16 x_i^2 + 5 x_i)/2: 3^n critical points of every index",
        styblinski_tang::PARAMS,
    ),
];

/// Keys every family accepts.
pub const COMMON_PARAMS: &[ParamDoc] = CommonKeys::PARAMS;

crate::declare_choice! {
    /// The starts `start` names.
    pub enum StartName {
        /// The family's standard start.
        Standard = "standard",
        /// The standard start plus Gaussian noise from the seed.
        Random = "random",
    }
}

crate::declare_params! {
    /// The keys every family takes, taken out of its table before the family's own keys are parsed.
    /// `batch_size` is checked against the family's population after the family is parsed.
    #[derive(Debug, Clone)]
    pub struct CommonKeys {
        /// "standard" (the family's standard start) or "random" (standard start + N(0, start_sigma^2) noise from the seed)
        start: StartName = "standard",
        /// standard deviation of the random start's noise
        start_sigma: f64 = 1.0,
        /// optimizers see minibatch gradients of this many samples, drawn from the seed (finite-sum families: 1..=N; nqm: >= 1); the stop rule and trace stay exact (absent: exact gradients)
        batch_size: Option<u64> = none,
    }
}

/// Looks a family up by name.
pub fn family(name: &str) -> Option<&'static Family> {
    FAMILIES.iter().find(|f| f.name == name)
}

/// A checked family config behind `dyn`.
pub trait Builder: Send + Sync {
    /// The config with every default filled in, as canonical JSON.
    fn params(&self) -> serde_json::Value;
    /// As [`FamilyConfig::capabilities`].
    fn capabilities(&self) -> Capabilities;
    /// As [`FamilyConfig::build`].
    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String>;
    /// As [`FamilyConfig::memory`].
    fn memory(&self) -> ProblemMemory;
    /// As [`FamilyConfig::population`].
    fn population(&self) -> Population;
    /// As [`FamilyConfig::known_optimum`].
    fn known_optimum(&self) -> Option<KnownOptimum>;
    /// As [`FamilyConfig::build_work`].
    fn build_work(&self) -> f64;
    /// Builds the instance for the run with `seed` (`rng` is seeded from it, as for [`Builder::build`]); by
    /// default [`Builder::build`]. A builder whose problem's start depends on the seed itself (an external
    /// problem process offering `start`) overrides it.
    fn build_seeded(&self, seed: u64, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        let _ = seed;
        self.build(rng)
    }
    /// Ends what the builder keeps running between runs (the processes of an external problem); called at
    /// the end of every sweep. By default nothing.
    fn release(&self) {}
}

impl<C: FamilyConfig> Builder for C {
    fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
    fn capabilities(&self) -> Capabilities {
        FamilyConfig::capabilities(self)
    }
    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        FamilyConfig::build(self, rng)
    }
    fn memory(&self) -> ProblemMemory {
        FamilyConfig::memory(self)
    }
    fn population(&self) -> Population {
        FamilyConfig::population(self)
    }
    fn known_optimum(&self) -> Option<KnownOptimum> {
        FamilyConfig::known_optimum(self)
    }
    fn build_work(&self) -> f64 {
        FamilyConfig::build_work(self)
    }
}

/// Parses a table into `C` and checks it.
pub fn parse_family<C: FamilyConfig>(
    table: &toml::Table,
    docs: &[ParamDoc],
) -> Result<Box<dyn Builder>, ParamError> {
    let config: C = crate::params::from_table(table, docs)?;
    config.check()?;
    Ok(Box::new(config))
}

/// Checks a `batch_size` value against the family's population.
fn check_batch_size(
    family: &str,
    value: &toml::Value,
    population: Population,
) -> Result<usize, ParamError> {
    let b = match value {
        toml::Value::Integer(b) if *b >= 1 => *b as usize,
        other => {
            return Err(ParamError::key(
                "batch_size",
                format!("`batch_size` must be an integer >= 1, got {other}"),
            ));
        }
    };
    match population {
        Population::None => Err(ParamError::key(
            "batch_size",
            format!(
                "`{family}` has exact gradients only: `batch_size` applies to the finite-sum families and `nqm` (see `optzoo list problems`)"
            ),
        )),
        Population::Finite(n) if b > n => Err(ParamError::key(
            "batch_size",
            format!("`batch_size` = {b} is more than the instance's {n} samples"),
        )),
        _ => Ok(b),
    }
}

/// Where a run starts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Start {
    /// The family's standard start.
    Standard,
    /// The standard start plus Gaussian noise of this standard deviation, drawn from the seed.
    Random(f64),
}

/// A family with its parameters fixed and checked: what a run is built from.
pub struct Instance {
    /// The family's name.
    pub family: &'static str,
    /// Every parameter (defaults filled in, the common start keys included), as canonical JSON.
    pub params: serde_json::Value,
    /// Where runs start.
    pub start: Start,
    /// The minibatch size optimizers' values and gradients are drawn at (`batch_size`), or `None` for exact
    /// ones (see [`crate::problem::stochastic`]).
    pub batch_size: Option<usize>,
    builder: Box<dyn Builder>,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.family, self.params)
    }
}

impl Instance {
    /// Parses a table of parameters (without `family`) for the named family.
    pub fn parse(family: &'static Family, table: &toml::Table) -> Result<Instance, ParamError> {
        Instance::parse_with(family.name, family.params, table, |own, docs| {
            (family.parse)(own, docs)
        })
    }

    /// Parses a table of parameters (without `family`) of an [`external`] problem, whose relative paths start
    /// at `dir` (the config's folder, or the current directory when `None`). Nothing is built or started.
    pub fn parse_external(
        table: &toml::Table,
        dir: Option<&std::path::Path>,
    ) -> Result<Instance, ParamError> {
        Instance::parse_with(external::NAME, external::PARAMS, table, |own, docs| {
            external::parse(own, docs, dir)
        })
    }

    /// Parses a table of parameters for the family `name` whose own keys are `params`, its own keys checked
    /// by `parse` (the common keys taken out first).
    fn parse_with(
        name: &'static str,
        params: &[ParamDoc],
        table: &toml::Table,
        parse: impl FnOnce(&toml::Table, &[ParamDoc]) -> Result<Box<dyn Builder>, ParamError>,
    ) -> Result<Instance, ParamError> {
        let mut own = table.clone();
        let mut starts = toml::Table::new();
        for key in ["start", "start_sigma"] {
            if let Some(v) = own.remove(key) {
                starts.insert(key.into(), v);
            }
        }
        let batch = own.remove("batch_size");
        let mut docs: Vec<ParamDoc> = params.to_vec();
        docs.extend_from_slice(COMMON_PARAMS);
        let builder = parse(&own, &docs)?;
        let common: CommonKeys = crate::params::from_table(&starts, COMMON_PARAMS)?;
        let sigma = common.start_sigma;
        crate::params::positive("start_sigma", sigma)?;
        let start_name = common.start.word();
        let start = match common.start {
            StartName::Random => Start::Random(sigma),
            StartName::Standard => Start::Standard,
        };
        let batch_size = batch
            .map(|v| check_batch_size(name, &v, builder.population()))
            .transpose()?;
        let mut params = builder.params();
        if let serde_json::Value::Object(map) = &mut params {
            map.insert("start".into(), start_name.into());
            if let Start::Random(s) = start {
                map.insert("start_sigma".into(), s.into());
            }
            if let Some(b) = batch_size {
                map.insert("batch_size".into(), b.into());
            }
        }
        Ok(Instance {
            family: name,
            params,
            start,
            batch_size,
            builder,
        })
    }

    /// What instances of this config offer; values and gradients are exact unless the instance draws
    /// minibatches.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            exact: self.batch_size.is_none(),
            ..self.builder.capabilities()
        }
    }

    /// The dimension and what building the instance allocates (see [`FamilyConfig::memory`]). Drawing
    /// minibatches adds the oracle's buffer for a minibatch gradient and, for a finite sum, the permutation of
    /// its samples and the buffers a minibatch is gathered into: at most the batch's share of the data again.
    pub fn memory(&self) -> ProblemMemory {
        let mut m = self.builder.memory();
        let Some(b) = self.batch_size else {
            return m;
        };
        let mut extra = crate::memory::bytes(1, m.dim as u64);
        if let Population::Finite(n) = self.builder.population()
            && n > 0
        {
            let share = (u128::from(m.need.data) * b as u128 / n as u128).min(u128::from(u64::MAX));
            extra = extra
                .saturating_add(share as u64)
                .saturating_add(crate::memory::bytes(1, n as u64));
        }
        m.need.data = m.need.data.saturating_add(extra);
        m
    }

    /// Ends what the instance keeps running between runs (see [`Builder::release`]).
    pub fn release(&self) {
        self.builder.release();
    }

    /// The work of building the instance (see [`FamilyConfig::build_work`]).
    pub fn build_work(&self) -> f64 {
        self.builder.build_work()
    }

    /// Which parts of the optimum the instance knows, as its family declares it without building
    /// ([`FamilyConfig::known_optimum`]); `None` where the family does not declare it.
    pub fn declared_optimum(&self) -> Option<KnownOptimum> {
        self.builder.known_optimum()
    }

    /// Which parts of the optimum the instance knows: as its family declares
    /// ([`FamilyConfig::known_optimum`]) or, where the family declares nothing, as the problem built for
    /// `seed` says (an error where building fails).
    pub fn known_optimum(&self, seed: u64) -> Result<KnownOptimum, String> {
        match self.declared_optimum() {
            Some(known) => Ok(known),
            None => {
                let (problem, _) = self.build(seed)?;
                Ok(KnownOptimum::of(problem.optimum().as_ref()))
            }
        }
    }

    /// A random stream for `purpose`, seeded from the run's seed and this instance's canonical parameters
    /// except `batch_size`: stable across platforms, thread counts and crate upgrades, and common to the
    /// instances of a batch-size study (common random numbers: the same seed starts at the same point and
    /// draws the same noise stream at every batch size, so that steps against batch size compare like
    /// with like).
    pub fn rng(&self, seed: u64, purpose: &str) -> ChaCha8Rng {
        let mut params = self.params.clone();
        if let serde_json::Value::Object(map) = &mut params {
            map.remove("batch_size");
        }
        let mut h = Sha256::new();
        h.update(self.family.as_bytes());
        h.update([0]);
        h.update(params.to_string().as_bytes());
        h.update([0]);
        h.update(purpose.as_bytes());
        h.update(seed.to_le_bytes());
        ChaCha8Rng::from_seed(h.finalize().into())
    }

    /// Builds the problem for `seed` and its starting point.
    pub fn build(&self, seed: u64) -> Result<(Box<dyn Problem>, Vec<f64>), String> {
        let problem = self
            .builder
            .build_seeded(seed, &mut self.rng(seed, "problem"))?;
        let mut x0 = problem.standard_start();
        if let Start::Random(sigma) = self.start {
            let mut rng = self.rng(seed, "start");
            for xi in x0.iter_mut() {
                let z: f64 = StandardNormal.sample(&mut rng);
                *xi += sigma * z;
            }
        }
        Ok((problem, x0))
    }
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        let names: Vec<&str> = FAMILIES.iter().map(|f| f.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    /// Every family's declared knowledge of its optimum equals what its built instances return, over
    /// instances where the declaration depends on the parameters; every registered family has a case.
    #[test]
    fn declared_optimum_knowledge_matches_the_built_problems() {
        let cases: &[(&str, &str)] = &[
            ("deep-linear", ""),
            ("deep-linear", "depth = 1\nsamples = 20\nin_dim = 4"),
            ("deep-linear", "depth = 1\nsamples = 3\nin_dim = 4"),
            ("double-well", "index = 0"),
            ("double-well", "index = 2"),
            ("himmelblau", ""),
            ("least-squares", "in_dim = 3\nout_dim = 2\nsamples = 10"),
            ("mgh", "problem = \"rosenbrock\""),
            ("mgh", "problem = \"watson\""),
            ("mgh", "problem = \"watson\"\ndim = 7"),
            ("mgh", "problem = \"chebyquad\"\ndim = 11"),
            ("mgh", "problem = \"box-3d\""),
            ("mlp", "widths = [2, 3, 1]\nsamples = 8"),
            ("monkey-saddle", ""),
            ("nqm", "dim = 4"),
            ("quadratic", "dim = 3\nkappa = 10\nshift = 0.5"),
            ("rosenbrock", "dim = 4"),
            ("six-hump-camel", ""),
            ("softmax", "classes = 3\nin_dim = 2\nsamples = 12"),
            ("styblinski-tang", "dim = 3"),
        ];
        let mut covered = std::collections::BTreeSet::new();
        for (name, text) in cases {
            let table: toml::Table = toml::from_str(text).expect("valid TOML");
            let inst = Instance::parse(family(name).expect("registered"), &table)
                .unwrap_or_else(|e| panic!("{name} {text}: {}", e.message));
            let declared = inst.declared_optimum();
            assert!(declared.is_some(), "{name}: a built-in family declares it");
            let (problem, _) = inst.build(0).expect("builds");
            let built = KnownOptimum::of(problem.optimum().as_ref());
            assert_eq!(declared, Some(built), "{name} {}", inst.params);
            covered.insert(*name);
        }
        let registered: std::collections::BTreeSet<&str> =
            FAMILIES.iter().map(|f| f.name).collect();
        assert_eq!(covered, registered, "every registered family needs a case");
    }

    #[test]
    fn minibatches_add_their_buffers_to_the_memory_need() {
        let parse = |text: &str| {
            let table: toml::Table = toml::from_str(text).expect("valid TOML");
            Instance::parse(family("least-squares").expect("registered"), &table).expect("valid")
        };
        let exact = parse("samples = 64").memory();
        let full = parse("samples = 64\nbatch_size = 64").memory();
        let quarter = parse("samples = 64\nbatch_size = 16").memory();
        let vectors = crate::memory::bytes(1, exact.dim as u64) + crate::memory::bytes(1, 64);
        assert_eq!(full.need.data, 2 * exact.need.data + vectors);
        assert_eq!(
            quarter.need.data,
            exact.need.data + exact.need.data / 4 + vectors
        );
    }

    #[test]
    fn random_start_depends_on_seed_only() {
        let table: toml::Table = toml::from_str("dim = 3\nstart = \"random\"").expect("valid TOML");
        let inst =
            Instance::parse(family("rosenbrock").expect("registered"), &table).expect("valid");
        let (_, a) = inst.build(1).expect("builds");
        let (_, b) = inst.build(1).expect("builds");
        let (_, c) = inst.build(2).expect("builds");
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn a_batch_size_study_starts_every_batch_size_at_the_same_point() {
        let start = |text: &str| {
            let table: toml::Table = toml::from_str(text).expect("valid TOML");
            let inst = Instance::parse(family("nqm").expect("registered"), &table).expect("valid");
            inst.build(3).expect("builds").1
        };
        let one = start("dim = 5\nstart = \"random\"\nbatch_size = 1");
        assert_eq!(one, start("dim = 5\nstart = \"random\"\nbatch_size = 64"));
        assert_eq!(one, start("dim = 5\nstart = \"random\""));
        assert_ne!(one, start("dim = 6\nstart = \"random\"")[..5]);
    }
}
