//! Running the model: one seed at a time ([`Simulator`]), or many seeds in
//! parallel into trace files ([`simulate`]).

mod batch;
mod profile;

use std::sync::Arc;

use rand::Rng;

use crate::engine::{Engine, Envelope, MICROSECOND, Stop};
use crate::model::topology::DRIVER;
use crate::model::{Msg, Options, Record, Source, World};
use crate::scenario::{Driver, RECORDS_PER_BATCH, Scenario};
use crate::trace::{Event, Outcome, OutcomeKind, RunHeader};

pub use batch::{Plan, SimError, Summary, is_trace_file, simulate};
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
        Self {
            scenario: Arc::new(scenario),
            drill: String::new(),
            options,
            profile,
        }
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
        Self {
            engine: Engine::new(),
            world: None,
        }
    }

    /// Simulates `seed` and returns its header; the events stay readable
    /// through [`Simulator::events`] until the next run.
    pub fn run(&mut self, spec: &RunSpec, seed: u64) -> RunHeader {
        self.prepare(spec, seed);
        let world = self.world.as_mut().expect("prepared");
        let stop = self.engine.run(world, spec.options.time_bound);
        let kind = match stop {
            Stop::TimeBound => OutcomeKind::TimeBound,
            Stop::Quiescent if world.machines.driver.finished() => OutcomeKind::Completed,
            Stop::Quiescent => OutcomeKind::Stuck,
        };
        let outcome = Outcome {
            kind,
            end_us: self.engine.now() / MICROSECOND,
            message_events: self.engine.deliveries(),
        };
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
    pub fn prepare(&mut self, spec: &RunSpec, seed: u64) {
        let engine = &mut self.engine;
        engine.reset(seed, |rng| spec.profile.timing(|| unit(rng)));
        let records = (1..=spec.scenario.records())
            .map(|id| Record {
                id,
                value: 1 + engine.rng().next_u32() % 100_000,
            })
            .collect();
        let driver = Driver::new(spec.scenario.clone());
        let source = Source::new(records, RECORDS_PER_BATCH as usize);
        match &mut self.world {
            Some(world) => world.reset(driver, source, spec.options.clone()),
            None => self.world = Some(World::new(driver, source, spec.options.clone())),
        }
        for actor in World::starters() {
            engine.inject(
                0,
                Envelope {
                    from: DRIVER,
                    to: actor,
                    msg: Msg::Start,
                },
            );
        }
    }

    pub fn events(&self) -> &[Event] {
        self.world.as_ref().map_or(&[], |w| &w.trace)
    }

    pub fn world(&self) -> Option<&World> {
        self.world.as_ref()
    }

    pub fn engine_mut(&mut self) -> (&mut Engine<Msg>, Option<&mut World>) {
        (&mut self.engine, self.world.as_mut())
    }
}

/// A uniform draw in `0..1` with 53 bits of precision.
fn unit(rng: &mut rand_pcg::Pcg64Mcg) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}
