//! No file of the user's is lost: `report` removes only files its own earlier report wrote (never through a
//! symbolic link), temporary files are created afresh under names nobody can plant a link at, a rerun tidies
//! only optzoo's own leftover temporaries, and `merge` refuses to write over another sweep's folder.

use super::common;

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Command;

use common::{assert_refused, run_ok, write};

/// A sweep of two quadratics (two instances), fast enough to run in every test.
fn config(kappas: &str) -> String {
    format!(
        r#"
seeds = [0]
[[problem]]
family = "quadratic"
dim = 5
kappa = [{kappas}]
[stop]
grad_rtol = 1e-6
max_iters = 20000
[[optimizer]]
name = "gd"
step = "2/(L+mu)"
"#
    )
}

/// The contents of `path`, which must exist, as text.
fn read(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The id of a process that has exited (and been waited for), so no longer alive.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("`true` starts");
    let pid = child.id();
    child.wait().expect("`true` exits");
    pid
}

/// A temporary file name of optzoo's pattern (`.<name>.optzoo-<pid>-<counter>-<16 hex digits>.tmp`).
fn temporary_name(name: &str, pid: u32) -> String {
    format!(".{name}.optzoo-{pid}-0-0123456789abcdef.tmp")
}

#[test]
fn a_report_leaves_the_users_files_in_its_folder() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let d = tmp.path();
    write(d, "c.toml", &config("10, 100"));
    run_ok(d, &["run", "c.toml", "--out", "res"]);
    std::fs::create_dir_all(d.join("userdoc/tables")).expect("tables/");
    std::fs::create_dir_all(d.join("userdoc/figures")).expect("figures/");
    let chapter = write(
        &d.join("userdoc/tables"),
        "chapter3.tex",
        "\\chapter{Three}\n",
    );
    let diagram = write(&d.join("userdoc/figures"), "diagram.svg", "<svg/>\n");
    let captions = write(&d.join("userdoc/figures"), "notes.md", "# my notes\n");

    for round in 1..=2 {
        run_ok(
            d,
            &["report", "res", "--out", "userdoc", "--formats", "svg"],
        );
        for (path, text) in [
            (&chapter, "\\chapter{Three}\n"),
            (&diagram, "<svg/>\n"),
            (&captions, "# my notes\n"),
        ] {
            assert_eq!(
                read(path),
                text,
                "report {round}: {} is untouched",
                path.display()
            );
        }
        assert!(d.join("userdoc/index.html").is_file(), "report {round}");
    }
}

#[test]
fn a_report_removes_its_own_stale_files_and_keeps_its_other_formats() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let d = tmp.path();
    write(d, "three.toml", &config("10, 100, 1000"));
    write(d, "two.toml", &config("10, 100"));
    run_ok(d, &["run", "three.toml", "--out", "three"]);
    run_ok(d, &["run", "two.toml", "--out", "two"]);
    run_ok(
        d,
        &["report", "three", "--out", "doc", "--formats", "svg,png"],
    );
    let figures = d.join("doc/figures");
    let tables = d.join("doc/tables");
    let third_svg = figures.join("convergence-02-quadratic-iters.svg");
    let third_png = figures.join("convergence-02-quadratic-iters.png");
    let third_table = tables.join("outcomes-02-quadratic.tex");
    for p in [&third_svg, &third_png, &third_table] {
        assert!(p.is_file(), "{} is written", p.display());
    }
    let mine = write(&figures, "convergence-09-mine.svg", "<svg/>\n");

    let out = run_ok(d, &["report", "two", "--out", "doc", "--formats", "svg"]);
    assert!(
        !third_svg.exists() && !third_table.exists(),
        "the earlier report's figure of the third instance (a format written again) and its table are removed"
    );
    assert!(third_png.is_file(), "a PNG of the earlier report is kept");
    assert!(out.contains("kept "), "{out}");
    assert_eq!(
        read(&mine),
        "<svg/>\n",
        "a file the report did not write stays"
    );

    // A full report with PNG again removes the stale PNG, which the manifest still lists.
    run_ok(
        d,
        &["report", "two", "--out", "doc", "--formats", "svg,png"],
    );
    assert!(
        !third_png.exists(),
        "the kept PNG goes once PNG is written again"
    );
    assert_eq!(read(&mine), "<svg/>\n");
}

#[test]
fn a_report_removes_nothing_through_a_symlinked_folder() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let d = tmp.path();
    write(d, "c.toml", &config("10, 100"));
    run_ok(d, &["run", "c.toml", "--out", "res"]);
    std::fs::create_dir_all(d.join("pics")).expect("pics/");
    std::fs::create_dir_all(d.join("thesis")).expect("thesis/");
    std::fs::create_dir_all(d.join("userdoc2")).expect("userdoc2/");
    let holiday = write(&d.join("pics"), "holiday.svg", "<svg>holiday</svg>\n");
    let chapter = write(&d.join("thesis"), "chapter3.tex", "\\chapter{Three}\n");
    symlink(d.join("pics"), d.join("userdoc2/figures")).expect("a symlink");
    symlink(d.join("thesis"), d.join("userdoc2/tables")).expect("a symlink");

    for round in 1..=2 {
        run_ok(
            d,
            &["report", "res", "--out", "userdoc2", "--formats", "svg"],
        );
        assert_eq!(
            read(&holiday),
            "<svg>holiday</svg>\n",
            "report {round}: a file behind a symlinked figures/ survives"
        );
        assert_eq!(
            read(&chapter),
            "\\chapter{Three}\n",
            "report {round}: a file behind a symlinked tables/ survives"
        );
    }
}

#[test]
fn a_symlink_planted_at_an_old_style_temporary_name_is_not_written_through() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let d = tmp.path();
    write(d, "c.toml", &config("10, 100"));
    let victim = write(d, "victim.txt", "precious\n");
    let res = d.join("res");
    std::fs::create_dir_all(&res).expect("res/");
    // The child's pid cannot be known beforehand: plant a link at the name of the old pattern
    // (`.NAME.PID.tmp`) for every pid from the next one on, wrapping at the largest pid.
    let pid_max: u32 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(32768);
    let first = dead_pid();
    for k in 0..3000 {
        let pid = (first + k) % pid_max;
        for name in ["sweep.json", "summary.csv", "traces.csv"] {
            symlink(&victim, res.join(format!(".{name}.{pid}.tmp"))).expect("a symlink");
        }
    }
    run_ok(d, &["run", "c.toml", "--out", "res"]);
    assert_eq!(
        read(&victim),
        "precious\n",
        "the link's target is untouched"
    );
    assert!(
        std::fs::symlink_metadata(res.join("sweep.json")).is_ok_and(|m| m.is_file()),
        "sweep.json is a file of its own"
    );
}

#[test]
fn a_rerun_removes_optzoos_leftover_temporaries_and_nothing_else() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let d = tmp.path();
    write(d, "c.toml", &config("10, 100"));
    run_ok(d, &["run", "c.toml", "--out", "res"]);
    run_ok(d, &["report", "res", "--formats", "svg"]);
    let dead = dead_pid();
    let alive = std::process::id();
    let res = d.join("res");
    let victim = write(d, "victim.txt", "precious\n");
    let leftovers = [
        write(&res, &temporary_name("traces.csv", dead), "half"),
        write(&res.join("runs"), &temporary_name("x.json", dead), "half"),
        write(
            &res.join("report"),
            &temporary_name("index.html", dead),
            "half",
        ),
        write(
            &res.join("report/figures"),
            &temporary_name("a.svg", dead),
            "half",
        ),
        write(
            &res.join("report/tables"),
            &temporary_name("a.tex", dead),
            "half",
        ),
    ];
    let kept = [
        write(&res, "notes.tmp", "mine"),
        write(&res.join("runs"), ".scratch.tmp", "mine"),
        write(&res.join("report"), "notes.tmp", "mine"),
        // A writer that is still alive.
        write(&res, &temporary_name("summary.csv", alive), "going"),
    ];
    let planted = res.join(temporary_name("sweep.json", dead));
    symlink(&victim, &planted).expect("a symlink");

    run_ok(d, &["run", "c.toml", "--out", "res"]);
    run_ok(d, &["report", "res", "--formats", "svg"]);
    for p in &leftovers {
        assert!(!p.exists(), "{} is removed", p.display());
    }
    for p in &kept {
        assert!(p.is_file(), "{} stays", p.display());
    }
    assert!(
        std::fs::symlink_metadata(&planted).is_ok_and(|m| m.file_type().is_symlink()),
        "a symlink is not removed"
    );
    assert_eq!(read(&victim), "precious\n");
}

#[test]
fn merge_refuses_a_folder_of_another_sweep() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let d = tmp.path();
    write(d, "a.toml", &config("10, 100"));
    write(d, "b.toml", &config("10, 1000"));
    run_ok(d, &["run", "a.toml", "--out", "other"]);
    run_ok(d, &["run", "b.toml", "--out", "s1", "--shard", "1/2"]);
    run_ok(d, &["run", "b.toml", "--out", "s2", "--shard", "2/2"]);
    let sweep = d.join("other/sweep.json");
    let before = read(&sweep);
    let runs_before: Vec<_> = std::fs::read_dir(d.join("other/runs"))
        .expect("runs/")
        .map(|e| e.expect("an entry").file_name())
        .collect();

    assert_refused(
        d,
        &["merge", "other", "s1", "s2"],
        Path::new("other/sweep.json"),
        "another sweep",
    );
    assert_eq!(read(&sweep), before, "sweep.json is byte-identical");
    let runs_after: Vec<_> = std::fs::read_dir(d.join("other/runs"))
        .expect("runs/")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert_eq!(runs_before.len(), runs_after.len(), "no run was added");

    // A new folder, and then the same sweep's folder again, are fine.
    run_ok(d, &["merge", "merged", "s1", "s2"]);
    run_ok(d, &["merge", "merged", "s1", "s2"]);
    std::fs::create_dir_all(d.join("empty")).expect("empty/");
    run_ok(d, &["merge", "empty", "s1", "s2"]);
}
