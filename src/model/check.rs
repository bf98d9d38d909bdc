//! Invariants checked while the simulator runs, TigerBeetle's way: a
//! wrapper around the world that looks at the whole system after every
//! delivery. A broken invariant panics; whoever runs the seed turns the
//! panic into an error that names it, so that a simulator bug stops the run
//! instead of slipping into a trace.
//!
//! - **Custody:** every record the source published, and was not told had
//!   failed, is somewhere: carried by a message in flight or waiting in an
//!   inbox, in a machine's hands, in a stream, in a replica, or at the
//!   destination.
//! - **Provenance:** no machine holds a record that never reached it.
//! - **Coverage:** every message is handled in a state its machine's rules
//!   allow it in ([`super::coverage::HANDLED`]).
//!
//! Answers are matched to their requests inside the machines ([`super::Awaited`]).

use super::coverage::{self, MachineKind};
use super::topology::{ACTORS, name};
use super::{IdSet, Machine, Msg, World};
use crate::engine::{ActorId, Ctx, Envelope, Pending, System};
use crate::trace::Kind;

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

/// Checks the invariants of the world inside `S` after every delivery.
pub struct Checked<S> {
    inner: S,
    /// Per actor, every record ever delivered to it.
    reached: Vec<IdSet>,
    /// Records published and not answered with failure.
    owed: IdSet,
    /// Trace events already read into `owed`.
    seen_events: usize,
    scratch: IdSet,
}

impl<S: System<Msg = Msg> + HasWorld> Checked<S> {
    pub fn new(inner: S) -> Self {
        let reached = (0..ACTORS).map(|_| IdSet::default()).collect();
        Self { inner, reached, owed: IdSet::default(), seen_events: 0, scratch: IdSet::default() }
    }

    fn update_owed(&mut self) {
        let trace = &self.inner.world().trace;
        for event in &trace[self.seen_events..] {
            match event.kind {
                Kind::Published => self.owed.insert(event.subject),
                Kind::PublishFailed => self.owed.remove(event.subject),
                _ => false,
            };
        }
        self.seen_events = trace.len();
    }

    fn check_custody(&mut self, pending: &Pending<'_, Msg>) {
        let world = self.inner.world();
        self.scratch.clear();
        pending.iter().for_each(|env| env.msg.carried(&world.arena, &mut self.scratch));
        for actor in 0..ACTORS as ActorId {
            world.machines.get(actor).held(&world.arena, &mut self.scratch);
        }
        if let Some(lost) = self.owed.first_not_in(&self.scratch) {
            panic!(
                "invariant broken: record {lost} was published and is held nowhere: no message carries it and no \
                 machine, stream, replica or destination has it"
            );
        }
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
        if coverage::bit(env.to, state, &env.msg).is_none() {
            let states = MachineKind::of(env.to).states();
            let state = states.get(state as usize).copied().unwrap_or("an unknown state");
            panic!(
                "invariant broken: {} handled {:?} in state {state}, which its rules do not allow",
                name(env.to),
                env.msg
            );
        }
        env.msg.carried(&world.arena, &mut self.reached[env.to as usize]);
        self.inner.handle(ctx, env);
    }

    fn after_delivery(&mut self, pending: Pending<'_, Msg>) {
        self.update_owed();
        self.check_custody(&pending);
        self.check_provenance();
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
