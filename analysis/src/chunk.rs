//! One chunk of whole runs, analyzed: each run's events are decoded
//! straight into the facts of its records, which become one row per run
//! and record of the chunk's record frame; the measurements (latency,
//! order, duplicates, outcomes) are added up per group as each run ends;
//! then the specification is checked on the frames (see [`crate::spec`]).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::*;
use strum::VariantArray;
use wl1::trace::format::decode_events;
use wl1::trace::{Outcome, OutcomeKind, TraceError};

use crate::facts::{NONE, RecordFacts, RunFacts, WATCHED};
use crate::histogram::Histogram;
use crate::order::{GLOBAL, ORDER_REGIONS, OrderStats, OrderTotals, first_late};
use crate::places::{ARRIVAL, PLACES, PUBLISHED, REGIONS, STAGES, cause};
use crate::summary::{GroupSummary, Repeats, Summary};
use crate::{Settings, export, spec};

/// Runs that share everything besides their seeds.
#[derive(Debug)]
pub struct Group {
    pub identity: u64,
    pub label: String,
    pub scenario: String,
    /// Records each run publishes: 1..=records.
    pub records: u32,
    pub global_order: bool,
}

/// A trace file being read.
#[derive(Debug)]
pub struct InputFile {
    /// Its index in the summary's file list.
    pub id: u32,
    pub path: PathBuf,
    pub group: Arc<Group>,
}

/// One run to analyze: what its header says and where its events are.
pub struct RunInput {
    pub file: Arc<InputFile>,
    pub seed: u64,
    pub outcome: Outcome,
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
}

/// What a unit adds up to.
pub struct UnitResult {
    pub summary: Summary,
    /// The runs whose events could not be decoded: identity and seed.
    pub undecodable: Vec<(u64, u64)>,
    /// The tables to export, if asked for.
    pub frames: Option<export::ChunkFrames>,
}

/// Analyzes the runs of one unit, and builds the tables to export if asked.
pub fn analyze(unit: Unit, settings: &Settings, export_frames: bool) -> PolarsResult<UnitResult> {
    let rows = unit.runs.iter().map(|r| r.file.group.records as usize).sum();
    let mut chunk = Chunk { records: RecordColumns::with_capacity(rows, export_frames), ..Chunk::default() };
    let mut facts = RunFacts::default();
    let mut summary = Summary::new(settings.seeds_kept);
    let mut undecodable = Vec::new();
    for run in &unit.runs {
        facts.start(run.file.group.records);
        match decode_events(&unit.events[run.events.clone()], |e| facts.observe(e)) {
            Ok(events) => chunk.add_run(run, events, &facts.records),
            Err(problem) => {
                let path = run.file.path.clone();
                summary
                    .problems
                    .add(TraceError { path, offset: Some(run.offset), run: Some(run.index), problem }.to_string());
                undecodable.push((run.file.group.identity, run.seed));
            }
        }
    }
    let records = std::mem::take(&mut chunk.records).into_frame()?;
    let runs = chunk.runs.frame()?;
    let violations = spec::violations(&records, &runs)?;
    let frames =
        export_frames.then(|| export::ChunkFrames::new(unit.first_run, &chunk, &records, &violations)).transpose()?;
    let mut found = vec![GroupSummary::default(); chunk.groups.len()];
    spec::add_violations(&violations, &chunk.runs, &mut found, settings.seeds_kept)?;
    for ((group, tally), found) in chunk.groups.iter().zip(chunk.tallies).zip(found) {
        let summary_group = summary.group_mut(group.identity, &group.label, &group.scenario);
        summary_group.add(&tally.into_summary(), settings.seeds_kept);
        summary_group.add(&found, settings.seeds_kept);
    }
    Ok(UnitResult { summary, undecodable, frames })
}

/// The runs of a unit as columns, and their measurements per group.
#[derive(Default)]
pub struct Chunk {
    /// The unit's groups, numbered in the order met.
    pub groups: Vec<Arc<Group>>,
    pub tallies: Vec<Tally>,
    pub runs: RunColumns,
    pub records: RecordColumns,
}

impl Chunk {
    fn group_of(&mut self, group: &Arc<Group>) -> u32 {
        match self.groups.iter().position(|g| Arc::ptr_eq(g, group)) {
            Some(i) => i as u32,
            None => {
                self.groups.push(group.clone());
                self.tallies.push(Tally::default());
                self.groups.len() as u32 - 1
            }
        }
    }

    fn add_run(&mut self, run: &RunInput, events: u64, records: &[RecordFacts]) {
        let group = self.group_of(&run.file.group);
        let local = self.runs.seed.len() as u32;
        let arrivals = arrivals(records);
        self.tallies[group as usize].add_run(run.outcome.kind, events, records, &arrivals);
        self.runs.push(run, group, events, &arrivals);
        for facts in records {
            self.records.push(local, group, facts);
        }
    }
}

/// One row per run.
#[derive(Default)]
pub struct RunColumns {
    pub seed: Vec<u64>,
    pub group: Vec<u32>,
    pub files: Vec<Arc<InputFile>>,
    pub outcome: Vec<u32>,
    pub end_us: Vec<u64>,
    pub records: Vec<u32>,
    pub events: Vec<u64>,
    pub global_order: Vec<bool>,
    /// The first arrival published before one that arrived earlier.
    pub late_record: Vec<u32>,
    pub late_region: Vec<u32>,
}

/// An outcome's code: its place in [`OutcomeKind::VARIANTS`].
pub fn outcome_code(kind: OutcomeKind) -> u32 {
    OutcomeKind::VARIANTS.iter().position(|&k| k == kind).expect("every outcome is listed") as u32
}

impl RunColumns {
    fn push(&mut self, run: &RunInput, group: u32, events: u64, arrivals: &[Arrival]) {
        self.seed.push(run.seed);
        self.group.push(group);
        self.files.push(run.file.clone());
        self.outcome.push(outcome_code(run.outcome.kind));
        self.end_us.push(run.outcome.end_us);
        self.records.push(run.file.group.records);
        self.events.push(events);
        self.global_order.push(run.file.group.global_order);
        let published: Vec<u32> = arrivals.iter().map(|a| a.published).collect();
        let late = first_late(&published).map(|i| &arrivals[i]);
        self.late_record.push(late.map_or(NONE, |a| a.record));
        self.late_region.push(late.map_or(NONE, |a| u32::from(a.region)));
    }

    pub fn frame(&self) -> PolarsResult<DataFrame> {
        let runs: Vec<u32> = (0..self.seed.len() as u32).collect();
        DataFrame::new(
            runs.len(),
            vec![
                Column::new("run".into(), runs),
                Column::new("group".into(), &self.group),
                Column::new("outcome".into(), &self.outcome),
                Column::new("global_order".into(), &self.global_order),
                Column::new("late_record".into(), &self.late_record),
                Column::new("late_region".into(), &self.late_region),
            ],
        )
    }
}

/// A record's first arrival at the destination.
struct Arrival {
    record: u32,
    region: u8,
    /// The index of its first publication and of its first arrival.
    published: u32,
    arrived: u32,
}

/// The first arrivals of a run's published records, in arrival order.
fn arrivals(records: &[RecordFacts]) -> Vec<Arrival> {
    let mut arrivals: Vec<Arrival> = records
        .iter()
        .filter(|f| f.reached(ARRIVAL) && f.reached(PUBLISHED))
        .map(|f| Arrival {
            record: f.record,
            region: f.region[ARRIVAL],
            published: f.idx[PUBLISHED],
            arrived: f.idx[ARRIVAL],
        })
        .collect();
    arrivals.sort_unstable_by_key(|a| a.arrived);
    arrivals
}

/// The measurements of the runs of one group in a unit.
#[derive(Default)]
pub struct Tally {
    runs: u64,
    events: u64,
    outcomes: [u64; OutcomeKind::VARIANTS.len()],
    /// Per region a record arrived from: slot 0 its latency, slot k the hop
    /// into stage k.
    latency: [[Histogram; STAGES]; 8],
    order: [OrderTotals; 1 + ORDER_REGIONS.len()],
    duplicates: [Repeats; PLACES],
}

impl Tally {
    fn add_run(&mut self, outcome: OutcomeKind, events: u64, records: &[RecordFacts], arrivals: &[Arrival]) {
        self.runs += 1;
        self.events += events;
        self.outcomes[outcome_code(outcome) as usize] += 1;
        for f in records {
            self.add_latency(f);
            for (place, repeats) in self.duplicates.iter_mut().enumerate().filter(|(p, _)| f.n[*p] > 1) {
                repeats.records += 1;
                repeats.extra += u64::from(f.n[place] - 1);
            }
        }
        let scopes = std::iter::once(GLOBAL).chain(ORDER_REGIONS);
        for (totals, scope) in self.order.iter_mut().zip(scopes) {
            let published: Vec<u32> = arrivals
                .iter()
                .filter(|a| scope == GLOBAL || u32::from(a.region) == scope)
                .map(|a| a.published)
                .collect();
            if !published.is_empty() {
                totals.add_run(&OrderStats::of(&published));
            }
        }
    }

    fn add_latency(&mut self, f: &RecordFacts) {
        if !(f.reached(PUBLISHED) && f.reached(ARRIVAL)) {
            return;
        }
        let histograms = &mut self.latency[usize::from(f.region[ARRIVAL] & 7)];
        let since = |from: usize, to: usize| f.us[to] as i64 - f.us[from] as i64;
        histograms[0].record(since(PUBLISHED, ARRIVAL));
        for k in (1..STAGES).filter(|&k| f.reached(k) && f.reached(cause(k))) {
            histograms[k].record(since(cause(k), k));
        }
    }

    fn into_summary(self) -> GroupSummary {
        let mut g = GroupSummary::default();
        g.runs = self.runs;
        g.trace_events = self.events;
        for (kind, &runs) in OutcomeKind::VARIANTS.iter().zip(&self.outcomes).filter(|(_, r)| **r > 0) {
            g.outcomes.insert(kind.name().to_string(), runs);
        }
        for (region, mut histograms) in self.latency.into_iter().enumerate().filter(|(_, h)| h[0].count() > 0) {
            let region = region as u32;
            g.latency.insert(region, std::mem::take(&mut histograms[0]));
            let hops = histograms.into_iter().enumerate().skip(1).filter(|(_, h)| h.count() > 0);
            g.hops.insert(region, hops.map(|(k, h)| (k as u32, h)).collect());
        }
        let scopes = std::iter::once(GLOBAL).chain(ORDER_REGIONS);
        g.order = scopes.zip(self.order).filter(|(_, t)| t.runs > 0).collect();
        g.duplicates = self
            .duplicates
            .into_iter()
            .enumerate()
            .filter(|(_, r)| r.records > 0)
            .map(|(p, r)| (p as u32, r))
            .collect();
        g
    }
}

/// One row per run and record (see [`RecordFacts`]); `NONE` where an
/// index or place does not apply.
#[derive(Default)]
pub struct RecordColumns {
    pub run: Vec<u32>,
    pub group: Vec<u32>,
    pub record: Vec<u32>,
    pub known: Vec<bool>,
    pub n: [Vec<u32>; PLACES],
    pub published_idx: Vec<u32>,
    pub watched: [[Vec<u32>; REGIONS]; WATCHED.len()],
    pub routed_region: Vec<u32>,
    pub first_place: Vec<u32>,
    pub first_region: Vec<u32>,
    pub first_idx: Vec<u32>,
    pub value: Vec<u32>,
    pub carried_value: Vec<u32>,
    pub carried_place: Vec<u32>,
    pub carried_region: Vec<u32>,
    pub changed_place: Vec<u32>,
    pub changed_region: Vec<u32>,
    /// The first time at each place, only if the tables are exported.
    pub firsts: Option<FirstTimes>,
}

/// Per place, the index and time of the first time it was reached; per
/// stage, its region.
#[derive(Default)]
pub struct FirstTimes {
    pub idx: [Vec<u32>; PLACES],
    pub us: [Vec<u64>; PLACES],
    pub region: [Vec<u32>; STAGES],
}

/// Column names of the record frame.
pub mod name {
    use crate::facts::WATCHED;
    use crate::places::place_name;

    pub fn n(place: usize) -> String {
        format!("{}.n", place_name(place))
    }
    pub fn idx(place: usize) -> String {
        format!("{}.idx", place_name(place))
    }
    pub fn us(place: usize) -> String {
        format!("{}.us", place_name(place))
    }
    pub fn region(stage: usize) -> String {
        format!("{}.region", place_name(stage))
    }
    /// The first index of a watched kind in region `r` (1..=3).
    pub fn watched(w: usize, r: usize) -> String {
        format!("{}@{r}.idx", WATCHED[w].name())
    }
}

impl RecordColumns {
    /// Room for `rows` rows, with the first times if `firsts`.
    fn with_capacity(rows: usize, firsts: bool) -> RecordColumns {
        let mut columns = RecordColumns { firsts: firsts.then(FirstTimes::default), ..RecordColumns::default() };
        columns.each_u32(&mut |c| c.reserve_exact(rows));
        columns.known.reserve_exact(rows);
        if let Some(f) = &mut columns.firsts {
            f.us.iter_mut().for_each(|c| c.reserve_exact(rows));
        }
        columns
    }

    /// Applies `f` to every u32 column.
    fn each_u32(&mut self, f: &mut impl FnMut(&mut Vec<u32>)) {
        let single = [&mut self.run, &mut self.group, &mut self.record, &mut self.published_idx];
        single.into_iter().for_each(&mut *f);
        self.n.iter_mut().chain(self.watched.iter_mut().flatten()).for_each(&mut *f);
        let facts = [
            &mut self.routed_region,
            &mut self.first_place,
            &mut self.first_region,
            &mut self.first_idx,
            &mut self.value,
            &mut self.carried_value,
            &mut self.carried_place,
            &mut self.carried_region,
            &mut self.changed_place,
            &mut self.changed_region,
        ];
        facts.into_iter().for_each(&mut *f);
        if let Some(firsts) = &mut self.firsts {
            firsts.idx.iter_mut().chain(&mut firsts.region).for_each(f);
        }
    }

    fn push(&mut self, run: u32, group: u32, f: &RecordFacts) {
        self.run.push(run);
        self.group.push(group);
        self.record.push(f.record);
        self.known.push(f.known);
        for (column, &n) in self.n.iter_mut().zip(&f.n) {
            column.push(n);
        }
        self.published_idx.push(f.idx[PUBLISHED]);
        for (columns, firsts) in self.watched.iter_mut().zip(&f.watched) {
            columns.iter_mut().zip(firsts).for_each(|(c, &i)| c.push(i));
        }
        self.routed_region.push(u32::from(f.routed_region));
        self.first_place.push(f.first_place);
        self.first_region.push(u32::from(f.first_region));
        self.first_idx.push(f.first_idx);
        self.value.push(f.value);
        self.carried_value.push(f.carried_value);
        self.carried_place.push(f.carried_place);
        self.carried_region.push(u32::from(f.carried_region));
        self.changed_place.push(f.changed_place);
        self.changed_region.push(u32::from(f.changed_region));
        if let Some(firsts) = &mut self.firsts {
            firsts.push(f);
        }
    }

    /// The columns as a frame, moved into it.
    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        let height = self.run.len();
        let u32s = |name: &str, values: Vec<u32>| Column::new(name.into(), values);
        let mut columns = vec![
            u32s("run", self.run),
            u32s("group", self.group),
            u32s("record", self.record),
            Column::new("known".into(), self.known),
            u32s(&name::idx(PUBLISHED), self.published_idx),
        ];
        columns.extend(self.n.into_iter().enumerate().map(|(p, c)| u32s(&name::n(p), c)));
        for (w, columns_of_kind) in self.watched.into_iter().enumerate() {
            columns.extend(columns_of_kind.into_iter().enumerate().map(|(r, c)| u32s(&name::watched(w, r + 1), c)));
        }
        columns.extend([
            u32s("routed_region", self.routed_region),
            u32s("first_place", self.first_place),
            u32s("first_region", self.first_region),
            u32s("first_idx", self.first_idx),
            u32s("value", self.value),
            u32s("carried_value", self.carried_value),
            u32s("carried_place", self.carried_place),
            u32s("carried_region", self.carried_region),
            u32s("changed_place", self.changed_place),
            u32s("changed_region", self.changed_region),
        ]);
        if let Some(firsts) = self.firsts {
            let idx = firsts.idx.into_iter().enumerate().filter(|&(p, _)| p != PUBLISHED);
            columns.extend(idx.map(|(p, c)| u32s(&name::idx(p), c)));
            columns.extend(firsts.us.into_iter().enumerate().map(|(p, c)| Column::new(name::us(p).into(), c)));
            columns.extend(firsts.region.into_iter().enumerate().map(|(k, c)| u32s(&name::region(k), c)));
        }
        DataFrame::new(height, columns)
    }
}

impl FirstTimes {
    fn push(&mut self, f: &RecordFacts) {
        for p in 0..PLACES {
            self.idx[p].push(f.idx[p]);
            self.us[p].push(f.us[p]);
        }
        for (column, &region) in self.region.iter_mut().zip(&f.region) {
            column.push(u32::from(region));
        }
    }
}
