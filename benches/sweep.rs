//! Sweep throughput: one CPU-bound config with `--jobs 1` and `--jobs 2`, through the library's
//! `run_plan` (what `optzoo run` calls), each into a fresh directory.
//!
//! Every run is single-threaded (faer is built without its thread pool and called with `Par::Seq`), so the
//! runs of a sweep are the only parallelism and throughput should scale with the jobs. Before timing, the
//! bench checks that both sweeps give the same records outside `timing`.

use std::path::Path;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use optzoo::plan::Plan;
use optzoo::plan::execute::run_plan;
use optzoo::runner::SweepOptions;
use optzoo::store::RunRecord;

#[path = "common/mod.rs"]
mod common;

/// 128 runs of one to about twenty-five milliseconds each (none more than a few percent of the sweep, so the
/// last runs do not leave a core idle): dense rotated quadratics and chained Rosenbrock under L-BFGS and
/// Armijo gradient descent. Small problems, so the runs compute rather than wait on memory.
const CONFIG: &str = r#"
name = "sweep-bench"
seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
[[problem]]
family = "quadratic"
dim = 150
kappa = [1e4, 1e5]
rotation = "random"
start = "random"
[[problem]]
family = "rosenbrock"
dim = [50, 100]
start = "random"
start_sigma = 0.1
[stop]
grad_rtol = 1e-10
max_iters = 800
[[optimizer]]
name = "lbfgs"
[[optimizer]]
name = "gd"
step = "armijo"
"#;

fn run(plan: &Plan, dir: &Path, jobs: usize) -> Vec<RunRecord> {
    let options = SweepOptions {
        jobs,
        fresh: true,
        keep_failed: false,
    };
    run_plan(plan, dir, options, &|_| {}).expect("the sweep writes its results")
}

/// A record as JSON without its `timing` object: what must not depend on the jobs.
fn untimed(r: &RunRecord) -> serde_json::Value {
    let mut v = serde_json::to_value(r).expect("records serialize");
    if let serde_json::Value::Object(map) = &mut v {
        map.remove("timing");
    }
    v
}

fn sweep(c: &mut Criterion) {
    // Runs are the unit of parallelism: faer's implicit parallelism (its high-level decompositions and
    // products) must be sequential, as it is without faer's `rayon` feature.
    assert!(
        matches!(faer::get_global_parallelism(), faer::Par::Seq),
        "faer runs in parallel inside a run: jobs would compete for cores"
    );
    let plan = common::plan("sweep-bench", CONFIG);
    let runs = plan.runs.len();
    let dir = tempfile::tempdir().expect("a temporary directory");

    let one: Vec<_> = run(&plan, &dir.path().join("check-1"), 1)
        .iter()
        .map(untimed)
        .collect();
    let two: Vec<_> = run(&plan, &dir.path().join("check-2"), 2)
        .iter()
        .map(untimed)
        .collect();
    assert_eq!(one.len(), runs);
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(a, b, "a record differs between --jobs 1 and --jobs 2");
    }

    let mut group = c.benchmark_group("sweep");
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(runs as u64));
    for jobs in [1, 2] {
        let out = dir.path().join(format!("jobs-{jobs}"));
        group.bench_with_input(BenchmarkId::new("jobs", jobs), &jobs, |b, &jobs| {
            b.iter(|| run(&plan, &out, jobs))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = sweep
}
criterion_main!(benches);
