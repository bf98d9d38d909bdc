//! Which (state, message) pairs a scenario can cause at all: a pair that
//! needs a command no step sends (a region offline, a primary switched, a
//! component of its kind failed or recovered) is out of the scenario's
//! reach, whatever the seed or environment. What is left is what coverage
//! can fairly call "never reached" when no run handled it.

use std::collections::{BTreeMap, BTreeSet};

use super::{Scenario, Step, chaos};
use crate::config::Options;
use crate::engine::ActorId;
use crate::model::DRIVER;
use crate::model::coverage::{MachineKind, Pair, Pairs};

/// What the steps of a scenario send, as far as reach goes.
#[derive(Default)]
struct Commands {
    /// Kinds of machine some step fails, and recovers.
    failed: Vec<MachineKind>,
    recovered: Vec<MachineKind>,
    /// Per actor, the steps that may fail it: a chaos step or a random
    /// failure counts once, as neither fails what it has failed already.
    fail_sources: BTreeMap<ActorId, u32>,
    /// Per actor, the steps that may recover it, counted alike.
    recover_sources: BTreeMap<ActorId, u32>,
    /// Regions taken offline, by how many steps; regions brought online.
    offline: BTreeMap<u8, u32>,
    online: Vec<u8>,
    switched: bool,
    /// Some step switches an active region, fails replication, recovers it.
    switched_regions: bool,
    replication_failed: bool,
    replication_recovered: bool,
    watched: bool,
    lingers: bool,
    /// Per actor, its kind of machine.
    kinds: Vec<MachineKind>,
}

impl Commands {
    fn of(scenario: &Scenario, options: &Options) -> Self {
        let kinds = MachineKind::per_actor(&scenario.architecture);
        let mut c = Commands { lingers: options.linger.is_some(), kinds, ..Commands::default() };
        for step in &scenario.steps {
            let commands: Vec<Step> = match step {
                Step::Chaos(params) => chaos::commands(params, &scenario.architecture).collect(),
                Step::FailRandom { candidates, .. } => {
                    // RecoverFailed recovers only what a FailRandom failed.
                    let recovers = scenario.steps.iter().find_map(|s| match s {
                        Step::RecoverFailed { containers } => Some(*containers),
                        _ => None,
                    });
                    let kind = |a: ActorId| scenario.architecture.instances[a as usize - 1].kind;
                    let recovered = |a: &&ActorId| recovers.is_some_and(|all| super::recovers_failed(all, kind(**a)));
                    let recover = candidates.iter().filter(recovered).map(|&a| Step::Recover(a));
                    candidates.iter().map(|&a| Step::Fail(a)).chain(recover).collect()
                }
                other => vec![other.clone()],
            };
            let mut failed_here = BTreeSet::new();
            let mut recovered_here = BTreeSet::new();
            let mut offline_here = BTreeSet::new();
            for command in &commands {
                match *command {
                    Step::Fail(a) => {
                        failed_here.insert(a);
                    }
                    Step::Recover(a) => {
                        recovered_here.insert(a);
                    }
                    Step::RegionOffline(r) => {
                        offline_here.insert(r);
                    }
                    _ => {}
                }
                c.add(command);
            }
            failed_here.into_iter().for_each(|a| *c.fail_sources.entry(a).or_default() += 1);
            recovered_here.into_iter().for_each(|a| *c.recover_sources.entry(a).or_default() += 1);
            offline_here.into_iter().for_each(|r| *c.offline.entry(r).or_default() += 1);
        }
        c
    }

    fn add(&mut self, step: &Step) {
        match *step {
            Step::Fail(a) => self.failed.extend(with_replicas(self.kinds[a as usize])),
            Step::Recover(a) => self.recovered.extend(with_replicas(self.kinds[a as usize])),
            Step::RegionOnline(r) => self.online.push(r),
            Step::SwitchPrimary(_) => self.switched = true,
            Step::SwitchRegions(_) => self.switched_regions = true,
            Step::FailReplication(a) => {
                self.failed.extend(replicator(self.kinds[a as usize]));
                self.replication_failed = true;
            }
            Step::RecoverReplication(a) => {
                self.recovered.extend(replicator(self.kinds[a as usize]));
                self.replication_recovered = true;
            }
            Step::AwaitAppended { .. } => self.watched = true,
            _ => {}
        }
    }

    /// Whether some actor of `kind` may be failed again while failed: two
    /// steps may fail it.
    fn refails(&self, kind: MachineKind) -> bool {
        let kinds = |a: &ActorId| with_replicas(self.kinds[*a as usize]).any(|k| k == kind);
        self.fail_sources.iter().any(|(a, &n)| n > 1 && kinds(a))
    }

    /// Whether a machine of `kind` may be recovered while it is up: some
    /// actor of that kind is recovered by more steps than fail it. Links
    /// keep their order, so a Recover that pairs with an earlier Fail finds
    /// its target failed (a cluster's replicas too).
    fn recovers_while_up(&self, kind: MachineKind) -> bool {
        let kinds = |a: &ActorId| with_replicas(self.kinds[*a as usize]).any(|k| k == kind);
        let fails = |a: &ActorId| self.fail_sources.get(a).copied().unwrap_or(0);
        self.recover_sources.iter().any(|(a, &n)| n > fails(a) && kinds(a))
    }

    /// Whether some step can make a machine of `kind` handle `message` in
    /// `state`. Generous where a pair follows from faults indirectly: a
    /// failed dependency needs only some fault.
    fn can_cause(&self, kind: MachineKind, state: &str, message: &str) -> bool {
        use MachineKind::{AuroraReplicator, DynamoReplicator, Processor, Receiver, Validator};
        let offline = !self.offline.is_empty();
        let any_fault = !self.failed.is_empty() || offline || self.switched;
        let failed = self.failed.contains(&kind);
        let failed_state = matches!(state, "failed" | "failed-processing");
        let needs_message = match message {
            "fail" => failed && (!failed_state || self.refails(kind)),
            // A container may be healthy again before its Recover lands.
            "recover" if failed_state || matches!(kind, Receiver | Validator | Processor) => {
                self.recovered.contains(&kind)
            }
            // Replication may be recovered though it never failed.
            "recover" if matches!(kind, AuroraReplicator | DynamoReplicator) => self.recovered.contains(&kind),
            "recover" => self.recovers_while_up(kind),
            "region-offline" => offline && (state != "region-offline" || self.offline.values().any(|&n| n > 1)),
            "region-online" => {
                let unpaired = self.online.iter().any(|r| !self.offline.contains_key(r));
                !self.online.is_empty() && (state != "both-online" || unpaired)
            }
            "switch-primary" => self.switched,
            "switch-regions" => self.switched_regions,
            "fail-replication" => self.replication_failed,
            "recover-replication" => self.replication_recovered,
            "watch-appends" | "appends-reached" => self.watched,
            "timer" if kind == MachineKind::Kafka => self.lingers,
            _ => true,
        };
        let needs_state = match state {
            "failed" | "failed-processing" => failed,
            "failed-dependency" => any_fault,
            "region-offline" => offline,
            "primary-2" => self.switched,
            "region-2-active" => self.switched_regions,
            _ => true,
        };
        needs_message && needs_state
    }
}

/// `kind`, and its parts when it is a database: a database fails and
/// recovers its replicas (or regional databases and replicator) with it.
fn with_replicas(kind: MachineKind) -> impl Iterator<Item = MachineKind> {
    use MachineKind as K;
    let parts: &[MachineKind] = match kind {
        K::Database => &[K::Replica],
        K::Aurora => &[K::AuroraRegional, K::AuroraReplicator],
        K::Dynamo => &[K::DynamoRegional, K::DynamoReplicator],
        _ => &[],
    };
    std::iter::once(kind).chain(parts.iter().copied())
}

/// The replicator of a global database of `kind`: what a failure or
/// recovery of its replication fails or recovers.
fn replicator(kind: MachineKind) -> Option<MachineKind> {
    match kind {
        MachineKind::Aurora => Some(MachineKind::AuroraReplicator),
        MachineKind::Dynamo => Some(MachineKind::DynamoReplicator),
        _ => None,
    }
}

/// The bits (as a run's coverage has them, among the pairs of its
/// architecture's kinds) of the pairs some step of `scenario` can cause
/// with `options`; the others no run of it reaches.
pub fn causable(scenario: &Scenario, options: &Options) -> u128 {
    let commands = Commands::of(scenario, options);
    let reachable = |p: &Pair| commands.can_cause(p.kind, p.state, p.message);
    let pairs = Pairs::of(&scenario.architecture);
    let bits = pairs.as_slice().iter().enumerate().filter(|(_, p)| reachable(p));
    bits.fold(0, |all, (bit, _)| all | 1 << bit)
}

const _: () = assert!(DRIVER == 0, "the driver sends the commands; no step fails it");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::topology::WORKLOAD1;
    use crate::scenario::built_in;

    fn unreachable(name: &str) -> Vec<String> {
        let bits = causable(&built_in(name).unwrap(), &Options::default());
        let pairs = Pairs::of(&WORKLOAD1);
        let pairs = pairs.as_slice().iter().enumerate().filter(|(bit, _)| bits & 1 << bit == 0);
        pairs.map(|(_, p)| format!("{} {}/{}", p.kind.name(), p.state, p.message)).collect()
    }

    #[test]
    fn a_scenario_without_a_step_that_causes_a_pair_cannot_reach_it() {
        let f4 = unreachable("f4");
        for pair in ["in-dns region-offline/invoke", "out-dns both-online/region-offline", "database primary-2/insert"]
        {
            assert!(f4.iter().any(|p| p == pair), "{pair} in {f4:?}");
        }
        let processor: Vec<_> = f4.iter().filter(|p| p.starts_with("processor ")).collect();
        assert_eq!(processor, ["processor failed-processing/fail"], "f4 fails and recovers processors, once each");
        for pair in ["database primary-1/recover", "replica up/recover", "kafka empty/recover", "kafka holding/recover"]
        {
            assert!(f4.iter().any(|p| p == pair), "f4 recovers only what it failed: {pair} in {f4:?}");
        }
        let baseline = unreachable("baseline");
        assert!(baseline.len() > f4.len() && baseline.iter().any(|p| p == "kafka failed/read"), "{baseline:?}");
        let chaos = unreachable("chaos");
        assert!(chaos.iter().any(|p| p == "processor failed-processing/fail"), "chaos fails nothing twice");
        assert!(chaos.iter().any(|p| p == "in-dns both-online/region-online"), "nor brings a region online twice");
        assert!(chaos.iter().any(|p| p == "kafka holding/timer"), "no linger, no timer");
        assert!(chaos.iter().any(|p| p == "kafka empty/recover"), "chaos recovers only what it failed");
        assert!(!chaos.iter().any(|p| p == "receiver processing/recover"), "but recovers every container at the end");
        assert!(!chaos.iter().any(|p| p == "database primary-2/insert"), "chaos switches primaries: {chaos:?}");
        let lingering = Options { linger: Some(crate::engine::MILLISECOND), ..Options::default() };
        let with_linger = causable(&built_in("chaos").unwrap(), &lingering);
        assert!(with_linger.count_ones() > causable(&built_in("chaos").unwrap(), &Options::default()).count_ones());
        assert!((with_linger.count_ones() as usize) < Pairs::of(&WORKLOAD1).len());
    }
}
