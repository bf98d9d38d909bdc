//! A user's own architecture, with no code change: the documented example
//! `docs/architectures/no-validator.toml` (Workload1 without its validator
//! step) runs through `scenarios`, `check` (default and `--explore`),
//! `analyze` with its own stages, `replay`, the HTML page with its
//! components as lanes, and a drill of its own.

mod support;

use std::fs;
use std::path::Path;

use support::{entries, wl1_in};

/// A file of the repository's `docs/architectures/`.
fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/architectures").join(name).to_string_lossy().into_owned()
}

fn no_validator() -> String {
    example("no-validator.toml")
}

/// `wl1 check --architecture no-validator.toml ARGS --format json`, run in
/// `dir`: its exit code and its JSON.
fn check(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let architecture = no_validator();
    let ran = wl1_in(dir, 300, &[&["check", "--architecture", &architecture, "--format", "json"][..], args].concat());
    ran.sane("check");
    let json = serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", ran.stdout, ran.stderr));
    (ran.code, json)
}

fn trace_in(dir: &Path) -> String {
    let name = entries(dir).into_iter().find(|n| n.ends_with(".wl1")).expect("a trace file");
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn its_built_in_scenarios_are_those_whose_components_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let listed = wl1_in(dir.path(), 30, &["scenarios", "--architecture", &no_validator()]);
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    let entries = listed.stdout.lines().skip(1).take_while(|l| !l.is_empty()).filter(|l| !l.starts_with("   "));
    let names: Vec<&str> = entries.map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(names, ["baseline", "f1", "f2", "f3"], "{}", listed.stdout);
    let out = dir.path().join("traces");
    let failover = wl1_in(
        dir.path(),
        30,
        &["check", "--architecture", &no_validator(), "--scenario", "failover", "--out", out.to_str().unwrap()],
    );
    failover.fails_with(
        "failover",
        &["the built-in scenario failover does not apply to architecture \"no-validator\"", "\"validator-db\""],
    );
    assert!(!out.exists(), "nothing simulated");
}

#[test]
fn it_is_simulated_and_analyzed_with_its_own_stages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("default");
    let (code, json) = check(dir.path(), &["--scenario", "all", "-n", "30", "--out", out.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{json}");
    let groups = json["groups"].as_array().unwrap();
    let scenarios: Vec<&str> = groups.iter().map(|g| g["scenario"].as_str().unwrap()).collect();
    assert_eq!(scenarios, ["baseline", "f1", "f2", "f3"]);
    assert_eq!(json["runs"], 120);

    let analyzed = wl1_in(dir.path(), 120, &["analyze", out.to_str().unwrap()]);
    assert_eq!(analyzed.sane("analyze").code, Some(0), "{}", analyzed.stderr);
    let report = &analyzed.stdout;
    for hop in ["receiver-db-stored -> inbound-appended", "outbound-appended -> destination-received"] {
        assert!(report.contains(hop), "the report's hops are the file's: no {hop}\n{report}");
    }
    assert!(!report.contains("validator-"), "no stage or component of Workload1's validators\n{report}");
    let (_, coverage) = report.split_once("pairs reached/in reach: driver").expect("the coverage section");
    let (kinds, _) = coverage.split_once("situations met").unwrap();
    let kinds = kinds.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(kinds.contains("validator "), "its API container that appends to a stream: {kinds}");
    assert!(!kinds.contains("receiver "), "no pair of a kind of machine it lacks: {kinds}");
}

#[test]
fn a_design_variant_is_caught_replayed_and_drawn_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("explored");
    let args =
        ["--scenario", "f3", "--variant", "uniform-failure", "--explore", "-n", "20", "--out", out.to_str().unwrap()];
    let (code, json) = check(dir.path(), &args);
    assert_eq!(code, Some(1), "{json}");
    let group = &json["groups"][0];
    assert!(group["violating_runs"].as_u64().unwrap() > 10, "{group}");
    let seed = json["violating_seeds"][0]["seed"].as_u64().expect("a violating seed listed").to_string();

    let trace = trace_in(&out);
    let replay = wl1_in(dir.path(), 60, &["replay", "--from", &trace, "--seed", &seed]);
    assert_eq!(replay.sane("replay").code, Some(1), "{}", replay.stderr);
    let heading = format!("seed {seed} · architecture no-validator (from a file) · scenario f3");
    assert!(replay.stdout.starts_with(&heading), "{}", replay.stdout);
    assert!(replay.stdout.contains("receiver-db-stored record"), "its stages in the timeline\n{}", replay.stdout);
    assert!(!replay.stdout.contains("validator-"), "{}", replay.stdout);

    let page = dir.path().join("page.html");
    let html = wl1_in(dir.path(), 120, &["analyze", out.to_str().unwrap(), "--html", page.to_str().unwrap()]);
    assert_eq!(html.sane("analyze --html").code, Some(1), "{}", html.stderr);
    let page = fs::read_to_string(page).unwrap();
    for lane in ["receiver-1", "receiver-db", "inbound-2", "processor-db", "outbound-1", "destination"] {
        assert!(page.contains(&format!("\n{lane}\n</text>")), "a lane for {lane}");
    }
    assert!(!page.contains("validator-1"), "no lane of a component it lacks");

    let shrunk = dir.path().join("shrunk.toml");
    let shrink =
        wl1_in(dir.path(), 300, &["shrink", "--from", &trace, "--seed", &seed, "--out", shrunk.to_str().unwrap()]);
    assert_eq!(shrink.sane("shrink").code, Some(1), "{}", shrink.stderr);
    let drill = fs::read_to_string(&shrunk).unwrap();
    assert!(drill.contains("steady = [") && !drill.contains("validator"), "a drill of its components:\n{drill}");
    let checked = dir.path().join("shrunk");
    let (code, json) =
        check(dir.path(), &["--scenario", shrunk.to_str().unwrap(), "-n", "1", "--out", checked.to_str().unwrap()]);
    assert_eq!(code, Some(1), "the shrunk drill still fails: {json}");
}

#[test]
fn a_drill_of_its_own_holds_by_default_and_explored_runs_find_the_stopped_batch() {
    let dir = tempfile::tempdir().unwrap();
    let drill = example("no-validator-receiver-db-down.toml");
    let default = dir.path().join("default");
    let (code, json) = check(dir.path(), &["--scenario", &drill, "-n", "30", "--out", default.to_str().unwrap()]);
    assert_eq!((code, &json["groups"][0]["scenario"]), (Some(0), &"receiver-db-down".into()), "{json}");
    // Explored steps take their time: batch 2's first record can reach a
    // receiver while receiver-db is still failed, and the source stops the
    // batch (a property of the design, as in Workload1's f2).
    let explored = dir.path().join("explored");
    let (code, json) =
        check(dir.path(), &["--scenario", &drill, "--explore", "-n", "30", "--out", explored.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{json}");
    let group = &json["groups"][0];
    assert_eq!(group["main_property"], "eventual-delivery", "{group}");
}
