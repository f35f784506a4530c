//! Every table is written by one of the formats of `optzoo::table`, each behind `TableFormat`: what each
//! writes for a table, checked against the text written out by hand; and the two pooled outcome tables (the
//! one `optzoo run` prints and the report's `tables/outcomes.csv`) count the same runs as the records say.

use super::common;

use std::collections::BTreeMap;

use common::{records, run_ok, write};
use optzoo::table::{Align, Csv, Html, Latex, Markdown, Table, TableFormat, Text};

fn sample() -> Table {
    Table {
        caption: Some("Runs of 50% of the seeds".into()),
        label: Some("runs".into()),
        footer_from: Some(1),
        notes: vec!["medians: of converged runs only".into()],
        ..Table::new(
            vec!["optimizer".into(), "runs".into()],
            vec![
                vec!["gd, \"armijo\"".into(), "12".into()],
                vec!["all".into(), "3".into()],
            ],
        )
    }
}

#[test]
fn each_format_writes_the_table_as_written_by_hand() {
    let t = sample();
    assert_eq!(
        Markdown::default().write(&t),
        "| optimizer | runs |\n| :--- | ---: |\n| gd, \"armijo\" | 12 |\n| all | 3 |\n\nmedians: of converged runs only\n"
    );
    let compact = Table {
        aligns: vec![Align::Unset, Align::Right],
        notes: Vec::new(),
        ..t.clone()
    };
    assert_eq!(
        Markdown { compact: true }.write(&compact),
        "| optimizer | runs |\n|---|---:|\n| gd, \"armijo\" | 12 |\n| all | 3 |\n"
    );
    assert_eq!(
        Csv.write(&t),
        "optimizer,runs\n\"gd, \"\"armijo\"\"\",12\nall,3\n"
    );
    assert_eq!(
        Latex.write(&t),
        "% Uses booktabs: put \\usepackage{booktabs} in the preamble.\n\\begin{table}[htbp]\n\\centering\n\
         \\caption{Runs of 50\\% of the seeds}\n\\label{tab:runs}\n\\begin{tabular}{lr}\n\\toprule\n\
         optimizer & runs \\\\\n\\midrule\ngd, \"armijo\" & 12 \\\\\n\\midrule\nall & 3 \\\\\n\\bottomrule\n\
         \\end{tabular}\n\\end{table}\n"
    );
    assert_eq!(
        Text.write(&t),
        "optimizer     runs\n------------------\ngd, \"armijo\"    12\n------------------\nall              3\n\
         medians: of converged runs only\n"
    );
    let html = Html.write(&t);
    assert!(
        html.starts_with("<div class=\"scroll\"><table>\n<thead><tr><th class=\"text\">optimizer</th><th>runs</th></tr></thead>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td class=\"text\">gd, &quot;armijo&quot;</td><td>12</td></tr>\n<tr class=\"foot\"><td class=\"text\">all</td><td>3</td></tr>"),
        "{html}"
    );
}

#[test]
fn every_format_names_its_own_extension() {
    let formats: [&dyn TableFormat; 5] = [&Markdown::default(), &Csv, &Latex, &Html, &Text];
    let exts: Vec<&str> = formats.iter().map(|f| f.extension()).collect();
    assert_eq!(exts, ["md", "csv", "tex", "html", "txt"]);
}

#[test]
fn a_cell_with_a_line_break_stays_one_row_in_the_text_formats() {
    let t = Table::new(
        vec!["label".into(), "n".into()],
        vec![vec!["a\nb|c".into(), "1".into()]],
    );
    assert_eq!(Text.write(&t), "label   n\n---------\na\\nb|c  1\n");
    assert_eq!(
        Markdown::default().write(&t),
        "| label | n |\n| :--- | ---: |\n| a\\\\nb\\|c | 1 |\n"
    );
}

const CONFIG: &str = r#"
name = "pooled"
seeds = [0, 1, 2]

[[problem]]
family = "quadratic"
dim = 8
kappa = [10, 1000]

[stop]
grad_rtol = 1e-6
max_iters = 400

[[optimizer]]
name = "gd"
step = "1/L"

[[optimizer]]
name = "newton"
"#;

/// The median of `v` (the mean of the middle two for an even count).
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| {
        if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        }
    })
}

#[test]
fn the_printed_and_the_reported_outcome_tables_count_what_the_records_hold() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "p.toml", CONFIG);
    let printed = run_ok(dir.path(), &["run", "p.toml", "--out", "out"]);
    run_ok(dir.path(), &["report", "out", "--figures", "kappa"]);
    // Independently: runs, converged runs and median iterations per optimizer name, from the records.
    let mut by: BTreeMap<String, (usize, usize, Vec<f64>)> = BTreeMap::new();
    for r in records(&dir.path().join("out")) {
        let name = r["spec"]["optimizer"]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let e = by.entry(name).or_default();
        e.0 += 1;
        if r["outcome"]["status"] == "converged" {
            e.1 += 1;
            e.2.push(r["outcome"]["iterations"].as_f64().unwrap_or(f64::NAN));
        }
    }
    assert_eq!(by.len(), 2, "{by:?}");
    let csv = std::fs::read_to_string(dir.path().join("out/report/tables/outcomes.csv"))
        .expect("the report wrote tables/outcomes.csv");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (runs, conv, iters) = (
        col("runs").expect("a runs column"),
        col("converged").expect("a converged column"),
        col("median iterations").expect("a median iterations column"),
    );
    let reported: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(reported.len(), 2, "{csv}");
    for row in &reported {
        let name = row[0].split(' ').next().unwrap_or("");
        let (n, c, it) = by[name].clone();
        assert_eq!(row[runs], n.to_string(), "{csv}");
        assert_eq!(row[conv], c.to_string(), "{csv}");
        let m = median(it).map_or("-".to_string(), |m| format!("{m}"));
        assert_eq!(row[iters], m, "{csv}");
        // The printed table: the same runs, counts and median on the optimizer's line.
        let line = printed
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no line for {name}: {printed}"));
        // From the right: evaluations, iterations, the statuses (in the CSV's order), runs.
        let statuses = header.len() - 4;
        let cells: Vec<&str> = line.split_whitespace().rev().collect();
        assert_eq!(cells[2 + statuses], n.to_string(), "{line}");
        assert_eq!(cells[1 + statuses - (conv - 2)], c.to_string(), "{line}");
        assert_eq!(cells[1], m, "{line}");
    }
    assert!(
        printed.contains("medians: of converged runs only, pooled over 2 problem instances"),
        "{printed}"
    );
}
