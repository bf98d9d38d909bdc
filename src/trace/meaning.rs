//! What each trace event means, said once. Every reader of a trace (the
//! analysis's per-record facts and coverage situations, the timelines of
//! `wl1 replay` and of the HTML page, the diagnosis of a run) reads an
//! event's kind through this module: [`Kind::about`] is the one place that
//! tells the kinds apart, and [`Event::meaning`] names an event's subject,
//! region and value after what its kind says they are.

use super::event::{Event, Kind};

/// What a kind of event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    /// A record reached the pipeline stage of this index in
    /// [`Kind::STAGES`].
    Stage(usize),
    /// A record was stored by a replica of the database of this index in
    /// [`Kind::REPLICA_STORES`].
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
}

/// The component where a record reaches a pipeline stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    Source,
    Receiver,
    ReceiverDb,
    Validator,
    ValidatorDb,
    Inbound,
    Processor,
    ProcessorDb,
    Outbound,
    Destination,
}

impl Component {
    /// Its name in the topology, without the region of a regional one.
    pub fn name(self) -> &'static str {
        match self {
            Component::Source => "source",
            Component::Receiver => "receiver",
            Component::ReceiverDb => "receiver-db",
            Component::Validator => "validator",
            Component::ValidatorDb => "validator-db",
            Component::Inbound => "inbound",
            Component::Processor => "processor",
            Component::ProcessorDb => "processor-db",
            Component::Outbound => "outbound",
            Component::Destination => "destination",
        }
    }

    /// Whether each active region has its own (`receiver-1`,
    /// `receiver-2`), named with the event's region.
    pub fn regional(self) -> bool {
        matches!(
            self,
            Component::Receiver
                | Component::Validator
                | Component::Inbound
                | Component::Processor
                | Component::Outbound
        )
    }
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
    /// A driver step for `batch`; `records` published, for a stopped one.
    Step { step: Step, batch: u32, records: u32 },
    /// The machine `actor` is now in the state of code `state`.
    StateChanged { actor: u32, state: u32 },
    /// The fault command to `actor` found it holding `records` records.
    FoundHolding { actor: u32, records: u32 },
}

/// The number of pipeline stages.
const STAGE_COUNT: usize = 12;

impl Kind {
    /// What events of this kind are about: the one match on the kinds.
    pub const fn about(self) -> About {
        match self {
            Kind::Published => About::Stage(0),
            Kind::ReceiverInvoked => About::Stage(1),
            Kind::ReceiverDbStored => About::Stage(2),
            Kind::ValidatorInvoked => About::Stage(3),
            Kind::ValidatorDbStored => About::Stage(4),
            Kind::InboundAppended => About::Stage(5),
            Kind::ProcessorRead => About::Stage(6),
            Kind::ProcessorDbStored => About::Stage(7),
            Kind::OutboundAppended => About::Stage(8),
            Kind::InboundRemoved => About::Stage(9),
            Kind::DestinationReceived => About::Stage(10),
            Kind::OutboundRemoved => About::Stage(11),
            Kind::ReceiverReplicaStored => About::ReplicaStore(0),
            Kind::ValidatorReplicaStored => About::ReplicaStore(1),
            Kind::ProcessorReplicaStored => About::ReplicaStore(2),
            Kind::PublishFailed => About::Incident(Incident::PublishFailed),
            Kind::RemoveFailureHidden => About::Incident(Incident::RemoveFailureHidden),
            Kind::RemoveMissed => About::Incident(Incident::RemoveMissed),
            Kind::Fail => About::Command(Command::Fail),
            Kind::Recover => About::Command(Command::Recover),
            Kind::SwitchPrimary => About::Command(Command::SwitchPrimary),
            Kind::RegionOffline => About::Command(Command::RegionOffline),
            Kind::RegionOnline => About::Command(Command::RegionOnline),
            Kind::PublishRequested => About::Step(Step::PublishRequested),
            Kind::BatchPublished => About::Step(Step::BatchPublished),
            Kind::BatchStopped => About::Step(Step::BatchStopped),
            Kind::StateChanged => About::StateChanged,
            Kind::FaultFoundHolding => About::FoundHolding,
        }
    }

    /// The record stages every published record must reach, in pipeline
    /// order (MODEL.md, "Specification").
    pub const STAGES: [Kind; STAGE_COUNT] = {
        let mut stages = [Kind::Published; STAGE_COUNT];
        let mut i = 0;
        while i < Kind::ALL.len() {
            if let About::Stage(stage) = Kind::ALL[i].about() {
                stages[stage] = Kind::ALL[i];
            }
            i += 1;
        }
        stages
    };

    /// Replica stores: each record must reach all three regions of each.
    pub const REPLICA_STORES: [Kind; 3] = {
        let mut stores = [Kind::Published; 3];
        let mut i = 0;
        while i < Kind::ALL.len() {
            if let About::ReplicaStore(store) = Kind::ALL[i].about() {
                stores[store] = Kind::ALL[i];
            }
            i += 1;
        }
        stores
    };

    /// The index in [`Kind::STAGES`] of a stage's kind.
    #[inline]
    pub const fn stage(self) -> Option<usize> {
        match self.about() {
            About::Stage(stage) => Some(stage),
            _ => None,
        }
    }

    /// Whether events of this kind are a record reaching a place of the
    /// architecture (a stage or a replica store).
    #[inline]
    pub const fn is_place(self) -> bool {
        matches!(self.about(), About::Stage(_) | About::ReplicaStore(_))
    }

    /// Whether the subject of events of this kind is a record id.
    #[inline]
    pub const fn is_about_record(self) -> bool {
        matches!(self.about(), About::Stage(_) | About::ReplicaStore(_) | About::Incident(_))
    }

    /// Whether events of this kind carry a value besides their subject:
    /// the record's value at its publication and arrival, the records of a
    /// stopped batch or held at a fault, a machine's new state.
    #[inline]
    pub const fn carries_value(self) -> bool {
        matches!(
            self.about(),
            About::Stage(PUBLICATION | ARRIVAL)
                | About::Step(Step::BatchStopped)
                | About::StateChanged
                | About::FoundHolding
        )
    }
}

/// The stage index of a record's publication, and of its arrival at the
/// destination.
pub const PUBLICATION: usize = 0;
pub const ARRIVAL: usize = 10;

/// The component where a record reaches stage `stage`.
pub const fn component(stage: usize) -> Component {
    const COMPONENTS: [Component; STAGE_COUNT] = [
        Component::Source,
        Component::Receiver,
        Component::ReceiverDb,
        Component::Validator,
        Component::ValidatorDb,
        Component::Inbound,
        Component::Processor,
        Component::ProcessorDb,
        Component::Outbound,
        Component::Inbound,
        Component::Destination,
        Component::Outbound,
    ];
    COMPONENTS[stage]
}

impl Event {
    /// The event, its fields named as its kind says.
    #[inline]
    pub fn meaning(&self) -> Meaning {
        let (subject, region, value) = (self.subject, self.region, self.value);
        match self.kind.about() {
            About::Stage(stage) => {
                let value = self.kind.carries_value().then_some(value);
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

    /// The record the event is about, if it is about one.
    #[inline]
    pub fn record(&self) -> Option<u32> {
        self.kind.is_about_record().then_some(self.subject)
    }

    /// The pipeline stage the event's record reached, if it reached one.
    #[inline]
    pub fn stage(&self) -> Option<usize> {
        self.kind.stage()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stages_are_the_first_twelve_kinds_in_pipeline_order() {
        assert_eq!(&Kind::STAGES[..], &Kind::ALL[..STAGE_COUNT]);
        assert_eq!(Kind::STAGES[PUBLICATION], Kind::Published);
        assert_eq!(Kind::STAGES[ARRIVAL], Kind::DestinationReceived);
        assert_eq!(
            Kind::REPLICA_STORES,
            [Kind::ReceiverReplicaStored, Kind::ValidatorReplicaStored, Kind::ProcessorReplicaStored]
        );
        assert_eq!(component(PUBLICATION), Component::Source);
        for (i, kind) in Kind::STAGES.iter().enumerate() {
            assert_eq!(kind.stage(), Some(i));
            let component = component(i).name().split('-').next().unwrap();
            assert!(i == PUBLICATION || kind.name().starts_with(component), "{kind} at {component}");
        }
    }

    #[test]
    fn record_kinds_are_the_stages_the_replica_stores_and_the_incidents() {
        let about: Vec<Kind> = Kind::ALL.iter().copied().filter(|k| k.is_about_record()).collect();
        let mut expected = Kind::STAGES.to_vec();
        expected.extend(Kind::REPLICA_STORES);
        expected.extend([Kind::PublishFailed, Kind::RemoveFailureHidden, Kind::RemoveMissed]);
        assert_eq!(about, expected);
        let valued: Vec<Kind> = Kind::ALL.iter().copied().filter(|k| k.carries_value()).collect();
        let expected = [
            Kind::Published,
            Kind::DestinationReceived,
            Kind::BatchStopped,
            Kind::StateChanged,
            Kind::FaultFoundHolding,
        ];
        assert_eq!(valued, expected);
    }

    #[test]
    fn an_event_names_its_fields_after_its_kind() {
        let event = |kind, subject, value| Event { time_us: 5, kind, region: 2, subject, value };
        let arrival = event(Kind::DestinationReceived, 7, 70).meaning();
        assert_eq!(arrival, Meaning::Stage { record: 7, stage: ARRIVAL, region: 2, value: Some(70) });
        let stored = event(Kind::ProcessorReplicaStored, 7, 0).meaning();
        assert_eq!(stored, Meaning::ReplicaStore { record: 7, store: 2, region: 2 });
        let stopped = event(Kind::BatchStopped, 3, 40).meaning();
        assert_eq!(stopped, Meaning::Step { step: Step::BatchStopped, batch: 3, records: 40 });
        assert_eq!(event(Kind::Fail, 9, 0).record(), None);
        assert_eq!(event(Kind::RemoveMissed, 9, 0).record(), Some(9));
    }
}
