//! Writing traces. [`TraceWriter`] encodes runs into any byte sink;
//! [`AtomicTraceFile`] puts one on disk atomically: runs go to a temporary
//! file that is renamed into place only once the trailer is written and
//! synced. Dropped before [`AtomicTraceFile::finish`], it removes its
//! temporary file, so a file that looks complete is complete.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::format::{encode_frame, file_header, trailer};
use super::{Event, RunHeader, Spec};

/// Encodes a trace (header, runs, trailer) into a sink.
pub struct TraceWriter<W: Write> {
    out: W,
    /// The identity of the spec every run of the file shares.
    identity: u64,
    frame: Vec<u8>,
    runs: u64,
    bytes: u64,
}

impl<W: Write> TraceWriter<W> {
    /// A trace of runs of `spec`.
    pub fn new(mut out: W, spec: &Spec) -> io::Result<Self> {
        let header = file_header(spec);
        out.write_all(&header)?;
        Ok(Self { out, identity: spec.identity(), frame: Vec::new(), runs: 0, bytes: header.len() as u64 })
    }

    /// Appends a run; it must be of the file's spec.
    pub fn write_run(&mut self, header: &RunHeader, events: &[Event]) -> io::Result<()> {
        assert_eq!(header.identity(), self.identity, "a trace file holds runs of one spec");
        self.frame.clear();
        encode_frame(header, events, &mut self.frame);
        self.out.write_all(&self.frame)?;
        self.runs += 1;
        self.bytes += self.frame.len() as u64;
        Ok(())
    }

    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Writes the trailer and flushes; returns the sink and the bytes written.
    pub fn finish(mut self) -> io::Result<(W, u64)> {
        let end = trailer(self.runs);
        self.out.write_all(&end)?;
        self.out.flush()?;
        Ok((self.out, self.bytes + end.len() as u64))
    }
}

/// A trace file that appears under its name only when complete.
pub struct AtomicTraceFile {
    path: PathBuf,
    temp: PathBuf,
    writer: Option<TraceWriter<BufWriter<File>>>,
}

impl AtomicTraceFile {
    pub fn create(path: &Path, spec: &Spec) -> io::Result<Self> {
        let mut temp = path.as_os_str().to_owned();
        temp.push(".partial");
        let temp = PathBuf::from(temp);
        let file = BufWriter::with_capacity(1 << 20, File::create(&temp)?);
        let writer = TraceWriter::new(file, spec).inspect_err(|_| {
            let _ = fs::remove_file(&temp);
        })?;
        Ok(Self { path: path.to_owned(), temp, writer: Some(writer) })
    }

    pub fn write_run(&mut self, header: &RunHeader, events: &[Event]) -> io::Result<()> {
        self.writer.as_mut().expect("not finished").write_run(header, events)
    }

    /// Writes the trailer, syncs and renames into place; returns the size.
    pub fn finish(mut self) -> io::Result<u64> {
        let (out, bytes) = self.writer.take().expect("finish is called once").finish()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&self.temp, &self.path)?;
        Ok(bytes)
    }
}

impl Drop for AtomicTraceFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
