//! Each design variant of MODEL.md section 7 is caught by `wl1 analyze`, with
//! the right property, within a few hundred runs; the same seeds with the
//! variant off do not show those violations.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// (seed, property, record, stage, region) of every violation.
type Violations = BTreeSet<(u64, String, String, String, String)>;

fn drill(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/drills").join(name).to_string_lossy().into_owned()
}

/// Simulates `runs` seeds and returns every violation the analysis exports.
fn violations(scenario: &str, variant: Option<&str>, runs: u32) -> Violations {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let export = dir.path().join("export");
    let mut simulate = Command::new(env!("CARGO_BIN_EXE_wl1"));
    simulate.args(["simulate", "--runs", &runs.to_string(), "--scenario", scenario, "--out"]).arg(&traces);
    if let Some(v) = variant {
        simulate.args(["--variant", v]);
    }
    assert!(simulate.output().unwrap().status.success());
    let analyze =
        Command::new(env!("CARGO_BIN_EXE_wl1")).arg("analyze").arg(&traces).arg("--export").arg(&export).output();
    let code = analyze.unwrap().status.code();
    let table = std::fs::read_to_string(export.join("violations.csv")).unwrap();
    let found = parse(&table);
    assert_eq!(code, Some(if found.is_empty() { 0 } else { 1 }), "exit code agrees with the violations");
    found
}

fn parse(csv: &str) -> Violations {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (seed, property, record, stage, region) = (at("seed"), at("property"), at("record"), at("stage"), at("region"));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[seed].parse().unwrap(), f[property].into(), f[record].into(), f[stage].into(), f[region].into())
        })
        .collect()
}

/// The violations of `property` that the variant adds to the same seeds.
fn caught(variant: &str, scenario: &str, property: &str, runs: u32) -> usize {
    let with = violations(scenario, Some(variant), runs);
    let without = violations(scenario, None, runs);
    let new: Vec<_> = with.difference(&without).filter(|v| v.1 == property).collect();
    assert!(
        without.iter().all(|v| v.1 != property) || property == "eventual-delivery",
        "{scenario} shows {property} even without {variant}"
    );
    let seeds: BTreeSet<u64> = new.iter().map(|v| v.0).collect();
    println!("{variant} under {scenario}: {} new {property} violations in {} of {runs} runs", new.len(), seeds.len());
    seeds.len()
}

#[test]
fn remove_before_store_breaks_safety_and_liveness_under_f2_f3_f4() {
    for scenario in ["f2", "f3", "f4"] {
        assert_eq!(caught("remove-before-store", scenario, "inbound-removed-before-store", 100), 100, "{scenario}");
    }
    assert!(caught("remove-before-store", "f4", "eventual-delivery", 300) > 0);
}

#[test]
fn remove_on_send_failure_loses_records_under_f4() {
    assert!(caught("remove-on-send-failure", "f4", "eventual-delivery", 600) > 0);
}

#[test]
fn non_idempotent_replicas_store_duplicates_under_f4() {
    assert!(caught("non-idempotent", "f4", "duplicate-store", 300) > 0);
}

#[test]
fn lossy_kafka_loses_the_records_of_a_failing_stream() {
    assert!(caught("lossy-kafka", &drill("records-in-a-failing-stream.toml"), "eventual-delivery", 100) > 90);
}

#[test]
fn uniform_failure_leaves_processors_unregistered_under_f2_and_f4() {
    assert_eq!(caught("uniform-failure", "f2", "eventual-delivery", 100), 100);
    assert!(caught("uniform-failure", "f4", "eventual-delivery", 300) > 0);
}

#[test]
fn global_order_fails_in_every_scenario() {
    for scenario in ["baseline", "failover", "f1", "f4"] {
        assert!(caught("global-order", scenario, "global-order", 50) >= 45, "{scenario}");
    }
}
