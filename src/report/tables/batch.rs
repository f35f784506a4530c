//! Steps to target versus batch size, one table per batch-size study: rows batch sizes, columns optimizer
//! configurations, cells the median steps to the target of the runs that reached it with the median samples
//! they drew in brackets (`154 (2464)` when every seed reached it, `154 (2464), 1 max-iters` when some did
//! not, the status itself when none did), and two closing rows: the critical batch size (`16`; `> 64` when
//! every doubling up to the largest batch size with a result still saved more; `-` with fewer than two batch
//! sizes with a result), McCandlish et al.'s `B_crit = E_min / S_min` fitted to the medians
//! ([`fit_empirical`](crate::analysis::batch::fit_empirical)) and the speed-up per doubling from the
//! smallest batch size with a result to the next.
//!
//! The CSV form has plain numbers: a `steps` and a `samples` column per configuration (empty where no run
//! reached the target), and closing rows `critical batch size`, `critical batch size above` (the largest batch
//! size with a result, where every doubling up to it saved more), `speed-up per doubling, smallest B`, and
//! the fit's `b_crit` (`E_min / S_min`), `s_min` and `e_min`, each under the configuration's `steps` column.

use super::{Table, failure_counts};
use crate::analysis::batch::{
    BatchCell, BatchSeries, BatchStudy, CRITICAL_SAVING, Critical, EmpiricalFit,
};
use crate::analysis::sweep::{Sweep, number_text};
use crate::digits::significant;
use crate::store::fmt_real;

/// The text of one cell of a batch table: `steps (samples)`, then the runs that did not reach the target.
pub fn batch_cell_text(cell: &BatchCell) -> String {
    if cell.runs() == 0 {
        return "-".into();
    }
    let failed = failure_counts(&cell.statuses);
    match (cell.median_steps(), cell.median_samples()) {
        (Some(steps), Some(samples)) => {
            let text = format!("{} ({})", number_text(steps), number_text(samples));
            if failed.is_empty() {
                text
            } else {
                format!("{text}, {}", failed.join(", "))
            }
        }
        _ => cell
            .main_failure()
            .map_or("-".into(), |s| s.as_str().to_string()),
    }
}

/// A critical batch size as text: `64`, `> 1024` when it lies beyond the largest batch size with a result,
/// `-` when unknown.
pub fn critical_text(critical: Critical) -> String {
    match critical {
        Critical::At(b) => number_text(b),
        Critical::Beyond(b) => format!("> {}", number_text(b)),
        Critical::Unknown => "-".into(),
    }
}

/// The label of the row of McCandlish et al.'s fitted critical batch size.
pub const FIT_ROW: &str = "B_crit = E_min / S_min (fit)";

/// A fitted critical batch size as text, to three digits: `124`, or `-` where the model does not fit.
pub fn fit_text(fit: Option<EmpiricalFit>) -> String {
    fit.map_or("-".into(), |f| significant(f.b_crit, 3))
}

/// The gradient noise scale of a study at the start, to three digits, or `unknown for this problem`.
pub fn noise_scale_text(study: &BatchStudy) -> String {
    study
        .noise_scale
        .map_or("unknown for this problem".into(), |v| significant(v, 3))
}

/// The speed-up per doubling from the smallest batch size with a result to the next.
fn first_speedup(series: &BatchSeries) -> Option<f64> {
    series.speedups.first().map(|s| s.2)
}

/// The table of one batch-size study: rows batch sizes, columns optimizer configurations, closing rows the
/// critical batch size and the speed-up per doubling at the smallest batch size; for CSV (`plain`), plain
/// numbers in a steps and a samples column per configuration (see the module documentation).
pub fn batch_table(sweep: &Sweep, study: &BatchStudy, plain: bool) -> Table {
    let labels = study
        .series
        .iter()
        .map(|s| sweep.optimizers[s.optimizer].label.clone());
    let mut header = vec!["batch size".to_string()];
    if plain {
        header.extend(labels.flat_map(|l| [format!("{l} steps"), format!("{l} samples")]));
    } else {
        header.extend(labels);
    }
    let number = |v: Option<f64>| v.map_or(String::new(), fmt_real);
    let mut rows: Vec<Vec<String>> = study
        .batch_sizes
        .iter()
        .enumerate()
        .map(|(j, b)| {
            let mut row = vec![if plain { fmt_real(*b) } else { number_text(*b) }];
            for s in &study.series {
                let cell = &s.cells[j];
                if plain {
                    row.push(number(cell.median_steps()));
                    row.push(number(cell.median_samples()));
                } else {
                    row.push(batch_cell_text(cell));
                }
            }
            row
        })
        .collect();
    let footer_from = Some(rows.len());
    let speedup = "speed-up per doubling, smallest B";
    if plain {
        // Under each configuration's steps column; its samples column stays empty.
        let closing = |label: &str, value: &dyn Fn(&BatchSeries) -> Option<f64>| {
            let mut row = vec![label.to_string()];
            for s in &study.series {
                row.push(number(value(s)));
                row.push(String::new());
            }
            row
        };
        rows.push(closing("critical batch size", &|s| match s.critical {
            Critical::At(b) => Some(b),
            _ => None,
        }));
        rows.push(closing(
            "critical batch size above",
            &|s| match s.critical {
                Critical::Beyond(b) => Some(b),
                _ => None,
            },
        ));
        rows.push(closing(speedup, &first_speedup));
        rows.push(closing("b_crit", &|s| s.fit.map(|f| f.b_crit)));
        rows.push(closing("s_min", &|s| s.fit.map(|f| f.s_min)));
        rows.push(closing("e_min", &|s| s.fit.map(|f| f.e_min)));
    } else {
        let mut critical = vec!["critical batch size".to_string()];
        critical.extend(study.series.iter().map(|s| critical_text(s.critical)));
        let mut first = vec![speedup.to_string()];
        first.extend(
            study
                .series
                .iter()
                .map(|s| first_speedup(s).map_or("-".into(), |r| crate::digits::significant(r, 3))),
        );
        let mut fitted = vec![FIT_ROW.to_string()];
        fitted.extend(study.series.iter().map(|s| fit_text(s.fit)));
        rows.push(critical);
        rows.push(fitted);
        rows.push(first);
    }
    Table {
        header,
        rows,
        footer_from,
        ..Table::default()
    }
}

/// The note under a batch table: what the cells and the closing rows are, and the gradient noise scale.
pub fn batch_note(study: &BatchStudy) -> String {
    format!(
        "{} {}. Cells: median steps to the target over the runs that reached it, with the median samples they \
         drew in brackets (runs that did not reach it after a comma, or the status when none did). Critical \
         batch size: the smallest batch size from which doubling it saves less than {}% of the steps ('> B': \
         every doubling up to B, the largest batch size with a result, saved more); in McCandlish et al.'s \
         model S = S_min (1 + B_crit / B) it is the first batch size of the grid beyond B_crit. Speed-up per \
         doubling: (S(B1) / S(B2))^(1 / log2(B2 / B1)) from the smallest batch size with a result to the next; \
         2 is perfect scaling, 1 no gain. B_crit = E_min / S_min: McCandlish et al.'s critical batch size, \
         from S = S_min + E_min / B fitted to the medians by least squares of the relative residuals \
         (S - S_min - E_min / B) / S ('-' where no positive S_min and E_min fit). Gradient noise scale at \
         the start, B_noise = tr(H C) / (g' H g): {}.",
        study.family,
        study.shared,
        number_text(CRITICAL_SAVING * 100.0),
        noise_scale_text(study)
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::batch::{fit_empirical, medians, scaling};
    use crate::analysis::sweep::OptimizerInfo;
    use crate::stop::Status;
    use std::collections::BTreeMap;

    fn cell(b: f64, steps: &[f64], other: &[(Status, usize)]) -> BatchCell {
        let mut statuses = BTreeMap::new();
        if !steps.is_empty() {
            statuses.insert(Status::Converged, steps.len());
        }
        for (s, n) in other {
            statuses.insert(*s, *n);
        }
        BatchCell {
            batch_size: b,
            statuses,
            steps: steps.to_vec(),
            samples: steps.iter().map(|s| s * b).collect(),
        }
    }

    #[test]
    fn cells_show_steps_samples_and_failures() {
        assert_eq!(
            batch_cell_text(&cell(4.0, &[100.0, 120.0, 300.0], &[])),
            "120 (480)"
        );
        assert_eq!(
            batch_cell_text(&cell(4.0, &[100.0, 121.0], &[(Status::MaxIters, 1)])),
            "110.5 (442), 1 max-iters"
        );
        assert_eq!(
            batch_cell_text(&cell(
                1.0,
                &[],
                &[(Status::MaxIters, 2), (Status::Diverged, 1)]
            )),
            "max-iters"
        );
        assert_eq!(batch_cell_text(&cell(1.0, &[], &[])), "-");
    }

    #[test]
    fn critical_batch_sizes_read_as_a_value_a_bound_or_unknown() {
        assert_eq!(critical_text(Critical::At(64.0)), "64");
        assert_eq!(critical_text(Critical::Beyond(1024.0)), "> 1024");
        assert_eq!(critical_text(Critical::Unknown), "-");
    }

    /// A study of `gd` (perfect scaling from 1 to 4, none from 4 to 16: critical at 4) and `adam` (no run
    /// reached the target at 1; 4 to 16 still halves the steps per doubling: beyond 16).
    pub(crate) fn study() -> BatchStudy {
        let series = |optimizer: usize, cells: Vec<BatchCell>| {
            let (speedups, critical) = scaling(&cells);
            let fit = fit_empirical(&medians(&cells));
            BatchSeries {
                optimizer,
                cells,
                speedups,
                critical,
                fit,
            }
        };
        BatchStudy {
            family: "nqm".into(),
            shared: "dim=50".into(),
            label: "nqm".into(),
            batch_sizes: vec![1.0, 4.0, 16.0],
            series: vec![
                // Perfect scaling, then none: critical at 4.
                series(
                    0,
                    vec![
                        cell(1.0, &[400.0], &[]),
                        cell(4.0, &[100.0], &[]),
                        cell(16.0, &[100.0], &[]),
                    ],
                ),
                // Nothing at B = 1; 4 -> 16 still halves the steps per doubling: beyond 16.
                series(
                    1,
                    vec![
                        cell(1.0, &[], &[(Status::MaxIters, 1)]),
                        cell(4.0, &[80.0], &[]),
                        cell(16.0, &[20.0], &[]),
                    ],
                ),
            ],
            noise_scale: Some(1.3521804),
        }
    }

    /// A sweep with the optimizer configurations `gd` and `adam`, and nothing else.
    pub(crate) fn sweep() -> Sweep {
        let mut s = Sweep::new(Vec::new(), None);
        s.optimizers = ["gd", "adam"]
            .map(|name| OptimizerInfo {
                spec: crate::store::OptimizerSpec {
                    name: name.into(),
                    params: serde_json::json!({}),
                },
                label: name.into(),
                kappa_slope: None,
                escape: None,
                keeps: None,
                memory_formula: None,
                memory_in_client: false,
            })
            .to_vec();
        s
    }

    #[test]
    fn the_table_shows_cells_the_critical_batch_size_and_the_first_speedup() {
        let (sweep, study) = (sweep(), study());
        let t = batch_table(&sweep, &study, false);
        assert_eq!(t.header, ["batch size", "gd", "adam"]);
        assert_eq!(t.rows[0], ["1", "400 (400)", "max-iters"]);
        assert_eq!(t.rows[2], ["16", "100 (1600)", "20 (320)"]);
        assert_eq!(t.footer_from, Some(3));
        assert_eq!(t.rows[3], ["critical batch size", "4", "> 16"]);
        // gd's medians (1, 400), (4, 100), (16, 100) fit S_min = 1200/19, E_min = 4800/19: B_crit = 4; adam's
        // scale perfectly (no S_min > 0).
        assert_eq!(t.rows[4], [FIT_ROW, "4", "-"]);
        assert_eq!(t.rows[5], ["speed-up per doubling, smallest B", "2", "2"]);
        let note = batch_note(&study);
        assert!(note.starts_with("nqm dim=50. "), "{note}");
        assert!(note.contains("less than 25% of the steps"), "{note}");
        assert!(note.ends_with("tr(H C) / (g' H g): 1.35."), "{note}");
    }

    #[test]
    fn the_csv_form_has_plain_numbers_in_columns_of_their_own() {
        let (sweep, study) = (sweep(), study());
        let csv = crate::table::TableFormat::write(
            &crate::table::Csv,
            &batch_table(&sweep, &study, true),
        );
        assert_eq!(
            csv,
            "batch size,gd steps,gd samples,adam steps,adam samples\n\
             1,400,400,,\n\
             4,100,400,80,320\n\
             16,100,1600,20,320\n\
             critical batch size,4,,,\n\
             critical batch size above,,,16,\n\
             \"speed-up per doubling, smallest B\",2,,2,\n\
             b_crit,4,,,\n\
             s_min,63.15789473684212,,,\n\
             e_min,252.63157894736847,,,\n"
        );
    }
}
