//! External optimizers through the client protocol, end to end through the binary: broken clients are failed
//! runs and never stop the sweep; scipy's L-BFGS-B records exactly scipy's own counts; optax's adam follows
//! the built-in adam; resume, shards and merge treat external runs as built-ins.
//!
//! The scipy and optax tests need a Python with numpy, scipy and optax: `OPTZOO_PYTHON`, else the project's
//! `.venv` (`scripts/setup-python.sh` makes it). Without one they are skipped with a note, unless
//! `OPTZOO_REQUIRE_PYTHON` is set (CI sets it), where a missing Python is a failure.

use super::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{assert_same_runs, optzoo, python_with, records, root, write};

/// A TOML string literal.
fn lit(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn run_ok(dir: &Path, config: &Path, out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "run",
        config.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let o = optzoo(dir, &args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "exit {:?}: {text}", o.status.code());
    text
}

fn status(r: &serde_json::Value) -> &str {
    r["outcome"]["status"].as_str().unwrap_or_default()
}

fn message(r: &serde_json::Value) -> &str {
    r["outcome"]["message"].as_str().unwrap_or_default()
}

#[test]
fn broken_clients_are_failed_runs_and_the_sweep_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let faulty = root().join("tests/clients/faulty.py");
    let faults = [
        ("exit3", "client exited with status 3"),
        ("sleep", "client timed out after 2 s"),
        ("garbage", "protocol violation: garbage on stdout"),
        ("wrong-length", "protocol violation: wrong length"),
        ("nan", "protocol violation: non-finite"),
        ("die", "client was killed by signal 9"),
        (
            "huge-header",
            "protocol violation: garbage on stdout: a header longer than",
        ),
    ];
    let mut config = String::from(
        "name = \"faults\"\nseeds = [0, 1]\n[[problem]]\nfamily = \"quadratic\"\ndim = 5\nkappa = 10\n\
         [stop]\nmax_iters = 1000\n[[optimizer]]\nname = \"gd\"\nstep = \"1/L\"\n",
    );
    for (mode, _) in faults {
        config.push_str(&format!(
            "[[optimizer]]\nname = \"external\"\nlabel = {}\ncommand = [\"python3\", {}, {}]\ntimeout_s = 2\n",
            lit(mode),
            lit(&faulty.to_string_lossy()),
            lit(mode)
        ));
    }
    let cfg = write(dir.path(), "faults.toml", &config);
    let out = dir.path().join("out");
    run_ok(dir.path(), &cfg, &out, &["--jobs", "2"]);
    let recs = records(&out);
    assert_eq!(recs.len(), 2 * (faults.len() + 1), "every run is recorded");
    for r in &recs {
        let params = &r["spec"]["optimizer"]["params"];
        let Some(label) = params["label"].as_str() else {
            assert_eq!(status(r), "converged", "gd runs are untouched: {r}");
            continue;
        };
        let (_, expected) = faults
            .iter()
            .find(|(m, _)| *m == label)
            .expect("a known mode");
        assert_eq!(status(r), "failed", "{label}: {r}");
        let m = message(r);
        assert!(
            m.contains(expected),
            "{label}: message {m:?} lacks {expected:?}"
        );
        assert!(
            m.contains(&format!("faulty client: mode={label}")),
            "{label}: the message quotes the client's stderr: {m:?}"
        );
    }
    // Every client was killed and reaped: none is left running.
    let left = Command::new("pgrep")
        .args(["-f", &faulty.to_string_lossy()])
        .output()
        .expect("pgrep runs");
    assert!(
        String::from_utf8_lossy(&left.stdout).trim().is_empty(),
        "clients left running: {}",
        String::from_utf8_lossy(&left.stdout)
    );
    // The report and the summary take failed external runs as they take any failed run.
    let rows = csv::Reader::from_path(out.join("summary.csv"))
        .expect("summary.csv")
        .records()
        .count();
    assert_eq!(rows, recs.len());
}

#[test]
fn a_client_that_cannot_start_or_gives_up_fails_its_run_with_its_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Asks for a Hessian-vector product and the dense Hessian (the quadratic offers both), checks the
    // answer's length, then gives up.
    write(
        dir.path(),
        "giveup.py",
        "import sys, json, struct\nh = json.loads(sys.stdin.buffer.readline())\nn = h['dim']\n\
         x = sys.stdin.buffer.read(8 * n)\nassert h['offers'] == ['value', 'gradient', 'hvp', 'hessian'], h\n\
         sys.stdout.buffer.write(json.dumps({'op': 'eval', 'want': ['hessian', 'hvp'], 'f64': 2 * n}).encode() + b'\\n' + x + x)\n\
         sys.stdout.buffer.flush()\nr = json.loads(sys.stdin.buffer.readline())\n\
         assert r['f64'] == n + n * n, r\nsys.stdin.buffer.read(8 * r['f64'])\n\
         sys.stdout.buffer.write(b'{\"op\": \"fail\", \"message\": \"gave up\", \"f64\": 0}\\n')\nsys.stdout.buffer.flush()\n\
         sys.stdin.buffer.read()\n",
    );
    let cfg = write(
        dir.path(),
        "c.toml",
        "name = \"c\"\n[[problem]]\nfamily = \"quadratic\"\ndim = 3\nkappa = 10\n[[optimizer]]\nname = \"external\"\n\
         label = \"missing\"\ncommand = [\"./no-such-client\"]\n[[optimizer]]\nname = \"external\"\n\
         label = \"giveup\"\ncommand = [\"python3\", \"giveup.py\"]\nrequires = [\"hvp\"]\n",
    );
    let out = dir.path().join("out");
    // Run from elsewhere: the client runs in the config's folder whatever the working directory.
    run_ok(&root(), &cfg, &out, &[]);
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    for r in &recs {
        let label = r["spec"]["optimizer"]["params"]["label"]
            .as_str()
            .unwrap_or_default();
        let m = message(r);
        assert_eq!(status(r), "failed", "{label}: {r}");
        match label {
            "missing" => assert!(m.contains("cannot start"), "{m}"),
            _ => {
                assert!(m.contains("client failed: gave up"), "{m}");
                let counts = &r["outcome"]["counts"];
                assert_eq!(
                    (counts["hvp_evals"].as_u64(), counts["hess_evals"].as_u64()),
                    (Some(1), Some(1)),
                    "{counts}"
                );
            }
        }
    }
}

/// `(nit, nfev, njev)` from the adapter's `done` message: `... (nit=513, nfev=610, njev=610)`.
fn scipy_counts(m: &str) -> Option<(u64, u64, u64)> {
    let tail = &m[m.rfind("(nit=")?..];
    let nums: Vec<u64> = tail
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    (nums.len() == 3).then(|| (nums[0], nums[1], nums[2]))
}

#[test]
fn scipy_lbfgsb_through_the_protocol_records_exactly_scipys_counts() {
    let Some(python) = python_with("numpy, scipy") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let adapter = root().join("clients/python/scipy_minimize.py");
    let cfg = write(
        dir.path(),
        "lbfgsb.toml",
        &format!(
            "name = \"lbfgsb\"\n[[problem]]\nfamily = \"rosenbrock\"\ndim = 100\n\
             # a rule that never holds: scipy ends the run on its own\n\
             [stop]\ngrad_rtol = 1e-300\nmax_iters = 100000\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"scipy-L-BFGS-B\"\n\
             command = [{}, {}, \"L-BFGS-B\"]\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"scipy-L-BFGS-B-m5\"\n\
             command = [{}, {}, \"L-BFGS-B\"]\nparams = {{ maxcor = 5, maxiter = 300 }}\n",
            lit(&python),
            lit(&adapter.to_string_lossy()),
            lit(&python),
            lit(&adapter.to_string_lossy()),
        ),
    );
    let out = dir.path().join("out");
    run_ok(dir.path(), &cfg, &out, &[]);
    let recs = records(&out);
    assert_eq!(recs.len(), 2);
    for r in &recs {
        let m = message(r);
        let (nit, nfev, njev) = scipy_counts(m).unwrap_or_else(|| panic!("no counts in {m:?}"));
        let o = &r["outcome"];
        assert_eq!(status(r), "stopped", "{m}");
        assert_eq!(o["iterations"].as_u64(), Some(nit), "iterations: {m}");
        assert_eq!(o["counts"]["f_evals"].as_u64(), Some(nfev), "f_evals: {m}");
        assert_eq!(o["counts"]["g_evals"].as_u64(), Some(njev), "g_evals: {m}");
        assert!(nit > 10, "a real run: {m}");
    }
}

#[test]
fn optax_adam_through_the_protocol_follows_the_builtin_adam() {
    let Some(python) = python_with("numpy, jax, optax") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let adapter = root().join("clients/python/optax_update.py");
    let cfg = write(
        dir.path(),
        "adam.toml",
        &format!(
            "name = \"adam\"\nseeds = [0, 1]\n[[problem]]\nfamily = \"quadratic\"\ndim = 20\nkappa = 100\n\
             rotation = \"random\"\n[stop]\ngrad_rtol = 1e-300\nmax_iters = 200\n\
             [[optimizer]]\nname = \"adam\"\nlr = 1e-2\nbeta1 = 0.9\nbeta2 = 0.999\neps = 1e-8\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"optax-adam\"\ncommand = [{}, {}, \"adam\"]\n\
             params = {{ learning_rate = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8 }}\n",
            lit(&python),
            lit(&adapter.to_string_lossy()),
        ),
    );
    let out = dir.path().join("out");
    run_ok(dir.path(), &cfg, &out, &["--jobs", "2"]);
    let recs = records(&out);
    let final_x = |seed: u64, external: bool| -> Vec<f64> {
        let r = recs
            .iter()
            .find(|r| {
                r["spec"]["seed"].as_u64() == Some(seed)
                    && (r["spec"]["optimizer"]["name"] == "external") == external
            })
            .expect("both runs of each seed");
        assert_eq!(status(r), "max-iters", "{r}");
        assert_eq!(r["outcome"]["iterations"].as_u64(), Some(200));
        r["outcome"]["final_x"]
            .as_array()
            .expect("final_x kept for small n")
            .iter()
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    for seed in [0, 1] {
        let (ours, theirs) = (final_x(seed, false), final_x(seed, true));
        let scale = ours.iter().map(|v| v.abs()).fold(0.0, f64::max);
        let worst = ours
            .iter()
            .zip(&theirs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst <= 1e-12 * scale,
            "seed {seed}: max |x_builtin - x_optax| = {worst:e}, relative {:e}",
            worst / scale
        );
    }
}

#[test]
fn external_runs_resume_shard_merge_and_compare_as_builtins_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = root().join("tests/clients/gd.py");
    let cfg = write(
        dir.path(),
        "sweep.toml",
        &format!(
            "name = \"sweep\"\nseeds = [0, 1]\n[[problem]]\nfamily = \"quadratic\"\ndim = 4\n\
             kappa = [2, 4]\n[stop]\nmax_iters = 300\n[[optimizer]]\nname = \"external\"\n\
             label = \"py-gd\"\ncommand = [\"python3\", {}]\nparams = {{ lr = [0.5, 1.0] }}\n\
             [[optimizer]]\nname = \"gd\"\nstep = 0.5\n",
            lit(&client.to_string_lossy())
        ),
    );
    let whole = dir.path().join("whole");
    run_ok(dir.path(), &cfg, &whole, &[]);
    assert_eq!(
        records(&whole).len(),
        2 * 3 * 2,
        "2 lr points, gd; 2 kappas; 2 seeds"
    );
    let again = run_ok(dir.path(), &cfg, &whole, &[]);
    assert!(
        again.contains("skipped") || again.contains("already"),
        "{again}"
    );
    let shards: Vec<PathBuf> = (1..=3).map(|k| dir.path().join(format!("s{k}"))).collect();
    for (k, s) in shards.iter().enumerate() {
        run_ok(dir.path(), &cfg, s, &["--shard", &format!("{}/3", k + 1)]);
    }
    let merged = dir.path().join("merged");
    let mut args = vec!["merge", merged.to_str().expect("utf-8")];
    args.extend(shards.iter().map(|s| s.to_str().expect("utf-8")));
    let o = optzoo(dir.path(), &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_same_runs(&whole, &merged);
    let o = optzoo(
        dir.path(),
        &[
            "compare",
            whole.to_str().expect("utf-8"),
            merged.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // The external client with lr = 0.5 follows the built-in gd with step 0.5 bit for bit.
    let recs = records(&whole);
    for r in recs
        .iter()
        .filter(|r| r["spec"]["optimizer"]["name"] == "gd")
    {
        let twin = recs
            .iter()
            .find(|e| {
                e["spec"]["optimizer"]["params"]["params"]["lr"].as_f64() == Some(0.5)
                    && e["spec"]["problem"] == r["spec"]["problem"]
                    && e["spec"]["seed"] == r["spec"]["seed"]
            })
            .expect("a twin");
        assert_eq!(twin["outcome"]["final_x"], r["outcome"]["final_x"]);
        assert_eq!(twin["outcome"]["iterations"], r["outcome"]["iterations"]);
    }
}

#[test]
fn a_client_parameter_is_tuned_like_a_builtin_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = root().join("tests/clients/gd.py");
    let cfg = write(
        dir.path(),
        "tune.toml",
        &format!(
            "name = \"tune\"\nseeds = [0]\n[[problem]]\nfamily = \"quadratic\"\ndim = 6\nkappa = [5, 20]\n\
             [stop]\nmax_iters = 2000\n[[optimizer]]\nname = \"external\"\nlabel = \"py-gd\"\n\
             command = [\"python3\", {}]\n[[optimizer]]\nname = \"gd\"\n\
             [tune]\ntrials = 4\nseeds = [100]\n[tune.space.external]\nparams.lr = {{ log = [0.1, 1.5] }}\n\
             [tune.space.gd]\nstep = {{ log = [0.1, 1.5] }}\n",
            lit(&client.to_string_lossy())
        ),
    );
    let out = dir.path().join("out");
    let printed = run_ok(dir.path(), &cfg, &out, &[]);
    // The printed table shows the chosen value, by the client's own key.
    assert!(
        printed
            .lines()
            .any(|l| l.starts_with("py-gd lr=") && l.contains(" (tuned) ")),
        "{printed}"
    );
    // Same grid, same arithmetic: the tuned client and the tuned gd choose the same value and end alike.
    let recs = records(&out);
    let evaluation = |external: bool| -> Vec<serde_json::Value> {
        let mut rows = recs
            .iter()
            .filter(|r| r["spec"]["tuning"]["phase"] == "evaluation")
            .filter(|r| (r["spec"]["optimizer"]["name"] == "external") == external)
            .map(|r| {
                let lr = if external {
                    r["spec"]["optimizer"]["params"]["params"]["lr"].clone()
                } else {
                    r["spec"]["optimizer"]["params"]["step"].clone()
                };
                serde_json::json!([r["spec"]["problem"], lr, r["outcome"]["final_x"]])
            })
            .collect::<Vec<_>>();
        // Run ids (and so the order of records) differ between the two optimizers: order by instance.
        rows.sort_by_key(|v| v[0].to_string());
        rows
    };
    let (ours, theirs) = (evaluation(false), evaluation(true));
    assert_eq!(ours.len(), 2, "{recs:?}");
    assert_eq!(ours, theirs);
}

#[test]
fn bad_external_keys_are_rejected_before_anything_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "command = []\nlabel = \"x\"",
            "`command` must be a non-empty list",
        ),
        ("command = [\"python3\"]", "missing required key `label`"),
        (
            "command = [\"python3\"]\nlabel = \"\"",
            "`label` must be 1 to 100 printable",
        ),
        (
            "command = [\"python3\"]\nlabel = \"x\"\nrequires = [\"gpu\"]",
            "`requires` lists what the client needs",
        ),
        (
            "command = [\"python3\"]\nlabel = \"x\"\ntimeout_s = -1",
            "timeout_s",
        ),
        ("command = \"python3 x.py\"\nlabel = \"x\"", "command"),
        (
            "command = [\"python3\"]\nlabel = \"x\"\nparams = 3",
            "params",
        ),
        (
            "command = [\"python3\"]\nlabel = \"x\"\ncomand = 1",
            "did you mean",
        ),
    ];
    for (keys, expected) in cases {
        let cfg = write(
            dir.path(),
            "bad.toml",
            &format!(
                "[[problem]]\nfamily = \"quadratic\"\ndim = 2\nkappa = 2\n[[optimizer]]\nname = \"external\"\n{keys}\n"
            ),
        );
        let o = optzoo(
            dir.path(),
            &["run", cfg.to_str().expect("utf-8"), "--out", "out"],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{keys}: {err}");
        assert!(err.contains(expected), "{keys}: {err:?} lacks {expected:?}");
        assert!(
            err.contains("bad.toml:"),
            "{keys}: the error names the file: {err}"
        );
        assert!(!dir.path().join("out").exists(), "{keys}: nothing ran");
    }
}

/// The records of `dir` by the `mode` their client ran in.
fn by_mode(dir: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    records(dir)
        .into_iter()
        .map(|r| {
            let mode = r["spec"]["optimizer"]["params"]["params"]["mode"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            (mode, r)
        })
        .collect()
}

#[test]
fn protocol_2_iterates_with_their_evaluation_batches_and_lets_the_client_decide() {
    let dir = tempfile::tempdir().expect("temp dir");
    let client = lit(&root().join("tests/clients/v2.py").to_string_lossy());
    let problem = "seeds = [0]\n[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = 4\n";
    let cfg = write(
        dir.path(),
        "v2.toml",
        &format!(
            "{problem}[stop]\nmax_iters = 40\n[[optimizer]]\nname = \"external\"\nlabel = \"v2\"\n\
             command = [\"python3\", {client}]\nparams = {{ mode = [\"v1\", \"v2\", \"population\"] }}\n"
        ),
    );
    let out = dir.path().join("res");
    run_ok(dir.path(), &cfg, &out, &[]);
    let runs = by_mode(&out);
    let (v1, v2, pop) = (&runs["v1"], &runs["v2"], &runs["population"]);
    // One round trip per iteration gives exactly the iterates and the counts of the version-1 loop.
    for key in ["status", "iterations", "counts", "final_value", "final_x"] {
        assert_eq!(v1["outcome"][key], v2["outcome"][key], "{key}");
    }
    assert_eq!(status(v1), "max-iters");
    assert_eq!(
        v1["outcome"]["counts"]["g_evals"], 40,
        "one gradient per iteration"
    );
    // A batch of 4 values per iteration, and the reported mean (never evaluated) charged one value.
    assert_eq!(status(pop), "max-iters", "{}", message(pop));
    assert_eq!(
        pop["outcome"]["counts"]["f_evals"],
        40 * 4 + 39,
        "{:?}",
        pop["outcome"]["counts"]
    );

    // With `[stop] client = true` the client's own test ends the run, converged.
    let cfg = write(
        dir.path(),
        "own.toml",
        &format!(
            "{problem}[stop]\nclient = true\nmax_iters = 40\n[[optimizer]]\nname = \"external\"\n\
             label = \"own\"\ncommand = [\"python3\", {client}]\nparams = {{ mode = \"own-test\" }}\n"
        ),
    );
    let out = dir.path().join("own");
    run_ok(dir.path(), &cfg, &out, &[]);
    let r = &records(&out)[0];
    assert_eq!(status(r), "converged", "{}", message(r));
    assert_eq!(r["outcome"]["iterations"], 5);
    assert!(message(r).contains("as my own test says"), "{}", message(r));
    // Tolerances beside `client = true` are refused, naming the key.
    let bad = write(
        dir.path(),
        "bad.toml",
        &format!(
            "{problem}[stop]\nclient = true\ngrad_rtol = 1e-6\n[[optimizer]]\nname = \"gd\"\n"
        ),
    );
    let o = optzoo(
        dir.path(),
        &["run", bad.to_str().expect("utf-8"), "--dry-run"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("client"));
}

#[test]
fn large_vectors_cross_through_the_memory_file_bit_for_bit() {
    let Some(python) = python_with("numpy") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let client = lit(&root().join("tests/clients/shm.py").to_string_lossy());
    // Below 1024 the pipe carries the vectors, from 1024 the memory file: the same run either way, and the same
    // as the built-in gd with the same step, bit for bit.
    let cfg = write(
        dir.path(),
        "shm.toml",
        &format!(
            "seeds = [0]\n[[problem]]\nfamily = \"quadratic\"\ndim = [8, 2000]\nkappa = 10\nrotation = \"random\"\n\
             [stop]\nmax_iters = 30\n[[optimizer]]\nname = \"external\"\nlabel = \"shm\"\n\
             command = [{}, {client}]\nparams = {{ lr = 0.5, batch = [false, true] }}\n\
             [[optimizer]]\nname = \"gd\"\nstep = 0.5\n",
            lit(&python)
        ),
    );
    let out = dir.path().join("res");
    run_ok(dir.path(), &cfg, &out, &[]);
    let all = records(&out);
    for dim in [8, 2000] {
        let at = |name: &str, batch: Option<bool>| {
            all.iter()
                .find(|r| {
                    r["spec"]["problem"]["params"]["dim"] == dim
                        && r["spec"]["optimizer"]["name"] == name
                        && batch.is_none_or(|b| {
                            r["spec"]["optimizer"]["params"]["params"]["batch"] == b
                        })
                })
                .unwrap_or_else(|| panic!("a {name} run at dim {dim}"))
        };
        let gd = at("gd", None);
        for batch in [false, true] {
            let ext = at("external", Some(batch));
            assert_eq!(status(ext), "max-iters", "dim {dim}: {}", message(ext));
            for key in ["iterations", "final_value", "final_x"] {
                assert_eq!(
                    ext["outcome"][key], gd["outcome"][key],
                    "{key} at dim {dim}"
                );
            }
            // One gradient at the start and one with the answer to each iterate but the last (answered `stop`);
            // a batch adds two values per iteration.
            let c = &ext["outcome"]["counts"];
            assert_eq!(c["g_evals"], 30, "dim {dim}: {c}");
            assert_eq!(c["f_evals"], if batch { 60 } else { 0 }, "dim {dim}: {c}");
        }
    }
}

#[test]
fn a_payload_in_a_memory_file_never_offered_is_a_fault() {
    if python_with("json").is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let client = lit(&root().join("tests/clients/v2.py").to_string_lossy());
    let cfg = write(
        dir.path(),
        "bad.toml",
        &format!(
            "seeds = [0]\n[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = 4\n[stop]\nmax_iters = 5\n\
             [[optimizer]]\nname = \"external\"\nlabel = \"bad\"\ncommand = [\"python3\", {client}]\n\
             params = {{ mode = \"shm-unoffered\" }}\n"
        ),
    );
    let out = dir.path().join("res");
    run_ok(dir.path(), &cfg, &out, &[]);
    let r = &records(&out)[0];
    assert_eq!(status(r), "failed");
    assert!(
        message(r).contains("the harness offered no memory file"),
        "{}",
        message(r)
    );
}
