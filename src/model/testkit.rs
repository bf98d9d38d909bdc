//! Drives one machine by hand in unit tests.

use super::topology::{ACTORS, WORKLOAD1, home_region};
use super::{Arena, Batch, Io, Machine, Msg, Record};
use crate::config::Options;
use crate::engine::{ActorId, Probe, Time, Timing};
use crate::trace::{Event, Kind};

pub struct Bench {
    probe: Probe<Msg>,
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
        let timing = Timing::new((0..ACTORS as ActorId).map(home_region).collect(), 4);
        Self { probe: Probe::new(timing), arena: Arena::default(), trace: Vec::new(), options, now: 0 }
    }

    /// Hands `msg` from `from` to machine `m` (addressed as `me`) and returns
    /// what it sent. `me` defaults to the actor the machine expects to be.
    pub fn step_as(&mut self, m: &mut dyn Machine, me: ActorId, from: ActorId, msg: Msg) -> Vec<(ActorId, Msg)> {
        let mut ctx = self.probe.ctx(me, self.now);
        let (arena, trace, options) = (&mut self.arena, &mut self.trace, &self.options);
        let vocabulary = WORKLOAD1.vocabulary();
        let mut io = Io { ctx: &mut ctx, arena, trace, options, architecture: &WORKLOAD1, vocabulary };
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
