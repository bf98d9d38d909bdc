//! The driver: the test harness that walks a scenario's steps, sending
//! commands to the pipeline and waiting for what the steps wait for. Its
//! fault choices draw from the seed's fault stream; an explored run also
//! waits a random delay before each step, so that the faults land in
//! different phases of the work.

use std::sync::Arc;

use rand_pcg::Pcg64Mcg;

use super::fault_set::{self, FaultSets};
use super::{Scenario, Step, chaos, recovers_failed};
use crate::architecture::{Command, ComponentKind};
use crate::config::Environment;
use crate::engine::{ActorId, Span, Stream, Time, stream};
use crate::model::{Answer, Awaited, Io, Machine, Msg, acknowledges};
use crate::trace::Kind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BatchStatus {
    NotRequested,
    Pending,
    Published,
    Stopped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wait {
    Nothing,
    Published(u8),
    Delivered(u32),
    /// Until the watched stream answers.
    Appended,
    Timer,
    /// Until every chaos command has been sent.
    ChaosEnd,
    /// Until every command sent to a machine that acknowledges it has been
    /// acknowledged.
    Acknowledged,
}

pub struct Driver {
    scenario: Arc<Scenario>,
    next_step: usize,
    wait: Wait,
    /// Arrivals at the destination, duplicates included.
    delivered: u32,
    /// The stream whose total appends are watched, until it answers.
    watching: Option<Awaited>,
    /// The machines sent a command they acknowledge, one entry per command,
    /// until they do.
    unacknowledged: Vec<ActorId>,
    batches: Vec<BatchStatus>,
    /// Components failed by a `FailRandom` step, for `RecoverFailed`.
    failed_at_random: Vec<ActorId>,
    /// Timed commands of chaos steps in due order; those before `agenda_next`
    /// have been sent.
    agenda: Vec<(Time, Step)>,
    agenda_next: usize,
    /// When the current `Sleep` step ends.
    sleep_until: Option<Time>,
    /// Due times of the timers sent and not yet received: a sleep may end
    /// before the next chaos command, so there can be more than one.
    timers: Vec<Time>,
    /// Where random failures and chaos schedules draw from.
    faults: Pcg64Mcg,
    fault_sets: FaultSets,
    step_delays: Option<StepDelays>,
    /// The steps taken so far, every random choice written out (see
    /// `explicit_scenario`).
    taken: Vec<Step>,
}

/// The delays before each step of an explored run.
struct StepDelays {
    span: Span,
    rng: Pcg64Mcg,
    /// The step whose delay has been waited.
    waited: Option<usize>,
}

impl Driver {
    /// The driver of the run of `seed`; with a `step_delay` above 0, it waits
    /// a delay drawn in `0..=step_delay` before each step.
    pub fn new(scenario: Arc<Scenario>, seed: u64, step_delay: Time, fault_sets: FaultSets) -> Self {
        let batches = vec![BatchStatus::NotRequested; scenario.batches as usize + 1];
        let step_delays = (step_delay > 0).then(|| StepDelays {
            span: Span::new(0, step_delay),
            rng: stream(seed, Stream::Steps),
            waited: None,
        });
        Self {
            scenario,
            next_step: 0,
            wait: Wait::Nothing,
            delivered: 0,
            watching: None,
            unacknowledged: Vec::new(),
            batches,
            failed_at_random: Vec::new(),
            agenda: Vec::new(),
            agenda_next: 0,
            sleep_until: None,
            timers: Vec::new(),
            faults: stream(seed, Stream::Faults),
            fault_sets,
            step_delays,
            taken: Vec::new(),
        }
    }

    /// The scenario as this run took it, in `environment` (the run's): every
    /// random choice written out. A step's delay is a sleep before it, the
    /// components a `FailRandom` failed and a `RecoverFailed` recovered are
    /// `Fail` and `Recover` steps, a chaos step is the [`Step::Schedule`] it
    /// drew; the steps not reached follow as they are, but for those that
    /// would draw. Run from the same seed it makes the same run.
    pub fn explicit_scenario(&self, environment: Option<&Environment>) -> Scenario {
        let draws = |s: &&Step| matches!(s, Step::FailRandom { .. } | Step::RecoverFailed { .. } | Step::Chaos(_));
        let unreached = self.scenario.steps[self.next_step..].iter().filter(|s| !draws(s)).cloned();
        Scenario {
            steps: self.taken.iter().cloned().chain(unreached).collect(),
            environment: environment.map(|e| Environment { step_delay_us: 0, ..e.clone() }),
            ..(*self.scenario).clone()
        }
    }

    /// All steps done.
    pub fn finished(&self) -> bool {
        self.next_step == self.scenario.steps.len() && self.wait == Wait::Nothing
    }

    fn satisfied(&self) -> bool {
        match self.wait {
            Wait::Nothing => true,
            Wait::Published(b) => matches!(self.batches[b as usize], BatchStatus::Published | BatchStatus::Stopped),
            Wait::Delivered(n) => self.delivered >= n,
            Wait::Appended => self.watching.is_none(),
            Wait::Timer => self.sleep_until.is_none(),
            Wait::ChaosEnd => self.agenda_next == self.agenda.len(),
            Wait::Acknowledged => self.unacknowledged.is_empty(),
        }
    }

    /// Runs steps until one has to wait.
    fn advance(&mut self, io: &mut Io<'_, '_>) {
        while self.satisfied() {
            self.wait = Wait::Nothing;
            let Some(step) = self.scenario.steps.get(self.next_step).cloned() else {
                return;
            };
            if self.delay_before_step(io) {
                continue;
            }
            self.next_step += 1;
            self.take(io, step);
        }
    }

    /// Executes a step of the scenario, and notes it as taken; a step that
    /// sent commands its machines acknowledge waits for them.
    fn take(&mut self, io: &mut Io<'_, '_>, step: Step) {
        let unacknowledged = self.unacknowledged.len();
        self.take_unacknowledged(io, step);
        if self.unacknowledged.len() > unacknowledged && self.wait == Wait::Nothing {
            self.wait = Wait::Acknowledged;
        }
    }

    fn take_unacknowledged(&mut self, io: &mut Io<'_, '_>, step: Step) {
        let step = match step {
            Step::Chaos(params) => Step::Schedule(self.draw_schedule(&params)),
            step => step,
        };
        match step {
            Step::FailRandom { .. } => {
                let before = self.failed_at_random.len();
                self.execute(io, step);
                self.taken.extend(self.failed_at_random[before..].iter().map(|&c| Step::Fail(c)));
            }
            Step::RecoverFailed { containers } => {
                let recovered = self.failed_at_random.iter().filter(|&&c| recovers_failed(containers, kind_of(io, c)));
                self.taken.extend(recovered.map(|&c| Step::Recover(c)));
                self.execute(io, step);
            }
            step => {
                self.taken.push(step.clone());
                self.execute(io, step);
            }
        }
    }

    /// In an explored run, starts the wait before the next step, once per
    /// step: true if the step has to wait.
    fn delay_before_step(&mut self, io: &mut Io<'_, '_>) -> bool {
        let Some(delays) = &mut self.step_delays else { return false };
        if delays.waited == Some(self.next_step) {
            return false;
        }
        delays.waited = Some(self.next_step);
        let delay = delays.span.sample(&mut delays.rng);
        if delay == 0 {
            return false;
        }
        self.taken.push(Step::Sleep(delay));
        self.sleep_until = Some(io.now() + delay);
        self.wait = Wait::Timer;
        true
    }

    fn execute(&mut self, io: &mut Io<'_, '_>, step: Step) {
        match step {
            Step::Publish(b) => self.publish(io, b),
            Step::AwaitPublished(b) => self.wait = Wait::Published(b),
            Step::AwaitDelivered(n) => self.wait = Wait::Delivered(n),
            Step::AwaitAppended { stream, total } => {
                self.watching = Some(Awaited::new(stream, Answer::Appends));
                self.wait = Wait::Appended;
                io.send(stream, Msg::WatchAppends(total));
            }
            Step::Fail(c) => self.command(io, c, Msg::Fail, Kind::FAIL),
            Step::Recover(c) => self.command(io, c, Msg::Recover, Kind::RECOVER),
            Step::SwitchPrimary(db) => self.command(io, db, Msg::SwitchPrimary, Kind::SWITCH_PRIMARY),
            Step::SwitchRegions(c) => self.command(io, c, Msg::SwitchRegions, Kind::SWITCH_REGIONS),
            Step::FailReplication(db) => self.command(io, db, Msg::FailReplication, Kind::FAIL_REPLICATION),
            Step::RecoverReplication(db) => self.command(io, db, Msg::RecoverReplication, Kind::RECOVER_REPLICATION),
            Step::RegionOffline(r) => dns_command(io, Msg::RegionOffline(r), Kind::REGION_OFFLINE, r),
            Step::RegionOnline(r) => dns_command(io, Msg::RegionOnline(r), Kind::REGION_ONLINE, r),
            Step::Sleep(d) => {
                self.sleep_until = Some(io.now() + d);
                self.wait = Wait::Timer;
            }
            Step::RepublishIfStopped(b) => {
                if self.batches[b as usize] == BatchStatus::Stopped {
                    self.publish(io, b);
                    self.wait = Wait::Published(b);
                }
            }
            Step::FailRandom { candidates, min, max } => {
                let architecture = &self.scenario.architecture;
                let chosen = fault_set::draw(&candidates, min, max, self.fault_sets, architecture, &mut self.faults);
                for &c in &chosen {
                    self.command(io, c, Msg::Fail, Kind::FAIL);
                }
                self.failed_at_random.extend(chosen);
            }
            Step::RecoverFailed { containers } => {
                for c in std::mem::take(&mut self.failed_at_random) {
                    if !recovers_failed(containers, kind_of(io, c)) {
                        continue;
                    }
                    self.command(io, c, Msg::Recover, Kind::RECOVER);
                }
            }
            Step::Chaos(params) => {
                let drawn = self.draw_schedule(&params);
                self.start_schedule(io, &drawn);
            }
            Step::Schedule(commands) => self.start_schedule(io, &commands),
            Step::AwaitChaosEnd => self.wait = Wait::ChaosEnd,
        }
    }

    /// A chaos step's schedule, its times counted from the step.
    fn draw_schedule(&mut self, params: &chaos::ChaosParams) -> Vec<(Time, Step)> {
        let mut drawn = Vec::new();
        chaos::schedule(params, &self.scenario.architecture, 0, &mut self.faults, &mut drawn);
        drawn
    }

    /// Adds `commands`, due at their times after now, to the agenda.
    fn start_schedule(&mut self, io: &mut Io<'_, '_>, commands: &[(Time, Step)]) {
        // Keep only unsent commands so that a second chaos step merges in order.
        self.agenda.drain(..self.agenda_next);
        self.agenda_next = 0;
        let start = io.now();
        self.agenda.extend(commands.iter().map(|(at, step)| (start + at, step.clone())));
        // Stable: see `chaos::schedule`.
        self.agenda.sort_by_key(|(due, _)| *due);
    }

    /// Sends the chaos commands that are due and ends a sleep that is over.
    fn on_timer(&mut self, io: &mut Io<'_, '_>) {
        let now = io.now();
        // A timer never arrives before it is due, so the earliest due time on
        // record has passed, whichever timer this is.
        if let Some(i) = (0..self.timers.len()).min_by_key(|&i| self.timers[i]) {
            self.timers.swap_remove(i);
        }
        while let Some((due, step)) = self.agenda.get(self.agenda_next)
            && *due <= now
        {
            let step = step.clone();
            self.agenda_next += 1;
            self.execute(io, step);
        }
        if self.sleep_until.is_some_and(|end| end <= now) {
            self.sleep_until = None;
        }
    }

    /// Makes sure a timer is pending for the next due chaos command or the
    /// end of the sleep, whichever comes first.
    fn arm_timer(&mut self, io: &mut Io<'_, '_>) {
        let next_command = self.agenda.get(self.agenda_next).map(|(due, _)| *due);
        let Some(due) = next_command.into_iter().chain(self.sleep_until).min() else {
            return;
        };
        if self.timers.iter().any(|&pending| pending <= due) {
            return;
        }
        io.wake_after(due.saturating_sub(io.now()));
        self.timers.push(due);
    }

    /// Sends `msg` to `component`, traced as `kind`; notes it if the
    /// component acknowledges it.
    fn command(&mut self, io: &mut Io<'_, '_>, component: ActorId, msg: Msg, kind: Kind) {
        io.trace(kind, io.architecture.actor_region(component), component as u32, 0);
        if acknowledges(kind_of(io, component), &msg) {
            self.unacknowledged.push(component);
        }
        io.send(component, msg);
    }

    fn publish(&mut self, io: &mut Io<'_, '_>, batch: u8) {
        let batches = self.scenario.batches;
        assert!((1..=batches).contains(&batch), "no batch {batch} in a scenario of {batches}");
        self.batches[batch as usize] = BatchStatus::Pending;
        io.trace(Kind::PUBLISH_REQUESTED, 0, batch as u32, 0);
        let source = self.scenario.architecture.source();
        io.send(source, Msg::PublishBatch(batch));
    }
}

fn kind_of(io: &Io<'_, '_>, component: ActorId) -> ComponentKind {
    io.architecture.instances[component as usize - 1].kind
}

/// A region command goes to every DNS that may take it; the trace names
/// the first.
fn dns_command(io: &mut Io<'_, '_>, msg: Msg, kind: Kind, region: u8) {
    let architecture = io.architecture;
    let dnss = architecture.targets(Command::RegionOffline);
    assert!(!dnss.is_empty(), "a region command in {}, whose DNSs take none", architecture.name);
    io.trace(kind, region, dnss[0] as u32 + 1, 0);
    for &dns in dnss {
        io.send(dns as ActorId + 1, msg);
    }
}

impl Machine for Driver {
    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Start => {}
            Msg::BatchPublished(b) => {
                io.trace(Kind::BATCH_PUBLISHED, 0, b as u32, 0);
                self.batches[b as usize] = BatchStatus::Published;
            }
            Msg::BatchStopped { batch, sent } => {
                io.trace(Kind::BATCH_STOPPED, 0, batch as u32, sent);
                self.batches[batch as usize] = BatchStatus::Stopped;
            }
            Msg::Delivered { arrivals } => self.delivered = arrivals,
            Msg::AppendsReached(_) => {
                let awaited = self.watching.take().expect("a stream answers only a watch");
                // The wait ends on the answer, whatever it says: as the original.
                awaited.outcome(io, from, &msg);
            }
            Msg::CommandDone => {
                let command = self.unacknowledged.iter().position(|&c| c == from);
                let command = command.unwrap_or_else(|| {
                    panic!(
                        "invariant broken: {} acknowledged no command of the driver",
                        io.architecture.actor_name(from)
                    )
                });
                self.unacknowledged.remove(command);
            }
            Msg::Timer => self.on_timer(io),
            other => panic!("driver cannot handle {other:?}"),
        }
        self.advance(io);
        self.arm_timer(io);
    }
}
