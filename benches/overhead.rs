//! Harness overhead: gradient descent on a diagonal quadratic of dimension 10^6, 100 iterations, through the
//! runner's entry point for one run (`optzoo::execute`: the oracle, the stop rule, the trace) against a bare
//! loop doing the same arithmetic. Outside test mode the pair runs again at 4 x 10^6, where both working sets
//! are far larger than the last-level cache: at 10^6 the bare loop's three vectors (24 MB) may still fit a
//! 32 MB cache where the harness's four (the oracle keeps a copy of `x` as its cache key) do not.
//!
//! The bare loop computes what the run computes at each of its 101 iterates: the gradient `g = d .* x`, the
//! value `f = x'g / 2` and `||g||` (the stop rule's inputs), and the 100 updates `x <- x - eta g`, with the
//! same vector kernels; it allocates its vectors inside the timed region, as the run builds its problem
//! there. Both end at the same point, which the bench checks before timing anything.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use optzoo::problems::quadratic::QuadraticConfig;
use optzoo::vector::{axpy, dot, norm};
use optzoo::{Status, execute};

#[path = "common/mod.rs"]
mod common;

/// The dimension of the target ratio, and a larger one (bench mode only).
const DIMS: [usize; 2] = [1_000_000, 4_000_000];
const ITERS: u64 = 100;
/// Large enough that 100 steps of 1/L reduce ||g|| by far less than the default grad_rtol: every run does
/// exactly `ITERS` iterations.
const KAPPA: f64 = 1e6;

fn config(dim: usize) -> String {
    format!(
        r#"
name = "overhead"
[[problem]]
family = "quadratic"
dim = {dim}
kappa = {KAPPA:e}
spectrum = "linear"
rotation = "none"
[stop]
max_iters = {ITERS}
[[optimizer]]
name = "gd"
step = "1/L"
"#
    )
}

/// The bare loop; returns the final value.
fn bare(spectrum: &QuadraticConfig) -> f64 {
    let d = spectrum.eigenvalues();
    let mut x = vec![1.0; d.len()];
    let mut g = vec![0.0; d.len()];
    // L = lambda_max = 1.
    let eta = 1.0;
    let mut f = 0.0;
    for k in 0..=ITERS {
        for ((gi, di), xi) in g.iter_mut().zip(&d).zip(&x) {
            *gi = di * xi;
        }
        f = 0.5 * dot(&x, &g);
        black_box(norm(&g));
        if k < ITERS {
            axpy(-eta, &g, &mut x);
        }
    }
    black_box(f)
}

fn overhead(c: &mut Criterion) {
    let mut group = c.benchmark_group("overhead");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    let dims = if common::test_mode() {
        &DIMS[..1]
    } else {
        &DIMS[..]
    };
    for &dim in dims {
        let plan = common::plan("overhead", &config(dim));
        let run = &plan.runs[0];
        let spectrum = QuadraticConfig {
            dim,
            kappa: KAPPA,
            spectrum: "linear".into(),
            rotation: "none".into(),
            shift: 0.0,
        };
        let record = execute(run);
        assert_eq!(record.outcome.status, Status::MaxIters);
        assert_eq!(record.outcome.iterations, ITERS);
        let f_bare = bare(&spectrum);
        let f_run = record.outcome.final_value;
        // Same operations in the same order: the two agree to the last bit.
        assert_eq!(
            f_run.to_bits(),
            f_bare.to_bits(),
            "harness {f_run:e} vs bare loop {f_bare:e}"
        );
        group.bench_with_input(BenchmarkId::new("harness", dim), &dim, |b, _| {
            b.iter(|| black_box(execute(run)))
        });
        group.bench_with_input(BenchmarkId::new("bare", dim), &dim, |b, _| {
            b.iter(|| bare(&spectrum))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = overhead
}
criterion_main!(benches);
