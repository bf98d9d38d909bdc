//! `wl1 analyze` on polars: loads trace files into DataFrames, checks the
//! specification of MODEL.md section 5 per run and per record, measures
//! latency, ordering and duplicates per group of runs, and reports.
//!
//! Every property is about one run, so the runs are analyzed a chunk at a
//! time (see [`Settings::chunk_events`]), which bounds the memory used: a
//! chunk leaves only its violations and its measurement samples behind,
//! and the chunks' figures add up to those of the whole set.

pub mod export;
mod load;
mod measure;
mod order;
pub mod plot;
mod report;
mod spec;
mod tables;

use std::path::PathBuf;

use polars::prelude::*;
use wl1::trace::TraceError;

pub use load::rec_key;
pub use measure::Measures;
use measure::Samples;
pub use order::OrderStats;
pub use report::Report;
pub use spec::{
    DUPLICATE_STORE, EVENTUAL_DELIVERY, GLOBAL_ORDER, PHANTOM, REMOVED_BEFORE_APPEND, REMOVED_BEFORE_DELIVERY,
    REMOVED_BEFORE_STORE, VALUE_CHANGED,
};
pub use tables::place_name;

/// How to go through the inputs.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// About how many trace events about records to analyze at once (whole
    /// runs, at least one): what bounds the memory used.
    pub chunk_events: usize,
    /// Whether to keep the stage table of every run (see [`Analysis::stages`]).
    pub keep_stages: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { chunk_events: 1 << 20, keep_stages: false }
    }
}

/// The analysis of a set of trace files.
pub struct Analysis {
    pub files: usize,
    /// Trace events read.
    pub events: usize,
    /// One row per run (see `load::Chunk::runs`).
    pub runs: DataFrame,
    /// The groups of runs that may be pooled, indexed by `group_id`.
    pub groups: Vec<String>,
    /// One row per run, record and place reached (see
    /// `tables::stage_table`), if [`Settings::keep_stages`] asked for it.
    pub stages: Option<DataFrame>,
    /// One row per violation: run, record, property, place, region, seed,
    /// scenario, file, group_id, stage.
    pub violations: DataFrame,
    pub measures: Measures,
    pub problems: Vec<TraceError>,
}

/// What the chunks analyzed so far add up to.
struct Totals {
    events: usize,
    runs: DataFrame,
    stages: Option<DataFrame>,
    violations: DataFrame,
    samples: Samples,
    problems: Vec<TraceError>,
}

impl Totals {
    /// Adds the figures of the runs after these.
    fn add(&mut self, part: Totals) -> PolarsResult<()> {
        self.events += part.events;
        self.runs.vstack_mut(&part.runs)?;
        if let (Some(stages), Some(more)) = (&mut self.stages, &part.stages) {
            stages.vstack_mut(more)?;
        }
        self.violations.vstack_mut(&part.violations)?;
        self.samples.append(&part.samples)?;
        self.problems.extend(part.problems);
        Ok(())
    }
}

/// Told how many trace files have been read so far, as the analysis goes.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

impl Analysis {
    /// Loads, checks and measures every trace file under `paths`, a chunk
    /// of runs at a time.
    pub fn of(paths: &[PathBuf]) -> PolarsResult<Analysis> {
        Analysis::with(paths, Settings::default(), &|_| {})
    }

    pub fn with(paths: &[PathBuf], settings: Settings, progress: Progress<'_>) -> PolarsResult<Analysis> {
        let analyze = |chunk| analyze_chunk(chunk, settings.keep_stages);
        let (inputs, parts) = load::analyze_in_chunks(paths, settings.chunk_events, progress, analyze)?;
        let mut parts = parts.into_iter();
        let mut t = parts.next().expect("the loader hands over at least one chunk");
        for part in parts {
            t.add(part)?;
        }
        t.runs.rechunk_mut();
        t.violations.rechunk_mut();
        let problems = t.problems;
        Ok(Analysis {
            files: inputs.files,
            events: t.events,
            measures: t.samples.measure(&t.runs)?,
            runs: t.runs,
            groups: inputs.groups,
            stages: t.stages,
            violations: t.violations,
            problems,
        })
    }

    /// How many runs violate some property.
    pub fn violating_runs(&self) -> PolarsResult<usize> {
        self.violations.column("run")?.n_unique()
    }
}

/// Checks and samples the runs of one chunk.
fn analyze_chunk(chunk: load::Chunk, keep_stages: bool) -> PolarsResult<Totals> {
    let record_events = tables::record_events(&chunk.events)?;
    drop(chunk.events);
    let stages = tables::stage_table(&record_events)?;
    let record_table = tables::record_table(&stages, &chunk.runs)?;
    let ordering = order::ordering(&record_table)?;
    let violations = spec::violations(spec::SpecInput {
        runs: &chunk.runs,
        records: &chunk.records,
        stages: &stages,
        record_table: &record_table,
        record_events: &record_events,
        first_out_of_order: &ordering.first_out_of_order,
    })?;
    let samples = Samples::of(&stages, &record_table, &chunk.runs, &ordering)?;
    Ok(Totals {
        events: chunk.event_count,
        runs: chunk.runs,
        stages: keep_stages.then_some(stages),
        violations,
        samples,
        problems: chunk.problems,
    })
}
