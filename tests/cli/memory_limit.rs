//! Memory pre-flight through the binary: a problem too large to build is refused at check time (exit 2)
//! with what it needs; a run too large for the limit is `not-applicable` with what it needs, before it
//! allocates; the process never aborts (exit codes 0, 1 and 2 only).

use super::common;

use common::{optzoo, records, write};

fn exit_code(out: &std::process::Output) -> i32 {
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "exit {code:?}, not 0, 1 or 2; stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    code.unwrap_or(-1)
}

#[test]
fn an_mlp_too_large_to_build_is_refused_at_check_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "m.toml",
        "[[problem]]\nfamily = \"mlp\"\nwidths = [[100000, 100000, 1]]\n[[optimizer]]\nname = \"gd\"\nstep = 0.1\n",
    );
    for args in [
        &["run", "m.toml", "--out", "res"][..],
        &["run", "m.toml", "--dry-run"][..],
    ] {
        let out = optzoo(dir.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(exit_code(&out), 2, "{stderr}");
        assert!(
            stderr.contains("m.toml:2:10")
                && stderr.contains("needs")
                && stderr.contains("GiB")
                && stderr.contains("memory limit"),
            "{stderr}"
        );
    }
    assert!(!dir.path().join("res").exists(), "nothing may run");
}

#[test]
fn newton_on_a_quadratic_of_dim_100000_is_not_applicable_and_gd_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "q.toml",
        "[[problem]]\nfamily = \"quadratic\"\ndim = 100000\nkappa = 10\n[stop]\nmax_iters = 3\n\
         [[optimizer]]\nname = \"newton\"\n[[optimizer]]\nname = \"bfgs\"\n[[optimizer]]\nname = \"gd\"\nstep = \"1/L\"\n",
    );
    let out = optzoo(
        dir.path(),
        &["run", "q.toml", "--out", "res", "--memory-limit", "8GiB"],
    );
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = records(&dir.path().join("res"));
    assert_eq!(runs.len(), 3);
    for r in &runs {
        let name = r["spec"]["optimizer"]["name"].as_str().unwrap_or_default();
        let o = &r["outcome"];
        if name == "gd" {
            assert_eq!(o["status"], "max-iters", "{o}");
        } else {
            assert_eq!(o["status"], "not-applicable", "{name}: {o}");
            let message = o["message"].as_str().unwrap_or_default();
            assert!(
                message.contains("needs")
                    && message.contains("dense Hessian")
                    && message.contains("8.0 GiB"),
                "{name}: {message}"
            );
        }
    }
}

#[test]
fn the_limit_is_set_by_flag_and_bad_sizes_are_bad_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "r.toml",
        "[[problem]]\nfamily = \"quadratic\"\ndim = 1000\nkappa = 10\nrotation = \"random\"\n\
         [[optimizer]]\nname = \"gd\"\nstep = \"1/L\"\n",
    );
    // Drawing the rotation holds four 1000 x 1000 matrices (32 MB): refused under 16 MiB, run under 1 GiB.
    let small = optzoo(
        dir.path(),
        &["run", "r.toml", "--dry-run", "--memory-limit", "16MiB"],
    );
    let stderr = String::from_utf8_lossy(&small.stderr);
    assert_eq!(exit_code(&small), 2, "{stderr}");
    assert!(
        stderr.contains("r.toml:2:10") && stderr.contains("needs"),
        "{stderr}"
    );
    let fits = optzoo(
        dir.path(),
        &["run", "r.toml", "--dry-run", "--memory-limit", "1GiB"],
    );
    assert_eq!(
        exit_code(&fits),
        0,
        "{}",
        String::from_utf8_lossy(&fits.stderr)
    );
    for bad in ["lots", "0", "-1GiB", "8 parsecs"] {
        let flag = format!("--memory-limit={bad}");
        let out = optzoo(dir.path(), &["run", "r.toml", "--dry-run", &flag]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(exit_code(&out), 2, "{bad}: {stderr}");
        assert!(stderr.contains("--memory-limit"), "{bad}: {stderr}");
    }
}
