//! Which runs an external client's changed files rerun.

use crate::store;

/// A spec with its client's file hashes left out, as JSON: equal for two runs that differ only in the code
/// their external client ran.
pub(super) fn without_client_files(spec: &store::RunSpec) -> (String, Option<serde_json::Value>) {
    let mut spec = spec.clone();
    let files = spec
        .optimizer
        .params
        .as_object_mut()
        .and_then(|m| m.remove("client_files"));
    (serde_json::to_string(&spec).unwrap_or_default(), files)
}

/// How many planned runs have a record in `dir` from the sweep before that differs only in its client's
/// files (whose client changed since), and which files changed; nothing where the folder holds no sweep.
pub(super) fn client_changes(
    dir: &std::path::Path,
    plan: &crate::plan::Plan,
) -> Option<(usize, Vec<String>)> {
    let before = store::read_sweep(dir).ok()?;
    let old: std::collections::BTreeMap<String, Option<serde_json::Value>> = before
        .records
        .iter()
        .map(|r| without_client_files(&r.spec))
        .collect();
    let mut count = 0;
    let mut files = std::collections::BTreeSet::new();
    for run in &plan.runs {
        let (key, now) = without_client_files(&run.spec);
        if let Some(then) = old.get(&key)
            && *then != now
        {
            count += 1;
            let map =
                |v: &Option<serde_json::Value>| -> std::collections::BTreeMap<String, String> {
                    v.as_ref()
                        .and_then(|v| serde_json::from_value(v.clone()).ok())
                        .unwrap_or_default()
                };
            let (a, b) = (map(then), map(&now));
            files.extend(
                a.keys()
                    .chain(b.keys())
                    .filter(|k| a.get(*k) != b.get(*k))
                    .cloned(),
            );
        }
    }
    (count > 0).then(|| (count, files.into_iter().collect()))
}
