//! Reads criterion's estimates (`target/criterion/**/new/{benchmark,estimates}.json`) and prints the
//! performance figures of `docs/performance.md`: the harness, Newton and sweep ratios, and per optimizer the time per
//! step against n with its growth exponent, the least-squares slope of `log t` against `log n`.
//!
//! `cargo run --release --example bench_summary [CRITERION_DIR]` (default `target/criterion`); run by
//! `scripts/bench.sh` after the benches. Times are criterion's median estimates, robust to the odd sample
//! slowed by other work on the machine.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

/// One benchmark's identity and median time in nanoseconds.
struct Estimate {
    group: String,
    function: String,
    parameter: Option<String>,
    median_ns: f64,
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every `new/` directory under `dir` that holds both files.
fn find(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            if path.join("benchmark.json").exists() && path.join("estimates.json").exists() {
                out.push(path);
            }
        } else {
            find(&path, out);
        }
    }
}

fn load(root: &Path) -> Result<Vec<Estimate>, String> {
    let mut dirs = Vec::new();
    find(root, &mut dirs);
    dirs.sort();
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    dirs.iter()
        .map(|d| {
            let b = read_json(&d.join("benchmark.json"))?;
            let e = read_json(&d.join("estimates.json"))?;
            let median_ns = e
                .pointer("/median/point_estimate")
                .and_then(Value::as_f64)
                .ok_or_else(|| format!("{}: no median estimate", d.display()))?;
            Ok(Estimate {
                group: text(&b, "group_id").unwrap_or_default(),
                function: text(&b, "function_id").unwrap_or_default(),
                parameter: text(&b, "value_str"),
                median_ns,
            })
        })
        .collect()
}

/// The least-squares slope of `y` against `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    sxy / sxx
}

/// A time in the unit that keeps it between 1 and 1000.
fn human(ns: f64) -> String {
    if ns < 1e3 {
        format!("{ns:.0} ns")
    } else if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

fn time_of(all: &[Estimate], group: &str, function: &str, parameter: Option<&str>) -> Option<f64> {
    all.iter()
        .find(|e| e.group == group && e.function == function && e.parameter.as_deref() == parameter)
        .map(|e| e.median_ns)
}

fn ratio_line(label: &str, num: Option<f64>, den: Option<f64>, target: &str) {
    match (num, den) {
        (Some(a), Some(b)) => println!(
            "{label}: {:.2}x ({} / {}; target {target})",
            a / b,
            human(a),
            human(b)
        ),
        _ => println!("{label}: not measured"),
    }
}

fn main() -> ExitCode {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/criterion"));
    let all = match load(&root) {
        Ok(all) => all,
        Err(e) => {
            eprintln!("bench_summary: {e}");
            return ExitCode::from(2);
        }
    };
    if all.is_empty() {
        eprintln!(
            "bench_summary: no criterion estimates under {}; run the benches first",
            root.display()
        );
        return ExitCode::from(2);
    }

    for (n, label) in [("1000000", "1e6"), ("4000000", "4e6")] {
        let harness = time_of(&all, "overhead", "harness", Some(n));
        ratio_line(
            &format!("overhead at n = {label} (harness / loop with the runner's measurement)"),
            harness,
            time_of(&all, "overhead", "bare_measured", Some(n)),
            if n == "1000000" {
                "<= 1.2x"
            } else {
                "for reference"
            },
        );
        ratio_line(
            &format!("overhead at n = {label} (harness / minimal loop, one shared gradient)"),
            harness,
            time_of(&all, "overhead", "bare", Some(n)),
            "for reference",
        );
    }
    ratio_line(
        "newton (one iteration / faer llt + solve, n = 1000)",
        time_of(&all, "newton", "step", None),
        time_of(&all, "newton", "faer_llt_solve", None),
        "<= 1.3x",
    );
    ratio_line(
        "newton (one iteration / faer in-place factorisation + solve in preallocated buffers)",
        time_of(&all, "newton", "step", None),
        time_of(&all, "newton", "faer_in_place", None),
        "for reference",
    );
    for (client, what) in [("v2", "version 2, memory file"), ("v1", "version 1, pipe")] {
        ratio_line(
            &format!("external client ({what}) / built-in gd, per iteration at n = 1e6"),
            time_of(&all, "external_vs_gd", client, Some("1000000")),
            time_of(&all, "external_vs_gd", "gd", Some("1000000")),
            if client == "v2" {
                "<= 1.5x"
            } else {
                "for reference"
            },
        );
        match time_of(&all, "external_vs_gd", client, Some("10")) {
            Some(t) => println!(
                "external client ({what}), per iteration at n = 10: {} (target <= 10 us)",
                human(t)
            ),
            None => println!("external client ({what}) at n = 10: not measured"),
        }
    }
    ratio_line(
        "sweep speedup (--jobs 1 time / --jobs 2 time)",
        time_of(&all, "sweep", "jobs", Some("1")),
        time_of(&all, "sweep", "jobs", Some("2")),
        ">= 1.8x",
    );

    // Time per step against n, per optimizer.
    let mut table: BTreeMap<&str, Vec<(usize, f64)>> = BTreeMap::new();
    for e in all.iter().filter(|e| e.group == "step_cost") {
        if let Some(n) = e.parameter.as_deref().and_then(|p| p.parse::<usize>().ok()) {
            table.entry(&e.function).or_default().push((n, e.median_ns));
        }
    }
    if table.is_empty() {
        return ExitCode::SUCCESS;
    }
    println!();
    println!("| optimizer | time per step at n | exponent (all n) | exponent (largest 3 n) |");
    println!("|---|---|---|---|");
    for (name, points) in &mut table {
        points.sort_by_key(|p| p.0);
        let logs: Vec<(f64, f64)> = points
            .iter()
            .map(|(n, t)| ((*n as f64).ln(), t.ln()))
            .collect();
        let cells: Vec<String> = points
            .iter()
            .map(|(n, t)| format!("{n}: {}", human(*t)))
            .collect();
        let tail = &logs[logs.len().saturating_sub(3)..];
        let fit = |p: &[(f64, f64)]| {
            if p.len() >= 2 {
                format!("{:.2}", slope(p))
            } else {
                "-".into()
            }
        };
        println!(
            "| {name} | {} | {} | {} |",
            cells.join(", "),
            fit(&logs),
            fit(tail)
        );
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_recovers_a_power_law() {
        // t = 3 n^2.5 exactly: the log-log slope is 2.5 up to rounding of the logarithms.
        let points: Vec<(f64, f64)> = [10.0f64, 100.0, 1000.0, 1e4]
            .iter()
            .map(|n| (n.ln(), (3.0 * n.powf(2.5)).ln()))
            .collect();
        let s = slope(&points);
        assert!((s - 2.5).abs() <= 1e3 * f64::EPSILON, "slope {s:e}");
    }
}
