//! Protocol overhead of external optimizers: minimal clients (gradient descent written in Rust, this very
//! binary started again as the client) through the protocol, against the objective's own cost and against the
//! built-in `gd` doing the same arithmetic.
//!
//! Group `external` (version 1, numbers on the pipe): per iteration the client sends `E` evals (value and
//! gradient at its point, `n` numbers), reads each result (`n + 1` numbers) and moves by it, then reports the
//! `iterate` (`n` numbers), which the harness answers with `continue`: `E + 1` round trips and `E` real
//! evaluations, since the point moves. `protocol/E=1` is a first-order method's iteration; `protocol/E=8` a
//! line search's. `objective` times one evaluation alone: the overhead per evaluation is
//! `(protocol - E objective) / E`. These time the optimizer's steps only.
//!
//! Group `external_vs_gd` (the cost of an iteration as a user's run pays it: the optimizer's step and the
//! runner's measurement after it, the client's start apart): `gd` is the built-in with a fixed step; `v1` the
//! version-1 client above with `E = 1`; `v2` a version-2 client, one round trip per iteration (an `iterate` that
//! asks for the gradient at its point with the answer), whose vectors cross through the memory file where the
//! harness offers one (n >= 1024): it keeps its iterate in the request area and reads the gradient in the
//! response area, copying nothing.
//!
//! Passes over an n-vector per iteration at n = 1e6, counted as streams (one vector read or written once;
//! `r`, `w`), where the time goes when memory-bound:
//! - `gd`: the step compares `x` with the oracle's cached point (2r, equal) and moves `x` by the cached
//!   gradient (2r 1w); the runner's measurement copies `x` into the cache (1r 1w), evaluates (`x` and the
//!   eigenvalues 2r, the gradient 1w) and takes the gradient's norm (1r): 11 streams.
//! - `v2`, the client: `x -= step g` in the memory file (2r 1w): 3 streams.
//! - `v2`, the harness, before the answer was made with the measurement: the answer compared `x` with the
//!   cache (2r) and copied the cached gradient into the response area (1r 1w); the iterate was checked (1r) and
//!   copied into `x` (1r 1w); the measurement as gd's (1r 1w, 2r 1w, 1r): 13 streams, 16 with the client's,
//!   a floor of 16 / 11 = 1.45x gd.
//! - `v2`, the harness with the answer made with the measurement, through the cache (`Oracle::measure_ahead`
//!   in its first form): the iterate was checked on its way into the cache (1r 1w), copied into `x` (1r 1w),
//!   evaluated with the gradient written into the response area (2r 1w) and its norm taken (1r); the runner's
//!   measurement compared `x` with the cache (2r): 10 streams, 13 with the client's, a floor of 1.18x gd.
//! - `v2`, the harness now (`Oracle::measure_ahead` at the run loop's own vector): the iterate is checked
//!   (1r) and copied into `x` (1r 1w), evaluated with the gradient written into the response area (2r 1w) and
//!   its norm taken (1r); the runner's measurement finds it made at that vector and makes no pass; the answer
//!   is only charged: 7 streams, 10 with the client's, a floor of 10 / 11 = 0.91x gd.

use std::hint::black_box;
use std::io::{BufReader, BufWriter, Write};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group};
use optzoo::external::protocol::{put_f64s, read_f64s, read_header, write_message};
use optzoo::{Problem, Status};

#[path = "common/mod.rs"]
mod common;

/// The variable that makes this binary the client.
const CLIENT: &str = "OPTZOO_BENCH_CLIENT";
const DIMS: [usize; 3] = [100, 1000, 10_000];
const STEP: f64 = 1e-3;
/// Iterations per client process (its start is not timed).
const CHUNK: u64 = 10_000;

/// The minimal clients: gradient descent until told to stop; `OPTZOO_BENCH_CLIENT` says which (`v2`, or the
/// number of evals per iterate of the version-1 client).
fn client() {
    let mode = std::env::var(CLIENT).unwrap_or_default();
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let (mut line, mut bytes) = (Vec::new(), Vec::new());
    let Ok(hello) = read_header(&mut input, &mut line) else {
        return;
    };
    let n = usize::try_from(hello.f64).unwrap_or(0);
    let mut x = vec![0.0; n];
    if read_f64s(&mut input, &mut bytes, &mut x).is_err() {
        return;
    }
    if mode == "v2" {
        let shm = serde_json::from_slice::<serde_json::Value>(&line)
            .ok()
            .and_then(|h| h["shm_file"]["f64"].as_u64());
        client_v2(&mut input, &mut output, x, shm);
    } else {
        client_v1(&mut input, &mut output, x, mode.parse().unwrap_or(1));
    }
}

/// Version 1: `evals` evals, then the iterate, each on the pipe.
fn client_v1(input: &mut Input, output: &mut impl Write, mut x: Vec<f64>, evals: usize) {
    let (mut line, mut bytes, mut payload) = (Vec::new(), Vec::new(), Vec::new());
    let mut result = vec![0.0; x.len() + 1];
    loop {
        for _ in 0..evals {
            payload.clear();
            put_f64s(&mut payload, &x);
            if write_message(
                output,
                r#"{"op":"eval","want":["value","gradient"]}"#,
                &payload,
            )
            .is_err()
                || read_header(input, &mut line).is_err()
                || read_f64s(input, &mut bytes, &mut result).is_err()
            {
                return;
            }
            for (xi, gi) in x.iter_mut().zip(&result[1..]) {
                *xi -= STEP * gi;
            }
        }
        payload.clear();
        put_f64s(&mut payload, &x);
        if write_message(output, r#"{"op":"iterate"}"#, &payload).is_err() {
            return;
        }
        match read_header(input, &mut line) {
            Ok(h) if h.op == "continue" => {}
            _ => return,
        }
    }
}

/// The client's channel from the harness.
type Input = BufReader<std::io::StdinLock<'static>>;

/// Polls stdin for up to 50 us while the harness answers quickly, as the harness polls the client's stdout
/// (`ClientProcess::await_message`): a round trip between two processes asleep in `read` costs tens of
/// microseconds of wake-ups. True (the read that follows blocks if need be).
fn await_input(input: &Input, quick: &mut bool) -> bool {
    let spin = Duration::from_micros(50);
    if !input.buffer().is_empty() {
        return true;
    }
    let started = Instant::now();
    let mut p = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    if *quick {
        while started.elapsed() < spin {
            // SAFETY: poll(2) on the one pollfd we own.
            if unsafe { libc::poll(&mut p, 1, 0) } != 0 {
                return true;
            }
        }
    }
    // SAFETY: as above.
    unsafe { libc::poll(&mut p, 1, -1) };
    *quick = started.elapsed() < spin;
    true
}

/// Version 2: an `eval` of the gradient at the start, then per iteration one step and an `iterate` that asks for
/// the gradient at its point with the answer. With a memory file of `shm` numbers per area, the iterate lives in
/// the request area and the gradient is read in the response area.
fn client_v2(input: &mut Input, output: &mut impl Write, x: Vec<f64>, shm: Option<u64>) {
    let n = x.len();
    let shared = shm.and_then(|cap| {
        use std::os::fd::FromRawFd;
        // SAFETY: the harness passes the memory file as descriptor 3, which nothing else in this process owns.
        let file = unsafe { std::fs::File::from_raw_fd(3) };
        // SAFETY: the harness touches the file only while this client waits for its answer.
        let map = unsafe { memmap2::MmapMut::map_mut(&file) }.ok()?;
        (map.len() as u64 >= 16 * cap && cap as usize >= n).then_some((map, cap as usize))
    });
    let (mut line, mut quick) = (Vec::new(), true);
    let mut ask = |op: &str, expect: &str, payload: Option<&[f64]>, g: Option<&mut [f64]>| {
        let sent = match payload {
            Some(x) => {
                let mut bytes = Vec::with_capacity(8 * n);
                put_f64s(&mut bytes, x);
                write_message(
                    output,
                    &format!(r#"{{"op":"{op}","want":["gradient"]}}"#),
                    &bytes,
                )
            }
            None => writeln!(
                output,
                r#"{{"op":"{op}","want":["gradient"],"shm":true,"f64":{n}}}"#
            )
            .and_then(|()| output.flush()),
        };
        let answered = sent.is_ok()
            && await_input(input, &mut quick)
            && matches!(read_header(input, &mut line), Ok(h) if h.op == expect && h.shm == payload.is_none());
        answered && g.is_none_or(|g| read_f64s(input, &mut Vec::new(), g).is_ok())
    };
    if let Some((mut map, cap)) = shared {
        // SAFETY: the map is page-aligned and holds 2 cap numbers.
        let all =
            unsafe { std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<f64>(), 2 * cap) };
        let (request, response) = all.split_at_mut(cap);
        let (xs, gs) = (&mut request[..n], &response[..n]);
        xs.copy_from_slice(&x);
        let mut op = ("eval", "result");
        while ask(op.0, op.1, None, None) {
            for (xi, gi) in xs.iter_mut().zip(gs.iter()) {
                *xi -= STEP * gi;
            }
            op = ("iterate", "continue");
        }
        return;
    }
    let (mut x, mut g) = (x, vec![0.0; n]);
    let mut op = ("eval", "result");
    while ask(op.0, op.1, Some(&x), Some(&mut g)) {
        for (xi, gi) in x.iter_mut().zip(&g) {
            *xi -= STEP * gi;
        }
        op = ("iterate", "continue");
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
            let (ended, x, c) = common::run_steps(p.as_ref(), &x0, checked.optimizer.as_ref(), 3);
            assert_eq!(ended.status, Status::MaxIters, "{:?}", ended.message);
            assert!(x != x0, "the client's iterates moved");
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

/// The dims of `external_vs_gd`: where the round trip dominates, and where the vectors do.
const VERSUS: [usize; 2] = [10, 1_000_000];

/// The built-in `gd` and the two minimal clients, an iteration each as a run pays it.
fn versus(c: &mut Criterion) {
    let exe = std::env::current_exe().expect("the bench binary has a path");
    let mut group = c.benchmark_group("external_vs_gd");
    group.warm_up_time(Duration::from_secs(1));
    group.sample_size(10);
    let client = |mode: &str| {
        common::optimizer(
            "external",
            &format!(
                "label = \"bench\"\ncommand = [{}]\nenv = {{ {CLIENT} = \"{mode}\" }}",
                toml::Value::String(exe.to_string_lossy().into_owned())
            ),
        )
    };
    let contenders = [
        ("gd", common::optimizer("gd", &format!("step = {STEP}"))),
        ("v1", client("1")),
        ("v2", client("v2")),
    ];
    for n in VERSUS {
        let (p, x0) = problem(n);
        // The same arithmetic: three iterations of each end at the same point, bit for bit.
        let ends: Vec<Vec<f64>> = contenders
            .iter()
            .map(|(_, checked)| common::run_steps(p.as_ref(), &x0, checked.optimizer.as_ref(), 3).1)
            .collect();
        assert!(ends[0] != x0, "gd moved");
        for (end, (name, _)) in ends.iter().zip(&contenders) {
            let same = end
                .iter()
                .zip(&ends[0])
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{name} at n = {n} ends where gd does");
        }
        for (name, checked) in &contenders {
            group.bench_with_input(BenchmarkId::new(*name, n), &n, |b, _| {
                b.iter_custom(|iters| {
                    common::time_iterations(
                        p.as_ref(),
                        &x0,
                        checked.optimizer.as_ref(),
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
    targets = bench, versus
}

fn main() {
    if std::env::var_os(CLIENT).is_some() {
        client();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
