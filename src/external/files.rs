//! What an external process runs, as part of a run's identity: the content hash of every file named in its
//! `command` or matched by its `files` globs. External optimizers and external problems hash their files the
//! same way, so that editing either gives its runs new ids.

use std::collections::BTreeMap;
use std::path::Path;

use crate::params::ParamError;

/// The first 16 hex digits of the SHA-256 of a file's content.
pub fn file_hash(path: &Path) -> Result<String, std::io::Error> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path)?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The files a process runs, by path as written, with their content hashes: the arguments of `command` that
/// name existing files in `dir` (the program only when given as a path, not when found on `PATH`) and the
/// matches of the `files` globs (each must match a file). Errors name the key (`command` or `files`).
pub fn hash_files(
    command: &[String],
    files: &[String],
    dir: &Path,
) -> Result<BTreeMap<String, String>, ParamError> {
    let mut out = BTreeMap::new();
    for (i, arg) in command.iter().enumerate() {
        if i == 0 && !arg.contains('/') {
            continue;
        }
        let path = dir.join(arg);
        if path.is_file() {
            let hash = file_hash(&path).map_err(|e| {
                ParamError::key("command", format!("cannot read {}: {e}", path.display()))
            })?;
            out.insert(arg.clone(), hash);
        }
    }
    for pattern in files {
        let full = dir.join(pattern);
        let paths = glob::glob(&full.to_string_lossy()).map_err(|e| {
            ParamError::key("files", format!("{pattern:?} is not a glob pattern: {e}"))
        })?;
        let mut matched = 0;
        for path in paths.flatten().filter(|p| p.is_file()) {
            let name = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            let hash = file_hash(&path).map_err(|e| {
                ParamError::key("files", format!("cannot read {}: {e}", path.display()))
            })?;
            out.insert(name, hash);
            matched += 1;
        }
        if matched == 0 {
            return Err(ParamError::key(
                "files",
                format!("{pattern:?} matches no file in {}", dir.display()),
            ));
        }
    }
    Ok(out)
}

/// Checks a `command` (a non-empty list of strings, its program named, no NUL bytes), naming the key.
pub fn check_command(command: &[String]) -> Result<(), ParamError> {
    if command.is_empty() || command.iter().any(|a| a.contains('\0')) {
        return Err(ParamError::key(
            "command",
            "`command` must be a non-empty list of strings (program and arguments), without NUL bytes",
        ));
    }
    if command[0].trim().is_empty() {
        return Err(ParamError::key(
            "command",
            "`command`'s first element names the program and must not be empty",
        ));
    }
    Ok(())
}

/// `command` with a relative program path (one with a `/`) made relative to `dir`, so that it runs from there.
pub fn resolve_program(command: &[String], dir: &Path) -> Vec<String> {
    let mut command = command.to_vec();
    if let Some(first) = command.first_mut()
        && first.contains('/')
        && Path::new(first.as_str()).is_relative()
    {
        *first = dir.join(first.as_str()).to_string_lossy().into_owned();
    }
    command
}

/// The folder a config's relative paths start from: its own folder made absolute, or the current directory
/// (an embedded config, or a command line).
pub fn base_dir(dir: Option<&Path>) -> std::path::PathBuf {
    match dir {
        Some(d) if !d.as_os_str().is_empty() => std::path::absolute(d).unwrap_or(d.to_path_buf()),
        _ => std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from(".")),
    }
}
