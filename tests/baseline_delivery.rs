//! 500 baseline seeds, checked from their traces with simple logic of our
//! own: every record reaches the destination and all nine replicas, and no
//! run is stuck.

mod common;

use std::collections::BTreeSet;

use wl1::config::Options;
use wl1::model::topology::events as w1;
use wl1::trace::{Kind, OutcomeKind, TraceFile};

#[test]
fn every_baseline_record_reaches_the_destination_and_all_nine_replicas() {
    let dir = tempfile::tempdir().unwrap();
    let summary = common::run(&common::plan("baseline", Options::default(), 0, 500, 2, dir.path()));
    assert_eq!(summary.runs, 500);
    let mut runs = 0;
    for file in &summary.files {
        for run in TraceFile::open(file).unwrap() {
            let run = run.unwrap();
            runs += 1;
            let seed = run.header.seed;
            assert_eq!(run.header.outcome.kind, OutcomeKind::Completed, "seed {seed} did not complete");
            let records: BTreeSet<u32> = (1..=run.header.spec.records).collect();
            assert_eq!(records.len(), 50);
            let reached = |kind: Kind, region: Option<u8>| -> BTreeSet<u32> {
                run.events
                    .iter()
                    .filter(|e| e.kind == kind && region.is_none_or(|r| e.region == r))
                    .map(|e| e.subject)
                    .collect()
            };
            assert_eq!(reached(w1::DESTINATION_RECEIVED, None), records, "seed {seed}: destination");
            for kind in w1::REPLICA_STORES {
                for region in 1..=3 {
                    assert_eq!(reached(kind, Some(region)), records, "seed {seed}: {kind:?} in region {region}");
                }
            }
        }
    }
    assert_eq!(runs, 500);
}
