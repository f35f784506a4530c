//! An optzoo plug-in: the optimizer `acme/sign-descent` and the problem family `acme/bowl`, added to the
//! built-in registry by [`registry`]. Everything comes from optzoo's library and its re-exports (`serde`,
//! `rand_chacha`, `toml`), so the versions cannot mismatch.

pub mod bowl;
pub mod sign_descent;

use optzoo::Registry;
use optzoo::optimizers::{OptimizerEntry, parse_optimizer};
use optzoo::problems::Family;

/// The optimizer's registry entry.
pub static SIGN_DESCENT: OptimizerEntry = OptimizerEntry {
    name: "acme/sign-descent",
    summary: "sign descent: x <- x - lr sign(g), lr shrinking by `decay` each step",
    keeps: "none (the identity)",
    params: sign_descent::PARAMS,
    lists: &[],
    parse: parse_optimizer::<sign_descent::SignDescentConfig>,
};

/// The family's registry entry.
pub static BOWL: Family = Family::of::<bowl::BowlConfig>(
    "acme/bowl",
    "separable bowl sum w_i (x_i - c)^2 / 2, weights log-spaced in [1/kappa, 1]",
    bowl::PARAMS,
);

/// The built-in registry with this crate's additions.
pub fn registry() -> Result<Registry, optzoo::registry::RegistryError> {
    let mut r = Registry::builtin();
    r.add_optimizer(&SIGN_DESCENT)?;
    r.add_family(&BOWL)?;
    Ok(r)
}
