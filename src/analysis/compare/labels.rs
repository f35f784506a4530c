//! Names for the runs of a comparison: the short labels of their problem instance and optimizer
//! configuration, computed over both sides at once so that one instance or configuration reads the same on
//! either side, with the order in which each first appears.

use std::collections::BTreeMap;

use crate::analysis::sweep::{optimizer_config, short_labels};
use crate::store::RunRecord;

/// Labels and first-appearance order of instances and optimizer configurations.
pub(super) struct Labels {
    instances: BTreeMap<String, (usize, String)>,
    optimizers: BTreeMap<String, (usize, String)>,
}

fn instance_key(r: &RunRecord) -> String {
    serde_json::to_string(&r.spec.problem).unwrap_or_default()
}

fn optimizer_key(r: &RunRecord) -> String {
    serde_json::to_string(&optimizer_config(r)).unwrap_or_default()
}

/// Labels `(key, (name, params))` entries in order, numbering them by first appearance.
fn numbered(
    entries: Vec<(String, (String, serde_json::Value))>,
) -> BTreeMap<String, (usize, String)> {
    let labels = short_labels(&entries.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>());
    entries
        .into_iter()
        .zip(labels)
        .enumerate()
        .map(|(i, ((k, _), label))| (k, (i, label)))
        .collect()
}

impl Labels {
    /// Labels every instance and configuration of `records`, numbered in the order they first appear.
    pub(super) fn new<'a>(records: impl Iterator<Item = &'a RunRecord>) -> Labels {
        let mut inst: Vec<(String, (String, serde_json::Value))> = Vec::new();
        let mut opt: Vec<(String, (String, serde_json::Value))> = Vec::new();
        for r in records {
            let k = instance_key(r);
            if !inst.iter().any(|(x, _)| *x == k) {
                let p = &r.spec.problem;
                inst.push((k, (p.family.clone(), p.params.clone())));
            }
            let k = optimizer_key(r);
            if !opt.iter().any(|(x, _)| *x == k) {
                opt.push((k, optimizer_config(r).display()));
            }
        }
        Labels {
            instances: numbered(inst),
            optimizers: numbered(opt),
        }
    }

    fn get<'a>(map: &'a BTreeMap<String, (usize, String)>, key: &str) -> (usize, &'a str) {
        map.get(key)
            .map_or((usize::MAX, "?"), |(i, l)| (*i, l.as_str()))
    }

    /// The instance of `r`: its order and label.
    pub(super) fn instance(&self, r: &RunRecord) -> (usize, &str) {
        Labels::get(&self.instances, &instance_key(r))
    }

    /// The optimizer configuration of `r`: its order and label.
    pub(super) fn optimizer(&self, r: &RunRecord) -> (usize, &str) {
        Labels::get(&self.optimizers, &optimizer_key(r))
    }
}
