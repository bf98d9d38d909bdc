//! `wl1 shrink` on the command line: what it prints and writes, its exit
//! codes, and the command it prints replaying the shrunk drill.

use std::process::{Command, Output};

fn wl1(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().expect("wl1 runs")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn a_stored_violating_run_shrinks_and_its_replay_command_violates_the_same_way() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let traces = traces.to_str().unwrap();
    let simulated = wl1(&["simulate", "-q", "--runs", "1", "--seed", "12", "-s", "chaos", "--out", traces]);
    assert!(simulated.status.success());
    let file = std::fs::read_dir(traces).unwrap().next().unwrap().unwrap().path();
    let out = dir.path().join("small.toml");
    let args = ["shrink", "--from", file.to_str().unwrap(), "--seed", "12", "--out", out.to_str().unwrap()];
    let shrunk = wl1(&[&args[..], &["--format", "json"]].concat());
    assert_eq!(shrunk.status.code(), Some(1), "{}", String::from_utf8_lossy(&shrunk.stderr));
    let report = json(&shrunk);
    assert_eq!(report["violation"]["property"], "eventual-delivery");
    assert_eq!(report["violation"]["why"], "remove-missed");
    assert!(report["after"]["faults"].as_u64().unwrap() < report["before"]["faults"].as_u64().unwrap());
    assert!(std::fs::read_to_string(&out).unwrap().contains("[[step]]"));
    let command = report["replay"].as_str().unwrap();
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words[..2], ["wl1", "replay"]);
    let replay = wl1(&words[1..]);
    assert_eq!(replay.status.code(), Some(1));
    let text = String::from_utf8_lossy(&replay.stdout);
    let place = report["violation"]["place"].as_str().unwrap();
    assert!(text.contains("eventual-delivery    record") && text.contains(place), "{text}");

    let shown = wl1(&args);
    let text = String::from_utf8_lossy(&shown.stdout);
    for row in ["faults", "records", "batches", "steps", "messages", "simulated ms", "replay it:"] {
        assert!(text.contains(row), "{text}");
    }
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
}

#[test]
fn a_budget_that_runs_out_says_so_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.toml");
    let args = ["shrink", "-s", "chaos", "--seed", "0", "--max-candidates", "2", "--format", "json"];
    let shrunk = wl1(&[&args[..], &["--out", out.to_str().unwrap()]].concat());
    assert_eq!(shrunk.status.code(), Some(1));
    let report = json(&shrunk);
    assert_eq!(report["complete"], false);
    assert_eq!(report["stopped"], "the budget of 2 candidates ran out");
    assert!(out.exists());
}

#[test]
fn a_run_that_holds_exits_0_and_bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.toml");
    let holds = wl1(&["shrink", "-s", "baseline", "--seed", "0", "--out", out.to_str().unwrap()]);
    assert_eq!(holds.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&holds.stdout).contains("nothing to shrink"));
    assert!(!out.exists(), "nothing written when nothing was shrunk");
    let record = wl1(&["shrink", "-s", "chaos", "--seed", "0", "--record", "1", "--out", out.to_str().unwrap()]);
    assert_eq!(record.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&record.stderr).contains("--record 1"));
    let budget = wl1(&["shrink", "-s", "chaos", "--seed", "0", "--budget-s", "0"]);
    assert_eq!(budget.status.code(), Some(2));
    let missing = wl1(&["shrink", "--from", "/no/such.wl1", "--seed", "0"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/no/such.wl1"));
}

#[test]
fn check_shrinks_the_first_listed_seeds_and_their_commands_replay_the_drills() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).current_dir(dir.path()).output();
    let args = ["check", "-q", "-s", "chaos", "-n", "10", "--max-seeds", "2", "--shrink", "1", "--format", "json"];
    let checked = run(&args).unwrap();
    assert_eq!(checked.status.code(), Some(1));
    let report = json(&checked);
    let seeds = report["violating_seeds"].as_array().unwrap();
    let shrunk = &seeds[0]["shrunk"];
    assert!(shrunk["messages"].as_u64().unwrap() < 1_000, "{shrunk}");
    assert!(seeds[1]["shrunk"].is_null(), "only the first seed of the group is shrunk");
    assert!(dir.path().join(shrunk["drill"].as_str().unwrap()).is_file());
    let command = shrunk["command"].as_str().unwrap();
    let words: Vec<&str> = command.split_whitespace().collect();
    let replay = run(&words[1..]).unwrap();
    assert_eq!(replay.status.code(), Some(1), "{command}");
    let text = run(&["analyze", "--max-seeds", "1", "--shrink", "1"]).unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("    shrunk to 0 faults, 1 record, 34 messages:") && text.contains(command), "{text}");
}
