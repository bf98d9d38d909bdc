//! The analysis takes its places from an architecture: a user's own
//! (docs/architectures/no-validator.toml: 10 stages, 2 databases) gives its
//! own stages, causes, replica stores, orders and event codes, and its
//! runs are checked against them.

mod common;

use std::path::Path;
use std::sync::Arc;

use wl1::architecture::Architecture;
use wl1::trace::{Event, Kind, OutcomeKind, RunHeader, Spec};
use wl1_analysis::{Places, Violation, check_run, check_run_of};

const STAGES: [&str; 10] = [
    "published",
    "receiver-invoked",
    "receiver-db-stored",
    "inbound-appended",
    "processor-read",
    "processor-db-stored",
    "outbound-appended",
    "inbound-removed",
    "destination-received",
    "outbound-removed",
];

fn no_validator_file() -> (Architecture, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architectures/no-validator.toml");
    (Architecture::resolve_file(&path).unwrap(), std::fs::read_to_string(path).unwrap())
}

fn no_validator() -> Arc<Places> {
    Arc::new(Places::of(&no_validator_file().0))
}

/// A run of the file's architecture, as its trace stores it.
fn header(records: u32) -> RunHeader {
    let (architecture, text) = no_validator_file();
    let common = common::header(1, records, OutcomeKind::Completed);
    let spec = Spec {
        architecture: architecture.name.clone(),
        architecture_text: text,
        vocabulary: architecture.vocabulary(),
        coverage_table: wl1::run::coverage_table_of(&architecture),
        ..(*common.spec).clone()
    };
    RunHeader { spec: Arc::new(spec), ..common }
}

fn stage(name: &str) -> usize {
    STAGES.iter().position(|s| *s == name).unwrap()
}

#[test]
fn a_users_architecture_names_its_own_places_causes_orders_and_codes() {
    let places = no_validator();
    assert_eq!((places.stages(), places.len(), places.regions()), (10, 16, 3));
    let names: Vec<&str> = (0..places.len()).map(|p| places.name(p)).collect();
    assert_eq!(names[..10], STAGES);
    assert_eq!(names[10], "receiver-db-replica-stored@1");
    assert_eq!(names[15], "processor-db-replica-stored@3");
    assert_eq!((places.publication(), places.arrival()), (0, stage("destination-received")));
    for (k, name) in STAGES.iter().enumerate().skip(1) {
        let cause = if k == places.arrival() { stage("outbound-appended") } else { k - 1 };
        assert_eq!(places.cause(k), cause, "{name}");
    }
    assert_eq!(places.hop_name(places.arrival()), "outbound-appended -> destination-received");
    assert_eq!(places.reads(), [stage("processor-read")]);
    let orders: Vec<(&str, &str, &str)> = places.orders().map(|(n, f, t)| (n, STAGES[f], STAGES[t])).collect();
    assert_eq!(
        orders,
        [
            ("inbound-removed-before-store", "processor-db-stored", "inbound-removed"),
            ("inbound-removed-before-outbound-append", "outbound-appended", "inbound-removed"),
            ("outbound-removed-before-delivery", "destination-received", "outbound-removed"),
        ]
    );
    // Codes 0..=9 are its stages, 10 and 11 its two replica stores (by the
    // replica's region), 12..=14 nothing; the fixed events reach no place.
    let reached = |code: u8, region: u8| {
        let kind = Kind::from_code(code);
        places.place_of(&Event { time_us: 0, kind, region, subject: 1, value: 0 })
    };
    for k in 0..10 {
        assert_eq!(reached(k as u8, 1), Some(k));
    }
    assert_eq!(reached(10, 3), Some(12));
    assert_eq!(reached(11, 2), Some(14));
    assert_eq!(reached(11, 4), None, "no replica in region 4");
    for code in 12..28 {
        assert_eq!(reached(code, 1), None, "code {code}");
    }
}

/// Every event of `record` through the no-validator pipeline in `region`,
/// one millisecond apart, but those of the stages in `skip`.
fn record_events(record: u32, region: u8, skip: &[&str]) -> Vec<Event> {
    let event = |stage: &str, region: u8| {
        let code = STAGES.iter().position(|s| *s == stage).unwrap() as u8;
        // Values stay 0: until traces carry their architecture, the trace
        // format stores a value by Workload1's codes (code 8, this
        // architecture's arrival, is Workload1's outbound append).
        Event { time_us: 0, kind: Kind::from_code(code), region, subject: record, value: 0 }
    };
    let store =
        |code: u8, region: u8| Event { time_us: 0, kind: Kind::from_code(code), region, subject: record, value: 0 };
    let mut events =
        vec![event("published", 0), event("receiver-invoked", region), event("receiver-db-stored", region)];
    events.extend((1..=3).map(|r| store(10, r)));
    events.extend(STAGES[3..6].iter().map(|s| event(s, region)));
    events.extend((1..=3).map(|r| store(11, r)));
    events.extend(STAGES[6..].iter().map(|s| event(s, region)));
    events.retain(|e| !skip.iter().any(|s| e.kind.code() == stage(s) as u8));
    for (i, e) in events.iter_mut().enumerate() {
        e.time_us = u64::from(record) * 100_000 + i as u64 * 1000;
    }
    events
}

#[test]
fn runs_of_a_users_architecture_are_checked_against_its_stages_and_orders() {
    let places = no_validator();
    let clean = [record_events(1, 1, &[]), record_events(2, 2, &[])].concat();
    let holds = check_run_of(places.clone(), &header(2), &clean).unwrap();
    assert_eq!(check_run(&header(2), &clean).unwrap(), holds, "the trace's own architecture is read");
    assert_eq!(holds, Vec::<Violation>::new(), "a run through every place of its own architecture holds");

    // Record 1 leaves inbound-1 before the outbound append; record 2 is
    // never read by its processor.
    let mut early = record_events(1, 1, &[]);
    let removed = early.iter().position(|e| e.kind.code() == stage("inbound-removed") as u8).unwrap();
    let appended = early.iter().position(|e| e.kind.code() == stage("outbound-appended") as u8).unwrap();
    early.swap(removed, appended);
    let events = [early, record_events(2, 2, &["processor-read"])].concat();
    let found = check_run_of(places, &header(2), &events).unwrap();
    let named: Vec<(&str, Option<u32>, String)> =
        found.iter().map(|v| (v.property.as_str(), v.record, v.place_text())).collect();
    assert_eq!(
        named,
        [
            ("inbound-removed-before-outbound-append", Some(1), "inbound-removed, region 1".to_string()),
            ("eventual-delivery", Some(2), "processor-read, region 2".to_string()),
        ]
    );
}
