//! Sizes are counted before anything is allocated, through the binary: a grid too large is refused with its
//! run count before it is expanded; planning allocates in proportion to the instances, not instances x file
//! size; a config file is read up to a size limit (special files too); `inspect` has the memory pre-flight
//! of `run`; `--jobs` is capped at the runs and the cores; absurd sizes and repeated seeds are refused with
//! a message that says so. Every command here must finish within seconds, in bounded memory, whatever it
//! is asked: each is killed (and the test fails) if it runs over its time.

#![cfg(target_os = "linux")]

use super::common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::write;

/// What a bounded run of the binary did.
struct Bounded {
    code: Option<i32>,
    elapsed: Duration,
    /// The child's peak resident memory, in bytes.
    peak_rss: u64,
    stdout: String,
    stderr: String,
}

impl Bounded {
    fn shown(&self) -> String {
        format!(
            "exit {:?} after {:.1} s, peak RSS {} MiB\n--- stdout\n{}--- stderr\n{}",
            self.code,
            self.elapsed.as_secs_f64(),
            self.peak_rss >> 20,
            self.stdout,
            self.stderr
        )
    }
}

/// Runs `optzoo args` in `cwd`, killing it (and failing) if it runs longer than `limit`; returns its exit
/// code, time and peak resident memory (from `wait4`).
fn optzoo_within(cwd: &Path, args: &[&str], limit: Duration) -> Bounded {
    let out_path = cwd.join(".stdout");
    let err_path = cwd.join(".stderr");
    let file = |p: &Path| std::fs::File::create(p).expect("temp dir is writable");
    let started = Instant::now();
    #[allow(
        clippy::zombie_processes,
        reason = "reaped by wait4 below, which also reports its peak memory"
    )]
    let mut child = Command::new(env!("CARGO_BIN_EXE_optzoo"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(file(&out_path))
        .stderr(file(&err_path))
        .spawn()
        .expect("the optzoo binary starts");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: `pid` is our own child, not yet reaped (std's `Child` is never waited on), and the
        // pointers are to live locals.
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if !timed_out && started.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = started.elapsed();
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let done = Bounded {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        elapsed,
        peak_rss: (usage.ru_maxrss.max(0) as u64) << 10,
        stdout: read(&out_path),
        stderr: read(&err_path),
    };
    assert!(
        !timed_out,
        "optzoo {args:?} did not finish within {} s (killed): {}",
        limit.as_secs(),
        done.shown()
    );
    done
}

/// The time any command here may take; a refusal of a size takes milliseconds.
const SECONDS: Duration = Duration::from_secs(20);

/// The resident memory any command here may reach.
const PEAK_RSS: u64 = 1 << 30;

/// Runs `optzoo args`, asserts that it exits 2 within [`SECONDS`] and [`PEAK_RSS`] and that its stderr holds
/// every one of `says`; returns what it did.
fn refused(cwd: &Path, args: &[&str], says: &[&str]) -> Bounded {
    let out = optzoo_within(cwd, args, SECONDS);
    let seen = out.shown();
    assert_eq!(out.code, Some(2), "{args:?}: {seen}");
    for s in says {
        assert!(out.stderr.contains(s), "{args:?} says {s:?}: {seen}");
    }
    assert!(out.peak_rss < PEAK_RSS, "{args:?}: {seen}");
    out
}

fn list(values: impl Iterator<Item = String>) -> String {
    format!("[{}]", values.collect::<Vec<_>>().join(", "))
}

/// A config of `dims x kappas x steps x seeds` runs (times `shifts`, where given), a few KB of text.
fn grid_config(shifts: Option<usize>) -> String {
    let mut s = format!(
        "seeds = {}\n[[problem]]\nfamily = \"quadratic\"\ndim = {}\nkappa = {}\n",
        list((0..100).map(|i| i.to_string())),
        list((2..12).map(|i| i.to_string())),
        list((1..=100).map(|i| format!("{i}.0"))),
    );
    if let Some(n) = shifts {
        s += &format!("shift = {}\n", list((0..n).map(|i| format!("{i}.5"))));
    }
    s += &format!(
        "[[optimizer]]\nname = \"gd\"\nstep = {}\n",
        list((1..=100).map(|i| format!("{}", i as f64 * 1e-3)))
    );
    s
}

#[test]
fn a_ten_million_run_grid_is_refused_with_its_count_before_it_is_expanded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seven = write(dir.path(), "seven.toml", &grid_config(None));
    let eleven = write(dir.path(), "eleven.toml", &grid_config(Some(10_000)));
    for (path, count) in [(&seven, "10000000 runs"), (&eleven, "100000000000 runs")] {
        let name = path.display().to_string();
        for args in [
            &["run", &name, "--dry-run"][..],
            &["run", &name, "--out", "res"][..],
        ] {
            refused(dir.path(), args, &[&name, count, "1000000", "--max-runs"]);
        }
    }
    assert!(!dir.path().join("res").exists(), "nothing may be written");
}

#[test]
fn max_runs_sets_the_limit_both_ways() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = write(dir.path(), "twelve.toml", SMALL);
    let name = cfg.display().to_string();
    refused(
        dir.path(),
        &["run", &name, "--dry-run", "--max-runs", "11"],
        &[&name, "12 runs", "limit of 11", "--max-runs"],
    );
    let out = optzoo_within(
        dir.path(),
        &["run", &name, "--dry-run", "--max-runs", "12"],
        SECONDS,
    );
    assert_eq!(out.code, Some(0), "{}", out.shown());
    assert!(out.stdout.contains("runs: 12"), "{}", out.shown());
}

#[test]
fn twenty_thousand_problem_tables_plan_in_bounded_time_and_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("[[optimizer]]\nname = \"gd\"\nstep = 0.5\n");
    for i in 0..20_000 {
        text += &format!(
            "[[problem]]\nfamily = \"quadratic\"\ndim = 2\nkappa = {}\n",
            1.0 + i as f64 / 1000.0
        );
    }
    let cfg = write(dir.path(), "many.toml", &text);
    let out = optzoo_within(
        dir.path(),
        &["run", &cfg.display().to_string(), "--dry-run"],
        SECONDS,
    );
    let seen = out.shown();
    assert_eq!(out.code, Some(0), "{seen}");
    assert!(out.stdout.contains("problem instances (20000)"), "{seen}");
    assert!(out.stdout.contains("runs: 20000"), "{seen}");
    // About 1 MB of text: a copy per instance would be 20 GB.
    assert!(out.peak_rss < PEAK_RSS, "{seen}");
}

#[test]
fn a_config_file_above_the_size_limit_is_refused_special_files_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    refused(
        dir.path(),
        &["run", "/dev/zero", "--dry-run"],
        &["/dev/zero", "16 MiB"],
    );
    // A regular file one byte over the limit, and a suite that is a special file.
    let big = write(dir.path(), "big.toml", &"#".repeat((16 << 20) + 1));
    refused(
        dir.path(),
        &["run", &big.display().to_string(), "--dry-run"],
        &["big.toml", "16 MiB"],
    );
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.toml")).expect("a symlink");
    let cfg = write(
        dir.path(),
        "suite.toml",
        "suites = [\"zero.toml\"]\n[[optimizer]]\nname = \"gd\"\nstep = 0.5\n",
    );
    refused(
        dir.path(),
        &["run", &cfg.display().to_string(), "--dry-run"],
        &["zero.toml", "16 MiB"],
    );
}

#[test]
fn inspect_refuses_what_it_cannot_allocate_before_allocating() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, size) in [
        (
            "inspect quadratic dim=200000 kappa=10 rotation=random",
            "GiB",
        ),
        ("inspect mlp widths=[100000,100000,1]", "GiB"),
        (
            "inspect --conditioning quadratic dim=200000 kappa=10 rotation=random",
            "GiB",
        ),
        (
            "inspect quadratic dim=50 kappa=10 --memory-limit 1KiB",
            "MiB",
        ),
    ] {
        let args: Vec<&str> = args.split_whitespace().collect();
        refused(
            dir.path(),
            &args,
            &["needs", size, "above the memory limit", "--memory-limit"],
        );
    }
    // Under a limit it fits, it inspects.
    let args = "inspect quadratic dim=50 kappa=10 --memory-limit 1GiB";
    let out = optzoo_within(
        dir.path(),
        &args.split_whitespace().collect::<Vec<_>>(),
        SECONDS,
    );
    assert_eq!(out.code, Some(0), "{}", out.shown());
    assert!(out.stdout.contains("minimum (agrees)"), "{}", out.shown());
}

/// Twelve runs: 3 instances x 2 optimizers x 2 seeds, each a few iterations.
const SMALL: &str = "seeds = [0, 1]\n[stop]\nmax_iters = 5\n[[problem]]\nfamily = \"quadratic\"\ndim = 2\n\
                     kappa = [1, 10, 100]\n[[optimizer]]\nname = \"gd\"\nstep = 0.5\n[[optimizer]]\n\
                     name = \"gd\"\nstep = \"1/L\"\n";

#[test]
fn jobs_are_capped_at_the_runs_and_the_cores_with_a_note() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = write(dir.path(), "twelve.toml", SMALL);
    let out = optzoo_within(
        dir.path(),
        &[
            "run",
            &cfg.display().to_string(),
            "--out",
            "res",
            "--jobs",
            "10000",
        ],
        Duration::from_secs(10),
    );
    let seen = out.shown();
    assert_eq!(out.code, Some(0), "{seen}");
    assert!(
        out.stderr.contains("--jobs 10000") && out.stderr.contains("capped to"),
        "{seen}"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let expected = 12.min(4 * cores);
    assert!(out.stderr.contains(&format!("{expected} jobs")), "{seen}");
    assert_eq!(common::records(&dir.path().join("res")).len(), 12, "{seen}");
}

#[test]
fn a_memory_limit_too_large_to_hold_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = write(dir.path(), "twelve.toml", SMALL);
    let out = refused(
        dir.path(),
        &[
            "run",
            &cfg.display().to_string(),
            "--dry-run",
            "--memory-limit",
            "99999999TiB",
        ],
        &["99999999TiB", "too large"],
    );
    assert!(!out.stderr.contains("at least 1 byte"), "{}", out.shown());
}

#[test]
fn repeated_seeds_are_refused_naming_the_file_the_key_and_the_seed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = write(
        dir.path(),
        "seeds.toml",
        "seeds = [1, 2, 1]\n[[problem]]\nfamily = \"quadratic\"\ndim = 2\nkappa = 10\n\
         [[optimizer]]\nname = \"gd\"\nstep = 0.5\n",
    );
    let name = cfg.display().to_string();
    refused(
        dir.path(),
        &["run", &name, "--dry-run"],
        &[&format!("{name}:1:16"), "`seeds`", "1 twice"],
    );
}
