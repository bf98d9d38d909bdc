//! Reads trace files run by run, one frame in memory at a time. Damage is
//! reported with the file, the byte offset and the run it was found in;
//! runs before it (and, where the frame length is intact, after it) are
//! still read. Directories are walked so that each real file is read once,
//! however many links or given paths lead to it.

use std::collections::HashSet;
use std::fmt;
use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::format::{END_TAG, MAX_FRAME_LEN, RUN_TAG, decode_payload, read_file_header};
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

/// One trace file, read run by run: only the frame being read is in
/// memory, and no frame longer than what is left of the file is believed.
pub struct TraceFile {
    path: PathBuf,
    source: Box<dyn Read + Send>,
    /// The file's size when opened, and how far it has been read.
    size: u64,
    pos: u64,
    /// The payload of the last frame read.
    payload: Vec<u8>,
    runs: u64,
    done: bool,
    tool: String,
    spec: Arc<Spec>,
}

impl TraceFile {
    /// Opens a regular file (a FIFO or a device is refused without being
    /// opened, since reading it could block or never end) and reads its
    /// header.
    pub fn open(path: &Path) -> Result<Self, TraceError> {
        let cannot = |e: std::io::Error| error(path, None, None, format!("cannot read: {e}"));
        regular_file(path)?;
        let file = File::open(path).map_err(cannot)?;
        let size = file.metadata().map_err(cannot)?.len();
        Self::from_reader(path, Box::new(BufReader::with_capacity(1 << 16, file)), size)
    }

    /// A trace held in memory, as if read from `path`.
    pub fn from_bytes(path: &Path, data: Vec<u8>) -> Result<Self, TraceError> {
        let size = data.len() as u64;
        Self::from_reader(path, Box::new(std::io::Cursor::new(data)), size)
    }

    /// A trace of `size` bytes read from `source`.
    fn from_reader(path: &Path, mut source: Box<dyn Read + Send>, size: u64) -> Result<Self, TraceError> {
        let header =
            read_file_header(&mut source).map_err(|(offset, problem)| error(path, Some(offset), None, problem))?;
        let (tool, spec) = (header.tool, Arc::new(header.spec));
        let pos = header.len as u64;
        Ok(Self { path: path.to_owned(), source, size, pos, payload: Vec::new(), runs: 0, done: false, tool, spec })
    }

    /// What decides every run of the file besides its seed.
    pub fn spec(&self) -> &Arc<Spec> {
        &self.spec
    }

    /// The tool that wrote the file, as "wl1 VERSION".
    pub fn tool(&self) -> &str {
        &self.tool
    }

    fn error(&self, offset: u64, problem: String) -> TraceError {
        error(&self.path, Some(offset), Some(self.runs), problem)
    }

    /// Ends the file with an error found at `offset`.
    fn fail<T>(&mut self, offset: u64, problem: String) -> Option<Result<T, TraceError>> {
        self.done = true;
        Some(Err(self.error(offset, problem)))
    }

    fn remaining(&self) -> u64 {
        self.size.saturating_sub(self.pos)
    }

    /// The next run's raw payload (checked against its checksum), with its offset.
    pub fn next_payload(&mut self) -> Option<Result<(u64, &[u8]), TraceError>> {
        if self.done {
            return None;
        }
        let at = self.pos;
        if self.remaining() == 0 {
            let problem = format!("file ends after {} runs without its trailer: the write was cut short", self.runs);
            return self.fail(at, problem);
        }
        let mut tag = [0u8];
        if let Err(e) = self.source.read_exact(&mut tag) {
            return self.fail(at, format!("cannot read: {e}"));
        }
        self.pos += 1;
        match tag[0] {
            RUN_TAG => self.frame(at),
            END_TAG => {
                self.done = true;
                self.trailer(at).map(Err)
            }
            other => self.fail(at, format!("unknown frame tag 0x{other:02x}: the file is damaged here")),
        }
    }

    fn frame(&mut self, at: u64) -> Option<Result<(u64, &[u8]), TraceError>> {
        let mut head = [0u8; 8];
        if self.remaining() < 8 {
            return self.fail(at, "truncated inside a run's frame header".into());
        }
        if let Err(e) = self.source.read_exact(&mut head) {
            return self.fail(at, format!("cannot read: {e}"));
        }
        self.pos += 8;
        let len = u32::from_le_bytes(head[..4].try_into().unwrap());
        let crc = u32::from_le_bytes(head[4..].try_into().unwrap());
        if len > MAX_FRAME_LEN {
            return self.fail(at, format!("frame length {len} is beyond any run: the file is damaged here"));
        }
        if u64::from(len) > self.remaining() {
            let problem = format!("truncated: the run needs {len} bytes, {} remain", self.remaining());
            return self.fail(at, problem);
        }
        self.payload.resize(len as usize, 0);
        if let Err(e) = self.source.read_exact(&mut self.payload) {
            return self.fail(at, format!("cannot read: {e}"));
        }
        self.pos += u64::from(len);
        self.runs += 1;
        if crc32fast::hash(&self.payload) != crc {
            let e = error(
                &self.path,
                Some(at),
                Some(self.runs - 1),
                "checksum mismatch: the run is damaged and was skipped".into(),
            );
            return Some(Err(e));
        }
        Some(Ok((at, &self.payload)))
    }

    /// Checks the trailer; an error if it does not match what was read.
    fn trailer(&mut self, at: u64) -> Option<TraceError> {
        let mut t = [0u8; 12];
        if self.remaining() < 12 || self.source.read_exact(&mut t).is_err() {
            return Some(self.error(at, "truncated inside the trailer".into()));
        }
        self.pos += 12;
        let count = u64::from_le_bytes(t[..8].try_into().unwrap());
        let crc = u32::from_le_bytes(t[8..].try_into().unwrap());
        if crc != crc32fast::hash(&t[..8]) {
            return Some(self.error(at, "the trailer's checksum does not match".into()));
        }
        if count != self.runs {
            return Some(self.error(at, format!("the trailer counts {count} runs, the file holds {}", self.runs)));
        }
        if self.remaining() > 0 {
            return Some(self.error(self.pos, "bytes after the trailer".into()));
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
/// recursively for `*.wl1`, in sorted order. Each real file comes once,
/// whatever the links or paths that lead to it (a link to a folder already
/// seen, a folder given twice, a link loop); only regular files are taken.
/// Paths that cannot be read are returned as errors beside the files that
/// can.
pub fn trace_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<TraceError>) {
    files_with_extensions(paths, &[EXTENSION])
}

/// As [`trace_files`], directories searched for files of any of these
/// extensions (a reader of traces and of summaries takes `wl1` and `json`).
pub fn files_with_extensions(paths: &[PathBuf], extensions: &[&str]) -> (Vec<PathBuf>, Vec<TraceError>) {
    let mut walk = Walk { extensions: extensions.iter().map(|e| e.to_string()).collect(), ..Walk::default() };
    for path in paths {
        walk.given(path);
    }
    walk.files.sort();
    (walk.files, walk.errors)
}

/// A file's identity on its device: two paths to one file share it.
#[cfg(unix)]
type FileId = (u64, u64);

#[cfg(unix)]
fn file_id(meta: &fs::Metadata, _: &Path) -> FileId {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(not(unix))]
fn file_id(_: &fs::Metadata, path: &Path) -> FileId {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_owned())
}

#[derive(Default)]
struct Walk {
    /// The extensions of the files taken from directories.
    extensions: Vec<String>,
    files: Vec<PathBuf>,
    errors: Vec<TraceError>,
    seen: HashSet<FileId>,
}

impl Walk {
    fn given(&mut self, path: &Path) {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => self.directory(path, &meta),
            Ok(meta) => self.file(path, &meta),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.errors.push(error(path, None, None, "no such file or directory".into()))
            }
            Err(e) => self.errors.push(error(path, None, None, format!("cannot read: {e}"))),
        }
    }

    fn file(&mut self, path: &Path, meta: &fs::Metadata) {
        if !meta.is_file() {
            self.errors.push(error(path, None, None, NOT_REGULAR.into()));
        } else if self.seen.insert(file_id(meta, path)) {
            self.files.push(path.to_owned());
        }
    }

    /// Walks `dir` without recursion (a deep tree cannot overflow the
    /// stack); in each folder, real entries before links, so that a file
    /// reached both ways is named by its real path.
    fn directory(&mut self, dir: &Path, meta: &fs::Metadata) {
        if !self.seen.insert(file_id(meta, dir)) {
            return;
        }
        let mut folders = vec![dir.to_owned()];
        while let Some(folder) = folders.pop() {
            let mut entries = match fs::read_dir(&folder) {
                Ok(entries) => {
                    entries.flatten().map(|e| (e.file_type().is_ok_and(|t| t.is_symlink()), e.path())).collect()
                }
                Err(e) => {
                    self.errors.push(error(&folder, None, None, format!("cannot list: {e}")));
                    Vec::new()
                }
            };
            entries.sort();
            let mut subfolders = Vec::new();
            for (_, path) in entries {
                let wanted = path.extension().is_some_and(|e| self.extensions.iter().any(|x| e == x.as_str()));
                match fs::metadata(&path) {
                    Ok(meta) if meta.is_dir() => {
                        subfolders.extend(self.seen.insert(file_id(&meta, &path)).then_some(path))
                    }
                    Ok(meta) if wanted => self.file(&path, &meta),
                    Err(e) if wanted => self.errors.push(error(&path, None, None, format!("cannot read: {e}"))),
                    _ => {}
                }
            }
            folders.extend(subfolders.into_iter().rev());
        }
    }
}

const NOT_REGULAR: &str = "not a regular file (a FIFO, socket or device?): not read";

/// An error unless `path` is a regular file.
fn regular_file(path: &Path) -> Result<(), TraceError> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(()),
        Ok(_) => Err(error(path, None, None, NOT_REGULAR.into())),
        Err(e) => Err(error(path, None, None, format!("cannot read: {e}"))),
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
