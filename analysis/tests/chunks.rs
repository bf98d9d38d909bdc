//! The runs are analyzed a chunk at a time: however small the chunks, the
//! report is that of the whole set analyzed at once.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use wl1::model::Options;
use wl1::run::{Plan, Profile, RunSpec, simulate};
use wl1::scenario::built_in;
use wl1_analysis::*;

fn simulate_into(dir: &Path, scenario: &str, runs: u64) {
    let plan = Plan {
        spec: RunSpec::new(built_in(scenario).unwrap(), Options::default(), Profile::default()),
        first_seed: 0,
        runs,
        out_dir: dir.to_owned(),
        jobs: 2,
        runs_per_file: 70,
        shard: None,
    };
    simulate(&plan, &AtomicBool::new(false), &|_| {}).unwrap();
}

fn analyze(dir: &Path, chunk_events: usize) -> Analysis {
    let settings = Settings { chunk_events, keep_stages: true };
    Analysis::with(&[dir.to_owned()], settings).unwrap()
}

#[test]
fn tiny_chunks_give_the_report_of_one_chunk() {
    let dir = tempfile::tempdir().unwrap();
    simulate_into(dir.path(), "chaos", 300);
    let whole = analyze(dir.path(), usize::MAX);
    let chunked = analyze(dir.path(), 3000);
    assert!(whole.violating_runs().unwrap() > 0, "chaos runs violate the specification");
    let report = |a: &Analysis| Report::new(a, 1000).unwrap();
    assert_eq!(report(&chunked).json(), report(&whole).json());
    assert_eq!(report(&chunked).text(), report(&whole).text());
    assert_eq!(chunked.violations, whole.violations);
    assert_eq!(chunked.stages, whole.stages);
    assert_eq!(chunked.measures.delivered, whole.measures.delivered);
}
