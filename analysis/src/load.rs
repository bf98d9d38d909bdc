//! Loads trace files into DataFrames: one row per trace event, one row per
//! run, and one row per record a run publishes. Files are decoded in
//! parallel straight into columns; damaged files are reported, not fatal.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::*;
use wl1::model::Variant;
use wl1::trace::{Event, RunHeader, TraceError, TraceFile, trace_files};

/// Everything read from the inputs.
pub struct Loaded {
    /// One row per trace event: run, idx (position in the run), time_us,
    /// kind, region, subject, value. Within a run, the events about records
    /// come first, grouped by record, kind and region.
    pub events: DataFrame,
    /// One row per run: run, seed, scenario, group, group_id, records,
    /// outcome, end_us, file, global_order.
    pub runs: DataFrame,
    /// One row per record a run publishes: run, record, rec_key.
    pub records: DataFrame,
    /// The groups of runs that may be pooled, indexed by `group_id`.
    pub groups: Vec<String>,
    /// Every input problem: missing, truncated or damaged files.
    pub problems: Vec<TraceError>,
    pub files: usize,
}

/// The key of one record of one run, as one integer.
pub fn rec_key(run: u32, record: u32) -> u64 {
    (u64::from(run) << 32) | u64::from(record)
}

/// The columns of one file's events, with run numbers local to the file.
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

/// What one file yields.
struct FileContents {
    path: PathBuf,
    headers: Vec<RunHeader>,
    events: EventColumns,
    problems: Vec<TraceError>,
}

/// Reads every trace file under `paths`, in parallel, with a progress bar.
pub fn load(paths: &[PathBuf]) -> PolarsResult<Loaded> {
    let (files, mut problems) = trace_files(paths);
    let contents = decode_all(&files);
    let mut headers = Vec::new();
    let mut run_files = Vec::new();
    let mut frames = Vec::new();
    for file in contents {
        let offset = headers.len() as u32;
        frames.push(events_frame(file.events, offset)?);
        run_files.extend(std::iter::repeat_n(file.path, file.headers.len()));
        headers.extend(file.headers);
        problems.extend(file.problems);
    }
    let events = match frames.len() {
        0 => events_frame(EventColumns::default(), 0)?,
        _ => concat_frames(frames)?,
    };
    let (runs, groups) = runs_frame(&headers, &run_files)?;
    Ok(Loaded { events, runs, records: records_frame(&headers)?, groups, problems, files: files.len() })
}

/// Decodes the files on all cores; results come back in the files' order.
fn decode_all(files: &[PathBuf]) -> Vec<FileContents> {
    let bar = wl1::cli::progress_bar(files.len() as u64, "load");
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<FileContents>>> = files.iter().map(|_| Mutex::new(None)).collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let contents = decode_file(path);
                    *slots[i].lock().expect("no panics while locked") = Some(contents);
                    bar.inc(1);
                }
            });
        }
    });
    bar.finish_and_clear();
    slots.into_iter().map(|s| s.into_inner().expect("no panics").expect("every file decoded")).collect()
}

fn decode_file(path: &Path) -> FileContents {
    let mut out = FileContents {
        path: path.to_owned(),
        headers: Vec::new(),
        events: EventColumns::default(),
        problems: Vec::new(),
    };
    let trace = match TraceFile::open(path) {
        Ok(trace) => trace,
        Err(e) => {
            out.problems.push(e);
            return out;
        }
    };
    for run in trace {
        match run {
            Ok(run) => {
                out.events.push_run(out.headers.len() as u32, &run.events);
                out.headers.push(run.header);
            }
            Err(e) => out.problems.push(e),
        }
    }
    out
}

/// Where an event goes in its run's rows: events about records first,
/// grouped by record, then kind and region; the others after them.
fn row_order(e: &Event) -> (bool, u32, u8, u8) {
    let about_record = e.kind.is_about_record();
    (!about_record, if about_record { e.subject } else { 0 }, e.kind as u8, e.region)
}

impl EventColumns {
    /// Appends a run's events grouped as [`row_order`] says (so that the
    /// per-record keys derived from them are sorted); `idx` keeps each
    /// event's position in the run, which is what happens-before uses.
    fn push_run(&mut self, run: u32, events: &[Event]) {
        let mut order: Vec<u32> = (0..events.len() as u32).collect();
        order.sort_by_key(|&i| row_order(&events[i as usize]));
        let at = |i: &u32| &events[*i as usize];
        self.run.extend(std::iter::repeat_n(run, events.len()));
        self.idx.extend(&order);
        self.time_us.extend(order.iter().map(|i| at(i).time_us));
        self.kind.extend(order.iter().map(|i| at(i).kind as u32));
        self.region.extend(order.iter().map(|i| u32::from(at(i).region)));
        self.subject.extend(order.iter().map(|i| at(i).subject));
        self.value.extend(order.iter().map(|i| at(i).value));
    }
}

fn events_frame(c: EventColumns, run_offset: u32) -> PolarsResult<DataFrame> {
    let run: Vec<u32> = c.run.into_iter().map(|r| r + run_offset).collect();
    let height = run.len();
    DataFrame::new(
        height,
        vec![
            Column::new("run".into(), run),
            Column::new("idx".into(), c.idx),
            Column::new("time_us".into(), c.time_us),
            Column::new("kind".into(), c.kind),
            Column::new("region".into(), c.region),
            Column::new("subject".into(), c.subject),
            Column::new("value".into(), c.value),
        ],
    )
}

fn concat_frames(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let lazy: Vec<LazyFrame> = frames.into_iter().map(IntoLazy::lazy).collect();
    concat(lazy, UnionArgs::default())?.collect()
}

fn runs_frame(headers: &[RunHeader], files: &[PathBuf]) -> PolarsResult<(DataFrame, Vec<String>)> {
    let mut groups: Vec<String> = Vec::new();
    let mut group_ids = Vec::with_capacity(headers.len());
    let mut group_names = Vec::with_capacity(headers.len());
    for h in headers {
        let name = h.group();
        let id = match groups.iter().position(|g| *g == name) {
            Some(id) => id,
            None => {
                groups.push(name.clone());
                groups.len() - 1
            }
        };
        group_ids.push(id as u32);
        group_names.push(name);
    }
    let column = |name: &str, values: Vec<String>| Column::new(name.into(), values);
    let frame = DataFrame::new(
        headers.len(),
        vec![
            Column::new("run".into(), (0..headers.len() as u32).collect::<Vec<_>>()),
            Column::new("seed".into(), headers.iter().map(|h| h.seed).collect::<Vec<_>>()),
            column("scenario", headers.iter().map(|h| h.scenario.clone()).collect()),
            column("group", group_names),
            Column::new("group_id".into(), group_ids),
            Column::new("records".into(), headers.iter().map(|h| h.records).collect::<Vec<_>>()),
            column("outcome", headers.iter().map(|h| h.outcome.kind.name().to_string()).collect()),
            Column::new("end_us".into(), headers.iter().map(|h| h.outcome.end_us).collect::<Vec<_>>()),
            column("file", files.iter().map(|f| f.display().to_string()).collect()),
            Column::new(
                "global_order".into(),
                headers.iter().map(|h| h.options.variants.has(Variant::GlobalOrder)).collect::<Vec<_>>(),
            ),
        ],
    )?;
    Ok((frame, groups))
}

fn records_frame(headers: &[RunHeader]) -> PolarsResult<DataFrame> {
    let total: usize = headers.iter().map(|h| h.records as usize).sum();
    let mut run = Vec::with_capacity(total);
    let mut record = Vec::with_capacity(total);
    let mut key = Vec::with_capacity(total);
    for (r, h) in headers.iter().enumerate() {
        for id in 1..=h.records {
            run.push(r as u32);
            record.push(id);
            key.push(rec_key(r as u32, id));
        }
    }
    DataFrame::new(
        total,
        vec![Column::new("run".into(), run), Column::new("record".into(), record), Column::new("rec_key".into(), key)],
    )
}
