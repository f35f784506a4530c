//! External optimizers and problems through their process protocols, end to end through the binary:
//! faulty clients, prepared evaluations, numpy/JAX/PyTorch/pycma clients against the libraries run directly,
//! the development loop of one's own client, and the plug-in example crate.

#[path = "../common/mod.rs"]
mod common;

mod client_loop;
mod external;
mod external_prepared;
mod external_problem;
mod jax_solvers;
mod plugin;
mod pycma;
