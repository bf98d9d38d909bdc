//! `--explore`: each seed draws its own environment, recorded in its trace;
//! the seeds then differ in what happens, not only in how long it takes,
//! while the design under test stays as given.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use wl1::config::{Options, Profile};
use wl1::model::Pairs;
use wl1::model::topology::WORKLOAD1;
use wl1::model::topology::events as w1;
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::{BUILT_IN, built_in};
use wl1::trace::format::encode_payload;
use wl1::trace::{Event, Kind, OutcomeKind, TraceFile};

fn spec(scenario: &str, explore: bool) -> RunSpec {
    RunSpec::new(built_in(scenario).unwrap(), Options::default(), Profile::default()).exploring(explore)
}

/// The record ids in the order they reached the destination.
fn arrivals(events: &[Event]) -> Vec<u32> {
    events.iter().filter(|e| e.kind == w1::DESTINATION_RECEIVED).map(|e| e.subject).collect()
}

/// The distinct orders of arrival of seeds `0..seeds` of `scenario`.
fn orders(scenario: &str, explore: bool, seeds: u64) -> usize {
    let (spec, mut sim) = (spec(scenario, explore), Simulator::new());
    let mut orders = BTreeSet::new();
    for seed in 0..seeds {
        let header = sim.run(&spec, seed);
        assert_eq!(header.outcome.kind, OutcomeKind::Completed, "{scenario} explore {explore}, seed {seed}");
        assert_eq!(header.environment.is_some(), explore);
        orders.insert(arrivals(sim.events()));
    }
    orders.len()
}

#[test]
fn explored_seeds_deliver_in_many_orders_where_default_ones_deliver_in_few() {
    assert_eq!(orders("baseline", false, 2_000), 1, "the original's timing gives one order");
    let explored = orders("baseline", true, 2_000);
    assert!(explored >= 20, "{explored} orders in 2000 explored baseline seeds");
    let (default, explored) = (orders("f4", false, 1_000), orders("f4", true, 1_000));
    assert!(explored >= 10 * default, "f4: {explored} orders explored, {default} by default, in 1000 seeds");
}

/// How many seeds of `0..seeds` of explored `baseline` give each order.
fn order_counts(seeds: u64) -> Vec<u64> {
    let (spec, mut sim) = (spec("baseline", true), Simulator::new());
    let mut counts = std::collections::BTreeMap::<Vec<u32>, u64>::new();
    for seed in 0..seeds {
        sim.run(&spec, seed);
        *counts.entry(arrivals(sim.events())).or_default() += 1;
    }
    counts.into_values().collect()
}

#[test]
fn explored_baseline_seeds_spread_over_the_orders_of_the_two_regions_batches() {
    // Before the consumers' lags, 1,000 seeds gave 97 orders and one of
    // them in 52% of the seeds; before region speeds, slow periods and
    // change points, 81%. Over 10,000 seeds the issue asks for at least 200
    // of the 252 orders and none in more than 10% of the seeds; 1,000 seeds
    // show a share of 10% as at most 13% (three standard deviations,
    // sqrt(1000 * 0.1 * 0.9) = 9.5 seeds, above 100), and fewer orders:
    // 160 of 1,000 seeds spread as evenly as 200 of 10,000 over the 252.
    let counts = order_counts(1_000);
    let most = counts.iter().max().copied().unwrap_or(0);
    assert!(counts.len() >= 160, "{} orders in 1000 explored baseline seeds", counts.len());
    assert!(most <= 130, "one order in {most} of 1000 explored baseline seeds");
}

#[test]
fn explored_seeds_reach_more_of_the_machines_rules_than_default_ones() {
    let mut sim = Simulator::new();
    let mut reached = [0u128; 2];
    for (explore, reached) in [false, true].into_iter().zip(&mut reached) {
        for scenario in BUILT_IN {
            let spec = spec(scenario, explore);
            for seed in 0..200 {
                *reached |= sim.run(&spec, seed).coverage;
            }
        }
    }
    let [default, explored] = reached.map(u128::count_ones);
    assert!(reached[1] & reached[0] == reached[0], "explored runs reach every pair default ones do");
    let pairs = Pairs::of(&WORKLOAD1).len();
    assert!(explored > default, "{explored} pairs explored, {default} by default, of {pairs}");
}

#[test]
fn no_run_reaches_a_pair_its_scenario_cannot_cause() {
    let mut sim = Simulator::new();
    let pairs = Pairs::of(&WORKLOAD1);
    for scenario in BUILT_IN {
        let causable = wl1::scenario::causable(&built_in(scenario).unwrap(), &Options::default());
        for explore in [false, true] {
            let spec = spec(scenario, explore);
            for seed in 0..200 {
                let beyond = sim.run(&spec, seed).coverage & !causable;
                let names: Vec<_> = pairs
                    .as_slice()
                    .iter()
                    .enumerate()
                    .filter(|(bit, _)| beyond & 1 << bit != 0)
                    .map(|(_, p)| format!("{} {}/{}", p.kind.name(), p.state, p.message))
                    .collect();
                assert!(names.is_empty(), "{scenario} explore {explore} seed {seed}: {names:?}");
            }
        }
    }
}

#[test]
fn explore_changes_the_timing_never_the_design_and_every_stranded_record_is_a_design_property() {
    let mut sim = Simulator::new();
    for scenario in BUILT_IN {
        let spec = spec(scenario, true);
        for seed in 0..100 {
            let header = sim.run(&spec, seed);
            assert_ne!(header.outcome.kind, OutcomeKind::TimeBound, "{scenario} seed {seed}");
            // In-DNS still alternates: before any fault (chaos starts with
            // them), odd records go to region 1, even ones to region 2.
            let region = |id: u32| {
                sim.events().iter().find(|e| e.kind == w1::RECEIVER_INVOKED && e.subject == id).map(|e| e.region)
            };
            let alternates = (1..=50).all(|id| region(id) == Some(2 - id as u8 % 2));
            assert!(scenario == "chaos" || alternates, "{scenario} seed {seed}");
            common::assert_stranded_by_design(&sim, &format!("{scenario} seed {seed}"));
        }
    }
}

#[test]
fn an_explored_run_waits_before_each_step_so_faults_land_in_other_phases() {
    // f1 fails processor-1 once 50 records have arrived: at that very instant
    // by default, some time later when explored.
    let lag = |explore: bool, seed: u64| {
        let mut sim = Simulator::new();
        let header = sim.run(&spec("f1", explore), seed);
        let fifty = sim.events().iter().filter(|e| e.kind == w1::DESTINATION_RECEIVED).nth(49).unwrap().time_us;
        let fail = sim.events().iter().find(|e| e.kind == Kind::FAIL).unwrap().time_us;
        let longest = header.environment.map_or(0, |e| e.step_delay_us);
        assert!(fail >= fifty && fail - fifty <= longest * 2 + 1, "seed {seed}: two steps' delays at most");
        fail - fifty
    };
    assert!((0..50).all(|seed| lag(false, seed) == 0));
    let lags: BTreeSet<u64> = (0..50).map(|seed| lag(true, seed)).collect();
    assert!(lags.len() > 40, "{lags:?}");
}

#[test]
fn explored_traces_are_byte_identical_for_any_jobs_and_replay_from_their_environment() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    for (dir, jobs) in [(one.path(), 1), (two.path(), 2)] {
        let mut plan = common::plan("f4", Options::default(), 500, 200, jobs, dir);
        plan.spec = plan.spec.exploring(true);
        common::run(&plan);
    }
    let read = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        files.iter().map(|f| (f.file_name().unwrap().to_string_lossy().into_owned(), fs::read(f).unwrap())).collect()
    };
    assert!(read(one.path()) == read(two.path()), "explored traces differ between --jobs 1 and 2");

    let mut sim = Simulator::new();
    let mut environments = BTreeSet::new();
    for file in read(one.path()) {
        let mut trace = TraceFile::open(&one.path().join(&file.0)).unwrap();
        let spec = RunSpec::from_stored(trace.spec()).unwrap();
        while let Some(next) = trace.next_payload() {
            let (_, stored) = next.unwrap();
            let run = wl1::trace::format::decode_payload(stored, &spec.stored).unwrap();
            let environment =
                run.header.environment.as_deref().cloned().expect("an explored run keeps its environment");
            environments.insert(format!("{environment:?}"));
            let header = sim.run_logged(&spec, run.header.seed, Some(environment), &mut Vec::new());
            let mut again = Vec::new();
            encode_payload(&header, sim.events(), &mut again);
            assert!(again == stored, "seed {} does not replay from its trace", run.header.seed);
        }
    }
    assert_eq!(environments.len(), 200, "each seed draws its own environment");
}

#[test]
fn a_stored_environment_decides_the_run_not_the_seed_alone() {
    // Replaying seed 1 in seed 2's environment gives another run than seed 1's own.
    let spec = spec("baseline", true);
    let mut sim = Simulator::new();
    let own = sim.run(&spec, 1);
    let own_events = sim.events().to_vec();
    let other = Simulator::environment(&spec, 2);
    let borrowed = sim.run_logged(&spec, 1, other.clone(), &mut Vec::new());
    assert_eq!(borrowed.environment.as_deref(), other.as_ref());
    assert_ne!(own.environment, borrowed.environment);
    assert_ne!(own_events, sim.events(), "the environment, not the seed alone, decides the timing");
}
