//! Inputs that can never work are refused or explained before anything runs: a stop rule on a ground truth
//! the problems lack, a config name shadowed by a folder of the working directory, and the cost of a sweep
//! printed by `--dry-run`.

use super::common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{optzoo, shown, write};

/// Runs `optzoo run bad.toml` with `text` (and again with `--dry-run`) and asserts one located error with
/// exit code 2 that mentions every needle, and that nothing was run.
fn refused(text: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "bad.toml", text);
    for args in [
        &["run", "bad.toml", "--out", "res"][..],
        &["run", "bad.toml", "--out", "res", "--dry-run"][..],
    ] {
        let out = optzoo(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", shown(&out));
        assert_eq!(
            stderr.lines().filter(|l| !l.trim().is_empty()).count(),
            1,
            "{args:?}: one paragraph expected:\n{stderr}"
        );
        for needle in needles {
            assert!(stderr.contains(needle), "`{needle}` not in:\n{stderr}");
        }
        assert!(
            !dir.path().join("res").exists(),
            "{args:?}: nothing may run or be written"
        );
    }
}

/// Runs `optzoo run ok.toml --dry-run` with `text` and returns its stdout, asserting success.
fn planned(text: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "ok.toml", text);
    let out = optzoo(dir.path(), &["run", "ok.toml", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const LBFGS: &str = "[[optimizer]]\nname = \"lbfgs\"\n";

#[test]
fn f_tol_on_a_family_without_a_known_minimum_is_refused_naming_key_family_and_remedy() {
    refused(
        &format!(
            "[[problem]]\nfamily = \"softmax\"\nclasses = 3\nin_dim = 4\nsamples = 30\n[stop]\nf_tol = 1e-8\n{LBFGS}"
        ),
        &[
            // The key's place in the file, then the key, the family, why and what to use instead.
            "bad.toml:7:9",
            "`f_tol`",
            "`softmax`",
            "bad.toml:2:10",
            "f*",
            "grad_rtol",
        ],
    );
}

#[test]
fn x_rtol_on_a_family_with_several_minimisers_is_refused() {
    refused(
        &format!("[[problem]]\nfamily = \"himmelblau\"\n[stop]\nx_rtol = 1e-6\n{LBFGS}"),
        &[
            "bad.toml:4:10",
            "`x_rtol`",
            "`himmelblau`",
            "x*",
            "grad_rtol",
        ],
    );
}

#[test]
fn whether_f_tol_can_fire_may_depend_on_the_instance_parameters() {
    // MGH publish Watson's minimum for n = 6, 9 and 12 only.
    let config = |dim: usize| {
        format!(
            "[[problem]]\nfamily = \"mgh\"\nproblem = \"watson\"\ndim = {dim}\n[stop]\nf_tol = 1e-8\n{LBFGS}"
        )
    };
    let out = planned(&config(6));
    assert!(out.contains("runs: 1"), "{out}");
    refused(
        &config(7),
        &["`f_tol`", "`mgh`", "\"dim\":7", "\"problem\":\"watson\""],
    );
}

#[test]
fn a_ground_truth_tolerance_beside_a_gradient_tolerance_is_accepted_where_some_problem_knows_it() {
    // As the museum: x_rtol where x* is known, the gradient test elsewhere.
    let out = planned(&format!(
        "[[problem]]\nfamily = \"softmax\"\nclasses = 3\nin_dim = 4\nsamples = 30\n[[problem]]\n\
         family = \"quadratic\"\ndim = 4\nkappa = 10\n[stop]\nx_rtol = 1e-6\ngrad_rtol = 1e-8\n{LBFGS}"
    ));
    assert!(out.contains("runs: 2"), "{out}");
    // Where no problem knows it, the key means nothing.
    refused(
        &format!(
            "[[problem]]\nfamily = \"softmax\"\nclasses = 3\nin_dim = 4\nsamples = 30\n[stop]\nx_rtol = 1e-6\n\
             grad_rtol = 1e-8\n{LBFGS}"
        ),
        &[
            "bad.toml:7:10",
            "`x_rtol` applies to no problem",
            "`softmax`",
        ],
    );
}

#[test]
fn an_embedded_config_name_wins_over_a_results_folder_of_that_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    // An earlier `optzoo run --out museum` left this folder.
    std::fs::create_dir_all(dir.path().join("museum").join("runs")).expect("writable");
    let out = optzoo(dir.path(), &["run", "museum", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("sweep `museum` (configs/museum.toml (embedded))"),
        "{stdout}"
    );
    // A folder that names no embedded config is still no config.
    std::fs::create_dir(dir.path().join("mine")).expect("writable");
    let out = optzoo(dir.path(), &["run", "mine"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(
        stderr.contains("mine: is a directory, not a config file"),
        "{stderr}"
    );
}

#[test]
fn a_file_named_as_an_embedded_config_must_be_chosen_explicitly() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "quickstart",
        "name = \"mine\"\n[[problem]]\nfamily = \"rosenbrock\"\n[[optimizer]]\nname = \"gd\"\n",
    );
    let out = optzoo(dir.path(), &["run", "quickstart", "--dry-run"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", shown(&out));
    assert!(
        stderr.contains("embedded config `quickstart`") && stderr.contains("`./quickstart`"),
        "{stderr}"
    );
    let out = optzoo(dir.path(), &["run", "./quickstart", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("sweep `mine` (./quickstart)"), "{stdout}");
    // With no config at all, the museum runs whatever the folder holds.
    write(dir.path(), "museum", "not a config");
    let out = optzoo(dir.path(), &["run", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
}

#[test]
fn dry_run_estimates_the_work_and_lists_the_largest_runs_without_building_them() {
    // Building the first instance (a Haar rotation of dimension 8000) takes most of a minute.
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "big.toml",
        "seeds = [0, 1]\n[[problem]]\nfamily = \"quadratic\"\ndim = [8000, 10]\nkappa = 10\nrotation = \"random\"\n\
         [[problem]]\nfamily = \"rosenbrock\"\n[stop]\nmax_iters = 100\n[[optimizer]]\nname = \"gd\"\n\
         step = \"armijo\"\n[[optimizer]]\nname = \"lbfgs\"\n",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_optzoo"))
        .args(["run", "big.toml", "--dry-run"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the optzoo binary starts");
    // A bound far above a dry run's, far below the build's: a dry run that builds the problem fails here.
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("waitable").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the dry run did not finish within 30 s: it builds the problems");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    assert_eq!(out.status.code(), Some(0), "{}", shown(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("dry run: no problem built"), "{stdout}");
    assert!(stdout.contains("estimated work: "), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("largest runs (5 of 12;"))
        .unwrap_or_else(|| panic!("no list of the largest runs in:\n{stdout}"));
    let largest = &lines[at + 1..at + 6];
    // The four runs on dimension 8000 come first, each with the O(n^3) construction (5 n^3 = 2.6e12).
    for line in &largest[..4] {
        assert!(
            line.contains("\"dim\":8000") && line.contains("building 2.6e12"),
            "{line}\nin:\n{stdout}"
        );
    }
    assert!(!largest[4].contains("\"dim\":8000"), "{stdout}");
    // Each names its run id, which a record of the run will carry.
    assert!(largest[0].contains("quadratic-"), "{}", largest[0]);
}
