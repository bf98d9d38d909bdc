//! Invariants checked while the simulator runs, TigerBeetle's way: a
//! wrapper around the world that looks at the whole system after every
//! delivery. A broken invariant panics; whoever runs the seed turns the
//! panic into an error that names it, so that a simulator bug stops the run
//! instead of slipping into a trace.
//!
//! - **Custody:** every record the source published, and was not told had
//!   failed, is held where the stages it has reached put it ([`Place`]):
//!   while it is being published, by in-DNS, a receiver or a validator (or
//!   an invoke on its way); once appended to inbound, by an inbound stream
//!   or a processor; once appended to outbound, by an outbound stream; once
//!   received, by the destination. Database replicas are copies beside the
//!   path and never count. A record held nowhere it should be has vanished,
//!   unless a design variant that drops records acted in that delivery
//!   ([`licence`]); a stream that drops its records when it fails writes
//!   off every record it held, whatever other copy of it is still moving.
//! - **Provenance:** no machine holds a record that never reached it.
//! - **Coverage:** every message is handled in a state its machine's rules
//!   allow it in ([`super::coverage::HANDLED`]).
//!
//! Answers are matched to their requests inside the machines ([`super::Awaited`]).

use super::coverage;
use super::topology::{ACTORS, Role, name, role};
use super::{IdSet, Machine, Msg, World};
use crate::config::{Options, Variant};
use crate::engine::{ActorId, Ctx, Envelope, Pending, System};
use crate::trace::Kind;
use crate::trace::meaning::{ARRIVAL, Incident, Meaning, PUBLICATION};

/// A system that can show the world inside it, so that a checker can wrap
/// other wrappers.
pub trait HasWorld {
    type Harness: Machine;
    fn world(&self) -> &World<Self::Harness>;
}

impl<H: Machine> HasWorld for World<H> {
    type Harness = H;
    fn world(&self) -> &World<H> {
        self
    }
}

impl<T: HasWorld + ?Sized> HasWorld for &mut T {
    type Harness = T::Harness;
    fn world(&self) -> &World<T::Harness> {
        (**self).world()
    }
}

/// Where a record must be held, by the furthest stage it has reached. Each
/// place keeps a record until the next one holds it: in-DNS until the
/// inbound append is answered, an inbound stream until the processor's
/// outbound append, an outbound stream until the destination's remove.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Publishing = 0,
    Inbound = 1,
    Outbound = 2,
    Delivered = 3,
}

impl Place {
    const ALL: [Place; 4] = [Place::Publishing, Place::Inbound, Place::Outbound, Place::Delivered];

    /// The place of a record that has reached the stages of `reached`.
    fn of(reached: Stages) -> Place {
        if reached.has(ARRIVAL) {
            Place::Delivered
        } else if reached.has(OUTBOUND_APPENDED) {
            Place::Outbound
        } else if reached.has(INBOUND_APPENDED) {
            Place::Inbound
        } else {
            Place::Publishing
        }
    }

    /// The place whose custody `actor` keeps, and that of messages to it.
    /// Databases and their replicas keep copies beside the path: none.
    fn kept_by(actor: ActorId) -> Option<Place> {
        match role(actor) {
            Role::InDns | Role::Receiver(_) | Role::Validator(_) => Some(Place::Publishing),
            Role::Inbound(_) | Role::Processor(_) => Some(Place::Inbound),
            Role::Outbound(_) => Some(Place::Outbound),
            Role::Destination => Some(Place::Delivered),
            Role::Driver | Role::Source | Role::Cluster(_) | Role::Replica(..) | Role::OutDns => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Place::Publishing => "in-DNS, a receiver, a validator or an invoke on its way",
            Place::Inbound => "an inbound stream, a processor or a delivery on its way to one",
            Place::Outbound => "an outbound stream",
            Place::Delivered => "the destination",
        }
    }
}

/// The stage indices, in [`Kind::STAGES`], of the appends to the streams.
const INBOUND_APPENDED: usize = stage(Kind::InboundAppended);
const OUTBOUND_APPENDED: usize = stage(Kind::OutboundAppended);

const fn stage(kind: Kind) -> usize {
    match kind.stage() {
        Some(stage) => stage,
        None => panic!("not a record stage"),
    }
}

/// The record stages, by their index in [`Kind::STAGES`], that one record
/// has reached, by bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Stages(u16);

impl Stages {
    fn has(self, stage: usize) -> bool {
        self.0 & (1 << stage) != 0
    }

    fn with(self, stage: usize) -> Self {
        assert!(stage < Kind::STAGES.len(), "no stage {stage}");
        Self(self.0 | 1 << stage)
    }

    /// The last stage of the unbroken run of stages from publication: the
    /// stage a record vanished after, whatever it reached out of order.
    fn last_in_order(self) -> usize {
        let stage = (self.0.trailing_ones() as usize).max(1) - 1;
        assert!(self.has(stage) || stage == PUBLICATION, "stage {stage} was not reached");
        stage
    }
}

/// What a delivery did that lets records go: a design variant that drops
/// them, acting on this machine. `None` for every other delivery.
fn licence(options: &Options, env: &Envelope<Msg>) -> Option<Variant> {
    let has = |variant| options.variants.has(variant).then_some(variant);
    match role(env.to) {
        Role::Inbound(_) | Role::Outbound(_) if env.msg == Msg::Fail => has(Variant::LossyKafka),
        Role::Processor(_) => has(Variant::RemoveBeforeStore).or_else(|| has(Variant::RemoveOnSendFailure)),
        _ => None,
    }
}

/// Checks the invariants of the world inside `S` after every delivery.
pub struct Checked<S> {
    inner: S,
    /// Per actor, every record ever delivered to it.
    reached: Vec<IdSet>,
    /// Per record id, the stages it has reached.
    stages: Vec<Stages>,
    /// Records published and not answered with failure, by [`Place`].
    owed: [IdSet; 4],
    /// Trace events already read into `stages` and `owed`.
    seen_events: usize,
    /// What the deliveries since the last check allow to be lost.
    licence: Option<Variant>,
    /// Records a stream dropped by design since the last check.
    dropped: IdSet,
    /// Records held, by [`Place`], as of the last delivery.
    held: [IdSet; 4],
    scratch: IdSet,
}

impl<S: System<Msg = Msg> + HasWorld> Checked<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            reached: (0..ACTORS).map(|_| IdSet::default()).collect(),
            stages: Vec::new(),
            owed: Default::default(),
            seen_events: 0,
            licence: None,
            dropped: IdSet::default(),
            held: Default::default(),
            scratch: IdSet::default(),
        }
    }

    /// Reads the new trace events: publications, failed publications and
    /// stages move records between the places they are owed at.
    fn read_events(&mut self) {
        let events = self.inner.world().trace.len();
        for i in self.seen_events..events {
            match self.inner.world().trace[i].meaning() {
                Meaning::Stage { record, stage, .. } => self.reached_stage(record, stage),
                // Owed no more, unless an earlier publication of it got
                // through: it is then owed further on.
                Meaning::Incident { record, incident: Incident::PublishFailed, .. } => {
                    self.owed[Place::Publishing as usize].remove(record);
                }
                _ => {}
            }
        }
        self.seen_events = events;
    }

    /// Record `id` reached `stage`: published, it is owed; owed, it may be
    /// owed at the next place now. A record published again that was not
    /// owed any more (its publication failed, or a design variant dropped
    /// it) starts afresh.
    fn reached_stage(&mut self, id: u32, stage: usize) {
        let at = id as usize;
        if at >= self.stages.len() {
            self.stages.resize(at + 1, Stages::default());
        }
        let before = self.stages[at];
        let owed = self.owed[Place::of(before) as usize].remove(id);
        let before = if owed || stage != PUBLICATION { before } else { Stages::default() };
        self.stages[at] = before.with(stage);
        if owed || stage == PUBLICATION {
            self.owed[Place::of(self.stages[at]) as usize].insert(id);
        }
        assert!(self.stages[at].has(stage));
    }

    /// Gathers, per place, every record held there: by the machines that
    /// keep that place, or by messages on their way to them.
    fn gather_held(&mut self, pending: &Pending<'_, Msg>) {
        let world = self.inner.world();
        self.held.iter_mut().for_each(IdSet::clear);
        for env in pending.iter() {
            if let Some(place) = Place::kept_by(env.to) {
                env.msg.carried(&world.arena, &mut self.held[place as usize]);
            }
        }
        for actor in 0..ACTORS as ActorId {
            if let Some(place) = Place::kept_by(actor) {
                world.machines.get(actor).held(&world.arena, &mut self.held[place as usize]);
            }
        }
    }

    fn check_custody(&mut self, pending: &Pending<'_, Msg>) {
        for id in self.dropped.iter() {
            self.owed.iter_mut().for_each(|owed| _ = owed.remove(id));
        }
        self.dropped.clear();
        self.gather_held(pending);
        for place in Place::ALL {
            while let Some(lost) = self.owed[place as usize].first_not_in(&self.held[place as usize]) {
                if self.licence.is_none() {
                    self.vanished(lost, place);
                }
                self.owed[place as usize].remove(lost);
            }
        }
    }

    #[cold]
    fn vanished(&self, id: u32, place: Place) -> ! {
        let stage = self.stages[id as usize].last_in_order();
        let trace = &self.inner.world().trace;
        let reached = trace.iter().rev().find_map(|e| match e.meaning() {
            Meaning::Stage { record, stage: s, region, .. } if record == id && s == stage => Some(region),
            _ => None,
        });
        let region = reached.filter(|&r| r != 0).map_or(String::new(), |r| format!(" in region {r}"));
        panic!(
            "invariant broken: record {id} vanished after stage {}{region}: {} should hold it and does not",
            Kind::STAGES[stage],
            place.describe()
        );
    }

    fn check_provenance(&mut self) {
        let world = self.inner.world();
        for actor in 0..ACTORS as ActorId {
            self.scratch.clear();
            world.machines.get(actor).held(&world.arena, &mut self.scratch);
            if let Some(stranger) = self.scratch.first_not_in(&self.reached[actor as usize]) {
                panic!("invariant broken: {} holds record {stranger}, which never reached it", name(actor));
            }
        }
    }
}

impl<S: System<Msg = Msg> + HasWorld> System for Checked<S> {
    type Msg = Msg;

    fn accepts(&self, to: ActorId, msg: &Msg) -> bool {
        self.inner.accepts(to, msg)
    }

    fn handle(&mut self, ctx: &mut Ctx<'_, Msg>, env: Envelope<Msg>) {
        let world = self.inner.world();
        let state = world.machines.get(env.to).coverage_state();
        if coverage::bit(world.kind(env.to), state, &env.msg).is_none() {
            let states = world.kind(env.to).states();
            let state = states.get(state as usize).copied().unwrap_or("an unknown state");
            panic!(
                "invariant broken: {} handled {:?} in state {state}, which its rules do not allow",
                name(env.to),
                env.msg
            );
        }
        env.msg.carried(&world.arena, &mut self.reached[env.to as usize]);
        let licence = licence(&world.options, &env);
        if licence == Some(Variant::LossyKafka) {
            world.machines.get(env.to).held(&world.arena, &mut self.dropped);
        }
        self.licence = self.licence.or(licence);
        self.inner.handle(ctx, env);
    }

    fn after_delivery(&mut self, pending: Pending<'_, Msg>) {
        self.read_events();
        self.check_custody(&pending);
        self.check_provenance();
        self.licence = None;
    }

    fn overgrown(&self) -> bool {
        self.inner.overgrown()
    }
}

impl<S: HasWorld> HasWorld for Checked<S> {
    type Harness = S::Harness;
    fn world(&self) -> &World<S::Harness> {
        self.inner.world()
    }
}
