//! Bad input through the binary: every case gives one clear error naming file, line and key, and exit code 2.

use super::common;

use common::{optzoo, write};

const GOOD_OPTIMIZER: &str = "[[optimizer]]\nname = \"gd\"\nstep = \"armijo\"\n";

/// (case, config text, what the error must mention)
fn cases() -> Vec<(&'static str, String, Vec<&'static str>)> {
    let quad = "[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = 10\n";
    vec![
        (
            "unknown top-level key",
            format!("seed = [1]\n{quad}{GOOD_OPTIMIZER}"),
            vec!["bad.toml:1:1", "unknown key `seed`", "did you mean `seeds`"],
        ),
        (
            "unknown family",
            format!("[[problem]]\nfamily = \"qudratic\"\ndim = 4\n{GOOD_OPTIMIZER}"),
            vec![
                "bad.toml:2:10",
                "unknown problem family \"qudratic\"",
                "did you mean `quadratic`",
            ],
        ),
        (
            "unknown optimizer",
            format!("{quad}[[optimizer]]\nname = \"gdd\"\n"),
            vec![
                "bad.toml:6:8",
                "unknown optimizer \"gdd\"",
                "did you mean `gd`",
            ],
        ),
        (
            "unknown family key",
            format!("[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkapa = 10\n{GOOD_OPTIMIZER}"),
            vec!["bad.toml:", "unknown key `kapa`", "did you mean `kappa`"],
        ),
        (
            "wrong type",
            format!(
                "[[problem]]\nfamily = \"quadratic\"\ndim = \"four\"\nkappa = 10\n{GOOD_OPTIMIZER}"
            ),
            vec!["bad.toml:3:7", "dim"],
        ),
        (
            "kappa below one",
            format!(
                "[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = [10, 0.5]\n{GOOD_OPTIMIZER}"
            ),
            vec!["bad.toml:4:9", "`kappa` must be", "0.5"],
        ),
        (
            "dim zero",
            format!("[[problem]]\nfamily = \"quadratic\"\ndim = 0\nkappa = 10\n{GOOD_OPTIMIZER}"),
            vec!["bad.toml:3:7", "`dim` must be at least 1"],
        ),
        (
            "NaN",
            format!("[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = nan\n{GOOD_OPTIMIZER}"),
            vec!["bad.toml:4:9", "kappa", "NaN"],
        ),
        (
            "theory step without curvature",
            "[[problem]]\nfamily = \"rosenbrock\"\n[[optimizer]]\nname = \"gd\"\nstep = \"1/L\"\n"
                .to_string(),
            vec!["bad.toml:4:8", "curvature", "rosenbrock"],
        ),
        (
            "empty grid",
            format!("[[problem]]\nfamily = \"quadratic\"\ndim = 4\nkappa = []\n{GOOD_OPTIMIZER}"),
            vec!["bad.toml:4:9", "empty grid", "kappa"],
        ),
        (
            "negative step",
            format!("{quad}[[optimizer]]\nname = \"gd\"\nstep = -0.1\n"),
            vec!["bad.toml:7:8", "`step` must be"],
        ),
        (
            "unknown stop key",
            format!("{quad}{GOOD_OPTIMIZER}[stop]\ngrad_tol = 1e-6\n"),
            vec!["bad.toml:", "unknown key `grad_tol`", "did you mean"],
        ),
        (
            "no optimizers",
            quad.to_string(),
            vec!["bad.toml:1:1", "no optimizers"],
        ),
        (
            "unknown suite",
            format!("suites = [\"kapa\"]\n{GOOD_OPTIMIZER}"),
            vec![
                "bad.toml:1:11",
                "unknown suite \"kapa\"",
                "did you mean `kappa`",
            ],
        ),
        (
            "TOML syntax",
            format!("{quad}[[optimizer]\nname = \"gd\"\n"),
            vec!["bad.toml:5:"],
        ),
        (
            "armijo key with a fixed step",
            format!("{quad}[[optimizer]]\nname = \"gd\"\nstep = 0.1\nc1 = 0.3\n"),
            vec!["bad.toml:8:6", "`c1` applies only"],
        ),
    ]
}

#[test]
fn each_bad_config_is_one_located_error_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (case, text, needles) in cases() {
        write(dir.path(), "bad.toml", &text);
        let out = optzoo(dir.path(), &["run", "bad.toml", "--out", "res"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{case}: exit code; stderr:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{case}: panicked:\n{stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            lines.len(),
            1,
            "{case}: one paragraph expected, got:\n{stderr}"
        );
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{case}: `{needle}` not in:\n{stderr}"
            );
        }
        assert!(
            !dir.path().join("res").join("summary.csv").exists(),
            "{case}: nothing may run"
        );
    }
}

#[test]
fn missing_config_file_names_it_and_the_embedded_configs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = optzoo(dir.path(), &["run", "nope.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nope.toml") && stderr.contains("quickstart"),
        "{stderr}"
    );
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["run", "--jobs", "0"][..],
        &["frobnicate"][..],
        &["list", "everything"][..],
    ] {
        let out = optzoo(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn an_out_path_that_is_a_file_is_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "taken", "not a directory");
    let out = optzoo(dir.path(), &["run", "--out", "taken"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("taken"), "{stderr}");
}

#[test]
fn suite_errors_point_into_the_suite_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "mine.toml",
        "[[problem]]\nfamily = \"rosenbrock\"\ndim = 1\n",
    );
    write(
        dir.path(),
        "bad.toml",
        &format!("suites = [\"mine.toml\"]\n{GOOD_OPTIMIZER}"),
    );
    let out = optzoo(dir.path(), &["run", "bad.toml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("mine.toml:3:7") && stderr.contains("`dim` must be at least 2"),
        "{stderr}"
    );
}

#[test]
fn a_config_name_that_is_a_path_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path().join("a").join("b");
    std::fs::create_dir_all(&work).expect("writable");
    for name in ["../../escaped", "..", "/tmp/x", "a/b", "sp ace", ""] {
        write(
            &work,
            "bad.toml",
            &format!(
                "name = {}\n[[problem]]\nfamily = \"quadratic\"\ndim = 2\nkappa = 2\n{GOOD_OPTIMIZER}",
                toml::Value::String(name.to_string())
            ),
        );
        let o = optzoo(&work, &["run", "bad.toml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name:?}: {err}");
        assert!(
            err.contains("bad.toml:1:8") && err.contains("`name` must be a plain file name"),
            "{name:?}: {err}"
        );
        let entries: Vec<_> = std::fs::read_dir(dir.path())
            .expect("readable")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            entries,
            vec![std::ffi::OsString::from("a")],
            "{name:?}: nothing written outside"
        );
        assert!(!work.join("results").exists(), "{name:?}: nothing ran");
    }
}
