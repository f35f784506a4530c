//! The keys an external optimizer's table (`[[optimizer]] name = "external"`) and an external problem's
//! (`[[problem]] family = "external"`) share, declared and checked once: `command`, `label`, `params`,
//! `timeout_s`, `env`, `files`, `version`, and the computed `client_files`.
//!
//! `external_config!` (a macro of this crate) writes them into each side's config struct
//! beside the side's own keys (an optimizer's `requires`, a problem's `dim`): one flat serde struct, so that
//! `deny_unknown_fields` and toml's key paths in type errors work as for any config, and its canonical JSON
//! (a run's identity) is what each side wrote by hand before. [`parse`] reads and checks such a table: the
//! shared keys through [`Keys::check`] (the label by the side's rules), then the side's own, then hashes the
//! files its process runs into `client_files` ([`super::files`]). [`doc`] lists a shared key with its default
//! from [`DEFAULTS`], in the side's own words.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::files;
use crate::params::{ParamDoc, ParamError, positive};

/// `timeout_s`'s default, in seconds.
pub const TIMEOUT_S: f64 = 600.0;

/// The largest `timeout_s`, in seconds.
pub const MAX_TIMEOUT_S: f64 = 1e7;

/// The shared keys, in the order both sides list them, with their defaults as `optzoo list` shows them
/// (`timeout_s`'s is [`TIMEOUT_S`]).
pub const DEFAULTS: &[(&str, &str)] = &[
    ("command", "required"),
    ("label", "required"),
    ("params", "{}"),
    ("timeout_s", "600"),
    ("env", "{}"),
    ("files", "[]"),
    ("version", "none"),
];

/// The shared keys whose list value is taken whole, not as a grid axis.
pub const LISTS: &[&str] = &["command", "files"];

/// The serde default of `timeout_s`: [`TIMEOUT_S`].
pub fn default_timeout() -> f64 {
    TIMEOUT_S
}

/// The listing of the shared key `name`, with its default from [`DEFAULTS`] and one side's wording `doc` (a
/// name that is not a shared key fails to compile where this is a constant).
pub const fn doc(name: &'static str, doc: &'static str) -> ParamDoc {
    let mut i = 0;
    while i < DEFAULTS.len() {
        if same(DEFAULTS[i].0, name) {
            return ParamDoc {
                name,
                default: DEFAULTS[i].1,
                doc,
            };
        }
        i += 1;
    }
    panic!("not a shared key of external configs");
}

/// Whether `docs` lists every shared key exactly once, with its shared default (checked where a side's
/// listing is declared, so that neither side can drop or redefine a shared key).
pub const fn lists_all(docs: &[ParamDoc]) -> bool {
    let mut i = 0;
    while i < DEFAULTS.len() {
        let (mut count, mut j) = (0, 0);
        while j < docs.len() {
            if same(docs[j].name, DEFAULTS[i].0) {
                if !same(docs[j].default, DEFAULTS[i].1) {
                    return false;
                }
                count += 1;
            }
            j += 1;
        }
        if count != 1 {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether two strings are equal, in a constant.
const fn same(a: &str, b: &str) -> bool {
    const fn bytes(a: &[u8], b: &[u8]) -> bool {
        match (a, b) {
            ([], []) => true,
            ([x, a @ ..], [y, b @ ..]) => *x == *y && bytes(a, b),
            _ => false,
        }
    }
    bytes(a.as_bytes(), b.as_bytes())
}

/// Declares an external config struct: the shared keys, then the side's own fields (written as in any serde
/// struct, each with its doc comment and attributes, and a trailing comma), then `client_files`; and
/// implements [`Shared`] for it. The struct derives `Debug`, `Clone`, `PartialEq`, `Serialize` and
/// `Deserialize` with `deny_unknown_fields`; `files`, `version` and `client_files` are left out of its
/// serialization when empty.
macro_rules! external_config {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($own:tt)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Program and arguments.
            pub command: Vec<String>,
            /// The name in tables, figures and messages.
            pub label: String,
            /// Passed to the process as they are.
            #[serde(default)]
            pub params: ::serde_json::Map<String, ::serde_json::Value>,
            /// Wall time, seconds.
            #[serde(default = "crate::external::keys::default_timeout")]
            pub timeout_s: f64,
            /// Extra environment variables.
            #[serde(default)]
            pub env: ::std::collections::BTreeMap<String, String>,
            /// Globs of further files the process runs.
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub files: Vec<String>,
            /// What the hashes cannot see.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub version: Option<String>,
            $($own)*
            /// The content hash of every file the process runs, by path as written (computed when the config
            /// is read; a value given in a config is replaced).
            #[serde(default, skip_serializing_if = "::std::collections::BTreeMap::is_empty")]
            pub client_files: ::std::collections::BTreeMap<String, String>,
        }

        impl $crate::external::keys::Shared for $name {
            fn keys(&self) -> $crate::external::keys::Keys<'_> {
                $crate::external::keys::Keys {
                    command: &self.command,
                    label: &self.label,
                    timeout_s: self.timeout_s,
                    env: &self.env,
                    files: &self.files,
                }
            }

            fn set_client_files(&mut self, hashes: ::std::collections::BTreeMap<String, String>) {
                self.client_files = hashes;
            }
        }
    };
}

pub(crate) use external_config;

/// A config declared with `external_config!`: its shared keys.
pub trait Shared: DeserializeOwned {
    /// The shared keys' values.
    fn keys(&self) -> Keys<'_>;
    /// Records the content hashes of the files the process runs.
    fn set_client_files(&mut self, hashes: BTreeMap<String, String>);
}

/// The values of one config's shared keys that are checked or that locate files.
#[derive(Debug, Clone, Copy)]
pub struct Keys<'a> {
    /// `command`.
    pub command: &'a [String],
    /// `label`.
    pub label: &'a str,
    /// `timeout_s`.
    pub timeout_s: f64,
    /// `env`.
    pub env: &'a BTreeMap<String, String>,
    /// `files`.
    pub files: &'a [String],
}

impl Keys<'_> {
    /// Rejects an invalid value, naming its key: `command` (a program), `label` (by `check_label`, the side's
    /// rules), `timeout_s` (in (0, [`MAX_TIMEOUT_S`]]), `env` (variable names).
    pub fn check(&self, check_label: fn(&str) -> Result<(), ParamError>) -> Result<(), ParamError> {
        files::check_command(self.command)?;
        check_label(self.label)?;
        positive("timeout_s", self.timeout_s)?;
        if self.timeout_s > MAX_TIMEOUT_S {
            return Err(ParamError::key(
                "timeout_s",
                format!(
                    "`timeout_s` must be at most {MAX_TIMEOUT_S:e} seconds, got {}",
                    self.timeout_s
                ),
            ));
        }
        if let Some(k) = self
            .env
            .keys()
            .find(|k| k.is_empty() || k.contains(['=', '\0']))
        {
            return Err(ParamError::key(
                "env",
                format!("`env`: {k:?} is not a variable name"),
            ));
        }
        Ok(())
    }
}

/// A table read and checked by [`parse`].
#[derive(Debug)]
pub struct Parsed<C, T> {
    /// The config, its `client_files` computed.
    pub config: C,
    /// What the side's own check returned.
    pub own: T,
    /// The folder its relative paths start from, where its process runs.
    pub dir: PathBuf,
}

/// Reads a table into a config (`docs` for suggestions on unknown keys), checks its shared keys (the label by
/// `check_label`) and then its own (`check_own`, whose result is kept), and records the hashes of the files
/// its process runs, relative to `dir` (the config's folder; the current directory when `None`). Errors name
/// the key.
pub fn parse<C: Shared, T>(
    table: &toml::Table,
    docs: &[ParamDoc],
    dir: Option<&Path>,
    check_label: fn(&str) -> Result<(), ParamError>,
    check_own: impl FnOnce(&C) -> Result<T, ParamError>,
) -> Result<Parsed<C, T>, ParamError> {
    let mut config: C = crate::params::from_table(table, docs)?;
    config.keys().check(check_label)?;
    let own = check_own(&config)?;
    let dir = files::base_dir(dir);
    let keys = config.keys();
    let hashes = files::hash_files(keys.command, keys.files, &dir)?;
    config.set_client_files(hashes);
    Ok(Parsed { config, own, dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timeout_default_is_listed_as_it_is() {
        let listed = DEFAULTS.iter().find(|(k, _)| *k == "timeout_s");
        assert_eq!(
            listed.map(|(_, d)| *d),
            Some(TIMEOUT_S.to_string().as_str())
        );
        assert_eq!(format!("{MAX_TIMEOUT_S:e}"), "1e7");
    }

    #[test]
    fn a_listing_must_hold_every_shared_key_once() {
        let all: Vec<ParamDoc> = DEFAULTS.iter().map(|&(k, _)| doc(k, "")).collect();
        assert!(lists_all(&all));
        assert!(!lists_all(&all[1..]));
        let twice: Vec<ParamDoc> = all.iter().chain(&all[..1]).copied().collect();
        assert!(!lists_all(&twice));
        let mut other = all.clone();
        other[3].default = "60";
        assert!(!lists_all(&other));
    }
}
