//! One run of the museum per test binary: `optzoo` with no arguments, from an empty directory, made by the
//! first test that asks for it and shared by every other (the museum is the largest default sweep, so a
//! binary runs it once, not once per test).
//!
//! Tests only read the run's folder. A test that runs a command on it (a rerun, a report) works on a copy
//! in its own temporary directory ([`copy_results`]), so no test sees another's writes. The folder is
//! removed when the test binary exits ([`once_per_binary`]).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use super::common::optzoo;
use super::shared_dir::once_per_binary;

/// The shared museum run: the directory it ran in and what the binary printed.
pub struct Museum {
    /// The directory `optzoo` ran in, empty before the run.
    cwd: PathBuf,
    /// What `optzoo` printed, and its exit status.
    pub output: Output,
}

impl Museum {
    /// The results folder the run wrote: `results/museum` under the directory it ran in.
    pub fn results(&self) -> PathBuf {
        self.cwd.join("results").join("museum")
    }
}

/// The museum run of this test binary, made on first use; later callers wait for it.
pub fn museum() -> &'static Museum {
    static MUSEUM: OnceLock<Museum> = OnceLock::new();
    once_per_binary(&MUSEUM, "optzoo-museum-", |cwd| Museum {
        cwd: cwd.to_path_buf(),
        output: optzoo(cwd, &[]),
    })
}

/// Copies the museum's results folder, without its report, to `dest`, for a test that runs a command on it.
pub fn copy_results(dest: &Path) {
    copy_dir(&museum().results(), dest, &["report"]);
}

/// Copies the folder `from` to `to` (created), leaving out the entries of `from` named in `skip`.
fn copy_dir(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).expect("temp dir is writable");
    for e in std::fs::read_dir(from).expect("the museum's folder is readable") {
        let e = e.expect("readable entry");
        if skip.iter().any(|s| e.file_name() == *s) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst, &[]);
        } else {
            std::fs::copy(&src, &dst).expect("temp dir is writable");
        }
    }
}
