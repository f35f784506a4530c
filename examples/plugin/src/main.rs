//! `optzoo` with the plug-in's additions: every command of optzoo, and the names `acme/sign-descent` and
//! `acme/bowl` in configs, listings, `inspect` and reports.

use std::process::ExitCode;

fn main() -> ExitCode {
    match optzoo_plugin_example::registry() {
        Ok(registry) => optzoo::cli::main(registry),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
