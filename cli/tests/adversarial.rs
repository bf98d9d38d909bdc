//! The red team's cases of issue 11 through the command line, one test per
//! numbered defect (the library's side is in `tests/adversarial.rs`). Each
//! comment says what the binary before the fix did; `WL1_BIN=path/to/old/wl1
//! cargo test --release -p wl1-cli --test adversarial` shows it.

mod support;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use support::{Ran, entries, forge_spec, repo_file, said, start, wl1_in};

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `analyze --format json` of `paths`: its run count, after checking it ran sanely.
fn analyzed_runs(dir: &Path, paths: &[&str]) -> (Ran, u64) {
    let mut args = vec!["analyze", "--format", "json"];
    args.extend(paths);
    let ran = wl1_in(dir, 120, &args);
    ran.sane("analyze");
    let runs = ran.json_runs();
    (ran, runs)
}

/// Defect 1. Before: exit 0 saying 1000 runs; the 500 seeds past the wrap were
/// never simulated.
#[test]
fn defect_01_every_seed_near_the_largest_is_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let ran =
        wl1_in(dir.path(), 120, &["simulate", "--seed", "18446744073709550000", "--runs", "1500", "--out", s(&out)]);
    assert_eq!(ran.sane("simulate").code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.starts_with("simulated 1,500 runs"), "{}", ran.stdout);
    assert_eq!(analyzed_runs(dir.path(), &[s(&out)]).1, 1500);
    let last = wl1_in(dir.path(), 60, &["simulate", "--seed", "18446744073709551615", "--runs", "1", "--out", s(&out)]);
    assert_eq!(last.sane("the largest seed").code, Some(0), "{}", last.stderr);
}

/// Defect 2. Before: both processes wrote `NAME.wl1.partial`: the second one's
/// start truncated the first one's runs, and its clean-up on SIGTERM
/// removed the file the first one was about to rename.
#[test]
fn defect_02_a_second_writer_of_the_same_file_cannot_damage_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("conc");
    let args = ["simulate", "--runs", "3000", "--runs-per-file", "3000", "--jobs", "1", "--out", s(&out)];
    let first = start(&args, dir.path());
    std::thread::sleep(Duration::from_millis(150));
    let second = start(&args, dir.path());
    std::thread::sleep(Duration::from_millis(300));
    second.signal(libc::SIGTERM);
    second.finish(30);
    let first = first.finish(120);
    assert_eq!(first.sane("first writer").code, Some(0), "{}", first.stderr);
    let (ran, runs) = analyzed_runs(dir.path(), &[s(&out)]);
    assert_eq!((runs, ran.code), (3000, Some(0)), "{}", ran.stderr);
}

/// Defect 3. Before: `loop -> .` gave 41,000 runs from a 1,000-run file, two loops
/// never ended, and `latest -> run1` counted run1 twice.
#[test]
fn defect_03_folder_links_and_loops_count_each_run_once() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let run1 = traces.join("run1");
    assert_eq!(wl1_in(dir.path(), 60, &["simulate", "--runs", "200", "--out", s(&run1)]).code, Some(0));
    std::os::unix::fs::symlink(".", traces.join("loop")).unwrap();
    std::os::unix::fs::symlink("..", run1.join("up")).unwrap();
    std::os::unix::fs::symlink(&run1, traces.join("latest")).unwrap();
    let (ran, runs) = analyzed_runs(dir.path(), &[s(&traces)]);
    assert_eq!((runs, ran.code), (200, Some(0)), "{}", ran.stderr);
}

/// Defect 4. Before: one folder given by two paths (or a hard link to a file) was
/// read twice: "200 of 200 runs" for 100 seeds.
#[test]
fn defect_04_one_file_reached_by_several_paths_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    assert_eq!(wl1_in(dir.path(), 60, &["simulate", "--runs", "100", "--out", s(&traces)]).code, Some(0));
    let file = traces.join(&entries(&traces)[0]);
    fs::hard_link(&file, traces.join("copy-by-link.wl1")).unwrap();
    let dotted = traces.join(".");
    let (ran, runs) = analyzed_runs(dir.path(), &[s(&traces), s(&dotted), s(&file)]);
    assert_eq!((runs, ran.code), (100, Some(0)), "{}", ran.stderr);
}

/// Defect 5. Before: SIGTERM was read only between runs, and this drill's runs
/// never ended (14 minutes, until SIGKILL).
#[test]
fn defect_05_a_runaway_run_is_stopped_as_stuck_and_sigterm_stops_any_run() {
    let dir = tempfile::tempdir().unwrap();
    let (drill, zero) = (repo_file("drills/runaway.toml"), repo_file("fixtures/zero-latency.toml"));
    let common = ["simulate", "--scenario", &drill, "--profile", &zero];
    let ran = wl1_in(
        dir.path(),
        120,
        &[&common[..], &["--runs", "2", "--seed", "7", "--out", s(&dir.path().join("t"))]].concat(),
    );
    assert_eq!(ran.sane("runaway").code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains("0 completed, 2 stuck"), "{}", ran.stdout);
    assert!(said(&ran.stderr, "2 run(s) spun without simulated time advancing") && said(&ran.stderr, "seeds 7, 8"));

    let long = start(&[&common[..], &["--runs", "1000", "--out", s(&dir.path().join("u"))]].concat(), dir.path());
    std::thread::sleep(Duration::from_millis(500));
    let signalled = Instant::now();
    long.signal(libc::SIGTERM);
    let ran = long.finish(30);
    ran.fails_with("SIGTERM inside a run", &["interrupted: 0 runs saved"]);
    assert!(signalled.elapsed() < Duration::from_secs(5), "took {:?} to stop", signalled.elapsed());
}

/// Defect 6. Before: the trace of a drill named "../escaped" was written beside
/// `--out`, not in it.
#[test]
fn defect_06_a_drill_name_cannot_lead_outside_the_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for name in ["../escaped", "/tmp/abs", "a/b"] {
        let drill = dir.path().join("d.toml");
        fs::write(&drill, format!("name = {name:?}\nbatches = 1\n[[step]]\npublish = 1\n")).unwrap();
        wl1_in(dir.path(), 60, &["simulate", "--runs", "2", "--scenario", s(&drill), "--out", s(&out)])
            .fails_with(name, &["d.toml", "name = "]);
    }
    assert_eq!(entries(dir.path()), ["d.toml"], "nothing written anywhere");
}

/// Defect 7. Before: a drill over 256 MiB panicked (exit 101); a 4.4 MB drill gave
/// 88 MB of traces for 20 runs.
#[test]
fn defect_07_an_oversized_drill_is_refused_and_a_drill_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let f1 = fs::read_to_string(repo_file("drills/f1.toml")).unwrap();
    let big = dir.path().join("big.toml");
    fs::write(&big, format!("{f1}{}", "# padding\n".repeat(30_000))).unwrap();
    wl1_in(dir.path(), 60, &["simulate", "--runs", "2", "--scenario", s(&big), "--out", s(&dir.path().join("o"))])
        .fails_with("a 300 kB drill", &["big.toml", "more than 262144 bytes"]);
    let padded = dir.path().join("padded.toml");
    fs::write(&padded, format!("{f1}{}", "# padding\n".repeat(20_000))).unwrap();
    let out = dir.path().join("t");
    let ran = wl1_in(dir.path(), 60, &["simulate", "--runs", "20", "--scenario", s(&padded), "--out", s(&out)]);
    assert_eq!(ran.sane("a 200 kB drill").code, Some(0), "{}", ran.stderr);
    let bytes: u64 = entries(&out).iter().map(|n| fs::metadata(out.join(n)).unwrap().len()).sum();
    assert!(bytes < 200_000 + 20 * 25_000, "{bytes} bytes: the drill is stored more than once");
}

/// Defect 8. Before: `print!` panicked on a failed write (exit 101).
#[test]
fn defect_08_a_failing_standard_output_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("t");
    assert_eq!(wl1_in(dir.path(), 60, &["simulate", "--runs", "5", "--out", s(&traces)]).code, Some(0));
    let full = |args: &[&str]| {
        let status = std::process::Command::new(support::binary())
            .args(args)
            .stdout(fs::OpenOptions::new().write(true).open("/dev/full").unwrap())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let ran = Ran {
            code: status.status.code(),
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&status.stderr).into(),
        };
        ran.fails_with(&args.join(" "), &["cannot write", "No space left on device"]);
    };
    full(&["analyze", s(&traces)]);
    full(&["analyze", "--format", "json", s(&traces)]);
    full(&["replay", "--seed", "3"]);
    full(&["scenarios"]);
    full(&["simulate", "--runs", "3", "--out", s(&traces)]);
}

/// Defect 9. Before: a `.partial` file was left when writing failed, and the error
/// did not say how many runs were saved. A folder in the way of the second
/// file's name makes its rename fail, as a full disk would make a write
/// fail (`adversarial_random.rs` fills a real tmpfs where it can).
#[test]
fn defect_09_a_failed_write_says_what_was_saved_and_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let args = ["simulate", "--runs", "30", "--runs-per-file", "10", "--jobs", "1", "--out", s(&out)];
    assert_eq!(wl1_in(dir.path(), 60, &args).code, Some(0));
    let second = out.join(&entries(&out)[1]);
    fs::remove_file(&second).unwrap();
    fs::create_dir(&second).unwrap();
    fs::write(second.join("keep"), b"x").unwrap();
    let ran = wl1_in(dir.path(), 60, &args);
    let saved = ["cannot write", "Is a directory", "10 runs saved in 1 complete files", "-0-9.wl1)"];
    ran.fails_with("a blocked rename", &saved);
    assert!(entries(&out).iter().all(|n| !n.contains("partial")), "{:?}", entries(&out));
}

/// Defect 10. Scenarios named twice run once; two different drills of one name
/// are refused (already so before this change; pinned here).
#[test]
fn defect_10_a_scenario_named_twice_runs_once_and_two_drills_of_one_name_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let ran =
        wl1_in(dir.path(), 60, &["simulate", "--runs", "4", "--scenario", "f2", "--scenario", "f2", "--out", s(&out)]);
    assert!(ran.sane("f2 twice").stdout.starts_with("simulated 4 runs"), "{}", ran.stdout);
    let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
    fs::write(&a, "name = \"same\"\nbatches = 1\n[[step]]\npublish = 1\n").unwrap();
    fs::write(&b, "name = \"same\"\nbatches = 2\n[[step]]\npublish = 2\n").unwrap();
    wl1_in(dir.path(), 60, &["simulate", "--runs", "2", "--scenario", s(&a), "--scenario", s(&b), "--out", s(&out)])
        .fails_with("two drills named alike", &["two different scenarios are named \"same\""]);
}

/// Defect 11. Runs of `chaos` with different `--chaos-*` settings are two groups,
/// and a drill named `baseline` beside the built-in one is refused
/// (already so before this change; pinned here).
#[test]
fn defect_11_runs_of_different_settings_are_never_pooled() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    for rate in ["6", "24"] {
        let ran = wl1_in(
            dir.path(),
            60,
            &["simulate", "--runs", "3", "--scenario", "chaos", "--chaos-rate", rate, "--out", s(&out)],
        );
        ran.sane("chaos");
    }
    let ran = wl1_in(dir.path(), 60, &["analyze", "--format", "json", s(&out)]);
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["groups"].as_array().map(Vec::len), Some(2), "{}", ran.stdout);
    let drill = dir.path().join("baseline.toml");
    fs::write(&drill, "name = \"baseline\"\nbatches = 2\n[[step]]\npublish = 2\n").unwrap();
    wl1_in(dir.path(), 60, &["simulate", "--runs", "2", "--scenario", "baseline", "--scenario", s(&drill)])
        .fails_with("a drill named baseline", &["two different scenarios are named \"baseline\""]);
}

/// Defect 12. Before: a forged header claiming 100,000,000 records made `analyze`
/// allocate 7 GB and abort (exit 134).
#[test]
fn defect_12_a_forged_record_count_is_named_not_believed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    assert_eq!(wl1_in(dir.path(), 60, &["simulate", "--runs", "3", "--out", s(&out)]).code, Some(0));
    let file = out.join(&entries(&out)[0]);
    let forged = forge_spec(&fs::read(&file).unwrap(), |spec| spec.records = 100_000_000);
    fs::write(&file, forged).unwrap();
    wl1_in(dir.path(), 60, &["analyze", s(&out)]).fails_with("a forged header", &["100000000 records", "damaged"]);
}

/// Defect 13. Before: `/dev/zero` was read until the kernel killed wl1 at 24 GB, a
/// FIFO blocked `analyze` for ever, 1 GiB of junk was read whole, and a
/// profile's `[1, 2, 3]` was taken silently.
#[test]
fn defect_13_devices_fifos_junk_and_long_arrays_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    wl1_in(dir.path(), 20, &["analyze", "/dev/zero"])
        .fails_with("analyze /dev/zero", &["/dev/zero: not a regular file"]);
    wl1_in(dir.path(), 20, &["simulate", "--profile", "/dev/zero", "--out", s(&dir.path().join("o"))])
        .fails_with("--profile /dev/zero", &["--profile /dev/zero: not a regular file"]);
    let traces = dir.path().join("t");
    fs::create_dir(&traces).unwrap();
    if std::process::Command::new("mkfifo").arg(traces.join("x.wl1")).status().is_ok_and(|s| s.success()) {
        wl1_in(dir.path(), 20, &["analyze", s(&traces)]).fails_with("a FIFO", &["x.wl1: not a regular file"]);
        fs::remove_file(traces.join("x.wl1")).unwrap();
    } else {
        eprintln!("mkfifo is not available: the FIFO case is skipped");
    }
    fs::File::create(traces.join("junk.wl1")).unwrap().set_len(1 << 30).unwrap();
    let started = Instant::now();
    wl1_in(dir.path(), 20, &["analyze", s(&traces)]).fails_with("1 GiB of junk", &["junk.wl1", "not a wl1 trace file"]);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}: the junk was read", started.elapsed());
    let profile = dir.path().join("p.toml");
    fs::write(&profile, "[service_us]\nkafka = [1, 2, 3]\n").unwrap();
    wl1_in(dir.path(), 20, &["simulate", "--profile", s(&profile), "--out", s(&dir.path().join("o"))])
        .fails_with("[1, 2, 3]", &["p.toml", "service_us.kafka: expected [min, max], found 3 values"]);
}

/// Defect 14. Before: `replay --from` a damaged file said only "holds no run with
/// seed N"; `--chaos-*` options on a scenario without chaos were ignored.
#[test]
fn defect_14_replay_names_the_damage_and_chaos_options_need_chaos() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    assert_eq!(wl1_in(dir.path(), 60, &["simulate", "--runs", "3", "--out", s(&out)]).code, Some(0));
    let file = out.join(&entries(&out)[0]);
    let mut bytes = fs::read(&file).unwrap();
    let last_run = bytes.len() - 13 - 100;
    bytes[last_run] ^= 0x40;
    fs::write(&file, bytes).unwrap();
    wl1_in(dir.path(), 60, &["replay", "--seed", "2", "--from", s(&file)])
        .fails_with("replay from a damaged file", &["holds no run with seed 2", "checksum mismatch", "run 2"]);
    wl1_in(dir.path(), 60, &["simulate", "--scenario", "baseline", "--chaos-rate", "5", "--out", s(&out)])
        .fails_with("chaos options on baseline", &["--chaos-rate", "--scenario baseline has no chaos step"]);
    for (option, value) in [("--chaos-max-at-once", "4294967295"), ("--chaos-duration-ms", "1,18446744073709551615")] {
        wl1_in(dir.path(), 60, &["simulate", "--scenario", "chaos", option, value, "--out", s(&out)])
            .fails_with("an absurd chaos option", &[option, "must be"]);
    }
}

/// Issue 12: `simulate` says so when its output folder already holds traces
/// of other runs, which `analyze` would read beside the new ones.
#[test]
fn simulate_warns_of_other_runs_in_its_output_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let first = wl1_in(dir.path(), 60, &["simulate", "--runs", "10", "--out", s(&out)]);
    assert!(!first.stderr.contains("warning"), "{}", first.stderr);
    let again = wl1_in(dir.path(), 60, &["simulate", "--runs", "10", "--out", s(&out)]);
    assert!(!again.stderr.contains("warning"), "the same runs again: {}", again.stderr);
    let more = wl1_in(dir.path(), 60, &["simulate", "--runs", "5", "--out", s(&out)]);
    assert_eq!(more.code, Some(0));
    assert!(said(&more.stderr, "warning: ") && said(&more.stderr, "1 trace file(s) of other runs"), "{}", more.stderr);
}
