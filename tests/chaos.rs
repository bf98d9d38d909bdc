//! The chaos scenario through whole runs: faults happen, stay within their
//! bounds, are all undone by the deadline, and are decided by the seed.

use wl1::config::{Options, Profile};
use wl1::engine::{MICROSECOND, MILLISECOND};
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::{ChaosParams, built_in};
use wl1::trace::{Event, Kind};

/// Lasting faults in progress after each command, in order.
fn faults_in_progress(commands: impl Iterator<Item = Kind>) -> impl Iterator<Item = i32> {
    commands.scan(0, |active, kind| {
        *active += match kind {
            Kind::FAIL | Kind::REGION_OFFLINE => 1,
            Kind::RECOVER | Kind::REGION_ONLINE => -1,
            _ => 0,
        };
        Some(*active)
    })
}

fn commands(events: &[Event]) -> Vec<Event> {
    let is_command = |e: &&Event| {
        matches!(e.kind, Kind::FAIL | Kind::RECOVER | Kind::REGION_OFFLINE | Kind::REGION_ONLINE | Kind::SWITCH_PRIMARY)
    };
    events.iter().filter(is_command).copied().collect()
}

#[test]
fn chaos_faults_happen_stay_bounded_and_end_by_the_deadline() {
    let params = ChaosParams::default();
    let deadline_us = params.deadline_ms * MILLISECOND / MICROSECOND;
    let spec = RunSpec::new(built_in("chaos").unwrap(), Options::default(), Profile::default());
    let mut sim = Simulator::new();
    let mut seen = Vec::new();
    for seed in 0..200 {
        sim.run(&spec, seed);
        let chaos: Vec<Event> = commands(sim.events()).into_iter().filter(|e| e.time_us <= deadline_us).collect();
        seen.extend(chaos.iter().map(|e| e.kind));
        let most = faults_in_progress(chaos.iter().map(|e| e.kind)).max();
        assert!(most.unwrap_or(0) <= params.max_at_once as i32, "seed {seed}");
        for (i, fail) in chaos.iter().enumerate() {
            let undo = match fail.kind {
                Kind::FAIL => Kind::RECOVER,
                Kind::REGION_OFFLINE => Kind::REGION_ONLINE,
                _ => continue,
            };
            let undone =
                chaos[i + 1..].iter().any(|e| e.kind == undo && e.subject == fail.subject && e.region == fail.region);
            assert!(undone, "seed {seed}: {fail:?} is not undone by the deadline");
        }
    }
    for kind in [Kind::FAIL, Kind::RECOVER, Kind::REGION_OFFLINE, Kind::SWITCH_PRIMARY] {
        assert!(seen.contains(&kind), "no {kind:?} in 200 seeds");
    }
}

#[test]
fn the_same_seed_gives_the_same_chaos() {
    let spec = RunSpec::new(built_in("chaos").unwrap(), Options::default(), Profile::default());
    let mut sim = Simulator::new();
    let first = (sim.run(&spec, 7), sim.events().to_vec());
    sim.run(&spec, 8);
    let other = sim.events().to_vec();
    let again = (sim.run(&spec, 7), sim.events().to_vec());
    assert_eq!(first, again);
    assert_ne!(commands(&first.1), commands(&other), "seeds 7 and 8 agree");
}
