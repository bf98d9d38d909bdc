//! The specification's checks as the judge of a shrink: what a smaller run
//! violates, in the words a shrink compares.

use wl1::shrink::{Judge, Violation};
use wl1::trace::{Event, RunHeader};

use super::run_check::check_run;

/// Judges runs by [`check_run`], as `wl1 replay` checks one.
pub struct SpecJudge;

impl Judge for SpecJudge {
    fn violations(&mut self, header: &RunHeader, events: &[Event]) -> Result<Vec<Violation>, String> {
        let found = check_run(header, events)?;
        Ok(found
            .into_iter()
            .map(|v| Violation {
                place: v.place_name().map(str::to_string),
                region: v.region,
                record: v.record,
                property: v.property,
            })
            .collect())
    }
}
