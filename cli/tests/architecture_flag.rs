//! `--architecture NAME|FILE.toml` on `simulate`, `check`, `replay` and
//! `scenarios`, and traces that carry their architecture and coverage
//! table.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{entries, forge_spec, said, wl1_in};

fn no_validator() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/architectures/no-validator.toml").to_string()
}

/// Workload1's file, copied as a user would: the same architecture, read
/// from a file.
fn workload1_file(dir: &Path) -> String {
    let text = wl1::architecture::BUILT_IN.iter().find(|(name, _)| *name == "workload1").unwrap().1;
    let path = dir.join("my-workload1.toml");
    fs::write(&path, format!("# my copy\n{text}")).unwrap();
    path.to_string_lossy().into_owned()
}

/// A file of no-validator with an unknown kind, and the line it is on.
fn bad_file(dir: &Path) -> (String, usize) {
    let text = fs::read_to_string(no_validator()).unwrap().replace("kind = \"kafka\"", "kind = \"rabbitmq\"");
    let path = dir.join("bad.toml");
    fs::write(&path, &text).unwrap();
    (path.to_string_lossy().into_owned(), text[..text.find("rabbitmq").unwrap()].matches('\n').count() + 1)
}

/// Every file `dir` holds, by name, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    entries(dir).into_iter().map(|name| (name.clone(), fs::read(dir.join(name)).unwrap())).collect()
}

fn simulate(dir: &Path, out: &Path, more: &[&str]) {
    let out = out.to_str().unwrap();
    let args = [&["simulate", "-n", "3", "--scenario", "f1", "--explore", "--jobs", "2", "--out", out][..], more];
    let ran = wl1_in(dir, 120, &args.concat());
    assert_eq!(ran.sane("simulate").code, Some(0), "{more:?}: {}", ran.stderr);
}

fn trace_of(out: &Path) -> PathBuf {
    let name = entries(out).into_iter().find(|n| n.ends_with(".wl1")).expect("a trace file");
    out.join(name)
}

#[test]
fn the_default_architecture_is_workload1_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let (default, named) = (dir.path().join("default"), dir.path().join("named"));
    simulate(dir.path(), &default, &[]);
    simulate(dir.path(), &named, &["--architecture", "workload1"]);
    let written = files(&default);
    assert_eq!(written.len(), 1);
    assert!(written == files(&named), "the same files, byte for byte");
    let spec = wl1::trace::TraceFile::open(&trace_of(&default)).unwrap().spec().clone();
    assert_eq!((spec.architecture.as_str(), spec.architecture_text.as_str()), ("workload1", ""));

    let check = |more: &[&str]| {
        let args = [&["check", "-n", "2", "--scenario", "f1", "--format", "json", "--out"][..], more].concat();
        let ran = wl1_in(dir.path(), 120, &args);
        ran.sane("check");
        (ran.code, ran.json_runs())
    };
    let (a, b) = (dir.path().join("check-a"), dir.path().join("check-b"));
    let named = check(&[b.to_str().unwrap(), "--architecture", "workload1"]);
    assert_eq!(check(&[a.to_str().unwrap()]), named);
    assert_eq!(named.1, 2);
    assert!(files(&a) == files(&b));
}

#[test]
fn the_help_explains_the_option_and_its_default() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["simulate", "check", "replay", "scenarios"] {
        let help = wl1_in(dir.path(), 30, &[command, "--help"]);
        assert_eq!(help.code, Some(0));
        assert!(said(&help.stdout, "--architecture <NAME|FILE.toml>"), "{command}: {}", help.stdout);
        assert!(said(&help.stdout, "architecture file (.toml)"), "{command}: {}", help.stdout);
        assert!(said(&help.stdout, "[default: workload1]"), "{command}: {}", help.stdout);
    }
}

#[test]
fn scenarios_lists_those_of_the_architecture_named_or_read_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let default = wl1_in(dir.path(), 30, &["scenarios"]);
    assert_eq!(default.code, Some(0));
    assert!(default.stdout.starts_with("scenarios:\n  baseline "), "{}", default.stdout);
    let copy = wl1_in(dir.path(), 30, &["scenarios", "--architecture", &workload1_file(dir.path())]);
    assert_eq!(copy.code, Some(0), "{}", copy.stderr);
    assert_eq!(copy.stdout, default.stdout, "a file of Workload1 has Workload1's scenarios");
    let other = wl1_in(dir.path(), 30, &["scenarios", "--architecture", &no_validator()]);
    assert_eq!(other.code, Some(0), "{}", other.stderr);
    assert!(other.stdout.starts_with("scenarios:\n  baseline "), "{}", other.stdout);
    assert!(!other.stdout.contains("failover"), "failover names validator-db: {}", other.stdout);
    assert!(other.stdout.contains("remove-before-store"), "the variants are listed: {}", other.stdout);
    let unknown = wl1_in(dir.path(), 30, &["scenarios", "--architecture", "workload2"]);
    unknown.fails_with("an unknown name", &["unknown architecture \"workload2\" (did you mean \"workload1\"?)"]);
}

#[test]
fn a_bad_architecture_file_exits_2_with_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let (bad, line) = bad_file(dir.path());
    let out = dir.path().join("traces");
    let told = format!("{bad}:{line}: unknown kind `rabbitmq`");
    for command in [
        &["scenarios"][..],
        &["simulate", "-n", "1", "--out", out.to_str().unwrap()],
        &["check", "-n", "1", "--out", out.to_str().unwrap()],
        &["replay", "--seed", "1"],
    ] {
        let ran = wl1_in(dir.path(), 60, &[command, &["--architecture", &bad]].concat());
        ran.fails_with(&command.join(" "), &[&told]);
    }
    let missing = dir.path().join("absent.toml");
    let ran = wl1_in(dir.path(), 60, &["simulate", "--architecture", missing.to_str().unwrap()]);
    ran.fails_with("a missing file", &[&format!("{}: ", missing.display())]);
    assert!(!out.exists(), "nothing simulated");
}

#[test]
fn replay_from_takes_the_architecture_of_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let (file, out) = (workload1_file(dir.path()), dir.path().join("traces"));
    simulate(dir.path(), &out, &["--architecture", &file]);
    let trace = trace_of(&out);
    let spec = wl1::trace::TraceFile::open(&trace).unwrap().spec().clone();
    assert_eq!(spec.architecture, "workload1");
    assert_eq!(spec.architecture_text, fs::read_to_string(&file).unwrap(), "the trace keeps the file's text");
    fs::remove_file(&file).unwrap();

    let trace = trace.to_str().unwrap();
    let replay = wl1_in(dir.path(), 60, &["replay", "--seed", "1", "--check", trace]);
    assert!(replay.sane("replay --check").stdout.contains("reproduces the run stored in"), "{}", replay.stdout);
    assert!(
        replay.stdout.starts_with("seed 1 · architecture workload1 (from a file) · scenario f1"),
        "{}",
        replay.stdout
    );
    let same = wl1_in(dir.path(), 60, &["replay", "--seed", "1", "--from", trace, "--architecture", "workload1"]);
    assert_eq!(same.sane("the same architecture named").code, replay.code, "{}", same.stderr);
    let other = wl1_in(dir.path(), 60, &["replay", "--seed", "1", "--from", trace, "--architecture", &no_validator()]);
    let contradicts = format!("--architecture {} contradicts the trace {trace}", no_validator());
    other.fails_with("another architecture named", &[&contradicts, "of the architecture \"workload1\""]);
}

#[test]
fn two_architectures_runs_in_one_folder_stay_two_groups() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("traces");
    simulate(dir.path(), &out, &[]);
    simulate(dir.path(), &out, &["--architecture", &workload1_file(dir.path())]);
    assert_eq!(entries(&out).len(), 2, "two files: {:?}", entries(&out));
    let ran = wl1_in(dir.path(), 120, &["analyze", out.to_str().unwrap(), "--format", "json"]);
    ran.sane("analyze");
    let json: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(json["runs"], 6);
    let groups = json["groups"].as_array().unwrap();
    assert_eq!(groups.iter().map(|g| g["runs"].as_u64().unwrap()).collect::<Vec<_>>(), [3, 3], "{}", ran.stdout);
}

#[test]
fn a_trace_of_another_coverage_table_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("traces");
    simulate(dir.path(), &out, &[]);
    let trace = trace_of(&out);
    let forged = forge_spec(&fs::read(&trace).unwrap(), |spec| spec.coverage_table ^= 1);
    fs::write(&trace, forged).unwrap();
    let name = trace.to_str().unwrap();
    let told = "the trace was written by a wl1 with another coverage table";
    let analyzed = wl1_in(dir.path(), 60, &["analyze", out.to_str().unwrap()]);
    analyzed.fails_with("analyze", &[name, told]);
    let replayed = wl1_in(dir.path(), 60, &["replay", "--seed", "0", "--from", name]);
    replayed.fails_with("replay --from", &[&format!("{name}: {told}"), "simulate the runs again"]);
}

/// `--scenario` offers, after Workload1's scenarios, those only the other
/// built-in architectures have, saying whose they are; and they run there.
#[test]
fn scenarios_of_other_built_in_architectures_are_offered_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let help = wl1_in(dir.path(), 60, &["simulate", "--help"]);
    let offered = help.stdout.split("- f5:").nth(1).expect("f5 is offered");
    assert!(offered.split("- all:").next().unwrap().contains("(active-passive, active-active)"), "{}", help.stdout);
    let out = dir.path().join("traces");
    let args = ["simulate", "--architecture", "active-passive", "-s", "f5", "-n", "2", "-o", out.to_str().unwrap()];
    assert_eq!(wl1_in(dir.path(), 60, &args).sane("simulate").code, Some(0));
    let refused = wl1_in(dir.path(), 60, &["simulate", "-s", "f5", "-n", "2", "-o", out.to_str().unwrap()]);
    refused.fails_with("Workload1 has no f5", &["unknown scenario \"f5\""]);
}
