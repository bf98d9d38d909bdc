//! Where the records a run did not deliver ended up, and why they cannot move.
//!
//! Each [`Finding`] carries a typed [`Reason`]; its [`Why`] (the reason
//! without its details) is what tests and tables count.

use std::collections::BTreeSet;
use std::fmt;

use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use super::{RunWorld, Simulator};
use crate::architecture::{Action, Architecture, ComponentKind};
use crate::config::Variant;
use crate::engine::{ActorId, MILLISECOND, Time};
use crate::model::{ContainerState, DRIVER, Held, Node};
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
        ranges_text(&sorted_ids(&self.records))
    }
}

/// Ascending numbers as (first, last) runs of consecutive ones.
pub fn consecutive(sorted: &[u64]) -> Vec<(u64, u64)> {
    debug_assert!(sorted.is_sorted(), "consecutive runs of unsorted numbers");
    let mut out: Vec<(u64, u64)> = Vec::new();
    for &n in sorted {
        match out.last_mut() {
            Some((_, last)) if *last + 1 == n => *last = n,
            _ => out.push((n, n)),
        }
    }
    out
}

/// One run of consecutive numbers in words: "1-3", or "7" alone.
pub fn range_text((first, last): (u64, u64)) -> String {
    if first == last { first.to_string() } else { format!("{first}-{last}") }
}

/// Ascending numbers as ranges: "1-3, 7" for 1, 2, 3 and 7.
fn ranges_text(sorted: &[u64]) -> String {
    consecutive(sorted).into_iter().map(range_text).collect::<Vec<_>>().join(", ")
}

/// Record ids, ascending and each once.
fn sorted_ids(ids: &[u32]) -> Vec<u64> {
    let mut sorted: Vec<u64> = ids.iter().map(|&r| u64::from(r)).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

/// Record ids in words, as ranges: "record 7", "records 1-3, 7".
fn records_text(ids: &[u32]) -> String {
    match sorted_ids(ids)[..] {
        [] => "no record".to_string(),
        [one] => format!("record {one}"),
        ref many => format!("records {}", ranges_text(many)),
    }
}

/// A whole-batch republish (the trace's `batch-republished`) in words, as
/// it starts: `batch` is published again from its first record, and
/// `again` are the records it had published before. Whether each is
/// reached again depends on what follows (the republish may stop early
/// too), so they are named as published before, not as published twice.
pub fn republished_text(batch: u32, again: &[u32]) -> String {
    format!("batch {batch} republished whole from its first record ({} published before)", records_text(again))
}

/// The kind of component that holds records between stages, as a reason
/// names it: Workload1's Kafka streams, the study's queues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    Stream,
    Queue,
}

impl Holder {
    fn of(kind: ComponentKind) -> Self {
        if kind == ComponentKind::Queue { Holder::Queue } else { Holder::Stream }
    }

    /// The kind an architecture holds its records in.
    pub fn of_architecture(a: &Architecture) -> Self {
        if a.instances.iter().any(|i| i.kind == ComponentKind::Queue) { Holder::Queue } else { Holder::Stream }
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Holder::Stream => "stream",
            Holder::Queue => "queue",
        })
    }
}

/// A simulated time as reports and the replay show it, in milliseconds.
pub fn ms_text(time: Time) -> String {
    format!("{:.3} ms", time as f64 / MILLISECOND as f64)
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

/// Front-end containers (those that answer the source's invocations, and
/// those they invoke) not processing at the end of a run, by name: what
/// keeps a batch that stopped from being published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontEnds(pub Vec<(String, ContainerState)>);

impl fmt::Display for FrontEnds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, state) in &self.0 {
            write!(f, "; {name} is {}", state.name())?;
        }
        Ok(())
    }
}

/// The furthest stage a record reached: its index, event and region (0
/// where the stage has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reached {
    pub stage: usize,
    pub event: String,
    pub region: u8,
}

impl fmt::Display for Reached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reached { stage: PUBLICATION, .. } => f.write_str("its publication (not yet routed to a region)"),
            Reached { event, region: 0, .. } => f.write_str(event),
            Reached { event, region, .. } => write!(f, "{event} in region {region}"),
        }
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
    /// In flight when the run hit its time bound: a message carrying them,
    /// sent by `from` at `sent`, due at `to` at `due` (after the bound).
    /// Checked before any other reason: wherever else they are, they were
    /// still on their way.
    InTransit { from: String, to: String, sent: Time, due: Time },
    /// The stream holding them was failed and never recovered.
    StreamFailed { holder: Holder },
    /// Fewer records than a batch at a stream's tail, and no linger.
    PartialBatch { held: usize, batch: usize },
    /// No read of the destination is registered at this outbound stream: it
    /// went to the other stream while the region was offline, and the
    /// destination renews a read only for the stream that answered it.
    DestinationReadsElsewhere { holder: Holder },
    /// No consumer is registered at this stream (one a stream container
    /// reads).
    NoConsumer { consumer: String, condition: Condition },
    /// A consumer is registered: the records were still moving when the run
    /// ended.
    StillMoving { consumer: String },
    /// They reached the destination, but the DNS sent their remove by region
    /// to `went_to` (another region's stream, while theirs was offline),
    /// which did not hold them and answered success.
    RemoveMissed { went_to: String },
    /// They reached the destination, but the stream was failed when their
    /// remove reached it, and out-DNS answered the destination success.
    RemoveRefused { holder: Holder },
    /// Waiting in the inbox of a machine that cannot take them.
    InInbox { actor: String, condition: Condition },
    /// Never published: the batch stopped at `failed_record`.
    BatchStopped { batch: u32, failed_record: u32, front_ends: FrontEnds },
    /// Never published: the scenario did not publish the batch.
    NotPublished { batch: u32, front_ends: FrontEnds },
    /// The publication was refused, by the receiver in-DNS sent it to, and
    /// the record not published again.
    PublicationRefused { furthest: Option<Reached>, refused_by: Option<(String, Condition)> },
    /// It reached the destination but a stream lost it before the stage
    /// `missing`.
    LostByStream { missing: String, lossy: bool, holder: Holder },
    /// No stream, inbox or machine holds it any more.
    Vanished { furthest: Option<Reached>, lossy: bool, holder: Holder },
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
fn stage_name(furthest: &Option<Reached>) -> String {
    furthest.as_ref().map_or("no stage".into(), Reached::to_string)
}

fn refused(by: &Option<(String, Condition)>) -> String {
    by.as_ref().map_or(String::new(), |(name, condition)| format!(" by {name} ({condition})"))
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hint = |lossy: &bool| if *lossy { LOSSY_HINT } else { "" };
        match self {
            Reason::InTransit { from, to, sent, due } => write!(
                f,
                "in transit when the run hit its time bound: sent by {from} at {}, due at {to} at {}",
                ms_text(*sent),
                ms_text(*due)
            ),
            Reason::StreamFailed { holder } => write!(f, "the {holder} is failed and was never recovered"),
            Reason::PartialBatch { held, batch } => {
                write!(f, "{held} records, fewer than the batch of {batch}; nothing will deliver them")
            }
            Reason::DestinationReadsElsewhere { holder } => write!(
                f,
                "no read is registered: the destination's read of this region went to the other {holder} while the \
                 region was offline, and the destination renews reads only for the {holder} that answers",
            ),
            Reason::NoConsumer { consumer, condition } => {
                write!(f, "no consumer is registered; {consumer} is {condition}")
            }
            Reason::StillMoving { consumer } => {
                write!(f, "{consumer} is registered: still moving when the run ended")
            }
            Reason::RemoveMissed { went_to } => write!(
                f,
                "reached the destination, but out-DNS sent their remove by region to {went_to} while their region \
                 was offline; it did not hold them and answered success",
            ),
            Reason::RemoveRefused { holder } => write!(
                f,
                "reached the destination, but the {holder} was failed when their remove reached it, and out-DNS \
                 answered the destination success",
            ),
            Reason::InInbox { actor, condition } => {
                write!(f, "waiting in its inbox; {actor} is {condition}")
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
            Reason::LostByStream { missing, lossy, holder } => {
                write!(f, "reached the destination but was never {missing}: a {holder} lost it{}", hint(lossy))
            }
            Reason::Vanished { furthest, lossy, holder } => write!(
                f,
                "got as far as {}; no {holder}, message, inbox or machine holds it any more{}",
                stage_name(furthest),
                hint(lossy)
            ),
        }
    }
}

/// The components that were not working when the last run ended, by name:
/// containers not processing; streams, databases and replicas failed.
/// What holds records back, whichever records are looked at.
pub fn not_working(sim: &Simulator) -> Vec<(String, Condition)> {
    let Some(world) = sim.world() else { return Vec::new() };
    let working = |c: &Condition| matches!(c, Condition::Running | Condition::Container(ContainerState::Processing));
    let conditions = actors(world).map(|a| (name(world, a), condition(world, a)));
    conditions.filter(|(_, c)| !working(c)).collect()
}

/// What the last run's architecture holds records in between stages (a
/// stream if nothing was run).
pub fn holder_of_run(sim: &Simulator) -> Holder {
    sim.world().map_or(Holder::Stream, |world| Holder::of_architecture(&world.architecture))
}

/// Explains every record of the last run that is not at the destination or
/// not yet removed from a stream. Empty when everything was delivered.
pub fn stranded(sim: &Simulator) -> Vec<Finding> {
    let Some(world) = sim.world() else { return Vec::new() };
    let events = sim.events();
    let mut findings = in_transit(sim, world);
    let moving: BTreeSet<u32> = findings.iter().flat_map(|f| f.records.iter().copied()).collect();
    let mut held = Vec::new();
    for (actor, stream) in world.machines.streams() {
        held.extend(in_stream(world, events, stream, actor));
    }
    for actor in actors(world) {
        let waiting: Vec<u32> = sim.engine().inbox(actor).flat_map(|e| e.msg.record_ids(&world.arena)).collect();
        if !waiting.is_empty() {
            let reason = Reason::InInbox { actor: name(world, actor), condition: condition(world, actor) };
            held.push(Finding { place: name(world, actor), records: waiting, reason });
        }
    }
    let placed: BTreeSet<u32> = held.iter().chain(&findings).flat_map(|f| f.records.iter().copied()).collect();
    let published = ids(events, Kind::PUBLISHED);
    held.extend(unpublished(world, events, &published));
    held.extend(gone(world, events, &published, &placed));
    findings.extend(held.into_iter().filter_map(|f| without(f, &moving)));
    findings
}

/// The records in messages still in flight, one finding per message, in
/// the order they are due.
fn in_transit(sim: &Simulator, world: &RunWorld) -> Vec<Finding> {
    let transit = sim.engine().in_transit();
    let carrying = transit.iter().map(|m| (m, m.item.msg.record_ids(&world.arena))).filter(|(_, r)| !r.is_empty());
    carrying
        .map(|(m, records)| {
            let (from, to) = (name(world, m.item.from), name(world, m.item.to));
            let place = format!("{from} -> {to}");
            Finding { place, records, reason: Reason::InTransit { from, to, sent: m.sent, due: m.due } }
        })
        .collect()
}

/// `finding` without the records of `moving`, if any are left.
fn without(mut finding: Finding, moving: &BTreeSet<u32>) -> Option<Finding> {
    finding.records.retain(|id| !moving.contains(id));
    (!finding.records.is_empty()).then_some(finding)
}

/// Every actor of the run, the driver first.
fn actors(world: &RunWorld) -> impl Iterator<Item = ActorId> {
    0..=world.architecture.instances.len() as ActorId
}

fn name(world: &RunWorld, actor: ActorId) -> String {
    world.architecture.actor_name(actor).to_string()
}

/// The findings for what a stream still holds: delivered records whose
/// remove went astray, then the rest.
fn in_stream(world: &RunWorld, events: &[Event], mut stream: Held, actor: ActorId) -> Vec<Finding> {
    let a = &*world.architecture;
    let place = name(world, actor);
    let mut rest = std::mem::take(&mut stream.records);
    let mut findings = Vec::new();
    if is_destination(a, consumer_of(a, actor)) {
        let received = ids(events, Kind::place(a.arrival()));
        let mut astray = |reason: Reason, astray: &BTreeSet<u32>| {
            let (these, others): (Vec<u32>, Vec<u32>) =
                rest.iter().partition(|id| received.contains(id) && astray.contains(id));
            rest = others;
            if !these.is_empty() {
                findings.push(Finding { place: place.clone(), records: these, reason });
            }
        };
        for other in siblings(a, actor) {
            let region = a.actor_region(other);
            let missed = events.iter().filter(|e| e.kind == Kind::REMOVE_MISSED && e.region == region);
            astray(Reason::RemoveMissed { went_to: name(world, other) }, &missed.map(|e| e.subject).collect());
        }
        let region = a.actor_region(actor);
        let refused = events.iter().filter(|e| e.kind == Kind::REMOVE_FAILURE_HIDDEN && e.region == region);
        astray(Reason::RemoveRefused { holder: holder(a, actor) }, &refused.map(|e| e.subject).collect());
    }
    if !rest.is_empty() {
        let reason = stream_reason(world, &stream, actor, rest.len());
        findings.push(Finding { place, records: rest, reason });
    }
    findings
}

/// Whose wire `key` names instance `to`.
fn wired_to(a: &Architecture, key: &str, to: usize) -> impl Iterator<Item = usize> {
    (0..a.instances.len()).filter(move |&i| a.instances[i].wire(key).contains(&to))
}

/// Who reads `stream`: the stream container wired to it as its input, or
/// the destination behind the DNS that routes to it.
fn consumer_of(a: &Architecture, stream: ActorId) -> ActorId {
    let s = stream as usize - 1;
    let reader = wired_to(a, "input", s).next().or_else(|| {
        let dns = wired_to(a, "routes", s).next()?;
        wired_to(a, "dns", dns).find(|&i| a.instances[i].kind == ComponentKind::Destination)
    });
    reader.expect("checked: every stream has a reader") as ActorId + 1
}

fn holder(a: &Architecture, stream: ActorId) -> Holder {
    Holder::of(a.instances[stream as usize - 1].kind)
}

fn is_destination(a: &Architecture, actor: ActorId) -> bool {
    a.instances[actor as usize - 1].kind == ComponentKind::Destination
}

/// The other streams the DNS that routes to `stream` routes to.
fn siblings(a: &Architecture, stream: ActorId) -> Vec<ActorId> {
    let s = stream as usize - 1;
    let all = wired_to(a, "routes", s).next().map_or(&[][..], |dns| a.instances[dns].wire("routes"));
    all.iter().filter(|&&i| i != s).map(|&i| i as ActorId + 1).collect()
}

fn stream_reason(world: &RunWorld, stream: &Held, actor: ActorId, held: usize) -> Reason {
    let batch = world.options.batch_size as usize;
    let consumer = consumer_of(&world.architecture, actor);
    let holder = holder(&world.architecture, actor);
    if stream.failed {
        Reason::StreamFailed { holder }
    } else if stream.batched && held < batch && world.options.linger.is_none() {
        Reason::PartialBatch { held, batch }
    } else if !stream.read && is_destination(&world.architecture, consumer) {
        Reason::DestinationReadsElsewhere { holder }
    } else if !stream.read {
        Reason::NoConsumer { consumer: name(world, consumer), condition: condition(world, consumer) }
    } else {
        Reason::StillMoving { consumer: name(world, consumer) }
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
        let stopped = events.iter().rev().find(|e| e.kind == Kind::BATCH_STOPPED && e.subject == batch);
        let front_ends = failed_front_ends(world);
        let reason = match stopped {
            Some(e) => Reason::BatchStopped { batch, failed_record: first.id + e.value, front_ends },
            None => Reason::NotPublished { batch, front_ends },
        };
        findings.push(Finding { place: name(world, world.architecture.source()), records: ids, reason });
    }
    findings
}

/// Published records that nothing holds and that are not done: at the
/// destination and out of every stream.
fn gone(world: &RunWorld, events: &[Event], published: &BTreeSet<u32>, placed: &BTreeSet<u32>) -> Vec<Finding> {
    let a = &*world.architecture;
    let lossy = world.options.variants.has(Variant::LossyKafka);
    let holder = Holder::of_architecture(a);
    let failed = ids(events, Kind::PUBLISH_FAILED);
    let removes = (0..a.stages.len()).filter(|&s| a.stages[s].action == Action::Removed);
    let done: Vec<(usize, BTreeSet<u32>)> =
        std::iter::once(a.arrival()).chain(removes).map(|s| (s, ids(events, Kind::place(s)))).collect();
    let first_missing = |id: u32| done.iter().find(|(_, ids)| !ids.contains(&id)).map(|(stage, _)| *stage);
    let records = world.machines.source().records().len() as u32;
    let lost = (1..=records).filter(|id| published.contains(id) && !placed.contains(id));
    lost.filter_map(|id| Some((id, first_missing(id)?)))
        .map(|(id, missing)| {
            let furthest = furthest_stage(world, events, id);
            let reason = if failed.contains(&id) {
                Reason::PublicationRefused { furthest, refused_by: refused_by(world, events, id) }
            } else if missing != a.arrival() {
                Reason::LostByStream { missing: a.stages[missing].event.clone(), lossy, holder }
            } else {
                Reason::Vanished { furthest, lossy, holder }
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
fn furthest_stage(world: &RunWorld, events: &[Event], id: u32) -> Option<Reached> {
    let vocabulary = world.vocabulary();
    let reached = events.iter().filter(|e| e.record() == Some(id));
    let stages = reached.filter_map(|e| Some((vocabulary.stage(e.kind)?, e.region)));
    let (stage, region) = stages.min_by_key(|&(stage, _)| std::cmp::Reverse(stage))?;
    Some(Reached { stage, event: world.architecture.stages[stage].event.clone(), region })
}

/// The container that last refused a record's publication (the one its
/// source's DNS routes to in the refusal's region), and its state at the
/// end of the run.
fn refused_by(world: &RunWorld, events: &[Event], id: u32) -> Option<(String, Condition)> {
    let refusal = events.iter().rev().find(|e| e.kind == Kind::PUBLISH_FAILED && e.subject == id)?;
    let a = &*world.architecture;
    let dns = *a.instances[a.source() as usize - 1].wire("dns").first()?;
    let routes = a.instances[dns].wire("routes").iter().map(|&i| i as ActorId + 1);
    let receiver = routes.into_iter().find(|&r| a.actor_region(r) == refusal.region)?;
    Some((name(world, receiver), condition(world, receiver)))
}

/// API containers that are not processing.
fn failed_front_ends(world: &RunWorld) -> FrontEnds {
    let containers = actors(world).skip(1).filter(|&a| matches!(world.machines.node(a), Node::Container(_)));
    FrontEnds(
        containers
            .filter_map(|a| match condition(world, a) {
                Condition::Container(state) if state != ContainerState::Processing => Some((name(world, a), state)),
                _ => None,
            })
            .collect(),
    )
}

fn condition(world: &RunWorld, actor: ActorId) -> Condition {
    if actor == DRIVER {
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
            ("receiver-1".to_string(), ContainerState::FailedDependency),
            ("validator-1".to_string(), ContainerState::FailedDependency),
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
        let holder = Holder::Stream;
        assert_eq!(lost.reason, Reason::LostByStream { missing: "outbound-removed".into(), lossy: true, holder });
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
        assert_eq!(left.reason, Reason::RemoveMissed { went_to: "outbound-2".into() });
    }

    #[test]
    fn a_record_still_in_flight_at_the_time_bound_is_told_as_in_transit_in_the_words_of_queues() {
        // Explored ActivePassive f4, seed 5599: an environment so slow that
        // the run hits its time bound while record 30 is on its way to the
        // destination.
        let architecture = crate::run::built_in_architecture("active-passive").unwrap();
        let f4 = crate::scenario::built_in_of("f4", &architecture).unwrap().unwrap();
        let spec = RunSpec::new(f4, Options::default(), Profile::default())
            .in_architecture(architecture, String::new())
            .exploring(true);
        let mut sim = Simulator::new();
        sim.run(&spec, 5599);
        let found = stranded(&sim);
        let thirty: Vec<&Finding> = found.iter().filter(|f| f.records.contains(&30)).collect();
        assert_eq!(thirty.len(), 1, "{found:?}");
        let Reason::InTransit { from, sent, due, .. } = &thirty[0].reason else { panic!("{found:?}") };
        assert_eq!(from, "outbound-queue-1");
        assert!(sent < due && *due > spec.options().time_bound, "{}", thirty[0].reason);
        let words: Vec<String> = found.iter().map(|f| f.reason.to_string()).collect();
        assert!(words.iter().all(|w| !w.contains("stream")), "{words:?}");
    }

    #[test]
    fn every_why_has_a_name() {
        assert_eq!(Why::RemoveMissed.name(), "remove-missed");
        assert_eq!(Why::VARIANTS.len(), 14);
    }

    #[test]
    fn record_ids_are_told_as_the_ranges_a_finding_shows() {
        assert_eq!(records_text(&[]), "no record");
        assert_eq!(records_text(&[11]), "record 11");
        assert_eq!(records_text(&[3, 1, 2, 7, 2]), "records 1-3, 7");
        let finding = Finding {
            place: String::new(),
            records: vec![3, 1, 2, 7],
            reason: Reason::StillMoving { consumer: String::new() },
        };
        assert_eq!(finding.ranges(), "1-3, 7");
        let again = republished_text(2, &[51, 52, 53]);
        assert_eq!(again, "batch 2 republished whole from its first record (records 51-53 published before)");
    }
}
