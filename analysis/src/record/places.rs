//! The 21 *places* every published record must reach (MODEL.md section 5):
//! the 12 pipeline stages, numbered 0..=11 in pipeline order, then the
//! replica stores, numbered 12 + 3 * store + region - 1.

use wl1::trace::Kind;

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
    let mut i = 0;
    while i < STAGES {
        if Kind::STAGES[i] as u8 == kind as u8 {
            return i;
        }
        i += 1;
    }
    panic!("not a pipeline stage")
}

pub const PUBLISHED: usize = stage(Kind::Published);
pub const ARRIVAL: usize = stage(Kind::DestinationReceived);

/// What an event of each kind code reaches.
#[derive(Clone, Copy)]
enum Reaches {
    Nothing,
    Stage(usize),
    Replica(usize),
}

/// Event kinds are stored in five bits.
const KIND_CODES: usize = 32;

const REACHES: [Reaches; KIND_CODES] = {
    let mut table = [Reaches::Nothing; KIND_CODES];
    let mut i = 0;
    while i < STAGES {
        table[Kind::STAGES[i] as usize] = Reaches::Stage(i);
        i += 1;
    }
    let mut store = 0;
    while store < Kind::REPLICA_STORES.len() {
        table[Kind::REPLICA_STORES[store] as usize] = Reaches::Replica(store);
        store += 1;
    }
    table
};

/// The place an event of `kind` in `region` reaches, if any (a replica
/// store outside regions 1..=3 reaches none).
#[inline]
pub fn place_of(kind: Kind, region: u8) -> Option<usize> {
    match REACHES[kind as usize] {
        Reaches::Nothing => None,
        Reaches::Stage(s) => Some(s),
        Reaches::Replica(store) => {
            (1..=REGIONS as u8).contains(&region).then(|| FIRST_REPLICA + 3 * store + usize::from(region) - 1)
        }
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
        for place in 0..PLACES {
            let region = replica_region(place).map_or(1, |r| r as u8);
            assert_eq!(place_of(place_kind(place), region), Some(place), "{}", place_name(place));
        }
        assert_eq!(place_of(Kind::ProcessorReplicaStored, 0), None);
        assert_eq!(place_of(Kind::ProcessorReplicaStored, 4), None);
        assert_eq!(place_of(Kind::PublishFailed, 1), None);
        assert_eq!(place_name(PLACES - 1), "processor-db-replica-stored@3");
        assert_eq!(hop_name(ARRIVAL), "outbound-appended -> destination-received");
    }
}
