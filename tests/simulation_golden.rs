//! The simulation golden: a digest of what a few seeds of each scenario
//! simulate to, byte for byte. It fails when the simulator's output changes,
//! on purpose or not; a deliberate model change re-blesses it with
//! `WL1_BLESS=1 cargo test --release --test simulation_golden`, and the
//! commit shows the new digests beside the change that explains them.

use std::fmt::Write;
use std::path::Path;

use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::{BUILT_IN, built_in};
use wl1::trace::format::encode_payload;

const GOLDEN: &str = "tests/fixtures/simulation.golden";

fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// One line per scenario and seed: the digest of the run's encoded payload.
fn digests() -> String {
    let mut sim = Simulator::new();
    let mut out = String::new();
    for scenario in BUILT_IN {
        let spec = RunSpec::new(built_in(scenario).unwrap(), Options::default(), Profile::default());
        for seed in 0..3 {
            let header = sim.run(&spec, seed);
            let mut payload = Vec::new();
            encode_payload(&header, sim.events(), &mut payload);
            writeln!(out, "{scenario} {seed} {:016x} {} events", fnv(&payload), sim.events().len()).unwrap();
        }
    }
    out
}

#[test]
fn a_few_seeds_of_every_scenario_simulate_to_the_blessed_bytes() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    let fresh = digests();
    if std::env::var_os("WL1_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let blessed = std::fs::read_to_string(&path).unwrap();
    assert!(
        fresh == blessed,
        "the simulation changed; if on purpose, re-bless with WL1_BLESS=1 and explain why in the commit.\n\
         blessed:\n{blessed}\nnow:\n{fresh}"
    );
}
