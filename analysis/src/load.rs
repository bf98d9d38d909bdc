//! Loads trace files in chunks of whole runs: per chunk, one row per trace
//! event about a record, one row per run and one row per record a run
//! publishes. A decoder thread reads the files in order while the caller
//! analyzes the previous chunk; damaged files are reported, not fatal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{IntoIter, SyncSender, sync_channel};

use polars::prelude::*;
use wl1::config::Variant;
use wl1::trace::{Event, RunHeader, TraceError};

/// Consecutive runs, each whole, of one or more files.
pub struct Chunk {
    /// One row per trace event about a record: run, idx (position in the
    /// run), time_us, kind, region, subject, value. Within a run, grouped by
    /// record, kind and region.
    pub events: DataFrame,
    /// Trace events read, including those about no record.
    pub event_count: usize,
    /// One row per run: run, seed, scenario, group, group_id, records,
    /// outcome, end_us, file, global_order. Runs are numbered across chunks.
    pub runs: DataFrame,
    /// One row per record a run publishes: run, record, rec_key.
    pub records: DataFrame,
    /// The problems met while reading the chunk's files.
    pub problems: Vec<TraceError>,
}

/// What is known once every chunk is read.
pub struct Inputs {
    pub files: usize,
    /// The groups of runs that may be pooled, indexed by `group_id`.
    pub groups: Vec<String>,
}

/// The key of one record of one run, as one integer.
pub fn rec_key(run: u32, record: u32) -> u64 {
    (u64::from(run) << 32) | u64::from(record)
}

/// Reads every trace file under `paths` in chunks of about `chunk_events`
/// trace events (whole runs, at least one per chunk) and applies `analyze`
/// to each chunk, two chunks at a time; returns the results in the order
/// of the runs. There is at least one chunk, maybe empty.
pub fn analyze_in_chunks<T: Send>(
    paths: &[PathBuf],
    chunk_events: usize,
    progress: crate::Progress<'_>,
    analyze: impl Fn(Chunk) -> PolarsResult<T> + Sync,
) -> PolarsResult<(Inputs, Vec<T>)> {
    let (sender, receiver) = sync_channel(1);
    let chunks = Mutex::new(Some(receiver.into_iter().enumerate()));
    let results = Mutex::new(BTreeMap::new());
    let (files, groups) = std::thread::scope(|scope| {
        let decoder = scope.spawn(|| decode_in_chunks(paths, chunk_events, progress, sender));
        for _ in 0..ANALYZERS {
            scope.spawn(|| analyze_each(&chunks, &results, &analyze));
        }
        decoder.join().expect("the decoder does not panic")
    });
    let results = results.into_inner().expect("no panics while locked").into_values().collect::<PolarsResult<_>>()?;
    Ok((Inputs { files, groups }, results))
}

/// How many chunks are analyzed at once.
const ANALYZERS: usize = 2;

/// Numbered chunks, as the decoder sends them; none once an analysis
/// failed, which stops the decoder.
type Chunks = Mutex<Option<std::iter::Enumerate<IntoIter<PolarsResult<Chunk>>>>>;

/// Analyzes chunks until there are no more, or one fails.
fn analyze_each<T>(
    chunks: &Chunks,
    results: &Mutex<BTreeMap<usize, PolarsResult<T>>>,
    analyze: &impl Fn(Chunk) -> PolarsResult<T>,
) {
    let lock = || chunks.lock().expect("no panics while locked");
    while let Some((i, chunk)) = lock().as_mut().and_then(Iterator::next) {
        let result = chunk.and_then(analyze);
        if result.is_err() {
            *lock() = None;
        }
        results.lock().expect("no panics while locked").insert(i, result);
    }
}

/// Decodes the runs under `paths` in order, sending a chunk whenever
/// enough events are gathered; returns how many files were found and the
/// groups met.
fn decode_in_chunks(
    paths: &[PathBuf],
    chunk_events: usize,
    progress: crate::Progress<'_>,
    sender: SyncSender<PolarsResult<Chunk>>,
) -> (usize, Vec<String>) {
    let mut runs = wl1::trace::runs(paths);
    let mut builder = ChunkBuilder::default();
    let mut sent = false;
    let mut file = None;
    while let Some(found) = runs.next() {
        match found {
            Ok((index, run)) => {
                if file != Some(index) {
                    progress(index as u64);
                    file = Some(index);
                }
                builder.push_run(&runs.files()[index], run.header, &run.events);
            }
            Err(e) => builder.problems.push(e),
        }
        if builder.events.run.len() >= chunk_events {
            if sender.send(builder.take_chunk()).is_err() {
                return (runs.files().len(), builder.groups);
            }
            sent = true;
        }
    }
    progress(runs.files().len() as u64);
    if !sent || !builder.is_empty() {
        // The receiver only goes away after an error, which it reports.
        let _ = sender.send(builder.take_chunk());
    }
    (runs.files().len(), builder.groups)
}

/// The columns of a chunk's record events.
#[derive(Default)]
struct EventColumns {
    run: Vec<u32>,
    idx: Vec<u32>,
    time_us: Vec<u64>,
    kind: Vec<u32>,
    region: Vec<u32>,
    subject: Vec<u32>,
    value: Vec<u32>,
}

/// A chunk being gathered, and the groups met so far.
#[derive(Default)]
struct ChunkBuilder {
    first_run: u32,
    headers: Vec<RunHeader>,
    files: Vec<String>,
    events: EventColumns,
    event_count: usize,
    problems: Vec<TraceError>,
    groups: Vec<String>,
}

impl ChunkBuilder {
    fn push_run(&mut self, path: &Path, header: RunHeader, events: &[Event]) {
        let run = self.first_run + self.headers.len() as u32;
        self.events.push_run(run, events);
        self.event_count += events.len();
        self.files.push(path.display().to_string());
        self.headers.push(header);
    }

    fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.problems.is_empty()
    }

    /// The chunk gathered so far; the next one numbers its runs after it.
    fn take_chunk(&mut self) -> PolarsResult<Chunk> {
        let headers = std::mem::take(&mut self.headers);
        let files = std::mem::take(&mut self.files);
        let chunk = Chunk {
            events: events_frame(std::mem::take(&mut self.events))?,
            event_count: std::mem::take(&mut self.event_count),
            runs: runs_frame(self.first_run, &headers, files, &mut self.groups)?,
            records: records_frame(self.first_run, &headers)?,
            problems: std::mem::take(&mut self.problems),
        };
        self.first_run += headers.len() as u32;
        Ok(chunk)
    }
}

/// Where an event goes in its run's rows: events about records first,
/// grouped by record, then kind and region; the others after them.
fn row_order(e: &Event) -> (bool, u32, u8, u8) {
    let about_record = e.kind.is_about_record();
    (!about_record, if about_record { e.subject } else { 0 }, e.kind as u8, e.region)
}

impl EventColumns {
    /// Appends a run's events about records grouped as [`row_order`] says
    /// (so that the per-record keys derived from them are sorted); `idx`
    /// keeps each event's position in the run, which is what happens-before
    /// uses.
    fn push_run(&mut self, run: u32, events: &[Event]) {
        let mut order: Vec<u32> = (0..events.len() as u32).collect();
        order.sort_by_key(|&i| row_order(&events[i as usize]));
        order.truncate(events.iter().filter(|e| e.kind.is_about_record()).count());
        let at = |i: &u32| &events[*i as usize];
        self.run.extend(std::iter::repeat_n(run, order.len()));
        self.time_us.extend(order.iter().map(|i| at(i).time_us));
        self.kind.extend(order.iter().map(|i| at(i).kind as u32));
        self.region.extend(order.iter().map(|i| u32::from(at(i).region)));
        self.subject.extend(order.iter().map(|i| at(i).subject));
        self.value.extend(order.iter().map(|i| at(i).value));
        self.idx.extend(order);
    }
}

fn events_frame(c: EventColumns) -> PolarsResult<DataFrame> {
    DataFrame::new(
        c.run.len(),
        vec![
            Column::new("run".into(), c.run),
            Column::new("idx".into(), c.idx),
            Column::new("time_us".into(), c.time_us),
            Column::new("kind".into(), c.kind),
            Column::new("region".into(), c.region),
            Column::new("subject".into(), c.subject),
            Column::new("value".into(), c.value),
        ],
    )
}

/// The group of a run, as reports name it: runs are pooled only with runs
/// of the same identity (scenario with its drill text, options, variants,
/// profile), which the label ends with.
pub fn group_label(h: &RunHeader) -> String {
    let o = &h.spec.options;
    let linger = o.linger.map_or("off".to_string(), |l| format!("{}ms", l / 1_000_000));
    format!(
        "{} variants={} routing={} batch={} linger={linger} bound={}s spec={:08x}",
        h.spec.scenario,
        o.variants,
        o.routing,
        o.batch_size,
        o.time_bound / 1_000_000_000,
        h.identity() as u32
    )
}

/// The id of `name` in `groups`, added if new.
fn group_id(groups: &mut Vec<String>, name: &str) -> u32 {
    match groups.iter().position(|g| g == name) {
        Some(id) => id as u32,
        None => {
            groups.push(name.to_string());
            groups.len() as u32 - 1
        }
    }
}

fn runs_frame(
    first_run: u32,
    headers: &[RunHeader],
    files: Vec<String>,
    groups: &mut Vec<String>,
) -> PolarsResult<DataFrame> {
    let group_names: Vec<String> = headers.iter().map(group_label).collect();
    let group_ids: Vec<u32> = group_names.iter().map(|name| group_id(groups, name)).collect();
    let column = |name: &str, values: Vec<String>| Column::new(name.into(), values);
    let runs = first_run..first_run + headers.len() as u32;
    DataFrame::new(
        headers.len(),
        vec![
            Column::new("run".into(), runs.collect::<Vec<_>>()),
            Column::new("seed".into(), headers.iter().map(|h| h.seed).collect::<Vec<_>>()),
            column("scenario", headers.iter().map(|h| h.spec.scenario.clone()).collect()),
            column("group", group_names),
            Column::new("group_id".into(), group_ids),
            Column::new("records".into(), headers.iter().map(|h| h.spec.records).collect::<Vec<_>>()),
            column("outcome", headers.iter().map(|h| h.outcome.kind.name().to_string()).collect()),
            Column::new("end_us".into(), headers.iter().map(|h| h.outcome.end_us).collect::<Vec<_>>()),
            column("file", files),
            Column::new(
                "global_order".into(),
                headers.iter().map(|h| h.spec.options.variants.has(Variant::GlobalOrder)).collect::<Vec<_>>(),
            ),
        ],
    )
}

fn records_frame(first_run: u32, headers: &[RunHeader]) -> PolarsResult<DataFrame> {
    let total: usize = headers.iter().map(|h| h.spec.records as usize).sum();
    let mut run = Vec::with_capacity(total);
    let mut record = Vec::with_capacity(total);
    let mut key = Vec::with_capacity(total);
    for (r, h) in (first_run..).zip(headers) {
        for id in 1..=h.spec.records {
            run.push(r);
            record.push(id);
            key.push(rec_key(r, id));
        }
    }
    DataFrame::new(
        total,
        vec![Column::new("run".into(), run), Column::new("record".into(), record), Column::new("rec_key".into(), key)],
    )
}
