//! One chunk of whole runs, analyzed: each run's events are decoded
//! straight into the facts of its records, which become one row per run
//! and record of the chunk's record frame; the measurements (latency,
//! order, duplicates, outcomes) are added up per group as each run ends;
//! then the specification is checked on the frames (see [`crate::check::spec`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use polars::prelude::*;
use strum::VariantArray;
use wl1::model::Pairs;
use wl1::trace::format::decode_events;
use wl1::trace::{Event, OutcomeKind, TraceError, Vocabulary};

use crate::check::columns::{RecordColumns, RunColumns};
use crate::check::spec;
use crate::measure::causes::{FirstRun, Found, causes_of};
use crate::measure::coverage::{CoverageTally, RunSituations};
use crate::measure::histogram::Histogram;
use crate::measure::last_batch::LastBatchClock;
use crate::measure::order::{GLOBAL, ORDER_REGIONS, OrderStats, OrderTotals};
use crate::measure::summary::{GroupSummary, Repeats, Summary};
use crate::properties::PROPERTIES;
use crate::read::frames::{ChunkFrames, Runs};
use crate::record::facts::{RecordFacts, RunFacts};
use crate::record::places::{Places, places_of};
use crate::runs::{Arrival, Group, RunInput, Settings, Unit, outcome_code};

/// Regions are stored in three bits.
const REGION_CODES: usize = 8;

/// What a unit adds up to.
pub struct UnitResult {
    /// The runs of the unit, and the bytes of their events.
    pub runs: u64,
    pub bytes: u64,
    pub summary: Summary,
    /// The runs whose events could not be decoded: identity and seed.
    pub undecodable: Vec<(u64, u64)>,
    /// The tables to export, if asked for.
    pub frames: Option<ChunkFrames>,
}

/// Analyzes the runs of one unit, and builds the tables to export if asked.
pub fn analyze(unit: Unit, settings: &Settings, export_frames: bool) -> PolarsResult<UnitResult> {
    // The reader hands on units of runs of one architecture.
    let places = unit.runs.first().map_or_else(Places::workload1, |run| places_of(&run.file.spec));
    analyze_at(places, unit, settings, export_frames)
}

/// As [`analyze`], for runs of the architecture whose places are `places`.
pub fn analyze_at(
    places: Arc<Places>,
    unit: Unit,
    settings: &Settings,
    export_frames: bool,
) -> PolarsResult<UnitResult> {
    let (run_count, bytes) = (unit.runs.len() as u64, unit.events.len() as u64);
    let mut chunk = Chunk::new(RecordColumns::with_capacity(places.clone(), unit.rows, export_frames));
    let mut facts = RunFacts::new(places.clone());
    let mut situations = RunSituations::default();
    let mut clock = LastBatchClock::default();
    let arrival = wl1::trace::Kind::place(places.arrival());
    let mut summary = Summary::new(settings.seeds_kept);
    let mut undecodable = Vec::new();
    // The index in the unit of each run the chunk holds.
    let mut decoded = Vec::with_capacity(unit.runs.len());
    for (index, run) in unit.runs.iter().enumerate() {
        facts.start(run.file.group.records);
        situations.start();
        clock.start(arrival);
        let observe = |e: Event| {
            situations.observe(&e, places.vocabulary());
            clock.observe(&e);
            facts.observe(e);
        };
        match decode_events(&unit.events[run.events.clone()], places.vocabulary(), observe) {
            Ok(events) => {
                decoded.push(index);
                chunk.add_run(run, events, &facts, &situations, &clock)
            }
            Err(problem) => {
                let path = run.file.path.clone();
                summary
                    .problems
                    .add(TraceError { path, offset: Some(run.offset), run: Some(run.index), problem }.to_string());
                undecodable.push((run.file.group.identity, run.seed));
            }
        }
    }
    let Chunk { groups, tallies, runs, records } = chunk;
    let records = records.into_frame()?;
    let violations = spec::violations(&places, &records, &runs.frame()?)?;
    let chunk_runs = Runs { groups: &groups, runs: &runs };
    let frames = export_frames.then(|| ChunkFrames::new(unit.first_run, chunk_runs, &places, &records, &violations));
    let frames = frames.transpose()?;
    let mut found = vec![GroupSummary::default(); groups.len()];
    spec::add_violations(&violations, &runs, &mut found, settings.seeds_kept)?;
    add_causes(&violations, &unit, &decoded, places.vocabulary(), &mut found)?;
    for ((group, tally), found) in groups.iter().zip(tallies).zip(found) {
        let summary_group = summary.group_mut(group.identity, &group.label, &group.scenario, &group.spec);
        // A unit holds fewer runs than 2^64, and so fewer of anything.
        let added = summary_group.add(&tally.into_summary(places.pairs()), settings.seeds_kept);
        added.and_then(|()| summary_group.add(&found, settings.seeds_kept)).expect("a unit's counts fit in u64");
    }
    Ok(UnitResult { runs: run_count, bytes, summary, undecodable, frames })
}

/// Each violating run's violations by cause, added to its group's
/// (`groups` numbered as the chunk's): the run's events decoded again, as
/// only violating runs need them.
fn add_causes(
    violations: &DataFrame,
    unit: &Unit,
    decoded: &[usize],
    vocabulary: Vocabulary,
    groups: &mut [GroupSummary],
) -> PolarsResult<()> {
    let column = |name: &str| -> PolarsResult<Vec<Option<u32>>> {
        Ok(violations.column(name)?.cast(&DataType::UInt32)?.u32()?.iter().collect())
    };
    let (run, group, record, property) = (column("run")?, column("group")?, column("record")?, column("property")?);
    let (place, region) = (column("place")?, column("region")?);
    let mut at = 0;
    while at < run.len() {
        let local = run[at].expect("every violation has its run");
        let end = (at..run.len()).find(|&i| run[i] != Some(local)).unwrap_or(run.len());
        let input = &unit.runs[decoded[local as usize]];
        let mut events = Vec::new();
        let decoding = decode_events(&unit.events[input.events.clone()], vocabulary, |e| events.push(e));
        decoding.expect("decoded once already");
        let found: Vec<Found> = (at..end)
            .map(|i| Found {
                property: &PROPERTIES[property[i].expect("a property") as usize],
                record: record[i],
                place: place[i],
                region: region[i],
            })
            .collect();
        let causes = causes_of(&input.file.spec, input.seed, &events, &found);
        let mut seen = BTreeSet::new();
        let by_cause = &mut groups[group[at].expect("a group") as usize].causes;
        for (f, cause) in found.iter().zip(causes) {
            if seen.insert((f.property, cause)) {
                let first = FirstRun { seed: input.seed, file: input.file.id, record: f.record };
                let runs = by_cause.entry(f.property.to_string()).or_default().entry(cause.name().to_string());
                runs.or_default().add_run(first);
            }
        }
        at = end;
    }
    Ok(())
}

/// The runs of a unit as columns, and their measurements per group.
pub struct Chunk {
    /// The unit's groups, numbered in the order met.
    pub groups: Vec<Arc<Group>>,
    pub tallies: Vec<Tally>,
    pub runs: RunColumns,
    pub records: RecordColumns,
}

impl Chunk {
    fn new(records: RecordColumns) -> Chunk {
        Chunk { groups: Vec::new(), tallies: Vec::new(), runs: RunColumns::default(), records }
    }

    fn group_of(&mut self, group: &Arc<Group>) -> u32 {
        match self.groups.iter().position(|g| Arc::ptr_eq(g, group)) {
            Some(i) => i as u32,
            None => {
                self.groups.push(group.clone());
                self.tallies.push(Tally::new(&self.records.places));
                self.groups.len() as u32 - 1
            }
        }
    }

    fn add_run(
        &mut self,
        run: &RunInput,
        events: u64,
        facts: &RunFacts,
        situations: &RunSituations,
        clock: &LastBatchClock,
    ) {
        let (places, records) = (facts.places(), facts.records());
        let group = self.group_of(&run.file.group);
        let local = self.runs.seed.len() as u32;
        let arrivals = arrivals(places, records);
        let tally = &mut self.tallies[group as usize];
        tally.add_run(places, run.outcome.kind, events, records, &arrivals);
        tally.duplicates[places.publication()].republished += situations.republished();
        tally.add_last_batch(places, records, clock);
        tally.add_balance(records);
        tally.coverage.add_run(run.seed, run.coverage, places, records, &arrivals, situations);
        self.runs.push(run, group, events, &arrivals);
        for facts in records {
            self.records.push(local, group, facts);
        }
    }
}

/// The first arrivals of a run's published records, in arrival order.
fn arrivals(places: &Places, records: &[RecordFacts]) -> Vec<Arrival> {
    let (published, arrival) = (places.publication(), places.arrival());
    let mut arrivals: Vec<Arrival> = records
        .iter()
        .filter(|f| f.reached(arrival) && f.reached(published))
        .map(|f| Arrival {
            record: f.record,
            region: f.region[arrival],
            published: f.idx[published],
            arrived: f.idx[arrival],
        })
        .collect();
    arrivals.sort_unstable_by_key(|a| a.arrived);
    arrivals
}

/// The measurements of the runs of one group in a unit.
pub struct Tally {
    runs: u64,
    events: u64,
    outcomes: [u64; OutcomeKind::VARIANTS.len()],
    /// Per region a record arrived from: slot 0 its latency, slot k the hop
    /// into stage k.
    latency: [Vec<Histogram>; REGION_CODES],
    /// Per region a record was last routed to (0 for none): records of
    /// the run that never reached the destination.
    lost: [u64; REGION_CODES],
    /// Runs that delivered every record: the time their last batch took.
    last_batch: Histogram,
    /// Per run, region 1's share of its records, per mille.
    balance: Histogram,
    order: [OrderTotals; 1 + ORDER_REGIONS.len()],
    /// Per place.
    duplicates: Vec<Repeats>,
    coverage: CoverageTally,
}

impl Tally {
    fn new(places: &Places) -> Tally {
        Tally {
            runs: 0,
            events: 0,
            outcomes: Default::default(),
            latency: std::array::from_fn(|_| vec![Histogram::default(); places.stages()]),
            lost: Default::default(),
            last_batch: Histogram::default(),
            balance: Histogram::default(),
            order: Default::default(),
            duplicates: vec![Repeats::default(); places.len()],
            coverage: CoverageTally::default(),
        }
    }

    fn add_run(
        &mut self,
        places: &Places,
        outcome: OutcomeKind,
        events: u64,
        records: &[RecordFacts],
        arrivals: &[Arrival],
    ) {
        self.runs += 1;
        self.events += events;
        self.outcomes[outcome_code(outcome) as usize] += 1;
        for f in records {
            self.add_latency(places, f);
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

    /// The time the last batch took, if the run delivered every record.
    fn add_last_batch(&mut self, places: &Places, records: &[RecordFacts], clock: &LastBatchClock) {
        let delivered = records.iter().all(|f| !f.known || f.reached(places.arrival()));
        if let (true, Some(us)) = (delivered, clock.elapsed_us()) {
            self.last_batch.record(us as i64);
        }
    }

    /// Region 1's share of the run's records that were routed to region 1
    /// or 2, if any were: how evenly an architecture with two active
    /// regions spreads its work.
    fn add_balance(&mut self, records: &[RecordFacts]) {
        let routed = |region| records.iter().filter(|f| f.known && f.routed_region == region).count() as i64;
        let (first, second) = (routed(1), routed(2));
        if first + second > 0 {
            self.balance.record(first * 1000 / (first + second));
        }
    }

    fn add_latency(&mut self, places: &Places, f: &RecordFacts) {
        let (published, arrival) = (places.publication(), places.arrival());
        if f.known && !f.reached(arrival) {
            self.lost[usize::from(f.routed_region) % REGION_CODES] += 1;
        }
        if !(f.reached(published) && f.reached(arrival)) {
            return;
        }
        let histograms = &mut self.latency[usize::from(f.region[arrival]) % REGION_CODES];
        let since = |from: usize, to: usize| f.us[to] as i64 - f.us[from] as i64;
        histograms[0].record(since(published, arrival));
        for k in (1..places.stages()).filter(|&k| f.reached(k) && f.reached(places.cause(k))) {
            histograms[k].record(since(places.cause(k), k));
        }
    }

    /// The summary of the runs counted, whose coverage bits number `pairs`.
    fn into_summary(self, pairs: &Pairs) -> GroupSummary {
        let mut g = GroupSummary {
            runs: self.runs,
            trace_events: self.events,
            coverage: self.coverage.into_coverage(pairs),
            last_batch: self.last_batch,
            balance: self.balance,
            ..GroupSummary::default()
        };
        for (kind, &runs) in OutcomeKind::VARIANTS.iter().zip(&self.outcomes).filter(|(_, r)| **r > 0) {
            g.outcomes.insert(kind.name().to_string(), runs);
        }
        for (region, mut histograms) in self.latency.into_iter().enumerate().filter(|(_, h)| h[0].count() > 0) {
            let region = region as u32;
            g.latency.insert(region, std::mem::take(&mut histograms[0]));
            let hops = histograms.into_iter().enumerate().skip(1).filter(|(_, h)| h.count() > 0);
            g.hops.insert(region, hops.map(|(k, h)| (k as u32, h)).collect());
        }
        g.lost = (0..).zip(self.lost).filter(|&(_, n)| n > 0).collect();
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
