//! External problems (`[[problem]] family = "external"`, docs/problem-protocol.md), through the binary: a
//! numpy chained Rosenbrock served by a process records what the built-in `rosenbrock` records, bit for bit;
//! what the process offers decides `not-applicable`; every fault of a problem process is a `failed` run naming
//! it, the sweep goes on, and no process outlives it.
//!
//! The numpy test needs a Python with numpy: `OPTZOO_PYTHON`, else the project's `.venv`
//! (`scripts/setup-python.sh`); without one it is skipped with a note, unless `OPTZOO_REQUIRE_PYTHON` is set.
//! The fault tests need only `python3` and its standard library.

use super::common;

use std::path::Path;

use common::{python_with, records, root, run_ok, write};

/// A TOML string literal.
fn lit(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The runs of `recs` on `family`, by optimizer name.
fn by_optimizer<'a>(
    recs: &'a [serde_json::Value],
    family: &str,
) -> std::collections::BTreeMap<String, &'a serde_json::Value> {
    recs.iter()
        .filter(|r| r["spec"]["problem"]["family"] == family)
        .map(|r| {
            (
                r["spec"]["optimizer"]["name"]
                    .as_str()
                    .expect("a name")
                    .to_string(),
                r,
            )
        })
        .collect()
}

#[test]
fn numpy_rosenbrock_through_the_protocol_equals_the_builtin_bit_for_bit() {
    let Some(python) = python_with("numpy") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let server = root().join("clients/python/examples/rosenbrock_problem.py");
    let config = format!(
        "name = \"eq\"\n\
         [[problem]]\nfamily = \"rosenbrock\"\ndim = 6\n\
         [[problem]]\nfamily = \"external\"\nlabel = \"np-rosenbrock\"\ncommand = [{py}, {server}]\n\
         params = {{ dim = 6, offers = [[\"hvp\"], [\"hessian\"]] }}\n\
         [stop]\ngrad_rtol = 1e-8\nmax_iters = 150\n\
         [[optimizer]]\nname = \"gd\"\n[[optimizer]]\nname = \"lbfgs\"\n\
         [[optimizer]]\nname = \"newton\"\n[[optimizer]]\nname = \"newton-cg\"\n",
        py = lit(&python),
        server = lit(&server.to_string_lossy()),
    );
    let cfg = write(dir.path(), "eq.toml", &config);
    let out = dir.path().join("out");
    run_ok(
        dir.path(),
        &[
            "run",
            &cfg.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--no-report",
        ],
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 3 * 4, "two external instances and the built-in");
    let builtin = by_optimizer(&recs, "rosenbrock");
    let offering = |what: &str| -> Vec<&serde_json::Value> {
        recs.iter()
            .filter(|r| r["spec"]["problem"]["params"]["params"]["offers"][0] == what)
            .collect()
    };
    let (hvp_only, hessian_only) = (offering("hvp"), offering("hessian"));
    assert_eq!((hvp_only.len(), hessian_only.len()), (4, 4));
    for r in hvp_only.iter().chain(&hessian_only) {
        let name = r["spec"]["optimizer"]["name"].as_str().expect("a name");
        let offers = &r["spec"]["problem"]["params"]["params"]["offers"][0];
        let missing = match (name, offers.as_str()) {
            ("newton", Some("hvp")) => Some("a dense Hessian"),
            ("newton-cg", Some("hessian")) => Some("Hessian-vector products"),
            _ => None,
        };
        let (o, b) = (&r["outcome"], &builtin[name]["outcome"]);
        if let Some(what) = missing {
            assert_eq!(o["status"], "not-applicable", "{name} offering {offers}");
            let message = o["message"].as_str().expect("a message");
            assert!(message.contains(what), "{name}: {message}");
            continue;
        }
        assert_ne!(b["status"], "failed", "{name}: {}", b["message"]);
        for key in [
            "status",
            "iterations",
            "counts",
            "grad_equiv_evals",
            "dim",
            "optimum_value",
        ] {
            assert_eq!(o[key], b[key], "{name} offering {offers}: {key}");
        }
        for key in [
            "initial_value",
            "final_value",
            "final_grad_norm",
            "final_x_error",
        ] {
            let bits = |v: &serde_json::Value| v.as_f64().map(f64::to_bits);
            assert_eq!(
                bits(&o[key]),
                bits(&b[key]),
                "{name} offering {offers}: {key} {} vs {}",
                o[key],
                b[key]
            );
        }
        assert_eq!(o["final_x"], b["final_x"], "{name}: final_x");
    }
    // gd's cap is reached on both sides; every second-order method converges.
    assert_eq!(builtin["gd"]["outcome"]["status"], "max-iters");
    for name in ["lbfgs", "newton", "newton-cg"] {
        assert_eq!(builtin[name]["outcome"]["status"], "converged", "{name}");
    }
}

/// Command lines (from /proc) holding `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(marker))
        .collect()
}

#[test]
fn faults_of_a_problem_process_are_failed_runs_and_no_process_outlives_the_sweep() {
    let dir = tempfile::tempdir().expect("temp dir");
    let faulty = root().join("tests/clients/faulty_problem.py");
    let marker = format!("300.{}", std::process::id());
    let faults = [
        ("exit3", "problem process exited with status 3"),
        ("hang", "problem process timed out"),
        ("garbage", "protocol violation: garbage on stdout"),
        ("nan", "non-finite: the answer to eval"),
        ("wrong-length", "protocol violation: wrong length"),
        ("bad-hello", "hello must give dim"),
    ];
    let modes: Vec<String> = std::iter::once("ok")
        .chain(faults.iter().map(|(m, _)| *m))
        .map(lit)
        .collect();
    let config = format!(
        "name = \"faults\"\nseeds = [0, 1]\n\
         [[problem]]\nfamily = \"external\"\nlabel = \"faulty\"\ncommand = [\"python3\", {}, {}]\n\
         timeout_s = 3\nparams = {{ mode = [{}] }}\n\
         [[problem]]\nfamily = \"rosenbrock\"\n\
         [stop]\ngrad_rtol = 1e-6\nmax_iters = 50\n\
         [[optimizer]]\nname = \"gd\"\n[[optimizer]]\nname = \"lbfgs\"\n[[optimizer]]\nname = \"newton\"\n",
        lit(&faulty.to_string_lossy()),
        lit(&marker),
        modes.join(", ")
    );
    let cfg = write(dir.path(), "faults.toml", &config);
    let out = dir.path().join("out");
    run_ok(
        dir.path(),
        &[
            "run",
            &cfg.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--no-report",
            "--jobs",
            "2",
        ],
    );
    let recs = records(&out);
    assert_eq!(recs.len(), 2 * 3 * 8, "every run is recorded");
    for r in &recs {
        let (o, p) = (&r["outcome"], &r["spec"]["problem"]);
        let name = r["spec"]["optimizer"]["name"].as_str().expect("a name");
        let status = o["status"].as_str().expect("a status");
        let message = o["message"].as_str().unwrap_or_default();
        let mode = p["params"]["params"]["mode"].as_str();
        match mode {
            // The process offers neither a Hessian nor products: Newton is not applicable, once its hello is read.
            Some(m) if name == "newton" && m != "bad-hello" => {
                assert_eq!(status, "not-applicable", "{m}: {message}");
                assert!(message.contains("a dense Hessian"), "{message}");
            }
            // Within 50 iterations gd stops at its cap; the others converge.
            None | Some("ok") => assert!(
                status == "converged" || (name == "gd" && status == "max-iters"),
                "{p} {name}: {status} {message}"
            ),
            Some(m) => {
                let (_, expected) = faults.iter().find(|(f, _)| *f == m).expect("a mode");
                assert_eq!(status, "failed", "{m} {name}");
                assert!(
                    message.contains(expected) && message.contains("problem faulty"),
                    "{m} {name}: {message}"
                );
                assert!(
                    message.contains(&format!("faulty problem: mode={m}")),
                    "the stderr is quoted: {message}"
                );
            }
        }
    }
    if !Path::new("/proc/self").exists() {
        eprintln!("no /proc here: the check of leftover processes is skipped");
        return;
    }
    // Killed processes vanish within moments; give them a second.
    let mut left = processes_with(&marker);
    for _ in 0..20 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = processes_with(&marker);
    }
    assert!(left.is_empty(), "processes outlived the sweep: {left:?}");
}

#[test]
fn the_jax_mlp_example_runs_every_museum_optimizer_and_inspect_gives_its_spectrum_at_the_start() {
    let Some(python) = python_with("jax, numpy") else {
        return;
    };
    museum_and_spectrum(&python, "jax", HESSIAN_BY_DIFFERENCES);
}

/// The same for PyTorch, where torch is installed (`scripts/setup-python.sh --torch`; not in CI: PyPI's wheel
/// brings several GB of CUDA libraries): a Python from `OPTZOO_TORCH_PYTHON`, else the one the other tests use.
#[test]
fn the_torch_mlp_example_runs_every_museum_optimizer_and_inspect_gives_its_spectrum_at_the_start() {
    let Some(python) = common::python_importing(Some("OPTZOO_TORCH_PYTHON"), "torch, numpy") else {
        return;
    };
    museum_and_spectrum(&python, "torch", TORCH_HESSIAN_BY_DIFFERENCES);
}

/// Runs `clients/python/examples/{framework}_mlp.toml` (served by `../{framework}_problem.py`) with a small
/// budget and checks every museum optimizer runs or is not-applicable with its reason; then `inspect` at the
/// start against `reference`, a script printing f, ||g||, lambda_min, lambda_max, the number of negative
/// eigenvalues and the smallest |eigenvalue| computed apart from optzoo.
fn museum_and_spectrum(python: &str, framework: &str, reference: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let examples = root().join("clients/python/examples");
    // The example config as written, with its interpreter made the venv's and a small budget.
    let text = std::fs::read_to_string(examples.join(format!("{framework}_mlp.toml")))
        .expect("the example config");
    let config = text
        .replace("[\"python3\",", &format!("[{},", lit(python)))
        .replace("max_iters = 2000", "max_iters = 40");
    let cfg = write(
        &examples,
        &format!(".test-{}.toml", std::process::id()),
        &config,
    );
    let out = dir.path().join("out");
    let ran = common::optzoo(
        dir.path(),
        &[
            "run",
            &cfg.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
            "--no-report",
            "--jobs",
            "2",
        ],
    );
    let _ = std::fs::remove_file(&cfg);
    assert!(ran.status.success(), "{}", common::shown(&ran));
    let recs = records(&out);
    assert_eq!(recs.len(), 8, "the museum's eight optimizer configurations");
    for r in &recs {
        let name = r["spec"]["optimizer"]["name"].as_str().expect("a name");
        let params = &r["spec"]["optimizer"]["params"];
        let o = &r["outcome"];
        let (status, message) = (
            o["status"].as_str().expect("a status"),
            o["message"].as_str().unwrap_or_default(),
        );
        assert!(
            !message.contains(&format!("problem {framework}-mlp (")),
            "{name}: a fault of the problem process: {message}"
        );
        let theory = params["step"] == "1/L" || name == "momentum";
        if name == "kfac" {
            assert_eq!(status, "not-applicable");
            assert!(message.contains("layer structure"), "{message}");
        } else if theory {
            assert_eq!(status, "not-applicable", "{name} {params}");
            assert!(message.contains("curvature bounds"), "{message}");
        } else {
            assert!(
                ["converged", "max-iters"].contains(&status)
                    || (params["mode"] == "pure" && status == "failed"),
                "{name} {params}: {status} {message}"
            );
            assert!(o["iterations"].as_u64().expect("a count") > 0, "{name}");
        }
    }
    // inspect builds the instance (starting its process) and gives the Hessian's spectrum at the start.
    let command = format!(
        "command=[{}, \"../{framework}_problem.py\", \"{framework}_mlp:problem\"]",
        lit(python)
    );
    let shown = common::optzoo(
        &examples,
        &["inspect", "external", &command, "label=my-mlp"],
    );
    assert!(shown.status.success(), "{}", common::shown(&shown));
    let text = String::from_utf8_lossy(&shown.stdout);
    let row: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("| start |"))
        .unwrap_or_else(|| panic!("no row for the start: {text}"))
        .split('|')
        .map(str::trim)
        .collect();
    // The same quantities computed apart from optzoo and from the server's dense Hessian: a Hessian by central
    // differences of the framework's gradient, symmetrised, and numpy's eigvalsh.
    let reference = std::process::Command::new(python)
        .current_dir(&examples)
        .args(["-c", reference])
        .output()
        .expect("python runs");
    assert!(reference.status.success(), "{}", common::shown(&reference));
    let expected: Vec<f64> = String::from_utf8_lossy(&reference.stdout)
        .split_whitespace()
        .map(|v| v.parse().expect("a number"))
        .collect();
    let [f, g, lo, hi, negative, smallest] = expected[..] else {
        panic!("six numbers expected: {expected:?}");
    };
    // inspect prints four significant digits.
    for (column, value, want) in [
        (3, row[3], f),
        (4, row[4], g),
        (5, row[5], lo),
        (6, row[6], hi),
    ] {
        let got: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("column {column}: {value}"));
        assert!(
            (got - want).abs() <= 1e-3 * want.abs(),
            "column {column}: inspect {got}, by differences {want}"
        );
    }
    // No eigenvalue is near enough to zero for the differences' error to flip its sign.
    assert!(smallest > 1e-5, "smallest |eigenvalue| {smallest}");
    assert_eq!(row[7], format!("{negative}"), "negative eigenvalues");
}

/// Prints f, ||g||, lambda_min, lambda_max, the number of negative eigenvalues and the smallest |eigenvalue| of
/// the example MLP at its start, from a Hessian by central differences of `jax.grad`.
const HESSIAN_BY_DIFFERENCES: &str = r#"
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree
from jax_mlp import problem
loss, x0 = problem({})
flat, unravel = ravel_pytree(jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float64), x0))
grad = jax.grad(lambda z: loss(unravel(z)))
n, h = flat.size, 1e-5
H = np.zeros((n, n))
for j in range(n):
    e = np.zeros(n)
    e[j] = h
    H[:, j] = (np.asarray(grad(flat + e)) - np.asarray(grad(flat - e))) / (2 * h)
lam = np.linalg.eigvalsh((H + H.T) / 2)
g = float(np.linalg.norm(grad(flat)))
print(float(loss(unravel(flat))), g, lam[0], lam[-1], int((lam < 0).sum()), float(np.abs(lam).min()))
"#;

/// [`HESSIAN_BY_DIFFERENCES`] for the PyTorch example, by central differences of `torch.func.grad`.
const TORCH_HESSIAN_BY_DIFFERENCES: &str = r#"
import numpy as np
import torch
from torch.func import grad
from torch_mlp import problem
loss, x0 = problem({})
names = list(x0)
shapes = [x0[k].shape for k in names]
sizes = [int(np.prod(s)) for s in shapes]
flat = torch.cat([torch.as_tensor(x0[k], dtype=torch.float64).reshape(-1) for k in names])
def f(z):
    return loss({k: p.reshape(s) for k, p, s in zip(names, torch.split(z, sizes), shapes)})
g_of = grad(f)
n, h = flat.numel(), 1e-5
H = np.zeros((n, n))
for j in range(n):
    e = torch.zeros(n, dtype=torch.float64)
    e[j] = h
    H[:, j] = ((g_of(flat + e) - g_of(flat - e)) / (2 * h)).numpy()
lam = np.linalg.eigvalsh((H + H.T) / 2)
g = float(torch.linalg.norm(g_of(flat)))
print(float(f(flat)), g, lam[0], lam[-1], int((lam < 0).sum()), float(np.abs(lam).min()))
"#;
