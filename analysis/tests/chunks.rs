//! The runs are analyzed a chunk at a time: however small the chunks, the
//! report is that of the whole set analyzed at once.

use std::path::Path;

use wl1_analysis::*;

mod common;

fn analyze(dir: &Path, chunk_events: usize) -> Analysis {
    let settings = Settings { chunk_events, keep_stages: true };
    Analysis::with(&[dir.to_owned()], settings, &|_| {}).unwrap()
}

#[test]
fn tiny_chunks_give_the_report_of_one_chunk() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), "chaos", 300, 70);
    let whole = analyze(dir.path(), usize::MAX);
    let chunked = analyze(dir.path(), 3000);
    assert!(whole.violating_runs().unwrap() > 0, "chaos runs violate the specification");
    let report = |a: &Analysis| Report::new(a, 1000).unwrap();
    assert_eq!(report(&chunked).json(), report(&whole).json());
    assert_eq!(report(&chunked).text(), report(&whole).text());
    assert_eq!(chunked.violations, whole.violations);
    assert_eq!(chunked.stages, whole.stages);
    assert_eq!(chunked.measures.delivered, whole.measures.delivered);
}
