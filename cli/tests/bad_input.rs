//! A directory holding a truncated and a garbage file beside a good one:
//! the good runs are analyzed, each bad file is named with what is wrong,
//! and the exit code says an error occurred. No runs: no verdict. Runs met
//! twice: counted once.

#[path = "../../analysis/tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::*;
use wl1::trace::OutcomeKind;

#[test]
fn bad_files_are_named_and_good_runs_still_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    let clean = |seed| (header(seed, 3, OutcomeKind::Completed), clean_events(3));
    write(&dir.path().join("good.wl1"), &[clean(1), clean(2)]);
    let whole = dir.path().join("whole.wl1");
    write(&whole, &[clean(3), clean(4), clean(5)]);
    let bytes = std::fs::read(&whole).unwrap();
    // Cut inside the third run's frame: runs 3 and 4 remain readable.
    std::fs::write(dir.path().join("truncated.wl1"), &bytes[..bytes.len() - 40]).unwrap();
    std::fs::remove_file(&whole).unwrap();
    std::fs::write(dir.path().join("garbage.wl1"), b"this is not a trace at all").unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_wl1")).arg("analyze").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("3 files, 4 runs"), "{stdout}");
    assert!(stdout.contains("every one of 4 runs holds the specification"), "{stdout}");
    let line_of = |name: &str| {
        stderr
            .lines()
            .find(|l| l.starts_with("bad input:") && l.contains(name))
            .unwrap_or_else(|| panic!("{name} not named in:\n{stderr}"))
            .to_string()
    };
    assert!(line_of("truncated.wl1").contains("truncated: the run needs"));
    assert!(line_of("garbage.wl1").contains("not a wl1 trace file"));
    assert!(!stderr.contains("good.wl1"));
    assert!(stderr.contains("error: 2 input problem(s)"));
}

#[test]
fn a_missing_path_is_an_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_wl1")).args(["analyze", "/nonexistent/traces"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/nonexistent/traces: no such file or directory"), "{stderr}");
}

#[test]
fn no_runs_is_an_error_with_a_hint_in_text_and_json_alike() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "json"] {
        let out = Command::new(env!("CARGO_BIN_EXE_wl1"))
            .args(["analyze", dir.path().to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        assert!(stdout.is_empty(), "{format}: no report without runs, got {stdout}");
        assert!(stderr.contains("no runs") && stderr.contains("wl1 simulate"), "{format}: {stderr}");
    }
}

#[test]
fn leftover_traces_of_the_same_runs_are_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    for runs in ["100", "50"] {
        let args = ["simulate", "--scenario", common::FAILING_DRILL, "--runs", runs, "--out", out_dir];
        assert!(Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().unwrap().status.success());
    }
    let out = Command::new(env!("CARGO_BIN_EXE_wl1")).args(["analyze", out_dir]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("2 files, 100 runs"), "{stdout}");
    assert!(stdout.contains("100 of 100 runs violate the specification"), "{stdout}");
    assert!(stdout.contains("duplicate runs (each counted once): 50"), "{stdout}");
}
