//! `optzoo inspect` classifies every documented critical point correctly, through the binary; a point whose
//! gradient is not small is `not critical` with the threshold stated; saddles come with their escape
//! direction; numbers are shown to 4 significant digits.

use super::common;

use common::optzoo;

fn rows(args: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    let out = optzoo(dir.path(), &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| point"))
        .map(str::to_string)
        .collect()
}

#[test]
fn documented_critical_points_get_their_documented_verdicts() {
    for (args, expected_points) in [
        (&["himmelblau"][..], 9),
        (&["six-hump-camel"][..], 15),
        (&["double-well", "dim=3", "index=2"][..], 3),
        (&["double-well", "dim=4", "index=4", "curvature=2.5"][..], 3),
        (&["styblinski-tang", "dim=3"][..], 3),
    ] {
        let rows = rows(args);
        assert_eq!(rows.len(), expected_points, "{args:?}");
        for row in &rows {
            assert!(row.contains("(agrees)"), "{args:?}: {row}");
            // At a polished critical point the gradient vanishes to rounding.
            let grad: f64 = row
                .split('|')
                .nth(4)
                .and_then(|c| c.trim().parse().ok())
                .expect("a gradient norm");
            assert!(grad <= 1e-10, "{args:?}: ||g|| = {grad:e} in {row}");
        }
    }
    let himmelblau = rows(&["himmelblau"]);
    assert_eq!(
        himmelblau
            .iter()
            .filter(|r| r.contains("| minimum | minimum (agrees)"))
            .count(),
        4
    );
    assert_eq!(
        himmelblau
            .iter()
            .filter(|r| r.contains("| maximum | maximum (agrees)"))
            .count(),
        1
    );
    assert_eq!(
        himmelblau
            .iter()
            .filter(|r| r.contains("| saddle (index 1) | saddle"))
            .count(),
        4
    );
}

#[test]
fn the_monkey_saddle_is_degenerate() {
    let rows = rows(&["monkey-saddle"]);
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].contains("| degenerate (2 zero, 0 negative) |"),
        "{}",
        rows[0]
    );
}

#[test]
fn a_given_point_is_inspected_and_bad_input_exits_2() {
    let rows = rows(&["double-well", "dim=2", "index=1", "--at", "0,0"]);
    assert!(rows[0].contains("saddle (index 1)"), "{}", rows[0]);
    let rows = self::rows(&["rosenbrock", "--at", "-1.2,1"]);
    assert!(rows[0].contains("given point"), "{}", rows[0]);
    let dir = tempfile::tempdir().expect("temp dir");
    for args in [
        &["inspect", "himmelblu"][..],
        &["inspect", "rosenbrock", "--at", "1,2,3"][..],
        &["inspect", "quadratic", "dim"][..],
        &["inspect", "quadratic", "dim=0", "kappa=1"][..],
        &["inspect", "rosenbrock", "--at", "nan,1"][..],
        &["inspect", "rosenbrock", "--at", "1,inf"][..],
    ] {
        let out = optzoo(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = optzoo(dir.path(), &["inspect", "himmelblu"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `himmelblau`"));
}

#[test]
fn quadratic_spectra_match_their_definition_to_1e_10() {
    // log-uniform, kappa 1e4, n = 5: lambda_i = 1e-4 * 1e4^(i/4) = 1e-4, 1e-3, 1e-2, 1e-1, 1, rotated at random.
    let rows = rows(&[
        "quadratic",
        "dim=5",
        "kappa=1e4",
        "spectrum=\"log-uniform\"",
        "rotation=\"random\"",
    ]);
    let cells: Vec<&str> = rows[0].split('|').map(str::trim).collect();
    let lo: f64 = cells[5].parse().expect("lambda_min");
    let hi: f64 = cells[6].parse().expect("lambda_max");
    assert!(
        (lo - 1e-4).abs() <= 1e-10 * 1e-4 + 1e-6 * 1e-4,
        "lambda_min {lo:e}"
    );
    assert!((hi - 1.0).abs() <= 1e-6, "lambda_max {hi:e}");
}

fn run_stdout(args: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    let out = optzoo(dir.path(), &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_point_with_a_large_gradient_is_not_critical_and_says_by_how_much() {
    // At (-1.2, 1), the standard start: g = (-215.6, -88), ||g|| = 232.87; the default tolerance is 1e-5
    // times the gradient norm at the standard start (here the same point).
    let rows = rows(&["rosenbrock", "--at", "-1.2,1"]);
    let verdict = rows[0].split('|').nth(8).map(str::trim).unwrap_or_default();
    assert_eq!(
        verdict, "not critical (grad norm 232.9 > tol 2.329e-3)",
        "{}",
        rows[0]
    );
    assert!(!rows[0].contains("minimum"), "{}", rows[0]);
    // A looser tolerance lets the curvature speak: positive definite there.
    let rows = self::rows(&["rosenbrock", "--at", "-1.2,1", "--grad-tol", "1000"]);
    assert!(rows[0].contains("| minimum |"), "{}", rows[0]);
    let dir = tempfile::tempdir().expect("temp dir");
    for bad in ["-1", "nan", "inf"] {
        let out = optzoo(
            dir.path(),
            &["inspect", "rosenbrock", "--at", "-1.2,1", "--grad-tol", bad],
        );
        assert_eq!(out.status.code(), Some(2), "--grad-tol {bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("--grad-tol must be a finite number >= 0")
        );
    }
}

/// The coordinates of a direction printed as `(a, b, ...)` at the end of `line`.
fn vector_in(line: &str) -> Vec<f64> {
    let open = line.rfind('(').expect("a vector");
    line[open + 1..line.len() - 1]
        .split(", ")
        .map(|c| c.parse().unwrap_or_else(|_| panic!("{c:?} in {line:?}")))
        .collect()
}

#[test]
fn saddles_show_their_escape_direction() {
    // f = sum_i a_i x_i^2 / 2 + x_i^4 / 4 with a = (-2, 2, 2): at the origin, lambda = -2 along x_1.
    let text = run_stdout(&[
        "double-well",
        "dim=3",
        "index=1",
        "curvature=2.0",
        "--at",
        "0,0,0",
    ]);
    assert!(
        text.contains("  - escape direction, lambda_min = -2: (1, 0, 0)\n"),
        "{text}"
    );
    assert!(
        text.contains("  - lambda_max = 2 (multiplicity 2: one unit vector of its eigenspace): "),
        "{text}"
    );
    // Himmelblau: 4 saddles of index 1, each with a unit escape direction, orthogonal to the other.
    let text = run_stdout(&["himmelblau"]);
    let escapes: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  - escape direction"))
        .collect();
    let others: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  - lambda_max"))
        .collect();
    assert_eq!((escapes.len(), others.len()), (4, 4), "{text}");
    // Four significant digits: a unit vector to within 1e-3.
    for (e, o) in escapes.iter().zip(&others) {
        let (u, v) = (vector_in(e), vector_in(o));
        let norm = |x: &[f64]| x.iter().map(|c| c * c).sum::<f64>().sqrt();
        assert!(
            (norm(&u) - 1.0).abs() <= 1e-3 && (norm(&v) - 1.0).abs() <= 1e-3,
            "{e} {o}"
        );
        let dot: f64 = u.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert!(dot.abs() <= 1e-3, "orthogonal: {e} {o}");
    }
    // Minima and the maximum get no directions.
    assert_eq!(
        text.matches("\n- saddle (index 1) at (").count(),
        4,
        "{text}"
    );
}

#[test]
fn numbers_are_shown_to_four_significant_digits() {
    for row in rows(&["himmelblau"]) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // x, f, ||g||, lambda_min, lambda_max, kappa.
        let mut numbers: Vec<&str> = cells[2]
            .trim_matches(|c| c == '(' || c == ')')
            .split(", ")
            .collect();
        numbers.extend([cells[3], cells[4], cells[5], cells[6], cells[10]]);
        for n in numbers.into_iter().filter(|n| !n.is_empty()) {
            assert!(n.parse::<f64>().is_ok(), "{n:?} in {row}");
            let mantissa = n
                .trim_start_matches('-')
                .split('e')
                .next()
                .unwrap_or_default();
            let digits = mantissa.replace('.', "");
            let significant = digits.trim_start_matches('0');
            assert!(
                significant.len() <= 4,
                "{n} has more than 4 significant digits: {row}"
            );
        }
    }
}
