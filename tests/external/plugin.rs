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
    // Its three keys, declared once with `declare_params!`, are listed with their declared defaults.
    let sign: String = text
        .lines()
        .skip_while(|l| !l.starts_with("  acme/sign-descent: "))
        .skip(2)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ") + "\n")
        .collect();
    assert_eq!(sign, "lr = 0.1\ndecay = 0.9\nfloor = 0.0\n", "{text}");

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

    // The plain optzoo, which knows neither the plug-in's family nor its optimizer, reads the same folder
    // into the same report (a results folder is data), and compares it the same way.
    let plain = Path::new(env!("CARGO_BIN_EXE_optzoo"));
    let o = plugin(plain, tmp.path(), &["report", "base", "--out", "plain"]);
    assert!(o.status.success(), "plain report:\n{}", show(&o));
    fn files(dir: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .expect("written")
            .map(|e| e.expect("entry").path())
            .collect();
        paths.sort();
        for p in paths {
            let name = format!(
                "{prefix}/{}",
                p.file_name().expect("a name").to_string_lossy()
            );
            if p.is_dir() {
                files(&p, &name, out);
            } else {
                out.push((name, std::fs::read(&p).expect("readable")));
            }
        }
    }
    // PDFs are left out: svg2pdf writes a page's resources in hash order, so two writes of one figure differ
    // in bytes (not in what they draw) even from one binary.
    let report_files = |dir: &Path| {
        let mut out = Vec::new();
        for sub in ["figures", "tables"] {
            files(&dir.join(sub), sub, &mut out);
        }
        out.retain(|(name, _)| !name.ends_with(".pdf"));
        out
    };
    let (by_plugin, by_plain) = (
        report_files(&tmp.path().join("base/report")),
        report_files(&tmp.path().join("plain")),
    );
    assert!(by_plugin.len() > 5, "{} files", by_plugin.len());
    assert!(
        by_plugin
            .iter()
            .all(|(name, _)| name.matches('/').count() == 1),
        "a namespaced family's figures are files of figures/, not folders"
    );
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&by_plugin), names(&by_plain), "the same files");
    for ((name, a), (_, b)) in by_plugin.iter().zip(&by_plain) {
        assert!(
            a == b,
            "{name} differs between the plug-in's report and the plain one's"
        );
    }
    let o = plugin(plain, tmp.path(), &["compare", "base", "new"]);
    assert_eq!(o.status.code(), Some(0), "plain compare:\n{}", show(&o));

    // A misspelt key of the plug-in's optimizer is refused naming the declared keys.
    std::fs::write(
        tmp.path().join("bad-key.toml"),
        "[[problem]]\nfamily = \"acme/bowl\"\ndim = 2\n[[optimizer]]\nname = \"acme/sign-descent\"\nflor = 0.01\n",
    )
    .expect("writes");
    let o = plugin(&bin, tmp.path(), &["run", "bad-key.toml", "--out", "bad"]);
    assert_eq!(o.status.code(), Some(2), "{}", show(&o));
    for needle in [
        "bad-key.toml:6:",
        "unknown key `flor`",
        "did you mean `floor`",
        "valid keys: lr, decay, floor",
    ] {
        assert!(show(&o).contains(needle), "{needle}: {}", show(&o));
    }

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
