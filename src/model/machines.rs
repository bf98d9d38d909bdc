//! The machines of one run: one per instance of the architecture, each of
//! the kind the file names and wired as it says, plus the harness that
//! drives them (actor 0).

use super::coverage::{MachineKind, Pairs};
use super::wiring::Wiring;
use super::{
    Aurora, Cluster, Container, Destination, Dynamo, FailoverDns, InDns, Kafka, Machine, OutDns, Processor, Queue,
    RegionalDb, Replica, Replicator, Source,
};
use crate::architecture::{Architecture, ComponentKind};
use crate::config::Routing;
use crate::engine::ActorId;
use crate::trace::Vocabulary;

/// One instance's machine.
#[derive(Clone)]
pub enum Node {
    Source(Source),
    InDns(InDns),
    Container(Container),
    Processor(Processor),
    Cluster(Cluster),
    Replica(Replica),
    Kafka(Kafka),
    OutDns(OutDns),
    Destination(Destination),
    Queue(Queue),
    FailoverDns(FailoverDns),
    Aurora(Aurora),
    Dynamo(Dynamo),
    RegionalDb(RegionalDb),
    Replicator(Replicator),
}

/// `machine` and `machine_mut`: a node as the machine it is.
macro_rules! as_machine {
    ($name:ident $(, $mutable:tt)?) => {
        #[inline(always)]
        fn $name(&$($mutable)? self) -> &$($mutable)? dyn Machine {
            match self {
                Node::Source(m) => m,
                Node::InDns(m) => m,
                Node::Container(m) => m,
                Node::Processor(m) => m,
                Node::Cluster(m) => m,
                Node::Replica(m) => m,
                Node::Kafka(m) => m,
                Node::OutDns(m) => m,
                Node::Destination(m) => m,
                Node::Queue(m) => m,
                Node::FailoverDns(m) => m,
                Node::Aurora(m) => m,
                Node::Dynamo(m) => m,
                Node::RegionalDb(m) => m,
                Node::Replicator(m) => m,
            }
        }
    };
}

impl Node {
    /// The machine of `actor` as it is before a run begins (a source with
    /// no records, a DNS that draws nothing yet).
    fn wired(architecture: &Architecture, actor: ActorId) -> Node {
        let wiring = Wiring::of(architecture, actor);
        let unseeded = <rand_pcg::Pcg64Mcg as rand::SeedableRng>::seed_from_u64(0);
        match architecture.instances[actor as usize - 1].kind {
            kind @ (ComponentKind::AuroraRegional | ComponentKind::DynamoRegional) => {
                Node::RegionalDb(RegionalDb::new(&wiring, kind))
            }
            kind @ (ComponentKind::AuroraReplicator | ComponentKind::DynamoReplicator) => {
                Node::Replicator(Replicator::new(&wiring, kind))
            }
            ComponentKind::Source => Node::Source(Source::with_batches(Vec::new(), &[]).wired(&wiring)),
            ComponentKind::WeightedDns => Node::InDns(InDns::new(&wiring, Routing::Alternate, unseeded)),
            ComponentKind::ApiContainer => Node::Container(Container::new(&wiring)),
            ComponentKind::StreamContainer => Node::Processor(Processor::new(&wiring)),
            ComponentKind::Mongo => Node::Cluster(Cluster::new(&wiring)),
            ComponentKind::MongoReplica => Node::Replica(Replica::new(&wiring)),
            ComponentKind::Kafka => Node::Kafka(Kafka::new(&wiring)),
            ComponentKind::OutDns => Node::OutDns(OutDns::new(&wiring)),
            ComponentKind::Destination => Node::Destination(Destination::new(&wiring)),
            ComponentKind::Queue => Node::Queue(Queue::new(&wiring)),
            ComponentKind::FailoverDns => Node::FailoverDns(FailoverDns::new(&wiring)),
            ComponentKind::Aurora => Node::Aurora(Aurora::new(&wiring)),
            ComponentKind::Dynamo => Node::Dynamo(Dynamo::new(&wiring)),
        }
    }

    as_machine!(machine);
    as_machine!(machine_mut, mut);
}

/// Every instance's machine as wired, before a run: each run starts from a
/// copy.
#[derive(Clone)]
pub struct Wired {
    nodes: Vec<Node>,
    /// Per actor, the driver's first, its kind of machine for coverage.
    kinds: Vec<MachineKind>,
    /// The coverage pairs of those kinds, numbered.
    pub pairs: Pairs,
    /// The vocabulary of the architecture's events.
    pub vocabulary: Vocabulary,
}

impl Wired {
    /// The kind of machine of `actor`, for coverage.
    #[inline]
    pub fn kind(&self, actor: ActorId) -> MachineKind {
        self.kinds[actor as usize]
    }

    pub fn new(architecture: &Architecture) -> Self {
        let nodes: Vec<Node> =
            (1..=architecture.instances.len() as ActorId).map(|a| Node::wired(architecture, a)).collect();
        assert_eq!(nodes.iter().filter(|n| matches!(n, Node::Source(_))).count(), 1, "checked: one source");
        let kinds = (0..=nodes.len() as ActorId).map(|a| MachineKind::of(architecture, a)).collect();
        let pairs = Pairs::of(architecture);
        if let Err(e) = pairs.check() {
            panic!("{}: {e} (checked where an architecture file is read)", architecture.name);
        }
        Self { nodes, kinds, pairs, vocabulary: architecture.vocabulary() }
    }
}

/// The machines of one run, and the harness (actor 0).
pub struct Machines<H> {
    pub harness: H,
    nodes: Vec<Node>,
    /// Where the source and the destination are among the nodes.
    source: usize,
    destination: usize,
}

impl<H: Machine> Machines<H> {
    /// The machines of a run, as `wired` starts them: `source` publishes,
    /// and the weighted DNSs route by `routing` drawing from `rng`.
    pub fn new(harness: H, wired: &Wired, source: Source, routing: Routing, rng: &rand_pcg::Pcg64Mcg) -> Self {
        let mut nodes = wired.nodes.clone();
        let mut source = Some(source);
        for node in &mut nodes {
            match node {
                Node::Source(wired) => *wired = source.take().expect("one source").wired_as(wired),
                Node::InDns(dns) => *dns = dns.starting(routing, rng.clone()),
                _ => {}
            }
        }
        let at = |f: fn(&Node) -> bool| nodes.iter().position(f).expect("checked: a source and a destination");
        let source = at(|n| matches!(n, Node::Source(_)));
        let destination = at(|n| matches!(n, Node::Destination(_)));
        Self { harness, nodes, source, destination }
    }

    #[inline(always)]
    pub fn get(&self, actor: ActorId) -> &dyn Machine {
        match actor {
            0 => &self.harness,
            a => self.nodes[a as usize - 1].machine(),
        }
    }

    #[inline(always)]
    pub fn get_mut(&mut self, actor: ActorId) -> &mut dyn Machine {
        match actor {
            0 => &mut self.harness,
            a => self.nodes[a as usize - 1].machine_mut(),
        }
    }

    /// The machine of instance actor `actor` (not the harness).
    pub fn node(&self, actor: ActorId) -> &Node {
        assert_ne!(actor, 0, "the harness is no node");
        &self.nodes[actor as usize - 1]
    }

    pub fn source(&self) -> &Source {
        match &self.nodes[self.source] {
            Node::Source(source) => source,
            _ => unreachable!("the source's node"),
        }
    }

    pub fn destination_mut(&mut self) -> &mut Destination {
        match &mut self.nodes[self.destination] {
            Node::Destination(destination) => destination,
            _ => unreachable!("the destination's node"),
        }
    }

    /// Every stream, Kafka's and queues, with its actor and what it holds.
    pub fn streams(&self) -> impl Iterator<Item = (ActorId, Held)> {
        self.nodes.iter().enumerate().filter_map(|(i, n)| {
            let held = match n {
                Node::Kafka(k) => Held {
                    records: ids(k.records()),
                    failed: k.is_failed(),
                    read: k.consumer().is_some(),
                    batched: true,
                },
                Node::Queue(q) => {
                    Held { records: ids(q.records()), failed: q.is_failed(), read: q.is_read(), batched: false }
                }
                _ => return None,
            };
            Some((i as ActorId + 1, held))
        })
    }
}

/// What a stream holds when a run ends, for the diagnosis.
pub struct Held {
    /// The ids of its records, in order.
    pub records: Vec<u32>,
    pub failed: bool,
    /// Whether a reader is registered for its next delivery.
    pub read: bool,
    /// Whether it delivers batches (Kafka), not one record at a time.
    pub batched: bool,
}

fn ids(records: impl Iterator<Item = super::Record>) -> Vec<u32> {
    records.map(|r| r.id).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::{Options, Profile};
    use crate::engine::{Envelope, Stop, Stream, stream};
    use crate::model::testkit::QUEUES;
    use crate::model::{Io, Msg, Record, World, timing};
    use crate::trace::Kind;

    /// Publishes its batches one after the other, from batch 1.
    struct Publisher(u8);

    impl Machine for Publisher {
        fn handle(&mut self, io: &mut Io<'_, '_>, _from: ActorId, msg: Msg) {
            let source = io.architecture.source();
            match msg {
                Msg::Start => io.send(source, Msg::PublishBatch(1)),
                Msg::BatchPublished(b) if b < self.0 => io.send(source, Msg::PublishBatch(b + 1)),
                _ => {}
            }
        }
    }

    /// Runs `batches` batches of `per_batch` records through `architecture`
    /// until nothing is left to deliver.
    fn run(architecture: &Arc<Architecture>, batches: u8, per_batch: u32) -> World<Publisher> {
        let records = (1..=batches as u32 * per_batch).map(|id| Record { id, value: id }).collect();
        let options = Options::default();
        let bound = options.time_bound;
        let source = Source::new(records, per_batch as usize);
        let mut world = World::new(architecture.clone(), Publisher(batches), source, options, 7);
        let mut engine = crate::engine::Engine::new();
        engine.reset(7, timing(&Profile::default(), architecture, &mut stream(7, Stream::Speed)));
        for to in world.starters() {
            engine.inject(0, Envelope { from: 0, to, msg: Msg::Start });
        }
        assert_eq!(engine.run(&mut world, bound), Stop::Quiescent);
        world
    }

    /// The (record, region) pairs that reached `place`, in order.
    fn reached(world: &World<Publisher>, place: &str) -> Vec<(u32, u8)> {
        let places = world.architecture.place_names();
        let code = Kind::place(places.iter().position(|p| p == place).expect("a place"));
        let mut regions: Vec<(u32, u8)> =
            world.trace.iter().filter(|e| e.kind == code).map(|e| (e.subject, e.region)).collect();
        regions.sort_unstable();
        regions
    }

    /// Each of records `1..=records`, in each of `regions`.
    fn each(records: u32, regions: &[u8]) -> Vec<(u32, u8)> {
        (1..=records).flat_map(|id| regions.iter().map(move |&r| (id, r))).collect()
    }

    #[test]
    fn records_flow_from_the_source_to_the_destination_through_the_queue_kinds() {
        let mut world = run(&QUEUES, 2, 2);
        let destination = world.machines.destination_mut();
        assert_eq!((destination.distinct(), destination.arrivals()), (4, 4));
        assert_eq!(reached(&world, "received"), each(4, &[1]), "all of it through region 1, the active one");
        assert_eq!(reached(&world, "database-stored"), each(4, &[1]));
        assert_eq!(reached(&world, "database-replica-stored"), each(4, &[1, 2]), "copied to the passive region");
        assert_eq!(reached(&world, "table-replica-stored"), each(4, &[1, 2]), "copied to the other region");
    }

    #[test]
    fn each_instance_of_the_queue_kinds_is_wired_as_its_machine() {
        let wired = Wired::new(&QUEUES);
        let machine = |node: &Node| match node {
            Node::Source(_) => "source",
            Node::FailoverDns(_) => "failover-dns",
            Node::Queue(_) => "queue",
            Node::Processor(_) => "stream-container",
            Node::Aurora(_) => "aurora",
            Node::Dynamo(_) => "dynamo",
            Node::RegionalDb(_) => "regional",
            Node::Replicator(_) => "replicator",
            Node::Destination(_) => "destination",
            _ => "another",
        };
        let kinds: Vec<&str> = wired.nodes.iter().map(machine).collect();
        let expected = ["source", "failover-dns"]
            .into_iter()
            .chain(["queue", "queue", "stream-container", "stream-container"].repeat(2))
            .chain(["queue", "queue", "aurora", "regional", "regional", "replicator"])
            .chain(["dynamo", "regional", "regional", "replicator", "failover-dns", "destination"]);
        assert_eq!(kinds, expected.collect::<Vec<_>>());
        let coverage: Vec<&str> = (1..=3).map(|a| wired.kind(a).name()).collect();
        assert_eq!(coverage, ["source", "failover-dns", "queue"]);
    }
}
