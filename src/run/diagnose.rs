//! Where the records a run did not deliver ended up, and why they cannot move.
//!
//! Each [`Finding`] carries a typed [`Reason`]; its [`Why`] (the reason
//! without its details) is what tests and tables count.

use std::collections::BTreeSet;
use std::fmt;

use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use super::{RunWorld, Simulator};
use crate::config::Variant;
use crate::engine::ActorId;
use crate::model::topology::{self, ACTORS, REGIONS, Role};
use crate::model::{ContainerState, Kafka, Node};
use crate::trace::meaning::PUBLICATION;
use crate::trace::{Event, Kind};

/// Some records, where they are, and why they stay there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub place: String,
    pub records: Vec<u32>,
    pub reason: Reason,
}

impl Finding {
    /// Its records as ranges: "1-3, 7" for 1, 2, 3 and 7.
    pub fn ranges(&self) -> String {
        let mut sorted = self.records.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out: Vec<String> = Vec::new();
        let mut i = 0;
        while i < sorted.len() {
            let mut j = i;
            while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
                j += 1;
            }
            out.push(if i == j { sorted[i].to_string() } else { format!("{}-{}", sorted[i], sorted[j]) });
            i = j + 1;
        }
        out.join(", ")
    }
}

/// What a machine was doing when the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// A container, in one of its three states.
    Container(ContainerState),
    /// A stream, database or replica that was failed and not recovered.
    Failed,
    Running,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::Container(state) => f.write_str(state.name()),
            Condition::Failed => f.write_str("failed"),
            Condition::Running => f.write_str("running"),
        }
    }
}

/// Front-end containers (receivers and validators) not processing at the
/// end of a run: what keeps a batch that stopped from being published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontEnds(pub Vec<(ActorId, ContainerState)>);

impl fmt::Display for FrontEnds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (actor, state) in &self.0 {
            write!(f, "; {} is {}", topology::name(*actor), state.name())?;
        }
        Ok(())
    }
}

/// Why records stay where a finding places them. With every variant off,
/// each is a property of the modelled design, except [`Reason::Vanished`]
/// and [`Reason::LostByStream`] without the lossy-kafka variant, which would
/// be simulator bugs (see [`Reason::is_design_property`]).
#[derive(Clone, Debug, PartialEq, Eq, EnumDiscriminants)]
#[strum_discriminants(name(Why), derive(IntoStaticStr, VariantArray, PartialOrd, Ord, Hash))]
#[strum_discriminants(strum(serialize_all = "kebab-case"))]
pub enum Reason {
    /// The stream holding them was failed and never recovered.
    StreamFailed,
    /// Fewer records than a batch at a stream's tail, and no linger.
    PartialBatch { held: usize, batch: usize },
    /// No read of the destination is registered at this outbound stream: it
    /// went to the other stream while the region was offline, and the
    /// destination renews a read only for the stream that answered it.
    DestinationReadsElsewhere,
    /// No consumer is registered at this inbound stream.
    NoConsumer { consumer: ActorId, condition: Condition },
    /// A consumer is registered: the records were still moving when the run
    /// ended.
    StillMoving { consumer: ActorId },
    /// They reached the destination, but out-DNS sent their remove by region
    /// to `went_to` (the other region's stream, while theirs was offline),
    /// which did not hold them and answered success.
    RemoveMissed { went_to: ActorId },
    /// They reached the destination, but the stream was failed when their
    /// remove reached it, and out-DNS answered the destination success.
    RemoveRefused,
    /// Waiting in the inbox of a machine that cannot take them.
    InInbox { actor: ActorId, condition: Condition },
    /// Never published: the batch stopped at `failed_record`.
    BatchStopped { batch: u32, failed_record: u32, front_ends: FrontEnds },
    /// Never published: the scenario did not publish the batch.
    NotPublished { batch: u32, front_ends: FrontEnds },
    /// The publication was refused, by the receiver in-DNS sent it to, and
    /// the record not published again.
    PublicationRefused { furthest: Option<(Kind, u8)>, refused_by: Option<(ActorId, Condition)> },
    /// It reached the destination but a stream lost it before `missing`.
    LostByStream { missing: Kind, lossy: bool },
    /// No stream, inbox or machine holds it any more.
    Vanished { furthest: Option<(Kind, u8)>, lossy: bool },
}

impl Reason {
    pub fn why(&self) -> Why {
        self.into()
    }

    /// Whether the reason is a real property of the design: anything but a
    /// record that disappeared with no variant to explain it.
    pub fn is_design_property(&self) -> bool {
        match self {
            Reason::LostByStream { lossy, .. } | Reason::Vanished { lossy, .. } => *lossy,
            _ => true,
        }
    }
}

impl Why {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const LOSSY_HINT: &str = " (lossy-kafka drops a stream's records when it fails)";

/// The furthest stage a record reached, as a person reads it.
fn stage_name(furthest: &Option<(Kind, u8)>) -> String {
    match *furthest {
        None => "no stage".into(),
        Some((kind, _)) if kind.stage() == Some(PUBLICATION) => "its publication (not yet routed to a region)".into(),
        Some((kind, 0)) => kind.to_string(),
        Some((kind, region)) => format!("{kind} in region {region}"),
    }
}

fn refused(by: &Option<(ActorId, Condition)>) -> String {
    by.map_or(String::new(), |(actor, condition)| format!(" by {} ({condition})", topology::name(actor)))
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |actor: &ActorId| topology::name(*actor);
        let hint = |lossy: &bool| if *lossy { LOSSY_HINT } else { "" };
        match self {
            Reason::StreamFailed => f.write_str("the stream is failed and was never recovered"),
            Reason::PartialBatch { held, batch } => {
                write!(f, "{held} records, fewer than the batch of {batch}; nothing will deliver them")
            }
            Reason::DestinationReadsElsewhere => f.write_str(
                "no read is registered: the destination's read of this region went to the other stream while the \
                 region was offline, and the destination renews reads only for the stream that answers",
            ),
            Reason::NoConsumer { consumer, condition } => {
                write!(f, "no consumer is registered; {} is {condition}", name(consumer))
            }
            Reason::StillMoving { consumer } => {
                write!(f, "{} is registered: still moving when the run ended", name(consumer))
            }
            Reason::RemoveMissed { went_to } => write!(
                f,
                "reached the destination, but out-DNS sent their remove by region to {} while their region was \
                 offline; it did not hold them and answered success",
                name(went_to)
            ),
            Reason::RemoveRefused => f.write_str(
                "reached the destination, but the stream was failed when their remove reached it, and out-DNS \
                 answered the destination success",
            ),
            Reason::InInbox { actor, condition } => {
                write!(f, "waiting in its inbox; {} is {condition}", name(actor))
            }
            Reason::BatchStopped { batch, failed_record, front_ends } => {
                write!(f, "never published: batch {batch} stopped when record {failed_record} failed{front_ends}")
            }
            Reason::NotPublished { batch, front_ends } => {
                write!(f, "never published: the scenario did not publish batch {batch}{front_ends}")
            }
            Reason::PublicationRefused { furthest, refused_by } => write!(
                f,
                "its publication was answered with failure{} and it was not published again; it got as far as {}",
                refused(refused_by),
                stage_name(furthest)
            ),
            Reason::LostByStream { missing, lossy } => {
                write!(f, "reached the destination but was never {missing}: a stream lost it{}", hint(lossy))
            }
            Reason::Vanished { furthest, lossy } => write!(
                f,
                "got as far as {}; no stream, inbox or machine holds it any more{}",
                stage_name(furthest),
                hint(lossy)
            ),
        }
    }
}

/// The components that were not working when the last run ended:
/// containers not processing; streams, databases and replicas failed.
/// What holds records back, whichever records are looked at.
pub fn not_working(sim: &Simulator) -> Vec<(ActorId, Condition)> {
    let Some(world) = sim.world() else { return Vec::new() };
    let working = |c: &Condition| matches!(c, Condition::Running | Condition::Container(ContainerState::Processing));
    (0..ACTORS as ActorId).map(|a| (a, condition(world, a))).filter(|(_, c)| !working(c)).collect()
}

/// Explains every record of the last run that is not at the destination or
/// not yet removed from a stream. Empty when everything was delivered.
pub fn stranded(sim: &Simulator) -> Vec<Finding> {
    let Some(world) = sim.world() else { return Vec::new() };
    let events = sim.events();
    let mut findings = Vec::new();
    for (actor, stream) in world.machines.streams() {
        findings.extend(in_stream(world, events, stream, actor));
    }
    for actor in 0..ACTORS as ActorId {
        let waiting: Vec<u32> = sim.engine().inbox(actor).flat_map(|e| e.msg.record_ids(&world.arena)).collect();
        if !waiting.is_empty() {
            let reason = Reason::InInbox { actor, condition: condition(world, actor) };
            findings.push(Finding { place: topology::name(actor), records: waiting, reason });
        }
    }
    let placed: BTreeSet<u32> = findings.iter().flat_map(|f| f.records.iter().copied()).collect();
    let published = ids(events, Kind::Published);
    findings.extend(unpublished(world, events, &published));
    findings.extend(gone(world, events, &published, &placed));
    findings
}

/// The findings for what a stream still holds: delivered records whose
/// remove went astray, then the rest.
fn in_stream(world: &RunWorld, events: &[Event], stream: &Kafka, actor: ActorId) -> Vec<Finding> {
    let place = topology::name(actor);
    let mut rest: Vec<u32> = stream.records().map(|r| r.id).collect();
    let mut findings = Vec::new();
    if matches!(topology::role(actor), Role::Outbound(_)) {
        let received = ids(events, Kind::DestinationReceived);
        let mut astray = |reason: Reason, astray: &BTreeSet<u32>| {
            let (these, others): (Vec<u32>, Vec<u32>) =
                rest.iter().partition(|id| received.contains(id) && astray.contains(id));
            rest = others;
            if !these.is_empty() {
                findings.push(Finding { place: place.clone(), records: these, reason });
            }
        };
        for region in REGIONS.into_iter().filter(|&r| topology::outbound(r) != actor) {
            let missed = events.iter().filter(|e| e.kind == Kind::RemoveMissed && e.region == region);
            let went_to = topology::outbound(region);
            astray(Reason::RemoveMissed { went_to }, &missed.map(|e| e.subject).collect());
        }
        let region = topology::home_region(actor);
        let refused = events.iter().filter(|e| e.kind == Kind::RemoveFailureHidden && e.region == region);
        astray(Reason::RemoveRefused, &refused.map(|e| e.subject).collect());
    }
    if !rest.is_empty() {
        let reason = stream_reason(world, stream, actor, rest.len());
        findings.push(Finding { place, records: rest, reason });
    }
    findings
}

fn stream_reason(world: &RunWorld, stream: &Kafka, actor: ActorId, held: usize) -> Reason {
    let batch = world.options.batch_size as usize;
    let consumer = match topology::role(actor) {
        Role::Inbound(r) => topology::processor(r),
        _ => topology::DESTINATION,
    };
    if stream.is_failed() {
        Reason::StreamFailed
    } else if held < batch && world.options.linger.is_none() {
        Reason::PartialBatch { held, batch }
    } else if stream.consumer().is_none() && consumer == topology::DESTINATION {
        Reason::DestinationReadsElsewhere
    } else if stream.consumer().is_none() {
        Reason::NoConsumer { consumer, condition: condition(world, consumer) }
    } else {
        Reason::StillMoving { consumer }
    }
}

/// Records never published, one finding per batch.
fn unpublished(world: &RunWorld, events: &[Event], published: &BTreeSet<u32>) -> Vec<Finding> {
    let source = world.machines.source();
    let mut findings = Vec::new();
    for batch in 1..=source.batches() as u32 {
        let records = source.batch(batch as usize);
        let ids: Vec<u32> = records.iter().map(|r| r.id).filter(|id| !published.contains(id)).collect();
        let Some(first) = records.first().filter(|_| !ids.is_empty()) else { continue };
        let stopped = events.iter().rev().find(|e| e.kind == Kind::BatchStopped && e.subject == batch);
        let front_ends = failed_front_ends(world);
        let reason = match stopped {
            Some(e) => Reason::BatchStopped { batch, failed_record: first.id + e.value, front_ends },
            None => Reason::NotPublished { batch, front_ends },
        };
        findings.push(Finding { place: "source".into(), records: ids, reason });
    }
    findings
}

/// Published records that nothing holds and that are not done: at the
/// destination and out of both streams.
fn gone(world: &RunWorld, events: &[Event], published: &BTreeSet<u32>, placed: &BTreeSet<u32>) -> Vec<Finding> {
    let lossy = world.options.variants.has(Variant::LossyKafka);
    let failed = ids(events, Kind::PublishFailed);
    let done = [Kind::DestinationReceived, Kind::InboundRemoved, Kind::OutboundRemoved].map(|k| (k, ids(events, k)));
    let first_missing = |id: u32| done.iter().find(|(_, ids)| !ids.contains(&id)).map(|(kind, _)| *kind);
    let records = world.machines.source().records().len() as u32;
    let lost = (1..=records).filter(|id| published.contains(id) && !placed.contains(id));
    lost.filter_map(|id| Some((id, first_missing(id)?)))
        .map(|(id, missing)| {
            let furthest = furthest_stage(events, id);
            let reason = if failed.contains(&id) {
                Reason::PublicationRefused { furthest, refused_by: refused_by(world, events, id) }
            } else if missing != Kind::DestinationReceived {
                Reason::LostByStream { missing, lossy }
            } else {
                Reason::Vanished { furthest, lossy }
            };
            Finding { place: "nowhere".into(), records: vec![id], reason }
        })
        .collect()
}

fn ids(events: &[Event], kind: Kind) -> BTreeSet<u32> {
    events.iter().filter(|e| e.kind == kind).map(|e| e.subject).collect()
}

/// The stage furthest down the pipeline a record reached, with its region
/// (the first time it got there).
fn furthest_stage(events: &[Event], id: u32) -> Option<(Kind, u8)> {
    let reached = events.iter().filter(|e| e.record() == Some(id) && e.stage().is_some());
    reached.min_by_key(|e| std::cmp::Reverse(e.stage())).map(|e| (e.kind, e.region))
}

/// The receiver that last refused a record's publication, and its state at
/// the end of the run.
fn refused_by(world: &RunWorld, events: &[Event], id: u32) -> Option<(ActorId, Condition)> {
    let refusal = events.iter().rev().find(|e| e.kind == Kind::PublishFailed && e.subject == id)?;
    let receiver = REGIONS.contains(&refusal.region).then(|| topology::receiver(refusal.region))?;
    Some((receiver, condition(world, receiver)))
}

/// Receivers and validators that are not processing.
fn failed_front_ends(world: &RunWorld) -> FrontEnds {
    let front_ends = REGIONS.iter().flat_map(|&r| [topology::receiver(r), topology::validator(r)]);
    FrontEnds(
        front_ends
            .filter_map(|a| match condition(world, a) {
                Condition::Container(state) if state != ContainerState::Processing => Some((a, state)),
                _ => None,
            })
            .collect(),
    )
}

fn condition(world: &RunWorld, actor: ActorId) -> Condition {
    if actor == topology::DRIVER {
        return Condition::Running;
    }
    let failed = match world.machines.node(actor) {
        Node::Container(c) => return Condition::Container(c.health().state()),
        Node::Processor(p) => return Condition::Container(p.health().state()),
        Node::Kafka(k) => k.is_failed(),
        Node::Cluster(c) => c.is_failed(),
        Node::Replica(r) => r.is_failed(),
        _ => false,
    };
    if failed { Condition::Failed } else { Condition::Running }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Options, Profile, Routing};
    use crate::run::RunSpec;
    use crate::scenario::{built_in, parse_drill};

    fn findings(scenario: &str, options: Options, seed: u64) -> Vec<Finding> {
        let spec = RunSpec::new(built_in(scenario).unwrap(), options, Profile::default());
        let mut sim = Simulator::new();
        sim.run(&spec, seed);
        stranded(&sim)
    }

    #[test]
    fn a_delivered_baseline_strands_nothing() {
        assert!(findings("baseline", Options::default(), 1).is_empty());
    }

    #[test]
    fn the_inbound_1_drill_strands_the_batches_the_source_stopped_and_says_why() {
        let text = include_str!("../../tests/drills/f3-inbound-1.toml");
        let spec = RunSpec::with_drill(parse_drill(text).unwrap(), text.into(), Options::default(), Profile::default());
        let mut sim = Simulator::new();
        sim.run(&spec, 3);
        let found = stranded(&sim);
        let batch2 = found.iter().find(|f| f.records.contains(&52)).expect("record 52 is explained");
        assert_eq!(batch2.place, "source");
        let stuck = FrontEnds(vec![
            (topology::receiver(1), ContainerState::FailedDependency),
            (topology::validator(1), ContainerState::FailedDependency),
        ]);
        assert_eq!(batch2.reason, Reason::BatchStopped { batch: 2, failed_record: 51, front_ends: stuck });
        let failed = found.iter().find(|f| f.records == vec![51]).expect("record 51 is explained");
        assert_eq!(failed.reason.why(), Why::PublicationRefused);
        assert!(found.iter().all(|f| f.reason.is_design_property()));
    }

    #[test]
    fn a_record_a_lossy_stream_dropped_after_delivery_is_named() {
        let options = Options {
            routing: Routing::Weighted { region1_percent: 60 },
            batch_size: 1,
            variants: [Variant::LossyKafka].into_iter().collect(),
            ..Options::default()
        };
        // f3 fails outbound-1 before the destination removes its last record when region 1 finishes last.
        let lost = (0..20)
            .flat_map(|seed| findings("f3", options.clone(), seed))
            .find(|f| f.place == "nowhere")
            .expect("some of 20 seeds fail outbound-1 while it holds a delivered record");
        assert_eq!(lost.reason, Reason::LostByStream { missing: Kind::OutboundRemoved, lossy: true });
        assert!(lost.reason.to_string().ends_with(LOSSY_HINT), "{}", lost.reason);
    }

    #[test]
    fn a_partial_kafka_batch_is_named_as_the_reason() {
        let options = Options { routing: Routing::Weighted { region1_percent: 50 }, ..Options::default() };
        let partial = (0..50)
            .flat_map(|seed| findings("baseline", options.clone(), seed))
            .find(|f| f.place.starts_with("inbound-"))
            .expect("random routing leaves a partial inbound batch in some of 50 seeds");
        assert!(partial.records.len() < 5);
        assert_eq!(partial.reason, Reason::PartialBatch { held: partial.records.len(), batch: 5 });
    }

    #[test]
    fn a_remove_that_out_dns_sent_to_the_other_region_leaves_the_records_behind() {
        // Region 1 finishes batch 1 last, so the failover's offline command
        // reaches out-DNS before the destination's remove of that batch.
        let options =
            Options { routing: Routing::Weighted { region1_percent: 50 }, batch_size: 1, ..Options::default() };
        let left = (0..20)
            .flat_map(|seed| findings("failover", options.clone(), seed))
            .find(|f| f.place == "outbound-1")
            .expect("some of 20 seeds finish batch 1 in region 1");
        assert_eq!(left.reason, Reason::RemoveMissed { went_to: topology::outbound(2) });
    }

    #[test]
    fn every_why_has_a_name() {
        assert_eq!(Why::RemoveMissed.name(), "remove-missed");
        assert_eq!(Why::VARIANTS.len(), 13);
    }
}
