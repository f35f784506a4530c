//! The registry value: every optimizer and problem family a config, a tuning plan, a listing, `inspect` or
//! an analysis can name.
//!
//! [`Registry::builtin`] holds the optimizers of [`crate::optimizers::OPTIMIZERS`] and the families of
//! [`crate::problems::FAMILIES`]; a crate that uses optzoo as a library adds its own with
//! [`Registry::add_optimizer`] and [`Registry::add_family`] and hands the result to
//! [`crate::cli::main`], so that its binary is a full optzoo with its additions. Added names are
//! namespaced (`acme/shampoo`: an owner, a slash, a name, each of lowercase letters, digits and `-`), so they
//! can never clash with a built-in; a name registered twice is refused.

use crate::optimizers::{Checked, OPTIMIZERS, OptimizerEntry, ParseContext};
use crate::problems::{FAMILIES, Family};

/// Optimizers and problem families by name, each list sorted.
#[derive(Clone)]
pub struct Registry {
    optimizers: Vec<&'static OptimizerEntry>,
    families: Vec<&'static Family>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field(
                "optimizers",
                &self.optimizers.iter().map(|o| o.name).collect::<Vec<_>>(),
            )
            .field(
                "families",
                &self.families.iter().map(|o| o.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Why an addition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The name is taken.
    #[error("{kind} \"{name}\" is already registered")]
    Clash {
        /// `optimizer` or `problem family`.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// The name is not of the form `owner/name`.
    #[error(
        "{kind} \"{name}\" must be namespaced as owner/name (lowercase letters, digits and '-' on each side of one '/')"
    )]
    NotNamespaced {
        /// `optimizer` or `problem family`.
        kind: &'static str,
        /// The name.
        name: String,
    },
}

/// Whether `name` is `owner/name` with both parts non-empty and made of `[a-z0-9-]`.
pub fn is_namespaced(name: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    matches!(name.split_once('/'), Some((owner, rest)) if part(owner) && part(rest))
}

impl Default for Registry {
    fn default() -> Self {
        Registry::builtin()
    }
}

impl Registry {
    /// The built-in optimizers and families.
    pub fn builtin() -> Registry {
        Registry {
            optimizers: OPTIMIZERS.iter().collect(),
            families: FAMILIES.iter().collect(),
        }
    }

    /// A registry that knows no optimizer and no family: enough to read results, which never resolve a name.
    pub fn empty() -> Registry {
        Registry {
            optimizers: Vec::new(),
            families: Vec::new(),
        }
    }

    /// Adds an optimizer under its (namespaced) name.
    pub fn add_optimizer(&mut self, entry: &'static OptimizerEntry) -> Result<(), RegistryError> {
        let kind = "optimizer";
        if !is_namespaced(entry.name) {
            return Err(RegistryError::NotNamespaced {
                kind,
                name: entry.name.into(),
            });
        }
        match self.optimizers.binary_search_by(|o| o.name.cmp(entry.name)) {
            Ok(_) => Err(RegistryError::Clash {
                kind,
                name: entry.name.into(),
            }),
            Err(at) => {
                self.optimizers.insert(at, entry);
                Ok(())
            }
        }
    }

    /// Adds a problem family under its (namespaced) name.
    pub fn add_family(&mut self, family: &'static Family) -> Result<(), RegistryError> {
        let kind = "problem family";
        if !is_namespaced(family.name) {
            return Err(RegistryError::NotNamespaced {
                kind,
                name: family.name.into(),
            });
        }
        match self.families.binary_search_by(|f| f.name.cmp(family.name)) {
            Ok(_) => Err(RegistryError::Clash {
                kind,
                name: family.name.into(),
            }),
            Err(at) => {
                self.families.insert(at, family);
                Ok(())
            }
        }
    }

    /// The optimizer registered as `name`.
    pub fn optimizer(&self, name: &str) -> Option<&'static OptimizerEntry> {
        self.optimizers
            .binary_search_by(|o| o.name.cmp(name))
            .ok()
            .map(|i| self.optimizers[i])
    }

    /// The family registered as `name`.
    pub fn family(&self, name: &str) -> Option<&'static Family> {
        self.families
            .binary_search_by(|f| f.name.cmp(name))
            .ok()
            .map(|i| self.families[i])
    }

    /// Every optimizer, sorted by name.
    pub fn optimizers(&self) -> impl Iterator<Item = &'static OptimizerEntry> + '_ {
        self.optimizers.iter().copied()
    }

    /// Every family, sorted by name.
    pub fn families(&self) -> impl Iterator<Item = &'static Family> + '_ {
        self.families.iter().copied()
    }

    /// The names of every optimizer.
    pub fn optimizer_names(&self) -> Vec<&'static str> {
        self.optimizers.iter().map(|o| o.name).collect()
    }

    /// The names of every family.
    pub fn family_names(&self) -> Vec<&'static str> {
        self.families.iter().map(|f| f.name).collect()
    }

    /// `unknown optimizer "adma"; did you mean "adam"? known: ...`, over `known` names.
    pub fn unknown_optimizer(&self, name: &str, known: &[&str]) -> String {
        format!(
            "unknown optimizer \"{name}\"{}; known: {}",
            crate::config::suggest::did_you_mean(name, known),
            known.join(", ")
        )
    }

    /// `unknown problem family "qudratic"; did you mean "quadratic"? known: ...`.
    pub fn unknown_family(&self, name: &str) -> String {
        let known = self.family_names();
        format!(
            "unknown problem family \"{name}\"{}; known: {}",
            crate::config::suggest::did_you_mean(name, &known),
            known.join(", ")
        )
    }

    /// Checks an optimizer configuration as a run record stores it (its name and canonical parameters),
    /// parsed as an embedded config would be.
    pub fn resolve_optimizer(
        &self,
        name: &str,
        params: &serde_json::Value,
    ) -> Result<Checked, String> {
        let entry = self
            .optimizer(name)
            .ok_or_else(|| self.unknown_optimizer(name, &self.optimizer_names()))?;
        let table = json_table(params)?;
        entry
            .parse_point(&table, &ParseContext::default())
            .map_err(|e| format!("{name}: {}", e.message))
    }
}

/// A record's canonical JSON parameters as the TOML table they came from (`null` values dropped, `null`
/// itself the empty table).
pub fn json_table(params: &serde_json::Value) -> Result<toml::Table, String> {
    let mut v = params.clone();
    match &mut v {
        serde_json::Value::Null => return Ok(toml::Table::new()),
        serde_json::Value::Object(m) => m.retain(|_, x| !x.is_null()),
        _ => {}
    }
    serde_json::from_value(v).map_err(|e| format!("parameters are not a table: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    static SHAMPOO: OptimizerEntry = OptimizerEntry {
        name: "acme/shampoo",
        summary: "test",
        keeps: "test",
        params: crate::optimizers::gd::PARAMS,
        lists: &[],
        parse: crate::optimizers::parse_optimizer::<crate::optimizers::gd::GdConfig>,
    };

    static PLAIN: OptimizerEntry = OptimizerEntry {
        name: "shampoo",
        ..SHAMPOO
    };

    #[test]
    fn builtins_are_sorted_and_additions_namespaced_and_unique() {
        let mut r = Registry::builtin();
        let names = r.optimizer_names();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        assert!(matches!(
            r.add_optimizer(&PLAIN),
            Err(RegistryError::NotNamespaced { .. })
        ));
        r.add_optimizer(&SHAMPOO).expect("a new namespaced name");
        assert_eq!(
            r.add_optimizer(&SHAMPOO),
            Err(RegistryError::Clash {
                kind: "optimizer",
                name: "acme/shampoo".into()
            })
        );
        assert_eq!(
            r.optimizer("acme/shampoo").map(|o| o.name),
            Some("acme/shampoo")
        );
        assert!(r.optimizer("gd").is_some());
        for bad in ["acme/", "/x", "Acme/x", "a/b/c", "a b/c"] {
            assert!(!is_namespaced(bad), "{bad}");
        }
    }

    #[test]
    fn records_params_resolve_to_a_checked_optimizer() {
        let r = Registry::builtin();
        let c = r
            .resolve_optimizer("gd", &serde_json::json!({"step": 0.1, "c1": null}))
            .expect("valid");
        assert!(c.optimizer.escape().is_some());
        assert!(
            r.resolve_optimizer("gdd", &serde_json::Value::Null)
                .is_err()
        );
    }
}
