//! The whole-batch republish (`../shared/ARCHITECTURES.md`, trap 8): asked
//! for a batch it had started before, the source publishes it whole, from
//! its first record, and traces `batch-republished` with the records it
//! had published before. Pinned in seeds that reach it, by the study's
//! `republish_if_stopped` steps (which find only the batch's first record
//! published) and by chaos; absent from every scenario that cannot
//! republish.

use std::collections::BTreeMap;

use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, Simulator, built_in_architecture, scenarios_of};
use wl1::scenario::{Step, built_in_of};
use wl1::trace::{Event, Kind};

/// The run of `seed`'s events.
fn run(architecture: &str, scenario: &str, explore: bool, seed: u64) -> Vec<Event> {
    let architecture = built_in_architecture(architecture).unwrap();
    let scenario = built_in_of(scenario, &architecture).unwrap().unwrap();
    let spec = RunSpec::new(scenario, Options::default(), Profile::default()).exploring(explore);
    let mut sim = Simulator::new();
    sim.run(&spec, seed);
    sim.events().to_vec()
}

/// Each republish of the run: (batch, records published before).
fn republished(events: &[Event]) -> Vec<(u32, u32)> {
    events.iter().filter(|e| e.kind == Kind::BATCH_REPUBLISHED).map(|e| (e.subject, e.value)).collect()
}

/// Publications beyond each record's first: the duplicates at `published`.
fn published_again(events: &[Event]) -> u32 {
    let mut times = BTreeMap::new();
    for e in events.iter().filter(|e| e.kind == Kind::PUBLISHED) {
        *times.entry(e.subject).or_insert(0u32) += 1;
    }
    times.values().map(|n| n - 1).sum()
}

#[test]
fn a_republish_is_traced_with_the_records_it_publishes_again_and_explains_every_duplicate_publication() {
    let cases = [
        // The study's republish_if_stopped: the batch stopped at its first record.
        ("workload1", "f4", false, 0, vec![(2, 1)]),
        ("active-passive", "f5", false, 1, vec![(2, 1)]),
        ("active-active", "f5", false, 1, vec![(2, 1)]),
        // Chaos: batches stopped further on, published whole again.
        ("workload1", "chaos", false, 0, vec![(2, 3), (3, 1)]),
        ("active-active", "chaos", false, 193, vec![(1, 5), (2, 1), (3, 1)]),
        ("active-active", "chaos", true, 6, vec![(1, 2), (2, 1)]),
        ("active-passive", "chaos", true, 165, vec![(2, 1)]),
    ];
    for (architecture, scenario, explore, seed, expected) in cases {
        let events = run(architecture, scenario, explore, seed);
        let again = republished(&events);
        assert_eq!(again, expected, "{architecture} {scenario} explore {explore} seed {seed}");
        let records: u32 = again.iter().map(|(_, n)| n).sum();
        assert_eq!(published_again(&events), records, "{architecture} {scenario} seed {seed}: each duplicate");
        for &(batch, _) in &again {
            let at = events.iter().position(|e| e.kind == Kind::BATCH_REPUBLISHED && e.subject == batch).unwrap();
            let stopped = events[..at].iter().any(|e| e.kind == Kind::BATCH_STOPPED && e.subject == batch);
            assert!(stopped, "{architecture} {scenario} seed {seed}: batch {batch} had stopped before");
        }
    }
}

#[test]
fn no_scenario_without_a_republish_step_traces_one() {
    let mut sim = Simulator::new();
    for architecture in ["workload1", "active-passive", "active-active"] {
        let architecture = built_in_architecture(architecture).unwrap();
        let cannot = scenarios_of(&architecture)
            .into_iter()
            .filter(|s| !s.steps.iter().any(|step| matches!(step, Step::RepublishIfStopped(_))));
        for scenario in cannot {
            let name = format!("{} {}", architecture.name, scenario.name);
            for explore in [false, true] {
                let spec = RunSpec::new(scenario.clone(), Options::default(), Profile::default()).exploring(explore);
                for seed in 0..100 {
                    sim.run(&spec, seed);
                    assert_eq!(republished(sim.events()), [], "{name} explore {explore} seed {seed}");
                    assert_eq!(published_again(sim.events()), 0, "{name} explore {explore} seed {seed}");
                }
            }
        }
    }
}
