//! What the outcome tables say of runs: the label of an optimizer configuration (a tuned optimizer: one per
//! group it was tuned on, showing the values chosen), the medians of converged runs and the cost of tuning.
//! The tables themselves are built in [`crate::report::tables::outcomes`] and written by [`crate::table`].

use std::collections::BTreeMap;

use crate::stop::Status;
use crate::store::RunRecord;

pub use crate::table::one_line;

/// A label for an optimizer configuration: its name and its parameters, e.g. `gd {"step":"1/L"}`; a tuned
/// optimizer shows `"tuned"` for its tuned keys, whatever values its groups chose.
pub fn optimizer_label(r: &RunRecord) -> String {
    let spec = crate::store::OptimizerSpec {
        name: r.spec.optimizer.name.clone(),
        params: match &r.spec.tuning {
            Some(t) => crate::tune::table::untuned_params(&r.spec.optimizer.params, &t.tuned),
            None => r.spec.optimizer.params.clone(),
        },
    };
    let (name, params) = spec.display();
    let params = params.to_string();
    if params == "{}" || params == "null" {
        name
    } else {
        format!("{name} {params}")
    }
}

/// The values a tuning chose, as `key=value` pairs to 3 significant digits (`step=1.97 beta=0.9`).
pub fn tuned_values_text(tuned: &serde_json::Value) -> String {
    match tuned {
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| match v.as_f64() {
                Some(x) => format!("{k}={}", crate::digits::significant(x, 3)),
                None => format!("{k}={}", crate::analysis::sweep::value_text(v)),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// The values a tuning chose for `spec` as its label shows them: [`tuned_values_text`], with the keys of an
/// optimizer named by its `label` (an external client, shown with its `params` table) relative to that
/// table (`lr=0.5`, not `params.lr=0.5`).
pub fn tuned_text_for(spec: &crate::store::OptimizerSpec, tuned: &serde_json::Value) -> String {
    let by_label = spec
        .params
        .get("label")
        .is_some_and(serde_json::Value::is_string);
    match tuned {
        serde_json::Value::Object(m) if by_label => {
            let relative: serde_json::Map<String, serde_json::Value> = m
                .iter()
                .map(|(k, v)| {
                    (
                        k.strip_prefix("params.").unwrap_or(k).to_string(),
                        v.clone(),
                    )
                })
                .collect();
            tuned_values_text(&serde_json::Value::Object(relative))
        }
        other => tuned_values_text(other),
    }
}

/// `params` without the keys of `tuned` (a dotted key names a key inside a nested table).
fn without_tuned(params: &serde_json::Value, tuned: &serde_json::Value) -> serde_json::Value {
    let mut p = params.clone();
    if let serde_json::Value::Object(t) = tuned {
        for k in t.keys() {
            let (parent, last) = match k.rsplit_once('.') {
                Some((parent, last)) => (format!("/{}", parent.replace('.', "/")), last),
                None => (String::new(), k.as_str()),
            };
            if let Some(serde_json::Value::Object(o)) = p.pointer_mut(&parent) {
                o.remove(last);
            }
        }
    }
    p
}

/// How a tuning group reads in a table: `suite NAME` as it is, `instance FAMILY {params}` as the instance's
/// short label among `groups` (the family and the parameters that differ between the groups' instances).
fn group_texts(groups: &[&str]) -> BTreeMap<String, String> {
    let instances: Vec<(String, (String, serde_json::Value))> = groups
        .iter()
        .filter_map(|g| {
            let (family, params) = g.strip_prefix("instance ")?.split_once(' ')?;
            let params = serde_json::from_str(params).ok()?;
            Some((g.to_string(), (family.to_string(), params)))
        })
        .collect();
    let entries: Vec<(String, serde_json::Value)> =
        instances.iter().map(|(_, e)| e.clone()).collect();
    let labels = crate::analysis::sweep::short_labels(&entries);
    let mut out: BTreeMap<String, String> = groups
        .iter()
        .map(|g| (g.to_string(), g.to_string()))
        .collect();
    for ((g, _), label) in instances.into_iter().zip(labels) {
        out.insert(g, label);
    }
    out
}

/// The row labels of `records`: [`optimizer_label`], except for a tuned optimizer's evaluation runs, which
/// show the values chosen for them (`gd step=1.97 (tuned)`), and the group they were chosen on where the
/// optimizer was tuned on several (`gd step=1.97 (tuned on quadratic kappa=100)`).
pub fn row_labels(records: &[&RunRecord]) -> Vec<String> {
    let base: Vec<String> = records.iter().map(|r| optimizer_label(r)).collect();
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (r, b) in records.iter().zip(&base) {
        if let Some(t) = &r.spec.tuning {
            let gs = groups.entry(b.as_str()).or_default();
            if !gs.contains(&t.group.as_str()) {
                gs.push(&t.group);
            }
        }
    }
    let all: Vec<&str> = groups.values().flatten().copied().collect();
    let texts = group_texts(&all);
    records
        .iter()
        .zip(&base)
        .map(|(r, b)| {
            let Some(t) = &r.spec.tuning else {
                return b.clone();
            };
            let spec = crate::store::OptimizerSpec {
                name: r.spec.optimizer.name.clone(),
                params: without_tuned(&r.spec.optimizer.params, &t.tuned),
            };
            let (name, params) = spec.display();
            let params = params.to_string();
            let fixed = if params == "{}" || params == "null" {
                String::new()
            } else {
                format!(" {params}")
            };
            let on = if groups.get(b.as_str()).is_some_and(|g| g.len() > 1) {
                format!(" on {}", texts.get(&t.group).unwrap_or(&t.group))
            } else {
                String::new()
            };
            format!(
                "{name}{fixed} {} (tuned{on})",
                tuned_text_for(&r.spec.optimizer, &t.tuned)
            )
        })
        .collect()
}

/// The medians of iterations and of gradient-equivalent evaluations over the converged runs among `runs`
/// (`None` where none converged).
pub fn converged_medians(runs: &[&RunRecord]) -> (Option<f64>, Option<f64>) {
    let converged = runs
        .iter()
        .filter(|r| r.outcome.status == Status::Converged);
    let mut iters: Vec<f64> = converged
        .clone()
        .map(|r| r.outcome.iterations as f64)
        .collect();
    let mut evals: Vec<f64> = converged
        .map(|r| r.outcome.grad_equiv_evals as f64)
        .collect();
    (median(&mut iters), median(&mut evals))
}

/// The median of a list (the mean of the middle two for an even length), or `None` when empty.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[m]
    } else {
        0.5 * (values[m - 1] + values[m])
    })
}

/// The gradient-equivalent evaluations spent on tuning the groups of `runs` (each group counted once).
pub fn tuning_cost(runs: &[&RunRecord]) -> u64 {
    let costs: BTreeMap<&str, u64> = runs
        .iter()
        .filter_map(|r| r.spec.tuning.as_ref())
        .filter_map(|t| t.cost.map(|c| (t.group.as_str(), c.grad_equiv_evals)))
        .collect();
    costs.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuned_values_read_short_and_tuned_keys_leave_the_fixed_ones() {
        let tuned = serde_json::json!({"lr": 0.0031987, "params.beta": 0.9});
        assert_eq!(tuned_values_text(&tuned), "lr=3.2e-3 params.beta=0.9");
        let params =
            serde_json::json!({"lr": 0.0031987, "eps": 1e-8, "params": {"beta": 0.9, "k": 2}});
        assert_eq!(
            without_tuned(&params, &tuned),
            serde_json::json!({"eps": 1e-8, "params": {"k": 2}})
        );
        let texts = group_texts(&[
            "suite kappa",
            r#"instance quadratic {"dim":20,"kappa":10}"#,
            r#"instance quadratic {"dim":20,"kappa":1000}"#,
        ]);
        assert_eq!(texts["suite kappa"], "suite kappa");
        assert_eq!(
            texts[r#"instance quadratic {"dim":20,"kappa":1000}"#],
            "quadratic kappa=1000"
        );
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
