//! No answer misleads: `compare` refuses a baseline that holds no runs (a check that cannot fail is no check),
//! and a label or parameter value holding a `|`, a line break, HTML or LaTeX's special characters stays in its
//! cell, as its own text, in every table the report writes and in `compare`'s Markdown.

use super::common;

use std::path::Path;

use common::{assert_refused, optzoo, shown, write};

const PROBLEM: &str = r#"
seeds = [0]
[[problem]]
family = "rosenbrock"
dim = 2
[stop]
max_iters = 20
[[optimizer]]
name = "gd"
step = "armijo"
"#;

/// A label with a cell separator, a script tag and every LaTeX special character; two configurations of it
/// that differ in a parameter holding a line break (so the tables name them by that parameter). Their client
/// fails at once: the runs are recorded as failed, and appear in every table.
const HOSTILE: &str = r#"
[[optimizer]]
name = "external"
label = 'evil|<script>alert(1)</script> a_b$c&d#e^f%g~h{i}\j'
command = ["/bin/sh", "-c", "exit 3"]
params = { note = "two\nlines|<b>bold</b>" }
[[optimizer]]
name = "external"
label = 'evil|<script>alert(1)</script> a_b$c&d#e^f%g~h{i}\j'
command = ["/bin/sh", "-c", "exit 3"]
params = { note = "one line" }
"#;

/// Runs `config` into `dir/out` without a report.
fn run(dir: &Path, config: &str, out: &str) {
    let name = format!("{out}.toml");
    write(dir, &name, config);
    let o = optzoo(dir, &["run", &name, "--out", out, "--no-report"]);
    assert!(o.status.success(), "{}", shown(&o));
}

/// The number of cells of a Markdown table row: its `|` not escaped by a backslash, less one.
fn markdown_cells(line: &str) -> usize {
    let (mut pipes, mut escaped) = (0usize, false);
    for c in line.chars() {
        if c == '|' && !escaped {
            pipes += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    pipes.saturating_sub(1)
}

/// Asserts that every Markdown table in `text` (a run of lines starting with `|`) has whole rows, each with
/// as many cells as its header, that no row was split by a line break, and that no HTML tag of a label
/// reached the text.
fn assert_markdown_tables(what: &str, text: &str) {
    let mut header: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('|') {
            assert!(
                line.ends_with('|'),
                "{what}:{}: a row cut short: {line}\n{text}",
                i + 1
            );
            let n = markdown_cells(line);
            let expected = *header.get_or_insert(n);
            assert_eq!(n, expected, "{what}:{}: {line}\n{text}", i + 1);
        } else {
            header = None;
            assert!(
                !line.contains("evil") && !line.starts_with("lines"),
                "{what}:{}: a label outside its table row: {line}\n{text}",
                i + 1
            );
        }
    }
    let lower = text.to_lowercase();
    assert!(
        !lower.contains("<script") && !lower.contains("<b>"),
        "{what}: raw HTML from a label:\n{text}"
    );
}

#[test]
fn compare_refuses_a_baseline_that_holds_no_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    run(d, PROBLEM, "new");

    std::fs::create_dir_all(d.join("empty/runs")).expect("temp dir is writable");
    assert_refused(
        d,
        &["compare", "empty", "new"],
        Path::new("empty"),
        "the baseline holds no runs",
    );

    // A sweep.json that lists no runs: its run files belong to another sweep, and are left out.
    std::fs::create_dir_all(d.join("unlisted/runs")).expect("temp dir is writable");
    for e in std::fs::read_dir(d.join("new/runs")).expect("runs/ exists") {
        let p = e.expect("an entry").path();
        let name = p.file_name().expect("a name");
        std::fs::copy(&p, d.join("unlisted/runs").join(name)).expect("copied");
    }
    let mut sweep: serde_json::Value = serde_json::from_slice(
        &std::fs::read(d.join("new/sweep.json")).expect("sweep.json exists"),
    )
    .expect("sweep.json is JSON");
    sweep["run_ids"] = serde_json::json!([]);
    write(d, "unlisted/sweep.json", &sweep.to_string());
    for format in ["md", "csv", "json"] {
        assert_refused(
            d,
            &["compare", "unlisted", "new", "--format", format],
            Path::new("unlisted"),
            "the baseline holds no runs",
        );
    }

    // New results with no runs against a baseline that has some: every baseline run is missing.
    let o = optzoo(d, &["compare", "new", "empty"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Verdict: FAIL, 1 baseline run missing."),
        "{}",
        shown(&o)
    );
}

#[test]
fn labels_with_pipes_line_breaks_and_html_stay_in_their_cell() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    run(d, &format!("{PROBLEM}{HOSTILE}"), "base");
    let o = optzoo(d, &["report", "base"]);
    assert!(o.status.success(), "{}", shown(&o));

    let tables = d.join("base/report/tables");
    let mut seen = 0;
    for e in std::fs::read_dir(&tables).expect("tables/ exists") {
        let p = e.expect("an entry").path();
        let text = std::fs::read_to_string(&p).expect("a table is text");
        let what = p.display().to_string();
        match p.extension().and_then(|x| x.to_str()) {
            Some("md") => {
                assert_markdown_tables(&what, &text);
                if text.contains("evil") {
                    seen += 1;
                    assert!(
                        text.contains(
                            "evil\\|&lt;script>alert(1)&lt;/script> a_b$c&amp;d#e^f%g~h{i}\\\\j"
                        ),
                        "{what}: the label as written:\n{text}"
                    );
                }
            }
            Some("tex") => {
                let columns = text
                    .lines()
                    .find_map(|l| l.strip_prefix("\\begin{tabular}{"))
                    .map_or(0, |l| l.trim_end_matches('}').len());
                let body = text
                    .split_once("\\toprule\n")
                    .and_then(|(_, b)| b.split_once("\\bottomrule"))
                    .map_or("", |(b, _)| b);
                assert!(columns > 0 && !body.is_empty(), "{what}:\n{text}");
                for line in body.lines().filter(|l| *l != "\\midrule") {
                    assert!(
                        line.ends_with(" \\\\"),
                        "{what}: a row cut short: {line}\n{text}"
                    );
                    let cells = 1 + line.matches('&').count() - line.matches("\\&").count();
                    assert_eq!(cells, columns, "{what}: {line}\n{text}");
                }
                if text.contains("evil") {
                    assert!(
                        text.contains(
                            "evil\\textbar{}\\textless{}script\\textgreater{}alert(1)\\textless{}/script\\textgreater{} \
                             a\\_b\\$c\\&d\\#e\\textasciicircum{}f\\%g\\textasciitilde{}h\\{i\\}\\textbackslash{}j"
                        ),
                        "{what}: the label escaped:\n{text}"
                    );
                }
            }
            _ => {}
        }
    }
    assert!(seen >= 2, "the label appears in the outcome tables");

    // The external runs are missing from the new results: compare names them in its tables.
    run(d, PROBLEM, "new");
    let o = optzoo(d, &["compare", "base", "new"]);
    assert_eq!(o.status.code(), Some(1), "{}", shown(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert_markdown_tables("compare", &text);
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("| MISSING | evil\\|&lt;script>"))
            .count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("note=two\\\\nlines\\|&lt;b>bold&lt;/b>"),
        "{text}"
    );
}
