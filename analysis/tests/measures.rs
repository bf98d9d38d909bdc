//! Percentiles and ordering figures against values worked out by hand.

mod common;

use common::*;
use polars::prelude::*;
use wl1::config::Variant;
use wl1::trace::{Kind, OutcomeKind};
use wl1_analysis::*;

/// The figure `name` of the row of `region` in a per-region table.
fn figure(table: &DataFrame, region_column: &str, region: &str, name: &str) -> f64 {
    let regions = table.column(region_column).unwrap().cast(&DataType::String).unwrap();
    let row = (0..table.height())
        .find(|&i| regions.str().unwrap().get(i) == Some(region))
        .unwrap_or_else(|| panic!("no row for {region}"));
    let value = table.column(name).unwrap().cast(&DataType::Float64).unwrap();
    value.f64().unwrap().get(row).unwrap()
}

fn analyze(runs: &[(wl1::trace::RunHeader, Vec<wl1::trace::Event>)]) -> Analysis {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("runs.wl1"), runs);
    Analysis::of(&[dir.path().to_owned()]).unwrap()
}

#[test]
fn latency_percentiles_match_the_hand_computed_ones() {
    // Record k arrives k ms after its publication: region 1 gets the odd
    // records (1, 3, 5, 7, 9 ms), region 2 the even ones (2, 4, ..., 10 ms).
    let mut events = clean_events(10);
    for record in 1..=10 {
        let arrival = events[position(&events, Kind::DestinationReceived, record, None)].time_us;
        let published = position(&events, Kind::Published, record, None);
        events[published].time_us = arrival - u64::from(record) * 1000;
    }
    let analysis = analyze(&[(header(1, 10, OutcomeKind::Completed), events)]);
    let latency = &analysis.measures.latency;
    assert_eq!(latency.height(), 2);
    // Linear interpolation between closest ranks: p90 of 1,3,5,7,9 sits at
    // rank 0.9 * 4 = 3.6, i.e. 7 + 0.6 * (9 - 7) = 8.2.
    let expected = [
        ("1", [("count", 5.0), ("mean", 5.0), ("p50", 5.0), ("p90", 8.2), ("p99", 8.92), ("max", 9.0)]),
        ("2", [("count", 5.0), ("mean", 6.0), ("p50", 6.0), ("p90", 9.2), ("p99", 9.92), ("max", 10.0)]),
    ];
    for (region, figures) in expected {
        for (name, value) in figures {
            let got = figure(latency, "region", region, name);
            assert!((got - value).abs() < 1e-9, "region {region} {name}: {got} != {value}");
        }
    }
}

#[test]
fn inversions_and_displacement_match_the_hand_computed_ones() {
    // Pairs out of order: (3,1) (3,2) (5,4); 1, 2 and 4 arrive after a
    // later-published record; 3 sits two places before its publish position.
    let stats = OrderStats::of(&[3, 1, 2, 5, 4]);
    assert_eq!(stats.arrivals, 5);
    assert_eq!(stats.inversions, 3);
    assert_eq!(stats.pairs(), 10);
    assert_eq!(stats.out_of_order, 3);
    assert_eq!(stats.max_displacement, 2);
    assert_eq!(OrderStats::of(&[10, 20, 30]).inversions, 0);
    assert_eq!(OrderStats::of(&[30, 20, 10]).inversions, 3);
}

/// Records 1..=5 published in order, then handled and delivered in the
/// order 3, 1, 2, 5, 4.
fn reordered_run() -> Vec<wl1::trace::Event> {
    let order = [3, 1, 2, 5, 4];
    let mut events: Vec<_> = (1..=5).map(|r| record_events(r, 0)[0]).collect();
    for (i, &r) in order.iter().enumerate() {
        events.extend(&record_events(r, 100_000 * (i as u64 + 1))[1..]);
    }
    events
}

#[test]
fn reordering_at_the_destination_is_measured_globally_and_per_region() {
    let analysis = analyze(&[(header(1, 5, OutcomeKind::Completed), reordered_run())]);
    assert_eq!(analysis.violating_runs().unwrap(), 0, "order is measured, not required");
    let order = &analysis.measures.order;
    assert_eq!(figure(order, "scope", "global", "out_of_order_share"), 0.6);
    assert_eq!(figure(order, "scope", "global", "inversions_normalised"), 0.3);
    assert_eq!(figure(order, "scope", "global", "max_displacement"), 2.0);
    // Region 1 delivers 3, 1, 5: one inversion of three pairs.
    assert!((figure(order, "scope", "region 1", "inversions_normalised") - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(figure(order, "scope", "region 2", "inversions_normalised"), 0.0);
}

#[test]
fn the_global_order_variant_makes_reordering_a_violation() {
    let mut h = header(7, 5, OutcomeKind::Completed);
    let spec = std::sync::Arc::make_mut(&mut h.spec);
    spec.options.variants = spec.options.variants.with(Variant::GlobalOrder);
    let analysis = analyze(&[(h, reordered_run())]);
    let v = &analysis.violations;
    assert_eq!(v.height(), 1);
    assert_eq!(v.column("property").unwrap().str().unwrap().get(0), Some(GLOBAL_ORDER));
    assert_eq!(v.column("record").unwrap().u32().unwrap().get(0), Some(1));
    assert_eq!(v.column("region").unwrap().u32().unwrap().get(0), Some(1));
    assert_eq!(v.column("seed").unwrap().u64().unwrap().get(0), Some(7));
}

#[test]
fn duplicates_are_counted_per_stage() {
    let mut events = clean_events(3);
    let arrival = events[position(&events, Kind::DestinationReceived, 2, None)];
    events.push(arrival);
    events.push(arrival);
    let analysis = analyze(&[(header(1, 3, OutcomeKind::Completed), events)]);
    let duplicates = &analysis.measures.duplicates;
    assert_eq!(duplicates.height(), 1);
    assert_eq!(duplicates.column("stage").unwrap().str().unwrap().get(0), Some("destination-received"));
    assert_eq!(duplicates.column("records").unwrap().u64().unwrap().get(0), Some(1));
    assert_eq!(duplicates.column("extra").unwrap().u64().unwrap().get(0), Some(2));
}
