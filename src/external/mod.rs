//! External optimizers: the harness side of the client protocol (`docs/external-protocol.md`).
//!
//! [`protocol`] frames messages (a JSON header line, then little-endian `f64`s); [`client`] starts, watches,
//! kills and reaps one client process. The optimizer that speaks the protocol through the counting oracle is
//! [`crate::optimizers::external`].

pub mod client;
pub mod files;
pub mod protocol;
pub mod shm;
