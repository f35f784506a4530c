//! The kinds of figure a report can draw, and the dispatch to the module that draws each.

use super::figure::Figure;
use super::{batch, convergence, diagnostics, plots, sharpness, tuning};
use crate::analysis::batch::batch_studies;
use crate::analysis::scaling::kappa_studies;
use crate::analysis::sweep::Sweep;

/// Which figures a report draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum FigureKind {
    /// Convergence per instance (three x axes).
    Convergence,
    /// Iterations versus kappa.
    Kappa,
    /// Steps and samples to target versus batch size.
    Batch,
    /// Performance and data profiles.
    Profiles,
    /// Paths of 2-D problems.
    Trajectories,
    /// Tuning trials' scores against the tuned hyperparameter.
    Sensitivity,
    /// Escape iterations against `|lambda_min|` on double wells.
    Escape,
    /// The sharpness `lambda_max` along the runs, with `2/eta`, and the objective beside it.
    Sharpness,
}

impl FigureKind {
    /// Every kind, in report order.
    pub const ALL: [FigureKind; 8] = [
        FigureKind::Convergence,
        FigureKind::Kappa,
        FigureKind::Batch,
        FigureKind::Profiles,
        FigureKind::Trajectories,
        FigureKind::Sensitivity,
        FigureKind::Escape,
        FigureKind::Sharpness,
    ];
}

/// Every figure of the kinds asked for, in report order.
pub fn figures(sweep: &Sweep, kinds: &[FigureKind]) -> Vec<(FigureKind, Vec<Figure>)> {
    FigureKind::ALL
        .iter()
        .filter(|k| kinds.contains(k))
        .map(|&k| {
            let figs = match k {
                FigureKind::Convergence => convergence::convergence_figures(sweep),
                FigureKind::Kappa => plots::kappa_figures(sweep, &kappa_studies(sweep)),
                FigureKind::Batch => batch::batch_figures(sweep, &batch_studies(sweep)),
                FigureKind::Profiles => plots::profile_figures(sweep),
                FigureKind::Trajectories => plots::trajectory_figures(sweep),
                FigureKind::Sensitivity => tuning::sensitivity_figures(sweep),
                FigureKind::Escape => diagnostics::escape_figures(sweep),
                FigureKind::Sharpness => sharpness::sharpness_figures(sweep),
            };
            (k, figs)
        })
        .collect()
}
