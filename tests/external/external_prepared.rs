//! An iterate that asks for its evaluation (protocol version 2) is answered with the runner's measurement
//! there, made ahead of it: the iterate checked into the oracle's cache and the gradient written straight
//! where the client reads it. Checked end to end through the binary against gradient descent computed here
//! from the library's problem, at a dim whose vectors cross the pipe (8) and one whose vectors cross the
//! memory file (2000): the same iterates, values and counts, bit for bit; the value sent with the gradient is
//! the problem's value there; a NaN in an iterate fails the run and leaves the last good iterate measured.
//!
//! Needs a Python with numpy (`OPTZOO_PYTHON`, else the project's `.venv`); skipped with a note without one.

use super::common;

use std::path::Path;

use common::{optzoo, python_with, records, root, write};
use optzoo::Problem;
use optzoo::problems::{self, Instance};

const LR: f64 = 0.5;
const PROBLEM: &str = "kappa = 10\nrotation = \"random\"\n";

/// A TOML string literal.
fn lit(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The problem of the runs at `dim`, and its start for seed 0, built by the library.
fn problem(dim: usize) -> (Box<dyn Problem>, Vec<f64>) {
    let table: toml::Table =
        toml::from_str(&format!("{PROBLEM}dim = {dim}\n")).expect("valid TOML");
    let family = problems::family("quadratic").expect("a registered family");
    Instance::parse(family, &table)
        .expect("valid parameters")
        .build(0)
        .expect("the problem builds")
}

/// `steps` iterations of gradient descent with step `LR` from the start, computed here: the point and its value.
fn descend(dim: usize, steps: usize) -> (Vec<f64>, f64) {
    let (p, mut x) = problem(dim);
    let mut g = vec![0.0; dim];
    for _ in 0..steps {
        p.gradient(&x, &mut g);
        for (xi, gi) in x.iter_mut().zip(&g) {
            *xi -= LR * gi;
        }
    }
    let f = p.value(&x);
    (x, f)
}

/// Runs the client `prepared.py` with `params` (a TOML inline table's keys besides `lr`) at dims 8 and 2000,
/// `max_iters` iterations at most; the records.
fn run(dir: &Path, python: &str, params: &str, max_iters: u64) -> Vec<serde_json::Value> {
    let client = lit(&root().join("tests/clients/prepared.py").to_string_lossy());
    let cfg = write(
        dir,
        "prepared.toml",
        &format!(
            "seeds = [0]\n[[problem]]\nfamily = \"quadratic\"\n{PROBLEM}dim = [8, 2000]\n[stop]\nmax_iters = {max_iters}\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"prepared\"\ncommand = [{}, {client}]\n\
             params = {{ lr = {LR}, {params} }}\n",
            lit(python)
        ),
    );
    let out = dir.join("res");
    let o = optzoo(
        dir,
        &[
            "run",
            cfg.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    records(&out)
}

fn at<'r>(all: &'r [serde_json::Value], dim: usize, mode: &str) -> &'r serde_json::Value {
    all.iter()
        .find(|r| {
            r["spec"]["problem"]["params"]["dim"] == dim
                && r["spec"]["optimizer"]["params"]["params"]["mode"] == mode
        })
        .unwrap_or_else(|| panic!("a {mode} run at dim {dim}"))
}

/// The final point of a record: inline, or in its point file beside the records.
fn final_point(out: &Path, r: &serde_json::Value) -> Vec<f64> {
    if let Some(x) = r["outcome"]["final_x"].as_array() {
        return x.iter().map(|v| v.as_f64().expect("a number")).collect();
    }
    let id = r["run_id"].as_str().expect("a run id");
    let bytes =
        std::fs::read(out.join("points").join(format!("{id}.f64"))).expect("the point file");
    bytes
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn an_iterate_answered_with_its_measurement_matches_gradient_descent_bit_for_bit() {
    let Some(python) = python_with("numpy") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let params = "mode = [\"workspace\", \"value\", \"nan\"], steps = 10, nan_at = 5";
    let all = run(dir.path(), &python, params, 30);
    let out = dir.path().join("res");
    for dim in [8, 2000] {
        // x kept in the memory file and the gradient read there: every iterate is gradient descent's.
        let r = at(&all, dim, "workspace");
        let o = &r["outcome"];
        assert_eq!(o["status"], "max-iters", "dim {dim}: {}", o["message"]);
        assert_eq!(o["iterations"], 30);
        let (x, f) = descend(dim, 30);
        assert_eq!(bits(&final_point(&out, r)), bits(&x), "dim {dim}");
        assert_eq!(
            o["final_value"].as_f64().map(f64::to_bits),
            Some(f.to_bits())
        );
        // The start's gradient, and one with the answer to each iterate but the last (answered `stop`).
        assert_eq!(
            (
                o["counts"]["f_evals"].clone(),
                o["counts"]["g_evals"].clone()
            ),
            (0.into(), 30.into())
        );

        // The value sent with the gradient is the problem's value at the iterate, and is charged.
        let r = at(&all, dim, "value");
        let o = &r["outcome"];
        assert_eq!(o["status"], "stopped", "dim {dim}: {}", o["message"]);
        assert_eq!(o["iterations"], 10);
        let (x, f) = descend(dim, 10);
        assert_eq!(bits(&final_point(&out, r)), bits(&x), "dim {dim}");
        let sent: f64 = o["message"]
            .as_str()
            .and_then(|m| m.rsplit("value ").next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("the client's last value in {}", o["message"]));
        assert_eq!(sent.to_bits(), f.to_bits(), "dim {dim}: {sent} against {f}");
        assert_eq!(
            o["final_value"].as_f64().map(f64::to_bits),
            Some(f.to_bits())
        );
        assert_eq!(
            (
                o["counts"]["f_evals"].clone(),
                o["counts"]["g_evals"].clone()
            ),
            (10.into(), 11.into())
        );

        // A NaN in the fifth iterate fails the run, naming it; x stays the fourth iterate, measured there.
        let r = at(&all, dim, "nan");
        let o = &r["outcome"];
        assert_eq!(o["status"], "failed");
        let m = o["message"].as_str().unwrap_or_default();
        assert!(
            m.contains("non-finite coordinate 3 = NaN in iterate"),
            "dim {dim}: {m}"
        );
        assert_eq!(o["iterations"], 4);
        let (_, f) = descend(dim, 4);
        assert_eq!(
            o["final_value"].as_f64().map(f64::to_bits),
            Some(f.to_bits()),
            "dim {dim}"
        );
    }
}
