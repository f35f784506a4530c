//! Instances that differ in one numeric parameter: the axis of a study (`kappa` for iterations against the
//! condition number, `batch_size` for steps to target against the batch size).

use std::collections::BTreeMap;

use serde_json::Value;

use super::sweep::{Sweep, value_text};
use crate::stop::Status;

/// The status most runs of a study's cell that did not converge ended with (ties: report order), if any.
pub fn main_failure(statuses: &BTreeMap<Status, usize>) -> Option<Status> {
    statuses
        .iter()
        .filter(|(s, n)| **s != Status::Converged && **n > 0)
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(s, _)| *s)
}

/// Instances of one family with the same parameters but the axis key.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisGroup {
    /// The family.
    pub family: String,
    /// The other parameters, as `key=value` (what the instances share).
    pub shared: String,
    /// A label that tells the groups of the same sweep apart (the family, and the parameters in which
    /// groups of the same family differ).
    pub label: String,
    /// (instance index, axis value) of each member, ascending in the axis value.
    pub members: Vec<(usize, f64)>,
}

/// Every group of at least two instances of a family that differ only in the numeric parameter `key`, in
/// order of first appearance.
pub fn axis_groups(sweep: &Sweep, key: &str) -> Vec<AxisGroup> {
    type Raw = (String, BTreeMap<String, Value>, Vec<(usize, f64)>);
    let mut groups: Vec<Raw> = Vec::new();
    for (i, inst) in sweep.instances.iter().enumerate() {
        let Value::Object(map) = &inst.spec.params else {
            continue;
        };
        let Some(value) = map.get(key).and_then(Value::as_f64) else {
            continue;
        };
        let rest: BTreeMap<String, Value> = map
            .iter()
            .filter(|(k, _)| *k != key)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match groups
            .iter_mut()
            .find(|(f, r, _)| *f == inst.spec.family && *r == rest)
        {
            Some(g) => g.2.push((i, value)),
            None => groups.push((inst.spec.family.clone(), rest, vec![(i, value)])),
        }
    }
    groups.retain(|g| g.2.len() >= 2);
    let labels: Vec<String> = groups
        .iter()
        .map(|(family, rest, _)| {
            let differing: Vec<String> = rest
                .iter()
                .filter(|(k, v)| {
                    groups
                        .iter()
                        .any(|(f, r, _)| f == family && r.get(*k) != Some(*v))
                })
                .map(|(k, v)| format!("{k}={}", value_text(v)))
                .collect();
            if differing.is_empty() {
                family.clone()
            } else {
                format!("{family} {}", differing.join(" "))
            }
        })
        .collect();
    groups
        .into_iter()
        .zip(labels)
        .map(|((family, rest, mut members), label)| {
            members.sort_by(|a, b| a.1.total_cmp(&b.1));
            AxisGroup {
                shared: rest
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_text(v)))
                    .collect::<Vec<_>>()
                    .join(" "),
                family,
                label,
                members,
            }
        })
        .collect()
}
