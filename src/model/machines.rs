//! The machines of one run: one per instance of the architecture, each of
//! the kind the file names and wired as it says, plus the harness that
//! drives them (actor 0).

use super::coverage::MachineKind;
use super::topology::DRIVER;
use super::wiring::Wiring;
use super::{Cluster, Container, Destination, InDns, Kafka, Machine, OutDns, Processor, Replica, Source};
use crate::architecture::{Architecture, ComponentKind};
use crate::config::Routing;
use crate::engine::ActorId;

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
            ComponentKind::Source => Node::Source(Source::with_batches(Vec::new(), &[]).wired(&wiring)),
            ComponentKind::WeightedDns => Node::InDns(InDns::new(&wiring, Routing::Alternate, unseeded)),
            ComponentKind::ApiContainer => Node::Container(Container::new(&wiring)),
            ComponentKind::StreamContainer => Node::Processor(Processor::new(&wiring)),
            ComponentKind::Mongo => Node::Cluster(Cluster::new(&wiring)),
            ComponentKind::MongoReplica => Node::Replica(Replica::new(&wiring)),
            ComponentKind::Kafka => Node::Kafka(Kafka::new(&wiring)),
            ComponentKind::OutDns => Node::OutDns(OutDns::new(&wiring)),
            ComponentKind::Destination => Node::Destination(Destination::new(&wiring)),
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
    /// The actors that get [`super::Msg::Start`] at time 0.
    starters: Vec<ActorId>,
    /// Where the source and the destination are among the nodes.
    source: usize,
    destination: usize,
}

impl Wired {
    /// The kind of machine of `actor`, for coverage.
    #[inline]
    pub fn kind(&self, actor: ActorId) -> MachineKind {
        self.kinds[actor as usize]
    }

    /// The stream containers and the destination, in instance order, then
    /// the driver.
    pub fn starters(&self) -> &[ActorId] {
        &self.starters
    }

    pub fn new(architecture: &Architecture) -> Self {
        let nodes: Vec<Node> =
            (1..=architecture.instances.len() as ActorId).map(|a| Node::wired(architecture, a)).collect();
        assert_eq!(nodes.iter().filter(|n| matches!(n, Node::Source(_))).count(), 1, "checked: one source");
        let kinds = MachineKind::per_actor(architecture);
        let starts = |n: &Node| matches!(n, Node::Processor(_) | Node::Destination(_));
        let started = (0..nodes.len()).filter(|&i| starts(&nodes[i])).map(|i| i as ActorId + 1);
        let starters = started.chain([DRIVER]).collect();
        let at = |f: fn(&Node) -> bool| nodes.iter().position(f).expect("checked: a source and a destination");
        let source = at(|n| matches!(n, Node::Source(_)));
        let destination = at(|n| matches!(n, Node::Destination(_)));
        Self { nodes, kinds, starters, source, destination }
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
        let mut machines = Self { harness, nodes: Vec::new(), source: wired.source, destination: wired.destination };
        machines.start(wired, source, routing, rng);
        machines
    }

    /// These machines as `wired` starts another run, keeping their storage.
    pub fn restart(&mut self, harness: H, wired: &Wired, source: Source, routing: Routing, rng: &rand_pcg::Pcg64Mcg) {
        self.harness = harness;
        self.start(wired, source, routing, rng);
    }

    fn start(&mut self, wired: &Wired, source: Source, routing: Routing, rng: &rand_pcg::Pcg64Mcg) {
        self.nodes.clone_from(&wired.nodes);
        (self.source, self.destination) = (wired.source, wired.destination);
        let Node::Source(wired_source) = &mut self.nodes[self.source] else { unreachable!("the source's node") };
        *wired_source = source.wired_as(wired_source);
        for node in &mut self.nodes {
            if let Node::InDns(dns) = node {
                *dns = dns.starting(routing, rng.clone());
            }
        }
        assert_eq!(self.nodes.len() + 1, wired.kinds.len(), "a machine per instance");
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

    /// Every stream, with its actor.
    pub fn streams(&self) -> impl Iterator<Item = (ActorId, &Kafka)> {
        self.nodes.iter().enumerate().filter_map(|(i, n)| match n {
            Node::Kafka(k) => Some((i as ActorId + 1, k)),
            _ => None,
        })
    }
}
