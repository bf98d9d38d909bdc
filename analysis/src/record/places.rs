//! The 21 *places* every published record must reach (MODEL.md section 5):
//! the 12 pipeline stages, numbered 0..=11 in pipeline order, then the
//! replica stores, numbered 12 + 3 * store + region - 1.

use wl1::trace::meaning::{self, About};
use wl1::trace::{Event, Kind};

/// Pipeline stages.
pub const STAGES: usize = Kind::STAGES.len();
/// Stages and replica stores.
pub const PLACES: usize = STAGES + 3 * Kind::REPLICA_STORES.len();
/// The first replica place.
pub const FIRST_REPLICA: usize = STAGES;
/// The regions a replica store, or a per-region fact, can be in.
pub const REGIONS: usize = 3;

/// Where a stage's kind sits in [`Kind::STAGES`].
pub const fn stage(kind: Kind) -> usize {
    match kind.stage() {
        Some(stage) => stage,
        None => panic!("not a pipeline stage"),
    }
}

pub const PUBLISHED: usize = meaning::PUBLICATION;
pub const ARRIVAL: usize = meaning::ARRIVAL;

/// The place an event reaches, if any (a replica store outside regions
/// 1..=3 reaches none).
#[inline]
pub fn place_of(e: &Event) -> Option<usize> {
    match e.kind.about() {
        About::Stage(stage) => Some(stage),
        About::ReplicaStore(store) => {
            (1..=REGIONS as u8).contains(&e.region).then(|| FIRST_REPLICA + REGIONS * store + usize::from(e.region) - 1)
        }
        _ => None,
    }
}

/// The region a replica place is in; `None` for pipeline stages.
pub fn replica_region(place: usize) -> Option<u32> {
    (place >= FIRST_REPLICA).then(|| ((place - FIRST_REPLICA) % REGIONS) as u32 + 1)
}

/// The kind a place is reached by.
pub fn place_kind(place: usize) -> Kind {
    match place {
        p if p < FIRST_REPLICA => Kind::STAGES[p],
        p => Kind::REPLICA_STORES[(p - FIRST_REPLICA) / REGIONS],
    }
}

/// A place's name as reports show it: the stage, or the replica store and
/// its region (`processor-db-replica-stored@2`).
pub fn place_name(place: usize) -> String {
    match replica_region(place) {
        Some(region) => format!("{}@{region}", place_kind(place).name()),
        None => place_kind(place).name().to_string(),
    }
}

/// The stage that causes stage `k`: the one before it, except that the
/// destination receives what was appended to outbound Kafka (the inbound
/// removal runs beside it).
pub fn cause(k: usize) -> usize {
    match k {
        ARRIVAL => stage(Kind::OutboundAppended),
        k => k - 1,
    }
}

/// A hop's name: "cause -> stage".
pub fn hop_name(k: usize) -> String {
    format!("{} -> {}", Kind::STAGES[cause(k)].name(), Kind::STAGES[k].name())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_is_reached_by_its_kind_and_region_only() {
        let event = |kind, region| Event { time_us: 0, kind, region, subject: 1, value: 0 };
        for place in 0..PLACES {
            let region = replica_region(place).map_or(1, |r| r as u8);
            assert_eq!(place_of(&event(place_kind(place), region)), Some(place), "{}", place_name(place));
        }
        assert_eq!(place_of(&event(Kind::ProcessorReplicaStored, 0)), None);
        assert_eq!(place_of(&event(Kind::ProcessorReplicaStored, 4)), None);
        assert_eq!(place_of(&event(Kind::PublishFailed, 1)), None);
        assert_eq!(place_name(PLACES - 1), "processor-db-replica-stored@3");
        assert_eq!(hop_name(ARRIVAL), "outbound-appended -> destination-received");
    }
}
