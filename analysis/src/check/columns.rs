//! A chunk's runs as columns: one row per run, and one per run and record
//! (the facts of [`RecordFacts`]), which become the frames the
//! specification is checked on and the export's tables are drawn from.

use std::sync::Arc;

use polars::prelude::*;

use crate::measure::order::first_late;
use crate::record::facts::{NONE, RecordFacts};
use crate::record::places::Places;
use crate::runs::{Arrival, InputFile, RunInput, outcome_code};

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

impl RunColumns {
    pub fn push(&mut self, run: &RunInput, group: u32, events: u64, arrivals: &[Arrival]) {
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

/// One row per run and record (see [`RecordFacts`]); `NONE` where an
/// index or place does not apply.
pub struct RecordColumns {
    pub places: Arc<Places>,
    pub run: Vec<u32>,
    pub group: Vec<u32>,
    pub record: Vec<u32>,
    pub known: Vec<bool>,
    /// Per place.
    pub n: Vec<Vec<u32>>,
    pub published_idx: Vec<u32>,
    /// Per watched stage and region, as [`RecordFacts::watched`].
    pub watched: Vec<Vec<u32>>,
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
    pub unmatched_region: Vec<u32>,
    pub disordered_place: Vec<u32>,
    pub disordered_region: Vec<u32>,
    /// The first time at each place, only if the tables are exported.
    pub firsts: Option<FirstTimes>,
}

/// Per place, the index and time of the first time it was reached; per
/// stage, its region.
pub struct FirstTimes {
    pub idx: Vec<Vec<u32>>,
    pub us: Vec<Vec<u64>>,
    pub region: Vec<Vec<u32>>,
}

/// Column names of the record frame.
pub mod name {
    use crate::record::places::Places;

    pub fn n(places: &Places, place: usize) -> String {
        format!("{}.n", places.name(place))
    }
    pub fn idx(places: &Places, place: usize) -> String {
        format!("{}.idx", places.name(place))
    }
    pub fn us(places: &Places, place: usize) -> String {
        format!("{}.us", places.name(place))
    }
    pub fn region(places: &Places, stage: usize) -> String {
        format!("{}.region", places.name(stage))
    }
    /// The first index of watched stage `stage` in region `r` (from 1).
    pub fn watched(places: &Places, stage: usize, r: usize) -> String {
        format!("{}@{r}.idx", places.name(stage))
    }
}

impl RecordColumns {
    /// Room for `rows` rows of records of `places`, with the first times
    /// if `firsts`.
    pub fn with_capacity(places: Arc<Places>, rows: usize, firsts: bool) -> RecordColumns {
        let lists = |count: usize| vec![Vec::new(); count];
        let firsts = firsts.then(|| FirstTimes {
            idx: lists(places.len()),
            us: vec![Vec::new(); places.len()],
            region: lists(places.stages()),
        });
        let mut columns = RecordColumns {
            n: lists(places.len()),
            watched: lists(places.watched().len() * places.regions()),
            places,
            run: Vec::new(),
            group: Vec::new(),
            record: Vec::new(),
            known: Vec::new(),
            published_idx: Vec::new(),
            routed_region: Vec::new(),
            first_place: Vec::new(),
            first_region: Vec::new(),
            first_idx: Vec::new(),
            value: Vec::new(),
            carried_value: Vec::new(),
            carried_place: Vec::new(),
            carried_region: Vec::new(),
            changed_place: Vec::new(),
            changed_region: Vec::new(),
            unmatched_region: Vec::new(),
            disordered_place: Vec::new(),
            disordered_region: Vec::new(),
            firsts,
        };
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
        self.n.iter_mut().chain(self.watched.iter_mut()).for_each(&mut *f);
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
            &mut self.unmatched_region,
            &mut self.disordered_place,
            &mut self.disordered_region,
        ];
        facts.into_iter().for_each(&mut *f);
        if let Some(firsts) = &mut self.firsts {
            firsts.idx.iter_mut().chain(&mut firsts.region).for_each(f);
        }
    }

    pub fn push(&mut self, run: u32, group: u32, f: &RecordFacts) {
        self.run.push(run);
        self.group.push(group);
        self.record.push(f.record);
        self.known.push(f.known);
        for (column, &n) in self.n.iter_mut().zip(&f.n) {
            column.push(n);
        }
        self.published_idx.push(f.idx[self.places.publication()]);
        for (column, &i) in self.watched.iter_mut().zip(&f.watched) {
            column.push(i);
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
        self.unmatched_region.push(u32::from(f.unmatched_region));
        self.disordered_place.push(f.disordered_place);
        self.disordered_region.push(u32::from(f.disordered_region));
        if let Some(firsts) = &mut self.firsts {
            firsts.push(f);
        }
    }

    /// The columns as a frame, moved into it.
    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        let places = &*self.places;
        let height = self.run.len();
        let u32s = |name: &str, values: Vec<u32>| Column::new(name.into(), values);
        let publication = places.publication();
        let mut columns = vec![
            u32s("run", self.run),
            u32s("group", self.group),
            u32s("record", self.record),
            Column::new("known".into(), self.known),
            u32s(&name::idx(places, publication), self.published_idx),
        ];
        columns.extend(self.n.into_iter().enumerate().map(|(p, c)| u32s(&name::n(places, p), c)));
        let regions = places.regions();
        for (i, column) in self.watched.into_iter().enumerate() {
            let stage = places.watched()[i / regions];
            columns.push(u32s(&name::watched(places, stage, i % regions + 1), column));
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
            u32s("unmatched_region", self.unmatched_region),
            u32s("disordered_place", self.disordered_place),
            u32s("disordered_region", self.disordered_region),
        ]);
        if let Some(firsts) = self.firsts {
            let idx = firsts.idx.into_iter().enumerate().filter(|&(p, _)| p != publication);
            columns.extend(idx.map(|(p, c)| u32s(&name::idx(places, p), c)));
            let us = firsts.us.into_iter().enumerate();
            columns.extend(us.map(|(p, c)| Column::new(name::us(places, p).into(), c)));
            columns.extend(firsts.region.into_iter().enumerate().map(|(k, c)| u32s(&name::region(places, k), c)));
        }
        DataFrame::new(height, columns)
    }
}

impl FirstTimes {
    fn push(&mut self, f: &RecordFacts) {
        self.idx.iter_mut().zip(&f.idx).for_each(|(c, &i)| c.push(i));
        self.us.iter_mut().zip(&f.us).for_each(|(c, &us)| c.push(us));
        for (column, &region) in self.region.iter_mut().zip(&f.region) {
            column.push(u32::from(region));
        }
    }
}
