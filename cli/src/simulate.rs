//! `wl1 simulate`: many seeds of one or more scenarios into trace files.

mod selection;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use clap::Args;

use wl1::architecture::Architecture;
use wl1::config::{Options, Profile, Routing, Variant};
use wl1::engine::MILLISECOND;
use wl1::run::{
    DEFAULT_ARCHITECTURE, Plan, RunSpec, Summary, resolve_architecture, resolve_scenario, scenarios_of, simulate,
};
use wl1::scenario::{ChaosParams, ChaosSettings, Scenario, has_chaos};
use wl1::trace::trace_files;
use wl1_analysis::text::{WIDTH, wrap};

use wl1_analysis::text::{counted, thousands};

use super::names;
use super::output::Format;
use super::progress::{self, Bar};
use super::signals;

#[derive(Args, Clone, Debug)]
pub struct SimulateArgs {
    /// How many runs per scenario. Run i uses seed SEED+i.
    #[arg(short = 'n', long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub runs: u64,
    /// The first seed; `--seed X --runs 1` reproduces run X exactly.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Scenario to run (repeatable): a built-in name, `all` for every built-in
    /// one, or the path of a drill file (.toml). See `wl1 scenarios`.
    #[arg(short, long = "scenario", default_value = "baseline", value_name = "NAME", value_parser = names::scenarios())]
    pub scenarios: Vec<String>,
    #[command(flatten)]
    pub architecture: ArchitectureArg,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub chaos: ChaosArgs,
    #[command(flatten)]
    pub invariants: InvariantArgs,
    /// Directory the trace files are written to.
    #[arg(short, long, default_value = "traces")]
    pub out: PathBuf,
    /// Worker threads. The traces are the same whatever this is.
    #[arg(short, long, default_value_t = default_jobs(), value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,
    /// Simulate only shard I of N (0-based), for running one seed range on
    /// many machines: shard I writes the files whose number is I modulo N,
    /// and the N shards together write exactly the files of the whole run.
    /// `auto/N` takes I from the scheduler: JOB_COMPLETION_INDEX (a
    /// Kubernetes Indexed Job), else SLURM_ARRAY_TASK_ID (a Slurm array).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Steer the runs toward what earlier runs did not reach (needs
    /// --explore), as coverage-guided fuzzers keep a corpus: in each trace
    /// file, three runs in four take, instead of their own seed, the one of
    /// 64 seeds whose environment is nearest that of an earlier run of the file
    /// that reached a new (state, message) pair or destination order. Run i
    /// chooses among seed SEED+i and seeds SEED+RUNS+63i to SEED+RUNS+63i+62;
    /// each run replays by the seed it took. Off by default.
    #[arg(long)]
    pub steer: bool,
    /// Runs per trace file.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub runs_per_file: u64,
    /// Output format: a summary for people, or one JSON document (with
    /// `check`, the format of the report).
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The architecture whose machines run (`simulate`, `check`, `replay`), or
/// whose scenarios are listed (`scenarios`).
#[derive(Args, Clone, Debug, Default)]
pub struct ArchitectureArg {
    /// The architecture: a built-in one by name (see `wl1 architectures`),
    /// or the path of an architecture file (.toml), which the traces keep;
    /// `all` (simulate, check) for every built-in one, each with the
    /// scenarios named that it has, compared side by side by the report
    /// [default: workload1].
    #[arg(long = "architecture", value_name = "NAME|FILE.toml", value_parser = names::architecture())]
    pub name: Option<String>,
}

/// An architecture with the text of the file it came from (empty for a
/// built-in one), as a trace stores it.
pub type Resolved = (Arc<Architecture>, String);

impl ArchitectureArg {
    /// The architecture named, or the default one; `all` is refused, for
    /// the commands that take one architecture.
    pub fn resolve(&self) -> Result<Resolved, String> {
        if self.is_all() {
            return Err("--architecture all is for simulate and check: this command takes one architecture, \
                        a built-in one by name (see `wl1 architectures`) or a file"
                .into());
        }
        resolve_architecture(self.name.as_deref().unwrap_or(DEFAULT_ARCHITECTURE))
    }

    /// Whether every built-in architecture is asked for.
    pub fn is_all(&self) -> bool {
        self.name.as_deref() == Some(names::ALL_ARCHITECTURES)
    }

    /// The architectures named: every built-in one, in the order `wl1
    /// architectures` lists them, for `all`.
    pub fn resolve_all(&self) -> Result<Vec<Resolved>, String> {
        if !self.is_all() {
            return Ok(vec![self.resolve()?]);
        }
        wl1::architecture::BUILT_IN.iter().map(|(name, _)| resolve_architecture(name)).collect()
    }

    /// An error if an architecture is named and `spec`, which `source`
    /// decides, has another.
    pub fn check_agrees(&self, spec: &RunSpec, source: &str) -> Result<(), String> {
        let Some(name) = &self.name else { return Ok(()) };
        if *self.resolve()?.0 == *spec.architecture {
            return Ok(());
        }
        Err(format!(
            "--architecture {name} contradicts {source}, whose run is of the architecture {:?}: \
             leave --architecture out, the run's own is taken",
            spec.architecture.name
        ))
    }
}

/// Whether the model checks its invariants as it runs.
#[derive(Args, Clone, Debug)]
pub struct InvariantArgs {
    /// Check the model's invariants after every message (always on in debug
    /// builds): slower, and changes nothing in the traces.
    #[arg(long)]
    pub check_invariants: bool,
}

/// Options that change what a run does, shared by `simulate` and `replay`.
#[derive(Args, Clone, Debug)]
pub struct ModelArgs {
    /// Design variant to switch on (repeatable). See `wl1 scenarios`.
    #[arg(long = "variant", value_name = "NAME", value_parser = names::variants())]
    pub variants: Vec<Variant>,
    /// A TOML latency profile overriding the defaults (see README).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// How in-DNS spreads records: `alternate` (the original) or `weighted:W1,W2`.
    #[arg(long, default_value = "alternate")]
    pub routing: Routing,
    /// Records per Kafka delivery.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=Options::MAX_BATCH_SIZE as i64))]
    pub batch_size: u32,
    /// Deliver a partial Kafka batch once its oldest record waited this long
    /// (milliseconds). Off by default, as in the original.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=Options::MAX_LINGER_MS))]
    pub linger_ms: Option<u64>,
    /// Stop a run when simulated time reaches this many seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=Options::MAX_TIME_BOUND_S))]
    pub time_bound_s: u64,
    /// Each run draws its own environment around the profile: latencies and
    /// speeds, tails, pauses, a delay before each scenario step, long delays
    /// on a few messages (see README "Exploring"). The design under test
    /// (routing, batch size, variants) stays as given. Off by default.
    #[arg(long)]
    pub explore: bool,
}

fn default_jobs() -> u16 {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(1024) as u16)
}

impl ModelArgs {
    pub fn options(&self) -> Options {
        Options {
            routing: self.routing,
            batch_size: self.batch_size,
            linger: self.linger_ms.map(|ms| ms * MILLISECOND),
            variants: self.variants.iter().copied().collect(),
            time_bound: self.time_bound_s * 1_000 * MILLISECOND,
        }
    }

    pub fn profile(&self) -> Result<Profile, String> {
        match &self.profile {
            None => Ok(Profile::default()),
            Some(path) => Profile::read(path).map_err(|e| format!("--profile {e}")),
        }
    }

    /// What decides a run of `scenario` of `architecture` besides its seed,
    /// as these options say.
    pub fn spec(
        &self,
        (architecture, text): Resolved,
        (scenario, drill): (Scenario, String),
        profile: Profile,
    ) -> RunSpec {
        let spec = RunSpec::with_drill(scenario, drill, self.options(), profile).exploring(self.explore);
        spec.in_architecture(architecture, text)
    }
}

impl SimulateArgs {
    /// The scenarios named, of `architecture`, each with its drill text
    /// (empty for built-ins), each once. Two different scenarios of one name
    /// are refused: their runs could not be told apart by name. So are
    /// `--chaos-*` options for a scenario named on its own that has no chaos
    /// to set.
    pub fn scenarios(&self, architecture: &Arc<Architecture>) -> Result<Vec<(Scenario, String)>, String> {
        self.scenarios_named(architecture, &self.scenarios)
    }

    /// As [`SimulateArgs::scenarios`], for the scenarios `named` only.
    pub fn scenarios_named(
        &self,
        architecture: &Arc<Architecture>,
        named: &[String],
    ) -> Result<Vec<(Scenario, String)>, String> {
        let mut out: Vec<(Scenario, String)> = Vec::new();
        for given in named {
            let all = given == "all";
            let resolved =
                if all { self.all_scenarios(architecture)? } else { vec![resolve_scenario(architecture, given)?] };
            for resolved in resolved {
                if !all && self.chaos.is_set() && !has_chaos(&resolved.0) {
                    return Err(format!(
                        "{} set the chaos scenario's faults, but --scenario {given} has no chaos step",
                        self.chaos.given().join(", ")
                    ));
                }
                let (scenario, drill) = self.chaos.apply(resolved)?;
                match out.iter().find(|(s, _)| s.name == scenario.name) {
                    Some((_, seen)) if *seen == drill => {}
                    Some(_) => {
                        return Err(format!(
                            "--scenario {given}: two different scenarios are named {:?}; rename one",
                            scenario.name
                        ));
                    }
                    None => out.push((scenario, drill)),
                }
            }
        }
        Ok(out)
    }

    /// `--scenario all`: every built-in scenario of `architecture`.
    fn all_scenarios(&self, architecture: &Arc<Architecture>) -> Result<Vec<(Scenario, String)>, String> {
        let all: Vec<(Scenario, String)> = scenarios_of(architecture).into_iter().map(|s| (s, String::new())).collect();
        if all.is_empty() {
            return Err(format!(
                "--scenario all: the architecture {:?} has no built-in scenarios; give drill files",
                architecture.name
            ));
        }
        Ok(all)
    }
}

/// Settings of the chaos scenario's faults; given any, the chaos scenario
/// is stored in the trace as a drill so that its runs replay exactly.
/// Their defaults are the chaos scenario's own, shown in the help.
#[derive(Args, Clone, Debug, Default)]
pub struct ChaosArgs {
    #[arg(long, value_name = "N", help = chaos_help("Mean faults started per simulated minute", |p| p.faults_per_minute.to_string()))]
    pub chaos_rate: Option<u32>,
    #[arg(long, value_name = "MIN,MAX", value_parser = parse_pair, help = chaos_help(
        "How long a fault lasts, in milliseconds",
        |p| format!("{},{}", p.duration_ms[0], p.duration_ms[1])
    ))]
    pub chaos_duration_ms: Option<[u64; 2]>,
    #[arg(long, value_name = "N", help = chaos_help("The most faults at once", |p| p.max_at_once.to_string()))]
    pub chaos_max_at_once: Option<u32>,
    #[arg(long, value_name = "MS", help = chaos_help(
        "Milliseconds after the start by which every fault has been recovered",
        |p| p.deadline_ms.to_string()
    ))]
    pub chaos_deadline_ms: Option<u64>,
}

/// The help of a chaos option, with the chaos scenario's default.
fn chaos_help(what: &str, default: impl Fn(&ChaosParams) -> String) -> String {
    format!("Chaos: {what} [default: {}]", default(&ChaosParams::default()))
}

/// The variables a scheduler gives a task its index in, in the order
/// `--shard auto/N` reads them.
pub const SHARD_INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

/// `I/N`, or `auto/N` with I from the scheduler's variables.
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{s:?}: expected I/N with 0 <= I < N (for example 3/8), or auto/N");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let n: u64 = n.trim().parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
    let i = match i.trim() {
        "auto" => scheduled_index(n)?,
        i => i.parse().ok().filter(|&i| i < n).ok_or_else(bad)?,
    };
    Ok((i, n))
}

/// The index a scheduler gave this task, checked against `count`.
fn scheduled_index(count: u64) -> Result<u64, String> {
    let found = SHARD_INDEX_VARIABLES.iter().find_map(|&name| std::env::var(name).ok().map(|value| (name, value)));
    let Some((name, value)) = found else {
        return Err(format!(
            "auto/{count}: neither {} is set; run under a Kubernetes Indexed Job or a Slurm array, \
             or give the index as I/{count}",
            SHARD_INDEX_VARIABLES.join(" nor ")
        ));
    };
    match value.trim().parse::<u64>() {
        Ok(index) if index < count => Ok(index),
        Ok(index) => Err(format!("auto/{count}: {name}={index}, but shards are numbered 0 to {}", count - 1)),
        Err(_) => Err(format!("auto/{count}: {name}={value:?} is not a shard index")),
    }
}

fn parse_pair(s: &str) -> Result<[u64; 2], String> {
    let (a, b) = s.split_once(',').ok_or_else(|| format!("{s:?}: expected MIN,MAX"))?;
    let parse = |v: &str| v.trim().parse::<u64>().map_err(|e| format!("{v:?}: {e}"));
    Ok([parse(a)?, parse(b)?])
}

impl ChaosArgs {
    pub fn is_set(&self) -> bool {
        self.settings().is_set()
    }

    /// The options given, by name.
    fn given(&self) -> Vec<&'static str> {
        [
            ("--chaos-rate", self.chaos_rate.is_some()),
            ("--chaos-duration-ms", self.chaos_duration_ms.is_some()),
            ("--chaos-max-at-once", self.chaos_max_at_once.is_some()),
            ("--chaos-deadline-ms", self.chaos_deadline_ms.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    /// The settings given.
    pub fn settings(&self) -> ChaosSettings {
        ChaosSettings {
            faults_per_minute: self.chaos_rate,
            duration_ms: self.chaos_duration_ms,
            max_at_once: self.chaos_max_at_once,
            deadline_ms: self.chaos_deadline_ms,
        }
    }

    /// Applies the settings to every chaos step of `scenario`.
    pub fn apply(&self, scenario: (Scenario, String)) -> Result<(Scenario, String), String> {
        self.settings().apply(scenario).map_err(|e| format!("{}: {e}", self.given().join(", ")))
    }
}

/// Simulates and writes the closing summary to `out`.
pub fn run(args: &SimulateArgs, format: Format, out: &mut dyn Write) -> Result<Summary, String> {
    let profile = args.model.profile()?;
    args.seed.checked_add(args.runs - 1).ok_or("--seed plus --runs goes past the largest seed (2^64 - 1)")?;
    let plans: Vec<Plan> = args.selection()?.into_iter().map(|(a, s)| args.plan(a, s, &profile)).collect();
    warn_of_other_traces(&args.out, &plans);
    // Simulation stops at a signal, even inside a run.
    let cancel = signals::cancel_flag();
    let started = Instant::now();
    let in_shard: u64 = plans.iter().map(Plan::runs_in_shard).sum();
    if let (Some((index, count)), 0) = (args.shard, in_shard) {
        warn(&format!("warning: {}", empty_shard(index, count, args.runs.div_ceil(args.runs_per_file))));
    }
    let bar = Bar::runs(in_shard, "simulate");
    let mut total = Summary::default();
    for plan in &plans {
        match simulate(plan, cancel, &|n| bar.inc(n)) {
            Ok(part) => total.add(part),
            Err(stopped) => {
                bar.finish();
                total.add(stopped.saved);
                let saved = total.saved(&args.out);
                return Err(format!("{}; {saved}; the files in progress were discarded", stopped.error));
            }
        }
    }
    bar.finish();
    progress::timed("simulated", total.runs, started);
    if cancel.load(Ordering::Relaxed) {
        return Err(format!("interrupted: {}; the files in progress were discarded", total.saved(&args.out)));
    }
    warn_of_stalled_runs(&total.stalled);
    warn_of_temporary_files(&args.out);
    print_summary(&total, started.elapsed().as_secs_f64(), args, format, out)
        .map_err(|e| format!("cannot write the summary: {e}"))?;
    Ok(total)
}

/// What an empty shard says: which shards get the files.
pub fn empty_shard(index: u64, count: u64, files: u64) -> String {
    format!(
        "shard {index}/{count} gets no runs: the seed range makes {files} file(s) (see --runs-per-file), \
         simulated by shards 0 to {}",
        files.min(count) - 1
    )
}

/// Says so when `dir` already holds trace files that these plans do not
/// write: `wl1 analyze DIR` would read them too.
fn warn_of_other_traces(dir: &Path, plans: &[Plan]) {
    if !dir.is_dir() {
        return;
    }
    let (found, _) = trace_files(&[dir.to_owned()]);
    let others: Vec<&PathBuf> = found.iter().filter(|f| !plans.iter().any(|p| p.writes(f))).collect();
    if let Some(first) = others.first() {
        warn(&format!(
            "warning: {} already holds {} trace file(s) of other runs (such as {}); \
             `wl1 analyze {}` will read them beside the new ones",
            dir.display(),
            others.len(),
            first.display(),
            dir.display()
        ));
    }
}

/// Names the temporary trace files in `dir`, which this command removed
/// if they were its own: those of a `wl1` that was killed (which could not
/// remove them), or that is still writing there.
fn warn_of_temporary_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut left: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".partial") && name.contains(".wl1."))
        .collect();
    left.sort();
    if let Some(first) = left.first() {
        warn(&format!(
            "warning: {} holds {} temporary trace file(s), such as {first}, left by a wl1 that was killed \
             or is still writing there: no reader takes them; remove them once no wl1 writes there",
            dir.display(),
            left.len()
        ));
    }
}

/// A warning on standard error, within the report's width.
fn warn(text: &str) {
    eprint!("{}", wrap(text, WIDTH, 2));
}

/// Names the runs the engine's progress guard stopped.
fn warn_of_stalled_runs(seeds: &[u64]) {
    if !seeds.is_empty() {
        let shown: Vec<String> = seeds.iter().take(10).map(u64::to_string).collect();
        warn(&format!(
            "warning: {} run(s) spun without simulated time advancing and were stopped and counted as \
             stuck, seeds {}{}",
            seeds.len(),
            shown.join(", "),
            if seeds.len() > shown.len() { ", ..." } else { "" }
        ));
    }
}

impl SimulateArgs {
    fn plan(&self, architecture: Resolved, scenario: (Scenario, String), profile: &Profile) -> Plan {
        let spec = self.model.spec(architecture, scenario, profile.clone());
        Plan {
            spec: RunSpec { check_invariants: self.invariants.check_invariants, ..spec },
            first_seed: self.seed,
            runs: self.runs,
            out_dir: self.out.clone(),
            jobs: self.jobs as usize,
            runs_per_file: self.runs_per_file,
            shard: self.shard,
            steer: self.steer,
        }
    }
}

fn print_summary(
    s: &Summary,
    wall: f64,
    args: &SimulateArgs,
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let per_event = s.bytes as f64 / s.trace_events.max(1) as f64;
    let runs_per_s = s.runs as f64 / wall.max(1e-9);
    match format {
        Format::Json => {
            let json = serde_json::json!({
                "runs": s.runs,
                "completed": s.completed,
                "stuck": s.stuck,
                "time_bound": s.time_bound,
                "message_events": s.message_events,
                "trace_events": s.trace_events,
                "bytes": s.bytes,
                "bytes_per_trace_event": per_event,
                "wall_seconds": wall,
                "runs_per_second": runs_per_s,
                "files": s.files,
            });
            writeln!(out, "{json}")?;
        }
        Format::Text => {
            let files = counted(s.files.len() as u64, "file");
            let line = format!(
                "simulated {} runs into {} ({files}): {} completed, {} stuck, {} hit the time bound",
                thousands(s.runs),
                args.out.display(),
                thousands(s.completed),
                thousands(s.stuck),
                thousands(s.time_bound)
            );
            write!(out, "{}", wrap(&line, WIDTH, 2))?;
            writeln!(
                out,
                "{} message events, {} trace events, {} bytes ({per_event:.2} bytes per trace event)",
                thousands(s.message_events),
                thousands(s.trace_events),
                thousands(s.bytes)
            )?;
            writeln!(
                out,
                "wall time {wall:.3} s: {} runs/s, {:.2} M message events/s",
                thousands(runs_per_s.round() as u64),
                s.message_events as f64 / wall.max(1e-9) / 1e6
            )?;
        }
    }
    Ok(())
}

/// The text of `wl1 scenarios`: the built-in scenarios of `architecture`,
/// and the design variants.
pub fn scenario_list(architecture: &Arc<Architecture>) -> String {
    let mut out = String::from("scenarios:\n");
    let scenarios = scenarios_of(architecture);
    for s in &scenarios {
        out += &wrap(&format!("  {:<10} {}", s.name, s.description), WIDTH, 13);
    }
    if scenarios.is_empty() {
        let none = format!("  none built in for {}: give the path of a drill file to --scenario", architecture.name);
        out += &wrap(&none, WIDTH, 4);
    }
    out += "\nvariants (--variant NAME, repeatable):\n";
    for &v in Variant::ALL {
        out += &wrap(&format!("  {:<24} {}", v.name(), v.describe()), WIDTH, 27);
    }
    out
}
