//! The trace reader against arbitrary and mutated bytes: it must never panic
//! and never allocate from a forged length; every problem is an error, and
//! no damaged run passes for a good one.
//!
//! CI runs a few thousand cases. For a long campaign, set the duration:
//! `WL1_FUZZ_SECONDS=600 cargo test --release --test fuzz_reader -- --nocapture long_campaign`

#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use wl1::config::Options;
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::built_in;
use wl1::trace::format::decode_file_header;
use wl1::trace::{Run, TraceFile, TraceWriter};

#[global_allocator]
static ALLOC: counting_alloc::Counting = counting_alloc::Counting;

/// A valid trace of two runs of `scenario`.
fn valid_trace(scenario: &str) -> Vec<u8> {
    let spec = RunSpec::new(built_in(scenario).unwrap(), Options::default(), Default::default());
    let mut sim = Simulator::new();
    let mut writer = TraceWriter::new(Vec::new(), &spec.stored).unwrap();
    for seed in 0..2 {
        let header = sim.run(&spec, seed);
        writer.write_run(&header, sim.events()).unwrap();
    }
    writer.finish().unwrap().0
}

/// Reads everything; returns the runs read and the count of errors.
/// Panics only if the reader does.
fn read_runs(bytes: Vec<u8>) -> (Vec<Run>, usize) {
    let Ok(trace) = TraceFile::from_bytes(Path::new("fuzz.wl1"), bytes) else { return (Vec::new(), 1) };
    let mut runs = Vec::new();
    let mut errors = 0;
    for run in trace.take(10_000) {
        match run {
            Ok(run) => runs.push(run),
            Err(e) => {
                assert!(e.to_string().starts_with("fuzz.wl1: at byte "), "{e}");
                errors += 1
            }
        }
    }
    (runs, errors)
}

fn read_all(bytes: Vec<u8>) -> (usize, usize) {
    let (runs, errors) = read_runs(bytes);
    (runs.len(), errors)
}

/// Flips, overwrites, inserts or removes a few bytes.
fn mutate(bytes: &mut Vec<u8>, rng: &mut Pcg64Mcg) {
    for _ in 0..1 + rng.next_u32() % 4 {
        if bytes.is_empty() {
            bytes.push(rng.next_u32() as u8);
            continue;
        }
        let at = rng.next_u32() as usize % bytes.len();
        match rng.next_u32() % 5 {
            0 => bytes[at] ^= 1 << (rng.next_u32() % 8),
            1 => bytes[at] = rng.next_u32() as u8,
            2 => bytes.insert(at, rng.next_u32() as u8),
            3 => {
                bytes.remove(at);
            }
            _ => bytes.truncate(at),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        read_all(bytes);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_header_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = valid_trace("baseline")[..20].to_vec();
        bytes.extend(tail);
        read_all(bytes);
    }

    #[test]
    fn mutated_traces_never_panic_and_lose_at_most_the_damaged_runs(seed in any::<u64>()) {
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let mut bytes = valid_trace("f4");
        mutate(&mut bytes, &mut rng);
        let (runs, errors) = read_all(bytes);
        prop_assert!(runs <= 2);
        prop_assert!(runs == 2 || errors > 0, "a damaged trace read without a word");
    }
}

#[test]
fn a_forged_frame_length_is_refused_without_allocating_it() {
    let valid = valid_trace("baseline");
    let first_frame = decode_file_header(&valid).unwrap().len;
    assert_eq!(valid[first_frame], b'R');
    // Beyond any run, and within the format's bound but beyond the file.
    for (forged, problem) in [(u32::MAX, "beyond any run"), (60 << 20, "truncated: the run needs 62914560 bytes")] {
        let mut bytes = valid.clone();
        bytes[first_frame + 1..first_frame + 5].copy_from_slice(&forged.to_le_bytes());
        let (errors, peak) = counting_alloc::peak_during(|| {
            let trace = TraceFile::from_bytes(Path::new("forged.wl1"), bytes).unwrap();
            trace.filter_map(|r| r.err()).map(|e| e.to_string()).collect::<Vec<_>>()
        });
        assert_eq!(errors.len(), 1);
        assert!(errors[0].contains(problem), "{errors:?}");
        assert!(peak < valid.len() + (64 << 10), "{peak} bytes allocated for a {} byte file", valid.len());
    }
}

/// What the campaign found, case by case.
#[derive(Debug, Default)]
struct Campaign {
    cases: u64,
    damaged: u64,
    detected: u64,
    harmless: u64,
    runs_read: u64,
    most_allocated: usize,
}

impl Campaign {
    /// Reads `bytes`, a mutation of `original`, and checks what the reader
    /// owes: every run it returns is a run of the original, byte for byte,
    /// and no seed twice; damage outside the tool's name (which is only
    /// shown) is reported; memory stays within the file's size and a bound.
    fn case(&mut self, original: &[u8], originals: &[Run], bytes: Vec<u8>) -> bool {
        let len = bytes.len();
        let damaged = outside_tool_name(original, &bytes);
        let ((runs, errors), peak) = counting_alloc::peak_during(|| read_runs(bytes));
        for run in &runs {
            assert!(originals.contains(run), "seed {} read back different from what was written", run.header.seed);
        }
        let mut seeds: Vec<u64> = runs.iter().map(|r| r.header.seed).collect();
        seeds.dedup();
        assert_eq!(seeds.len(), runs.len(), "a run read twice");
        if damaged {
            assert!(errors > 0, "damage went unreported ({} runs read)", runs.len());
        }
        assert!(peak < 2 * len + (1 << 20), "{peak} bytes allocated to read {len}");
        self.cases += 1;
        self.damaged += u64::from(damaged);
        self.detected += u64::from(damaged && errors > 0);
        self.harmless += u64::from(!damaged);
        self.runs_read += runs.len() as u64;
        self.most_allocated = self.most_allocated.max(peak);
        damaged && !runs.is_empty()
    }
}

/// Whether `bytes` differs from `original` anywhere but in the tool's name
/// (a string the reader only shows).
fn outside_tool_name(original: &[u8], bytes: &[u8]) -> bool {
    let tool = 12..12 + u16::from_le_bytes([original[10], original[11]]) as usize;
    bytes.len() != original.len()
        || bytes.iter().zip(original).enumerate().any(|(i, (a, b))| a != b && !tool.contains(&i))
}

/// The long campaign of the closing note; a few seconds unless told otherwise.
#[test]
fn long_campaign() {
    let seconds = std::env::var("WL1_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let originals = [valid_trace("baseline"), valid_trace("f4"), valid_trace("chaos")];
    let runs: Vec<Vec<Run>> = originals.iter().map(|o| read_runs(o.clone()).0).collect();
    let mut rng = Pcg64Mcg::seed_from_u64(0x5eed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut campaign = Campaign::default();
    // Damaged files that still gave runs, to mutate further.
    let mut corpus: Vec<(usize, Vec<u8>)> = (0..originals.len()).map(|i| (i, originals[i].clone())).collect();
    while Instant::now() < deadline {
        for _ in 0..100 {
            let (from, parent) = &corpus[rng.next_u32() as usize % corpus.len()];
            let from = *from;
            let mut bytes = parent.clone();
            mutate(&mut bytes, &mut rng);
            if campaign.case(&originals[from], &runs[from], bytes.clone()) && corpus.len() < 64 {
                corpus.push((from, bytes));
            }
        }
    }
    println!("fuzz campaign, {seconds} s: {campaign:?}; no panic");
    assert!(campaign.cases >= 100 && campaign.damaged > campaign.cases / 2, "{campaign:?}");
    assert_eq!(campaign.detected, campaign.damaged);
}
