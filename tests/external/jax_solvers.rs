//! JAX solvers through the protocol equal the same solvers run directly: optimistix's BFGS
//! (`clients/python/examples/optimistix_bfgs.py`, driven one `step` at a time) against `optimistix.minimise`,
//! and jaxopt's LBFGS (`clients/python/examples/jaxopt_lbfgs.py`, one `update` at a time) against `LBFGS.run`,
//! on 2-D and 10-D chained Rosenbrock from the standard start. The direct runs evaluate Rosenbrock with the
//! built-in's order of sums (so values agree to the bit) through the same `custom_jvp` or value-and-gradient
//! callback, and count their calls: evaluations, iterations, final value and final point must be equal.
//!
//! Needs a Python with jax, optimistix and jaxopt (`scripts/setup-python.sh` installs them); skipped with a note
//! otherwise, unless `OPTZOO_REQUIRE_PYTHON` is set (CI sets it).

use super::common;

use std::process::Command;

use common::{python_with, records, root, run_ok, write};

/// The direct runs: prints `[solver, dim, evaluations, iterations, final f, final x]` per run.
const DIRECT: &str = r#"
import json
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp, numpy as np, optimistix as optx, jaxopt
from jax.experimental import io_callback

def value_and_gradient(x):
    a = x[1:] - x[:-1] * x[:-1]
    b = 1.0 - x[:-1]
    f = np.cumsum(100.0 * a * a + b * b)[-1]  # the built-in's order of sums
    g = np.zeros(x.size)
    g[1:] += 200.0 * a
    g[:-1] += -400.0 * x[:-1] * a - 2.0 * b
    return np.float64(f), g

out = []
for n in (2, 10):
    x0 = np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)])
    shapes = (jax.ShapeDtypeStruct((), jnp.float64), jax.ShapeDtypeStruct((n,), jnp.float64))
    calls = [0]
    def request(y):
        calls[0] += 1
        return value_and_gradient(np.asarray(y))
    @jax.custom_jvp
    def loss(y):
        return io_callback(request, shapes, y)[0]
    @loss.defjvp
    def loss_jvp(primals, tangents):
        v, g = io_callback(request, shapes, primals[0])
        return v, jnp.dot(g, tangents[0])
    sol = optx.minimise(lambda y, args: loss(y), optx.BFGS(rtol=1e-8, atol=1e-8), jnp.asarray(x0),
                        max_steps=10000)
    assert sol.result == optx.RESULTS.successful
    assert calls[0] == int(sol.stats["num_steps"])
    x = np.asarray(sol.value)
    out.append(["optimistix", n, calls[0], int(sol.state.num_accepted_steps) - 1,
                float(value_and_gradient(x)[0]), x.tolist()])

    calls[0] = 0
    fun = lambda y: io_callback(request, shapes, y)
    solver = jaxopt.LBFGS(fun=fun, value_and_grad=True, jit=False, tol=1e-3)
    x, state = solver.run(jnp.asarray(x0))
    assert calls[0] == int(state.num_fun_eval)
    out.append(["jaxopt", n, calls[0], int(state.iter_num), float(state.value), np.asarray(x).tolist()])
print(json.dumps(out))
"#;

#[test]
fn optimistix_and_jaxopt_through_the_protocol_equal_their_direct_runs() {
    let Some(python) = python_with("jax, optimistix, jaxopt") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let examples = root().join("clients/python/examples");
    let lit = |s: &str| toml::Value::String(s.to_string()).to_string();
    let client = |file: &str| lit(&examples.join(file).to_string_lossy());
    write(
        dir,
        "c.toml",
        &format!(
            "seeds = [0]\n[[problem]]\nfamily = \"rosenbrock\"\ndim = [2, 10]\n\
             [stop]\nclient = true\nmax_iters = 100000\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"optimistix\"\ncommand = [{py}, {ox}]\n\
             params = {{ rtol = 1e-8, atol = 1e-8 }}\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"jaxopt\"\ncommand = [{py}, {jo}]\n\
             params = {{ tol = 1e-3 }}\n",
            py = lit(&python),
            ox = client("optimistix_bfgs.py"),
            jo = client("jaxopt_lbfgs.py"),
        ),
    );
    run_ok(dir, &["run", "c.toml", "--out", "res", "--no-report"]);

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
    type Direct = (String, u64, u64, u64, f64, Vec<f64>);
    let direct: Vec<Direct> =
        serde_json::from_slice(&direct.stdout).expect("the direct runs' numbers");
    assert_eq!(direct.len(), 4);

    let recs = records(&dir.join("res"));
    for (solver, dim, evals, iterations, f, x) in direct {
        let r = recs
            .iter()
            .find(|r| {
                r["spec"]["problem"]["params"]["dim"] == dim
                    && r["spec"]["optimizer"]["params"]["label"] == solver.as_str()
            })
            .unwrap_or_else(|| panic!("a {solver} run at dim {dim}"));
        let o = &r["outcome"];
        let at = format!("{solver} at dim {dim}: {}", o["message"]);
        assert_eq!(o["status"], "converged", "{at}");
        assert_eq!(
            o["iterations"].as_u64(),
            Some(iterations),
            "iterations, {at}"
        );
        assert_eq!(
            o["counts"]["f_evals"].as_u64(),
            Some(evals),
            "evaluations, {at}"
        );
        assert_eq!(
            o["counts"]["g_evals"].as_u64(),
            Some(evals),
            "gradients, {at}"
        );
        assert_eq!(
            o["final_value"].as_f64().map(f64::to_bits),
            Some(f.to_bits()),
            "final f, {at}"
        );
        let got: Vec<u64> = o["final_x"]
            .as_array()
            .expect("the final point")
            .iter()
            .filter_map(|v| v.as_f64().map(f64::to_bits))
            .collect();
        let want: Vec<u64> = x.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got, want, "final x, {at}");
        assert!(iterations > 20 && evals >= iterations, "a real run, {at}");
    }
}
