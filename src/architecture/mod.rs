//! Architectures as data: a pipeline's regions, instances (each of a kind
//! of the machine library, [`kind`]), their wiring, the fault commands each
//! may take and the record stages its specification checks, read from a
//! TOML file and checked before anything runs. Built-in architectures are
//! such files embedded in the binary; `docs/architectures.md` documents
//! the format.
//!
//! ```toml
//! name = "tiny"
//! regions = [1, 2]                 # active regions
//! replica_regions = [3]            # regions that host replicas only
//!
//! [[instance]]
//! name = "receiver-{r}"            # a family: one per active region
//! kind = "api-container"
//! db = "receiver-db"
//! next = "inbound-{r}"             # the same region's instance
//! ```
//!
//! Instances are numbered in file order from 1 (0 is the driver), a family
//! region by region.

mod check;
mod file;
pub mod kind;
mod variants;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, LazyLock};

pub use kind::{Action, Command, ComponentKind};

use crate::config::read_text_file;
use crate::engine::ActorId;
use crate::trace::{Kind, Vocabulary};

/// The longest architecture file: what a trace header holds of one.
pub const MAX_FILE_BYTES: u64 = crate::trace::format::MAX_ARCHITECTURE_LEN as u64;
/// The most instances, families expanded (actor ids are bytes; 0 is the driver).
pub const MAX_INSTANCES: usize = 250;
/// The highest region number.
pub const MAX_REGION: u8 = 8;
/// The most record stages.
pub const MAX_STAGES: usize = 64;
/// The most places, stages and replica stores together: each has its own
/// trace event code besides the fixed ones.
pub const MAX_PLACES: usize = crate::trace::Kind::PLACE_CODES;
/// The longest instance or architecture name.
pub const MAX_NAME_LEN: usize = 64;

/// The built-in architectures: name and file text.
pub const BUILT_IN: [(&str, &str); 3] = [
    ("workload1", include_str!("workload1.toml")),
    ("active-passive", include_str!("active-passive.toml")),
    ("active-active", include_str!("active-active.toml")),
];

/// An architecture, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Architecture {
    pub name: String,
    pub description: String,
    /// The active regions, ascending.
    pub regions: Vec<u8>,
    /// Regions that host replicas only, ascending.
    pub replica_regions: Vec<u8>,
    /// Instance `i` is actor `i + 1`.
    pub instances: Vec<Instance>,
    /// Per command, the instances it may target, ascending.
    pub faults: BTreeMap<Command, Vec<usize>>,
    pub stages: Vec<Stage>,
    pub orders: Vec<Order>,
    /// At every place, regions merged, records come in publish order (a
    /// repeat of the last one aside), as the ActivePassive study's
    /// specification asserts at every queue operation and database write.
    pub publish_order: bool,
}

/// One instance of a component kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    pub name: String,
    pub kind: ComponentKind,
    pub region: u8,
    /// Per wire of its kind, the instances it names.
    pub wires: Vec<(&'static str, Vec<usize>)>,
    /// Per parameter set, its value as written.
    pub parameters: Vec<(&'static str, String)>,
    /// The entry of the latency profile's service times it takes.
    pub service: &'static str,
}

impl Instance {
    /// The instances its wire `key` names; none if it has no such wire.
    pub fn wire(&self, key: &str) -> &[usize] {
        self.wires.iter().find(|(k, _)| *k == key).map_or(&[], |(_, to)| to.as_slice())
    }
}

/// A stage every record must reach: an action of some instances, traced
/// as the stage's event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub event: String,
    pub at: Vec<usize>,
    pub action: Action,
    /// The stage whose reaching causes this one (a hop of the latency
    /// tables); none for the publication.
    pub cause: Option<usize>,
}

/// A safety property: no record reaches stage `then` before stage `first`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub name: String,
    pub first: usize,
    pub then: usize,
}

/// What is wrong with an architecture file, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchitectureError {
    /// The file, or the built-in architecture's name.
    pub origin: String,
    /// From 1, where one applies.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ArchitectureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl Architecture {
    /// Reads and checks the architecture in `text`; errors name `origin`.
    pub fn parse(text: &str, origin: &str) -> Result<Architecture, ArchitectureError> {
        let error = |line, message| ArchitectureError { origin: origin.to_string(), line, message };
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(error(None, format!("more than {MAX_FILE_BYTES} bytes")));
        }
        let file: file::ArchitectureFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start));
            error(line, e.message().trim_end().to_string())
        })?;
        check::architecture(file).map_err(|(at, message)| error(at.map(|offset| line_of(text, offset)), message))
    }

    /// The architecture file at `path`, read with a bound and checked.
    pub fn resolve_file(path: &Path) -> Result<Architecture, String> {
        let text = read_text_file(path, MAX_FILE_BYTES)?;
        Architecture::parse(&text, &path.display().to_string()).map_err(|e| e.to_string())
    }

    /// The instance named `name`.
    pub fn by_name(&self, name: &str) -> Option<usize> {
        self.instances.iter().position(|i| i.name == name)
    }

    /// The name of an actor of a run: instance `actor - 1`, or the driver
    /// (actor 0).
    pub fn actor_name(&self, actor: ActorId) -> &str {
        match actor {
            0 => "driver",
            a => self.instances.get(a as usize - 1).map_or("no-such-actor", |i| i.name.as_str()),
        }
    }

    /// The home region of an actor of a run; 0 for the driver, which is
    /// in none.
    pub fn actor_region(&self, actor: ActorId) -> u8 {
        match actor {
            0 => 0,
            a => self.instances[a as usize - 1].region,
        }
    }

    /// The source's actor (the check makes it one).
    pub fn source(&self) -> ActorId {
        let i = self.instances.iter().position(|i| i.kind == ComponentKind::Source).expect("checked: a source");
        i as ActorId + 1
    }

    /// The destination's actor (the check makes it one).
    pub fn destination(&self) -> ActorId {
        let i = self.instances.iter().position(|i| i.kind == ComponentKind::Destination);
        i.expect("checked: a destination") as ActorId + 1
    }

    /// The instances of active region `region` that its speed and slow
    /// periods apply to: its containers, streams and database replicas (not
    /// the source, DNSs, databases or destination, which serve every region).
    pub fn region_instances(&self, region: u8) -> impl Iterator<Item = ActorId> + '_ {
        let regional = |kind| {
            use ComponentKind::*;
            matches!(kind, ApiContainer | StreamContainer | Kafka | MongoReplica)
        };
        let instances = self.instances.iter().enumerate();
        instances.filter(move |(_, i)| i.region == region && regional(i.kind)).map(|(a, _)| a as ActorId + 1)
    }

    /// The streams of `region` the destination reads from: those its DNS
    /// routes to there.
    pub fn delivering(&self, region: u8) -> impl Iterator<Item = ActorId> + '_ {
        let destination = &self.instances[self.destination() as usize - 1];
        let streams = destination.wire("dns").iter().flat_map(|&dns| self.instances[dns].wire("routes"));
        streams.filter(move |&&s| self.instances[s].region == region).map(|&s| s as ActorId + 1)
    }

    /// The instances `command` may target, ascending.
    pub fn targets(&self, command: Command) -> &[usize] {
        self.faults.get(&command).map_or(&[], Vec::as_slice)
    }

    /// The stage of a record's publication: the first (the check makes it so).
    pub fn publication(&self) -> usize {
        0
    }

    /// The stage of a record's arrival at the destination.
    pub fn arrival(&self) -> usize {
        self.stages.iter().position(|s| s.action == Action::Received).expect("checked: a stage at the destination")
    }

    /// Where actor `actor` stands along the pipeline: the first stage at
    /// it, the one a record meets it at first; `None` if no stage is at it.
    pub fn first_stage(&self, actor: ActorId) -> Option<usize> {
        let i = actor as usize - 1;
        self.stages.iter().position(|s| s.at.contains(&i))
    }

    /// The stage of `action` at instance `i`, if a stage names it.
    pub fn stage_of(&self, i: usize, action: Action) -> Option<usize> {
        self.stages.iter().position(|s| s.action == action && s.at.contains(&i))
    }

    /// The databases whose replicas every record must reach, in instance
    /// order: the replica stores, each a place per replica region.
    pub fn stores(&self) -> Vec<usize> {
        let replicated = |kind| matches!(kind, ComponentKind::Mongo | ComponentKind::Aurora | ComponentKind::Dynamo);
        (0..self.instances.len()).filter(|&i| replicated(self.instances[i].kind)).collect()
    }

    /// Every place's name, the stages then the replica stores: place `p`
    /// is traced with [`crate::trace::Kind::place`]`(p)`.
    pub fn place_names(&self) -> Vec<String> {
        (0..self.stages.len() + self.stores().len()).map(|p| self.place_name(p)).collect()
    }

    /// The name of place `p`: a stage's event, or a replica store's.
    fn place_name(&self, p: usize) -> String {
        match p.checked_sub(self.stages.len()) {
            None => self.stages[p].event.clone(),
            Some(store) => format!("{}-replica-stored", self.instances[self.stores()[store]].name),
        }
    }

    /// The vocabulary of its runs' events: its places' codes, and which
    /// carry a value.
    pub fn vocabulary(&self) -> Vocabulary {
        let places = self.stages.len() + self.stores().len();
        let regions = self.instances.iter().map(|i| i.region).max().unwrap_or(0);
        let instances = self.instances.len() as u8;
        let vocabulary = Vocabulary::new(self.stages.len(), places, self.arrival(), regions, instances);
        vocabulary.expect("checked: places within the codes, instances within actor ids")
    }

    /// The name of events of `kind` in its runs: a place's, or a fixed
    /// event's.
    pub fn event_name(&self, kind: Kind) -> String {
        match kind.place_index() {
            Some(p) => self.place_name(p),
            None => kind.fixed_name().expect("a fixed event").to_string(),
        }
    }
}

/// The built-in architecture `name`, read once.
pub fn built_in(name: &str) -> Option<Arc<Architecture>> {
    static READ: LazyLock<Vec<Arc<Architecture>>> = LazyLock::new(|| {
        let read = |(name, text): &(&str, &str)| Architecture::parse(text, name);
        let checked = |a: Result<Architecture, ArchitectureError>| {
            a.unwrap_or_else(|e| panic!("a built-in architecture is checked by tests: {e}"))
        };
        BUILT_IN.iter().map(|entry| Arc::new(checked(read(entry)))).collect()
    });
    READ.iter().find(|a| a.name == name).cloned()
}

/// The line, from 1, of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}
