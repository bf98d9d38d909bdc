//! The comparison of architectures: `check --architecture all` runs every
//! built-in architecture with the scenarios named that it has, and its
//! report starts with the verdict and one row per architecture and
//! scenario, each as `check` of that architecture and scenario alone says;
//! `analyze` of the same traces prints the same comparison; the HTML page
//! draws it as a matrix whose cells link to their groups, and renders in
//! headless Chromium without a console message.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{chromium, entries, headless, said, wl1_in};
use wl1::run::{resolve_architecture, scenarios_of};

const RUNS: &str = "4";

/// Every built-in architecture with its built-in scenarios, in order.
fn built_in_pairs() -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for (name, _) in wl1::architecture::BUILT_IN {
        let (architecture, _) = resolve_architecture(name).unwrap();
        pairs.extend(scenarios_of(&architecture).into_iter().map(|s| (name.to_string(), s.name)));
    }
    pairs
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}"))
}

/// `wl1 ARGS` in `dir`, checked sane; its exit code and JSON report.
fn report(dir: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let ran = wl1_in(dir, 300, &[args, &["-f", "json", "-q", "-m", "2"]].concat());
    ran.sane(&args.join(" "));
    (ran.code, json(&ran.stdout))
}

/// `wl1 check ARGS` writing its traces into `dir`/traces, as [`report`];
/// also that folder.
fn check_into(dir: &Path, args: &[&str]) -> (Option<i32>, Value, PathBuf) {
    let out = dir.join("traces");
    let (code, json) = report(dir, &[&["check"][..], args, &["-o", out.to_str().unwrap()]].concat());
    (code, json, out)
}

fn rows(report: &Value) -> &Vec<Value> {
    report["comparison"].as_array().unwrap_or_else(|| panic!("no comparison in {report}"))
}

/// The verdict of a group of a JSON report: STUCK when none of its
/// violating runs completed.
fn expected_verdict(group: &Value) -> &'static str {
    let violating = group["violating_runs"].as_u64().unwrap();
    let properties = group["properties"].as_array().unwrap();
    let unfinished: u64 = properties
        .iter()
        .filter(|p| p["property"].as_str().unwrap().starts_with("run-"))
        .map(|p| p["runs"].as_u64().unwrap())
        .sum();
    match violating {
        0 => "holds",
        _ if unfinished >= violating => "STUCK",
        _ => "VIOLATED",
    }
}

#[test]
fn every_architecture_and_scenario_has_its_row_with_the_verdict_it_has_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("all");
    let (code, all) = report(
        dir.path(),
        &["check", "--architecture", "all", "--scenario", "all", "-n", RUNS, "-o", out.to_str().unwrap()],
    );
    let pairs = built_in_pairs();
    let rows = rows(&all);
    let named: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r["architecture"].as_str().unwrap().into(), r["scenario"].as_str().unwrap().into()))
        .collect();
    assert_eq!(named, pairs, "one row per built-in architecture and its scenarios, in order");
    let keys: Vec<&str> = all.as_object().unwrap().keys().take(2).map(String::as_str).collect();
    assert_eq!(keys, ["verdict", "comparison"], "the verdict first");
    for (i, (row, (architecture, scenario))) in rows.iter().zip(&pairs).enumerate() {
        let alone = dir.path().join(format!("alone-{i}"));
        let args = ["check", "--architecture", architecture, "--scenario", scenario, "-n", RUNS];
        let (single_code, single) = report(dir.path(), &[&args[..], &["-o", alone.to_str().unwrap()]].concat());
        let group = &single["groups"][0];
        assert_eq!(row["runs"], group["runs"], "{architecture} {scenario}");
        assert_eq!(row["violating_runs"], group["violating_runs"], "{architecture} {scenario}");
        assert_eq!(row["main_property"], group["main_property"], "{architecture} {scenario}");
        let verdict = expected_verdict(group);
        assert_eq!(row["verdict"], verdict, "{architecture} {scenario}");
        assert_eq!(single_code, Some(if verdict == "holds" { 0 } else { 1 }), "{architecture} {scenario}");
        let seeds: Vec<u64> =
            single["violating_seeds"].as_array().unwrap().iter().map(|s| s["seed"].as_u64().unwrap()).collect();
        let listed: Vec<u64> = row["violating_seeds"].as_array().unwrap().iter().map(|s| s.as_u64().unwrap()).collect();
        assert_eq!(listed, seeds, "{architecture} {scenario}: the same seeds");
        assert_eq!(row["anchor"], format!("group-{}", i + 1));
        for region in row["latency"].as_array().unwrap() {
            let (p50, p99) = (region["p50_ms"].as_f64().unwrap(), region["p99_ms"].as_f64().unwrap());
            assert!(0.0 < p50 && p50 <= p99, "{architecture} {scenario}: {region}");
        }
        if group["violating_runs"] == 0 {
            assert_eq!(row["last_batch"]["runs"], group["runs"], "every run delivered every record");
        }
    }
    let violated = rows.iter().any(|r| r["verdict"] != "holds");
    assert!(violated, "chaos violates within a few seeds");
    assert_eq!(code, Some(1), "a violation somewhere: exit 1");
}

#[test]
fn the_text_starts_with_the_verdict_and_fits_100_columns_and_exit_0_when_all_hold() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("traces");
    let args =
        ["check", "--architecture", "all", "--scenario", "baseline", "-n", "3", "-q", "-o", out.to_str().unwrap()];
    let ran = wl1_in(dir.path(), 300, &args);
    assert_eq!(ran.sane("check").code, Some(0), "every row holds: exit 0\n{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(lines[0].starts_with("verdict: holds: every one of"), "{}", ran.stdout);
    let heading = |l: &&str| l.split_whitespace().take(3).eq(["architecture", "scenario", "runs"]);
    let heading = lines.iter().position(heading).expect("the rows");
    let with_baseline = built_in_pairs().into_iter().filter(|(_, s)| s == "baseline").count();
    let rows: Vec<&&str> = lines[heading + 1..].iter().take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), with_baseline, "{}", ran.stdout);
    assert!(rows.iter().all(|r| r.split_whitespace().nth(3) == Some("holds")), "{}", ran.stdout);
    assert!(said(&ran.stdout, "last batch p50/p99"), "{}", ran.stdout);
    assert!(lines.iter().all(|l| l.chars().count() <= 100), "{}", ran.stdout);
}

#[test]
fn a_scenario_no_architecture_has_and_all_where_one_is_taken_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("traces");
    let args = ["check", "--architecture", "all", "--scenario", "nosuch", "-n", "2", "-o", out.to_str().unwrap()];
    let ran = wl1_in(dir.path(), 60, &args);
    ran.fails_with("no architecture has it", &["--scenario nosuch: none of the built-in architectures has it"]);
    let ran = wl1_in(dir.path(), 60, &["replay", "--architecture", "all", "--seed", "1"]);
    ran.fails_with("replay takes one", &["--architecture all is for simulate and check"]);
    assert!(!out.exists(), "nothing simulated");
}

#[test]
fn analyze_over_the_traces_compares_as_check_does_and_tells_architectures_apart() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let traces = traces.to_str().unwrap();
    let (_, checked) =
        report(dir.path(), &["check", "--architecture", "all", "--scenario", "f1", "-n", RUNS, "-o", traces]);
    let (_, analyzed) = report(dir.path(), &["analyze", "--compare", traces]);
    assert_eq!(analyzed["comparison"], checked["comparison"], "the same comparison");
    let one = dir.path().join("workload1");
    let one = one.to_str().unwrap();
    let ran = wl1_in(dir.path(), 300, &["simulate", "-s", "f1", "-n", RUNS, "-o", one]);
    assert_eq!(ran.sane("simulate").code, Some(0), "{}", ran.stderr);
    let (_, plain) = report(dir.path(), &["analyze", one]);
    assert!(plain.get("comparison").is_none(), "one architecture, not asked: the plain report");

    let no_validator = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/architectures/no-validator.toml");
    let ran =
        wl1_in(dir.path(), 300, &["simulate", "--architecture", no_validator, "-s", "f1", "-n", RUNS, "-o", traces]);
    assert_eq!(ran.sane("simulate").code, Some(0), "{}", ran.stderr);
    let names = entries(Path::new(traces));
    assert!(names.iter().any(|n| n.starts_with("no-validator-f1-")), "named by architecture: {names:?}");
    assert!(names.iter().any(|n| n.starts_with("f1-")), "{names:?}");
    let (_, both) = report(dir.path(), &["analyze", traces]);
    let architectures: Vec<&str> = rows(&both).iter().map(|r| r["architecture"].as_str().unwrap()).collect();
    let expected: Vec<&str> = wl1::architecture::BUILT_IN.iter().map(|(n, _)| *n).chain(["no-validator"]).collect();
    assert_eq!(architectures, expected, "runs of several architectures are compared, each in its group");
    let groups: Vec<&str> =
        both["groups"].as_array().unwrap().iter().map(|g| g["architecture"].as_str().unwrap()).collect();
    assert_eq!(groups, expected);
}

#[test]
fn the_matrix_links_each_cell_to_its_group_and_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let (page, out) = (dir.path().join("compare.html"), dir.path().join("traces"));
    let args = ["check", "--architecture", "all", "--scenario", "all", "-n", "3", "--html", page.to_str().unwrap()];
    let ran = wl1_in(dir.path(), 300, &[&args[..], &["-q", "-m", "1", "-o", out.to_str().unwrap()]].concat());
    assert_eq!(ran.sane("check").code, Some(1), "{}", ran.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    let matrix = &html[html.find("<table class=\"matrix\">").expect("a matrix")..];
    let matrix = &matrix[..matrix.find("</table>").unwrap()];
    let pairs = built_in_pairs();
    let links: Vec<&str> = matrix.split("href=\"#").skip(1).map(|l| &l[..l.find('"').unwrap()]).collect();
    assert_eq!(links.len(), pairs.len(), "a cell per architecture and scenario");
    for link in &links {
        assert!(html.contains(&format!("id=\"{link}\"")), "{link} leads to a section of the page");
    }
    assert!(
        matrix.contains("<td class=\"VIOLATED\">") && matrix.contains("<td class=\"holds\">"),
        "coloured by verdict"
    );
    let Some(browser) = chromium() else {
        eprintln!("skipped: no chromium on the PATH (`apt-get install -y chromium`; .ci/run installs it)");
        return;
    };
    let (dom, log) = headless(&browser, &page, &["--enable-logging=stderr", "--v=0", "--dump-dom"]);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages:\n{}", console.join("\n"));
    assert!(dom.contains("class=\"matrix\"") && dom.contains("<svg"), "the page did not load:\n{log}");
}

#[test]
fn options_every_row_shares_are_said_once_and_a_safety_property_is_placed_by_its_seed() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--architecture", "all", "-s", "f3", "--variant", "non-idempotent", "-n", "3"];
    let (code, json, out) = check_into(dir.path(), &args);
    assert_eq!(code, Some(1), "f3 stores duplicates when replicas append them");
    let row = rows(&json).iter().find(|r| r["architecture"] == "workload1").expect("workload1 has f3");
    assert_eq!((&row["name"], &row["main_property"]), (&"f3 non-idempotent".into(), &"duplicate-store".into()));
    let seed = json["violating_seeds"].as_array().unwrap().iter().find(|s| s["scenario"] == "f3").unwrap();
    let duplicate = seed["properties"].as_array().unwrap().iter().find(|p| p["property"] == "duplicate-store").unwrap();
    let stage = duplicate["stage"].as_str().unwrap();
    assert!(
        row["stage"].as_str().unwrap().starts_with(stage),
        "{} is where seed {} violates it",
        row["stage"],
        seed["seed"]
    );

    let ran = wl1_in(dir.path(), 120, &["analyze", "--compare", out.to_str().unwrap(), "-q"]);
    let lines: Vec<&str> = ran.sane("analyze").stdout.lines().collect();
    let shared = lines.iter().position(|l| *l == "every row: non-idempotent").expect("said once");
    assert!(lines[shared + 1..].iter().take_while(|l| !l.is_empty()).all(|l| !l.contains("non-idempotent")));
    assert!(lines.iter().any(|l| l.contains("duplicate-store") && l.contains(stage)), "{}", ran.stdout);
}

#[test]
fn runs_that_do_not_complete_are_stuck() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--architecture", "all", "-s", "baseline", "--time-bound-s", "5", "-n", "2"];
    let (code, json, _) = check_into(dir.path(), &args);
    assert_eq!(code, Some(1));
    let row = &rows(&json)[0];
    assert_eq!(row["verdict"], "STUCK", "every run hit the time bound: {row}");
    assert_eq!(expected_verdict(&json["groups"][0]), "STUCK");
    assert_eq!(row["main_property"], "eventual-delivery", "its records are undelivered too");
}

#[test]
fn the_last_batch_is_kept_in_a_summary_and_a_damaged_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let args = ["--architecture", "all", "-s", "f1", "-n", "3", "--summary", summary.to_str().unwrap()];
    let (_, checked, _) = check_into(dir.path(), &args);
    let (_, merged) = report(dir.path(), &["analyze", "--compare", summary.to_str().unwrap()]);
    assert_eq!(merged["comparison"], checked["comparison"], "the summary keeps every figure of the comparison");
    assert_eq!(rows(&merged)[0]["last_batch"]["runs"], 3);

    let mut stored: Value = json(&std::fs::read_to_string(&summary).unwrap());
    // One run more than the group has, its histogram consistent in itself.
    let last_batch = &mut stored["groups"][0]["last_batch"];
    let (count, sum, min) = (
        last_batch["count"].as_u64().unwrap(),
        last_batch["sum"].as_i64().unwrap(),
        last_batch["min"].as_i64().unwrap(),
    );
    last_batch["count"] = (count + 1).into();
    last_batch["sum"] = (sum + min).into();
    let first = last_batch["buckets"][0][1].as_u64().unwrap();
    last_batch["buckets"][0][1] = (first + 1).into();
    let damaged = dir.path().join("damaged.json");
    std::fs::write(&damaged, stored.to_string()).unwrap();
    let ran = wl1_in(dir.path(), 60, &["analyze", damaged.to_str().unwrap()]);
    ran.fails_with("more last batches than runs", &["damaged.json: the summary is damaged", "last batches"]);
}
