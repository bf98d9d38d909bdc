//! `--export`: Parquet by default, written chunk by chunk (one row group
//! each) with dictionary-encoded strings, or CSV; complete tables only.

use std::fs::File;
use std::path::Path;

use wl1_analysis::polars::prelude::*;
use wl1_analysis::*;

mod common;

fn export(traces: &Path, dir: &Path, format: ExportFormat) -> Summary {
    let settings = Settings { chunk_bytes: 40_000, ..Settings::default() };
    let mut export = Export::new(dir, format).unwrap();
    let summary = analyze(&[traces.to_owned()], &settings, &|_| {}, Some(&mut export)).unwrap();
    let written = export.finish().unwrap();
    let names: Vec<_> = written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    let extension = if format == ExportFormat::Parquet { "parquet" } else { "csv" };
    assert_eq!(names, ["runs", "records", "violations"].map(|t| format!("{t}.{extension}")));
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 3, "no partial files remain: {left:?}");
    summary
}

#[test]
fn parquet_tables_hold_every_run_record_and_violation_in_row_groups_per_chunk() {
    let traces = tempfile::tempdir().unwrap();
    common::simulate_into(traces.path(), common::FAILING_DRILL, 60, 30);
    let dir = tempfile::tempdir().unwrap();
    let summary = export(traces.path(), dir.path(), ExportFormat::Parquet);
    let read = |table: &str| {
        let mut reader = ParquetReader::new(File::open(dir.path().join(format!("{table}.parquet"))).unwrap());
        let metadata = reader.get_metadata().unwrap().clone();
        (reader.finish().unwrap(), metadata)
    };
    let (runs, metadata) = read("runs");
    assert_eq!(runs.height(), 60);
    assert!(metadata.row_groups.len() > 1, "one row group per chunk");
    let group = runs.schema().index_of("group").unwrap();
    assert!(
        metadata.row_groups.iter().all(|rg| rg.parquet_columns()[group].dictionary_page_offset().is_some()),
        "the group label is dictionary-encoded"
    );
    let (records, _) = read("records");
    let published: u32 = runs.column("records").unwrap().u32().unwrap().sum().unwrap();
    assert_eq!(records.height(), 60 * 150);
    assert_eq!(records.height(), published as usize, "one row per record each run publishes");
    let (violations, _) = read("violations");
    assert_eq!(violations.height() as u64, summary.groups[0].properties[EVENTUAL_DELIVERY].records);
    let seeds = violations.column("seed").unwrap().u64().unwrap();
    assert_eq!(seeds.n_unique().unwrap(), 60, "every run of the drill violates");
}

#[test]
fn csv_tables_hold_the_same_rows() {
    let traces = tempfile::tempdir().unwrap();
    common::simulate_into(traces.path(), common::FAILING_DRILL, 20, 20);
    let dir = tempfile::tempdir().unwrap();
    let summary = export(traces.path(), dir.path(), ExportFormat::Csv);
    let rows =
        |table: &str| std::fs::read_to_string(dir.path().join(format!("{table}.csv"))).unwrap().lines().count() - 1;
    assert_eq!(rows("runs"), 20);
    assert_eq!(rows("records"), 20 * 150, "the drill has three batches of 50");
    assert_eq!(rows("violations") as u64, summary.groups[0].properties[EVENTUAL_DELIVERY].records);
}

#[test]
fn an_export_that_cannot_be_written_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").unwrap();
    let error = Export::new(&file, ExportFormat::Parquet).err().unwrap();
    assert!(error.contains("a-file"), "{error}");
}
