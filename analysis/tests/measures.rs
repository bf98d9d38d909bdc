//! Percentiles and ordering figures against values worked out by hand.

mod common;

use common::*;
use wl1::config::Variant;
use wl1::model::topology::events as w1;
use wl1::trace::{Kind, OutcomeKind};
use wl1_analysis::*;

fn analyze_runs(runs: &[(wl1::trace::RunHeader, Vec<wl1::trace::Event>)]) -> (Summary, Vec<ChunkFrames>) {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("runs.wl1"), runs);
    analyze_dir(dir.path())
}

/// `got` is `want` within the stated precision of percentiles.
fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= want.abs() * RELATIVE_PRECISION + 1e-9, "{what}: {got} != {want}");
}

#[test]
fn latency_percentiles_match_the_hand_computed_ones() {
    // Record k arrives k ms after its publication: region 1 gets the odd
    // records (1, 3, 5, 7, 9 ms), region 2 the even ones (2, 4, ..., 10 ms).
    let mut events = clean_events(10);
    for record in 1..=10 {
        let arrival = events[position(&events, w1::DESTINATION_RECEIVED, record, None)].time_us;
        let published = position(&events, Kind::PUBLISHED, record, None);
        events[published].time_us = arrival - u64::from(record) * 1000;
    }
    let (summary, _) = analyze_runs(&[(header(1, 10, OutcomeKind::Completed), events)]);
    let latency = &summary.groups[0].latency;
    assert_eq!(latency.len(), 2);
    // Linear interpolation between closest ranks: p90 of 1,3,5,7,9 sits at
    // rank 0.9 * 4 = 3.6, i.e. 7 + 0.6 * (9 - 7) = 8.2.
    let expected =
        [(1, [(0.5, 5.0), (0.9, 8.2), (0.99, 8.92)], 5.0, 9.0), (2, [(0.5, 6.0), (0.9, 9.2), (0.99, 9.92)], 6.0, 10.0)];
    for (region, quantiles, mean, max) in expected {
        let h = &latency[&region];
        assert_eq!(h.count(), 5);
        assert_eq!(h.mean(), Some(mean * 1000.0), "the mean is exact");
        assert_eq!(h.max(), Some((max * 1000.0) as i64), "the maximum is exact");
        for (q, ms) in quantiles {
            close(h.quantile(q).unwrap(), ms * 1000.0, &format!("region {region} q {q}"));
        }
    }
    let text = Report::new(&summary, 20).unwrap().text();
    assert!(text.contains("percentiles within 0.2%"), "{text}");
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
    let (summary, _) = analyze_runs(&[(header(1, 5, OutcomeKind::Completed), reordered_run())]);
    assert_eq!(summary.violating_runs(), 0, "order is measured, not required");
    let order = &summary.groups[0].order;
    let global = &order[&0];
    assert_eq!(global.out_of_order_share(), 0.6);
    assert_eq!(global.inversions_normalised(), 0.3);
    assert_eq!(global.max_displacement, 2);
    // Region 1 delivers 3, 1, 5: one inversion of three pairs.
    assert!((order[&1].inversions_normalised() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(order[&2].inversions_normalised(), 0.0);
}

#[test]
fn the_global_order_variant_makes_reordering_a_violation() {
    let mut h = header(7, 5, OutcomeKind::Completed);
    let spec = std::sync::Arc::make_mut(&mut h.spec);
    spec.options.variants = spec.options.variants.with(Variant::GlobalOrder);
    let (summary, frames) = analyze_runs(&[(h, reordered_run())]);
    let v = violations(&frames);
    assert_eq!(v.height(), 1);
    assert_eq!(v.column("property").unwrap().str().unwrap().get(0), Some(GLOBAL_ORDER));
    assert_eq!(v.column("record").unwrap().u32().unwrap().get(0), Some(1));
    assert_eq!(v.column("region").unwrap().u32().unwrap().get(0), Some(1));
    assert_eq!(v.column("seed").unwrap().u64().unwrap().get(0), Some(7));
    let violators = &summary.groups[0].violators[GLOBAL_ORDER];
    assert_eq!((violators[0].seed, violators[0].record), (7, Some(1)));
}

#[test]
fn duplicates_are_counted_per_stage() {
    let mut events = clean_events(3);
    let arrival = events[position(&events, w1::DESTINATION_RECEIVED, 2, None)];
    events.push(arrival);
    events.push(arrival);
    let (summary, _) = analyze_runs(&[(header(1, 3, OutcomeKind::Completed), events)]);
    let duplicates = &summary.groups[0].duplicates;
    assert_eq!(duplicates.len(), 1);
    let (&place, repeats) = duplicates.iter().next().unwrap();
    assert_eq!(Places::workload1().name(place as usize), "destination-received");
    assert_eq!((repeats.records, repeats.extra), (1, 2));
}

#[test]
fn a_record_arriving_twice_is_measured_at_its_first_arrival() {
    // Record 1, routed to region 1, also arrives half a millisecond earlier
    // from region 2: the first arrival is region 2's, whatever the numbers.
    let mut events = clean_events(1);
    let at = position(&events, w1::DESTINATION_RECEIVED, 1, None);
    let mut early = events[at];
    (early.region, early.time_us) = (2, early.time_us - 500);
    events.insert(at, early);
    let published = events[position(&events, Kind::PUBLISHED, 1, None)].time_us;
    let (summary, _) = analyze_runs(&[(header(1, 1, OutcomeKind::Completed), events)]);
    let group = &summary.groups[0];
    assert_eq!(group.latency.keys().copied().collect::<Vec<_>>(), [2]);
    assert_eq!(group.latency[&2].max(), Some((early.time_us - published) as i64));
    let places = Places::workload1();
    let arrival = group.duplicates.iter().find(|(p, _)| places.name(**p as usize) == "destination-received");
    assert_eq!(arrival.map(|(_, r)| (r.records, r.extra)), Some((1, 1)));
}
