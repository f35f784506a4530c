//! Layered models at the cost of a compiled autodiff framework: evaluations and second-order steps on `mlp`
//! (tanh MLPs, 128 samples) of growing parameter count.
//!
//! Per model: value and gradient, a Hessian-vector product (at a fresh point: the forward and backward
//! passes included, and at the point of the previous gradient: the R-pass alone), the dense Hessian, one
//! K-FAC step (`update_every = 1`, Armijo), one damped (Levenberg-Marquardt) and one saddle-free Newton
//! iteration, beside faer's eigendecomposition of the same Hessian alone. "Fresh point" calls alternate between two points, so no cached pass is reused. Dense
//! Hessians and Newton iterations stop at a few thousand parameters: at 10^4 the Hessian alone is 800 MB.
//! `scripts/bench.sh layered` prints the estimates; the table of `docs/performance.md` gives them with their
//! ratios.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd;
use faer::{Mat, Par};

#[path = "common/mod.rs"]
mod common;

/// The models: widths, with 128 samples; about 484, 1864 and 9896 parameters.
const MODELS: &[&str] = &["[8, 16, 16, 4]", "[16, 32, 32, 8]", "[32, 96, 64, 8]"];

/// The largest parameter count with dense Hessians and Newton iterations.
const DENSE_LIMIT: usize = 2_000;

/// Steps per fresh start of the optimizers (outside the timing).
const CHUNK: u64 = 5;

fn model(widths: &str) -> (Box<dyn optzoo::Problem>, Vec<f64>, Vec<f64>) {
    let (p, x0) = common::build("mlp", &format!("widths = {widths}\nsamples = 128"));
    // A second point, so that alternating calls never find their pass cached.
    let x1: Vec<f64> = x0
        .iter()
        .enumerate()
        .map(|(i, v)| v + 1e-3 * (i as f64).sin())
        .collect();
    (p, x0, x1)
}

fn layered(c: &mut Criterion) {
    let mut group = c.benchmark_group("layered");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    for widths in MODELS {
        let (problem, x0, x1) = model(widths);
        let n = problem.dim();
        let so = problem.second_order().expect("networks have Hessians");
        let mut g = vec![0.0; n];
        let mut hv = vec![0.0; n];
        let v: Vec<f64> = (0..n).map(|i| (0.7 * i as f64).cos()).collect();
        let points = [&x0, &x1];
        group.bench_with_input(BenchmarkId::new("value_grad", n), &n, |b, _| {
            let mut k = 0;
            b.iter(|| {
                k += 1;
                black_box(problem.value_and_gradient(points[k % 2], &mut g))
            })
        });
        group.bench_with_input(BenchmarkId::new("hvp", n), &n, |b, _| {
            let mut k = 0;
            b.iter(|| {
                k += 1;
                so.hvp(points[k % 2], &v, &mut hv);
                black_box(hv[0])
            })
        });
        problem.value_and_gradient(&x0, &mut g);
        group.bench_with_input(BenchmarkId::new("hvp_cached_pass", n), &n, |b, _| {
            b.iter(|| {
                so.hvp(&x0, &v, &mut hv);
                black_box(hv[0])
            })
        });
        let kfac = common::optimizer("kfac", "update_every = 1");
        group.bench_with_input(BenchmarkId::new("kfac_step", n), &n, |b, _| {
            b.iter_custom(|iters| {
                common::time_steps(
                    problem.as_ref(),
                    &x0,
                    kfac.optimizer.as_ref(),
                    false,
                    CHUNK,
                    iters,
                )
            })
        });
        if n > DENSE_LIMIT {
            continue;
        }
        let mut h = Mat::<f64>::zeros(n, n);
        group.bench_with_input(BenchmarkId::new("hessian", n), &n, |b, _| {
            let mut k = 0;
            b.iter(|| {
                k += 1;
                so.hessian(points[k % 2], &mut h);
                black_box(h[(0, 0)])
            })
        });
        // The floor of a saddle-free iteration: faer's self-adjoint eigendecomposition of the Hessian alone,
        // in buffers allocated once (as the optimizer keeps them).
        so.hessian(&x0, &mut h);
        let mut values = faer::diag::Diag::<f64>::zeros(n);
        let mut vectors = Mat::<f64>::zeros(n, n);
        let mut mem = MemBuffer::new(evd::self_adjoint_evd_scratch::<f64>(
            n,
            evd::ComputeEigenvectors::Yes,
            Par::Seq,
            Default::default(),
        ));
        group.bench_with_input(BenchmarkId::new("faer_eigen", n), &n, |b, _| {
            b.iter(|| {
                evd::self_adjoint_evd(
                    h.as_ref(),
                    values.as_mut(),
                    Some(vectors.as_mut()),
                    Par::Seq,
                    MemStack::new(&mut mem),
                    Default::default(),
                )
                .expect("converges");
                black_box(values[0])
            })
        });
        for (name, mode) in [
            ("newton_damped", "mode = \"damped\""),
            ("newton_saddle_free", "mode = \"saddle-free\""),
        ] {
            let newton = common::optimizer("newton", mode);
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter_custom(|iters| {
                    common::time_steps(
                        problem.as_ref(),
                        &x0,
                        newton.optimizer.as_ref(),
                        false,
                        CHUNK,
                        iters,
                    )
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = layered
}
criterion_main!(benches);
