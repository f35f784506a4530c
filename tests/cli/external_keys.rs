//! The keys an external optimizer and an external problem share (`command`, `label`, `params`, `timeout_s`,
//! `env`, `files`, `version`) are checked alike on both sides, through the binary before anything starts;
//! each side's own key (`requires`, `dim`) stays its own; and the canonical parameters (a run's identity)
//! keep their keys.

use super::common;

use common::{optzoo, write};

/// A config with an external problem and an external optimizer, `problem` added to the first's keys and
/// `optimizer` to the second's (a key given there replaces the default one).
fn config(problem: &str, optimizer: &str) -> String {
    let keys = |label: &str, extra: &str| {
        let mut lines = vec![
            format!("label = \"{label}\""),
            "command = [\"python3\", \"client.py\"]".to_string(),
        ];
        let given: Vec<&str> = extra
            .lines()
            .filter_map(|l| l.split('=').next())
            .map(str::trim)
            .collect();
        lines.retain(|l| !given.iter().any(|k| l.starts_with(&format!("{k} ="))));
        lines.extend(extra.lines().map(str::to_string));
        lines.join("\n")
    };
    format!(
        "name = \"keys\"\nseeds = [0]\n[[problem]]\nfamily = \"external\"\n{}\n[stop]\nmax_iters = 10\n\
         [[optimizer]]\nname = \"external\"\n{}\n",
        keys("p", problem),
        keys("o", optimizer)
    )
}

/// The error of a dry run of `text`, after `what` (`optimizer `external`: ` or `problem `external`: `).
fn error(dir: &std::path::Path, text: &str, what: &str) -> String {
    let cfg = write(dir, "bad.toml", text);
    let o = optzoo(dir, &["run", cfg.to_str().expect("utf-8"), "--dry-run"]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{text}: {err}");
    assert!(
        err.contains("bad.toml:"),
        "{text}: the error names the file: {err}"
    );
    match err.split_once(what) {
        Some((_, message)) => message.trim().to_string(),
        None => panic!("{text}: {err:?} is not about {what:?}"),
    }
}

#[test]
fn shared_keys_are_checked_alike_on_both_sides() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "timeout_s = \"x\"",
            "`timeout_s`: invalid type: string \"x\", expected a number",
        ),
        (
            "timeout_s = 0",
            "`timeout_s` must be a finite number > 0, got 0",
        ),
        (
            "timeout_s = 1e8",
            "`timeout_s` must be at most 1e7 seconds, got 100000000",
        ),
        (
            "command = 3",
            "`command`: invalid type: integer `3`, expected a sequence",
        ),
        (
            "command = []",
            "`command` must be a non-empty list of strings",
        ),
        (
            "command = [\"\"]",
            "`command`'s first element names the program",
        ),
        (
            "label = \"\"",
            "`label` must be 1 to 100 printable characters",
        ),
        (
            "label = 3",
            "`label`: invalid type: integer `3`, expected a string",
        ),
        (
            "env = { \"A=B\" = \"1\" }",
            "`env`: \"A=B\" is not a variable name",
        ),
        (
            "version = 3",
            "`version`: invalid type: integer `3`, expected a string",
        ),
        (
            "params = 3",
            "`params`: invalid type: integer `3`, expected a map",
        ),
        ("files = [\"nothing*\"]", "\"nothing*\" matches no file"),
        (
            "timout_s = 5",
            "unknown key `timout_s`; did you mean `timeout_s`?",
        ),
    ];
    for (line, expected) in cases {
        let on_optimizer = error(dir.path(), &config("", line), "optimizer `external`:");
        let on_problem = error(dir.path(), &config(line, ""), "problem `external`:");
        assert!(
            on_optimizer.starts_with(expected),
            "{line}: {on_optimizer:?} lacks {expected:?}"
        );
        assert!(
            on_problem.starts_with(expected),
            "{line}: {on_problem:?} lacks {expected:?}"
        );
        if !line.starts_with("timout_s") {
            assert_eq!(on_optimizer, on_problem, "{line}: one check, one message");
        }
    }
}

#[test]
fn each_side_keeps_its_own_keys_and_label_rules() {
    let dir = tempfile::tempdir().expect("temp dir");
    let optimizer = |line: &str| error(dir.path(), &config("", line), "optimizer `external`:");
    let problem = |line: &str| error(dir.path(), &config(line, ""), "problem `external`:");
    let cases = [
        (
            optimizer("requires = [\"bogus\"]"),
            "`requires` lists what the client needs: \"hvp\", \"hessian\" or \"exact\"",
        ),
        (
            optimizer("requires = \"hvp\""),
            "`requires`: invalid type: string \"hvp\", expected a sequence",
        ),
        (
            optimizer("dim = 3"),
            "unknown key `dim`; valid keys: command, label",
        ),
        (
            optimizer("label = \"gd\""),
            "`label` \"gd\" reads exactly like a built-in optimizer's name",
        ),
        (problem("dim = 0"), "`dim` must be in 1..="),
        (
            problem("dim = \"x\""),
            "`dim`: invalid type: string \"x\", expected a whole number >= 0",
        ),
        (
            problem("dimm = 3"),
            "unknown key `dimm`; did you mean `dim`?",
        ),
        (
            problem("requires = [\"hvp\"]"),
            "unknown key `requires`; valid keys:",
        ),
        (
            problem("label = \"quadratic\""),
            "`label` \"quadratic\" reads exactly like a built-in family's name",
        ),
    ];
    for (got, expected) in cases {
        assert!(got.starts_with(expected), "{got:?} lacks {expected:?}");
    }
}

/// The canonical parameters of the dry run of `text`: (problem's, optimizer's), each the JSON of the first
/// line of its list.
fn canonical(dir: &std::path::Path, text: &str) -> (serde_json::Value, serde_json::Value) {
    let cfg = write(dir, "good.toml", text);
    let o = optzoo(dir, &["run", cfg.to_str().expect("utf-8"), "--dry-run"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{text}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let first = |list: &str| -> serde_json::Value {
        let line = out
            .split_once(list)
            .and_then(|(_, rest)| rest.lines().nth(1))
            .and_then(|l| l.trim().strip_prefix("external "))
            .unwrap_or_else(|| panic!("no external line after {list:?} in {out}"));
        serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    };
    (first("problem instances"), first("optimizers"))
}

fn key_names(v: &serde_json::Value) -> Vec<&str> {
    v.as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn canonical_parameters_keep_their_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Without the optional keys: the optimizer writes `requires` (empty), the problem never does; `files`,
    // `version`, `dim` and `client_files` are left out.
    let (p, o) = canonical(dir.path(), &config("", ""));
    assert_eq!(
        key_names(&p),
        ["command", "env", "label", "params", "start", "timeout_s"]
    );
    assert_eq!(
        key_names(&o),
        ["command", "env", "label", "params", "requires", "timeout_s"]
    );
    assert_eq!(o["requires"], serde_json::json!([]));
    assert_eq!(p["timeout_s"], serde_json::json!(600.0));
    assert_eq!(o["timeout_s"], serde_json::json!(600.0));
    // With every key.
    write(dir.path(), "client.py", "print('a client')\n");
    write(dir.path(), "lib.py", "x = 1\n");
    let shared = "files = [\"lib.py\"]\nversion = \"v1\"\nenv = { A = \"1\" }\ntimeout_s = 5\n\
                  params = { k = 2 }\nclient_files = { given = \"replaced\" }";
    let (p, o) = canonical(
        dir.path(),
        &config(
            &format!("{shared}\ndim = 3"),
            &format!("{shared}\nrequires = [\"hvp\"]"),
        ),
    );
    let hashes =
        serde_json::json!({ "client.py": "c45da031781a2e01", "lib.py": "9e26bf369911c45c" });
    for side in [&p, &o] {
        assert_eq!(side["files"], serde_json::json!(["lib.py"]));
        assert_eq!(side["version"], serde_json::json!("v1"));
        assert_eq!(side["env"], serde_json::json!({ "A": "1" }));
        assert_eq!(side["timeout_s"], serde_json::json!(5.0));
        assert_eq!(side["params"], serde_json::json!({ "k": 2 }));
        assert_eq!(side["client_files"], hashes);
    }
    assert_eq!(p["dim"], serde_json::json!(3));
    assert_eq!(o["requires"], serde_json::json!(["hvp"]));
    assert!(p.get("requires").is_none() && o.get("dim").is_none());
}
