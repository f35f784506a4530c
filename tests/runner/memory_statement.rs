//! Each optimizer states its memory once ([`optzoo::footprint::Footprint`]): the bytes the pre-flight
//! counts and the formula the museum prints both come from it. Here the statement is held to what the
//! counting allocator measured of each optimizer's state in real runs (`state_bytes` in the records), at two
//! sizes.
//!
//! The sizes are multiples of 8 (n = 56 and n = 400; layers of 8 and 16/24 units): faer pads every column
//! of a matrix to a multiple of 8 numbers, so at these sizes a matrix holds exactly its `rows x cols`
//! numbers and the footprint's bytes are exact. What the measure adds beyond the footprint is the state
//! structure itself and its scalars (a few hundred bytes, the same at every size), so the test asserts:
//! `measured - stated` is the same number at both sizes (the growth with `n` is exactly the stated one)
//! and lies in `[0, SLACK]`.

use super::common;

use optzoo::footprint::Layers;
use serde_json::{Value, json};

/// The bytes the measure may hold beyond the footprint: the state structure and its scalars (the largest
/// measured is L-BFGS with m = 20: its `2m` scalars `rho`, `alpha` and the boxed state), independent of `n`.
const SLACK: i64 = 1024;

/// What faer's pivoted factorisation and eigensolver hold beyond the method's state after a step at
/// n = 400: 4 MiB.
const FAER_PIVOTED_BUFFER: i64 = 4 << 20;

/// The optimizer configurations measured, as config tables.
const OPTIMIZERS: &str = r#"
[[optimizer]]
name = "gd"
step = ["armijo", 0.5]

[[optimizer]]
name = "gd"
step = 0.5
average = "polyak"

[[optimizer]]
name = "momentum"
variant = ["heavy-ball", "nesterov"]
step = 0.5
beta = 0.5

[[optimizer]]
name = "adam"

[[optimizer]]
name = "rmsprop"

[[optimizer]]
name = "adagrad"

[[optimizer]]
name = "cg"

[[optimizer]]
name = "lbfgs"
memory = [5, 20]

[[optimizer]]
name = "bfgs"

[[optimizer]]
name = "newton"
mode = ["pure", "line-search", "damped", "saddle-free"]

[[optimizer]]
name = "newton-cg"
"#;

/// The layer sizes of a `least-squares` instance (one layer without bias, `out_dim x in_dim`; the squared
/// loss's output Fisher is the identity, of rank `out_dim`).
fn least_squares_layers(params: &Value) -> Layers {
    let get = |k: &str| params[k].as_u64().expect("a size") as usize;
    Layers {
        shapes: vec![(get("in_dim"), get("out_dim"))],
        samples: get("samples"),
        fisher_rank: get("out_dim"),
    }
}

#[test]
fn every_optimizer_holds_what_its_footprint_states_at_two_sizes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // Every optimizer on a quadratic (whose evaluations allocate nothing that outlives them); K-FAC on a
    // layered model, one layer of 8 x 8 and one of 24 x 16 weights.
    common::write(
        tmp.path(),
        "memory.toml",
        &format!(
            "name = \"memory\"\nseeds = [0]\n\
             [[problem]]\nfamily = \"quadratic\"\ndim = [56, 400]\nkappa = 10\n\
             [stop]\nmax_iters = 3\n{OPTIMIZERS}"
        ),
    );
    common::write(
        tmp.path(),
        "kfac.toml",
        "name = \"kfac\"\nseeds = [0]\n\
         [[problem]]\nfamily = \"least-squares\"\nin_dim = 8\nout_dim = 8\nsamples = 40\n\
         [[problem]]\nfamily = \"least-squares\"\nin_dim = 16\nout_dim = 24\nsamples = 40\n\
         [stop]\nmax_iters = 3\n[[optimizer]]\nname = \"kfac\"\n",
    );
    common::run_ok(tmp.path(), &["run", "memory.toml", "--out", "out"]);
    common::run_ok(tmp.path(), &["run", "kfac.toml", "--out", "kfac"]);
    let registry = optzoo::Registry::builtin();
    // Per configuration (name, params) and family: (n, measured - stated) of each measured run.
    let mut excess: std::collections::BTreeMap<String, Vec<(usize, i64)>> = Default::default();
    let mut records = common::records(&tmp.path().join("out"));
    records.extend(common::records(&tmp.path().join("kfac")));
    for r in records {
        let (name, params) = (
            &r["spec"]["optimizer"]["name"],
            &r["spec"]["optimizer"]["params"],
        );
        let family = r["spec"]["problem"]["family"].as_str().expect("a family");
        let Some(measured) = r["outcome"]["state_bytes"].as_u64() else {
            assert_eq!(
                r["outcome"]["status"], "not-applicable",
                "{name} measured: {r}"
            );
            continue;
        };
        let n = r["outcome"]["dim"].as_u64().expect("a dimension") as usize;
        let checked = registry
            .resolve_optimizer(name.as_str().expect("a name"), params)
            .expect("a record's parameters resolve");
        let anatomy = checked
            .optimizer
            .anatomy()
            .expect("every built-in states its memory");
        let layers = (family == "least-squares")
            .then(|| least_squares_layers(&r["spec"]["problem"]["params"]));
        let stated = anatomy.memory.need_with(n, layers.as_ref()).total();
        // The record's formula is the footprint's.
        assert_eq!(
            r["facts"]["optimizer"]["memory_formula"],
            json!(anatomy.formula()),
            "{name} {params}"
        );
        // The pre-flight counts the same bytes (layer terms apart, unknown before the problem is built).
        assert_eq!(
            checked.optimizer.memory(n),
            anatomy.memory.need(n),
            "{name} {params}"
        );
        excess
            .entry(format!("{name} {params} on {family}"))
            .or_default()
            .push((n, measured as i64 - stated as i64));
    }
    // K-FAC on a network: the measure also holds buffers the network's own workspace allocates at its first
    // statistics (about one `g_L x g_L` matrix of the output layer, measured: 64 and 576 floats beyond the
    // statement at g_L = 8 and 24), which are the problem's, not the method's. So the statement is held
    // as a lower bound there, with that buffer and the slack (the factorisation workspace, which depends
    // on the widest layer, and the state structure) as the allowance.
    for (config, runs) in excess.iter().filter(|(c, _)| c.starts_with("\"kfac\"")) {
        for &(n, over) in runs {
            let g_out: i64 = if n == 64 { 8 } else { 24 };
            let allowance = 8 * g_out * g_out + 4 * SLACK;
            assert!(
                (0..=allowance).contains(&over),
                "{config}: measured - stated = {over} bytes at n = {n}, allowance {allowance}"
            );
        }
    }
    // Every configuration ran at two sizes: 17 on the quadratic, kfac on least squares.
    assert_eq!(excess.len(), 18, "{excess:#?}");
    for (config, runs) in &excess {
        assert_eq!(runs.len(), 2, "{config}: {runs:?}");
        if config.starts_with("\"kfac\"") {
            continue;
        }
        // Pure Newton's pivoted L B L' solve and saddle-free Newton's eigendecomposition at n = 400 leave
        // 4 MiB more held after the first step (none at n = 56, none after a Cholesky solve): a buffer of
        // faer's blocked algorithms, not a term of the method's state. It is taken out here and named, so
        // that any other difference still fails.
        let pivoted = config.contains("\"pure\"") || config.contains("\"saddle-free\"");
        let over = |&(n, over): &(usize, i64)| {
            if pivoted && n == 400 {
                over - FAER_PIVOTED_BUFFER
            } else {
                over
            }
        };
        let (small, large) = (over(&runs[0]), over(&runs[1]));
        assert_ne!(runs[0].0, runs[1].0, "{config}: two sizes");
        assert!(
            (0..=SLACK).contains(&small) && small == large,
            "{config}: measured - stated = {small} and {large} bytes at n = {} and {}",
            runs[0].0,
            runs[1].0
        );
    }
}
