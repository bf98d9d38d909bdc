//! The trace reader against arbitrary and mutated bytes: it must never panic
//! and never allocate from a forged length; every problem is an error.
//!
//! CI runs a few thousand cases. For a long campaign, set the duration:
//! `WL1_FUZZ_SECONDS=600 cargo test --release --test fuzz_reader -- --nocapture long_campaign`

use std::path::Path;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use wl1::config::Options;
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::built_in;
use wl1::trace::{TraceFile, TraceWriter};

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

/// Reads everything; returns (runs, errors). Panics only if the reader does.
fn read_all(bytes: Vec<u8>) -> (usize, usize) {
    let Ok(trace) = TraceFile::from_bytes(Path::new("fuzz.wl1"), bytes) else { return (0, 1) };
    let mut counts = (0, 0);
    for run in trace.take(10_000) {
        match run {
            Ok(_) => counts.0 += 1,
            Err(e) => {
                assert!(e.to_string().starts_with("fuzz.wl1: at byte "), "{e}");
                counts.1 += 1
            }
        }
    }
    counts
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
    let mut bytes = valid_trace("baseline");
    let first_frame = wl1::trace::format::decode_file_header(&bytes).unwrap().len;
    assert_eq!(bytes[first_frame], b'R');
    bytes[first_frame + 1..first_frame + 5].copy_from_slice(&u32::MAX.to_le_bytes());
    let errors: Vec<String> = TraceFile::from_bytes(Path::new("forged.wl1"), bytes)
        .unwrap()
        .filter_map(|r| r.err())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("beyond any run"), "{errors:?}");
}

/// The long campaign of the closing note; a few seconds unless told otherwise.
#[test]
fn long_campaign() {
    let seconds = std::env::var("WL1_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let originals = [valid_trace("baseline"), valid_trace("f4"), valid_trace("chaos")];
    let mut rng = Pcg64Mcg::seed_from_u64(0x5eed);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut executions = 0u64;
    let mut corpus: Vec<Vec<u8>> = originals.to_vec();
    while Instant::now() < deadline {
        for _ in 0..100 {
            let parent = &corpus[rng.next_u32() as usize % corpus.len()];
            let mut bytes = parent.clone();
            mutate(&mut bytes, &mut rng);
            let (runs, errors) = read_all(bytes.clone());
            if errors > 0 && runs > 0 && corpus.len() < 64 {
                corpus.push(bytes);
            }
            executions += 1;
        }
    }
    println!("fuzz campaign: {executions} executions in {seconds} s, no panic");
    assert!(executions > 0);
}
