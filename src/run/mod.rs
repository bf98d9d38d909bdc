//! Running the model: one seed at a time ([`Simulator`]), or many seeds in
//! parallel into trace files ([`simulate`]).
//!
//! A run draws from streams derived from its seed (see
//! [`crate::engine::random`]): timing per actor, speed factors, record
//! values, routing, faults, and under `--explore` its environment and the
//! delays before the driver's steps.

mod batch;
mod cause;
mod command_line;
mod diagnose;
mod resolve;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, LazyLock};

use rand::Rng;

use crate::architecture::kind::Flow;
use crate::architecture::{Architecture, Instance};
use crate::config::explore::{DELIVERY_LAG_SPAN, REGIONS, Slowed};
use crate::config::{Environment, Options, Profile};
use crate::engine::{
    ActorId, ChangePoint, Ctx, Engine, Envelope, Guard, Lag, MICROSECOND, Octaves, Perturbation, SlowPeriod, Stop,
    Stream, System, Time, Timing, stream,
};
use crate::model::DRIVER;
use crate::model::{Checked, HasWorld, Msg, Pairs, Record, Source, World, timing};
use crate::scenario::{Driver, FaultSets, Scenario};
use crate::trace::{Event, Outcome, OutcomeKind, RunHeader, Spec, digest};

pub use batch::{Plan, SimError, Stopped, Summary, simulate};
pub use cause::{Cause, out_of_order, stored_again};
pub use command_line::arguments;
pub use diagnose::{
    Condition, Finding, FrontEnds, Holder, Reason, Why, consecutive, holder_of_run, ms_text, not_working, range_text,
    republished_text, stranded,
};
pub use resolve::{
    DEFAULT_ARCHITECTURE, built_in_architecture, resolve_architecture, resolve_scenario, scenarios_of,
    stored_architecture,
};

/// The world of a run: the pipeline driven by the scenario's driver.
pub type RunWorld = World<Driver>;

/// What decides a run besides its seed: the architecture and the scenario,
/// parsed, and what the trace stores of them.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// The architecture whose machines run.
    pub architecture: Arc<Architecture>,
    /// A scenario of the architecture.
    pub scenario: Arc<Scenario>,
    /// The architecture's name and file text (empty for built-in ones), the
    /// scenario's name and drill text (empty for built-in scenarios), its
    /// records, the options and the profile, as trace files store them.
    pub stored: Arc<Spec>,
    /// Check the model's invariants after every delivery (always on in
    /// debug builds). Slower; decides nothing about the run.
    pub check_invariants: bool,
}

impl RunSpec {
    /// A spec of a built-in scenario of the default architecture.
    pub fn new(scenario: Scenario, options: Options, profile: Profile) -> Self {
        Self::with_drill(scenario, String::new(), options, profile)
    }

    /// A spec of a scenario of the default architecture read from `drill`,
    /// the drill file's text.
    pub fn with_drill(scenario: Scenario, drill: String, options: Options, profile: Profile) -> Self {
        let architecture = scenario.architecture.clone();
        let stored = Spec {
            architecture: architecture.name.clone(),
            architecture_text: String::new(),
            scenario: scenario.name.clone(),
            drill,
            records: scenario.records(),
            options,
            profile,
            explore: false,
            coverage_table: coverage_table_of(&architecture),
            vocabulary: architecture.vocabulary(),
        };
        Self { architecture, scenario: Arc::new(scenario), stored: Arc::new(stored), check_invariants: false }
    }

    /// This spec in `architecture`, read from a file of `text` (empty for a
    /// built-in one); its scenario is to be one of the architecture's (see
    /// [`resolve_scenario`]).
    pub fn in_architecture(self, architecture: Arc<Architecture>, text: String) -> Self {
        assert_eq!(self.scenario.architecture, architecture, "a scenario of the architecture");
        let name = architecture.name.clone();
        let stored = Arc::new(Spec { architecture: name, architecture_text: text, ..(*self.stored).clone() });
        Self { architecture, stored, ..self }
    }

    /// This spec with each run drawing its own environment around the
    /// profile (`--explore`), or not.
    pub fn exploring(self, explore: bool) -> Self {
        let stored = Arc::new(Spec { explore, ..(*self.stored).clone() });
        Self { stored, ..self }
    }

    /// The spec a stored run was simulated with: its architecture, and its
    /// scenario in that architecture. An error if its coverage bits index
    /// another table than this wl1's (see [`stored_architecture`]), or if a
    /// variant of its options changes nothing in the architecture.
    pub fn from_stored(stored: &Arc<Spec>) -> Result<Self, String> {
        let architecture = stored_architecture(stored)?;
        architecture.check_variants(stored.options.variants)?;
        let scenario = resolve::stored_scenario(stored, &architecture)?;
        Ok(Self { architecture, scenario: Arc::new(scenario), stored: stored.clone(), check_invariants: false })
    }

    pub fn options(&self) -> &Options {
        &self.stored.options
    }

    pub fn profile(&self) -> &Profile {
        &self.stored.profile
    }

    /// A digest of everything that decides a run besides its seed; the same
    /// as the [`RunHeader::identity`] of its runs.
    pub fn identity(&self) -> u64 {
        self.stored.identity()
    }

    fn checks(&self) -> bool {
        self.check_invariants || cfg!(debug_assertions)
    }
}

/// Simulates runs one after another, reusing its buffers.
pub struct Simulator {
    engine: Engine<Msg>,
    world: Option<RunWorld>,
    /// Why the last run stopped.
    last_stop: Stop,
}

impl Default for Simulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Simulator {
    pub fn new() -> Self {
        Self { engine: Engine::new(), world: None, last_stop: Stop::Quiescent }
    }

    /// Simulates `seed` and returns its header; the events stay readable
    /// through [`Simulator::events`] until the next run.
    pub fn run(&mut self, spec: &RunSpec, seed: u64) -> RunHeader {
        self.run_with(spec, seed, |world| world)
    }

    /// As [`Simulator::run`], stopping early when `cancel` is raised: `None`
    /// then, the run being unfinished.
    pub fn run_cancellable(&mut self, spec: &RunSpec, seed: u64, cancel: &AtomicBool) -> Option<RunHeader> {
        let guard = Guard { cancel: Some(cancel), ..Guard::default() };
        let header = self.run_with_guard(spec, seed, guard, |world| world);
        (self.last_stop != Stop::Cancelled).then_some(header)
    }

    /// The environment of the run of `seed`: drawn from its environment
    /// stream if the spec explores, `None` otherwise.
    pub fn environment(spec: &RunSpec, seed: u64) -> Option<Environment> {
        drawn_environment(&spec.stored, seed)
    }

    /// Whether the last run was stopped by the engine's progress guard: it
    /// spun without simulated time advancing (see [`Guard::stall_limit`]),
    /// and is recorded as stuck.
    pub fn stalled(&self) -> bool {
        self.last_stop == Stop::Stalled
    }

    /// Whether the last run was stopped for recording more events than a
    /// run may ([`MAX_RUN_EVENTS`](crate::trace::format::MAX_RUN_EVENTS)):
    /// it is unfinished, and cannot be stored.
    pub fn overgrown(&self) -> bool {
        self.last_stop == Stop::Overgrown
    }

    /// As [`Simulator::run`] in the environment the run drew, as its trace
    /// recorded it (see [`Simulator::environment`]), also logging every
    /// delivery into `log`, up to [`MAX_LOGGED`] of them.
    pub fn run_logged(
        &mut self,
        spec: &RunSpec,
        seed: u64,
        environment: Option<Environment>,
        log: &mut Vec<Delivery>,
    ) -> RunHeader {
        self.run_in(spec, seed, environment, Guard::default(), |world| Logged { world, log })
    }

    /// As [`Simulator::run`], with the world wrapped by `wrap`: a logger, or
    /// in tests a deliberately broken machine. The invariant checker, when
    /// on, wraps the wrapper.
    pub fn run_with<'w, S>(
        &'w mut self,
        spec: &RunSpec,
        seed: u64,
        wrap: impl FnOnce(&'w mut RunWorld) -> S,
    ) -> RunHeader
    where
        S: System<Msg = Msg> + HasWorld<Harness = Driver>,
    {
        self.run_with_guard(spec, seed, Guard::default(), wrap)
    }

    fn run_with_guard<'w, S>(
        &'w mut self,
        spec: &RunSpec,
        seed: u64,
        guard: Guard,
        wrap: impl FnOnce(&'w mut RunWorld) -> S,
    ) -> RunHeader
    where
        S: System<Msg = Msg> + HasWorld<Harness = Driver>,
    {
        self.run_in(spec, seed, Self::environment(spec, seed), guard, wrap)
    }

    fn run_in<'w, S>(
        &'w mut self,
        spec: &RunSpec,
        seed: u64,
        environment: Option<Environment>,
        guard: Guard,
        wrap: impl FnOnce(&'w mut RunWorld) -> S,
    ) -> RunHeader
    where
        S: System<Msg = Msg> + HasWorld<Harness = Driver>,
    {
        let environment = environment.map(Arc::new);
        let given = spec.scenario.environment.as_ref();
        let run_in = environment.as_deref().or(given);
        self.prepare(spec, seed, run_in);
        let mut system = wrap(self.world.as_mut().expect("prepared"));
        let bound = time_bound(spec, run_in);
        let stop = if spec.checks() {
            self.engine.run_guarded(&mut Checked::new(&mut system), bound, guard)
        } else {
            self.engine.run_guarded(&mut system, bound, guard)
        };
        self.last_stop = stop;
        let mut header = header(&self.engine, system.world(), spec, seed, stop);
        header.environment = environment;
        header
    }

    /// Sets up world and engine for `seed`, in `environment` if the run
    /// explores, without running.
    fn prepare(&mut self, spec: &RunSpec, seed: u64, environment: Option<&Environment>) {
        let profile = environment.map_or(spec.profile(), |e| &e.profile);
        let mut timing = timing(profile, &spec.architecture, &mut stream(seed, Stream::Speed));
        if let Some(environment) = environment {
            shape(&mut timing, environment, &spec.architecture);
        }
        for &actor in &spec.scenario.steady {
            timing.steady(actor);
        }
        self.engine.reset(seed, timing);
        let mut values = stream(seed, Stream::Values);
        let records =
            (1..=spec.scenario.records()).map(|id| Record { id, value: 1 + values.next_u32() % 100_000 }).collect();
        let step_delay = environment.map_or(0, |e| e.step_delay_us * MICROSECOND);
        let fault_sets = if spec.stored.explore { FaultSets::ByTheFirst } else { FaultSets::AsTheStudy };
        let driver = Driver::new(spec.scenario.clone(), seed, step_delay, fault_sets);
        let sizes: Vec<usize> = (1..=spec.scenario.batches).map(|b| spec.scenario.batch_size(b) as usize).collect();
        let source = Source::with_batches(records, &sizes);
        match &mut self.world {
            Some(world) => world.reset(&spec.architecture, driver, source, spec.options().clone(), seed),
            None => {
                let architecture = spec.architecture.clone();
                self.world = Some(World::new(architecture, driver, source, spec.options().clone(), seed));
            }
        }
        let world = self.world.as_ref().expect("made above");
        for actor in world.starters() {
            self.engine.inject(0, Envelope { from: DRIVER, to: actor, msg: Msg::Start });
        }
    }

    pub fn events(&self) -> &[Event] {
        self.world.as_ref().map_or(&[], |w| &w.trace)
    }

    pub fn world(&self) -> Option<&RunWorld> {
        self.world.as_ref()
    }

    pub fn engine(&self) -> &Engine<Msg> {
        &self.engine
    }
}

/// The simulated time a run may take: the options' bound, and in an
/// environment whose consumers lag, time for every batch of the scenario
/// to take the longest lag (a slow run is not a stuck one).
fn time_bound(spec: &RunSpec, environment: Option<&Environment>) -> Time {
    let batches = u64::from(spec.scenario.records().div_ceil(spec.options().batch_size));
    spec.options().time_bound + environment.map_or(0, |e| e.lag_allowance_us(batches) * MICROSECOND)
}

/// Puts on `timing` what an explored run of `architecture` drew beyond its
/// profile: delayed messages, speeds, slow periods and change points.
fn shape(timing: &mut Timing, environment: &Environment, architecture: &Architecture) {
    let us = |us: u64| us * MICROSECOND;
    for d in &environment.delayed {
        timing.perturb(Perturbation { sender: d.sender, nth: d.nth, extra: us(d.extra_us) });
    }
    for (region, permille) in REGIONS.into_iter().zip(environment.region_speed_permille) {
        if permille != 1_000 {
            architecture.region_instances(region).for_each(|actor| timing.set_speed(actor, permille));
        }
    }
    let destination = architecture.destination();
    for (region, longest_us) in REGIONS.into_iter().zip(environment.delivery_lag_us) {
        if longest_us > 0 {
            let extra = Octaves::new(us(longest_us.div_ceil(DELIVERY_LAG_SPAN)), us(longest_us));
            for stream in architecture.delivering(region) {
                timing.add_lag(Lag { from: stream, to: destination, extra: Some(extra) });
                // An append the destination was waiting for is answered when
                // the destination gets it; any other at once.
                for appender in appending_to(architecture, stream) {
                    timing.add_lag(Lag { from: stream, to: appender, extra: None });
                }
            }
        }
    }
    for s in &environment.instance_speeds {
        timing.set_speed(s.instance, s.permille);
    }
    for p in &environment.slow_periods {
        let (from, until, permille) = (us(p.from_us), us(p.until_us), p.permille);
        for actor in slowed_actors(p.who, architecture) {
            timing.add_slow_period(SlowPeriod { actor, from, until, permille });
        }
    }
    for c in &environment.change_points {
        timing.add_change_point(ChangePoint { nth: c.nth, extra: us(c.extra_us) });
    }
}

/// The instances that append to `stream`: those with a wire out to it.
fn appending_to(architecture: &Architecture, stream: ActorId) -> impl Iterator<Item = ActorId> + '_ {
    let stream = stream as usize - 1;
    let appends =
        move |i: &Instance| i.kind.wires().iter().any(|w| w.flow == Flow::Out && i.wire(w.key).contains(&stream));
    architecture.instances.iter().enumerate().filter(move |(_, i)| appends(i)).map(|(a, _)| a as ActorId + 1)
}

fn slowed_actors(who: Slowed, architecture: &Architecture) -> Vec<ActorId> {
    match who {
        Slowed::Region(region) => architecture.region_instances(region).collect(),
        Slowed::Instance(actor) => vec![actor],
    }
}

/// The environment the run of `seed` draws if `spec` explores.
pub fn drawn_environment(spec: &Spec, seed: u64) -> Option<Environment> {
    spec.explore.then(|| Environment::draw(&spec.profile, spec.vocabulary.instances(), seed))
}

/// An error unless this wl1 reads a stored run as it was simulated: the
/// environment it says it ran in is the one its seed draws (else a trace
/// file's damage, a forgery, or a run explored by an earlier wl1, which
/// drew no spread). Whether its coverage bits index this wl1's table of
/// pairs is a matter of its spec, checked once per file with its
/// architecture ([`stored_architecture`]).
pub fn check_stored_run(header: &RunHeader) -> Result<(), String> {
    let seed = header.seed;
    match (header.environment.as_deref(), drawn_environment(&header.spec, seed)) {
        (Some(stored), Some(drawn)) if *stored == drawn => Ok(()),
        (Some(stored), Some(drawn)) if stored.is_unspread() && *stored == drawn.unspread() => Err(format!(
            "the run of seed {seed} was explored by an earlier wl1, whose environments drew no region speeds, \
             slow periods or change points: simulate the runs again"
        )),
        (None, None) => Ok(()),
        _ => Err(format!(
            "the run of seed {seed} holds an environment its seed does not draw: damaged, forged, or explored \
             by a wl1 that draws otherwise (simulate the runs again)"
        )),
    }
}

/// Which table of (state, message) pairs the coverage bits of runs of
/// `architecture` index in this wl1: a digest of its pairs' names, in bit
/// order.
pub fn coverage_table_of(architecture: &Architecture) -> u64 {
    let pairs = Pairs::of(architecture);
    let names = pairs.as_slice().iter().map(|p| format!("{} {} {}\n", p.kind.name(), p.state, p.message));
    digest(names.collect::<String>().as_bytes())
}

/// The coverage table of the default architecture, Workload1.
pub fn coverage_table() -> u64 {
    static TABLE: LazyLock<u64> =
        LazyLock::new(|| coverage_table_of(&built_in_architecture(DEFAULT_ARCHITECTURE).expect("built in")));
    *TABLE
}

/// An error unless the coverage bits of runs of `spec`, of `architecture`,
/// index this wl1's table of its pairs: else they would be read as other
/// pairs.
fn check_coverage_table(spec: &Spec, architecture: &Architecture) -> Result<(), String> {
    if spec.coverage_table == coverage_table_of(architecture) {
        return Ok(());
    }
    Err("the trace was written by a wl1 with another coverage table (of (state, message) pairs), whose \
         coverage bits this wl1 would misread: simulate the runs again"
        .into())
}

/// How a run ended, and everything that decided it.
fn header(engine: &Engine<Msg>, world: &RunWorld, spec: &RunSpec, seed: u64, stop: Stop) -> RunHeader {
    let kind = match stop {
        Stop::TimeBound => OutcomeKind::TimeBound,
        Stop::Quiescent if world.machines.harness.finished() => OutcomeKind::Completed,
        // A run that spun without end is stuck; a cancelled one is discarded.
        Stop::Quiescent | Stop::Stalled | Stop::Cancelled | Stop::Overgrown => OutcomeKind::Stuck,
    };
    let outcome = Outcome { kind, end_us: engine.now() / MICROSECOND, message_events: engine.deliveries() };
    RunHeader { seed, spec: spec.stored.clone(), environment: None, outcome, coverage: world.coverage_bits() }
}

/// Runs one seed, turning a broken invariant (a panic anywhere in the
/// model) into an error that names the seed. The simulator is rebuilt
/// afterwards, since the panic left it half-way through a run.
pub fn run_guarded<T>(sim: &mut Simulator, seed: u64, run: impl FnOnce(&mut Simulator) -> T) -> Result<T, SimError> {
    catch_unwind(AssertUnwindSafe(|| run(sim))).map_err(|panic| {
        *sim = Simulator::new();
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        SimError::Invariant { seed, message }
    })
}

/// The most deliveries a logged run keeps: a run stopped by the progress
/// guard makes millions.
pub const MAX_LOGGED: usize = 1 << 20;

/// One message handled during a logged run, with the trace events it caused.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// When the receiver finished handling it (nanoseconds).
    pub time: Time,
    pub envelope: Envelope<Msg>,
    /// The range of trace events the handling produced.
    pub events: std::ops::Range<usize>,
}

/// Wraps the world to log each delivery; the engine and the machines do not
/// know they are watched.
struct Logged<'a> {
    world: &'a mut RunWorld,
    log: &'a mut Vec<Delivery>,
}

impl System for Logged<'_> {
    type Msg = Msg;

    fn accepts(&self, to: ActorId, msg: &Msg) -> bool {
        self.world.accepts(to, msg)
    }

    fn overgrown(&self) -> bool {
        self.world.overgrown()
    }

    fn handle(&mut self, ctx: &mut Ctx<'_, Msg>, envelope: Envelope<Msg>) {
        let first = self.world.trace.len();
        let time = ctx.now();
        self.world.handle(ctx, envelope);
        if self.log.len() < MAX_LOGGED {
            self.log.push(Delivery { time, envelope, events: first..self.world.trace.len() });
        }
    }
}

impl HasWorld for Logged<'_> {
    type Harness = Driver;
    fn world(&self) -> &RunWorld {
        self.world
    }
}
