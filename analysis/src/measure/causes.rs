//! Violations by cause: per group, property and [`Cause`], the runs that
//! show it, their seeds (the smallest [`SEEDS_KEPT`]) and the first of them
//! to replay. Merges exactly, whatever the order of the runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wl1::run::{Cause, RunSpec, Simulator, out_of_order, stored_again, stranded};
use wl1::trace::{Event, Spec};

use super::sum::{self, Overflow};
use crate::properties::{ANSWER_UNMATCHED, DUPLICATE_STORE, EVENTUAL_DELIVERY};
use crate::record::places::architecture_of;

/// How many seeds a cause keeps: the smallest, enough to list them as
/// ranges in a report, which counts the rest.
pub const SEEDS_KEPT: usize = 1000;

/// The runs in which some violation of one property has one cause.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CauseRuns {
    pub runs: u64,
    /// The smallest of their seeds, ascending, at most [`SEEDS_KEPT`].
    pub seeds: Vec<u64>,
    /// The run of smallest seed: its seed, file and the record of its
    /// first violation with this cause, to replay.
    pub first: Option<FirstRun>,
}

/// The run a cause's replay command names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstRun {
    pub seed: u64,
    pub file: u32,
    pub record: Option<u32>,
}

impl CauseRuns {
    /// One run more: `first` its seed, file and record.
    pub fn add_run(&mut self, first: FirstRun) {
        self.merge(&CauseRuns { runs: 1, seeds: vec![first.seed], first: Some(first) }).expect("one run fits");
    }

    pub fn merge(&mut self, other: &CauseRuns) -> Result<(), Overflow> {
        sum::add(&mut self.runs, other.runs)?;
        self.seeds.extend(&other.seeds);
        self.seeds.sort_unstable();
        self.seeds.dedup();
        self.seeds.truncate(SEEDS_KEPT);
        self.first = [self.first, other.first].into_iter().flatten().min_by_key(|f| (f.seed, f.file));
        Ok(())
    }
}

/// Per property, per cause name.
pub type Causes = BTreeMap<String, BTreeMap<String, CauseRuns>>;

/// One violation of a run, as the check found it.
pub struct Found<'a> {
    pub property: &'a str,
    pub record: Option<u32>,
    pub place: Option<u32>,
    pub region: Option<u32>,
}

/// The cause of each of the violations `found` of one run, whose spec is
/// `spec`, seed `seed` and events `events`. A record never delivered is
/// explained by the diagnosis of the run simulated again (the same run:
/// determinism), done at most once per run.
pub fn causes_of(spec: &Spec, seed: u64, events: &[Event], found: &[Found]) -> Vec<Cause> {
    let Ok((architecture, places)) = architecture_of(spec) else { return vec![Cause::Unknown; found.len()] };
    let mut findings = None;
    // A replica place of the analysis is a store in one region.
    let store = |place: Option<u32>| {
        let place = place? as usize;
        Some((architecture.stages.len() + places.store_of(place)?, places.replica_region(place)? as u8))
    };
    found
        .iter()
        .map(|f| match (f.property, f.record) {
            (DUPLICATE_STORE, Some(record)) => match store(f.place) {
                Some((place, region)) => stored_again(&architecture, events, record, place, region),
                None => Cause::Unknown,
            },
            (EVENTUAL_DELIVERY, Some(record)) => {
                let findings = findings.get_or_insert_with(|| resimulated(spec, seed));
                let holding = findings.iter().find(|finding: &&wl1::run::Finding| finding.records.contains(&record));
                holding.map_or(Cause::Unknown, |finding| Cause::Stranded(finding.reason.why()))
            }
            (ANSWER_UNMATCHED, Some(_)) => Cause::ReplicatedAcrossSwitch,
            (property, Some(record)) if places.orders().any(|(order, ..)| order == property) => {
                out_of_order(events, record, f.region.unwrap_or(0) as u8)
            }
            _ => Cause::Unknown,
        })
        .collect()
}

/// The diagnosis of the run of `spec` and `seed`, simulated again; none if
/// the spec cannot be simulated.
fn resimulated(spec: &Spec, seed: u64) -> Vec<wl1::run::Finding> {
    let Ok(spec) = RunSpec::from_stored(&std::sync::Arc::new(spec.clone())) else { return Vec::new() };
    let mut sim = Simulator::new();
    wl1::run::run_guarded(&mut sim, seed, |sim| {
        sim.run(&spec, seed);
        stranded(sim)
    })
    .unwrap_or_default()
}
