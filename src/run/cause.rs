//! Why a violation happened, told from the run's events: for a record a
//! database replica stored twice, what made it be stored again; for a
//! record never delivered, the diagnosis's [`Why`]. Each [`Cause`] is
//! derived from what the trace shows, never assumed from the scenario.

use std::fmt;

use super::diagnose::Why;
use crate::architecture::{Action, Architecture};
use crate::engine::ActorId;
use crate::model::ContainerState;
use crate::trace::{Event, Kind};

/// What made a violation happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    /// The source published the record again (its batch republished).
    PublishedAgain,
    /// The container that read the record was failed after storing it and
    /// before removing it from its input; it read the record again once
    /// recovered.
    ReaderFailed,
    /// The container stored the record, but its append to the next queue
    /// or stream was refused (that one was failed): the container went
    /// failed-dependency without removing it, and read it again once
    /// recovered.
    AppendRefused,
    /// The container stored the record and appended it, but its remove was
    /// refused (its input queue or stream was failed): the container went
    /// failed-dependency, and read the record again once recovered.
    RemoveRefused,
    /// The record came down the container's input twice: a duplicate made
    /// at an earlier stage, carried on.
    CarriedDuplicate,
    /// A queue removed the record before the stage that must come first:
    /// a remove naming another record popped it from the queue's head (a
    /// queue pops its head whatever the remove names), and its own remove
    /// found nothing there later (`remove-missed`).
    PoppedByAnotherRemove,
    /// A regional database answered a container an insert it had not asked
    /// for: a copy its replicator brought across a switch of the active
    /// region (the `answer-unmatched` property's diagnosis).
    ReplicatedAcrossSwitch,
    /// The record never got through; the diagnosis says why.
    Stranded(Why),
    /// Nothing in the events explains it.
    Unknown,
}

impl Cause {
    /// Its name in reports: kebab-case, a stranded record's by its [`Why`].
    pub fn name(self) -> &'static str {
        match self {
            Cause::PublishedAgain => "published-again",
            Cause::ReaderFailed => "reader-failed-before-remove",
            Cause::AppendRefused => "append-refused",
            Cause::RemoveRefused => "remove-refused",
            Cause::CarriedDuplicate => "carried-duplicate",
            Cause::PoppedByAnotherRemove => "popped-by-another-remove",
            Cause::ReplicatedAcrossSwitch => "replicated-across-switch",
            Cause::Stranded(why) => why.name(),
            Cause::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why `record` was stored a second time at replica place `place` (a
/// place index of `a`: its stages, then its replica stores) in `region`.
pub fn stored_again(a: &Architecture, events: &[Event], record: u32, place: usize, region: u8) -> Cause {
    let Some(database) = place.checked_sub(a.stages.len()).and_then(|s| a.stores().get(s).copied()) else {
        return Cause::Unknown;
    };
    let mine = |e: &&Event| e.subject == record && e.record() == Some(record);
    let store = Kind::place(place);
    let mut stores: Vec<u64> =
        events.iter().filter(mine).filter(|e| e.kind == store && e.region == region).map(|e| e.time_us).collect();
    stores.sort_unstable();
    let Some(&again) = stores.get(1) else { return Cause::Unknown };
    let published = events.iter().filter(mine).filter(|e| e.kind == Kind::PUBLISHED && e.time_us <= again).count();
    if published > 1 {
        return Cause::PublishedAgain;
    }
    let mut reads: Vec<(u64, ActorId)> = events
        .iter()
        .filter(mine)
        .filter(|e| e.time_us <= again)
        .filter_map(|e| Some((e.time_us, reader(a, database, e)?)))
        .collect();
    reads.sort_unstable();
    match reads.as_slice() {
        [.., (first, reader), (second, _)] => between_reads(a, events, record, *reader, *first..=*second),
        _ => Cause::Unknown,
    }
}

/// Why `record` reached a stage of an order in `region` before the stage
/// that must come first.
pub fn out_of_order(events: &[Event], record: u32, region: u8) -> Cause {
    let missed = |e: &Event| e.kind == Kind::REMOVE_MISSED && e.subject == record && e.region == region;
    if events.iter().any(missed) { Cause::PoppedByAnotherRemove } else { Cause::Unknown }
}

/// The container whose read `e` is, if it is a read (or an invocation) by
/// a container that stores in `database`.
fn reader(a: &Architecture, database: usize, e: &Event) -> Option<ActorId> {
    let stage = &a.stages[e.kind.place_index().filter(|&p| p < a.stages.len())?];
    if !matches!(stage.action, Action::Read | Action::Invoked) {
        return None;
    }
    let at = stage.at.iter().copied().find(|&i| a.instances[i].region == e.region)?;
    a.instances[at].wire("db").contains(&database).then_some(at as ActorId + 1)
}

/// What happened between a container's read of `record` and the read
/// after it, that made the container read it again.
fn between_reads(
    a: &Architecture,
    events: &[Event],
    record: u32,
    reader: ActorId,
    window: std::ops::RangeInclusive<u64>,
) -> Cause {
    let within: Vec<&Event> = events.iter().filter(|e| window.contains(&e.time_us)).collect();
    let at = |kind: Kind, subject: u32| within.iter().any(|e| e.kind == kind && e.subject == subject);
    let container = &a.instances[reader as usize - 1];
    let appended = |&input: &usize| a.stage_of(input, Action::Appended).map(Kind::place);
    let appends = container.wire("input").iter().filter_map(appended);
    let copies = |kind: Kind| {
        events.iter().filter(|e| e.kind == kind && e.subject == record && e.time_us <= *window.end()).count()
    };
    if appends.map(copies).any(|n| n > 1) {
        return Cause::CarriedDuplicate;
    }
    if at(Kind::FAIL, reader.into()) {
        return Cause::ReaderFailed;
    }
    let dependency = ContainerState::FailedDependency as u32;
    let stopped =
        |e: &&&Event| e.kind == Kind::STATE_CHANGED && e.subject == u32::from(reader) && e.value == dependency;
    let Some(stopped) = within.iter().find(stopped) else { return Cause::Unknown };
    let during = *window.start()..=stopped.time_us;
    let failed = |wire: &str| container.wire(wire).iter().any(|&i| failed_during(events, i as ActorId + 1, &during));
    [("output", Cause::AppendRefused), ("input", Cause::RemoveRefused)]
        .into_iter()
        .find(|(wire, _)| failed(wire))
        .map_or(Cause::Unknown, |(_, cause)| cause)
}

/// Whether `actor` was failed at some time of `during`: failed (and not
/// recovered) when it began, or failed within it. The events are the
/// commands' issue, which the component takes a little later.
fn failed_during(events: &[Event], actor: ActorId, during: &std::ops::RangeInclusive<u64>) -> bool {
    let commands =
        events.iter().filter(|e| e.subject == u32::from(actor) && (e.kind == Kind::FAIL || e.kind == Kind::RECOVER));
    let last_before = commands.clone().rfind(|e| e.time_us <= *during.start());
    last_before.is_some_and(|e| e.kind == Kind::FAIL)
        || commands.filter(|e| e.kind == Kind::FAIL).any(|e| during.contains(&e.time_us))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::{Options, Profile};
    use crate::run::{RunSpec, Simulator, built_in_architecture};

    /// The cause of every record stored twice at one replica in the run of
    /// `scenario` of `architecture` with `seed`, by record and place name.
    fn causes(architecture: &str, scenario: &str, seed: u64) -> BTreeMap<(u32, String), Cause> {
        let a = built_in_architecture(architecture).unwrap();
        let scenario = crate::scenario::built_in_of(scenario, &a).unwrap().unwrap();
        let spec =
            RunSpec::new(scenario, Options::default(), Profile::default()).in_architecture(a.clone(), String::new());
        let mut sim = Simulator::new();
        sim.run(&spec, seed);
        let mut stores: BTreeMap<(u32, usize, u8), usize> = BTreeMap::new();
        let replicas = |e: &&Event| e.kind.place_index().is_some_and(|p| p >= a.stages.len());
        for e in sim.events().iter().filter(replicas) {
            *stores.entry((e.subject, e.kind.place_index().unwrap(), e.region)).or_default() += 1;
        }
        let names = a.place_names();
        let twice = stores.into_iter().filter(|(_, n)| *n > 1);
        twice
            .map(|((record, place, region), _)| {
                ((record, format!("{}@{region}", names[place])), stored_again(&a, sim.events(), record, place, region))
            })
            .collect()
    }

    #[test]
    fn a_record_read_again_after_its_append_was_refused() {
        // f3 fails inbound-preprocess-queue-1 while record 11 is on its way.
        let found = causes("active-passive", "f3", 0);
        assert_eq!(found.get(&(11, "inbound-database-replica-stored@1".into())), Some(&Cause::AppendRefused));
        assert!(found.values().all(|&c| c == Cause::AppendRefused), "{found:?}");
    }

    #[test]
    fn chaos_shows_refused_removes_carried_duplicates_failed_readers_and_republished_batches() {
        let ap94 = causes("active-passive", "chaos", 94);
        assert_eq!(ap94.get(&(25, "preprocess-database-replica-stored@1".into())), Some(&Cause::RemoveRefused));
        assert_eq!(ap94.get(&(25, "postprocess-database-replica-stored@1".into())), Some(&Cause::CarriedDuplicate));
        assert!(causes("active-passive", "chaos", 676).values().any(|&c| c == Cause::ReaderFailed));
        assert!(causes("active-active", "chaos", 193).values().any(|&c| c == Cause::PublishedAgain));
    }

    #[test]
    fn a_record_popped_by_a_remove_of_another_is_told() {
        // Chaos seed 81: a remove of 18 pops 19, whose own remove misses.
        let a = built_in_architecture("active-passive").unwrap();
        let chaos = crate::scenario::built_in_of("chaos", &a).unwrap().unwrap();
        let spec = RunSpec::new(chaos, Options::default(), Profile::default()).in_architecture(a, String::new());
        let mut sim = Simulator::new();
        sim.run(&spec, 81);
        assert_eq!(out_of_order(sim.events(), 19, 1), Cause::PoppedByAnotherRemove);
        assert_eq!(out_of_order(sim.events(), 19, 2), Cause::Unknown);
    }

    #[test]
    fn a_record_stored_once_has_no_cause_to_tell() {
        let a = built_in_architecture("active-passive").unwrap();
        assert_eq!(stored_again(&a, &[], 1, a.stages.len(), 1), Cause::Unknown);
        assert_eq!(Cause::Stranded(Why::PartialBatch).name(), "partial-batch");
    }
}
