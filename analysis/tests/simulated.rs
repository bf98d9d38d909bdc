//! Real traces: a clean baseline set holds; runs of the inbound-1 failure
//! drill, which genuinely fail in the model, are explained record by record.

use wl1::config::{Options, Profile, Variant};
use wl1::engine::MICROSECOND;
use wl1::run::{RunSpec, Simulator, built_in_architecture, ms_text};
use wl1::scenario::{built_in, built_in_of};
use wl1::trace::Kind;
use wl1_analysis::*;

mod common;

#[test]
fn a_clean_baseline_set_holds_and_is_measured() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), "baseline", 500, 250);
    let (summary, frames) = common::analyze_dir(dir.path());
    assert_eq!(summary.problems.count, 0);
    assert_eq!(summary.runs(), 500);
    assert_eq!(summary.groups.len(), 1);
    assert_eq!(summary.violating_runs(), 0);
    assert_eq!(common::records(&frames).height(), 500 * 50);
    assert_eq!(common::violations(&frames).height(), 0);
    let delivered: u64 = summary.groups[0].latency.values().map(Histogram::count).sum();
    assert_eq!(delivered, 500 * 50, "every record is delivered once");
    let report = Report::new(&summary, 20).unwrap();
    assert!(report.text().contains("every one of 500 runs holds the specification"));
    assert_eq!(report.json()["holds"], true);
}

#[test]
fn failing_drill_runs_are_explained_record_by_record() {
    let dir = tempfile::tempdir().unwrap();
    let drill = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/drills/f3-inbound-1.toml");
    common::simulate_into(dir.path(), drill, 40, 250);
    let (summary, frames) = common::analyze_dir(dir.path());
    let violating = summary.violating_runs() as usize;
    assert!(violating > 0, "the drill fails in the model");
    let v = common::violations(&frames);
    let properties = v.column("property").unwrap().str().unwrap();
    let records = v.column("record").unwrap().u32().unwrap();
    let stages = v.column("stage").unwrap().str().unwrap();
    let undelivered = (0..v.height())
        .filter(|&i| properties.get(i) == Some(EVENTUAL_DELIVERY))
        .inspect(|&i| {
            assert!(records.get(i).is_some() && stages.get(i).is_some());
        })
        .count();
    assert!(undelivered > 0);
    assert_eq!(summary.groups[0].properties[EVENTUAL_DELIVERY].records, undelivered as u64);
    let regions = v.column("region").unwrap().u32().unwrap();
    let refused: Vec<(Option<u32>, Option<u32>)> = (0..v.height())
        .filter(|&i| stages.get(i) == Some("receiver-invoked"))
        .map(|i| (records.get(i), regions.get(i)))
        .collect();
    assert_eq!(refused.len(), 40, "in every run, batch 3's first record is refused before the receiver takes it");
    assert!(refused.iter().all(|&r| r == (Some(101), Some(1))), "refused by receiver-1: {refused:?}");
    let report = Report::new(&summary, 5).unwrap();
    let text = report.text();
    assert!(text.contains(&format!("{violating} of 40 runs violate the specification")));
    assert!(text.contains("wl1 replay --from "));
    let seeds = report.json()["violating_seeds"].as_array().unwrap().clone();
    let per_property = summary.groups[0].violators.values().map(|v| v.len().min(5)).sum::<usize>();
    assert_eq!(seeds.len(), per_property);
    assert!(seeds.iter().all(|s| s["seed"].as_u64().unwrap() < 40));
}

/// The violations a summary keeps of a listed run are those the run checked
/// on its own has: what the HTML report shows of a listed seed without
/// checking it again.
#[test]
fn the_violations_kept_of_a_listed_run_are_those_of_the_run_checked_alone() {
    let dir = tempfile::tempdir().unwrap();
    let variants = [Variant::NonIdempotent].into_iter().collect();
    let spec = RunSpec::new(built_in("f3").unwrap(), Options { variants, ..Options::default() }, Profile::default());
    common::simulate_spec_into(dir.path(), spec.clone(), 6, 6);
    let (summary, _) = common::analyze_dir(dir.path());
    let group = &summary.groups[0];
    let kept = group.violators.values().flatten();
    assert!(kept.clone().any(|v| v.violations > 1), "some listed run has more than one violation of a property");
    let mut sim = Simulator::new();
    for (property, violators) in &group.violators {
        for v in violators {
            let header = sim.run(&spec, v.seed);
            let alone: Vec<Violation> =
                check_run(&header, sim.events()).unwrap().into_iter().filter(|x| &x.property == property).collect();
            let kept: Vec<Violation> = v
                .spots()
                .map(|s| Violation {
                    property: property.clone(),
                    record: s.record,
                    place: s.place.map(|p| p as usize),
                    region: s.region,
                    places: places_of(&header.spec),
                })
                .collect();
            assert_eq!(v.violations, alone.len() as u64, "seed {}: {property} counted", v.seed);
            assert_eq!(kept, alone, "seed {}: {property} kept in the order the run has them", v.seed);
        }
    }
}

#[test]
fn the_runs_that_republish_a_batch_and_the_publications_they_repeat_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), "f4", 40, 20);
    let spec = RunSpec::new(built_in("f4").unwrap(), Options::default(), Profile::default());
    let mut sim = Simulator::new();
    let (mut runs, mut records) = (0, 0);
    for seed in 0..40 {
        sim.run(&spec, seed);
        let republished = sim.events().iter().filter(|e| e.kind == wl1::trace::Kind::BATCH_REPUBLISHED);
        let values: Vec<u64> = republished.map(|e| u64::from(e.value)).collect();
        runs += u64::from(!values.is_empty());
        records += values.iter().sum::<u64>();
    }
    assert!(runs > 0, "f4 republishes batch 2 in some of its first 40 seeds");
    let (summary, _) = common::analyze_dir(dir.path());
    let group = &summary.groups[0];
    let publication = &group.duplicates[&0];
    assert_eq!((publication.republished, publication.extra), (records, records), "every repeat a republish's");
    assert_eq!(group.coverage.situations["batch-republished"].runs, runs);
    let text = Report::new(&summary, 5).unwrap().text();
    assert!(text.contains("by republish"), "{text}");
}

/// The history of a violation about a record a whole-batch republish
/// published again names the republish, at its time, in the words of the
/// replay's timeline; a record no republish repeated is told without one.
#[test]
fn a_history_names_the_whole_batch_republish_that_published_its_record_again() {
    let republished = |batch: u32, records: &str| {
        format!("batch {batch} republished whole from its first record ({records} published before)")
    };
    let cases = [
        // Batch 1 stopped after records 1 to 5: each stored twice.
        ("active-active", false, 193, DUPLICATE_STORE, 1, Some(republished(1, "records 1-5"))),
        // Batch 2 stopped at record 11, published again after batch 3.
        ("active-passive", true, 165, PUBLISH_ORDER, 11, Some(republished(2, "record 11"))),
        // Stored twice in that run for another reason: batch 1 was not republished.
        ("active-passive", true, 165, DUPLICATE_STORE, 7, None),
        // Out of order, published once: batch 2 was republished from record 11 only.
        ("active-passive", true, 165, PUBLISH_ORDER, 12, None),
    ];
    let mut sim = Simulator::new();
    for (architecture, explore, seed, property, record, told) in cases {
        let architecture = built_in_architecture(architecture).unwrap();
        let scenario = built_in_of("chaos", &architecture).unwrap().unwrap();
        let spec = RunSpec::new(scenario, Options::default(), Profile::default()).exploring(explore);
        let header = sim.run(&spec, seed);
        let events = sim.events();
        let violations = check_run(&header, events).unwrap();
        let name = format!("{} chaos explore {explore} seed {seed}: {property} of record {record}", architecture.name);
        let v = violations.iter().find(|v| v.property == property && v.record == Some(record)).expect(&name);
        let history = v.history(events);
        assert!(history.starts_with(&format!("record {record} at ")), "{name}: {history}");
        match told {
            Some(told) => {
                let republish = events
                    .iter()
                    .find(|e| e.kind == Kind::BATCH_REPUBLISHED && told.contains(&format!("batch {} ", e.subject)));
                let at = ms_text(republish.expect(&name).time_us * MICROSECOND);
                assert!(history.ends_with(&format!("; at {at}, {told}")), "{name}: {history}");
            }
            None => assert!(!history.contains("republished"), "{name}: {history}"),
        }
    }
}
