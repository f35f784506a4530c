//! The `optzoo` command line: parse arguments, call the library, map errors to exit codes
//! (0 success, 1 regression or failure, 2 bad input).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use optzoo::config::{self, ConfigError};
use optzoo::runner::{self, Finished, SweepOptions};
use optzoo::store::{self, SweepManifest};

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
    /// Run a sweep: every problem instance x optimizer x seed of a config (default: the embedded quickstart).
    Run {
        /// A config file, or the name of an embedded config (see `optzoo list configs`).
        config: Option<String>,
        /// Results directory [default: results/<config name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores].
        #[arg(long, short, value_parser = clap::value_parser!(u32).range(1..))]
        jobs: Option<u32>,
        /// Rerun runs whose results already exist in the directory.
        #[arg(long)]
        fresh: bool,
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
        figures: Vec<KindArg>,
    },
    /// List the registries: problem families, optimizers, embedded suites and configs.
    List {
        /// What to list [default: everything].
        what: Option<ListWhat>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ListWhat {
    Problems,
    Optimizers,
    Suites,
    Configs,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum FormatArg {
    Svg,
    Png,
    Pdf,
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Convergence,
    Kappa,
    Profiles,
    Trajectories,
}

/// An error of the user's input (exit 2), as opposed to a failure while working (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadInput(String);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run(None, None, None, false),
        Some(Command::Run {
            config,
            out,
            jobs,
            fresh,
        }) => run(config, out, jobs, fresh),
        Some(Command::Report {
            dir,
            out,
            formats,
            figures,
        }) => report(dir, out, formats, figures),
        Some(Command::List { what }) => {
            print!(
                "{}",
                optzoo::listing::listing(what.map(|w| match w {
                    ListWhat::Problems => optzoo::listing::Section::Problems,
                    ListWhat::Optimizers => optzoo::listing::Section::Optimizers,
                    ListWhat::Suites => optzoo::listing::Section::Suites,
                    ListWhat::Configs => optzoo::listing::Section::Configs,
                }))
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
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

fn report(
    dir: PathBuf,
    out: Option<PathBuf>,
    formats: Vec<FormatArg>,
    figures: Vec<KindArg>,
) -> anyhow::Result<()> {
    use optzoo::report::{FigureKind, Formats, ReportOptions};
    let mut options = ReportOptions {
        out,
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
        options.kinds = figures
            .iter()
            .map(|k| match k {
                KindArg::Convergence => FigureKind::Convergence,
                KindArg::Kappa => FigureKind::Kappa,
                KindArg::Profiles => FigureKind::Profiles,
                KindArg::Trajectories => FigureKind::Trajectories,
            })
            .collect();
    }
    let written = optzoo::report::write_report(&dir, &options).map_err(|e| {
        if e.is_bad_input() {
            anyhow::Error::new(BadInput(e.to_string()))
        } else {
            anyhow::Error::new(e)
        }
    })?;
    let count: usize = written.figures.iter().map(|(_, n)| n.len()).sum();
    println!(
        "{count} figures, {} files -> {}",
        written.files.len(),
        written.out.display()
    );
    println!("  {}", written.index.display());
    Ok(())
}

fn run(
    config: Option<String>,
    out: Option<PathBuf>,
    jobs: Option<u32>,
    fresh: bool,
) -> anyhow::Result<()> {
    let arg = config.unwrap_or_else(|| "quickstart".into());
    let plan = config::load(&arg)?;
    let dir = out.unwrap_or_else(|| PathBuf::from("results").join(&plan.name));
    if dir.exists() && !dir.is_dir() {
        return Err(BadInput(format!(
            "--out {}: exists and is not a directory",
            dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(dir.join("runs")).map_err(|e| {
        BadInput(format!(
            "--out {}: cannot create the results directory: {e}",
            dir.display()
        ))
    })?;
    let jobs = jobs.map(|j| j as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let total = plan.runs.len();
    eprintln!(
        "optzoo: sweep `{}` ({}): {} problem instances x {} optimizers x {} seeds = {total} runs, {jobs} jobs -> {}",
        plan.name,
        plan.source,
        plan.instances.len(),
        plan.optimizers.len(),
        plan.seeds.len(),
        dir.display()
    );

    let started = Instant::now();
    let done = AtomicUsize::new(0);
    let reused = AtomicUsize::new(0);
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
    let records = runner::sweep(&plan.runs, &dir, SweepOptions { jobs, fresh }, &progress)
        .context("writing results")?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let manifest = SweepManifest {
        format: store::FORMAT,
        name: plan.name.clone(),
        source: plan.source.clone(),
        config_hash: plan.config_hash.clone(),
        run_ids: plan.runs.iter().map(|r| r.run_id.clone()).collect(),
        provenance: store::Provenance::current(),
    };
    store::write_sweep(&dir, &manifest, &records).context("writing the sweep's tables")?;
    let reused = reused.load(Ordering::Relaxed);
    println!("{}", optzoo::summary::outcome_table(&records));
    println!(
        "{total} runs in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if reused > 0 {
            format!(" ({reused} already done, reused; --fresh reruns them)")
        } else {
            String::new()
        }
    );
    for name in ["summary.csv", "traces.csv", "runs/", "sweep.json"] {
        println!("  {}", dir.join(name).display());
    }
    Ok(())
}
