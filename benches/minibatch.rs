//! Minibatch gradients against full ones: `mlp` (tanh, widths `[16, 32, 32, 8]`, 1864 parameters) on 1024
//! samples, the full value and gradient beside minibatches of 32, 128 and all 1024 samples drawn as a run
//! draws them (`Stochastic::sample_value_and_gradient`: the sampler's draw, the gathering of the
//! minibatch's columns and the passes on them). A minibatch of `B` samples should cost about `B/N` of the
//! full evaluation; the one of all samples shows what drawing and gathering add.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use optzoo::problem::stochastic::Sampler;

#[path = "common/mod.rs"]
mod common;

const SAMPLES: usize = 1024;

fn minibatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("minibatch");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let instance = common::instance(
        "mlp",
        &format!("widths = [16, 32, 32, 8]\nsamples = {SAMPLES}"),
    );
    let (problem, x0) = instance.build(0).expect("bench problems build");
    // A second point, so that alternating full evaluations never find their pass cached.
    let x1: Vec<f64> = x0
        .iter()
        .enumerate()
        .map(|(i, v)| v + 1e-3 * (i as f64).sin())
        .collect();
    let points = [&x0, &x1];
    let n = problem.dim();
    let mut g = vec![0.0; n];
    group.bench_with_input(BenchmarkId::new("full", SAMPLES), &SAMPLES, |b, _| {
        let mut k = 0;
        b.iter(|| {
            k += 1;
            black_box(problem.value_and_gradient(points[k % 2], &mut g))
        })
    });
    let stochastic = problem.stochastic().expect("mlp is a finite sum");
    for batch in [32, 128, SAMPLES] {
        let mut sampler = Sampler::new(instance.rng(0, "minibatch"));
        group.bench_with_input(BenchmarkId::new("batch", batch), &batch, |b, &batch| {
            let mut k = 0;
            b.iter(|| {
                k += 1;
                black_box(stochastic.sample_value_and_gradient(
                    points[k % 2],
                    batch,
                    &mut sampler,
                    &mut g,
                ))
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = minibatch
}
criterion_main!(benches);
