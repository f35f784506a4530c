//! `optzoo run --dry-run`: the plan printed, nothing run or written.

use crate::registry::Registry;

use super::sweep::{Sweep, plan_and_dir};

pub(super) fn dry_run(registry: &Registry, sweep: Sweep) -> anyhow::Result<()> {
    let (plan, dir) = plan_and_dir(registry, sweep)?;
    let survey = crate::dry_run::survey(&plan, &dir);
    print!("{}", crate::dry_run::render(&plan, &dir, &survey));
    Ok(())
}
