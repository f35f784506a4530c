//! Learning-rate schedules and iterate averaging through the harness: on `f = x^2/2` in one dimension
//! (`quadratic`, `dim = 1`, `kappa = 1`, `x_0 = 1`) gradient descent's iterates are products of `1 - eta_k`,
//! so the traced iterates and their averages have closed forms, computed here from the definitions. Also:
//! the shared keys at their defaults leave parameters and run ids as they were, and bad keys are one located
//! error with exit code 2 through the binary.

use super::common;

use common::{optzoo, write};
use optzoo::RunRecord;
use optzoo::config::SourceText;
use optzoo::plan::{Plan, plan};
use optzoo::runner::execute;
use optzoo::stop::Status;

/// `f = x^2/2` from `x_0 = 1`.
const PARABOLA: &str = "[[problem]]\nfamily = \"quadratic\"\ndim = 1\nkappa = 1\n";

fn planned(text: &str) -> Plan {
    let src = SourceText {
        name: "inline.toml".into(),
        text: text.into(),
        dir: None,
    };
    plan(&src, "inline").expect("valid config")
}

/// The one run of `PARABOLA` with `optimizer` (its keys beside `name = "gd"` or another name) for `iters`
/// iterations.
fn run(optimizer: &str, iters: u64) -> RunRecord {
    let p = planned(&format!(
        "{PARABOLA}[stop]\nmax_iters = {iters}\ngrad_rtol = 1e-300\n[[optimizer]]\n{optimizer}"
    ));
    assert_eq!(p.runs.len(), 1);
    let record = execute(&p.runs[0]);
    assert_eq!(
        record.outcome.status,
        Status::MaxIters,
        "{optimizer}: {:?}",
        record.outcome.message
    );
    record
}

/// The traced iterates `x_0, x_1, ...` of a one-dimensional run.
fn path(record: &RunRecord) -> Vec<f64> {
    let xs: Vec<f64> = record
        .trace
        .iter()
        .map(|p| p.x.as_ref().expect("a 1-D path is kept")[0])
        .collect();
    assert_eq!(
        xs.len() as u64,
        record.outcome.iterations + 1,
        "every iterate"
    );
    xs
}

/// Asserts `got[k] == expected(k)` to `rel` relative error for every `k`.
fn assert_path(case: &str, got: &[f64], expected: impl Fn(usize) -> f64, rel: f64) {
    for (k, x) in got.iter().enumerate() {
        let e = expected(k);
        assert!(
            (x - e).abs() <= rel * e.abs(),
            "{case}: x_{k} = {x:e}, expected {e:e}"
        );
    }
}

/// `prod_{j < k} (1 - eta_j)`: gradient descent on `x^2/2` from 1 with steps `eta_j`.
fn product(eta: impl Fn(usize) -> f64, k: usize) -> f64 {
    (0..k).map(|j| 1.0 - eta(j)).product()
}

#[test]
fn step_schedule_gives_the_product_of_its_steps() {
    // eta_k = 0.5 * 0.5^floor(k / 3): 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, ...
    let r = run(
        "name = \"gd\"\nstep = 0.5\nschedule = \"step\"\ndecay_every = 3\ndecay_factor = 0.5\n",
        12,
    );
    let eta = |j: usize| 0.5 * 0.5f64.powi((j / 3) as i32);
    assert_path("step", &path(&r), |k| product(eta, k), 1e-12);
    assert_eq!(r.trace[4].value, 0.5 * path(&r)[4].powi(2));
}

#[test]
fn cosine_with_warmup_gives_the_product_of_its_steps() {
    // T = 8, f = 0.25, warm-up 3: eta_k = 0.9 min(1, (k+1)/3) (f + (1-f)(1 + cos(pi min(k, T)/T))/2),
    // run past the horizon.
    let r = run(
        "name = \"gd\"\nstep = 0.9\nschedule = \"cosine\"\nhorizon = 8\nfinal_fraction = 0.25\nwarmup = 3\n",
        12,
    );
    let eta = |j: usize| {
        let warm = ((j + 1) as f64 / 3.0).min(1.0);
        let t = j.min(8) as f64 / 8.0;
        0.9 * warm * (0.25 + 0.75 * 0.5 * (1.0 + (std::f64::consts::PI * t).cos()))
    };
    assert_path("cosine", &path(&r), |k| product(eta, k), 1e-12);
}

#[test]
fn inverse_time_scales_both_momentum_variants() {
    // eta_k = 0.4 / (1 + k/2), beta = 0.3, on x^2/2, by the recurrences with x_{-1} = x_0 = 1:
    // heavy ball x_{k+1} = x_k - eta_k x_k + beta (x_k - x_{k-1});
    // Nesterov y_k = x_k + beta (x_k - x_{k-1}), x_{k+1} = y_k - eta_k y_k.
    for variant in ["heavy-ball", "nesterov"] {
        let r = run(
            &format!(
                "name = \"momentum\"\nvariant = \"{variant}\"\nstep = 0.4\nbeta = 0.3\n\
                 schedule = \"inverse-time\"\ndecay_every = 2\n"
            ),
            10,
        );
        let mut expected = vec![1.0f64];
        let mut prev = 1.0;
        for k in 0..10 {
            let x = expected[k];
            let eta = 0.4 / (1.0 + k as f64 / 2.0);
            let next = if variant == "heavy-ball" {
                x - eta * x + 0.3 * (x - prev)
            } else {
                let y = x + 0.3 * (x - prev);
                y - eta * y
            };
            prev = x;
            expected.push(next);
        }
        assert_path(variant, &path(&r), |k| expected[k], 1e-12);
    }
}

#[test]
fn polyak_average_is_the_mean_of_the_geometric_iterates() {
    // z_k = r^k with r = 1 - eta; the run reports mean(z_s, ..., z_k) for k >= s, z_k before.
    let r_ = 0.6f64;
    for start in [0usize, 4] {
        let r = run(
            &format!("name = \"gd\"\nstep = 0.4\naverage = \"polyak\"\naverage_start = {start}\n"),
            15,
        );
        let expected = |k: usize| {
            if k < start {
                r_.powi(k as i32)
            } else {
                let m = (k - start + 1) as f64;
                r_.powi(start as i32) * (1.0 - r_.powf(m)) / ((1.0 - r_) * m)
            }
        };
        assert_path(&format!("polyak from {start}"), &path(&r), expected, 1e-12);
        assert_eq!(
            r.outcome.final_x.as_deref(),
            Some(&[*path(&r).last().expect("a path")][..]),
            "the reported result is the average"
        );
    }
}

#[test]
fn ema_with_debias_matches_the_closed_form() {
    // optax.ema(d, debias=True) fed z_0, ..., z_k with z_j = r^j:
    // x_k = (1 - d) sum_j d^(k-j) r^j / (1 - d^(k+1)) = (1 - d)(d^(k+1) - r^(k+1)) / ((d - r)(1 - d^(k+1))).
    let (r_, d) = (0.75f64, 0.9f64);
    let r = run(
        "name = \"gd\"\nstep = 0.25\naverage = \"ema\"\naverage_decay = 0.9\n",
        25,
    );
    let expected = |k: usize| {
        let p = k as i32 + 1;
        (1.0 - d) * (d.powi(p) - r_.powi(p)) / ((d - r_) * (1.0 - d.powi(p)))
    };
    assert_path("ema", &path(&r), expected, 1e-12);
}

#[test]
fn averaging_continues_from_the_raw_iterate_and_keeps_the_evaluation_count() {
    // The optimizer steps from z_k, not from the reported average: one gradient a step, as unaveraged.
    let plain = run("name = \"gd\"\nstep = 0.4\n", 8);
    let averaged = run("name = \"gd\"\nstep = 0.4\naverage = \"polyak\"\n", 8);
    assert_eq!(plain.outcome.counts, averaged.outcome.counts);
    let mean: f64 = path(&plain).iter().sum::<f64>() / 9.0;
    let got = path(&averaged)[8];
    assert!((got - mean).abs() <= 1e-14, "{got:e} vs {mean:e}");
}

#[test]
fn kfac_fixed_step_is_scaled_by_the_warmup() {
    // Undamped K-FAC on linear least squares is Newton's method: one step of length lr_0 = lr/warmup takes
    // the error to (1 - 1/warmup) of itself, so warm-ups 2 and 4 leave errors in the ratio 1/2 : 3/4.
    let error = |warmup: u32| {
        let p = planned(&format!(
            "[[problem]]\nfamily = \"least-squares\"\nin_dim = 4\nout_dim = 2\nsamples = 20\n\
             [stop]\nmax_iters = 1\n[[optimizer]]\nname = \"kfac\"\nstep = \"fixed\"\ndamping = 0.0\n\
             warmup = {warmup}\n"
        ));
        let record = execute(&p.runs[0]);
        assert_eq!(record.outcome.status, Status::MaxIters);
        record.outcome.final_x_error.expect("x* is known")
    };
    let ratio = error(4) / error(2);
    assert!((ratio - 1.5).abs() <= 1e-9, "{ratio}");
}

#[test]
fn shared_keys_at_their_defaults_leave_parameters_and_run_ids_unchanged() {
    let stop = "[stop]\nmax_iters = 3\n";
    let spelled = planned(&format!(
        "{PARABOLA}{stop}[[optimizer]]\nname = \"gd\"\nstep = 0.1\nschedule = \"constant\"\nwarmup = 0\n\
         average = \"none\"\n[[optimizer]]\nname = \"adam\"\nschedule = \"step\"\ndecay_every = 5\n\
         decay_factor = 0.1\n[[optimizer]]\nname = \"momentum\"\nstep = 0.1\nbeta = 0.5\n\
         average = \"ema\"\naverage_decay = 0.99\n[[optimizer]]\nname = \"rmsprop\"\n\
         average = \"polyak\"\naverage_start = 0\n[[optimizer]]\nname = \"adagrad\"\n\
         schedule = \"cosine\"\nhorizon = 10\nfinal_fraction = 0.0\n"
    ));
    let omitted = planned(&format!(
        "{PARABOLA}{stop}[[optimizer]]\nname = \"gd\"\nstep = 0.1\n[[optimizer]]\nname = \"adam\"\n\
         schedule = \"step\"\ndecay_every = 5\n[[optimizer]]\nname = \"momentum\"\nstep = 0.1\n\
         beta = 0.5\naverage = \"ema\"\n[[optimizer]]\nname = \"rmsprop\"\naverage = \"polyak\"\n\
         [[optimizer]]\nname = \"adagrad\"\nschedule = \"cosine\"\nhorizon = 10\n"
    ));
    let params = |p: &Plan| -> Vec<String> {
        p.optimizers
            .iter()
            .map(|(n, c)| format!("{n} {}", c.params))
            .collect()
    };
    assert_eq!(params(&spelled), params(&omitted));
    assert_eq!(spelled.run_ids, omitted.run_ids);
    assert_eq!(
        params(&omitted),
        [
            "gd {\"step\":0.1}",
            "adam {\"beta1\":0.9,\"beta2\":0.999,\"decay_every\":5,\"eps\":1e-8,\"lr\":0.001,\"schedule\":\"step\",\"weight_decay\":0.0}",
            "momentum {\"average\":\"ema\",\"beta\":0.5,\"step\":0.1,\"variant\":\"heavy-ball\"}",
            "rmsprop {\"average\":\"polyak\",\"beta2\":0.9,\"eps\":1e-8,\"lr\":0.001}",
            "adagrad {\"eps\":1e-10,\"horizon\":10,\"lr\":0.01,\"schedule\":\"cosine\"}",
        ]
    );
    // A record's parameters resolve to the same optimizer and parameters (replays, tuning).
    let registry = optzoo::Registry::builtin();
    for (name, checked) in &omitted.optimizers {
        let again = registry
            .resolve_optimizer(name, &checked.params)
            .expect("a record's parameters resolve");
        assert_eq!(again.params, checked.params);
    }
}

#[test]
fn averaging_states_its_two_extra_vectors_and_no_theory() {
    let entry = optzoo::optimizers::optimizer("gd").expect("registered");
    let parse = |text: &str| {
        let t: optzoo::toml::Table = optzoo::toml::from_str(text).expect("valid TOML");
        (entry.parse)(&t, entry.params, &Default::default()).expect("valid keys")
    };
    let plain = parse("step = 0.1");
    let averaged = parse("step = 0.1\naverage = \"polyak\"");
    let scheduled = parse("step = 0.1\nschedule = \"inverse-time\"\ndecay_every = 10");
    let n = 1000;
    assert_eq!(
        averaged.optimizer.memory(n).total(),
        plain
            .optimizer
            .memory(n)
            .plus(optzoo::memory::MemoryNeed::vectors(2, n))
            .total()
    );
    assert!(plain.optimizer.kappa_slope().is_some() && plain.optimizer.escape().is_some());
    for o in [&averaged, &scheduled] {
        assert!(o.optimizer.kappa_slope().is_none() && o.optimizer.escape().is_none());
    }
}

#[test]
fn bad_keys_are_one_located_error_with_exit_code_2() {
    let quad = "[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = 10\n";
    // The optimizer table starts on line 5 (`[[optimizer]]`), `name` on line 6, its first key on line 7.
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "unknown schedule",
            "name = \"gd\"\nstep = 0.1\nschedule = \"bogus\"\n",
            &[
                "bad.toml:8:",
                "`schedule` = \"bogus\" is not valid",
                "cosine",
            ],
        ),
        (
            "cosine without horizon",
            "name = \"adam\"\nschedule = \"cosine\"\n",
            &["bad.toml:7:", "needs `horizon`"],
        ),
        (
            "decay factor above 1",
            "name = \"rmsprop\"\nschedule = \"step\"\ndecay_every = 10\ndecay_factor = 2\n",
            &["bad.toml:9:", "`decay_factor` must be a number in (0, 1)"],
        ),
        (
            "average decay of 1",
            "name = \"momentum\"\nstep = 0.1\nbeta = 0.5\naverage = \"ema\"\naverage_decay = 1\n",
            &["bad.toml:10:", "`average_decay` must be a number in (0, 1)"],
        ),
        (
            "cosine-only key with the step schedule",
            "name = \"adagrad\"\nschedule = \"step\"\ndecay_every = 10\nfinal_fraction = 0.1\n",
            &[
                "bad.toml:9:",
                "`final_fraction` applies only with schedule = \"cosine\"",
            ],
        ),
        (
            "schedule with an Armijo step",
            "name = \"gd\"\nwarmup = 5\n",
            &[
                "bad.toml:7:",
                "`warmup` applies only with a number, \"1/L\" or \"2/(L+mu)\" as step, not with step = \"armijo\"",
            ],
        ),
        (
            "schedule with K-FAC's Armijo step",
            "name = \"kfac\"\nschedule = \"inverse-time\"\ndecay_every = 3\n",
            &[
                "bad.toml:7:",
                "`schedule` applies only with step = \"fixed\"",
            ],
        ),
        (
            "misspelt shared key",
            "name = \"adam\"\nwarmpu = 5\n",
            &[
                "bad.toml:7:",
                "unknown key `warmpu`",
                "did you mean `warmup`",
            ],
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for (case, optimizer, needles) in cases {
        write(
            dir.path(),
            "bad.toml",
            &format!("{quad}[[optimizer]]\n{optimizer}"),
        );
        let out = optzoo(dir.path(), &["run", "bad.toml", "--out", "res"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{case}: {stderr}");
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        assert_eq!(
            stderr.lines().filter(|l| !l.trim().is_empty()).count(),
            1,
            "{case}: one paragraph expected:\n{stderr}"
        );
        for needle in *needles {
            assert!(
                stderr.contains(needle),
                "{case}: `{needle}` not in:\n{stderr}"
            );
        }
        assert!(!dir.path().join("res").exists(), "{case}: nothing may run");
    }
}
