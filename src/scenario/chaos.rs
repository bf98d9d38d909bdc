//! Chaos: faults at random simulated times while the other steps proceed.
//!
//! A chaos step draws its whole schedule from the run's generator when it
//! starts: when each fault begins, what it hits and when it ends. Lasting
//! faults (a failed component, a region offline in both DNS routers) end by
//! the deadline at the latest; a primary switch is instantaneous and is not
//! undone, since either primary is a healthy state.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use strum::{IntoStaticStr, VariantArray};

use super::{Scenario, Step, to_drill};
use crate::architecture::{Architecture, Command, ComponentKind};
use crate::config::{EnumSet, Member};
use crate::engine::{ActorId, MILLISECOND, Time};

/// What a chaos step may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum FaultKind {
    /// Fail and recover a receiver, validator or processor of either region.
    Containers,
    /// Fail and recover a database cluster.
    Databases,
    /// Fail and recover an inbound or outbound Kafka stream of either region.
    Streams,
    /// Take a region offline in both DNS routers and back online.
    Regions,
    /// Switch a database's primary to the other region.
    Primaries,
}

impl FaultKind {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn by_name(name: &str) -> Option<FaultKind> {
        FaultKind::VARIANTS.iter().copied().find(|k| k.name() == name)
    }
}

impl Member for FaultKind {
    const ALL: &'static [Self] = Self::VARIANTS;
    fn bit(self) -> u32 {
        self as u32
    }
}

/// A set of [`FaultKind`]s.
pub type FaultKinds = EnumSet<FaultKind>;

/// The settings of a chaos step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChaosParams {
    /// Mean number of faults started per simulated minute; the gaps between
    /// fault starts are uniform in `(0, 2 * 60 s / rate)`.
    pub faults_per_minute: u32,
    /// How long a lasting fault lasts, `[min, max]` in milliseconds.
    pub duration_ms: [u64; 2],
    /// The most lasting faults at once; a fault due while this many are
    /// active is skipped.
    pub max_at_once: u32,
    /// Milliseconds after the chaos step starts by which every fault has
    /// ended; no fault starts later.
    pub deadline_ms: u64,
    pub kinds: FaultKinds,
}

impl Default for ChaosParams {
    fn default() -> Self {
        Self {
            faults_per_minute: 12,
            duration_ms: [500, 5_000],
            max_at_once: 3,
            deadline_ms: 30_000,
            kinds: FaultKinds::all(),
        }
    }
}

impl ChaosParams {
    pub const MAX_FAULTS_PER_MINUTE: u32 = 6_000;
    pub const MAX_DEADLINE_MS: u64 = 600_000;
    /// More than there are components and regions to fail.
    pub const MAX_AT_ONCE: u32 = 64;
    /// The command line's longest time bound.
    pub const MAX_DURATION_MS: u64 = 864_000_000;

    pub fn validate(&self) -> Result<(), String> {
        let [shortest, longest] = self.duration_ms;
        if !(1..=Self::MAX_FAULTS_PER_MINUTE).contains(&self.faults_per_minute) {
            return Err(format!("faults_per_minute must be in 1..={}", Self::MAX_FAULTS_PER_MINUTE));
        }
        if shortest == 0 || shortest > longest || longest > Self::MAX_DURATION_MS {
            return Err(format!("duration_ms must be [min, max] with 1 <= min <= max <= {}", Self::MAX_DURATION_MS));
        }
        if !(1..=Self::MAX_AT_ONCE).contains(&self.max_at_once) {
            return Err(format!("max_at_once must be in 1..={}", Self::MAX_AT_ONCE));
        }
        if !(1..=Self::MAX_DEADLINE_MS).contains(&self.deadline_ms) {
            return Err(format!("deadline_ms must be in 1..={}", Self::MAX_DEADLINE_MS));
        }
        if self.kinds.is_empty() {
            return Err("kinds must name at least one kind of fault".into());
        }
        Ok(())
    }
}

/// Settings given for the faults of a scenario's chaos steps (`--chaos-*`):
/// those not given keep each step's own. Given any, the scenario is stored
/// as a drill, so that its runs replay exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChaosSettings {
    pub faults_per_minute: Option<u32>,
    pub duration_ms: Option<[u64; 2]>,
    pub max_at_once: Option<u32>,
    pub deadline_ms: Option<u64>,
}

impl ChaosSettings {
    pub fn is_set(&self) -> bool {
        *self != Self::default()
    }

    /// The settings applied to every chaos step of `scenario`, and the
    /// drill text of the result; `scenario` as it is if none is given or it
    /// has no chaos step.
    pub fn apply(&self, (mut scenario, drill): (Scenario, String)) -> Result<(Scenario, String), String> {
        if !self.is_set() || !has_chaos(&scenario) {
            return Ok((scenario, drill));
        }
        for step in &mut scenario.steps {
            if let Step::Chaos(p) = step {
                p.faults_per_minute = self.faults_per_minute.unwrap_or(p.faults_per_minute);
                p.duration_ms = self.duration_ms.unwrap_or(p.duration_ms);
                p.max_at_once = self.max_at_once.unwrap_or(p.max_at_once);
                p.deadline_ms = self.deadline_ms.unwrap_or(p.deadline_ms);
                p.validate()?;
            }
        }
        let drill = to_drill(&scenario);
        Ok((scenario, drill))
    }

    /// All four settings of `params`.
    pub fn of(params: &ChaosParams) -> Self {
        Self {
            faults_per_minute: Some(params.faults_per_minute),
            duration_ms: Some(params.duration_ms),
            max_at_once: Some(params.max_at_once),
            deadline_ms: Some(params.deadline_ms),
        }
    }
}

/// Whether `scenario` has a chaos step.
pub fn has_chaos(scenario: &Scenario) -> bool {
    scenario.steps.iter().any(|s| matches!(s, Step::Chaos(_)))
}

/// Something a lasting fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Component(ActorId),
    Region(u8),
}

impl Target {
    fn start(self) -> Step {
        match self {
            Target::Component(c) => Step::Fail(c),
            Target::Region(r) => Step::RegionOffline(r),
        }
    }

    fn end(self) -> Step {
        match self {
            Target::Component(c) => Step::Recover(c),
            Target::Region(r) => Step::RegionOnline(r),
        }
    }
}

/// A lasting fault in progress while the schedule is drawn.
#[derive(Clone, Copy)]
struct Active {
    target: Target,
    until: Time,
}

/// Draws the schedule of a chaos step starting at `start` and appends its
/// commands to `agenda` as `(due time, command)`. They are pushed in the
/// order drawn, so a stable sort by due time sends the end of a fault
/// before the start of another due at the same time.
pub fn schedule(
    params: &ChaosParams,
    architecture: &Architecture,
    start: Time,
    rng: &mut Pcg64Mcg,
    agenda: &mut Vec<(Time, Step)>,
) {
    let switchable = architecture.targets(Command::SwitchPrimary);
    let deadline = start + params.deadline_ms * MILLISECOND;
    let mean_gap = 60_000 * MILLISECOND / params.faults_per_minute as Time;
    let mut active: Vec<Active> = Vec::with_capacity(params.max_at_once as usize);
    let mut candidates: Vec<Target> = Vec::new();
    let mut now = start;
    loop {
        now += 1 + rng.next_u64() % (2 * mean_gap - 1);
        if now >= deadline {
            break;
        }
        active.retain(|a| a.until > now);
        let Some(kind) = draw_kind(params.kinds, architecture, &active, rng) else {
            continue;
        };
        if kind == FaultKind::Primaries {
            let db = switchable[rng.next_u32() as usize % switchable.len()];
            agenda.push((now, Step::SwitchPrimary(db as ActorId + 1)));
            continue;
        }
        if active.len() >= params.max_at_once as usize {
            continue;
        }
        candidates.clear();
        candidates.extend(targets(kind, architecture).filter(|t| !is_active(&active, *t)));
        let target = candidates[rng.next_u32() as usize % candidates.len()];
        let [shortest, longest] = params.duration_ms;
        let duration = (shortest + rng.next_u64() % (longest - shortest + 1)) * MILLISECOND;
        let until = (now + duration).min(deadline);
        agenda.push((now, target.start()));
        agenda.push((until, target.end()));
        active.push(Active { target, until });
    }
}

/// An enabled kind of fault that has a target left, uniformly.
fn draw_kind(kinds: FaultKinds, a: &Architecture, active: &[Active], rng: &mut Pcg64Mcg) -> Option<FaultKind> {
    let primaries = |k: FaultKind| k == FaultKind::Primaries && !a.targets(Command::SwitchPrimary).is_empty();
    let available = |&k: &FaultKind| primaries(k) || targets(k, a).any(|t| !is_active(active, t));
    let count = kinds.iter().filter(available).count();
    if count == 0 {
        return None;
    }
    kinds.iter().filter(available).nth(rng.next_u32() as usize % count)
}

fn is_active(active: &[Active], target: Target) -> bool {
    match target {
        // One region offline at a time: with both offline the DNS routers
        // would just swap them.
        Target::Region(_) => active.iter().any(|a| matches!(a.target, Target::Region(_))),
        Target::Component(_) => active.iter().any(|a| a.target == target),
    }
}

/// What a kind of lasting fault can hit; primaries have no lasting target.
/// Every command a chaos step of `params` may send.
pub(super) fn commands<'a>(params: &'a ChaosParams, a: &'a Architecture) -> impl Iterator<Item = Step> + 'a {
    params.kinds.iter().flat_map(move |kind| {
        let switchable = a.targets(Command::SwitchPrimary).iter().filter(move |_| kind == FaultKind::Primaries);
        let switches = switchable.map(|&db| Step::SwitchPrimary(db as ActorId + 1));
        targets(kind, a).flat_map(|t| [t.start(), t.end()]).chain(switches)
    })
}

fn targets(kind: FaultKind, a: &Architecture) -> impl Iterator<Item = Target> + '_ {
    let components = a.targets(Command::Fail).iter().filter(move |&&i| {
        let component = a.instances[i].kind;
        match kind {
            FaultKind::Containers => component.is_container(),
            FaultKind::Databases => {
                matches!(component, ComponentKind::Mongo | ComponentKind::Aurora | ComponentKind::Dynamo)
            }
            FaultKind::Streams => matches!(component, ComponentKind::Kafka | ComponentKind::Queue),
            FaultKind::Regions | FaultKind::Primaries => false,
        }
    });
    let offline = !a.targets(Command::RegionOffline).is_empty();
    let regions = a.regions.iter().copied().filter(move |_| kind == FaultKind::Regions && offline);
    components.map(|&i| Target::Component(i as ActorId + 1)).chain(regions.map(Target::Region))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn draw(params: &ChaosParams, seed: u64) -> Vec<(Time, Step)> {
        let mut agenda = Vec::new();
        schedule(params, &crate::model::topology::WORKLOAD1, 0, &mut Pcg64Mcg::seed_from_u64(seed), &mut agenda);
        agenda
    }

    #[test]
    fn a_schedule_keeps_to_its_kinds_and_takes_one_region_offline_at_a_time() {
        let params = ChaosParams {
            faults_per_minute: 600,
            kinds: [FaultKind::Regions, FaultKind::Primaries].into_iter().collect(),
            ..ChaosParams::default()
        };
        for seed in 0..20 {
            let agenda = draw(&params, seed);
            assert!(agenda.iter().any(|(_, s)| matches!(s, Step::RegionOffline(_))));
            assert!(agenda.iter().any(|(_, s)| matches!(s, Step::SwitchPrimary(_))));
            let mut offline = 0;
            for (_, step) in agenda {
                match step {
                    Step::RegionOffline(_) => offline += 1,
                    Step::RegionOnline(_) => offline -= 1,
                    Step::SwitchPrimary(_) => {}
                    other => panic!("{other:?} is not of the enabled kinds"),
                }
                assert!((0..=1).contains(&offline));
            }
        }
    }
}
