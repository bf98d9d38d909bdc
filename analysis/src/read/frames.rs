//! The tables of one chunk, for `--export` and for checking one run:
//! every run, every record and every violation, with readable columns.

use std::sync::Arc;

use polars::prelude::*;
use strum::VariantArray;
use wl1::trace::OutcomeKind;

use crate::check::columns::{RunColumns, name};
use crate::properties::PROPERTIES;
use crate::record::places::Places;
use crate::runs::Group;

/// The runs of a chunk: its groups, numbered in the order met, and its
/// run columns.
#[derive(Clone, Copy)]
pub struct Runs<'a> {
    pub groups: &'a [Arc<Group>],
    pub runs: &'a RunColumns,
}

/// The tables `--export` writes, in the order of [`ChunkFrames::tables`].
pub const TABLES: [&str; 3] = ["runs", "records", "violations"];

/// The tables of one chunk, with readable columns.
pub struct ChunkFrames {
    /// run, seed, group, scenario, file, outcome, end_us, records, trace_events.
    pub runs: DataFrame,
    /// run, seed, record, then per place `P.n` (times reached), `P.idx`
    /// and `P.us` (event index and simulated µs of the first time), then
    /// per stage `S.region` (of the first time); null where not reached.
    pub records: DataFrame,
    /// run, seed, file, property, record, place, stage, region.
    pub violations: DataFrame,
}

impl ChunkFrames {
    /// The tables of a chunk whose first run is number `first_run`.
    pub(crate) fn new(
        first_run: u64,
        chunk: Runs<'_>,
        places: &Places,
        records: &DataFrame,
        violations: &DataFrame,
    ) -> PolarsResult<Self> {
        Ok(ChunkFrames {
            runs: runs(first_run, chunk)?,
            records: record_table(first_run, chunk, places, records)?,
            violations: violation_table(first_run, chunk, places, violations)?,
        })
    }

    pub fn tables(&self) -> [(&'static str, &DataFrame); 3] {
        let [runs, records, violations] = TABLES;
        [(runs, &self.runs), (records, &self.records), (violations, &self.violations)]
    }
}

fn runs(first_run: u64, chunk: Runs<'_>) -> PolarsResult<DataFrame> {
    let r = chunk.runs;
    let group = |i: usize| &chunk.groups[r.group[i] as usize];
    let strings = |f: &dyn Fn(usize) -> String| (0..r.seed.len()).map(f).collect::<Vec<_>>();
    let outcome = |i: usize| OutcomeKind::VARIANTS[r.outcome[i] as usize].name().to_string();
    DataFrame::new(
        r.seed.len(),
        vec![
            Column::new("run".into(), (first_run..first_run + r.seed.len() as u64).collect::<Vec<_>>()),
            Column::new("seed".into(), &r.seed),
            Column::new("group".into(), strings(&|i| group(i).label.clone())),
            Column::new("scenario".into(), strings(&|i| group(i).scenario.clone())),
            Column::new("file".into(), strings(&|i| r.files[i].path.display().to_string())),
            Column::new("outcome".into(), strings(&outcome)),
            Column::new("end_us".into(), &r.end_us),
            Column::new("records".into(), &r.records),
            Column::new("trace_events".into(), &r.events),
        ],
    )
}

/// `first_run` plus the chunk's run numbers in `run`, and their seeds.
fn run_and_seed(first_run: u64, chunk: Runs<'_>, run: &Column) -> PolarsResult<[Column; 2]> {
    let local = run.u32()?;
    let global: Vec<u64> = local.into_no_null_iter().map(|r| first_run + u64::from(r)).collect();
    let seeds: Vec<u64> = local.into_no_null_iter().map(|r| chunk.runs.seed[r as usize]).collect();
    Ok([Column::new("run".into(), global), Column::new("seed".into(), seeds)])
}

fn record_table(first_run: u64, chunk: Runs<'_>, places: &Places, records: &DataFrame) -> PolarsResult<DataFrame> {
    let null_unless_reached = |place: usize, c: String| {
        when(col(name::n(places, place)).gt(lit(0u32))).then(col(c.as_str())).otherwise(lit(NULL)).alias(c)
    };
    let mut columns = vec![col("record")];
    for p in 0..places.len() {
        let (idx, us) = (name::idx(places, p), name::us(places, p));
        columns.extend([col(name::n(places, p)), null_unless_reached(p, idx), null_unless_reached(p, us)]);
    }
    columns.extend((0..places.stages()).map(|k| null_unless_reached(k, name::region(places, k))));
    let mut table = records.clone().lazy().select(columns).collect()?;
    let [run, seed] = run_and_seed(first_run, chunk, records.column("run")?)?;
    table.insert_column(0, run)?;
    table.insert_column(1, seed)?;
    Ok(table)
}

fn violation_table(
    first_run: u64,
    chunk: Runs<'_>,
    places: &Places,
    violations: &DataFrame,
) -> PolarsResult<DataFrame> {
    let local: Vec<usize> = violations.column("run")?.u32()?.into_no_null_iter().map(|r| r as usize).collect();
    let [run, seed] = run_and_seed(first_run, chunk, violations.column("run")?)?;
    let file: Vec<String> = local.iter().map(|&r| chunk.runs.files[r].path.display().to_string()).collect();
    let property = violations.column("property")?.u32()?;
    let property: Vec<&str> = property.into_no_null_iter().map(|p| PROPERTIES[p as usize].as_str()).collect();
    let place = violations.column("place")?.u32()?;
    let stage: Vec<Option<String>> = place.iter().map(|p| p.map(|p| places.name(p as usize).to_string())).collect();
    DataFrame::new(
        local.len(),
        vec![
            run,
            seed,
            Column::new("file".into(), file),
            Column::new("property".into(), property),
            violations.column("record")?.clone(),
            violations.column("place")?.clone(),
            Column::new("stage".into(), stage),
            violations.column("region")?.clone(),
        ],
    )
}
