//! Scenarios: what the driver does during a run (MODEL.md section 4).
//!
//! A scenario is a list of [`Step`]s; the built-in ones are written in the
//! same terms that user drills use.

mod driver;

use crate::engine::{ActorId, Time};
use crate::model::topology::{self, Db};

pub use driver::{Driver, Wait};

/// Records per batch; batch `b` holds ids `(b-1)*50+1 ..= b*50`.
pub const RECORDS_PER_BATCH: u32 = 50;

/// One thing the driver does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask the source to publish batch `b` (1-based); does not wait.
    Publish(u8),
    /// Wait until the source reports batch `b` published or stopped.
    AwaitPublished(u8),
    /// Wait until the destination holds this many distinct records.
    AwaitDelivered(u32),
    Fail(ActorId),
    Recover(ActorId),
    SwitchPrimary(Db),
    /// Take a region offline in both DNS routers.
    RegionOffline(u8),
    RegionOnline(u8),
    /// Wait this many simulated nanoseconds.
    Sleep(Time),
    /// If the last publication of batch `b` stopped early, publish it again
    /// and wait for it.
    RepublishIfStopped(u8),
    /// Fail between `min` and `max` distinct components drawn from `candidates`.
    FailRandom {
        candidates: Vec<ActorId>,
        min: u32,
        max: u32,
    },
    /// Recover every component that `FailRandom` failed.
    RecoverFailed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub batches: u8,
    pub steps: Vec<Step>,
}

impl Scenario {
    pub fn records(&self) -> u32 {
        self.batches as u32 * RECORDS_PER_BATCH
    }
}

/// The names of the built-in scenarios.
pub const BUILT_IN: [&str; 6] = ["baseline", "failover", "f1", "f2", "f3", "f4"];

/// A built-in scenario by name.
pub fn built_in(name: &str) -> Option<Scenario> {
    use Step::*;
    let r1 = |name: &str| topology::by_name(name).expect("built-in component names exist");
    let batch1_delivered = [Publish(1), AwaitDelivered(RECORDS_PER_BATCH)];
    let publish = |b| [Publish(b), AwaitPublished(b)];
    let failure_test = |description: &str, fail: &[&str], recover: &[&str]| {
        let mut steps = batch1_delivered.to_vec();
        steps.extend(fail.iter().map(|c| Fail(r1(c))));
        steps.extend(publish(2));
        steps.extend(recover.iter().map(|c| Recover(r1(c))));
        steps.extend(publish(3));
        (description.to_string(), 3, steps)
    };
    let (description, batches, steps) = match name {
        "baseline" => (
            "publish one batch of 50 records".to_string(),
            1,
            publish(1).to_vec(),
        ),
        "failover" => {
            let mut steps = batch1_delivered.to_vec();
            steps.push(RegionOffline(1));
            steps.extend(publish(2));
            steps.extend(publish(3));
            (
                "batch 1 delivered, region 1 offline in both DNS, then batches 2 and 3".to_string(),
                3,
                steps,
            )
        }
        "f1" => failure_test(
            "fail processor-1 while batch 2 is published, then recover it",
            &["processor-1"],
            &["processor-1"],
        ),
        "f2" => failure_test(
            "fail processor-db while batch 2 is published, then recover it and processor-1",
            &["processor-db"],
            &["processor-db", "processor-1"],
        ),
        "f3" => failure_test(
            "fail inbound-1 while batch 2 is published, then recover it and processor-1",
            &["inbound-1"],
            &["inbound-1", "processor-1"],
        ),
        "f4" => {
            let candidates = [
                "receiver-1",
                "receiver-db",
                "validator-1",
                "validator-db",
                "inbound-1",
                "processor-1",
                "processor-db",
                "outbound-1",
            ]
            .map(r1)
            .to_vec();
            let mut steps = batch1_delivered.to_vec();
            steps.push(FailRandom {
                candidates,
                min: 1,
                max: 8,
            });
            steps.extend(publish(2));
            steps.push(RecoverFailed);
            steps.extend(
                ["receiver-1", "validator-1", "processor-1", "processor-2"].map(|c| Recover(r1(c))),
            );
            steps.push(RepublishIfStopped(2));
            steps.extend(publish(3));
            (
                "fail 1 to 8 random region-1 components during batch 2, recover all, republish"
                    .to_string(),
                3,
                steps,
            )
        }
        _ => return None,
    };
    Some(Scenario {
        name: name.to_string(),
        description,
        batches,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_exists_and_publishes_each_batch() {
        for name in BUILT_IN {
            let s = built_in(name).unwrap();
            for b in 1..=s.batches {
                assert!(
                    s.steps.contains(&Step::Publish(b)),
                    "{name} never publishes batch {b}"
                );
            }
        }
        assert!(built_in("nope").is_none());
    }
}
