//! Throughput of the simulator: baseline runs per second (`RUNS` over the
//! time) and message events per second, by default and under `--explore`, against a bare loop that
//! pushes and pops the same number of timed events through the engine's
//! queue with no model work, so that the model's cost reads as a ratio;
//! f4, by default and explored; and the baseline of the study's other two
//! architectures, ActivePassive and ActiveActive (batches of 10 records
//! through six queues), by default and explored, each with its own bare
//! queue of as many events.

use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use wl1::config::Options;
use wl1::config::Profile;
use wl1::engine::{EventQueue, MILLISECOND};
use wl1::run::{RunSpec, Simulator, built_in_architecture};
use wl1::scenario::{built_in, built_in_of};
use wl1::trace::format::encode_frame;

const RUNS: u64 = 100;

fn spec(name: &str) -> RunSpec {
    RunSpec::new(built_in(name).unwrap(), Options::default(), Profile::default())
}

/// Runs seeds `0..RUNS`; their message events.
fn run_all(sim: &mut Simulator, spec: &RunSpec) -> u64 {
    (0..RUNS).map(|seed| sim.run(spec, seed).outcome.message_events).sum()
}

/// Message events of `RUNS` runs, to size the bare loop alike.
fn message_events(spec: &RunSpec) -> u64 {
    run_all(&mut Simulator::new(), spec)
}

fn simulate(c: &mut Criterion) {
    let baseline = spec("baseline");
    let events = message_events(&baseline);
    let mut group = c.benchmark_group("simulate");
    default_and_explored(&mut group, "baseline", &baseline);
    group.throughput(Throughput::Elements(events));
    group.bench_function(format!("baseline {RUNS} runs with trace encoding"), |b| {
        let mut sim = Simulator::new();
        let mut frame = Vec::new();
        b.iter(|| {
            frame.clear();
            for seed in 0..RUNS {
                let header = sim.run(&baseline, seed);
                encode_frame(&header, sim.events(), &mut frame).expect("a baseline run fits in a frame");
            }
            frame.len()
        })
    });
    group.bench_function("bare queue, same number of timed events", |b| {
        b.iter_batched(|| Pcg64Mcg::seed_from_u64(1), |mut rng| bare_queue(events, &mut rng), BatchSize::SmallInput)
    });
    group.finish();

    let f4 = spec("f4");
    let mut group = c.benchmark_group("simulate-f4");
    default_and_explored(&mut group, "f4", &f4);
    group.finish();

    for architecture in ["active-passive", "active-active"] {
        let architecture = built_in_architecture(architecture).expect("built in");
        let scenario = built_in_of("baseline", &architecture).expect("a baseline").expect("it applies");
        let spec = RunSpec::new(scenario, Options::default(), Profile::default());
        let events = message_events(&spec);
        let mut group = c.benchmark_group(format!("simulate-{}", architecture.name));
        default_and_explored(&mut group, "baseline", &spec);
        group.throughput(Throughput::Elements(events));
        group.bench_function("bare queue, same number of timed events", |b| {
            b.iter_batched(|| Pcg64Mcg::seed_from_u64(1), |mut rng| bare_queue(events, &mut rng), BatchSize::SmallInput)
        });
        group.finish();
    }
}

/// `RUNS` runs of `spec` and of it explored, side by side: runs per second
/// read from the time of each, message events per second from its
/// throughput. Explored runs handle other messages than default ones, so
/// each has its own count of them.
fn default_and_explored(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, spec: &RunSpec) {
    let explored = spec.clone().exploring(true);
    for (spec, explore) in [(spec, ""), (&explored, " --explore")] {
        group.throughput(Throughput::Elements(message_events(spec)));
        group.bench_function(format!("{name} {RUNS} runs{explore}"), |b| {
            let mut sim = Simulator::new();
            b.iter(|| run_all(&mut sim, spec))
        });
    }
}

/// Pushes and pops `events` timed events, keeping a queue about as deep as a
/// simulation's, with the same random delays a message would get.
fn bare_queue(events: u64, rng: &mut Pcg64Mcg) -> u64 {
    let mut queue = EventQueue::default();
    let mut now = 0;
    for i in 0..8u64 {
        queue.push(i, i);
    }
    let mut checksum = 0;
    for _ in 0..events {
        let (time, item) = queue.pop().expect("the queue never empties");
        now = now.max(time);
        checksum ^= item;
        queue.push(now + rng.next_u64() % MILLISECOND, item + 1);
    }
    checksum
}

criterion_group!(benches, simulate);
criterion_main!(benches);
