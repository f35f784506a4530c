//! Keys declared once: the run ids of optimizers with word choices are the hashes of the canonical JSON
//! spelled out here (so the typed configs serialize exactly as the strings they replaced), every listed
//! default is the value a run records, and a bad word is refused naming its key and the valid words.

use super::common;

use common::{id_of, optzoo, write};

/// The stop rule of `[stop] max_iters = 100`, every other key at its default.
const STOP: &str = r#"{"grad_rtol":1e-6,"max_iters":100,"diverge_factor":10000000000.0}"#;

#[test]
fn word_choices_keep_their_run_ids() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write(
        dir.path(),
        "ids.toml",
        r#"
name = "ids"
seeds = [0]

[[problem]]
family = "quadratic"
dim = 2
kappa = 10

[stop]
max_iters = 100

[[optimizer]]
name = "newton"
mode = "damped"
lambda0 = 0.01

[[optimizer]]
name = "momentum"
variant = "nesterov"
step = 0.05
beta = "schedule"

[[optimizer]]
name = "gd"
step = "2/(L+mu)"
schedule = "inverse-time"
decay_every = 10
average = "ema"

[[optimizer]]
name = "kfac"
step = "fixed"
lr = 0.5

[[optimizer]]
name = "gd"
c1 = 0.25
"#,
    );
    let plan = optzoo::plan::load(&config.to_string_lossy()).expect("the config is valid");
    let problem = r#"{"family":"quadratic","params":{"dim":2,"kappa":10.0,"rotation":"none","shift":0.0,"spectrum":"linear","start":"standard"}}"#;
    let expected = [
        ("newton", r#"{"lambda0":0.01,"mode":"damped"}"#),
        (
            "momentum",
            r#"{"beta":"schedule","step":0.05,"variant":"nesterov"}"#,
        ),
        (
            "gd",
            r#"{"average":"ema","decay_every":10,"schedule":"inverse-time","step":"2/(L+mu)"}"#,
        ),
        (
            "kfac",
            r#"{"damping":0.01,"decay":0.95,"lr":0.5,"momentum":0.0,"step":"fixed","update_every":1}"#,
        ),
        ("gd", r#"{"c1":0.25,"step":"armijo"}"#),
    ];
    let ids: Vec<&str> = plan.runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids.len(), expected.len());
    for ((name, params), id) in expected.iter().zip(&ids) {
        let spec = format!(
            r#"{{"problem":{problem},"optimizer":{{"name":"{name}","params":{params}}},"seed":0,"stop":{STOP}}}"#
        );
        assert_eq!(*id, id_of("quadratic", name, &spec), "{name} {params}");
    }
}

/// The value a listed default stands for, as JSON: `None` for the texts that are not TOML values
/// (`required`, `none`, `(its name)`).
fn listed_value(default: &str) -> Option<serde_json::Value> {
    let table: toml::Table = toml::from_str(&format!("v = {default}")).ok()?;
    serde_json::to_value(table.get("v")?).ok()
}

#[test]
fn listed_defaults_are_the_recorded_values() {
    let registry = optzoo::Registry::builtin();
    let mut checked = 0;
    for entry in registry.optimizers().filter(|o| !o.needs_settings()) {
        let empty = entry
            .parse_point(&toml::Table::new(), &Default::default())
            .expect("every optimizer but external runs from its name alone");
        for p in entry.params {
            let Some(value) = listed_value(p.default) else {
                continue;
            };
            // A key recorded at its default must record the listed value (numbers compared as numbers:
            // TOML's `0` and JSON's `0.0` are one default).
            if let Some(recorded) = empty.params.get(p.name) {
                let same = match (recorded.as_f64(), value.as_f64()) {
                    (Some(a), Some(b)) => a == b,
                    _ => *recorded == value,
                };
                assert!(
                    same,
                    "{} `{}`: listed {value}, recorded {recorded}",
                    entry.name, p.name
                );
                checked += 1;
            }
            // The listed default, given alone, is a valid value, or is refused only because the key belongs
            // to another mode than the default one; where it is accepted, the run is the default run.
            let table: toml::Table =
                toml::from_str(&format!("{} = {}", p.name, p.default)).expect("a TOML value");
            match entry.parse_point(&table, &Default::default()) {
                Ok(given) => {
                    let mut a = given.params.clone();
                    let mut b = empty.params.clone();
                    for m in [&mut a, &mut b] {
                        if let Some(m) = m.as_object_mut() {
                            m.remove(p.name);
                        }
                    }
                    assert_eq!(a, b, "{} `{}` = {}", entry.name, p.name, p.default);
                }
                Err(e) => assert!(
                    e.message.contains("applies only") || e.message.contains("does not apply"),
                    "{} `{}` = {}: {}",
                    entry.name,
                    p.name,
                    p.default,
                    e.message
                ),
            }
        }
    }
    assert!(checked >= 20, "only {checked} recorded defaults compared");
}

fn dry_run_error(optimizer: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "bad.toml",
        &format!("[[problem]]\nfamily = \"himmelblau\"\n\n[[optimizer]]\n{optimizer}\n"),
    );
    let o = optzoo(dir.path(), &["run", "bad.toml", "--dry-run"]);
    assert!(!o.status.success(), "{optimizer} must be refused");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_bad_word_names_its_key_and_the_valid_words() {
    for (optimizer, needles) in [
        (
            "name = \"newton\"\nmode = \"dampd\"",
            &[
                "bad.toml:6:",
                "`mode` = \"dampd\" is not valid",
                "did you mean `damped`",
                "expected one of: pure, line-search, damped, saddle-free",
            ][..],
        ),
        (
            "name = \"gd\"\nstep = \"armjo\"",
            &[
                "`step` = \"armjo\" is not valid",
                "did you mean `armijo`",
                "expected a number or one of: 1/L, 2/(L+mu), armijo",
            ][..],
        ),
        (
            "name = \"momentum\"\nvariant = \"polyak\"",
            &[
                "`variant` = \"polyak\" is not valid",
                "expected one of: heavy-ball, nesterov",
            ][..],
        ),
        (
            "name = \"adam\"\naverage = \"mean\"",
            &[
                "`average` = \"mean\" is not valid",
                "expected one of: none, polyak, ema",
            ][..],
        ),
        (
            "name = \"kfac\"\nstep = true",
            &["`step`", "expected a string"][..],
        ),
        (
            "name = \"newton\"\nshrink = 0.5",
            &[
                "unknown key `shrink`",
                "valid keys: mode, c1, shift, lambda0, floor",
            ][..],
        ),
    ] {
        let stderr = dry_run_error(optimizer);
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{optimizer}: missing {needle:?} in\n{stderr}"
            );
        }
    }
}

#[test]
fn listing_shows_declared_keys_and_shared_line_search_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = optzoo(dir.path(), &["list", "optimizers"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    // An entry's lines: its `  name: summary` line and the indented lines under it.
    let section = |name: &str| -> String {
        let head = format!("  {name}: ");
        text.lines()
            .skip_while(|l| !l.starts_with(&head))
            .enumerate()
            .take_while(|(i, l)| *i == 0 || l.starts_with("    "))
            .map(|(_, l)| format!("{l}\n"))
            .collect()
    };
    let kfac = section("kfac");
    for key in [
        "lr",
        "damping",
        "step",
        "c1",
        "shrink",
        "max_backtracks",
        "schedule",
    ] {
        assert!(
            kfac.contains(&format!("\n    {key} ")),
            "kfac lists {key}:\n{kfac}"
        );
    }
    assert!(
        !kfac.contains("initial_step"),
        "kfac's first step is lr:\n{kfac}"
    );
    let bfgs = section("bfgs");
    assert!(bfgs.contains("c1") && bfgs.contains("= 0.9"), "{bfgs}");
}
