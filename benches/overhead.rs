//! Harness overhead: gradient descent on a diagonal quadratic of dimension 10^6, 100 iterations, through the
//! runner's entry point for one run (`optzoo::execute`: the oracle, the stop rule, the trace) against bare
//! loops doing the same arithmetic, each allocating or building its vectors inside the timed region as the run
//! builds its problem there:
//! - `bare_measured`, the loop as the harness is specified: the step `g = d .* x`, `x <- x - eta g`, then
//!   the runner's measurement at the new point, `f` and its gradient by the problem's own
//!   `value_and_gradient`, and `||g||` for the stop test;
//! - `bare`, the minimal loop: one gradient per iterate, shared by the step and the stop test (`g = d .* x`,
//!   `f = x'g / 2`, `||g||`, `x <- x - eta g`), as the harness's oracle cache shares it.
//!
//! All three end at the same point, which the bench checks before timing anything. Outside test mode the
//! three run again at 4 x 10^6, where every working set is far larger than the last-level cache: at 10^6
//! the minimal loop's three vectors (24 MB) may still fit a 32 MB cache where the harness's four (the oracle
//! keeps a copy of `x` as its cache key) do not.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use optzoo::problems::quadratic::{QuadraticConfig, Rotation, Spectrum};
use optzoo::runner::PlannedRun;
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

/// The minimal loop; returns the final value.
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

/// The loop as the harness is specified: the step, then the measurement by the problem's own evaluation;
/// returns the final value.
fn bare_measured(run: &PlannedRun) -> f64 {
    let (problem, mut x) = run.instance.build(run.spec.seed).expect("builds");
    let mut g = vec![0.0; x.len()];
    let mut measured = vec![0.0; x.len()];
    let eta = 1.0;
    let mut f = problem.value_and_gradient(&x, &mut measured);
    black_box(norm(&measured));
    for _ in 0..ITERS {
        problem.gradient(&x, &mut g);
        axpy(-eta, &g, &mut x);
        f = problem.value_and_gradient(&x, &mut measured);
        black_box(norm(&measured));
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
            spectrum: Spectrum::Linear,
            rotation: Rotation::None,
            shift: 0.0,
        };
        let record = execute(run);
        assert_eq!(record.outcome.status, Status::MaxIters);
        assert_eq!(record.outcome.iterations, ITERS);
        let f_run = record.outcome.final_value;
        // Same operations in the same order: the three agree to the last bit.
        for (name, f_bare) in [
            ("bare", bare(&spectrum)),
            ("bare_measured", bare_measured(run)),
        ] {
            assert_eq!(
                f_run.to_bits(),
                f_bare.to_bits(),
                "harness {f_run:e} vs {name} {f_bare:e}"
            );
        }
        group.bench_with_input(BenchmarkId::new("harness", dim), &dim, |b, _| {
            b.iter(|| black_box(execute(run)))
        });
        group.bench_with_input(BenchmarkId::new("bare_measured", dim), &dim, |b, _| {
            b.iter(|| bare_measured(run))
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
