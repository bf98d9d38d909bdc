//! However the runs are cut up (one chunk, many chunks, shards analyzed
//! apart into stored summaries and merged), the report is the same; its
//! percentiles are within the stated precision of the exact ones.

use std::path::{Path, PathBuf};

use wl1_analysis::polars::prelude::*;
use wl1_analysis::*;

mod common;

fn trace_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

fn report(summary: &Summary) -> (String, serde_json::Value) {
    let report = Report::new(summary, 1000).unwrap();
    (report.text(), report.json())
}

#[test]
fn one_chunk_many_chunks_and_merged_shards_give_one_report() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), "chaos", 300, 70);
    let all = [dir.path().to_owned()];
    let (whole, frames) = common::analyze_chunked(&all, usize::MAX);
    assert_eq!(frames.len(), 1, "one chunk");
    let (chunked, frames) = common::analyze_chunked(&all, 1);
    assert_eq!(frames.len(), 300, "one chunk per run");
    assert!(whole.violating_runs() > 0, "chaos runs violate the specification");
    assert_eq!(report(&chunked), report(&whole));
    assert_eq!(chunked, whole, "the summaries themselves are equal");

    let stored = tempfile::tempdir().unwrap();
    let files = trace_files(dir.path());
    let mut summaries = Vec::new();
    for (i, shard) in files.chunks(2).enumerate() {
        let (summary, _) = common::analyze_chunked(shard, 20_000);
        let path = stored.path().join(format!("shard-{i}.json"));
        summary.write(&path).unwrap();
        summaries.push(path);
    }
    summaries.reverse();
    let (merged, _) = common::analyze_chunked(&summaries, 1);
    assert_eq!(report(&merged), report(&whole));
    let (mixed, _) = common::analyze_chunked(&[summaries[0].clone(), summaries[1].clone(), files[0].clone()], 1);
    assert_eq!(mixed.runs(), 20 + 140 + 70, "the last two shards' summaries and the first shard's first file");
}

#[test]
fn percentiles_are_within_the_stated_precision_of_the_exact_ones() {
    let dir = tempfile::tempdir().unwrap();
    common::simulate_into(dir.path(), "f4", 200, 100);
    let (summary, frames) = common::analyze_dir(dir.path());
    let latency = (col("destination-received.us").cast(DataType::Int64) - col("published.us").cast(DataType::Int64))
        .alias("latency");
    let quantiles = [0.5, 0.9, 0.99, 0.999];
    // Each percentile lies between two samples (the lower and the higher
    // of the closest ranks); the precision is relative to the higher.
    let mut aggregations = Vec::new();
    for q in quantiles {
        for (method, name) in [(QuantileMethod::Linear, "exact"), (QuantileMethod::Higher, "higher")] {
            aggregations.push(latency.clone().quantile(lit(q), method).alias(format!("{name} {q}")));
        }
    }
    let exact = common::records(&frames)
        .lazy()
        .filter(col("destination-received.n").gt(lit(0u32)).and(col("published.n").gt(lit(0u32))))
        .group_by([col("destination-received.region")])
        .agg(aggregations)
        .collect()
        .unwrap();
    let figure = |name: String, row: usize| {
        exact.column(&name).unwrap().cast(&DataType::Float64).unwrap().f64().unwrap().get(row).unwrap()
    };
    let regions = exact.column("destination-received.region").unwrap().u32().unwrap();
    for (row, region) in regions.into_no_null_iter().enumerate() {
        let h = &summary.groups[0].latency[&region];
        for q in quantiles {
            let (want, higher) = (figure(format!("exact {q}"), row), figure(format!("higher {q}"), row));
            let got = h.quantile(q).unwrap();
            assert!((got - want).abs() <= higher.abs() * RELATIVE_PRECISION, "region {region} q {q}: {got} vs {want}");
        }
    }
    assert_eq!(exact.height(), summary.groups[0].latency.len());
}
