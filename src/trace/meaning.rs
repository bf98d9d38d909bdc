//! What each trace event means, said once. Every reader of a trace (the
//! analysis's per-record facts and coverage situations, the timelines of
//! `wl1 replay` and of the HTML page, the diagnosis of a run) reads an
//! event's kind through this module: [`Vocabulary::about`] is the one place
//! that tells the kinds apart, in the run's architecture, and
//! [`Event::meaning`] names an event's subject, region and value after what
//! its kind says they are.

use serde::{Deserialize, Serialize};

use super::event::{Event, Kind};

/// What a kind of event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    /// A record reached the stage of this index of the architecture.
    Stage(usize),
    /// A record was stored by a replica of the architecture's replicated
    /// database of this index.
    ReplicaStore(usize),
    /// Something befell a record on its way.
    Incident(Incident),
    /// A fault command from the driver.
    Command(Command),
    /// A step of the driver through its batches.
    Step(Step),
    /// A machine changed state.
    StateChanged,
    /// A fault command found its component holding records.
    FoundHolding,
}

/// What befell a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incident {
    /// Its publication was refused; the region is the one in-DNS sent it to.
    PublishFailed,
    /// Out-DNS answered success for a remove the stream had failed.
    RemoveFailureHidden,
    /// A remove named it in a stream that did not hold it (answered success
    /// all the same); the region is the stream's.
    RemoveMissed,
    /// An answer to its insert reached a container that was not awaiting
    /// it; the region is the container's.
    AnswerUnmatched,
}

/// A fault command from the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// A component fails; subject: its actor id.
    Fail,
    /// A component recovers; subject: its actor id.
    Recover,
    /// A database cluster's primary moves; subject: the cluster's actor id.
    SwitchPrimary,
    /// The DNS takes the event's region offline.
    RegionOffline,
    /// The DNS takes the event's region back.
    RegionOnline,
    /// A global database or a failover DNS makes its other region the
    /// active one; subject: its actor id.
    SwitchRegions,
    /// A global database's replication fails, or recovers; subject: its
    /// actor id.
    FailReplication,
    RecoverReplication,
}

/// A step of the driver; subject: the batch number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The driver asked the source to publish the batch.
    PublishRequested,
    /// The source published the whole batch.
    BatchPublished,
    /// The source stopped the batch early; value: the records it published.
    BatchStopped,
    /// The source started again a batch it had started before, whole, from
    /// its first record; value: the records it had published before, which
    /// it publishes again (each a duplicate at the publication stage).
    BatchRepublished,
}

/// One event, its fields named as its kind says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// `record` reached the pipeline stage of index `stage` in `region`
    /// (0 for a publication, which no region has yet); `value` is the
    /// record's value where the stage carries it (publication, arrival).
    Stage { record: u32, stage: usize, region: u8, value: Option<u32> },
    /// `record` was stored by the replica in `region` of the database of
    /// index `store`.
    ReplicaStore { record: u32, store: usize, region: u8 },
    /// Something befell `record`, in `region`.
    Incident { record: u32, incident: Incident, region: u8 },
    /// A fault command to the component `actor` (0 for region commands),
    /// or to `region`.
    Command { command: Command, actor: u32, region: u8 },
    /// A driver step for `batch`; `records` published, for a stopped one,
    /// or published before, for a republished one.
    Step { step: Step, batch: u32, records: u32 },
    /// The machine `actor` is now in the state of code `state`.
    StateChanged { actor: u32, state: u32 },
    /// The fault command to `actor` found it holding `records` records.
    FoundHolding { actor: u32, records: u32 },
}

/// How a run's event codes divide between the places of its architecture
/// (its stages, then its replica stores) and the fixed events, and which
/// carry a value: drawn from the architecture, and stored in a trace's
/// spec so that its runs are read without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocabulary {
    stages: u8,
    places: u8,
    arrival: u8,
    regions: u8,
    instances: u8,
}

/// The bits of an event's code in the compact layout's one byte; the
/// other bits hold its region.
pub const COMPACT_CODE_BITS: u8 = 6;

/// The stage index of a record's publication: every architecture's first.
pub const PUBLICATION: usize = 0;

impl Vocabulary {
    /// `stages` stages then replica stores up to `places` places, the
    /// stage of index `arrival` a record's arrival at the destination,
    /// regions numbered up to `regions`, actors (the instances) numbered
    /// from 1 to `instances`; `None` beyond what codes can say.
    pub fn new(stages: usize, places: usize, arrival: usize, regions: u8, instances: u8) -> Option<Vocabulary> {
        let fits = PUBLICATION < arrival && arrival < stages && stages <= places && places <= Kind::PLACE_CODES;
        let (stages, places, arrival) = (stages as u8, places as u8, arrival as u8);
        (fits && instances > 0).then_some(Vocabulary { stages, places, arrival, regions, instances })
    }

    /// How many instances the architecture has: its actors besides the
    /// driver.
    pub fn instances(self) -> u8 {
        self.instances
    }

    /// Whether it is one [`Vocabulary::new`] makes: a stored one may be
    /// forged.
    pub fn is_sound(self) -> bool {
        Vocabulary::new(self.stages(), self.places as usize, self.arrival(), self.regions, self.instances) == Some(self)
    }

    /// The number of stages.
    pub fn stages(self) -> usize {
        self.stages as usize
    }

    /// The stage index of a record's arrival at the destination.
    pub fn arrival(self) -> usize {
        self.arrival as usize
    }

    /// Whether a stored event of this kind, in `region`, is one the run's
    /// architecture can record.
    pub fn knows(self, kind: Kind, region: u8) -> bool {
        region <= self.regions && kind.place_index().is_none_or(|p| p < self.places as usize)
    }

    /// What events of this kind are about: the one match on the kinds.
    #[inline]
    pub fn about(self, kind: Kind) -> About {
        match kind.place_index() {
            Some(p) if p < self.stages as usize => About::Stage(p),
            Some(p) => {
                debug_assert!(p < self.places as usize, "place {p} of a vocabulary of {}", self.places);
                About::ReplicaStore(p - self.stages as usize)
            }
            None => fixed_about(kind),
        }
    }

    /// The stage index of events of this kind, if they are a stage.
    #[inline]
    pub fn stage(self, kind: Kind) -> Option<usize> {
        kind.place_index().filter(|&p| p < self.stages as usize)
    }

    /// Whether events of this kind carry a value besides their subject:
    /// the record's value at its publication and arrival, the records of a
    /// stopped batch, republished or held at a fault, a machine's new
    /// state.
    #[inline]
    pub fn carries_value(self, kind: Kind) -> bool {
        match kind.place_index() {
            Some(p) => p == PUBLICATION || p == self.arrival as usize,
            None => matches!(
                kind,
                Kind::BATCH_STOPPED | Kind::BATCH_REPUBLISHED | Kind::STATE_CHANGED | Kind::FAULT_FOUND_HOLDING
            ),
        }
    }

    /// Whether every code and region fits the one byte of the compact
    /// event layout ([`COMPACT_CODE_BITS`] of code, the rest of region).
    pub fn compact(self) -> bool {
        let highest = Kind::place(self.places as usize - 1).code().max(Kind::LAST_FIXED.code());
        highest < 1 << COMPACT_CODE_BITS && self.regions < 1 << (8 - COMPACT_CODE_BITS)
    }
}

impl Kind {
    /// Whether the subject of events of this kind is a record id, in every
    /// architecture: a place, or an incident on the way.
    #[inline]
    pub const fn is_about_record(self) -> bool {
        self.place_index().is_some()
            || matches!(
                self,
                Kind::PUBLISH_FAILED | Kind::REMOVE_FAILURE_HIDDEN | Kind::REMOVE_MISSED | Kind::ANSWER_UNMATCHED
            )
    }
}

/// What a fixed event is about.
const fn fixed_about(kind: Kind) -> About {
    match kind {
        Kind::PUBLISH_FAILED => About::Incident(Incident::PublishFailed),
        Kind::REMOVE_FAILURE_HIDDEN => About::Incident(Incident::RemoveFailureHidden),
        Kind::REMOVE_MISSED => About::Incident(Incident::RemoveMissed),
        Kind::ANSWER_UNMATCHED => About::Incident(Incident::AnswerUnmatched),
        Kind::FAIL => About::Command(Command::Fail),
        Kind::RECOVER => About::Command(Command::Recover),
        Kind::SWITCH_PRIMARY => About::Command(Command::SwitchPrimary),
        Kind::REGION_OFFLINE => About::Command(Command::RegionOffline),
        Kind::REGION_ONLINE => About::Command(Command::RegionOnline),
        Kind::SWITCH_REGIONS => About::Command(Command::SwitchRegions),
        Kind::FAIL_REPLICATION => About::Command(Command::FailReplication),
        Kind::RECOVER_REPLICATION => About::Command(Command::RecoverReplication),
        Kind::PUBLISH_REQUESTED => About::Step(Step::PublishRequested),
        Kind::BATCH_PUBLISHED => About::Step(Step::BatchPublished),
        Kind::BATCH_STOPPED => About::Step(Step::BatchStopped),
        Kind::BATCH_REPUBLISHED => About::Step(Step::BatchRepublished),
        Kind::STATE_CHANGED => About::StateChanged,
        Kind::FAULT_FOUND_HOLDING => About::FoundHolding,
        _ => panic!("not a fixed event"),
    }
}

impl Event {
    /// The record the event is about, if it is about one.
    #[inline]
    pub fn record(&self) -> Option<u32> {
        self.kind.is_about_record().then_some(self.subject)
    }

    /// The event, its fields named as its kind says in `vocabulary`.
    #[inline]
    pub fn meaning(&self, vocabulary: Vocabulary) -> Meaning {
        let (subject, region, value) = (self.subject, self.region, self.value);
        match vocabulary.about(self.kind) {
            About::Stage(stage) => {
                let value = vocabulary.carries_value(self.kind).then_some(value);
                Meaning::Stage { record: subject, stage, region, value }
            }
            About::ReplicaStore(store) => Meaning::ReplicaStore { record: subject, store, region },
            About::Incident(incident) => Meaning::Incident { record: subject, incident, region },
            About::Command(command) => Meaning::Command { command, actor: subject, region },
            About::Step(step) => Meaning::Step { step, batch: subject, records: value },
            About::StateChanged => Meaning::StateChanged { actor: subject, state: value },
            About::FoundHolding => Meaning::FoundHolding { actor: subject, records: value },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Workload1's: twelve stages, three replica stores, arrival tenth.
    fn workload1() -> Vocabulary {
        Vocabulary::new(12, 15, 10, 3, 26).unwrap()
    }

    #[test]
    fn places_are_stages_then_replica_stores_and_the_rest_is_fixed() {
        let v = workload1();
        assert_eq!(v.about(Kind::place(11)), About::Stage(11));
        assert_eq!(v.about(Kind::place(12)), About::ReplicaStore(0));
        assert_eq!(v.about(Kind::REMOVE_MISSED), About::Incident(Incident::RemoveMissed));
        assert!(v.knows(Kind::place(14), 3) && !v.knows(Kind::place(15), 1) && !v.knows(Kind::FAIL, 4));
        assert!(v.compact());
        let wide = Vocabulary::new(40, 48, 38, 3, 26).unwrap();
        assert_eq!(wide.about(Kind::place(39)), About::Stage(39));
        assert!(!wide.compact());
        assert_eq!(Vocabulary::new(5, 4, 3, 3, 26), None, "more stages than places");
        assert_eq!(Vocabulary::new(5, 6, 0, 3, 26), None, "arrival at publication");
    }

    #[test]
    fn compact_while_every_code_is_below_64_and_every_region_below_4() {
        // Place 46 takes code 46 + 18 = 64 (the fixed events take 15 to 32).
        let last_compact = Vocabulary::new(40, 46, 38, 3, 26).unwrap();
        assert_eq!(Kind::place(45).code(), 63);
        assert!(last_compact.compact());
        assert!(!Vocabulary::new(40, 47, 38, 3, 26).unwrap().compact(), "code 64");
        assert!(!Vocabulary::new(12, 15, 10, 4, 26).unwrap().compact(), "region 4");
        assert!(Vocabulary::new(2, 2, 1, 0, 1).unwrap().compact(), "the fixed events fit whatever the places");
    }

    #[test]
    fn publication_and_arrival_carry_a_value_wherever_arrival_is() {
        let valued = |v: Vocabulary| -> Vec<Kind> {
            (0..=255).map(Kind::from_code).filter(|&k| v.knows(k, 0) && v.carries_value(k)).collect()
        };
        let fixed = [Kind::BATCH_STOPPED, Kind::STATE_CHANGED, Kind::FAULT_FOUND_HOLDING, Kind::BATCH_REPUBLISHED];
        assert_eq!(valued(workload1()), [&[Kind::PUBLISHED, Kind::place(10)][..], &fixed].concat());
        let shorter = Vocabulary::new(10, 12, 8, 3, 26).unwrap();
        assert_eq!(valued(shorter), [&[Kind::PUBLISHED, Kind::place(8)][..], &fixed].concat());
    }

    #[test]
    fn an_event_names_its_fields_after_its_kind() {
        let event = |kind, subject, value| Event { time_us: 5, kind, region: 2, subject, value };
        let arrival = event(Kind::place(10), 7, 70).meaning(workload1());
        assert_eq!(arrival, Meaning::Stage { record: 7, stage: 10, region: 2, value: Some(70) });
        let stored = event(Kind::place(14), 7, 0).meaning(workload1());
        assert_eq!(stored, Meaning::ReplicaStore { record: 7, store: 2, region: 2 });
        let stopped = event(Kind::BATCH_STOPPED, 3, 40).meaning(workload1());
        assert_eq!(stopped, Meaning::Step { step: Step::BatchStopped, batch: 3, records: 40 });
        let again = event(Kind::BATCH_REPUBLISHED, 3, 7).meaning(workload1());
        assert_eq!(again, Meaning::Step { step: Step::BatchRepublished, batch: 3, records: 7 });
        assert_eq!(event(Kind::FAIL, 9, 0).record(), None);
        assert_eq!(event(Kind::REMOVE_MISSED, 9, 0).record(), Some(9));
        assert_eq!(event(Kind::place(20), 9, 0).record(), Some(9));
    }
}
