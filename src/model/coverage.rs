//! Coverage, as the P checker reports it: which (state, message) pairs each
//! kind of machine handled in a run. Every pair the machines' rules allow
//! has a bit; a run records the bits of the pairs it handled (one OR per
//! delivery), and its trace frame stores them, so that the analysis can
//! say which pairs the seeds reached and which they never did.
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
    /// stream, a validator (they handle different answers).
    pub fn of(architecture: &Architecture, actor: ActorId) -> Self {
        if actor == 0 {
            return Self::Driver;
        }
        let instance = &architecture.instances[actor as usize - 1];
        match instance.kind {
            ComponentKind::Source => Self::Source,
            ComponentKind::WeightedDns => Self::InDns,
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
            Self::InDns | Self::OutDns => &["both-online", "region-offline"],
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
/// A database's two primaries, up.
const UP: States = 0b011;

/// Per kind, every message it handles and the states it can handle it in.
/// What is left out cannot happen: an answer reaches a container, processor
/// or database only while it is processing or up (commands wait while a
/// request is out), and batches, failed reads and stores wait in the inbox
/// of a failed processor or replica.
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
    ]
};

/// How many pairs there are: the bits a run's coverage may set.
pub const PAIRS: usize = count_pairs();

const MAX_STATES: usize = 3;
const KINDS: usize = MachineKind::VARIANTS.len();
const MESSAGES: usize = MsgKind::VARIANTS.len();
/// No bit: a pair outside [`HANDLED`].
const NONE: u8 = u8::MAX;
/// The bit of each pair, by kind, state and message.
const BITS: [[[u8; MESSAGES]; MAX_STATES]; KINDS] = bits();
const _: () = assert!(PAIRS <= u128::BITS as usize, "a run's coverage is a u128");

/// The number of states of a kind, in a constant.
const fn state_count(kind: MachineKind) -> usize {
    match kind {
        MachineKind::Driver | MachineKind::Source | MachineKind::Destination => 1,
        MachineKind::InDns
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

const fn bits() -> [[[u8; MESSAGES]; MAX_STATES]; KINDS] {
    let mut bits = [[[NONE; MESSAGES]; MAX_STATES]; KINDS];
    let mut next = 0;
    each_pair!(|kind, state, message| {
        assert!(bits[kind as usize][state][message as usize] == NONE, "a pair listed twice");
        bits[kind as usize][state][message as usize] = next;
        next += 1;
    });
    bits
}

/// One (state, message) pair of a kind of machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub kind: MachineKind,
    pub state: &'static str,
    pub message: &'static str,
}

/// Every pair, in bit order: bit `i` of a run's coverage is `pairs()[i]`.
pub fn pairs() -> Vec<Pair> {
    let mut out = Vec::with_capacity(PAIRS);
    each_pair!(|kind, state, message| {
        out.push(Pair { kind, state: kind.states()[state], message: message.into() });
    });
    out
}

/// What a run handled. While the run goes, one bit per kind of machine,
/// state and message kind (an OR per delivery, no lookup); [`Coverage::bits`]
/// folds them into the pairs.
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
        let i = (kind as usize * MAX_STATES + state as usize) * MESSAGES + MsgKind::from(msg) as usize;
        self.seen[i / 64] |= 1 << (i % 64);
    }

    /// The pairs handled, bit `i` for pair `i` of [`pairs`]; what the rules
    /// do not allow is left out (the invariant checker stops such a run).
    pub fn bits(&self) -> u128 {
        let mut bits = 0u128;
        for (w, &word) in self.seen.iter().enumerate() {
            let mut word = word;
            while word != 0 {
                let i = w * 64 + word.trailing_zeros() as usize;
                let bit = BITS[i / (MAX_STATES * MESSAGES)][i / MESSAGES % MAX_STATES][i % MESSAGES];
                word &= word - 1;
                if bit != NONE {
                    bits |= 1 << bit;
                }
            }
        }
        assert!(PAIRS == u128::BITS as usize || bits >> PAIRS == 0, "a bit beyond the pairs");
        bits
    }
}

/// The bit of the pair, if the rules allow it.
pub fn bit(kind: MachineKind, state: u8, msg: &Msg) -> Option<u8> {
    let bit = BITS[kind as usize].get(state as usize)?[MsgKind::from(msg) as usize];
    (bit != NONE).then_some(bit)
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
        let pairs = pairs();
        assert_eq!(pairs.len(), PAIRS);
        assert_eq!(PAIRS, 105);
        assert_eq!(pairs[0], Pair { kind: MachineKind::Driver, state: "running", message: "start" });
        let holding_fail = Pair { kind: MachineKind::Kafka, state: "holding", message: "fail" };
        let at = pairs.iter().position(|p| *p == holding_fail).unwrap();
        assert_eq!(bit(of(inbound(1)), 1, &Msg::Fail), Some(at as u8));
        assert_eq!(bit(of(processor(2)), 2, &Msg::ReadFailed), None, "a failed processor's read waits");
        assert_eq!(bit(of(DRIVER), 1, &Msg::Start), None, "the driver has one state");
        let mut coverage = Coverage::default();
        coverage.handled(of(inbound(2)), 1, &Msg::Fail);
        coverage.handled(of(inbound(1)), 1, &Msg::Fail);
        coverage.handled(of(processor(1)), 1, &Msg::ReadFailed);
        assert_eq!(coverage.bits(), 1 << at, "both streams' pair, once; nothing for what the rules rule out");
        coverage.handled(of(DRIVER), 0, &Msg::Start);
        assert_eq!(coverage.bits(), 1 << at | 1);
    }
}
