//! `wl1 analyze` on polars: checks trace files against the specification
//! of MODEL.md, "Specification" and measures latency, ordering and duplicates,
//! per group of runs that share everything but their seeds.
//!
//! The runs are read in order and each is counted once; an analyzer per
//! core takes chunks of whole runs, decodes their events straight into one
//! row per run and record (the facts its events give), checks the
//! specification on that frame with column-wise polars expressions, and
//! reduces the chunk to a [`Summary`]. Summaries merge exactly, so memory
//! depends on the number of groups, not of runs, and the summaries of
//! shards stored apart (`wl1 analyze --summary FILE`) merge into the report
//! of their union. The [`Report`] is printed from the merged summary, as
//! text, JSON or an HTML page ([`output::html`]) whose pictures ([`output::charts`]) also
//! draw runs read back from their traces. [`check_run`] checks one run on
//! its own, for `wl1 replay`.

mod atomic;
mod check;
pub mod measure;
pub mod output;
mod properties;
mod read;
mod record;
mod runs;
pub mod text;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, sync_channel};

use polars::prelude::PolarsResult;

/// The polars the tables are made with.
pub use polars;

pub use atomic::write as write_atomically;
pub use measure::histogram::{Histogram, RELATIVE_PRECISION};
pub use measure::order::{OrderStats, OrderTotals, scope_name};
pub use measure::seeds::{DuplicateRuns, Duplicates, SeedRange, SeedSet};
pub use measure::summary::{GroupSummary, Problems, Repeats, Shard, Summary, Violated, Violator};
pub use output::export::{Export, ExportFormat, Sink};
pub use output::report::{
    Cell, CoverageDetail, GroupReport, Report, Section, SeedRow, ShrunkSeed, Table, command_lines, shell_quote,
};
pub use properties::{
    ANSWER_UNMATCHED, DUPLICATE_STORE, EVENTUAL_DELIVERY, GLOBAL_ORDER, PHANTOM, PROPERTIES, PUBLISH_ORDER,
    REMOVED_BEFORE_APPEND, REMOVED_BEFORE_DELIVERY, REMOVED_BEFORE_STORE, VALUE_CHANGED,
};
pub use read::frames::ChunkFrames;
pub use read::judge::SpecJudge;
pub use read::run_check::{Violation, check_run, check_run_of};
pub use record::places::{Places, architecture_of, places_of};
pub use runs::Settings;

use read::chunk::{self, UnitResult};
use read::input;

/// How far an analysis has got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Done {
    /// Runs analyzed so far.
    pub runs: u64,
    /// Bytes of the trace files read, about: those of the runs analyzed,
    /// until all are.
    pub bytes: u64,
    /// The bytes of every trace file to read.
    pub total_bytes: u64,
}

/// Told how far the analysis has got, as it goes.
pub type Progress<'a> = &'a dyn Fn(Done);

/// Analyzes the trace files and stored summaries under `paths` (files as
/// given, directories searched for `*.wl1` and `*.json`), handing each
/// chunk's tables to `sink` if given. Input problems are in the summary's
/// `problems`; an `Err` means the analysis could not be completed.
pub fn analyze(
    paths: &[PathBuf],
    settings: &Settings,
    progress: Progress<'_>,
    sink: Option<&mut dyn Sink>,
) -> Result<Summary, String> {
    analyze_with(paths, Vec::new(), settings, progress, sink)
}

/// A stored summary fetched from elsewhere (object storage): its name, and
/// its bytes or why they could not be read.
pub type Fetched = (String, Result<Vec<u8>, String>);

/// As [`analyze`], also merging the summaries `fetched`.
pub fn analyze_with(
    paths: &[PathBuf],
    fetched: Vec<Fetched>,
    settings: &Settings,
    progress: Progress<'_>,
    sink: Option<&mut dyn Sink>,
) -> Result<Summary, String> {
    let (files, errors) = wl1::trace::files_with_extensions(paths, &[wl1::trace::EXTENSION, "json"]);
    let mut summary = Summary::new(settings.seeds_kept);
    errors.iter().for_each(|e| summary.problems.add(e.to_string()));
    let (stored, traces): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|f| is_summary(f));
    merge_stored(&mut summary, &stored, fetched);
    let (read, part) = analyze_traces(&traces, &summary, settings, progress, sink)?;
    summary.files = read.files;
    let overflow = |e: measure::sum::Overflow| format!("the traces and summaries given: {e}");
    summary.problems.merge(&read.problems).map_err(overflow)?;
    summary.add(&part.summary).map_err(overflow)?;
    for (identity, group) in &read.groups {
        let (seeds, duplicates) = (read.seeds.get(identity), read.duplicates.get(identity));
        if seeds.is_none() && duplicates.is_none() {
            continue;
        }
        let counted = summary.group_mut(group.identity, &group.label, &group.scenario, &group.spec);
        if let Some(seeds) = seeds {
            counted.seeds.add_disjoint(seeds);
        }
        if let Some(duplicates) = duplicates {
            counted.duplicate_runs.merge(duplicates).map_err(overflow)?;
        }
        for &(_, seed) in part.undecodable.iter().filter(|(i, _)| i == identity) {
            counted.seeds.remove(seed);
        }
    }
    Ok(summary)
}

/// Whether a file holds a stored summary rather than traces.
fn is_summary(path: &Path) -> bool {
    use std::io::Read;
    let mut start = [0u8; 64];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut start)) else {
        return false;
    };
    measure::summary::looks_like_summary(&start[..n])
}

/// Merges stored summaries, the largest first, so that one holding only
/// runs of another is found to be a duplicate whatever the order given.
fn merge_stored(summary: &mut Summary, stored: &[PathBuf], fetched: Vec<Fetched>) {
    let local = stored.iter().map(|path| (path.display().to_string(), Summary::read(path)));
    let remote = fetched.into_iter().map(|(name, bytes)| {
        let parsed = bytes.and_then(|bytes| Summary::parse_bytes(&bytes, &name));
        (name, parsed)
    });
    let mut read = Vec::new();
    for (name, parsed) in local.chain(remote) {
        match parsed {
            Ok(s) => read.push((name, s)),
            Err(problem) => summary.problems.add(problem),
        }
    }
    read.sort_by_key(|(_, s)| std::cmp::Reverse(s.runs()));
    for (name, stored) in read {
        if let Err(problem) = summary.merge(stored, &name) {
            summary.problems.add(problem);
        }
    }
}

/// What the analyzers add up to.
struct Analyzed {
    runs: u64,
    summary: Summary,
    /// Runs whose events could not be decoded: identity and seed.
    undecodable: Vec<(u64, u64)>,
}

/// Reads `traces` on one thread and analyzes their chunks on
/// `settings.analyzers` others, in turn, so that results come back in the
/// order of the runs whatever the threads' timing.
fn analyze_traces(
    traces: &[PathBuf],
    counted: &Summary,
    settings: &Settings,
    progress: Progress<'_>,
    sink: Option<&mut dyn Sink>,
) -> Result<(input::Read, Analyzed), String> {
    let analyzers = settings.analyzers.max(1);
    let export_frames = sink.is_some();
    std::thread::scope(|scope| {
        let mut to_analyzers = Vec::new();
        let mut from_analyzers = Vec::new();
        for _ in 0..analyzers {
            let (unit_sender, units) = sync_channel(1);
            let (result_sender, results) = sync_channel(1);
            let analyzer = move || {
                for unit in units {
                    if result_sender.send(chunk::analyze(unit, settings, export_frames)).is_err() {
                        break;
                    }
                }
            };
            // Those started end once `to_analyzers` is dropped.
            std::thread::Builder::new()
                .spawn_scoped(scope, analyzer)
                .map_err(|e| format!("cannot start {analyzers} analyzer threads (try fewer --jobs): {e}"))?;
            to_analyzers.push(unit_sender);
            from_analyzers.push(results);
        }
        let reader = std::thread::Builder::new().spawn_scoped(scope, move || {
            let mut next = 0;
            input::read(traces, counted, settings.chunk_bytes, |unit| {
                next += 1;
                !settings.cancelled() && to_analyzers[(next - 1) % analyzers].send(unit).is_ok()
            })
        });
        let reader = reader.map_err(|e| format!("cannot start the reading thread: {e}"))?;
        let total_bytes = traces.iter().filter_map(|t| std::fs::metadata(t).ok()).map(|m| m.len()).sum();
        let collected = collect(&from_analyzers, sink, settings.seeds_kept, &|runs, bytes| {
            progress(Done { runs, bytes: bytes.min(total_bytes), total_bytes })
        });
        drop(from_analyzers);
        let read = reader.join().expect("the reader does not panic");
        let analyzed = collected?;
        if settings.cancelled() {
            return Err("interrupted: nothing was written".to_string());
        }
        progress(Done { runs: analyzed.runs, bytes: total_bytes, total_bytes });
        Ok((read, analyzed))
    })
}

/// Adds up the analyzers' results, taking them in turn, and tells
/// `progress` the runs and bytes of events analyzed so far.
fn collect(
    results: &[Receiver<PolarsResult<UnitResult>>],
    mut sink: Option<&mut dyn Sink>,
    seeds_kept: usize,
    progress: &dyn Fn(u64, u64),
) -> Result<Analyzed, String> {
    let mut analyzed = Analyzed { runs: 0, summary: Summary::new(seeds_kept), undecodable: Vec::new() };
    let mut turn = 0;
    let mut bytes = 0;
    while let Ok(result) = results[turn % results.len()].recv() {
        turn += 1;
        let result = result.map_err(|e| format!("analysis failed: {e}"))?;
        analyzed.runs += result.runs;
        bytes += result.bytes;
        progress(analyzed.runs, bytes);
        analyzed.summary.add(&result.summary).map_err(|e| format!("the runs analyzed: {e}"))?;
        analyzed.undecodable.extend(result.undecodable);
        if let (Some(sink), Some(frames)) = (sink.as_deref_mut(), result.frames) {
            sink.chunk(frames)?;
        }
    }
    Ok(analyzed)
}
