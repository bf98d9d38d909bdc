//! Helpers shared by the integration tests.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use wl1::config::Options;
use wl1::config::Profile;
use wl1::run::{Plan, RunSpec, Summary, simulate};
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
    }
}

pub fn run(plan: &Plan) -> Summary {
    simulate(plan, &AtomicBool::new(false), &|_| {}).expect("simulation succeeds")
}
