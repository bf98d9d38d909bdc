//! The study's lesson "appending duplicates vs idempotent stores" in
//! ActivePassive and ActiveActive: with `idempotent-stores` a regional
//! database or table ignores a write of an id it holds, so none stores a
//! record twice, and the run is the default's up to the first repeated
//! write (`tests/pairing.rs` holds Workload1's variants to the same).

use std::collections::BTreeSet;

use wl1::architecture::{Architecture, ComponentKind};
use wl1::config::{Options, Profile, Variant};
use wl1::engine::ActorId;
use wl1::model::Msg;
use wl1::run::{Delivery, RunSpec, Simulator, built_in_architecture};
use wl1::scenario::built_in_of;
use wl1::trace::Event;

const SEEDS: u64 = 100;

/// A logged run: its deliveries and its events.
struct Logged {
    log: Vec<Delivery>,
    events: Vec<Event>,
}

fn logged(architecture: &str, scenario: &str, idempotent: bool, explore: bool, seed: u64) -> Logged {
    let architecture = built_in_architecture(architecture).unwrap();
    let scenario = built_in_of(scenario, &architecture).unwrap().unwrap();
    let variants = idempotent.then_some(Variant::IdempotentStores).into_iter().collect();
    let options = Options { variants, ..Options::default() };
    let spec = RunSpec::new(scenario, options, Profile::default()).exploring(explore);
    let mut sim = Simulator::new();
    let mut log = Vec::new();
    sim.run_logged(&spec, seed, Simulator::environment(&spec, seed), &mut log);
    Logged { log, events: sim.events().to_vec() }
}

fn is_regional(architecture: &Architecture, actor: ActorId) -> bool {
    let kind = architecture.instances.get(actor as usize - 1).map(|i| i.kind);
    matches!(kind, Some(ComponentKind::AuroraRegional | ComponentKind::DynamoRegional))
}

/// Per write to a regional database, the delivery's index, the database
/// and the record id, and whether the database traced a store of it.
fn writes<'a>(
    architecture: &'a Architecture,
    run: &'a Logged,
) -> impl Iterator<Item = (usize, (ActorId, u32), bool)> + 'a {
    run.log.iter().enumerate().filter_map(|(i, d)| match d.envelope.msg {
        Msg::InsertFor { record, .. } if is_regional(architecture, d.envelope.to) => {
            Some((i, (d.envelope.to, record.id), !d.events.is_empty()))
        }
        _ => None,
    })
}

/// The first write of a record to a database that already holds it.
fn first_repeat(architecture: &Architecture, run: &Logged) -> Option<usize> {
    let mut held = BTreeSet::new();
    writes(architecture, run).find(|&(_, write, _)| !held.insert(write)).map(|(i, ..)| i)
}

fn same_delivery(a: &Delivery, b: &Delivery) -> bool {
    (a.time, a.envelope, &a.events) == (b.time, b.envelope, &b.events)
}

/// Over the seeds of `scenario`: in how many the default repeats a write.
fn check(name: &str, scenario: &str, explore: bool) -> u64 {
    let architecture = built_in_architecture(name).unwrap();
    let mut repeated = 0;
    for seed in 0..SEEDS {
        let what = format!("{name} {scenario}, seed {seed}, explore {explore}");
        let (off, on) = (logged(name, scenario, false, explore, seed), logged(name, scenario, true, explore, seed));
        let mut stored = BTreeSet::new();
        for (_, write, traced) in writes(&architecture, &on) {
            assert_eq!(traced, stored.insert(write), "{what}: {write:?} is stored once, its repeats ignored");
        }
        let Some(first) = first_repeat(&architecture, &off) else {
            let same = off.log.len() == on.log.len() && off.log.iter().zip(&on.log).all(|(a, b)| same_delivery(a, b));
            assert!(same && off.events == on.events, "{what}: no write repeated, yet the run changed");
            continue;
        };
        repeated += 1;
        let same = off.log[..first].iter().zip(&on.log[..first]).all(|(a, b)| same_delivery(a, b));
        let (a, b) = (&off.log[first], &on.log[first]);
        assert!(same && (a.time, a.envelope) == (b.time, b.envelope), "{what}: the runs parted before {first}");
        let events_before = off.log[first].events.start;
        assert_eq!(off.events[..events_before], on.events[..events_before], "{what}");
        let traced = |run: &Logged| !run.log[first].events.is_empty();
        assert!(traced(&off) && !traced(&on), "{what}: the repeat is stored by default, ignored with the variant");
    }
    repeated
}

#[test]
fn idempotent_stores_store_each_record_once_and_change_nothing_before_the_first_repeated_write() {
    for architecture in ["active-passive", "active-active"] {
        for scenario in ["f3", "f5", "chaos"] {
            let repeated = [false, true].map(|explore| check(architecture, scenario, explore));
            println!("{architecture} {scenario}: a write repeated in {repeated:?} of {SEEDS} (default, explored)");
            assert!(repeated.iter().sum::<u64>() > 0, "{architecture} {scenario}: no seed tells anything");
        }
    }
}
