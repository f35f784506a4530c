//! The `optzoo` command line: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 regression found or failure while working, 2 bad input).
//!
//! [`main`] takes the [`Registry`] every name resolves in, so a crate that adds optimizers or problem
//! families is a full optzoo with its additions: its binary is
//! `fn main() -> ExitCode { optzoo::cli::main(my_registry()) }`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::compare::{self, Matching, Tolerances};
use crate::config::ConfigError;
use crate::listing::{self, Section};
use crate::registry::Registry;
use crate::runner::{Finished, SweepOptions};
use crate::store;

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
#[error("{} regressed and {} missing", compare::text::count(*.0, "run"), compare::text::count(*.1, "baseline run"))]
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
        Some(Command::List { what, format }) => {
            print!(
                "{}",
                listing::listing_as(
                    r,
                    what.map(|w| match w {
                        ListWhat::Problems => Section::Problems,
                        ListWhat::Optimizers => Section::Optimizers,
                        ListWhat::Suites => Section::Suites,
                        ListWhat::Configs => Section::Configs,
                    }),
                    format
                )
            );
            Ok(())
        }
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

/// The note that `n` run files in `dir/runs` were left out, not being listed in `dir/sweep.json`.
fn ignored_note(dir: &std::path::Path, n: usize) -> String {
    format!(
        "note: {} holds {} that {} does not list (another config's, written to the same directory): ignored",
        dir.join("runs").display(),
        compare::text::count(n, "run"),
        dir.join("sweep.json").display()
    )
}

/// The runs of the sweep in `dir` (only those its sweep.json lists, where it has one), with a note on the
/// runs left out.
fn results_dir(
    dir: &std::path::Path,
    role: &str,
) -> anyhow::Result<(Vec<store::RunRecord>, Option<String>)> {
    if !dir.join("runs").is_dir() {
        return Err(BadInput(format!(
            "{role} {}: not a results directory (no runs/ inside)",
            dir.display()
        ))
        .into());
    }
    let runs = store::read_sweep(dir).map_err(|e| BadInput(format!("{role}: {e}")))?;
    let note = (runs.ignored > 0).then(|| ignored_note(dir, runs.ignored));
    Ok((runs.records, note))
}

fn compare_dirs(
    baseline: PathBuf,
    new: PathBuf,
    tol: Tolerances,
    matching: Matching,
    format: CompareFormat,
) -> anyhow::Result<()> {
    for (name, v) in [
        ("--count-rtol", tol.count_rtol),
        ("--count-atol", tol.count_atol),
        ("--value-rtol", tol.value_rtol),
        ("--value-atol", tol.value_atol),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(BadInput(format!("{name} must be a finite number >= 0, got {v}")).into());
        }
    }
    let (base, base_note) = results_dir(&baseline, "baseline")?;
    // Against no runs every new result would pass: a check that cannot fail is refused, as `report` refuses
    // the same folder. (New results with no runs against a baseline that has some are all missing: a
    // regression, reported as such.)
    if base.is_empty() {
        let why = base_note.map(|n| format!(" ({n})")).unwrap_or_default();
        return Err(BadInput(format!(
            "baseline {}: the baseline holds no runs{why}, so a comparison against it could not fail",
            baseline.display()
        ))
        .into());
    }
    let (new_runs, new_note) = results_dir(&new, "new")?;
    let c = compare::compare_matching(&base, &new_runs, &tol, matching)
        .map_err(|e| BadInput(e.to_string()))?;
    let mut notes: Vec<String> = base_note.into_iter().chain(new_note).collect();
    let code = |r: &store::RunRecord| r.provenance.code.clone();
    let (base_codes, new_codes): (Vec<_>, Vec<_>) = (
        base.iter().map(code).collect(),
        new_runs.iter().map(code).collect(),
    );
    if !new_runs.is_empty()
        && let Some(note) = crate::identity::difference(
            base_codes.iter().map(Option::as_deref),
            new_codes.iter().map(Option::as_deref),
        )
    {
        notes.push(note);
    }
    match format {
        CompareFormat::Md => print!("{}", compare::text::markdown(&c, &notes)),
        CompareFormat::Json => print!("{}", compare::machine::json(&c, &notes)),
        CompareFormat::Csv => {
            for n in &notes {
                eprintln!("{n}");
            }
            eprintln!("{}", compare::text::headline(&c));
            eprintln!("{}", compare::text::verdict_line(&c.counts()));
            if let Some(h) = &c.hint {
                eprintln!("hint: {h}");
            }
            print!("{}", compare::machine::csv(&c)?);
        }
    }
    let t = c.counts();
    match t.failing() {
        0 => Ok(()),
        _ => Err(Regressions(t.regressed, t.missing).into()),
    }
}

fn inspect(
    registry: &Registry,
    family: &str,
    params: &[String],
    options: crate::inspect::InspectOptions<'_>,
) -> anyhow::Result<()> {
    for (name, v) in [
        ("--zero-tol", Some(options.zero_tol)),
        ("--grad-tol", options.grad_tol),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            return Err(BadInput(format!("{name} must be a finite number >= 0, got {v}")).into());
        }
    }
    let bad = |e: crate::inspect::InspectError| BadInput(e.0);
    let table = crate::inspect::parse_params(params).map_err(bad)?;
    let rows = crate::inspect::inspect(registry, family, &table, options).map_err(bad)?;
    print!("{}", crate::inspect::render(&rows));
    Ok(())
}

/// `optzoo critical`: the census, with a progress bar on an interactive terminal, then its files.
fn critical(
    registry: &Registry,
    family: &str,
    params: &[String],
    options: crate::census::CensusOptions,
    out: &std::path::Path,
    titles: bool,
) -> anyhow::Result<()> {
    let table = crate::inspect::parse_params(params).map_err(|e| BadInput(e.0))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(options.starts as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} starts  {elapsed_precise} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let tick = || {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let census = crate::census::census(registry, family, &table, options, &tick)
        .map_err(|e| BadInput(e.0))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    print!("{}", crate::census::output::summary(&census));
    let files = crate::census::output::write(&census, out, titles).context("writing the census")?;
    for f in files {
        println!("  {}", f.display());
    }
    Ok(())
}

/// Where `inspect --density` takes the density.
enum DensityAt<'a> {
    /// A family's instance (family, key=value parameters, `--at`, seed).
    Point(&'a str, &'a [String], Option<&'a [f64]>, u64),
    /// Where the run of this record ended.
    Run(&'a std::path::Path),
}

fn inspect_density(
    registry: &Registry,
    at: DensityAt<'_>,
    options: crate::spectrum::density::DensityOptions,
    out: Option<(PathBuf, bool)>,
) -> anyhow::Result<()> {
    let bad = |e: crate::inspect::InspectError| BadInput(e.0);
    let study = match at {
        DensityAt::Point(family, params, at, seed) => {
            let table = crate::inspect::parse_params(params).map_err(bad)?;
            crate::density::at_point(registry, family, &table, at, seed, options).map_err(bad)?
        }
        DensityAt::Run(record) => {
            crate::density::at_run_end(registry, record, options).map_err(bad)?
        }
    };
    print!("{}", crate::density::render(&study));
    if let Some((dir, titles)) = out {
        let mut fig = crate::report::density::density_figure(&study);
        fig.draw_title = titles;
        let formats = crate::report::Formats {
            pdf: false,
            ..Default::default()
        };
        let mut files = crate::report::diagnostics::write_figure(&fig, &dir, formats)?;
        files.extend(crate::density::write_numbers(&study, &dir)?);
        println!();
        for f in files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}

fn inspect_conditioning(
    registry: &Registry,
    family: &str,
    params: &[String],
    at: Option<&[f64]>,
    seed: u64,
    steps: usize,
    out: Option<(PathBuf, bool)>,
) -> anyhow::Result<()> {
    use crate::conditioning;
    let table = crate::inspect::parse_params(params).map_err(|e| BadInput(e.0))?;
    crate::inspect::check_memory(
        registry,
        family,
        &table,
        crate::inspect::Inspection::Conditioning,
    )
    .map_err(|e| BadInput(e.0))?;
    let study = conditioning::study(
        registry,
        family,
        &table,
        at,
        seed,
        conditioning::ALL_ROWS,
        steps,
    )
    .map_err(BadInput)?;
    println!("{}\n", study.label);
    print!("{}", conditioning::render(&study.rows));
    if let Some((dir, titles)) = out {
        let mut fig = crate::report::diagnostics::conditioning_figure(&study);
        fig.draw_title = titles;
        let files = crate::report::diagnostics::write_figure(
            &fig,
            &dir,
            crate::report::Formats::default(),
        )?;
        for f in files {
            println!("  {}", f.display());
        }
    }
    Ok(())
}

fn merge(out: PathBuf, dirs: Vec<PathBuf>) -> anyhow::Result<()> {
    for d in &dirs {
        if !d.join("sweep.json").is_file() {
            return Err(BadInput(format!(
                "{}: not a results directory (no sweep.json inside)",
                d.display()
            ))
            .into());
        }
    }
    // A shard that cannot be read or holds a file that fails its checks is bad input (exit 2); only a
    // failure to write the merged directory is a failure while working (exit 1).
    let merged = crate::merge::merge(&out, &dirs).map_err(|e| match e {
        crate::merge::MergeError::Write(e) => anyhow::Error::new(e),
        other => BadInput(other.to_string()).into(),
    })?;
    println!(
        "merged {} runs from {} directories into {}",
        merged.runs,
        dirs.len(),
        out.display()
    );
    if merged.ignored > 0 {
        println!(
            "left out {} that their directory's sweep.json does not list (another config's)",
            compare::text::count(merged.ignored, "run")
        );
    }
    if !merged.missing.is_empty() {
        println!(
            "{} planned runs are in no shard yet (first: {})",
            merged.missing.len(),
            merged.missing[0]
        );
    }
    Ok(())
}

fn report(
    dir: PathBuf,
    out: Option<PathBuf>,
    formats: Vec<FormatArg>,
    figures: Vec<crate::report::FigureKind>,
    titles: bool,
) -> anyhow::Result<()> {
    use crate::report::{Formats, ReportOptions};
    let mut options = ReportOptions {
        out,
        titles,
        ..ReportOptions::default()
    };
    if !formats.is_empty() {
        options.formats = Formats {
            svg: formats.contains(&FormatArg::Svg),
            png: formats.contains(&FormatArg::Png),
            pdf: formats.contains(&FormatArg::Pdf),
        };
    }
    if !figures.is_empty() {
        options.kinds = figures;
    }
    let written = crate::report::write_report(&dir, &options).map_err(|e| {
        if e.is_bad_input() {
            anyhow::Error::new(BadInput(e.to_string()))
        } else {
            anyhow::Error::new(e)
        }
    })?;
    if written.ignored > 0 {
        println!("{}", ignored_note(&dir, written.ignored));
    }
    for line in &written.batch_lines {
        println!("{line}");
    }
    let count: usize = written.figures.iter().map(|(_, n)| n.len()).sum();
    println!(
        "{count} figures, {} files -> {}",
        written.files.len(),
        written.out.display()
    );
    if !written.kept.is_empty() {
        println!(
            "kept {} figure files of an earlier report in formats or kinds not drawn now (they may predate these results)",
            written.kept.len()
        );
    }
    println!("  {}", written.index.display());
    Ok(())
}

/// What `run` was asked to sweep: a config (default: the museum), its results directory, a shard and the
/// plan's limits.
#[derive(Default)]
struct Sweep {
    config: Option<String>,
    out: Option<PathBuf>,
    shard: Option<(usize, usize)>,
    limits: crate::plan::Limits,
}

/// The plan of the sweep's config, sharded, and its results directory, checked to be a directory where it
/// exists.
fn plan_and_dir(registry: &Registry, sweep: Sweep) -> anyhow::Result<(crate::plan::Plan, PathBuf)> {
    let Sweep {
        config,
        out,
        shard,
        limits,
    } = sweep;
    // No config: the embedded museum, whatever the working directory holds.
    let mut plan = match config {
        Some(arg) => crate::plan::load_with(registry, &arg, limits)?,
        None => crate::plan::load_embedded_with(registry, DEFAULT_CONFIG, limits)?,
    };
    if let Some((k, n)) = shard {
        plan.shard(k, n);
    }
    let dir = out.unwrap_or_else(|| PathBuf::from("results").join(&plan.name));
    if dir.exists() && !dir.is_dir() {
        return Err(BadInput(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        ))
        .into());
    }
    Ok((plan, dir))
}

fn dry_run(registry: &Registry, sweep: Sweep) -> anyhow::Result<()> {
    let (plan, dir) = plan_and_dir(registry, sweep)?;
    let survey = crate::dry_run::survey(&plan, &dir);
    print!("{}", crate::dry_run::render(&plan, &dir, &survey));
    Ok(())
}

/// What `run` does with results already in the folder, and with failures.
#[derive(Debug, Clone, Copy, Default)]
struct Reuse {
    /// Rerun everything.
    fresh: bool,
    /// Reuse failed runs' records too.
    keep_failed: bool,
    /// Exit 1 when any run failed.
    strict: bool,
}

/// Some runs of the sweep failed and `--strict` was given (exit 1, after every result is written).
#[derive(Debug, thiserror::Error)]
#[error("{} failed (--strict)", compare::text::count(*.0, "run"))]
struct FailedRuns(usize);

/// The failed runs of `records`, grouped by the first line of their message: one line per group with its
/// count, the message and one run id, most frequent first.
fn failures(records: &[store::RunRecord]) -> Vec<String> {
    let mut groups: Vec<(String, usize, String)> = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.outcome.status == crate::stop::Status::Failed)
    {
        let message = r.outcome.message.as_deref().unwrap_or("no message");
        let first: String = message
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        match groups.iter_mut().find(|g| g.0 == first) {
            Some(g) => g.1 += 1,
            None => groups.push((first, 1, r.run_id.clone())),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1));
    groups
        .into_iter()
        .map(|(message, n, id)| format!("  {n} x {message} (e.g. runs/{id}.json)"))
        .collect()
}

/// A spec with its client's file hashes left out, as JSON: equal for two runs that differ only in the code
/// their external client ran.
fn without_client_files(spec: &store::RunSpec) -> (String, Option<serde_json::Value>) {
    let mut spec = spec.clone();
    let files = spec
        .optimizer
        .params
        .as_object_mut()
        .and_then(|m| m.remove("client_files"));
    (serde_json::to_string(&spec).unwrap_or_default(), files)
}

/// How many planned runs have a record in `dir` from the sweep before that differs only in its client's
/// files (whose client changed since), and which files changed; nothing where the folder holds no sweep.
fn client_changes(dir: &std::path::Path, plan: &crate::plan::Plan) -> Option<(usize, Vec<String>)> {
    let before = store::read_sweep(dir).ok()?;
    let old: std::collections::BTreeMap<String, Option<serde_json::Value>> = before
        .records
        .iter()
        .map(|r| without_client_files(&r.spec))
        .collect();
    let mut count = 0;
    let mut files = std::collections::BTreeSet::new();
    for run in &plan.runs {
        let (key, now) = without_client_files(&run.spec);
        if let Some(then) = old.get(&key)
            && *then != now
        {
            count += 1;
            let map =
                |v: &Option<serde_json::Value>| -> std::collections::BTreeMap<String, String> {
                    v.as_ref()
                        .and_then(|v| serde_json::from_value(v.clone()).ok())
                        .unwrap_or_default()
                };
            let (a, b) = (map(then), map(&now));
            files.extend(
                a.keys()
                    .chain(b.keys())
                    .filter(|k| a.get(*k) != b.get(*k))
                    .cloned(),
            );
        }
    }
    (count > 0).then(|| (count, files.into_iter().collect()))
}

/// How many times the cores `--jobs` may ask for: more threads than that only wait on each other.
pub const JOBS_PER_CORE: usize = 4;

/// The worker threads of a sweep of `runs` runs: as asked (default: the cores), at most the runs and
/// [`JOBS_PER_CORE`] x the cores, and at least 1; with a note where an asked number was capped.
fn worker_threads(asked: Option<u32>, runs: usize) -> (usize, Option<String>) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = runs.min(JOBS_PER_CORE.saturating_mul(cores)).max(1);
    match asked {
        None => (cores.min(most), None),
        Some(j) if j as usize <= most => (j as usize, None),
        Some(j) => {
            let why = if most == runs.max(1) {
                "the number of runs".to_string()
            } else {
                format!("{JOBS_PER_CORE} x the {cores} cores")
            };
            (
                most,
                Some(format!(
                    "note: --jobs {j} capped to {most} ({why}); more threads would only wait"
                )),
            )
        }
    }
}

fn run(
    registry: &Registry,
    sweep: Sweep,
    jobs: Option<u32>,
    reuse: Reuse,
    report_with: ReportWith,
) -> anyhow::Result<()> {
    let museum = sweep.config.is_none();
    let (plan, dir) = plan_and_dir(registry, sweep)?;
    std::fs::create_dir_all(dir.join("runs")).map_err(|e| {
        BadInput(format!(
            "--out {}: cannot create the results directory: {e}",
            dir.display()
        ))
    })?;
    let total = plan.total_runs();
    let (jobs, capped) = worker_threads(jobs, total);
    if let Some(note) = capped {
        eprintln!("{note}");
    }
    let tuning = plan.tuning.as_ref().map(|t| {
        format!(
            "; tuning {} groups x {} trials ({}, select {}) on seeds {:?}, then evaluation",
            t.groups.len(),
            t.trials,
            match t.method {
                crate::tune::Method::Grid => "grid",
                crate::tune::Method::Sobol => "sobol",
            },
            t.rule.name(),
            t.seeds
        )
    });
    eprintln!(
        "optzoo: sweep `{}` ({}): {} problem instances x {} optimizers x {} seeds{} = {} runs{}, {jobs} jobs -> {}",
        plan.name,
        plan.source,
        plan.instances.len(),
        plan.optimizers.len(),
        plan.seeds.len(),
        tuning.unwrap_or_default(),
        plan.run_ids.len()
            + plan.tuning.as_ref().map_or(0, |t| {
                (0..t.groups.len())
                    .map(|g| t.evaluation_runs(g))
                    .sum::<usize>()
            }),
        plan.shard
            .map(|(k, n)| format!(" (shard {k}/{n}: {total} runs)"))
            .unwrap_or_default(),
        dir.display()
    );

    let changed_clients = if reuse.fresh {
        None
    } else {
        client_changes(&dir, &plan)
    };
    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let reused = AtomicUsize::new(0);
    let stale = AtomicUsize::new(0);
    let failed_before = AtomicUsize::new(0);
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} runs  {elapsed_precise} (eta {eta})  {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let last_line = Mutex::new(0usize);
    let progress = |f: Finished<'_>| {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if f.reused {
            reused.fetch_add(1, Ordering::Relaxed);
        }
        if f.stale {
            stale.fetch_add(1, Ordering::Relaxed);
        }
        if f.failed_before {
            failed_before.fetch_add(1, Ordering::Relaxed);
        }
        match &bar {
            Some(bar) => {
                bar.set_message(f.record.run_id.clone());
                bar.inc(1);
            }
            None => {
                // Plain lines, at most one per tenth of the sweep, for logs and batch schedulers.
                let tenth = (n * 10) / total.max(1);
                if let Ok(mut last) = last_line.lock()
                    && (tenth > *last || n == total)
                {
                    *last = tenth;
                    eprintln!(
                        "optzoo: {n}/{total} runs done ({:.1} s)",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    };
    let records = crate::plan::execute::run_plan(
        &plan,
        &dir,
        SweepOptions {
            jobs,
            fresh: reuse.fresh,
            keep_failed: reuse.keep_failed,
        },
        &progress,
    )
    .context("writing results")?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let reused = reused.load(Ordering::Relaxed);
    let stale = stale.load(Ordering::Relaxed);
    println!("{}", crate::summary::outcome_table(&records));
    let mut notes = Vec::new();
    if reused > 0 {
        notes.push(format!(
            "{reused} already done, reused; --fresh reruns them"
        ));
    }
    if stale > 0 {
        notes.push(format!("{stale} stale (made by other code), rerun"));
    }
    if let Some((n, files)) = &changed_clients {
        notes.push(format!("{n} rerun: client changed ({})", files.join(", ")));
    }
    let failed_before = failed_before.load(Ordering::Relaxed);
    if failed_before > 0 {
        notes.push(format!(
            "{failed_before} failed before, rerun; --keep-failed keeps them"
        ));
    }
    println!(
        "{total} runs in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        }
    );
    for name in ["summary.csv", "traces.csv", "runs/", "sweep.json"] {
        println!("  {}", dir.join(name).display());
    }
    let failed_count = records
        .iter()
        .filter(|r| r.outcome.status == crate::stop::Status::Failed)
        .count();
    if let Some(tuning) = &plan.tuning {
        for line in crate::tune::edge::warnings(tuning, &records) {
            eprintln!("optzoo: {line}");
        }
    }
    let failed = failures(&records);
    if !failed.is_empty() {
        eprintln!("optzoo: failed runs, by message:\n{}", failed.join("\n"));
    }
    if museum && plan.shard.is_none() {
        let sweep = crate::analysis::sweep::Sweep::new(records, None);
        println!(
            "\nThe museum: what each optimizer keeps of the Hessian, what it pays and what it gains\n\n{}",
            crate::report::tables::museum_table(&sweep).markdown()
        );
        if report_with != ReportWith::Nothing {
            let titles = report_with == ReportWith::Titles;
            report(dir.clone(), None, Vec::new(), Vec::new(), titles)?;
        }
    }
    if reuse.strict && failed_count > 0 {
        return Err(FailedRuns(failed_count).into());
    }
    Ok(())
}

/// The config `optzoo` and `optzoo run` run when given none.
pub const DEFAULT_CONFIG: &str = "museum";
