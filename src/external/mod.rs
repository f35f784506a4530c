//! External optimizers: the harness side of the client protocol (`docs/external-protocol.md`).
//!
//! [`protocol`] frames messages (a JSON header line, then little-endian `f64`s); [`shm`] holds large vectors
//! in shared memory (protocol version 2); [`client`] starts, watches, kills and reaps one client process;
//! [`files`] hashes what a client runs into its run's identity; [`keys`] declares and checks the keys an
//! external optimizer's and an external problem's tables share. External problems
//! ([`crate::problems::external`], `docs/problem-protocol.md`) use the same framing, processes, hashing and
//! keys. The optimizer that speaks the protocol through the counting oracle is
//! [`crate::optimizers::external`].

pub mod client;
pub mod files;
pub mod keys;
pub mod protocol;
pub mod shm;
