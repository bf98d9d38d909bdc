//! `--export DIR`: every run, every record and every violation as tables
//! for other tools: `runs`, `records` and `violations`, in Parquet (strings
//! dictionary-encoded, one row group per chunk) or CSV. Written a chunk at
//! a time, so that memory stays bounded, under temporary names of their
//! own; published all three together once every table is complete, or
//! none of them.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::io::csv::write::BatchedWriter as CsvBatches;
use polars::io::parquet::write::BatchedWriter as ParquetBatches;
use polars::prelude::*;

use crate::atomic::{self, Partial};
use crate::read::frames::{ChunkFrames, TABLES};

/// Where the tables of each chunk go, in the order of the runs.
pub trait Sink {
    fn chunk(&mut self, frames: ChunkFrames) -> Result<(), String>;
}

/// Keeps every chunk's tables in memory (for tests and small sets).
impl Sink for Vec<ChunkFrames> {
    fn chunk(&mut self, frames: ChunkFrames) -> Result<(), String> {
        self.push(frames);
        Ok(())
    }
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
