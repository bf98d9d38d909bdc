//! Writing traces. [`TraceWriter`] encodes runs into any byte sink;
//! [`AtomicTraceFile`] puts one on disk atomically: runs go to a temporary
//! file of its own that is renamed into place only once the trailer is
//! written and synced. If anything fails, or it is dropped before
//! [`AtomicTraceFile::finish`], it removes its temporary file, so a file
//! that looks complete is complete.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
        let header = file_header(spec).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        out.write_all(&header)?;
        Ok(Self { out, identity: spec.identity(), frame: Vec::new(), runs: 0, bytes: header.len() as u64 })
    }

    /// Appends a run; it must be of the file's spec.
    pub fn write_run(&mut self, header: &RunHeader, events: &[Event]) -> io::Result<()> {
        assert_eq!(header.identity(), self.identity, "a trace file holds runs of one spec");
        self.frame.clear();
        encode_frame(header, events, &mut self.frame).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
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
    /// This writer's own temporary file beside `path`; `None` once renamed.
    temp: Option<PathBuf>,
    writer: Option<TraceWriter<BufWriter<File>>>,
}

/// Makes temporary names unique among the writers of one process; the
/// process id makes them unique among processes.
static WRITERS: AtomicU64 = AtomicU64::new(0);

impl AtomicTraceFile {
    /// Starts `path`. Two writers of one path, in one process or in two (a
    /// repeated command, a retried shard), each write a temporary file of
    /// their own, created exclusively, so neither can damage the other's.
    pub fn create(path: &Path, spec: &Spec) -> io::Result<Self> {
        let mut temp = path.as_os_str().to_owned();
        temp.push(format!(".{}-{}.partial", std::process::id(), WRITERS.fetch_add(1, Ordering::Relaxed)));
        let temp = PathBuf::from(temp);
        let file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        let mut this = Self { path: path.to_owned(), temp: Some(temp), writer: None };
        this.writer = Some(TraceWriter::new(BufWriter::with_capacity(1 << 20, file), spec)?);
        Ok(this)
    }

    pub fn write_run(&mut self, header: &RunHeader, events: &[Event]) -> io::Result<()> {
        self.writer.as_mut().expect("not finished").write_run(header, events)
    }

    /// Writes the trailer, syncs and renames into place; returns the size.
    /// On an error the temporary file is removed.
    pub fn finish(mut self) -> io::Result<u64> {
        let (out, bytes) = self.writer.take().expect("finish is called once").finish()?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(self.temp.as_ref().expect("not yet renamed"), &self.path)?;
        self.temp = None;
        Ok(bytes)
    }
}

impl Drop for AtomicTraceFile {
    fn drop(&mut self) {
        drop(self.writer.take());
        if let Some(temp) = self.temp.take() {
            let _ = fs::remove_file(temp);
        }
    }
}
