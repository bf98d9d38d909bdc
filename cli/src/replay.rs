//! `wl1 replay`: re-simulates one seed and prints its timeline: every
//! message handled, with the stages and state changes it caused, then where
//! any undelivered record sits and why.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use wl1::config::Environment;
use wl1::engine::MILLISECOND;
use wl1::model::ContainerState;
use wl1::model::topology;
use wl1::run::{Delivery, MAX_LOGGED, RunSpec, Simulator, stranded};
use wl1::scenario::resolve;
use wl1::trace::format::{decode_payload, encode_payload};
use wl1::trace::{Event, Kind, RunHeader, TraceError, TraceFile};

use super::simulate::ModelArgs;
use super::{Verdict, to_stdout};

#[derive(Args, Clone, Debug)]
pub struct ReplayArgs {
    /// The seed to replay.
    #[arg(long)]
    pub seed: u64,
    /// Replay the run of this seed stored in a trace file, with the
    /// scenario, options and profile recorded there.
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Scenario to replay, a built-in name or a drill file (ignored with --from or --check).
    #[arg(long, default_value = "baseline", value_name = "NAME")]
    pub scenario: String,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Show only what concerns this record id.
    #[arg(long, value_name = "ID")]
    pub record: Option<u32>,
    /// Confirm that the replay reproduces exactly, byte for byte, the run of
    /// this seed stored in this trace file.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

pub fn run(args: &ReplayArgs) -> Result<Verdict, String> {
    let stored = match args.from.as_ref().or(args.check.as_ref()) {
        Some(file) => Some(stored_run(file, args.seed)?),
        None => None,
    };
    // A stored run is replayed in the environment its trace recorded.
    let (spec, environment) = match &stored {
        Some((header, _)) => {
            let spec = RunSpec { check_invariants: args.model.check_invariants, ..RunSpec::from_stored(&header.spec)? };
            (spec, header.environment.as_deref().cloned())
        }
        None => {
            let spec = args.model.spec(resolve(&args.scenario)?, args.model.profile()?);
            let environment = Simulator::environment(&spec, args.seed);
            (spec, environment)
        }
    };
    let mut sim = Simulator::new();
    let mut log = Vec::new();
    let header = sim.run_logged(&spec, args.seed, environment, &mut log);
    to_stdout(|out| {
        print_header(out, &header)?;
        print_timeline(out, &sim, &log, args.record)?;
        print_unlisted(out, &sim, log.len(), header.outcome.message_events)?;
        print_stranded(out, &sim, args.record)?;
        match (&args.check, &stored) {
            (Some(file), Some((_, bytes))) => compare(out, file, &header, sim.events(), bytes),
            _ => Ok(Verdict::Holds),
        }
    })
}

/// The stored header and payload bytes of `seed`'s run in `file`. If the
/// file holds no readable run of that seed, the error names any damage
/// met on the way, where the run may have been.
fn stored_run(file: &Path, seed: u64) -> Result<(RunHeader, Vec<u8>), String> {
    let mut trace = TraceFile::open(file).map_err(|e| e.to_string())?;
    let spec = trace.spec().clone();
    let mut damage = Vec::new();
    while let Some(next) = trace.next_payload() {
        let decoded = next.and_then(|(offset, payload)| match decode_payload(payload, &spec) {
            Ok(run) => Ok((run, payload.to_vec())),
            Err(problem) => Err(TraceError { path: file.to_owned(), offset: Some(offset), run: None, problem }),
        });
        match decoded {
            Ok((run, payload)) if run.header.seed == seed => return Ok((run.header, payload)),
            Ok(_) => {}
            Err(e) => damage.push(e.to_string()),
        }
    }
    let mut message = format!("{}: holds no run with seed {seed}", file.display());
    if !damage.is_empty() {
        message += &format!("; the file is damaged, and the run may be among those lost: {}", damage.join("; "));
    }
    Err(message)
}

fn compare(
    out: &mut dyn Write,
    file: &Path,
    header: &RunHeader,
    events: &[Event],
    stored: &[u8],
) -> io::Result<Verdict> {
    let mut replayed = Vec::new();
    encode_payload(header, events, &mut replayed);
    if replayed == stored {
        writeln!(
            out,
            "\ncheck: the replay reproduces the run stored in {} byte for byte ({} bytes)",
            file.display(),
            stored.len()
        )?;
        return Ok(Verdict::Holds);
    }
    let at = replayed.iter().zip(stored).position(|(a, b)| a != b).unwrap_or(replayed.len().min(stored.len()));
    writeln!(
        out,
        "\ncheck: the replay DIFFERS from the run stored in {}: first difference at byte {at} of the run ({} bytes replayed, {} stored)",
        file.display(),
        replayed.len(),
        stored.len()
    )?;
    Ok(Verdict::Violated)
}

fn print_header(out: &mut dyn Write, h: &RunHeader) -> io::Result<()> {
    writeln!(
        out,
        "seed {} · scenario {} · variants {} · routing {} · batch {} · outcome {} at {:.3} ms · {} messages",
        h.seed,
        h.spec.scenario,
        h.spec.options.variants,
        h.spec.options.routing,
        h.spec.options.batch_size,
        h.outcome.kind.name(),
        h.outcome.end_us as f64 / 1e3,
        h.outcome.message_events
    )?;
    match &h.environment {
        Some(environment) => print_environment(out, environment),
        None => Ok(()),
    }
}

/// What an explored run drew, in milliseconds.
fn print_environment(out: &mut dyn Write, e: &Environment) -> io::Result<()> {
    let ms = |[min, max]: [u64; 2]| format!("{:.1}-{:.1} ms", min as f64 / 1e3, max as f64 / 1e3);
    let p = &e.profile;
    let [slow, fast] = p.speed_factor;
    writeln!(
        out,
        "explored: network {} within a region, {} across; speed factors {slow:.2}-{fast:.2}",
        ms(p.intra_region_us),
        ms(p.inter_region_us)
    )?;
    writeln!(
        out,
        "  tail on {:.1}% of messages, {}; pauses every {:.1} s on average, {}",
        p.tail.probability * 100.0,
        ms(p.tail.extra_us),
        p.pause.every_ms as f64 / 1e3,
        ms(p.pause.duration_us)
    )?;
    writeln!(out, "  a delay of 0-{:.1} ms before each step", e.step_delay_us as f64 / 1e3)?;
    for d in &e.delayed {
        // A damaged trace may name an actor that does not exist.
        let sender = if (d.sender as usize) < topology::ACTORS { topology::name(d.sender) } else { "nobody".into() };
        writeln!(out, "  message {} of {sender} delayed by {:.1} ms", d.nth, d.extra_us as f64 / 1e3)?;
    }
    Ok(())
}

fn print_timeline(out: &mut dyn Write, sim: &Simulator, log: &[Delivery], record: Option<u32>) -> io::Result<()> {
    let Some(world) = sim.world() else { return Ok(()) };
    let events = sim.events();
    for d in log {
        let caused = &events[d.events.clone()];
        let msg = d.envelope.msg;
        let relevant = match record {
            None => true,
            Some(id) => {
                msg.record_ids(&world.arena).contains(&id)
                    || msg.is_command()
                    || caused.iter().any(|e| concerns(e, id) || !e.kind.is_about_record())
            }
        };
        if !relevant {
            continue;
        }
        writeln!(
            out,
            "{:>12.3} ms  {:>22} -> {:<22} {}",
            d.time as f64 / MILLISECOND as f64,
            topology::name(d.envelope.from),
            topology::name(d.envelope.to),
            msg.describe(&world.arena)
        )?;
        for e in caused.iter().filter(|e| record.is_none_or(|id| concerns(e, id) || !e.kind.is_about_record())) {
            writeln!(out, "{:>16}  · {}", "", describe_event(e))?;
        }
    }
    Ok(())
}

/// Says what the timeline left out, and why a run spinning at one instant
/// ended.
fn print_unlisted(out: &mut dyn Write, sim: &Simulator, listed: usize, deliveries: u64) -> io::Result<()> {
    if listed >= MAX_LOGGED {
        writeln!(out, "{:>16}  ... the timeline stops after {MAX_LOGGED} messages", "")?;
    }
    if sim.stalled() {
        writeln!(
            out,
            "\nthe run spun without simulated time advancing and was stopped as stuck after {deliveries} messages"
        )?;
    }
    Ok(())
}

fn concerns(e: &Event, id: u32) -> bool {
    e.kind.is_about_record() && e.subject == id
}

fn describe_event(e: &Event) -> String {
    match e.kind {
        Kind::StateChanged => {
            let state = ContainerState::from_code(e.value).map_or("unknown", ContainerState::name);
            format!("{} is now {}", topology::name(e.subject as u8), state)
        }
        Kind::Fail | Kind::Recover => format!("{} {}", e.kind, topology::name(e.subject as u8)),
        Kind::PublishRequested | Kind::BatchPublished => format!("{} batch {}", e.kind, e.subject),
        Kind::BatchStopped => format!("batch {} stopped after {} records", e.subject, e.value),
        Kind::SwitchPrimary => format!("{} {}", e.kind, topology::name(e.subject as u8)),
        Kind::RegionOffline | Kind::RegionOnline => format!("{} region {}", e.kind, e.region),
        kind if kind.carries_value() => format!("{kind} record {} value {} region {}", e.subject, e.value, e.region),
        kind => format!("{kind} record {} region {}", e.subject, e.region),
    }
}

fn print_stranded(out: &mut dyn Write, sim: &Simulator, record: Option<u32>) -> io::Result<()> {
    let findings: Vec<_> =
        stranded(sim).into_iter().filter(|f| record.is_none_or(|id| f.records.contains(&id))).collect();
    if findings.is_empty() {
        return writeln!(out, "\nevery record reached the destination and left every stream");
    }
    writeln!(out, "\nwhere the records that did not get through are:")?;
    for f in findings {
        writeln!(out, "  {}: {} record(s) {}: {}", f.place, f.records.len(), ranges(&f.records), f.reason)?;
    }
    Ok(())
}

/// "1-3,7" for [1,2,3,7].
fn ranges(ids: &[u32]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] <= sorted[j] + 1 {
            j += 1;
        }
        out.push(if i == j { sorted[i].to_string() } else { format!("{}-{}", sorted[i], sorted[j]) });
        i = j + 1;
    }
    out.join(",")
}
