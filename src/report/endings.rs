//! Where each optimizer ended, for sweeps run with `diagnose = true`: per problem family, the runs whose
//! final point was a minimum, a saddle, a maximum, degenerate, or not a critical point.
//!
//! Rows are per family rather than per suite because a run records its instance, not the suite that
//! listed it (an instance may belong to several suites).

use std::collections::BTreeMap;

use super::tables::Table;
use crate::analysis::sweep::Sweep;
use crate::spectrum::diagnosis::Ending;

/// The table, or `None` when no run of the sweep was diagnosed.
pub fn ending_table(sweep: &Sweep) -> Option<Table> {
    let mut counts: BTreeMap<(String, usize), [usize; 6]> = BTreeMap::new();
    let mut order: Vec<(String, usize)> = Vec::new();
    let mut any = false;
    for (r, &(_, o)) in sweep.records.iter().zip(&sweep.cells) {
        if !r.spec.diagnose {
            continue;
        }
        let key = (r.spec.problem.family.clone(), o);
        let row = counts.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            [0; 6]
        });
        let col = match &r.outcome.diagnosis {
            Some(d) => Ending::ALL.iter().position(|e| *e == d.ending).unwrap_or(5),
            None => 5,
        };
        row[col] += 1;
        any = true;
    }
    if !any {
        return None;
    }
    order.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut header = vec!["family".to_string(), "optimizer".to_string()];
    header.extend(Ending::ALL.iter().map(|e| e.name().to_string()));
    header.push("no verdict".into());
    let rows = order
        .iter()
        .map(|key| {
            let mut row = vec![key.0.clone(), sweep.optimizers[key.1].label.clone()];
            row.extend(counts[key].iter().map(usize::to_string));
            row
        })
        .collect();
    Some(Table::new(header, rows))
}
