//! The runs being analyzed, as every stage of the analysis sees them:
//! how to go through them, their groups, the trace files they come from,
//! the units of whole runs handed to an analyzer, a record's first arrival.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use strum::VariantArray;
use wl1::trace::{Outcome, OutcomeKind, Spec};

/// How to go through the inputs.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// About how many bytes of stored events an analyzer takes at once
    /// (whole runs, at least one): with the number of analyzers, what
    /// bounds the memory used.
    pub chunk_bytes: usize,
    /// Chunks analyzed at once.
    pub analyzers: usize,
    /// Violating seeds kept per group and property.
    pub seeds_kept: usize,
    /// Raised from outside (a signal handler) to stop the analysis: it
    /// then ends with an error, after the chunks being analyzed.
    pub cancel: Option<&'static AtomicBool>,
}

impl Settings {
    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|flag| flag.load(Ordering::Relaxed))
    }
}

impl Default for Settings {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Settings { chunk_bytes: 4 << 20, analyzers: cores, seeds_kept: 20, cancel: None }
    }
}

/// Runs that share everything besides their seeds.
#[derive(Debug)]
pub struct Group {
    pub identity: u64,
    pub label: String,
    pub scenario: String,
    /// The spec's text form (see [`GroupSummary::spec`](crate::GroupSummary)).
    pub spec: String,
    /// Records each run publishes: 1..=records.
    pub records: u32,
    pub global_order: bool,
}

impl Group {
    /// The group of the runs of `spec`.
    pub fn of(spec: &Spec) -> Group {
        let identity = spec.identity();
        Group {
            identity,
            label: group_label(spec, identity),
            scenario: spec.scenario.clone(),
            spec: spec.to_text(),
            records: spec.records,
            global_order: spec.options.variants.has(wl1::config::Variant::GlobalOrder),
        }
    }
}

/// A trace file being read.
#[derive(Debug)]
pub struct InputFile {
    /// Its index in the summary's file list.
    pub id: u32,
    pub path: PathBuf,
    /// What decides its runs besides their seeds.
    pub spec: Arc<Spec>,
    pub group: Arc<Group>,
}

/// One run to analyze: what its header says and where its events are.
pub struct RunInput {
    pub file: Arc<InputFile>,
    pub seed: u64,
    pub outcome: Outcome,
    /// The coverage pairs it handled, as its trace frame stores them.
    pub coverage: u128,
    /// Its events, in [`Unit::events`].
    pub events: Range<usize>,
    /// Where its frame starts in its file, and which run of the file it is.
    pub offset: u64,
    pub index: u64,
}

/// Consecutive runs, each whole, handed to one analyzer.
#[derive(Default)]
pub struct Unit {
    /// The number of the first run, counting from 0 across the analysis.
    pub first_run: u64,
    /// The events of every run, as stored.
    pub events: Vec<u8>,
    pub runs: Vec<RunInput>,
    /// The records the runs publish.
    pub rows: usize,
}

/// The label of a group of runs: what tells it apart from others at a
/// glance, and the start of its identity, which tells it apart for sure.
pub fn group_label(spec: &Spec, identity: u64) -> String {
    let o = &spec.options;
    let linger = o.linger.map_or("off".to_string(), |l| format!("{}ms", l / 1_000_000));
    let explore = if spec.explore { " explore" } else { "" };
    format!(
        "{}{explore} variants={} routing={} batch={} linger={linger} bound={}s spec={:08x}",
        spec.scenario,
        o.variants,
        o.routing,
        o.batch_size,
        o.time_bound / 1_000_000_000,
        identity as u32
    )
}

/// An outcome's code: its place in [`OutcomeKind::VARIANTS`].
pub fn outcome_code(kind: OutcomeKind) -> u32 {
    OutcomeKind::VARIANTS.iter().position(|&k| k == kind).expect("every outcome is listed") as u32
}

/// A record's first arrival at the destination.
pub struct Arrival {
    pub record: u32,
    pub region: u8,
    /// The index of its first publication and of its first arrival.
    pub published: u32,
    pub arrived: u32,
}
