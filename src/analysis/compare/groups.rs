//! Verdicts counted: for the whole comparison (its headline) and per optimizer configuration and problem
//! instance.

use super::{Comparison, Verdict};

/// How many runs got each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Paired runs worse beyond tolerance.
    pub regressed: usize,
    /// Baseline runs with no partner.
    pub missing: usize,
    /// Paired runs better and not worse.
    pub improved: usize,
    /// Paired runs whose non-converged status changed, nothing else.
    pub changed: usize,
    /// New runs with no partner in the baseline.
    pub new: usize,
    /// Paired runs within tolerance.
    pub unchanged: usize,
}

impl Tally {
    /// Counts one more run of verdict `v`.
    pub fn add(&mut self, v: Verdict) {
        *self.get_mut(v) += 1;
    }

    fn get_mut(&mut self, v: Verdict) -> &mut usize {
        match v {
            Verdict::Regressed => &mut self.regressed,
            Verdict::Missing => &mut self.missing,
            Verdict::Improved => &mut self.improved,
            Verdict::Changed => &mut self.changed,
            Verdict::New => &mut self.new,
            Verdict::Unchanged => &mut self.unchanged,
        }
    }

    /// The count of verdict `v`.
    pub fn get(&self, v: Verdict) -> usize {
        match v {
            Verdict::Regressed => self.regressed,
            Verdict::Missing => self.missing,
            Verdict::Improved => self.improved,
            Verdict::Changed => self.changed,
            Verdict::New => self.new,
            Verdict::Unchanged => self.unchanged,
        }
    }

    /// Runs paired with a run of the other side.
    pub fn paired(&self) -> usize {
        self.regressed + self.improved + self.changed + self.unchanged
    }

    /// Runs of the baseline that were compared (tuning trials are not).
    pub fn baseline_runs(&self) -> usize {
        self.paired() + self.missing
    }

    /// Runs of the new results that were compared.
    pub fn new_runs(&self) -> usize {
        self.paired() + self.new
    }

    /// Runs that fail the comparison (regressed or missing).
    pub fn failing(&self) -> usize {
        self.regressed + self.missing
    }

    /// All runs counted.
    pub fn runs(&self) -> usize {
        self.paired() + self.missing + self.new
    }
}

/// The verdicts of one optimizer configuration on one problem instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The optimizer configuration's label (`baseline -> new` where a pairing ignored its parameters).
    pub optimizer: String,
    /// The problem instance's label.
    pub instance: String,
    /// Its runs' verdicts.
    pub tally: Tally,
}

/// The label a row is grouped under: its optimizer, or `baseline -> new` where the two differ.
pub fn optimizer_shown(row: &super::RunRow) -> String {
    match &row.baseline_optimizer {
        Some(b) => format!("{b} -> {}", row.optimizer),
        None => row.optimizer.clone(),
    }
}

/// One group per optimizer configuration and instance, in order of first appearance (optimizer first).
pub fn groups(c: &Comparison) -> Vec<Group> {
    let mut keyed: Vec<((usize, usize), String, Group)> = Vec::new();
    for row in &c.rows {
        let optimizer = optimizer_shown(row);
        let found = keyed.iter_mut().find(|(o, name, g)| {
            *o == row.group_order() && *name == optimizer && g.instance == row.instance
        });
        match found {
            Some((_, _, g)) => g.tally.add(row.verdict),
            None => {
                let mut tally = Tally::default();
                tally.add(row.verdict);
                keyed.push((
                    row.group_order(),
                    optimizer.clone(),
                    Group {
                        optimizer,
                        instance: row.instance.clone(),
                        tally,
                    },
                ));
            }
        }
    }
    keyed.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    keyed.into_iter().map(|(_, _, g)| g).collect()
}
