//! Results against theory: iteration counts, rates, spectra, critical points, schedules and the noisy
//! quadratic model, each checked against closed forms or an independent computation (dense
//! eigendecompositions, finite differences, replays).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/svg.rs"]
mod svg;

mod batch_scaling;
mod conditioning;
mod critical_census;
mod density;
mod diagnose;
mod edge_of_stability;
mod gd_exact_iterations;
mod inspect;
mod kappa_slopes;
mod lr_schedules;
mod noisy_stop;
mod nqm;
mod nqm_config;
mod nqm_exact;
mod optimizer_theory;
mod saddle_escape;
mod saddles_suite;
