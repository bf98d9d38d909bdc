//! What an analysis adds up to: a [`Summary`] per set of runs, whose size
//! depends on the number of groups, not of runs, and which merges exactly
//! with the summary of other runs. Reports are printed from it; `wl1
//! analyze --summary FILE` stores it so that shards of a large job can be
//! analyzed apart and merged in one small step.
//!
//! # Stored form (format `wl1-analysis-summary`, version 1)
//!
//! One JSON document: `format`, `version`, `places` (Workload1's place
//! names, 0..=20; a group's figures number the places of its own
//! architecture, its spec's), `seeds_kept` (violating seeds kept per group
//! and property), `files` (the trace files counted; figures name a file
//! by its index), `problems` (`count` and the first few `listed`),
//! `shards` (the shards `--shard I/N` counted: `index`, `count`, `runs`),
//! and `groups`, one per spec identity (16 hex digits), each with:
//! `label`, `scenario`, `spec` (what decides its runs, in the text form of
//! `wl1::trace::Spec`, from which a run is replayed without its trace),
//! `runs`, `trace_events`, `violating_runs`;
//! `outcomes` (runs per outcome); `properties` (per property violated:
//! `runs`, `records`); `undelivered` (per first place never reached and
//! its region, 0 for none: `records`, `runs`); `latency` (per region the
//! record arrived from, a histogram of publish -> destination in µs);
//! `hops` (per region and stage, a histogram of the first time at the stage
//! minus the first time at its cause); `last_batch` (a histogram, over
//! the runs that delivered every record, of the simulated µs from the last
//! request to publish a batch to the last arrival at the destination after
//! it); `order` (per scope, 0 global or a
//! region: `runs`, `arrivals`, `out_of_order`, `inversions`, `pairs`,
//! `max_displacement`); `duplicates` (per place reached more than once by
//! a record: `records`, `extra`, and at publication `republished`, the
//! extra publications of whole-batch republishes); `violators` (per property, the violating
//! runs of smallest seed: `seed`, `file`, `record`, `place`, `region` of
//! the run's first violation of it, how many `violations`, and the `next`
//! ones, at most [`NEXT_KEPT`], each as `record`, `place`, `region`); `seeds`
//! (the seeds counted, as ranges `first`, `last`, `file`); `duplicate_runs`
//! (runs met twice: `runs`, and the first ranges `listed`); `coverage`
//! (`orders`: per destination order's digest, the first seed that gave it;
//! `orders_capped`; `pairs`: runs per (state, message) pair handled, as
//! `kind state/message`; `situations`: per notable situation, `runs` and
//! an `example` seed; see [`crate::measure::coverage`]).
//! A histogram is `count`, `sum`, `min`, `max` and its non-empty
//! `buckets` as `[bucket, count]` (see [`crate::measure::histogram`]).
//!
//! A new counter is a new field with `#[serde(default)]` and a line in
//! [`GroupSummary::add`].

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::measure::causes::{CauseRuns, Causes};
use crate::measure::coverage::Coverage;
use crate::measure::histogram::Histogram;
use crate::measure::order::OrderTotals;
use crate::measure::seeds::{DuplicateRuns, Duplicates, SeedSet};
use crate::measure::sum::{self, Overflow};
use crate::record::places::Places;

pub const FORMAT: &str = "wl1-analysis-summary";
pub const VERSION: u32 = 1;
/// How many input problems a summary lists; the count is always exact.
pub(crate) const LISTED_PROBLEMS: usize = 100;
/// The largest summary read or written: a group takes at most a few MB
/// (its coverage orders are capped), so this holds dozens.
pub const MAX_SUMMARY_BYTES: u64 = 256 << 20;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    pub version: u32,
    pub places: Vec<String>,
    pub seeds_kept: usize,
    pub files: Vec<String>,
    pub problems: Problems,
    /// The shards (`--shard I/N`) whose runs this summary counts, each
    /// once, in order; empty when none was named.
    #[serde(default)]
    pub shards: Vec<Shard>,
    /// By identity.
    pub groups: Vec<GroupSummary>,
}

/// Shard `index` of `count`, and the runs it counted (0 for a shard that
/// got none: it is still there).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
    pub runs: u64,
}

/// Input problems: an exact count and the first ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problems {
    pub count: u64,
    pub listed: Vec<String>,
}

impl Problems {
    pub fn add(&mut self, problem: String) {
        self.count = self.count.saturating_add(1);
        self.list(problem);
    }

    fn list(&mut self, problem: String) {
        if self.listed.len() < LISTED_PROBLEMS {
            self.listed.push(problem);
        }
    }

    pub fn merge(&mut self, other: &Problems) -> Result<(), Overflow> {
        sum::add(&mut self.count, other.count)?;
        other.listed.iter().for_each(|p| self.list(p.clone()));
        Ok(())
    }
}

/// The figures of the runs of one group: runs that share everything that
/// decides a run besides its seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub identity: String,
    pub label: String,
    pub scenario: String,
    /// What decides the group's runs besides their seeds, in its text form
    /// (`wl1spec:...`, see `wl1::trace::Spec::to_text`): what replays a
    /// run without its trace.
    #[serde(default)]
    pub spec: String,
    pub runs: u64,
    pub trace_events: u64,
    pub violating_runs: u64,
    pub outcomes: BTreeMap<String, u64>,
    pub properties: BTreeMap<String, Violated>,
    pub undelivered: BTreeMap<u32, BTreeMap<u32, Violated>>,
    pub latency: BTreeMap<u32, Histogram>,
    #[serde(default)]
    pub lost: BTreeMap<u32, u64>,
    pub hops: BTreeMap<u32, BTreeMap<u32, Histogram>>,
    #[serde(default)]
    pub last_batch: Histogram,
    /// Per run, region 1's share of the records routed to region 1 or 2,
    /// per mille.
    #[serde(default)]
    pub balance: Histogram,
    pub order: BTreeMap<u32, OrderTotals>,
    pub duplicates: BTreeMap<u32, Repeats>,
    pub violators: BTreeMap<String, Vec<Violator>>,
    /// Per property violated, the runs by the cause of their violations.
    #[serde(default)]
    pub causes: Causes,
    pub seeds: SeedSet,
    pub duplicate_runs: DuplicateRuns,
    #[serde(default)]
    pub coverage: Coverage,
}

/// How many runs, and records in them, something was found in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violated {
    pub runs: u64,
    pub records: u64,
}

impl Violated {
    fn add(&mut self, other: &Violated) -> Result<(), Overflow> {
        sum::add(&mut self.runs, other.runs)?;
        sum::add(&mut self.records, other.records)
    }
}

/// Records that reached a place more than once, and the reaches beyond
/// the first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeats {
    pub records: u64,
    pub extra: u64,
    /// Of the extra reaches of the publication, those of records their
    /// source published again in a whole-batch republish (0 elsewhere, and
    /// in summaries written before it was counted).
    #[serde(default)]
    pub republished: u64,
}

/// A violating run: its first violation of one property (record, place
/// and region where they apply), how many it has of that property, and the
/// ones after the first, so that a report shows a listed run's violations
/// without checking the run again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violator {
    pub seed: u64,
    pub file: u32,
    pub record: Option<u32>,
    pub place: Option<u32>,
    pub region: Option<u32>,
    pub violations: u64,
    /// The violations after the first, in order, at most [`NEXT_KEPT`].
    #[serde(default)]
    pub next: Vec<Spot>,
}

/// How many violations after its first a violator keeps: enough to mark
/// every violating record of a listed run in a picture of it.
pub const NEXT_KEPT: usize = 255;

/// Where one violation is: its record, place and region, where they apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spot {
    pub record: Option<u32>,
    pub place: Option<u32>,
    pub region: Option<u32>,
}

impl Violator {
    /// Every violation kept, the first one first.
    pub fn spots(&self) -> impl Iterator<Item = Spot> + '_ {
        let first = Spot { record: self.record, place: self.place, region: self.region };
        std::iter::once(first).chain(self.next.iter().copied())
    }
}

fn add_maps<K: Ord + Clone, V: Default>(
    mine: &mut BTreeMap<K, V>,
    theirs: &BTreeMap<K, V>,
    add: impl Fn(&mut V, &V) -> Result<(), Overflow>,
) -> Result<(), Overflow> {
    theirs.iter().try_for_each(|(key, value)| add(mine.entry(key.clone()).or_default(), value))
}

impl GroupSummary {
    pub fn new(identity: u64, label: String, scenario: String, spec: String) -> GroupSummary {
        GroupSummary { identity: format!("{identity:016x}"), label, scenario, spec, ..GroupSummary::default() }
    }

    /// Adds the figures of other runs of the same group, none of them
    /// counted here; keeps the `seeds_kept` violators of smallest seed. An
    /// error if a count would go beyond `u64`, this group then being
    /// half-added.
    pub fn add(&mut self, other: &GroupSummary, seeds_kept: usize) -> Result<(), Overflow> {
        if self.spec.is_empty() {
            self.spec.clone_from(&other.spec);
        }
        let count = |a: &mut u64, b: &u64| sum::add(a, *b);
        count(&mut self.runs, &other.runs)?;
        count(&mut self.trace_events, &other.trace_events)?;
        count(&mut self.violating_runs, &other.violating_runs)?;
        add_maps(&mut self.outcomes, &other.outcomes, count)?;
        add_maps(&mut self.properties, &other.properties, Violated::add)?;
        add_maps(&mut self.undelivered, &other.undelivered, |a, b| add_maps(a, b, Violated::add))?;
        add_maps(&mut self.latency, &other.latency, Histogram::merge)?;
        add_maps(&mut self.lost, &other.lost, count)?;
        add_maps(&mut self.hops, &other.hops, |a, b| add_maps(a, b, Histogram::merge))?;
        self.last_batch.merge(&other.last_batch)?;
        self.balance.merge(&other.balance)?;
        add_maps(&mut self.order, &other.order, OrderTotals::merge)?;
        add_maps(&mut self.duplicates, &other.duplicates, |a, b| {
            sum::add(&mut a.records, b.records)?;
            sum::add(&mut a.extra, b.extra)?;
            sum::add(&mut a.republished, b.republished)
        })?;
        add_maps(&mut self.violators, &other.violators, |a, b| {
            a.extend(b.iter().cloned());
            a.sort_by_key(|v| (v.seed, v.file));
            a.truncate(seeds_kept);
            Ok(())
        })?;
        add_maps(&mut self.causes, &other.causes, |a, b| add_maps(a, b, CauseRuns::merge))?;
        self.seeds.add_disjoint(&other.seeds);
        self.duplicate_runs.merge(&other.duplicate_runs)?;
        self.coverage.merge(&other.coverage)
    }

    /// The same figures with every file index mapped through `files`.
    fn renumbered(mut self, files: &[u32]) -> GroupSummary {
        self.seeds = self.seeds.renumbered(files);
        self.duplicate_runs = self.duplicate_runs.renumbered(files);
        for v in self.violators.values_mut().flatten() {
            v.file = files[v.file as usize];
        }
        for first in self.causes.values_mut().flat_map(|c| c.values_mut()).filter_map(|c| c.first.as_mut()) {
            first.file = files[first.file as usize];
        }
        self
    }
}

/// The place names of Workload1, which a summary lists: each group's
/// figures number the places of its own architecture (its spec's).
fn workload1_places() -> Vec<String> {
    let places = Places::workload1();
    (0..places.len()).map(|p| places.name(p).to_string()).collect()
}

impl Summary {
    /// No runs yet.
    pub fn new(seeds_kept: usize) -> Summary {
        Summary {
            format: FORMAT.into(),
            version: VERSION,
            places: workload1_places(),
            seeds_kept,
            files: Vec::new(),
            problems: Problems::default(),
            shards: Vec::new(),
            groups: Vec::new(),
        }
    }

    /// Counts shard `shard` as part of this summary.
    pub fn add_shard(&mut self, shard: Shard) {
        if let Err(at) = self.shards.binary_search(&shard) {
            self.shards.insert(at, shard);
        }
    }

    /// The shards of `count` that no summary merged here names.
    pub fn missing_shards(&self, count: u64) -> Vec<u64> {
        (0..count).filter(|&index| !self.shards.iter().any(|s| s.index == index && s.count == count)).collect()
    }

    pub fn runs(&self) -> u64 {
        self.groups.iter().map(|g| g.runs).sum()
    }

    pub fn violating_runs(&self) -> u64 {
        self.groups.iter().map(|g| g.violating_runs).sum()
    }

    pub fn trace_events(&self) -> u64 {
        self.groups.iter().map(|g| g.trace_events).sum()
    }

    pub fn duplicate_runs(&self) -> u64 {
        self.groups.iter().map(|g| g.duplicate_runs.runs).sum()
    }

    pub fn group(&self, identity: u64) -> Option<&GroupSummary> {
        let key = format!("{identity:016x}");
        self.groups.binary_search_by(|g| g.identity.cmp(&key)).ok().map(|at| &self.groups[at])
    }

    /// The group of `identity`, added empty if new, with its label,
    /// scenario and spec's text form.
    pub fn group_mut(&mut self, identity: u64, label: &str, scenario: &str, spec: &str) -> &mut GroupSummary {
        let key = format!("{identity:016x}");
        let at = match self.groups.binary_search_by(|g| g.identity.cmp(&key)) {
            Ok(at) => at,
            Err(at) => {
                let new = GroupSummary::new(identity, label.into(), scenario.into(), spec.into());
                self.groups.insert(at, new);
                at
            }
        };
        &mut self.groups[at]
    }

    /// The index of `file` in the file list, added if new.
    pub fn file_index(&mut self, file: &str) -> u32 {
        match self.files.iter().position(|f| f == file) {
            Some(i) => i as u32,
            None => {
                self.files.push(file.to_string());
                self.files.len() as u32 - 1
            }
        }
    }

    /// Adds the figures of runs none of which is counted here, whose file
    /// indices are those of this summary. An error if a count would go
    /// beyond `u64`, this summary then being half-added.
    pub fn add(&mut self, other: &Summary) -> Result<(), Overflow> {
        let seeds_kept = self.seeds_kept;
        for group in &other.groups {
            let at = match self.groups.binary_search_by(|g| g.identity.cmp(&group.identity)) {
                Ok(at) => at,
                Err(at) => {
                    let (label, scenario, spec) = (group.label.clone(), group.scenario.clone(), group.spec.clone());
                    let identity = group.identity.clone();
                    let empty = GroupSummary { identity, label, scenario, spec, ..Default::default() };
                    self.groups.insert(at, empty);
                    at
                }
            };
            self.groups[at].add(group, seeds_kept)?;
        }
        self.problems.merge(&other.problems)?;
        other.shards.iter().for_each(|&shard| self.add_shard(shard));
        self.totals_fit().then_some(()).ok_or(Overflow)
    }

    /// Whether the totals over groups fit in `u64`, as the report adds them.
    fn totals_fit(&self) -> bool {
        let total = |figure: fn(&GroupSummary) -> u64| {
            self.groups.iter().try_fold(0u64, |total, g| total.checked_add(figure(g))).is_some()
        };
        total(|g| g.runs)
            && total(|g| g.trace_events)
            && total(|g| g.violating_runs)
            && total(|g| g.duplicate_runs.runs)
    }

    /// Keeps at most `seeds_kept` violators per group and property.
    fn keep_seeds(&mut self, seeds_kept: usize) {
        self.seeds_kept = seeds_kept;
        self.groups.iter_mut().flat_map(|g| g.violators.values_mut()).for_each(|v| v.truncate(seeds_kept));
    }

    /// Merges the summary stored in `source`: its runs are added if none
    /// of them is counted here, skipped as duplicates if all of them are;
    /// a summary that shares only some of its runs, or whose counts added
    /// to these go beyond `u64`, cannot be merged (and nothing of it is).
    pub fn merge(&mut self, other: Summary, source: &str) -> Result<(), String> {
        let mut merged = self.clone();
        merged.merge_into(other, source)?;
        *self = merged;
        Ok(())
    }

    fn merge_into(&mut self, other: Summary, source: &str) -> Result<(), String> {
        let mut overlaps = Vec::new();
        for theirs in &other.groups {
            if let Some(mine) = self.groups.iter().find(|g| g.identity == theirs.identity) {
                overlaps.extend(mine.seeds.overlap(&theirs.seeds).into_iter().map(|d| (theirs.identity.clone(), d)));
            }
        }
        let shared: u128 = overlaps.iter().map(|(_, d)| u128::from(d.last - d.first) + 1).sum();
        let runs = u128::from(other.runs());
        if shared > 0 && shared < runs {
            return Err(format!(
                "{source}: {shared} of its {runs} runs are counted already (from other summaries or traces), \
                 the others not: a summary cannot be split, analyze the traces of both instead"
            ));
        }
        let files: Vec<u32> = other.files.iter().map(|f| self.file_index(f)).collect();
        if shared > 0 {
            for (identity, d) in overlaps {
                let group = self.groups.iter_mut().find(|g| g.identity == identity).expect("found above");
                let again = Duplicates { again: files[d.again as usize], ..d };
                group.duplicate_runs.add(again).map_err(|e| format!("{source}: {e}"))?;
            }
            return Ok(());
        }
        self.keep_seeds(self.seeds_kept.min(other.seeds_kept));
        let groups = other.groups.into_iter().map(|g| g.renumbered(&files)).collect();
        let theirs =
            Summary { groups, problems: other.problems, shards: other.shards, ..Summary::new(self.seeds_kept) };
        self.add(&theirs).map_err(|e| format!("{source}: {e}"))
    }

    /// The summary as stored: one JSON document, refused if it is larger
    /// than a reader takes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let text = serde_json::to_vec(self).map_err(|e| format!("cannot encode the summary: {e}"))?;
        if text.len() as u64 > MAX_SUMMARY_BYTES {
            return Err(format!(
                "the summary takes {} bytes, beyond the {} MiB a reader takes",
                text.len(),
                MAX_SUMMARY_BYTES >> 20
            ));
        }
        Ok(text)
    }

    /// Stores the summary at `path`, whole or not at all (written beside
    /// it under a temporary name, then renamed).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = self.to_bytes().map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        crate::atomic::write(path, &text)
    }
}

/// Whether the start of a file says it is a stored summary (a JSON
/// document) rather than a trace.
pub fn looks_like_summary(start: &[u8]) -> bool {
    start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// `text` with control characters (a terminal's escapes) shown as `\u{..}`.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}
