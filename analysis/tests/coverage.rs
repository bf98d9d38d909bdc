//! The coverage section against ten synthetic runs whose answer is worked
//! out by hand, analyzed whole, in small chunks, and as two stored
//! summaries merged.
//!
//! Runs of three records (1 and 3 routed to region 1, 2 to region 2),
//! seeds 0..=9:
//!
//! | seed | arrival order | extra events                                  |
//! |------|---------------|-----------------------------------------------|
//! | 0    | 1 2 3         |                                               |
//! | 1    | 1 2 3         | record 1 read again by processor-1            |
//! | 2    | 1 2 3         | record 1 reaches the destination again        |
//! | 3    | 1 2 3         | a remove failure hidden                       |
//! | 4    | 1 2 3         | a remove that found nothing                   |
//! | 5    | 1 2 3         | batch 1 stopped, then requested again         |
//! | 6    | 3 2 1         | batch 1 stopped, never again; a fault holding |
//! | 7    | 3 2 1         | a remove failure hidden                       |
//! | 8    | 1 2 3         | a fault holding                               |
//! | 9    | 1 3 2         |                                               |
//!
//! So: 3 distinct orders, the last tenth of the seeds (seed 9) added 1;
//! region 1 finished last in seeds 0..=8 (record 3 or 1 last), region 2
//! in seed 9. Coverage bits: pair 0 in every run, pair 1 in seeds 0..=4,
//! the last pair in seed 9 only.

mod common;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use wl1::model::Pairs;
use wl1::model::topology::events as w1;
use wl1::model::topology::{WORKLOAD1, inbound};
use wl1::trace::{Event, Kind, OutcomeKind, RunHeader};
use wl1_analysis::{CoverageDetail, Report, Settings, Summary, analyze};

fn event(time_us: u64, kind: Kind, region: u8, subject: u32, value: u32) -> Event {
    Event { time_us, kind, region, subject, value }
}

fn run(seed: u64) -> (RunHeader, Vec<Event>) {
    let order: &[u32] = match seed {
        6 | 7 => &[3, 2, 1],
        9 => &[1, 3, 2],
        _ => &[1, 2, 3],
    };
    let mut events: Vec<Event> =
        order.iter().enumerate().flat_map(|(i, &r)| common::record_events(r, i as u64 * 100_000)).collect();
    let late = 1_000_000;
    let extra: Vec<Event> = match seed {
        1 => vec![event(late, w1::PROCESSOR_READ, 1, 1, 0)],
        2 => vec![event(late, w1::DESTINATION_RECEIVED, 1, 1, common::value_of(1))],
        3 | 7 => vec![event(late, Kind::REMOVE_FAILURE_HIDDEN, 2, 2, 0)],
        4 => vec![event(late, Kind::REMOVE_MISSED, 2, 2, 0)],
        5 => vec![
            event(late, Kind::BATCH_STOPPED, 0, 1, 0),
            event(late, Kind::PUBLISH_REQUESTED, 0, 2, 0),
            event(late, Kind::PUBLISH_REQUESTED, 0, 1, 0),
            event(late, Kind::BATCH_REPUBLISHED, 0, 1, 1),
        ],
        6 => vec![
            event(late, Kind::BATCH_STOPPED, 0, 1, 0),
            event(late, Kind::FAULT_FOUND_HOLDING, 1, inbound(1).into(), 3),
        ],
        8 => vec![event(late, Kind::FAULT_FOUND_HOLDING, 1, inbound(1).into(), 2)],
        _ => vec![],
    };
    events.extend(extra);
    let mut header = common::header(seed, 3, OutcomeKind::Completed);
    let last = Pairs::of(&WORKLOAD1).len() - 1;
    header.coverage = 1 | if seed <= 4 { 2 } else { 0 } | if seed == 9 { 1 << last } else { 0 };
    (header, events)
}

/// Seeds 0..=4 in one file, 5..=9 in another.
fn write_runs(dir: &Path) -> [PathBuf; 2] {
    let files = [dir.join("a.wl1"), dir.join("b.wl1")];
    common::write(&files[0], &(0..5).map(run).collect::<Vec<_>>());
    common::write(&files[1], &(5..10).map(run).collect::<Vec<_>>());
    files
}

fn coverage(summary: &Summary) -> Value {
    let report = Report::new(summary, 20).unwrap();
    report.json()["groups"][0]["coverage"].clone()
}

fn settings(chunk_bytes: usize) -> Settings {
    Settings { chunk_bytes, ..Settings::default() }
}

#[test]
fn every_coverage_figure_matches_the_hand_worked_answer_however_the_runs_are_split() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_runs(dir.path());
    let whole = analyze(&files, &settings(1 << 20), &|_| {}, None).unwrap();
    let c = coverage(&whole);
    assert_eq!(c["runs"], 10);
    assert_eq!((c["orders"].clone(), c["last_tenth_seeds"].clone()), (json!(3), json!(1)));
    assert_eq!((c["last_tenth_new_orders"].clone(), c["orders_capped"].clone()), (json!(1), json!(false)));

    let situations: Vec<(String, u64, Option<u64>)> = c["situations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["situation"].as_str().unwrap().into(), s["runs"].as_u64().unwrap(), s["example_seed"].as_u64()))
        .collect();
    let expected = [
        ("delivered-twice", 1, Some(2)),
        ("remove-failure-hidden", 2, Some(3)),
        ("remove-missed", 1, Some(4)),
        ("batch-republished", 1, Some(5)),
        ("fault-found-holding", 2, Some(6)),
        ("region-1-finished-last", 9, Some(0)),
        ("region-2-finished-last", 1, Some(9)),
        ("processor-read-twice", 1, Some(1)),
    ];
    let expected: Vec<(String, u64, Option<u64>)> = expected.iter().map(|&(s, n, e)| (s.into(), n, e)).collect();
    assert_eq!(situations, expected);

    let reached: Vec<(String, String, u64)> = c["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|k| {
            let kind = k["kind"].as_str().unwrap().to_string();
            k["pairs"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |p| (kind.clone(), p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
        })
        .collect();
    let pairs = Pairs::of(&WORKLOAD1);
    let last = pairs.len() - 1;
    assert_eq!(reached.len(), pairs.len(), "every pair the rules allow of Workload1's kinds is listed");
    let handled: Vec<&(String, String, u64)> = reached.iter().filter(|p| p.2 > 0).collect();
    let pair = |i: usize| {
        let p = pairs.as_slice()[i];
        (p.kind.name().to_string(), format!("{}/{}", p.state, p.message))
    };
    let expected = [(pair(0), 10), (pair(1), 5), (pair(last), 1)];
    let expected: Vec<(String, String, u64)> = expected.into_iter().map(|((k, p), n)| (k, p, n)).collect();
    assert_eq!(handled, expected.iter().collect::<Vec<_>>());
    assert_eq!(pair(0), ("driver".into(), "running/start".into()));
    assert_eq!(pair(last), ("destination".into(), "running/read-failed".into()));

    // Orders of 7, 2 and 1 runs: exp(-(0.7 ln 0.7 + 0.2 ln 0.2 + 0.1 ln 0.1)) = 2.229.
    let spread = &c["spread"];
    assert_eq!(spread["most_common_runs"].as_u64(), Some(7), "{spread}");
    assert!((spread["effective_orders"].as_f64().unwrap() - 2.229).abs() < 0.001, "{spread}");

    let text = Report::new(&whole, 20).unwrap().text_with(CoverageDetail::Full);
    assert!(
        text.contains("coverage: 3 distinct orders of arrival at the destination in 10 runs; the last 1 seed added 1")
    );
    assert!(text.contains("driver (2 of 6 pairs): running/start 10, running/batch-published 5"), "{text}");
    assert!(text.contains("a record delivered twice") && text.contains("e.g. seed 2"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");

    // In chunks of one run each, the same figures.
    let chunked = analyze(&files, &settings(1), &|_| {}, None).unwrap();
    assert_eq!(coverage(&chunked), c);

    // Each file's summary stored apart, then merged: the same figures.
    let stored: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let path = dir.path().join(format!("part-{i}.json"));
            analyze(std::slice::from_ref(file), &settings(1 << 20), &|_| {}, None).unwrap().write(&path).unwrap();
            path
        })
        .collect();
    let merged = analyze(&stored, &settings(1 << 20), &|_| {}, None).unwrap();
    assert_eq!(coverage(&merged), c);
}

#[test]
fn fewer_than_ten_runs_have_no_last_tenth() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("few.wl1");
    common::write(&file, &(0..9).map(run).collect::<Vec<_>>());
    let c = coverage(&analyze(&[file], &settings(1 << 20), &|_| {}, None).unwrap());
    assert_eq!((c["orders"].clone(), c["last_tenth_seeds"].clone()), (json!(2), json!(0)));
    assert_eq!(c["last_tenth_new_orders"], 0);
}

/// Explored `f4` takes no region offline and switches no primary: those
/// pairs are out of its reach, listed apart from the pairs it could reach
/// and did not; the runs' spread over the orders is reported beside them.
#[test]
fn explored_f4_lists_what_it_cannot_reach_apart_from_what_it_did_not() {
    let dir = tempfile::tempdir().unwrap();
    let spec = wl1::run::RunSpec::new(
        wl1::scenario::built_in("f4").unwrap(),
        wl1::config::Options::default(),
        wl1::config::Profile::default(),
    );
    common::simulate_spec_into(dir.path(), spec.exploring(true), 300, 300);
    let (summary, _) = common::analyze_dir(dir.path());
    let report = Report::new(&summary, 20).unwrap();
    let c = &report.json()["groups"][0]["coverage"];
    let kind = |name: &str| c["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == name).unwrap().clone();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
    };
    let in_dns = strings(&kind("in-dns")["out_of_reach"]);
    assert!(in_dns.contains(&"region-offline/invoke".to_string()) && in_dns.len() == 6, "{in_dns:?}");
    assert!(strings(&kind("database")["out_of_reach"]).iter().any(|p| p.ends_with("/switch-primary")));
    let processor = strings(&kind("processor")["out_of_reach"]);
    assert_eq!(processor, ["failed-processing/fail"], "f4 fails and recovers processors, each once");
    let text = report.text_with(CoverageDetail::Full);
    let in_dns_lines: Vec<&str> = text.lines().skip_while(|l| !l.trim_start().starts_with("in-dns")).take(3).collect();
    assert!(in_dns_lines[1].contains("out of reach: region-offline/invoke"), "{text}");
    assert!(!in_dns_lines.iter().any(|l| l.contains("never:")), "f4 reaches all in-DNS pairs it can: {text}");
    let spread = &c["spread"];
    assert!(spread["most_common_runs"].as_u64().unwrap() < 300 && spread["effective_orders"].as_f64().unwrap() > 10.0);
    assert!(text.contains("the most common in "), "{text}");
}

/// The kinds of machine the coverage section of `group` lists, with the
/// pairs the runs reached of each.
fn kinds_reached(group: &Value) -> Vec<(String, Vec<String>)> {
    let kinds = group["coverage"]["kinds"].as_array().unwrap().iter();
    let reached = |k: &Value| {
        let pairs = k["pairs"].as_array().unwrap().iter().filter(|p| p[1].as_u64().unwrap() > 0);
        pairs.map(|p| p[0].as_str().unwrap().to_string()).collect()
    };
    kinds.map(|k| (k["kind"].as_str().unwrap().to_string(), reached(k))).collect()
}

/// Runs of ActivePassive and of Workload1 analyzed together: each group's
/// coverage names the pairs of its own architecture's kinds of machine, as
/// its runs' bits number them.
#[test]
fn each_group_names_the_pairs_of_its_own_architecture() {
    let dir = tempfile::tempdir().unwrap();
    let architecture = wl1::run::built_in_architecture("active-passive").unwrap();
    let (f3, drill) = wl1::run::resolve_scenario(&architecture, "f3").unwrap();
    let options = wl1::config::Options::default();
    let spec = wl1::run::RunSpec::with_drill(f3, drill, options, wl1::config::Profile::default());
    common::simulate_spec_into(dir.path(), spec, 20, 20);
    common::simulate_into(dir.path(), "baseline", 10, 10);
    let (summary, _) = common::analyze_dir(dir.path());
    let report = Report::new(&summary, 20).unwrap();
    let groups = report.json()["groups"].as_array().unwrap().clone();
    let group = |scenario: &str| groups.iter().find(|g| g["scenario"] == scenario).unwrap().clone();
    let (passive, workload1) = (kinds_reached(&group("f3")), kinds_reached(&group("baseline")));
    let names = |kinds: &[(String, Vec<String>)]| kinds.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
    let expected = ["driver", "source", "processor-on-aurora", "destination", "queue", "failover-dns"];
    let aurora = ["aurora", "aurora-regional", "aurora-replicator"];
    assert_eq!(names(&passive), [&expected[..], &aurora[..]].concat(), "in HANDLED's order");
    assert_eq!(names(&workload1)[..3], ["driver", "source", "in-dns"]);
    assert!(!names(&workload1).iter().any(|k| k == "queue" || k == "aurora"), "{workload1:?}");
    let of = |kind: &str| passive.iter().find(|(k, _)| k == kind).unwrap().1.clone();
    assert!(of("queue").iter().any(|p| p == "failed/append"), "f3 fails a queue written to: {passive:?}");
    assert!(of("aurora").iter().any(|p| p == "region-1-active/insert"), "{passive:?}");
    assert!(of("driver").iter().any(|p| p == "running/command-done"), "the queue's failure acknowledged");
    let text = report.text_with(CoverageDetail::Full);
    assert!(text.contains("queue (") && text.contains("aurora-replicator ("), "{text}");
}
