//! The `wl1` command line: simulate (the `wl1` library), analyze (the
//! `wl1-analysis` library, on polars), check, replay.

mod analyze;
mod architectures;
mod drills;
mod names;
mod output;
mod output_paths;
mod progress;
mod replay;
mod shrink;
mod signals;
mod simulate;
mod store;

use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use analyze::{AnalyzeArgs, CheckArgs};
use output::{Verdict, to_stdout};
use simulate::SimulateArgs;

/// Deterministic simulation of the Workload1 multi-region payment pipeline.
///
/// Each run is decided entirely by its seed. `simulate` writes runs as
/// binary traces, `analyze` checks them against the eventual-delivery
/// specification, `check` does both, `replay` re-runs one seed and shows
/// what happened, `shrink` cuts a violating run down to what matters. Exit
/// codes, for every command: 0 the specification holds, 1 it is violated, 2
/// an error.
#[derive(Parser, Debug)]
#[command(name = "wl1", version = output::VERSION, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// Say nothing on standard error but errors and warnings: no progress
    /// bars, no notes of the files written.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also say how long each phase took (simulate, analyze, report).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    verbose: u8,
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
    /// Re-simulate one run, check it, and print its timeline and diagnosis.
    Replay(replay::ReplayArgs),
    /// Shrink a violating run to the smallest drill found that violates the
    /// same property at the same stage and region.
    Shrink(shrink::ShrinkArgs),
    /// List the built-in scenarios of an architecture and the design
    /// variants.
    Scenarios(ScenariosArgs),
    /// List the built-in architectures (a pipeline as data: regions,
    /// instances, wiring, fault targets, record stages), or check
    /// architecture files.
    Architectures(architectures::ArchitecturesArgs),
    /// Print the completion script of a shell, e.g. `wl1 completions bash >
    /// ~/.local/share/bash-completion/completions/wl1`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

#[derive(clap::Args, Debug)]
struct ScenariosArgs {
    #[command(flatten)]
    architecture: simulate::ArchitectureArg,
}

/// Exit codes: 0 the spec holds, 1 violations found, 2 an error.
fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::try_parse().unwrap_or_else(|e| exit_for(e));
    progress::set_verbosity(if cli.quiet { 0 } else { 1 + cli.verbose });
    match run(cli.command) {
        Ok(Verdict::Holds) => ExitCode::from(0),
        Ok(Verdict::Violated) => ExitCode::from(1),
        Err(message) => {
            eprint!("{}", wl1_analysis::text::wrap(&format!("error: {message}"), wl1_analysis::text::WIDTH, 2));
            ExitCode::from(2)
        }
    }
}

/// Leaves as clap says for the help and the version; prints any other
/// message of clap within the report's width, each line broken at spaces
/// and continued under itself, and exits with 2.
fn exit_for(e: clap::Error) -> ! {
    if !e.use_stderr() {
        e.exit();
    }
    let text = e.render().to_string();
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        eprint!("{}", wl1_analysis::text::wrap(line, wl1_analysis::text::WIDTH, indent + 2));
    }
    std::process::exit(2)
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

fn run(command: Command) -> Result<Verdict, String> {
    match command {
        Command::Simulate(args) => simulate::run(&args, args.format, &mut std::io::stdout()).map(|_| Verdict::Holds),
        Command::Analyze(args) => analyze::run(&args),
        Command::Check(args) => analyze::check(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Shrink(args) => shrink::run(&args),
        Command::Scenarios(args) => {
            let (architecture, _) = args.architecture.resolve()?;
            to_stdout(|out| out.write_all(simulate::scenario_list(&architecture).as_bytes()))?;
            Ok(Verdict::Holds)
        }
        Command::Architectures(args) => architectures::run(&args),
        Command::Completions { shell } => {
            // Generated in memory: clap_complete panics on a failed write.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "wl1", &mut script);
            to_stdout(|out| out.write_all(&script))?;
            Ok(Verdict::Holds)
        }
    }
}
