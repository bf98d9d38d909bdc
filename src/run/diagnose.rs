//! Where the records a run did not deliver ended up, and why they cannot move.

use std::collections::BTreeSet;

use super::Simulator;
use crate::engine::ActorId;
use crate::model::topology::{self, ACTORS, REGIONS};
use crate::model::{ContainerState, Kafka, World};
use crate::trace::{Event, Kind};

/// Some records, where they are, and why they stay there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub place: String,
    pub records: Vec<u32>,
    pub reason: String,
}

/// Explains every record of the last run that is not at the destination or
/// not yet removed from a stream. Empty when everything was delivered.
pub fn stranded(sim: &Simulator) -> Vec<Finding> {
    let Some(world) = sim.world() else { return Vec::new() };
    let events = sim.events();
    let delivered = ids(events, Kind::DestinationReceived);
    let published = ids(events, Kind::Published);
    let mut findings = Vec::new();
    let streams = world.machines.inbound.iter().zip(REGIONS.map(topology::inbound));
    let streams = streams.chain(world.machines.outbound.iter().zip(REGIONS.map(topology::outbound)));
    for (stream, actor) in streams {
        let held: Vec<u32> = stream.records().map(|r| r.id).collect();
        if !held.is_empty() {
            let reason = stream_reason(world, stream, actor, held.len());
            findings.push(Finding { place: topology::name(actor), records: held, reason });
        }
    }
    for actor in 0..ACTORS as ActorId {
        let waiting: Vec<u32> = sim.engine().inbox(actor).flat_map(|e| e.msg.record_ids(&world.arena)).collect();
        if !waiting.is_empty() {
            let reason = format!("waiting in its inbox; {} is {}", topology::name(actor), state_of(world, actor));
            findings.push(Finding { place: topology::name(actor), records: waiting, reason });
        }
    }
    let placed: BTreeSet<u32> = findings.iter().flat_map(|f| f.records.iter().copied()).collect();
    let records = world.machines.source.records().len() as u32;
    let unpublished: Vec<u32> = (1..=records).filter(|id| !published.contains(id)).collect();
    if !unpublished.is_empty() {
        findings.push(Finding { place: "source".into(), records: unpublished, reason: publish_reason(world, events) });
    }
    let lost: Vec<u32> =
        (1..=records).filter(|id| published.contains(id) && !delivered.contains(id) && !placed.contains(id)).collect();
    for id in lost {
        let last = last_stage(events, id);
        let reason = format!("last reached {last}; no stream, inbox or machine holds it any more");
        findings.push(Finding { place: "nowhere".into(), records: vec![id], reason });
    }
    findings
}

fn ids(events: &[Event], kind: Kind) -> BTreeSet<u32> {
    events.iter().filter(|e| e.kind == kind).map(|e| e.subject).collect()
}

fn last_stage(events: &[Event], id: u32) -> String {
    events
        .iter()
        .rev()
        .find(|e| e.subject == id && Kind::STAGES.contains(&e.kind))
        .map_or("no stage".into(), |e| format!("{} in region {}", e.kind, e.region))
}

fn stream_reason(world: &World, stream: &Kafka, actor: ActorId, held: usize) -> String {
    let batch = world.options.batch_size as usize;
    let consumer = match topology::role(actor) {
        topology::Role::Inbound(r) => topology::processor(r),
        _ => topology::DESTINATION,
    };
    if stream.is_failed() {
        format!("{} is failed and was never recovered", topology::name(actor))
    } else if held < batch && world.options.linger.is_none() {
        format!("{held} records, fewer than the batch of {batch}; nothing will deliver them")
    } else if stream.consumer().is_none() {
        format!("no consumer is registered; {} is {}", topology::name(consumer), state_of(world, consumer))
    } else {
        format!("{held} records with {} registered: still moving when the run ended", topology::name(consumer))
    }
}

fn publish_reason(world: &World, events: &[Event]) -> String {
    let failed = events.iter().rev().find(|e| e.kind == Kind::PublishFailed);
    let states: Vec<String> = REGIONS
        .iter()
        .flat_map(|&r| [topology::receiver(r), topology::validator(r)])
        .filter(|&a| state_of(world, a) != "processing")
        .map(|a| format!("{} is {}", topology::name(a), state_of(world, a)))
        .collect();
    let states = if states.is_empty() { String::new() } else { format!("; {}", states.join(", ")) };
    match failed {
        Some(e) => format!("never published: the source stopped when record {} failed{states}", e.subject),
        None => format!("never published: the scenario did not publish them{states}"),
    }
}

fn state_of(world: &World, actor: ActorId) -> &'static str {
    let m = &world.machines;
    let state = match topology::role(actor) {
        topology::Role::Receiver(r) => m.receivers[r as usize - 1].state(),
        topology::Role::Validator(r) => m.validators[r as usize - 1].state(),
        topology::Role::Processor(r) => m.processors[r as usize - 1].state(),
        _ => return "running",
    };
    ContainerState::name(state as u32)
}
