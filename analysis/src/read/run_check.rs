//! One run checked on its own, as `wl1 replay` needs it: the very checks
//! of an analysis of many runs, on a chunk that holds only this one.

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::*;
use wl1::trace::format::{decode_run_header, encode_payload};
use wl1::trace::{Event, RunHeader};

use crate::read::chunk;
use crate::runs::{Group, InputFile, RunInput, Settings, Unit};

/// One violation of the specification in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub property: String,
    /// The record, for properties about records.
    pub record: Option<u32>,
    /// The place it names ([`crate::record::places::place_name`]), where one applies.
    pub place: Option<usize>,
    pub region: Option<u32>,
}

/// Every violation of the specification in the run of `header` whose
/// events are `events`, ordered by record and place (the run's own
/// violations, such as `run-stuck`, first).
pub fn check_run(header: &RunHeader, events: &[Event]) -> Result<Vec<Violation>, String> {
    let mut payload = Vec::new();
    encode_payload(header, events, &mut payload);
    let (_, events_at) = decode_run_header(&payload, &header.spec)?;
    let spec = header.spec.clone();
    let group = Arc::new(Group::of(&spec));
    let records = group.records as usize;
    let file = Arc::new(InputFile { id: 0, path: PathBuf::new(), spec, group });
    let stored = payload.split_off(events_at);
    let (seed, outcome, coverage) = (header.seed, header.outcome, header.coverage);
    let run = RunInput { file, seed, outcome, coverage, events: 0..stored.len(), offset: 0, index: 0 };
    let unit = Unit { first_run: 0, events: stored, runs: vec![run], rows: records };
    let settings = Settings { analyzers: 1, seeds_kept: 1, ..Settings::default() };
    let failed = |e: PolarsError| format!("the run could not be checked: {e}");
    let result = chunk::analyze(unit, &settings, true).map_err(failed)?;
    if let Some(problem) = result.summary.problems.listed.first() {
        return Err(problem.clone());
    }
    let frames = result.frames.expect("frames were asked for");
    violations(&frames.violations).map_err(failed)
}

fn violations(table: &DataFrame) -> PolarsResult<Vec<Violation>> {
    let property = table.column("property")?.str()?;
    let record = table.column("record")?.u32()?;
    let place = table.column("place")?.u32()?;
    let region = table.column("region")?.u32()?;
    Ok((0..table.height())
        .map(|i| Violation {
            property: property.get(i).unwrap_or_default().to_string(),
            record: record.get(i),
            place: place.get(i).map(|p| p as usize),
            region: region.get(i),
        })
        .collect())
}
