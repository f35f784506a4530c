//! Grid expansion: every list value of a table is an axis, and the table expands to the Cartesian product.
//!
//! A parameter whose value is itself a list is written as a list of lists (one axis whose points are lists),
//! except for the keys a registry entry declares as taking a list whole (an external optimizer's `command`).
//! A value that is a table is expanded the same way, inside: its list values are axes of the whole grid (an
//! external optimizer's `params = { lr = [1e-3, 1e-2] }` gives two points). Points come out in a fixed
//! order: keys in sorted order, the last key varying fastest, a nested table's keys in its key's place.
//!
//! Lists that vary together instead of as a product are named in the table's `zip` key: `zip = ["step",
//! "beta"]` (one group) or `zip = [["step", "beta"], ["dim", "kappa"]]` (several). The lists of a group must
//! have the same length; the group is one axis whose i-th point takes the i-th value of each list, placed
//! where its first key (in sorted order) would be. `zip` itself is not a parameter.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::suggest::did_you_mean;

/// A table as written, with the spans of its keys and values.
pub type RawTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// The key of a table that names lists to vary together (see the module docs).
pub const ZIP_KEY: &str = "zip";

/// The span of `key`'s value in `table`, if the key is there.
pub fn span_of(table: &RawTable, key: &str) -> Option<Range<usize>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v.span())
}

/// A table that does not expand into a grid: an axis with no values, or a bad `zip`.
#[derive(Debug)]
pub struct GridError {
    /// The key at fault (dotted inside a nested table).
    pub key: String,
    /// The span of its value.
    pub span: Range<usize>,
    /// What is wrong, and what was expected.
    pub message: String,
}

/// Expands `table`, without the keys in `skip`, into its grid points; the keys in `whole` take a list value
/// as one value, not as an axis; the lists named in `zip` vary together.
pub fn expand(
    table: &RawTable,
    skip: &[&str],
    whole: &[&str],
) -> Result<Vec<toml::Table>, GridError> {
    let groups = zip_groups(table, skip, whole)?;
    let mut points = vec![toml::Table::new()];
    for (key, value) in table {
        let name = key.get_ref().as_str();
        if skip.contains(&name) || name == ZIP_KEY {
            continue;
        }
        if let Some(group) = groups.iter().find(|g| g.iter().any(|k| k == name)) {
            if group.iter().min().map(String::as_str) == Some(name) {
                points = zip_product(points, table, group)?;
            }
            continue;
        }
        let values =
            axis(name, value.get_ref(), whole.contains(&name)).map_err(|key| GridError {
                message: format!("empty grid: `{key}` = [] gives no values"),
                key,
                span: value.span(),
            })?;
        points = product(points, name, &values);
    }
    Ok(points)
}

/// The number of points [`expand`] gives for the same arguments, counted from the axes' lengths
/// (multiplied saturating at `u64::MAX`) without expanding anything, so that a grid too large to hold can be
/// refused before it is built. A bad `zip` is the error [`expand`] gives; an empty axis counts 0 (and
/// [`expand`] then names it).
pub fn count(table: &RawTable, skip: &[&str], whole: &[&str]) -> Result<u64, GridError> {
    let groups = zip_groups(table, skip, whole)?;
    let mut points: u64 = 1;
    for (key, value) in table {
        let name = key.get_ref().as_str();
        if skip.contains(&name) || name == ZIP_KEY {
            continue;
        }
        if let Some(group) = groups.iter().find(|g| g.iter().any(|k| k == name)) {
            // A zipped group is one axis, as long as its lists (which `expand` checks are equal).
            if group.iter().min().map(String::as_str) == Some(name) {
                points = points.saturating_mul(axis_len(value.get_ref(), false));
            }
            continue;
        }
        points = points.saturating_mul(axis_len(value.get_ref(), whole.contains(&name)));
    }
    Ok(points)
}

/// How many values [`axis`] gives for one key, saturating.
fn axis_len(value: &toml::Value, whole: bool) -> u64 {
    match value {
        toml::Value::Array(items) if !whole => items.len() as u64,
        toml::Value::Table(inner) => inner
            .values()
            .map(|v| axis_len(v, false))
            .fold(1, u64::saturating_mul),
        _ => 1,
    }
}

/// The groups of `table`'s `zip` key, as written, checked against the table: every named key is set, may
/// vary, holds a list and appears once.
fn zip_groups(
    table: &RawTable,
    skip: &[&str],
    whole: &[&str],
) -> Result<Vec<Vec<String>>, GridError> {
    let Some((_, zip)) = table.iter().find(|(k, _)| k.get_ref() == ZIP_KEY) else {
        return Ok(Vec::new());
    };
    let bad = |message: String| GridError {
        key: ZIP_KEY.into(),
        span: zip.span(),
        message,
    };
    let expected = "`zip` lists keys whose lists vary together: zip = [\"step\", \"beta\"], or several \
                    groups, zip = [[\"step\", \"beta\"], [\"dim\", \"kappa\"]]";
    let strings = |items: &[toml::Value]| -> Option<Vec<String>> {
        items
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let groups: Vec<Vec<String>> = match zip.get_ref() {
        toml::Value::Array(items) if !items.is_empty() && items.iter().all(|v| v.is_str()) => {
            vec![strings(items).unwrap_or_default()]
        }
        toml::Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|g| g.as_array().and_then(|g| strings(g)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad(format!("{expected}; got {}", zip.get_ref())))?,
        other => return Err(bad(format!("{expected}; got {other}"))),
    };
    let known: Vec<&str> = table
        .keys()
        .map(|k| k.get_ref().as_str())
        .filter(|k| *k != ZIP_KEY && !skip.contains(k))
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for group in &groups {
        if group.len() < 2 {
            return Err(bad(format!(
                "`zip` group {group:?} has {} key; a group names two or more lists that vary together",
                group.len()
            )));
        }
        for key in group {
            if seen.contains(&key.as_str()) {
                return Err(bad(format!("`zip` names `{key}` twice")));
            }
            seen.push(key);
            if skip.contains(&key.as_str()) {
                return Err(bad(format!("`zip` names `{key}`, which cannot vary")));
            }
            if whole.contains(&key.as_str()) {
                return Err(bad(format!(
                    "`zip` names `{key}`, which takes a list as one value and cannot be zipped"
                )));
            }
            let Some((_, value)) = table.iter().find(|(k, _)| k.get_ref() == key) else {
                return Err(bad(format!(
                    "`zip` names `{key}`, which this table does not set{}; keys here: {}",
                    did_you_mean(key, &known),
                    known.join(", ")
                )));
            };
            if !value.get_ref().is_array() {
                return Err(GridError {
                    key: key.clone(),
                    span: value.span(),
                    message: format!(
                        "`{key}` is zipped, so it must be a list of values (one per point), got {}",
                        value.get_ref()
                    ),
                });
            }
        }
    }
    Ok(groups)
}

/// Every point of `points` with the keys of `group` set to their lists' i-th values, for each i; the lists
/// must have one length.
fn zip_product(
    points: Vec<toml::Table>,
    table: &RawTable,
    group: &[String],
) -> Result<Vec<toml::Table>, GridError> {
    let lists: Vec<(&String, &Spanned<toml::Value>, &[toml::Value])> = group
        .iter()
        .filter_map(|key| {
            let (_, v) = table.iter().find(|(k, _)| k.get_ref() == key)?;
            Some((key, v, v.get_ref().as_array()?.as_slice()))
        })
        .collect();
    let Some(&(first, first_value, first_items)) = lists.first() else {
        return Ok(points);
    };
    for &(key, value, items) in &lists[1..] {
        if items.len() != first_items.len() {
            return Err(GridError {
                key: key.clone(),
                span: value.span(),
                message: format!(
                    "zipped lists differ in length: `{first}` has {} values, `{key}` has {}; the lists of a \
                     `zip` group vary together and need the same length",
                    first_items.len(),
                    items.len()
                ),
            });
        }
    }
    if first_items.is_empty() {
        return Err(GridError {
            key: first.clone(),
            span: first_value.span(),
            message: format!("empty grid: `{first}` = [] gives no values"),
        });
    }
    Ok(points
        .into_iter()
        .flat_map(|p| {
            let lists = &lists;
            (0..first_items.len()).map(move |i| {
                let mut q = p.clone();
                for (key, _, items) in lists {
                    q.insert((*key).clone(), items[i].clone());
                }
                q
            })
        })
        .collect())
}

/// The values one key takes: a list's items, a nested table's grid points, or the value itself. An empty
/// axis is an error naming its (dotted) key.
fn axis(key: &str, value: &toml::Value, whole: bool) -> Result<Vec<toml::Value>, String> {
    match value {
        toml::Value::Array(items) if !whole => {
            if items.is_empty() {
                return Err(key.to_string());
            }
            Ok(items.clone())
        }
        toml::Value::Table(inner) => {
            let mut points = vec![toml::Table::new()];
            for (k, v) in inner {
                let values = axis(k, v, false).map_err(|e| format!("{key}.{e}"))?;
                points = product(points, k, &values);
            }
            Ok(points.into_iter().map(toml::Value::Table).collect())
        }
        other => Ok(vec![other.clone()]),
    }
}

/// Every point of `points` with `key` set to each of `values`, the last key varying fastest.
fn product(points: Vec<toml::Table>, key: &str, values: &[toml::Value]) -> Vec<toml::Table> {
    points
        .into_iter()
        .flat_map(|p| {
            values.iter().map(move |v| {
                let mut q = p.clone();
                q.insert(key.to_string(), v.clone());
                q
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Doc {
        t: RawTable,
    }

    fn raw(s: &str) -> RawTable {
        toml::from_str::<Doc>(s).expect("valid").t
    }

    #[test]
    fn lists_are_axes_in_key_order() {
        let t = raw("[t]\nfamily = \"quadratic\"\nkappa = [1, 10]\ndim = [2, 3]\nshift = 0.5");
        let points = expand(&t, &["family"], &[]).expect("no empty axis");
        let dims: Vec<(i64, i64)> = points
            .iter()
            .map(|p| {
                (
                    p["dim"].as_integer().unwrap_or(-1),
                    p["kappa"].as_integer().unwrap_or(-1),
                )
            })
            .collect();
        assert_eq!(dims, vec![(2, 1), (2, 10), (3, 1), (3, 10)]);
        assert!(
            points
                .iter()
                .all(|p| !p.contains_key("family") && p["shift"].as_float() == Some(0.5))
        );
    }

    #[test]
    fn counts_are_the_expanded_lengths_without_expanding() {
        for (text, skip, whole) in [
            (
                "[t]\nfamily = \"q\"\nkappa = [1, 10]\ndim = [2, 3, 4]\nshift = 0.5",
                &["family"][..],
                &[][..],
            ),
            (
                "[t]\ncommand = [\"a\", \"b\"]\nparams = { lr = [1, 2], m = { x = [1, 2, 3] } }\nseed = [5, 6]",
                &[],
                &["command"],
            ),
            (
                "[t]\na = [1, 2]\nb = [3, 4]\nc = [5, 6, 7]\nd = [7, 8, 9]\nzip = [[\"a\", \"b\"], [\"d\", \"c\"]]",
                &[],
                &[],
            ),
            (
                "[t]\nname = \"gd\"\nstep = [0.1, 0.2, 0.3]\nbeta = [0.5, 0.6, 0.7]\nalpha = [1, 2]\nzip = [\"step\", \"beta\"]",
                &["name"],
                &[],
            ),
            ("[t]\nx = 1", &[], &[]),
        ] {
            let t = raw(text);
            let expanded = expand(&t, skip, whole).expect("valid").len() as u64;
            assert_eq!(count(&t, skip, whole).expect("valid"), expanded, "{text}");
        }
        assert_eq!(
            count(&raw("[t]\nkappa = []\ndim = [1, 2]"), &[], &[]).expect("counted"),
            0
        );
        assert_eq!(
            count(&raw("[t]\nzip = \"a\""), &[], &[]).unwrap_err().key,
            "zip"
        );
        // Far more points than memory could hold: counted, saturating, in no time.
        let axis = format!("[{}]", vec!["1"; 1000].join(", "));
        let huge = raw(&format!(
            "[t]\na = {axis}\nb = {axis}\nc = {axis}\nd = {axis}\ne = {axis}\nf = {axis}\ng = {axis}"
        ));
        assert_eq!(count(&huge, &[], &[]).expect("counted"), u64::MAX);
    }

    #[test]
    fn empty_axis_is_reported() {
        let t = raw("[t]\nkappa = []");
        let e = expand(&t, &[], &[]).unwrap_err();
        assert_eq!(e.key, "kappa");
    }

    #[test]
    fn nested_tables_expand_and_whole_lists_stay_whole() {
        let t = raw(
            "[t]\ncommand = [\"python3\", \"a.py\"]\nparams = { lr = [1, 2], mode = \"x\" }\nseed = [5, 6]",
        );
        let points = expand(&t, &[], &["command"]).expect("no empty axis");
        assert_eq!(points.len(), 4);
        let got: Vec<(i64, i64)> = points
            .iter()
            .map(|p| {
                assert_eq!(
                    p["command"].as_array().map(Vec::len),
                    Some(2),
                    "`command` is one value"
                );
                assert_eq!(p["params"]["mode"].as_str(), Some("x"));
                (
                    p["params"]["lr"].as_integer().unwrap_or(-1),
                    p["seed"].as_integer().unwrap_or(-1),
                )
            })
            .collect();
        assert_eq!(got, vec![(1, 5), (1, 6), (2, 5), (2, 6)]);
        let e = expand(&raw("[t]\nparams = { lr = [] }"), &[], &[]).unwrap_err();
        assert_eq!(e.key, "params.lr");
    }

    #[test]
    fn zipped_lists_vary_together_in_place_of_their_first_key() {
        let t = raw(
            "[t]\nname = \"gd\"\nstep = [0.1, 0.2, 0.3]\nbeta = [0.5, 0.6, 0.7]\nalpha = [1, 2]\nzip = [\"step\", \"beta\"]",
        );
        let points = expand(&t, &["name"], &[]).expect("a valid zip");
        assert_eq!(points.len(), 2 * 3, "the zip is one axis of 3, not 3 x 3");
        let got: Vec<(i64, f64, f64)> = points
            .iter()
            .map(|p| {
                assert!(!p.contains_key("zip") && !p.contains_key("name"));
                (
                    p["alpha"].as_integer().unwrap_or(-1),
                    p["beta"].as_float().unwrap_or(-1.0),
                    p["step"].as_float().unwrap_or(-1.0),
                )
            })
            .collect();
        assert_eq!(got[0], (1, 0.5, 0.1));
        assert_eq!(got[2], (1, 0.7, 0.3));
        assert_eq!(got[3], (2, 0.5, 0.1));
        // Several groups: two axes of two.
        let t = raw(
            "[t]\na = [1, 2]\nb = [3, 4]\nc = [5, 6]\nd = [7, 8]\nzip = [[\"a\", \"b\"], [\"d\", \"c\"]]",
        );
        assert_eq!(expand(&t, &[], &[]).expect("valid").len(), 4);
    }

    #[test]
    fn bad_zips_name_the_key_at_fault() {
        let err = |s: &str| expand(&raw(s), &["name"], &["command"]).unwrap_err();
        let e = err("[t]\nstep = [1, 2, 3]\nbeta = [1, 2]\nzip = [\"step\", \"beta\"]");
        assert_eq!(e.key, "beta");
        assert!(
            e.message.contains("`step` has 3 values, `beta` has 2"),
            "{}",
            e.message
        );
        let e = err("[t]\nstep = [1, 2]\nzip = [\"step\", \"bta\"]");
        assert!(
            e.message.contains("does not set") && e.key == "zip",
            "{}",
            e.message
        );
        let e = err("[t]\nstep = [1, 2]\nbeta = 0.5\nzip = [\"step\", \"beta\"]");
        assert_eq!(e.key, "beta");
        let e = err("[t]\nstep = [1, 2]\nzip = [\"step\"]");
        assert!(e.message.contains("two or more"), "{}", e.message);
        for bad in [
            "zip = \"step\"",
            "zip = []",
            "zip = [1, 2]",
            "zip = [[\"a\"], \"b\"]",
        ] {
            let e = err(&format!("[t]\nstep = [1, 2]\n{bad}"));
            assert_eq!(e.key, "zip", "{bad}: {}", e.message);
        }
        let e = err("[t]\nname = [\"a\", \"b\"]\nstep = [1, 2]\nzip = [\"name\", \"step\"]");
        assert!(e.message.contains("cannot vary"), "{}", e.message);
        let e = err("[t]\ncommand = [\"a\", \"b\"]\nstep = [1, 2]\nzip = [\"command\", \"step\"]");
        assert!(e.message.contains("cannot be zipped"), "{}", e.message);
        let e = err("[t]\na = [1, 2]\nb = [1, 2]\nzip = [[\"a\", \"b\"], [\"b\", \"a\"]]");
        assert!(e.message.contains("twice"), "{}", e.message);
    }
}
