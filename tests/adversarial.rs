//! The red team's cases of issue 11 against the library, one test per
//! numbered defect that the library can show (the command line's cases are
//! in `cli/tests/adversarial.rs`, the randomized campaign in
//! `cli/tests/adversarial_random.rs`). Each comment says what the code
//! before the fix did.

mod common;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use wl1::config::{Options, Profile};
use wl1::run::{RunSpec, SimError, Simulator, simulate};
use wl1::scenario::{Scenario, built_in, parse_drill, to_drill};
use wl1::trace::format::{MAX_DRILL_LEN, MAX_RECORDS, file_header};
use wl1::trace::{AtomicTraceFile, Spec, TraceFile, read_dir_or_files, trace_files};

#[global_allocator]
static ALLOC: counting_alloc::Counting = counting_alloc::Counting;

/// Runs `f` on its own thread; fails the test if it takes longer than
/// `seconds` (the thread is left behind: the test has failed anyway).
fn within<T: Send + 'static>(seconds: u64, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || send.send(f()));
    receive.recv_timeout(Duration::from_secs(seconds)).unwrap_or_else(|_| panic!("did not end within {seconds} s"))
}

fn baseline() -> RunSpec {
    RunSpec::new(built_in("baseline").unwrap(), Options::default(), Profile::default())
}

/// A trace file of `seeds` baseline runs at `path`.
fn trace(path: &Path, seeds: std::ops::Range<u64>) -> PathBuf {
    let mut writer = AtomicTraceFile::create(path, &baseline().stored).unwrap();
    let mut sim = Simulator::new();
    for seed in seeds {
        let header = sim.run(&baseline(), seed);
        writer.write_run(&header, sim.events()).unwrap();
    }
    writer.finish().unwrap();
    path.to_owned()
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// Defect 1. Before: `first + runs_per_file` wrapped near the largest seed, so the
/// second file's seed range came out empty and 500 runs were never
/// simulated, with exit 0.
#[test]
fn defect_01_seeds_near_the_largest_are_all_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = common::plan("baseline", Options::default(), 18_446_744_073_709_550_000, 1500, 2, dir.path());
    plan.runs_per_file = 1000;
    let summary = common::run(&plan);
    assert_eq!(summary.runs, 1500);
    assert_eq!(
        names(dir.path()).iter().map(|n| n.rsplit('-').next().unwrap().to_string()).collect::<Vec<_>>(),
        ["18446744073709550999.wl1", "18446744073709551499.wl1"],
        "each file ends at its last seed"
    );
    assert_eq!(read_dir_or_files(&[dir.path().to_owned()]).0.len(), 1500);
    plan.first_seed = u64::MAX;
    plan.runs = 2;
    assert!(matches!(plan.check(), Err(SimError::Plan(p)) if p.contains("largest seed")));
    plan.runs = 1;
    assert!(plan.check().is_ok(), "the largest seed itself can be simulated");
}

/// Defect 2. Before: both writers of one path used `NAME.wl1.partial`, created with
/// truncation; the second one's start cut the first one's runs, and its
/// removal on drop made the first one's rename fail.
#[test]
fn defect_02_two_writers_of_one_file_never_share_a_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.wl1");
    let mut sim = Simulator::new();
    let mut first = AtomicTraceFile::create(&path, &baseline().stored).unwrap();
    for seed in 0..5 {
        let header = sim.run(&baseline(), seed);
        first.write_run(&header, sim.events()).unwrap();
        if seed == 2 {
            // A second writer of the same file starts and is abandoned.
            let mut second = AtomicTraceFile::create(&path, &baseline().stored).unwrap();
            second.write_run(&header, sim.events()).unwrap();
        }
    }
    first.finish().unwrap();
    assert_eq!(names(dir.path()), ["shared.wl1"], "no temporary file is left");
    let (runs, errors) = read_dir_or_files(&[path]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(runs.iter().map(|r| r.header.seed).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
}

/// Defect 3. Before: `loop -> .` made the walk find one file 41 times (until the
/// path grew too long), two such links made it run for ever, and a link
/// `latest -> run1` counted run1's files twice.
#[test]
fn defect_03_links_to_folders_lead_to_each_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let run1 = dir.path().join("run1");
    fs::create_dir(&run1).unwrap();
    trace(&run1.join("a.wl1"), 0..2);
    std::os::unix::fs::symlink(".", dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(".", run1.join("loop2")).unwrap();
    std::os::unix::fs::symlink(&run1, dir.path().join("latest")).unwrap();
    let given = dir.path().to_owned();
    let (files, errors) = within(30, move || trace_files(&[given]));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(files, [run1.join("a.wl1")], "found once, by its real path");
}

/// Defect 4. Before: one folder given by two paths (or a file by a hard link) was
/// read twice, so its runs were counted twice.
#[test]
fn defect_04_a_file_given_by_two_paths_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let a = trace(&dir.path().join("a.wl1"), 0..3);
    fs::hard_link(&a, dir.path().join("same-file.wl1")).unwrap();
    let paths = [dir.path().to_owned(), dir.path().join("."), a.clone(), dir.path().join("./a.wl1")];
    let (files, errors) = trace_files(&paths);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(read_dir_or_files(&paths).0.len(), 3);
}

/// A drill whose permanent fault makes the model spin at one instant under
/// a zero-latency profile.
fn runaway() -> RunSpec {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let (scenario, drill) =
        wl1::scenario::resolve(dir.join("drills/runaway.toml").to_str().unwrap(), &wl1::model::topology::WORKLOAD1)
            .unwrap();
    let zero = Profile::read(&dir.join("fixtures/zero-latency.toml")).unwrap();
    RunSpec::with_drill(scenario, drill, Options::default(), zero)
}

/// Defect 5. Before: this run spun for ever (14 minutes until SIGKILL), and the
/// cancel flag was looked at only between runs.
#[test]
fn defect_05_a_runaway_run_ends_as_stuck_and_a_raised_flag_ends_any_run() {
    let (header, stalled) = within(120, || {
        let mut sim = Simulator::new();
        let header = sim.run(&runaway(), 3);
        (header, sim.stalled())
    });
    assert!(stalled);
    assert_eq!(header.outcome.kind.name(), "stuck");
    assert_eq!(header.outcome.end_us, 0, "simulated time never advanced");

    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let run = std::thread::spawn(move || Simulator::new().run_cancellable(&runaway(), 3, &flag));
    std::thread::sleep(Duration::from_millis(100));
    cancel.store(true, Ordering::Relaxed);
    let stopped = within(10, move || run.join().unwrap());
    assert!(stopped.is_none(), "a cancelled run is not returned as finished");
}

/// Defect 6. Before: the file name was the scenario's name as written, so a drill
/// named "../escaped" wrote its trace outside `--out`.
#[test]
fn defect_06_trace_files_stay_under_the_output_folder_whatever_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for name in ["../escaped", "/abs", "..", "a/../../b", "..\\x", ""] {
        let mut plan = common::plan("baseline", Options::default(), 0, 2, 1, &out);
        let scenario = Scenario { name: name.into(), ..built_in("baseline").unwrap() };
        plan.spec = RunSpec::new(scenario, Options::default(), Profile::default());
        let file = plan.file_name(0);
        assert_eq!(file.parent(), Some(out.as_path()), "{name:?} gave {file:?}");
        assert!(!file.file_name().unwrap().to_string_lossy().starts_with('.'), "{file:?}");
        common::run(&plan);
    }
    assert_eq!(names(dir.path()), ["out"], "nothing was written beside the output folder");
    assert_eq!(names(&out).len(), 6);
    let e = parse_drill("name = \"../escaped\"\nbatches = 1\n").unwrap_err();
    assert!(e.contains("name = \"../escaped\""), "{e}");
}

/// Defect 7. Before: a drill of 256 MiB made the writer panic ("a run fits in a
/// frame"), and the drill was copied into every run.
#[test]
fn defect_07_an_oversized_drill_is_an_error_and_a_drill_is_stored_once_per_file() {
    let scenario = built_in("f1").unwrap();
    let padded = format!("{}{}", to_drill(&scenario), "# padding\n".repeat(MAX_DRILL_LEN / 10 + 1));
    assert!(parse_drill(&padded).unwrap_err().contains("a drill may take"));
    let spec = RunSpec::with_drill(scenario.clone(), padded, Options::default(), Profile::default());
    let dir = tempfile::tempdir().unwrap();
    let e = AtomicTraceFile::create(&dir.path().join("big.wl1"), &spec.stored).err().expect("refused");
    assert!(e.to_string().contains("drill text"), "{e}");
    assert!(names(dir.path()).is_empty());

    // A drill of 100 kB, 20 runs: the file is about one drill long, not 20.
    let drill = format!("{}{}", to_drill(&scenario), "#".repeat(100_000));
    let spec = RunSpec::with_drill(parse_drill(&drill).unwrap(), drill, Options::default(), Profile::default());
    let mut plan = common::plan("f1", Options::default(), 0, 20, 1, dir.path());
    plan.spec = spec;
    let bytes = common::run(&plan).bytes;
    assert!(bytes < 100_000 + 20 * 20_000, "{bytes} bytes for 20 runs");
}

/// Defect 9. Before: a failed rename left `NAME.wl1.partial` behind, and the error
/// that stopped `simulate` did not say what had been saved.
#[test]
fn defect_09_a_failed_write_leaves_no_temporary_file_and_says_what_was_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut plan = common::plan("baseline", Options::default(), 0, 30, 1, dir.path());
    plan.runs_per_file = 10;
    // The second file's name is taken by a folder that is not empty: its
    // rename fails, after the first file is complete.
    let blocked = plan.file_name(1);
    fs::create_dir(&blocked).unwrap();
    fs::write(blocked.join("keep"), b"x").unwrap();
    let stopped = simulate(&plan, &AtomicBool::new(false), &|_| {}).unwrap_err();
    assert!(stopped.to_string().contains("cannot write"), "{stopped}");
    assert_eq!(stopped.saved.runs, 10);
    assert_eq!(stopped.saved.files, [plan.file_name(0)]);
    let saved = stopped.saved.saved(dir.path());
    assert!(saved.starts_with("10 runs saved in 1 complete files under"), "{saved}");
    assert!(names(dir.path()).iter().all(|n| !n.contains("partial")), "{:?}", names(dir.path()));
}

/// Defect 11. Grouping: runs are pooled only with runs of the same identity. (The
/// format 2 commit already put the drill text and options in the identity;
/// this pins it.)
#[test]
fn defect_11_chaos_settings_and_a_drill_named_like_a_built_in_are_other_groups() {
    let chaos = built_in("chaos").unwrap();
    let mut slower = chaos.clone();
    if let wl1::scenario::Step::Chaos(p) = &mut slower.steps[0] {
        p.faults_per_minute = 1;
    }
    let spec = |s: &Scenario| RunSpec::with_drill(s.clone(), to_drill(s), Options::default(), Profile::default());
    assert_ne!(spec(&chaos).identity(), spec(&slower).identity());
    let drill_baseline = spec(&built_in("baseline").unwrap());
    assert_ne!(drill_baseline.identity(), baseline().identity(), "a drill named baseline is not the built-in");
}

/// Writes `spec` as a file header followed by nothing else.
fn header_only(path: &Path, header: Vec<u8>) {
    let mut bytes = header;
    bytes.extend_from_slice(&wl1::trace::format::trailer(0));
    fs::write(path, bytes).unwrap();
}

/// Defect 12. Before: a spec claiming 100,000,000 records with a valid checksum
/// was believed, and the analysis allocated per record (7 GB, abort).
#[test]
fn defect_12_a_forged_record_count_is_refused_by_the_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forged.wl1");
    // The header of a spec of MAX_RECORDS, then the count raised in place:
    // the spec's bincode is re-encoded with its checksum, as a forger would.
    let honest = Spec { records: MAX_RECORDS, ..(*baseline().stored).clone() };
    header_only(&path, file_header(&honest).unwrap());
    assert!(TraceFile::open(&path).is_ok(), "{MAX_RECORDS} records is what a scenario can have");
    for forged in [MAX_RECORDS + 1, 100_000_000, 4_000_000_000] {
        let spec = Spec { records: forged, ..honest.clone() };
        let bytes = forge_header(&spec);
        header_only(&path, bytes);
        let (opened, peak) = counting_alloc::peak_during(|| TraceFile::open(&path).map(|_| ()));
        let e = opened.unwrap_err().to_string();
        assert!(e.contains(&format!("{forged} records")) && e.contains("damaged"), "{e}");
        assert!(peak < 1 << 20, "{peak} bytes allocated to refuse a forged header");
    }
}

/// A header for `spec` as a forger would write it, past the writer's checks.
fn forge_header(spec: &Spec) -> Vec<u8> {
    let honest = file_header(&Spec { records: 50, ..spec.clone() }).unwrap();
    let encoded = bincode::serde::encode_to_vec(spec, bincode::config::standard()).unwrap();
    let old_len =
        bincode::serde::encode_to_vec(Spec { records: 50, ..spec.clone() }, bincode::config::standard()).unwrap().len();
    let mut bytes = honest[..honest.len() - old_len - 8].to_vec();
    bytes.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&crc32fast::hash(&encoded).to_le_bytes());
    bytes.extend_from_slice(&encoded);
    bytes
}

/// Defect 13. Before: `/dev/zero` was read until memory ran out, a FIFO named
/// `x.wl1` blocked the reader for ever, a 1 GiB junk file was read whole,
/// and `[1, 2, 3]` in a profile was taken as `[1, 2]`.
#[test]
fn defect_13_devices_fifos_and_huge_junk_are_refused_with_bounded_memory() {
    let (opened, peak) = counting_alloc::peak_during(|| TraceFile::open(Path::new("/dev/zero")).map(|_| ()));
    assert!(opened.unwrap_err().to_string().contains("/dev/zero: not a regular file"));
    assert!(peak < 1 << 16, "{peak}");

    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("x.wl1");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    if made {
        let given = dir.path().to_owned();
        let (runs, errors) = within(20, move || read_dir_or_files(&[given]));
        assert!(runs.is_empty());
        assert!(errors[0].to_string().contains("x.wl1: not a regular file"), "{errors:?}");
        fs::remove_file(&fifo).unwrap();
    } else {
        eprintln!("mkfifo is not available here: the FIFO case is skipped");
    }

    // A sparse file of 1 GiB: no disk used, but a reader that reads it
    // whole would allocate 1 GiB.
    let junk = dir.path().join("junk.wl1");
    fs::File::create(&junk).unwrap().set_len(1 << 30).unwrap();
    let ((runs, errors), peak) = counting_alloc::peak_during(|| read_dir_or_files(std::slice::from_ref(&junk)));
    assert!(runs.is_empty() && errors[0].to_string().contains("not a wl1 trace file"), "{errors:?}");
    assert!(peak < 1 << 20, "{peak} bytes allocated to refuse 1 GiB of junk");

    // A header that is valid, then a frame claiming 60 MiB in a small file.
    let mut bytes = file_header(&baseline().stored).unwrap();
    bytes.push(b'R');
    bytes.extend_from_slice(&(60u32 << 20).to_le_bytes());
    bytes.extend_from_slice(&[0; 100]);
    fs::write(&junk, bytes).unwrap();
    let ((_, errors), peak) = counting_alloc::peak_during(|| read_dir_or_files(std::slice::from_ref(&junk)));
    assert!(errors[0].to_string().contains("truncated: the run needs 62914560 bytes"), "{errors:?}");
    assert!(peak < 1 << 20, "{peak} bytes allocated for a frame the file cannot hold");

    let e = Profile::from_toml("intra_region_us = [1, 2, 3]").unwrap_err();
    assert!(e.contains("intra_region_us: expected [min, max], found 3 values"), "{e}");
}
