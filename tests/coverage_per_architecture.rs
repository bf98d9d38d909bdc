//! Coverage of the queue architectures: every built-in scenario of
//! ActivePassive and ActiveActive runs under the invariant checker, which
//! stops a run whose machine handles a message in a state its rules do not
//! allow, and its runs' coverage names the pairs of its own kinds of
//! machine, in 128 bits.

use wl1::config::{Options, Profile};
use wl1::model::{MachineKind, Pairs};
use wl1::run::{RunSpec, Simulator, built_in_architecture, run_guarded, scenarios_of};

/// Seeds per scenario, explored or not.
const SEEDS: u64 = 8;

/// Runs every built-in scenario of `name` under the invariant checker:
/// the runs that broke one, and the pairs the runs reached, by bit.
fn checked_runs(name: &str) -> (Vec<String>, u128) {
    let architecture = built_in_architecture(name).unwrap();
    let (mut sim, mut broken, mut reached) = (Simulator::new(), Vec::new(), 0u128);
    let scenarios = scenarios_of(&architecture);
    let listed: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let study = ["baseline", "failover", "f1", "f2", "f3", "f4", "f5"];
    assert!(study.iter().all(|s| listed.contains(s)), "{name}: the study's seven tests in {listed:?}");
    for scenario in scenarios {
        let scenario_name = scenario.name.clone();
        let spec = RunSpec { check_invariants: true, ..RunSpec::new(scenario, Options::default(), Profile::default()) };
        for explore in [false, true] {
            let spec = spec.clone().exploring(explore);
            for seed in 0..SEEDS {
                match run_guarded(&mut sim, seed, |sim| sim.run(&spec, seed)) {
                    Ok(header) => reached |= header.coverage,
                    Err(e) => broken.push(format!("{name} {scenario_name}, explore {explore}: {e}")),
                }
            }
        }
    }
    (broken, reached)
}

/// The pairs of `bits`, as `kind state/message`.
fn names(pairs: &Pairs, bits: u128) -> Vec<String> {
    let named = pairs.as_slice().iter().enumerate().filter(|(bit, _)| bits >> bit & 1 == 1);
    named.map(|(_, p)| format!("{} {}/{}", p.kind.name(), p.state, p.message)).collect()
}

#[test]
fn every_scenario_of_the_queue_architectures_keeps_the_coverage_invariant_and_reaches_their_kinds() {
    for (name, kinds) in [
        ("active-passive", [MachineKind::Queue, MachineKind::FailoverDns, MachineKind::Aurora]),
        ("active-active", [MachineKind::Queue, MachineKind::InDnsToQueues, MachineKind::Dynamo]),
    ] {
        let (broken, reached) = checked_runs(name);
        assert!(broken.is_empty(), "{} broken:\n{}", broken.len(), broken.join("\n"));
        let pairs = Pairs::of(&built_in_architecture(name).unwrap());
        assert!(pairs.len() <= 128, "{name}: {} pairs", pairs.len());
        assert_eq!(reached >> pairs.len(), 0, "{name}: no bit beyond its pairs");
        let reached = names(&pairs, reached);
        for kind in kinds {
            let of_kind = reached.iter().filter(|p| p.starts_with(&format!("{} ", kind.name()))).count();
            assert!(of_kind >= 3, "{name}: {of_kind} pairs of {} reached: {reached:?}", kind.name());
        }
        let failed_queue = format!("{} failed/append", MachineKind::Queue.name());
        assert!(reached.contains(&failed_queue), "{name}: f3 fails a queue that is written to: {reached:?}");
        eprintln!("{name}: {} of {} pairs reached", reached.len(), pairs.len());
    }
}
