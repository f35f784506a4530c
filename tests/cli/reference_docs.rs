//! `docs/reference.md` is generated from the keys' declarations by `optzoo list --format markdown`: the
//! committed file must be what the binary writes today, and must hold every key of every registry entry.

use super::common;

use common::optzoo;

const REGENERATE: &str = "optzoo list --format markdown > docs/reference.md";

#[test]
fn committed_reference_is_the_generated_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = optzoo(root, &["list", "--format", "markdown"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let generated = String::from_utf8_lossy(&o.stdout);
    let committed = std::fs::read_to_string(root.join("docs/reference.md")).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "docs/reference.md is not what the declarations generate (first difference at line {}); \
             regenerate it with `cargo run --release -- list --format markdown > docs/reference.md` \
             (that is, `{REGENERATE}`)",
            line + 1
        );
    }
    assert!(
        generated.contains(REGENERATE),
        "the header names the command"
    );
}

#[test]
fn reference_lists_every_key_of_every_entry() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = optzoo(root, &["list", "--format", "markdown"]);
    let md = String::from_utf8_lossy(&o.stdout);
    let registry = optzoo::Registry::builtin();
    let rows = |heading: &str| -> String {
        let start = md
            .find(&format!("### `{heading}`\n"))
            .unwrap_or_else(|| panic!("a section for {heading}"));
        let rest = &md[start + 4..];
        rest[..rest.find("\n### ").unwrap_or(rest.len())].to_string()
    };
    for o in registry.optimizers() {
        let section = rows(o.name);
        for p in o.params {
            let row = format!("| `{}` | `{}` |", p.name, p.default.replace('|', "\\|"));
            assert!(section.contains(&row), "{}: no row {row}", o.name);
        }
    }
    for f in registry.families() {
        let section = rows(f.name);
        for p in f.params {
            assert!(
                section.contains(&format!("| `{}` |", p.name)),
                "{}: no row for {}",
                f.name,
                p.name
            );
        }
    }
    // The words of a choice appear with its key, from the declaration.
    let newton = rows("newton");
    for word in ["pure", "line-search", "damped", "saddle-free"] {
        assert!(newton.contains(word), "newton's modes: {word}");
    }
}
