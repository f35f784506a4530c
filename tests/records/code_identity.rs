//! Records carry the identity of the code that made them: resume reuses only records of this code and
//! reruns the others, saying how many; `compare` notes when its sides come from different code, and run ids
//! do not depend on it (the committed baseline still compares clean).

use super::common;

use std::path::Path;

use common::{optzoo, records, write};

const CONFIG: &str = r#"
name = "identity"
seeds = [0, 1]
[[problem]]
family = "quadratic"
dim = 10
kappa = [10, 100]
[[optimizer]]
name = "gd"
step = "armijo"
"#;

/// Rewrites the record `file` as if other code had made it (`code`: a foreign identity, or none at all).
fn as_if_made_elsewhere(file: &Path, code: Option<&str>) {
    let mut v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file).expect("readable")).expect("JSON");
    let prov = v["provenance"].as_object_mut().expect("provenance");
    match code {
        Some(c) => prov.insert("code".into(), c.into()),
        None => prov.remove("code"),
    };
    std::fs::write(file, serde_json::to_vec_pretty(&v).expect("serializes")).expect("writable");
}

#[test]
fn records_of_other_code_are_rerun_on_resume_and_the_command_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "c.toml", CONFIG);
    let first = optzoo(dir.path(), &["run", "c.toml", "--out", "res"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let before = records(&dir.path().join("res"));
    assert_eq!(before.len(), 4);
    let code = before[0]["provenance"]["code"]
        .as_str()
        .expect("a code identity")
        .to_string();
    assert_eq!(code.len(), 16, "{code}");
    assert!(
        before
            .iter()
            .all(|r| r["provenance"]["code"] == code.as_str())
    );

    let mut files: Vec<_> = std::fs::read_dir(dir.path().join("res/runs"))
        .expect("runs")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    as_if_made_elsewhere(&files[0], Some("0123456789abcdef"));
    as_if_made_elsewhere(&files[1], None);

    let dry = optzoo(dir.path(), &["run", "c.toml", "--out", "res", "--dry-run"]);
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("already done in res: 2 of 4") && text.contains("stale in res: 2"),
        "{text}"
    );

    let again = optzoo(dir.path(), &["run", "c.toml", "--out", "res"]);
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{text}");
    assert!(
        text.contains("2 already done, reused")
            && text.contains("2 stale (made by other code), rerun"),
        "{text}"
    );
    let after = records(&dir.path().join("res"));
    assert!(
        after
            .iter()
            .all(|r| r["provenance"]["code"] == code.as_str())
    );
    let ids = |rs: &[serde_json::Value]| rs.iter().map(|r| r["run_id"].clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&after),
        ids(&before),
        "the identity is not part of the run id"
    );
}

#[test]
fn compare_notes_different_code_and_the_baseline_still_compares_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let baseline = root.join("reports/baselines/quickstart");
    let out = optzoo(dir.path(), &["run", "quickstart", "--out", "q"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cmp = optzoo(
        dir.path(),
        &["compare", baseline.to_str().expect("utf-8 path"), "q"],
    );
    let text = String::from_utf8_lossy(&cmp.stdout);
    assert_eq!(cmp.status.code(), Some(0), "{text}");
    assert!(
        text.contains("96 runs paired (by run id): 0 regressed")
            && text.contains("note: the two sides come from different code"),
        "{text}"
    );

    // The same results from the same code: no note.
    let rerun = optzoo(dir.path(), &["run", "quickstart", "--out", "q2"]);
    assert!(rerun.status.success());
    let same = optzoo(dir.path(), &["compare", "q", "q2"]);
    let text = String::from_utf8_lossy(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{text}");
    assert!(!text.contains("different code"), "{text}");
}
