//! `--export DIR`: every run, every record and every violation as tables
//! for other tools: `runs`, `records` and `violations`, in Parquet (strings
//! dictionary-encoded, one row group per chunk) or CSV. Written a chunk at
//! a time, so that memory stays bounded, under temporary names renamed
//! once every table is complete.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::io::csv::write::BatchedWriter as CsvBatches;
use polars::io::parquet::write::BatchedWriter as ParquetBatches;
use polars::prelude::*;

use crate::atomic;
use crate::read::frames::ChunkFrames;

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

enum TableWriter {
    Parquet(Box<ParquetBatches<File>>),
    Csv(CsvBatches<File>),
}

impl TableWriter {
    fn create(path: &Path, format: ExportFormat, schema: &Schema) -> PolarsResult<TableWriter> {
        let file = File::create(atomic::temporary(path))?;
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
/// them their names.
pub struct Export {
    dir: PathBuf,
    format: ExportFormat,
    writers: Vec<(PathBuf, TableWriter)>,
}

impl Export {
    pub fn new(dir: &Path, format: ExportFormat) -> Result<Export, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Export { dir: dir.to_owned(), format, writers: Vec::new() })
    }

    /// Completes every table and gives it its name; returns their paths.
    pub fn finish(mut self) -> Result<Vec<PathBuf>, String> {
        for (path, writer) in &mut self.writers {
            writer.finish().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        let paths: Vec<PathBuf> = std::mem::take(&mut self.writers).into_iter().map(|(path, _)| path).collect();
        paths.iter().try_for_each(|p| atomic::publish(p))?;
        Ok(paths)
    }
}

impl Drop for Export {
    /// Tables left unfinished are removed.
    fn drop(&mut self) {
        for (path, _) in &self.writers {
            let _ = std::fs::remove_file(atomic::temporary(path));
        }
    }
}

impl Sink for Export {
    fn chunk(&mut self, frames: ChunkFrames) -> Result<(), String> {
        if self.writers.is_empty() {
            for (table, frame) in frames.tables() {
                let path = self.dir.join(format!("{table}.{}", self.format.extension()));
                let writer = TableWriter::create(&path, self.format, frame.schema())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                self.writers.push((path, writer));
            }
        }
        for ((path, writer), (_, frame)) in self.writers.iter_mut().zip(frames.tables()) {
            writer.write(frame).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    }
}
