//! How a command gives its results: the format asked for, the verdict
//! that decides the exit code, and standard output written safely.

use std::io::{BufWriter, Write};

use clap::ValueEnum;

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for a person at a terminal.
    Text,
    /// One JSON document on standard output, for programs.
    Json,
}

/// The answer of an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every run holds the specification.
    Holds,
    /// Some run violates it.
    Violated,
}

/// Runs `write` on standard output (buffered) and flushes it; a failure,
/// such as a full disk behind `> file`, becomes an error that says so
/// instead of the panic of `print!`.
pub fn to_stdout<T>(write: impl FnOnce(&mut dyn Write) -> std::io::Result<T>) -> Result<T, String> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = write(&mut out).and_then(|value| out.flush().map(|()| value));
    written.map_err(|e| format!("cannot write to standard output: {e}"))
}

/// The version and the commit built from (see build.rs).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("WL1_COMMIT"), ")");
