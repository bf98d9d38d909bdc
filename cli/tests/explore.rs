//! `--explore` on the command line: `simulate` and `check` explore, and
//! `replay` reproduces an explored run from its trace, in the environment
//! the trace recorded.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wl1(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().expect("wl1 runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The one trace file under `dir`.
fn trace_file(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.pop().unwrap()
}

#[test]
fn an_explored_run_replays_from_its_trace_byte_for_byte_and_shows_what_it_drew() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let simulated = wl1(&["simulate", "--explore", "--scenario", "f4", "--runs", "20", "--seed", "100", "--out", out]);
    assert!(simulated.status.success(), "{}", String::from_utf8_lossy(&simulated.stderr));
    let file = trace_file(dir.path());
    let file = file.to_str().unwrap();

    let replay = wl1(&["replay", "--from", file, "--seed", "107", "--check", file]);
    assert_eq!(replay.status.code(), Some(0));
    let text = stdout(&replay);
    assert!(text.contains("byte for byte"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    let drawn = lines.iter().position(|l| l.starts_with("explored: network ")).expect(&text);
    assert!(lines[drawn + 2].starts_with("  a delay of 0-"), "{text}");
    assert!(lines.iter().take_while(|l| !l.contains(" ms  ")).all(|l| l.chars().count() <= 100), "{text}");

    // The same run from the options, without the trace: the seed draws the
    // same environment again.
    let again = wl1(&["replay", "--scenario", "f4", "--explore", "--seed", "107"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let replayed = text.split("\ncheck: ").next().unwrap();
    assert_eq!(stdout(&again).trim_end(), replayed.trim_end());
    let unexplored = wl1(&["replay", "--scenario", "f4", "--seed", "107"]);
    assert!(!stdout(&unexplored).contains("explored:"));
}

/// A stored environment is the one its seed draws, or the file is damaged
/// (issue 19, item 6): a replay does not run in a forged one.
#[test]
fn a_stored_environment_its_seed_does_not_draw_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert!(wl1(&["simulate", "--explore", "--runs", "1", "--seed", "3", "--out", out]).status.success());
    let file = trace_file(dir.path());
    let mut run = wl1::trace::TraceFile::open(&file).unwrap().next().unwrap().unwrap();
    let mut environment = run.header.environment.as_deref().unwrap().clone();
    environment.profile.inter_region_us = [1, 2];
    run.header.environment = Some(std::sync::Arc::new(environment));
    let tampered = dir.path().join("tampered.wl1");
    let mut writer = wl1::trace::AtomicTraceFile::create(&tampered, &run.header.spec).unwrap();
    writer.write_run(&run.header, &run.events).unwrap();
    writer.finish().unwrap();

    let replay = wl1(&["replay", "--seed", "3", "--check", tampered.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&replay.stderr);
    assert_eq!(replay.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("environment its seed does not draw"), "{stderr}");
    assert!(stdout(&replay).is_empty(), "nothing replayed in a forged environment");
}

#[test]
fn check_explores_too_and_the_help_says_what_explore_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let check = wl1(&["check", "--explore", "--runs", "50", "--out", out, "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let run = wl1::trace::TraceFile::open(&trace_file(dir.path())).unwrap().next().unwrap().unwrap();
    assert!(run.header.spec.explore && run.header.environment.is_some());
    let help = stdout(&wl1(&["simulate", "--help"]));
    assert!(help.contains("--explore") && help.contains("Exploring"), "{help}");
}
