//! The analysis of a 10,000-run baseline trace set: load, every check and
//! every measurement. The traces are simulated once into a temporary
//! directory. Target: at most 3 s on 2 cores.

use std::sync::atomic::AtomicBool;

use criterion::{Criterion, criterion_group, criterion_main};
use wl1::config::Options;
use wl1::config::Profile;
use wl1::run::{Plan, RunSpec, simulate};
use wl1::scenario::built_in;
use wl1_analysis::Analysis;

const RUNS: u64 = 10_000;

fn analyze_baseline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let plan = Plan {
        spec: RunSpec::new(built_in("baseline").expect("built in"), Options::default(), Profile::default()),
        first_seed: 0,
        runs: RUNS,
        out_dir: dir.path().to_owned(),
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        runs_per_file: 1000,
        shard: None,
    };
    simulate(&plan, &AtomicBool::new(false), &|_| {}).expect("simulated");
    let paths = [dir.path().to_owned()];
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.bench_function("baseline_10k_runs", |b| {
        b.iter(|| {
            let analysis = Analysis::of(&paths).expect("analyzed");
            assert_eq!(analysis.violating_runs().expect("counted"), 0);
            analysis
        })
    });
    group.finish();
}

criterion_group!(benches, analyze_baseline);
criterion_main!(benches);
