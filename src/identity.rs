//! Code identity: which code produced a record.
//!
//! The identity is the SHA-256 (first 16 hex digits) of the running executable's file, computed once per
//! process: two binaries built from different sources (or with another compiler or other flags) differ, and
//! every rerun of the same binary agrees. A library caller (a test, a plug-in's own binary) is identified by
//! its own executable. Where the executable cannot be read, the identity is `unknown`, which matches
//! nothing, so records are then always rerun rather than wrongly reused.
//!
//! Every record carries it in `provenance.code`. It is not part of the spec, so run ids do not change with
//! the code: resume reuses a record only when its identity matches this process's
//! ([`crate::store::finished`]), and `compare` notes when its two sides come from different code. This module
//! sits below the records: it deals in identities only.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// The identity of code that cannot be identified.
pub const UNKNOWN: &str = "unknown";

/// This process's code identity (computed on first use).
pub fn current() -> &'static str {
    static CODE: OnceLock<String> = OnceLock::new();
    CODE.get_or_init(|| {
        std::env::current_exe()
            .and_then(std::fs::read)
            .map(|bytes| {
                Sha256::digest(&bytes)
                    .iter()
                    .take(8)
                    .map(|b| format!("{b:02x}"))
                    .collect()
            })
            .unwrap_or_else(|_| UNKNOWN.to_string())
    })
}

/// Whether a record's identity (`provenance.code`, absent in older records) is this process's.
pub fn is_current(code: Option<&str>) -> bool {
    let here = current();
    here != UNKNOWN && code == Some(here)
}

/// The distinct identities of some records' codes, sorted (`unknown` for records that carry none).
pub fn codes<'a>(records: impl IntoIterator<Item = Option<&'a str>>) -> BTreeSet<String> {
    records
        .into_iter()
        .map(|c| c.unwrap_or(UNKNOWN).to_string())
        .collect()
}

/// A note when two sets of records come from different code, or `None` when they agree; each argument lists
/// the records' identities.
pub fn difference<'a, 'b>(
    baseline: impl IntoIterator<Item = Option<&'a str>>,
    new: impl IntoIterator<Item = Option<&'b str>>,
) -> Option<String> {
    let (a, b) = (codes(baseline), codes(new));
    let list = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(", ");
    (a != b).then(|| {
        format!(
            "note: the two sides come from different code (baseline: {}; new: {}); results are compared as they are",
            list(&a),
            list(&b)
        )
    })
}
