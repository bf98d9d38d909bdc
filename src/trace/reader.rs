//! Reads trace files run by run. Damage is reported with the file, the byte
//! offset and the run it was found in; runs before it (and, where the frame
//! length is intact, after it) are still read.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::format::{END_TAG, MAX_FRAME_LEN, RUN_TAG, decode_file_header, decode_payload};
use super::{EXTENSION, Run, Spec};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    pub path: PathBuf,
    /// Where in the file the problem was found.
    pub offset: Option<u64>,
    /// The run (0-based) the problem concerns.
    pub run: Option<u64>,
    pub problem: String,
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(offset) = self.offset {
            write!(f, ": at byte {offset}")?;
        }
        if let Some(run) = self.run {
            write!(f, " (run {run})")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for TraceError {}

/// One trace file, read into memory and iterated run by run.
pub struct TraceFile {
    path: PathBuf,
    data: Vec<u8>,
    pos: usize,
    runs: u64,
    done: bool,
    tool: String,
    spec: Arc<Spec>,
}

impl TraceFile {
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let data = std::fs::read(path).map_err(|e| error(path, None, None, format!("cannot read: {e}")))?;
        Self::from_bytes(path, data)
    }

    pub fn from_bytes(path: &Path, data: Vec<u8>) -> Result<Self, TraceError> {
        let header = decode_file_header(&data).map_err(|(offset, problem)| error(path, Some(offset), None, problem))?;
        let spec = Arc::new(header.spec);
        Ok(Self { path: path.to_owned(), data, pos: header.len, runs: 0, done: false, tool: header.tool, spec })
    }

    /// What decides every run of the file besides its seed.
    pub fn spec(&self) -> &Arc<Spec> {
        &self.spec
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tool that wrote the file, as "wl1 VERSION".
    pub fn tool(&self) -> &str {
        &self.tool
    }

    fn error(&mut self, offset: usize, problem: String) -> TraceError {
        error(&self.path, Some(offset as u64), Some(self.runs), problem)
    }

    /// The next run's raw payload (checked against its checksum), with its offset.
    pub fn next_payload(&mut self) -> Option<Result<(u64, &[u8]), TraceError>> {
        if self.done {
            return None;
        }
        let at = self.pos;
        let rest = &self.data[at..];
        let Some(&tag) = rest.first() else {
            self.done = true;
            let problem = format!("file ends after {} runs without its trailer: the write was cut short", self.runs);
            return Some(Err(self.error(at, problem)));
        };
        match tag {
            RUN_TAG => self.frame(at),
            END_TAG => {
                self.done = true;
                self.trailer(at).map(Err)
            }
            other => {
                self.done = true;
                Some(Err(self.error(at, format!("unknown frame tag 0x{other:02x}: the file is damaged here"))))
            }
        }
    }

    fn frame(&mut self, at: usize) -> Option<Result<(u64, &[u8]), TraceError>> {
        let Some(head) = self.data.get(at..at + 9) else {
            self.done = true;
            return Some(Err(self.error(at, "truncated inside a run's frame header".into())));
        };
        let len = u32::from_le_bytes(head[1..5].try_into().unwrap());
        let crc = u32::from_le_bytes(head[5..9].try_into().unwrap());
        if len > MAX_FRAME_LEN {
            self.done = true;
            return Some(
                Err(self.error(at, format!("frame length {len} is beyond any run: the file is damaged here"))),
            );
        }
        let end = at + 9 + len as usize;
        if end > self.data.len() {
            self.done = true;
            let problem = format!("truncated: the run needs {len} bytes, {} remain", self.data.len() - at - 9);
            return Some(Err(self.error(at, problem)));
        }
        self.pos = end;
        self.runs += 1;
        if crc32fast::hash(&self.data[at + 9..end]) != crc {
            self.runs -= 1;
            let e = self.error(at, "checksum mismatch: the run is damaged and was skipped".into());
            self.runs += 1;
            return Some(Err(e));
        }
        Some(Ok((at as u64, &self.data[at + 9..end])))
    }

    /// Checks the trailer; an error if it does not match what was read.
    fn trailer(&mut self, at: usize) -> Option<TraceError> {
        let Some(t) = self.data.get(at..at + 13) else {
            return Some(self.error(at, "truncated inside the trailer".into()));
        };
        let count = u64::from_le_bytes(t[1..9].try_into().unwrap());
        let crc = u32::from_le_bytes(t[9..13].try_into().unwrap());
        if crc != crc32fast::hash(&t[1..9]) {
            return Some(self.error(at, "the trailer's checksum does not match".into()));
        }
        if count != self.runs {
            return Some(self.error(at, format!("the trailer counts {count} runs, the file holds {}", self.runs)));
        }
        if at + 13 != self.data.len() {
            return Some(self.error(at + 13, "bytes after the trailer".into()));
        }
        None
    }
}

impl Iterator for TraceFile {
    type Item = Result<Run, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        let spec = self.spec.clone();
        let (offset, run) = match self.next_payload()? {
            Ok((offset, payload)) => (offset, decode_payload(payload, &spec)),
            Err(e) => return Some(Err(e)),
        };
        Some(run.map_err(|problem| error(&self.path, Some(offset), Some(self.runs - 1), problem)))
    }
}

fn error(path: &Path, offset: Option<u64>, run: Option<u64>, problem: String) -> TraceError {
    TraceError { path: path.to_owned(), offset, run, problem }
}

/// The trace files named by `paths`: files as given, directories searched
/// recursively for `*.wl1`, in sorted order. Paths that cannot be read are
/// returned as errors beside the files that can.
pub fn trace_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<TraceError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut files, &mut errors);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            errors.push(error(path, None, None, "no such file or directory".into()));
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<TraceError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return errors.push(error(dir, None, None, format!("cannot list: {e}"))),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files, errors);
        } else if path.extension().is_some_and(|e| e == EXTENSION) {
            files.push(path);
        }
    }
}

/// Every run of the trace files under `paths` (see [`trace_files`]), file
/// by file, with each problem met on the way in its place: the one loop
/// that reads runs from paths.
pub struct Runs {
    files: Vec<PathBuf>,
    problems: std::vec::IntoIter<TraceError>,
    next_file: usize,
    current: Option<TraceFile>,
}

impl Runs {
    /// The trace files found, in the order their runs come.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

/// One run and the index of its file in [`Runs::files`].
pub type FoundRun = (usize, Run);

impl Iterator for Runs {
    type Item = Result<FoundRun, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(problem) = self.problems.next() {
            return Some(Err(problem));
        }
        loop {
            if let Some(trace) = &mut self.current {
                match trace.next() {
                    Some(run) => return Some(run.map(|run| (self.next_file - 1, run))),
                    None => self.current = None,
                }
            }
            let path = self.files.get(self.next_file)?;
            self.next_file += 1;
            match TraceFile::open(path) {
                Ok(trace) => self.current = Some(trace),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

/// The runs under `paths`.
pub fn runs(paths: &[PathBuf]) -> Runs {
    let (files, problems) = trace_files(paths);
    Runs { files, problems: problems.into_iter(), next_file: 0, current: None }
}

/// Every run under `paths`, with every problem found on the way.
pub fn read_dir_or_files(paths: &[PathBuf]) -> (Vec<Run>, Vec<TraceError>) {
    let mut runs_read = Vec::new();
    let mut problems = Vec::new();
    for found in runs(paths) {
        match found {
            Ok((_, run)) => runs_read.push(run),
            Err(e) => problems.push(e),
        }
    }
    (runs_read, problems)
}
