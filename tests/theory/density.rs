//! `optzoo inspect --density` against the exact spectrum: on quadratics of every spectrum kind (closed-form
//! eigenvalues) and on the teacher-student mlp at p = 484 (eigenvalues of a finite-difference Hessian), the
//! Hutchinson trace lies within 3 standard errors of the exact trace, the Lanczos extremes within 1e-8
//! max |lambda| of the exact ones, and the SLQ measure's first four moments within 4 standard deviations of
//! the exact moments `tr(H^k) / n`.
//!
//! The moments' tolerance: Gauss quadrature of `m >= 3` nodes is exact to degree `2m - 1 >= 5`, so each
//! probe's moment `k <= 4` is exactly `v' H^k v / n`; the only error is the probes' sampling. For Rademacher
//! `v`, `Var(v' A v) = 2 (||A||_F^2 - sum_i A_ii^2) <= 2 ||A||_F^2`, so the mean over `p` probes has standard
//! deviation at most `sqrt(2 sum_i lambda_i^(2k) / p) / n`; 4 of them hold with probability at least 15/16
//! whatever the distribution (Chebyshev), and the seeds are fixed. Where `H` is diagonal (`rotation =
//! "none"`), `v' H^k v = tr(H^k)` for every Rademacher `v`, and the moments must be exact to rounding.
//!
//! Flat valleys: at an interpolating minimum of an over-parameterised mlp under squared loss the Hessian is
//! the Gauss-Newton term, of rank at most `N d_out`, so at least `p - N d_out` eigenvalues vanish; a run of
//! lbfgs reaches one and `inspect --run` finds them there, from the point the record keeps beside it.

use super::common;

use std::path::Path;

use common::{optzoo, run_ok, shown, write};
use faer::{Mat, Side};
use optzoo::spectrum::density::DensityOptions;
use sha2::{Digest, Sha256};

/// The study of `family` with `params` at its standard start.
fn study(family: &str, params: &str, options: DensityOptions) -> optzoo::density::DensityStudy {
    let table: toml::Table = toml::from_str(params).expect("params are TOML");
    optzoo::density::at_point(
        &optzoo::Registry::builtin(),
        family,
        &table,
        None,
        0,
        options,
    )
    .unwrap_or_else(|e| panic!("{family} {params}: {e}"))
}

/// Checks the trace, the extremes and the moments of `s` against the exact eigenvalues `exact`; `diagonal`
/// when every Rademacher probe gives the exact moments.
fn check_against(s: &optzoo::density::DensityStudy, exact: &[f64], diagonal: bool, what: &str) {
    let d = &s.density;
    let n = exact.len() as f64;
    let scale = exact.iter().fold(0.0f64, |m, l| m.max(l.abs()));
    let trace: f64 = exact.iter().sum();
    let rounding = 1e-10 * exact.iter().map(|l| l.abs()).sum::<f64>();
    assert!(
        (d.trace - trace).abs() <= 3.0 * d.trace_se + rounding,
        "{what}: trace {} +- {} vs exact {trace}",
        d.trace,
        d.trace_se
    );
    let (lo, hi) = (exact[0], exact[exact.len() - 1]);
    assert!(
        (d.extremes.min - lo).abs() <= 1e-8 * scale && (d.extremes.max - hi).abs() <= 1e-8 * scale,
        "{what}: Lanczos extremes {:?} vs exact ({lo}, {hi})",
        d.extremes
    );
    let probes = d.options.probes as f64;
    for k in 1..=4 {
        let exact_moment = exact.iter().map(|l| l.powi(k)).sum::<f64>() / n;
        let sd = (2.0 * exact.iter().map(|l| l.powi(2 * k)).sum::<f64>() / probes).sqrt() / n;
        let tol = if diagonal {
            1e-10 * scale.powi(k)
        } else {
            4.0 * sd + 1e-10 * scale.powi(k)
        };
        let m = d.moment(k);
        assert!(
            (m - exact_moment).abs() <= tol,
            "{what}: moment {k} = {m} vs exact {exact_moment} (tolerance {tol})"
        );
    }
}

#[test]
fn quadratics_of_every_spectrum_kind_match_their_closed_form_spectra() {
    let n = 500;
    use optzoo::problems::quadratic::{Rotation, Spectrum};
    for spectrum in [
        Spectrum::Linear,
        Spectrum::LogUniform,
        Spectrum::TwoCluster,
        Spectrum::Outlier,
    ] {
        for rotation in [Rotation::None, Rotation::Random] {
            let config = optzoo::problems::quadratic::QuadraticConfig {
                dim: n,
                kappa: 100.0,
                spectrum,
                rotation,
                shift: 0.0,
            };
            let exact = config.eigenvalues();
            let params = format!(
                "dim = {n}\nkappa = 100.0\nspectrum = \"{spectrum}\"\nrotation = \"{rotation}\""
            );
            let options = DensityOptions {
                extreme_steps: n,
                ..DensityOptions::default()
            };
            let s = study("quadratic", &params, options);
            let what = format!("quadratic {spectrum} {rotation}");
            check_against(&s, &exact, rotation == Rotation::None, &what);
            // The dense path agrees with the closed form too, and no eigenvalue is near zero.
            let dense = s.density.exact.as_ref().expect("dense up to n = 2000");
            assert!(
                dense
                    .iter()
                    .zip(&exact)
                    .all(|(a, b)| (a - b).abs() <= 1e-12),
                "{what}: dense spectrum"
            );
            assert_eq!(s.density.zeros.exact, Some(0), "{what}");
        }
    }
}

/// The Hessian of `problem` at `x` by central differences of its gradient (step 1e-5), symmetrised.
fn finite_difference_hessian(problem: &dyn optzoo::Problem, x: &[f64]) -> Mat<f64> {
    let n = x.len();
    let h = 1e-5;
    let mut columns = Vec::with_capacity(n);
    let (mut gp, mut gm) = (vec![0.0; n], vec![0.0; n]);
    for j in 0..n {
        let mut y = x.to_vec();
        y[j] = x[j] + h;
        problem.value_and_gradient(&y, &mut gp);
        y[j] = x[j] - h;
        problem.value_and_gradient(&y, &mut gm);
        columns.push(
            gp.iter()
                .zip(&gm)
                .map(|(a, b)| (a - b) / (2.0 * h))
                .collect::<Vec<f64>>(),
        );
    }
    Mat::from_fn(n, n, |i, j| 0.5 * (columns[j][i] + columns[i][j]))
}

#[test]
fn the_mlp_at_p_484_matches_the_spectrum_of_its_finite_difference_hessian() {
    // widths [5, 48, 4]: p = 48 (5 + 1) + 4 (48 + 1) = 484 parameters.
    let params = "widths = [5, 48, 4]\nsamples = 16";
    let s = study("mlp", params, DensityOptions::default());
    assert_eq!(s.density.n, 484);
    let family = optzoo::problems::family("mlp").expect("mlp is built in");
    let table: toml::Table = toml::from_str(params).expect("TOML");
    let instance = optzoo::problems::Instance::parse(family, &table).expect("valid parameters");
    let (problem, x0) = instance.build(0).expect("builds");
    let h = finite_difference_hessian(problem.as_ref(), &x0);
    let exact = h
        .self_adjoint_eigenvalues(Side::Lower)
        .expect("eigenvalues converge");
    // The start is no critical point: the Hessian is indefinite there.
    assert!(
        exact[0] < -1.0 && exact[483] > 1.0,
        "{} {}",
        exact[0],
        exact[483]
    );
    check_against(&s, &exact, false, "mlp [5, 48, 4] at the start");
}

const FLAT: &str = r#"
name = "flat"
seeds = [0]

[[problem]]
family = "mlp"
widths = [[5, 48, 4]]
samples = 16

[stop]
grad_atol = 1e-12
max_iters = 5000

[[optimizer]]
name = "lbfgs"
"#;

/// Runs the flat-valley config into `dir/out` and returns the record's path and JSON.
fn flat_run(dir: &Path) -> (std::path::PathBuf, serde_json::Value) {
    write(dir, "flat.toml", FLAT);
    run_ok(dir, &["run", "flat.toml", "--out", "out"]);
    let record = common::records(&dir.join("out"))
        .into_iter()
        .next()
        .expect("one run");
    let id = record["run_id"].as_str().expect("an id").to_string();
    (dir.join("out/runs").join(format!("{id}.json")), record)
}

#[test]
fn an_interpolating_minimum_of_the_mlp_has_at_least_p_minus_n_d_out_zero_eigenvalues() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, record) = flat_run(dir.path());
    assert_eq!(record["outcome"]["status"], "converged");
    let f = record["outcome"]["final_value"].as_f64().expect("f");
    assert!(f <= 1e-20, "an interpolating minimum: f = {f:e}");
    // The final point is kept beside the record: 484 little-endian f64 with the SHA-256 the record states.
    let id = record["run_id"].as_str().expect("id");
    let bytes = std::fs::read(dir.path().join(format!("out/points/{id}.f64"))).expect("point file");
    let file = &record["outcome"]["final_x_file"];
    assert_eq!(bytes.len(), 484 * 8);
    assert_eq!(file["len"], 484);
    let hash: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(file["sha256"], hash.as_str());

    let path = path.to_string_lossy().into_owned();
    run_ok(
        dir.path(),
        &[
            "inspect",
            "--run",
            &path,
            "--density",
            "--zero-tol",
            "1e-8",
            "--out",
            "fig",
        ],
    );
    let fig = dir.path().join("fig");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fig.join("density.json")).expect("density.json"))
            .expect("JSON");
    // The point read back is the run's last iterate: the value there is the one the run recorded.
    let value = json["value"].as_f64().expect("f at the point");
    assert!(
        (value - f).abs() <= 1e-12 * f.abs() + 1e-30,
        "{value:e} vs {f:e}"
    );
    assert_eq!(json["point"]["kind"], "run-end");
    let zeros = json["zeros"]["exact"].as_u64().expect("dense count");
    assert!(
        zeros >= 484 - 16 * 4,
        "{zeros} eigenvalues below 1e-8 lambda_max"
    );
    // The SLQ weights see the same null space: the estimate is within 3 standard errors of the count.
    let estimate = json["zeros"]["estimate"].as_f64().expect("estimate");
    let se = json["zeros"]["standard_error"].as_f64().expect("se");
    assert!(
        (estimate - zeros as f64).abs() <= 3.0 * se + 1.0,
        "SLQ {estimate} +- {se} vs {zeros}"
    );
    // The drawn density has its spike at zero: most of its mass within 3 sigma of zero, its peak there.
    let sigma = json["options"]["sigma"].as_f64().expect("sigma");
    let curve: Vec<(f64, f64)> = std::fs::read_to_string(fig.join("density.csv"))
        .expect("density.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let (a, b) = l.split_once(',').expect("two columns");
            (a.parse().expect("x"), b.parse().expect("y"))
        })
        .collect();
    let step = curve[1].0 - curve[0].0;
    let near: f64 = curve
        .iter()
        .filter(|(x, _)| x.abs() <= 3.0 * sigma)
        .map(|(_, y)| y * step)
        .sum();
    assert!(near >= 0.8, "mass within 3 sigma of zero: {near}");
    let peak = curve
        .iter()
        .fold((0.0, 0.0), |m, p| if p.1 > m.1 { *p } else { m });
    assert!(peak.0.abs() <= sigma, "peak at {}", peak.0);
    for name in ["density.svg", "density.png", "nodes.csv"] {
        assert!(fig.join(name).is_file(), "{name}");
    }
}

#[test]
fn a_missing_or_altered_point_file_is_refused_and_an_older_record_reads_as_before() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (path, record) = flat_run(dir.path());
    let id = record["run_id"].as_str().expect("id");
    let point = dir.path().join(format!("out/points/{id}.f64"));
    let run = path.to_string_lossy().into_owned();
    let args = ["inspect", "--run", run.as_str(), "--density"];
    let good = std::fs::read(&point).expect("point file");

    let mut altered = good.clone();
    altered[100] ^= 0x40;
    std::fs::write(&point, &altered).expect("writable");
    common::assert_refused(dir.path(), &args, &point, "SHA-256");
    std::fs::write(&point, &good[..good.len() - 8]).expect("writable");
    common::assert_refused(dir.path(), &args, &point, "holds 3864 bytes");
    std::fs::remove_file(&point).expect("removable");
    common::assert_refused(dir.path(), &args, &point, "No such file");

    // A record of format 2 (no point file) is read as before: compare reads it; inspect says what is missing.
    let mut old = record.clone();
    old["format"] = 2.into();
    old["outcome"]
        .as_object_mut()
        .expect("an object")
        .remove("final_x_file");
    std::fs::write(&path, serde_json::to_vec_pretty(&old).expect("JSON")).expect("writable");
    run_ok(dir.path(), &["compare", "out", "out"]);
    common::assert_refused(dir.path(), &args, &path, "keeps no final point");
}

#[test]
fn a_merge_carries_the_point_files_over_checked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = FLAT.replace("seeds = [0]", "seeds = [0, 1]");
    write(dir.path(), "flat.toml", &config);
    for k in ["1/2", "2/2"] {
        let out = format!("s{}", &k[..1]);
        run_ok(
            dir.path(),
            &["run", "flat.toml", "--shard", k, "--out", &out],
        );
    }
    run_ok(dir.path(), &["merge", "merged", "s1", "s2"]);
    let records = common::records(&dir.path().join("merged"));
    assert_eq!(records.len(), 2);
    for r in &records {
        let id = r["run_id"].as_str().expect("id");
        let copied =
            std::fs::read(dir.path().join(format!("merged/points/{id}.f64"))).expect("copied");
        let shard = if Path::new(&dir.path().join(format!("s1/points/{id}.f64"))).exists() {
            "s1"
        } else {
            "s2"
        };
        let original =
            std::fs::read(dir.path().join(format!("{shard}/points/{id}.f64"))).expect("kept");
        assert_eq!(copied, original, "{id}");
    }
    // A shard whose point file was altered is refused, naming the file.
    let id = records[0]["run_id"].as_str().expect("id");
    let shard = if dir.path().join(format!("s1/points/{id}.f64")).exists() {
        "s1"
    } else {
        "s2"
    };
    let bad = Path::new(shard).join(format!("points/{id}.f64"));
    let mut bytes = std::fs::read(dir.path().join(&bad)).expect("point");
    bytes[0] ^= 1;
    std::fs::write(dir.path().join(&bad), bytes).expect("writable");
    common::assert_refused(dir.path(), &["merge", "again", "s1", "s2"], &bad, "SHA-256");
}

#[test]
fn above_the_dense_limit_only_hessian_vector_products_are_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A diagonal quadratic of dim 5000, two clusters: half the eigenvalues 0.01, half 1; trace 2525.
    let shown_out = run_ok(
        dir.path(),
        &[
            "inspect",
            "quadratic",
            "dim=5000",
            "kappa=100",
            "spectrum=\"two-cluster\"",
            "--density",
            "--out",
            "d",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("d/density.json")).expect("json"))
            .expect("JSON");
    assert!(
        json["eigenvalues"].is_null() && json["zeros"]["exact"].is_null(),
        "{shown_out}"
    );
    let trace = json["trace"]["estimate"].as_f64().expect("trace");
    assert!((trace - 2525.0).abs() <= 1e-9 * 2525.0, "{trace}");
    for (key, exact) in [("lambda_min", 0.01), ("lambda_max", 1.0)] {
        let v = json[key]["lanczos"].as_f64().expect(key);
        assert!((v - exact).abs() <= 1e-10, "{key} {v}");
    }
    // Two distinct eigenvalues: each probe's quadrature is exact, with half its weight on each.
    let moments = json["moments"]["slq"].as_array().expect("moments");
    let m2 = moments[1].as_f64().expect("m2");
    assert!((m2 - 0.5 * (1e-4 + 1.0)).abs() <= 1e-12, "{m2}");
}

#[test]
fn bad_requests_are_refused_with_what_was_expected() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, says) in [
        (
            &[
                "inspect",
                "quadratic",
                "dim=10",
                "kappa=10",
                "--density",
                "--probes",
                "0",
            ][..],
            "--probes must be at least 1",
        ),
        (
            &[
                "inspect",
                "quadratic",
                "dim=10",
                "kappa=10",
                "--density",
                "--lanczos-steps",
                "2",
            ][..],
            "--steps must be at least 3",
        ),
        (
            &[
                "inspect",
                "quadratic",
                "dim=10",
                "kappa=10",
                "--density",
                "--broadening",
                "0",
            ][..],
            "--broadening must be",
        ),
        (
            &[
                "inspect",
                "quadratic",
                "dim=10",
                "kappa=10",
                "--probes",
                "3",
            ][..],
            "--density",
        ),
        (
            &["inspect", "quadratic", "dim=10", "kappa=10", "--out", "x"][..],
            "--out",
        ),
        (
            &["inspect", "quadratic", "--run", "r.json", "--density"][..],
            "--run",
        ),
        (
            &["inspect", "--run", "nowhere/runs/x.json", "--density"][..],
            "nowhere/runs/x.json",
        ),
        (
            &["inspect", "--run", "x.json", "--density"][..],
            "RESULTS_DIR/runs/<run-id>.json",
        ),
        (
            &[
                "inspect",
                "quadratic",
                "dim=100000",
                "kappa=10",
                "--density",
                "--memory-limit",
                "10MiB",
            ][..],
            "above the memory limit",
        ),
        (
            &[
                "inspect",
                "quadratic",
                "dim=2000",
                "kappa=10",
                "--density",
                "--memory-limit",
                "64MiB",
            ][..],
            "dense Hessian",
        ),
    ] {
        let out = optzoo(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", shown(&out));
        assert!(
            shown(&out).contains(says),
            "{args:?} says {says:?}: {}",
            shown(&out)
        );
    }
}
