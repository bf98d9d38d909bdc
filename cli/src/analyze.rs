//! `wl1 analyze` and `wl1 check`: the analysis library's report, printed,
//! and on request drawn as an HTML page or SVG files.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use wl1_analysis::output::{html, plot};
use wl1_analysis::{CoverageDetail, Export, ExportFormat, RELATIVE_PRECISION, Report, Settings, Sink, Summary};

use super::output::{self, Format, Verdict};
use super::progress::{self, Bar};
use super::simulate::{self, SimulateArgs};

const AFTER_HELP: &str = "\
Runs are pooled per group: runs that share their scenario (with its drill text), options,
variants and latency profile. A run met twice (a copied file, overlapping seed ranges) is
counted once and reported as a duplicate. Counts, means and maxima are exact; percentiles
come from log-linear histograms and are within 0.2% of the exact values.";

#[derive(Args, Clone, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct AnalyzeArgs {
    /// Trace files, directories searched recursively for *.wl1 files, and
    /// summaries written by --summary, in any mix: the report is that of
    /// their union.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// Output format of the report.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Also store the analysis in FILE (JSON, format wl1-analysis-summary),
    /// to be merged later: `wl1 analyze` given several summaries reports on
    /// all their runs.
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Write the tables runs, records (one row per run and record, with the
    /// first time at every stage) and violations to this directory, for
    /// other tools. Only runs read from traces, not from summaries.
    #[arg(long, value_name = "DIR")]
    pub export: Option<PathBuf>,
    /// File format of the exported tables.
    #[arg(long, value_enum, default_value_t = TableFormat::Parquet)]
    pub export_format: TableFormat,
    /// Chunks of runs analyzed at once [default: the number of cores].
    #[arg(short, long)]
    pub jobs: Option<NonZeroUsize>,
}

/// What the report shows, and where else it goes: shared by `analyze` and
/// `check`.
#[derive(Args, Clone, Debug)]
pub struct ReportArgs {
    /// How many violating seeds to list per group (the totals are always
    /// given).
    #[arg(short, long, default_value_t = 20)]
    pub max_seeds: usize,
    /// Also write the report as one self-contained HTML page: the verdict,
    /// latency and per-hop pictures, every table, and a timeline of each
    /// violating seed listed.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Draw each group's latency distribution and per-hop breakdown as SVG
    /// files in this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// How much of the coverage the text report shows: per group, the
    /// orders and the share of (state, message) pairs reached (brief), or
    /// every pair and notable situation with its runs (full). JSON and
    /// HTML always show it in full.
    #[arg(long, value_enum, default_value_t = CoverageArg::Brief, value_name = "DETAIL")]
    pub coverage: CoverageArg,
}

/// The choices of `--coverage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CoverageArg {
    Brief,
    Full,
}

/// The file formats of `--export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Apache Parquet: compact, typed, strings dictionary-encoded.
    Parquet,
    /// Comma-separated values with a header line.
    Csv,
}

#[derive(Args, Clone, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub simulate: SimulateArgs,
    #[command(flatten)]
    pub report: ReportArgs,
}

/// Analyzes, prints the report, and says whether the spec held. An `Err`
/// means the analysis could not be completed, there were no runs, or some
/// input was bad (after reporting what could be read).
pub fn run(args: &AnalyzeArgs) -> Result<Verdict, String> {
    let defaults = Settings::default();
    let settings = Settings {
        seeds_kept: args.report.max_seeds,
        analyzers: args.jobs.map_or(defaults.analyzers, NonZeroUsize::get),
        ..defaults
    };
    let format = match args.export_format {
        TableFormat::Parquet => ExportFormat::Parquet,
        TableFormat::Csv => ExportFormat::Csv,
    };
    let mut export = args.export.as_deref().map(|dir| Export::new(dir, format)).transpose()?;
    let started = Instant::now();
    let bar = Bar::bytes("analyze");
    let sink = export.as_mut().map(|e| e as &mut dyn Sink);
    let summary = wl1_analysis::analyze(
        &args.paths,
        &settings,
        &|done| bar.set_bytes(done.runs, done.bytes, done.total_bytes),
        sink,
    )?;
    bar.finish();
    progress::timed("analyzed", summary.runs(), started);
    for problem in &summary.problems.listed {
        eprint!("{}", wl1_analysis::text::wrap(&format!("bad input: {problem}"), wl1_analysis::text::WIDTH, 2));
    }
    let report = Report::new(&summary, args.report.max_seeds)?;
    print_report(&report, args.format, args.report.coverage)?;
    if let Some(path) = &args.summary {
        summary.write(path)?;
        announce("summarized", vec![path.clone()]);
    }
    if let Some(export) = export {
        announce("exported", export.finish()?);
    }
    draw(&args.report, &report, &summary, &args.paths)?;
    verdict(&summary, &report)
}

/// Writes the HTML page and the SVG files asked for.
fn draw(args: &ReportArgs, report: &Report, summary: &Summary, inputs: &[PathBuf]) -> Result<(), String> {
    if let Some(path) = &args.html {
        let started = Instant::now();
        let runs = html::runs_drawn(report);
        let bar = Bar::runs(runs, "report");
        html::write(path, report, summary, &provenance(inputs), &|drawn| bar.set(drawn))?;
        bar.finish();
        progress::timed("drew the pictures of", runs, started);
        announce("wrote", vec![path.clone()]);
    }
    if let Some(dir) = &args.plot {
        announce("plotted", plot::plot(report, summary, dir)?);
    }
    Ok(())
}

/// What the page says of where it comes from: this wl1, the command line,
/// the time now (the page's only wall-clock fact) and the inputs.
fn provenance(inputs: &[PathBuf]) -> html::Provenance {
    let words: Vec<String> = std::env::args_os().map(|a| shell_word(&a.to_string_lossy())).collect();
    html::Provenance {
        version: format!("wl1 {}", output::VERSION),
        command: words.join(" "),
        date: utc_now(),
        inputs: inputs.iter().map(|p| p.display().to_string()).collect(),
    }
}

/// `word` as a shell reads it back: quoted when it holds anything but
/// letters, digits and `_./=:,+-`.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./=:,+-".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

/// The time now in UTC, as "2026-01-31 23:59 UTC".
fn utc_now() -> String {
    let seconds = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, of_day) = ((seconds / 86_400) as i64, seconds % 86_400);
    // Days to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", of_day / 3600, of_day % 3600 / 60)
}

/// Prints the report on standard output.
fn print_report(report: &Report, format: Format, coverage: CoverageArg) -> Result<(), String> {
    let coverage = match coverage {
        CoverageArg::Brief => CoverageDetail::Brief,
        CoverageArg::Full => CoverageDetail::Full,
    };
    output::to_stdout(|out| match format {
        Format::Text => write!(out, "{}", report.text_with(coverage)),
        Format::Json => writeln!(out, "{}", report.json()),
    })
}

/// Simulates, then analyzes exactly the files just written (not older ones
/// beside them); the report is what `check` prints on standard output.
pub fn check(args: &CheckArgs) -> Result<Verdict, String> {
    let mut said = Vec::new();
    let simulated = simulate::run(&args.simulate, Format::Text, &mut said)?;
    progress::note(String::from_utf8_lossy(&said).trim_end());
    let analyze = AnalyzeArgs {
        paths: simulated.files,
        format: args.simulate.format,
        report: args.report.clone(),
        summary: None,
        export: None,
        export_format: TableFormat::Parquet,
        jobs: None,
    };
    run(&analyze)
}

fn announce(what: &str, paths: Vec<PathBuf>) {
    for path in paths {
        progress::note(&format!("{what} {}", path.display()));
    }
}

fn verdict(summary: &Summary, report: &Report) -> Result<Verdict, String> {
    let problems = summary.problems.count;
    if problems > 0 {
        return Err(format!("{problems} input problem(s): the runs that could be read were analyzed, see above"));
    }
    Ok(if report.holds() { Verdict::Holds } else { Verdict::Violated })
}

/// The precision the help text states is the library's.
const _: () = assert!(RELATIVE_PRECISION < 0.002);
