//! `optzoo critical` against theory: the double well's `3^k` critical points with their closed-form index and
//! value, the deep linear network's strict saddles at depth 2 and degenerate points at depth 3 (checked by an
//! independent finite-difference Hessian and by the closed form of the scalar network), the rising index of
//! a small `mlp`'s critical points with their loss, and the command's files and refusals.

use super::common;

use common::optzoo;
use faer::{Mat, Side};
use optzoo::census::{Census, CensusOptions, census};
use optzoo::problems::{Instance, family};
use optzoo::{Problem, Registry};

fn table(params: &[(&str, toml::Value)]) -> toml::Table {
    params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn run(fam: &str, params: &[(&str, toml::Value)], options: CensusOptions) -> Census {
    census(&Registry::builtin(), fam, &table(params), options, &|| {})
        .unwrap_or_else(|e| panic!("{fam}: {e}"))
}

/// The problem the census of `fam` with `params` and `seed` classified, built again.
fn problem(fam: &str, params: &[(&str, toml::Value)], seed: u64) -> Box<dyn Problem> {
    let inst = Instance::parse(family(fam).expect("registered"), &table(params)).expect("valid");
    inst.build(seed).expect("builds").0
}

fn int(v: i64) -> toml::Value {
    toml::Value::Integer(v)
}

/// The Hessian by central second differences of `f` alone (no derivative code of the family), `h = 1e-4`:
/// truncation `O(h^2)`, rounding `O(eps |f| / h^2)`, both about 1e-8 here.
fn fd_hessian(p: &dyn Problem, x: &[f64]) -> Mat<f64> {
    let n = x.len();
    let h = 1e-4;
    let f = |di: usize, si: f64, dj: usize, sj: f64| {
        let mut y = x.to_vec();
        y[di] += si * h;
        y[dj] += sj * h;
        p.value(&y)
    };
    Mat::from_fn(n, n, |i, j| {
        (f(i, 1.0, j, 1.0) - f(i, 1.0, j, -1.0) - f(i, -1.0, j, 1.0) + f(i, -1.0, j, -1.0))
            / (4.0 * h * h)
    })
}

/// The gradient norm by central differences of `f`.
fn fd_grad_norm(p: &dyn Problem, x: &[f64]) -> f64 {
    let h = 1e-6;
    (0..x.len())
        .map(|i| {
            let (mut a, mut b) = (x.to_vec(), x.to_vec());
            a[i] += h;
            b[i] -= h;
            ((p.value(&a) - p.value(&b)) / (2.0 * h)).powi(2)
        })
        .sum::<f64>()
        .sqrt()
}

fn binomial(n: usize, k: usize) -> usize {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

/// Every point of a double-well census lies on the lattice `{-sqrt(c), 0, sqrt(c)}^k x {0}^(n-k)`, with the
/// closed-form index (zeros among the first k coordinates) and value `-(k - j) c^2 / 4`; returns the number
/// of distinct lattice points found and the count per index.
fn check_double_well(c: &Census, dim: usize, k: usize, curvature: f64) -> (usize, Vec<usize>) {
    let r = curvature.sqrt();
    let mut seen = std::collections::BTreeSet::new();
    let mut per_index = vec![0; k + 1];
    for p in &c.points {
        let mut signs = Vec::with_capacity(dim);
        for (i, &x) in p.x.iter().enumerate() {
            let s = [-1i8, 0, 1]
                .into_iter()
                .find(|s| (x - f64::from(*s) * r).abs() <= 1e-9 * r)
                .unwrap_or_else(|| panic!("coordinate {i} = {x} is off the lattice at {:?}", p.x));
            assert!(i < k || s == 0, "stable coordinate {i} = {x} is not 0");
            signs.push(s);
        }
        let j = signs[..k].iter().filter(|s| **s == 0).count();
        let value = -((k - j) as f64) * curvature * curvature / 4.0;
        assert_eq!(
            (p.index, p.nullity),
            (j, 0),
            "index at {:?}: eigenvalues {:?}",
            p.x,
            p.eigenvalues
        );
        assert!(
            (p.value - value).abs() <= 1e-12 * curvature * curvature * k as f64,
            "f = {} at {:?}, closed form {value}",
            p.value,
            p.x
        );
        // Hessian diag(2c at a well, -c at a zero well coordinate, c on a stable one).
        let kind = match j {
            0 => "minimum",
            _ if j == dim => "maximum",
            _ => "saddle",
        };
        assert_eq!(p.kind, kind, "at {:?}", p.x);
        assert!(seen.insert(signs), "{:?} counted twice", p.x);
        per_index[j] += 1;
    }
    (seen.len(), per_index)
}

#[test]
fn the_double_well_census_finds_most_of_its_729_points_each_with_its_closed_form_index_and_value() {
    let params = [("dim", int(6)), ("index", int(6))];
    let c = run(
        "double-well",
        &params,
        CensusOptions {
            starts: 3000,
            ..CensusOptions::default()
        },
    );
    assert_eq!(
        c.converged(),
        3000,
        "every start converges on the double well"
    );
    let (found, per_index) = check_double_well(&c, 6, 6, 1.0);
    // 3^6 = 729 points, C(6, j) 2^(6-j) of index j; measured: 707 of them from 3000 starts (97%).
    assert!(found * 10 >= 729 * 9, "found {found} of 729");
    for (j, &n) in per_index.iter().enumerate() {
        assert!(n <= binomial(6, j) << (6 - j), "index {j}: {n}");
    }
    assert_eq!(per_index[6], 1, "the maximum at the origin");

    // Stable coordinates and another curvature: all 3^3 = 27 points of dim 4, index 3, c = 2.5.
    let params = [
        ("dim", int(4)),
        ("index", int(3)),
        ("curvature", toml::Value::Float(2.5)),
    ];
    let c = run(
        "double-well",
        &params,
        CensusOptions {
            starts: 300,
            seed: 3,
            ..CensusOptions::default()
        },
    );
    let (found, per_index) = check_double_well(&c, 4, 3, 2.5);
    assert_eq!(found, 27);
    assert_eq!(per_index, vec![8, 12, 6, 1]);
}

#[test]
fn deep_linear_at_depth_2_has_only_strict_saddles_above_f_star() {
    let params = [
        ("depth", int(2)),
        ("width", int(2)),
        ("in_dim", int(2)),
        ("out_dim", int(2)),
        ("samples", int(8)),
    ];
    let c = run(
        "deep-linear",
        &params,
        CensusOptions {
            starts: 60,
            ..CensusOptions::default()
        },
    );
    let p = problem("deep-linear", &params, 0);
    let f_star = c.f_star.expect("deep-linear knows f*");
    let f0 = p.value(&vec![0.0; c.dim]);
    let tol = 1e-9 * f0;
    let (mut saddles, mut minima) = (0, 0);
    for pt in &c.points {
        // Independently: the point is critical and its curvature is what the census says.
        assert!(
            fd_grad_norm(p.as_ref(), &pt.x) <= 1e-7,
            "not critical: {pt:?}"
        );
        let fd = fd_hessian(p.as_ref(), &pt.x);
        let eig = fd
            .self_adjoint_eigen(Side::Lower)
            .expect("symmetric eigensolver");
        let lambda_min = eig.S()[0];
        if pt.value > f_star + tol {
            saddles += 1;
            assert!(
                pt.index >= 1 && pt.kind == "saddle",
                "f = {} > f* = {f_star} but index {}: {pt:?}",
                pt.value,
                pt.index
            );
            assert!(
                lambda_min <= -1e-4,
                "finite differences find no negative curvature: {lambda_min}"
            );
            // f falls along the escape direction, both ways.
            let v: Vec<f64> = (0..c.dim).map(|i| eig.U()[(i, 0)]).collect();
            for t in [1e-3, -1e-3] {
                let y: Vec<f64> = pt.x.iter().zip(&v).map(|(a, b)| a + t * b).collect();
                assert!(p.value(&y) < pt.value, "f does not fall along v at {pt:?}");
            }
        } else {
            minima += 1;
            // The minimisers W2 W1 = M form a manifold of dimension 8 - 4 (GL(2) acts on the hidden
            // layer): four zero eigenvalues, so the verdict is degenerate, never minimum.
            assert_eq!((pt.index, pt.nullity), (0, 4), "{pt:?}");
            assert_eq!(pt.kind, "degenerate");
            assert!(lambda_min >= -1e-6, "finite differences: {lambda_min}");
        }
    }
    assert!(
        saddles >= 5 && minima >= 1,
        "{saddles} saddles, {minima} minima"
    );
}

#[test]
fn deep_linear_at_depth_3_has_degenerate_points_above_f_star_and_degenerate_minima() {
    // The scalar network f = s (a b c - m)^2 / 2 (s = sum x_n^2 / N): its critical points are the surface
    // a b c = m (f = 0: nullity 2, the surface's dimension), the three axes without the origin (two
    // coordinates zero: one eigenvalue -|s m t| of the pair +-s m t, index 1) and the origin, where the
    // Hessian vanishes: degenerate, f(0) = s m^2 / 2 > 0 = f*.
    let params = [
        ("depth", int(3)),
        ("width", int(1)),
        ("in_dim", int(1)),
        ("out_dim", int(1)),
        ("samples", int(4)),
    ];
    let c = run(
        "deep-linear",
        &params,
        CensusOptions {
            starts: 100,
            radius: Some(0.5),
            ..CensusOptions::default()
        },
    );
    let p = problem("deep-linear", &params, 0);
    let f0 = p.value(&[0.0; 3]);
    assert_eq!(c.f_star, Some(0.0));
    let (mut origin, mut minima, mut axes) = (0, 0, 0);
    for pt in &c.points {
        assert_ne!(pt.kind, "minimum", "{pt:?}");
        let zeros = pt.x.iter().filter(|v| v.abs() <= 1e-8).count();
        if pt.value <= 1e-12 * f0 {
            minima += 1;
            assert_eq!(
                (pt.kind.as_str(), pt.index, pt.nullity),
                ("degenerate", 0, 2)
            );
        } else if zeros == 3 {
            origin += 1;
            assert!((pt.value - f0).abs() <= 1e-12 * f0);
            assert_eq!(
                (pt.kind.as_str(), pt.index, pt.nullity),
                ("degenerate", 0, 3)
            );
            // Independently: the finite-difference Hessian vanishes there.
            let fd = fd_hessian(p.as_ref(), &pt.x);
            assert!(fd.norm_max() <= 1e-6, "{fd:?}");
        } else {
            axes += 1;
            assert_eq!(zeros, 2, "{pt:?}");
            assert!((pt.value - f0).abs() <= 1e-12 * f0);
            assert_eq!((pt.kind.as_str(), pt.index, pt.nullity), ("saddle", 1, 1));
        }
    }
    // Measured: the origin from 48 of the 100 starts.
    assert_eq!(origin, 1, "the origin is found, once");
    assert!(
        minima >= 1 && axes >= 1,
        "{minima} minima, {axes} axis points"
    );

    // Width 2: the minimisers W3 W2 W1 = M form a manifold of dimension 12 - 4: eight zero eigenvalues.
    let params = [
        ("depth", int(3)),
        ("width", int(2)),
        ("in_dim", int(2)),
        ("out_dim", int(2)),
        ("samples", int(8)),
    ];
    let c = run(
        "deep-linear",
        &params,
        CensusOptions {
            starts: 100,
            ..CensusOptions::default()
        },
    );
    let mut minima = 0;
    for pt in &c.points {
        assert_ne!(pt.kind, "minimum", "{pt:?}");
        if pt.value <= 1e-12 {
            minima += 1;
            assert_eq!(
                (pt.kind.as_str(), pt.index, pt.nullity),
                ("degenerate", 0, 8)
            );
        }
    }
    assert!(minima >= 1);
}

/// Average ranks, written here apart from the library's.
fn avg_ranks(v: &[f64]) -> Vec<f64> {
    v.iter()
        .map(|a| {
            let below = v.iter().filter(|b| *b < a).count() as f64;
            let equal = v.iter().filter(|b| *b == a).count() as f64;
            below + (equal + 1.0) / 2.0
        })
        .collect()
}

#[test]
fn a_small_mlp_has_index_rising_with_loss() {
    let params = [
        ("widths", toml::Value::Array(vec![int(2), int(3), int(1)])),
        ("samples", int(16)),
    ];
    let c = run(
        "mlp",
        &params,
        CensusOptions {
            starts: 200,
            spearman: true,
            ..CensusOptions::default()
        },
    );
    let s = c.spearman.expect("asked for");
    // Measured: 34 distinct points from 200 starts, rho = 0.654, p = 6e-4 (9999 permutations).
    assert!(s.pairs >= 20, "{s:?}");
    assert!(s.rho > 0.3 && s.p_value < 0.01, "{s:?}");
    // The same rho from ranks computed here.
    let (ri, rf) = (
        avg_ranks(&c.points.iter().map(|p| p.index as f64).collect::<Vec<_>>()),
        avg_ranks(&c.points.iter().map(|p| p.value).collect::<Vec<_>>()),
    );
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (mi, mf) = (mean(&ri), mean(&rf));
    let cov: f64 = ri.iter().zip(&rf).map(|(a, b)| (a - mi) * (b - mf)).sum();
    let var = |v: &[f64], m: f64| v.iter().map(|a| (a - m).powi(2)).sum::<f64>();
    let rho = cov / (var(&ri, mi) * var(&rf, mf)).sqrt();
    assert!((rho - s.rho).abs() <= 1e-12, "{rho} vs {}", s.rho);
    // Each point is critical by finite differences, and saddles have negative curvature there too.
    let p = problem("mlp", &params, 0);
    for pt in &c.points {
        assert!(fd_grad_norm(p.as_ref(), &pt.x) <= 1e-7, "{pt:?}");
        if pt.index > 0 {
            let fd = fd_hessian(p.as_ref(), &pt.x);
            let lo = fd.self_adjoint_eigenvalues(Side::Lower).expect("eigen")[0];
            assert!(
                lo <= 0.5 * pt.eigenvalues[0],
                "{lo} vs {:?}",
                pt.eigenvalues
            );
        }
    }
}

#[test]
fn the_command_writes_its_files_and_prints_its_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = optzoo(
        dir.path(),
        &[
            "critical",
            "double-well",
            "dim=2",
            "index=2",
            "--starts",
            "50",
            "--out",
            "census",
            "--spearman",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "starts: 50",
        "converged: 50",
        "distinct points: 9 (4 minimum, 4 saddle, 1 maximum, 0 degenerate), in 3 levels",
        "by index: 0: 4, 1: 4, 2: 1",
        "rho = 1,",
    ] {
        assert!(text.contains(line), "`{line}` missing from\n{text}");
    }
    let census_dir = dir.path().join("census");
    for f in [
        "census.md",
        "census.csv",
        "census.json",
        "index-vs-loss.svg",
        "index-vs-loss.png",
    ] {
        let path = census_dir.join(f);
        assert!(
            std::fs::metadata(&path).is_ok_and(|m| m.len() > 0),
            "{f} missing"
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(census_dir.join("census.json")).expect("readable"))
            .expect("valid JSON");
    assert_eq!(json["points"].as_array().map(Vec::len), Some(9));
    assert_eq!(json["ends"].as_array().map(Vec::len), Some(50));
    let csv = std::fs::read_to_string(census_dir.join("census.csv")).expect("readable");
    assert_eq!(csv.lines().count(), 10, "header and 9 rows");
    let md = std::fs::read_to_string(census_dir.join("census.md")).expect("readable");
    assert!(md.contains("index-vs-loss.svg") && md.contains("Critical points of double-well"));
}

#[test]
fn bad_requests_are_refused_with_what_was_wrong() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, expected) in [
        (&["no-such-family"][..], "no-such-family"),
        (&["double-well", "dim=0"][..], "dim"),
        (&["double-well", "dimm=3"][..], "dimm"),
        (&["double-well", "dim"][..], "expected key=value"),
        (&["quadratic", "dim=1001", "kappa=10"][..], "at most 1000"),
        (&["double-well", "start=random"][..], "draws its own starts"),
        (&["double-well", "--radius", "-1"][..], "--radius"),
        (&["double-well", "--zero-tol", "nan"][..], "--zero-tol"),
    ] {
        let mut all = vec!["critical"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--starts", "5", "--out", "c"]);
        let out = optzoo(dir.path(), &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(expected),
            "{args:?}: `{expected}` not in {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
    let out = optzoo(
        dir.path(),
        &["critical", "double-well", "--starts", "0", "--out", "c"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("c").exists(), "nothing written on refusal");
}
