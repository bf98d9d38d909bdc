//! A user drill that restates a built-in scenario runs exactly like it.

use std::path::PathBuf;

use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::{Scenario, built_in, resolve};

fn drill_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/drills/f1.toml")
}

fn spec(scenario: Scenario, drill: String) -> RunSpec {
    RunSpec::with_drill(scenario, drill, Options::default(), Profile::default())
}

#[test]
fn the_f1_drill_has_the_steps_of_built_in_f1() {
    let (drill, text) = resolve(drill_path().to_str().unwrap(), &wl1::model::topology::WORKLOAD1).unwrap();
    assert!(text.contains("fail = \"processor-1\""));
    assert_eq!(drill.name, "f1-drill");
    let f1 = built_in("f1").unwrap();
    assert_eq!((drill.batches, &drill.steps), (f1.batches, &f1.steps));
}

#[test]
fn the_f1_drill_gives_the_traces_of_built_in_f1() {
    let (drill, text) = resolve(drill_path().to_str().unwrap(), &wl1::model::topology::WORKLOAD1).unwrap();
    let from_drill = spec(drill, text);
    let built_in = spec(built_in("f1").unwrap(), String::new());
    let (mut a, mut b) = (Simulator::new(), Simulator::new());
    for seed in 0..50 {
        let (header_a, header_b) = (a.run(&from_drill, seed), b.run(&built_in, seed));
        assert!(!a.events().is_empty());
        assert_eq!(a.events(), b.events(), "seed {seed}");
        assert_eq!(header_a.outcome, header_b.outcome, "seed {seed}");
        assert_eq!(header_a.spec.records, header_b.spec.records);
        assert_ne!(header_a.identity(), header_b.identity(), "a drill is analyzed apart from the built-in");
    }
}
