//! Scenarios: what the driver does during a run (MODEL.md, "Scenarios").
//!
//! A scenario is a list of [`Step`]s; the built-in ones are written in the
//! same terms that user drills use.

mod chaos;
mod drill;
mod driver;
mod fault_set;
mod reach;

use std::sync::Arc;

use crate::architecture::Architecture;
use crate::config::{Environment, read_text_file};
use crate::engine::{ActorId, Time};
use crate::trace::format::MAX_DRILL_LEN;

pub use chaos::{ChaosParams, ChaosSettings, FaultKind, FaultKinds, has_chaos};
pub use drill::{parse_drill, parse_drill_in, to_drill};
pub use driver::Driver;
pub use fault_set::FaultSets;
pub use reach::causable;

/// Records per batch, unless a drill says otherwise; batch `b` holds ids
/// `(b-1)*50+1 ..= b*50`.
pub const RECORDS_PER_BATCH: u32 = 50;

/// The most batches a scenario may have: as many as the trace format's
/// bound on records allows.
pub const MAX_BATCHES: u32 = crate::trace::format::MAX_RECORDS / RECORDS_PER_BATCH;
const _: () = assert!(MAX_BATCHES * RECORDS_PER_BATCH == crate::trace::format::MAX_RECORDS && MAX_BATCHES <= 255);

/// One thing the driver does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask the source to publish batch `b` (1-based); does not wait.
    Publish(u8),
    /// Wait until the source reports batch `b` published or stopped.
    AwaitPublished(u8),
    /// Wait until this many records have arrived at the destination,
    /// duplicates included (as the original counts them).
    AwaitDelivered(u32),
    /// Wait until `stream` has had `total` records appended since the run
    /// began, or says it cannot tell because it is failed (as the original).
    AwaitAppended {
        stream: ActorId,
        total: u32,
    },
    Fail(ActorId),
    Recover(ActorId),
    SwitchPrimary(ActorId),
    /// Make the other region the active one of a global database or a
    /// failover DNS.
    SwitchRegions(ActorId),
    /// Fail, or recover, a global database's replication between regions.
    FailReplication(ActorId),
    RecoverReplication(ActorId),
    /// Take a region offline in both DNS routers.
    RegionOffline(u8),
    RegionOnline(u8),
    /// Wait this many simulated nanoseconds.
    Sleep(Time),
    /// If the last publication of batch `b` stopped early, publish it again
    /// and wait for it.
    RepublishIfStopped(u8),
    /// Fail between `min` and `max` distinct components drawn from
    /// `candidates`, in the order `candidates` lists them.
    FailRandom {
        candidates: Vec<ActorId>,
        min: u32,
        max: u32,
    },
    /// Recover every component that `FailRandom` failed, in the same order;
    /// its containers too unless `containers` is false (the study's F5 of
    /// ActivePassive and ActiveActive recovers its queues and databases so,
    /// and every container in steps of their own).
    RecoverFailed {
        containers: bool,
    },
    /// Start faults at random times that run alongside the following steps
    /// (see [`ChaosParams`]); does not wait.
    Chaos(ChaosParams),
    /// Wait until every command of the chaos steps so far has been sent, so
    /// that every fault they caused is over.
    AwaitChaosEnd,
    /// Send each command at its time, in nanoseconds after this step, alongside
    /// the following steps; does not wait. A chaos step's schedule written
    /// out: only [`Step::is_command`] steps.
    Schedule(Vec<(Time, Step)>),
}

impl Step {
    /// A step that sends commands at once and waits for nothing: what a
    /// [`Step::Schedule`] may hold.
    pub fn is_command(&self) -> bool {
        matches!(
            self,
            Step::Fail(_)
                | Step::Recover(_)
                | Step::SwitchPrimary(_)
                | Step::SwitchRegions(_)
                | Step::FailReplication(_)
                | Step::RecoverReplication(_)
                | Step::RegionOffline(_)
                | Step::RegionOnline(_)
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub batches: u8,
    pub steps: Vec<Step>,
    /// How many records each batch holds, ids numbered on from batch to
    /// batch; empty for [`RECORDS_PER_BATCH`] each.
    pub records_per_batch: Vec<u32>,
    /// The environment every run of the scenario takes, as an explored run
    /// draws one: a run written out as a drill carries the one it drew.
    pub environment: Option<Environment>,
    /// Instances whose timing is constant: each service takes the shortest
    /// time of its range, and they never pause (a shrunk run's).
    pub steady: Vec<ActorId>,
    /// The architecture whose components its steps name.
    pub architecture: Arc<Architecture>,
}

impl Scenario {
    /// A scenario that publishes every record of its batches in the runs'
    /// own environment.
    pub fn new(name: String, description: String, batches: u8, steps: Vec<Step>) -> Self {
        let architecture = crate::model::topology::WORKLOAD1.clone();
        let (records_per_batch, steady) = (Vec::new(), Vec::new());
        Self { name, description, batches, steps, records_per_batch, environment: None, steady, architecture }
    }

    /// The records of all batches: those a run owes.
    pub fn records(&self) -> u32 {
        (1..=self.batches).map(|b| self.batch_size(b)).sum()
    }

    /// How many records batch `b` (1-based) holds.
    pub fn batch_size(&self, b: u8) -> u32 {
        self.records_per_batch.get(b as usize - 1).copied().unwrap_or(RECORDS_PER_BATCH)
    }
}

/// The names of Workload1's built-in scenarios.
pub const BUILT_IN: [&str; 7] = {
    let workload1 = BUILT_IN_DRILLS[0].1;
    let mut names = [""; 7];
    let mut i = 0;
    while i < names.len() {
        names[i] = workload1[i].0;
        i += 1;
    }
    names
};

/// A built-in scenario by name (`Ok` with empty text), or a drill file by
/// path (`Ok` with the file's text, for the trace header), read only if it
/// is a regular file of at most [`MAX_DRILL_LEN`] bytes.
pub fn resolve(name_or_path: &str, architecture: &Arc<Architecture>) -> Result<(Scenario, String), String> {
    if let Some(scenario) = built_in_of(name_or_path, architecture) {
        return scenario.map(|s| (s, String::new()));
    }
    let path = std::path::Path::new(name_or_path);
    if path.extension().is_none_or(|e| e != "toml") && !path.is_file() {
        let guess = crate::config::did_you_mean(name_or_path, built_in_names(architecture));
        return Err(format!(
            "unknown scenario {name_or_path:?}{guess}; valid scenarios: {}, or the path of a drill file (.toml)",
            built_in_names(architecture).collect::<Vec<_>>().join(", ")
        ));
    }
    let text = read_text_file(path, MAX_DRILL_LEN as u64)?;
    let scenario = parse_drill_in(&text, architecture).map_err(|e| format!("{name_or_path}: {e}"))?;
    Ok((scenario, text))
}

/// An architecture's built-in drills, each `built_in/ARCHITECTURE/NAME.toml`.
macro_rules! drills {
    ($architecture:literal: $($name:literal),+) => {
        ($architecture, &[$(($name, include_str!(concat!("built_in/", $architecture, "/", $name, ".toml")))),+])
    };
}

/// The built-in scenarios, per built-in architecture, as drills: the
/// original's tests of that architecture, step by step as its P code takes
/// them, and chaos. Workload1's are also those of an architecture of the
/// user's, where their steps name only components it has.
const BUILT_IN_DRILLS: [(&str, &[(&str, &str)]); 3] = [
    drills!("workload1": "baseline", "failover", "f1", "f2", "f3", "f4", "chaos"),
    drills!("active-passive": "baseline", "failover", "f1", "f2", "f3", "f4", "f5", "chaos"),
    drills!("active-active": "baseline", "failover", "f1", "f2", "f3", "f4", "f5", "chaos"),
];

/// The built-in drills of `architecture`: its own if it is a built-in one
/// as built in, else Workload1's.
fn drills_of(architecture: &Architecture) -> &'static [(&'static str, &'static str)] {
    let own = |(name, _): &&(&str, &[(&str, &str)])| {
        crate::architecture::built_in(name).is_some_and(|built_in| *built_in == *architecture)
    };
    BUILT_IN_DRILLS.iter().find(own).unwrap_or(&BUILT_IN_DRILLS[0]).1
}

/// The names of the built-in scenarios of `architecture`, in the order
/// they are listed (some may not apply: see [`built_in_of`]).
pub fn built_in_names(architecture: &Architecture) -> impl Iterator<Item = &'static str> {
    drills_of(architecture).iter().map(|(name, _)| *name)
}

/// Whether a `RecoverFailed { containers }` step recovers a component of
/// `kind` that a `FailRandom` step failed.
pub fn recovers_failed(containers: bool, kind: crate::architecture::ComponentKind) -> bool {
    containers || !kind.is_container()
}

/// Where a built-in scenario is listed beside those of other
/// architectures (the study's tests in order, then chaos); `None` for a
/// drill.
pub fn listed(name: &str) -> Option<usize> {
    BUILT_IN_DRILLS.iter().filter_map(|(_, drills)| drills.iter().position(|(n, _)| *n == name)).max()
}

/// A built-in scenario of Workload1 by name.
pub fn built_in(name: &str) -> Option<Scenario> {
    let scenario = built_in_of(name, &crate::model::topology::WORKLOAD1)?;
    Some(scenario.unwrap_or_else(|e| panic!("{e}")))
}

/// A built-in scenario of `architecture` by name, its steps read in it:
/// `None` if none has the name, an error if they name a component the
/// architecture lacks.
pub fn built_in_of(name: &str, architecture: &Arc<Architecture>) -> Option<Result<Scenario, String>> {
    let (_, text) = drills_of(architecture).iter().find(|(n, _)| *n == name)?;
    let scenario = parse_drill_in(text, architecture);
    assert!(scenario.as_ref().is_ok_and(|s| s.name == name) || scenario.is_err(), "named as it is listed");
    Some(scenario.map_err(|e| {
        format!("the built-in scenario {name} does not apply to architecture {:?}: {e}", architecture.name)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_exists_and_publishes_each_batch() {
        for name in BUILT_IN {
            let s = built_in(name).unwrap();
            for b in 1..=s.batches {
                assert!(s.steps.contains(&Step::Publish(b)), "{name} never publishes batch {b}");
            }
        }
        assert!(built_in("nope").is_none());
    }

    fn steps(name: &str) -> Vec<Step> {
        built_in(name).unwrap().steps
    }

    fn c(name: &str) -> ActorId {
        crate::model::topology::by_name(name).unwrap()
    }

    /// The steps after the first occurrence of `step`.
    fn after(steps: &[Step], step: &Step) -> Vec<Step> {
        let at = steps.iter().position(|s| s == step).unwrap_or_else(|| panic!("no {step:?} in {steps:?}"));
        steps[at + 1..].to_vec()
    }

    #[test]
    fn failover_switches_every_primary_and_waits_for_100_before_batch_3() {
        let steps = steps("failover");
        let offline = after(&steps, &Step::RegionOffline(1));
        assert_eq!(
            offline[..3],
            crate::model::topology::Db::ALL.map(|db| Step::SwitchPrimary(crate::model::topology::cluster(db)))
        );
        let batch2 = after(&steps, &Step::Publish(2));
        assert_eq!(batch2[..2], [Step::AwaitDelivered(100), Step::Publish(3)]);
    }

    #[test]
    fn f1_to_f3_wait_for_50_appends_to_inbound_1_after_batch_2_and_recover_as_the_original() {
        let waits = Step::AwaitAppended { stream: c("inbound-1"), total: 50 };
        let recovers = |name| -> Vec<Step> {
            after(&steps(name), &waits).into_iter().take_while(|s| matches!(s, Step::Recover(_))).collect()
        };
        for (name, fails, recovered) in [
            ("f1", "processor-1", &["processor-1"][..]),
            ("f2", "processor-db", &["processor-db", "processor-1", "processor-2"]),
            ("f3", "outbound-1", &["outbound-1", "processor-1"]),
        ] {
            let steps = steps(name);
            assert_eq!(after(&steps, &Step::Fail(c(fails)))[..2], [Step::Publish(2), waits.clone()], "{name}");
            assert!(!steps.contains(&Step::AwaitPublished(2)), "{name}");
            assert_eq!(recovers(name), recovered.iter().map(|r| Step::Recover(c(r))).collect::<Vec<_>>(), "{name}");
        }
        assert!(!steps("f3").contains(&Step::Fail(c("inbound-1"))));
    }

    #[test]
    fn resolve_takes_built_in_names_and_explains_what_else_it_takes() {
        assert_eq!(
            resolve("chaos", &crate::model::topology::WORKLOAD1),
            Ok((built_in("chaos").unwrap(), String::new()))
        );
        let e = resolve("f5", &crate::model::topology::WORKLOAD1).unwrap_err();
        assert!(e.contains("baseline, failover, f1, f2, f3, f4, chaos") && e.contains(".toml"));
        let e = resolve("/no/such/drill.toml", &crate::model::topology::WORKLOAD1).unwrap_err();
        assert!(e.starts_with("/no/such/drill.toml: "), "{e}");
    }
}
