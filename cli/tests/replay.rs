//! A violating seed found by `wl1 analyze` replays, through the very command
//! the report prints, to exactly the run stored in the trace.

use std::process::{Command, Output};

fn wl1(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().expect("wl1 runs")
}

#[test]
fn the_printed_reproduce_command_replays_the_stored_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().to_str().unwrap();
    assert!(
        wl1(&["simulate", "--runs", "30", "--seed", "500", "--scenario", "chaos", "--out", traces]).status.success()
    );
    let report = wl1(&["analyze", traces, "--format", "json", "--max-seeds", "3"]);
    assert_eq!(report.status.code(), Some(1), "chaos violates the specification");
    let json: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let first = &json["violating_seeds"][0];
    let command = first["command"].as_str().expect("a reproduce command");
    let args: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(args[..2], ["wl1", "replay"], "{command}");
    let seed = first["seed"].as_u64().unwrap();
    assert!((500..530).contains(&seed));

    let replay = wl1(&args[1..]);
    assert_eq!(replay.status.code(), Some(1), "the replayed run violates the specification");
    let timeline = String::from_utf8_lossy(&replay.stdout);
    let record = first["record"].as_u64().unwrap();
    assert!(timeline.starts_with(&format!("seed {seed} · scenario chaos")), "{timeline}");
    assert!(timeline.contains(&format!("where record {record} is, and why it does not get through")), "{timeline}");
    assert!(timeline.contains(&format!("record {record} ")), "{timeline}");

    let file = args[args.iter().position(|a| *a == "--from").unwrap() + 1];
    let check = wl1(&["replay", "--seed", &seed.to_string(), "--check", file]);
    // Reproduced exactly, and still a run that violates the specification.
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("reproduces the run stored in"));
}

#[test]
fn a_stored_run_the_simulator_does_not_reproduce_is_reported_as_different() {
    let dir = tempfile::tempdir().unwrap();
    assert!(wl1(&["simulate", "--runs", "1", "--seed", "9", "--out", dir.path().to_str().unwrap()]).status.success());
    let file = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let mut run = wl1::trace::TraceFile::open(&file).unwrap().next().unwrap().unwrap();
    run.events[100].time_us += 1;
    let tampered = dir.path().join("tampered.wl1");
    let mut writer = wl1::trace::AtomicTraceFile::create(&tampered, &run.header.spec).unwrap();
    writer.write_run(&run.header, &run.events).unwrap();
    writer.finish().unwrap();

    let check = wl1(&["replay", "--seed", "9", "--check", tampered.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("DIFFERS"));
    let untouched = wl1(&["replay", "--seed", "9", "--check", file.to_str().unwrap()]);
    assert_eq!(untouched.status.code(), Some(0));
    let missing = wl1(&["replay", "--seed", "10", "--check", file.to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("holds no run with seed 10"));
}

/// A whole-batch republish is said in one wording wherever the replay
/// tells it: in the timeline, in the diagnosis's list of republishes and in
/// the history of each violation about a record it published again.
#[test]
fn a_republish_is_told_alike_in_the_timeline_the_diagnosis_and_the_histories_of_its_duplicates() {
    let args = ["replay", "--architecture", "active-active", "--scenario", "chaos", "--seed", "193", "--record", "1"];
    let replay = wl1(&args);
    assert_eq!(replay.status.code(), Some(1), "record 1 is stored twice");
    let text = String::from_utf8_lossy(&replay.stdout);
    let (timeline, diagnosis) = text.split_once("\ndiagnosis:").expect("a diagnosis");
    let words = |lines: &str| lines.split_whitespace().collect::<Vec<_>>().join(" ");
    let told = "batch 1 republished whole from its first record (records 1-5 published before)";
    assert!(
        words(timeline).contains(&format!("31000.040 ms driver -> source PublishBatch(1) · {told} ")),
        "{timeline}"
    );
    let diagnosis = words(diagnosis);
    assert!(
        diagnosis.contains(&format!("whole-batch republish: {told}; each published again is a duplicate")),
        "{diagnosis}"
    );
    let histories: Vec<&str> =
        diagnosis.split(" duplicate-store: ").filter_map(|line| line.strip_prefix("record 1 at ")).collect();
    assert_eq!(histories.len(), 10, "record 1 is stored twice at each replica: {diagnosis}");
    for history in histories {
        assert!(history.ends_with(&format!("; at 31000.039 ms, {told}")), "{history}");
    }
}
