//! `wl1 simulate`: many seeds of one or more scenarios into trace files.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use clap::Args;

use crate::engine::MILLISECOND;
use crate::model::{Options, Routing, Variant};
use crate::run::{Plan, Profile, RunSpec, Summary, simulate};
use crate::scenario::{BUILT_IN, Scenario, built_in};

use super::{Format, progress_bar};

#[derive(Args, Clone, Debug)]
pub struct SimulateArgs {
    /// How many runs per scenario. Run i uses seed SEED+i.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
    pub runs: u64,
    /// The first seed; `--seed X --runs 1` reproduces run X exactly.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Scenario to run (repeatable); `all` runs every built-in one. See `wl1 scenarios`.
    #[arg(long = "scenario", default_value = "baseline", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Design variant to switch on (repeatable). See `wl1 scenarios`.
    #[arg(long = "variant", value_name = "NAME")]
    pub variants: Vec<Variant>,
    /// Directory the trace files are written to.
    #[arg(long, default_value = "traces")]
    pub out: PathBuf,
    /// Worker threads. The traces are the same whatever this is.
    #[arg(long, default_value_t = default_jobs(), value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: u16,
    /// A TOML latency profile overriding the defaults (see README).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// How in-DNS spreads records: `alternate` (the original) or `weighted:W1,W2`.
    #[arg(long, default_value = "alternate")]
    pub routing: Routing,
    /// Records per Kafka delivery.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub batch_size: u32,
    /// Deliver a partial Kafka batch once its oldest record waited this long
    /// (milliseconds). Off by default, as in the original.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub linger_ms: Option<u64>,
    /// Stop a run when simulated time reaches this many seconds.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=864_000))]
    pub time_bound_s: u64,
    /// Runs per trace file.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub runs_per_file: u64,
    /// Format of the closing summary.
    #[arg(long = "summary-format", value_enum, default_value_t = Format::Text)]
    pub summary_format: Format,
}

fn default_jobs() -> u16 {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(1024) as u16)
}

impl SimulateArgs {
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
        let Some(path) = &self.profile else {
            return Ok(Profile::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Profile::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn scenarios(&self) -> Result<Vec<Scenario>, String> {
        let mut out = Vec::new();
        for name in &self.scenarios {
            if name == "all" {
                out.extend(BUILT_IN.iter().filter_map(|n| built_in(n)));
            } else {
                out.push(built_in(name).ok_or_else(|| {
                    format!(
                        "unknown scenario {name:?}; valid scenarios: {}, all",
                        BUILT_IN.join(", ")
                    )
                })?);
            }
        }
        out.dedup_by(|a, b| a.name == b.name);
        Ok(out)
    }
}

pub fn run(args: &SimulateArgs) -> Result<Summary, String> {
    let profile = args.profile()?;
    let scenarios = args.scenarios()?;
    let started = Instant::now();
    let cancel = AtomicBool::new(false);
    let bar = progress_bar(args.runs * scenarios.len() as u64, "simulate");
    let mut total = Summary::default();
    for scenario in scenarios {
        let plan = Plan {
            spec: RunSpec::new(scenario, args.options(), profile.clone()),
            first_seed: args.seed,
            runs: args.runs,
            out_dir: args.out.clone(),
            jobs: args.jobs as usize,
            runs_per_file: args.runs_per_file,
        };
        let summary = simulate(&plan, &cancel, &|n| bar.inc(n)).map_err(|e| e.to_string())?;
        total.runs += summary.runs;
        total.message_events += summary.message_events;
        total.trace_events += summary.trace_events;
        total.bytes += summary.bytes;
        total.completed += summary.completed;
        total.stuck += summary.stuck;
        total.time_bound += summary.time_bound;
        total.files.extend(summary.files);
    }
    bar.finish_and_clear();
    print_summary(&total, started.elapsed().as_secs_f64(), args);
    Ok(total)
}

fn print_summary(s: &Summary, wall: f64, args: &SimulateArgs) {
    let per_event = s.bytes as f64 / s.trace_events.max(1) as f64;
    let runs_per_s = s.runs as f64 / wall.max(1e-9);
    match args.summary_format {
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
            println!("{json}");
        }
        Format::Text => {
            println!(
                "simulated {} runs into {} ({} files): {} completed, {} stuck, {} hit the time bound",
                s.runs,
                args.out.display(),
                s.files.len(),
                s.completed,
                s.stuck,
                s.time_bound
            );
            println!(
                "{} message events, {} trace events, {} bytes ({per_event:.2} bytes per trace event)",
                s.message_events, s.trace_events, s.bytes
            );
            println!(
                "wall time {wall:.3} s: {runs_per_s:.0} runs/s, {:.2} M message events/s",
                s.message_events as f64 / wall.max(1e-9) / 1e6
            );
        }
    }
}

/// The text of `wl1 scenarios`.
pub fn scenario_list() -> String {
    let mut out = String::from("scenarios:\n");
    for name in BUILT_IN {
        let s = built_in(name).expect("built-in");
        out += &format!("  {name:<10} {}\n", s.description);
    }
    out += "\nvariants (--variant NAME, repeatable):\n";
    for v in Variant::ALL {
        out += &format!("  {:<24} {}\n", v.name(), v.describe());
    }
    out
}
