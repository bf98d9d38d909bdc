//! One run checked on its own, as `wl1 replay` needs it: the very checks
//! of an analysis of many runs, on a chunk that holds only this one.

use std::path::PathBuf;
use std::sync::Arc;

use polars::prelude::*;
use wl1::engine::MICROSECOND;
use wl1::run::{ms_text, republished_text};
use wl1::trace::format::{decode_run_header, encode_payload};
use wl1::trace::meaning::{Meaning, Step};
use wl1::trace::{Event, Kind, RunHeader};

use crate::properties::{ANSWER_UNMATCHED, PUBLISH_ORDER};
use crate::read::chunk;
use crate::record::facts::follows_publish_order;
use crate::record::places::{Places, places_of};
use crate::runs::{Group, InputFile, RunInput, Settings, Unit};

/// One violation of the specification in a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub property: String,
    /// The record, for properties about records.
    pub record: Option<u32>,
    /// The place it names (in `places`), where one applies.
    pub place: Option<usize>,
    pub region: Option<u32>,
    /// The places of the run's architecture.
    pub places: Arc<Places>,
}

/// Every violation of the specification in the run of `header` whose
/// events are `events`, ordered by record and place (the run's own
/// violations, such as `run-stuck`, first).
pub fn check_run(header: &RunHeader, events: &[Event]) -> Result<Vec<Violation>, String> {
    check_run_of(places_of(&header.spec), header, events)
}

/// As [`check_run`], for a run of the architecture whose places are `places`.
pub fn check_run_of(places: Arc<Places>, header: &RunHeader, events: &[Event]) -> Result<Vec<Violation>, String> {
    let mut payload = Vec::new();
    encode_payload(header, events, &mut payload);
    let (_, events_at) = decode_run_header(&payload, &header.spec)?;
    let spec = header.spec.clone();
    let group = Arc::new(Group::of(&spec));
    let records = group.records as usize;
    let file = Arc::new(InputFile { id: 0, path: PathBuf::new(), spec, group });
    let stored = payload.split_off(events_at);
    let (seed, outcome, coverage) = (header.seed, header.outcome, header.coverage);
    let run = RunInput { file, seed, outcome, coverage, events: 0..stored.len(), offset: 0, index: 0 };
    let unit = Unit { first_run: 0, events: stored, runs: vec![run], rows: records };
    let settings = Settings { analyzers: 1, seeds_kept: 1, ..Settings::default() };
    let failed = |e: PolarsError| format!("the run could not be checked: {e}");
    let result = chunk::analyze_at(places.clone(), unit, &settings, true).map_err(failed)?;
    if let Some(problem) = result.summary.problems.listed.first() {
        return Err(problem.clone());
    }
    let frames = result.frames.expect("frames were asked for");
    violations(&places, &frames.violations).map_err(failed)
}

fn violations(places: &Arc<Places>, table: &DataFrame) -> PolarsResult<Vec<Violation>> {
    let property = table.column("property")?.str()?;
    let record = table.column("record")?.u32()?;
    let place = table.column("place")?.u32()?;
    let region = table.column("region")?.u32()?;
    Ok((0..table.height())
        .map(|i| Violation {
            property: property.get(i).unwrap_or_default().to_string(),
            record: record.get(i),
            place: place.get(i).map(|p| p as usize),
            region: region.get(i),
            places: places.clone(),
        })
        .collect())
}

impl Violation {
    /// The events of `events` that show the violation. At a replica, each
    /// time the record was stored there ("record 12 at
    /// receiver-db-replica-stored@1: stored there at 10.000 ms, and again
    /// at 20.000 ms"); at a pipeline stage, its way through that region, so
    /// that an order (removed before stored) or a repeat shows. Then each
    /// whole-batch republish that published the record again, as the
    /// replay's timeline says it ("; at 30.000 ms, batch 1 republished
    /// whole from its first record (records 1-5 published before)").
    pub fn history(&self, events: &[Event]) -> String {
        let Some(record) = self.record else { return format!("{}: the run as a whole", self.property) };
        let story = match self.property.as_str() {
            ANSWER_UNMATCHED => unmatched_answers(record, events),
            PUBLISH_ORDER => self.out_of_order(record, events),
            _ => self.way(record, events),
        };
        let republishes: String = republished(&self.places, events)
            .filter(|(_, _, again)| again.contains(&record))
            .map(|(e, batch, again)| format!("; at {}, {}", event_ms(e), republished_text(batch, &again)))
            .collect();
        story + &republishes
    }

    /// Each time the record was stored at the violation's replica, or its
    /// way through the violation's stage and region.
    fn way(&self, record: u32, events: &[Event]) -> String {
        let places = &self.places;
        let mine = events.iter().filter(|e| e.record() == Some(record));
        let replica = self.replica().is_some();
        let at_stage = |e: &Event| places.place_of(e).filter(|&p| p < places.stages());
        let mut shown: Vec<&Event> = if replica {
            mine.filter(|e| places.place_of(e) == self.place).collect()
        } else {
            mine.filter(|e| at_stage(e).is_some() && self.region.is_none_or(|r| u32::from(e.region) == r)).collect()
        };
        shown.sort_by_key(|e| e.time_us);
        let at = self.place_text();
        if replica {
            let times: Vec<String> = shown.iter().map(|e| event_ms(e)).collect();
            let times = match times.split_last() {
                Some((last, first)) if !first.is_empty() => format!("{}, and again at {last}", first.join(", ")),
                _ => times.concat(),
            };
            return format!("record {record} at {at}: stored there at {times}");
        }
        let step = |e: &&Event| format!("{} {}", places.name(at_stage(e).expect("a stage's event")), event_ms(e));
        let steps: Vec<String> = shown.iter().map(step).collect();
        let at = if at.is_empty() { String::new() } else { format!(" at {at}") };
        format!("record {record}{at}; its events there: {}", steps.join(", "))
    }

    /// The records at the violation's place in the order they reached it,
    /// up to the first time `record` came out of publish order there.
    fn out_of_order(&self, record: u32, events: &[Event]) -> String {
        let at = self.place_text();
        let mut there: Vec<&Event> = events.iter().filter(|e| self.places.place_of(e) == self.place).collect();
        there.sort_by_key(|e| e.time_us);
        let mut latest = 0;
        let mut seen: Vec<u32> = Vec::new();
        for e in there {
            let in_order = follows_publish_order(&mut latest, e.subject);
            if seen.last() != Some(&e.subject) {
                seen.push(e.subject);
            }
            if e.subject == record && !in_order {
                let shown = &seen[seen.len().saturating_sub(8)..];
                let ids: Vec<String> = shown.iter().map(u32::to_string).collect();
                let more = if shown.len() < seen.len() { "…, " } else { "" };
                return format!(
                    "record {record} at {at} at {}: the records there: {more}{}",
                    event_ms(e),
                    ids.join(", ")
                );
            }
        }
        format!("record {record} at {at}")
    }

    /// "processor-read, region 1"; replica places name their region
    /// already; empty where no place applies.
    pub fn place_text(&self) -> String {
        let Some(name) = self.place_name() else { return String::new() };
        match self.region {
            Some(r) if !name.contains('@') => format!("{name}, region {r}"),
            _ => name.to_string(),
        }
    }

    /// The name of the place the violation names, if it names one.
    pub fn place_name(&self) -> Option<&str> {
        self.place.filter(|&p| p < self.places.len()).map(|p| self.places.name(p))
    }

    /// The replica place the violation names: `None` at a pipeline stage.
    pub fn replica(&self) -> Option<usize> {
        self.place.filter(|&p| (self.places.first_replica()..self.places.len()).contains(&p))
    }
}

/// Each time a container was answered an insert of `record` it did not
/// await.
fn unmatched_answers(record: u32, events: &[Event]) -> String {
    let unmatched = events.iter().filter(|e| e.kind == Kind::ANSWER_UNMATCHED && e.subject == record);
    let times: Vec<String> = unmatched.map(|e| format!("{} in region {}", event_ms(e), e.region)).collect();
    format!(
        "record {record}: a container was answered an insert of it that it did not await at {} (a regional \
         database answering a copy replicated across a switch)",
        times.join(", ")
    )
}

/// Each whole-batch republish of the run, with its batch and the records
/// it published again: the first ones of the batch, as many as it had
/// published before. Its source publishes the batch's first record as it
/// traces the republish, so the next publication names it; a batch's ids
/// follow one another.
fn republished<'e>(places: &Places, events: &'e [Event]) -> impl Iterator<Item = (&'e Event, u32, Vec<u32>)> {
    let vocabulary = places.vocabulary();
    events.iter().enumerate().filter_map(move |(at, e)| {
        let Meaning::Step { step: Step::BatchRepublished, batch, records } = e.meaning(vocabulary) else {
            return None;
        };
        let first = events[at..].iter().find(|p| places.place_of(p) == Some(places.publication()))?.subject;
        Some((e, batch, (first..first + records).collect()))
    })
}

/// An event's simulated time, as reports show it.
fn event_ms(e: &Event) -> String {
    ms_text(e.time_us * MICROSECOND)
}
