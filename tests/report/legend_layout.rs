//! A legend of many series stays readable: on the combined kappa figure of nine optimizer configurations,
//! each legend entry is one text element on one line, at a size legible when the figure is shown 37em wide
//! (as the HTML page shows it), no two entries overlap and every one lies inside the image. Widths are
//! measured independently of the renderer, from the embedded font's advance widths at the SVG's font size.

use super::common;
use super::svg::{Text, attr, number, texts};

use common::{run_ok, write};

/// Nine labelled configurations on three quadratics; labels of different lengths, one long enough that the
/// entry with its slope text cannot share a row.
const NINE: &str = r#"
name = "nine"
seeds = [0]

[[problem]]
family = "quadratic"
dim = 10
kappa = [10, 100, 1000]
spectrum = "two-cluster"
rotation = "random"
start = "random"

[stop]
x_rtol = 1e-6
max_iters = 4000

[[optimizer]]
name = "gd"
label = "gd, Armijo steps"
step = "armijo"

[[optimizer]]
name = "gd"
label = "gd 1/L"
step = "1/L"

[[optimizer]]
name = "momentum"
label = "heavy ball, optimal parameters"
variant = "heavy-ball"
step = "optimal"
beta = "optimal"

[[optimizer]]
name = "adam"
label = "adam small steps"
lr = 1e-3

[[optimizer]]
name = "adam"
label = "adam, larger steps"
lr = 1e-2

[[optimizer]]
name = "lbfgs"

[[optimizer]]
name = "newton"
label = "newton (line search)"
mode = "line-search"

[[optimizer]]
name = "newton"
label = "pure newton"
mode = "pure"

[[optimizer]]
name = "newton"
label = "saddle-free newton"
mode = "saddle-free"
"#;

const LABELS: [&str; 9] = [
    "gd, Armijo steps",
    "gd 1/L",
    "heavy ball, optimal parameters",
    "adam small steps",
    "adam, larger steps",
    "lbfgs",
    "newton (line search)",
    "pure newton",
    "saddle-free newton",
];

/// A text's box in SVG units: (left, top, right, bottom), measured with the embedded font.
fn text_box(face: &ttf_parser::Face, text: &Text) -> (f64, f64, f64, f64) {
    let tag = &text.tag;
    let (x, y, size) = (text.x, text.y, number(tag, "font-size"));
    let em = face.units_per_em() as f64;
    let advance: f64 = text
        .content
        .chars()
        .map(|c| {
            face.glyph_index(c)
                .and_then(|g| face.glyph_hor_advance(g))
                .unwrap_or(face.units_per_em()) as f64
        })
        .sum();
    let x_height = face.x_height().map_or(0.5 * em, f64::from);
    // The baseline: `dy` below y, in x-heights (`ex`) or font sizes (`em`).
    let dy = attr(tag, "dy").unwrap_or("0");
    let baseline = if let Some(v) = dy.strip_suffix("ex") {
        y + v.parse::<f64>().expect("a number") * x_height / em * size
    } else if let Some(v) = dy.strip_suffix("em") {
        y + v.parse::<f64>().expect("a number") * size
    } else {
        y + dy.parse::<f64>().unwrap_or(0.0)
    };
    let top = baseline - face.ascender() as f64 / em * size;
    let bottom = baseline - face.descender() as f64 / em * size;
    let w = advance / em * size;
    let left = match text.anchor.as_str() {
        "end" => x - w,
        "middle" => x - w / 2.0,
        _ => x,
    };
    (left, top, left + w, bottom)
}

#[test]
fn nine_legend_entries_are_whole_lines_side_by_side_without_overlap_inside_the_image() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "nine.toml", NINE);
    run_ok(dir, &["run", "nine.toml", "--out", "r"]);
    run_ok(dir, &["report", "r", "--formats", "svg"]);
    let svg = std::fs::read_to_string(dir.join("r/report/figures/kappa-00-all.svg"))
        .expect("the combined kappa figure");
    let face = ttf_parser::Face::parse(optzoo::report::style::FONT, 0).expect("the embedded font");

    let root = &svg[..svg.find('>').expect("a root element")];
    let view: Vec<f64> = attr(root, "viewBox")
        .expect("a viewBox")
        .split(' ')
        .map(|v| v.parse().expect("a number"))
        .collect();
    let (width, height) = (view[2], view[3]);

    let all = texts(&svg);
    let mut boxes = Vec::new();
    for label in LABELS {
        let start = format!("{label} (");
        let found: Vec<&Text> = all
            .iter()
            .filter(|t| t.content.starts_with(&start))
            .collect();
        assert_eq!(found.len(), 1, "one text element for {label:?}: {all:?}");
        let (tag, text) = (&found[0].tag, &found[0].content);
        // The whole entry: the label and its slope text, parentheses closed, on one line.
        let depth = text.chars().fold(0i32, |d, c| match c {
            '(' => d + 1,
            ')' => d - 1,
            _ => d,
        });
        assert!(
            text.ends_with(')') && depth == 0 && !text.contains('\n'),
            "{text:?} is a whole entry"
        );
        // Nothing of the entry spills onto a text element of its own.
        let after = &text[start.len()..];
        assert!(
            !all.iter()
                .map(|t| &t.content)
                .any(|t| t != text && !t.is_empty() && after.ends_with(&format!(" {t}"))),
            "{text:?} continues elsewhere"
        );
        // Legible at 37em (16 px each) wide: at least 11 px.
        let px = number(tag, "font-size") * 37.0 * 16.0 / width;
        assert!(px >= 11.0, "{label}: {px} px at 37em");
        let b = text_box(&face, found[0]);
        assert!(
            b.0 >= 0.0 && b.1 >= 0.0 && b.2 <= width && b.3 <= height,
            "{text:?} at {b:?} leaves the image of {width} x {height}"
        );
        boxes.push((text.clone(), b));
    }
    for (i, (a, p)) in boxes.iter().enumerate() {
        for (b, q) in &boxes[..i] {
            let apart = p.2 <= q.0 || q.2 <= p.0 || p.3 <= q.1 || q.3 <= p.1;
            assert!(apart, "{a:?} {p:?} overlaps {b:?} {q:?}");
        }
    }
}

/// A short edge-of-stability sweep: its sharpness figures have an x axis that ends on a labelled tick (1000).
const EDGE: &str = r#"
seeds = [0]
[[problem]]
family = "mlp"
widths = [[5, 16, 16, 1]]
samples = 32
[[optimizer]]
name = "gd"
step = [0.40, 0.44]
[sharpness]
every = 50
[stop]
grad_atol = 1e-12
max_iters = 1000
"#;

#[test]
fn no_text_of_a_figure_leaves_its_image() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    write(dir, "edge.toml", EDGE);
    run_ok(dir, &["run", "edge.toml", "--out", "r", "--no-report"]);
    run_ok(dir, &["report", "r", "--formats", "svg"]);
    let face = ttf_parser::Face::parse(optzoo::report::style::FONT, 0).expect("the embedded font");
    let figures = dir.join("r/report/figures");
    let mut checked = 0;
    for entry in std::fs::read_dir(&figures).expect("the figures") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "svg") {
            continue;
        }
        let svg = std::fs::read_to_string(&path).expect("an svg");
        let root = &svg[..svg.find('>').expect("a root element")];
        let view: Vec<f64> = attr(root, "viewBox")
            .expect("a viewBox")
            .split(' ')
            .map(|v| v.parse().expect("a number"))
            .collect();
        let (width, height) = (view[2], view[3]);
        let mut edge_tick = false;
        for t in texts(&svg) {
            let text = &t.content;
            // The rotated y-axis label is placed by its transform; every other text by x and y.
            if text.is_empty() || attr(&t.tag, "transform").is_some() {
                continue;
            }
            let b = text_box(&face, &t);
            assert!(
                b.0 >= -0.5 && b.1 >= -0.5 && b.2 <= width + 0.5 && b.3 <= height + 0.5,
                "{}: {text:?} at {b:?} leaves the image of {width} x {height}",
                path.display()
            );
            edge_tick |= text == "1000";
            checked += 1;
        }
        assert!(
            !path.to_string_lossy().contains("sharpness") || edge_tick,
            "{}: the tick 1000 at the axis' right end is drawn",
            path.display()
        );
    }
    assert!(checked > 20, "{checked} texts checked");
}
