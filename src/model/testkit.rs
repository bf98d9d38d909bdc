//! Drives one machine by hand in unit tests.

use std::sync::{Arc, LazyLock};

use super::topology::WORKLOAD1;
use super::{Arena, Batch, Io, Machine, Msg, Record};
use crate::architecture::Architecture;
use crate::config::Options;
use crate::engine::{ActorId, Probe, Time, Timing};
use crate::trace::{Event, Kind};

/// A small pipeline of the queue architectures' kinds, for their machines'
/// tests: a failover in-DNS and out-DNS, three queues per region, two
/// containers per region, one storing in an Aurora database, the other in
/// a DynamoDB table.
pub static QUEUES: LazyLock<Arc<Architecture>> = LazyLock::new(|| queues_with(&[]));

/// [`QUEUES`] with the first of each `from` of its text replaced by its `to`.
pub fn queues_with(changes: &[(&str, &str)]) -> Arc<Architecture> {
    let text = changes.iter().fold(QUEUES_TEXT.to_string(), |text, (from, to)| {
        assert!(text.contains(from), "no {from:?} in the text");
        text.replacen(from, to, 1)
    });
    Arc::new(Architecture::parse(&text, "queues").unwrap_or_else(|e| panic!("{e}")))
}

const QUEUES_TEXT: &str = r#"
        name = "queues"
        regions = [1, 2]

        [[instance]]
        name = "source"
        kind = "source"
        region = 1
        dns = "in-dns"

        [[instance]]
        name = "in-dns"
        kind = "failover-dns"
        region = 1
        routes = "inbound-{r}"

        [[instance]]
        name = "inbound-{r}"
        kind = "queue"

        [[instance]]
        name = "inbound-container-{r}"
        kind = "stream-container"
        input = "inbound-{r}"
        db = "database"
        output = "middle-{r}"

        [[instance]]
        name = "middle-{r}"
        kind = "queue"

        [[instance]]
        name = "middle-container-{r}"
        kind = "stream-container"
        input = "middle-{r}"
        db = "table"
        output = "outbound-{r}"

        [[instance]]
        name = "outbound-{r}"
        kind = "queue"

        [[instance]]
        name = "database"
        kind = "aurora"
        region = 1
        replicas = "database-{r}"
        replicator = "database-replicator"

        [[instance]]
        name = "database-{r}"
        kind = "aurora-regional"

        [[instance]]
        name = "database-replicator"
        kind = "aurora-replicator"
        region = 1
        replicas = "database-{r}"

        [[instance]]
        name = "table"
        kind = "dynamo"
        region = 1
        replicas = "table-{r}"
        replicator = "table-replicator"

        [[instance]]
        name = "table-{r}"
        kind = "dynamo-regional"

        [[instance]]
        name = "table-replicator"
        kind = "dynamo-replicator"
        region = 1
        replicas = "table-{r}"

        [[instance]]
        name = "out-dns"
        kind = "failover-dns"
        region = 2
        routes = "outbound-{r}"

        [[instance]]
        name = "destination"
        kind = "destination"
        region = 2
        dns = "out-dns"

        [faults]
        fail = ["inbound-{r}", "inbound-container-{r}", "database", "table"]
        switch_regions = ["in-dns", "out-dns", "database"]
        fail_replication = ["database", "table"]

        [[stage]]
        event = "published"
        at = "source"

        [[stage]]
        event = "inbound-appended"
        at = "inbound-{r}"
        on = "appended"

        [[stage]]
        event = "inbound-read"
        at = "inbound-container-{r}"

        [[stage]]
        event = "database-stored"
        at = "database"

        [[stage]]
        event = "inbound-removed"
        at = "inbound-{r}"
        on = "removed"

        [[stage]]
        event = "middle-appended"
        at = "middle-{r}"
        on = "appended"
        after = "database-stored"

        [[stage]]
        event = "table-stored"
        at = "table"

        [[stage]]
        event = "received"
        at = "destination"
    "#;

/// The actor of the instance of `architecture` named `name`.
pub fn actor(architecture: &Architecture, name: &str) -> ActorId {
    let instance = architecture.by_name(name).unwrap_or_else(|| panic!("no instance {name}"));
    instance as ActorId + 1
}

pub struct Bench {
    probe: Probe<Msg>,
    architecture: Arc<Architecture>,
    pub arena: Arena,
    pub trace: Vec<Event>,
    pub options: Options,
    pub now: Time,
}

impl Bench {
    pub fn new() -> Self {
        Self::with_options(Options::default())
    }

    pub fn with_options(options: Options) -> Self {
        Self::on(&WORKLOAD1, options)
    }

    /// A bench whose machines are instances of `architecture`.
    pub fn on(architecture: &Arc<Architecture>, options: Options) -> Self {
        let actors = 0..=architecture.instances.len() as ActorId;
        let timing = Timing::new(actors.map(|a| architecture.actor_region(a)).collect(), 4);
        let architecture = architecture.clone();
        Self { probe: Probe::new(timing), architecture, arena: Arena::default(), trace: Vec::new(), options, now: 0 }
    }

    /// Hands `msg` from `from` to machine `m` (addressed as `me`) and returns
    /// what it sent. `me` defaults to the actor the machine expects to be.
    pub fn step_as(&mut self, m: &mut dyn Machine, me: ActorId, from: ActorId, msg: Msg) -> Vec<(ActorId, Msg)> {
        let mut ctx = self.probe.ctx(me, self.now);
        let (arena, trace, options) = (&mut self.arena, &mut self.trace, &self.options);
        let vocabulary = self.architecture.vocabulary();
        let mut io = Io { ctx: &mut ctx, arena, trace, options, architecture: &self.architecture, vocabulary };
        m.handle(&mut io, from, msg);
        self.now += 1;
        self.probe.sent().into_iter().map(|e| (e.to, e.msg)).collect()
    }

    /// As [`Bench::step_as`], for machines whose own id does not matter.
    pub fn step(&mut self, m: &mut dyn Machine, from: ActorId, msg: Msg) -> Vec<(ActorId, Msg)> {
        self.step_as(m, 0, from, msg)
    }

    pub fn batch(&mut self, ids: &[u32]) -> Batch {
        self.arena.put(ids.iter().map(|&id| Record { id, value: id }))
    }

    pub fn ids(&self, batch: Batch) -> Vec<u32> {
        self.arena.get(batch).iter().map(|r| r.id).collect()
    }

    pub fn kinds(&self) -> Vec<Kind> {
        self.trace.iter().map(|e| e.kind).collect()
    }

    pub fn region_of(&self, actor: ActorId) -> u8 {
        self.probe.timing().region(actor)
    }
}
