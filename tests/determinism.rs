//! Same seed and options give byte-identical traces, whatever the number of
//! jobs; different seeds give different timings.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use wl1::config::{Options, Routing};
use wl1::model::topology::events as w1;
use wl1::trace::TraceFile;

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&p).unwrap()))
        .collect()
}

fn assert_same_for_any_jobs(scenario: &str, options: Options) {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    let summary = common::run(&common::plan(scenario, options.clone(), 1000, 300, 1, one.path()));
    common::run(&common::plan(scenario, options, 1000, 300, 2, two.path()));
    let (a, b) = (files(one.path()), files(two.path()));
    assert_eq!(a.len(), 3, "300 runs at 100 per file");
    assert_eq!(summary.runs, 300);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{scenario}: {name} differs between --jobs 1 and --jobs 2");
    }
}

#[test]
fn baseline_traces_are_byte_identical_for_one_and_two_jobs() {
    assert_same_for_any_jobs("baseline", Options::default());
}

#[test]
fn random_routing_and_faults_are_byte_identical_for_one_and_two_jobs() {
    let options = Options { routing: Routing::Weighted { region1_percent: 70 }, ..Options::default() };
    assert_same_for_any_jobs("f4", options.clone());
    assert_same_for_any_jobs("chaos", options);
}

#[test]
fn rerunning_a_seed_alone_reproduces_it_inside_a_larger_set() {
    let all = tempfile::tempdir().unwrap();
    let alone = tempfile::tempdir().unwrap();
    common::run(&common::plan("f4", Options::default(), 0, 100, 2, all.path()));
    common::run(&common::plan("f4", Options::default(), 37, 1, 1, alone.path()));
    let from_set = read_runs(all.path()).into_iter().find(|r| r.header.seed == 37).unwrap();
    let single = read_runs(alone.path()).pop().unwrap();
    assert_eq!(from_set, single);
}

#[test]
fn different_seeds_give_different_timings() {
    let dir = tempfile::tempdir().unwrap();
    common::run(&common::plan("baseline", Options::default(), 0, 20, 1, dir.path()));
    let runs = read_runs(dir.path());
    let arrival_times: Vec<Vec<u64>> = runs
        .iter()
        .map(|r| r.events.iter().filter(|e| e.kind == w1::DESTINATION_RECEIVED).map(|e| e.time_us).collect())
        .collect();
    for (i, a) in arrival_times.iter().enumerate() {
        for b in &arrival_times[i + 1..] {
            assert_ne!(a, b, "two seeds delivered at exactly the same times");
        }
    }
}

fn read_runs(dir: &Path) -> Vec<wl1::trace::Run> {
    let mut files: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.iter().flat_map(|f| TraceFile::open(f).unwrap()).map(|r| r.unwrap()).collect()
}

#[test]
fn shards_together_write_exactly_the_files_of_the_whole_run() {
    let whole = tempfile::tempdir().unwrap();
    let shards = tempfile::tempdir().unwrap();
    common::run(&common::plan("f4", Options::default(), 5, 450, 2, whole.path()));
    for index in 0..3 {
        let plan = wl1::run::Plan {
            shard: Some((index, 3)),
            ..common::plan("f4", Options::default(), 5, 450, 1, shards.path())
        };
        assert_eq!(plan.runs_in_shard(), [200, 150, 100][index as usize], "files of 100, 100, 100, 100, 50 runs");
        common::run(&plan);
    }
    assert_eq!(files(whole.path()), files(shards.path()));
}

#[test]
fn a_broken_invariant_stops_the_simulation_with_its_seed_and_leaves_no_file() {
    use wl1::scenario::{Scenario, Step};
    let dir = tempfile::tempdir().unwrap();
    let broken = Scenario::new(
        "broken".into(),
        "publishes a batch that does not exist".into(),
        1,
        vec![Step::Publish(1), Step::AwaitPublished(1), Step::Publish(7)],
    );
    let mut plan = common::plan("baseline", Options::default(), 40, 10, 1, dir.path());
    plan.spec.scenario = std::sync::Arc::new(broken);
    let error = wl1::run::simulate(&plan, &std::sync::atomic::AtomicBool::new(false), &|_| {}).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("seed 40") && message.contains("no batch 7"), "{message}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}
