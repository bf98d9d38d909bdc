//! The driver walks a scenario's steps in simulated time: sleeps and chaos
//! commands happen no earlier than due.

use wl1::config::{Options, Profile};
use wl1::engine::{MICROSECOND, MILLISECOND, Time};
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::{ChaosParams, FaultKind, Scenario, Step};
use wl1::trace::{Event, Kind, OutcomeKind};

fn run(steps: Vec<Step>, seed: u64) -> (OutcomeKind, Vec<Event>) {
    let scenario = Scenario::new("t".into(), String::new(), 1, steps);
    let spec = RunSpec::new(scenario, Options::default(), Profile::default());
    let mut sim = Simulator::new();
    let header = sim.run(&spec, seed);
    (header.outcome.kind, sim.events().to_vec())
}

fn first_time_us(events: &[Event], kind: Kind) -> u64 {
    events.iter().find(|e| e.kind == kind).unwrap().time_us
}

const SLEEP: Time = 1_500 * MILLISECOND;

#[test]
fn a_sleep_ends_when_due() {
    let (outcome, events) = run(vec![Step::Sleep(SLEEP), Step::Publish(1)], 1);
    assert_eq!(outcome, OutcomeKind::Completed);
    let published = first_time_us(&events, Kind::PUBLISH_REQUESTED);
    assert_eq!(published, SLEEP / MICROSECOND);
}

#[test]
fn sleeps_and_chaos_commands_all_happen_no_earlier_than_due() {
    let params = ChaosParams {
        faults_per_minute: 120,
        deadline_ms: 5_000,
        kinds: [FaultKind::Containers].into_iter().collect(),
        ..ChaosParams::default()
    };
    let steps = vec![
        Step::Chaos(params),
        Step::Sleep(SLEEP),
        Step::Publish(1),
        Step::AwaitPublished(1),
        Step::AwaitChaosEnd,
        Step::RegionOffline(1),
    ];
    for seed in 0..20 {
        let (outcome, events) = run(steps.clone(), seed);
        assert_eq!(outcome, OutcomeKind::Completed, "seed {seed}");
        assert!(first_time_us(&events, Kind::PUBLISH_REQUESTED) >= SLEEP / MICROSECOND);
        let deadline_us = params.deadline_ms * MILLISECOND / MICROSECOND;
        let chaos = events.iter().filter(|e| matches!(e.kind, Kind::FAIL | Kind::RECOVER));
        let chaos_end_us = chaos.map(|e| e.time_us).max().unwrap();
        assert!(chaos_end_us <= deadline_us, "seed {seed}: every fault ends by the deadline");
        assert!(first_time_us(&events, Kind::REGION_OFFLINE) >= chaos_end_us, "seed {seed}: after the chaos");
        let faults = events.iter().filter(|e| e.kind == Kind::FAIL).count();
        let recoveries = events.iter().filter(|e| e.kind == Kind::RECOVER).count();
        assert!(faults > 0 && faults == recoveries, "seed {seed}");
    }
}
