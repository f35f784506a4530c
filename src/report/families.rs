//! A sweep's problem instances as a caption names them: by family, with the parameters that vary within
//! the family and their values (`quadratic with kappa = 10, 100, 1000`), and the parameters every instance
//! of a family shares in a details sentence (`Instances: quadratic dim=50 rotation=random; himmelblau.`),
//! as the kappa figures do.

use std::collections::BTreeMap;

use crate::analysis::sweep::{Sweep, value_text};

/// One family's instances: the parameters that vary (each with its values in order of first appearance)
/// and those they share.
struct Family {
    name: String,
    varying: Vec<(String, Vec<String>)>,
    shared: Vec<(String, String)>,
    /// Each instance's varying parameters as `key=value` pairs.
    instances: Vec<String>,
}

/// The parameters of every instance, by family, in order of first appearance.
fn families(sweep: &Sweep) -> Vec<Family> {
    let mut order: Vec<String> = Vec::new();
    let mut members: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for inst in &sweep.instances {
        let family = inst.spec.family.clone();
        if !order.contains(&family) {
            order.push(family.clone());
        }
        let params: BTreeMap<String, String> = inst
            .spec
            .params
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), value_text(v))).collect())
            .unwrap_or_default();
        members.entry(family).or_default().push(params);
    }
    order
        .into_iter()
        .map(|name| {
            let params = members.remove(&name).unwrap_or_default();
            let keys: Vec<String> =
                params
                    .iter()
                    .flat_map(|p| p.keys().cloned())
                    .fold(Vec::new(), |mut keys, k| {
                        if !keys.contains(&k) {
                            keys.push(k);
                        }
                        keys
                    });
            let mut varying = Vec::new();
            let mut shared = Vec::new();
            for k in keys {
                let mut values: Vec<String> = Vec::new();
                for p in &params {
                    let v = p.get(&k).cloned().unwrap_or_else(|| "-".into());
                    if !values.contains(&v) {
                        values.push(v);
                    }
                }
                if values.len() > 1 {
                    varying.push((k, values));
                } else if let Some(v) = values.pop() {
                    shared.push((k, v));
                }
            }
            let instances = params
                .iter()
                .map(|p| {
                    varying
                        .iter()
                        .map(|(k, _)| format!("{k}={}", p.get(k).map_or("-", String::as_str)))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            Family {
                name,
                varying,
                shared,
                instances,
            }
        })
        .collect()
}

/// The instances of `sweep` named by family: `quadratic with kappa = 10, 100, 1000; himmelblau`; where
/// more than one parameter varies within a family, each instance's varying parameters
/// (`quadratic (dim=5 kappa=10, dim=10 kappa=100)`).
pub fn instances_text(sweep: &Sweep) -> String {
    families(sweep)
        .iter()
        .map(|f| match f.varying.as_slice() {
            [] => f.name.clone(),
            [(key, values)] => format!("{} with {key} = {}", f.name, values.join(", ")),
            _ => format!("{} ({})", f.name, f.instances.join(", ")),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The details sentence: every family with the parameters its instances share, `Instances: quadratic
/// dim=50 rotation=random; himmelblau.`
pub fn shared_sentence(sweep: &Sweep) -> String {
    let parts: Vec<String> = families(sweep)
        .iter()
        .map(|f| {
            let mut words = vec![f.name.clone()];
            words.extend(f.shared.iter().map(|(k, v)| format!("{k}={v}")));
            words.join(" ")
        })
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("Instances: {}.", parts.join("; "))
    }
}
