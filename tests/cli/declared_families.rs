//! The keys of `mlp` and `mgh`, declared once: their run ids are the hashes of the canonical JSON spelled out
//! here (`mgh` records the sizes of its problem, given or not), and a bad value is refused through the
//! binary naming its key and what was expected.

use super::common;

use common::{id_of, optzoo, write};

#[test]
fn mlp_and_mgh_keep_their_run_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write(
        dir.path(),
        "ids.toml",
        r#"
name = "ids"
seeds = [0]

[[problem]]
family = "mgh"
problem = "watson"

[[problem]]
family = "mgh"
problem = "watson"
dim = 6
m = 31

[[problem]]
family = "mgh"
problem = "chebyquad"
dim = 8

[[problem]]
family = "mlp"

[[problem]]
family = "mlp"
widths = [[3, 5, 2]]
samples = 8

[stop]
max_iters = 100

[[optimizer]]
name = "gd"
step = 0.1
"#,
    );
    let plan = optzoo::plan::load(&config.to_string_lossy()).expect("the config is valid");
    // Watson is given twice, once with its own sizes spelled out: the same parameters, so one run.
    let expected = [
        (
            "mgh",
            r#"{"dim":6,"m":31,"problem":"watson","start":"standard"}"#,
        ),
        (
            "mgh",
            r#"{"dim":8,"m":8,"problem":"chebyquad","start":"standard"}"#,
        ),
        (
            "mlp",
            r#"{"samples":64,"start":"standard","widths":[4,8,2]}"#,
        ),
        (
            "mlp",
            r#"{"samples":8,"start":"standard","widths":[3,5,2]}"#,
        ),
    ];
    let ids: Vec<&str> = plan.runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids.len(), expected.len());
    for ((family, params), id) in expected.iter().zip(&ids) {
        let spec = format!(
            r#"{{"problem":{{"family":"{family}","params":{params}}},"optimizer":{{"name":"gd","params":{{"step":0.1}}}},"seed":0,"stop":{{"grad_rtol":1e-6,"max_iters":100,"diverge_factor":10000000000.0}}}}"#
        );
        assert_eq!(*id, id_of(family, "gd", &spec), "{family} {params}");
    }
}

#[test]
fn bad_values_name_their_key_and_what_was_expected() {
    for (problem, needles) in [
        (
            "family = \"mlp\"\nwidths = [4, 8, 2]",
            &[
                "bad.toml:3:10:",
                "`widths`: expected a list of layer widths, got 4",
                "a list-valued key is written as a list of lists",
            ][..],
        ),
        (
            "family = \"mlp\"\nwidths = [[4, -1, 2]]",
            &["`widths`: every layer width is a whole number >= 1, got -1 in [4, -1, 2]"][..],
        ),
        (
            "family = \"mlp\"\nwidths = [[]]",
            &["`widths` needs at least two entries (input and output), each >= 1, got []"][..],
        ),
        (
            "family = \"mlp\"\nwidths = [[4, 0, 2]]",
            &["`widths` needs at least two entries", "got [4, 0, 2]"][..],
        ),
        (
            "family = \"mlp\"\nsamples = \"many\"",
            &["`samples`: invalid type: string \"many\", expected a whole number >= 0"][..],
        ),
        (
            "family = \"mlp\"\nwidth = [[3, 2]]",
            &[
                "unknown key `width`; did you mean `widths`?",
                "valid keys: widths, samples,",
            ][..],
        ),
        ("family = \"mgh\"", &["missing required key `problem`"][..]),
        (
            "family = \"mgh\"\nproblem = \"rosenbrok\"",
            &[
                "bad.toml:3:11:",
                "`problem` = \"rosenbrok\" is not valid; did you mean `rosenbrock`?",
                "expected one of: rosenbrock, freudenstein-roth,",
                ", linear-rank-1-zero-columns-rows, chebyquad",
            ][..],
        ),
        (
            "family = \"mgh\"\nproblem = 3",
            &["`problem`: invalid type: integer `3`, expected a string"][..],
        ),
        (
            "family = \"mgh\"\nproblem = \"rosenbrock\"\ndim = 3",
            &[
                "bad.toml:4:7:",
                "`dim` is fixed at 2 for problem \"rosenbrock\", got 3",
            ][..],
        ),
        (
            "family = \"mgh\"\nproblem = \"penalty-2\"\ndim = 4\nm = 9",
            &["problem \"penalty-2\" has m = 2n, so `m` must be 8, got 9"][..],
        ),
        (
            "family = \"mgh\"\nproblem = \"watson\"\nn = 6",
            &["unknown key `n`", "valid keys: problem, dim, m,"][..],
        ),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        write(
            dir.path(),
            "bad.toml",
            &format!("[[problem]]\n{problem}\n\n[[optimizer]]\nname = \"gd\"\nstep = 0.1\n"),
        );
        let o = optzoo(dir.path(), &["run", "bad.toml", "--dry-run"]);
        assert!(!o.status.success(), "{problem} must be refused");
        let stderr = String::from_utf8_lossy(&o.stderr);
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{problem}: missing {needle:?} in\n{stderr}"
            );
        }
    }
}
