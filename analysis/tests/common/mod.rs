//! Synthetic traces for the tests: clean runs built by hand, then damaged
//! one defect at a time.

#![allow(dead_code)]

use std::path::Path;

use std::sync::Arc;

use wl1::config::{Options, Profile};
use wl1::run::{Plan, RunSpec, simulate};
use wl1::scenario::resolve;
use wl1::trace::{AtomicTraceFile, Event, Kind, Outcome, OutcomeKind, RunHeader, Spec};

/// The spec of synthetic runs of `records` records.
pub fn spec(records: u32) -> Arc<Spec> {
    let (options, profile) = (Options::default(), Profile::default());
    Arc::new(Spec { scenario: "synthetic".into(), drill: String::new(), records, options, profile, explore: false })
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
    let value = if kind.carries_value() { value_of(record) } else { 0 };
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
    push(Kind::Published, 0);
    for (invoked, stored, replicas) in [
        (Kind::ReceiverInvoked, Kind::ReceiverDbStored, Kind::ReceiverReplicaStored),
        (Kind::ValidatorInvoked, Kind::ValidatorDbStored, Kind::ValidatorReplicaStored),
    ] {
        push(invoked, r);
        push(stored, r);
        for replica in 1..=3 {
            push(replicas, replica);
        }
    }
    push(Kind::InboundAppended, r);
    push(Kind::ProcessorRead, r);
    push(Kind::ProcessorDbStored, r);
    for replica in 1..=3 {
        push(Kind::ProcessorReplicaStored, replica);
    }
    push(Kind::OutboundAppended, r);
    push(Kind::InboundRemoved, r);
    push(Kind::DestinationReceived, r);
    push(Kind::OutboundRemoved, r);
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

/// Simulates seeds `0..runs` of a built-in scenario, or of a drill file,
/// into `dir`.
pub fn simulate_into(dir: &Path, scenario: &str, runs: u64, runs_per_file: u64) {
    let (scenario, drill) = resolve(scenario).unwrap();
    let spec = RunSpec::with_drill(scenario, drill, Options::default(), Profile::default());
    simulate_spec_into(dir, spec, runs, runs_per_file);
}

/// Simulates seeds `0..runs` of `spec` into `dir`.
pub fn simulate_spec_into(dir: &Path, spec: RunSpec, runs: u64, runs_per_file: u64) {
    let plan = Plan { spec, first_seed: 0, runs, out_dir: dir.to_owned(), jobs: 2, runs_per_file, shard: None };
    simulate(&plan, &std::sync::atomic::AtomicBool::new(false), &|_| {}).unwrap();
}
