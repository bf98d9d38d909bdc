//! Which (state, message) pairs a scenario can cause at all: a pair that
//! needs a command no step sends (a region offline, a primary switched, a
//! component of its kind failed or recovered) is out of the scenario's
//! reach, whatever the seed or environment. What is left is what coverage
//! can fairly call "never reached" when no run handled it.

use super::{Scenario, Step, chaos};
use crate::model::coverage::{MachineKind, pairs};
use crate::model::topology::DRIVER;

/// What the steps of a scenario send, as far as reach goes.
#[derive(Default)]
struct Commands {
    /// Kinds of machine some step fails, and recovers.
    failed: Vec<MachineKind>,
    recovered: Vec<MachineKind>,
    offline: bool,
    online: bool,
    switched: bool,
    watched: bool,
}

impl Commands {
    fn of(scenario: &Scenario) -> Self {
        let mut c = Commands::default();
        for step in &scenario.steps {
            match step {
                Step::Chaos(params) => chaos::commands(params).for_each(|s| c.add(&s)),
                Step::FailRandom { candidates, .. } => {
                    candidates.iter().for_each(|&a| c.add(&Step::Fail(a)));
                    // RecoverFailed recovers only what a FailRandom failed.
                    if scenario.steps.contains(&Step::RecoverFailed) {
                        candidates.iter().for_each(|&a| c.add(&Step::Recover(a)));
                    }
                }
                other => c.add(other),
            }
        }
        c
    }

    fn add(&mut self, step: &Step) {
        match *step {
            Step::Fail(a) => self.failed.extend(with_replicas(MachineKind::of(a))),
            Step::Recover(a) => self.recovered.extend(with_replicas(MachineKind::of(a))),
            Step::RegionOffline(_) => self.offline = true,
            Step::RegionOnline(_) => self.online = true,
            Step::SwitchPrimary(_) => self.switched = true,
            Step::AwaitAppended { .. } => self.watched = true,
            _ => {}
        }
    }

    /// Whether some step can make a machine of `kind` handle `message` in
    /// `state`. Generous where a pair follows from faults indirectly: a
    /// failed dependency needs only some fault.
    fn can_cause(&self, kind: MachineKind, state: &str, message: &str) -> bool {
        let any_fault = !self.failed.is_empty() || self.offline || self.switched;
        let failed = self.failed.contains(&kind);
        let needs_message = match message {
            "fail" => failed,
            "recover" => self.recovered.contains(&kind),
            "region-offline" => self.offline,
            "region-online" => self.online,
            "switch-primary" => self.switched,
            "watch-appends" => self.watched,
            _ => true,
        };
        let needs_state = match state {
            "failed" | "failed-processing" => failed,
            "failed-dependency" => any_fault,
            "region-offline" => self.offline,
            "primary-2" => self.switched,
            _ => true,
        };
        needs_message && needs_state
    }
}

/// `kind`, and the replicas when it is a database: a cluster fails and
/// recovers its replicas with it.
fn with_replicas(kind: MachineKind) -> impl Iterator<Item = MachineKind> {
    let replicas = (kind == MachineKind::Database).then_some(MachineKind::Replica);
    std::iter::once(kind).chain(replicas)
}

/// The bits (as a run's coverage has them) of the pairs some step of
/// `scenario` can cause; the others no run of it reaches.
pub fn causable(scenario: &Scenario) -> u128 {
    let commands = Commands::of(scenario);
    let bits = pairs().into_iter().enumerate().filter(|(_, p)| commands.can_cause(p.kind, p.state, p.message));
    bits.fold(0, |all, (bit, _)| all | 1 << bit)
}

const _: () = assert!(DRIVER == 0, "the driver sends the commands; no step fails it");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::coverage::PAIRS;
    use crate::scenario::built_in;

    fn unreachable(name: &str) -> Vec<String> {
        let bits = causable(&built_in(name).unwrap());
        let pairs = pairs().into_iter().enumerate().filter(|(bit, _)| bits & 1 << bit == 0);
        pairs.map(|(_, p)| format!("{} {}/{}", p.kind.name(), p.state, p.message)).collect()
    }

    #[test]
    fn a_scenario_without_a_step_that_causes_a_pair_cannot_reach_it() {
        let f4 = unreachable("f4");
        for pair in ["in-dns region-offline/invoke", "out-dns both-online/region-offline", "database primary-2/insert"]
        {
            assert!(f4.iter().any(|p| p == pair), "{pair} in {f4:?}");
        }
        assert!(!f4.iter().any(|p| p.starts_with("processor ")), "f4 fails and recovers processors: {f4:?}");
        let baseline = unreachable("baseline");
        assert!(baseline.len() > f4.len() && baseline.iter().any(|p| p == "kafka failed/read"), "{baseline:?}");
        let chaos = unreachable("chaos");
        assert!(chaos.iter().all(|p| p.ends_with("/watch-appends")), "{chaos:?}");
        assert!(causable(&built_in("chaos").unwrap()).count_ones() as usize > PAIRS - 10);
    }
}
