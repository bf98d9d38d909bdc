//! Shrinking a violating run to a smaller drill that still breaks the same
//! property at the same stage and region, the way property-testing tools
//! shrink a failing input.
//!
//! The run is first written out as an explicit drill
//! ([`Driver::explicit_scenario`](crate::scenario::Driver::explicit_scenario)):
//! its faults, step delays, environment and records are the drill's, and
//! only the timing of its messages still comes from its seed. Passes then
//! try smaller drills, each run from the same seed and judged by a
//! [`Judge`] (the specification's checks, which live above the simulator):
//! delta debugging over the faults, shorter faults, fewer batches, fewer
//! records, the environment moved back to the calm one field by field,
//! constant timing instance by instance, fewer other steps (step delays,
//! waits, recoveries). A smaller drill is taken only if it violates the same
//! property at the same place and region (and record, if one is kept); one
//! that fails otherwise is counted, not taken. Passes repeat until none
//! helps or the budget runs out; everything is decided by the input, so
//! two shrinks of one run give the same drill.

mod edit;

use crate::config::{Environment, Profile};
use crate::run::{RunSpec, Simulator, Why, run_guarded, stranded};
use crate::scenario::{Scenario, Step, to_drill};
use crate::trace::{Event, RunHeader};

pub use edit::{Fault, faults, without_batch, without_faults};

/// What a run violates: the specification's checks, given by the caller.
pub trait Judge {
    /// Every violation of the specification in the run of `header` whose
    /// events are `events`.
    fn violations(&mut self, header: &RunHeader, events: &[Event]) -> Result<Vec<Violation>, String>;
}

/// One violation of the specification, as a shrink compares them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub property: String,
    /// The stage or place it names, where one applies.
    pub place: Option<String>,
    pub region: Option<u32>,
    /// The record, for properties about records.
    pub record: Option<u32>,
}

/// A violation with why its record stays where it is, when the run's
/// diagnosis ([`stranded`]) places it: the same property at the same stage
/// and region can have different causes, and a shrink keeps the cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub violation: Violation,
    pub why: Option<Why>,
}

impl Target {
    /// The same property at the same place and region for the same reason
    /// (and the same record if `same_record`).
    pub fn same_as(&self, other: &Target, same_record: bool) -> bool {
        let (a, b) = (&self.violation, &other.violation);
        a.property == b.property
            && a.place == b.place
            && a.region == b.region
            && self.why == other.why
            && (!same_record || a.record == b.record)
    }
}

impl std::fmt::Display for Target {
    /// "eventual-delivery at processor-read, region 1 (partial-batch)".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = &self.violation;
        f.write_str(&v.property)?;
        if let Some(place) = &v.place {
            write!(f, " at {place}")?;
        }
        if let Some(region) = v.region {
            write!(f, ", region {region}")?;
        }
        match self.why {
            Some(why) => write!(f, " ({why})"),
            None => Ok(()),
        }
    }
}

/// The violations of the run just simulated, each with why its record
/// stays where it is.
fn targets(sim: &Simulator, judge: &mut dyn Judge, header: &RunHeader) -> Result<Vec<Target>, String> {
    let violations = judge.violations(header, sim.events())?;
    let findings = if violations.iter().any(|v| v.record.is_some()) { stranded(sim) } else { Vec::new() };
    let why = |record: Option<u32>| {
        let record = record?;
        findings.iter().find(|f| f.records.contains(&record)).map(|f| f.reason.why())
    };
    Ok(violations.into_iter().map(|violation| Target { why: why(violation.record), violation }).collect())
}

/// How big a run is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Size {
    pub faults: usize,
    pub records: u32,
    pub batches: usize,
    pub steps: usize,
    pub messages: u64,
    /// When the run ended, in simulated microseconds.
    pub end_us: u64,
}

impl Size {
    fn of(scenario: &Scenario, header: &RunHeader) -> Self {
        Self {
            faults: faults(scenario).len(),
            records: scenario.records(),
            batches: scenario.batches as usize,
            steps: scenario.steps.len(),
            messages: header.outcome.message_events,
            end_us: header.outcome.end_us,
        }
    }
}

/// What a shrink may spend, and which violation it keeps.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// The most candidate drills it runs.
    pub max_candidates: u32,
    /// Keep the violation of this record (the first violation otherwise).
    pub record: Option<u32>,
}

impl Default for Settings {
    fn default() -> Self {
        Self { max_candidates: 2_000, record: None }
    }
}

/// How far a shrink has got, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Candidates run so far.
    pub tried: u32,
    pub best: Size,
}

/// A violating run and the smallest drill found that violates as it does.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub seed: u64,
    /// The violation kept.
    pub target: Target,
    /// The run written out as an explicit drill, and its size.
    pub before: (Scenario, Size),
    pub after: (Scenario, Size),
    /// Candidate drills run, taken, and failing otherwise than the target.
    pub tried: u32,
    pub taken: u32,
    pub failed_otherwise: u32,
    /// False if the budget ran out before a round of passes found nothing.
    pub complete: bool,
}

/// What a shrink found.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// The run violates nothing: nothing to shrink.
    Holds(Size),
    Shrunk(Box<Shrunk>),
}

/// The explicit drill of `spec`'s run of `seed`: every random choice that
/// shaped its steps written out, so that it replays the run from the seed.
pub fn explicit(spec: &RunSpec, seed: u64) -> Result<Scenario, String> {
    let mut sim = Simulator::new();
    let header = simulate(&mut sim, spec, seed)?;
    Ok(explicit_of(&sim, spec, &header))
}

fn explicit_of(sim: &Simulator, spec: &RunSpec, header: &RunHeader) -> Scenario {
    let world = sim.world().expect("a run has a world");
    let environment = header.environment.as_deref().or(spec.scenario.environment.as_ref());
    world.machines.harness.explicit_scenario(environment)
}

/// Runs `seed`; an error if an invariant broke or the run grew too large.
fn simulate(sim: &mut Simulator, spec: &RunSpec, seed: u64) -> Result<RunHeader, String> {
    let header = run_guarded(sim, seed, |sim| sim.run(spec, seed)).map_err(|e| e.to_string())?;
    if sim.overgrown() {
        return Err(crate::run::SimError::Overgrown { seed }.to_string());
    }
    Ok(header)
}

/// What `spec`'s run of `seed` violates, as a shrink compares violations.
pub fn violations(spec: &RunSpec, seed: u64, judge: &mut dyn Judge) -> Result<Vec<Target>, String> {
    let mut sim = Simulator::new();
    let header = simulate(&mut sim, spec, seed)?;
    targets(&sim, judge, &header)
}

/// The spec that runs `scenario` as a drill with `spec`'s options and
/// profile, not exploring.
pub fn drill_spec(scenario: Scenario, spec: &RunSpec) -> RunSpec {
    let text = to_drill(&scenario);
    let drilled = RunSpec::with_drill(scenario, text, spec.options().clone(), spec.profile().clone());
    drilled.in_architecture(spec.architecture.clone(), spec.stored.architecture_text.clone())
}

/// Shrinks the run of `seed` under `spec`. `go_on` hears of each candidate
/// and stops the shrink, keeping the best so far, by answering false (a
/// wall-clock budget, an interrupt).
pub fn shrink(
    spec: &RunSpec,
    seed: u64,
    judge: &mut dyn Judge,
    settings: Settings,
    go_on: &mut dyn FnMut(&Progress) -> bool,
) -> Result<Outcome, String> {
    let mut sim = Simulator::new();
    let header = simulate(&mut sim, spec, seed)?;
    let scenario = explicit_of(&sim, spec, &header);
    let violations = targets(&sim, judge, &header)?;
    let size = Size::of(&scenario, &header);
    let target = match settings.record {
        Some(id) => match violations.iter().find(|v| v.violation.record == Some(id)) {
            Some(v) => v.clone(),
            None if violations.is_empty() => return Ok(Outcome::Holds(size)),
            None => return Err(format!("--record {id}: the run violates nothing about record {id}")),
        },
        None => match violations.first() {
            Some(v) => v.clone(),
            None => return Ok(Outcome::Holds(size)),
        },
    };
    let mut search = Search {
        spec,
        seed,
        judge,
        settings,
        go_on,
        target,
        best: (scenario.clone(), size),
        tried: 0,
        taken: 0,
        failed_otherwise: 0,
        stopped: false,
    };
    let complete = search.passes();
    let Search { target, best, tried, taken, failed_otherwise, .. } = search;
    let shrunk =
        Shrunk { seed, target, before: (scenario, size), after: best, tried, taken, failed_otherwise, complete };
    Ok(Outcome::Shrunk(Box::new(shrunk)))
}

/// A shrink under way: the best drill so far and what was spent.
struct Search<'a> {
    spec: &'a RunSpec,
    seed: u64,
    judge: &'a mut dyn Judge,
    settings: Settings,
    go_on: &'a mut dyn FnMut(&Progress) -> bool,
    target: Target,
    best: (Scenario, Size),
    tried: u32,
    taken: u32,
    failed_otherwise: u32,
    stopped: bool,
}

impl Search<'_> {
    /// Rounds of every pass until one finds nothing smaller: true, or the
    /// budget runs out: false.
    fn passes(&mut self) -> bool {
        loop {
            let before = self.taken;
            self.fewer_faults();
            self.shorter_faults();
            self.fewer_batches();
            self.fewer_records();
            self.calmer_environment();
            self.steadier_timing();
            self.fewer_steps();
            if self.stopped {
                return false;
            }
            if self.taken == before {
                return true;
            }
        }
    }

    /// Runs `candidate`; takes it as the best if it violates as the target.
    fn try_take(&mut self, candidate: Scenario) -> bool {
        if self.stopped || self.tried >= self.settings.max_candidates {
            self.stopped = true;
            return false;
        }
        let progress = Progress { tried: self.tried, best: self.best.1 };
        if !(self.go_on)(&progress) {
            self.stopped = true;
            return false;
        }
        self.tried += 1;
        match self.violates(&candidate) {
            Some(size) => {
                self.best = (candidate, size);
                self.taken += 1;
                true
            }
            None => false,
        }
    }

    /// The size of `candidate`'s run if it violates as the target.
    fn violates(&mut self, candidate: &Scenario) -> Option<Size> {
        let spec = drill_spec(candidate.clone(), self.spec);
        let mut sim = Simulator::new();
        let judged =
            simulate(&mut sim, &spec, self.seed).and_then(|header| Ok((targets(&sim, self.judge, &header)?, header)));
        let Ok((violations, header)) = judged else {
            self.failed_otherwise += 1;
            return None;
        };
        let same_record = self.settings.record.is_some();
        if violations.iter().any(|v| v.same_as(&self.target, same_record)) {
            return Some(Size::of(candidate, &header));
        }
        if !violations.is_empty() {
            self.failed_otherwise += 1;
        }
        None
    }

    /// Delta debugging over the faults: none, then subsets and complements
    /// of ever finer partitions, until removing any one fault loses the
    /// violation.
    fn fewer_faults(&mut self) {
        let base = self.best.0.clone();
        let all = faults(&base);
        if all.is_empty() || self.keeping(&base, &all, &[]) {
            return;
        }
        let mut kept = all.clone();
        let mut parts = 2;
        while kept.len() >= 2 && !self.stopped {
            let chunks: Vec<Vec<Fault>> = kept.chunks(kept.len().div_ceil(parts)).map(<[Fault]>::to_vec).collect();
            let complements = chunks.iter().map(|c| kept.iter().filter(|f| !c.contains(f)).copied().collect());
            let complements: Vec<Vec<Fault>> = if chunks.len() > 2 { complements.collect() } else { Vec::new() };
            if let Some(subset) = chunks.into_iter().find(|c| self.keeping(&base, &all, c)) {
                (kept, parts) = (subset, 2);
            } else if let Some(rest) = complements.into_iter().find(|c| self.keeping(&base, &all, c)) {
                (kept, parts) = (rest, (parts - 1).max(2));
            } else if parts >= kept.len() {
                break;
            } else {
                parts = (parts * 2).min(kept.len());
            }
        }
    }

    /// Tries `base` keeping only the faults `kept` of `all`.
    fn keeping(&mut self, base: &Scenario, all: &[Fault], kept: &[Fault]) -> bool {
        let removed: Vec<Fault> = all.iter().filter(|f| !kept.contains(f)).copied().collect();
        self.try_take(without_faults(base, &removed))
    }

    /// Each scheduled fault ended half-way, while that still violates.
    fn shorter_faults(&mut self) {
        for i in 0..faults(&self.best.0).len() {
            while let Some(candidate) = edit::halved(&self.best.0, faults(&self.best.0)[i]) {
                if !self.try_take(candidate) {
                    break;
                }
            }
        }
    }

    fn fewer_batches(&mut self) {
        for b in (1..=self.best.0.batches).rev() {
            if let Some(candidate) = without_batch(&self.best.0, b) {
                self.try_take(candidate);
            }
        }
    }

    /// Each batch's records cut by halves, quarters, ... down to one.
    fn fewer_records(&mut self) {
        for b in 1..=self.best.0.batches {
            let mut cut = self.best.0.batch_size(b) / 2;
            while cut > 0 && !self.stopped {
                let count = self.best.0.batch_size(b);
                if cut >= count {
                    cut = count / 2;
                } else if !self.try_take(edit::with_records(&self.best.0, b, count - cut)) {
                    cut /= 2;
                }
            }
        }
    }

    /// No environment at all, else its fields one by one to the calm ones.
    fn calmer_environment(&mut self) {
        if self.best.0.environment.is_none() || self.try_take(Scenario { environment: None, ..self.best.0.clone() }) {
            return;
        }
        let base: &Profile = self.spec.profile();
        let mut i = 0;
        while let Some(environment) = self.best.0.environment.as_ref()
            && let Some(calmer) = edit::calmer(environment, base).into_iter().nth(i)
            && !self.stopped
        {
            let environment: Option<Environment> = Some(calmer);
            if !self.try_take(Scenario { environment, ..self.best.0.clone() }) {
                i += 1;
            }
        }
    }

    /// Each instance's timing made constant, one by one.
    fn steadier_timing(&mut self) {
        for actor in 1..=self.best.0.architecture.instances.len() as crate::engine::ActorId {
            if self.best.0.steady.contains(&actor) || self.stopped {
                continue;
            }
            let mut steady = self.best.0.steady.clone();
            steady.push(actor);
            steady.sort_unstable();
            self.try_take(Scenario { steady, ..self.best.0.clone() });
        }
    }

    /// The other steps one by one, last first: the step delays written out
    /// as sleeps, waits, recoveries.
    fn fewer_steps(&mut self) {
        for i in edit::removable_steps(&self.best.0).into_iter().rev() {
            self.try_take(edit::without_step(&self.best.0, i));
        }
    }
}

/// A name for the shrunk drill of `name`'s run of `seed`, within the
/// length a drill's name may take.
pub fn shrunk_name(name: &str, seed: u64) -> String {
    let suffix = format!("-{seed}-shrunk");
    let keep = 64usize.saturating_sub(suffix.len()).min(name.len());
    format!("{}{suffix}", &name[..keep])
}

/// `scenario` renamed as the shrunk drill of its run of `seed`, described by
/// the violation it keeps.
pub fn named(scenario: &Scenario, seed: u64, target: &Target) -> Scenario {
    let description = format!("seed {seed} of {} shrunk: {target}", scenario.name);
    Scenario { name: shrunk_name(&scenario.name, seed), description, ..scenario.clone() }
}

/// The options of `wl1 replay` that replay `spec` (a drill's) with the
/// drill read from `path`: its options with the path as the scenario, or
/// the whole spec (which holds the drill) if options cannot say it.
pub fn replay_arguments(spec: &RunSpec, path: &str) -> Vec<String> {
    let as_built_in = crate::trace::Spec { drill: String::new(), ..(*spec.stored).clone() };
    let mut words = crate::run::arguments(&as_built_in);
    match words.iter().position(|w| w == "--scenario") {
        Some(i) => words[i + 1] = path.to_string(),
        None => words = crate::run::arguments(&spec.stored),
    }
    words
}

/// Whether `scenario` holds no step that draws from the seed's fault stream.
pub fn is_explicit(scenario: &Scenario) -> bool {
    !scenario.steps.iter().any(|s| matches!(s, Step::Chaos(_) | Step::FailRandom { .. } | Step::RecoverFailed { .. }))
}
