//! One known defect per synthetic run: each is found and attributed to the
//! right run, record, stage and region, and nothing else is reported.

mod common;

use std::collections::BTreeSet;

use common::*;
use wl1::model::topology::events as w1;
use wl1::trace::OutcomeKind;
use wl1_analysis::*;

const RECORDS: u32 = 4;

/// (seed, property, record, stage, region) of every violation found.
type Found = BTreeSet<(u64, String, Option<u32>, Option<String>, Option<u32>)>;

fn found(frames: &[ChunkFrames]) -> Found {
    let v = violations(frames);
    let seeds = v.column("seed").unwrap().u64().unwrap();
    let properties = v.column("property").unwrap().str().unwrap();
    let records = v.column("record").unwrap().u32().unwrap();
    let stages = v.column("stage").unwrap().str().unwrap();
    let regions = v.column("region").unwrap().u32().unwrap();
    (0..v.height())
        .map(|i| {
            (
                seeds.get(i).unwrap(),
                properties.get(i).unwrap().to_string(),
                records.get(i),
                stages.get(i).map(str::to_string),
                regions.get(i),
            )
        })
        .collect()
}

fn expect(seed: u64, property: &str, record: Option<u32>, stage: Option<&str>, region: Option<u32>) -> Found {
    Found::from([(seed, property.to_string(), record, stage.map(str::to_string), region)])
}

/// Analyzes the clean run (seed 1) beside a run with one defect (seed 2).
fn analyze_with(defect: Vec<wl1::trace::Event>, outcome: OutcomeKind) -> Found {
    let dir = tempfile::tempdir().unwrap();
    let runs =
        [(header(1, RECORDS, OutcomeKind::Completed), clean_events(RECORDS)), (header(2, RECORDS, outcome), defect)];
    write(&dir.path().join("runs.wl1"), &runs);
    let (summary, frames) = analyze_dir(dir.path());
    assert_eq!(summary.problems.count, 0);
    assert_eq!(summary.runs(), 2);
    let found = found(&frames);
    let violating = found.iter().map(|f| f.0).collect::<BTreeSet<_>>().len() as u64;
    assert_eq!(summary.violating_runs(), violating, "the summary counts the runs the table names");
    found
}

#[test]
fn a_clean_synthetic_run_holds() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("clean.wl1"), &[(header(1, RECORDS, OutcomeKind::Completed), clean_events(RECORDS))]);
    let (summary, frames) = analyze_dir(dir.path());
    assert_eq!(found(&frames), Found::new());
    assert_eq!(summary.violating_runs(), 0);
    assert_eq!(records(&frames).height(), RECORDS as usize);
}

#[test]
fn a_record_missing_a_stage_is_named_with_its_region() {
    let mut events = clean_events(RECORDS);
    events.remove(position(&events, w1::INBOUND_REMOVED, 2, None));
    let expected = expect(2, EVENTUAL_DELIVERY, Some(2), Some("inbound-removed"), Some(2));
    assert_eq!(analyze_with(events, OutcomeKind::Completed), expected);
}

#[test]
fn a_missing_replica_store_is_named_with_the_replica_region() {
    let mut events = clean_events(RECORDS);
    events.remove(position(&events, w1::VALIDATOR_REPLICA_STORED, 1, Some(3)));
    let stage = "validator-db-replica-stored@3";
    let expected = expect(2, EVENTUAL_DELIVERY, Some(1), Some(stage), Some(3));
    assert_eq!(analyze_with(events, OutcomeKind::Completed), expected);
}

#[test]
fn a_removal_before_the_store_is_found() {
    let mut events = clean_events(RECORDS);
    let removed = events.remove(position(&events, w1::INBOUND_REMOVED, 3, None));
    let stored = position(&events, w1::PROCESSOR_DB_STORED, 3, None);
    events.insert(stored, removed);
    // Moved before the store, the removal also precedes the outbound append.
    let mut expected = expect(2, REMOVED_BEFORE_STORE, Some(3), Some("inbound-removed"), Some(1));
    expected.extend(expect(2, REMOVED_BEFORE_APPEND, Some(3), Some("inbound-removed"), Some(1)));
    assert_eq!(analyze_with(events, OutcomeKind::Completed), expected);
}

#[test]
fn a_removal_from_outbound_before_delivery_is_found() {
    let mut events = clean_events(RECORDS);
    let removed = events.remove(position(&events, w1::OUTBOUND_REMOVED, 4, None));
    let received = position(&events, w1::DESTINATION_RECEIVED, 4, None);
    events.insert(received, removed);
    let stage = Some("outbound-removed");
    let expected = expect(2, REMOVED_BEFORE_DELIVERY, Some(4), stage, Some(2));
    assert_eq!(analyze_with(events, OutcomeKind::Completed), expected);
}

#[test]
fn a_phantom_record_is_found() {
    let mut events = clean_events(RECORDS);
    let mut phantom = events[position(&events, w1::DESTINATION_RECEIVED, 1, None)];
    phantom.subject = 9;
    events.push(phantom);
    let expected = expect(2, PHANTOM, Some(9), Some("destination-received"), Some(1));
    assert_eq!(analyze_with(events, OutcomeKind::Completed), expected);
}

#[test]
fn a_changed_value_is_found() {
    let mut events = clean_events(RECORDS);
    let arrival = position(&events, w1::DESTINATION_RECEIVED, 2, None);
    events[arrival].value += 1;
    let stage = Some("destination-received");
    let expected = expect(2, VALUE_CHANGED, Some(2), stage, Some(2));
    assert_eq!(analyze_with(events, OutcomeKind::Completed), expected);
}

#[test]
fn a_duplicate_store_is_found() {
    let mut events = clean_events(RECORDS);
    let stored = position(&events, w1::PROCESSOR_REPLICA_STORED, 3, Some(2));
    let again = events[stored];
    events.push(again);
    let stage = Some("processor-db-replica-stored@2");
    let expected = expect(2, DUPLICATE_STORE, Some(3), stage, Some(2));
    assert_eq!(analyze_with(events, OutcomeKind::Completed), expected);
}

#[test]
fn a_stuck_run_and_its_undelivered_record_are_found() {
    let mut events = clean_events(RECORDS);
    // Record 4 comes last: cut it off where the processor should read it.
    events.truncate(position(&events, w1::PROCESSOR_READ, 4, None));
    let mut expected = expect(2, "run-stuck", None, None, None);
    expected.extend(expect(2, EVENTUAL_DELIVERY, Some(4), Some("processor-read"), Some(2)));
    assert_eq!(analyze_with(events, OutcomeKind::Stuck), expected);
}

#[test]
fn a_record_never_published_misses_the_first_stage() {
    let events = clean_events(RECORDS).into_iter().filter(|e| e.subject != 4).collect();
    let mut expected = expect(2, "run-time-bound", None, None, None);
    expected.extend(expect(2, EVENTUAL_DELIVERY, Some(4), Some("published"), None));
    assert_eq!(analyze_with(events, OutcomeKind::TimeBound), expected);
}

#[test]
fn the_record_table_counts_every_place_reached() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("clean.wl1"), &[(header(1, 2, OutcomeKind::Completed), clean_events(2))]);
    let (_, frames) = analyze_dir(dir.path());
    let table = records(&frames);
    assert_eq!(table.column("record").unwrap().u32().unwrap().to_vec(), [Some(1), Some(2)]);
    assert!(table.column("run").unwrap().u64().unwrap().into_no_null_iter().all(|r| r == 0));
    let places = Places::workload1();
    assert_eq!(places.len(), 21);
    for place in 0..places.len() {
        let reached = table.column(&format!("{}.n", places.name(place))).unwrap().u32().unwrap();
        assert!(reached.into_no_null_iter().all(|c| c == 1), "{}", places.name(place));
    }
    // Record 2 starts 100 ms after record 1, one millisecond per place.
    let arrival = table.column("destination-received.us").unwrap().u64().unwrap();
    assert_eq!(arrival.to_vec(), [Some(100_000 + 19_000), Some(200_000 + 19_000)]);
}
