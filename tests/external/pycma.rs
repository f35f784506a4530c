//! CMA-ES through `clients/python/cma_es.py` equals pycma run directly with the same seed mapping
//! (`1 + seed mod (2^32 - 1)`): generations, value evaluations and best value, on 2-D and 10-D Rosenbrock, seed
//! 0 included (which pycma itself reads as "seed from the clock"). pycma's own stop tests end the run
//! (`[stop] client = true`), so it is `converged`.
//!
//! Needs a Python with numpy and cma (`scripts/setup-python.sh` installs it); skipped with a note otherwise,
//! unless `OPTZOO_REQUIRE_PYTHON` is set (CI sets it).

use super::common;

use std::process::Command;

use common::{python_with, records, root, run_ok, write};

/// pycma run directly on the same Rosenbrock (summed in the same order as optzoo's, so values agree to the
/// bit) from the standard start; prints `[dim, seed, countiter, countevals, fbest]` per run.
const DIRECT: &str = r#"
import json, cma
def rosen(x):
    f = 0.0
    for i in range(len(x) - 1):
        a = x[i + 1] - x[i] * x[i]
        b = 1.0 - x[i]
        f += 100.0 * a * a + b * b
    return f
out = []
for dim in (2, 10):
    for seed in (0, 1):
        x0 = [-1.2 if i % 2 == 0 else 1.0 for i in range(dim)]
        opts = {"seed": 1 + seed % (2**32 - 1), "verbose": -9, "verb_disp": 0, "verb_log": 0}
        es = cma.CMAEvolutionStrategy(x0, 0.5, opts)
        while not es.stop():
            xs = es.ask()
            es.tell(xs, [rosen(x) for x in xs])
        out.append([dim, seed, es.countiter, es.countevals, es.result.fbest])
print(json.dumps(out))
"#;

#[test]
fn cma_es_through_the_protocol_equals_pycma_run_directly() {
    let Some(python) = python_with("numpy, cma") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let client = root().join("clients/python/cma_es.py");
    let lit = |s: &str| toml::Value::String(s.to_string()).to_string();
    write(
        dir,
        "c.toml",
        &format!(
            "seeds = [0, 1]\n[[problem]]\nfamily = \"rosenbrock\"\ndim = [2, 10]\n\
             [stop]\nclient = true\nmax_iters = 100000\nmax_evals = 10000000\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"pycma\"\ncommand = [{}, {}]\n",
            lit(&python),
            lit(&client.to_string_lossy())
        ),
    );
    run_ok(dir, &["run", "c.toml", "--out", "res"]);

    let direct = Command::new(&python)
        .args(["-c", DIRECT])
        .current_dir(dir)
        .output()
        .expect("python runs");
    assert!(
        direct.status.success(),
        "{}",
        String::from_utf8_lossy(&direct.stderr)
    );
    let direct: Vec<(u64, u64, u64, u64, f64)> =
        serde_json::from_slice(&direct.stdout).expect("pycma's numbers");
    assert_eq!(direct.len(), 4);

    let recs = records(&dir.join("res"));
    for (dim, seed, generations, evals, fbest) in direct {
        let r = recs
            .iter()
            .find(|r| r["spec"]["problem"]["params"]["dim"] == dim && r["spec"]["seed"] == seed)
            .unwrap_or_else(|| panic!("a run at dim {dim}, seed {seed}"));
        let o = &r["outcome"];
        let at = format!("dim {dim}, seed {seed}: {}", o["message"]);
        assert_eq!(o["status"], "converged", "{at}");
        assert!(
            o["message"]
                .as_str()
                .is_some_and(|m| m.contains("tolfun") || m.contains("tol")),
            "{at}"
        );
        assert_eq!(
            o["iterations"].as_u64(),
            Some(generations),
            "generations, {at}"
        );
        assert_eq!(
            o["counts"]["f_evals"].as_u64(),
            Some(evals),
            "evaluations, {at}"
        );
        assert_eq!(o["counts"]["g_evals"].as_u64(), Some(0), "{at}");
        assert_eq!(
            o["final_value"].as_f64().map(f64::to_bits),
            Some(fbest.to_bits()),
            "best f, {at}"
        );
        assert!(
            generations > 50 && fbest < 1e-10,
            "a real run, {at}: {generations} generations, f {fbest}"
        );
    }
    // pycma wrote none of its `outcmaes` files beside the config.
    let left: Vec<_> = std::fs::read_dir(dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert_eq!(left.len(), 2, "only c.toml and res: {left:?}");
}
