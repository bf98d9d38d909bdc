//! The Workload1 pipeline as collaborating machines (MODEL.md sections 1-2).
//!
//! Each machine lives in its own file and sees the world only through [`Io`]:
//! the messages it is handed, the messages it sends, and the events it traces.
//! [`World`] holds one of each instance, plus the harness that drives them
//! (actor 0, whatever [`Machine`] the caller supplies), and implements the
//! engine's [`System`] by routing each message to the machine it is
//! addressed to, and records the run's [`Coverage`]. [`Checked`] wraps a
//! world to check its invariants after every delivery.

mod answer;
mod aurora;
mod check;
mod container;
pub mod coverage;
mod destination;
mod dns;
mod dynamo;
mod failover;
mod health;
mod kafka;
mod machines;
mod mongo;
mod processor;
mod queue;
mod regional;
mod source;
mod timing;
pub mod topology;
mod wiring;

use std::sync::Arc;

use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use crate::architecture::{Architecture, ComponentKind};
use crate::config::Options;
use crate::engine::{ActorId, Ctx, Envelope, MICROSECOND, Stream, System, Time, stream};
use crate::trace::{Event, Kind, Vocabulary};

pub use answer::{Answer, Awaited, acknowledges};
pub use aurora::Aurora;
pub use check::{Checked, HasWorld};
pub use container::{Container, Next};
pub use coverage::{Coverage, MachineKind, Pairs};
pub use destination::Destination;
pub use dns::{InDns, OutDns};
pub use dynamo::Dynamo;
pub use failover::FailoverDns;
pub use health::ContainerState;
pub use kafka::Kafka;
pub use machines::{Held, Machines, Node, Wired};
pub use mongo::{Cluster, Replica};
pub use processor::Processor;
pub use queue::Queue;
pub use regional::{RegionalDb, Replicator};
pub use source::Source;
pub use timing::timing;
pub use wiring::Wiring;

/// The actor of the scenario's driver, the harness: every other actor is an
/// instance of the architecture, instance `i` actor `i + 1`.
pub const DRIVER: ActorId = 0;

/// A payment record. Values are drawn from 1..=100000.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub id: u32,
    pub value: u32,
}

/// A run of records held in the run's [`Arena`]; messages carry this handle
/// instead of the records so that they stay small and allocation-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    start: u32,
    len: u32,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Append-only storage for the records that messages carry, cleared per run.
#[derive(Default)]
pub struct Arena {
    records: Vec<Record>,
}

impl Arena {
    pub fn put(&mut self, records: impl IntoIterator<Item = Record>) -> Batch {
        let start = self.records.len();
        self.records.extend(records);
        assert!(self.records.len() <= u32::MAX as usize, "the arena outgrew its 32-bit handles");
        Batch { start: start as u32, len: (self.records.len() - start) as u32 }
    }

    pub fn get(&self, batch: Batch) -> &[Record] {
        &self.records[batch.start as usize..(batch.start + batch.len) as usize]
    }

    fn clear(&mut self) {
        self.records.clear();
    }
}

/// A set of record ids (ids are small and dense).
#[derive(Clone, Default)]
pub struct IdSet {
    words: Vec<u64>,
    len: u32,
}

impl IdSet {
    /// Adds `id`; true if it was not there yet.
    #[inline]
    pub fn insert(&mut self, id: u32) -> bool {
        let (word, bit) = ((id / 64) as usize, 1u64 << (id % 64));
        if word >= self.words.len() {
            self.words.resize(word + 1, 0);
        }
        let new = self.words[word] & bit == 0;
        self.words[word] |= bit;
        self.len += new as u32;
        debug_assert!(self.len as usize <= self.words.len() * 64);
        new
    }

    /// Removes `id`; true if it was there.
    pub fn remove(&mut self, id: u32) -> bool {
        let present = self.contains(id);
        if present {
            self.words[(id / 64) as usize] &= !(1u64 << (id % 64));
            self.len -= 1;
        }
        assert!(!self.contains(id));
        present
    }

    pub fn contains(&self, id: u32) -> bool {
        self.words.get((id / 64) as usize).is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }

    /// Adds the id of every record of `records`.
    pub fn insert_records(&mut self, records: impl IntoIterator<Item = Record>) {
        records.into_iter().for_each(|r| {
            self.insert(r.id);
        });
    }

    /// Adds every id of `other`.
    pub fn union_with(&mut self, other: &IdSet) {
        if self.words.len() < other.words.len() {
            self.words.resize(other.words.len(), 0);
        }
        for (word, &bits) in self.words.iter_mut().zip(&other.words) {
            *word |= bits;
        }
        self.len = self.words.iter().map(|w| w.count_ones()).sum();
        debug_assert!(self.len >= other.len);
    }

    /// The smallest id of this set that `other` lacks, if any.
    pub fn first_not_in(&self, other: &IdSet) -> Option<u32> {
        let first = self.words.iter().enumerate().find_map(|(i, &bits)| {
            let missing = bits & !other.words.get(i).copied().unwrap_or(0);
            (missing != 0).then(|| i as u32 * 64 + missing.trailing_zeros())
        });
        debug_assert!(first.is_none_or(|id| self.contains(id) && !other.contains(id)));
        first
    }

    /// The ids, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(word, &bits)| {
            (0..64).filter(move |bit| bits & (1u64 << bit) != 0).map(move |bit| word as u32 * 64 + bit)
        })
    }

    /// Empties the set, keeping its allocation.
    pub fn clear(&mut self) {
        self.words.fill(0);
        self.len = 0;
    }

    pub fn len(&self) -> u32 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Every message of the model. Requests are answered by the matching
/// `...Answer` (or [`Msg::Deliver`] / [`Msg::ReadFailed`] for reads).
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumDiscriminants)]
#[strum_discriminants(name(MsgKind), derive(IntoStaticStr, VariantArray))]
#[strum_discriminants(strum(serialize_all = "kebab-case"))]
pub enum Msg {
    /// From the harness at time 0.
    Start,
    /// Driver to source.
    PublishBatch(u8),
    /// Source to driver.
    BatchPublished(u8),
    BatchStopped {
        batch: u8,
        sent: u32,
    },
    /// Source to in-DNS to receiver to validator, and their answers.
    Invoke(Record),
    Answer(bool),
    /// Container to database cluster.
    Insert(Record),
    InsertAnswer(bool),
    /// Cluster to replica: synchronous, then the asynchronous third copy.
    Store(Record),
    StoreAnswer(bool),
    StoreAsync(Record),
    /// To a Kafka stream.
    Append(Batch),
    AppendAnswer(bool),
    Read {
        consumer: ActorId,
    },
    Remove(Batch),
    RemoveAnswer(bool),
    /// From a Kafka stream to its consumer.
    Deliver(Batch),
    ReadFailed,
    /// Destination to out-DNS: read or remove by the region of the stream
    /// (out-DNS picks the stream, redirecting while that region is offline).
    ReadVia {
        region: u8,
    },
    RemoveVia {
        region: u8,
        batch: Batch,
    },
    /// Destination to driver: how many records have arrived, duplicates
    /// included.
    Delivered {
        arrivals: u32,
    },
    /// Driver to a stream: answer once this many records have been appended
    /// to you since the run began.
    WatchAppends(u32),
    /// The answer: the total was reached (true), or the stream is failed and
    /// refused to watch (false).
    AppendsReached(bool),
    /// Commands from the driver.
    Fail,
    Recover,
    SwitchPrimary,
    RegionOffline(u8),
    RegionOnline(u8),
    /// A self-addressed wake-up.
    Timer,
    /// A global database to its regional databases and replicator, and a
    /// replicator to a regional database: store the record, answering
    /// `caller` if that database is the one to answer it.
    InsertFor {
        record: Record,
        caller: ActorId,
    },
    /// A regional database or replicator to its global database: the
    /// command it was sent is done.
    CommandDone,
    /// Commands from the driver to an Aurora database or a failover DNS
    /// (and from an Aurora database to its parts): the other region becomes
    /// the active one.
    SwitchRegions,
    /// Commands from the driver to a global database: its replicator fails
    /// or recovers.
    FailReplication,
    RecoverReplication,
}

impl Msg {
    /// A readable rendering, with the records a batch holds.
    pub fn describe(&self, arena: &Arena, architecture: &Architecture) -> String {
        let ids = |b: Batch| {
            let ids: Vec<String> = arena.get(b).iter().map(|r| r.id.to_string()).collect();
            format!("[{}]", ids.join(","))
        };
        let rec = |r: Record| format!("record {} (value {})", r.id, r.value);
        match *self {
            Msg::Invoke(r) => format!("invoke {}", rec(r)),
            Msg::Insert(r) => format!("insert {}", rec(r)),
            Msg::InsertFor { record, caller } => {
                format!("insert {} for {}", rec(record), architecture.actor_name(caller))
            }
            Msg::Store(r) => format!("store {}", rec(r)),
            Msg::StoreAsync(r) => format!("store-async {}", rec(r)),
            Msg::Append(b) => format!("append {}", ids(b)),
            Msg::Remove(b) => format!("remove {}", ids(b)),
            Msg::Deliver(b) => format!("deliver {}", ids(b)),
            Msg::RemoveVia { region, batch } => format!("remove {} region {region}", ids(batch)),
            Msg::Read { consumer } => format!("read for {}", architecture.actor_name(consumer)),
            Msg::ReadVia { region } => format!("read region {region}"),
            other => format!("{other:?}"),
        }
    }

    /// Adds to `out` the records this message has in its custody: the ones
    /// it carries onward (a remove names records but holds none).
    pub fn carried(&self, arena: &Arena, out: &mut IdSet) {
        match *self {
            Msg::Invoke(r) | Msg::Insert(r) | Msg::Store(r) | Msg::StoreAsync(r) | Msg::InsertFor { record: r, .. } => {
                out.insert(r.id);
            }
            Msg::Append(b) | Msg::Deliver(b) => arena.get(b).iter().for_each(|r| {
                out.insert(r.id);
            }),
            _ => {}
        }
    }

    /// The ids of the records this message names.
    pub fn record_ids(&self, arena: &Arena) -> Vec<u32> {
        match *self {
            Msg::Invoke(r) | Msg::Insert(r) | Msg::Store(r) | Msg::StoreAsync(r) | Msg::InsertFor { record: r, .. } => {
                vec![r.id]
            }
            Msg::Append(b) | Msg::Remove(b) | Msg::Deliver(b) | Msg::RemoveVia { batch: b, .. } => {
                arena.get(b).iter().map(|r| r.id).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Commands wait like any other message while a machine awaits an answer.
    pub fn is_command(&self) -> bool {
        matches!(
            self,
            Msg::Fail
                | Msg::Recover
                | Msg::SwitchPrimary
                | Msg::RegionOffline(_)
                | Msg::RegionOnline(_)
                | Msg::SwitchRegions
                | Msg::FailReplication
                | Msg::RecoverReplication
        )
    }
}

/// A machine's window on the world while it handles one message.
pub struct Io<'a, 'c> {
    ctx: &'a mut Ctx<'c, Msg>,
    pub arena: &'a mut Arena,
    trace: &'a mut Vec<Event>,
    pub options: &'a Options,
    pub architecture: &'a Architecture,
    vocabulary: Vocabulary,
}

impl Io<'_, '_> {
    pub fn now(&self) -> Time {
        self.ctx.now()
    }

    pub fn me(&self) -> ActorId {
        self.ctx.me()
    }

    /// This machine's name, for the message of a broken assertion.
    #[cold]
    pub fn name(&self) -> String {
        self.architecture.actor_name(self.me()).to_string()
    }

    pub fn send(&mut self, to: ActorId, msg: Msg) {
        self.ctx.send(to, msg);
    }

    /// Moves this machine to another region (a database's new primary).
    pub fn relocate(&mut self, region: u8) {
        assert!(region == 1 || region == 2, "{} moved to region {region}, which has no primary", self.name());
        self.ctx.relocate(region);
    }

    pub fn wake_after(&mut self, delay: Time) {
        self.ctx.send_self_after(delay, Msg::Timer);
    }

    pub fn trace(&mut self, kind: Kind, region: u8, subject: u32, value: u32) {
        // Per event, and the same for every call of a call site: checked in
        // debug builds, off the release hot path.
        debug_assert!(self.vocabulary.carries_value(kind) || value == 0, "{kind:?} carries no value");
        debug_assert!(self.vocabulary.knows(kind, region), "{kind:?} in region {region}");
        let time_us = self.ctx.now() / crate::engine::MICROSECOND;
        self.trace.push(Event { time_us, kind, region, subject, value });
    }

    /// Traces a record reaching a place; its publication and its arrival
    /// keep the value, so that the checker can see it unchanged.
    pub fn trace_record(&mut self, kind: Kind, region: u8, record: Record) {
        debug_assert!(kind.is_about_record() && record.id > 0, "{kind:?} of record {}", record.id);
        let value = if self.vocabulary.carries_value(kind) { record.value } else { 0 };
        self.trace(kind, region, record.id, value);
    }

    pub fn trace_batch(&mut self, kind: Kind, region: u8, batch: Batch) {
        assert!(!batch.is_empty(), "{kind:?} of an empty batch");
        for i in 0..batch.len() {
            let record = self.arena.get(batch)[i];
            self.trace_record(kind, region, record);
        }
    }

    pub fn trace_state(&mut self, code: u8) {
        assert!(ContainerState::from_code(code as u32).is_some(), "{} in state {code}", self.name());
        let me = self.me();
        self.trace(Kind::STATE_CHANGED, self.architecture.actor_region(me), me as u32, code as u32);
    }
}

/// What every machine of the model does.
pub trait Machine {
    /// Whether the machine can take `msg` now; otherwise it waits in the inbox.
    fn accepts(&self, _msg: &Msg) -> bool {
        true
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg);

    /// Adds to `out` the records the machine has in its custody: in hand,
    /// stored, or queued.
    fn held(&self, _arena: &Arena, _out: &mut IdSet) {}

    /// The state the machine is in, as an index into its kind's
    /// [`MachineKind::states`]: what coverage records beside each message.
    fn coverage_state(&self) -> u8 {
        0
    }

    /// Records in `coverage` the state the machine handles `msg` in, then
    /// handles it. One call through a machine's vtable does both, since
    /// every delivery comes this way.
    fn handle_covered(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg, covered: (&mut Coverage, MachineKind)) {
        covered.0.handled(covered.1, self.coverage_state(), &msg);
        self.handle(io, from, msg);
    }
}

/// The whole pipeline of one run, driven by the harness `H`.
pub struct World<H> {
    pub architecture: Arc<Architecture>,
    /// Its machines as wired, before a run.
    wired: Wired,
    pub machines: Machines<H>,
    pub arena: Arena,
    pub trace: Vec<Event>,
    pub options: Options,
    pub coverage: Coverage,
    /// Scratch space for what a fault finds a machine holding.
    held: IdSet,
}

impl<H: Machine> World<H> {
    /// The world of the run of `seed`, whose routing draws from that seed's
    /// routing stream.
    pub fn new(architecture: Arc<Architecture>, harness: H, source: Source, options: Options, seed: u64) -> Self {
        let wired = Wired::new(&architecture);
        let routing = stream(seed, Stream::Routing);
        Self {
            machines: Machines::new(harness, &wired, source, options.routing, &routing),
            architecture,
            wired,
            arena: Arena::default(),
            trace: Vec::new(),
            options,
            coverage: Coverage::default(),
            held: IdSet::default(),
        }
    }

    /// The kind of machine of `actor`, for coverage.
    pub fn kind(&self, actor: ActorId) -> MachineKind {
        self.wired.kind(actor)
    }

    /// The coverage pairs of the architecture's kinds of machine.
    pub fn pairs(&self) -> &Pairs {
        &self.wired.pairs
    }

    /// The pairs the run handled so far, by their bits in [`World::pairs`].
    pub fn coverage_bits(&self) -> u128 {
        self.coverage.bits(&self.wired.pairs)
    }

    /// The vocabulary of the run's events.
    pub fn vocabulary(&self) -> Vocabulary {
        self.wired.vocabulary
    }

    /// Starts a new run in place, keeping the buffers' allocations.
    pub fn reset(&mut self, architecture: &Arc<Architecture>, harness: H, source: Source, options: Options, seed: u64) {
        if !Arc::ptr_eq(architecture, &self.architecture) {
            self.wired = Wired::new(architecture);
            self.architecture = architecture.clone();
        }
        let routing = stream(seed, Stream::Routing);
        self.machines = Machines::new(harness, &self.wired, source, options.routing, &routing);
        self.arena.clear();
        self.trace.clear();
        self.options = options;
        self.coverage = Coverage::default();
        assert!(self.trace.is_empty() && self.arena.records.is_empty(), "a run starts from nothing");
    }

    /// Traces what a fault command finds `actor` holding, if anything: the
    /// events cannot show what a machine has in hand when it fails.
    #[cold]
    fn trace_fault_found_holding(&mut self, now: Time, actor: ActorId) {
        self.held.clear();
        self.machines.get(actor).held(&self.arena, &mut self.held);
        if !self.held.is_empty() {
            let event = Event {
                time_us: now / MICROSECOND,
                kind: Kind::FAULT_FOUND_HOLDING,
                region: self.architecture.instances[actor as usize - 1].region,
                subject: actor as u32,
                value: self.held.len(),
            };
            self.trace.push(event);
        }
    }

    /// The actors that get [`Msg::Start`] at time 0: the stream containers
    /// and the destination, in instance order, then the driver.
    pub fn starters(&self) -> Vec<ActorId> {
        let starts = |kind| matches!(kind, ComponentKind::StreamContainer | ComponentKind::Destination);
        let instances = self.architecture.instances.iter().enumerate();
        let mut starters: Vec<ActorId> =
            instances.filter(|(_, i)| starts(i.kind)).map(|(a, _)| a as ActorId + 1).collect();
        starters.push(DRIVER);
        starters
    }
}

impl<H: Machine> System for World<H> {
    type Msg = Msg;

    fn accepts(&self, to: ActorId, msg: &Msg) -> bool {
        self.machines.get(to).accepts(msg)
    }

    fn handle(&mut self, ctx: &mut Ctx<'_, Msg>, env: Envelope<Msg>) {
        debug_assert_eq!(ctx.me(), env.to, "a message handled by another actor than its addressee");
        if matches!(env.msg, Msg::Fail) && env.from == DRIVER {
            self.trace_fault_found_holding(ctx.now(), env.to);
        }
        let (arena, trace, options, architecture) =
            (&mut self.arena, &mut self.trace, &self.options, &*self.architecture);
        let mut io = Io { ctx, arena, trace, options, architecture, vocabulary: self.wired.vocabulary };
        let covered = (&mut self.coverage, self.wired.kind(env.to));
        self.machines.get_mut(env.to).handle_covered(&mut io, env.from, env.msg, covered);
    }

    fn overgrown(&self) -> bool {
        self.trace.len() as u64 > crate::trace::format::MAX_RUN_EVENTS
    }
}

#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::IdSet;

    fn set(ids: &[u32]) -> IdSet {
        let mut s = IdSet::default();
        ids.iter().for_each(|&id| {
            s.insert(id);
        });
        s
    }

    #[test]
    fn id_sets_insert_remove_unite_and_compare() {
        let mut a = set(&[1, 64, 200]);
        assert!(a.remove(64) && !a.remove(64));
        assert_eq!(a.iter().collect::<Vec<_>>(), [1, 200]);
        let b = set(&[1, 5]);
        assert_eq!(a.first_not_in(&b), Some(200));
        assert_eq!(b.first_not_in(&a), Some(5));
        a.union_with(&b);
        assert_eq!((a.len(), b.first_not_in(&a)), (3, None));
        a.clear();
        assert!(a.is_empty() && !a.contains(1));
    }
}
