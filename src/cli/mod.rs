//! The `optzoo` command line: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 regression found or failure while working, 2 bad input).
//!
//! [`main`] takes the [`Registry`] every name resolves in, so a crate that adds optimizers or problem
//! families is a full optzoo with its additions: its binary is
//! `fn main() -> ExitCode { optzoo::cli::main(my_registry()) }`.

mod client_changes;
mod compare;
mod critical;
mod dry_run;
mod failures;
mod inspect;
mod list;
mod merge;
mod report;
mod results;
mod run;
mod sweep;

pub use run::JOBS_PER_CORE;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis::compare::{Matching, Tolerances};
use crate::config::ConfigError;
use crate::listing;
use crate::registry::Registry;

use self::compare::compare_dirs;
use self::critical::critical;
use self::dry_run::dry_run;
use self::inspect::{DensityAt, inspect, inspect_conditioning, inspect_density};
use self::list::list;
use self::merge::merge;
use self::report::report;
use self::run::{Reuse, run};
use self::sweep::Sweep;

#[derive(Parser)]
#[command(
    name = "optzoo",
    version,
    about = "A benchmark harness for optimizers: problems of controlled curvature, optimizers that keep different parts of the Hessian, measured side by side."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a sweep: every problem instance x optimizer x seed of a config. Without a config: the embedded
    /// museum, then its report and the museum table.
    Run {
        /// A config file, or the name of an embedded config (see `optzoo list configs`).
        config: Option<String>,
        /// Results directory [default: results/<config name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]; at most the number of runs and 4 x the cores (a larger
        /// value is capped, with a note).
        #[arg(long, short, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// Run only shard K of N (1-based), a deterministic slice of the sweep; join shards with `optzoo merge`.
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<(usize, usize)>,
        /// Rerun runs whose results already exist in the directory.
        #[arg(long)]
        fresh: bool,
        /// Reuse the results of failed runs too (by default a failed run is rerun: a failure is not a result).
        #[arg(long, conflicts_with = "fresh")]
        keep_failed: bool,
        /// Exit 1 when any run failed (for CI), after writing every result.
        #[arg(long)]
        strict: bool,
        /// The memory one run may plan to use (e.g. 8GiB, 512MiB) [default: half of physical memory]: a run
        /// that needs more is not-applicable, a problem whose construction alone needs more is refused.
        #[arg(long, value_name = "SIZE", value_parser = crate::memory::parse_size)]
        memory_limit: Option<u64>,
        /// The most runs the sweep may make, counted from its grids before they are expanded (the whole
        /// sweep, even with --shard; tuning trials included): a config above it is refused with its count.
        #[arg(long, value_name = "N", default_value_t = crate::plan::DEFAULT_MAX_RUNS,
              value_parser = clap::value_parser!(u64).range(1..))]
        max_runs: u64,
        /// Check the config and print the plan (instances, optimizers, seeds, runs, how many are already
        /// done in the results directory) without running anything or writing any file.
        #[arg(long)]
        dry_run: bool,
        /// Without a config: skip the report (figures, tables, index.html) of the museum run.
        #[arg(long)]
        no_report: bool,
        /// Without a config: draw the report's figures without titles (see `optzoo report --no-titles`).
        #[arg(long, conflicts_with = "no_report")]
        no_titles: bool,
    },
    /// Compare NEW results against a BASELINE, run by run; exit 1 on any regression.
    Compare {
        /// The baseline results directory.
        baseline: PathBuf,
        /// The new results directory.
        new: PathBuf,
        /// Relative growth allowed in iterations and evaluations.
        #[arg(long, default_value_t = 0.1)]
        count_rtol: f64,
        /// Absolute growth allowed in iterations and evaluations.
        #[arg(long, default_value_t = 2.0)]
        count_atol: f64,
        /// Relative growth allowed in the final gap f - f*.
        #[arg(long, default_value_t = 0.1)]
        value_rtol: f64,
        /// Absolute growth allowed in the final gap f - f*.
        #[arg(long, default_value_t = 1e-8)]
        value_atol: f64,
        /// Also pair the runs left over by instance, optimizer name and seed, ignoring the optimizer's
        /// parameters (a new setting against the old one).
        #[arg(long)]
        ignore_optimizer_params: bool,
        /// Output: md (Markdown, for people and CI logs), csv (one row per run) or json (counts, runs and
        /// groups); in csv, notes and the headline go to stderr.
        #[arg(long, value_enum, default_value_t = CompareFormat::Md)]
        format: CompareFormat,
    },
    /// Merge shard directories into OUT.
    Merge {
        /// The merged results directory: new, empty, or holding the same sweep (another sweep's is refused).
        out: PathBuf,
        /// Shard directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// The Hessian's spectrum and verdict (minimum, maximum, saddle, degenerate) at a family's documented
    /// critical points, or at a given point; with --density, its spectral density (at the standard start,
    /// --at, or where a recorded run ended, --run).
    Inspect {
        /// The problem family (not with --run, whose record names it).
        #[arg(required_unless_present = "run")]
        family: Option<String>,
        /// Parameters as key=value (e.g. dim=4 index=2).
        params: Vec<String>,
        /// A point to inspect instead: comma-separated coordinates.
        #[arg(
            long,
            value_delimiter = ',',
            allow_hyphen_values = true,
            value_name = "X1,X2,..."
        )]
        at: Option<Vec<f64>>,
        /// The seed for families with random data or rotations (with --run, the record's seed builds the
        /// problem), and for the density's probe vectors.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Eigenvalues with |lambda| <= this times max |lambda| count as zero.
        #[arg(long, default_value_t = crate::spectrum::default_zero_tol())]
        zero_tol: f64,
        /// A point with ||g|| above this is not critical, whatever its curvature [default: 1e-5 max(1,
        /// ||g(x_0)||) at the standard start].
        #[arg(long, conflicts_with_all = ["conditioning", "density"], allow_hyphen_values = true)]
        grad_tol: Option<f64>,
        /// Instead: the effective condition number kappa(P^-1 H) of each optimizer's preconditioner P,
        /// from the start (or --at).
        #[arg(long, group = "figure")]
        conditioning: bool,
        /// Instead: the Hessian's spectral density at the standard start (or --at, or --run) by stochastic
        /// Lanczos quadrature, Hutchinson's trace with its standard error, the extreme eigenvalues (Lanczos)
        /// and the number of eigenvalues with |lambda| <= --zero-tol x max |lambda| (exact up to dim 2000,
        /// where the dense spectrum is computed too; else estimated from the density).
        #[arg(long, group = "figure")]
        density: bool,
        /// With --density: where the run recorded in RESULTS_DIR/runs/<run-id>.json ended (its problem
        /// rebuilt from the record, its final point read from the record or RESULTS_DIR/points/<run-id>.f64).
        #[arg(long, value_name = "RECORD", requires = "density", conflicts_with_all = ["family", "at"])]
        run: Option<PathBuf>,
        /// With --density: SLQ probe vectors.
        #[arg(long, value_name = "N", requires = "density",
              default_value_t = crate::spectrum::density::DEFAULT_PROBES)]
        probes: usize,
        /// With --density: Lanczos steps per SLQ probe (at least 3).
        #[arg(long, value_name = "N", requires = "density",
              default_value_t = crate::spectrum::density::DEFAULT_STEPS)]
        lanczos_steps: usize,
        /// With --density: Hutchinson probe vectors of the trace (at least 2).
        #[arg(long, value_name = "N", requires = "density",
              default_value_t = crate::spectrum::density::DEFAULT_TRACE_SAMPLES)]
        trace_samples: usize,
        /// With --density: the most Lanczos steps of the extreme eigenvalues.
        #[arg(long, value_name = "N", requires = "density",
              default_value_t = crate::spectrum::density::EXTREME_STEPS)]
        extreme_steps: usize,
        /// With --density: the standard deviation of the Gaussian each SLQ node is drawn as, as a share of
        /// lambda_max - lambda_min.
        #[arg(long, value_name = "SHARE", requires = "density",
              default_value_t = crate::spectrum::density::DEFAULT_BROADENING)]
        broadening: f64,
        /// Steps the stateful optimizers (adam, rmsprop, adagrad, lbfgs, kfac) take before P is formed.
        #[arg(long, default_value_t = 100, requires = "conditioning")]
        steps: usize,
        /// Write the figure of the P^-1 H spectra (SVG, PNG, PDF), or with --density the density's figure
        /// (SVG, PNG) and numbers (density.json, density.csv, nodes.csv), into this directory.
        #[arg(long, requires = "figure")]
        out: Option<PathBuf>,
        /// Draw the figure written by --out without its title.
        #[arg(long, requires = "out")]
        no_titles: bool,
        /// The memory the inspection may plan to use (e.g. 8GiB) [default: half of physical memory]: one that
        /// needs more (the problem, and the dense Hessian with its eigendecomposition up to dim 1000, or 2000
        /// with --density, and the Lanczos vectors) is refused before anything is allocated.
        #[arg(long, value_name = "SIZE", value_parser = crate::memory::parse_size)]
        memory_limit: Option<u64>,
    },
    /// A census of critical points: from seeded random starts, damped Gauss-Newton on ||g||^2 / 2 finds
    /// critical points of every kind; each distinct one is classified by its dense Hessian (index, nullity,
    /// verdict), and a table, the JSON of every point and the figure of index / n against f are written.
    Critical {
        /// The problem family (one with a dense Hessian).
        family: String,
        /// Parameters as key=value (e.g. dim=6 index=6).
        params: Vec<String>,
        /// The number of random starts.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        starts: u64,
        /// The seed of the problem and of the starts.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Output directory: census.md, census.csv, census.json, index-vs-loss.svg|png.
        #[arg(long)]
        out: PathBuf,
        /// Half-width R of the start box x_std + [-R, R]^n [default: 1.5 sqrt(curvature) for double-well, 1
        /// otherwise].
        #[arg(long, allow_hyphen_values = true)]
        radius: Option<f64>,
        /// An end with ||g|| at most this is a critical point [default: 1e-12 max(1, ||g(x_std)||)].
        #[arg(long, allow_hyphen_values = true)]
        grad_tol: Option<f64>,
        /// Eigenvalues with |lambda| <= this times the census's largest |lambda| count as zero.
        #[arg(long, default_value_t = crate::census::DEFAULT_ZERO_TOL, allow_hyphen_values = true)]
        zero_tol: f64,
        /// Ends within this relative distance (max norm) are one point.
        #[arg(long, default_value_t = crate::census::DEFAULT_DEDUP_TOL, allow_hyphen_values = true)]
        dedup_tol: f64,
        /// The most Gauss-Newton iterations per start.
        #[arg(long, default_value_t = crate::census::DEFAULT_MAX_ITERS)]
        max_iters: usize,
        /// Also print (and record) the Spearman rank correlation between index and f, with its permutation
        /// p-value.
        #[arg(long)]
        spearman: bool,
        /// Draw the figure without its title.
        #[arg(long)]
        no_titles: bool,
    },
    /// Draw a results directory: figures (SVG, PNG, PDF), tables (Markdown, CSV, LaTeX) and index.html.
    Report {
        /// The results directory of a sweep (as written by `optzoo run`).
        dir: PathBuf,
        /// Output directory [default: DIR/report].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Figure formats, comma-separated [default: svg,png,pdf].
        #[arg(long, value_delimiter = ',')]
        formats: Vec<FormatArg>,
        /// Figure kinds, comma-separated [default: all].
        #[arg(long, value_delimiter = ',')]
        figures: Vec<crate::report::FigureKind>,
        /// Draw figures without their titles, for papers, where the caption carries them (the titles stay
        /// in figures/captions.md and index.html).
        #[arg(long)]
        no_titles: bool,
    },
    /// List the registries: problem families, optimizers, embedded suites and configs.
    List {
        /// What to list [default: everything].
        what: Option<ListWhat>,
        /// How: plain text, or the Markdown reference (docs/reference.md).
        #[arg(long, value_enum, default_value_t)]
        format: listing::Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ListWhat {
    Problems,
    Optimizers,
    Suites,
    Configs,
}

fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("expected K/N with 1 <= K <= N, e.g. 2/4; got `{s}`");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let (k, n): (usize, usize) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if k == 0 || k > n {
        return Err(bad());
    }
    Ok((k, n))
}

/// The report `run` writes after the museum.
#[derive(Clone, Copy, PartialEq)]
enum ReportWith {
    /// None (`--no-report`).
    Nothing,
    /// Figures with titles.
    Titles,
    /// Figures without titles (`--no-titles`).
    NoTitles,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum CompareFormat {
    Md,
    Csv,
    Json,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum FormatArg {
    Svg,
    Png,
    Pdf,
}

/// An error of the user's input (exit 2), as opposed to a failure while working (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadInput(String);

/// A comparison that found regressed or missing runs (exit 1, after the comparison is printed).
#[derive(Debug, thiserror::Error)]
#[error("{} regressed and {} missing", crate::analysis::compare::text::count(*.0, "run"), crate::analysis::compare::text::count(*.1, "baseline run"))]
struct Regressions(usize, usize);

/// Parses the process's arguments and runs the command, resolving names in `registry`; returns the exit
/// code (0 success, 1 regression found or failure while working, 2 bad input).
pub fn main(registry: Registry) -> ExitCode {
    main_from(registry, std::env::args_os())
}

/// [`main`] with the arguments given (the first is the program's name), as a test or a wrapper runs it.
pub fn main_from<I, T>(registry: Registry, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    if let Some(Command::Run { memory_limit, .. } | Command::Inspect { memory_limit, .. }) =
        &cli.command
    {
        crate::memory::set_limit(*memory_limit);
    }
    let r = &registry;
    let result = match cli.command {
        None => run(
            r,
            Sweep::default(),
            None,
            Reuse::default(),
            ReportWith::Titles,
        ),
        Some(Command::Run {
            config,
            out,
            dry_run: true,
            shard,
            max_runs,
            ..
        }) => dry_run(
            r,
            Sweep {
                config,
                out,
                shard,
                limits: crate::plan::Limits { max_runs },
            },
        ),
        Some(Command::Run {
            config,
            out,
            jobs,
            shard,
            fresh,
            keep_failed,
            strict,
            no_report,
            no_titles,
            max_runs,
            dry_run: false,
            ..
        }) => {
            let reuse = Reuse {
                fresh,
                keep_failed,
                strict,
            };
            let with = match (no_report, no_titles) {
                (true, _) => ReportWith::Nothing,
                (false, true) => ReportWith::NoTitles,
                (false, false) => ReportWith::Titles,
            };
            let sweep = Sweep {
                config,
                out,
                shard,
                limits: crate::plan::Limits { max_runs },
            };
            run(r, sweep, jobs, reuse, with)
        }
        Some(Command::Compare {
            baseline,
            new,
            count_rtol,
            count_atol,
            value_rtol,
            value_atol,
            ignore_optimizer_params,
            format,
        }) => {
            let matching = if ignore_optimizer_params {
                Matching::IgnoreOptimizerParams
            } else {
                Matching::RunId
            };
            let tol = Tolerances {
                count_rtol,
                count_atol,
                value_rtol,
                value_atol,
            };
            compare_dirs(baseline, new, tol, matching, format)
        }
        Some(Command::Merge { out, dirs }) => merge(out, dirs),
        Some(Command::Inspect {
            family,
            params,
            at,
            seed,
            zero_tol,
            grad_tol,
            conditioning,
            density,
            run,
            probes,
            lanczos_steps,
            trace_samples,
            extreme_steps,
            broadening,
            steps,
            out,
            no_titles,
            memory_limit: _,
        }) => {
            let family = family.unwrap_or_default();
            if density {
                let options = crate::spectrum::density::DensityOptions {
                    probes,
                    steps: lanczos_steps,
                    trace_samples,
                    extreme_steps,
                    broadening,
                    zero_tol,
                    seed,
                };
                let at_ = match &run {
                    Some(record) => DensityAt::Run(record),
                    None => DensityAt::Point(&family, &params, at.as_deref(), seed),
                };
                let out = out.map(|dir| (dir, !no_titles));
                inspect_density(r, at_, options, out)
            } else if conditioning {
                let out = out.map(|dir| (dir, !no_titles));
                inspect_conditioning(r, &family, &params, at.as_deref(), seed, steps, out)
            } else {
                let options = crate::inspect::InspectOptions {
                    at: at.as_deref(),
                    seed,
                    zero_tol,
                    grad_tol,
                };
                inspect(r, &family, &params, options)
            }
        }
        Some(Command::Critical {
            family,
            params,
            starts,
            seed,
            out,
            radius,
            grad_tol,
            zero_tol,
            dedup_tol,
            max_iters,
            spearman,
            no_titles,
        }) => {
            let options = crate::census::CensusOptions {
                starts: starts as usize,
                seed,
                radius,
                grad_tol,
                zero_tol,
                dedup_tol,
                max_iters,
                spearman,
            };
            critical(r, &family, &params, options, &out, !no_titles)
        }
        Some(Command::Report {
            dir,
            out,
            formats,
            figures,
            no_titles,
        }) => report(dir, out, formats, figures, !no_titles),
        Some(Command::List { what, format }) => list(r, what, format),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<Regressions>().is_some() => {
            eprintln!("optzoo: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<ConfigError>().is_some() || e.downcast_ref::<BadInput>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// The config `optzoo` and `optzoo run` run when given none.
pub const DEFAULT_CONFIG: &str = "museum";
