//! `wl1 replay`: re-simulates one seed, checks it against the specification
//! as `wl1 analyze` would, and prints its verdict, its timeline (every
//! message handled, in simulated-time order, with the stages and state
//! changes it caused), then a diagnosis of every violation.

mod diagnosis;
mod environment;
mod timeline;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use clap::Args;
use serde_json::json;

use wl1::architecture::Architecture;
use wl1::engine::MICROSECOND;
use wl1::run::{RunSpec, Simulator, ms_text, resolve_scenario};
use wl1::scenario::has_chaos;
use wl1::trace::format::{MAX_SPEC_LEN, decode_payload, encode_payload};
use wl1::trace::{Event, RunHeader, Spec, TraceError, TraceFile};

use super::output::{Format, Verdict, to_stdout};
use super::simulate::{ArchitectureArg, ChaosArgs, InvariantArgs, ModelArgs};

#[derive(Args, Clone, Debug)]
pub struct ReplayArgs {
    #[command(flatten)]
    pub run: WhichRun,
    #[command(flatten)]
    pub invariants: InvariantArgs,
    /// Show only what concerns this record id in the timeline (the verdict
    /// and the states that hold records back are always shown whole).
    #[arg(short, long, value_name = "ID")]
    pub record: Option<u32>,
    /// Confirm that the replay reproduces exactly, byte for byte, the run of
    /// this seed stored in this trace file (whose options it takes, as
    /// --from does).
    #[arg(long, value_name = "FILE", conflicts_with_all = ids_of::<DecidingArgs>())]
    pub check: Option<PathBuf>,
    /// How to print: text (the header, what an explored run drew, the
    /// verdict, the timeline and the diagnosis), or json (one document of
    /// the run's outcome, what an explored run drew and its violations, no
    /// timeline).
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Which run: its seed, and the trace file that holds it or the options
/// that decide it (`replay` and `shrink`).
#[derive(Args, Clone, Debug)]
pub struct WhichRun {
    /// The seed of the run.
    #[arg(long)]
    pub seed: u64,
    /// Take the run of this seed stored in a trace file, with the
    /// architecture, scenario, options and profile recorded there (the
    /// options that decide a run cannot be given with it; --architecture
    /// can, if it names the trace's).
    #[arg(long, value_name = "FILE", conflicts_with_all = ids_of::<DecidingArgs>())]
    pub from: Option<PathBuf>,
    #[command(flatten)]
    pub architecture: ArchitectureArg,
    #[command(flatten)]
    pub deciding: DecidingArgs,
}

/// Everything that decides a run besides its seed (a `wl1::trace::Spec`):
/// option by option, or the whole spec at once. What the replay commands
/// of a report give.
#[derive(Args, Clone, Debug)]
pub struct DecidingArgs {
    #[command(flatten)]
    pub options: RunOptions,
    /// Everything that decides the run at once, its architecture too, in
    /// the text form a summary keeps of each group (`wl1spec:` and hex
    /// digits), as the replay commands of a report give it when the options
    /// cannot say it.
    #[arg(long, value_name = "SPEC", conflicts_with_all = ids_of::<RunOptions>())]
    pub spec: Option<String>,
}

/// The options that decide a run, one by one.
#[derive(Args, Clone, Debug)]
pub struct RunOptions {
    /// Scenario of the run: a built-in name or a drill file.
    #[arg(short, long, default_value = "baseline", value_name = "NAME", value_parser = super::names::scenario())]
    pub scenario: String,
    #[command(flatten)]
    pub model: ModelArgs,
    #[command(flatten)]
    pub chaos: ChaosArgs,
}

/// The ids of the options of `T`: with `T` = [`DecidingArgs`], the options
/// that `--from` refuses, since a stored run has its own.
fn ids_of<T: Args>() -> Vec<clap::Id> {
    let command = T::augment_args(clap::Command::new("ids"));
    command.get_arguments().map(|a| a.get_id().clone()).collect()
}

impl WhichRun {
    /// The run's spec, with its stored header and payload bytes if it is
    /// taken from a trace file: `file` (`--from`, or `--check`'s).
    pub fn spec(&self, file: Option<&Path>) -> Result<(RunSpec, Option<StoredRun>), String> {
        let Some(file) = file else {
            return Ok((self.deciding.spec(&self.architecture)?, None));
        };
        let (header, bytes) = stored_run(file, self.seed)?;
        let spec = stored_spec(file, &header)?;
        self.architecture.check_agrees(&spec, &format!("the trace {}", file.display()))?;
        Ok((spec, Some((header, bytes))))
    }
}

/// The spec of a run stored in `file`, if this wl1 reads it as it was
/// simulated.
fn stored_spec(file: &Path, header: &RunHeader) -> Result<RunSpec, String> {
    let spec = RunSpec::from_stored(&header.spec).map_err(|e| format!("{}: {e}", file.display()))?;
    wl1::run::check_stored_run(header).map_err(|e| format!("{}: {e}: the file is damaged", file.display()))?;
    Ok(spec)
}

impl DecidingArgs {
    /// The spec these options give, of `architecture`.
    pub fn spec(&self, architecture: &ArchitectureArg) -> Result<RunSpec, String> {
        if let Some(text) = &self.spec {
            let spec = Spec::from_text(text, MAX_SPEC_LEN as usize).map_err(|e| format!("--spec: {e}"))?;
            let spec = RunSpec::from_stored(&Arc::new(spec)).map_err(|e| format!("--spec: {e}"))?;
            architecture.check_agrees(&spec, "--spec")?;
            return Ok(spec);
        }
        let o = &self.options;
        let architecture = architecture.resolve()?;
        let resolved = resolve_scenario(&architecture.0, &o.scenario)?;
        if o.chaos.is_set() && !has_chaos(&resolved.0) {
            return Err(format!("--chaos-* options set the chaos scenario's faults, but {} has none", o.scenario));
        }
        o.model.spec(architecture, o.chaos.apply(resolved)?, o.model.profile()?)
    }
}

/// Replays; the verdict is `Violated` when the run violates the
/// specification or does not reproduce the stored one.
pub fn run(args: &ReplayArgs) -> Result<Verdict, String> {
    let seed = args.run.seed;
    let (spec, stored) = args.run.spec(args.run.from.as_deref().or(args.check.as_deref()))?;
    // A stored run is replayed in the environment its trace recorded.
    let environment = match &stored {
        Some((header, _)) => header.environment.as_deref().cloned(),
        None => Simulator::environment(&spec, seed),
    };
    if let Some(id) = args.record {
        let records = spec.stored.records;
        if !(1..=records).contains(&id) {
            return Err(format!("--record {id}: no such record; the run publishes records 1 to {records}"));
        }
    }
    let spec = RunSpec { check_invariants: args.invariants.check_invariants, ..spec };
    let mut sim = Simulator::new();
    let mut log = Vec::new();
    let header = sim.run_logged(&spec, seed, environment, &mut log);
    if sim.overgrown() {
        return Err(wl1::run::SimError::Overgrown { seed }.to_string());
    }
    let violations = wl1_analysis::check_run(&header, sim.events())?;
    if args.format == Format::Json {
        return to_stdout(|out| print_json(out, args, &header, &spec, &violations, sim.events(), stored.as_ref()));
    }
    to_stdout(|out| {
        print_header(out, &header, &spec.architecture)?;
        diagnosis::print_verdict(out, &violations, args.record)?;
        timeline::print(out, &sim, &mut log, args.record)?;
        timeline::print_unlisted(out, &sim, log.len(), header.outcome.message_events)?;
        diagnosis::print(out, &sim, &violations, args.record)?;
        let reproduced = match (&args.check, &stored) {
            (Some(file), Some((_, bytes))) => compare(out, file, &header, sim.events(), bytes)?,
            _ => true,
        };
        Ok(if violations.is_empty() && reproduced { Verdict::Holds } else { Verdict::Violated })
    })
}

/// The run as one JSON document: its options, outcome, what it drew if it
/// explored (`null` if not), its violations and, with `--check`, whether
/// the replay reproduced the stored run.
fn print_json(
    out: &mut dyn Write,
    args: &ReplayArgs,
    h: &RunHeader,
    spec: &RunSpec,
    violations: &[wl1_analysis::Violation],
    events: &[Event],
    stored: Option<&StoredRun>,
) -> io::Result<Verdict> {
    let reproduced = args.check.as_ref().and(stored).map(|(_, bytes)| {
        let mut replayed = Vec::new();
        encode_payload(h, events, &mut replayed);
        replayed == *bytes
    });
    let o = &h.spec.options;
    let holds = violations.is_empty();
    let violations: Vec<_> = violations
        .iter()
        .map(|v| json!({ "property": v.property, "record": v.record, "place": v.place_name(), "region": v.region }))
        .collect();
    let document = json!({
        "seed": h.seed,
        "architecture": h.spec.architecture,
        "scenario": h.spec.scenario,
        "variants": o.variants.to_string(),
        "outcome": {
            "kind": h.outcome.kind.name(),
            "end_ms": h.outcome.end_us as f64 / 1e3,
            "messages": h.outcome.message_events,
        },
        "environment": h.environment.as_deref().map(|e| environment::json(e, &spec.architecture)),
        "holds": holds,
        "violations": violations,
        "reproduced": reproduced,
    });
    writeln!(out, "{document}")?;
    Ok(if holds && reproduced != Some(false) { Verdict::Holds } else { Verdict::Violated })
}

/// A run's header and payload bytes as a trace file stores them.
pub type StoredRun = (RunHeader, Vec<u8>);

/// The stored header and payload bytes of `seed`'s run in `file`. If the
/// file holds no readable run of that seed, the error names any damage
/// met on the way, where the run may have been.
fn stored_run(file: &Path, seed: u64) -> Result<StoredRun, String> {
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

/// Says whether the replay reproduced the stored run byte for byte.
fn compare(out: &mut dyn Write, file: &Path, header: &RunHeader, events: &[Event], stored: &[u8]) -> io::Result<bool> {
    let mut replayed = Vec::new();
    encode_payload(header, events, &mut replayed);
    let file = file.display();
    if replayed == stored {
        let line =
            format!("check: the replay reproduces the run stored in {file} byte for byte ({} bytes)", stored.len());
        write!(out, "\n{}", wl1_analysis::text::wrap(&line, wl1_analysis::text::WIDTH, 2))?;
        return Ok(true);
    }
    let at = replayed.iter().zip(stored).position(|(a, b)| a != b).unwrap_or(replayed.len().min(stored.len()));
    let line = format!(
        "check: the replay DIFFERS from the run stored in {file}: first difference at byte {at} of the run \
         ({} bytes replayed, {} stored)",
        replayed.len(),
        stored.len()
    );
    write!(out, "\n{}", wl1_analysis::text::wrap(&line, wl1_analysis::text::WIDTH, 2))?;
    Ok(false)
}

fn print_header(out: &mut dyn Write, h: &RunHeader, architecture: &Architecture) -> io::Result<()> {
    let o = &h.spec.options;
    let linger = o.linger.map_or("off".to_string(), |l| format!("{} ms", l / wl1::engine::MILLISECOND));
    let named = match (h.spec.architecture.as_str(), h.spec.architecture_text.is_empty()) {
        (wl1::run::DEFAULT_ARCHITECTURE, true) => String::new(),
        (name, true) => format!(" · architecture {name}"),
        (name, false) => format!(" · architecture {name} (from a file)"),
    };
    let line = format!(
        "seed {}{named} · scenario {} · variants {} · routing {} · batch {} · linger {linger}",
        h.seed, h.spec.scenario, o.variants, o.routing, o.batch_size
    );
    write!(out, "{}", wl1_analysis::text::wrap(&line, wl1_analysis::text::WIDTH, 2))?;
    writeln!(
        out,
        "outcome: {} at {}, after {} messages",
        h.outcome.kind.name(),
        ms_text(h.outcome.end_us * MICROSECOND),
        wl1_analysis::text::thousands(h.outcome.message_events)
    )?;
    match &h.environment {
        Some(e) => environment::print(out, e, architecture),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Replay {
        #[command(flatten)]
        args: ReplayArgs,
    }

    fn spec(words: &[&str]) -> Spec {
        let parsed = Replay::try_parse_from([&["replay", "--seed", "1"][..], words].concat()).unwrap();
        (*parsed.args.run.spec(None).unwrap().0.stored).clone()
    }

    #[test]
    fn the_arguments_of_a_spec_give_it_back_and_each_is_refused_with_from() {
        let drill = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/drills/f1.toml");
        let given: [&[&str]; 5] = [
            &["--scenario", "f3"],
            &["--scenario", "chaos", "--chaos-rate", "30", "--chaos-duration-ms", "10,20", "--explore"],
            &["--scenario", "chaos", "--chaos-deadline-ms", "9000", "--chaos-max-at-once", "2"],
            &["-s", "failover", "--variant", "lossy-kafka", "--routing", "weighted:60,40", "--batch-size", "1"],
            &["--scenario", drill, "--linger-ms", "20", "--time-bound-s", "100"],
        ];
        for words in given {
            let original = spec(words);
            let arguments = wl1::run::arguments(&original);
            let words: Vec<&str> = arguments.iter().map(String::as_str).collect();
            assert_eq!(spec(&words), original, "{words:?}");
            for option in words.iter().filter(|w| w.starts_with("--")) {
                let id = option.trim_start_matches("--").replace('-', "_");
                let refused =
                    ids_of::<DecidingArgs>().iter().any(|a| *a == id.as_str() || *a == format!("{id}s").as_str());
                assert!(refused, "--from does not refuse {option}");
            }
        }
    }
}
