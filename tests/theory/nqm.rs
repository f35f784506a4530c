//! The noisy quadratic model against its closed forms, and minibatch runs' reproducibility (the noise model
//! and a finite sum).
//!
//! SGD with constant step `eta` on `f = 1/2 sum h_i x_i^2` with gradient noise `N(0, C / B)`, `C = H`:
//! coordinate `i` follows `x_{k+1} = (1 - eta h_i) x_k - eta xi_k`, so its mean is `(1 - eta h_i)^k x_0` and
//! its stationary variance `eta c_i / (B h_i (2 - eta h_i))`, whence the long-run average of `f`,
//! `sum_i eta h_i / (2 B (2 - eta h_i))`. Both are computed here from the formulas, not from the harness.

use super::common;

use optzoo::config::SourceText;
use optzoo::oracle::Oracle;
use optzoo::plan::plan;
use optzoo::problem::stochastic::Sampler;
use optzoo::runner::execute;
use optzoo::stop::Status;

use common::{assert_same_runs, optzoo, write};

fn planned(text: &str) -> optzoo::Plan {
    let src = SourceText {
        name: "inline.toml".into(),
        text: text.into(),
        dir: None,
    };
    plan(&src, "inline").expect("valid config")
}

fn inverse_spectrum(n: usize) -> Vec<f64> {
    (1..=n).map(|i| 1.0 / i as f64).collect()
}

#[test]
fn sgd_long_run_average_matches_the_stationary_closed_form() {
    let (dim, b, eta) = (100, 4, 0.5);
    let p = planned(&format!(
        "[[problem]]\nfamily = \"nqm\"\ndim = {dim}\nbatch_size = {b}\n[stop]\nmax_iters = 10\n\
         [[optimizer]]\nname = \"gd\"\nstep = {eta}\n"
    ));
    let run = &p.runs[0];
    let (problem, mut x) = run.instance.build(run.spec.seed).expect("builds");
    let sampler = Sampler::new(run.instance.rng(run.spec.seed, "minibatch"));
    let mut oracle = Oracle::new(problem.as_ref())
        .with_minibatches(b, sampler)
        .expect("nqm draws minibatches");
    let mut stepper = run
        .optimizer
        .optimizer
        .start(&x, &mut oracle)
        .expect("starts");
    // Burn-in: the slowest mode decays like (1 - eta / dim)^k = e^-15 after 3000 steps.
    let (burn, steps) = (3_000, 200_000);
    let mut sum = 0.0;
    for k in 0..burn + steps {
        stepper.step(&mut x, &mut oracle).expect("a step");
        if k >= burn {
            sum += problem.value(&x);
        }
    }
    let average = sum / steps as f64;
    let h = inverse_spectrum(dim);
    let theory: f64 = h
        .iter()
        .map(|h| eta * h / (2.0 * b as f64 * (2.0 - eta * h)))
        .sum();
    assert!(
        (average / theory - 1.0).abs() < 0.05,
        "long-run average of f {average} vs closed form {theory}"
    );
    let counts = oracle.counts();
    assert_eq!(counts.g_evals, (burn + steps) as u64);
    assert_eq!(counts.samples, (b * (burn + steps)) as u64);
}

#[test]
fn the_mean_iterate_contracts_like_gradient_descent() {
    let (dim, b, eta, k, seeds) = (20, 2, 0.8, 12, 600);
    let seed_list: Vec<String> = (0..seeds).map(|s| s.to_string()).collect();
    let p = planned(&format!(
        "seeds = [{}]\n[[problem]]\nfamily = \"nqm\"\ndim = {dim}\nbatch_size = {b}\n\
         [stop]\nmax_iters = {k}\n[[optimizer]]\nname = \"gd\"\nstep = {eta}\n",
        seed_list.join(", ")
    ));
    assert_eq!(p.runs.len(), seeds);
    let mut mean = vec![0.0; dim];
    for run in &p.runs {
        let record = execute(run);
        assert_eq!(record.outcome.status, Status::MaxIters);
        let x = record.outcome.final_x.expect("kept at dim 20");
        for (m, xi) in mean.iter_mut().zip(&x) {
            *m += xi / seeds as f64;
        }
    }
    let h = inverse_spectrum(dim);
    for (i, (m, h)) in mean.iter().zip(&h).enumerate() {
        let want = (1.0 - eta * h).powi(k);
        // The spread of x_k,i: variance sum_{j<k} eta^2 (h_i / B) (1 - eta h_i)^(2j); 4.5 standard errors.
        let var: f64 = (0..k)
            .map(|j| eta * eta * h / b as f64 * (1.0 - eta * h).powi(2 * j))
            .sum();
        let se = (var / seeds as f64).sqrt();
        assert!(
            (m - want).abs() < 4.5 * se,
            "coordinate {i}: mean {m} vs (1 - eta h)^k = {want} (se {se})"
        );
    }
}

const SWEEP: &str = r#"
name = "minibatch-sweep"
seeds = [0, 1, 2]
[[problem]]
family = "nqm"
dim = 50
batch_size = [1, 8]
start = "random"
[[problem]]
family = "least-squares"
in_dim = 6
out_dim = 2
samples = 40
batch_size = [4, 40]
[stop]
f_tol = 0.05
max_iters = 3000
[[optimizer]]
name = "gd"
step = 0.3
[[optimizer]]
name = "adam"
lr = 0.02
[[optimizer]]
name = "momentum"
step = 0.1
beta = 0.9
"#;

#[test]
fn minibatches_depend_on_the_seed_alone_not_on_jobs_or_shards() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.toml", SWEEP);
    for (out, extra) in [
        ("one", vec!["--jobs", "1"]),
        ("two", vec!["--jobs", "2"]),
        ("s1", vec!["--jobs", "1", "--shard", "1/2"]),
        ("s2", vec!["--jobs", "2", "--shard", "2/2"]),
    ] {
        let mut args = vec!["run", "s.toml", "--out", out];
        args.extend(extra);
        let o = optzoo(dir.path(), &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert_same_runs(&dir.path().join("one"), &dir.path().join("two"));
    let merged = optzoo(dir.path(), &["merge", "merged", "s1", "s2"]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_same_runs(&dir.path().join("one"), &dir.path().join("merged"));
    // Different seeds draw different minibatches: the runs' final values differ.
    let records = common::records(&dir.path().join("one"));
    let finals: Vec<f64> = records
        .iter()
        .filter(|r| {
            r["spec"]["optimizer"]["name"] == "gd"
                && r["spec"]["problem"]["params"]["batch_size"] == 1
        })
        .map(|r| r["outcome"]["final_value"].as_f64().expect("a number"))
        .collect();
    assert_eq!(finals.len(), 3);
    assert!(finals[0] != finals[1] && finals[1] != finals[2]);
    // A finite sum draws its minibatches too: `batch_size` samples counted per gradient.
    for r in records
        .iter()
        .filter(|r| r["spec"]["problem"]["family"] == "least-squares")
    {
        let b = r["spec"]["problem"]["params"]["batch_size"]
            .as_u64()
            .expect("a batch size");
        let o = &r["outcome"];
        let calls = o["counts"]["g_evals"].as_u64().expect("a count");
        assert_eq!(
            o["counts"]["samples"].as_u64(),
            Some(b * calls),
            "{}",
            r["spec"]
        );
    }
}

#[test]
fn methods_that_compare_values_are_not_applicable_under_minibatches() {
    let p = planned(
        "[[problem]]\nfamily = \"nqm\"\ndim = 10\nbatch_size = [4]\n[[problem]]\nfamily = \"nqm\"\ndim = 10\n\
         [stop]\nmax_iters = 50\n[[optimizer]]\nname = \"gd\"\nstep = \"armijo\"\n[[optimizer]]\nname = \"lbfgs\"\n\
         [[optimizer]]\nname = \"newton\"\nmode = [\"line-search\", \"pure\"]\n",
    );
    for run in &p.runs {
        let record = execute(run);
        let noisy = run.instance.batch_size.is_some();
        let pure = run.spec.optimizer.params["mode"] == "pure";
        if noisy && !pure {
            assert_eq!(
                record.outcome.status,
                Status::NotApplicable,
                "{:?}",
                run.spec
            );
            let message = record.outcome.message.unwrap_or_default();
            assert!(message.contains("exact values"), "{message}");
        } else {
            assert_ne!(
                record.outcome.status,
                Status::NotApplicable,
                "{:?}",
                run.spec
            );
        }
    }
}

#[test]
fn a_batch_size_where_it_does_not_apply_is_a_config_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, problem, expected) in [
        (
            "rosen.toml",
            "family = \"rosenbrock\"\ndim = 2\nbatch_size = 4",
            "exact gradients only",
        ),
        (
            "zero.toml",
            "family = \"nqm\"\ndim = 2\nbatch_size = 0",
            "integer >= 1",
        ),
        (
            "text.toml",
            "family = \"nqm\"\ndim = 2\nbatch_size = \"big\"",
            "integer >= 1",
        ),
    ] {
        write(
            dir.path(),
            name,
            &format!("[[problem]]\n{problem}\n[[optimizer]]\nname = \"gd\"\nstep = 0.1\n"),
        );
        let o = optzoo(dir.path(), &["run", name, "--dry-run"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("batch_size") && err.contains(expected),
            "{name}: {err}"
        );
        assert!(err.contains(name), "the error names the file: {err}");
    }
}

#[test]
fn averaging_and_a_decaying_step_go_below_the_constant_step_noise_floor() {
    // SGD with constant step eta hovers at the stationary average of f; Polyak averaging after the burn-in and
    // a 1/t step both go well below it (Polyak and Juditsky 1992; Robbins and Monro 1951).
    let (dim, b, eta) = (100, 1, 0.5);
    let p = planned(&format!(
        "seeds = [0, 1, 2]\n[[problem]]\nfamily = \"nqm\"\ndim = {dim}\nbatch_size = {b}\n[stop]\nmax_iters = 40000\n\
         [[optimizer]]\nname = \"gd\"\nstep = {eta}\n\
         [[optimizer]]\nname = \"gd\"\nstep = {eta}\naverage = \"polyak\"\naverage_start = 4000\n\
         [[optimizer]]\nname = \"gd\"\nstep = {eta}\nschedule = \"inverse-time\"\ndecay_every = 400\n"
    ));
    let h = inverse_spectrum(dim);
    let floor: f64 = h
        .iter()
        .map(|h| eta * h / (2.0 * b as f64 * (2.0 - eta * h)))
        .sum();
    let mut finals: std::collections::BTreeMap<String, Vec<f64>> = Default::default();
    for run in &p.runs {
        let record = execute(run);
        assert_eq!(record.outcome.status, Status::MaxIters);
        let key = run.spec.optimizer.params.to_string();
        finals
            .entry(key)
            .or_default()
            .push(record.outcome.final_value);
    }
    for (key, values) in &finals {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        if key.contains("polyak") || key.contains("inverse-time") {
            assert!(
                mean < 0.25 * floor,
                "{key}: mean final f {mean} vs floor {floor}"
            );
        } else {
            assert!(
                mean > 0.25 * floor && mean < 4.0 * floor,
                "{key}: mean final f {mean} vs floor {floor}"
            );
        }
    }
    assert_eq!(finals.len(), 3);
}
