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
    /// A queue: appends, the head record delivered to each registered reader, removes of the head.
    Queue,
    /// Routes to the queue of its active region, switched by command; reads register at both
    /// queues while region 1 is active.
    FailoverDns,
    /// An Aurora global database: writes go to the active region's database and, through the
    /// replicator, to the passive one.
    Aurora,
    /// One regional database of an Aurora global database: appends every write; answers while
    /// active.
    AuroraRegional,
    /// Copies an Aurora database's writes to the passive region, asynchronously.
    AuroraReplicator,
    /// A DynamoDB global table: each region's writes go to its own table and, through the
    /// replicator, to the other.
    Dynamo,
    /// One regional table of a DynamoDB global table: appends every write; answers its own
    /// region's writers.
    DynamoRegional,
    /// Copies each region's writes to the other region's table, asynchronously.
    DynamoReplicator,
}

/// Which way records flow along a wire, from the instance that names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// From the instance to the one it names.
    Out,
    /// From the one it names to the instance.
    In,
    /// Either way: a DNS that routes records to its queues and reads from them.
    Both,
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
    /// `switch_regions`: the active region of an Aurora database or a failover DNS.
    SwitchRegions,
    /// `fail_replication` and `recover_replication`.
    FailReplication,
}

const fn wire(key: &'static str, to: &'static [ComponentKind], flow: Flow) -> Wire {
    Wire { key, to, flow, over: None }
}

const fn routes(to: &'static [ComponentKind], flow: Flow) -> Wire {
    Wire { key: "routes", to, flow, over: Some(Over::Active) }
}

/// The regional databases of a global one, one per active region.
const fn regional(to: &'static [ComponentKind]) -> Wire {
    Wire { key: "replicas", to, flow: Flow::Out, over: Some(Over::Active) }
}

const STREAMS: &[ComponentKind] = &[Kafka, Queue];

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
            Source => const { &[wire("dns", &[WeightedDns, FailoverDns], Flow::Out)] },
            WeightedDns => const { &[routes(&[ApiContainer, Queue], Flow::Out)] },
            ApiContainer => {
                const { &[wire("db", &[Mongo], Flow::Out), wire("next", &[ApiContainer, Kafka], Flow::Out)] }
            }
            StreamContainer => {
                const {
                    &[
                        wire("input", STREAMS, Flow::In),
                        wire("db", &[Mongo, Aurora, Dynamo], Flow::Out),
                        wire("output", STREAMS, Flow::Out),
                    ]
                }
            }
            Mongo => const { &[Wire { key: "replicas", to: &[MongoReplica], flow: Flow::Out, over: Some(Over::All) }] },
            MongoReplica | Kafka | Queue | AuroraRegional | DynamoRegional => &[],
            OutDns => const { &[routes(STREAMS, Flow::In)] },
            Destination => const { &[wire("dns", &[OutDns, FailoverDns], Flow::In)] },
            FailoverDns => const { &[routes(&[Queue], Flow::Both)] },
            Aurora => const { &[regional(&[AuroraRegional]), wire("replicator", &[AuroraReplicator], Flow::Out)] },
            AuroraReplicator => const { &[regional(&[AuroraRegional])] },
            Dynamo => const { &[regional(&[DynamoRegional]), wire("replicator", &[DynamoReplicator], Flow::Out)] },
            DynamoReplicator => const { &[regional(&[DynamoRegional])] },
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
            WeightedDns | OutDns | FailoverDns => "dns",
            ApiContainer => "receiver",
            StreamContainer => "processor",
            Mongo | Aurora | Dynamo => "database",
            MongoReplica | AuroraRegional | AuroraReplicator | DynamoRegional | DynamoReplicator => "replica",
            Kafka | Queue => "kafka",
            Destination => "destination",
        }
    }

    /// Whether it is a container, which handles records in a region.
    pub fn is_container(self) -> bool {
        matches!(self, ApiContainer | StreamContainer)
    }

    /// What an instance of this kind does that a stage may name.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Source => &[Action::Published],
            ApiContainer => &[Action::Invoked],
            StreamContainer => &[Action::Read],
            Mongo | Aurora | Dynamo => &[Action::Stored],
            Kafka | Queue => &[Action::Appended, Action::Removed],
            Destination => &[Action::Received],
            WeightedDns | MongoReplica | OutDns | FailoverDns => &[],
            AuroraRegional | AuroraReplicator | DynamoRegional | DynamoReplicator => &[],
        }
    }

    /// The fault commands that may target an instance of this kind.
    pub fn commands(self) -> &'static [Command] {
        match self {
            ApiContainer | StreamContainer | Kafka | Queue => &[Command::Fail],
            Mongo => &[Command::Fail, Command::SwitchPrimary],
            Aurora => &[Command::Fail, Command::SwitchRegions, Command::FailReplication],
            Dynamo => &[Command::Fail, Command::FailReplication],
            WeightedDns | OutDns => &[Command::RegionOffline],
            FailoverDns => &[Command::SwitchRegions],
            Source | MongoReplica | Destination => &[],
            AuroraRegional | AuroraReplicator | DynamoRegional | DynamoReplicator => &[],
        }
    }
}

impl Command {
    pub fn name(self) -> &'static str {
        self.into()
    }
}
