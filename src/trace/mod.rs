//! The trace format: what a run records, and how runs are stored on disk.
//!
//! A trace file is a header (magic, format version, tool version, and the
//! spec its runs share) followed by runs, each one length-prefixed and
//! checksummed frame, and a trailer that counts them. A reader can skip a run without decoding it and stops cleanly
//! at a damaged one. See [`format`](mod@format) for the byte layout.

mod event;
pub mod format;
pub mod meaning;
mod reader;
mod run;
mod spec;
mod writer;

pub use event::{Event, Kind};
pub use format::{FORMAT_VERSION, MAGIC};
pub use meaning::Vocabulary;
pub use reader::{FoundRun, Runs, TraceError, TraceFile, files_with_extensions, read_dir_or_files, runs, trace_files};
pub use run::{Outcome, OutcomeKind, Run, RunHeader};
pub use spec::{Spec, TEXT_PREFIX, digest};
pub use writer::{AtomicTraceFile, TraceWriter};

/// The file extension of trace files.
pub const EXTENSION: &str = "wl1";
