//! What the events of one run say about each record, gathered while the
//! events are decoded: per place, how often it was reached and the index,
//! time and region of the first time; per region, the first index of the
//! events the safety checks compare; and the facts that name where a
//! record went wrong. The checks themselves run on these facts as columns
//! (see `check::spec`).

use std::collections::BTreeMap;

use wl1::trace::meaning::{About, Incident};
use wl1::trace::{Event, Kind};

use crate::record::places::{PLACES, PUBLISHED, REGIONS, STAGES, place_of};

/// "Never": the index of an event that did not happen, or no place.
pub const NONE: u32 = u32::MAX;

/// Records a run never published that are told apart, at most: what
/// bounds the memory a damaged run can take.
const MAX_UNKNOWN: usize = 1 << 16;

/// The kinds whose first index per region the safety checks compare.
pub const WATCHED: [Kind; 5] = [
    Kind::InboundRemoved,
    Kind::ProcessorDbStored,
    Kind::OutboundAppended,
    Kind::OutboundRemoved,
    Kind::DestinationReceived,
];

/// Where `kind` sits in [`WATCHED`].
pub const fn watched(kind: Kind) -> usize {
    let mut i = 0;
    while i < WATCHED.len() {
        if WATCHED[i] as u8 == kind as u8 {
            return i;
        }
        i += 1;
    }
    panic!("not a watched kind")
}

/// Everything one run's events say about one record.
#[derive(Clone, Copy, Debug)]
pub struct RecordFacts {
    pub record: u32,
    /// One of the records 1..=records the run publishes.
    pub known: bool,
    /// Per place: times reached; index, time and region of the first time.
    pub n: [u32; PLACES],
    pub idx: [u32; PLACES],
    pub us: [u64; PLACES],
    pub region: [u8; STAGES],
    /// Per watched kind and region 1..=3: the index of the first event.
    pub watched: [[u32; REGIONS]; WATCHED.len()],
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
}

impl RecordFacts {
    fn new(record: u32, known: bool) -> RecordFacts {
        RecordFacts {
            record,
            known,
            n: [0; PLACES],
            idx: [NONE; PLACES],
            us: [0; PLACES],
            region: [0; STAGES],
            watched: [[NONE; REGIONS]; WATCHED.len()],
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
        }
    }

    pub fn reached(&self, place: usize) -> bool {
        self.n[place] > 0
    }

    /// Takes in the event at index `i` of the run, which is about this record.
    fn observe(&mut self, i: u32, e: &Event) {
        if let Some(place) = place_of(e) {
            self.reach(place, i, e);
        }
        if e.kind.about() == About::Incident(Incident::PublishFailed) {
            self.routed_region = e.region;
        }
        if let Some(w) = WATCHED.iter().position(|&k| k == e.kind)
            && let Some(first) = self.watched[w].get_mut(usize::from(e.region).wrapping_sub(1))
            && *first == NONE
        {
            *first = i;
        }
    }

    fn reach(&mut self, place: usize, i: u32, e: &Event) {
        if self.n[place] == 0 {
            self.idx[place] = i;
            self.us[place] = e.time_us;
            if place < STAGES {
                self.region[place] = e.region;
            }
            if place == PUBLISHED {
                self.value = e.value;
            }
            if self.first_place == NONE {
                (self.first_place, self.first_region, self.first_idx) = (place as u32, e.region, i);
            }
        }
        if place < STAGES && place != PUBLISHED {
            self.routed_region = e.region;
        }
        self.n[place] = self.n[place].saturating_add(1);
        if e.kind.carries_value() {
            self.carry(place as u32, e);
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

/// The facts of every record of one run, as its events are decoded.
#[derive(Default)]
pub struct RunFacts {
    /// Records 1..=records, then records the run never published, in the
    /// order first met.
    pub records: Vec<RecordFacts>,
    known: u32,
    unknown: BTreeMap<u32, usize>,
    events: u32,
}

impl RunFacts {
    /// Starts a run that publishes records 1..=`records`.
    pub fn start(&mut self, records: u32) {
        self.records.clear();
        self.records.extend((1..=records).map(|r| RecordFacts::new(r, true)));
        self.known = records;
        self.unknown.clear();
        self.events = 0;
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
                    self.records.push(RecordFacts::new(r, false));
                    self.unknown.insert(r, self.records.len() - 1);
                    self.records.len() - 1
                }
                // Past so many, the last record never published stands for
                // the others: the run is still found to hold phantoms.
                None => self.records.len() - 1,
            },
        };
        self.records[slot].observe(i, &e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::places::ARRIVAL;

    fn event(time_us: u64, kind: Kind, region: u8, subject: u32, value: u32) -> Event {
        Event { time_us, kind, region, subject, value }
    }

    #[test]
    fn first_times_counts_and_unknown_records_are_kept_apart() {
        let mut run = RunFacts::default();
        run.start(2);
        run.observe(event(5, Kind::Published, 0, 2, 77));
        run.observe(event(6, Kind::Fail, 0, 2, 0));
        run.observe(event(9, Kind::DestinationReceived, 1, 2, 77));
        run.observe(event(12, Kind::DestinationReceived, 2, 2, 78));
        run.observe(event(13, Kind::DestinationReceived, 1, 9, 1));
        assert_eq!(run.records.len(), 3);
        let r2 = &run.records[1];
        assert_eq!((r2.n[PUBLISHED], r2.n[ARRIVAL]), (1, 2));
        assert_eq!((r2.idx[ARRIVAL], r2.us[ARRIVAL], r2.region[ARRIVAL]), (2, 9, 1));
        assert_eq!(r2.watched[watched(Kind::DestinationReceived)], [2, 3, NONE]);
        assert_eq!((r2.value, r2.changed_place, r2.changed_region), (77, ARRIVAL as u32, 2));
        assert_eq!((r2.first_place, r2.first_idx, r2.routed_region), (PUBLISHED as u32, 0, 2));
        assert!(!run.records[0].reached(PUBLISHED));
        assert!(!run.records[2].known && run.records[2].record == 9);
    }
}
