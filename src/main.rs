//! The `optzoo` binary: the command line of [`optzoo::cli`] over the built-in registry.

fn main() -> std::process::ExitCode {
    optzoo::cli::main(optzoo::registry::Registry::builtin())
}
