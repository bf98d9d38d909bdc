//! `--export DIR`: the per-record table (one row per run, record and place
//! reached), the runs and the violations, as CSV for other tools.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::Analysis;
use crate::tables::places_frame;

/// Writes records.csv, runs.csv and violations.csv; returns their paths.
pub fn export(analysis: &Analysis, dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tables = [
        ("records.csv", record_table(analysis)),
        ("runs.csv", Ok(analysis.runs.clone())),
        ("violations.csv", Ok(analysis.violations.clone())),
    ];
    let mut written = Vec::new();
    for (name, frame) in tables {
        let path = dir.join(name);
        let mut frame = frame.map_err(|e| format!("cannot build {name}: {e}"))?;
        write_csv(&mut frame, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// The stage table with the run's seed and scenario and the place's name.
fn record_table(analysis: &Analysis) -> PolarsResult<DataFrame> {
    let Some(stages) = &analysis.stages else {
        polars_bail!(ComputeError: "the stage table was not kept");
    };
    let runs = analysis.runs.clone().lazy().select([col("run"), col("seed"), col("scenario"), col("group")]);
    stages
        .clone()
        .lazy()
        .join(runs, [col("run")], [col("run")], JoinArgs::new(JoinType::Left))
        .join(places_frame()?.lazy(), [col("place")], [col("place")], JoinArgs::new(JoinType::Left))
        .sort(["run", "record", "place"], SortMultipleOptions::default())
        .select([
            col("run"),
            col("seed"),
            col("scenario"),
            col("group"),
            col("record"),
            col("place"),
            col("stage"),
            col("region"),
            col("count"),
            col("first_idx"),
            col("first_time_us"),
        ])
        .collect()
}

fn write_csv(frame: &mut DataFrame, path: &Path) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let mut file = File::create(path).map_err(|e| fail(&e))?;
    CsvWriter::new(&mut file).finish(frame).map_err(|e| fail(&e))
}
