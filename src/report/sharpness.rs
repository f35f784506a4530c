//! Sharpness figures: for each problem instance whose runs measured their sharpness (`[sharpness]`, see
//! [`crate::record::sharpness`]), the Hessian's largest eigenvalue `lambda_max` against the iteration, one
//! line per run (the runs of one optimizer configuration share its colour), with the configuration's
//! stability edge (`2/eta` for fixed-step gradient descent) as a dashed line of the same colour where the
//! record states one ([`crate::record::EdgeFact`]); and below it the objective at the same iterations, on
//! the same iteration range. Everything is read from the records: the series was measured while the runs
//! ran.

use crate::analysis::sweep::Sweep;
use crate::record::{EdgeFact, RunRecord, SharpnessPoint};

use super::figure::{Axis, Figure, LegendEntry, Line, Look, Scale, optimizer_look};
use super::notes::seeds_text;

/// How figures of this kind are drawn, for captions.
pub const CONVENTIONS: &str = "Solid lines: the sharpness lambda_max, the Hessian's largest eigenvalue, \
     measured by the Lanczos process on Hessian-vector products (not counted as the run's evaluations) at \
     iteration 0, every `every` iterations and at the last iterate; one line per run, coloured by optimizer \
     configuration. Dashed lines: the theory line, the stability edge the configuration states (lambda_max = \
     2/eta for gradient descent with the fixed step eta: above it the step is unstable along the top \
     eigenvector of a quadratic). The companion figure (`-loss`) draws the objective at the same iterations \
     on the same iteration range.";

/// The runs of instance `i` that carry a sharpness series with at least one point, with their optimizer.
fn measured(sweep: &Sweep, i: usize) -> Vec<(usize, &RunRecord, &[SharpnessPoint])> {
    sweep
        .records
        .iter()
        .zip(&sweep.cells)
        .filter(|(_, c)| c.0 == i)
        .filter_map(|(r, c)| {
            let s = r.facts.sharpness.as_ref()?;
            (!s.points.is_empty()).then_some((c.1, r, s.points.as_slice()))
        })
        .collect()
}

/// The stability edge optimizer configuration `o` states (from its first run that records one).
fn edge_of(sweep: &Sweep, i: usize, o: usize) -> Option<EdgeFact> {
    sweep
        .runs(i, o)
        .iter()
        .find_map(|r| r.facts.optimizer.stability_edge.clone())
}

/// The sharpness figure and its loss companion for each instance whose runs measured the sharpness.
pub fn sharpness_figures(sweep: &Sweep) -> Vec<Figure> {
    let mut out = Vec::new();
    for (i, inst) in sweep.instances.iter().enumerate() {
        let runs = measured(sweep, i);
        if runs.is_empty() {
            continue;
        }
        let last = runs
            .iter()
            .filter_map(|(_, _, p)| p.last().map(|q| q.iter))
            .max()
            .unwrap_or(0)
            .max(1) as f64;
        let iterations = Axis::fixed("iteration", Scale::Linear, (0.0, last));
        let stem = format!("sharpness-{i:02}-{}", super::file_word(&inst.spec.family));
        let mut top = Figure::new(
            stem.clone(),
            format!("{}: sharpness", inst.label),
            iterations.clone(),
            Axis::new("λ_max (sharpness)", Scale::Linear),
        );
        let mut loss = Figure::new(
            format!("{stem}-loss"),
            format!("{}: objective at the sharpness measurements", inst.label),
            iterations,
            Axis::new("f", Scale::Log),
        );
        let mut optimizers: Vec<usize> = runs.iter().map(|(o, _, _)| *o).collect();
        optimizers.dedup();
        let mut lines_text = Vec::new();
        for &o in &optimizers {
            let label = &sweep.optimizers[o].label;
            let look = optimizer_look(o);
            let mine: Vec<&(usize, &RunRecord, &[SharpnessPoint])> =
                runs.iter().filter(|(q, _, _)| *q == o).collect();
            for (_, _, points) in &mine {
                let sharp: Vec<(f64, f64)> = points
                    .iter()
                    .map(|p| (p.iter as f64, p.lambda_max()))
                    .collect();
                let values: Vec<(f64, f64)> =
                    points.iter().map(|p| (p.iter as f64, p.value)).collect();
                top.lines.push(Line {
                    points: sharp,
                    look,
                });
                loss.lines.push(Line {
                    points: values,
                    look,
                });
            }
            let entry = LegendEntry {
                label: label.clone(),
                line: Some(look),
                mark: None,
            };
            top.legend.push(entry.clone());
            loss.legend.push(entry);
            let steps: Vec<usize> = mine.iter().map(|(_, _, p)| p.len()).collect();
            let mut text = format!(
                "{label} (solid: lambda_max at {} measurements{})",
                steps.iter().max().copied().unwrap_or(0),
                if mine.len() > 1 {
                    format!(", {} runs", mine.len())
                } else {
                    String::new()
                }
            );
            if let Some(edge) = edge_of(sweep, i, o) {
                let dashed = Look {
                    dashed: true,
                    marker: None,
                    ..look
                };
                top.lines.push(Line {
                    points: vec![(0.0, edge.sharpness), (last, edge.sharpness)],
                    look: dashed,
                });
                top.legend.push(LegendEntry {
                    label: format!(
                        "{label}: 2/η = {} (theory)",
                        crate::digits::significant(edge.sharpness, 4)
                    ),
                    line: Some(dashed),
                    mark: None,
                });
                text.push_str(&format!(
                    "; dashed: its theory line lambda_max = {} ({})",
                    crate::digits::significant(edge.sharpness, 4),
                    edge.source
                ));
            }
            lines_text.push(text);
        }
        let caption = format!(
            "{}: the sharpness lambda_max against the iteration ({}); the theory line is lambda_max = 2/eta, \
             drawn dashed for each fixed-step configuration. Lines: {}.",
            inst.label,
            seeds_text(sweep),
            lines_text.join("; ")
        );
        top.caption = caption;
        top.details = format!("{CONVENTIONS} Instance: {}.", inst.full);
        loss.caption = format!(
            "{}: the objective f at the iterations where the sharpness was measured (above), one line per \
             run as in the sharpness figure ({}).",
            inst.label,
            seeds_text(sweep)
        );
        loss.details = top.details.clone();
        out.push(top);
        out.push(loss);
    }
    out
}
