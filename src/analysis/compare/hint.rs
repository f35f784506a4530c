//! What to say when runs do not pair: a changed optimizer parameter changes the run id, so a comparison by
//! run id lists every such run as missing on one side and new on the other.

use super::Matching;
use super::pair::{Pairs, pair};
use super::text::count;
use crate::store::RunRecord;

/// A hint for a comparison that left runs unpaired on both sides, or `None` where nothing is to be said.
pub(super) fn hint(
    base: &[RunRecord],
    new: &[RunRecord],
    pairs: &Pairs<'_>,
    matching: Matching,
) -> Option<String> {
    if pairs.missing.is_empty() || pairs.new.is_empty() {
        return None;
    }
    let nothing = pairs.paired.is_empty();
    if matching == Matching::RunId {
        let relaxed = pair(base, new, Matching::IgnoreOptimizerParams);
        match relaxed {
            Ok(p) if p.paired.len() > pairs.paired.len() => {
                let more = p.paired.len() - pairs.paired.len();
                let opening = if nothing {
                    "No run pairs by run id: every baseline run is missing and every new run is new.".to_string()
                } else {
                    format!(
                        "{} missing and {} new.",
                        count(pairs.missing.len(), "baseline run"),
                        count(pairs.new.len(), "new run")
                    )
                };
                return Some(format!(
                    "{opening} {more} of them have a partner with the same instance, optimizer name and seed \
                     and other optimizer parameters (a changed parameter changes the run id): \
                     `--ignore-optimizer-params` pairs them."
                ));
            }
            Err(e) => {
                return Some(format!(
                    "{} missing and {} new; `--ignore-optimizer-params` cannot pair them one to one: {e}.",
                    count(pairs.missing.len(), "baseline run"),
                    count(pairs.new.len(), "new run")
                ));
            }
            Ok(_) => {}
        }
    }
    nothing.then(|| {
        "No run pairs: the two directories hold different experiments (problem instances, seeds, \
         optimizers or the stop rule differ)."
            .to_string()
    })
}
