//! Invariants checked while the simulator runs, TigerBeetle's way: a
//! wrapper around the world that looks at the whole system after every
//! delivery. A broken invariant panics; whoever runs the seed turns the
//! panic into an error that names it, so that a simulator bug stops the run
//! instead of slipping into a trace.
//!
//! - **Custody:** every record the source published, and was not told had
//!   failed, is held where the stages it has reached put it ([`Custody`]):
//!   in Workload1, while it is being published, by in-DNS, a receiver or a
//!   validator (or an invoke on its way); once appended to inbound, by an
//!   inbound stream or a processor; once appended to outbound, by an
//!   outbound stream; once received, by the destination. Database replicas are copies beside the
//!   path and never count. A record held nowhere it should be has vanished,
//!   unless a design variant that drops records acted in that delivery
//!   ([`licence`]), or a remove missed the record it named (a queue pops
//!   its head whatever the remove names, the study's trap); a stream that drops its records when it fails writes
//!   off every record it held, whatever other copy of it is still moving.
//! - **Provenance:** no machine holds a record that never reached it.
//! - **Coverage:** every message is handled in a state its machine's rules
//!   allow it in ([`super::coverage::HANDLED`]).
//!
//! Answers are matched to their requests inside the machines ([`super::Awaited`]).

use super::coverage::{self, MachineKind};
use super::{IdSet, Machine, Msg, World};
use crate::architecture::{Action, Architecture, ComponentKind};
use crate::config::{Options, Variant};
use crate::engine::{ActorId, Ctx, Envelope, Pending, System};
use crate::trace::meaning::{Incident, Meaning, PUBLICATION};

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

/// Where records must be held, read from the architecture. A record's
/// *place* is how far along the streams it has got, by the furthest stage
/// it has reached: place 0 while it is being published (held by a DNS or an
/// API container, or an invoke on its way), place `j` once appended to the
/// `j`-th stream of the stages (held by that stream, its consumer, or a
/// delivery on its way to it), the last place once received (held by the
/// destination). Each place keeps a record until the next one holds it.
struct Custody {
    /// The stage of each stream's append, in stage order: place `j` is after
    /// the `j`-th (from 1).
    appends: Vec<usize>,
    arrival: usize,
    /// Per actor, the place it keeps, if any.
    kept_by: Vec<Option<usize>>,
    /// Per place, who keeps it, for the message of a broken invariant.
    keepers: Vec<String>,
}

impl Custody {
    fn of(architecture: &Architecture) -> Custody {
        let appends: Vec<usize> =
            (0..architecture.stages.len()).filter(|&s| architecture.stages[s].action == Action::Appended).collect();
        let delivered = appends.len() + 1;
        let stream_place = |stream: usize| {
            let stage = architecture.stage_of(stream, Action::Appended)?;
            appends.iter().position(|&s| s == stage).map(|j| j + 1)
        };
        let kept = |i: usize| {
            let instance = &architecture.instances[i];
            match instance.kind {
                ComponentKind::WeightedDns | ComponentKind::FailoverDns | ComponentKind::ApiContainer => Some(0),
                ComponentKind::Kafka | ComponentKind::Queue => stream_place(i),
                ComponentKind::StreamContainer => instance.wire("input").first().and_then(|&input| stream_place(input)),
                ComponentKind::Destination => Some(delivered),
                _ => None,
            }
        };
        let kept_by: Vec<Option<usize>> =
            std::iter::once(None).chain((0..architecture.instances.len()).map(kept)).collect();
        let keepers = (0..=delivered)
            .map(|place| {
                let names: Vec<&str> = (1..kept_by.len())
                    .filter(|&a| kept_by[a] == Some(place))
                    .map(|a| architecture.actor_name(a as ActorId))
                    .collect();
                names.join(", ")
            })
            .collect();
        Custody { arrival: architecture.arrival(), appends, kept_by, keepers }
    }

    fn places(&self) -> usize {
        self.appends.len() + 2
    }

    /// The place of a record that has reached the stages of `reached`.
    fn place(&self, reached: Stages) -> usize {
        if reached.has(self.arrival) {
            return self.appends.len() + 1;
        }
        self.appends.iter().rposition(|&s| reached.has(s)).map_or(0, |j| j + 1)
    }
}

/// The record stages, by index, that one record has reached, by bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Stages(u64);

impl Stages {
    fn has(self, stage: usize) -> bool {
        self.0 & (1 << stage) != 0
    }

    fn with(self, stage: usize) -> Self {
        assert!(stage < u64::BITS as usize, "no stage {stage}");
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
fn licence(options: &Options, kind: MachineKind, env: &Envelope<Msg>) -> Option<Variant> {
    let has = |variant| options.variants.has(variant).then_some(variant);
    match kind {
        MachineKind::Kafka if matches!(env.msg, Msg::Fail) => has(Variant::LossyKafka),
        MachineKind::Processor => has(Variant::RemoveBeforeStore).or_else(|| has(Variant::RemoveOnSendFailure)),
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
    custody: Custody,
    /// Records published and not answered with failure, by place.
    owed: Vec<IdSet>,
    /// Trace events already read into `stages` and `owed`.
    seen_events: usize,
    /// What the deliveries since the last check allow to be lost.
    licence: Option<Variant>,
    /// A remove since the last check missed the record it named: a queue
    /// then popped another, which leaves without reaching the next place.
    remove_missed: bool,
    /// Records a stream dropped by design since the last check.
    dropped: IdSet,
    /// Records held, by place, as of the last delivery.
    held: Vec<IdSet>,
    scratch: IdSet,
}

impl<S: System<Msg = Msg> + HasWorld> Checked<S> {
    pub fn new(inner: S) -> Self {
        let custody = Custody::of(&inner.world().architecture);
        let places = || (0..custody.places()).map(|_| IdSet::default()).collect();
        Self {
            reached: (0..custody.kept_by.len()).map(|_| IdSet::default()).collect(),
            stages: Vec::new(),
            owed: places(),
            seen_events: 0,
            licence: None,
            remove_missed: false,
            dropped: IdSet::default(),
            held: places(),
            scratch: IdSet::default(),
            custody,
            inner,
        }
    }

    /// Reads the new trace events: publications, failed publications and
    /// stages move records between the places they are owed at.
    fn read_events(&mut self) {
        let (events, vocabulary) = (self.inner.world().trace.len(), self.inner.world().vocabulary());
        for i in self.seen_events..events {
            match self.inner.world().trace[i].meaning(vocabulary) {
                Meaning::Stage { record, stage, .. } => self.reached_stage(record, stage),
                // Owed no more, unless an earlier publication of it got
                // through: it is then owed further on.
                Meaning::Incident { record, incident: Incident::PublishFailed, .. } => {
                    self.owed[0].remove(record);
                }
                Meaning::Incident { incident: Incident::RemoveMissed, .. } => self.remove_missed = true,
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
        let owed = self.owed[self.custody.place(before)].remove(id);
        let before = if owed || stage != PUBLICATION { before } else { Stages::default() };
        self.stages[at] = before.with(stage);
        if owed || stage == PUBLICATION {
            self.owed[self.custody.place(self.stages[at])].insert(id);
        }
        assert!(self.stages[at].has(stage));
    }

    /// Gathers, per place, every record held there: by the machines that
    /// keep that place, or by messages on their way to them.
    fn gather_held(&mut self, pending: &Pending<'_, Msg>) {
        let world = self.inner.world();
        self.held.iter_mut().for_each(IdSet::clear);
        for env in pending.iter() {
            if let Some(place) = self.custody.kept_by[env.to as usize] {
                env.msg.carried(&world.arena, &mut self.held[place]);
            }
        }
        for (actor, kept) in self.custody.kept_by.iter().enumerate() {
            if let Some(place) = *kept {
                world.machines.get(actor as ActorId).held(&world.arena, &mut self.held[place]);
            }
        }
    }

    fn check_custody(&mut self, pending: &Pending<'_, Msg>) {
        for id in self.dropped.iter() {
            self.owed.iter_mut().for_each(|owed| _ = owed.remove(id));
        }
        self.dropped.clear();
        self.gather_held(pending);
        for place in 0..self.custody.places() {
            while let Some(lost) = self.owed[place].first_not_in(&self.held[place]) {
                if self.licence.is_none() && !self.remove_missed {
                    self.vanished(lost, place);
                }
                self.owed[place].remove(lost);
            }
        }
    }

    #[cold]
    fn vanished(&self, id: u32, place: usize) -> ! {
        let stage = self.stages[id as usize].last_in_order();
        let (trace, vocabulary) = (&self.inner.world().trace, self.inner.world().vocabulary());
        let reached = trace.iter().rev().find_map(|e| match e.meaning(vocabulary) {
            Meaning::Stage { record, stage: s, region, .. } if record == id && s == stage => Some(region),
            _ => None,
        });
        let region = reached.filter(|&r| r != 0).map_or(String::new(), |r| format!(" in region {r}"));
        panic!(
            "invariant broken: record {id} vanished after stage {}{region}: one of {} (or a message on its way \
             to one) should hold it and does not",
            self.inner.world().architecture.stages[stage].event,
            self.custody.keepers[place]
        );
    }

    fn check_provenance(&mut self) {
        let world = self.inner.world();
        for actor in 0..self.reached.len() as ActorId {
            self.scratch.clear();
            world.machines.get(actor).held(&world.arena, &mut self.scratch);
            if let Some(stranger) = self.scratch.first_not_in(&self.reached[actor as usize]) {
                let name = world.architecture.actor_name(actor);
                panic!("invariant broken: {name} holds record {stranger}, which never reached it");
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
        if !coverage::allowed(world.kind(env.to), state, &env.msg) {
            let states = world.kind(env.to).states();
            let state = states.get(state as usize).copied().unwrap_or("an unknown state");
            panic!(
                "invariant broken: {} handled {:?} in state {state}, which its rules do not allow",
                world.architecture.actor_name(env.to),
                env.msg
            );
        }
        env.msg.carried(&world.arena, &mut self.reached[env.to as usize]);
        let licence = licence(&world.options, world.kind(env.to), &env);
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
        self.remove_missed = false;
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
