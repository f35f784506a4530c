//! The `optzoo` binary: the command line of [`optzoo::cli`] over the built-in registry, with the counting
//! allocator that lets records state the memory each optimizer keeps.

#[global_allocator]
static ALLOC: optzoo::alloc::Counting = optzoo::alloc::Counting;

fn main() -> std::process::ExitCode {
    optzoo::cli::main(optzoo::registry::Registry::builtin())
}
