//! The report's figures, built from the analysis as [`Figure`] values (drawn by [`render`](super::render)):
//! - convergence per problem instance against iterations, evaluations and wall time;
//! - iterations versus `kappa` per optimizer configuration (with fit and theory), and all together;
//! - performance and data profiles;
//! - paths of 2-D runs over contour lines of the function.
//!
//! Convergence figures are built in [`convergence`](super::convergence). Escape
//! iterations from double-well saddles are drawn by [`diagnostics`](super::diagnostics), tuning
//! sensitivity by [`tuning`](super::tuning); [`kinds`](super::kinds) lists every kind.

use crate::analysis::profiles::{StepProfile, cost_matrix, data_profiles, performance_profiles};
use crate::analysis::scaling::KappaStudy;
use crate::analysis::slope_count::{SlopeCount, slope_number, slope_text};
use crate::analysis::sweep::{Sweep, number_text};
use crate::problem::critical::Kind;
use crate::stop::Status;

use super::contour::{Grid, contour};
use super::families::{instances_text, shared_sentence};
use super::figure::optimizer_look;
use super::figure::{Axis, ErrorBar, Figure, LegendEntry, Line, Look, Mark, Scale};
use super::figure::{log_points, power_law};
use super::notes::{not_applicable, seeds_text, status_mark};
use super::style::{INK, Marker};

/// The sideways shift between neighbouring series of the combined kappa figure, in decades of kappa.
pub const DODGE: f64 = 0.03;

/// Iterations-versus-kappa figures: one per study and optimizer configuration (median iterations with the
/// min-max range of converged runs, the least-squares line and the theory slope through the same centre),
/// and one per study with every configuration.
///
/// In the combined figure each optimizer's points are shifted sideways by [`DODGE`] decades per series (centred),
/// so that series that coincide (gd's Armijo and 1/L steps, Newton's modes) stay visible.
pub fn kappa_figures(sweep: &Sweep, studies: &[KappaStudy]) -> Vec<Figure> {
    let mut out = Vec::new();
    for (k, study) in studies.iter().enumerate() {
        let lo_k = study
            .kappas
            .iter()
            .copied()
            .filter(|k| *k > 1.0)
            .fold(f64::INFINITY, f64::min);
        let hi_k = study.kappas.iter().copied().fold(0.0, f64::max);
        let mut all = Figure::new(
            format!("kappa-{k:02}-all"),
            format!("iterations vs kappa: {}", study.label),
            Axis::new("condition number kappa", Scale::Log),
            Axis::new("iterations to converge", Scale::Log),
        );
        all.caption = format!(
            "{}: median iterations to convergence over {} for each kappa, per optimizer; \
             hollow markers are runs that did not converge, at the iterations they used. \
             The legend gives the least-squares slope of log iterations on log kappa (converged runs, kappa > 1), \
             how many runs at kappa > 1 did not converge and at which kappa where some did not (the fit leaves \
             them out), and why there is no slope where fewer than two kappa values have a converged run. \
             Every measured kappa has a marker; each optimizer's markers are shifted sideways by a fixed \
             fraction of a decade (at most {} of one), so that series that coincide stay visible.",
            study.label,
            seeds_text(sweep),
            number_text(DODGE * (study.series.len().saturating_sub(1)) as f64 / 2.0)
        );
        all.details = fixed_parameters(study);
        for (j, series) in study.series.iter().enumerate() {
            // Sideways, in decades of kappa, for the combined figure only.
            let dodge = 10f64.powf(DODGE * (j as f64 - (study.series.len() as f64 - 1.0) / 2.0));
            let opt = &sweep.optimizers[series.optimizer];
            let count = SlopeCount::of(series);
            let caveat = count.caveat().map(|c| format!("; {c}")).unwrap_or_default();
            let look = optimizer_look(series.optimizer);
            let mut fig = Figure::new(
                format!("kappa-{k:02}-{:02}", series.optimizer),
                format!("{} on {}", opt.label, study.label),
                Axis::new("condition number kappa", Scale::Log),
                Axis::new("iterations to converge", Scale::Log),
            );
            let mut medians = Vec::new();
            let mut hollow = false;
            for cell in &series.cells {
                if let Some(m) = cell.median_iters() {
                    medians.push((cell.kappa, m));
                    let (lo, hi) = (
                        cell.converged_iters[0],
                        cell.converged_iters[cell.converged_iters.len() - 1],
                    );
                    if hi > lo {
                        fig.error_bars.push(ErrorBar {
                            x: cell.kappa,
                            lo,
                            hi,
                            color: look.color,
                        });
                    }
                }
                // Runs that did not converge: at the iterations they used (a lower bound), hollow.
                for &iters in &cell.unconverged_iters {
                    hollow = true;
                    fig.marks.push(look.mark((cell.kappa, iters), false));
                    all.marks
                        .push(look.mark((cell.kappa * dodge, iters), false));
                }
            }
            for &at in &medians {
                fig.marks.push(look.mark(at, true));
            }
            fig.legend.push(LegendEntry {
                label: "median iterations (min-max)".into(),
                line: None,
                mark: Some(look.sample(true)),
            });
            if hollow {
                fig.legend.push(LegendEntry {
                    label: "did not converge".into(),
                    line: None,
                    mark: Some(look.sample(false)),
                });
            }
            match series.fit {
                Some(f) if lo_k.is_finite() => {
                    let xs = log_points(lo_k, hi_k, 24);
                    fig.lines.push(Line {
                        points: xs.iter().map(|&x| (x, f.at(x))).collect(),
                        look: Look {
                            marker: None,
                            ..look
                        },
                    });
                    fig.legend.push(LegendEntry {
                        label: format!("fit: slope {}{caveat}", slope_number(f.slope, 3)),
                        line: Some(Look {
                            marker: None,
                            ..look
                        }),
                        mark: None,
                    });
                    if let Some(t) = &series.theory {
                        // Through the centre of the fitted points: (geometric mean kappa, fitted value there).
                        let fitted: Vec<f64> = series
                            .cells
                            .iter()
                            .filter(|c| c.kappa > 1.0)
                            .flat_map(|c| c.converged_iters.iter().map(move |_| c.kappa.ln()))
                            .collect();
                        let centre =
                            (fitted.iter().sum::<f64>() / fitted.len().max(1) as f64).exp();
                        let y0 = f.at(centre);
                        let theory = Look {
                            color: INK,
                            marker: None,
                            dashed: true,
                            width: 1.0,
                        };
                        fig.lines.push(Line {
                            points: power_law((centre, y0), t.slope, &xs),
                            look: theory,
                        });
                        fig.legend.push(LegendEntry {
                            label: format!("theory: slope {}", number_text(t.slope)),
                            line: Some(theory),
                            mark: None,
                        });
                    }
                }
                _ => {}
            }
            fig.caption = format!(
                "{} on {}: median iterations to convergence over {} (error bars: min to max of converged runs), \
                 least-squares fit of log iterations on log kappa over converged runs with kappa > 1 ({}{}){}.",
                opt.label,
                study.label,
                seeds_text(sweep),
                match series.fit {
                    Some(f) => format!(
                        "slope {} from {} converged runs{caveat}",
                        slope_number(f.slope, 3),
                        f.points
                    ),
                    None => format!("no slope: {}", count.refusal()),
                },
                match &series.theory {
                    Some(t) => format!("; theory slope {}: {}", number_text(t.slope), t.source),
                    None => "; no theory slope for this optimizer".into(),
                },
                if hollow {
                    "; hollow markers: runs that did not converge, at the iterations they used"
                } else {
                    ""
                }
            );
            fig.details = fixed_parameters(study);
            if !medians.is_empty() {
                // A marker at every measured kappa (a line's own markers are spread along it, and would
                // leave the first kappa bare).
                let dodged: Vec<(f64, f64)> =
                    medians.iter().map(|&(k, m)| (k * dodge, m)).collect();
                for &at in &dodged {
                    all.marks.push(look.mark(at, true));
                }
                all.lines.push(Line {
                    points: dodged,
                    look: Look {
                        marker: None,
                        ..look
                    },
                });
            }
            all.legend.push(LegendEntry {
                label: format!("{} ({})", opt.label, slope_text(series, 3)),
                line: Some(look),
                mark: None,
            });
            if !fig.marks.is_empty() {
                out.push(fig);
            }
        }
        if !all.lines.is_empty() || !all.marks.is_empty() {
            out.push(all);
        }
    }
    out
}

/// The performance profile and the data profile of the sweep, when at least one problem was solved.
pub fn profile_figures(sweep: &Sweep) -> Vec<Figure> {
    let costs = cost_matrix(sweep);
    let n_problems = costs.problems.len();
    let unsolved = costs
        .cost
        .iter()
        .filter(|row| row.iter().all(Option::is_none))
        .count();
    let perf = performance_profiles(&costs);
    let data = data_profiles(&costs);
    if perf.iter().all(|p| p.thresholds.is_empty()) {
        return Vec::new();
    }
    let base = format!(
        "{n_problems} problems ({} instances x {}): {}; cost = gradient-equivalent evaluations to \
         convergence; runs that did not converge (budget, divergence, failure, not applicable) never count as \
         solved{}.",
        sweep.instances.len(),
        seeds_text(sweep),
        instances_text(sweep),
        if unsolved > 0 {
            format!("; {unsolved} problems were solved by no optimizer")
        } else {
            String::new()
        }
    );
    let y_axis = || Axis {
        label: "fraction of problems solved".into(),
        scale: Scale::Linear,
        range: Some((0.0, 1.02)),
        ticks: None,
    };
    let mut out = Vec::new();

    let tau_max = perf
        .iter()
        .flat_map(|p| p.thresholds.iter().copied())
        .fold(1.0, f64::max);
    let tau_hi = (tau_max * 1.5).max(2.0);
    let mut fig = Figure::new(
        "performance-profile",
        "performance profile",
        Axis {
            label: "performance ratio tau (cost / best cost)".into(),
            scale: Scale::Log,
            range: Some((1.0, tau_hi)),
            ticks: None,
        },
        y_axis(),
    );
    add_profiles(&mut fig, sweep, &perf, 1.0, tau_hi);
    fig.caption = format!(
        "Performance profile (Dolan and Moré 2002): rho(tau) = fraction of problems an optimizer solves within \
         tau times the cost of the best optimizer on that problem; rho(1) is how often it is the best, the \
         right end how often it converges. {base}"
    );
    fig.details = shared_sentence(sweep);
    out.push(fig);

    let (c_lo, c_hi) = data
        .iter()
        .flat_map(|p| p.thresholds.iter().copied())
        .fold((f64::INFINITY, 0.0_f64), |(a, b), t| (a.min(t), b.max(t)));
    let (a_lo, a_hi) = (c_lo / 1.5, c_hi * 1.5);
    let mut fig = Figure::new(
        "data-profile",
        "data profile",
        Axis {
            label: "budget (gradient-equivalent evaluations)".into(),
            scale: Scale::Log,
            range: Some((a_lo, a_hi)),
            ticks: None,
        },
        y_axis(),
    );
    add_profiles(&mut fig, sweep, &data, a_lo, a_hi);
    fig.caption = format!(
        "Data profile (Moré and Wild 2009): d(alpha) = fraction of problems an optimizer solves within a budget \
         of alpha gradient-equivalent evaluations (one unit is one gradient, so Moré and Wild's division by \
         n + 1 is not applied). {base}"
    );
    fig.details = shared_sentence(sweep);
    out.push(fig);
    out
}

fn add_profiles(fig: &mut Figure, sweep: &Sweep, profiles: &[StepProfile], lo: f64, hi: f64) {
    for p in profiles {
        let look = optimizer_look(p.solver);
        fig.lines.push(Line {
            points: p.steps(lo, hi),
            look,
        });
        fig.legend.push(LegendEntry {
            label: sweep.optimizers[p.solver].label.clone(),
            line: Some(look),
            mark: None,
        });
    }
}

/// One run's path: optimizer index, iterates, how the run ended.
type Path2 = (usize, Vec<(f64, f64)>, Status);

/// Paths of the runs of 2-D instances (first seed) over contour lines of the function.
pub fn trajectory_figures(sweep: &Sweep) -> Vec<Figure> {
    let mut out = Vec::new();
    let Some(&seed) = sweep.seeds().first() else {
        return out;
    };
    for (i, inst) in sweep.instances.iter().enumerate() {
        if inst.dim != Some(2) {
            continue;
        }
        let firsts: Vec<(usize, &crate::store::RunRecord)> = (0..sweep.optimizers.len())
            .filter_map(|o| {
                let r = sweep.runs(i, o).into_iter().find(|r| r.spec.seed == seed)?;
                Some((o, r))
            })
            .collect();
        let paths: Vec<Path2> = firsts
            .iter()
            .filter_map(|&(o, r)| {
                let pts = crate::landscape::path(r);
                (pts.len() >= 2).then_some((o, pts, r.outcome.status))
            })
            .collect();
        if paths.is_empty() {
            continue;
        }
        // What the problem states of itself, as its runs recorded it.
        let facts = firsts
            .iter()
            .map(|(_, r)| &r.facts.problem)
            .find(|f| f.optimum_point.is_some() || !f.critical_points.is_empty());
        let x_star = facts
            .and_then(|f| f.optimum_point.clone())
            .filter(|p| p.len() == 2);
        let Some((bx, by)) =
            crate::landscape::frame(firsts.iter().map(|(_, r)| *r), x_star.as_deref())
        else {
            continue;
        };
        let mut fig = Figure::new(
            format!("trajectory-{i:02}-{}", super::file_word(&inst.spec.family)),
            format!("{}: paths, seed {seed}", inst.label),
            Axis {
                label: "x₁".into(),
                scale: Scale::Linear,
                range: Some(bx),
                ticks: None,
            },
            Axis {
                label: "x₂".into(),
                scale: Scale::Linear,
                range: Some(by),
                ticks: None,
            },
        );
        fig.panel_height = 270.0;
        let mut note = String::new();
        match sweep.landscapes.find(&inst.spec, seed) {
            Some(l) => {
                let grid = Grid::from_landscape(l);
                for level in contour_levels(&grid.values, 10) {
                    fig.contours.extend(contour(&grid, level));
                }
            }
            None => {
                note = " Contours not drawn: the results hold no landscape of this instance (landscapes.json \
                        is written by `optzoo run` from format 2 on)."
                    .into()
            }
        }
        for (o, pts, status) in &paths {
            let look = optimizer_look(*o);
            fig.lines.push(Line {
                points: pts.clone(),
                look: Look { width: 1.1, ..look },
            });
            if let (Some((marker, filled, _)), Some(end)) = (status_mark(*status), pts.last()) {
                fig.marks.push(Mark {
                    at: *end,
                    marker,
                    color: if filled { INK } else { look.color },
                    filled,
                    scale: 1.5,
                });
            }
            fig.legend.push(LegendEntry {
                label: sweep.optimizers[*o].label.clone(),
                line: Some(look),
                mark: None,
            });
        }
        if let Some(start) = paths.first().and_then(|p| p.1.first()) {
            fig.marks.push(Mark {
                at: *start,
                marker: Marker::Hexagon,
                color: INK,
                filled: false,
                scale: 1.3,
            });
            fig.legend.push(LegendEntry {
                label: "start".into(),
                line: None,
                mark: Some((Marker::Hexagon, INK, false)),
            });
        }
        // Every documented critical point inside the frame, marked by its kind (x* where none is documented).
        let mut points: Vec<(Vec<f64>, Kind)> = facts
            .map(|f| {
                f.critical_points
                    .iter()
                    .map(|c| (c.point.clone(), c.kind()))
                    .collect()
            })
            .unwrap_or_default();
        if points.is_empty()
            && let Some(s) = &x_star
        {
            points.push((s.clone(), Kind::Minimum));
        }
        let inside = |v: f64, (a, b): (f64, f64)| v >= a && v <= b;
        let mut kinds_seen: Vec<Kind> = Vec::new();
        for (point, kind) in &points {
            if point.len() != 2 || !inside(point[0], bx) || !inside(point[1], by) {
                continue;
            }
            let (marker, filled) = critical_marker(*kind);
            fig.marks.push(Mark {
                at: (point[0], point[1]),
                marker,
                color: INK,
                filled,
                scale: 1.5,
            });
            if !kinds_seen.contains(kind) {
                kinds_seen.push(*kind);
            }
        }
        for kind in [Kind::Minimum, Kind::Saddle, Kind::Maximum, Kind::Degenerate] {
            if kinds_seen.contains(&kind) {
                let (marker, filled) = critical_marker(kind);
                fig.legend.push(LegendEntry {
                    label: critical_label(kind).into(),
                    line: None,
                    mark: Some((marker, INK, filled)),
                });
            }
        }
        let na = not_applicable(sweep, i);
        fig.caption = format!(
            "{}: every iterate of seed {seed} (line-search trials apart; after {} iterations, about 20 per \
             decade), joined by straight lines, over contour lines of f at levels spaced by half decades above \
             the grid's minimum; the start is a hollow hexagon; the family's documented critical points in the frame \
             are marked by kind in black (star: minimum, hourglass: saddle, asterisk: maximum, bar: degenerate), \
             shapes that no optimizer's markers use.{note}{}",
            inst.label,
            crate::trace::MAX_PATH_POINTS,
            if na.is_empty() {
                " Not applicable: none.".to_string()
            } else {
                format!(" Not applicable: {}.", na.join("; "))
            }
        );
        fig.details = format!("Instance: {}.", inst.full);
        out.push(fig);
    }
    out
}

/// The marker of a critical point of kind `kind`, and whether it is filled: shapes that no optimizer's
/// series uses ([`ANNOTATION_MARKERS`](super::style::ANNOTATION_MARKERS)), drawn in ink.
fn critical_marker(kind: Kind) -> (Marker, bool) {
    match kind {
        Kind::Minimum => (Marker::Star, true),
        Kind::Saddle => (Marker::Hourglass, true),
        Kind::Maximum => (Marker::Asterisk, true),
        Kind::Degenerate => (Marker::Bar, true),
    }
}

/// The legend label of a critical point of kind `kind`.
fn critical_label(kind: Kind) -> &'static str {
    match kind {
        Kind::Minimum => "minimum",
        Kind::Saddle => "saddle",
        Kind::Maximum => "maximum",
        Kind::Degenerate => "degenerate",
    }
}

/// `n` contour levels spaced by half decades below the maximum, above the minimum of `values`.
pub fn contour_levels(values: &[f64], n: usize) -> Vec<f64> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if hi <= lo {
        return Vec::new();
    }
    (1..=n)
        .map(|k| lo + (hi - lo) * 10f64.powf(-0.5 * k as f64))
        .collect()
}

/// What every instance of a kappa study shares, for the captions file and the figure's title attribute.
fn fixed_parameters(study: &KappaStudy) -> String {
    format!(
        "Instances: {} {}, kappa as drawn.",
        study.family, study.shared
    )
}
