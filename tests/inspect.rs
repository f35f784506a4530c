//! `optzoo inspect` classifies every documented critical point correctly, through the binary.

mod common;

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
