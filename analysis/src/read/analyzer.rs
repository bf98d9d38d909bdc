//! What an analyzer does with a unit of whole runs: each run's events are
//! decoded straight into the facts of its records, which become one row
//! per run and record of the chunk's record frame; the measurements are
//! added up per group as each run ends; then the specification is checked
//! on the frames (see [`crate::check::spec`]).

use polars::prelude::*;
use wl1::trace::format::decode_events;
use wl1::trace::{Event, TraceError};

use crate::check::columns::RecordColumns;
use crate::check::spec;
use crate::measure::coverage::RunSituations;
use crate::measure::summary::{GroupSummary, Summary};
use crate::read::chunk::Chunk;
use crate::read::frames::ChunkFrames;
use crate::record::facts::RunFacts;
use crate::runs::{Settings, Unit};

/// What a unit adds up to.
pub struct UnitResult {
    /// The runs of the unit, and the bytes of their events.
    pub runs: u64,
    pub bytes: u64,
    pub summary: Summary,
    /// The runs whose events could not be decoded: identity and seed.
    pub undecodable: Vec<(u64, u64)>,
    /// The tables to export, if asked for.
    pub frames: Option<ChunkFrames>,
}

/// Analyzes the runs of one unit, and builds the tables to export if asked.
pub fn analyze(unit: Unit, settings: &Settings, export_frames: bool) -> PolarsResult<UnitResult> {
    let (run_count, bytes) = (unit.runs.len() as u64, unit.events.len() as u64);
    let mut chunk = Chunk { records: RecordColumns::with_capacity(unit.rows, export_frames), ..Chunk::default() };
    let mut facts = RunFacts::default();
    let mut situations = RunSituations::default();
    let mut summary = Summary::new(settings.seeds_kept);
    let mut undecodable = Vec::new();
    for run in &unit.runs {
        facts.start(run.file.group.records);
        situations.start();
        let observe = |e: Event| {
            situations.observe(&e);
            facts.observe(e);
        };
        match decode_events(&unit.events[run.events.clone()], observe) {
            Ok(events) => chunk.add_run(run, events, &facts.records, &situations),
            Err(problem) => {
                let path = run.file.path.clone();
                summary
                    .problems
                    .add(TraceError { path, offset: Some(run.offset), run: Some(run.index), problem }.to_string());
                undecodable.push((run.file.group.identity, run.seed));
            }
        }
    }
    let records = std::mem::take(&mut chunk.records).into_frame()?;
    let runs = chunk.runs.frame()?;
    let violations = spec::violations(&records, &runs)?;
    let frames = export_frames.then(|| ChunkFrames::new(unit.first_run, &chunk, &records, &violations)).transpose()?;
    let mut found = vec![GroupSummary::default(); chunk.groups.len()];
    spec::add_violations(&violations, &chunk.runs, &mut found, settings.seeds_kept)?;
    for ((group, tally), found) in chunk.groups.iter().zip(chunk.tallies).zip(found) {
        let summary_group = summary.group_mut(group.identity, &group.label, &group.scenario, &group.spec);
        summary_group.add(&tally.into_summary(), settings.seeds_kept);
        summary_group.add(&found, settings.seeds_kept);
    }
    Ok(UnitResult { runs: run_count, bytes, summary, undecodable, frames })
}
