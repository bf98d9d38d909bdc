//! What a run records: one [`Event`] per place of its architecture a record
//! reaches (a stage, or a store by a database replica), per incident, per
//! fault command and per driver step. What each kind means, in the run's
//! architecture, is said in [`super::meaning`].

/// What happened: an event's code, as stored. The codes 15 to 32 are the
/// fixed events, the same in every architecture; every other code is a
/// place of the run's architecture ([`Kind::place`]), which its
/// [`super::Vocabulary`] tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Kind(u8);

/// The fixed events and their names, in code order from 15: append only.
const FIXED: [&str; 18] = [
    "publish-failed",
    "remove-failure-hidden",
    "fail",
    "recover",
    "switch-primary",
    "region-offline",
    "region-online",
    "publish-requested",
    "batch-published",
    "batch-stopped",
    "state-changed",
    "remove-missed",
    "fault-found-holding",
    "switch-regions",
    "fail-replication",
    "recover-replication",
    "answer-unmatched",
    "batch-republished",
];

/// The code of the first fixed event.
const FIRST_FIXED: u8 = 15;

impl Kind {
    /// A record's publication: every architecture's first stage.
    pub const PUBLISHED: Kind = Kind::place(0);
    /// A publication was refused. Subject: record id; region: the one the
    /// in-DNS sent it to.
    pub const PUBLISH_FAILED: Kind = Kind(15);
    /// A DNS answered success for a remove its stream had failed. Subject:
    /// record id.
    pub const REMOVE_FAILURE_HIDDEN: Kind = Kind(16);
    /// Commands from the driver. Subject: the component's actor id.
    pub const FAIL: Kind = Kind(17);
    pub const RECOVER: Kind = Kind(18);
    pub const SWITCH_PRIMARY: Kind = Kind(19);
    /// Region commands. Region: the one the DNS takes offline or back.
    pub const REGION_OFFLINE: Kind = Kind(20);
    pub const REGION_ONLINE: Kind = Kind(21);
    /// Driver steps. Subject: batch number.
    pub const PUBLISH_REQUESTED: Kind = Kind(22);
    pub const BATCH_PUBLISHED: Kind = Kind(23);
    /// Value: the records the batch published before it stopped.
    pub const BATCH_STOPPED: Kind = Kind(24);
    /// A machine changed state. Subject: actor id; value: the state's code.
    pub const STATE_CHANGED: Kind = Kind(25);
    /// A remove named a record the stream did not hold (it answers success
    /// all the same). Subject: record id; region: the stream's.
    pub const REMOVE_MISSED: Kind = Kind(26);
    /// A fault command found its component holding records (in hand, or
    /// queued in a stream). Subject: the component's actor id; value: how
    /// many records it held.
    pub const FAULT_FOUND_HOLDING: Kind = Kind(27);
    /// Commands from the driver to a global database or a failover DNS.
    /// Subject: its actor id.
    pub const SWITCH_REGIONS: Kind = Kind(28);
    pub const FAIL_REPLICATION: Kind = Kind(29);
    pub const RECOVER_REPLICATION: Kind = Kind(30);
    /// A container was answered an insert it had not asked for, or not
    /// now: a regional database answering a copy replicated across a
    /// switch of the active region. Subject: the record the answer names;
    /// region: the container's.
    pub const ANSWER_UNMATCHED: Kind = Kind(31);
    /// The source started again a batch it had started before: it
    /// publishes it whole, from its first record. Subject: batch number;
    /// value: how many of its records it had published before, which it
    /// publishes again.
    pub const BATCH_REPUBLISHED: Kind = Kind(32);

    /// The fixed event of the highest code.
    pub const LAST_FIXED: Kind = Kind(FIRST_FIXED + FIXED.len() as u8 - 1);

    /// The codes an architecture's places may take: every code but the
    /// fixed events'.
    pub const PLACE_CODES: usize = 256 - FIXED.len();

    /// The kind of a stored code; whether the run's architecture has such
    /// a place is its vocabulary's to say.
    pub const fn from_code(code: u8) -> Kind {
        Kind(code)
    }

    pub const fn code(self) -> u8 {
        self.0
    }

    /// The event of place `p` of an architecture (its stages, then its
    /// replica stores): the codes the fixed events leave, in order.
    pub const fn place(p: usize) -> Kind {
        assert!(p < Kind::PLACE_CODES, "an architecture has at most PLACE_CODES places");
        let fixed = FIRST_FIXED as usize;
        Kind(if p < fixed { p } else { p + FIXED.len() } as u8)
    }

    /// Which place of its architecture this kind is, if it is not a fixed
    /// event.
    #[inline]
    pub const fn place_index(self) -> Option<usize> {
        let (code, fixed) = (self.0 as usize, FIRST_FIXED as usize);
        if code < fixed {
            Some(code)
        } else if code < fixed + FIXED.len() {
            None
        } else {
            Some(code - FIXED.len())
        }
    }

    /// The name of a fixed event; places are named by their architecture.
    pub fn fixed_name(self) -> Option<&'static str> {
        self.place_index().is_none().then(|| FIXED[(self.0 - FIRST_FIXED) as usize])
    }

    /// Every fixed event, in code order.
    pub fn fixed() -> impl Iterator<Item = Kind> {
        (0..FIXED.len() as u8).map(|i| Kind(FIRST_FIXED + i))
    }

    /// The fixed event named `name`.
    pub fn fixed_by_name(name: &str) -> Option<Kind> {
        Kind::fixed().find(|k| k.fixed_name() == Some(name))
    }
}

/// One traced event. `time_us` is simulated microseconds since the run began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub time_us: u64,
    pub kind: Kind,
    /// The region of the component where it happened (a replica's, a
    /// stream's), 0 where no region applies.
    pub region: u8,
    /// A record id, an actor id or a batch number, as [`Kind`] says.
    pub subject: u32,
    /// Only for kinds that carry one (see [`super::Vocabulary`]); 0
    /// otherwise.
    pub value: u32,
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn places_take_the_codes_the_fixed_events_leave() {
        assert_eq!(Kind::place(14).code(), 14);
        assert_eq!(Kind::place(15).code(), 33);
        assert_eq!(Kind::place(Kind::PLACE_CODES - 1).code(), 255);
        for p in [0, 14, 15, 200] {
            assert_eq!(Kind::place(p).place_index(), Some(p));
        }
        let fixed: Vec<Kind> = Kind::fixed().collect();
        assert_eq!(fixed.first(), Some(&Kind::PUBLISH_FAILED));
        assert_eq!(fixed.last(), Some(&Kind::BATCH_REPUBLISHED));
        assert_eq!(Kind::LAST_FIXED, Kind::BATCH_REPUBLISHED);
        assert!(fixed.iter().all(|k| k.place_index().is_none()));
    }

    #[test]
    fn a_fixed_kind_is_found_by_its_kebab_case_name() {
        assert_eq!(Kind::fixed_by_name("remove-missed"), Some(Kind::REMOVE_MISSED));
        assert_eq!(Kind::REMOVE_MISSED.fixed_name(), Some("remove-missed"));
        assert_eq!(Kind::place(3).fixed_name(), None);
        assert_eq!(Kind::fixed_by_name("published"), None, "a place is named by its architecture");
    }
}
