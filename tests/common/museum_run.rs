//! One run of the museum per test binary: `optzoo` with no arguments, from an empty directory, made by the
//! first test that asks for it and shared by every other (the museum is the largest default sweep, so a
//! binary runs it once, not once per test).
//!
//! Tests only read the run's folder. A test that runs a command on it (a rerun, a report) works on a copy
//! in its own temporary directory ([`copy_results`]), so no test sees another's writes. The folder is
//! removed when the test binary exits.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use super::common::optzoo;

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

static MUSEUM: OnceLock<Museum> = OnceLock::new();

/// Removes the museum's directory at exit (registered once, after the run).
extern "C" fn remove_museum() {
    if let Some(m) = MUSEUM.get() {
        let _ = std::fs::remove_dir_all(&m.cwd);
    }
}

/// The museum run of this test binary, made on first use; later callers wait for it.
pub fn museum() -> &'static Museum {
    MUSEUM.get_or_init(|| {
        let cwd = tempfile::Builder::new()
            .prefix("optzoo-museum-")
            .tempdir()
            .expect("temp dir")
            .keep();
        let output = optzoo(&cwd, &[]);
        // SAFETY: `remove_museum` is a plain function that only reads the initialised cell and removes a
        // directory; registering it has no other precondition.
        unsafe { libc::atexit(remove_museum) };
        Museum { cwd, output }
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
