//! Replays that outlive their traces: every violating seed of a summary
//! carries what decides its run, and the replay command of a merged report
//! re-simulates it after the shards' traces are deleted (a chaos run with
//! other `--chaos-*` settings, an explored run, a drill, a design variant).
//! The commands are shell-quoted: a path with a space works, and a file
//! name read from a summary cannot run a command.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn wl1(args: &[&str]) -> Output {
    Command::new(support::binary()).args(args).output().expect("wl1 runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a printed command line with `sh`, `wl1` on the PATH, in `dir`.
fn shell(command: &str, dir: &Path) -> Output {
    let bin = support::binary();
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap());
    Command::new("sh").args(["-c", command]).env("PATH", path).current_dir(dir).output().unwrap()
}

/// `wl1 check ARGS` of 40 runs into `traces`, its summary into `summary`.
fn check(args: &[&str], traces: &Path, summary: &Path) {
    let out = wl1(&[
        &["check", "--runs", "40", "--runs-per-file", "20", "--quiet"][..],
        args,
        &["--out", traces.to_str().unwrap(), "--summary", summary.to_str().unwrap()],
    ]
    .concat());
    assert_eq!(out.status.code(), Some(1), "{args:?} violates the specification: {}", stderr(&out));
}

fn report(inputs: &[&str]) -> (Value, String) {
    let out = wl1(&[&["analyze", "--format", "json", "--max-seeds", "3"][..], inputs].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = wl1(&[&["analyze", "--max-seeds", "3"][..], inputs].concat());
    (serde_json::from_slice(&out.stdout).unwrap(), String::from_utf8_lossy(&text.stdout).into_owned())
}

#[test]
fn every_replay_command_of_a_merged_report_reproduces_its_violation_without_traces() {
    let dir = tempfile::tempdir().unwrap();
    let (traces, summaries) = (dir.path().join("traces"), dir.path().join("summaries"));
    let drill = support::repo_file("drills/f1.toml");
    let runs: [&[&str]; 4] = [
        &["--scenario", "chaos", "--chaos-rate", "30", "--chaos-max-at-once", "5"],
        &["--scenario", "chaos", "--explore"],
        &["--scenario", &drill, "--variant", "remove-before-store"],
        &["--scenario", "f3", "--variant", "non-idempotent", "--batch-size", "2"],
    ];
    for (i, args) in runs.iter().enumerate() {
        check(args, &traces, &summaries.join(format!("{i}.json")));
    }
    std::fs::remove_dir_all(&traces).unwrap();
    let (json, text) = report(&[summaries.to_str().unwrap()]);
    assert_eq!(json["groups"].as_array().unwrap().len(), 4);
    let seeds = json["violating_seeds"].as_array().unwrap();
    let mut groups_replayed = std::collections::BTreeSet::new();
    for seed in seeds {
        let command = seed["command"].as_str().unwrap();
        assert!(seed["spec"].as_str().unwrap().starts_with("wl1spec:"), "{seed}");
        assert!(!command.contains("--from"), "the traces are gone: {command}");
        assert!(support::said(&text.replace("\\\n", ""), command), "the text report shows {command}");
        let out = shell(command, dir.path());
        let printed = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{command}\n{}", stderr(&out));
        let property = seed["property"].as_str().unwrap();
        assert!(printed.contains(property), "{command} does not show {property}:\n{printed}");
        assert!(printed.contains(&format!("seed {}", seed["seed"])), "{printed}");
        groups_replayed.insert(seed["group"].as_str().unwrap().to_string());
    }
    assert_eq!(groups_replayed.len(), 4, "a violation replayed in every group");
    let commands: Vec<&str> = seeds.iter().map(|s| s["command"].as_str().unwrap()).collect();
    let has = |needle: &str| commands.iter().any(|c| c.contains(needle));
    assert!(has("--chaos-rate 30 --chaos-max-at-once 5") && has("--explore") && has("--spec wl1spec:"), "{commands:?}");
    assert!(has("--variant non-idempotent --batch-size 2"), "{commands:?}");
}

#[test]
fn replay_takes_the_chaos_options_and_refuses_them_with_from() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let args = ["simulate", "--scenario", "chaos", "--chaos-rate", "40", "--runs", "3", "--quiet", "--out"];
    assert!(wl1(&[&args[..], &[traces.to_str().unwrap()]].concat()).status.success());
    let file = std::fs::read_dir(&traces).unwrap().next().unwrap().unwrap().path();
    let stored = wl1(&["replay", "--seed", "1", "--check", file.to_str().unwrap()]);
    assert_eq!(stored.status.code().map(|c| c < 2), Some(true), "{}", stderr(&stored));
    let resimulated = wl1(&["replay", "--seed", "1", "--scenario", "chaos", "--chaos-rate", "40"]);
    let first = |o: &Output| String::from_utf8_lossy(&o.stdout).lines().take(20).collect::<Vec<_>>().join("\n");
    assert_eq!(first(&resimulated), first(&stored), "--chaos-rate replays the run --from replays");
    for option in
        [&["--chaos-rate", "40"][..], &["--explore"], &["--spec", "wl1spec:00"], &["--variant", "lossy-kafka"]]
    {
        let out = wl1(&[&["replay", "--seed", "1", "--from", file.to_str().unwrap()][..], option].concat());
        assert_eq!(out.status.code(), Some(2), "--from with {option:?}");
        assert!(stderr(&out).contains("cannot be used with"), "{}", stderr(&out));
    }
}

#[test]
fn a_replay_command_quotes_a_path_with_a_space() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("with space");
    let drill = support::repo_file("drills/f1.toml");
    let args = ["simulate", "--scenario", &drill, "--variant", "remove-before-store", "--runs", "20", "--quiet"];
    assert!(wl1(&[&args[..], &["--out", traces.to_str().unwrap()]].concat()).status.success());
    let (json, _) = report(&[traces.to_str().unwrap()]);
    let command = json["violating_seeds"][0]["command"].as_str().unwrap();
    assert!(command.contains("--from '"), "a trace is replayed from its file while it is there: {command}");
    let out = shell(command, dir.path());
    assert_eq!(out.status.code(), Some(1), "{command}\n{}", stderr(&out));
}

#[test]
fn a_file_name_read_from_a_summary_cannot_inject_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let summary = dir.path().join("summary.json");
    let drill = support::repo_file("drills/f1.toml");
    check(&["--scenario", &drill, "--variant", "remove-before-store"], &traces, &summary);
    let mut forged: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    let files = forged["files"].as_array_mut().unwrap();
    for file in files.iter_mut() {
        *file = Value::from("x$(touch injected);touch injected2;'`touch injected3`'.wl1");
    }
    for group in forged["groups"].as_array_mut().unwrap() {
        group["spec"] = Value::from("");
    }
    std::fs::write(&summary, forged.to_string()).unwrap();
    let (json, _) = report(&[summary.to_str().unwrap()]);
    let command = json["violating_seeds"][0]["command"].as_str().unwrap();
    let out = shell(command, dir.path());
    assert_eq!(out.status.code(), Some(2), "the file does not exist: {command}");
    for name in ["injected", "injected2", "injected3"] {
        assert!(!dir.path().join(name).exists(), "{command} ran a command");
    }
    assert!(support::said(&stderr(&out), "x$(touch injected)"), "the name is read as it is: {}", stderr(&out));
}
