//! Every built-in scenario over 300 seeds. With no variant on, a record that
//! does not get through must be held somewhere for a reason that is a real
//! property of the modelled design; a record that simply vanished would be a
//! simulator bug. (How many seeds fail, per property and reason, is pinned
//! by `analysis/tests/outcomes.rs`.)

mod common;

use std::path::Path;

use wl1::config::{Options, Profile};
use wl1::model::ContainerState;
use wl1::model::topology::inbound;
use wl1::run::{Reason, RunSpec, Simulator, Why, stranded};
use wl1::scenario::{BUILT_IN, Step, built_in, resolve};
use wl1::trace::Kind;

#[test]
fn every_stranded_record_of_every_built_in_scenario_is_a_design_property() {
    let mut sim = Simulator::new();
    for scenario in BUILT_IN {
        let spec = RunSpec::new(built_in(scenario).unwrap(), Options::default(), Profile::default());
        for seed in 0..300 {
            sim.run(&spec, seed);
            common::assert_stranded_by_design(&sim, &format!("{scenario} seed {seed}"));
        }
    }
}

#[test]
fn the_original_s_tests_deliver_every_record_in_every_seed() {
    let mut sim = Simulator::new();
    for scenario in ["baseline", "failover", "f1", "f2", "f3", "f4"] {
        let spec = RunSpec::new(built_in(scenario).unwrap(), Options::default(), Profile::default());
        for seed in 0..300 {
            sim.run(&spec, seed);
            assert_eq!(stranded(&sim), [], "{scenario} seed {seed}");
        }
    }
}

#[test]
fn the_inbound_1_drill_leaves_the_region_1_front_end_failed_in_every_seed() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drills/f3-inbound-1.toml");
    let (scenario, text) = resolve(path.to_str().unwrap(), &wl1::model::topology::WORKLOAD1).unwrap();
    let spec = RunSpec::with_drill(scenario, text, Options::default(), Profile::default());
    let mut sim = Simulator::new();
    for seed in 0..100 {
        sim.run(&spec, seed);
        let findings = stranded(&sim);
        let stopped = findings.iter().find(|f| f.reason.why() == Why::BatchStopped).expect("batch 2 stops");
        let Reason::BatchStopped { batch: 2, front_ends, .. } = &stopped.reason else {
            panic!("seed {seed}: {}", stopped.reason)
        };
        let failed = ContainerState::FailedDependency;
        assert_eq!(
            front_ends.0,
            [("receiver-1".to_string(), failed), ("validator-1".to_string(), failed)],
            "seed {seed}"
        );
    }
}

#[test]
fn f4_fails_and_recovers_what_it_chose_in_the_original_s_index_order() {
    let scenario = built_in("f4").unwrap();
    let Some(Step::FailRandom { candidates, .. }) =
        scenario.steps.iter().find(|s| matches!(s, Step::FailRandom { .. }))
    else {
        panic!("f4 fails components at random")
    };
    let index = |subject: u32| candidates.iter().position(|&c| u32::from(c) == subject).unwrap();
    let spec = RunSpec::new(scenario.clone(), Options::default(), Profile::default());
    let mut sim = Simulator::new();
    let mut chosen_counts = std::collections::BTreeSet::new();
    for seed in 0..300 {
        sim.run(&spec, seed);
        let subjects = |kind| sim.events().iter().filter(move |e| e.kind == kind).map(|e| e.subject);
        let failed: Vec<usize> = subjects(Kind::FAIL).map(index).collect();
        assert!(failed.is_sorted() && !failed.is_empty(), "seed {seed}: failed in the order {failed:?}");
        let recovered: Vec<usize> = subjects(Kind::RECOVER).take(failed.len()).map(index).collect();
        assert_eq!(recovered, failed, "seed {seed}: recovered in the order they failed");
        chosen_counts.insert(failed.len());
    }
    assert_eq!(chosen_counts.len(), 8, "every number of components from 1 to 8 is drawn");
}

#[test]
fn a_fault_that_finds_its_component_holding_records_is_traced_with_their_number() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drills/records-in-a-failing-stream.toml");
    let (scenario, text) = resolve(path.to_str().unwrap(), &wl1::model::topology::WORKLOAD1).unwrap();
    let spec = RunSpec::with_drill(scenario, text, Options::default(), Profile::default());
    let mut sim = Simulator::new();
    for seed in 0..20 {
        sim.run(&spec, seed);
        let found: Vec<(u32, u32)> =
            sim.events().iter().filter(|e| e.kind == Kind::FAULT_FOUND_HOLDING).map(|e| (e.subject, e.value)).collect();
        // Idle processor-1 holds nothing; inbound-1 then holds batch 2's 25
        // region-1 records (odd ids 51..=99).
        assert_eq!(found, [(u32::from(inbound(1)), 25)], "seed {seed}");
    }
}

/// Every built-in `fail_random` step lists its components along the
/// pipeline, by the first stage at each: the order an explored run's draw
/// takes them in (`wl1::scenario::FaultSets`) is then the order the study's
/// tests number them in (`TestWorkload1F4FailRandom.p:25-33`).
#[test]
fn every_built_in_fail_random_step_lists_its_components_along_the_pipeline() {
    let mut steps = 0;
    for architecture in ["workload1", "active-passive", "active-active"] {
        let architecture = wl1::run::built_in_architecture(architecture).unwrap();
        for scenario in wl1::run::scenarios_of(&architecture) {
            for step in &scenario.steps {
                let Step::FailRandom { candidates, .. } = step else { continue };
                let along: Vec<Option<usize>> = candidates.iter().map(|&c| architecture.first_stage(c)).collect();
                assert!(along.iter().all(Option::is_some), "{}: {along:?}", scenario.name);
                assert!(along.is_sorted(), "{} of {}: {along:?}", scenario.name, architecture.name);
                steps += 1;
            }
        }
    }
    assert_eq!(steps, 3, "workload1's f4, and f5 of each queue design");
}
