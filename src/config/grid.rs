//! Grid expansion: every list value of a table is an axis, and the table expands to the Cartesian product.
//!
//! A parameter whose value is itself a list is written as a list of lists (one axis whose points are lists).
//! Points come out in a fixed order: keys in sorted order, the last key varying fastest.

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

/// Expands `table`, without the keys in `skip`, into its grid points.
pub fn expand(table: &RawTable, skip: &[&str]) -> Result<Vec<toml::Table>, EmptyAxis> {
    let mut points = vec![toml::Table::new()];
    for (key, value) in table {
        if skip.contains(&key.get_ref().as_str()) {
            continue;
        }
        let values: Vec<toml::Value> = match value.get_ref() {
            toml::Value::Array(items) => {
                if items.is_empty() {
                    return Err(EmptyAxis {
                        key: key.get_ref().clone(),
                        span: value.span(),
                    });
                }
                items.clone()
            }
            other => vec![other.clone()],
        };
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.insert(key.get_ref().clone(), v.clone());
                    q
                })
            })
            .collect();
    }
    Ok(points)
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
        let points = expand(&t, &["family"]).expect("no empty axis");
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
        let e = expand(&t, &[]).unwrap_err();
        assert_eq!(e.key, "kappa");
    }
}
