//! `optzoo report`: a results directory drawn.

use std::path::PathBuf;

use super::results::ignored_note;
use super::{BadInput, FormatArg};

pub(super) fn report(
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
