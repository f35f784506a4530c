//! One Newton iteration at n = 1000 on a rotated quadratic (a dense, symmetric positive definite Hessian)
//! through the optimizer, against faer's Cholesky factorisation and solve alone on the same matrix.
//!
//! The iteration is `newton` with its default `mode = "line-search"` driven through the counting oracle: the
//! Hessian and the gradient are evaluated (two `n^2` passes of the problem's own), `H` is factored by
//! Cholesky (`n^3/3` flops) and solved, and Armijo accepts the unit step after one value. The reference is
//! `H.llt(Side::Lower)` plus one solve; a second reference, `faer_in_place`, is the floor: the in-place
//! factorisation and solve on a copy in buffers allocated once, as the optimizer keeps them.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::cholesky::llt;
use faer::linalg::solvers::Solve;
use faer::{Mat, Par, Side};
use optzoo::Oracle;

#[path = "common/mod.rs"]
mod common;

const DIM: usize = 1_000;
/// Newton steps per fresh start (outside the timing): the first lands on the minimiser, and the later ones
/// do the same work there.
const CHUNK: u64 = 5;

fn newton(c: &mut Criterion) {
    let (problem, x0) = common::build(
        "quadratic",
        &format!("dim = {DIM}\nkappa = 1e3\nrotation = \"random\""),
    );
    let second = problem.second_order().expect("quadratics have Hessians");
    let mut h = Mat::<f64>::zeros(DIM, DIM);
    second.hessian(&x0, &mut h);
    let mut g = vec![0.0; DIM];
    problem.gradient(&x0, &mut g);
    let optimizer = common::optimizer("newton", "");

    // The step lands on the minimiser x* = 0, as does the reference solve x0 - H^{-1} g.
    {
        let mut x = x0.clone();
        let mut oracle = Oracle::new(problem.as_ref());
        let mut stepper = optimizer.optimizer.start(&x, &mut oracle).expect("starts");
        stepper
            .step(&mut x, &mut oracle)
            .expect("a Newton step on an SPD quadratic");
        let llt = h
            .llt(Side::Lower)
            .expect("the Hessian is positive definite");
        let d = llt.solve(Mat::from_fn(DIM, 1, |i, _| g[i]));
        let worst = (0..DIM)
            .map(|i| (x[i] - (x0[i] - d[(i, 0)])).abs())
            .fold(0.0, f64::max);
        // Both solve one system of condition 1e3 from |x0| = 1: agreement to kappa * n * eps.
        let tol = 1e3 * DIM as f64 * f64::EPSILON;
        assert!(
            worst <= tol,
            "Newton step vs faer solve: {worst:e} > {tol:e}"
        );
    }

    let mut group = c.benchmark_group("newton");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("step", |b| {
        b.iter_custom(|iters| {
            common::time_steps(
                problem.as_ref(),
                &x0,
                optimizer.optimizer.as_ref(),
                false,
                CHUNK,
                iters,
            )
        })
    });
    group.bench_function("faer_llt_solve", |b| {
        b.iter(|| {
            let llt = black_box(&h).llt(Side::Lower).expect("positive definite");
            let mut rhs = Mat::from_fn(DIM, 1, |i, _| -g[i]);
            llt.solve_in_place(rhs.as_mut());
            black_box(rhs)
        })
    });
    // The floor: faer's in-place factorisation and solve on a copy in buffers allocated once (`Llt::new`
    // above also allocates and zeroes its factor and scratch on every call).
    let mut work = Mat::<f64>::zeros(DIM, DIM);
    let mut rhs = Mat::<f64>::zeros(DIM, 1);
    let mut mem = MemBuffer::new(StackReq::any_of(&[
        llt::factor::cholesky_in_place_scratch::<f64>(DIM, Par::Seq, Default::default()),
        llt::solve::solve_in_place_scratch::<f64>(DIM, 1, Par::Seq),
    ]));
    group.bench_function("faer_in_place", |b| {
        b.iter(|| {
            work.copy_from_triangular_lower(black_box(&h));
            let stack = MemStack::new(&mut mem);
            llt::factor::cholesky_in_place(
                work.as_mut(),
                Default::default(),
                Par::Seq,
                stack,
                Default::default(),
            )
            .expect("positive definite");
            for (i, gi) in g.iter().enumerate() {
                rhs[(i, 0)] = -gi;
            }
            llt::solve::solve_in_place(work.as_ref(), rhs.as_mut(), Par::Seq, stack);
            black_box(&rhs);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = newton
}
criterion_main!(benches);
