//! Figures of the Hessian diagnostics, in the report's style: the spectrum of `P^{-1} H` per preconditioner
//! ([`conditioning_figure`], drawn by `optzoo inspect --conditioning --out DIR`) and escape iterations
//! against `|lambda_min|` ([`escape_figures`], the report's `escape` figures for sweeps with double-well
//! runs). The numbers come from [`conditioning`](crate::conditioning) and
//! [`analysis::escape`](crate::analysis::escape).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use crate::analysis::escape::{self, EscapeRun, Escapes, Outcome, RADIUS_FRACTION};
use crate::analysis::sweep::{Sweep, number_text};
use crate::conditioning::Study;
use crate::digits::significant;
use crate::summary::median;

use super::figure::optimizer_look;
use super::figure::{Axis, ErrorBar, Figure, LegendEntry, Line, Look, Mark, Scale};
use super::style::{INK, optimizer_style};
use super::{Formats, ReportError, render};

/// At most this many eigenvalues are drawn per strip (evenly spaced in rank, both ends included).
pub const STRIP_POINTS: usize = 120;

/// `m` indices evenly spaced over `0..n`, first and last included.
fn spaced(n: usize, m: usize) -> Vec<usize> {
    if n <= m {
        return (0..n).collect();
    }
    let mut v: Vec<usize> = (0..m)
        .map(|k| ((k as f64) * (n - 1) as f64 / (m - 1) as f64).round() as usize)
        .collect();
    v.dedup();
    v
}

/// The strip plot of `|mu| / max |mu|` over the eigenvalues `mu` of `P^{-1} H`, one strip per row of the
/// study (numbered as in the legend), on a log axis: the spread of a strip is its effective condition
/// number. Negative `mu` (an indefinite `H`) are drawn hollow.
pub fn conditioning_figure(study: &Study) -> Figure {
    let m = study.rows.len();
    let mut fig = Figure::new(
        "conditioning",
        "spectrum of P⁻¹H per preconditioner",
        Axis {
            label: "preconditioner (numbered as in the legend)".into(),
            scale: Scale::Linear,
            range: Some((0.4, m as f64 + 0.6)),
            // One tick per strip, at its number: the axis is a list of rows, not a quantity.
            ticks: Some((1..=m).map(|i| i as f64).collect()),
        },
        Axis::new("|μ| / max |μ|, μ eigenvalues of P⁻¹H", Scale::Log),
    );
    let mut failed = Vec::new();
    for (i, r) in study.rows.iter().enumerate() {
        let (color, marker) = optimizer_style(i);
        let x = (i + 1) as f64;
        let text = match &r.effective {
            Ok(e) => {
                let top = e.eigenvalues.iter().fold(0.0_f64, |a, v| a.max(v.abs()));
                let rel: Vec<(f64, bool)> = e
                    .eigenvalues
                    .iter()
                    .map(|v| (v.abs() / top, *v < 0.0))
                    .collect();
                let lo = rel.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
                if lo < 1.0 {
                    fig.error_bars.push(ErrorBar {
                        x,
                        lo,
                        hi: 1.0,
                        color,
                    });
                }
                let mut sorted: Vec<(f64, bool)> = rel.clone();
                sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
                for k in spaced(sorted.len(), STRIP_POINTS) {
                    let (y, negative) = sorted[k];
                    fig.marks.push(Mark {
                        at: (x, y),
                        marker,
                        color,
                        filled: !negative,
                        scale: 0.8,
                    });
                }
                format!("{}: κ = {}", r.optimizer, significant(e.kappa, 4))
            }
            Err(why) => {
                failed.push(format!("{} ({why})", r.optimizer));
                format!("{}: n/a", r.optimizer)
            }
        };
        fig.legend.push(LegendEntry {
            label: format!("{} {text}", i + 1),
            line: None,
            mark: Some((marker, color, true)),
        });
    }
    let mut caption = format!(
        "{}: eigenvalues mu of P⁻¹H for the preconditioner P each optimizer forms (computed as those of \
         L⁻¹HL⁻ᵀ with P = LL', or C'HC with P⁻¹ = CC'), scaled by the largest |mu|; the bar spans them, so \
         its length on the log axis is log10 of the effective condition number κ(P⁻¹H) (in the legend). \
         Stateful optimizers ran {} from the start; H is taken where each stands.",
        study.label,
        match study.rows.iter().map(|r| r.steps).max() {
            Some(0) | None => "no steps".to_string(),
            Some(s) => format!("up to {s} steps"),
        }
    );
    let _ = write!(
        caption,
        " Rows: {}.",
        study
            .rows
            .iter()
            .map(|r| format!(
                "{} (P = {}, {} steps)",
                r.optimizer, r.preconditioner, r.steps
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if study
        .rows
        .iter()
        .any(|r| r.effective.as_ref().is_ok_and(|e| e.negative > 0))
    {
        caption.push_str(" Hollow markers: negative mu (H is indefinite there).");
    }
    if !failed.is_empty() {
        let _ = write!(caption, " Not formed: {}.", failed.join("; "));
    }
    fig.caption = caption;
    fig
}

/// One figure per group of double-well instances that differ only in curvature: median escape iterations
/// over seeds against `|lambda_min|`, one line per optimizer configuration, dashed lines for the linear
/// theory (gradient descent with a fixed step, saddle-free Newton).
pub fn escape_figures(sweep: &Sweep) -> Vec<Figure> {
    let e = escape::escapes(sweep);
    escape_figures_of(sweep, &e)
}

/// [`escape_figures`] from an analysis already made.
pub fn escape_figures_of(sweep: &Sweep, e: &Escapes) -> Vec<Figure> {
    let mut out = Vec::new();
    let fits: String = e
        .series
        .iter()
        .map(|s| {
            let label = &sweep.optimizers[s.optimizer].label;
            match s.fit {
                Some(f) => format!(
                    "{label}: k ∝ |λ_min|^{} log(R/ε_u)^{} ({} runs)",
                    significant(f.lambda_exponent, 3),
                    f.log_exponent
                        .map(|b| significant(b, 3))
                        .unwrap_or_else(|| "1 (fixed)".into()),
                    f.points
                ),
                None => format!(
                    "{label}: no fit ({} of {} runs escaped)",
                    s.escaped,
                    s.escaped + s.stayed
                ),
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    for (g, group) in e.groups.iter().enumerate() {
        let runs: Vec<&EscapeRun> = e
            .runs
            .iter()
            .filter(|r| group.instances.contains(&r.instance))
            .collect();
        let mut fig = Figure::new(
            format!("escape-{g:02}"),
            if group.short.is_empty() {
                "saddle escape".to_string()
            } else {
                format!("saddle escape, {}", group.short)
            },
            Axis::new("|λ_min| at the saddle", Scale::Log),
            Axis::new("iterations to ‖x − x_s‖ ≥ R", Scale::Log),
        );
        let mut stayed = Vec::new();
        let mut at_start = Vec::new();
        for s in &e.series {
            let o = s.optimizer;
            let mine: Vec<&&EscapeRun> = runs.iter().filter(|r| r.optimizer == o).collect();
            if mine.is_empty() {
                continue;
            }
            let label = sweep.optimizers[o].label.clone();
            let look = optimizer_look(o);
            let mut pts = Vec::new();
            for &inst in &group.instances {
                let cell: Vec<&&&EscapeRun> = mine.iter().filter(|r| r.instance == inst).collect();
                let Some(lambda) = cell.first().map(|r| r.lambda) else {
                    continue;
                };
                let mut ks: Vec<f64> = cell
                    .iter()
                    .filter_map(|r| r.escaped())
                    .filter(|k| *k >= 1)
                    .map(|k| k as f64)
                    .collect();
                for r in &cell {
                    let what = format!("{label} at |λ| = {}", number_text(r.lambda));
                    match &r.outcome {
                        Outcome::Stayed { iterations, .. } => stayed.push(format!(
                            "{what} ({iterations} iteration{})",
                            if *iterations == 1 { "" } else { "s" }
                        )),
                        Outcome::Escaped(0) => at_start.push(what),
                        Outcome::Escaped(_) => {}
                    }
                }
                if let Some(k) = median(&mut ks) {
                    pts.push((lambda, k));
                    fig.marks.push(look.mark((lambda, k), true));
                }
            }
            let exponent = s
                .fit
                .map(|f| format!(" (|λ|^{})", significant(f.lambda_exponent, 2)))
                .unwrap_or_default();
            let suffix = if s.escaped == 0 {
                " (no escape)".to_string()
            } else {
                exponent
            };
            fig.legend.push(LegendEntry {
                label: format!("{label}{suffix}"),
                line: Some(look),
                mark: None,
            });
            if pts.len() >= 2 {
                fig.lines.push(Line { points: pts, look });
            }
            // The linear theory, where the method has one and the group shares one start offset.
            let escape_theory = sweep.optimizers[o].escape.as_ref();
            let offsets: Vec<f64> = mine.iter().map(|r| r.offset).collect();
            let same_offset = offsets
                .iter()
                .all(|v| (v - offsets[0]).abs() <= 1e-12 * offsets[0]);
            let (lo, hi) = mine.iter().fold((f64::INFINITY, 0.0_f64), |(a, b), r| {
                (a.min(r.lambda), b.max(r.lambda))
            });
            if let (true, Some(t)) = (same_offset && hi > lo, escape_theory) {
                let eps_u = offsets[0];
                let curve: Vec<(f64, f64)> = super::figure::log_points(lo, hi, 40)
                    .into_iter()
                    .filter_map(|l| {
                        let growth = t.factor(l);
                        let t = (RADIUS_FRACTION * l.sqrt() / eps_u).ln() / growth.ln();
                        (t > 0.0).then_some((l, t))
                    })
                    .collect();
                // Drawn over the data in ink: where theory and measurement agree it would vanish in colour.
                let theory = Look {
                    color: INK,
                    marker: None,
                    dashed: true,
                    width: 1.0,
                };
                fig.lines.push(Line {
                    points: curve,
                    look: theory,
                });
                fig.legend.push(LegendEntry {
                    label: format!("theory: {label}"),
                    line: Some(theory),
                    mark: None,
                });
            }
        }
        let mut caption = format!(
            "Double wells{}: the first iteration k at which ‖x_k − x_s‖ ≥ R = {} √|λ_min| (x_s the saddle at the \
             origin), median over {} against |λ_min| = c, as each run measured it along its way and recorded \
             it. Fits over every start offset of the sweep: {fits}.",
            if group.short.is_empty() {
                String::new()
            } else {
                format!(" {}", group.short)
            },
            number_text(RADIUS_FRACTION),
            match sweep.seeds().len() {
                1 => "the seed".to_string(),
                n => format!("{n} seeds"),
            }
        );
        if fig.legend.iter().any(|l| l.label.starts_with("theory: ")) {
            caption.push_str(
                " Dashed: the linear theory log(R/ε_u)/log(g), ε_u the start's component along the unstable \
                 directions and g the growth per step (1 + η|λ_min| for gradient descent with step η, 2 for \
                 saddle-free Newton).",
            );
        }
        if !stayed.is_empty() {
            let _ = write!(caption, " Did not escape: {}.", counted(&stayed));
        }
        if !at_start.is_empty() {
            let _ = write!(
                caption,
                " Started at distance R or more (not drawn): {}.",
                counted(&at_start)
            );
        }
        fig.caption = caption;
        fig.details = format!(
            "Instances: double-well {}, curvature as drawn.",
            group.label
        );
        if !fig.marks.is_empty() || !stayed.is_empty() {
            out.push(fig);
        }
    }
    out
}

/// Writes `fig` into `dir` as `<name>.svg|png|pdf` (the formats asked for) and returns the paths.
pub fn write_figure(
    fig: &Figure,
    dir: &Path,
    formats: Formats,
) -> Result<Vec<PathBuf>, ReportError> {
    let io = |path: &Path, e: String| ReportError::Write {
        path: path.to_path_buf(),
        message: e,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e.to_string()))?;
    let svg = render::to_svg(fig)?;
    let mut files = Vec::new();
    let mut put = |ext: &str, bytes: &[u8]| -> Result<(), ReportError> {
        let path = dir.join(format!("{}.{ext}", fig.name));
        crate::store::write_atomic(&path, bytes).map_err(|e| io(&path, e.to_string()))?;
        files.push(path);
        Ok(())
    };
    if formats.svg {
        put("svg", svg.as_bytes())?;
    }
    if formats.png {
        put("png", &render::to_png(fig)?)?;
    }
    if formats.pdf {
        put("pdf", &render::svg_to_pdf(&fig.name, &svg)?)?;
    }
    Ok(files)
}

/// `items` with repeats (one per seed) said once, with their count: "a (3 seeds); b".
fn counted(items: &[String]) -> String {
    let mut seen: Vec<(&str, usize)> = Vec::new();
    for item in items {
        match seen.iter_mut().find(|(s, _)| *s == item.as_str()) {
            Some((_, n)) => *n += 1,
            None => seen.push((item, 1)),
        }
    }
    seen.iter()
        .map(|(s, n)| match n {
            1 => (*s).to_string(),
            n => format!("{s}, {n} seeds"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_keep_both_ends() {
        assert_eq!(spaced(5, 10), vec![0, 1, 2, 3, 4]);
        let s = spaced(1000, STRIP_POINTS);
        assert_eq!((s[0], s[s.len() - 1]), (0, 999));
        assert!(s.len() <= STRIP_POINTS);
    }
}
