//! Records the git commit and the compiler for provenance, where they can be found.
use std::process::Command;

/// What `git rev-parse ARGS` prints, where git answers.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .arg("rev-parse")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["HEAD"]).unwrap_or_default();
    println!("cargo:rustc-env=OPTZOO_GIT_COMMIT={commit}");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=OPTZOO_RUSTC={version}");
    println!(
        "cargo:rustc-env=OPTZOO_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
    // Where git keeps them (in a linked worktree `.git` is a file, and HEAD and refs live elsewhere): a path
    // that does not exist would make every build run this script again.
    for name in ["HEAD", "refs", "packed-refs"] {
        let path = git(&["--git-path", name]).unwrap_or_else(|| format!(".git/{name}"));
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
