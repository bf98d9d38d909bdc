//! Synthetic traces for the tests: clean runs built by hand, then damaged
//! one defect at a time.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use wl1::model::topology::WORKLOAD1;
use wl1::model::topology::events as w1;
use wl1_analysis::polars::prelude::*;

use wl1::config::{Options, Profile};
use wl1::run::{Plan, RunSpec, simulate};
use wl1::scenario::resolve;
use wl1::trace::{AtomicTraceFile, Event, Kind, Outcome, OutcomeKind, RunHeader, Spec};

/// The spec of synthetic runs of `records` records.
pub fn spec(records: u32) -> Arc<Spec> {
    let baseline = RunSpec::new(wl1::scenario::built_in("baseline").unwrap(), Options::default(), Profile::default());
    Arc::new(Spec { scenario: "synthetic".into(), records, ..(*baseline.stored).clone() })
}

pub fn header(seed: u64, records: u32, outcome: OutcomeKind) -> RunHeader {
    let outcome = Outcome { kind: outcome, end_us: 1_000_000, message_events: 0 };
    RunHeader { seed, spec: spec(records), environment: None, outcome, coverage: 0 }
}

/// The region a synthetic record is routed to: odd ids to 1, even ids to 2.
pub fn region_of(record: u32) -> u8 {
    if record % 2 == 1 { 1 } else { 2 }
}

pub fn value_of(record: u32) -> u32 {
    1000 + record
}

fn event(time_us: u64, kind: Kind, region: u8, record: u32) -> Event {
    let value = if WORKLOAD1.vocabulary().carries_value(kind) { value_of(record) } else { 0 };
    Event { time_us, kind, region, subject: record, value }
}

/// Every event of one record reaching all 21 places, in causal order,
/// starting at `start_us`, one millisecond per stage.
pub fn record_events(record: u32, start_us: u64) -> Vec<Event> {
    let r = region_of(record);
    let mut out = Vec::new();
    let mut t = start_us;
    let mut push = |kind, region| {
        out.push(event(t, kind, region, record));
        t += 1000;
    };
    push(Kind::PUBLISHED, 0);
    for (invoked, stored, replicas) in [
        (w1::RECEIVER_INVOKED, w1::RECEIVER_DB_STORED, w1::RECEIVER_REPLICA_STORED),
        (w1::VALIDATOR_INVOKED, w1::VALIDATOR_DB_STORED, w1::VALIDATOR_REPLICA_STORED),
    ] {
        push(invoked, r);
        push(stored, r);
        for replica in 1..=3 {
            push(replicas, replica);
        }
    }
    push(w1::INBOUND_APPENDED, r);
    push(w1::PROCESSOR_READ, r);
    push(w1::PROCESSOR_DB_STORED, r);
    for replica in 1..=3 {
        push(w1::PROCESSOR_REPLICA_STORED, replica);
    }
    push(w1::OUTBOUND_APPENDED, r);
    push(w1::INBOUND_REMOVED, r);
    push(w1::DESTINATION_RECEIVED, r);
    push(w1::OUTBOUND_REMOVED, r);
    out
}

/// A clean run: records 1..=records one after another.
pub fn clean_events(records: u32) -> Vec<Event> {
    (1..=records).flat_map(|r| record_events(r, u64::from(r) * 100_000)).collect()
}

/// The position of the event of `kind` of `record` (in `region` if given).
pub fn position(events: &[Event], kind: Kind, record: u32, region: Option<u8>) -> usize {
    events
        .iter()
        .position(|e| e.kind == kind && e.subject == record && region.is_none_or(|r| e.region == r))
        .expect("the event is there")
}

pub fn write(path: &Path, runs: &[(RunHeader, Vec<Event>)]) {
    let mut w = AtomicTraceFile::create(path, &runs[0].0.spec).unwrap();
    for (header, events) in runs {
        w.write_run(header, events).unwrap();
    }
    w.finish().unwrap();
}

/// A drill that violates the specification in every seed: today's inbound-1
/// version of f3 leaves receiver-1 and validator-1 in FailedDependency, so
/// batches 2 and 3 are never published.
pub const FAILING_DRILL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/drills/f3-inbound-1.toml");

/// Simulates seeds `0..runs` of a built-in scenario, or of a drill file,
/// into `dir`.
pub fn simulate_into(dir: &Path, scenario: &str, runs: u64, runs_per_file: u64) {
    simulate_seeds(dir, scenario, 0, runs, runs_per_file);
}

/// Simulates `runs` seeds from `first_seed` of a built-in scenario, or of a
/// drill file, into `dir`.
pub fn simulate_seeds(dir: &Path, scenario: &str, first_seed: u64, runs: u64, runs_per_file: u64) {
    let (scenario, drill) = resolve(scenario, &wl1::model::topology::WORKLOAD1).unwrap();
    let spec = RunSpec::with_drill(scenario, drill, Options::default(), Profile::default());
    simulate_spec_seeds(dir, spec, first_seed, runs, runs_per_file);
}

/// Simulates seeds `0..runs` of `spec` into `dir`.
pub fn simulate_spec_into(dir: &Path, spec: RunSpec, runs: u64, runs_per_file: u64) {
    simulate_spec_seeds(dir, spec, 0, runs, runs_per_file);
}

fn simulate_spec_seeds(dir: &Path, spec: RunSpec, first_seed: u64, runs: u64, runs_per_file: u64) {
    let out_dir = dir.to_owned();
    let plan = Plan { spec, first_seed, runs, out_dir, jobs: 2, runs_per_file, shard: None, steer: false };
    simulate(&plan, &std::sync::atomic::AtomicBool::new(false), &|_| {}).unwrap();
}

/// Analyzes `paths` in chunks of about `chunk_bytes`, keeping every chunk's
/// tables.
pub fn analyze_chunked(
    paths: &[PathBuf],
    chunk_bytes: usize,
) -> (wl1_analysis::Summary, Vec<wl1_analysis::ChunkFrames>) {
    let settings = wl1_analysis::Settings { chunk_bytes, seeds_kept: 1000, ..Default::default() };
    let mut frames = Vec::new();
    let summary = wl1_analysis::analyze(paths, &settings, &|_| {}, Some(&mut frames)).unwrap();
    (summary, frames)
}

/// Analyzes `dir` with the default settings, keeping every chunk's tables.
pub fn analyze_dir(dir: &Path) -> (wl1_analysis::Summary, Vec<wl1_analysis::ChunkFrames>) {
    analyze_chunked(&[dir.to_owned()], wl1_analysis::Settings::default().chunk_bytes)
}

/// One table of every chunk, stacked.
pub fn stacked(frames: &[wl1_analysis::ChunkFrames], table: fn(&wl1_analysis::ChunkFrames) -> &DataFrame) -> DataFrame {
    let mut all = table(&frames[0]).clone();
    for f in &frames[1..] {
        all.vstack_mut(table(f)).unwrap();
    }
    all
}

pub fn violations(frames: &[wl1_analysis::ChunkFrames]) -> DataFrame {
    stacked(frames, |f| &f.violations)
}

pub fn records(frames: &[wl1_analysis::ChunkFrames]) -> DataFrame {
    stacked(frames, |f| &f.records)
}
