//! `wl1 shrink`: from a violating seed to the smallest drill found that
//! still violates the same property at the same stage and region (see
//! `wl1::shrink`), written out with the command that replays it.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use wl1::run::RunSpec;
use wl1::shrink::{Outcome, Settings, Shrunk, Size, Target};
use wl1_analysis::text::{WIDTH, thousands, wrap};
use wl1_analysis::{SpecJudge, command_lines};

use super::drills;
use super::output::{Format, Verdict, to_stdout};
use super::progress::Bar;
use super::replay::WhichRun;
use super::signals::cancel_flag;

#[derive(Args, Clone, Debug)]
pub struct ShrinkArgs {
    #[command(flatten)]
    pub run: WhichRun,
    /// Keep the violation of this record id (by default the run's first
    /// violation is kept).
    #[arg(short, long, value_name = "ID")]
    pub record: Option<u32>,
    /// Stop after this many seconds of wall-clock time, keeping the smallest
    /// drill found so far.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub budget_s: f64,
    /// Stop after running this many candidate drills, keeping the smallest
    /// found so far: a budget that does not depend on the machine. With 0,
    /// the run's explicit drill is written as it is.
    #[arg(long, value_name = "N", default_value_t = Settings::default().max_candidates)]
    pub max_candidates: u32,
    /// Where to write the shrunk drill, atomically [default:
    /// SCENARIO-SEED-shrunk.toml in the current directory].
    #[arg(short, long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Shrinks; the verdict is `Violated` when the run violates, shrunk or not.
pub fn run(args: &ShrinkArgs) -> Result<Verdict, String> {
    let spec = spec(&args.run)?;
    let seed = args.run.seed;
    if !(args.budget_s > 0.0 && args.budget_s.is_finite()) {
        return Err(format!("--budget-s {}: give a number of seconds above 0", args.budget_s));
    }
    let settings = Settings { max_candidates: args.max_candidates, record: args.record };
    let bar = Bar::runs(args.max_candidates as u64, "shrinking");
    let deadline = Instant::now() + Duration::from_secs_f64(args.budget_s.min(1e9));
    let mut out_of_time = false;
    let mut go_on = |progress: &wl1::shrink::Progress| {
        bar.set(progress.tried as u64);
        out_of_time = Instant::now() >= deadline;
        !out_of_time && !cancel_flag().load(Ordering::Relaxed)
    };
    let outcome = wl1::shrink::shrink(&spec, seed, &mut SpecJudge, settings, &mut go_on);
    bar.finish();
    let shrunk = match outcome? {
        Outcome::Holds(size) => {
            print_holds(args, &size)?;
            return Ok(Verdict::Holds);
        }
        Outcome::Shrunk(shrunk) => shrunk,
    };
    let out = args.out.clone().unwrap_or_else(|| PathBuf::from(drills::file_name(&shrunk)));
    let replay = drills::write(&shrunk, &spec, &out)?;
    let stop = match (shrunk.complete, out_of_time, cancel_flag().load(Ordering::Relaxed)) {
        (true, ..) => None,
        (false, _, true) => Some("interrupted".to_string()),
        (false, true, _) => Some(format!("the budget of {} s ran out", args.budget_s)),
        (false, false, false) => Some(format!("the budget of {} candidates ran out", args.max_candidates)),
    };
    let report = Report { shrunk: &shrunk, out: &out, replay: &replay, stop: stop.as_deref() };
    to_stdout(|w| match args.format {
        Format::Text => report.text(w),
        Format::Json => writeln!(w, "{}", report.json()),
    })?;
    Ok(Verdict::Violated)
}

/// The run to shrink: stored in a trace file, or given by options.
fn spec(run: &WhichRun) -> Result<RunSpec, String> {
    run.spec(run.from.as_deref()).map(|(spec, _)| spec)
}

fn print_holds(args: &ShrinkArgs, size: &Size) -> Result<(), String> {
    to_stdout(|w| match args.format {
        Format::Text => {
            let line = format!("seed {} holds the specification: nothing to shrink", args.run.seed);
            write!(w, "{}", wrap(&line, WIDTH, 2))?;
            writeln!(w, "size: {}", one_line(size))
        }
        Format::Json => writeln!(w, "{}", json!({ "seed": args.run.seed, "holds": true, "size": size_json(size) })),
    })
}

struct Report<'a> {
    shrunk: &'a Shrunk,
    out: &'a std::path::Path,
    replay: &'a str,
    stop: Option<&'a str>,
}

impl Report<'_> {
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        let s = self.shrunk;
        let line = format!("seed {} of {} violates {}", s.seed, s.before.0.name, describe(&s.target));
        write!(w, "{}", wrap(&line, WIDTH, 2))?;
        writeln!(w, "{:<16}{:>12}{:>12}", "", "before", "after")?;
        let (b, a) = (&s.before.1, &s.after.1);
        let rows: [(&str, String, String); 6] = [
            ("faults", b.faults.to_string(), a.faults.to_string()),
            ("records", b.records.to_string(), a.records.to_string()),
            ("batches", b.batches.to_string(), a.batches.to_string()),
            ("steps", b.steps.to_string(), a.steps.to_string()),
            ("messages", thousands(b.messages), thousands(a.messages)),
            ("simulated ms", ms(b.end_us), ms(a.end_us)),
        ];
        for (what, before, after) in rows {
            writeln!(w, "  {what:<14}{before:>12}{after:>12}")?;
        }
        let mut line =
            format!("{} candidates run, {} taken, {} failed otherwise", s.tried, s.taken, s.failed_otherwise);
        match self.stop {
            Some(why) => line += &format!("; stopped early ({why}): the smallest drill found so far is kept"),
            None => line += "; no smaller drill among those tried violates the same way",
        }
        write!(w, "{}", wrap(&line, WIDTH, 2))?;
        writeln!(w, "shrunk drill: {}", self.out.display())?;
        writeln!(w, "replay it:")?;
        write!(w, "{}", command_lines(self.replay, 2))
    }

    fn json(&self) -> serde_json::Value {
        let s = self.shrunk;
        let (t, why) = (&s.target.violation, s.target.why.map(|w| w.name()));
        json!({
            "seed": s.seed,
            "holds": false,
            "violation": { "property": t.property, "place": t.place, "region": t.region, "record": t.record, "why": why },
            "before": size_json(&s.before.1),
            "after": size_json(&s.after.1),
            "candidates": s.tried,
            "taken": s.taken,
            "failed_otherwise": s.failed_otherwise,
            "complete": s.complete,
            "stopped": self.stop,
            "out": self.out.display().to_string(),
            "replay": self.replay,
        })
    }
}

fn describe(t: &Target) -> String {
    match t.violation.record {
        Some(record) => format!("{t}, record {record}"),
        None => t.to_string(),
    }
}

fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1e3)
}

fn one_line(s: &Size) -> String {
    format!(
        "{} faults, {} records, {} batches, {} steps, {} messages, {} simulated ms",
        s.faults,
        s.records,
        s.batches,
        s.steps,
        thousands(s.messages),
        ms(s.end_us)
    )
}

fn size_json(s: &Size) -> serde_json::Value {
    json!({
        "faults": s.faults,
        "records": s.records,
        "batches": s.batches,
        "steps": s.steps,
        "messages": s.messages,
        "end_us": s.end_us,
    })
}
