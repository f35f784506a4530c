//! The report's figures read at a glance, checked on the SVG the binary writes: a diverged run does not
//! stretch the y axis of a convergence figure, the median over seeds stops once fewer than half of them run
//! and never rises before, every series has its own colour and marker and the critical points of a path
//! figure use none of them, `--no-titles` drops the titles, and the conditioning figure has one integer
//! tick per strip.

use super::common;
use super::svg::{Shape, attr, shapes, texts};

use std::path::Path;

use common::{optzoo, write};
use optzoo::analysis::sweep::Sweep;
use optzoo::report::style::{INK, PALETTE};

/// Device units per figure unit in the SVG (the renderer's scale).
const SVG_SCALE: f64 = optzoo::report::render::SVG_SCALE;

/// Gradient descent with a step of 3/L diverges on the quadratic (its error grows by 2 per step along
/// the top eigenvector), while the others converge; three seeds with random starts end at different
/// iterations.
const DIVERGE: &str = r#"
name = "diverge"
seeds = [0, 1, 2]

[[problem]]
family = "quadratic"
dim = 10
kappa = 100
spectrum = "linear"
rotation = "random"
start = "random"

[stop]
x_rtol = 1e-6
max_iters = 5000

[[optimizer]]
name = "gd"
step = ["1/L", "armijo", 3.0]

[[optimizer]]
name = "lbfgs"
"#;

/// Six optimizer configurations on Himmelblau's function, whose minima, saddles and maximum are marked.
const HIMMELBLAU: &str = r#"
name = "himmel"
seeds = [0]

[[problem]]
family = "himmelblau"

[stop]
grad_rtol = 1e-8
max_iters = 2000

[[optimizer]]
name = "gd"
step = ["armijo", 0.001]

[[optimizer]]
name = "adam"

[[optimizer]]
name = "lbfgs"

[[optimizer]]
name = "newton"
mode = ["line-search", "pure"]
"#;

/// Runs `config` into `tmp/name` and writes its SVG report (with `extra` report arguments) into
/// `tmp/name-report`; returns the results directory and the figures directory.
fn sweep_and_report(
    tmp: &Path,
    name: &str,
    config: &str,
    extra: &[&str],
) -> (std::path::PathBuf, std::path::PathBuf) {
    let cfg = write(tmp, &format!("{name}.toml"), config);
    let dir = tmp.join(name);
    let out = tmp.join(format!("{name}-report"));
    let run = optzoo(
        tmp,
        &[
            "run",
            cfg.to_str().expect("UTF-8 path"),
            "--out",
            dir.to_str().expect("UTF-8 path"),
            "--jobs",
            "2",
        ],
    );
    assert!(
        run.status.success(),
        "run: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut args = vec![
        "report",
        dir.to_str().expect("UTF-8 path"),
        "--out",
        out.to_str().expect("UTF-8 path"),
        "--formats",
        "svg",
    ];
    args.extend_from_slice(extra);
    let rep = optzoo(tmp, &args);
    assert!(
        rep.status.success(),
        "report: {}",
        String::from_utf8_lossy(&rep.stderr)
    );
    (dir, out.join("figures"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// The plotting frame `(x0, y0, x1, y1)`: the largest closed ink rectangle.
fn frame(shapes: &[Shape]) -> (f64, f64, f64, f64) {
    shapes
        .iter()
        .filter(|s| !s.polygon && s.stroke == hex(INK) && s.points.len() == 5)
        .map(|s| {
            let xs = s.points.iter().map(|p| p.0);
            let ys = s.points.iter().map(|p| p.1);
            (
                xs.clone().fold(f64::INFINITY, f64::min),
                ys.clone().fold(f64::INFINITY, f64::min),
                xs.fold(f64::NEG_INFINITY, f64::max),
                ys.fold(f64::NEG_INFINITY, f64::max),
            )
        })
        .max_by(|a, b| ((a.2 - a.0) * (a.3 - a.1)).total_cmp(&((b.2 - b.0) * (b.3 - b.1))))
        .expect("a frame")
}

/// The exponent of a tick label `10⁻³`.
fn exponent(label: &str) -> Option<i32> {
    let digits: String = label
        .strip_prefix("10")?
        .chars()
        .map(|c| match c {
            '⁻' => Some('-'),
            _ => "⁰¹²³⁴⁵⁶⁷⁸⁹"
                .chars()
                .position(|d| d == c)
                .and_then(|k| char::from_digit(k as u32, 10)),
        })
        .collect::<Option<String>>()?;
    digits.parse().ok()
}

/// The x tick labels (under the frame) with their device x, left to right.
fn x_ticks(svg: &str) -> Vec<(f64, String)> {
    let (_, _, _, y1) = frame(&shapes(svg));
    let mut t: Vec<(f64, String)> = texts(svg)
        .into_iter()
        .filter(|t| t.anchor == "middle" && t.y > y1 && t.y < y1 + 10.0 * SVG_SCALE)
        .map(|t| (t.x, t.content))
        .collect();
    t.sort_by(|a, b| a.0.total_cmp(&b.0));
    t
}

/// The device x of data value `v` on the x axis, from its first and last tick labels.
fn x_device(svg: &str, v: f64) -> f64 {
    let ticks = x_ticks(svg);
    let value = |label: &str| -> f64 {
        match exponent(label) {
            Some(k) => k as f64,
            None => label.parse().expect("a numeric tick label"),
        }
    };
    let log = exponent(&ticks[0].1).is_some();
    let (a, b) = (&ticks[0], &ticks[ticks.len() - 1]);
    let (ua, ub) = (value(&a.1), value(&b.1));
    let u = if log { v.log10() } else { v };
    a.0 + (u - ua) / (ub - ua) * (b.0 - a.0)
}

#[test]
fn a_diverged_run_does_not_stretch_the_y_axis_and_the_median_stops_at_half_the_seeds() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let (dir, figs) = sweep_and_report(tmp.path(), "diverge", DIVERGE, &[]);
    let sweep = Sweep::load(&dir).expect("the results read back");
    let f_star = sweep.instances[0].optimum_value.expect("f* = 0 is known");
    let index = |label: &str| {
        sweep
            .optimizers
            .iter()
            .position(|o| o.label == label)
            .unwrap_or_else(|| panic!("optimizer {label}"))
    };

    // The sweep is what the test needs: gd with step 3 diverges far beyond the others' starting gaps.
    let mut start_gap = 0.0_f64;
    let mut worst = 0.0_f64;
    for o in 0..sweep.optimizers.len() {
        for r in sweep.runs(0, o) {
            let gap = r.trace[0].value - f_star;
            if r.outcome.status == optzoo::stop::Status::Diverged {
                worst = r
                    .trace
                    .iter()
                    .map(|t| t.value - f_star)
                    .filter(|v| v.is_finite())
                    .fold(worst, f64::max);
            } else {
                assert_eq!(r.outcome.status, optzoo::stop::Status::Converged);
                start_gap = start_gap.max(gap);
            }
        }
    }
    assert!(
        worst > start_gap * 1e20,
        "the diverged run reaches {worst:e}, starting gaps {start_gap:e}"
    );

    let svg = read(&figs.join("convergence-00-quadratic-iters.svg"));
    // The y axis' top tick is within three decades of the converging runs' starting gap.
    let (_, _, _, y1) = frame(&shapes(&svg));
    let top = texts(&svg)
        .iter()
        .filter(|t| t.anchor == "end" && t.y < y1 + 1.0)
        .filter_map(|t| exponent(&t.content))
        .max()
        .expect("decade ticks on the y axis");
    let start = start_gap.log10();
    assert!(
        (top as f64) <= start + 3.0 && (top as f64) >= start - 1.0,
        "top tick 10^{top} for starting gaps of {start_gap:e}"
    );
    let captions = read(&figs.join("captions.md"));
    assert!(
        captions.contains("an arrow where they leave it"),
        "the caption says how diverged runs are drawn"
    );
    assert!(
        svg.contains(">\nleft the frame\n</text>"),
        "the legend names the arrow"
    );

    // The median of gd with Armijo steps (f decreases at every step of every run): drawn while at least
    // two of the three seeds run, never rising; the longest run goes on as a thin line.
    let o = index("gd step=armijo");
    let color = hex(PALETTE[o % PALETTE.len()]);
    let mut ends: Vec<f64> = sweep
        .runs(0, o)
        .iter()
        .map(|r| r.trace.last().expect("a trace").iter as f64)
        .collect();
    ends.sort_by(f64::total_cmp);
    assert_eq!(ends.len(), 3);
    let (second, longest) = (x_device(&svg, ends[1]), x_device(&svg, ends[2]));
    assert!(
        longest - second > 8.0,
        "the seeds' run lengths {ends:?} differ too little to test the rule"
    );
    let all = shapes(&svg);
    let in_panel = |s: &&Shape| s.points.iter().all(|p| p.1 <= y1);
    let median: Vec<(f64, f64)> = all
        .iter()
        .filter(in_panel)
        .filter(|s| !s.polygon && s.stroke == color && s.width == "6")
        .flat_map(|s| s.points.clone())
        .collect();
    assert!(median.len() > 10, "the median line of {color}");
    let median_end = median.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    assert!(
        (median_end - second).abs() <= 2.0,
        "the median ends at device x {median_end}, the second-longest run at {second}"
    );
    for w in median.windows(2) {
        assert!(
            w[1].1 >= w[0].1,
            "the median rises (device y {} -> {}) at x {}",
            w[0].1,
            w[1].1,
            w[1].0
        );
    }
    let thin_end = all
        .iter()
        .filter(in_panel)
        .filter(|s| !s.polygon && s.stroke == color && s.width == "3")
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        (thin_end - longest).abs() <= 2.0,
        "the longest run's thin line ends at {thin_end}, the run at {longest}"
    );
}

/// The vertices of a marker shape around their centroid, scaled to a largest radius of 1.
fn normalised(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut v = points.to_vec();
    if v.len() > 1 && v.first() == v.last() {
        v.pop();
    }
    let n = v.len() as f64;
    let (cx, cy) = v
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let r = v
        .iter()
        .map(|p| (p.0 - cx).hypot(p.1 - cy))
        .fold(0.0, f64::max);
    v.iter().map(|p| ((p.0 - cx) / r, (p.1 - cy) / r)).collect()
}

/// Whether two normalised outlines are the same shape: as many vertices, in the same cyclic order (either
/// direction), each near its counterpart (the tolerance covers rounding of vertices to whole device units
/// at a marker's size).
fn same_shape(a: &[(f64, f64)], b: &[(f64, f64)]) -> bool {
    let n = a.len();
    if n != b.len() || n == 0 {
        return false;
    }
    let close = |p: (f64, f64), q: (f64, f64)| (p.0 - q.0).hypot(p.1 - q.1) < 0.25;
    (0..n).any(|shift| {
        (0..n).all(|i| close(a[i], b[(shift + i) % n]))
            || (0..n).all(|i| close(a[i], b[(shift + n - i) % n]))
    })
}

#[test]
fn series_have_their_own_colour_and_marker_and_critical_points_use_none_of_them() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let (_, figs) = sweep_and_report(
        tmp.path(),
        "himmel",
        HIMMELBLAU,
        &["--figures", "trajectories,convergence"],
    );
    for name in [
        "trajectory-00-himmelblau",
        "convergence-00-himmelblau-iters",
    ] {
        let svg = read(&figs.join(format!("{name}.svg")));
        let all = shapes(&svg);
        let (_, _, _, y1) = frame(&all);
        // Legend samples: filled polygons and closed outlines below the panel.
        let legend: Vec<(String, Vec<(f64, f64)>)> = all
            .iter()
            .filter(|s| s.points.iter().all(|p| p.1 > y1) && s.points.len() >= 3)
            .filter_map(|s| {
                if s.polygon && s.fill != "#FFFFFF" {
                    Some((s.fill.clone(), normalised(&s.points)))
                } else if !s.polygon && s.points.first() == s.points.last() {
                    Some((s.stroke.clone(), normalised(&s.points)))
                } else {
                    None
                }
            })
            .collect();
        let ink = hex(INK);
        let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for (color, shape) in legend.iter().filter(|(c, _)| *c != ink) {
            match series.iter().find(|(c, _)| c == color) {
                Some((_, s)) => assert!(same_shape(s, shape), "{name}: {color} has two markers"),
                None => series.push((color.clone(), shape.clone())),
            }
        }
        assert_eq!(series.len(), 6, "{name}: six series in the legend");
        for (i, (ci, si)) in series.iter().enumerate() {
            for (cj, sj) in &series[..i] {
                assert!(!same_shape(si, sj), "{name}: {ci} and {cj} share a marker");
            }
        }
        let mut annotations = 0;
        for (_, shape) in legend.iter().filter(|(c, _)| *c == ink) {
            annotations += 1;
            for (c, s) in &series {
                assert!(
                    !same_shape(shape, s),
                    "{name}: an annotation has the marker of series {c}"
                );
            }
        }
        if name.starts_with("trajectory") {
            for kind in ["start", "minimum", "saddle", "maximum"] {
                assert!(
                    svg.contains(&format!(">\n{kind}\n</text>")),
                    "{name}: legend entry {kind}"
                );
            }
            // Start, minimum and saddle are shapes (the maximum's asterisk is strokes).
            assert!(annotations >= 3, "{name}: {annotations} annotation shapes");
        }
    }
}

#[test]
fn no_titles_drops_every_figure_title_and_keeps_it_in_the_captions() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let (dir, with) = sweep_and_report(tmp.path(), "himmel", HIMMELBLAU, &[]);
    let without = tmp.path().join("no-titles");
    let out = optzoo(
        tmp.path(),
        &[
            "report",
            dir.to_str().expect("UTF-8 path"),
            "--out",
            without.to_str().expect("UTF-8 path"),
            "--formats",
            "svg",
            "--no-titles",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let without = without.join("figures");
    let captions = read(&without.join("captions.md"));
    let mut checked = 0;
    for entry in std::fs::read_dir(&with).expect("figures written") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let name = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .to_string();
        let titled = read(&path);
        let bare = read(&without.join(format!("{name}.svg")));
        // The title is the first text, centred at the top.
        let title = texts(&titled).into_iter().next().expect("a title").content;
        assert!(
            captions.contains(&format!("**{title}.**")),
            "{name}: the caption keeps the title {title:?}"
        );
        assert!(
            !texts(&bare).iter().any(|t| t.content == title),
            "{name}: the title {title:?} is still drawn"
        );
        let height = |svg: &str| -> f64 {
            attr(svg, "height")
                .and_then(|h| h.strip_suffix("in"))
                .and_then(|h| h.parse().ok())
                .expect("a height in inches")
        };
        assert!(
            height(&bare) < height(&titled),
            "{name}: no room kept for the title"
        );
        checked += 1;
    }
    assert!(checked >= 4, "{checked} figures compared");

    for command in ["report", "run"] {
        let help = optzoo(tmp.path(), &[command, "--help"]);
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("--no-titles"),
            "`optzoo {command} --help` documents --no-titles"
        );
    }
}

#[test]
fn conditioning_figure_has_one_integer_tick_per_strip() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let out = tmp.path().join("cond");
    let run = optzoo(
        tmp.path(),
        &[
            "inspect",
            "quadratic",
            "dim=6",
            "kappa=100",
            "--conditioning",
            "--steps",
            "5",
            "--out",
            out.to_str().expect("UTF-8 path"),
            "--no-titles",
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let svg = read(&out.join("conditioning.svg"));
    let strips = texts(&svg)
        .iter()
        .filter(|t| {
            t.content
                .split_once(' ')
                .is_some_and(|(n, _)| n.parse::<usize>().is_ok())
        })
        .count();
    assert!(strips >= 5, "{strips} legend entries");
    let labels: Vec<String> = x_ticks(&svg).into_iter().map(|t| t.1).collect();
    let expected: Vec<String> = (1..=strips).map(|k| k.to_string()).collect();
    assert_eq!(labels, expected, "one tick per strip, at its number");
    assert!(
        !texts(&svg)
            .iter()
            .any(|t| t.content == "spectrum of P⁻¹H per preconditioner"),
        "--no-titles drops the title"
    );
}
