//! A run written out as an explicit drill replays it byte for byte: for
//! a built-in scenario, a drill, chaos and explored runs, the drill (through
//! its TOML text) draws nothing but its messages' timing from the seed and
//! gives the very same events.

use wl1::config::{Options, Profile, Variant};
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::{Scenario, Step, built_in, parse_drill, resolve, to_drill};
use wl1::shrink::{drill_spec, explicit, is_explicit};
use wl1::trace::Event;

fn events(spec: &RunSpec, seed: u64) -> Vec<Event> {
    let mut sim = Simulator::new();
    sim.run(spec, seed);
    sim.events().to_vec()
}

/// The explicit drill of `spec`'s run of `seed`, read back from its text.
fn written_out(spec: &RunSpec, seed: u64) -> Scenario {
    let scenario = explicit(spec, seed).unwrap();
    assert!(is_explicit(&scenario), "{scenario:?}");
    parse_drill(&to_drill(&scenario)).unwrap()
}

/// Fails unless each seed's explicit drill gives the run's events exactly.
fn assert_replays(spec: &RunSpec, seeds: std::ops::Range<u64>) -> Vec<Scenario> {
    seeds
        .map(|seed| {
            let drill = written_out(spec, seed);
            let replayed = events(&drill_spec(drill.clone(), spec), seed);
            assert!(
                replayed == events(spec, seed),
                "seed {seed} of {}: the drill gives other events",
                spec.scenario.name
            );
            drill
        })
        .collect()
}

fn spec(name: &str) -> RunSpec {
    RunSpec::new(built_in(name).unwrap(), Options::default(), Profile::default())
}

#[test]
fn built_in_scenarios_replay_from_their_drills_and_f4_names_what_it_failed() {
    for name in ["baseline", "failover", "f1", "f4"] {
        assert_replays(&spec(name), 0..5);
    }
    let drills = assert_replays(&spec("f4"), 0..5);
    for drill in drills {
        let failed = drill.steps.iter().filter(|s| matches!(s, Step::Fail(_))).count();
        assert!((1..=8).contains(&failed), "{:?}", drill.steps);
    }
}

#[test]
fn a_drill_file_replays_from_its_explicit_drill() {
    let (scenario, text) =
        resolve(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/drills/f1.toml"), &wl1::model::topology::WORKLOAD1)
            .unwrap();
    let spec = RunSpec::with_drill(scenario, text, Options::default(), Profile::default());
    assert_replays(&spec, 0..5);
}

#[test]
fn chaos_runs_replay_from_their_schedules_whatever_the_variant() {
    let drills = assert_replays(&spec("chaos"), 0..20);
    assert!(drills.iter().all(|d| d.steps.iter().any(|s| matches!(s, Step::Schedule(c) if !c.is_empty()))));
    let lossy = Options { variants: [Variant::LossyKafka].into_iter().collect(), ..Options::default() };
    assert_replays(&RunSpec::new(built_in("chaos").unwrap(), lossy, Profile::default()), 0..5);
}

#[test]
fn explored_runs_replay_from_their_environment_and_step_delays() {
    for name in ["chaos", "f4", "failover"] {
        let explored = spec(name).exploring(true);
        let drills = assert_replays(&explored, 0..8);
        for drill in &drills {
            let environment = drill.environment.as_ref().expect("an explored run's drill holds its environment");
            assert_eq!(environment.step_delay_us, 0, "the delays are the drill's sleeps");
        }
        let sleeps = drills.iter().flat_map(|d| &d.steps).filter(|s| matches!(s, Step::Sleep(_))).count();
        assert!(sleeps > drills.len(), "{name}: the step delays are written out as sleeps");
    }
}

#[test]
fn a_drill_without_its_environment_is_another_run() {
    let explored = spec("chaos").exploring(true);
    let drill = written_out(&explored, 3);
    let calm = Scenario { environment: None, ..drill.clone() };
    assert!(events(&drill_spec(calm, &explored), 3) != events(&drill_spec(drill, &explored), 3));
}

#[test]
fn steady_instances_change_the_run_and_only_through_their_timing() {
    let chaos = spec("chaos");
    let drill = written_out(&chaos, 2);
    let processor = wl1::model::topology::by_name("processor-1").unwrap();
    let steady = Scenario { steady: vec![processor], ..drill.clone() };
    let (plain, steadied) = (events(&drill_spec(drill, &chaos), 2), events(&drill_spec(steady.clone(), &chaos), 2));
    assert!(plain != steadied, "a steady processor-1 takes other times");
    assert_eq!(events(&drill_spec(parse_drill(&to_drill(&steady)).unwrap(), &chaos), 2), steadied);
}
