//! What a run records: one [`Event`] per stage a record reaches, per replica
//! store, per fault command and per driver step. What each kind means is
//! said in [`super::meaning`].

use std::fmt;

use strum::{FromRepr, IntoStaticStr, VariantArray};

/// What happened. The discriminants are the on-disk codes: append only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, VariantArray, FromRepr)]
#[strum(serialize_all = "kebab-case")]
#[repr(u8)]
pub enum Kind {
    // The stages of MODEL.md, "Specification", in pipeline order. Subject: record id.
    Published = 0,
    ReceiverInvoked = 1,
    ReceiverDbStored = 2,
    ValidatorInvoked = 3,
    ValidatorDbStored = 4,
    InboundAppended = 5,
    ProcessorRead = 6,
    ProcessorDbStored = 7,
    OutboundAppended = 8,
    InboundRemoved = 9,
    DestinationReceived = 10,
    OutboundRemoved = 11,
    // Replica stores; region is the replica's. Subject: record id.
    #[strum(serialize = "receiver-db-replica-stored")]
    ReceiverReplicaStored = 12,
    #[strum(serialize = "validator-db-replica-stored")]
    ValidatorReplicaStored = 13,
    #[strum(serialize = "processor-db-replica-stored")]
    ProcessorReplicaStored = 14,
    // Record-level incidents. Subject: record id. A failed publication's
    // region is the one in-DNS sent the record to.
    PublishFailed = 15,
    RemoveFailureHidden = 16,
    // Commands from the driver. Subject: the component's actor id.
    Fail = 17,
    Recover = 18,
    SwitchPrimary = 19,
    RegionOffline = 20,
    RegionOnline = 21,
    // Driver steps. Subject: batch number.
    PublishRequested = 22,
    BatchPublished = 23,
    BatchStopped = 24,
    // A machine changed state. Subject: actor id, value: the state's code.
    StateChanged = 25,
    // A remove named a record the stream did not hold (it answers success
    // all the same). Subject: record id; region: the stream's.
    RemoveMissed = 26,
    // A fault command from the driver found its component holding records
    // (in hand, or queued in a stream). Subject: the component's actor id;
    // value: how many records it held.
    FaultFoundHolding = 27,
}

impl Kind {
    /// Every kind, in code order.
    pub const ALL: &'static [Kind] = Kind::VARIANTS;

    pub fn from_code(code: u8) -> Option<Kind> {
        Kind::from_repr(code)
    }

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The codes of the fixed events, the same in every architecture.
    const FIXED_CODES: std::ops::RangeInclusive<usize> = 15..=27;

    /// The codes an architecture's places (stages and replica stores) may
    /// take: every code but the fixed events'.
    pub const PLACE_CODES: usize = 256 - (*Kind::FIXED_CODES.end() - *Kind::FIXED_CODES.start() + 1);

    /// The event code of place `p` of an architecture: its stages, then its
    /// replica stores, take the codes the fixed events leave.
    pub const fn place_code(p: usize) -> usize {
        let fixed = Kind::FIXED_CODES;
        if p < *fixed.start() { p } else { p + *fixed.end() - *fixed.start() + 1 }
    }

    /// The event of place `p` of an architecture.
    pub fn place(p: usize) -> Kind {
        let code = Kind::place_code(p);
        let kind = Kind::from_code(code as u8).unwrap_or_else(|| panic!("place {p} has no event yet"));
        assert!(kind.is_place(), "place {p} took the code of {kind}");
        kind
    }

    /// The fixed event (not a place of an architecture) named `name`.
    pub fn fixed_by_name(name: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.name() == name && !k.is_place())
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One traced event. `time_us` is simulated microseconds since the run began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub time_us: u64,
    pub kind: Kind,
    /// 1 or 2 for the active regions, 3 for the replica-only region, 0 where
    /// no region applies.
    pub region: u8,
    /// A record id, an actor id or a batch number, as [`Kind`] says.
    pub subject: u32,
    /// Only for kinds that [`Kind::carries_value`]; 0 otherwise.
    pub value: u32,
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn a_kind_is_read_back_from_its_code_and_named_in_kebab_case() {
        assert_eq!(Kind::from_code(26), Some(Kind::RemoveMissed));
        assert_eq!(Kind::RemoveMissed.name(), "remove-missed");
        assert_eq!(Kind::ALL.len(), 28);
        assert_eq!(Kind::from_code(28), None);
    }
}
