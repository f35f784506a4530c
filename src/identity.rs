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
//! ([`crate::store::finished`]), and `compare` notes when its two sides come from different code.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::store::RunRecord;

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

/// Whether a record was produced by this process's code.
pub fn is_current(record: &RunRecord) -> bool {
    let here = current();
    here != UNKNOWN && record.provenance.code.as_deref() == Some(here)
}

/// The code identities of some records, sorted (`unknown` for records that carry none).
pub fn codes(records: &[RunRecord]) -> BTreeSet<String> {
    records
        .iter()
        .map(|r| r.provenance.code.clone().unwrap_or_else(|| UNKNOWN.into()))
        .collect()
}

/// A note when two sets of records come from different code, or `None` when they agree.
pub fn difference(baseline: &[RunRecord], new: &[RunRecord]) -> Option<String> {
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
