//! Protocol overhead of external optimizers: one iteration of a minimal client (gradient descent written in
//! Rust, this very binary started again as the client) through the protocol, against the objective's own
//! cost at the same size.
//!
//! Per iteration the client sends `E` evals (value and gradient at its point, `n` numbers), reads each result
//! (`n + 1` numbers) and moves by it, then reports the `iterate` (`n` numbers), which the harness answers with
//! `continue`: `E + 1` round trips through pipes and `E` real evaluations of the problem, since the point
//! moves. `protocol/E=1` is a first-order method's iteration; `protocol/E=8` a line search's, where the
//! iterate's round trip is shared by eight evaluations. `objective` times one evaluation alone
//! (`value_and_gradient` at a moving point): the overhead per evaluation is `(protocol - E objective) / E`.

use std::hint::black_box;
use std::io::{BufReader, BufWriter};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group};
use optzoo::external::protocol::{put_f64s, read_f64s, read_header, write_message};
use optzoo::oracle::Oracle;
use optzoo::{Problem, Status};

#[path = "common/mod.rs"]
mod common;

/// The variable that makes this binary the client.
const CLIENT: &str = "OPTZOO_BENCH_CLIENT";
const DIMS: [usize; 3] = [100, 1000, 10_000];
const STEP: f64 = 1e-3;
/// Iterations per client process (its start is not timed).
const CHUNK: u64 = 10_000;

/// The minimal client: gradient descent until told to stop.
fn client() {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let (mut line, mut bytes, mut payload) = (Vec::new(), Vec::new(), Vec::new());
    let Ok(hello) = read_header(&mut input, &mut line) else {
        return;
    };
    let n = usize::try_from(hello.f64).unwrap_or(0);
    let evals: usize = std::env::var(CLIENT)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut x = vec![0.0; n];
    let mut result = vec![0.0; n + 1];
    if read_f64s(&mut input, &mut bytes, &mut x).is_err() {
        return;
    }
    loop {
        for _ in 0..evals {
            payload.clear();
            put_f64s(&mut payload, &x);
            if write_message(
                &mut output,
                r#"{"op":"eval","want":["value","gradient"]}"#,
                &payload,
            )
            .is_err()
                || read_header(&mut input, &mut line).is_err()
                || read_f64s(&mut input, &mut bytes, &mut result).is_err()
            {
                return;
            }
            for (xi, gi) in x.iter_mut().zip(&result[1..]) {
                *xi -= STEP * gi;
            }
        }
        payload.clear();
        put_f64s(&mut payload, &x);
        if write_message(&mut output, r#"{"op":"iterate"}"#, &payload).is_err() {
            return;
        }
        match read_header(&mut input, &mut line) {
            Ok(h) if h.op == "continue" => {}
            _ => return,
        }
    }
}

fn problem(n: usize) -> (Box<dyn Problem>, Vec<f64>) {
    common::build(
        "quadratic",
        &format!("dim = {n}\nkappa = 1e3\nspectrum = \"linear\"\nrotation = \"none\""),
    )
}

fn bench(c: &mut Criterion) {
    let exe = std::env::current_exe().expect("the bench binary has a path");
    let mut group = c.benchmark_group("external");
    group.warm_up_time(Duration::from_secs(1));
    for n in DIMS {
        let (p, x0) = problem(n);
        group.bench_with_input(BenchmarkId::new("objective", n), &n, |b, _| {
            let mut x = x0.clone();
            let mut g = vec![0.0; n];
            b.iter(|| {
                let f = p.value_and_gradient(black_box(&x), &mut g);
                for (xi, gi) in x.iter_mut().zip(&g) {
                    *xi -= STEP * gi;
                }
                black_box(f)
            });
        });
        for evals in [1, 8] {
            let checked = common::optimizer(
                "external",
                &format!(
                    "label = \"bench\"\ncommand = [{}]\nenv = {{ {CLIENT} = \"{evals}\" }}",
                    toml::Value::String(exe.to_string_lossy().into_owned())
                ),
            );
            // Three iterations through the run loop: the client moved x by its own gradient steps, so the
            // harness saw real, distinct points, each charged once.
            let mut oracle = Oracle::new(p.as_ref());
            let mut x = x0.clone();
            let stop = optzoo::StopRule::steps_only(3);
            let setup = optzoo::run_loop::Setup {
                stop: &stop,
                f_star: None,
                x_star: None,
                started: Instant::now(),
            };
            let ended = optzoo::run_loop::run(
                checked.optimizer.as_ref(),
                &mut x,
                &mut oracle,
                setup,
                &mut [],
            );
            assert_eq!(ended.status, Status::MaxIters, "{:?}", ended.message);
            assert!(x != x0, "the client's iterates moved");
            let c = oracle.counts();
            assert_eq!((c.f_evals, c.g_evals), (3 * evals, 3 * evals));
            let id = BenchmarkId::new(format!("protocol/E={evals}"), n);
            group.bench_with_input(id, &n, |b, _| {
                b.iter_custom(|iters| {
                    common::time_steps(
                        p.as_ref(),
                        &x0,
                        checked.optimizer.as_ref(),
                        false,
                        CHUNK,
                        iters,
                    )
                });
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}

fn main() {
    if std::env::var_os(CLIENT).is_some() {
        client();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
