//! The *places* every published record must reach (MODEL.md,
//! "Specification"), as an architecture names them: its pipeline stages,
//! numbered in pipeline order, then its replica stores, each once per
//! region it has replicas in (place `stages + regions * store + slot`).
//! Workload1 has 12 stages and 3 stores in 3 regions: 21 places.

use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

use wl1::architecture::{Action, Architecture};
use wl1::model::Pairs;
use wl1::model::topology::WORKLOAD1;
use wl1::trace::{Event, Kind, Spec, Vocabulary};

/// The architecture of the runs of `spec`, and its places: the trace's
/// own, read once per architecture. Every use of an architecture by the
/// analysis goes through here; an error if the spec's architecture does
/// not read (see [`wl1::run::stored_architecture`]).
pub fn architecture_of(spec: &Spec) -> Result<(Arc<Architecture>, Arc<Places>), String> {
    /// An architecture read: its name, text, coverage table and vocabulary,
    /// and it with its places.
    type Read = (String, String, u64, Vocabulary, Arc<Architecture>, Arc<Places>);
    /// The architectures read so far: a few per analysis.
    static READ: Mutex<Vec<Read>> = Mutex::new(Vec::new());
    // Keyed by what `stored_architecture` checks too, so that no file skips its checks.
    let same = |(name, text, table, vocabulary, ..): &&Read| {
        (name, text, *table, *vocabulary)
            == (&spec.architecture, &spec.architecture_text, spec.coverage_table, spec.vocabulary)
    };
    if let Some((.., architecture, places)) = READ.lock().expect("not poisoned").iter().find(same) {
        return Ok((architecture.clone(), places.clone()));
    }
    let architecture = wl1::run::stored_architecture(spec)?;
    let places = Arc::new(Places::of(&architecture));
    let mut read = READ.lock().expect("not poisoned");
    if read.len() == 16 {
        read.remove(0);
    }
    let (name, text) = (spec.architecture.clone(), spec.architecture_text.clone());
    read.push((name, text, spec.coverage_table, spec.vocabulary, architecture.clone(), places.clone()));
    Ok((architecture, places))
}

/// The places of the runs of `spec`, whose architecture was read when its
/// file was opened (see [`architecture_of`]).
pub fn places_of(spec: &Spec) -> Arc<Places> {
    architecture_of(spec).expect("a trace's architecture is read when its file is opened").1
}

/// The places of the runs of a spec in its text form (a summary's group),
/// Workload1's if the text does not read as a spec of a known architecture
/// (a summary written before groups kept their spec).
pub fn places_of_text(spec: &str) -> Arc<Places> {
    let spec = Spec::from_text(spec, wl1::trace::format::MAX_SPEC_LEN as usize);
    spec.ok()
        .and_then(|spec| architecture_of(&spec).ok())
        .map_or_else(|| WORKLOAD1_PLACES.clone(), |(_, places)| places)
}

static WORKLOAD1_PLACES: LazyLock<Arc<Places>> = LazyLock::new(|| Arc::new(Places::of(&WORKLOAD1)));

/// What an event's code says it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reached {
    Nothing,
    Stage(u8),
    /// A replica store, by index.
    Store(u8),
}

/// An architecture's places, and how its events reach them.
#[derive(Clone, PartialEq, Eq)]
pub struct Places {
    /// Per place, its name as reports show it.
    names: Vec<String>,
    stages: usize,
    /// Per stage, the stage whose reaching causes it (itself for the
    /// publication).
    causes: Vec<usize>,
    /// The regions every replica store has a replica in, ascending.
    store_regions: Vec<u8>,
    /// Per region number, its slot in `store_regions`.
    region_slot: Vec<Option<u8>>,
    /// Per event code, what it reaches.
    by_code: Box<[Reached; 256]>,
    publication: usize,
    arrival: usize,
    /// The stages a stream container reads records at.
    reads: Vec<usize>,
    /// The safety orders: name, the stage to reach first, and then.
    orders: Vec<(String, usize, usize)>,
    /// The stages the orders compare, ascending; per stage its index
    /// among them, if it is one.
    watched: Vec<usize>,
    watched_slot: Vec<Option<u8>>,
    /// The highest region number any place is in.
    regions: usize,
    vocabulary: Vocabulary,
    pairs: Pairs,
}

impl Places {
    /// The places of `architecture`.
    pub fn of(architecture: &Architecture) -> Places {
        let stages = architecture.stages.len();
        let stores = architecture.stores();
        let mut store_regions: Vec<u8> =
            architecture.regions.iter().chain(&architecture.replica_regions).copied().collect();
        store_regions.sort_unstable();
        store_regions.dedup();
        let regions = store_regions.last().map_or(0, |&r| usize::from(r));
        let mut region_slot = vec![None; regions + 1];
        for (slot, &r) in store_regions.iter().enumerate() {
            region_slot[usize::from(r)] = Some(slot as u8);
        }
        let mut names: Vec<String> = architecture.stages.iter().map(|s| s.event.clone()).collect();
        for &store in &stores {
            let name = &architecture.instances[store].name;
            names.extend(store_regions.iter().map(|r| format!("{name}-replica-stored@{r}")));
        }
        let mut by_code = Box::new([Reached::Nothing; 256]);
        for k in 0..stages {
            by_code[Kind::place(k).code() as usize] = Reached::Stage(k as u8);
        }
        for s in 0..stores.len() {
            by_code[Kind::place(stages + s).code() as usize] = Reached::Store(s as u8);
        }
        let orders: Vec<(String, usize, usize)> =
            architecture.orders.iter().map(|o| (o.name.clone(), o.first, o.then)).collect();
        let mut watched: Vec<usize> = orders.iter().flat_map(|&(_, first, then)| [first, then]).collect();
        watched.sort_unstable();
        watched.dedup();
        let mut watched_slot = vec![None; stages];
        for (slot, &k) in watched.iter().enumerate() {
            watched_slot[k] = Some(slot as u8);
        }
        let stage_list = &architecture.stages;
        Places {
            names,
            stages,
            causes: stage_list.iter().enumerate().map(|(k, s)| s.cause.unwrap_or(k)).collect(),
            store_regions,
            region_slot,
            by_code,
            publication: architecture.publication(),
            arrival: architecture.arrival(),
            reads: (0..stages).filter(|&k| stage_list[k].action == Action::Read).collect(),
            orders,
            watched,
            watched_slot,
            regions,
            vocabulary: architecture.vocabulary(),
            pairs: Pairs::of(architecture),
        }
    }

    /// Workload1's places.
    pub fn workload1() -> Arc<Places> {
        WORKLOAD1_PLACES.clone()
    }

    /// How its runs' events are coded.
    pub fn vocabulary(&self) -> Vocabulary {
        self.vocabulary
    }

    /// The (state, message) pairs of its kinds of machine, as its runs'
    /// coverage bits number them.
    pub fn pairs(&self) -> &Pairs {
        &self.pairs
    }

    /// Stages and replica places.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Never: the publication is a place of every architecture.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The pipeline stages, numbered from 0: the first places.
    pub fn stages(&self) -> usize {
        self.stages
    }

    /// The first replica place.
    pub fn first_replica(&self) -> usize {
        self.stages
    }

    /// The stage of a record's publication.
    pub fn publication(&self) -> usize {
        self.publication
    }

    /// The stage of a record's arrival at the destination.
    pub fn arrival(&self) -> usize {
        self.arrival
    }

    /// The highest region number a place is in: per-region facts are kept
    /// for regions 1..=this.
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// The stages a stream container reads a record at.
    pub fn reads(&self) -> &[usize] {
        &self.reads
    }

    /// The safety orders: name, the stage a record must reach first in a
    /// region, and the stage it may reach there only after.
    pub fn orders(&self) -> impl Iterator<Item = (&str, usize, usize)> {
        self.orders.iter().map(|(name, first, then)| (name.as_str(), *first, *then))
    }

    /// The stages whose first index per region the orders compare.
    pub fn watched(&self) -> &[usize] {
        &self.watched
    }

    /// Where stage `k` sits in [`Places::watched`], if it does.
    #[inline]
    pub fn watched_slot(&self, k: usize) -> Option<usize> {
        self.watched_slot.get(k).copied().flatten().map(usize::from)
    }

    /// The place an event reaches, if any (a replica store outside the
    /// regions it has replicas in reaches none).
    #[inline]
    pub fn place_of(&self, e: &Event) -> Option<usize> {
        match self.by_code[e.kind.code() as usize] {
            Reached::Nothing => None,
            Reached::Stage(k) => Some(usize::from(k)),
            Reached::Store(s) => {
                let slot = self.region_slot.get(usize::from(e.region)).copied().flatten()?;
                Some(self.stages + self.store_regions.len() * usize::from(s) + usize::from(slot))
            }
        }
    }

    /// The region a replica place is in; `None` for pipeline stages.
    pub fn replica_region(&self, place: usize) -> Option<u32> {
        let slot = place.checked_sub(self.stages)? % self.store_regions.len();
        Some(u32::from(self.store_regions[slot]))
    }

    /// The replica store (by index among the stores) of a replica place.
    pub fn store_of(&self, place: usize) -> Option<usize> {
        Some(place.checked_sub(self.stages)? / self.store_regions.len())
    }

    /// A place's name as reports show it: the stage, or the replica store
    /// and its region (`processor-db-replica-stored@2`).
    pub fn name(&self, place: usize) -> &str {
        &self.names[place]
    }

    /// The stage that causes stage `k` (itself for the publication).
    pub fn cause(&self, k: usize) -> usize {
        self.causes[k]
    }

    /// A hop's name: "cause -> stage".
    pub fn hop_name(&self, k: usize) -> String {
        format!("{} -> {}", self.name(self.cause(k)), self.name(k))
    }
}

impl fmt::Debug for Places {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Places").field("names", &self.names).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_is_reached_by_its_kind_and_region_only() {
        let places = Places::workload1();
        let event = |kind, region| Event { time_us: 0, kind, region, subject: 1, value: 0 };
        let kind_of = |place: usize| {
            let name = places.name(place).split('@').next().unwrap().to_string();
            *wl1::model::topology::events::STAGES
                .iter()
                .chain(&wl1::model::topology::events::REPLICA_STORES)
                .find(|&&k| WORKLOAD1.event_name(k) == name)
                .unwrap()
        };
        assert_eq!(places.len(), 21);
        for place in 0..places.len() {
            let region = places.replica_region(place).map_or(1, |r| r as u8);
            assert_eq!(places.place_of(&event(kind_of(place), region)), Some(place), "{}", places.name(place));
        }
        let last = kind_of(places.len() - 1);
        assert_eq!(places.place_of(&event(last, 0)), None);
        assert_eq!(places.place_of(&event(last, 4)), None);
        assert_eq!(places.place_of(&event(Kind::PUBLISH_FAILED, 1)), None);
        assert_eq!(places.name(places.len() - 1), "processor-db-replica-stored@3");
        assert_eq!(places.hop_name(places.arrival()), "outbound-appended -> destination-received");
        assert_eq!(places.reads(), [6]);
    }
}
