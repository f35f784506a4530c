//! Each optimizer states its memory once ([`optzoo::footprint::Footprint`]): the bytes the pre-flight
//! counts and the formula the museum prints both come from it. Here the statement is held to what the
//! counting allocator measured of each optimizer's state in real runs (`state_bytes` in the records), at two
//! sizes.
//!
//! The sizes are not multiples of 8 (n = 50 and n = 403; layers of 5 x 3 and 7 x 4 units, 30 and 70
//! samples): faer pads every column of a matrix to a multiple of 8 numbers, and the footprint counts the
//! padding ([`optzoo::footprint::padded`]). What the problem allocates inside its own evaluations (a
//! network's workspace) is booked apart and is not the method's; faer's per-thread product buffers are made
//! before the measure. What the measure adds beyond the footprint is the state structure itself and its
//! scalars (a few hundred bytes, the same at every size), so the test asserts: `measured - stated` is the
//! same number at both sizes (the growth with the size is exactly the stated one) and lies in `[0, SLACK]`.

use super::common;

use optzoo::footprint::Layers;
use serde_json::{Value, json};

/// The bytes the measure may hold beyond the footprint: the state structure and its scalars, independent of
/// `n` (L-BFGS with m = 20 holds its `2m` scalars `rho`, `alpha` and the boxed state; K-FAC, the largest,
/// measured 1168 bytes with one layer: its per-layer lists of matrices, whose headers are not entries).
const SLACK: i64 = 1536;

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
/// loss's output Fisher is the identity, of rank `out_dim`) or a `softmax` one (one layer with biases,
/// `classes x (in_dim + 1)`; the Fisher's square root has `classes` columns per sample).
fn layers(family: &str, params: &Value) -> Option<Layers> {
    let get = |k: &str| params[k].as_u64().expect("a size") as usize;
    let (inputs, outputs) = match family {
        "least-squares" => (get("in_dim"), get("out_dim")),
        "softmax" => (get("in_dim") + 1, get("classes")),
        _ => return None,
    };
    Some(Layers {
        shapes: vec![(inputs, outputs)],
        samples: get("samples"),
        fisher_rank: outputs,
    })
}

#[test]
fn every_optimizer_holds_what_its_footprint_states_at_two_sizes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // Every optimizer on a quadratic (whose evaluations allocate nothing that outlives them); K-FAC on two
    // layered models, each at two sizes of its layer and its data.
    common::write(
        tmp.path(),
        "memory.toml",
        &format!(
            "name = \"memory\"\nseeds = [0]\n\
             [[problem]]\nfamily = \"quadratic\"\ndim = [50, 403]\nkappa = 10\n\
             [stop]\nmax_iters = 3\n{OPTIMIZERS}"
        ),
    );
    common::write(
        tmp.path(),
        "kfac.toml",
        "name = \"kfac\"\nseeds = [0]\n\
         [[problem]]\nfamily = \"least-squares\"\nzip = [\"in_dim\", \"out_dim\", \"samples\"]\n\
         in_dim = [5, 7]\nout_dim = [3, 4]\nsamples = [30, 70]\n\
         [[problem]]\nfamily = \"softmax\"\nzip = [\"in_dim\", \"classes\", \"samples\"]\n\
         in_dim = [4, 6]\nclasses = [3, 4]\nsamples = [30, 70]\n\
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
        let layers = layers(family, &r["spec"]["problem"]["params"]);
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
    // Every configuration ran at two sizes: 17 on the quadratic, kfac on least squares and on softmax.
    // (K-FAC on a network: what the network's own workspace allocates at its first statistics is the
    // problem's, booked apart, so K-FAC is held to its statement as every other method is.)
    assert_eq!(excess.len(), 19, "{excess:#?}");
    for (config, runs) in &excess {
        assert_eq!(runs.len(), 2, "{config}: {runs:?}");
        let ((_, small), (_, large)) = (runs[0], runs[1]);
        assert_ne!(runs[0].0, runs[1].0, "{config}: two sizes");
        assert!(
            (0..=SLACK).contains(&small) && small == large,
            "{config}: measured - stated = {small} and {large} bytes at n = {} and {}",
            runs[0].0,
            runs[1].0
        );
    }
}
