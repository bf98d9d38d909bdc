//! Every run is counted once: a copied file, overlapping seed ranges, a
//! folder named twice or a summary given beside its own traces add no
//! runs, and the duplicates are reported with both files. No runs, no
//! verdict.

use std::path::{Path, PathBuf};

use wl1_analysis::*;

mod common;

fn only_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1);
    files[0].clone()
}

#[test]
fn a_copied_file_is_counted_once_and_named() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), "baseline", 100, 1000);
    let original = only_file(dir.path());
    let copy = dir.path().join("copy.wl1");
    std::fs::copy(&original, &copy).unwrap();
    let (summary, _) = common::analyze_dir(dir.path());
    assert_eq!(summary.runs(), 100);
    let group = &summary.groups[0];
    assert_eq!(group.duplicate_runs.runs, 100);
    // baseline-*.wl1 sorts before copy.wl1, so it is the one counted.
    let listed = &group.duplicate_runs.listed;
    assert_eq!(listed.len(), 1, "one range: {listed:?}");
    let name = |i: u32| summary.files[i as usize].clone();
    assert_eq!((listed[0].first, listed[0].last), (0, 99));
    assert_eq!(
        (name(listed[0].kept), name(listed[0].again)),
        (original.display().to_string(), copy.display().to_string())
    );
    let text = Report::new(&summary, 20).unwrap().text();
    assert!(text.contains("duplicate runs (each counted once): 100"), "{text}");
    assert!(text.contains(&copy.display().to_string()) && text.contains(&original.display().to_string()), "{text}");
}

#[test]
fn overlapping_seed_ranges_in_one_folder_count_each_seed_once() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), common::FAILING_DRILL, 100, 1000);
    common::simulate_into(dir.path(), common::FAILING_DRILL, 50, 1000);
    let (summary, _) = common::analyze_dir(dir.path());
    assert_eq!(summary.runs(), 100);
    assert_eq!(summary.violating_runs(), 100);
    assert_eq!(summary.duplicate_runs(), 50);
    let link = tempfile::tempdir().unwrap();
    let same_folder = link.path().join("same");
    std::os::unix::fs::symlink(dir.path(), &same_folder).unwrap();
    // The reader finds each real file once, however many paths lead to it:
    // only the overlapping seed ranges are duplicates.
    let (twice, _) = common::analyze_chunked(&[dir.path().to_owned(), same_folder], 1 << 20);
    assert_eq!((twice.runs(), twice.duplicate_runs()), (100, 50));
    let report = Report::new(&twice, 20).unwrap();
    assert_eq!(report.json()["runs"], 100);
}

#[test]
fn a_summary_beside_its_own_traces_counts_them_once() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), "f1", 60, 1000);
    let stored = tempfile::tempdir().unwrap();
    let (summary, _) = common::analyze_dir(dir.path());
    let path = stored.path().join("f1.json");
    summary.write(&path).unwrap();
    let (with_traces, _) = common::analyze_chunked(&[path.clone(), dir.path().to_owned()], 1 << 20);
    assert_eq!((with_traces.runs(), with_traces.duplicate_runs()), (60, 60));
    let copy = stored.path().join("copy.json");
    std::fs::copy(&path, &copy).unwrap();
    let (twice, _) = common::analyze_chunked(&[path.clone(), copy], 1 << 20);
    assert_eq!((twice.runs(), twice.duplicate_runs(), twice.problems.count), (60, 60, 0));

    // A summary that shares only some of its runs cannot be split: it is
    // refused by name, and the rest is still reported.
    let more = tempfile::tempdir().unwrap();
    common::simulate_seeds(more.path(), "f1", 40, 80, 1000);
    let (overlapping, _) = common::analyze_dir(more.path());
    let other = stored.path().join("overlapping.json");
    overlapping.write(&other).unwrap();
    let (refused, _) = common::analyze_chunked(&[path, other, more.path().join("nothing-here")], 1 << 20);
    assert_eq!(refused.runs(), 80, "the larger summary is merged first");
    assert_eq!(refused.problems.count, 2);
    let problem = refused.problems.listed.iter().find(|p| p.contains("f1.json")).expect("f1.json is named");
    assert!(problem.contains("20 of its 60 runs are counted already"), "{problem}");
}

#[test]
fn no_runs_means_no_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, frames) = common::analyze_dir(dir.path());
    assert_eq!((summary.runs(), frames.len()), (0, 0));
    let refused = Report::new(&summary, 20).unwrap_err();
    assert!(refused.contains("no runs") && refused.contains("wl1 simulate"), "{refused}");
}
