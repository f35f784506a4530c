//! Work shared by the tests of one binary: a directory made by the first test that asks for it, filled by a
//! given closure, read by every other test (later callers wait for the first), and removed when the test
//! binary exits. For runs too long to repeat in every test that only reads what they wrote.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once, OnceLock};

/// The directories to remove when the test binary exits.
static AT_EXIT: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Removes every directory registered in [`AT_EXIT`] (run once, at exit).
extern "C" fn remove_at_exit() {
    if let Ok(dirs) = AT_EXIT.lock() {
        for dir in dirs.iter() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A new temporary directory named with `prefix`, kept until the test binary exits and removed then.
fn dir_until_exit(prefix: &str) -> PathBuf {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: `remove_at_exit` is a plain function that only locks a static list and removes
        // directories; registering it has no other precondition.
        unsafe { libc::atexit(remove_at_exit) };
    });
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir()
        .expect("temp dir")
        .keep();
    AT_EXIT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(dir.clone());
    dir
}

/// What `make` returns for a new directory (named with `prefix`) it fills, made once per test binary: by the
/// first caller with `cell`, every later caller waiting for it and sharing the result. The directory is
/// removed when the binary exits (also when `make` panics, and a later caller tries again).
pub fn once_per_binary<T: Send + Sync>(
    cell: &'static OnceLock<T>,
    prefix: &str,
    make: impl FnOnce(&Path) -> T,
) -> &'static T {
    cell.get_or_init(|| make(&dir_until_exit(prefix)))
}
