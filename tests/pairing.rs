//! Randomness that stays paired: switching a design variant on changes
//! nothing of a seed until the variant's first effect, and never its fault
//! choices, so that "caught by the variant" compares like with like.
//!
//! For each variant, scenario and seed, explored or not, the run with the
//! variant off says where the variant would first act (the delivery its
//! rule changes); the run with it on must have handled every message before
//! that one at the same instant, in the same order, tracing the same
//! events, and must fail and recover the same components in the same order.

use std::collections::BTreeSet;

use wl1::config::{Options, Profile, Variant};
use wl1::model::topology::events as w1;
use wl1::model::topology::{Role, WORKLOAD1, role};
use wl1::model::{ContainerState, Msg};
use wl1::run::{Delivery, RunSpec, Simulator};
use wl1::scenario::built_in;
use wl1::trace::{Event, Kind};

const SEEDS: u64 = 100;

/// A logged run: its deliveries and its events.
struct Logged {
    log: Vec<Delivery>,
    events: Vec<Event>,
}

fn logged(scenario: &str, variant: Option<Variant>, explore: bool, seed: u64) -> Logged {
    let options = Options { variants: variant.into_iter().collect(), ..Options::default() };
    let spec = RunSpec::new(built_in(scenario).unwrap(), options, Profile::default()).exploring(explore);
    let mut sim = Simulator::new();
    let mut log = Vec::new();
    sim.run_logged(&spec, seed, Simulator::environment(&spec, seed), &mut log);
    Logged { log, events: sim.events().to_vec() }
}

/// The first delivery of `run` (with the variant off) whose handling the
/// variant changes, if any.
fn first_effect(variant: Variant, run: &Logged) -> Option<usize> {
    let processor = |d: &Delivery| matches!(role(d.envelope.to), Role::Processor(_));
    let caused = |d: &Delivery| &run.events[d.events.clone()];
    match variant {
        Variant::RemoveBeforeStore => {
            run.log.iter().position(|d| processor(d) && matches!(d.envelope.msg, Msg::Deliver(_)))
        }
        Variant::RemoveOnSendFailure => {
            run.log.iter().position(|d| processor(d) && d.envelope.msg == Msg::AppendAnswer(false))
        }
        Variant::UniformFailure => run.log.iter().position(|d| {
            caused(d)
                .iter()
                .any(|e| e.kind == Kind::STATE_CHANGED && e.value == ContainerState::FailedDependency as u32)
        }),
        Variant::NonIdempotent => {
            let mut stored = BTreeSet::new();
            run.log.iter().position(|d| match d.envelope.msg {
                Msg::Store(r) | Msg::StoreAsync(r) => !stored.insert((d.envelope.to, r.id)),
                _ => false,
            })
        }
        Variant::LossyKafka => {
            // Records held per stream (kind of its appends, region), from the events so far.
            let mut held = std::collections::BTreeMap::<(bool, u8), i64>::new();
            run.log.iter().position(|d| {
                let stream = match role(d.envelope.to) {
                    Role::Inbound(r) => Some((true, r)),
                    Role::Outbound(r) => Some((false, r)),
                    _ => None,
                };
                let holding = stream.is_some_and(|s| held.get(&s).copied().unwrap_or(0) > 0);
                if d.envelope.msg == Msg::Fail && holding {
                    return true;
                }
                for e in caused(d) {
                    let change = match e.kind {
                        w1::INBOUND_APPENDED => Some(((true, e.region), 1)),
                        w1::INBOUND_REMOVED => Some(((true, e.region), -1)),
                        w1::OUTBOUND_APPENDED => Some(((false, e.region), 1)),
                        w1::OUTBOUND_REMOVED => Some(((false, e.region), -1)),
                        _ => None,
                    };
                    if let Some((s, by)) = change {
                        *held.entry(s).or_default() += by;
                    }
                }
                false
            })
        }
        // The specification's, not the simulator's: it changes no run.
        Variant::GlobalOrder => None,
        Variant::IdempotentStores => unreachable!("Workload1 has no machine it changes"),
    }
}

/// The driver's commands, in order: what fault choices decided.
fn commands(events: &[Event]) -> Vec<(Kind, u32)> {
    let command =
        |k| matches!(k, Kind::FAIL | Kind::RECOVER | Kind::SWITCH_PRIMARY | Kind::REGION_OFFLINE | Kind::REGION_ONLINE);
    events.iter().filter(|e| command(e.kind)).map(|e| (e.kind, e.subject)).collect()
}

fn same_delivery(a: &Delivery, b: &Delivery) -> bool {
    (a.time, a.envelope, &a.events) == (b.time, b.envelope, &b.events)
}

/// Checks one variant over the seeds of `scenario`; returns in how many
/// seeds it acted, and in how many the run changed.
fn check(variant: Variant, scenario: &str, explore: bool) -> (u64, u64) {
    let (mut acted, mut changed) = (0, 0);
    for seed in 0..SEEDS {
        let (off, on) = (logged(scenario, None, explore, seed), logged(scenario, Some(variant), explore, seed));
        let what = format!("{variant} under {scenario}, seed {seed}, explore {explore}");
        assert_eq!(commands(&off.events), commands(&on.events), "{what}: the fault choices differ");
        let Some(effect) = first_effect(variant, &off) else {
            assert!(off.log.len() == on.log.len() && off.log.iter().zip(&on.log).all(|(a, b)| same_delivery(a, b)));
            assert_eq!(off.events, on.events, "{what}: the variant never acted, yet the trace changed");
            continue;
        };
        acted += 1;
        let same = off.log[..effect].iter().zip(&on.log[..effect]).all(|(a, b)| same_delivery(a, b));
        let (a, b) = (&off.log[effect], &on.log[effect]);
        assert!(
            same && (a.time, a.envelope) == (b.time, b.envelope),
            "{what}: the runs parted before delivery {effect}"
        );
        let events_before = off.log[effect].events.start;
        assert_eq!(off.events[..events_before], on.events[..events_before], "{what}");
        changed += u64::from(off.events != on.events);
    }
    (acted, changed)
}

#[test]
fn a_variant_changes_nothing_before_its_first_effect_and_never_the_fault_choices() {
    for explore in [false, true] {
        for variant in WORKLOAD1.variants() {
            let scenarios: &[&str] = match variant {
                Variant::RemoveOnSendFailure => &["f4", "chaos"],
                Variant::NonIdempotent => &["f3", "f4"],
                Variant::LossyKafka => &["f3", "f4", "chaos"],
                _ => &["f2", "f3", "f4", "chaos"],
            };
            for scenario in scenarios {
                let (acted, changed) = check(variant, scenario, explore);
                println!(
                    "{variant} under {scenario}, explore {explore}: acted in {acted}, changed {changed} of {SEEDS}"
                );
                // With the original's timing, region 1's streams are empty
                // when f3 and f4 fail them: lossy-kafka has nothing to drop.
                let idle = variant == Variant::GlobalOrder
                    || (variant == Variant::LossyKafka && !explore && *scenario != "chaos");
                assert!(idle || changed > 0, "{variant} changed no run of {scenario}: nothing was checked");
            }
        }
    }
}
