//! The failed runs of a sweep, grouped by message for the console.

use crate::store;

/// The failed runs of `records`, grouped by the first line of their message: one line per group with its
/// count, the message and one run id, most frequent first.
pub(super) fn failures(records: &[store::RunRecord]) -> Vec<String> {
    let mut groups: Vec<(String, usize, String)> = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.outcome.status == crate::stop::Status::Failed)
    {
        let message = r.outcome.message.as_deref().unwrap_or("no message");
        let first: String = message
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        match groups.iter_mut().find(|g| g.0 == first) {
            Some(g) => g.1 += 1,
            None => groups.push((first, 1, r.run_id.clone())),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1));
    groups
        .into_iter()
        .map(|(message, n, id)| format!("  {n} x {message} (e.g. runs/{id}.json)"))
        .collect()
}
