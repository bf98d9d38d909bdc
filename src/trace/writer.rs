//! Writes a trace file atomically: runs go to a temporary file that is
//! renamed into place only when the trailer is written and synced. A writer
//! dropped before [`TraceWriter::finish`] removes its temporary file, so no
//! file that looks complete can be incomplete.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::format::{encode_frame, file_header, trailer};
use super::{Event, RunHeader};

pub struct TraceWriter {
    path: PathBuf,
    temp: PathBuf,
    out: Option<BufWriter<File>>,
    frame: Vec<u8>,
    runs: u64,
    bytes: u64,
}

impl TraceWriter {
    pub fn create(path: &Path) -> io::Result<Self> {
        let mut temp = path.as_os_str().to_owned();
        temp.push(".partial");
        let temp = PathBuf::from(temp);
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&temp)?);
        let header = file_header();
        out.write_all(&header)?;
        Ok(Self { path: path.to_owned(), temp, out: Some(out), frame: Vec::new(), runs: 0, bytes: header.len() as u64 })
    }

    pub fn write_run(&mut self, header: &RunHeader, events: &[Event]) -> io::Result<()> {
        self.frame.clear();
        encode_frame(header, events, &mut self.frame);
        self.out.as_mut().expect("not finished").write_all(&self.frame)?;
        self.runs += 1;
        self.bytes += self.frame.len() as u64;
        Ok(())
    }

    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Writes the trailer, syncs and renames into place; returns the size.
    pub fn finish(mut self) -> io::Result<u64> {
        let mut out = self.out.take().expect("finish is called once");
        let end = trailer(self.runs);
        out.write_all(&end)?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&self.temp, &self.path)?;
        Ok(self.bytes + end.len() as u64)
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        if self.out.take().is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
