//! What every config reader shares: the located error ([`ConfigError`], with the file's text), grid
//! expansion of list values ([`grid`]), "did you mean" suggestions ([`suggest`]) and the checks of seeds and
//! names, and the one bounded way a config or suite file is read ([`read_file`]). The experiment config
//! itself is read into a plan by [`crate::plan`], above this module and above the runner and tuning, which use
//! these parts too.

pub mod error;
pub mod grid;
pub mod suggest;

use std::collections::BTreeSet;
use std::collections::btree_map::{BTreeMap, Entry};
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use toml::Spanned;

pub use error::{ConfigError, SourceText};

/// The most a config or suite file may hold: 16 MiB. A file is read up to this and one byte more, never
/// further, so that a huge file or a special file (`/dev/zero`) is refused rather than read until memory
/// runs out.
pub const MAX_FILE_BYTES: u64 = 16 << 20;

/// Reads a config or suite file as UTF-8 text. A file that cannot be read, is not UTF-8 or holds more than
/// [`MAX_FILE_BYTES`] is a [`ConfigError::Read`] naming the path (for the last, of kind
/// [`std::io::ErrorKind::FileTooLarge`], saying the limit).
pub fn read_file(path: &Path) -> Result<String, ConfigError> {
    let read_error = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(read_error(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "larger than {} MiB, the most a config or suite file may hold (read no further)",
                MAX_FILE_BYTES >> 20
            ),
        )));
    }
    String::from_utf8(bytes)
        .map_err(|e| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))
}

/// `seeds` with repeats removed, in the order given.
pub fn unique_seeds(seeds: &[u64]) -> Vec<u64> {
    let mut seen = BTreeSet::new();
    seeds.iter().copied().filter(|x| seen.insert(*x)).collect()
}

/// The first seed that `seeds` lists a second time, with the spans of its first listing and of its repeat.
pub fn repeated_seed(seeds: &[Spanned<u64>]) -> Option<(u64, Range<usize>, Range<usize>)> {
    let mut first = BTreeMap::new();
    seeds.iter().find_map(|s| match first.entry(*s.get_ref()) {
        Entry::Vacant(e) => {
            e.insert(s.span());
            None
        }
        Entry::Occupied(e) => Some((*s.get_ref(), e.get().clone(), s.span())),
    })
}

/// Whether `name` is a plain file name: letters, digits, `.`, `_` and `-`, not `.` or `..`, at most 100
/// characters. A config's name becomes the folder `results/<name>`, so it must not reach anywhere else.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_repeated_seed_is_found_with_both_places() {
        #[derive(serde::Deserialize)]
        struct Doc {
            seeds: Vec<Spanned<u64>>,
        }
        let doc: Doc = toml::from_str("seeds = [3, 1, 2, 1, 3]").expect("valid");
        assert_eq!(repeated_seed(&doc.seeds), Some((1, 12..13, 18..19)));
        let doc: Doc = toml::from_str("seeds = [0, 1, 2]").expect("valid");
        assert_eq!(repeated_seed(&doc.seeds), None);
    }

    #[test]
    fn files_are_read_up_to_the_limit_and_no_further() {
        let dir = tempfile::tempdir().expect("temp dir");
        let at = dir.path().join("at.toml");
        std::fs::write(&at, vec![b'#'; MAX_FILE_BYTES as usize]).expect("writable");
        assert_eq!(
            read_file(&at).map(|t| t.len() as u64).ok(),
            Some(MAX_FILE_BYTES)
        );
        let over = dir.path().join("over.toml");
        std::fs::write(&over, vec![b'#'; MAX_FILE_BYTES as usize + 1]).expect("writable");
        let e = read_file(&over).unwrap_err().to_string();
        assert!(
            e.contains(&over.display().to_string()) && e.contains("16 MiB"),
            "{e}"
        );
    }
}
