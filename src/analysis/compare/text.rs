//! A comparison as Markdown for people and CI logs: a headline that counts runs, the runs that changed (one
//! row each, named by optimizer, instance and seed, with every change beyond tolerance and its size in
//! percent), and the verdicts per optimizer and instance.
//!
//! Numbers are short: counts as integers, other values to 3 significant digits. The tables are written by
//! [`crate::table::Markdown`], which escapes labels and messages as the report's Markdown cells are
//! ([`crate::table::markdown_cell`]): one line each, a `|` kept in its cell, no HTML.

use std::fmt::Write;

use super::groups::{Tally, groups, optimizer_shown};
use super::{Comparison, Kind, Matching, Metric, RunRow, Side, Verdict, percent};
use crate::table::{Align, Markdown, Table, TableFormat};

/// The Markdown of the comparison's tables: the rule row without spaces.
const MARKDOWN: Markdown = Markdown { compact: true };

/// `x` to 3 significant digits by [`crate::digits::significant`], the whole digits of a number from 1000
/// to 1e5 kept (`12346`): plain decimals in `[0.01, 1e5)`, exponent notation outside (`1.23e-9`, `3.2e-3`);
/// `NaN`, `inf`, `-inf` as such.
pub fn short(x: f64) -> String {
    let a = x.abs();
    let digits = if (1.0..1e5).contains(&a) {
        (a.log10().floor() as usize + 1).max(3)
    } else {
        3
    };
    crate::digits::significant(x, digits)
}

/// `n` and `noun`, plural unless `n` is 1 (`1 run`, `3 runs`).
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A change in percent, signed, to 3 significant digits (`+91.7%`).
pub fn short_percent(p: f64) -> String {
    let s = short(p);
    if p > 0.0 {
        format!("+{s}%")
    } else {
        format!("{s}%")
    }
}

/// One metric's change in words: `iterations 61 -> 138 (+126%)`.
fn metric_change(m: Metric, b: &Side, n: &Side) -> String {
    if m == Metric::Status {
        let why = n
            .message
            .as_deref()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        return format!("status {} -> {}{why}", b.status, n.status);
    }
    let (Some(bv), Some(nv)) = (b.value(m), n.value(m)) else {
        return m.label().to_string();
    };
    let (bs, ns) = match m {
        Metric::Iterations => (b.iterations.to_string(), n.iterations.to_string()),
        Metric::Evaluations => (b.evaluations.to_string(), n.evaluations.to_string()),
        _ => (short(bv), short(nv)),
    };
    let pct = percent(bv, nv)
        .map(|p| format!(" ({})", short_percent(p)))
        .unwrap_or_default();
    format!("{} {bs} -> {ns}{pct}", m.label())
}

/// The changes of a row, in words, `; `-separated.
pub fn changes_text(row: &RunRow) -> String {
    match (&row.baseline, &row.new) {
        (Some(b), Some(n)) => row
            .changes
            .iter()
            .filter_map(|k| k.metric())
            .map(|m| metric_change(m, b, n))
            .collect::<Vec<_>>()
            .join("; "),
        (Some(b), None) => format!("not in the new results ({} in the baseline)", b.status),
        (None, Some(n)) => format!("not in the baseline ({})", n.status),
        (None, None) => String::new(),
    }
}

/// The headline: how many runs of each side were compared, paired, and with which verdicts.
pub fn headline(c: &Comparison) -> String {
    let t = c.counts();
    let by = match c.matching {
        Matching::RunId => "by run id",
        Matching::IgnoreOptimizerParams => "by run id, then ignoring optimizer parameters",
    };
    format!(
        "{} baseline runs, {} new runs; {} runs paired ({by}): {} regressed, {} improved, {} changed, \
         {} unchanged; {} missing, {} new.",
        t.baseline_runs(),
        t.new_runs(),
        t.paired(),
        t.regressed,
        t.improved,
        t.changed,
        t.unchanged,
        t.missing,
        t.new
    )
}

/// The verdict line: which runs fail, or that none does.
pub fn verdict_line(t: &Tally) -> String {
    match (t.regressed, t.missing) {
        (0, 0) => "Verdict: no regression.".into(),
        (r, 0) => format!("Verdict: FAIL, {} regressed.", count(r, "run")),
        (0, m) => format!("Verdict: FAIL, {} missing.", count(m, "baseline run")),
        (r, m) => format!(
            "Verdict: FAIL, {} regressed and {} missing.",
            count(r, "run"),
            count(m, "baseline run")
        ),
    }
}

/// The comparison as Markdown, after `notes` (one line each): the headline, the verdict, the tolerances,
/// the hint if any, then the runs that are not unchanged and the groups that hold such runs.
pub fn markdown(c: &Comparison, notes: &[String]) -> String {
    let mut s = String::new();
    for n in notes {
        let _ = writeln!(s, "{n}");
    }
    let t = c.counts();
    let _ = writeln!(s, "{}", headline(c));
    let _ = writeln!(s, "{}", verdict_line(&t));
    let tol = &c.tolerances;
    let _ = writeln!(
        s,
        "Tolerances: iterations and evaluations +{}% + {} (where both runs converged), final gap +{}% + {}.",
        short(100.0 * tol.count_rtol),
        short(tol.count_atol),
        short(100.0 * tol.value_rtol),
        short(tol.value_atol)
    );
    if let Some(h) = &c.hint {
        let _ = writeln!(s, "\nHint: {h}");
    }
    let listed: Vec<&RunRow> = c
        .rows
        .iter()
        .filter(|r| r.verdict != Verdict::Unchanged)
        .collect();
    if listed.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "\nRuns that changed ({} unchanged not listed; `--format csv` or `json` lists every run with its run ids):\n",
        t.unchanged
    );
    let rows = listed
        .iter()
        .map(|r| {
            let verdict = if r.verdict.fails() {
                r.verdict.name().to_uppercase()
            } else {
                r.verdict.name().to_string()
            };
            vec![
                verdict,
                optimizer_shown(r),
                r.instance.clone(),
                r.seed.to_string(),
                changes_text(r),
            ]
        })
        .collect();
    let runs = Table {
        aligns: vec![
            Align::Unset,
            Align::Unset,
            Align::Unset,
            Align::Right,
            Align::Unset,
        ],
        ..Table::new(
            ["verdict", "optimizer", "instance", "seed", "changes"]
                .map(String::from)
                .to_vec(),
            rows,
        )
    };
    s.push_str(&MARKDOWN.write(&runs));
    let all = groups(c);
    let changed: Vec<_> = all
        .iter()
        .filter(|g| g.tally.unchanged != g.tally.runs())
        .collect();
    let _ = writeln!(
        s,
        "\nBy optimizer and instance ({} of {} groups with a change):\n",
        changed.len(),
        all.len()
    );
    let rows = changed
        .iter()
        .map(|g| {
            let t = &g.tally;
            let mut row = vec![g.optimizer.clone(), g.instance.clone()];
            row.extend(
                [
                    t.runs(),
                    t.regressed,
                    t.missing,
                    t.improved,
                    t.changed,
                    t.new,
                    t.unchanged,
                ]
                .map(|n| n.to_string()),
            );
            row
        })
        .collect();
    let header = [
        "optimizer",
        "instance",
        "runs",
        "regressed",
        "missing",
        "improved",
        "changed",
        "new",
        "unchanged",
    ];
    let by_group = Table {
        aligns: vec![Align::Unset, Align::Unset],
        ..Table::new(header.map(String::from).to_vec(), rows)
    };
    s.push_str(&MARKDOWN.write(&by_group));
    s
}

/// The kinds of change of a row, in words, `;`-separated (`iterations grew;evaluations grew`).
pub fn kinds_text(kinds: &[Kind]) -> String {
    kinds
        .iter()
        .map(|k| k.label())
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1.0), "1");
        assert_eq!(short(126.229), "126");
        assert_eq!(short(91.666), "91.7");
        assert_eq!(short(0.012345), "0.0123");
        assert_eq!(short(1.5), "1.5");
        assert_eq!(short(-3.0), "-3");
        assert_eq!(short(12345.6), "12346");
        assert_eq!(short(1.234e-9), "1.23e-9");
        assert_eq!(short(1e-8), "1e-8");
        assert_eq!(short(0.0032), "3.2e-3");
        assert_eq!(short(99999.4), "99999");
        assert_eq!(short(2.5e7), "2.5e7");
        assert_eq!(short(f64::NAN), "NaN");
        assert_eq!(short_percent(91.666), "+91.7%");
        assert_eq!(short_percent(-50.0), "-50%");
        assert_eq!(short_percent(0.0), "0%");
    }
}
