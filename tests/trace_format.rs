//! The trace format: a versioned fixture that must keep reading the same,
//! and damaged files that must give clear errors without losing good runs.

use std::fs;
use std::path::{Path, PathBuf};

use wl1::config::Options;
use wl1::model::topology::events as w1;
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::built_in;
use wl1::trace::format::{decode_file_header, decode_payload, encode_payload, file_header};
use wl1::trace::{AtomicTraceFile, FORMAT_VERSION, OutcomeKind, TraceFile, read_dir_or_files};

const FIXTURE_V1: &str = "tests/fixtures/format-v1-baseline-seeds-0-2.wl1";
const FIXTURE_V2: &str = "tests/fixtures/format-v2-baseline-seeds-0-2.wl1";
const FIXTURE_V2_EXPLORED: &str = "tests/fixtures/format-v2-explored-baseline-seeds-0-2.wl1";
const FIXTURE_V3: &str = "tests/fixtures/format-v3-baseline-seeds-0-2.wl1";
const FIXTURE_V3_EXPLORED: &str = "tests/fixtures/format-v3-explored-baseline-seeds-0-2.wl1";
const FIXTURE_V4: &str = "tests/fixtures/format-v4-baseline-seeds-0-2.wl1";
const FIXTURE_V4_EXPLORED: &str = "tests/fixtures/format-v4-explored-baseline-seeds-0-2.wl1";
const FIXTURE_V5: &str = "tests/fixtures/format-v5-baseline-seeds-0-2.wl1";
const FIXTURE_V5_EXPLORED: &str = "tests/fixtures/format-v5-explored-baseline-seeds-0-2.wl1";
const FIXTURE_V6: &str = "tests/fixtures/format-v6-baseline-seeds-0-2.wl1";
const FIXTURE_V6_EXPLORED: &str = "tests/fixtures/format-v6-explored-baseline-seeds-0-2.wl1";
const FIXTURE_V7: &str = "tests/fixtures/format-v7-baseline-seeds-0-2.wl1";
const FIXTURE_V7_EXPLORED: &str = "tests/fixtures/format-v7-explored-baseline-seeds-0-2.wl1";

/// The format golden: files written by format version 7, of default and of
/// explored runs, read to the same runs, and each run encodes back to
/// exactly its stored bytes. It pins the format only;
/// `tests/simulation_golden.rs` pins what the simulator produces.
/// `WL1_WRITE_FIXTURE=1` writes them (only while version 7 is unreleased,
/// or for a new format version under new names beside the old ones).
#[test]
fn the_version_7_fixtures_read_and_encode_back_to_the_same_bytes() {
    if std::env::var_os("WL1_WRITE_FIXTURE").is_some() {
        let dir = Path::new("tests/fixtures");
        write_file(dir, "format-v7-baseline-seeds-0-2.wl1", &baseline(), 0..3);
        write_file(dir, "format-v7-explored-baseline-seeds-0-2.wl1", &baseline().exploring(true), 0..3);
    }
    assert_eq!(FORMAT_VERSION, 7, "a new format version needs new fixtures beside these");
    for (fixture, explored) in [(FIXTURE_V7, false), (FIXTURE_V7_EXPLORED, true)] {
        let runs = read_back_byte_for_byte(Path::new(fixture));
        let spec = &runs[0].header.spec;
        assert_eq!((spec.architecture.as_str(), spec.architecture_text.as_str()), ("workload1", ""));
        assert_eq!(spec.coverage_table, wl1::run::coverage_table(), "{fixture}: this build's coverage table");
        assert_eq!((spec.scenario.as_str(), spec.records, spec.drill.as_str()), ("baseline", 50, ""));
        assert_eq!((spec.options.batch_size, spec.profile.inter_region_us), (5, [20_000, 45_000]));
        assert_eq!(spec.explore, explored, "{fixture}");
        assert_eq!(spec.vocabulary, wl1::model::topology::WORKLOAD1.vocabulary(), "{fixture}: Workload1's codes");
        assert_eq!(runs.iter().map(|r| r.header.seed).collect::<Vec<_>>(), [0, 1, 2]);
        for run in &runs {
            assert_eq!(run.header.environment.is_some(), explored, "{fixture}: an environment only if explored");
            assert_ne!(run.header.coverage, 0, "{fixture}: every run records its coverage");
            assert_eq!(run.header.outcome.kind, OutcomeKind::Completed);
            assert_eq!(run.events.iter().filter(|e| e.kind == w1::DESTINATION_RECEIVED).count(), 50);
            assert_eq!(run.events.len(), 1052);
        }
    }
    let explored = read_back_byte_for_byte(Path::new(FIXTURE_V7_EXPLORED));
    let environment = explored[1].header.environment.as_deref().unwrap();
    assert_ne!(environment.profile, explored[1].header.spec.profile, "an explored run draws its own profile");
}

/// Versions 3 to 5 changed the header only (version 3: the spec says its
/// architecture and coverage table; version 4: its vocabulary of event
/// codes, Workload1's those of before; version 5: more fixed events, whose
/// codes Workload1's places leave alone): after it, the runs' frames and the
/// trailer of each fixture are byte for byte those of version 2. (The
/// explored version-2 fixture was written before explored runs drew
/// spread, so its runs differ for that reason.)
#[test]
fn the_version_3_to_5_fixtures_differ_from_version_2_in_the_header_only() {
    let v2 = FIXTURE_V2;
    let old = fs::read(v2).unwrap();
    let (old_header, old_rest) = old.split_at(header_len(&old));
    for newer in [FIXTURE_V3, FIXTURE_V4, FIXTURE_V5] {
        let new = fs::read(newer).unwrap();
        let (new_header, new_rest) = new.split_at(header_len(&new));
        assert_ne!(old_header, new_header, "{newer}: a new header");
        assert!(old_rest == new_rest, "{newer}: the frames and trailer of {v2}");
        assert_eq!(frames(&new).count(), 3);
    }
}

/// Version 6 moved the compact byte's region up one bit (six bits of code,
/// two of region, where version 5 had five and three): Workload1's runs,
/// the same events, take as many bytes as in version 5, and their frames
/// differ from version 5's exactly at the code byte of each event in a
/// region, `code | region << 5` become `code | region << 6` (so the
/// frames' checksums differ too). Its spec is version 7's, whose frames
/// are version 6's (below).
#[test]
fn the_version_6_frames_differ_from_version_5_at_the_code_bytes_of_events_in_a_region() {
    let relaid = |b: u8| (b & 31) | (b >> 5) << 6;
    for (v5, v6, v7) in
        [(FIXTURE_V5, FIXTURE_V6, FIXTURE_V7), (FIXTURE_V5_EXPLORED, FIXTURE_V6_EXPLORED, FIXTURE_V7_EXPLORED)]
    {
        let (old, new) = (fs::read(v5).unwrap(), fs::read(v6).unwrap());
        let spec = TraceFile::open(Path::new(v7)).unwrap().spec().clone();
        assert_eq!(frames(&old).count(), 3);
        for (old, new) in frames(&old).zip(frames(&new)) {
            assert_eq!(old.len(), new.len(), "{v6}: as many bytes as {v5}");
            let differing = old.iter().zip(new).filter(|(o, n)| o != n);
            assert!(differing.clone().all(|(&o, &n)| n == relaid(o)), "{v6}: only code bytes moved");
            let in_a_region = decode_payload(new, &spec).unwrap().events.iter().filter(|e| e.region > 0).count();
            assert!(in_a_region > 0);
            assert_eq!(differing.count(), in_a_region, "{v6}: one byte per event in a region");
        }
    }
    let v7 = fs::read(FIXTURE_V7).unwrap();
    assert_eq!(header_len(&v7), decode_file_header(&v7).unwrap().len, "one header layout");
}

/// Version 7 changed which components an explored run's `fail_random`
/// steps fail (`wl1::scenario::FaultSets`), not the layout: the fixtures,
/// of a scenario without such a step, are version 6's but for the version.
#[test]
fn the_version_7_fixtures_differ_from_version_6_in_the_version_only() {
    for (v6, v7) in [(FIXTURE_V6, FIXTURE_V7), (FIXTURE_V6_EXPLORED, FIXTURE_V7_EXPLORED)] {
        let (old, new) = (fs::read(v6).unwrap(), fs::read(v7).unwrap());
        assert_eq!(old.len(), new.len(), "{v7}");
        let differing: Vec<usize> = (0..old.len()).filter(|&i| old[i] != new[i]).collect();
        assert_eq!(differing, [8], "{v7}: the version's low byte");
        assert_eq!((old[8], new[8]), (6, 7));
    }
}

/// The length of a file header, from its layout: magic, version, the
/// tool's length and name, the spec's length, checksum and bytes.
fn header_len(bytes: &[u8]) -> usize {
    let spec_at = 12 + u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
    spec_at + 8 + u32::from_le_bytes(bytes[spec_at..spec_at + 4].try_into().unwrap()) as usize
}

/// The payloads of a file's frames, from its layout: after the header,
/// `R`, the length, the checksum and the payload, until the trailer.
fn frames(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = header_len(bytes);
    std::iter::from_fn(move || {
        (bytes[at] == b'R').then(|| {
            let len = u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
            at += 9 + len;
            &bytes[at - len..at]
        })
    })
}

/// Every run of `path`, after checking that its header and each of its runs
/// encode back to their stored bytes.
fn read_back_byte_for_byte(path: &Path) -> Vec<wl1::trace::Run> {
    let bytes = fs::read(path).unwrap();
    let header = decode_file_header(&bytes).unwrap();
    assert_eq!(file_header(&header.spec).unwrap(), bytes[..header.len], "the header encodes back to its bytes");
    let mut trace = TraceFile::open(path).unwrap();
    assert!(trace.tool().starts_with("wl1 "));
    let spec = trace.spec().clone();
    let mut runs = Vec::new();
    while let Some(next) = trace.next_payload() {
        let (_, stored) = next.unwrap();
        let run = decode_payload(stored, &spec).unwrap();
        let mut again = Vec::new();
        encode_payload(&run.header, &run.events, &mut again);
        assert!(again == stored, "seed {} does not encode back to its bytes", run.header.seed);
        runs.push(run);
    }
    runs
}

#[test]
fn files_of_versions_1_to_6_are_refused_with_a_message_naming_their_version() {
    let fixtures = [
        (FIXTURE_V1, 1),
        (FIXTURE_V2, 2),
        (FIXTURE_V2_EXPLORED, 2),
        (FIXTURE_V3, 3),
        (FIXTURE_V3_EXPLORED, 3),
        (FIXTURE_V4, 4),
        (FIXTURE_V4_EXPLORED, 4),
        (FIXTURE_V5, 5),
        (FIXTURE_V5_EXPLORED, 5),
        (FIXTURE_V6, 6),
        (FIXTURE_V6_EXPLORED, 6),
    ];
    for (fixture, version) in fixtures {
        let error = TraceFile::open(Path::new(fixture)).err().expect("an older version is refused");
        let message = error.to_string();
        assert!(message.starts_with(&format!("{fixture}: at byte 8")), "{message}");
        assert!(message.contains(&format!("trace format version {version}, this wl1 reads version 7")), "{message}");
        assert!(message.contains("simulate the runs again"), "{message}");
    }
}

fn baseline() -> RunSpec {
    RunSpec::new(built_in("baseline").unwrap(), Options::default(), Default::default())
}

fn good_file(dir: &Path, name: &str, seeds: std::ops::Range<u64>) -> PathBuf {
    write_file(dir, name, &baseline(), seeds)
}

fn write_file(dir: &Path, name: &str, spec: &RunSpec, seeds: std::ops::Range<u64>) -> PathBuf {
    let path = dir.join(name);
    let mut writer = AtomicTraceFile::create(&path, &spec.stored).unwrap();
    let mut sim = Simulator::new();
    for seed in seeds {
        let header = sim.run(spec, seed);
        writer.write_run(&header, sim.events()).unwrap();
    }
    writer.finish().unwrap();
    path
}

fn errors_of(path: &Path) -> (usize, Vec<String>) {
    let (runs, errors) = read_dir_or_files(&[path.to_owned()]);
    (runs.len(), errors.iter().map(|e| e.to_string()).collect())
}

#[test]
fn a_truncated_file_keeps_its_whole_runs_and_says_where_it_was_cut() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_file(dir.path(), "cut.wl1", 0..4);
    let bytes = fs::read(&path).unwrap();
    let mut trace = TraceFile::open(&path).unwrap();
    let run_2 = (0..3).map(|_| trace.next_payload().unwrap().map(|(at, p)| (at, p.len())).unwrap()).last().unwrap();
    fs::write(&path, &bytes[..run_2.0 as usize + run_2.1 / 2]).unwrap();
    let (runs, errors) = errors_of(&path);
    assert_eq!(runs, 2, "the runs before the cut are read");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("cut.wl1") && errors[0].contains("truncated") && errors[0].contains("run 2"),
        "{errors:?}"
    );
}

#[test]
fn a_file_cut_exactly_between_runs_is_still_known_to_be_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_file(dir.path(), "early.wl1", 0..2);
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() - 13]).unwrap();
    let (runs, errors) = errors_of(&path);
    assert_eq!(runs, 2);
    assert!(errors[0].contains("without its trailer"), "{errors:?}");
}

#[test]
fn a_damaged_run_is_skipped_and_the_runs_after_it_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = good_file(dir.path(), "flip.wl1", 0..3);
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    fs::write(&path, &bytes).unwrap();
    let (runs, errors) = errors_of(&path);
    assert_eq!(runs, 2);
    assert!(errors[0].contains("checksum mismatch") && errors[0].contains("run 1"), "{errors:?}");
}

#[test]
fn garbage_a_newer_version_and_a_missing_file_are_named_with_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wl1");
    fs::write(&garbage, b"this is not a trace at all").unwrap();
    assert!(errors_of(&garbage).1[0].contains("garbage.wl1: at byte 0: not a wl1 trace"));

    let newer = good_file(dir.path(), "newer.wl1", 0..1);
    let mut bytes = fs::read(&newer).unwrap();
    bytes[8..10].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    fs::write(&newer, &bytes).unwrap();
    let (runs, errors) = errors_of(&newer);
    assert_eq!(runs, 0);
    assert!(errors[0].contains("newer wl1"), "{errors:?}");

    let (_, errors) = errors_of(&dir.path().join("absent.wl1"));
    assert!(errors[0].contains("absent.wl1") && errors[0].contains("no such file"), "{errors:?}");
}

#[test]
fn good_files_beside_bad_ones_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    good_file(dir.path(), "a.wl1", 0..3);
    good_file(dir.path(), "b.wl1", 3..5);
    fs::write(dir.path().join("c.wl1"), b"WL1TRACE junk").unwrap();
    let (runs, errors) = read_dir_or_files(&[dir.path().to_owned()]);
    assert_eq!(runs.len(), 5);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].path.ends_with("c.wl1"));
}

#[test]
fn an_unfinished_writer_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unfinished.wl1");
    {
        let mut writer = AtomicTraceFile::create(&path, &baseline().stored).unwrap();
        let mut sim = Simulator::new();
        let header = sim.run(&baseline(), 0);
        writer.write_run(&header, sim.events()).unwrap();
    }
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "neither the file nor its temporary remains");
}

/// A sink that takes `room` bytes and then reports a full disk.
struct FullDisk {
    room: usize,
}

impl std::io::Write for FullDisk {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.room == 0 {
            return Err(std::io::Error::from_raw_os_error(28));
        }
        let n = buf.len().min(self.room);
        self.room -= n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_full_disk_is_an_error_at_the_run_that_did_not_fit() {
    use wl1::trace::TraceWriter;
    let mut sim = Simulator::new();
    let mut writer = TraceWriter::new(FullDisk { room: 10_000 }, &baseline().stored).unwrap();
    let mut failed_at = None;
    for seed in 0..10 {
        let header = sim.run(&baseline(), seed);
        if let Err(e) = writer.write_run(&header, sim.events()) {
            assert_eq!(e.raw_os_error(), Some(28), "{e}");
            failed_at = Some(seed);
            break;
        }
    }
    assert_eq!(failed_at, Some(1), "a baseline run takes about 5.5 kB: the second one does not fit");
    assert_eq!(writer.runs(), 1);
    assert!(TraceWriter::new(FullDisk { room: 3 }, &baseline().stored).is_err(), "not even the header fits");
}
