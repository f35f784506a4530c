//! A results folder is data: `report`, `compare` and `merge` build no problem, start no process and replay
//! no run, whatever a record claims; a config is code. Each test edits a real results folder as a hostile
//! user would, keeping every record's id the hash of its spec (anyone can compute it), and reads it back
//! through the binary.

use super::common;
use super::museum_run::{copy_results, museum};

use std::path::Path;
use std::time::{Duration, Instant};

use common::{optzoo, shown, write};
use serde_json::{Value, json};

/// Runs `config` (TOML text) into `dir/res` without a report and returns the results folder.
fn results(dir: &Path, config: &str) -> std::path::PathBuf {
    write(dir, "c.toml", config);
    let o = optzoo(dir, &["run", "c.toml", "--out", "res", "--no-report"]);
    assert!(o.status.success(), "{}", shown(&o));
    dir.join("res")
}

/// Rewrites every record of `res` with `edit`, then gives each the id of its edited spec (renaming its file
/// and its entry in `sweep.json`), as a forger who knows the id rule would.
fn forge(res: &Path, edit: impl Fn(&mut Value)) {
    let manifest_path = res.join("sweep.json");
    let mut manifest: Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).expect("sweep.json")).expect("json");
    for entry in std::fs::read_dir(res.join("runs")).expect("runs/") {
        let path = entry.expect("entry").path();
        let mut record: Value =
            serde_json::from_slice(&std::fs::read(&path).expect("a record")).expect("json");
        let old = record["run_id"].as_str().expect("an id").to_string();
        edit(&mut record);
        let spec: optzoo::RunSpec =
            serde_json::from_value(record["spec"].clone()).expect("the edited spec is a spec");
        let id = spec.run_id();
        record["run_id"] = json!(id);
        std::fs::remove_file(&path).expect("removable");
        std::fs::write(
            res.join("runs").join(format!("{id}.json")),
            serde_json::to_vec_pretty(&record).expect("serializes"),
        )
        .expect("writable");
        for slot in manifest["run_ids"].as_array_mut().expect("run_ids") {
            if slot.as_str() == Some(old.as_str()) {
                *slot = json!(id);
            }
        }
    }
    std::fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).expect("serializes"),
    )
    .expect("writable");
}

/// `report`, `compare` and `merge` of `res`, each timed: (what it printed, its exit code, its seconds).
fn read_back(dir: &Path, res: &str) -> Vec<(String, Option<i32>, Duration)> {
    let merged = format!("{res}-merged");
    let commands: [Vec<&str>; 3] = [
        vec!["report", res, "--formats", "svg"],
        vec!["compare", res, res],
        vec!["merge", &merged, res],
    ];
    commands
        .iter()
        .map(|args| {
            let t = Instant::now();
            let o = optzoo(dir, args);
            (shown(&o), o.status.code(), t.elapsed())
        })
        .collect()
}

const SADDLE_WITH_A_CLIENT: &str = r#"
seeds = [0]
diagnose = true
[[problem]]
family = "double-well"
dim = 2
index = 1
curvature = 0.1
start_offset = 1e-8
[stop]
max_iters = 50
[[optimizer]]
name = "gd"
step = 0.1
[[optimizer]]
name = "external"
label = "client"
command = ["/bin/sh", "-c", "exit 3"]
"#;

#[test]
fn report_compare_and_merge_start_no_command_named_in_a_record() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let res = results(tmp.path(), SADDLE_WITH_A_CLIENT);
    let marker = tmp.path().join("planted-marker");
    let planted = format!("touch '{}'", marker.display());
    // The client's run, started next to a strict saddle, now names a command that leaves a marker, and
    // claims iterations that a replay would ask the client for.
    forge(&res, |r| {
        if r["spec"]["optimizer"]["name"] == "external" {
            r["spec"]["optimizer"]["params"]["command"] = json!(["/bin/sh", "-c", planted]);
            r["outcome"]["iterations"] = json!(5);
        }
    });
    for (shown, code, _) in read_back(tmp.path(), "res") {
        assert!(
            matches!(code, Some(0) | Some(2)),
            "reading a forged folder exits 0 or 2:\n{shown}"
        );
        assert!(
            !marker.exists(),
            "a command named in a record was started by reading the folder:\n{shown}"
        );
    }
    assert!(
        tmp.path().join("res/report/index.html").exists(),
        "the forged folder still reports"
    );
}

#[test]
fn records_that_claim_huge_sizes_are_read_in_proportion_to_the_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let res = results(
        tmp.path(),
        r#"
seeds = [0, 1]
[[problem]]
family = "quadratic"
dim = 2
kappa = [10, 100]
rotation = "random"
[[problem]]
family = "rosenbrock"
dim = 2
[[optimizer]]
name = "gd"
step = "armijo"
[[optimizer]]
name = "newton"
"#,
    );
    // Every quadratic now claims 200000 dimensions with a random rotation (a dense 200000^2 matrix to
    // whoever builds it), every run 1e15 iterations and evaluations.
    forge(&res, |r| {
        if r["spec"]["problem"]["family"] == "quadratic" {
            r["spec"]["problem"]["params"]["dim"] = json!(200000);
            r["outcome"]["dim"] = json!(200000);
        }
        r["outcome"]["iterations"] = json!(1_000_000_000_000_000u64);
        r["outcome"]["grad_equiv_evals"] = json!(1_000_000_000_000_000u64);
        if let Some(last) = r["trace"].as_array_mut().and_then(|t| t.last_mut()) {
            last["iter"] = json!(1_000_000_000_000_000u64);
        }
    });
    for (shown, code, took) in read_back(tmp.path(), "res") {
        assert!(
            matches!(code, Some(0) | Some(2)),
            "exit 0 or 2, never a crash:\n{shown}"
        );
        // A report of eight small runs takes well under a second; a rebuilt 200000-dimensional problem or
        // a replay of 1e15 iterations would take minutes or exhaust memory.
        assert!(
            took < Duration::from_secs(60),
            "took {took:?}, as if the claimed sizes were built or replayed:\n{shown}"
        );
    }
}

#[test]
fn a_folder_made_by_a_format_1_optzoo_still_reports_and_compares() {
    // reports/baselines/museum was written by format 1 (before records carried their facts).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let baseline = root.join("reports/baselines/museum");
    let first: Value = common::records(&baseline)
        .into_iter()
        .next()
        .expect("the baseline has records");
    assert_eq!(first["format"], 1, "the fixture is of format 1");
    let tmp = tempfile::tempdir().expect("temp dir");
    let base = baseline.to_str().expect("utf-8 path");
    let o = optzoo(
        tmp.path(),
        &["report", base, "--out", "rep", "--formats", "svg"],
    );
    assert!(o.status.success(), "{}", shown(&o));
    let index = std::fs::read_to_string(tmp.path().join("rep/index.html")).expect("index.html");
    assert!(index.contains("gd"), "the page lists the optimizers");
    let o = optzoo(tmp.path(), &["compare", base, base]);
    assert!(o.status.success(), "{}", shown(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("no regression"),
        "{}",
        shown(&o)
    );
}

#[test]
fn a_binary_that_knows_no_family_reports_the_museum_as_the_full_binary_does() {
    let run = &museum().output;
    assert!(run.status.success(), "{}", shown(run));
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_results(&tmp.path().join("museum"));
    let o = optzoo(
        tmp.path(),
        &["report", "museum", "--out", "full", "--formats", "svg"],
    );
    assert!(o.status.success(), "{}", shown(&o));
    let museum = tmp.path().join("museum");
    let bare = tmp.path().join("bare");
    let code = optzoo::cli::main_from(
        optzoo::Registry::empty(),
        [
            "optzoo",
            "report",
            museum.to_str().expect("utf-8"),
            "--out",
            bare.to_str().expect("utf-8"),
            "--formats",
            "svg",
        ],
    );
    assert_eq!(code, std::process::ExitCode::SUCCESS);
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).expect("written") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                files(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut compared = 0;
    for sub in ["figures", "tables"] {
        let full = tmp.path().join("full").join(sub);
        let mut paths = Vec::new();
        files(&full, &mut paths);
        for path in paths {
            let rel = path.strip_prefix(&full).expect("inside");
            let other = std::fs::read(bare.join(sub).join(rel))
                .unwrap_or_else(|e| panic!("{sub}/{rel:?} missing from the bare report: {e}"));
            assert!(
                std::fs::read(&path).expect("a file") == other,
                "{sub}/{rel:?} differs"
            );
            compared += 1;
        }
    }
    // The museum's trajectories draw contours and its saddle escape is analysed: both from the folder.
    assert!(compared > 40, "{compared} files compared");
    let trajectory = std::fs::read_dir(bare.join("figures"))
        .expect("figures")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("trajectory-") && n.ends_with(".svg"))
        .expect("a path figure");
    let svg = std::fs::read_to_string(bare.join("figures").join(trajectory)).expect("svg");
    let caption_says_no_contours = std::fs::read_to_string(bare.join("index.html"))
        .expect("index.html")
        .contains("Contours not drawn");
    assert!(
        !caption_says_no_contours
            && svg.matches("<path").count() + svg.matches("<polyline").count() > 20,
        "the path figure has its contour lines"
    );
}
