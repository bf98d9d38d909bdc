//! Every violating seed of the study's 20 tests (every built-in scenario
//! of the three architectures but chaos) over 300 seeds gets a cause its
//! events show, never "unknown"; the runs per group, property and cause
//! are pinned. A change to the model or to how causes are told that moves
//! any of them fails here; if it is meant, re-bless [`PINNED`] with the
//! table the failure prints.

use std::collections::BTreeSet;

use wl1::architecture::BUILT_IN as ARCHITECTURES;
use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, built_in_architecture, scenarios_of};

mod common;

const SEEDS: u64 = 300;

/// Architecture, scenario, property, cause, runs.
type Pin = (&'static str, &'static str, &'static str, &'static str, u64);

#[rustfmt::skip]
const PINNED: &[Pin] = &[
    ("active-passive", "f3", "duplicate-store", "append-refused", 294),
    ("active-passive", "f5", "duplicate-store", "append-refused", 21),
    ("active-active", "f3", "duplicate-store", "append-refused", 300),
    ("active-active", "f5", "duplicate-store", "append-refused", 22),
];

#[test]
fn every_violating_seed_of_the_20_tests_has_a_known_cause() {
    let mut fresh = Vec::new();
    let mut tests = 0;
    for (name, _) in ARCHITECTURES {
        let architecture = built_in_architecture(name).unwrap();
        for scenario in scenarios_of(&architecture).into_iter().filter(|s| s.name != "chaos") {
            tests += 1;
            let scenario_name = scenario.name.clone();
            let spec = RunSpec::new(scenario, Options::default(), Profile::default())
                .in_architecture(architecture.clone(), String::new());
            let dir = tempfile::tempdir().unwrap();
            common::simulate_spec_into(dir.path(), spec, SEEDS, SEEDS);
            let (summary, _) = common::analyze_dir(dir.path());
            let [group] = summary.groups.as_slice() else { panic!("one group per test") };
            for (property, violated) in &group.properties {
                let causes = group.causes.get(property).unwrap_or_else(|| panic!("{name} {scenario_name}: {property}"));
                let seeds: BTreeSet<u64> = causes.values().flat_map(|c| c.seeds.iter().copied()).collect();
                assert_eq!(seeds.len() as u64, violated.runs, "{name} {scenario_name} {property}: every run a cause");
                for (cause, runs) in causes {
                    assert_ne!(cause, "unknown", "{name} {scenario_name} {property}: seeds {:?}", runs.seeds);
                    fresh.push(format!("    ({name:?}, {scenario_name:?}, {property:?}, {cause:?}, {}),", runs.runs));
                }
            }
        }
    }
    assert_eq!(tests, 20, "the study's 20 tests");
    let pinned: Vec<String> =
        PINNED.iter().map(|(a, s, p, c, runs)| format!("    ({a:?}, {s:?}, {p:?}, {c:?}, {runs}),")).collect();
    assert!(pinned == fresh, "the causes changed; if on purpose, re-bless PINNED with:\n{}", fresh.join("\n"));
}
