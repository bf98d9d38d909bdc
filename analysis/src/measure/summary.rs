//! What an analysis adds up to: a [`Summary`] per set of runs, whose size
//! depends on the number of groups, not of runs, and which merges exactly
//! with the summary of other runs. Reports are printed from it; `wl1
//! analyze --summary FILE` stores it so that shards of a large job can be
//! analyzed apart and merged in one small step.
//!
//! # Stored form (format `wl1-analysis-summary`, version 1)
//!
//! One JSON document: `format`, `version`, `places` (the place names the
//! figures number, 0..=20), `seeds_kept` (violating seeds kept per group
//! and property), `files` (the trace files counted; figures name a file
//! by its index), `problems` (`count` and the first few `listed`), and
//! `groups`, one per spec identity (16 hex digits), each with:
//! `label`, `scenario`, `runs`, `trace_events`, `violating_runs`;
//! `outcomes` (runs per outcome); `properties` (per property violated:
//! `runs`, `records`); `undelivered` (per first place never reached and
//! its region, 0 for none: `records`, `runs`); `latency` (per region the
//! record arrived from, a histogram of publish -> destination in µs);
//! `hops` (per region and stage, a histogram of the first time at the stage
//! minus the first time at its cause); `order` (per scope, 0 global or a
//! region: `runs`, `arrivals`, `out_of_order`, `inversions`, `pairs`,
//! `max_displacement`); `duplicates` (per place reached more than once by
//! a record: `records`, `extra`); `violators` (per property, the violating
//! runs of smallest seed: `seed`, `file`, `record`, `place`, `region` of
//! the run's first violation of it, and how many `violations`); `seeds`
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

use crate::measure::coverage::Coverage;
use crate::measure::histogram::Histogram;
use crate::measure::order::OrderTotals;
use crate::measure::seeds::{DuplicateRuns, Duplicates, SeedRange, SeedSet};
use crate::record::places::{PLACES, STAGES, place_name};

pub const FORMAT: &str = "wl1-analysis-summary";
pub const VERSION: u32 = 1;
/// How many input problems a summary lists; the count is always exact.
const LISTED_PROBLEMS: usize = 100;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub format: String,
    pub version: u32,
    pub places: Vec<String>,
    pub seeds_kept: usize,
    pub files: Vec<String>,
    pub problems: Problems,
    /// By identity.
    pub groups: Vec<GroupSummary>,
}

/// Input problems: an exact count and the first ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problems {
    pub count: u64,
    pub listed: Vec<String>,
}

impl Problems {
    pub fn add(&mut self, problem: String) {
        self.count += 1;
        if self.listed.len() < LISTED_PROBLEMS {
            self.listed.push(problem);
        }
    }

    pub fn merge(&mut self, other: &Problems) {
        let count = self.count + other.count;
        other.listed.iter().for_each(|p| self.add(p.clone()));
        self.count = count;
    }
}

/// The figures of the runs of one group: runs that share everything that
/// decides a run besides its seed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub identity: String,
    pub label: String,
    pub scenario: String,
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
    pub order: BTreeMap<u32, OrderTotals>,
    pub duplicates: BTreeMap<u32, Repeats>,
    pub violators: BTreeMap<String, Vec<Violator>>,
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
    fn add(&mut self, other: &Violated) {
        self.runs += other.runs;
        self.records += other.records;
    }
}

/// Records that reached a place more than once, and the reaches beyond
/// the first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repeats {
    pub records: u64,
    pub extra: u64,
}

/// A violating run: its first violation of one property (record, place
/// and region where they apply), and how many it has of that property.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violator {
    pub seed: u64,
    pub file: u32,
    pub record: Option<u32>,
    pub place: Option<u32>,
    pub region: Option<u32>,
    pub violations: u64,
}

fn add_maps<K: Ord + Clone, V: Default>(mine: &mut BTreeMap<K, V>, theirs: &BTreeMap<K, V>, add: impl Fn(&mut V, &V)) {
    for (key, value) in theirs {
        add(mine.entry(key.clone()).or_default(), value);
    }
}

impl GroupSummary {
    pub fn new(identity: u64, label: String, scenario: String) -> GroupSummary {
        GroupSummary { identity: format!("{identity:016x}"), label, scenario, ..GroupSummary::default() }
    }

    /// Adds the figures of other runs of the same group, none of them
    /// counted here; keeps the `seeds_kept` violators of smallest seed.
    pub fn add(&mut self, other: &GroupSummary, seeds_kept: usize) {
        self.runs += other.runs;
        self.trace_events += other.trace_events;
        self.violating_runs += other.violating_runs;
        add_maps(&mut self.outcomes, &other.outcomes, |a, b| *a += b);
        add_maps(&mut self.properties, &other.properties, Violated::add);
        add_maps(&mut self.undelivered, &other.undelivered, |a, b| add_maps(a, b, Violated::add));
        add_maps(&mut self.latency, &other.latency, Histogram::merge);
        add_maps(&mut self.lost, &other.lost, |a, b| *a += b);
        add_maps(&mut self.hops, &other.hops, |a, b| add_maps(a, b, Histogram::merge));
        add_maps(&mut self.order, &other.order, OrderTotals::merge);
        add_maps(&mut self.duplicates, &other.duplicates, |a, b| {
            a.records += b.records;
            a.extra += b.extra;
        });
        add_maps(&mut self.violators, &other.violators, |a, b| {
            a.extend(b.iter().cloned());
            a.sort_by_key(|v| (v.seed, v.file));
            a.truncate(seeds_kept);
        });
        self.seeds.add_disjoint(&other.seeds);
        self.duplicate_runs.merge(&other.duplicate_runs);
        self.coverage.merge(&other.coverage);
    }

    /// The same figures with every file index mapped through `files`.
    fn renumbered(mut self, files: &[u32]) -> GroupSummary {
        self.seeds = self.seeds.renumbered(files);
        self.duplicate_runs = self.duplicate_runs.renumbered(files);
        for v in self.violators.values_mut().flatten() {
            v.file = files[v.file as usize];
        }
        self
    }

    /// What is inconsistent in a group read from a file, if anything: a
    /// file index beyond the `files` listed, a place or stage out of range,
    /// seed ranges that are reversed or overlap, or that do not count the
    /// group's runs.
    fn damage(&self, files: usize) -> Option<&'static str> {
        let file = |f: u32| (f as usize) < files;
        let place = |p: &u32| (*p as usize) < PLACES;
        let ranges: Vec<SeedRange> = self.seeds.ranges().collect();
        let checks = [
            (ranges.iter().all(|r| file(r.file) && r.first <= r.last), "a seed range out of range"),
            (ranges.windows(2).all(|w| w[0].last < w[1].first), "overlapping seed ranges"),
            (self.seeds.len() == self.runs, "seed ranges that do not count its runs"),
            (
                self.duplicate_runs.listed.iter().all(|d| file(d.kept) && file(d.again) && d.first <= d.last),
                "a duplicate out of range",
            ),
            (
                self.violators.values().flatten().all(|v| file(v.file) && v.place.is_none_or(|p| place(&p))),
                "a violator out of range",
            ),
            (self.undelivered.keys().all(place) && self.duplicates.keys().all(place), "a place out of range"),
            (self.hops.values().flat_map(|h| h.keys()).all(|&k| (1..STAGES as u32).contains(&k)), "a hop out of range"),
        ];
        checks.into_iter().find(|(ok, _)| !ok).map(|(_, what)| what)
    }
}

impl Summary {
    /// No runs yet.
    pub fn new(seeds_kept: usize) -> Summary {
        Summary {
            format: FORMAT.into(),
            version: VERSION,
            places: (0..PLACES).map(place_name).collect(),
            seeds_kept,
            files: Vec::new(),
            problems: Problems::default(),
            groups: Vec::new(),
        }
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

    /// The group of `identity`, added empty if new.
    pub fn group_mut(&mut self, identity: u64, label: &str, scenario: &str) -> &mut GroupSummary {
        let key = format!("{identity:016x}");
        let at = match self.groups.binary_search_by(|g| g.identity.cmp(&key)) {
            Ok(at) => at,
            Err(at) => {
                self.groups.insert(at, GroupSummary::new(identity, label.into(), scenario.into()));
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
    /// indices are those of this summary.
    pub fn add(&mut self, other: &Summary) {
        let seeds_kept = self.seeds_kept;
        for group in &other.groups {
            let at = match self.groups.binary_search_by(|g| g.identity.cmp(&group.identity)) {
                Ok(at) => at,
                Err(at) => {
                    let (label, scenario) = (group.label.clone(), group.scenario.clone());
                    let empty =
                        GroupSummary { identity: group.identity.clone(), label, scenario, ..Default::default() };
                    self.groups.insert(at, empty);
                    at
                }
            };
            self.groups[at].add(group, seeds_kept);
        }
        self.problems.merge(&other.problems);
    }

    /// Keeps at most `seeds_kept` violators per group and property.
    fn keep_seeds(&mut self, seeds_kept: usize) {
        self.seeds_kept = seeds_kept;
        self.groups.iter_mut().flat_map(|g| g.violators.values_mut()).for_each(|v| v.truncate(seeds_kept));
    }

    /// Merges the summary stored in `source`: its runs are added if none
    /// of them is counted here, skipped as duplicates if all of them are;
    /// a summary that shares only some of its runs cannot be merged.
    pub fn merge(&mut self, other: Summary, source: &str) -> Result<(), String> {
        let mut overlaps = Vec::new();
        for theirs in &other.groups {
            if let Some(mine) = self.groups.iter().find(|g| g.identity == theirs.identity) {
                overlaps.extend(mine.seeds.overlap(&theirs.seeds).into_iter().map(|d| (theirs.identity.clone(), d)));
            }
        }
        let shared: u64 = overlaps.iter().map(|(_, d)| d.last - d.first + 1).sum();
        let runs = other.runs();
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
                group.duplicate_runs.add(Duplicates { again: files[d.again as usize], ..d });
            }
            return Ok(());
        }
        self.keep_seeds(self.seeds_kept.min(other.seeds_kept));
        let groups = other.groups.into_iter().map(|g| g.renumbered(&files)).collect();
        self.add(&Summary { groups, problems: other.problems, ..Summary::new(self.seeds_kept) });
        Ok(())
    }

    /// Reads a summary stored by [`Summary::write`].
    pub fn read(path: &Path) -> Result<Summary, String> {
        let name = path.display();
        let text = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
        let summary: Summary =
            serde_json::from_slice(&text).map_err(|e| format!("{name}: not a readable analysis summary: {e}"))?;
        if summary.format != FORMAT || summary.version != VERSION {
            return Err(format!(
                "{name}: {} version {}, this wl1 reads {FORMAT} version {VERSION}",
                summary.format, summary.version
            ));
        }
        if summary.places != Summary::new(0).places {
            return Err(format!("{name}: its places differ from this wl1's: analyze its traces again"));
        }
        if !summary.groups.windows(2).all(|w| w[0].identity < w[1].identity) {
            return Err(format!("{name}: its groups are not in order of identity: the summary is damaged"));
        }
        for group in &summary.groups {
            if let Some(what) = group.damage(summary.files.len()) {
                return Err(format!("{name}: the summary is damaged: {what} in group {}", group.label));
            }
        }
        Ok(summary)
    }

    /// Stores the summary at `path`, whole or not at all (written beside
    /// it under a temporary name, then renamed).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_vec(self).map_err(|e| format!("cannot encode the summary: {e}"))?;
        crate::atomic::write(path, &text)
    }
}

/// Whether the start of a file says it is a stored summary (a JSON
/// document) rather than a trace.
pub fn looks_like_summary(start: &[u8]) -> bool {
    start.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}
