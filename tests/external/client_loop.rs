//! Developing an optimizer of one's own as an external client: a changed client reruns its runs, a failure is
//! not a result, the console names a failed run's fault, and no process of a client's group outlives its run.
//! The clients here are shell scripts, so the tests need no interpreter beyond `/bin/sh`.

use super::common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{optzoo, shown, write};

/// A config with one external optimizer whose client is `client.sh`, on one 2-D quadratic, two seeds.
const CONFIG: &str = r#"
seeds = [0, 1]
[[problem]]
family = "quadratic"
dim = 2
kappa = 10
[[optimizer]]
name = "external"
label = "script"
command = ["/bin/sh", "client.sh"]
"#;

/// A client that ends at once with `done` (the run is `stopped`, a result).
const DONE: &str = "printf '{\"op\":\"done\",\"message\":\"nothing to do\",\"f64\":0}\\n'\n";

fn sweep(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "c.toml", "--out", "res"];
    args.extend(extra);
    optzoo(dir, &args)
}

fn statuses(dir: &Path) -> Vec<String> {
    common::records(&dir.join("res"))
        .iter()
        .map(|r| r["outcome"]["status"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn editing_the_client_reruns_its_runs_and_says_why() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "c.toml", CONFIG);
    write(tmp.path(), "client.sh", DONE);
    let o = sweep(tmp.path(), &[]);
    assert!(o.status.success(), "{}", shown(&o));
    let o = sweep(tmp.path(), &[]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("2 already done, reused"),
        "an unchanged client's runs are reused: {}",
        shown(&o)
    );
    write(tmp.path(), "client.sh", &format!("# edited\n{DONE}"));
    let o = sweep(tmp.path(), &[]);
    let text = shown(&o);
    assert!(o.status.success(), "{text}");
    assert!(
        text.contains("2 rerun: client changed (client.sh)") && !text.contains("reused"),
        "{text}"
    );
}

#[test]
fn a_fixed_client_reruns_the_failed_runs_and_the_console_names_the_fault() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "c.toml", CONFIG);
    // Fails until a file it needs exists (as a client missing a module would), then ends with done.
    write(
        tmp.path(),
        "client.sh",
        &format!("[ -f ready ] || {{ echo 'No module named numpy' >&2; exit 3; }}\n{DONE}"),
    );
    let o = sweep(tmp.path(), &[]);
    let text = shown(&o);
    assert!(o.status.success(), "failures are recorded outcomes: {text}");
    assert_eq!(statuses(tmp.path()), ["failed", "failed"], "{text}");
    assert!(
        text.contains("failed runs, by message")
            && text.contains(
                "2 x script (client exited with status 3 before sending any message); stderr: No module named numpy"
            ),
        "the console names the fault once per message: {text}"
    );
    let o = sweep(tmp.path(), &["--strict"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "--strict fails on failed runs: {}",
        shown(&o)
    );

    write(tmp.path(), "ready", "");
    let o = sweep(tmp.path(), &[]);
    let text = shown(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("2 failed before, rerun"), "{text}");
    assert_eq!(statuses(tmp.path()), ["stopped", "stopped"], "{text}");
    let o = sweep(tmp.path(), &["--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", shown(&o));
}

/// The processes whose command line holds `marker`.
fn processes_with(marker: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(marker))
        .collect()
}

#[test]
fn no_process_of_a_client_outlives_its_run_nor_holds_it_up() {
    if !Path::new("/proc/self").exists() {
        eprintln!("no /proc here: the check of leftover processes is skipped");
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "c.toml", CONFIG);
    // A client that starts a grandchild holding its stdout and stderr, then exits 0 without a word: the run
    // ends when the client does (its group killed), not when the grandchild would (1000 s) nor at the
    // timeout (600 s).
    let marker = format!("1000.{}", std::process::id());
    write(
        tmp.path(),
        "client.sh",
        &format!("sleep {marker} &\nsleep {marker} &\nexit 0\n"),
    );
    let t = Instant::now();
    let o = sweep(tmp.path(), &["--jobs", "1"]);
    let took = t.elapsed();
    assert!(o.status.success(), "{}", shown(&o));
    // It never spoke the protocol: a fault, named.
    assert_eq!(statuses(tmp.path()), ["failed", "failed"], "{}", shown(&o));
    assert!(
        shown(&o).contains("client exited with status 0 before sending any message"),
        "{}",
        shown(&o)
    );
    assert!(
        took < Duration::from_secs(4),
        "two runs whose grandchildren hold stdout took {took:?}"
    );
    let left = processes_with(&marker);
    assert!(left.is_empty(), "processes outlived their run: {left:?}");
}

#[test]
fn labels_cannot_pass_for_builtins_or_hide_characters_and_messages_are_bounded() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "client.sh", DONE);
    for label in ["gd", "my\u{202E}dg", "zero\u{200B}width"] {
        let literal = toml::Value::String(label.to_string()).to_string();
        write(
            tmp.path(),
            "c.toml",
            &CONFIG.replace("label = \"script\"", &format!("label = {literal}")),
        );
        let o = sweep(tmp.path(), &["--dry-run"]);
        let text = shown(&o);
        assert_eq!(o.status.code(), Some(2), "label {label:?}: {text}");
        assert!(text.contains("label"), "the error names the key: {text}");
    }
    // A client's `done` message of 60 KB is kept to 1000 characters.
    write(tmp.path(), "c.toml", CONFIG);
    let long = "x".repeat(60_000);
    write(
        tmp.path(),
        "client.sh",
        &format!("printf '{{\"op\":\"done\",\"message\":\"{long}\",\"f64\":0}}\\n'\n"),
    );
    let o = sweep(tmp.path(), &[]);
    assert!(o.status.success(), "{}", shown(&o));
    for r in common::records(&tmp.path().join("res")) {
        let m = r["outcome"]["message"].as_str().unwrap_or_default();
        assert!(
            m.chars().count() <= 1100 && m.ends_with("[...]"),
            "a message of {} characters",
            m.chars().count()
        );
    }
}
