//! A single-threaded discrete-event engine.
//!
//! The engine moves messages between actors in simulated time. It knows
//! actors only by number and region; what a message means, and what an actor
//! does with it, belongs to the [`System`] it drives.
//!
//! Timing rules:
//! - a message takes the network delay between the regions of its two ends,
//!   drawn from [`Timing`], now and then with a tail;
//! - messages from one sender to one receiver arrive in the order sent;
//! - an actor handles one message at a time, each taking its service time;
//!   whatever it sends leaves when that service ends; a paused actor starts
//!   nothing new until its pause ends;
//! - a message the actor cannot take yet ([`System::accepts`] says no) waits in
//!   the actor's inbox, in arrival order, and is offered again after every
//!   message the actor handles.

pub mod queue;
pub mod random;
mod timing;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};

pub use queue::{EventQueue, Scheduled};
pub use random::{Stream, stream};
pub use timing::{ChangePoint, Lag, Octaves, Pauses, Perturbation, SlowPeriod, Span, Tail, Timing};

/// Simulated time in nanoseconds.
pub type Time = u64;
/// An actor's index in the system.
pub type ActorId = u8;

pub const MILLISECOND: Time = 1_000_000;
pub const MICROSECOND: Time = 1_000;

/// A message in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope<M> {
    pub from: ActorId,
    pub to: ActorId,
    pub msg: M,
}

/// The model the engine drives.
pub trait System {
    type Msg: Copy;

    /// Whether actor `to` can take `msg` in its current state.
    fn accepts(&self, to: ActorId, msg: &Self::Msg) -> bool;

    /// Handles one delivered message. Runs when the actor's service of the
    /// message ends: `ctx.now()` is that instant.
    fn handle(&mut self, ctx: &mut Ctx<'_, Self::Msg>, env: Envelope<Self::Msg>);

    /// Called after each delivery has been handled, with every message still
    /// in flight or waiting: where a checker looks at the whole system.
    fn after_delivery(&mut self, _pending: Pending<'_, Self::Msg>) {}

    /// Whether the run has grown beyond what may be kept of it (its trace):
    /// the engine then stops it. Looked at every [`CANCEL_CHECK_EVERY`]
    /// deliveries.
    fn overgrown(&self) -> bool {
        false
    }
}

/// A system borrowed by a wrapper is still a system.
impl<S: System + ?Sized> System for &mut S {
    type Msg = S::Msg;

    fn accepts(&self, to: ActorId, msg: &S::Msg) -> bool {
        (**self).accepts(to, msg)
    }

    fn handle(&mut self, ctx: &mut Ctx<'_, S::Msg>, env: Envelope<S::Msg>) {
        (**self).handle(ctx, env)
    }

    fn after_delivery(&mut self, pending: Pending<'_, S::Msg>) {
        (**self).after_delivery(pending)
    }

    fn overgrown(&self) -> bool {
        (**self).overgrown()
    }
}

/// The messages not yet handled: in flight, or waiting in an inbox.
pub struct Pending<'a, M> {
    queue: &'a EventQueue<Envelope<M>>,
    inbox: &'a [VecDeque<Envelope<M>>],
}

impl<M> Pending<'_, M> {
    /// Every pending message, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Envelope<M>> {
        self.queue.iter().chain(self.inbox.iter().flatten())
    }
}

/// Why [`Engine::run`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Nothing is left to deliver.
    Quiescent,
    /// The next delivery lies beyond the time bound.
    TimeBound,
    /// [`Guard::stall_limit`] deliveries in a row left simulated time where
    /// it was: the system spins without making progress.
    Stalled,
    /// The guard's cancel flag was raised; the run is unfinished.
    Cancelled,
    /// The system said it had grown beyond what may be kept of it; the run
    /// is unfinished.
    Overgrown,
}

/// What stops a run that would not end by itself. Checked inside the
/// delivery loop, so that neither a model that spins without advancing
/// simulated time nor a run of a very long time bound ignores Ctrl-C.
#[derive(Clone, Copy, Debug)]
pub struct Guard<'a> {
    /// Raised from outside (a signal handler) to stop the run; looked at
    /// every [`CANCEL_CHECK_EVERY`] deliveries.
    pub cancel: Option<&'a AtomicBool>,
    /// The most deliveries in a row at one instant of simulated time.
    pub stall_limit: u64,
}

/// How often, in deliveries, the cancel flag is looked at.
pub const CANCEL_CHECK_EVERY: u64 = 1 << 12;

/// The default [`Guard::stall_limit`]. The largest honest run (a drill of
/// 200 batches under a zero-latency profile) delivers about 320,000
/// messages at time zero; this is fifty times that.
pub const STALL_LIMIT: u64 = 1 << 24;

impl Default for Guard<'_> {
    fn default() -> Self {
        Self { cancel: None, stall_limit: STALL_LIMIT }
    }
}

impl Guard<'_> {
    fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

/// What a handler may do: read the clock, send.
pub struct Ctx<'a, M> {
    now: Time,
    me: ActorId,
    queue: &'a mut EventQueue<Envelope<M>>,
    links: &'a mut Links,
    timing: &'a mut Timing,
}

impl<M> Ctx<'_, M> {
    pub fn now(&self) -> Time {
        self.now
    }

    pub fn me(&self) -> ActorId {
        self.me
    }

    /// Sends `msg` to `to` over the network.
    pub fn send(&mut self, to: ActorId, msg: M) {
        assert!((to as usize) < self.links.actors, "no link {} -> {to}", self.me);
        let delay = self.timing.network_delay(self.me, to, self.now);
        let arrival = self.links.arrival(self.me, to, self.now + delay);
        self.queue.push_sent(self.now, arrival, Envelope { from: self.me, to, msg });
    }

    /// Moves this actor to another region (a database whose primary moved).
    pub fn relocate(&mut self, region: u8) {
        self.timing.set_region(self.me, region);
    }

    /// Delivers `msg` to this actor itself after `delay` (a timer).
    pub fn send_self_after(&mut self, delay: Time, msg: M) {
        // Timers are not messages on a link: each keeps its own due time.
        let me = self.me;
        self.queue.push_sent(self.now, self.now + delay, Envelope { from: me, to: me, msg });
    }
}

/// Last arrival time per (sender, receiver), to keep each link FIFO.
#[derive(Default)]
struct Links {
    actors: usize,
    last_arrival: Vec<Time>,
}

impl Links {
    fn reset(&mut self, actors: usize) {
        self.actors = actors;
        self.last_arrival.clear();
        self.last_arrival.resize(actors * actors, 0);
    }

    /// When a message sent now from `from` to `to` arrives: at `earliest`,
    /// or after the last message on that link.
    fn arrival(&mut self, from: ActorId, to: ActorId, earliest: Time) -> Time {
        let slot = &mut self.last_arrival[from as usize * self.actors + to as usize];
        *slot = (*slot).max(earliest);
        *slot
    }
}

/// The engine. Reusable across runs: [`Engine::reset`] keeps allocations.
pub struct Engine<M> {
    now: Time,
    queue: EventQueue<Envelope<M>>,
    links: Links,
    inbox: Vec<VecDeque<Envelope<M>>>,
    busy_until: Vec<Time>,
    timing: Timing,
    deliveries: u64,
}

impl<M: Copy> Engine<M> {
    pub fn new() -> Self {
        Self {
            now: 0,
            queue: EventQueue::default(),
            links: Links::default(),
            inbox: Vec::new(),
            busy_until: Vec::new(),
            timing: Timing::default(),
            deliveries: 0,
        }
    }

    /// Prepares a run: `timing` fixes the actors and their timing, `seed`
    /// the streams its draws come from.
    pub fn reset(&mut self, seed: u64, mut timing: Timing) {
        timing.start(seed);
        let actors = timing.actors();
        assert!(actors <= ActorId::MAX as usize + 1, "too many actors");
        self.now = 0;
        self.queue.clear();
        self.links.reset(actors);
        self.inbox.iter_mut().for_each(VecDeque::clear);
        self.inbox.resize_with(actors, VecDeque::new);
        self.busy_until.clear();
        self.busy_until.resize(actors, 0);
        self.timing = timing;
        self.deliveries = 0;
        assert!(self.queue.is_empty() && self.inbox.len() == actors && self.inbox.iter().all(VecDeque::is_empty));
    }

    pub fn now(&self) -> Time {
        self.now
    }

    /// Messages delivered so far in this run (including ones that waited).
    pub fn deliveries(&self) -> u64 {
        self.deliveries
    }

    /// Messages waiting in `actor`'s inbox.
    pub fn inbox(&self, actor: ActorId) -> impl Iterator<Item = &Envelope<M>> {
        self.inbox[actor as usize].iter()
    }

    /// Messages in flight (sent, not yet delivered), in the order they are
    /// due, with when each was sent.
    pub fn in_transit(&self) -> Vec<Scheduled<'_, Envelope<M>>> {
        self.queue.scheduled()
    }

    /// Injects a message from outside at time `at` (no network delay).
    pub fn inject(&mut self, at: Time, env: Envelope<M>) {
        assert!((env.to as usize) < self.inbox.len(), "no actor {}", env.to);
        assert!(at >= self.now, "a message injected for {at}, before now ({})", self.now);
        self.queue.push(at, env);
    }

    /// Runs until nothing is left or the next delivery is beyond `limit`,
    /// under the default [`Guard`].
    pub fn run<S: System<Msg = M> + ?Sized>(&mut self, system: &mut S, limit: Time) -> Stop {
        self.run_guarded(system, limit, Guard::default())
    }

    /// As [`Engine::run`]; also stops when `guard` says so.
    pub fn run_guarded<S: System<Msg = M> + ?Sized>(&mut self, system: &mut S, limit: Time, guard: Guard) -> Stop {
        let mut same_instant = 0u64;
        // Each stop is decided before the message is taken off the queue, so
        // what is left keeps when it was sent.
        while let Some(time) = self.queue.next_time() {
            if time > limit {
                assert!(self.now <= limit, "a delivery beyond the time bound");
                return Stop::TimeBound;
            }
            assert!(time >= self.now, "time went backwards: {time} after {}", self.now);
            if time > self.now {
                self.now = time;
                same_instant = 0;
            } else {
                same_instant += 1;
                if same_instant > guard.stall_limit {
                    return Stop::Stalled;
                }
            }
            self.deliveries += 1;
            if self.deliveries.is_multiple_of(CANCEL_CHECK_EVERY) {
                let stop = [(guard.cancelled(), Stop::Cancelled), (system.overgrown(), Stop::Overgrown)];
                if let Some((_, stop)) = stop.into_iter().find(|(stop, _)| *stop) {
                    return stop;
                }
            }
            let (_, env) = self.queue.pop().expect("its time was just read");
            if system.accepts(env.to, &env.msg) {
                self.dispatch(system, env);
                self.offer_inbox(system, env.to);
            } else {
                self.inbox[env.to as usize].push_back(env);
            }
            system.after_delivery(Pending { queue: &self.queue, inbox: &self.inbox });
        }
        Stop::Quiescent
    }

    #[inline(always)]
    fn dispatch<S: System<Msg = M> + ?Sized>(&mut self, system: &mut S, env: Envelope<M>) {
        let actor = env.to as usize;
        let start = self.timing.after_pauses(env.to, self.now.max(self.busy_until[actor]));
        debug_assert!(start >= self.now && start >= self.busy_until[actor], "{} starts before it is free", env.to);
        let done = start + self.timing.service_time(env.to, start);
        self.busy_until[actor] = done;
        let mut ctx =
            Ctx { now: done, me: env.to, queue: &mut self.queue, links: &mut self.links, timing: &mut self.timing };
        system.handle(&mut ctx, env);
    }

    /// Hands `actor` the oldest waiting messages it now accepts, until none.
    fn offer_inbox<S: System<Msg = M> + ?Sized>(&mut self, system: &mut S, actor: ActorId) {
        loop {
            let inbox = &self.inbox[actor as usize];
            let Some(i) = inbox.iter().position(|e| system.accepts(actor, &e.msg)) else {
                return;
            };
            let env = self.inbox[actor as usize].remove(i).expect("position is in range");
            self.dispatch(system, env);
        }
    }
}

impl<M: Copy> Default for Engine<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs one handler by hand and collects what it sends: for unit tests of a
/// single machine, with no other machine present.
pub struct Probe<M> {
    queue: EventQueue<Envelope<M>>,
    links: Links,
    timing: Timing,
}

impl<M> Probe<M> {
    pub fn new(mut timing: Timing) -> Self {
        assert!(timing.actors() <= ActorId::MAX as usize + 1, "too many actors");
        timing.start(0);
        let mut links = Links::default();
        links.reset(timing.actors());
        Self { queue: EventQueue::default(), links, timing }
    }

    /// A context for actor `me` at time `now`.
    pub fn ctx(&mut self, me: ActorId, now: Time) -> Ctx<'_, M> {
        Ctx { now, me, queue: &mut self.queue, links: &mut self.links, timing: &mut self.timing }
    }

    /// What the handlers sent since the last call, in delivery order. The
    /// queue starts afresh, so that the next handler may run at any time.
    pub fn sent(&mut self) -> Vec<Envelope<M>> {
        let sent = std::iter::from_fn(|| self.queue.pop().map(|(_, e)| e)).collect();
        self.queue.clear();
        sent
    }

    pub fn timing(&self) -> &Timing {
        &self.timing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Actor 0 sends numbered pings to actor 1, which defers odd ones until
    /// it has seen an even one after them.
    struct Echo {
        seen: Vec<(Time, u32)>,
        gate_open: bool,
    }

    impl System for Echo {
        type Msg = u32;
        fn accepts(&self, to: ActorId, msg: &u32) -> bool {
            to != 1 || msg.is_multiple_of(2) || self.gate_open
        }
        fn handle(&mut self, ctx: &mut Ctx<'_, u32>, env: Envelope<u32>) {
            match env.to {
                0 => {
                    for n in 0..env.msg {
                        ctx.send(1, n);
                    }
                }
                _ => {
                    self.seen.push((ctx.now(), env.msg));
                    self.gate_open = env.msg.is_multiple_of(2);
                }
            }
        }
    }

    fn timing() -> Timing {
        let mut t = Timing::new(vec![1, 2], 3);
        t.set_delay(1, 2, Span::new(10, 1_000));
        t.set_service(1, Span::new(5, 50));
        t
    }

    fn run(seed: u64) -> Vec<(Time, u32)> {
        let mut engine = Engine::new();
        engine.reset(seed, timing());
        engine.inject(0, Envelope { from: 0, to: 0, msg: 20 });
        let mut echo = Echo { seen: Vec::new(), gate_open: false };
        assert_eq!(engine.run(&mut echo, Time::MAX), Stop::Quiescent);
        assert_eq!(engine.deliveries(), 21);
        echo.seen
    }

    #[test]
    fn one_link_is_fifo_even_with_random_delays() {
        let seen = run(7);
        let evens: Vec<u32> = seen.iter().map(|s| s.1).filter(|n| n % 2 == 0).collect();
        assert_eq!(evens, (0..20).step_by(2).collect::<Vec<_>>());
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "one message at a time");
    }

    #[test]
    fn deferred_messages_wait_and_keep_their_order() {
        let seen = run(7);
        assert_eq!(seen.len(), 20);
        let odds: Vec<u32> = seen.iter().map(|s| s.1).filter(|n| n % 2 == 1).collect();
        assert_eq!(odds, (1..20).step_by(2).collect::<Vec<_>>());
        assert_eq!(seen[0].1, 0, "1 waits for the gate that 0 opens");
    }

    #[test]
    fn same_seed_same_schedule_other_seed_other_schedule() {
        assert_eq!(run(3), run(3));
        assert_ne!(run(3), run(4));
    }

    #[test]
    fn time_bound_stops_before_late_deliveries() {
        let mut engine = Engine::new();
        engine.reset(1, timing());
        engine.inject(0, Envelope { from: 0, to: 0, msg: 20 });
        let mut echo = Echo { seen: Vec::new(), gate_open: false };
        assert_eq!(engine.run(&mut echo, 0), Stop::TimeBound);
        assert!(echo.seen.is_empty());
    }

    /// Actor 0 sends itself a message at once, for ever, in zero time; each
    /// message carries how many came before it.
    struct Spinner {
        step_ns: Time,
    }

    impl System for Spinner {
        type Msg = u32;
        fn accepts(&self, _: ActorId, _: &u32) -> bool {
            true
        }
        fn handle(&mut self, ctx: &mut Ctx<'_, u32>, env: Envelope<u32>) {
            ctx.send_self_after(self.step_ns, env.msg + 1);
        }
    }

    fn spinning() -> Engine<u32> {
        let mut engine = Engine::new();
        engine.reset(1, Timing::new(vec![0], 1));
        engine.inject(0, Envelope { from: 0, to: 0, msg: 0 });
        engine
    }

    #[test]
    fn a_system_spinning_at_one_instant_is_stopped_as_stalled() {
        let mut engine = spinning();
        let guard = Guard { stall_limit: 1000, ..Guard::default() };
        assert_eq!(engine.run_guarded(&mut Spinner { step_ns: 0 }, Time::MAX, guard), Stop::Stalled);
        assert_eq!((engine.deliveries(), engine.now()), (1000, 0), "1000 deliveries at time 0, not one more");
        let mut engine = spinning();
        let stop = engine.run_guarded(&mut Spinner { step_ns: 1 }, 5000, guard);
        assert_eq!(stop, Stop::TimeBound, "time advances at every delivery: not stalled");
    }

    #[test]
    fn a_raised_cancel_flag_stops_a_run_within_a_few_thousand_deliveries() {
        let flag = AtomicBool::new(true);
        let mut engine = spinning();
        let guard = Guard { cancel: Some(&flag), ..Guard::default() };
        assert_eq!(engine.run_guarded(&mut Spinner { step_ns: 1 }, Time::MAX, guard), Stop::Cancelled);
        assert_eq!(engine.deliveries(), CANCEL_CHECK_EVERY);
    }

    #[test]
    #[should_panic(expected = "no actor 5")]
    fn a_message_injected_for_an_actor_that_does_not_exist_breaks_the_invariant() {
        let mut engine = Engine::new();
        engine.reset(1, timing());
        engine.inject(0, Envelope { from: 0, to: 5, msg: 0u32 });
    }

    #[test]
    #[should_panic(expected = "a message injected for 3, before now (5)")]
    fn nothing_is_scheduled_in_the_past() {
        let mut engine = Engine::new();
        engine.reset(1, timing());
        engine.inject(5, Envelope { from: 0, to: 0, msg: 0u32 });
        engine.run(&mut Spinner { step_ns: 1 }, 5);
        engine.inject(3, Envelope { from: 0, to: 0, msg: 0u32 });
    }

    #[test]
    #[should_panic(expected = "no link 0 -> 2")]
    fn a_message_sent_to_an_actor_that_does_not_exist_breaks_the_invariant() {
        let mut probe = Probe::<u32>::new(timing());
        probe.ctx(0, 0).send(2, 7);
    }
}
