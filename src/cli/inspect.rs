//! `optzoo inspect`: the Hessian's spectrum at critical points or a point, the effective conditioning of
//! each optimizer's preconditioner, or the spectral density.

use std::path::PathBuf;

use crate::registry::Registry;

use super::BadInput;

pub(super) fn inspect(
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

/// Where `inspect --density` takes the density.
pub(super) enum DensityAt<'a> {
    /// A family's instance (family, key=value parameters, `--at`, seed).
    Point(&'a str, &'a [String], Option<&'a [f64]>, u64),
    /// Where the run of this record ended.
    Run(&'a std::path::Path),
}

pub(super) fn inspect_density(
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

pub(super) fn inspect_conditioning(
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
