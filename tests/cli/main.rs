//! The command line through the binary: the new user's path (no arguments, the museum), and the checks on
//! what a user types before anything runs: bad and mutated configs, dry runs, plan-time refusals, `zip`,
//! sizes counted before allocation and the memory pre-flight; and the docs a user reads first: every link of
//! the README and docs/ resolves, and the reference is the one `optzoo list` writes; keys declared once, and
//! the keys external optimizers and problems share checked alike.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/museum_run.rs"]
mod museum_run;
#[path = "../common/shared_dir.rs"]
mod shared_dir;

mod bad_config;
mod cli_quickstart;
mod config_mutations;
mod declared_families;
mod declared_params;
mod doc_links;
mod dry_run;
mod external_keys;
mod memory_limit;
mod museum;
mod plan_checks;
mod reference_docs;
mod sizes_are_bounded;
mod zip_axes;
