//! The command line under bad input and interruption: clear errors, exit
//! code 2, no panic, nothing lost.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use wl1::trace::read_dir_or_files;

fn wl1(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().expect("wl1 runs")
}

fn fails_with(args: &[&str], needles: &[&str]) {
    let out = wl1(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?} panicked: {stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{args:?}: {needle:?} not in {stderr}");
    }
}

#[test]
fn nonsense_options_are_refused_with_what_is_valid() {
    fails_with(&["simulate", "--runs", "0"], &["--runs", "0"]);
    fails_with(&["simulate", "--runs", "99999999999999"], &["--runs"]);
    fails_with(&["simulate", "--jobs", "0"], &["--jobs"]);
    fails_with(&["simulate", "--scenario", "nope"], &["unknown scenario", "baseline", "f4", "chaos", ".toml"]);
    fails_with(&["simulate", "--variant", "nope"], &["unknown variant", "lossy-kafka", "global-order"]);
    fails_with(&["simulate", "--routing", "sideways"], &["alternate", "weighted:W1,W2"]);
    fails_with(&["simulate", "--shard", "3/3"], &["0 <= I < N"]);
    fails_with(&["simulate", "--seed", "18446744073709551615", "--runs", "2"], &["largest seed"]);
    fails_with(&["replay"], &["--seed"]);
}

#[test]
fn bad_profiles_name_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let negative = dir.path().join("negative.toml");
    std::fs::write(&negative, "intra_region_us = [-5, 100]\n").unwrap();
    fails_with(&["simulate", "--profile", negative.to_str().unwrap()], &["negative.toml", "intra_region_us"]);
    let unknown = dir.path().join("unknown.toml");
    std::fs::write(&unknown, "[service_us]\nkafak = [1, 2]\n").unwrap();
    fails_with(&["simulate", "--profile", unknown.to_str().unwrap()], &["unknown.toml", "kafak"]);
    fails_with(&["simulate", "--profile", "/no/such/profile.toml"], &["/no/such/profile.toml"]);
}

#[test]
fn an_output_directory_that_cannot_be_written_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    fails_with(&["simulate", "--runs", "5", "--out", file.to_str().unwrap()], &["cannot write", "a-file"]);
}

#[test]
fn a_trace_of_a_newer_format_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = wl1(&["simulate", "--runs", "3", "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success());
    let file = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[8] = 99;
    std::fs::write(&file, bytes).unwrap();
    fails_with(&["analyze", dir.path().to_str().unwrap()], &[file.file_name().unwrap().to_str().unwrap(), "newer wl1"]);
}

#[test]
fn sigterm_keeps_every_finished_file_and_says_how_many_runs_were_saved() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_wl1"))
        .args(["simulate", "--runs", "100000000", "--runs-per-file", "2000", "--jobs", "2", "--out", out_dir])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_a_trace_file(dir.path());
    let kill = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let saved: u64 = stderr
        .split("interrupted: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of saved runs in {stderr}"));
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| n.ends_with(".wl1")), "a partial file was left: {names:?}");
    let (runs, errors) = read_dir_or_files(&[dir.path().to_owned()]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(runs.len() as u64, saved);
    assert!(saved >= 2000 && saved.is_multiple_of(2000), "only whole files are kept: {saved}");
}

fn wait_for_a_trace_file(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let done = std::fs::read_dir(dir).unwrap().any(|e| e.unwrap().path().extension().is_some_and(|x| x == "wl1"));
        if done {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no trace file appeared within a minute");
}

#[test]
fn a_reader_that_stops_early_does_not_make_wl1_panic() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_wl1"))
        .args(["replay", "--scenario", "f4", "--seed", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("seed 1 · scenario f4"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn damaged_or_foreign_summaries_are_named_and_the_rest_still_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let summary = dir.path().join("summary.json");
    assert!(wl1(&["simulate", "--runs", "20", "--out", traces.to_str().unwrap()]).status.success());
    let out = wl1(&["analyze", traces.to_str().unwrap(), "--summary", summary.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&summary).unwrap();
    let damaged = dir.path().join("damaged.json");
    std::fs::write(&damaged, text.replace("\"undelivered\":{}", "\"undelivered\":{\"99\":{}}")).unwrap();
    let foreign = dir.path().join("foreign.json");
    std::fs::write(&foreign, "{\"format\": \"something else\"}").unwrap();
    let more = dir.path().join("more");
    assert!(wl1(&["simulate", "--seed", "100", "--runs", "5", "--out", more.to_str().unwrap()]).status.success());
    let out = wl1(&["analyze", damaged.to_str().unwrap(), foreign.to_str().unwrap(), more.to_str().unwrap()]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stdout.contains("5 runs"), "the good traces are analyzed: {stdout}");
    assert!(stderr.contains("damaged.json: the summary is damaged: a place out of range"), "{stderr}");
    assert!(stderr.contains("foreign.json: not a readable analysis summary"), "{stderr}");
}

#[test]
fn an_unwritable_summary_or_export_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    assert!(wl1(&["simulate", "--runs", "3", "--out", traces.to_str().unwrap()]).status.success());
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let inside = file.join("summary.json");
    fails_with(
        &["analyze", traces.to_str().unwrap(), "--summary", inside.to_str().unwrap()],
        &["cannot write", "a-file"],
    );
    fails_with(
        &["analyze", traces.to_str().unwrap(), "--export", file.to_str().unwrap()],
        &["cannot create", "a-file"],
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "nothing partial is left: {left:?}");
}
