//! What the events of one run say about each record, gathered while the
//! events are decoded: per place, how often it was reached and the index,
//! time and region of the first time; per region, the first index of the
//! events the safety checks compare; and the facts that name where a
//! record went wrong. The checks themselves run on these facts as columns
//! (see `check::spec`).

use std::collections::BTreeMap;
use std::sync::Arc;

use wl1::trace::{Event, Kind};

use crate::record::places::Places;

/// "Never": the index of an event that did not happen, or no place.
pub const NONE: u32 = u32::MAX;

/// Records a run never published that are told apart, at most: what
/// bounds the memory a damaged run can take.
const MAX_UNKNOWN: usize = 1 << 16;

/// Everything one run's events say about one record. Its per-place facts
/// are sized by the run's [`Places`] and kept from run to run, so that a
/// chunk allocates them once.
#[derive(Clone, Debug)]
pub struct RecordFacts {
    pub record: u32,
    /// One of the records 1..=records the run publishes.
    pub known: bool,
    /// Per place: times reached; index, time and region of the first time.
    pub n: Vec<u32>,
    pub idx: Vec<u32>,
    pub us: Vec<u64>,
    pub region: Vec<u8>,
    /// Per watched stage ([`Places::watched`]) and region 1..=regions, in
    /// that order: the index of the first event.
    pub watched: Vec<u32>,
    /// The region of the latest event at a regional stage, or of a
    /// publication refused there: where the record was last routed; 0 if
    /// none.
    pub routed_region: u8,
    /// The first place reached, its region and index.
    pub first_place: u32,
    pub first_region: u8,
    pub first_idx: u32,
    /// The value of the first publication.
    pub value: u32,
    /// The first event carrying a value (a publication or an arrival):
    /// its value, place and region.
    pub carried_value: u32,
    pub carried_place: u32,
    pub carried_region: u8,
    /// The first later event carrying another value: place and region.
    pub changed_place: u32,
    pub changed_region: u8,
    /// The region of the first container answered an insert of it that it
    /// did not await; 0 if none was.
    pub unmatched_region: u8,
    /// The first place it came out of publish order at (where the
    /// architecture asks for it), and its region there.
    pub disordered_place: u32,
    pub disordered_region: u8,
}

impl Default for RecordFacts {
    /// No record, nothing reached, no room taken.
    fn default() -> Self {
        RecordFacts {
            record: 0,
            known: false,
            n: Vec::new(),
            idx: Vec::new(),
            us: Vec::new(),
            region: Vec::new(),
            watched: Vec::new(),
            routed_region: 0,
            first_place: NONE,
            first_region: 0,
            first_idx: NONE,
            value: 0,
            carried_value: 0,
            carried_place: NONE,
            carried_region: 0,
            changed_place: NONE,
            changed_region: 0,
            unmatched_region: 0,
            disordered_place: NONE,
            disordered_region: 0,
        }
    }
}

impl RecordFacts {
    /// `record`, nothing reached yet, keeping the room its lists took.
    fn reset(&mut self, record: u32, known: bool, places: &Places) {
        let (n, idx, us, region, watched) = (
            refill(&mut self.n, places.len(), 0),
            refill(&mut self.idx, places.len(), NONE),
            refill(&mut self.us, places.len(), 0),
            refill(&mut self.region, places.stages(), 0),
            refill(&mut self.watched, places.watched().len() * places.regions(), NONE),
        );
        *self = RecordFacts { record, known, n, idx, us, region, watched, ..RecordFacts::default() };
    }

    pub fn reached(&self, place: usize) -> bool {
        self.n[place] > 0
    }

    /// The index of the first event at watched stage `w` in region `r`.
    pub fn watched(&self, regions: usize, w: usize, r: usize) -> u32 {
        self.watched[w * regions + r - 1]
    }

    /// Takes in the event at index `i` of the run, which is about this
    /// record and reaches `place`, if any.
    #[inline]
    fn observe(&mut self, i: u32, e: &Event, place: Option<usize>, places: &Places) {
        if let Some(place) = place {
            self.reach(place, i, e, places);
        }
        if e.kind == Kind::PUBLISH_FAILED {
            self.routed_region = e.region;
        }
        if e.kind == Kind::ANSWER_UNMATCHED && self.unmatched_region == 0 {
            self.unmatched_region = e.region;
        }
    }

    fn reach(&mut self, place: usize, i: u32, e: &Event, places: &Places) {
        let stage = place < places.stages();
        if self.n[place] == 0 {
            self.idx[place] = i;
            self.us[place] = e.time_us;
            if stage {
                self.region[place] = e.region;
            }
            if place == places.publication() {
                self.value = e.value;
            }
            if self.first_place == NONE {
                (self.first_place, self.first_region, self.first_idx) = (place as u32, e.region, i);
            }
        }
        if stage && place != places.publication() {
            self.routed_region = e.region;
        }
        self.n[place] = self.n[place].saturating_add(1);
        if place == places.publication() || place == places.arrival() {
            self.carry(place as u32, e);
        }
        if let Some(w) = places.watched_slot(place)
            && (1..=places.regions()).contains(&usize::from(e.region))
        {
            let first = &mut self.watched[w * places.regions() + usize::from(e.region) - 1];
            if *first == NONE {
                *first = i;
            }
        }
    }

    fn out_of_order(&mut self, place: usize, e: &Event) {
        if self.disordered_place == NONE {
            (self.disordered_place, self.disordered_region) = (place as u32, e.region);
        }
    }

    fn carry(&mut self, place: u32, e: &Event) {
        if self.carried_place == NONE {
            (self.carried_value, self.carried_place, self.carried_region) = (e.value, place, e.region);
        } else if e.value != self.carried_value && self.changed_place == NONE {
            (self.changed_place, self.changed_region) = (place, e.region);
        }
    }
}

/// `list`'s room, holding `len` times `value`.
fn refill<T: Copy>(list: &mut Vec<T>, len: usize, value: T) -> Vec<T> {
    list.clear();
    list.resize(len, value);
    std::mem::take(list)
}

/// The facts of every record of one run, as its events are decoded.
pub struct RunFacts {
    places: Arc<Places>,
    /// Records 1..=records, then records the run never published, in the
    /// order first met; past `used`, room kept from earlier runs.
    records: Vec<RecordFacts>,
    used: usize,
    known: u32,
    unknown: BTreeMap<u32, usize>,
    events: u32,
    /// Where the architecture asks for publish order: per place, the
    /// latest record in publish order it has seen (0: none yet).
    latest_at: Vec<u32>,
}

impl RunFacts {
    pub fn new(places: Arc<Places>) -> RunFacts {
        let latest_at = Vec::new();
        RunFacts { places, records: Vec::new(), used: 0, known: 0, unknown: BTreeMap::new(), events: 0, latest_at }
    }

    /// Starts a run that publishes records 1..=`records`.
    pub fn start(&mut self, records: u32) {
        self.used = 0;
        for r in 1..=records {
            self.push(r, true);
        }
        self.known = records;
        self.unknown.clear();
        self.events = 0;
        let places = if self.places.publish_order() { self.places.len() } else { 0 };
        self.latest_at = refill(&mut self.latest_at, places, 0);
    }

    /// The places the facts are about.
    pub fn places(&self) -> &Places {
        &self.places
    }

    /// The facts of the run's records.
    pub fn records(&self) -> &[RecordFacts] {
        &self.records[..self.used]
    }

    /// Room for a record not reached yet, reusing a record of an earlier run.
    fn push(&mut self, record: u32, known: bool) {
        match self.records.get_mut(self.used) {
            Some(facts) => facts.reset(record, known, &self.places),
            None => {
                let mut facts = RecordFacts::default();
                facts.reset(record, known, &self.places);
                self.records.push(facts);
            }
        }
        self.used += 1;
    }

    /// Takes in the run's next event.
    pub fn observe(&mut self, e: Event) {
        let i = self.events;
        self.events = self.events.saturating_add(1);
        let Some(record) = e.record() else { return };
        let slot = match record {
            r if (1..=self.known).contains(&r) => r as usize - 1,
            r => match self.unknown.get(&r) {
                Some(&slot) => slot,
                None if self.unknown.len() < MAX_UNKNOWN => {
                    self.push(r, false);
                    self.unknown.insert(r, self.used - 1);
                    self.used - 1
                }
                // Past so many, the last record never published stands for
                // the others: the run is still found to hold phantoms.
                None => self.used - 1,
            },
        };
        let place = self.places.place_of(&e);
        self.records[slot].observe(i, &e, place, &self.places);
        if let Some(p) = place.filter(|_| self.places.publish_order() && record <= self.known)
            && !self.in_publish_order(p, record)
        {
            self.records[slot].out_of_order(p, &e);
        }
    }

    /// Whether `record` reaching `place` keeps publish order there.
    fn in_publish_order(&mut self, place: usize, record: u32) -> bool {
        follows_publish_order(&mut self.latest_at[place], record)
    }
}

/// Whether `record`, reaching a place where `latest` is the latest record
/// in publish order seen so far (0: none), keeps publish order there: it is
/// that record again or the next one. Moves `latest` on.
pub fn follows_publish_order(latest: &mut u32, record: u32) -> bool {
    let in_order = record == *latest || record == *latest + 1;
    *latest = (*latest).max(record);
    in_order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An event at `place` or of the fixed `kind`.
    fn event(time_us: u64, place: Result<usize, Kind>, region: u8, subject: u32, value: u32) -> Event {
        let kind = place.map_or_else(|kind| kind, Kind::place);
        Event { time_us, kind, region, subject, value }
    }

    #[test]
    fn first_times_counts_and_unknown_records_are_kept_apart() {
        let places = Places::workload1();
        let (published, arrival) = (places.publication(), places.arrival());
        let arrived = places.watched().iter().position(|&k| k == arrival).unwrap();
        let mut run = RunFacts::new(places.clone());
        run.start(2);
        run.observe(event(5, Ok(published), 0, 2, 77));
        run.observe(event(6, Err(Kind::FAIL), 0, 2, 0));
        run.observe(event(9, Ok(arrival), 1, 2, 77));
        run.observe(event(12, Ok(arrival), 2, 2, 78));
        run.observe(event(13, Ok(arrival), 1, 9, 1));
        assert_eq!(run.records().len(), 3);
        let r2 = &run.records()[1];
        assert_eq!((r2.n[published], r2.n[arrival]), (1, 2));
        assert_eq!((r2.idx[arrival], r2.us[arrival], r2.region[arrival]), (2, 9, 1));
        assert_eq!([1, 2, 3].map(|r| r2.watched(places.regions(), arrived, r)), [2, 3, NONE]);
        assert_eq!((r2.value, r2.changed_place, r2.changed_region), (77, arrival as u32, 2));
        assert_eq!((r2.first_place, r2.first_idx, r2.routed_region), (published as u32, 0, 2));
        assert!(!run.records()[0].reached(published));
        assert!(!run.records()[2].known && run.records()[2].record == 9);
        run.start(1);
        assert_eq!(run.records().len(), 1);
        assert!(!run.records()[0].reached(published) && run.records()[0].changed_place == NONE);
    }

    #[test]
    fn where_the_architecture_asks_records_keep_publish_order_at_each_place_a_repeat_aside() {
        let architecture = wl1::architecture::built_in("active-passive").unwrap();
        let places = Arc::new(Places::of(&architecture));
        let (published, arrival) = (places.publication(), places.arrival());
        let mut run = RunFacts::new(places.clone());
        run.start(5);
        for (time, record) in [1, 2, 3, 4, 5].into_iter().enumerate() {
            run.observe(event(time as u64, Ok(published), 0, record, record));
        }
        for (time, (record, region)) in [(1, 1), (2, 2), (2, 2), (4, 1), (3, 2), (5, 1), (1, 1)].into_iter().enumerate()
        {
            run.observe(event(10 + time as u64, Ok(arrival), region, record, record));
        }
        run.observe(event(20, Err(Kind::ANSWER_UNMATCHED), 1, 3, 0));
        let disordered = |r: usize| {
            let f = &run.records()[r - 1];
            (f.disordered_place, f.disordered_region)
        };
        let at = arrival as u32;
        assert_eq!([1, 2, 3, 4, 5].map(disordered), [(at, 1), (NONE, 0), (at, 2), (at, 1), (NONE, 0)]);
        assert_eq!(run.records()[2].unmatched_region, 1);
        let mut unordered = RunFacts::new(Places::workload1());
        unordered.start(2);
        unordered.observe(event(1, Ok(Places::workload1().arrival()), 1, 2, 2));
        assert_eq!(unordered.records()[1].disordered_place, NONE, "Workload1 asks for no publish order");
    }
}
