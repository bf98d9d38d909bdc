//! The analysis of 10,000 baseline runs (reading, every check, every
//! measurement) beside the simulation of the same runs into trace files,
//! both on every core, in trace events per second; then the ratio of their
//! median times, which says whether the analysis keeps up with the
//! simulator (at most 1.0 is the target).

use std::cell::RefCell;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use wl1::config::{Options, Profile};
use wl1::run::{Plan, RunSpec, simulate};
use wl1::scenario::built_in;
use wl1_analysis::{Settings, analyze};

const RUNS: u64 = 10_000;

fn simulate_into(dir: &Path) -> wl1::run::Summary {
    let plan = Plan {
        spec: RunSpec::new(built_in("baseline").expect("built in"), Options::default(), Profile::default()),
        first_seed: 0,
        runs: RUNS,
        out_dir: dir.to_owned(),
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        runs_per_file: 1000,
        shard: None,
        steer: false,
    };
    simulate(&plan, &AtomicBool::new(false), &|_| {}).expect("simulated")
}

/// Times `work` as criterion asks, and keeps each iteration's time.
fn timed(times: &RefCell<Vec<Duration>>, iters: u64, mut work: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        let one = Instant::now();
        work();
        times.borrow_mut().push(one.elapsed());
    }
    start.elapsed()
}

fn median(times: &RefCell<Vec<Duration>>) -> Duration {
    let mut times = times.borrow_mut();
    times.sort();
    times[times.len() / 2]
}

fn analyze_against_simulate(c: &mut Criterion) {
    let traces = tempfile::tempdir().expect("a temporary directory");
    let simulated = simulate_into(traces.path());
    let paths = [traces.path().to_owned()];
    let (simulating, analyzing) = (RefCell::new(Vec::new()), RefCell::new(Vec::new()));
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    group.throughput(Throughput::Elements(simulated.trace_events));
    group.bench_function("simulate 10k baseline runs into trace files", |b| {
        b.iter_custom(|iters| {
            timed(&simulating, iters, || {
                let out = tempfile::tempdir().expect("a temporary directory");
                assert_eq!(simulate_into(out.path()).runs, RUNS);
            })
        })
    });
    group.bench_function("analyze the same traces", |b| {
        b.iter_custom(|iters| {
            timed(&analyzing, iters, || {
                let summary = analyze(&paths, &Settings::default(), &|_| {}, None).expect("analyzed");
                assert_eq!((summary.runs(), summary.violating_runs()), (RUNS, 0));
            })
        })
    });
    group.finish();
    let (simulate, analyze) = (median(&simulating), median(&analyzing));
    println!(
        "analyze/simulate: {:.2} (median {:.3} s against {:.3} s for the same {} trace events)",
        analyze.as_secs_f64() / simulate.as_secs_f64(),
        analyze.as_secs_f64(),
        simulate.as_secs_f64(),
        simulated.trace_events
    );
}

criterion_group!(benches, analyze_against_simulate);
criterion_main!(benches);
