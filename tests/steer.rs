//! `--steer`: each trace file's runs learn from its earlier ones which
//! seeds to take; the files stay the same whatever the jobs, every run
//! replays by its seed alone, and the runs handle the pairs few runs reach
//! more often than the same budget unsteered.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use wl1::config::Options;
use wl1::run::{Plan, RunSpec, Simulator, check_stored_run};
use wl1::trace::format::{decode_payload, encode_payload};
use wl1::trace::{RunHeader, TraceFile};

fn plan(first_seed: u64, runs: u64, jobs: usize, steer: bool, dir: &Path) -> Plan {
    let plan = common::plan("f4", Options::default(), first_seed, runs, jobs, dir);
    Plan { spec: plan.spec.clone().exploring(true), steer, ..plan }
}

/// Every file of `dir`, by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut paths: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths.iter().map(|f| (f.file_name().unwrap().to_string_lossy().into_owned(), fs::read(f).unwrap())).collect()
}

/// Every run of every file of `dir`: its header and its stored payload.
fn runs(dir: &Path) -> Vec<(RunSpec, RunHeader, Vec<u8>)> {
    let mut out = Vec::new();
    for (name, _) in files(dir) {
        let mut trace = TraceFile::open(&dir.join(name)).unwrap();
        let spec = RunSpec::from_stored(trace.spec()).unwrap();
        while let Some(next) = trace.next_payload() {
            let (_, stored) = next.unwrap();
            let header = decode_payload(stored, &spec.stored).unwrap().header;
            out.push((spec.clone(), header, stored.to_vec()));
        }
    }
    out
}

#[test]
fn steered_traces_are_the_same_for_any_jobs_and_every_run_replays_by_its_seed() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    for (dir, jobs) in [(one.path(), 1), (two.path(), 2)] {
        common::run(&plan(500, 300, jobs, true, dir));
    }
    let written = files(one.path());
    assert!(written == files(two.path()), "steered traces differ between --jobs 1 and 2");
    assert!(written.iter().all(|(name, _)| name.contains("-steered-")), "a steered file says so in its name");

    let mut sim = Simulator::new();
    let runs = runs(one.path());
    let seeds: BTreeSet<u64> = runs.iter().map(|(_, h, _)| h.seed).collect();
    assert_eq!(seeds.len(), 300, "no seed taken twice");
    let steered = seeds.iter().filter(|&&s| s >= 800).count();
    assert!(steered > 200, "{steered} of 300 runs took a seed beyond the range");
    assert!(seeds.iter().all(|&s| (500..800).contains(&s) || (800..800 + 300 * 63).contains(&s)));
    for (spec, header, stored) in runs {
        check_stored_run(&header).unwrap();
        let again = sim.run(&spec, header.seed);
        let mut bytes = Vec::new();
        encode_payload(&again, sim.events(), &mut bytes);
        assert!(bytes == stored, "seed {} does not replay by its seed alone", header.seed);
    }
}

#[test]
fn steered_runs_handle_the_pairs_few_runs_reach_more_often() {
    let hits = |steer: bool| {
        let dir = tempfile::tempdir().unwrap();
        common::run(&Plan { runs_per_file: 1_000, ..plan(0, 1_000, 2, steer, dir.path()) });
        let mut hits = [0u32; 128];
        for (_, header, _) in runs(dir.path()) {
            (0..128).filter(|p| header.coverage >> p & 1 == 1).for_each(|p| hits[p] += 1);
        }
        hits
    };
    let (plain, steered) = (hits(false), hits(true));
    // The pairs fewer than a fifth of the unsteered runs handle.
    let rare: Vec<usize> = (0..128).filter(|&p| plain[p] > 0 && plain[p] < 200).collect();
    let total = |hits: &[u32; 128]| rare.iter().map(|&p| hits[p]).sum::<u32>();
    assert!(rare.len() >= 4, "{rare:?}");
    assert!(
        total(&steered) * 10 > total(&plain) * 11,
        "the rare pairs {rare:?}: {} hits steered, {} unsteered",
        total(&steered),
        total(&plain)
    );
    assert!(rare.iter().all(|&p| steered[p] > 0), "steering loses none of them");
}

#[test]
fn steering_needs_explore() {
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan { steer: true, ..common::plan("f4", Options::default(), 0, 10, 1, dir.path()) };
    let problem = plan.check().unwrap_err().to_string();
    assert!(problem.contains("needs --explore"), "{problem}");
}
