//! Running the model: one seed at a time ([`Simulator`]), or many seeds in
//! parallel into trace files ([`simulate`]).

mod batch;
mod diagnose;
mod profile;

use std::sync::Arc;

use rand::Rng;

use crate::engine::{ActorId, Ctx, Engine, Envelope, MICROSECOND, Stop, System, Time};
use crate::model::topology::DRIVER;
use crate::model::{Msg, Options, Record, Source, World};
use crate::scenario::{Driver, RECORDS_PER_BATCH, Scenario};
use crate::trace::{Event, Outcome, OutcomeKind, RunHeader};

pub use batch::{Plan, SimError, Summary, simulate};
pub use diagnose::{Finding, stranded};
pub use profile::{Profile, ServiceTimes};

/// What decides a run besides its seed.
#[derive(Clone, Debug)]
pub struct RunSpec {
    pub scenario: Arc<Scenario>,
    /// The drill file's text for user scenarios; empty for built-in ones.
    pub drill: String,
    pub options: Options,
    pub profile: Profile,
}

impl RunSpec {
    pub fn new(scenario: Scenario, options: Options, profile: Profile) -> Self {
        Self { scenario: Arc::new(scenario), drill: String::new(), options, profile }
    }

    /// The spec a stored run was simulated with.
    pub fn from_header(header: &RunHeader) -> Result<Self, String> {
        let scenario = if header.drill.is_empty() {
            crate::scenario::built_in(&header.scenario)
                .ok_or_else(|| format!("the run's scenario {:?} is not built in", header.scenario))?
        } else {
            crate::scenario::parse_drill(&header.drill).map_err(|e| format!("the run's drill: {e}"))?
        };
        let spec = Self::new(scenario, header.options.clone(), header.profile.clone());
        Ok(Self { drill: header.drill.clone(), ..spec })
    }
}

/// Simulates runs one after another, reusing its buffers.
pub struct Simulator {
    engine: Engine<Msg>,
    world: Option<World>,
}

impl Default for Simulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Simulator {
    pub fn new() -> Self {
        Self { engine: Engine::new(), world: None }
    }

    /// Simulates `seed` and returns its header; the events stay readable
    /// through [`Simulator::events`] until the next run.
    pub fn run(&mut self, spec: &RunSpec, seed: u64) -> RunHeader {
        self.prepare(spec, seed);
        let world = self.world.as_mut().expect("prepared");
        let stop = self.engine.run(world, spec.options.time_bound);
        self.header(spec, seed, stop)
    }

    /// As [`Simulator::run`], also logging every delivery into `log`.
    pub fn run_logged(&mut self, spec: &RunSpec, seed: u64, log: &mut Vec<Delivery>) -> RunHeader {
        self.prepare(spec, seed);
        let world = self.world.as_mut().expect("prepared");
        let stop = self.engine.run(&mut Logged { world, log }, spec.options.time_bound);
        self.header(spec, seed, stop)
    }

    fn header(&self, spec: &RunSpec, seed: u64, stop: Stop) -> RunHeader {
        let world = self.world.as_ref().expect("prepared");
        let kind = match stop {
            Stop::TimeBound => OutcomeKind::TimeBound,
            Stop::Quiescent if world.machines.driver.finished() => OutcomeKind::Completed,
            Stop::Quiescent => OutcomeKind::Stuck,
        };
        let outcome =
            Outcome { kind, end_us: self.engine.now() / MICROSECOND, message_events: self.engine.deliveries() };
        RunHeader {
            seed,
            scenario: spec.scenario.name.clone(),
            drill: spec.drill.clone(),
            records: spec.scenario.records(),
            options: spec.options.clone(),
            profile: spec.profile.clone(),
            outcome,
        }
    }

    /// Sets up world and engine for `seed` without running.
    fn prepare(&mut self, spec: &RunSpec, seed: u64) {
        let engine = &mut self.engine;
        engine.reset(seed, |rng| spec.profile.timing(|| unit(rng)));
        let records = (1..=spec.scenario.records())
            .map(|id| Record { id, value: 1 + engine.rng().next_u32() % 100_000 })
            .collect();
        let driver = Driver::new(spec.scenario.clone());
        let source = Source::new(records, RECORDS_PER_BATCH as usize);
        match &mut self.world {
            Some(world) => world.reset(driver, source, spec.options.clone()),
            None => self.world = Some(World::new(driver, source, spec.options.clone())),
        }
        for actor in World::starters() {
            engine.inject(0, Envelope { from: DRIVER, to: actor, msg: Msg::Start });
        }
    }

    pub fn events(&self) -> &[Event] {
        self.world.as_ref().map_or(&[], |w| &w.trace)
    }

    pub fn world(&self) -> Option<&World> {
        self.world.as_ref()
    }

    pub fn engine(&self) -> &Engine<Msg> {
        &self.engine
    }
}

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
    world: &'a mut World,
    log: &'a mut Vec<Delivery>,
}

impl System for Logged<'_> {
    type Msg = Msg;

    fn accepts(&self, to: ActorId, msg: &Msg) -> bool {
        self.world.accepts(to, msg)
    }

    fn handle(&mut self, ctx: &mut Ctx<'_, Msg>, envelope: Envelope<Msg>) {
        let first = self.world.trace.len();
        let time = ctx.now();
        self.world.handle(ctx, envelope);
        self.log.push(Delivery { time, envelope, events: first..self.world.trace.len() });
    }
}

/// A uniform draw in `0..1` with 53 bits of precision.
fn unit(rng: &mut rand_pcg::Pcg64Mcg) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}
