//! The study's ActivePassive and ActiveActive tests, step by step as the P
//! code takes them (`TPS/PTst/ActivePassive/PTst/` and
//! `TPS/PTst/ActiveActive/PTst/`, each test citing its file and lines): the
//! commands and publications the driver traces in the run of seed 0 of
//! each built-in scenario, in order.

use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, Simulator, built_in_architecture};
use wl1::scenario::built_in_of;
use wl1::trace::{Kind, OutcomeKind};

/// The driver's publications and commands in the run of seed 0, as words.
fn driver_steps(architecture: &str, scenario: &str) -> Vec<String> {
    let architecture = built_in_architecture(architecture).unwrap();
    let scenario = built_in_of(scenario, &architecture).unwrap().unwrap();
    let spec = RunSpec::new(scenario, Options::default(), Profile::default());
    let mut sim = Simulator::new();
    assert_eq!(sim.run(&spec, 0).outcome.kind, OutcomeKind::Completed);
    let name = |e: &wl1::trace::Event| architecture.actor_name(e.subject as u8).to_string();
    let step = |e: &wl1::trace::Event| match e.kind {
        Kind::PUBLISH_REQUESTED => Some(format!("publish {}", e.subject)),
        Kind::REGION_OFFLINE => Some(format!("region-offline {}", e.region)),
        Kind::FAIL | Kind::RECOVER | Kind::SWITCH_REGIONS | Kind::FAIL_REPLICATION | Kind::RECOVER_REPLICATION => {
            Some(format!("{} {}", e.kind.fixed_name().unwrap(), name(e)))
        }
        _ => None,
    };
    sim.events().iter().filter_map(step).collect()
}

fn words(steps: &[&str]) -> Vec<String> {
    steps.iter().map(|s| s.to_string()).collect()
}

const STAGES: [&str; 5] = ["inbound", "preprocess", "core", "postprocess", "outbound"];

/// `command` of each global database (or table) in pipeline order.
fn each_database(command: &str, database: &str) -> Vec<String> {
    STAGES.iter().map(|s| format!("{command} {s}-{database}")).collect()
}

#[test]
fn baseline_publishes_one_batch() {
    // TestActivePassive.p:33-53, TestActiveActive.p:33-53.
    for architecture in ["active-passive", "active-active"] {
        assert_eq!(driver_steps(architecture, "baseline"), ["publish 1"]);
    }
}

#[test]
fn active_passive_failover_switches_the_in_dns_each_database_then_the_out_dns() {
    // TestActivePassiveFailover.p:38-140.
    let switches = ["switch-regions in-dns".to_string()]
        .into_iter()
        .chain(each_database("switch-regions", "database"))
        .chain(["switch-regions out-dns".to_string()]);
    let expected: Vec<String> =
        ["publish 1".to_string()].into_iter().chain(switches).chain(words(&["publish 2", "publish 3"])).collect();
    assert_eq!(driver_steps("active-passive", "failover"), expected);
}

#[test]
fn active_active_failover_takes_region_1_offline() {
    // TestActiveActiveFailover.p:38-100 (in-DNS then out-DNS).
    assert_eq!(driver_steps("active-active", "failover"), ["publish 1", "region-offline 1", "publish 2", "publish 3"]);
}

#[test]
fn f1_to_f3_fail_and_recover_as_the_original() {
    for (architecture, database) in [("active-passive", "database"), ("active-active", "table")] {
        // F1FailContainer.p:53-103 (ActiveActive 48-103).
        let f1 =
            ["publish 1", "fail preprocess-container-1", "publish 2", "recover preprocess-container-1", "publish 3"];
        assert_eq!(driver_steps(architecture, "f1"), f1, "{architecture}");
        // F2FailDatabase.p:54-118 (ActiveActive 49-109).
        let db = format!("preprocess-{database}");
        let f2 = [
            "publish 1",
            &format!("fail {db}"),
            "publish 2",
            &format!("recover {db}"),
            "recover preprocess-container-1",
            "publish 3",
        ];
        assert_eq!(driver_steps(architecture, "f2"), f2, "{architecture}");
        // F3FailQueue.p:54-117 (ActiveActive 49-117).
        let f3 = [
            "publish 1",
            "fail inbound-preprocess-queue-1",
            "publish 2",
            "recover inbound-preprocess-queue-1",
            "recover inbound-container-1",
            "recover preprocess-container-1",
            "publish 3",
        ];
        assert_eq!(driver_steps(architecture, "f3"), f3, "{architecture}");
    }
}

#[test]
fn f4_fails_and_recovers_the_replication_of_every_database() {
    // TestActivePassiveF4FailReplication.p:53-136, TestActiveActiveF4FailReplication.p:48-111.
    for (architecture, database) in [("active-passive", "database"), ("active-active", "table")] {
        let expected: Vec<String> = ["publish 1".to_string()]
            .into_iter()
            .chain(each_database("fail-replication", database))
            .chain(["publish 2".to_string()])
            .chain(each_database("recover-replication", database))
            .chain(["publish 3".to_string()])
            .collect();
        assert_eq!(driver_steps(architecture, "f4"), expected, "{architecture}");
    }
}

/// The 16 region-1 components F5 draws from, in the original's numbering
/// (F5FailRandom.p:25-41).
fn f5_components(database: &str) -> Vec<String> {
    let queues =
        ["inbound-queue-1", "inbound-preprocess-queue-1", "preprocess-core-queue-1", "core-postprocess-queue-1"];
    let queues = queues.into_iter().chain(["postprocess-outbound-queue-1"]);
    let mut components: Vec<String> = STAGES
        .iter()
        .zip(queues)
        .flat_map(|(stage, queue)| [queue.to_string(), format!("{stage}-container-1"), format!("{stage}-{database}")])
        .collect();
    components.push("outbound-queue-1".into());
    components
}

#[test]
fn f5_fails_drawn_components_in_number_order_recovers_the_queues_and_databases_then_every_container() {
    // TestActivePassiveF5FailRandom.p:80-344, TestActiveActiveF5FailRandom.p:73-297.
    for (architecture, database) in [("active-passive", "database"), ("active-active", "table")] {
        let steps = driver_steps(architecture, "f5");
        let numbered = f5_components(database);
        let failed: Vec<&str> = steps.iter().filter_map(|s| s.strip_prefix("fail ")).collect();
        let number = |c: &&str| numbered.iter().position(|n| n == c).expect("one of the 16");
        assert!(!failed.is_empty() && failed.is_sorted_by_key(number), "{architecture}: {failed:?}");
        let containers = STAGES.iter().map(|s| format!("recover {s}-container-1"));
        let expected: Vec<String> = ["publish 1".to_string()]
            .into_iter()
            .chain(failed.iter().map(|c| format!("fail {c}")))
            .chain(["publish 2".to_string()])
            .chain(failed.iter().filter(|c| !c.contains("container")).map(|c| format!("recover {c}")))
            .chain(containers)
            .collect();
        let republished = steps.iter().filter(|s| *s == "publish 2").count() == 2;
        let tail = if republished { vec!["publish 2", "publish 3"] } else { vec!["publish 3"] };
        assert_eq!(steps, [expected, words(&tail)].concat(), "{architecture}");
    }
}
