//! Many seeds, in parallel, into trace files.
//!
//! Seeds are cut into fixed chunks of `runs_per_file`, one file each, so the
//! files and their bytes do not depend on how many jobs ran them.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{RunSpec, Simulator, run_guarded};
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
        self.files.extend(other.files);
    }
}

#[derive(Debug)]
pub enum SimError {
    /// A file could not be written.
    Write { path: PathBuf, error: std::io::Error },
    /// An invariant of the simulator broke: a bug, reproducible by its seed.
    Invariant { seed: u64, message: String },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Write { path, error } => {
                write!(f, "cannot write {}: {error}", path.display())
            }
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

impl Plan {
    /// The chunks (files) this plan, or its shard, writes.
    fn chunks(&self) -> Vec<u64> {
        let all = 0..self.runs.div_ceil(self.runs_per_file);
        match self.shard {
            Some((index, count)) => all.filter(|c| c % count == index).collect(),
            None => all.collect(),
        }
    }

    /// How many runs this plan, or its shard, simulates.
    pub fn runs_in_shard(&self) -> u64 {
        self.chunks().iter().map(|&c| self.seeds(c).count() as u64).sum()
    }

    fn seeds(&self, chunk: u64) -> std::ops::Range<u64> {
        let first = self.first_seed + chunk * self.runs_per_file;
        first..(first + self.runs_per_file).min(self.first_seed + self.runs)
    }

    /// The file for chunk `c`, named by scenario, a digest of the spec and its seeds.
    pub fn file_name(&self, chunk: u64) -> PathBuf {
        let seeds = self.seeds(chunk);
        let (first, last) = (seeds.start, seeds.end - 1);
        let digest = self.spec.identity() as u32;
        let name = format!("{}-{digest:08x}-{first}-{last}.{EXTENSION}", self.spec.scenario.name);
        self.out_dir.join(name)
    }
}

/// Simulates the plan. `cancel` stops it between runs, keeping only whole
/// files; `progress` is told of every finished run.
pub fn simulate(plan: &Plan, cancel: &AtomicBool, progress: &(dyn Fn(u64) + Sync)) -> Result<Summary, SimError> {
    std::fs::create_dir_all(&plan.out_dir).map_err(|error| SimError::Write { path: plan.out_dir.clone(), error })?;
    let chunks = plan.chunks();
    let next_chunk = AtomicUsize::new(0);
    let total = Mutex::new(Summary::default());
    let failure = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..plan.jobs.max(1) {
            scope.spawn(|| {
                let mut sim = Simulator::new();
                loop {
                    let next = next_chunk.fetch_add(1, Ordering::Relaxed);
                    let Some(&chunk) = chunks.get(next) else { return };
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
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    let mut total = total.into_inner().unwrap();
    total.files.sort();
    Ok(total)
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
    for seed in plan.seeds(chunk) {
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let header = run_guarded(sim, seed, |sim| sim.run(&plan.spec, seed))?;
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
