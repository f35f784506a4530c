//! Grid expansion: every list value of a table is an axis, and the table expands to the Cartesian product.
//!
//! A parameter whose value is itself a list is written as a list of lists (one axis whose points are lists),
//! except for the keys a registry entry declares as taking a list whole (an external optimizer's `command`).
//! A value that is a table is expanded the same way, inside: its list values are axes of the whole grid (an
//! external optimizer's `params = { lr = [1e-3, 1e-2] }` gives two points). Points come out in a fixed
//! order: keys in sorted order, the last key varying fastest, a nested table's keys in its key's place.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

/// A table as written, with the spans of its keys and values.
pub type RawTable = BTreeMap<Spanned<String>, Spanned<toml::Value>>;

/// The span of `key`'s value in `table`, if the key is there.
pub fn span_of(table: &RawTable, key: &str) -> Option<Range<usize>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v.span())
}

/// An axis with no values: its key and span.
#[derive(Debug)]
pub struct EmptyAxis {
    /// The key.
    pub key: String,
    /// The span of the empty list.
    pub span: Range<usize>,
}

/// Expands `table`, without the keys in `skip`, into its grid points; the keys in `whole` take a list value
/// as one value, not as an axis.
pub fn expand(
    table: &RawTable,
    skip: &[&str],
    whole: &[&str],
) -> Result<Vec<toml::Table>, EmptyAxis> {
    let mut points = vec![toml::Table::new()];
    for (key, value) in table {
        let name = key.get_ref().as_str();
        if skip.contains(&name) {
            continue;
        }
        let values =
            axis(name, value.get_ref(), whole.contains(&name)).map_err(|key| EmptyAxis {
                key,
                span: value.span(),
            })?;
        points = product(points, name, &values);
    }
    Ok(points)
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
}
