//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::AtomicBool;

use wl1::config::Options;
use wl1::config::Profile;
use wl1::run::{Plan, RunSpec, Simulator, Summary, simulate, stranded};
use wl1::scenario::built_in;

pub fn plan(scenario: &str, options: Options, first_seed: u64, runs: u64, jobs: usize, out: &Path) -> Plan {
    Plan {
        spec: RunSpec::new(built_in(scenario).expect("built-in scenario"), options, Profile::default()),
        first_seed,
        runs,
        out_dir: out.to_owned(),
        jobs,
        runs_per_file: 100,
        shard: None,
        steer: false,
    }
}

pub fn run(plan: &Plan) -> Summary {
    simulate(plan, &AtomicBool::new(false), &|_| {}).expect("simulation succeeds")
}

/// Fails unless every record the last run of `sim` left stranded is there
/// for a reason of the modelled design, not a simulator bug.
pub fn assert_stranded_by_design(sim: &Simulator, what: &str) {
    for f in stranded(sim) {
        assert!(
            f.reason.is_design_property(),
            "{what}: records {:?} at {} for no design reason: {}",
            f.records,
            f.place,
            f.reason
        );
    }
}
