//! `optzoo merge`: shard directories joined into one.

use std::path::PathBuf;

use crate::analysis::compare;

use super::BadInput;

pub(super) fn merge(out: PathBuf, dirs: Vec<PathBuf>) -> anyhow::Result<()> {
    for d in &dirs {
        if !d.join("sweep.json").is_file() {
            return Err(BadInput(format!(
                "{}: not a results directory (no sweep.json inside)",
                d.display()
            ))
            .into());
        }
    }
    // A shard that cannot be read or holds a file that fails its checks is bad input (exit 2); only a
    // failure to write the merged directory is a failure while working (exit 1).
    let merged = crate::merge::merge(&out, &dirs).map_err(|e| match e {
        crate::merge::MergeError::Write(e) => anyhow::Error::new(e),
        other => BadInput(other.to_string()).into(),
    })?;
    println!(
        "merged {} runs from {} directories into {}",
        merged.runs,
        dirs.len(),
        out.display()
    );
    if merged.ignored > 0 {
        println!(
            "left out {} that their directory's sweep.json does not list (another config's)",
            compare::text::count(merged.ignored, "run")
        );
    }
    if !merged.missing.is_empty() {
        println!(
            "{} planned runs are in no shard yet (first: {})",
            merged.missing.len(),
            merged.missing[0]
        );
    }
    Ok(())
}
