//! `--export DIR`: every run, every record and every violation as tables
//! for other tools: `runs`, `records` and `violations`, in Parquet (strings
//! dictionary-encoded, one row group per chunk) or CSV. Written a chunk at
//! a time, so that memory stays bounded, under temporary names of their
//! own; published all three together once every table is complete, or
//! none of them.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::atomic::{self, Partial};

use polars::io::csv::write::BatchedWriter as CsvBatches;
use polars::io::parquet::write::BatchedWriter as ParquetBatches;
use polars::prelude::*;
use strum::VariantArray;
use wl1::trace::OutcomeKind;

use crate::Sink;
use crate::chunk::Chunk;
use crate::columns::name;
use crate::places::{PLACES, STAGES, place_name};
use crate::spec::PROPERTIES;

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
        chunk: &Chunk,
        records: &DataFrame,
        violations: &DataFrame,
    ) -> PolarsResult<Self> {
        Ok(ChunkFrames {
            runs: runs(first_run, chunk)?,
            records: record_table(first_run, chunk, records)?,
            violations: violation_table(first_run, chunk, violations)?,
        })
    }

    fn tables(&self) -> [(&'static str, &DataFrame); 3] {
        let [runs, records, violations] = TABLES;
        [(runs, &self.runs), (records, &self.records), (violations, &self.violations)]
    }
}

fn runs(first_run: u64, chunk: &Chunk) -> PolarsResult<DataFrame> {
    let r = &chunk.runs;
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
fn run_and_seed(first_run: u64, chunk: &Chunk, run: &Column) -> PolarsResult<[Column; 2]> {
    let local = run.u32()?;
    let global: Vec<u64> = local.into_no_null_iter().map(|r| first_run + u64::from(r)).collect();
    let seeds: Vec<u64> = local.into_no_null_iter().map(|r| chunk.runs.seed[r as usize]).collect();
    Ok([Column::new("run".into(), global), Column::new("seed".into(), seeds)])
}

fn record_table(first_run: u64, chunk: &Chunk, records: &DataFrame) -> PolarsResult<DataFrame> {
    let null_unless_reached = |place: usize, c: String| {
        when(col(name::n(place)).gt(lit(0u32))).then(col(c.as_str())).otherwise(lit(NULL)).alias(c)
    };
    let mut columns = vec![col("record")];
    for p in 0..PLACES {
        columns.extend([col(name::n(p)), null_unless_reached(p, name::idx(p)), null_unless_reached(p, name::us(p))]);
    }
    columns.extend((0..STAGES).map(|k| null_unless_reached(k, name::region(k))));
    let mut table = records.clone().lazy().select(columns).collect()?;
    let [run, seed] = run_and_seed(first_run, chunk, records.column("run")?)?;
    table.insert_column(0, run)?;
    table.insert_column(1, seed)?;
    Ok(table)
}

fn violation_table(first_run: u64, chunk: &Chunk, violations: &DataFrame) -> PolarsResult<DataFrame> {
    let local: Vec<usize> = violations.column("run")?.u32()?.into_no_null_iter().map(|r| r as usize).collect();
    let [run, seed] = run_and_seed(first_run, chunk, violations.column("run")?)?;
    let file: Vec<String> = local.iter().map(|&r| chunk.runs.files[r].path.display().to_string()).collect();
    let property = violations.column("property")?.u32()?;
    let property: Vec<&str> = property.into_no_null_iter().map(|p| PROPERTIES[p as usize].as_str()).collect();
    let place = violations.column("place")?.u32()?;
    let stage: Vec<Option<String>> = place.iter().map(|p| p.map(|p| place_name(p as usize))).collect();
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

/// The file formats of `--export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Parquet,
    Csv,
}

impl ExportFormat {
    fn extension(self) -> &'static str {
        match self {
            ExportFormat::Parquet => "parquet",
            ExportFormat::Csv => "csv",
        }
    }
}

const TABLES: [&str; 3] = ["runs", "records", "violations"];

/// The names of the files `--export` writes in its folder.
pub fn table_names(format: ExportFormat) -> [String; 3] {
    TABLES.map(|table| format!("{table}.{}", format.extension()))
}

enum TableWriter {
    Parquet(Box<ParquetBatches<File>>),
    Csv(CsvBatches<File>),
}

impl TableWriter {
    fn create(file: File, format: ExportFormat, schema: &Schema) -> PolarsResult<TableWriter> {
        Ok(match format {
            ExportFormat::Parquet => TableWriter::Parquet(Box::new(ParquetWriter::new(file).batched(schema)?)),
            ExportFormat::Csv => TableWriter::Csv(CsvWriter::new(file).batched(schema)?),
        })
    }

    fn write(&mut self, frame: &DataFrame) -> PolarsResult<()> {
        let mut frame = frame.clone();
        frame.rechunk_mut();
        match self {
            TableWriter::Parquet(w) => w.write_batch(&frame),
            TableWriter::Csv(w) => w.write_batch(&frame),
        }
    }

    fn finish(&mut self) -> PolarsResult<()> {
        match self {
            TableWriter::Parquet(w) => w.finish().map(|_| ()),
            TableWriter::Csv(w) => w.finish(),
        }
    }
}

/// Writes the tables of every chunk into `dir`; [`Export::finish`] gives
/// them their names. Dropped before, it leaves nothing behind.
pub struct Export {
    dir: PathBuf,
    format: ExportFormat,
    writers: Vec<(Partial, TableWriter)>,
}

impl Export {
    pub fn new(dir: &Path, format: ExportFormat) -> Result<Export, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Export { dir: dir.to_owned(), format, writers: Vec::new() })
    }

    /// Completes every table and gives the three their names together;
    /// returns their paths.
    pub fn finish(self) -> Result<Vec<PathBuf>, String> {
        let mut tables = Vec::new();
        for (partial, mut writer) in self.writers {
            writer.finish().map_err(|e| format!("cannot write {}: {e}", partial.path().display()))?;
            tables.push(partial);
        }
        let paths = tables.iter().map(|t| t.path().to_owned()).collect();
        atomic::publish_all(tables, &self.dir)?;
        Ok(paths)
    }
}

impl Sink for Export {
    fn chunk(&mut self, frames: ChunkFrames) -> Result<(), String> {
        if self.writers.is_empty() {
            for (table, frame) in frames.tables() {
                let path = self.dir.join(format!("{table}.{}", self.format.extension()));
                let cannot = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
                let mut partial = Partial::create(&path)?;
                let file = partial.file().try_clone().map_err(|e| cannot(&e))?;
                let writer = TableWriter::create(file, self.format, frame.schema()).map_err(|e| cannot(&e))?;
                self.writers.push((partial, writer));
            }
        }
        for ((partial, writer), (_, frame)) in self.writers.iter_mut().zip(frames.tables()) {
            writer.write(frame).map_err(|e| format!("cannot write {}: {e}", partial.path().display()))?;
        }
        Ok(())
    }
}
