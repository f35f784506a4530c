//! Steps to target against batch size on the noisy quadratic model, learning rates tuned per batch size:
//! as Zhang et al. (2019) find, steps fall like 1/B at small batch sizes (noise-dominated: the tuned step
//! grows with B), stop falling at large ones (curvature-dominated), and momentum and the diagonal
//! (Adam-style) preconditioner keep gaining to larger batch sizes than plain SGD. A reduced grid of the
//! embedded `nqm` config: batch sizes 1 to 1024 a factor 4 apart.

use super::common;

use std::collections::BTreeMap;

use optzoo::analysis::batch::{CRITICAL_SAVING, Critical, batch_studies};
use optzoo::analysis::sweep::Sweep;

use common::{optzoo, records, write};

const CONFIG: &str = r#"
name = "nqm-reduced"
seeds = [0, 1]
[[problem]]
family = "nqm"
dim = 1000
batch_size = [1, 4, 16, 64, 256, 1024]
start = "random"
[stop]
f_tol = 0.3
max_iters = 10000
[tune]
method = "grid"
trials = 16
per = "instance"
select = "evals-to-target"
seeds = [1000]
[tune.space.gd]
step = { log = [4.315837287515549e-05, 1.4142135623730951] }
[tune.space.momentum]
step = { log = [6.103515625e-05, 2.0] }
[tune.space.adam]
lr = { log = [3.0517578125e-05, 1.0] }
[[optimizer]]
name = "gd"
[[optimizer]]
name = "momentum"
beta = 0.9
[[optimizer]]
name = "adam"
"#;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Speed-up per doubling from batch size `b0` to `b1`.
fn per_doubling(steps: &BTreeMap<u64, f64>, b0: u64, b1: u64) -> f64 {
    (steps[&b0] / steps[&b1]).powf(1.0 / (b1 as f64 / b0 as f64).log2())
}

/// The smallest batch size from which the next one saves less than a quarter of the steps per doubling.
fn critical(steps: &BTreeMap<u64, f64>) -> Option<u64> {
    let bs: Vec<u64> = steps.keys().copied().collect();
    bs.windows(2)
        .find(|w| 1.0 - 1.0 / per_doubling(steps, w[0], w[1]) < 0.25)
        .map(|w| w[0])
}

#[test]
fn tuned_steps_scale_like_one_over_b_then_flatten_and_momentum_and_adam_scale_further() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "nqm.toml", CONFIG);
    let out = optzoo(
        dir.path(),
        &["run", "nqm.toml", "--out", "r", "--no-report"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results = dir.path().join("r");

    // Median steps to target over the evaluation seeds, from the records themselves.
    let mut steps: BTreeMap<String, BTreeMap<u64, Vec<f64>>> = BTreeMap::new();
    for r in records(&results) {
        let phase = &r["spec"]["tuning"]["phase"];
        if phase != "evaluation" {
            continue;
        }
        assert_eq!(r["outcome"]["status"], "converged", "{}", r["spec"]);
        let name = r["spec"]["optimizer"]["name"]
            .as_str()
            .expect("a name")
            .to_string();
        let b = r["spec"]["problem"]["params"]["batch_size"]
            .as_u64()
            .expect("a batch size");
        let iters = r["outcome"]["iterations"].as_f64().expect("iterations");
        let samples = r["outcome"]["counts"]["samples"].as_u64().expect("samples");
        assert_eq!(samples, b * iters as u64, "one minibatch per step");
        steps
            .entry(name)
            .or_default()
            .entry(b)
            .or_default()
            .push(iters);
    }
    let medians: BTreeMap<String, BTreeMap<u64, f64>> = steps
        .into_iter()
        .map(|(name, by_b)| {
            assert_eq!(by_b.len(), 6, "{name}: every batch size");
            (
                name,
                by_b.into_iter().map(|(b, v)| (b, median(v))).collect(),
            )
        })
        .collect();
    let report: String = medians
        .iter()
        .map(|(n, m)| format!("{n}: {m:?}\n"))
        .collect();

    for (name, m) in &medians {
        // Small batches: noise-dominated, a doubling halves the steps (within 25% of 2x).
        let small = per_doubling(m, 1, 4);
        assert!(
            (1.5..=2.5).contains(&small),
            "{name}: {small:.2}x per doubling from B = 1 to 4\n{report}"
        );
        // Large batches: curvature-dominated, a doubling saves little.
        let large = per_doubling(m, 256, 1024);
        assert!(
            large < 1.2,
            "{name}: {large:.2}x per doubling from B = 256 to 1024\n{report}"
        );
    }
    let sgd = critical(&medians["gd"]).expect("SGD stops gaining within the grid");
    for other in ["momentum", "adam"] {
        let c = critical(&medians[other]).unwrap_or(u64::MAX);
        assert!(
            c > sgd,
            "critical batch size of {other} ({c}) is not above SGD's ({sgd})\n{report}"
        );
    }

    // The report's analysis finds the same critical batch sizes.
    assert_eq!(CRITICAL_SAVING, 0.25);
    let sweep = Sweep::load(&results).expect("readable results");
    let studies = batch_studies(&sweep);
    assert_eq!(studies.len(), 1);
    let study = &studies[0];
    assert_eq!(study.batch_sizes, vec![1.0, 4.0, 16.0, 64.0, 256.0, 1024.0]);
    let scale = study.noise_scale.expect("nqm knows its noise scale");
    assert!(scale > 0.0 && scale.is_finite());
    for series in &study.series {
        let name = &sweep.optimizers[series.optimizer].spec.name;
        let want = critical(&medians[name]);
        let got = match series.critical {
            Critical::At(b) => Some(b as u64),
            _ => None,
        };
        assert_eq!(got, want, "{name}");
    }
}
