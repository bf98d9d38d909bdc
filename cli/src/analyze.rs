//! `wl1 analyze` and `wl1 check`: the analysis library's report, printed,
//! and on request drawn as an HTML page or SVG files.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use wl1_analysis::output::compare::Comparison;
use wl1_analysis::output::{export, html, plot};
use wl1_analysis::{CoverageDetail, Export, ExportFormat, RELATIVE_PRECISION, Report, Settings, Shard, Sink, Summary};

use super::drills;
use super::output::{self, Format, Verdict};
use super::output_paths::{self, Output};
use super::progress::{self, Bar};
use super::signals;
use super::simulate::{self, SimulateArgs};
use super::store::{self, Remote, Written};

const AFTER_HELP: &str = "\
Runs are pooled per group: runs that share their scenario (with its drill text), options,
variants and latency profile. A run met twice (a copied file, overlapping seed ranges) is
counted once and reported as a duplicate. Counts, means and maxima are exact; percentiles
come from log-linear histograms and are within 0.2% of the exact values.";

#[derive(Args, Clone, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct AnalyzeArgs {
    /// Trace files, directories searched recursively for *.wl1 traces and
    /// *.json summaries (written by --summary), and object storage
    /// prefixes (s3://bucket/prefix/, gs://, az://, file://) whose *.json
    /// summaries are merged, in any mix: the report is that of their union.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// Output format of the report.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The shard (`I/N`, or `auto/N` from JOB_COMPLETION_INDEX or
    /// SLURM_ARRAY_TASK_ID) whose runs these are, recorded in the summary so
    /// that a merge can name the shards missing. A shard with no runs still
    /// writes its summary.
    #[arg(long, value_name = "I/N", value_parser = simulate::parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// The summaries merged must come from N shards (--shard I/N): the
    /// shards missing are named, and are an error (exit 2).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
    /// Chunks of runs analyzed at once, 1 to 1024 [default: the number of
    /// cores].
    #[arg(short, long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,
}

/// Where the analysis is kept besides the report: shared by `analyze` and
/// `check`.
#[derive(Args, Clone, Debug, Default)]
pub struct StoreArgs {
    /// Also store the analysis (JSON, format wl1-analysis-summary), to be
    /// merged later: a FILE, or an object URL (s3://bucket/prefix/shard-7.json,
    /// gs://, az://, file://) written once: a retry with the same bytes
    /// succeeds, other bytes are refused. Credentials come from the usual
    /// variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL,
    /// AWS_REGION, AWS_ALLOW_HTTP).
    #[arg(long, value_name = "FILE|URL")]
    pub summary: Option<PathBuf>,
    /// Write the tables runs, records (one row per run and record, with the
    /// first time at every stage) and violations to this directory or
    /// object storage prefix, for other tools. Only runs read from traces,
    /// not from summaries.
    #[arg(long, value_name = "DIR|URL")]
    pub export: Option<PathBuf>,
    /// File format of the exported tables.
    #[arg(long, value_enum, default_value_t = TableFormat::Parquet)]
    pub export_format: TableFormat,
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
    /// Shrink the first N violating seeds listed per group (see `wl1
    /// shrink`, at most 2000 candidate drills each) and show, beside each
    /// replay command, the shrunk drill's size and the command that replays
    /// it.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub shrink: usize,
    /// Where `--shrink` writes the shrunk drills.
    #[arg(long, value_name = "DIR", default_value = "shrunk")]
    pub shrink_dir: PathBuf,
    /// Start the report with the comparison of its groups, one row per
    /// architecture and scenario: verdict, violating seeds, main property
    /// and stage, latency p50 / p99 per region, time to deliver the last
    /// batch (a matrix on the HTML page). On by itself when the runs are of
    /// several architectures, and with `check --architecture all`.
    #[arg(long)]
    pub compare: bool,
}

/// The choices of `--coverage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CoverageArg {
    Brief,
    Full,
}

impl ReportArgs {
    /// The outputs asked for: `--html` and `--plot`.
    fn outputs(&self) -> Vec<Output<'_>> {
        let html = self.html.as_deref().map(|path| Output::file("--html", path));
        let plot = self.plot.as_deref().map(|dir| Output::folder("--plot", dir, &[]));
        let drills = (self.shrink > 0).then(|| Output::folder("--shrink-dir", &self.shrink_dir, &[]));
        html.into_iter().chain(plot).chain(drills).collect()
    }
}

/// The file formats of `--export`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Apache Parquet: compact, typed, strings dictionary-encoded.
    #[default]
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
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Analyzes, prints the report, and says whether the spec held. An `Err`
/// means the analysis could not be completed, there were no runs, or some
/// input was bad (after reporting what could be read).
pub fn run(args: &AnalyzeArgs) -> Result<Verdict, String> {
    let format = args.store.export_format.into();
    let mut outputs = args.report.outputs();
    let (remote, local): (Vec<&PathBuf>, Vec<&PathBuf>) = args.paths.iter().partition(|p| is_url(p));
    let local: Vec<PathBuf> = local.into_iter().cloned().collect();
    outputs.extend(args.store.summary.as_deref().filter(|p| !is_url(p)).map(|path| Output::file("--summary", path)));
    if let Some(dir) = args.store.export.as_deref().filter(|p| !is_url(p)) {
        outputs.push(Output::folder("--export", dir, &export::table_names(format).each_ref().map(String::as_str)));
    }
    output_paths::check(&local, &outputs)?;
    let defaults = Settings::default();
    let settings = Settings {
        seeds_kept: args.report.max_seeds,
        analyzers: args.jobs.map_or(defaults.analyzers, usize::from),
        cancel: Some(signals::cancel_flag()),
        ..defaults
    };
    let fetched = fetch_summaries(&remote)?;
    let mut export = args.store.export.as_deref().map(|dir| Exporting::new(dir, format)).transpose()?;
    let started = Instant::now();
    let bar = Bar::bytes("analyze");
    let sink = export.as_mut().map(|e| &mut e.export as &mut dyn Sink);
    let mut summary = wl1_analysis::analyze_with(
        &local,
        fetched,
        &settings,
        &|done| bar.set_bytes(done.runs, done.bytes, done.total_bytes),
        sink,
    )?;
    bar.finish();
    progress::timed("analyzed", summary.runs(), started);
    if let Some((index, count)) = args.shard {
        summary.add_shard(Shard { index, count, runs: summary.runs() });
    }
    if let Some(count) = args.shards {
        name_missing_shards(&mut summary, count);
    }
    for problem in &summary.problems.listed {
        eprint!("{}", wl1_analysis::text::wrap(&format!("bad input: {problem}"), wl1_analysis::text::WIDTH, 2));
    }
    if let (Some((index, count)), 0) = (args.shard, summary.runs()) {
        progress::note(&format!("shard {index}/{count} counted no runs"));
        store_summary(&args.store, &summary)?;
        return verdict_of_problems(&summary).map(|()| Verdict::Holds);
    }
    let mut report = Report::new(&summary, args.report.max_seeds)?;
    report.compare |= args.report.compare;
    shrink_listed(&mut report, &args.report)?;
    print_report(&report, args.format, args.report.coverage)?;
    signals::not_interrupted(NO_OUTPUT)?;
    store_summary(&args.store, &summary)?;
    if let Some(export) = export {
        signals::not_interrupted(NO_OUTPUT)?;
        announce("exported", export.finish()?);
    }
    draw(&args.report, &report, &summary, &args.paths)?;
    verdict(&summary, &report)
}

/// Shrinks the first `--shrink` seeds listed of each group, writing their
/// drills into `--shrink-dir`.
fn shrink_listed(report: &mut Report, args: &ReportArgs) -> Result<(), String> {
    let rows = report.groups.iter_mut().flat_map(|g| g.seeds.iter_mut().take(args.shrink));
    let rows: Vec<&mut wl1_analysis::SeedRow> = rows.collect();
    let bar = Bar::runs(rows.len() as u64, "shrink");
    for row in rows {
        let spec = wl1::trace::Spec::from_text(&row.spec, wl1::trace::format::MAX_SPEC_LEN as usize)?;
        let spec = wl1::run::RunSpec::from_stored(&std::sync::Arc::new(spec))?;
        let cancel = signals::cancel_flag();
        let settings = wl1::shrink::Settings::default();
        let go_on = &mut |_: &wl1::shrink::Progress| !cancel.load(std::sync::atomic::Ordering::Relaxed);
        let found = wl1::shrink::shrink(&spec, row.seed, &mut wl1_analysis::SpecJudge, settings, go_on)?;
        signals::not_interrupted("no report written")?;
        if let wl1::shrink::Outcome::Shrunk(shrunk) = found {
            let out = args.shrink_dir.join(drills::file_name_in_group(&shrunk, &spec));
            let command = drills::write(&shrunk, &spec, &out)?;
            let (size, drill) = (shrunk.after.1, out.display().to_string());
            let (faults, records, messages) = (size.faults, size.records, size.messages);
            row.shrunk = Some(wl1_analysis::ShrunkSeed { faults, records, messages, drill, command });
        }
        bar.inc(1);
    }
    bar.finish();
    Ok(())
}

/// The summaries under the object storage prefixes given.
fn fetch_summaries(prefixes: &[&PathBuf]) -> Result<Vec<wl1_analysis::Fetched>, String> {
    let mut fetched = Vec::new();
    for prefix in prefixes {
        let remote = Remote::open(&prefix.to_string_lossy())?;
        let found = remote.read_all_json()?;
        if found.is_empty() {
            return Err(format!("{}: holds no summary (*.json)", remote.url));
        }
        fetched.extend(found);
    }
    Ok(fetched)
}

/// Counts each shard of `count` that no summary names as an input problem.
fn name_missing_shards(summary: &mut Summary, count: u64) {
    let missing = summary.missing_shards(count);
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(u64::to_string).collect();
        summary.problems.add(format!(
            "--shards {count}: {} of the {count} shards are missing (no summary names them): shard {}",
            missing.len(),
            list.join(", ")
        ));
    }
}

/// Stores the summary where `--summary` says: a local file, or an object
/// written once.
fn store_summary(args: &StoreArgs, summary: &Summary) -> Result<(), String> {
    let Some(path) = &args.summary else { return Ok(()) };
    let place = path.to_string_lossy();
    if !store::is_url(&place) {
        summary.write(path)?;
        announce("summarized", vec![path.clone()]);
        return Ok(());
    }
    match Remote::open(&place)?.create(&summary.to_bytes()?)? {
        Written::Created => progress::note(&format!("summarized {place}")),
        Written::AlreadyThere => progress::note(&format!("{place} already holds this very summary (a retry)")),
    }
    Ok(())
}

/// An export into a local directory, or into a temporary one whose tables
/// are then written once each under an object storage prefix.
struct Exporting {
    export: Export,
    remote: Option<(Remote, PathBuf)>,
}

impl Exporting {
    fn new(place: &std::path::Path, format: ExportFormat) -> Result<Exporting, String> {
        let name = place.to_string_lossy();
        if !store::is_url(&name) {
            return Ok(Exporting { export: Export::new(place, format)?, remote: None });
        }
        let remote = Remote::open(&name)?;
        let staging = std::env::temp_dir().join(format!("wl1-export-{}", std::process::id()));
        Ok(Exporting { export: Export::new(&staging, format)?, remote: Some((remote, staging)) })
    }

    /// The tables' paths (or URLs) once all are written.
    fn finish(self) -> Result<Vec<PathBuf>, String> {
        let written = self.export.finish()?;
        let Some((remote, staging)) = self.remote else { return Ok(written) };
        let uploaded = written.iter().map(|file| {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let object = remote.child(&name);
            object.create(&bytes)?;
            Ok(PathBuf::from(object.url))
        });
        let uploaded: Result<Vec<PathBuf>, String> = uploaded.collect();
        let _ = std::fs::remove_dir_all(&staging);
        uploaded
    }
}

/// What an interrupted analysis says: each output is written whole or not
/// at all, and the later ones not.
const NO_OUTPUT: &str = "the outputs not yet written were not";

/// Writes the HTML page and the SVG files asked for.
fn draw(args: &ReportArgs, report: &Report, summary: &Summary, inputs: &[PathBuf]) -> Result<(), String> {
    if let Some(path) = &args.html {
        signals::not_interrupted(NO_OUTPUT)?;
        let started = Instant::now();
        let runs = html::runs_drawn(report);
        let bar = Bar::runs(runs, "report");
        html::write(path, report, summary, &provenance(inputs), &|drawn| bar.set(drawn))?;
        bar.finish();
        progress::timed("drew the pictures of", runs, started);
        announce("wrote", vec![path.clone()]);
    }
    if let Some(dir) = &args.plot {
        signals::not_interrupted(NO_OUTPUT)?;
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
    let compared = report.compare.then(|| Comparison::of(report));
    output::to_stdout(|out| match (format, compared) {
        (Format::Text, None) => write!(out, "{}", report.text_with(coverage)),
        (Format::Text, Some(c)) => write!(out, "{}", c.report_text(coverage)),
        (Format::Json, None) => writeln!(out, "{}", report.json()),
        (Format::Json, Some(c)) => writeln!(out, "{}", c.report_json()),
    })
}

impl From<TableFormat> for ExportFormat {
    fn from(format: TableFormat) -> ExportFormat {
        match format {
            TableFormat::Parquet => ExportFormat::Parquet,
            TableFormat::Csv => ExportFormat::Csv,
        }
    }
}

fn is_url(path: &std::path::Path) -> bool {
    store::is_url(&path.to_string_lossy())
}

/// Simulates, then analyzes exactly the files just written (not older ones
/// beside them); the report is what `check` prints on standard output.
pub fn check(args: &CheckArgs) -> Result<Verdict, String> {
    output_paths::check(std::slice::from_ref(&args.simulate.out), &args.report.outputs())?;
    let mut said = Vec::new();
    let simulated = simulate::run(&args.simulate, Format::Text, &mut said)?;
    progress::note(String::from_utf8_lossy(&said).trim_end());
    let report =
        ReportArgs { compare: args.report.compare || args.simulate.architecture.is_all(), ..args.report.clone() };
    let analyze = AnalyzeArgs {
        paths: simulated.files,
        format: args.simulate.format,
        report,
        store: args.store.clone(),
        shard: args.simulate.shard,
        shards: None,
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
    verdict_of_problems(summary)?;
    Ok(if report.holds() { Verdict::Holds } else { Verdict::Violated })
}

/// An error if any input was bad.
fn verdict_of_problems(summary: &Summary) -> Result<(), String> {
    let problems = summary.problems.count;
    if problems > 0 {
        return Err(format!("{problems} input problem(s): the runs that could be read were analyzed, see above"));
    }
    Ok(())
}

/// The precision the help text states is the library's.
const _: () = assert!(RELATIVE_PRECISION < 0.002);
