//! A results folder is data: records are checked when read, hostile or damaged folders are refused without
//! a panic, no file of the user's is lost, and runs are reproducible across reruns, thread counts, code
//! versions, kills and shards.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/museum_run.rs"]
mod museum_run;
#[path = "../common/shared_dir.rs"]
mod shared_dir;

mod code_identity;
mod determinism;
mod kill_and_resume;
mod no_file_lost;
mod records_checked;
mod results_are_data;
mod results_fuzz;
mod shards;
