//! A report ready for a paper, checked on what the binary writes for a sweep whose labels and parameter
//! values are hostile to LaTeX and to number formatting: every `.tex` file has no special character outside
//! math mode that is not escaped (a small walker over the text), Greek letters set as math; no caption,
//! legend or table cell shows a number with more than 6 significant digits; figure captions name instances
//! by family and varying parameters and keep the shared ones for an `Instance(s):` sentence; the museum
//! table says that its two time columns are different medians.

use super::common;
use super::shared_dir::once_per_binary;
use super::svg::shown_text;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::{run_ok, write};

/// Labels full of LaTeX's special characters and Greek letters, parameter values with many digits (a
/// computed kappa, a curvature of 10^-1.5, a start offset and steps with ten or more digits).
const HOSTILE: &str = r#"
name = "hostile"
seeds = [0, 1]

[[problem]]
family = "quadratic"
dim = 12
kappa = [10, 31.622776601683793, 1000.0000001]
spectrum = "two-cluster"
rotation = "random"
start = "random"

[[problem]]
family = "double-well"
dim = 2
index = 1
curvature = [0.03162277660168379, 0.1]
start_offset = 1.2345678912e-8

[[problem]]
family = "himmelblau"

[stop]
x_rtol = 1e-6
grad_rtol = 1e-8
max_iters = 3000

[[optimizer]]
name = "gd"
label = "my_opt 50% & #1"
step = ["armijo", 0.0031622776601683794]

[[optimizer]]
name = "momentum"
label = "heavy {ball} $x^2$ ~tilde"
variant = "heavy-ball"
step = "optimal"
beta = "optimal"

[[optimizer]]
name = "adam"
label = "back\\slash κ-adam η"
lr = 0.012345678901

[[optimizer]]
name = "lbfgs"

[[optimizer]]
name = "newton"
mode = ["line-search", "saddle-free"]
"#;

/// The report folder of the hostile sweep (SVG figures), run once per test binary and shared by the tests,
/// which only read it.
fn hostile_report() -> &'static Path {
    static REPORT: OnceLock<PathBuf> = OnceLock::new();
    once_per_binary(&REPORT, "optzoo-hostile-", |dir| {
        write(dir, "hostile.toml", HOSTILE);
        run_ok(dir, &["run", "hostile.toml", "--out", "r"]);
        run_ok(dir, &["report", "r", "--formats", "svg"]);
        dir.join("r/report")
    })
    .as_path()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files of `dir` whose name ends with `ext`.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.to_string_lossy().ends_with(ext))
        .collect();
    out.sort();
    out
}

fn greek(c: char) -> bool {
    ('\u{0370}'..='\u{03FF}').contains(&c)
}

/// Walks one line of a LaTeX file: commands (`\name`), escaped characters (`\_`, `\\`), math between `$`
/// signs, groups in braces. Outside math no `_ ^ ~ # %` and no Greek letter may stand bare, braces
/// balance, math closes on the line; inside math no Greek letter stands as a character (it is a command).
/// Returns the number of column separators (`&`) outside math.
fn walk(line: &str) -> Result<usize, String> {
    let chars: Vec<char> = line.chars().collect();
    let (mut math, mut depth, mut amps) = (false, 0i32, 0);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => match chars.get(i + 1) {
                Some(n) if n.is_ascii_alphabetic() => {
                    i += 1;
                    while chars.get(i).is_some_and(char::is_ascii_alphabetic) {
                        i += 1;
                    }
                    continue;
                }
                Some(n) if "&%$#_{}\\|,".contains(*n) => i += 1,
                other => return Err(format!("a lone backslash before {other:?} at {i}")),
            },
            '$' => math = !math,
            _ if greek(c) => {
                return Err(format!(
                    "Greek letter {c} as a character {} at {i}",
                    if math { "in math" } else { "in text" }
                ));
            }
            _ if math => {}
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("a `}}` closes nothing at {i}"));
                }
            }
            '&' => amps += 1,
            '_' | '^' | '~' | '#' | '%' => {
                return Err(format!("a bare `{c}` outside math at {i}"));
            }
            _ => {}
        }
        i += 1;
    }
    if math {
        return Err("math left open at the end of the line".into());
    }
    if depth != 0 {
        return Err(format!("{depth} braces left open"));
    }
    Ok(amps)
}

/// Checks a whole `.tex` file: every line walks cleanly ([`walk`]), table rows have one `&` fewer than
/// the tabular has columns, other lines none; comment lines (starting with `%`) are skipped.
fn check_tex(text: &str) -> Result<(), String> {
    let mut columns = 0;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('%') {
            continue;
        }
        let amps = walk(line).map_err(|e| format!("line {}: {e}: {line}", n + 1))?;
        if let Some(spec) = line.strip_prefix("\\begin{tabular}{") {
            columns = spec.trim_end_matches('}').chars().count();
        }
        let expected = if line.ends_with("\\\\") {
            columns.saturating_sub(1)
        } else {
            0
        };
        if amps != expected {
            return Err(format!(
                "line {}: {amps} column separators, expected {expected}: {line}",
                n + 1
            ));
        }
    }
    Ok(())
}

#[test]
fn the_tex_checker_finds_what_it_is_for() {
    assert!(check_tex("\\begin{tabular}{lr}\na\\_b & $\\kappa$ \\\\\n\\end{tabular}").is_ok());
    for bad in [
        "50% done",
        "a_b",
        "x^2",
        "~",
        "#1",
        "κ",
        "$κ$",
        "{open",
        "$x",
        "\\begin{tabular}{lr}\na & b & c \\\\",
        "a & b",
    ] {
        assert!(check_tex(bad).is_err(), "{bad:?} passes");
    }
}

#[test]
fn every_tex_file_is_latex_safe_with_greek_as_math() {
    let report = hostile_report();
    let tex = files(&report.join("tables"), ".tex");
    assert!(tex.len() >= 3, "{tex:?}");
    for path in &tex {
        let text = read(path);
        if let Err(e) = check_tex(&text) {
            panic!("{}: {e}", path.display());
        }
    }
    let outcomes = read(&report.join("tables/outcomes.tex"));
    for escaped in [
        "my\\_opt 50\\% \\& \\#1",
        "heavy \\{ball\\} \\$x\\textasciicircum{}2\\$ \\textasciitilde{}tilde",
        "back\\textbackslash{}slash $\\kappa$-adam $\\eta$",
    ] {
        assert!(outcomes.contains(escaped), "{escaped} in\n{outcomes}");
    }
}

/// The significant digits of a number as written (`0.0316228` has 6, `200000` has 1, `1.23457e-8` 6).
fn significant_digits(number: &str) -> usize {
    let mantissa = number.split('e').next().unwrap_or("");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_start_matches('0');
    if mantissa.contains('.') {
        digits.len()
    } else {
        digits.trim_end_matches('0').len()
    }
}

/// The numbers standing alone in `text` (not part of a word, a hex colour or an identifier).
fn numbers(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '#' || c == '.';
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !word(chars[i - 1])) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if chars.get(i) == Some(&'e') {
                let mut j = i + 1;
                if chars.get(j) == Some(&'-') {
                    j += 1;
                }
                if chars.get(j).is_some_and(char::is_ascii_digit) {
                    i = j;
                    while chars.get(i).is_some_and(char::is_ascii_digit) {
                        i += 1;
                    }
                }
            }
            let end = i;
            let token: String = chars[start..end].iter().collect();
            let token = token.trim_end_matches('.').to_string();
            if !chars
                .get(end)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                out.push(token);
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn no_caption_legend_or_cell_shows_more_than_six_significant_digits() {
    assert_eq!(significant_digits("0.0316228"), 6);
    assert_eq!(significant_digits("200000"), 1);
    assert_eq!(significant_digits("31.622776601683793"), 17);
    assert_eq!(
        numbers("x_1 kappa=31.6228, 1.2e-8 #FF0000 a1 3.5in 7."),
        ["31.6228", "1.2e-8", "7"]
    );
    let report = hostile_report();
    let mut read_texts: Vec<(PathBuf, String)> = Vec::new();
    for path in files(&report.join("tables"), ".md") {
        read_texts.push((path.clone(), read(&path)));
    }
    let captions = report.join("figures/captions.md");
    read_texts.push((captions.clone(), read(&captions)));
    for path in files(&report.join("figures"), ".svg") {
        read_texts.push((path.clone(), shown_text(&read(&path))));
    }
    let page = report.join("index.html");
    read_texts.push((page.clone(), shown_text(&read(&page))));
    assert!(read_texts.len() > 10);
    for (path, text) in &read_texts {
        for n in numbers(text) {
            assert!(
                significant_digits(&n) <= 6,
                "{}: {n} has more than 6 significant digits",
                path.display()
            );
        }
    }
    // The values the config gave with many digits are shown rounded.
    let captions = read(&captions);
    for shown in ["31.6228", "0.0316228", "1.23457e-8", "3.16228e-3"] {
        assert!(captions.contains(shown), "{shown} in the captions");
    }
}

/// The longest run of consecutive `key=value` words in `sentence`.
fn key_value_run(sentence: &str) -> usize {
    let pair = |w: &str| {
        let w = w.trim_end_matches([',', ';', ':', ')']);
        w.split_once('=').is_some_and(|(k, v)| {
            !k.is_empty() && !v.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    };
    let (mut best, mut run) = (0, 0);
    for w in sentence.split_whitespace() {
        run = if pair(w) { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[test]
fn captions_name_instances_by_family_and_varying_parameters_with_the_rest_in_details() {
    assert_eq!(key_value_run("a=1 b=2: c=3 text"), 3);
    assert_eq!(key_value_run("quadratic kappa=10 on x"), 1);
    let report = hostile_report();
    let captions = read(&report.join("figures/captions.md"));
    let entries: Vec<&str> = captions.split("\n## ").skip(1).collect();
    assert!(entries.len() > 10, "{captions}");
    for entry in &entries {
        let name = entry.lines().next().unwrap_or_default();
        let text = entry.lines().skip(1).collect::<Vec<_>>().join(" ");
        // Sentences end with ". " (numbers such as 0.1 have no space after their point).
        for sentence in text.split(". ") {
            let details = sentence.trim_start().starts_with("Instance: ")
                || sentence.trim_start().starts_with("Instances: ");
            assert!(
                details || key_value_run(sentence) < 3,
                "{name}: a wall of parameters outside the details: {sentence}"
            );
        }
    }
    let profile = entries
        .iter()
        .find(|e| e.starts_with("performance-profile"))
        .expect("a performance profile");
    for names in [
        "quadratic with kappa = 10, 31.6228, 1000",
        "double-well with curvature = 0.0316228, 0.1",
        "; himmelblau",
        "Instances: quadratic dim=12 rotation=random",
        "double-well dim=2 index=1",
    ] {
        assert!(profile.contains(names), "{names} in {profile}");
    }
    let path = entries
        .iter()
        .find(|e| e.starts_with("trajectory-") && e.contains("double-well"))
        .expect("a path figure on a double well");
    assert!(
        path.contains("double-well curvature=0.0316228: every iterate")
            && path.contains("Instance: double-well curvature=0.0316228 dim=2 index=1"),
        "{path}"
    );
}

#[test]
fn the_museum_table_says_its_two_time_columns_are_different_medians() {
    let report = hostile_report();
    let sentence = "time / step and cost / step are different medians";
    let md = read(&report.join("tables/museum.md"));
    let (table, after) = md.split_at(md.rfind("|\n").expect("a Markdown table") + 2);
    assert!(table.contains("| time / step |"), "{md}");
    assert!(after.contains(sentence), "under the table: {md}");
    let tex = read(&report.join("tables/museum.tex"));
    let caption = tex
        .lines()
        .find(|l| l.starts_with("\\caption{"))
        .expect("a caption");
    assert!(caption.contains(sentence), "{caption}");
    let page = read(&report.join("index.html"));
    let museum = &page[page.find("<h3>The museum").expect("the museum section")..];
    let note = &museum[..museum.find("<table").expect("its table")];
    assert!(note.contains(sentence), "{note}");
}

#[test]
fn a_table_cell_that_wraps_never_breaks_a_number_at_its_minus_sign() {
    let report = hostile_report();
    let page = read(&report.join("index.html"));
    let open = "<td class=\"long\">";
    let mut guarded = 0;
    for piece in page.split(open).skip(1) {
        let cell = &piece[..piece.find("</td>").expect("a closed cell")];
        // What is left outside the unbreakable spans has no hyphen to break at.
        let mut outside = String::new();
        let mut rest = cell;
        while let Some(i) = rest.find("<span class=\"nowrap\">") {
            outside.push_str(&rest[..i]);
            let after = &rest[i..];
            let j = after.find("</span>").expect("a closed span");
            guarded += usize::from(after[..j].contains('-'));
            rest = &after[j + "</span>".len()..];
        }
        outside.push_str(rest);
        assert!(!outside.contains('-'), "a breakable hyphen in {cell}");
    }
    // The gap column's ranges (`4.1e-12 [3.7e-12, 4.5e-12]`) are such cells.
    assert!(guarded > 0, "no wrapping cell with a negative exponent");
}
