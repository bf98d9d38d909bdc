//! The `wl1` command line: simulate (the `wl1` library), analyze (the
//! `wl1-analysis` library, on polars), check, replay.

mod analyze;
mod progress;
mod replay;
mod simulate;

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use analyze::{AnalyzeArgs, CheckArgs};
use progress::progress_bar;
use simulate::SimulateArgs;

/// Deterministic simulation of the Workload1 multi-region payment pipeline.
///
/// Each run is decided entirely by its seed. `simulate` writes runs as
/// binary traces, `analyze` checks them against the eventual-delivery
/// specification, `replay` re-runs one seed and shows what happened.
#[derive(Parser, Debug)]
#[command(name = "wl1", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate many seeded runs and write their traces.
    Simulate(SimulateArgs),
    /// Check trace files against the specification and measure them.
    Analyze(AnalyzeArgs),
    /// Simulate, then analyze what was simulated: the main job in one command.
    Check(CheckArgs),
    /// Re-simulate one run and print its timeline.
    Replay(replay::ReplayArgs),
    /// List the built-in scenarios and design variants.
    Scenarios,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Tables for a person at a terminal.
    Text,
    /// One JSON document on standard output, for programs.
    Json,
}

/// The answer of an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// Every run holds the specification.
    Holds,
    /// Some run violates it.
    Violated,
}

/// Exit codes: 0 the spec holds, 1 violations found, 2 an error.
fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(Verdict::Holds) => ExitCode::from(0),
        Ok(Verdict::Violated) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// Rust ignores SIGPIPE, which turns `wl1 replay | head` into a panic on the
/// first write after `head` exits; a command-line tool should just stop.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread or I/O exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn run(cli: Cli) -> Result<Verdict, String> {
    match cli.command {
        Command::Simulate(args) => simulate::run(&args, args.format, &mut std::io::stdout()).map(|_| Verdict::Holds),
        Command::Analyze(args) => analyze::run(&args),
        Command::Check(args) => analyze::check(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Scenarios => {
            to_stdout(|out| out.write_all(simulate::scenario_list().as_bytes()))?;
            Ok(Verdict::Holds)
        }
    }
}

/// Runs `write` on standard output (buffered) and flushes it; a failure,
/// such as a full disk behind `> file`, becomes an error that says so
/// instead of the panic of `print!`.
fn to_stdout<T>(write: impl FnOnce(&mut dyn Write) -> std::io::Result<T>) -> Result<T, String> {
    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = write(&mut out).and_then(|value| out.flush().map(|()| value));
    written.map_err(|e| format!("cannot write to standard output: {e}"))
}
