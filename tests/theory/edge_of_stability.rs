//! The sharpness along a run (`[sharpness]`): the observer's `lambda_max` and its few eigenvalues at both
//! ends agree with a dense eigendecomposition of the Hessian at the same iterates; the observer does not
//! change the run (same final point, bit for bit, and the same evaluation counts); and on the documented
//! configuration `edge-of-stability`, full-batch gradient descent shows the edge of stability: the sharpness
//! rises from below `2/eta` until it reaches it, then stays within [`BAND`] of it while the loss keeps
//! falling, not monotonically (Cohen et al. 2021).

use super::common;

use std::sync::Arc;
use std::time::Instant;

use common::{optzoo, records, write};
use optzoo::observers::SharpnessWatch;
use optzoo::oracle::Oracle;
use optzoo::problems::Instance;
use optzoo::record::SharpnessSpec;
use optzoo::run_loop::{self, Observer, Setup};
use optzoo::runner::{PlannedRun, execute};
use optzoo::stop::{Measure, Status};
use optzoo::{Registry, StopRule};

/// Where the sharpness stays, as multiples of `2/eta`, from the first measurement at or above the edge to
/// the end of the run. Theory puts it at the edge: above `2/eta` the step is unstable along the top
/// eigenvector, the iterate oscillates along it and the growing oscillation pulls the sharpness back down
/// (a loss spike); below it, progressive sharpening pushes it up again. Measured on the documented config
/// (seed 0, steps 0.40, 0.42, 0.44): between 0.960 and 1.034 of `2/eta`; the band allows 10% either way.
const BAND: (f64, f64) = (0.9, 1.1);

/// The loss at the end (the median over the last tenth of the measurements, since a spike may fall at the
/// last iterate) is at most this fraction of the loss where the sharpness first reached `2/eta`. Measured:
/// 0.17, 0.040 and 0.011 for the three steps.
const LOSS_FALL: f64 = 0.25;

fn mlp(widths: &str, samples: usize) -> Arc<Instance> {
    let registry = Registry::builtin();
    let family = registry.family("mlp").expect("mlp is built in");
    let table: toml::Table =
        toml::from_str(&format!("widths = {widths}\nsamples = {samples}")).expect("valid TOML");
    Arc::new(Instance::parse(family, &table).expect("valid mlp parameters"))
}

fn gd(step: f64) -> Arc<optzoo::optimizers::Checked> {
    let entry = optzoo::optimizers::optimizer("gd").expect("gd is built in");
    let table: toml::Table = toml::from_str(&format!("step = {step}")).expect("valid TOML");
    Arc::new(
        entry
            .parse_point(&table, &Default::default())
            .expect("valid gd parameters"),
    )
}

/// Keeps a copy of the iterate at every iteration.
#[derive(Default)]
struct Iterates(Vec<(u64, Vec<f64>)>);

impl Observer for Iterates {
    fn started(&mut self, x: &[f64], m: &Measure, _o: &Oracle) {
        self.0.push((m.iter, x.to_vec()));
    }

    fn measured(&mut self, x: &[f64], m: &Measure, _o: &Oracle, _v: Option<Status>) {
        self.0.push((m.iter, x.to_vec()));
    }
}

#[test]
fn lambda_max_and_the_extremes_match_a_dense_eigendecomposition() {
    // 3 inputs, 6 tanh units, 1 output: 31 parameters; a step large enough that the run moves.
    let instance = mlp("[3, 6, 1]", 16);
    let (problem, x0) = instance.build(0).expect("builds");
    let n = problem.dim();
    let spec = SharpnessSpec {
        every: 7,
        extremes: 3,
        rel_tol: 1e-10,
        max_steps: 100,
    };
    let optimizer = gd(0.5);
    let mut x = x0.clone();
    let mut oracle = Oracle::new(problem.as_ref());
    let stop = StopRule::steps_only(50);
    let setup = Setup {
        stop: &stop,
        f_star: None,
        x_star: None,
        started: Instant::now(),
    };
    let mut watch = SharpnessWatch::new(problem.as_ref(), spec, 0);
    let mut iterates = Iterates::default();
    run_loop::run(
        optimizer.optimizer.as_ref(),
        &mut x,
        &mut oracle,
        setup,
        &mut [&mut iterates, &mut watch],
    );
    let points = &watch.fact.points;
    let iters: Vec<u64> = points.iter().map(|p| p.iter).collect();
    assert_eq!(
        iters,
        vec![0, 7, 14, 21, 28, 35, 42, 49, 50],
        "iteration 0, every 7, and the last"
    );
    let so = problem.second_order().expect("mlp has a Hessian");
    for p in points {
        let (_, at) = iterates
            .0
            .iter()
            .find(|(k, _)| *k == p.iter)
            .expect("an iterate at every measured iteration");
        let mut h = faer::Mat::zeros(n, n);
        so.hessian(at, &mut h);
        let dense = optzoo::spectrum::dense_spectrum(&h).expect("eigendecomposition");
        let scale = dense[0].abs().max(dense[n - 1].abs());
        assert_eq!((p.highest.len(), p.lowest.len()), (3, 3));
        for j in 0..3 {
            for (got, want) in [(p.highest[j], dense[n - 1 - j]), (p.lowest[j], dense[j])] {
                assert!(
                    (got - want).abs() <= 1e-8 * scale,
                    "iteration {}: eigenvalue {got:e} vs dense {want:e} (scale {scale:e})",
                    p.iter
                );
            }
        }
        assert!(
            p.residual <= spec.rel_tol,
            "residual {:e} above the tolerance",
            p.residual
        );
        let value = problem.value(at);
        assert_eq!(value.to_bits(), p.value.to_bits(), "the objective there");
    }
}

#[test]
fn the_observer_does_not_change_the_run() {
    let instance = mlp("[3, 6, 1]", 16);
    let optimizer = gd(0.5);
    let stop = StopRule::steps_only(200);
    let plain = PlannedRun::new(&instance, "gd", &optimizer, 3, &stop, None, false);
    let watched = PlannedRun::new(&instance, "gd", &optimizer, 3, &stop, None, false)
        .with_sharpness(Some(SharpnessSpec {
            every: 5,
            extremes: 2,
            ..SharpnessSpec::default()
        }));
    assert_ne!(
        plain.run_id, watched.run_id,
        "the spec says what is measured"
    );
    let (a, b) = (execute(&plain), execute(&watched));
    assert_eq!(a.outcome.status, Status::MaxIters);
    assert_eq!(b.outcome.status, Status::MaxIters);
    let bits = |v: &Option<Vec<f64>>| -> Vec<u64> {
        v.as_ref()
            .expect("final point kept at n = 31")
            .iter()
            .map(|x| x.to_bits())
            .collect()
    };
    assert_eq!(bits(&a.outcome.final_x), bits(&b.outcome.final_x));
    assert_eq!(a.outcome.counts, b.outcome.counts);
    assert_eq!(
        b.outcome.counts.hvp_evals, 0,
        "the observer's products are not charged"
    );
    assert_eq!(
        a.outcome.final_value.to_bits(),
        b.outcome.final_value.to_bits()
    );
    assert!(a.facts.sharpness.is_none());
    let s = b.facts.sharpness.as_ref().expect("the series is recorded");
    assert_eq!(s.points.len(), 41, "iterations 0, 5, ..., 200");
}

#[test]
fn the_documented_config_reaches_and_holds_the_edge_of_stability() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = optzoo(dir.path(), &["run", "edge-of-stability", "--out", "out"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = records(&dir.path().join("out"));
    assert_eq!(runs.len(), 3, "three step sizes");
    for r in &runs {
        let step = r["spec"]["optimizer"]["params"]["step"]
            .as_f64()
            .expect("a fixed step");
        let edge = r["facts"]["optimizer"]["stability_edge"]["sharpness"]
            .as_f64()
            .expect("the record states the edge");
        assert!(
            (edge - 2.0 / step).abs() <= 1e-15 * edge,
            "edge {edge} for step {step}"
        );
        assert_eq!(r["outcome"]["counts"]["hvp_evals"], 0);
        let points = r["facts"]["sharpness"]["points"]
            .as_array()
            .expect("a sharpness series");
        let series: Vec<(u64, f64, f64)> = points
            .iter()
            .map(|p| {
                (
                    p["iter"].as_u64().expect("iteration"),
                    p["highest"][0].as_f64().expect("lambda_max"),
                    p["value"].as_f64().expect("objective"),
                )
            })
            .collect();
        // Progressive sharpening: the run starts below the edge and reaches it later.
        assert!(
            series[0].1 < edge,
            "step {step}: starts at {} >= 2/eta = {edge}",
            series[0].1
        );
        let reach = series
            .iter()
            .position(|(_, l, _)| *l >= edge)
            .unwrap_or_else(|| panic!("step {step}: the sharpness never reaches 2/eta = {edge}"));
        for (k, l, _) in &series[reach..] {
            assert!(
                BAND.0 * edge <= *l && *l <= BAND.1 * edge,
                "step {step}: lambda_max = {l} at iteration {k}, outside {BAND:?} x 2/eta = {edge}"
            );
        }
        // The loss keeps falling overall, with spikes: not monotonically.
        let at_edge = series[reach].2;
        let mut tail: Vec<f64> = series[series.len() * 9 / 10..]
            .iter()
            .map(|p| p.2)
            .collect();
        tail.sort_by(f64::total_cmp);
        let end = tail[tail.len() / 2];
        assert!(
            end <= LOSS_FALL * at_edge,
            "step {step}: loss {end:e} at the end vs {at_edge:e} at the edge (iteration {})",
            series[reach].0
        );
        assert!(
            series[reach..].windows(2).any(|w| w[1].2 > w[0].2),
            "step {step}: the loss fell monotonically at the edge"
        );
    }

    // The report draws it from the records alone: the sharpness figure with 2/eta as the theory line.
    let out = optzoo(
        dir.path(),
        &[
            "report",
            "out",
            "--figures",
            "sharpness",
            "--formats",
            "svg",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures = dir.path().join("out/report/figures");
    for name in ["sharpness-00-mlp.svg", "sharpness-00-mlp-loss.svg"] {
        assert!(figures.join(name).is_file(), "{name} drawn");
    }
    let captions = std::fs::read_to_string(figures.join("captions.md")).expect("captions");
    assert!(
        captions.contains("the theory line is lambda_max = 2/eta"),
        "{captions}"
    );
    for edge in ["5 (", "4.762 (", "4.545 ("] {
        assert!(
            captions.contains(edge),
            "the caption states 2/eta = {edge}: {captions}"
        );
    }
}

#[test]
fn bad_sharpness_keys_are_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = |table: &str| {
        format!(
            "seeds = [0]\n[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = 10\n[[optimizer]]\nname = \"gd\"\n\
             [stop]\nmax_iters = 10\n[sharpness]\n{table}\n"
        )
    };
    for (table, says) in [
        ("every = 0", "`every` must be an integer >= 1"),
        ("extremes = 40", "`extremes` must be an integer in 1..=16"),
        ("rel_tol = -1.0", "`rel_tol` must be a number in (0, 0.1]"),
        (
            "max_steps = 1",
            "`max_steps` must be an integer in 2..=10000",
        ),
        ("evry = 3", "every"),
    ] {
        write(dir.path(), "s.toml", &config(table));
        let out = optzoo(dir.path(), &["run", "s.toml", "--dry-run"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{table} accepted");
        assert!(
            err.contains("[sharpness]") && err.contains(says),
            "{table}: {err}"
        );
    }
}

/// The stated edge is where the method turns unstable: on a quadratic with `lambda_max = L`, a step whose
/// edge lies 2% above `L` converges and one whose edge lies 2% below it diverges, for gd, the heavy ball
/// and Nesterov's method (edges proportional to `1/eta`, as the formulas state).
#[test]
fn the_stated_edge_separates_stable_from_unstable_steps() {
    let registry = Registry::builtin();
    let family = registry.family("quadratic").expect("built in");
    let table: toml::Table =
        toml::from_str("dim = 4\nkappa = 10\nrotation = \"random\"").expect("valid TOML");
    let instance = Instance::parse(family, &table).expect("valid");
    let (problem, x0) = instance.build(0).expect("builds");
    let l = problem.curvature().expect("known curvature").lipschitz;
    let f0 = problem.value(&x0);
    for (name, extra) in [
        ("gd", ""),
        ("momentum", "variant = \"heavy-ball\"\nbeta = 0.5\n"),
        ("momentum", "variant = \"nesterov\"\nbeta = 0.5\n"),
    ] {
        let entry = optzoo::optimizers::optimizer(name).expect("built in");
        let checked = |step: f64| {
            let table: toml::Table =
                toml::from_str(&format!("{extra}step = {step}")).expect("valid TOML");
            entry
                .parse_point(&table, &Default::default())
                .expect("valid parameters")
        };
        let unit = checked(1.0)
            .optimizer
            .stability_edge()
            .expect("a fixed step states its edge")
            .sharpness;
        for (margin, stable) in [(1.02, true), (0.98, false)] {
            // The step whose edge is margin x L.
            let step = unit / (margin * l);
            let opt = checked(step);
            let edge = opt.optimizer.stability_edge().expect("stated").sharpness;
            assert!(
                (edge - margin * l).abs() <= 1e-12 * l,
                "{name} {extra}: edge {edge}"
            );
            let mut x = x0.clone();
            let mut oracle = Oracle::new(problem.as_ref());
            let stop = StopRule::steps_only(3000);
            let setup = Setup {
                stop: &stop,
                f_star: None,
                x_star: None,
                started: Instant::now(),
            };
            run_loop::run(opt.optimizer.as_ref(), &mut x, &mut oracle, setup, &mut []);
            let f = problem.value(&x);
            if stable {
                assert!(
                    f < 1e-6 * f0,
                    "{name} {extra} step {step}: f = {f:e} from {f0:e}"
                );
            } else {
                assert!(
                    f.is_nan() || f >= 1e3 * f0,
                    "{name} {extra} step {step}: f = {f:e} from {f0:e}"
                );
            }
        }
    }
}
