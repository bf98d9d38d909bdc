//! The `wl1` command line. The analysis lives in its own crate (it needs
//! polars); it plugs in through [`Analyzer`], so this crate builds without it.

mod progress;
mod replay;
mod simulate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use progress::progress_bar;
pub use simulate::SimulateArgs;

/// Deterministic simulation of the Workload1 multi-region payment pipeline.
///
/// Each run is decided entirely by its seed. `simulate` writes runs as
/// binary traces, `analyze` checks them against the eventual-delivery
/// specification, `replay` re-runs one seed and shows what happened.
#[derive(Parser, Debug)]
#[command(name = "wl1", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
pub enum Format {
    /// Tables for a person at a terminal.
    Text,
    /// One JSON document on standard output, for programs.
    Json,
}

#[derive(Args, Clone, Debug)]
pub struct AnalyzeArgs {
    /// Trace files, or directories searched recursively for *.wl1 files.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// How many violating seeds to list (the total is always given).
    #[arg(long, default_value_t = 20)]
    pub max_seeds: usize,
    /// Write records.csv (one row per run, record and stage reached), runs.csv
    /// and violations.csv to this directory, for other tools.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// Draw the latency distribution per region, one SVG image per group of
    /// runs, in this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
}

#[derive(Args, Clone, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub simulate: SimulateArgs,
    /// How many violating seeds to list.
    #[arg(long, default_value_t = 20)]
    pub max_seeds: usize,
}

/// The answer of an analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every run holds the specification.
    Holds,
    /// Some run violates it.
    Violated,
}

/// The analysis, provided by the `wl1-analysis` crate.
pub trait Analyzer {
    /// Analyzes, prints the report, and says whether the spec held. An `Err`
    /// means the analysis could not be completed, or some input was bad
    /// (after reporting what could be read).
    fn analyze(&self, args: &AnalyzeArgs) -> Result<Verdict, String>;
}

/// Exit codes: 0 the spec holds, 1 violations found, 2 an error.
pub fn main(analyzer: &dyn Analyzer) -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    match run(cli, analyzer) {
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

fn run(cli: Cli, analyzer: &dyn Analyzer) -> Result<Verdict, String> {
    match cli.command {
        Command::Simulate(args) => simulate::run(&args, args.format, &mut std::io::stdout()).map(|_| Verdict::Holds),
        Command::Analyze(args) => analyzer.analyze(&args),
        Command::Check(args) => {
            // The report is what `check` prints on standard output; it covers
            // exactly the files just written, not older ones beside them.
            let simulated = simulate::run(&args.simulate, Format::Text, &mut std::io::stderr())?;
            let analyze = AnalyzeArgs {
                paths: simulated.files,
                format: args.simulate.format,
                max_seeds: args.max_seeds,
                export: None,
                plot: None,
            };
            analyzer.analyze(&analyze)
        }
        Command::Replay(args) => replay::run(&args),
        Command::Scenarios => {
            print!("{}", simulate::scenario_list());
            Ok(Verdict::Holds)
        }
    }
}
