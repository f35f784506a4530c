//! `optzoo report` on the quickstart: every figure type is drawn as valid SVG, PNG and PDF with its title
//! and legend entries, the tables and the page are written, and 2-D runs keep their paths.

use std::path::Path;

use optzoo::analysis::sweep::Sweep;
use optzoo::report::{FigureKind, ReportOptions, write_report};
use optzoo::runner::SweepOptions;

/// Runs the embedded quickstart into `dir`, as `optzoo run` does; returns the config hash.
fn quickstart(dir: &Path) -> String {
    let plan = optzoo::plan::load("quickstart").expect("the quickstart is embedded and valid");
    optzoo::plan::execute::run_plan(
        &plan,
        dir,
        SweepOptions {
            jobs: 2,
            fresh: true,
            keep_failed: false,
        },
        &|_| {},
    )
    .expect("the sweep writes its records and tables");
    plan.config_hash
}

/// Width, height, bit depth and colour type from a PNG's signature and IHDR chunk.
fn png_header(bytes: &[u8]) -> (u32, u32, u8, u8) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[8..12], &[0, 0, 0, 13], "IHDR length");
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk is IHDR");
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    assert!(
        bytes.ends_with(b"IEND\xae\x42\x60\x82"),
        "PNG ends with IEND"
    );
    (be(16), be(20), bytes[24], bytes[25])
}

fn text_in_svg(svg: &str, text: &str) -> bool {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    // plotters writes each text element's content on a line of its own.
    svg.contains(&format!(">\n{escaped}\n</text>"))
}

#[test]
fn every_figure_type_renders_to_valid_files_with_titles_and_legends() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("quickstart");
    let config_hash = quickstart(&dir);

    // Runs of 2-D problems keep their path at every trace point; larger ones do not.
    let sweep = Sweep::load(&dir).expect("the results read back");
    for r in &sweep.records {
        let with_x = r.trace.iter().filter(|t| t.x.is_some()).count();
        if r.outcome.dim == 2 {
            assert_eq!(with_x, r.trace.len(), "{}: every point has x", r.run_id);
        } else {
            assert_eq!(with_x, 0, "{}: no x above dimension 2", r.run_id);
        }
    }

    let written = write_report(&dir, &ReportOptions::default()).expect("the report is written");
    assert_eq!(written.out, dir.join("report"));
    let names = |k: FigureKind| -> Vec<String> {
        written
            .figures
            .iter()
            .find(|(kind, _)| *kind == k)
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    };
    // 8 instances x 3 axes; 2 studies (rotation none, random) x (4 optimizers + all); 2 profiles; 1 path.
    assert_eq!(names(FigureKind::Convergence).len(), 24);
    assert_eq!(names(FigureKind::Kappa).len(), 10);
    assert_eq!(
        names(FigureKind::Profiles),
        vec!["performance-profile", "data-profile"]
    );
    assert_eq!(names(FigureKind::Trajectories).len(), 1);

    let labels = [
        "gd step=2/(L+mu)",
        "gd step=1/L",
        "gd step=armijo",
        "gd step=0.001",
    ];
    let fig_dir = written.out.join("figures");
    let read_svg = |name: &str| -> String {
        std::fs::read_to_string(fig_dir.join(format!("{name}.svg"))).expect("SVG written")
    };
    for (_, figs) in &written.figures {
        for name in figs {
            let svg = read_svg(name);
            assert!(svg.starts_with("<svg "), "{name}.svg starts with its root");
            assert!(svg.trim_end().ends_with("</svg>"), "{name}.svg is complete");
            assert!(
                svg.contains("width=\"3.5in\""),
                "{name}.svg is one column wide"
            );
            // The SVG parses as an SVG document (the same parser the PDF goes through).
            let opt = svg2pdf::usvg::Options::default();
            svg2pdf::usvg::Tree::from_str(&svg, &opt)
                .unwrap_or_else(|e| panic!("{name}.svg does not parse: {e}"));

            let png = std::fs::read(fig_dir.join(format!("{name}.png"))).expect("PNG written");
            let (w, h, depth, color) = png_header(&png);
            assert_eq!(w, 1050, "{name}.png is 3.5 in at 300 dpi");
            assert!(h > 600 && h < 1500, "{name}.png height {h}");
            assert_eq!((depth, color), (8, 2), "{name}.png is 8-bit RGB");

            let pdf = std::fs::read(fig_dir.join(format!("{name}.pdf"))).expect("PDF written");
            assert!(pdf.starts_with(b"%PDF-1."), "{name}.pdf header");
            let tail = String::from_utf8_lossy(&pdf[pdf.len().saturating_sub(32)..]).to_string();
            assert!(
                tail.trim_end().ends_with("%%EOF"),
                "{name}.pdf trailer: {tail:?}"
            );
            assert!(pdf.len() > 1000, "{name}.pdf has content");
        }
    }

    // Titles and legends, as SVG text.
    let conv = read_svg("convergence-00-quadratic-iters");
    assert!(
        text_in_svg(&conv, "quadratic kappa=10 rotation=none"),
        "title"
    );
    for l in labels {
        assert!(text_in_svg(&conv, l), "legend entry {l}");
    }
    assert!(text_in_svg(&conv, "iterations"), "x label");
    assert!(text_in_svg(&conv, "f - f*"), "y label");
    // gd with step 0.001 stops at max_iters on the kappa = 1000 quadratic: its runs are marked.
    let conv = read_svg("convergence-02-quadratic-evals");
    assert!(
        text_in_svg(&conv, "stopped by a budget"),
        "budget mark in legend"
    );
    assert!(text_in_svg(&conv, "gradient-equivalent evaluations"));
    let conv = read_svg("convergence-06-rosenbrock-time");
    assert!(text_in_svg(&conv, "rosenbrock dim=2"));
    assert!(text_in_svg(&conv, "wall time (s)"));
    assert!(text_in_svg(&conv, "gd step=armijo"));
    assert!(
        !text_in_svg(&conv, "gd step=1/L"),
        "not applicable on Rosenbrock: no legend entry"
    );

    let kappa = read_svg("kappa-00-00");
    assert!(text_in_svg(
        &kappa,
        "gd step=2/(L+mu) on quadratic rotation=none"
    ));
    assert!(text_in_svg(&kappa, "theory: slope 1"));
    assert!(kappa.contains(">\nfit: slope "), "fit legend entry");
    let all = read_svg("kappa-00-all");
    assert!(text_in_svg(
        &all,
        "iterations vs kappa: quadratic rotation=none"
    ));
    for l in labels {
        assert!(
            all.contains(&format!(">\n{l} (")),
            "legend entry {l} with its slope"
        );
    }

    for (name, title) in [
        ("performance-profile", "performance profile"),
        ("data-profile", "data profile"),
    ] {
        let svg = read_svg(name);
        assert!(text_in_svg(&svg, title));
        for l in labels {
            assert!(text_in_svg(&svg, l), "{name}: legend entry {l}");
        }
    }

    let traj = read_svg("trajectory-06-rosenbrock");
    assert!(text_in_svg(&traj, "rosenbrock dim=2: paths, seed 0"));
    for l in ["gd step=armijo", "gd step=0.001", "start", "minimum"] {
        assert!(text_in_svg(&traj, l), "trajectory legend entry {l}");
    }

    // Captions list what was not applicable.
    let captions = std::fs::read_to_string(fig_dir.join("captions.md")).expect("captions written");
    assert!(captions.contains(
        "Not applicable: gd step=2/(L+mu) (gd needs known curvature bounds (mu, L)); gd step=1/L"
    ));

    // Tables.
    let tables = written.out.join("tables");
    let md = std::fs::read_to_string(tables.join("kappa-00.md")).expect("kappa table");
    assert!(md.starts_with(
        "| kappa | gd step=2/(L+mu) | gd step=1/L | gd step=armijo | gd step=0.001 |"
    ));
    assert!(md.contains("\n| 10 | "));
    assert!(md.contains("\n| 1000 | "));
    assert!(md.contains("\n| slope: fit (theory) | "));
    assert!(md.contains("max-iters"), "failures shown as such:\n{md}");
    let tex = std::fs::read_to_string(tables.join("kappa-00.tex")).expect("LaTeX table");
    assert!(tex.contains("\\toprule") && tex.contains("\\midrule") && tex.contains("\\bottomrule"));
    let csv = std::fs::read_to_string(tables.join("kappa-00.csv")).expect("CSV table");
    assert!(csv.contains("\nfitted slope,") && csv.contains("\ntheory slope,1,1,1,1"));
    for ext in ["md", "csv", "tex"] {
        assert!(tables.join(format!("outcomes.{ext}")).is_file());
    }

    // The page: every figure inline, no script, nothing fetched.
    let html = std::fs::read_to_string(&written.index).expect("index.html written");
    let figures: usize = written.figures.iter().map(|(_, n)| n.len()).sum();
    // The overview repeats the kappa figure and one convergence panel per family before the rest.
    let overview = &html[..html
        .find("<h2 id=\"provenance\">Provenance</h2>")
        .expect("a provenance section")];
    let repeated = overview.matches("<figure ").count();
    assert_eq!(
        repeated, 3,
        "kappa, and one panel for each of quadratic and rosenbrock"
    );
    assert_eq!(html.matches("<svg ").count(), figures + repeated);
    assert!(!html.contains("<script"));
    for attr in ["src=\"http", "href=\"http", "url(http", "@import"] {
        assert!(!html.contains(attr), "page refers outside itself: {attr}");
    }
    assert!(
        html.contains("config hash") && html.contains(&config_hash),
        "provenance"
    );
}

#[test]
fn a_directory_without_results_is_bad_input_naming_it() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let missing = tmp.path().join("nowhere");
    let e = write_report(&missing, &ReportOptions::default()).expect_err("no such directory");
    assert!(e.is_bad_input());
    assert!(e.to_string().contains("nowhere"), "{e}");
    let e = write_report(tmp.path(), &ReportOptions::default()).expect_err("no runs/");
    assert!(e.is_bad_input());
    assert!(e.to_string().contains("not a results directory"), "{e}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_optzoo"))
        .arg("report")
        .arg(&missing)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nowhere") && stderr.contains("no such directory"),
        "{stderr}"
    );
}
