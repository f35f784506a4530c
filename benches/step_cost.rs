//! Per-step cost of every registered optimizer against the dimension, on a problem that suits it.
//!
//! One benchmark per (optimizer, n): the time of one `step` through the counting oracle, the optimizer's
//! own work only (the runner's measurement is the `overhead` bench's subject). Each timed batch starts a
//! fresh run and takes at most `CHUNK` steps before the next fresh start (outside the timing), so every
//! method is timed in the early phase of a run, away from convergence; Newton, which lands on a quadratic's
//! minimiser in one step, restarts every step from the start with its buffers kept. First-order methods go
//! from 10^2 to 10^6; BFGS (a dense n x n inverse) and Newton (a dense Cholesky) to 3000; K-FAC on a tanh
//! network of growing width. `scripts/bench.sh` fits the growth exponent of each optimizer's time against n.

use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use optzoo::optimizers::OPTIMIZERS;

#[path = "common/mod.rs"]
mod common;

/// Steps per fresh start: short enough that no case converges or breaks down within it.
const CHUNK: u64 = 20;

/// One optimizer on one problem family over a range of sizes.
struct Case {
    /// The registry name.
    optimizer: &'static str,
    /// Its keys.
    params: &'static str,
    /// The problem family.
    family: &'static str,
    /// The family's keys for size `s`.
    problem: fn(usize) -> String,
    /// The sizes `s` (the dimension, or a width for layered problems).
    sizes: &'static [usize],
    /// Whether every step starts again from the starting point (with the state kept): for a method that
    /// lands on the minimiser in one step and keeps nothing between steps but its buffers.
    restart: bool,
}

const FIRST_ORDER: &[usize] = &[100, 1_000, 10_000, 100_000, 1_000_000];
const DENSE: &[usize] = &[100, 250, 500, 1_000, 2_000, 3_000];
const WIDTHS: &[usize] = &[8, 16, 32, 64, 128];

/// A diagonal quadratic with kappa = 1e6: no first-order method converges in `CHUNK` steps.
fn diagonal(n: usize) -> String {
    format!("dim = {n}\nkappa = 1e6\nrotation = \"none\"")
}

/// The noisy quadratic model's expected loss (exact mode: the moment recursion, no sampling).
fn nqm(n: usize) -> String {
    format!("dim = {n}")
}

/// Chained Rosenbrock from its standard start.
fn rosenbrock(n: usize) -> String {
    format!("dim = {n}\nvariant = \"chained\"")
}

/// A diagonal quadratic with kappa = 1e3 for Newton: the dense factorisation does not see the zeros, so its
/// cost is that of any positive definite Hessian of this size.
fn newton_quadratic(n: usize) -> String {
    format!("dim = {n}\nkappa = 1e3\nrotation = \"none\"")
}

/// A tanh network `w -> w -> w` (with biases) on 256 samples: about `2 w^2` parameters.
fn network(w: usize) -> String {
    format!("widths = [{w}, {w}, {w}]\nsamples = 256")
}

const CASES: &[Case] = &[
    Case {
        optimizer: "adagrad",
        params: "lr = 0.1",
        family: "quadratic",
        problem: diagonal,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "adam",
        params: "lr = 0.01",
        family: "quadratic",
        problem: diagonal,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "bfgs",
        params: "",
        family: "rosenbrock",
        problem: rosenbrock,
        sizes: DENSE,
        restart: false,
    },
    Case {
        optimizer: "cg",
        params: "",
        family: "rosenbrock",
        problem: rosenbrock,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "gd",
        params: "step = \"1/L\"",
        family: "quadratic",
        problem: diagonal,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "kfac",
        params: "",
        family: "mlp",
        problem: network,
        sizes: WIDTHS,
        restart: false,
    },
    Case {
        optimizer: "lbfgs",
        params: "",
        family: "rosenbrock",
        problem: rosenbrock,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "momentum",
        params: "variant = \"nesterov\"",
        family: "quadratic",
        problem: diagonal,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "newton",
        params: "",
        family: "quadratic",
        problem: newton_quadratic,
        sizes: DENSE,
        restart: true,
    },
    Case {
        optimizer: "newton-cg",
        params: "max_cg = 10",
        family: "rosenbrock",
        problem: rosenbrock,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "nqm-exact",
        params: "",
        family: "nqm",
        problem: nqm,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "nqm-exact-momentum",
        params: "",
        family: "nqm",
        problem: nqm,
        sizes: FIRST_ORDER,
        restart: false,
    },
    Case {
        optimizer: "rmsprop",
        params: "lr = 0.01",
        family: "quadratic",
        problem: diagonal,
        sizes: FIRST_ORDER,
        restart: false,
    },
];

fn step_cost(c: &mut Criterion) {
    let covered: Vec<&str> = CASES.iter().map(|c| c.optimizer).collect();
    // An optimizer with required keys (the external client) has its own bench: benches/external.rs.
    let registered: Vec<&str> = OPTIMIZERS
        .iter()
        .filter(|o| !o.needs_settings())
        .map(|o| o.name)
        .collect();
    assert_eq!(
        covered, registered,
        "every registered optimizer needs a case"
    );

    let mut group = c.benchmark_group("step_cost");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    for case in CASES {
        let optimizer = common::optimizer(case.optimizer, case.params);
        for &size in case.sizes {
            let (problem, x0) = common::build(case.family, &(case.problem)(size));
            let n = problem.dim();
            // A window of at least 15 steps: criterion needs 10 samples of at least one step each.
            let budget = if common::test_mode() {
                Duration::from_secs(1)
            } else {
                let probe = common::time_steps(
                    problem.as_ref(),
                    &x0,
                    optimizer.optimizer.as_ref(),
                    case.restart,
                    CHUNK,
                    1,
                );
                (probe * 15).max(Duration::from_secs(1))
            };
            group
                .throughput(Throughput::Elements(n as u64))
                .warm_up_time(Duration::from_millis(300))
                .measurement_time(budget);
            group.bench_with_input(BenchmarkId::new(case.optimizer, n), &n, |b, _| {
                b.iter_custom(|iters| {
                    common::time_steps(
                        problem.as_ref(),
                        &x0,
                        optimizer.optimizer.as_ref(),
                        case.restart,
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
    targets = step_cost
}
criterion_main!(benches);
