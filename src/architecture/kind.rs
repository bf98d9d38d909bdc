//! The machine library: every kind of component an architecture file may
//! name, with the wires and parameters each takes and the fault commands
//! that may target it.

use strum::{EnumString, IntoStaticStr, VariantArray};

/// A kind of component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum ComponentKind {
    /// Publishes the scenario's batches, a record at a time, through a DNS.
    Source,
    /// Routes each record to one region's container, alternating or at random.
    WeightedDns,
    /// A container behind an API: stores what it is given, then calls the next step.
    ApiContainer,
    /// A container that reads a stream, stores each record and appends it to another stream.
    StreamContainer,
    /// A MongoDB Atlas cluster: a primary and its regional replicas.
    Mongo,
    /// One regional replica of a MongoDB cluster.
    MongoReplica,
    /// A Kafka stream: appends, batched deliveries to its one consumer, removes.
    Kafka,
    /// Routes the destination's reads and removes to one region's stream.
    OutDns,
    /// Reads what the pipeline delivers, through an out-DNS.
    Destination,
}

/// Which way records flow along a wire, from the instance that names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// From the instance to the one it names.
    Out,
    /// From the one it names to the instance.
    In,
}

/// A reference from one instance to others, by name.
#[derive(Clone, Copy, Debug)]
pub struct Wire {
    pub key: &'static str,
    /// The kinds it may name.
    pub to: &'static [ComponentKind],
    pub flow: Flow,
    /// A family, one instance per region of these (`receiver-{r}` from a
    /// DNS), or `None` for one instance.
    pub over: Option<Over>,
}

/// The regions a family spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumString, IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Over {
    /// The active regions.
    Active,
    /// The active regions and those that host replicas only.
    All,
}

/// What an instance of a kind does to a record that a stage may name: each
/// is traced, as the stage's event, where a stage names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Action {
    /// A source published the record.
    Published,
    /// An API container was invoked with it.
    Invoked,
    /// A stream container read it from its input stream.
    Read,
    /// A database stored it on its primary.
    Stored,
    /// A stream appended it.
    Appended,
    /// A stream removed it.
    Removed,
    /// A destination received it.
    Received,
}

impl Action {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// A fault command of a drill or of chaos.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Command {
    /// `fail` and `recover`.
    Fail,
    /// `switch_primary`.
    SwitchPrimary,
    /// `region_offline` and `region_online`.
    RegionOffline,
}

const fn wire(key: &'static str, to: &'static [ComponentKind], flow: Flow) -> Wire {
    Wire { key, to, flow, over: None }
}

const fn routes(to: &'static [ComponentKind], flow: Flow) -> Wire {
    Wire { key: "routes", to, flow, over: Some(Over::Active) }
}

use ComponentKind::*;

impl ComponentKind {
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// "a kafka", "an out-dns".
    pub fn a(self) -> String {
        let article = if self.name().starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {}", self.name())
    }

    /// The wires an instance of this kind has, every one required.
    pub fn wires(self) -> &'static [Wire] {
        match self {
            Source => const { &[wire("dns", &[WeightedDns], Flow::Out)] },
            WeightedDns => const { &[routes(&[ApiContainer], Flow::Out)] },
            ApiContainer => {
                const { &[wire("db", &[Mongo], Flow::Out), wire("next", &[ApiContainer, Kafka], Flow::Out)] }
            }
            StreamContainer => {
                const {
                    &[
                        wire("input", &[Kafka], Flow::In),
                        wire("db", &[Mongo], Flow::Out),
                        wire("output", &[Kafka], Flow::Out),
                    ]
                }
            }
            Mongo => const { &[Wire { key: "replicas", to: &[MongoReplica], flow: Flow::Out, over: Some(Over::All) }] },
            MongoReplica | Kafka => &[],
            OutDns => const { &[routes(&[Kafka], Flow::In)] },
            Destination => const { &[wire("dns", &[OutDns], Flow::In)] },
        }
    }

    /// The parameters an instance of this kind may set, besides its wires.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            WeightedDns => &["policy", "service"],
            Mongo => &["primary", "service"],
            _ => &["service"],
        }
    }

    /// The entry of the latency profile's service times an instance of this
    /// kind takes unless it names another (`service`).
    pub fn service(self) -> &'static str {
        match self {
            Source => "source",
            WeightedDns | OutDns => "dns",
            ApiContainer => "receiver",
            StreamContainer => "processor",
            Mongo => "database",
            MongoReplica => "replica",
            Kafka => "kafka",
            Destination => "destination",
        }
    }

    /// What an instance of this kind does that a stage may name.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Source => &[Action::Published],
            ApiContainer => &[Action::Invoked],
            StreamContainer => &[Action::Read],
            Mongo => &[Action::Stored],
            Kafka => &[Action::Appended, Action::Removed],
            Destination => &[Action::Received],
            WeightedDns | MongoReplica | OutDns => &[],
        }
    }

    /// The fault commands that may target an instance of this kind.
    pub fn commands(self) -> &'static [Command] {
        match self {
            ApiContainer | StreamContainer | Kafka => &[Command::Fail],
            Mongo => &[Command::Fail, Command::SwitchPrimary],
            WeightedDns | OutDns => &[Command::RegionOffline],
            Source | MongoReplica | Destination => &[],
        }
    }
}

impl Command {
    pub fn name(self) -> &'static str {
        self.into()
    }
}
