//! Fair tuning through the binary: the selection lands on the theory-optimal gradient-descent step, tuning
//! and evaluation seeds are disjoint, the choice is the same for any number of jobs and across shards, the
//! report shows the tuning, and bad `[tune]` blocks are located errors.

use super::common;

use std::path::Path;

use common::{assert_same_runs, csv_without_last_column, optzoo, records, run_ok, write};

/// The quadratic of the selection test: lambda in [1/kappa, 1] (L = 1, mu = 0.01), rotated, random start.
const KAPPA: f64 = 100.0;

/// The theory-optimal fixed step of gradient descent, 2 / (L + mu): it minimises the contraction factor
/// max |1 - eta lambda| over the spectrum.
fn theory_step() -> f64 {
    2.0 / (1.0 + 1.0 / KAPPA)
}

/// A log grid of 11 points, ratio 2^(1/4), whose 9th point (index 8) is the theory step.
fn selection_config() -> String {
    let eta = theory_step();
    format!(
        r#"
name = "select"
seeds = [0, 1]

[[problem]]
family = "quadratic"
dim = 50
kappa = {KAPPA}
spectrum = "linear"
rotation = "random"
start = "random"

[stop]
f_tol = 1e-10
max_iters = 20000

[[optimizer]]
name = "gd"

[tune]
method = "grid"
trials = 11
per = "instance"
select = "evals-to-target"
seeds = [100, 101]

[tune.space.gd]
step = {{ log = [{lo:e}, {hi:e}] }}
"#,
        lo = eta / 4.0,
        hi = eta * 2f64.sqrt(),
    )
}

#[test]
fn a_grid_holding_the_theory_step_selects_it_within_one_point_and_seeds_stay_apart() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "select.toml", &selection_config());
    run_ok(dir.path(), &["run", "select.toml", "--out", "out"]);
    let out = dir.path().join("out");
    let recs = records(&out);

    let phase = |r: &serde_json::Value| {
        r["spec"]["tuning"]["phase"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let trials: Vec<&serde_json::Value> = recs.iter().filter(|r| phase(r) == "trial").collect();
    let evals: Vec<&serde_json::Value> = recs.iter().filter(|r| phase(r) == "evaluation").collect();
    assert_eq!(trials.len(), 11 * 2, "11 trials x 2 tuning seeds");
    assert_eq!(evals.len(), 2, "the chosen step on 2 evaluation seeds");

    // Disjoint seeds: trials saw only 100 and 101, evaluations only 0 and 1.
    let seeds = |rs: &[&serde_json::Value]| {
        let mut s: Vec<u64> = rs
            .iter()
            .filter_map(|r| r["spec"]["seed"].as_u64())
            .collect();
        s.sort_unstable();
        s.dedup();
        s
    };
    assert_eq!(seeds(&trials), vec![100, 101]);
    assert_eq!(seeds(&evals), vec![0, 1]);

    // The grid holds the theory step at index 8; the rule picks a step within one grid point of it.
    let eta = theory_step();
    let grid_step = trials
        .iter()
        .find(|r| r["spec"]["tuning"]["trial"] == 8)
        .and_then(|r| r["spec"]["optimizer"]["params"]["step"].as_f64())
        .expect("trial 8 has a step");
    assert!(
        (grid_step - eta).abs() <= 1e-11 * eta,
        "grid point 8 = {grid_step:e}, theory step = {eta:e}"
    );
    let chosen = evals[0]["spec"]["tuning"]["trial"]
        .as_u64()
        .expect("an evaluation records its trial");
    assert!(
        chosen.abs_diff(8) <= 1,
        "chose trial {chosen} (step {:e}); the theory step {eta:e} is trial 8",
        evals[0]["spec"]["optimizer"]["params"]["step"]
            .as_f64()
            .unwrap_or(f64::NAN)
    );

    // The cost recorded with the evaluation runs is the sum over the trial runs.
    let spent: u64 = trials
        .iter()
        .filter_map(|r| r["outcome"]["grad_equiv_evals"].as_u64())
        .sum();
    for e in &evals {
        assert_eq!(e["spec"]["tuning"]["cost"]["grad_equiv_evals"], spent);
        assert_eq!(e["spec"]["tuning"]["cost"]["runs"], 22);
        assert_eq!(e["spec"]["tuning"]["rule"], "evals-to-target");
    }
    let tuning_csv = std::fs::read_to_string(out.join("tuning.csv")).expect("tuning.csv");
    assert_eq!(tuning_csv.lines().count(), 1 + 11);
    assert_eq!(
        tuning_csv.lines().filter(|l| l.contains(",true,")).count(),
        1,
        "one chosen trial:\n{tuning_csv}"
    );

    // A coarser grid moves the choice; compare still pairs the evaluation runs (by instance, optimizer and
    // seed, not by the chosen value) and leaves the trials out.
    let coarse = selection_config().replace("trials = 11", "trials = 3");
    write(dir.path(), "coarse.toml", &coarse);
    run_ok(dir.path(), &["run", "coarse.toml", "--out", "coarse"]);
    let cmp = optzoo(dir.path(), &["compare", "out", "coarse"]);
    let text = String::from_utf8_lossy(&cmp.stdout);
    assert!(text.contains("2 runs paired"), "{text}");
    assert!(text.contains("; 0 missing, 0 new."), "{text}");

    // The report: tuning table with the cost, outcome table with a tuning column, a sensitivity figure.
    run_ok(
        dir.path(),
        &[
            "report",
            "out",
            "--formats",
            "svg",
            "--figures",
            "sensitivity",
        ],
    );
    let report = out.join("report");
    let tuning_md = std::fs::read_to_string(report.join("tables/tuning.md")).expect("tuning table");
    assert!(
        tuning_md.contains(&spent.to_string()),
        "the tuning table shows the cost {spent}:\n{tuning_md}"
    );
    let outcomes = std::fs::read_to_string(report.join("tables/outcomes.md")).expect("outcomes");
    assert!(outcomes.contains("tuning evaluations"), "{outcomes}");
    assert!(
        outcomes.contains(&spent.to_string()),
        "outcome table shows the cost:\n{outcomes}"
    );
    assert!(
        !outcomes.contains("step=0.") && !outcomes.contains("step=1."),
        "trials are not rows of the outcome table:\n{outcomes}"
    );
    let svg = std::fs::read_to_string(report.join("figures/sensitivity-00.svg")).expect("figure");
    assert!(svg.contains("<svg") && svg.contains("Tuning:") && svg.contains("gd (step)"));
    let page = std::fs::read_to_string(report.join("index.html")).expect("page");
    assert!(page.contains("sensitivity-00") && page.contains("Tuning: chosen settings"));
}

const SWEEP: &str = r#"
name = "tuned-sweep"
seeds = [0, 1]

[[problem]]
family = "quadratic"
dim = 20
kappa = [10, 1000]
rotation = "random"
start = "random"

[[problem]]
family = "rosenbrock"
dim = 2

[stop]
grad_rtol = 1e-6
max_iters = 500

[[optimizer]]
name = "gd"

[[optimizer]]
name = "momentum"

[[optimizer]]
name = "newton"

[tune]
method = "sobol"
trials = 6
per = "instance"
select = "final-gap"
seeds = [7, 8]

[tune.space.gd]
step = { log = [1e-2, 2.0] }

[tune.space.momentum]
step = { log = [1e-2, 2.0] }
beta = { linear = [0.3, 0.95] }
"#;

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `summary.csv` without its last column (wall time).
fn summary_without_time(dir: &Path) -> Vec<String> {
    csv_without_last_column(&dir.join("summary.csv"))
}

#[test]
fn tuning_is_the_same_for_any_jobs_and_across_shards() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "s.toml", SWEEP);
    let d = |n: &str| dir.path().join(n);
    run_ok(
        dir.path(),
        &["run", "s.toml", "--out", "one", "--jobs", "1"],
    );
    run_ok(
        dir.path(),
        &["run", "s.toml", "--out", "two", "--jobs", "2"],
    );
    assert_same_runs(&d("one"), &d("two"));
    assert_eq!(text(&d("one/tuning.csv")), text(&d("two/tuning.csv")));
    assert_eq!(
        summary_without_time(&d("one")),
        summary_without_time(&d("two"))
    );

    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = format!("shard{k}");
        run_ok(
            dir.path(),
            &[
                "run", "s.toml", "--out", &out, "--shard", &shard, "--jobs", "1",
            ],
        );
    }
    run_ok(
        dir.path(),
        &["merge", "merged", "shard1", "shard2", "shard3"],
    );
    assert_same_runs(&d("merged"), &d("one"));
    let cmp = optzoo(dir.path(), &["compare", "one", "merged"]);
    assert_eq!(
        cmp.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&cmp.stdout)
    );
    assert_eq!(text(&d("merged/tuning.csv")), text(&d("one/tuning.csv")));
    assert_eq!(
        summary_without_time(&d("merged")),
        summary_without_time(&d("one"))
    );

    // 2 tuned optimizers x 3 instances = 6 groups of 6 trials x 2 seeds, 6 x 2 evaluations, newton 3 x 2.
    let recs = records(&d("one"));
    assert_eq!(recs.len(), 6 * 6 * 2 + 6 * 2 + 3 * 2);
    // A rerun reuses everything and chooses the same.
    let again = run_ok(
        dir.path(),
        &["run", "s.toml", "--out", "one", "--jobs", "2"],
    );
    assert!(again.contains("tuning evals"), "{again}");
    assert_eq!(text(&d("one/tuning.csv")), text(&d("two/tuning.csv")));
}

#[test]
fn bad_tune_blocks_are_located_errors() {
    let base = r#"
seeds = [0, 1]
[[problem]]
family = "quadratic"
dim = 10
kappa = 10
[[optimizer]]
name = "gd"
"#;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "shared seeds",
            "[tune]\nseeds = [1, 5]\n[tune.space.gd]\nstep = { log = [0.1, 1.0] }\n",
            &["disjoint", "[1]", "bad.toml:10:"],
        ),
        (
            "unknown optimizer",
            "[tune.space.gdd]\nstep = { log = [0.1, 1.0] }\n",
            &["unknown optimizer \"gdd\"", "did you mean"],
        ),
        (
            "not in the config",
            "[tune.space.adam]\nlr = { log = [0.1, 1.0] }\n",
            &["no `[[optimizer]]` named \"adam\""],
        ),
        (
            "unknown key",
            "[tune.space.gd]\nstpe = { log = [0.1, 1.0] }\n",
            &["`stpe` is not a key", "step"],
        ),
        (
            "bad range",
            "[tune.space.gd]\nstep = { log = [0.0, 1.0] }\n",
            &["lo > 0"],
        ),
        (
            "not a range",
            "[tune.space.gd]\nstep = [0.1, 1.0]\n",
            &["must be a range"],
        ),
        (
            "grid budget",
            "[tune]\ntrials = 10\n[tune.space.gd]\nstep = { log = [0.1, 1.0] }\nc1 = { linear = [0.01, 0.4] }\n",
            &["9 or 16", "sobol"],
        ),
        (
            "bad select",
            "[tune]\nselect = \"best\"\n[tune.space.gd]\nstep = { log = [0.1, 1.0] }\n",
            &["`select` must be one of", "final-gap"],
        ),
        (
            "invalid trial",
            "[tune.space.gd]\nc1 = { linear = [0.1, 0.9] }\n",
            &["not a valid `gd`", "c1"],
        ),
        (
            "no space",
            "[tune]\ntrials = 4\n",
            &["no `[tune.space.NAME]`"],
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, tune, wants) in cases {
        write(dir.path(), "bad.toml", &format!("{base}{tune}"));
        let out = optzoo(dir.path(), &["run", "bad.toml", "--out", "o"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("bad.toml:"),
            "{name}: names the file: {stderr}"
        );
        for w in *wants {
            assert!(stderr.contains(w), "{name}: expected `{w}` in: {stderr}");
        }
    }
    // Fixing a tuned key in the optimizer table is refused too.
    write(
        dir.path(),
        "bad.toml",
        "[[problem]]\nfamily = \"quadratic\"\ndim = 10\nkappa = 10\n[[optimizer]]\nname = \"gd\"\nstep = 0.1\n\
         [tune.space.gd]\nstep = { log = [0.1, 1.0] }\n",
    );
    let out = optzoo(dir.path(), &["run", "bad.toml", "--out", "o"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("fixes `step`"), "{stderr}");
}

/// Gradient descent on a quadratic with `L = 1`, tuned over steps far below the best fixed step
/// `2 / (L + mu)`: within a 50-iteration budget the largest step tried reaches the least final gap.
const TOO_NARROW: &str = r#"
name = "too-narrow"
seeds = [0]

[[problem]]
family = "quadratic"
dim = 10
kappa = 10
rotation = "random"
start = "random"

[stop]
max_iters = 50

[[optimizer]]
name = "gd"

[tune]
method = "grid"
trials = 3
per = "instance"
select = "final-gap"
seeds = [100]

[tune.space.gd]
step = { log = [1e-3, 1e-2] }
"#;

#[test]
fn a_choice_at_the_edge_of_a_too_narrow_range_is_warned_of_on_the_console_and_in_the_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "narrow.toml", TOO_NARROW);
    let out = optzoo(dir.path(), &["run", "narrow.toml", "--out", "out"]);
    let seen = common::shown(&out);
    assert!(out.status.success(), "{seen}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("widen")).collect();
    assert_eq!(warnings.len(), 1, "one line per tuned group: {seen}");
    assert!(
        warnings[0].starts_with("optzoo: tuning gd on instance quadratic ")
            && warnings[0].ends_with(
                ": step = 0.01 at the upper edge of [1e-3, 0.01]: widen the range (log range)"
            ),
        "{}",
        warnings[0]
    );

    run_ok(dir.path(), &["report", "out", "--formats", "svg"]);
    let md = text(&dir.path().join("out/report/tables/tuning.md"));
    assert!(
        md.lines()
            .next()
            .is_some_and(|h| h.ends_with("| at the edge of the range tried |")),
        "{md}"
    );
    assert!(
        md.contains("| step = 0.01 at the upper edge of [1e-3, 0.01]: widen the range |"),
        "{md}"
    );

    // A range around the best step: the choice is inside, and nothing is warned of.
    let wide = TOO_NARROW
        .replace("[1e-3, 1e-2]", "[0.1, 4.0]")
        .replace("trials = 3", "trials = 5");
    write(dir.path(), "wide.toml", &wide);
    let out = optzoo(dir.path(), &["run", "wide.toml", "--out", "wide"]);
    assert!(out.status.success(), "{}", common::shown(&out));
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("widen"),
        "{}",
        common::shown(&out)
    );
}
