//! Issue 19, item 16: `analyze FOLDER` reads the summaries in a folder as it
//! reads traces; a JSON report given where a summary is expected says so;
//! `check` takes `--summary` and `--export` as `analyze` does.

mod support;

use std::process::{Command, Output};

fn wl1(args: &[&str]) -> Output {
    Command::new(support::binary()).args(args).output().expect("wl1 runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn analyze_reads_the_summaries_in_a_folder_and_check_writes_summary_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let (traces, summaries, tables) = (dir.path().join("traces"), dir.path().join("summaries"), dir.path().join("t"));
    for (i, seed) in ["0", "500"].iter().enumerate() {
        let summary = summaries.join(format!("part-{i}.json"));
        let args = ["check", "--scenario", "f4", "--runs", "500", "--seed", seed, "--quiet", "--out"];
        let more = [traces.to_str().unwrap(), "--summary", summary.to_str().unwrap()];
        let export = tables.join(i.to_string());
        let out =
            wl1(&[&args[..], &more[..], &["--export", export.to_str().unwrap(), "--export-format", "csv"]].concat());
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(summary.is_file() && export.join("runs.csv").is_file(), "check wrote its summary and tables");
    }
    let folder = wl1(&["analyze", summaries.to_str().unwrap(), "--format", "json"]);
    assert_eq!(folder.status.code(), Some(0), "{}", stderr(&folder));
    let traced = wl1(&["analyze", traces.to_str().unwrap(), "--format", "json"]);
    let runs = |o: &Output| serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()["runs"].clone();
    assert_eq!(runs(&folder), 1000);
    assert_eq!(runs(&folder), runs(&traced));
}

#[test]
fn a_json_report_given_as_a_summary_is_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let out = wl1(&["check", "--runs", "20", "--quiet", "--format", "json", "--out", traces.to_str().unwrap()]);
    let report = dir.path().join("report.json");
    std::fs::write(&report, &out.stdout).unwrap();
    let out = wl1(&["analyze", report.to_str().unwrap(), traces.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        support::said(&stderr(&out), "a JSON report (the output of --format json), not a summary"),
        "{}",
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("20 runs"), "the traces beside it are still read");
}
