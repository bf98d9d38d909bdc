//! Many seeds, in parallel, into trace files.
//!
//! Seeds are cut into fixed chunks of `runs_per_file`, one file each, so the
//! files and their bytes do not depend on how many jobs ran them.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{RunSpec, Simulator, run_guarded};
use crate::steer::{CANDIDATES, Campaign};
use crate::trace::{AtomicTraceFile, EXTENSION, OutcomeKind};

/// What to simulate and where to put it.
#[derive(Clone, Debug)]
pub struct Plan {
    pub spec: RunSpec,
    pub first_seed: u64,
    pub runs: u64,
    pub out_dir: PathBuf,
    pub jobs: usize,
    pub runs_per_file: u64,
    /// Simulate only this shard `(index, count)` of the files: those whose
    /// chunk number is `index` modulo `count`. The shards' files together
    /// are exactly the files of the whole plan.
    pub shard: Option<(u64, u64)>,
    /// Steer each file's runs toward what its earlier runs have not reached
    /// (`--steer`, see [`crate::steer`]): three runs in four take, instead
    /// of their own seed, one of [`CANDIDATES`] less one beyond the plan's
    /// range (run `i`'s are `first_seed + runs + i * (CANDIDATES - 1)` and
    /// on).
    pub steer: bool,
}

/// Totals over the runs that were written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub runs: u64,
    pub message_events: u64,
    pub trace_events: u64,
    pub bytes: u64,
    pub completed: u64,
    pub stuck: u64,
    pub time_bound: u64,
    /// Seeds of the runs the engine's progress guard stopped (counted as
    /// stuck): they spun without simulated time advancing.
    pub stalled: Vec<u64>,
    pub files: Vec<PathBuf>,
}

impl Summary {
    pub fn add(&mut self, other: Summary) {
        self.runs += other.runs;
        self.message_events += other.message_events;
        self.trace_events += other.trace_events;
        self.bytes += other.bytes;
        self.completed += other.completed;
        self.stuck += other.stuck;
        self.time_bound += other.time_bound;
        self.stalled.extend(other.stalled);
        self.files.extend(other.files);
    }

    /// "N runs saved in M files under DIR (a.wl1, b.wl1, ...)": what an
    /// error or an interruption leaves behind.
    pub fn saved(&self, dir: &std::path::Path) -> String {
        const SHOWN: usize = 4;
        let names: Vec<String> = self
            .files
            .iter()
            .take(SHOWN)
            .map(|f| f.file_name().map_or_else(|| f.display().to_string(), |n| n.to_string_lossy().into_owned()))
            .collect();
        let more =
            if self.files.len() > SHOWN { format!(", and {} more", self.files.len() - SHOWN) } else { String::new() };
        let list = if names.is_empty() { String::new() } else { format!(" ({}{more})", names.join(", ")) };
        format!("{} runs saved in {} complete files under {}{list}", self.runs, self.files.len(), dir.display())
    }
}

#[derive(Debug)]
pub enum SimError {
    /// The plan cannot be carried out as given.
    Plan(String),
    /// A file could not be written.
    Write { path: PathBuf, error: std::io::Error },
    /// An invariant of the simulator broke: a bug, reproducible by its seed.
    Invariant { seed: u64, message: String },
    /// A run recorded more events than a run may.
    Overgrown { seed: u64 },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Plan(problem) => write!(f, "{problem}"),
            SimError::Write { path, error } => {
                write!(f, "cannot write {}: {error}", path.display())
            }
            SimError::Overgrown { seed } => write!(
                f,
                "the run of seed {seed} records more than {} events, more than a trace file may hold: \
                 shorten the scenario (fewer steps, chaos or batches) or its time bound",
                crate::trace::format::MAX_RUN_EVENTS
            ),
            SimError::Invariant { seed, message } => {
                write!(
                    f,
                    "simulator invariant broken in seed {seed}: {message} (a bug in wl1; replay with --seed {seed})"
                )
            }
        }
    }
}

impl std::error::Error for SimError {}

/// A simulation stopped by an error, and what it had saved by then.
#[derive(Debug)]
pub struct Stopped {
    pub error: SimError,
    /// The complete files written before the error; the files in progress
    /// were discarded.
    pub saved: Summary,
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)
    }
}

impl std::error::Error for Stopped {}

impl Plan {
    /// Whether the plan can be carried out: at least one run and one run per
    /// file, a valid shard, and seeds that stay within `u64`.
    pub fn check(&self) -> Result<(), SimError> {
        let problem = if self.runs == 0 || self.runs_per_file == 0 {
            "a plan needs at least one run and one run per file".to_string()
        } else if self.first_seed.checked_add(self.runs - 1).is_none() {
            format!("seeds {} and {} more go past the largest seed (2^64 - 1)", self.first_seed, self.runs - 1)
        } else if self.steer && self.runs.checked_mul(CANDIDATES).and_then(|n| n.checked_add(self.first_seed)).is_none()
        {
            format!(
                "steered runs of seeds {} and {} more go past the largest seed (2^64 - 1)",
                self.first_seed, self.runs
            )
        } else if self.steer && !self.spec.stored.explore {
            "steering chooses among explored environments: it needs --explore".to_string()
        } else if self.shard.is_some_and(|(index, count)| index >= count) {
            "a shard I/N needs 0 <= I < N".to_string()
        } else {
            return Ok(());
        };
        Err(SimError::Plan(problem))
    }

    /// How many chunks (files) this plan, or its shard, writes: counted,
    /// not listed, since there may be a billion.
    fn chunk_count(&self) -> u64 {
        let all = self.runs.div_ceil(self.runs_per_file);
        match self.shard {
            Some((index, count)) => all.saturating_sub(index).div_ceil(count),
            None => all,
        }
    }

    /// The chunk number of the `i`th file this plan, or its shard, writes.
    fn chunk(&self, i: u64) -> u64 {
        self.shard.map_or(i, |(index, count)| index + i * count)
    }

    /// How many runs this plan, or its shard, simulates: full chunks, but
    /// for the plan's last chunk if the shard writes it.
    pub fn runs_in_shard(&self) -> u64 {
        let chunks = self.chunk_count();
        let last = self.runs.div_ceil(self.runs_per_file) - 1;
        let short = if chunks > 0 && self.chunk(chunks - 1) == last {
            self.runs_per_file - (self.runs - last * self.runs_per_file)
        } else {
            0
        };
        chunks * self.runs_per_file - short
    }

    /// The seeds of chunk `chunk`; the arithmetic cannot overflow once
    /// [`Plan::check`] passed, as the last seed fits in `u64`.
    fn seeds(&self, chunk: u64) -> std::ops::RangeInclusive<u64> {
        let last_of_plan = self.first_seed + (self.runs - 1);
        let first = self.first_seed + chunk * self.runs_per_file;
        first..=first.saturating_add(self.runs_per_file - 1).min(last_of_plan)
    }

    /// The seeds run `seed` of a steered plan may take instead of its own.
    fn steered_candidates(&self, seed: u64) -> std::ops::Range<u64> {
        let first = self.first_seed + self.runs + (seed - self.first_seed) * (CANDIDATES - 1);
        first..first + (CANDIDATES - 1)
    }

    /// The file for chunk `c`, named by architecture (unless the default
    /// one), scenario, a digest of the spec and its seeds (its runs' own
    /// seeds, after `steered-` if steered), always directly under `out_dir`
    /// (see `file_stem`).
    pub fn file_name(&self, chunk: u64) -> PathBuf {
        let seeds = self.seeds(chunk);
        let digest = self.spec.identity() as u32;
        let steered = if self.steer { "steered-" } else { "" };
        let architecture = match self.spec.architecture.name.as_str() {
            super::DEFAULT_ARCHITECTURE => String::new(),
            name => format!("{}-", file_stem(name)),
        };
        let name = format!(
            "{architecture}{}-{digest:08x}-{steered}{}-{}.{EXTENSION}",
            file_stem(&self.spec.scenario.name),
            seeds.start(),
            seeds.end()
        );
        self.out_dir.join(name)
    }

    /// Whether `path` is one of the files this plan, or its shard, writes
    /// (found from the seeds its name ends with).
    pub fn writes(&self, path: &std::path::Path) -> bool {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
        let mut parts = name.strip_suffix(&format!(".{EXTENSION}")).unwrap_or_default().rsplit('-');
        let (Some(_last), Some(first)) = (parts.next(), parts.next()) else { return false };
        let Some(offset) = first.parse::<u64>().ok().and_then(|f| f.checked_sub(self.first_seed)) else {
            return false;
        };
        let chunk = offset / self.runs_per_file;
        let in_shard = self.shard.is_none_or(|(index, count)| chunk % count == index);
        chunk < self.runs.div_ceil(self.runs_per_file) && in_shard && self.file_name(chunk) == path
    }
}

/// A scenario's name made safe as the start of a file name: letters,
/// digits, `-`, `_` and inner dots kept, anything else (a `/`, a space)
/// turned into `_`, at most 64 characters. The spec's digest, which
/// follows it in the file name, tells apart names that read the same here.
fn file_stem(name: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let stem: String = name.chars().map(|c| if safe(c) { c } else { '_' }).take(64).collect();
    let stem = stem.trim_start_matches('.');
    if stem.is_empty() { "scenario".to_string() } else { stem.to_string() }
}

/// Simulates the plan. `cancel` stops it, even inside a run, keeping only
/// whole files; `progress` is told of every finished run. On an error, the
/// files already complete are kept and named in [`Stopped::saved`].
pub fn simulate(plan: &Plan, cancel: &AtomicBool, progress: &(dyn Fn(u64) + Sync)) -> Result<Summary, Box<Stopped>> {
    let stopped = |error| Box::new(Stopped { error, saved: Summary::default() });
    plan.check().map_err(stopped)?;
    std::fs::create_dir_all(&plan.out_dir)
        .map_err(|error| stopped(SimError::Write { path: plan.out_dir.clone(), error }))?;
    let chunks = plan.chunk_count();
    let next_chunk = AtomicU64::new(0);
    let total = Mutex::new(Summary::default());
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..plan.jobs.max(1) {
            scope.spawn(|| {
                let mut sim = Simulator::new();
                loop {
                    let next = next_chunk.fetch_add(1, Ordering::Relaxed);
                    if next >= chunks {
                        return;
                    }
                    let chunk = plan.chunk(next);
                    if cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    match simulate_chunk(plan, chunk, &mut sim, cancel, progress) {
                        Ok(Some(part)) => total.lock().unwrap().add(part),
                        Ok(None) => return,
                        Err(e) => {
                            cancel.store(true, Ordering::Relaxed);
                            failure.lock().unwrap().get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
    let mut total = total.into_inner().unwrap();
    total.files.sort();
    total.stalled.sort();
    match failure.into_inner().unwrap() {
        Some(error) => Err(Box::new(Stopped { error, saved: total })),
        None => Ok(total),
    }
}

/// One file's worth of seeds; `None` if cancelled (the file is discarded).
fn simulate_chunk(
    plan: &Plan,
    chunk: u64,
    sim: &mut Simulator,
    cancel: &AtomicBool,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Option<Summary>, SimError> {
    let path = plan.file_name(chunk);
    let write_error = |error| SimError::Write { path: path.clone(), error };
    let mut writer = AtomicTraceFile::create(&path, &plan.spec.stored).map_err(write_error)?;
    let mut part = Summary::default();
    let mut campaign = plan.steer.then(Campaign::new);
    for own in plan.seeds(chunk) {
        let seed = match &mut campaign {
            Some(c) => c.choose(
                plan.spec.profile(),
                plan.spec.stored.vocabulary.instances(),
                own,
                plan.steered_candidates(own),
            ),
            None => own,
        };
        let Some(header) = run_guarded(sim, seed, |sim| sim.run_cancellable(&plan.spec, seed, cancel))? else {
            return Ok(None);
        };
        if sim.overgrown() {
            return Err(SimError::Overgrown { seed });
        }
        if sim.stalled() {
            part.stalled.push(seed);
        }
        if let Some(c) = &mut campaign {
            c.learn(&header, sim.events());
        }
        writer.write_run(&header, sim.events()).map_err(write_error)?;
        part.runs += 1;
        part.message_events += header.outcome.message_events;
        part.trace_events += sim.events().len() as u64;
        match header.outcome.kind {
            OutcomeKind::Completed => part.completed += 1,
            OutcomeKind::Stuck => part.stuck += 1,
            OutcomeKind::TimeBound => part.time_bound += 1,
        }
        progress(1);
    }
    part.bytes = writer.finish().map_err(write_error)?;
    part.files.push(path);
    Ok(Some(part))
}
