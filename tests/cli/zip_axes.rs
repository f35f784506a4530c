//! `zip` in a config table makes lists vary together: the sweep has as many points on a zipped axis as its
//! lists have values, not their product, in problem and optimizer tables and in suite files; a bad `zip` is
//! a located error (exit 2).

use super::common;

use common::{optzoo, write};

const CONFIG: &str = r#"
name = "zipped"
seeds = [0, 1]

[[problem]]
family = "quadratic"
dim = [10, 20, 30]
kappa = [1e2, 1e3, 1e4]
zip = [["dim", "kappa"]]

[[optimizer]]
name = "momentum"
step = [0.5, 0.1, 0.02]
beta = [0.5, 0.9, 0.99]
variant = ["heavy-ball", "nesterov"]
zip = ["step", "beta"]
"#;

fn dry_run(cwd: &std::path::Path, config: &str) -> (Option<i32>, String, String) {
    let out = optzoo(cwd, &["run", config, "--dry-run"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn zipped_lists_give_one_point_per_value_beside_product_axes() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "z.toml", CONFIG);
    let (code, stdout, stderr) = dry_run(dir.path(), "z.toml");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // 3 zipped instances (not 9) x (3 zipped pairs x 2 variants = 6 configurations, not 18) x 2 seeds.
    for needle in ["problem instances (3):", "optimizers (6):", "runs: 36"] {
        assert!(stdout.contains(needle), "{needle}:\n{stdout}");
    }
    for (dim, kappa) in [(10, "100.0"), (20, "1000.0"), (30, "10000.0")] {
        assert!(
            stdout.contains(&format!("quadratic {{\"dim\":{dim},\"kappa\":{kappa},")),
            "dim {dim} goes with kappa {kappa}:\n{stdout}"
        );
    }
    for (beta, step) in [("0.5", "0.5"), ("0.9", "0.1"), ("0.99", "0.02")] {
        for variant in ["heavy-ball", "nesterov"] {
            let line =
                format!("momentum {{\"beta\":{beta},\"step\":{step},\"variant\":\"{variant}\"}}");
            assert!(stdout.contains(&line), "{line}:\n{stdout}");
        }
    }
    assert!(
        !stdout.contains("\"beta\":0.5,\"step\":0.1"),
        "no product:\n{stdout}"
    );

    // The same problems from a suite file.
    write(
        dir.path(),
        "suite.toml",
        "[[problem]]\nfamily = \"quadratic\"\ndim = [10, 20]\nkappa = [10, 100]\nzip = [\"kappa\", \"dim\"]\n",
    );
    write(
        dir.path(),
        "s.toml",
        "suites = [\"suite.toml\"]\n[[optimizer]]\nname = \"gd\"\nstep = \"armijo\"\n",
    );
    let (code, stdout, stderr) = dry_run(dir.path(), "s.toml");
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("problem instances (2):") && stdout.contains("runs: 2"),
        "{stdout}"
    );
}

#[test]
fn a_bad_zip_names_the_file_line_and_key_and_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (broken, line_col, message) in [
        (
            CONFIG.replace("beta = [0.5, 0.9, 0.99]", "beta = [0.5, 0.9]"),
            "z.toml:14:8:",
            "zipped lists differ in length: `step` has 3 values, `beta` has 2",
        ),
        (
            CONFIG.replace("kappa = [1e2, 1e3, 1e4]", "kappa = [1e2, 1e3]"),
            "z.toml:8:9:",
            "zipped lists differ in length: `dim` has 3 values, `kappa` has 2",
        ),
        (
            CONFIG.replace("zip = [\"step\", \"beta\"]", "zip = [\"step\", \"bta\"]"),
            "z.toml:16:7:",
            "`zip` names `bta`, which this table does not set; did you mean `beta`?",
        ),
        (
            CONFIG.replace("beta = [0.5, 0.9, 0.99]", "beta = 0.9"),
            "z.toml:14:8:",
            "`beta` is zipped, so it must be a list of values",
        ),
        (
            CONFIG.replace("zip = [\"step\", \"beta\"]", "zip = [\"step\"]"),
            "z.toml:16:7:",
            "a group names two or more lists",
        ),
        (
            CONFIG.replace("zip = [\"step\", \"beta\"]", "zip = \"step\""),
            "z.toml:16:7:",
            "`zip` lists keys whose lists vary together",
        ),
        (
            CONFIG.replace("zip = [\"step\", \"beta\"]", "zip = [\"name\", \"step\"]"),
            "z.toml:16:7:",
            "`zip` names `name`, which cannot vary",
        ),
    ] {
        write(dir.path(), "z.toml", &broken);
        let (code, stdout, stderr) = dry_run(dir.path(), "z.toml");
        assert_eq!(code, Some(2), "{message}: {stdout}{stderr}");
        assert!(
            stderr.contains(line_col) && stderr.contains(message),
            "expected {line_col} {message}, got: {stderr}"
        );
    }
}
