//! Coverage, as the P checker reports it: which (state, message) pairs each
//! kind of machine handled in a run. Each architecture gives a bit to every
//! pair the rules of its own kinds of machine allow ([`Pairs`]); a run
//! records the pairs it handled (one OR per delivery), and its trace frame
//! stores their bits, so that the analysis can say which pairs the seeds
//! reached and which they never did. All kinds together have more pairs
//! than the 128 bits of a run's coverage; Workload1 numbers its own as it
//! did before the other kinds existed.
//!
//! A machine's state is what [`super::Machine::coverage_state`] says: an
//! index into [`MachineKind::states`]. [`HANDLED`] lists, per kind, the
//! messages it handles and the states it can handle each in; a pair outside
//! it is a broken invariant (see [`super::Checked`]).

use strum::{IntoStaticStr, VariantArray};

use super::{Msg, MsgKind};
use crate::architecture::{Architecture, ComponentKind};
use crate::engine::ActorId;

/// The kinds of machine of MODEL.md, "Topology".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum MachineKind {
    Driver,
    Source,
    InDns,
    Receiver,
    Validator,
    Processor,
    Database,
    Replica,
    Kafka,
    OutDns,
    Destination,
    Queue,
    /// A weighted DNS in front of queues: it is answered by appends.
    InDnsToQueues,
    FailoverDns,
    Aurora,
    AuroraRegional,
    AuroraReplicator,
    Dynamo,
    DynamoRegional,
    DynamoReplicator,
}

impl MachineKind {
    /// The kind of actor `actor` of a run of `architecture`. An API
    /// container that invokes another is a receiver; one that appends to a
    /// stream, a validator; a weighted DNS in front of API containers is an
    /// in-DNS, one in front of queues an in-DNS to queues (they handle
    /// different answers).
    pub fn of(architecture: &Architecture, actor: ActorId) -> Self {
        if actor == 0 {
            return Self::Driver;
        }
        let instance = &architecture.instances[actor as usize - 1];
        match instance.kind {
            ComponentKind::Source => Self::Source,
            ComponentKind::WeightedDns => {
                let route = *instance.wire("routes").first().expect("checked: routes");
                match architecture.instances[route].kind {
                    ComponentKind::Queue => Self::InDnsToQueues,
                    _ => Self::InDns,
                }
            }
            ComponentKind::ApiContainer => {
                let next = *instance.wire("next").first().expect("checked: a next");
                match architecture.instances[next].kind {
                    ComponentKind::ApiContainer => Self::Receiver,
                    _ => Self::Validator,
                }
            }
            ComponentKind::StreamContainer => Self::Processor,
            ComponentKind::Mongo => Self::Database,
            ComponentKind::MongoReplica => Self::Replica,
            ComponentKind::Kafka => Self::Kafka,
            ComponentKind::OutDns => Self::OutDns,
            ComponentKind::Destination => Self::Destination,
            ComponentKind::Queue => Self::Queue,
            ComponentKind::FailoverDns => Self::FailoverDns,
            ComponentKind::Aurora => Self::Aurora,
            ComponentKind::AuroraRegional => Self::AuroraRegional,
            ComponentKind::AuroraReplicator => Self::AuroraReplicator,
            ComponentKind::Dynamo => Self::Dynamo,
            ComponentKind::DynamoRegional => Self::DynamoRegional,
            ComponentKind::DynamoReplicator => Self::DynamoReplicator,
        }
    }

    /// The kind of every actor of a run of `architecture`, the driver's first.
    pub fn per_actor(architecture: &Architecture) -> Vec<Self> {
        (0..=architecture.instances.len() as ActorId).map(|a| Self::of(architecture, a)).collect()
    }

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The states a machine of this kind reports, by index.
    pub fn states(self) -> &'static [&'static str] {
        match self {
            Self::Driver | Self::Source | Self::Destination => &["running"],
            Self::InDns | Self::InDnsToQueues | Self::OutDns => &["both-online", "region-offline"],
            Self::Receiver | Self::Validator | Self::Processor => {
                &["processing", "failed-dependency", "failed-processing"]
            }
            Self::Database => &["primary-1", "primary-2", "failed"],
            Self::Replica => &["up", "failed"],
            Self::Kafka | Self::Queue => &["empty", "holding", "failed"],
            Self::FailoverDns => &["region-1-active", "region-2-active"],
            Self::Aurora | Self::AuroraReplicator => &["region-1-active", "region-2-active", "failed"],
            Self::AuroraRegional => &["active", "passive", "failed"],
            Self::Dynamo | Self::DynamoRegional | Self::DynamoReplicator => &["up", "failed"],
        }
    }
}

/// A set of states, by bit.
type States = u8;
const ANY: States = 0b111;
/// The first state only: a container processing, a database up, ...
const FIRST: States = 0b001;
/// The first two states: a database's two primaries, an Aurora part's two
/// regions, up.
const UP: States = 0b011;
/// The second state only: failed, for a kind whose states are up and failed.
const SECOND: States = 0b010;
/// The third state only: failed, for a kind with two states up.
const THIRD: States = 0b100;

/// Per kind, every message it handles and the states it can handle it in.
/// What is left out cannot happen: an answer reaches a container, processor
/// or database only while it is processing or up (commands wait while a
/// request is out), and batches, failed reads and stores wait in the inbox
/// of a failed processor or replica.
///
/// The parts of a global database take commands from it alone, which fails
/// them all only while they are up and recovers them (Aurora one at a time,
/// awaiting each) only while they are failed; writes and switches wait in
/// the inbox of a failed part. Only a replicator is failed on its own
/// (replication fails), and recovered while up (replication recovers
/// though it never failed).
pub const HANDLED: &[(MachineKind, &[(MsgKind, States)])] = {
    use MachineKind as K;
    use MsgKind as M;
    &[
        (
            K::Driver,
            &[
                (M::Start, ANY),
                (M::BatchPublished, ANY),
                (M::BatchStopped, ANY),
                (M::Delivered, ANY),
                (M::AppendsReached, ANY),
                (M::Timer, ANY),
                (M::CommandDone, ANY),
            ],
        ),
        (K::Source, &[(M::PublishBatch, ANY), (M::Answer, ANY)]),
        (K::InDns, &[(M::Invoke, ANY), (M::Answer, ANY), (M::RegionOffline, ANY), (M::RegionOnline, ANY)]),
        (
            K::Receiver,
            &[(M::Invoke, ANY), (M::Fail, ANY), (M::Recover, ANY), (M::InsertAnswer, FIRST), (M::Answer, FIRST)],
        ),
        (
            K::Validator,
            &[(M::Invoke, ANY), (M::Fail, ANY), (M::Recover, ANY), (M::InsertAnswer, FIRST), (M::AppendAnswer, FIRST)],
        ),
        (
            K::Processor,
            &[
                (M::Start, FIRST),
                (M::Deliver, FIRST),
                (M::ReadFailed, FIRST),
                (M::Fail, ANY),
                (M::Recover, ANY),
                (M::InsertAnswer, FIRST),
                (M::AppendAnswer, FIRST),
                (M::RemoveAnswer, FIRST),
            ],
        ),
        (
            K::Database,
            &[(M::Insert, ANY), (M::StoreAnswer, UP), (M::Fail, ANY), (M::Recover, ANY), (M::SwitchPrimary, ANY)],
        ),
        (K::Replica, &[(M::Store, FIRST), (M::StoreAsync, FIRST), (M::Fail, ANY), (M::Recover, ANY)]),
        (
            K::Kafka,
            &[
                (M::Append, ANY),
                (M::Read, ANY),
                (M::Remove, ANY),
                (M::WatchAppends, ANY),
                (M::Fail, ANY),
                (M::Recover, ANY),
                (M::Timer, ANY),
            ],
        ),
        (
            K::OutDns,
            &[
                (M::ReadVia, ANY),
                (M::RemoveVia, ANY),
                (M::RemoveAnswer, ANY),
                (M::RegionOffline, ANY),
                (M::RegionOnline, ANY),
            ],
        ),
        (K::Destination, &[(M::Start, ANY), (M::Deliver, ANY), (M::RemoveAnswer, ANY), (M::ReadFailed, ANY)]),
        (
            K::Queue,
            &[
                (M::Append, ANY),
                (M::Read, ANY),
                (M::Remove, ANY),
                (M::WatchAppends, ANY),
                (M::Fail, ANY),
                (M::Recover, ANY),
            ],
        ),
        (
            K::InDnsToQueues,
            &[(M::Invoke, ANY), (M::AppendAnswer, ANY), (M::RegionOffline, ANY), (M::RegionOnline, ANY)],
        ),
        (
            K::FailoverDns,
            &[
                (M::Invoke, ANY),
                (M::AppendAnswer, ANY),
                (M::ReadVia, ANY),
                (M::RemoveVia, ANY),
                (M::RemoveAnswer, ANY),
                (M::SwitchRegions, ANY),
            ],
        ),
        (
            K::Aurora,
            &[
                (M::Insert, ANY),
                (M::CommandDone, ANY),
                (M::Fail, ANY),
                (M::Recover, ANY),
                (M::SwitchRegions, ANY),
                (M::FailReplication, ANY),
                (M::RecoverReplication, ANY),
            ],
        ),
        (K::AuroraRegional, &[(M::InsertFor, UP), (M::SwitchRegions, UP), (M::Fail, UP), (M::Recover, THIRD)]),
        (K::AuroraReplicator, &[(M::InsertFor, UP), (M::SwitchRegions, UP), (M::Fail, ANY), (M::Recover, ANY)]),
        (
            K::Dynamo,
            &[
                (M::Insert, FIRST),
                (M::Fail, ANY),
                (M::Recover, ANY),
                (M::FailReplication, ANY),
                (M::RecoverReplication, ANY),
            ],
        ),
        (K::DynamoRegional, &[(M::InsertFor, FIRST), (M::Fail, FIRST), (M::Recover, SECOND)]),
        (K::DynamoReplicator, &[(M::InsertFor, FIRST), (M::Fail, ANY), (M::Recover, ANY)]),
    ]
};

/// Pairs that only some kinds of machine cause: an architecture numbers
/// them only if it has one of those kinds. The driver's commands are
/// acknowledged by queues and Aurora databases alone, so Workload1's
/// numbering stays as it was before they existed.
const CAUSED_ONLY_BY: &[(MachineKind, MsgKind, &[MachineKind])] =
    &[(MachineKind::Driver, MsgKind::CommandDone, &[MachineKind::Queue, MachineKind::Aurora])];

const MAX_STATES: usize = 3;
const KINDS: usize = MachineKind::VARIANTS.len();
const MESSAGES: usize = MsgKind::VARIANTS.len();
/// No bit: a pair outside [`HANDLED`], or of a kind an architecture lacks.
const NONE: u8 = u8::MAX;
/// The pairs of every kind together: each has a bit below [`NONE`].
const ALL_PAIRS: usize = count_pairs();
const _: () = assert!(ALL_PAIRS < NONE as usize, "a pair's bit is a u8");
/// Whether the rules allow each pair, by its index in [`Coverage`].
const ALLOWED: [u64; SEEN_WORDS] = allowed_pairs();

/// The number of states of a kind, in a constant.
const fn state_count(kind: MachineKind) -> usize {
    match kind {
        MachineKind::Driver | MachineKind::Source | MachineKind::Destination => 1,
        MachineKind::InDns
        | MachineKind::InDnsToQueues
        | MachineKind::OutDns
        | MachineKind::Replica
        | MachineKind::FailoverDns
        | MachineKind::Dynamo
        | MachineKind::DynamoRegional
        | MachineKind::DynamoReplicator => 2,
        _ => 3,
    }
}

/// Visits every pair in bit order: kind by kind, message by message as
/// [`HANDLED`] lists them, state by state.
macro_rules! each_pair {
    (|$kind:ident, $state:ident, $message:ident| $body:block) => {
        let mut k = 0;
        while k < HANDLED.len() {
            let ($kind, messages) = HANDLED[k];
            let mut m = 0;
            while m < messages.len() {
                let ($message, states) = messages[m];
                let mut $state = 0;
                while $state < state_count($kind) {
                    if states & (1 << $state) != 0 $body
                    $state += 1;
                }
                m += 1;
            }
            k += 1;
        }
    };
}

const fn count_pairs() -> usize {
    let mut count = 0;
    each_pair!(|kind, state, _message| {
        count += 1;
    });
    count
}

/// Where coverage records that a machine of `kind` handled a message of
/// `message` in its state `state`.
const fn seen_index(kind: MachineKind, state: usize, message: MsgKind) -> usize {
    (kind as usize * MAX_STATES + state) * MESSAGES + message as usize
}

const fn allowed_pairs() -> [u64; SEEN_WORDS] {
    let mut allowed = [0; SEEN_WORDS];
    each_pair!(|kind, state, message| {
        let i = seen_index(kind, state, message);
        assert!(allowed[i / 64] & 1 << (i % 64) == 0, "a pair listed twice");
        allowed[i / 64] |= 1 << (i % 64);
    });
    allowed
}

/// Whether the rules allow a machine of `kind` to handle `msg` in its state
/// `state`, whatever the architecture.
pub fn allowed(kind: MachineKind, state: u8, msg: &Msg) -> bool {
    let i = seen_index(kind, state as usize, MsgKind::from(msg));
    (state as usize) < MAX_STATES && ALLOWED[i / 64] & 1 << (i % 64) != 0
}

/// Whether an architecture whose kinds `present` says can cause the pairs
/// of `kind` and `message` at all.
fn caused(kind: MachineKind, message: MsgKind, present: impl Fn(MachineKind) -> bool) -> bool {
    let only_by = CAUSED_ONLY_BY.iter().find(|&&(k, m, _)| k == kind && m == message);
    only_by.is_none_or(|(_, _, causes)| causes.iter().any(|&cause| present(cause)))
}

/// One (state, message) pair of a kind of machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub kind: MachineKind,
    pub state: &'static str,
    pub message: &'static str,
}

/// The pairs of the kinds of machine an architecture has, numbered in
/// [`HANDLED`]'s order: bit `i` of the coverage of its runs is pair `i`.
/// Built once per architecture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pairs {
    /// Per pair, by its index in [`Coverage`], its bit, or [`NONE`].
    bits: Vec<u8>,
    pairs: Vec<Pair>,
}

impl Pairs {
    pub fn of(architecture: &Architecture) -> Self {
        let kinds = MachineKind::per_actor(architecture);
        let present = |kind: MachineKind| kinds.contains(&kind);
        let mut bits = vec![NONE; SEEN];
        let mut pairs = Vec::new();
        each_pair!(|kind, state, message| {
            if present(kind) && caused(kind, message, present) {
                bits[seen_index(kind, state, message)] = pairs.len() as u8;
                pairs.push(Pair { kind, state: kind.states()[state], message: message.into() });
            }
        });
        Self { bits, pairs }
    }

    /// The pairs, in bit order.
    pub fn as_slice(&self) -> &[Pair] {
        &self.pairs
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// An error unless a run's coverage has a bit for each pair.
    pub fn check(&self) -> Result<(), String> {
        if self.len() <= u128::BITS as usize {
            return Ok(());
        }
        let mut kinds: Vec<&str> = self.pairs.iter().map(|p| p.kind.name()).collect();
        kinds.dedup();
        Err(format!(
            "its kinds of machine ({}) handle {} (state, message) pairs, more than the {} a run's coverage \
             records: build it of fewer kinds of machine",
            kinds.join(", "),
            self.len(),
            u128::BITS
        ))
    }
}

/// What a run handled. While the run goes, one bit per kind of machine,
/// state and message kind (an OR per delivery, no lookup); [`Coverage::bits`]
/// folds them into the pairs of the run's architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Coverage {
    seen: [u64; SEEN_WORDS],
}

const SEEN: usize = KINDS * MAX_STATES * MESSAGES;
const SEEN_WORDS: usize = SEEN.div_ceil(64);

impl Default for Coverage {
    fn default() -> Self {
        Self { seen: [0; SEEN_WORDS] }
    }
}

impl Coverage {
    /// Records that a machine of `kind`, in its state `state`, handled `msg`.
    #[inline]
    pub fn handled(&mut self, kind: MachineKind, state: u8, msg: &Msg) {
        assert!((state as usize) < MAX_STATES, "state {state} of a {}", kind.name());
        let i = seen_index(kind, state as usize, MsgKind::from(msg));
        self.seen[i / 64] |= 1 << (i % 64);
    }

    /// The pairs handled, bit `i` for pair `i` of `pairs`; what the rules
    /// do not allow is left out (the invariant checker stops such a run).
    pub fn bits(&self, pairs: &Pairs) -> u128 {
        assert!(pairs.check().is_ok(), "checked where the architecture is read: {} pairs", pairs.len());
        let mut bits = 0u128;
        for (w, &word) in self.seen.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let bit = pairs.bits[w * 64 + word.trailing_zeros() as usize];
                word &= word - 1;
                if bit != NONE {
                    bits |= 1 << bit;
                }
            }
        }
        assert!(pairs.len() == u128::BITS as usize || bits >> pairs.len() == 0, "a bit beyond the pairs");
        bits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::topology::{DRIVER, WORKLOAD1, inbound, processor, receiver, validator};

    fn of(actor: ActorId) -> MachineKind {
        MachineKind::of(&WORKLOAD1, actor)
    }

    #[test]
    fn each_instance_is_of_the_kind_its_component_and_wiring_say() {
        assert_eq!(
            [of(DRIVER), of(inbound(2)), of(processor(1))],
            [MachineKind::Driver, MachineKind::Kafka, MachineKind::Processor]
        );
        assert_eq!([of(receiver(1)), of(validator(2))], [MachineKind::Receiver, MachineKind::Validator]);
    }

    #[test]
    fn every_pair_has_its_own_bit_in_order() {
        let pairs = Pairs::of(&WORKLOAD1);
        let bit = |pair: Pair| pairs.as_slice().iter().position(|p| *p == pair).unwrap();
        assert_eq!(pairs.len(), 105, "Workload1's pairs, as before the queue kinds");
        assert_eq!(pairs.as_slice()[0], Pair { kind: MachineKind::Driver, state: "running", message: "start" });
        let holding_fail = bit(Pair { kind: MachineKind::Kafka, state: "holding", message: "fail" });
        assert!(allowed(of(inbound(1)), 1, &Msg::Fail));
        assert!(!allowed(of(processor(2)), 2, &Msg::ReadFailed), "a failed processor's read waits");
        assert!(!allowed(of(DRIVER), 1, &Msg::Start), "the driver has one state");
        assert!(allowed(of(DRIVER), 0, &Msg::CommandDone), "allowed whatever the architecture");
        let mut coverage = Coverage::default();
        coverage.handled(of(inbound(2)), 1, &Msg::Fail);
        coverage.handled(of(inbound(1)), 1, &Msg::Fail);
        coverage.handled(of(processor(1)), 1, &Msg::ReadFailed);
        coverage.handled(of(DRIVER), 0, &Msg::CommandDone);
        let expected = 1 << holding_fail;
        assert_eq!(coverage.bits(&pairs), expected, "both streams' pair, once; nothing outside Workload1's pairs");
        coverage.handled(of(DRIVER), 0, &Msg::Start);
        assert_eq!(coverage.bits(&pairs), expected | 1);
    }

    #[test]
    fn each_built_in_architecture_numbers_the_pairs_of_its_own_kinds_within_128_bits() {
        for (name, _) in crate::architecture::BUILT_IN {
            let architecture = crate::architecture::built_in(name).unwrap();
            let pairs = Pairs::of(&architecture);
            assert!(pairs.check().is_ok() && pairs.len() <= 128, "{name}: {} pairs", pairs.len());
            let kinds = MachineKind::per_actor(&architecture);
            assert!(pairs.as_slice().iter().all(|p| kinds.contains(&p.kind)), "{name}: only its own kinds");
            assert!(kinds.iter().all(|k| pairs.as_slice().iter().any(|p| p.kind == *k)), "{name}: every kind");
        }
        let of = |name| Pairs::of(&crate::architecture::built_in(name).unwrap());
        let (passive, active) = (of("active-passive"), of("active-active"));
        let acknowledged = Pair { kind: MachineKind::Driver, state: "running", message: "command-done" };
        assert!(passive.as_slice().contains(&acknowledged) && active.as_slice().contains(&acknowledged));
        let switched = Pair { kind: MachineKind::Aurora, state: "region-2-active", message: "insert" };
        assert!(passive.as_slice().contains(&switched) && !active.as_slice().contains(&switched));
        let appended = Pair { kind: MachineKind::InDnsToQueues, state: "region-offline", message: "append-answer" };
        assert!(active.as_slice().contains(&appended));
        let mut coverage = Coverage::default();
        coverage.handled(MachineKind::Aurora, 1, &Msg::Insert(crate::model::Record { id: 1, value: 1 }));
        assert_eq!(coverage.bits(&passive), 1 << passive.as_slice().iter().position(|p| *p == switched).unwrap());
        assert_eq!(coverage.bits(&active), 0, "no Aurora database in active-active");
    }
}
