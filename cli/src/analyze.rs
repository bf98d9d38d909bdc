//! `wl1 analyze` and `wl1 check`: the analysis library's report, printed.

use std::path::PathBuf;

use clap::Args;
use wl1_analysis::{Analysis, Report, Settings, export, plot};

use super::simulate::{self, SimulateArgs};
use super::{Format, Verdict, progress_bar};

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

/// Analyzes, prints the report, and says whether the spec held. An `Err`
/// means the analysis could not be completed, or some input was bad (after
/// reporting what could be read).
pub fn run(args: &AnalyzeArgs) -> Result<Verdict, String> {
    let settings = Settings { keep_stages: args.export.is_some(), ..Settings::default() };
    let bar = progress_bar(0, "analyze");
    let analysis = Analysis::with(&args.paths, settings, &|files| bar.set_position(files))
        .map_err(|e| format!("analysis failed: {e}"))?;
    bar.finish_and_clear();
    let report = Report::new(&analysis, args.max_seeds).map_err(|e| format!("report failed: {e}"))?;
    super::to_stdout(|out| match args.format {
        Format::Text => write!(out, "{}", report.text()),
        Format::Json => writeln!(out, "{}", report.json()),
    })?;
    for problem in &analysis.problems {
        eprintln!("bad input: {problem}");
    }
    if let Some(dir) = &args.export {
        announce("exported", export::export(&analysis, dir)?);
    }
    if let Some(dir) = &args.plot {
        announce("plotted", plot::plot(&analysis, dir)?);
    }
    verdict(&analysis)
}

/// Simulates, then analyzes exactly the files just written (not older ones
/// beside them); the report is what `check` prints on standard output.
pub fn check(args: &CheckArgs) -> Result<Verdict, String> {
    let simulated = simulate::run(&args.simulate, Format::Text, &mut std::io::stderr())?;
    let analyze = AnalyzeArgs {
        paths: simulated.files,
        format: args.simulate.format,
        max_seeds: args.max_seeds,
        export: None,
        plot: None,
    };
    run(&analyze)
}

fn announce(what: &str, paths: Vec<PathBuf>) {
    for path in paths {
        eprintln!("{what} {}", path.display());
    }
}

fn verdict(analysis: &Analysis) -> Result<Verdict, String> {
    let problems = analysis.problems.len();
    if problems > 0 {
        return Err(format!("{problems} input problem(s): the runs that could be read were analyzed, see above"));
    }
    if analysis.runs.height() == 0 {
        return Err("no runs found in the given paths".into());
    }
    match analysis.violating_runs() {
        Ok(0) => Ok(Verdict::Holds),
        Ok(_) => Ok(Verdict::Violated),
        Err(e) => Err(format!("analysis failed: {e}")),
    }
}
