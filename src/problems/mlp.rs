//! `mlp`: teacher-student regression with a `tanh` multilayer perceptron.
//!
//! `widths = [d_0, d_1, ..., d_L]` gives `L` layers, `W_l` of shape `d_l x (d_{l-1} + 1)` (the last column is
//! the bias), row-major and in order in `x` (see [`LayerShape`](crate::problem::LayerShape)); the hidden
//! layers are `tanh`, the output is linear. The objective is the mean squared error against a teacher of the
//! same shape, `f(x) = (1/(2N)) sum_n ||net_x(u_n) - net_T(u_n)||^2`, with inputs `u_n ~ N(0, I)`.
//!
//! From the run's seed, in this order: the inputs, the teacher `T` and the standard start, both with every
//! entry of `W_l` (bias included) drawn from `N(0, 1/(d_{l-1} + 1))` (LeCun's scaling, so that
//! pre-activations are of order one and `tanh` is neither linear nor saturated).
//!
//! Ground truth: `f* = 0`, attained at the teacher. No minimiser is reported: the teacher is one of many.
//! Permuting the hidden units of a layer, or flipping the sign of one unit's incoming weights and bias
//! together with its outgoing weights (`tanh` is odd), gives the same function, so an optimizer that
//! converges reaches one of these copies at an arbitrary distance from `T`; and when the parameter count
//! exceeds `N d_L`, the minimisers form a manifold. No global curvature bounds exist (the Hessian is
//! indefinite away from the minimisers).
//!
//! Minibatches: `f` is the mean of the `N` samples' losses `||net_x(u_n) - net_T(u_n)||^2 / 2`, and a
//! minibatch `S` gives the mean over `S` ([`FiniteSum`](crate::problem::stochastic::FiniteSum)).

use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::network::{Loss, Network, shapes};
use crate::params::declare::{Declared, KeyType};
use crate::params::{ParamDoc, ParamError};
use crate::problem::stochastic::Population;
use crate::problem::{Capabilities, Optimum, Problem};

/// The keys of `mlp`.
pub const PARAMS: &[ParamDoc] = MlpConfig::PARAMS;

crate::declare_params! {
    /// The parameters of `mlp`.
    #[derive(Debug, Clone)]
    pub struct MlpConfig {
        /// layer widths [d_0, ..., d_L], at least two, each >= 1; a list-valued key, so a config writes a list of lists: widths = [[4, 8, 2]]
        widths: Widths = [4, 8, 2],
        /// samples N >= 1
        samples: usize = 64,
    }
}

/// The `widths` key: the layer widths `[d_0, ..., d_L]`, input first. It reads a list of whole numbers,
/// and explains the list-of-lists rule when a grid has unpacked the list into numbers; `check` asks for at
/// least two widths, each at least 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Widths(pub Vec<usize>);

impl std::ops::Deref for Widths {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        &self.0
    }
}

impl<const N: usize> Declared<[usize; N]> for Widths {
    fn declared(literal: [usize; N]) -> Self {
        Widths(literal.to_vec())
    }
    fn filled(self, _literal: [usize; N]) -> Self {
        self
    }
}

impl KeyType for Widths {}

impl Serialize for Widths {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Widths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(d)?;
        let toml::Value::Array(items) = &value else {
            return Err(serde::de::Error::custom(format!(
                "expected a list of layer widths, got {value}; in a config a list-valued key is written \
                 as a list of lists (each inner list is one grid point): widths = [[4, 8, 2]]"
            )));
        };
        items
            .iter()
            .map(|item| {
                item.as_integer()
                    .and_then(|w| usize::try_from(w).ok())
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!(
                            "every layer width is a whole number >= 1, got {item} in {value}"
                        ))
                    })
            })
            .collect::<Result<Vec<usize>, D::Error>>()
            .map(Widths)
    }
}

impl MlpConfig {
    /// The network with its standard start, and the teacher's parameters, drawn from `rng`.
    fn generate(&self, rng: &mut ChaCha8Rng) -> (Network, Vec<f64>) {
        let w = &self.widths;
        let data = faer::Mat::from_fn(w[0], self.samples, |_, _| StandardNormal.sample(&mut *rng));
        let layers = shapes(w, true);
        let mut draw = || -> Vec<f64> {
            layers
                .iter()
                .flat_map(|s| {
                    let sd = 1.0 / (s.inputs as f64).sqrt();
                    (0..s.outputs * s.inputs)
                        .map(|_| {
                            let z: f64 = StandardNormal.sample(&mut *rng);
                            sd * z
                        })
                        .collect::<Vec<f64>>()
                })
                .collect()
        };
        let teacher = draw();
        let start = draw();
        // The targets are the teacher's outputs, computed by the same network code.
        let out = w[w.len() - 1];
        let probe = Network::new(
            w,
            true,
            data.clone(),
            Loss::Squared(faer::Mat::zeros(out, self.samples)),
            0.0,
            start.clone(),
        );
        let targets = probe.outputs(&teacher);
        let net =
            Network::new(w, true, data, Loss::Squared(targets), 0.0, start).with_optimum(Optimum {
                value: 0.0,
                point: None,
            });
        (net, teacher)
    }
}

impl super::FamilyConfig for MlpConfig {
    /// `f* = 0` (at the teacher); the minimisers are not isolated (hidden units permute), so no `x*`.
    fn known_optimum(&self) -> Option<crate::problem::KnownOptimum> {
        Some(crate::problem::KnownOptimum::VALUE)
    }

    /// The parameters (teacher, start and the network's copies: four vectors of them) and the data, targets
    /// and activations (three numbers per unit and sample).
    fn memory(&self) -> super::ProblemMemory {
        let params: u64 = self
            .widths
            .windows(2)
            .map(|w| (w[0] as u64 + 1).saturating_mul(w[1] as u64))
            .fold(0, u64::saturating_add);
        let units: u64 = self
            .widths
            .iter()
            .map(|w| *w as u64)
            .fold(0, u64::saturating_add);
        super::ProblemMemory {
            dim: usize::try_from(params).unwrap_or(usize::MAX),
            need: crate::memory::MemoryNeed {
                data: crate::memory::bytes(4, params).saturating_add(crate::memory::bytes(
                    3,
                    units.saturating_mul(self.samples as u64),
                )),
                ..Default::default()
            },
        }
    }

    fn check(&self) -> Result<(), ParamError> {
        if self.widths.len() < 2 || self.widths.contains(&0) {
            return Err(ParamError::key(
                "widths",
                format!(
                    "`widths` needs at least two entries (input and output), each >= 1, got {:?}",
                    self.widths.0
                ),
            ));
        }
        if self.samples == 0 {
            return Err(ParamError::key(
                "samples",
                "`samples` must be at least 1, got 0",
            ));
        }
        Ok(())
    }

    const CAPABILITIES: Capabilities = Capabilities::NETWORK;

    fn build(&self, rng: &mut ChaCha8Rng) -> Result<Box<dyn Problem>, String> {
        Ok(Box::new(self.generate(rng).0))
    }

    /// Minibatches of the `samples` inputs and the teacher's outputs.
    fn population(&self) -> Population {
        Population::Finite(self.samples)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::stochastic::FiniteSum;
    use crate::problem::{KfacFactors, Layered, SecondOrder};
    use crate::problems::FamilyConfig;
    use crate::problems::testing::{assert_derivatives, assert_finite_sum, fd_tol};
    use faer::Mat;
    use proptest::prelude::*;
    use rand::SeedableRng;

    fn config(widths: &[usize], samples: usize) -> MlpConfig {
        MlpConfig {
            widths: Widths(widths.to_vec()),
            samples,
        }
    }

    fn generate(c: &MlpConfig, seed: u64) -> (Network, Vec<f64>) {
        c.check().expect("valid config");
        c.generate(&mut ChaCha8Rng::seed_from_u64(seed))
    }

    #[test]
    fn the_teacher_and_its_symmetric_copies_are_minimisers() {
        let c = config(&[3, 4, 2], 20);
        let (net, teacher) = generate(&c, 1);
        let mut g = vec![1.0; net.dim()];
        assert_eq!(net.value_and_gradient(&teacher, &mut g), 0.0);
        assert!(
            g.iter().all(|v| *v == 0.0),
            "gradient at the teacher: {g:?}"
        );
        // Swap hidden units 0 and 1 and flip the sign of unit 2: W_1 is 4 x 4 (offset 0), W_2 is 2 x 5
        // (offset 16); hidden unit i is row i of W_1 and column i of W_2.
        let mut copy = teacher.clone();
        for j in 0..4 {
            copy.swap(j, 4 + j);
            copy[8 + j] = -copy[8 + j];
        }
        for r in 0..2 {
            copy.swap(16 + r * 5, 16 + r * 5 + 1);
            copy[16 + r * 5 + 2] = -copy[16 + r * 5 + 2];
        }
        let f = net.value(&copy);
        // Same function up to the rounding of reordered sums: f of order (N eps)^2.
        assert!(
            f <= (20.0 * f64::EPSILON).powi(2),
            "f at the symmetric copy: {f:e}"
        );
        let far = crate::vector::distance(&copy, &teacher);
        assert!(far > 0.5, "the copy is a different point: {far:e}");
        assert_eq!(net.optimum().expect("known").point, None);
    }

    /// The Gauss-Newton matrix `(1/N) sum_n J_n' J_n`, with `J_n = dz_n/dx` by central differences of the
    /// network's outputs: independent of back-propagation.
    fn gauss_newton_fd(net: &Network, x: &[f64]) -> Mat<f64> {
        let n = net.dim();
        let z0 = net.outputs(x);
        let (k, samples) = (z0.nrows(), z0.ncols());
        let mut jac = Mat::zeros(k * samples, n);
        let mut xp = x.to_vec();
        for p in 0..n {
            let h = f64::EPSILON.cbrt() * (1.0 + x[p].abs());
            xp[p] = x[p] + h;
            let zp = net.outputs(&xp);
            xp[p] = x[p] - h;
            let zm = net.outputs(&xp);
            xp[p] = x[p];
            for s in 0..samples {
                for i in 0..k {
                    jac[(s * k + i, p)] = (zp[(i, s)] - zm[(i, s)]) / (2.0 * h);
                }
            }
        }
        let mut gn = jac.transpose() * &jac;
        for v in gn.col_iter_mut() {
            for e in v.iter_mut() {
                *e /= samples as f64;
            }
        }
        gn
    }

    /// The Gauss-Newton matrix from the per-sample statistics: `(1/N) sum_{n,k} u u'` with
    /// `u[W_l[i][j]] = fisher_l[i, k N + n] inputs_l[j, n]`.
    fn gauss_newton_from_stats(net: &Network, f: &KfacFactors) -> Mat<f64> {
        let n = net.dim();
        let samples = Layered::samples(net);
        let k = net.fisher_rank();
        let mut gn = Mat::<f64>::zeros(n, n);
        let mut u = vec![0.0; n];
        for s in 0..samples {
            for kk in 0..k {
                for (l, sh) in f.shapes.iter().enumerate() {
                    for i in 0..sh.outputs {
                        for j in 0..sh.inputs {
                            u[sh.offset + i * sh.inputs + j] = f.stats.fisher[l]
                                [(i, kk * samples + s)]
                                * f.stats.inputs[l][(j, s)];
                        }
                    }
                }
                for b in 0..n {
                    for a in 0..n {
                        gn[(a, b)] += u[a] * u[b] / samples as f64;
                    }
                }
            }
        }
        gn
    }

    #[test]
    fn statistics_give_the_gradient_and_the_gauss_newton_matrix() {
        let c = config(&[3, 5, 4, 2], 12);
        let (net, teacher) = generate(&c, 4);
        let x: Vec<f64> = (0..net.dim())
            .map(|i| 0.8 * (1.3 * i as f64).sin())
            .collect();
        for at in [&x, &teacher] {
            let mut f = KfacFactors::new(&net);
            f.compute(&net, at);
            // grad W_l = E[g a'].
            let mut g = vec![0.0; net.dim()];
            net.gradient(at, &mut g);
            for (l, sh) in f.shapes.iter().enumerate() {
                for i in 0..sh.outputs {
                    for j in 0..sh.inputs {
                        let e: f64 = (0..12)
                            .map(|n| f.stats.grads[l][(i, n)] * f.stats.inputs[l][(j, n)])
                            .sum::<f64>()
                            / 12.0;
                        let gi = g[sh.offset + i * sh.inputs + j];
                        assert!(
                            (e - gi).abs() <= 64.0 * f64::EPSILON * (1.0 + gi.abs()),
                            "layer {l} ({i},{j}): {e:e} vs {gi:e}"
                        );
                    }
                }
            }
            // The Fisher columns reproduce the Gauss-Newton matrix of finite-difference Jacobians.
            let gn = gauss_newton_from_stats(&net, &f);
            let fd = gauss_newton_fd(&net, at);
            let scale = (0..net.dim()).map(|i| gn[(i, i)]).fold(0.0, f64::max);
            let worst = (0..net.dim())
                .flat_map(|a| (0..net.dim()).map(move |b| (a, b)))
                .map(|(a, b)| (gn[(a, b)] - fd[(a, b)]).abs())
                .fold(0.0, f64::max);
            assert!(
                worst <= fd_tol() * scale,
                "Gauss-Newton from statistics vs FD: {worst:e} (scale {scale:e})"
            );
            // G_l = E[g g'] is the sum of the Fisher columns' outer products, A_l = E[a a'].
            for (l, sh) in f.shapes.iter().enumerate() {
                for a in 0..sh.outputs {
                    for b in 0..sh.outputs {
                        let e: f64 = (0..2 * 12)
                            .map(|c| f.stats.fisher[l][(a, c)] * f.stats.fisher[l][(b, c)])
                            .sum::<f64>()
                            / 12.0;
                        assert!(
                            (f.g[l][(a, b)] - e).abs() <= 64.0 * f64::EPSILON * (1.0 + e.abs()),
                            "G_{l}"
                        );
                    }
                }
                assert_eq!(
                    f.a[l][(sh.inputs - 1, sh.inputs - 1)],
                    1.0,
                    "the bias input is 1"
                );
            }
        }
        // At the teacher the residuals vanish, so the true Hessian is the Gauss-Newton matrix.
        let mut f = KfacFactors::new(&net);
        f.compute(&net, &teacher);
        let gn = gauss_newton_from_stats(&net, &f);
        let mut h = Mat::zeros(net.dim(), net.dim());
        net.hessian(&teacher, &mut h);
        let n = net.dim() as f64;
        for a in 0..net.dim() {
            for b in 0..net.dim() {
                assert!(
                    (h[(a, b)] - gn[(a, b)]).abs()
                        <= 64.0 * n * f64::EPSILON * (1.0 + gn[(a, b)].abs()),
                    "H[{a},{b}] = {:e} vs GN {:e}",
                    h[(a, b)],
                    gn[(a, b)]
                );
            }
        }
    }

    #[test]
    fn widths_are_a_list_of_lists_in_configs() {
        let src = crate::config::SourceText {
            name: "inline".into(),
            text:
                "[[problem]]\nfamily = \"mlp\"\nwidths = [[3, 5, 2], [3, 4, 4, 2]]\nsamples = 8\n\
                   [[optimizer]]\nname = \"gd\"\n"
                    .into(),
            dir: None,
        };
        let plan = crate::plan::plan(&src, "t").expect("valid config");
        let widths: Vec<String> = plan
            .instances
            .iter()
            .map(|i| i.params["widths"].to_string())
            .collect();
        assert_eq!(widths, ["[3,5,2]", "[3,4,4,2]"]);
        let (p, _) = plan.instances[1].build(0).expect("builds");
        assert_eq!(p.dim(), 4 * 4 + 4 * 5 + 2 * 5);
        let flat = crate::config::SourceText {
            text: src.text.replace("[[3, 5, 2], [3, 4, 4, 2]]", "[3, 5, 2]"),
            ..src
        };
        let e = crate::plan::plan(&flat, "t")
            .err()
            .expect("a flat list is an error")
            .to_string();
        assert!(e.contains("list of lists"), "{e}");
    }

    #[test]
    fn minibatches_are_means_over_the_samples() {
        let c = config(&[3, 5, 4, 2], 16);
        assert_eq!(c.population(), Population::Finite(16));
        let (net, teacher) = generate(&c, 4);
        let x = net.standard_start();
        for batch in [1, 4, 16] {
            assert_finite_sum(&net, &x, batch);
        }
        // At the teacher every sample's loss is zero, so is every minibatch's.
        let mut g = vec![1.0; net.dim()];
        assert_eq!(
            net.subset_value_and_gradient(&teacher, &[3, 9, 0], &mut g),
            0.0
        );
        assert!(g.iter().all(|v| *v == 0.0), "{g:?}");
    }

    #[test]
    fn widths_are_declared_with_their_default_and_read_as_whole_numbers() {
        let d = MlpConfig::default();
        assert_eq!((&*d.widths, d.samples), (&[4, 8, 2][..], 64));
        assert_eq!(
            serde_json::to_string(&d).expect("serializes"),
            r#"{"widths":[4,8,2],"samples":64}"#
        );
        assert_eq!(PARAMS[0].default, "[4, 8, 2]");
        let parse = |text: &str| {
            let t: toml::Table = toml::from_str(text).expect("valid TOML");
            crate::params::from_table::<MlpConfig>(&t, PARAMS)
        };
        let c = parse("widths = [3, 2]").expect("valid");
        assert_eq!(c.widths, Widths(vec![3, 2]));
        for (text, says) in [
            ("widths = [3, -1]", "got -1 in [3, -1]"),
            ("widths = [3, 1.5]", "got 1.5 in [3, 1.5]"),
            ("widths = 3", "list of lists"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.key.as_deref(), Some("widths"));
            assert!(e.message.contains(says), "{text}: {}", e.message);
        }
    }

    #[test]
    fn invalid_values_name_their_key() {
        for (c, key) in [
            (config(&[3], 10), "widths"),
            (config(&[3, 0, 2], 10), "widths"),
            (config(&[3, 2], 0), "samples"),
        ] {
            assert_eq!(c.check().unwrap_err().key.as_deref(), Some(key));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn derivatives_match_finite_differences(
            x in prop::collection::vec(-1.5f64..1.5, 4 * 4 + 3 * 5 + 2 * 4),
            v in prop::collection::vec(-1.0f64..1.0, 4 * 4 + 3 * 5 + 2 * 4),
        ) {
            let (net, _) = generate(&config(&[3, 4, 3, 2], 10), 2);
            assert_derivatives(&net, &x, &v);
        }
    }
}
