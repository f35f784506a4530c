//! The plug-in example (`examples/plugin`, a separate crate that depends on optzoo's library) builds, and its
//! binary is a full optzoo with the plug-in's optimizer and family: config -> run -> report -> compare.
//!
//! The example shares this build's target directory (`CARGO_TARGET_DIR`), so optzoo's dependencies are not
//! compiled again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The target directory this test binary was built in (`target/<profile>/deps/plugin-...` -> `target`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test knows its own path");
    exe.ancestors()
        .nth(3)
        .expect("the test binary lies in target/<profile>/deps")
        .to_path_buf()
}

fn show(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn plugin(bin: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the plug-in binary starts")
}

#[test]
fn plugin_crate_builds_and_runs_config_run_report_compare() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = root.join("examples/plugin/Cargo.toml");
    let target = target_dir();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = Command::new(cargo)
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("cargo starts");
    assert!(
        build.status.success(),
        "the plug-in builds:\n{}",
        show(&build)
    );
    let bin = target.join("release").join(format!(
        "optzoo-plugin-example{}",
        std::env::consts::EXE_SUFFIX
    ));

    let tmp = tempfile::tempdir().expect("temp dir");
    let config = root.join("examples/plugin/configs/acme.toml");
    let config = config.to_str().expect("utf-8 path");

    // Listing shows the additions beside the built-ins.
    let o = plugin(&bin, tmp.path(), &["list", "optimizers"]);
    let text = show(&o);
    assert!(o.status.success(), "{text}");
    assert!(
        text.contains("acme/sign-descent") && text.contains("lbfgs"),
        "{text}"
    );

    // Run twice into two directories: the second is the comparison's new side.
    for out in ["base", "new"] {
        let o = plugin(
            &bin,
            tmp.path(),
            &["run", config, "--out", out, "--jobs", "1"],
        );
        assert!(o.status.success(), "run {out}:\n{}", show(&o));
    }
    let runs: Vec<String> = std::fs::read_dir(tmp.path().join("base/runs"))
        .expect("runs written")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    // 3 instances x 3 optimizer configurations; namespaced names become file names without a slash.
    assert_eq!(runs.len(), 9, "{runs:?}");
    assert!(
        runs.iter()
            .any(|r| r.starts_with("acme.bowl-acme.sign-descent-")),
        "{runs:?}"
    );

    let o = plugin(&bin, tmp.path(), &["report", "base"]);
    assert!(o.status.success(), "report:\n{}", show(&o));
    assert!(tmp.path().join("base/report/index.html").is_file());

    let o = plugin(&bin, tmp.path(), &["compare", "base", "new"]);
    assert_eq!(o.status.code(), Some(0), "compare:\n{}", show(&o));

    // A misspelt plug-in name is bad input, with a suggestion.
    std::fs::write(
        tmp.path().join("bad.toml"),
        "[[problem]]\nfamily = \"acme/bowel\"\ndim = 2\n[[optimizer]]\nname = \"gd\"\n",
    )
    .expect("writes");
    let o = plugin(&bin, tmp.path(), &["run", "bad.toml", "--out", "bad"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    assert!(
        show(&o).contains("did you mean `acme/bowl`"),
        "{}",
        show(&o)
    );
}
