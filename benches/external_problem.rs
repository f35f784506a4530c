//! Protocol overhead of external problems: a minimal compiled problem server (this very binary started again,
//! serving chained Rosenbrock with the built-in's arithmetic) against the built-in `rosenbrock` family.
//!
//! Group `external_problem`: one value-and-gradient evaluation at dims 10, 1000 and 100000, `builtin` on the
//! built-in problem, `protocol` through the problem process (a request of `n` numbers, an answer of `n + 1`).
//! The overhead per evaluation is `protocol - builtin`. The server's start is not timed.

use std::hint::black_box;
use std::io::{BufReader, BufWriter};

use criterion::{BenchmarkId, Criterion, criterion_group};
use optzoo::external::protocol::{read_f64s, read_header_as, write_message, write_numbers};
use optzoo::problems::Instance;

#[path = "common/mod.rs"]
mod common;

/// The variable that makes this binary the problem server.
const SERVER: &str = "OPTZOO_BENCH_PROBLEM_SERVER";
const DIMS: [usize; 3] = [10, 1000, 100_000];

/// The minimal problem server: chained Rosenbrock of the `dim` in its params, values and gradients.
fn server() {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let (mut line, mut bytes) = (Vec::new(), Vec::new());
    let Ok(hello) = read_header_as::<serde_json::Value>(&mut input, &mut line) else {
        return;
    };
    let n = hello["params"]["dim"].as_u64().unwrap_or(2) as usize;
    let x0: Vec<f64> = (0..n)
        .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
        .collect();
    let head = format!(
        r#"{{"op":"hello","protocol":"optzoo-problem","version":2,"dim":{n},"offers":["value","gradient"]}}"#
    );
    if write_numbers(&mut output, &head, &x0).is_err() {
        return;
    }
    let mut x = vec![0.0; n];
    let mut out = vec![0.0; n + 1];
    while let Ok(h) = read_header_as::<serde_json::Value>(&mut input, &mut line) {
        if h["op"] != "eval" || read_f64s(&mut input, &mut bytes, &mut x).is_err() {
            let _ = write_message(&mut output, r#"{"op":"fail"}"#, &[]);
            return;
        }
        let want: Vec<&str> = h["want"]
            .as_array()
            .map(|w| w.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let (value, gradient) = (want.contains(&"value"), want.contains(&"gradient"));
        let (f, g) = out.split_at_mut(1);
        g.fill(0.0);
        f[0] = 0.0;
        for i in 0..n - 1 {
            let a = x[i + 1] - x[i] * x[i];
            let b = 1.0 - x[i];
            f[0] += 100.0 * a * a + b * b;
            g[i] += -400.0 * x[i] * a - 2.0 * b;
            g[i + 1] += 200.0 * a;
        }
        let answer = match (value, gradient) {
            (true, true) => &out[..],
            (true, false) => &out[..1],
            _ => &out[1..],
        };
        if write_numbers(&mut output, r#"{"op":"result"}"#, answer).is_err() {
            return;
        }
    }
}

fn instance(text: &str) -> Instance {
    let table: toml::Table = toml::from_str(text).expect("valid TOML");
    let family = table
        .get("family")
        .and_then(|f| f.as_str())
        .expect("a family")
        .to_string();
    let mut own = table.clone();
    own.remove("family");
    match optzoo::problems::family(&family) {
        Some(f) => Instance::parse(f, &own).expect("valid"),
        None => Instance::parse_external(&own, None).expect("valid"),
    }
}

fn bench(c: &mut Criterion) {
    let exe = std::env::current_exe().expect("the bench binary");
    let mut group = c.benchmark_group("external_problem");
    for n in DIMS {
        let builtin = instance(&format!("family = \"rosenbrock\"\ndim = {n}"));
        let external = instance(&format!(
            "family = \"external\"\nlabel = \"bench\"\ncommand = [{}]\nparams = {{ dim = {n} }}\n\
             env = {{ {SERVER} = \"1\" }}",
            toml::Value::String(exe.to_string_lossy().into_owned())
        ));
        for (name, inst) in [("builtin", &builtin), ("protocol", &external)] {
            let (p, x0) = inst.build(0).expect("builds");
            let mut g = vec![0.0; n];
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| black_box(p.value_and_gradient(black_box(&x0), &mut g)))
            });
            assert!(p.fault().is_none(), "{:?}", p.fault());
        }
        external.release();
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench
}

fn main() {
    if std::env::var_os(SERVER).is_some() {
        server();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
