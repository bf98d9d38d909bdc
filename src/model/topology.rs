//! Who is who: the actor numbers of MODEL.md, "Topology", and, from the
//! Workload1 architecture file, their names and the components faults may
//! target (a test holds the numbers and the file to the same instances).

use std::sync::{Arc, LazyLock};

use crate::architecture::{self, Architecture, Command};
use crate::engine::ActorId;

/// The built-in Workload1 architecture: instance `i` is actor `i + 1`.
pub static WORKLOAD1: LazyLock<Arc<Architecture>> =
    LazyLock::new(|| architecture::built_in("workload1").expect("workload1 is built in"));

pub use super::DRIVER;
pub const SOURCE: ActorId = 1;
pub const IN_DNS: ActorId = 2;
const RECEIVER_BASE: ActorId = 3;
const VALIDATOR_BASE: ActorId = 5;
const PROCESSOR_BASE: ActorId = 7;
const CLUSTER_BASE: ActorId = 9;
const REPLICA_BASE: ActorId = 12;
const INBOUND_BASE: ActorId = 21;
const OUTBOUND_BASE: ActorId = 23;
pub const OUT_DNS: ActorId = 25;
pub const DESTINATION: ActorId = 26;
pub const ACTORS: usize = 27;

/// The two active regions.
pub const REGIONS: [u8; 2] = [1, 2];
const _: () = assert!(
    REGIONS[0] == crate::config::explore::REGIONS[0] && REGIONS[1] == crate::config::explore::REGIONS[1],
    "an explored environment names the active regions of this topology"
);

/// Workload1's events, by its file's places (a test holds them to it):
/// its twelve stages in MODEL.md's order, then its three replica stores.
pub mod events {
    use crate::trace::Kind;

    pub const PUBLISHED: Kind = Kind::place(0);
    pub const RECEIVER_INVOKED: Kind = Kind::place(1);
    pub const RECEIVER_DB_STORED: Kind = Kind::place(2);
    pub const VALIDATOR_INVOKED: Kind = Kind::place(3);
    pub const VALIDATOR_DB_STORED: Kind = Kind::place(4);
    pub const INBOUND_APPENDED: Kind = Kind::place(5);
    pub const PROCESSOR_READ: Kind = Kind::place(6);
    pub const PROCESSOR_DB_STORED: Kind = Kind::place(7);
    pub const OUTBOUND_APPENDED: Kind = Kind::place(8);
    pub const INBOUND_REMOVED: Kind = Kind::place(9);
    pub const DESTINATION_RECEIVED: Kind = Kind::place(10);
    pub const OUTBOUND_REMOVED: Kind = Kind::place(11);
    pub const RECEIVER_REPLICA_STORED: Kind = Kind::place(12);
    pub const VALIDATOR_REPLICA_STORED: Kind = Kind::place(13);
    pub const PROCESSOR_REPLICA_STORED: Kind = Kind::place(14);

    pub const STAGES: [Kind; 12] = [
        PUBLISHED,
        RECEIVER_INVOKED,
        RECEIVER_DB_STORED,
        VALIDATOR_INVOKED,
        VALIDATOR_DB_STORED,
        INBOUND_APPENDED,
        PROCESSOR_READ,
        PROCESSOR_DB_STORED,
        OUTBOUND_APPENDED,
        INBOUND_REMOVED,
        DESTINATION_RECEIVED,
        OUTBOUND_REMOVED,
    ];
    pub const REPLICA_STORES: [Kind; 3] = [RECEIVER_REPLICA_STORED, VALIDATOR_REPLICA_STORED, PROCESSOR_REPLICA_STORED];
}

/// The three database clusters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Db {
    Receiver = 0,
    Validator = 1,
    Processor = 2,
}

impl Db {
    pub const ALL: [Db; 3] = [Db::Receiver, Db::Validator, Db::Processor];

    pub fn name(self) -> &'static str {
        &WORKLOAD1.instances[cluster(self) as usize - 1].name
    }
}

pub fn receiver(region: u8) -> ActorId {
    RECEIVER_BASE + region_index(region)
}
pub fn validator(region: u8) -> ActorId {
    VALIDATOR_BASE + region_index(region)
}
pub fn processor(region: u8) -> ActorId {
    PROCESSOR_BASE + region_index(region)
}
pub fn inbound(region: u8) -> ActorId {
    INBOUND_BASE + region_index(region)
}
pub fn outbound(region: u8) -> ActorId {
    OUTBOUND_BASE + region_index(region)
}
pub fn cluster(db: Db) -> ActorId {
    CLUSTER_BASE + db as ActorId
}
/// The replica of `db` in `region` (1, 2 or 3).
pub fn replica(db: Db, region: u8) -> ActorId {
    assert!((1..=3).contains(&region), "no replica in region {region}");
    REPLICA_BASE + db as ActorId * 3 + (region - 1)
}

/// The instances of an active region: its receiver, validator, processor,
/// streams and database replicas.
pub fn region_instances(region: u8) -> impl Iterator<Item = ActorId> {
    (0..ACTORS as ActorId).filter(move |&a| match role(a) {
        Role::Receiver(r) | Role::Validator(r) | Role::Processor(r) | Role::Inbound(r) | Role::Outbound(r) => {
            r == region
        }
        Role::Replica(_, r) => r == region,
        _ => false,
    })
}

/// The other active region.
pub fn other(region: u8) -> u8 {
    assert!(region == 1 || region == 2, "region {region} is not active");
    3 - region
}

fn region_index(region: u8) -> ActorId {
    assert!(region == 1 || region == 2, "region {region} is not active");
    region - 1
}

/// What an actor is, with its region where it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Driver,
    Source,
    InDns,
    Receiver(u8),
    Validator(u8),
    Processor(u8),
    Cluster(Db),
    Replica(Db, u8),
    Inbound(u8),
    Outbound(u8),
    OutDns,
    Destination,
}

/// Every actor's role, by actor number: `role` is on the path of every
/// message, so it is a lookup.
pub(crate) const ROLES: [Role; ACTORS] = {
    let mut roles = [Role::Driver; ACTORS];
    let mut actor = 0;
    while actor < ACTORS {
        roles[actor] = role_of(actor as ActorId);
        actor += 1;
    }
    roles
};

#[inline]
pub fn role(actor: ActorId) -> Role {
    match ROLES.get(actor as usize) {
        Some(role) => *role,
        None => panic!("no actor {actor}"),
    }
}

const fn role_of(actor: ActorId) -> Role {
    match actor {
        DRIVER => Role::Driver,
        SOURCE => Role::Source,
        IN_DNS => Role::InDns,
        3..=4 => Role::Receiver(actor - RECEIVER_BASE + 1),
        5..=6 => Role::Validator(actor - VALIDATOR_BASE + 1),
        7..=8 => Role::Processor(actor - PROCESSOR_BASE + 1),
        9..=11 => Role::Cluster(Db::ALL[(actor - CLUSTER_BASE) as usize]),
        12..=20 => {
            let i = actor - REPLICA_BASE;
            Role::Replica(Db::ALL[(i / 3) as usize], i % 3 + 1)
        }
        21..=22 => Role::Inbound(actor - INBOUND_BASE + 1),
        23..=24 => Role::Outbound(actor - OUTBOUND_BASE + 1),
        OUT_DNS => Role::OutDns,
        DESTINATION => Role::Destination,
        _ => panic!("no such actor"),
    }
}

/// The region an actor starts in; databases start with their primary in 1;
/// the destination lives in region 2, as the original's.
pub fn home_region(actor: ActorId) -> u8 {
    match role(actor) {
        Role::Driver => 0,
        Role::Source | Role::InDns | Role::OutDns | Role::Cluster(_) => 1,
        Role::Destination => 2,
        Role::Receiver(r)
        | Role::Validator(r)
        | Role::Processor(r)
        | Role::Replica(_, r)
        | Role::Inbound(r)
        | Role::Outbound(r) => r,
    }
}

/// The component name users type in scenarios and see in reports.
pub fn name(actor: ActorId) -> String {
    match actor {
        DRIVER => "driver".into(),
        _ => WORKLOAD1.instances[actor as usize - 1].name.clone(),
    }
}

/// The actor a component name means, if any.
pub fn by_name(name: &str) -> Option<ActorId> {
    match name {
        "driver" => Some(DRIVER),
        _ => WORKLOAD1.by_name(name).map(|i| i as ActorId + 1),
    }
}

/// Components that scenarios may fail and recover, by actor number.
pub fn faultable() -> impl Iterator<Item = ActorId> {
    WORKLOAD1.targets(Command::Fail).iter().map(|&i| i as ActorId + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::architecture::ComponentKind;
    use crate::trace::{Kind, Vocabulary};

    #[test]
    fn names_and_roles_round_trip() {
        for a in 0..ACTORS as ActorId {
            assert_eq!(by_name(&name(a)), Some(a));
        }
        assert_eq!(role(replica(Db::Validator, 3)), Role::Replica(Db::Validator, 3));
        assert_eq!(name(outbound(2)), "outbound-2");
        assert_eq!(faultable().count(), 13);
    }

    /// The kind of component each role is, in the machine library.
    fn kind_of(role: Role) -> ComponentKind {
        match role {
            Role::Driver => unreachable!("the driver is no component"),
            Role::Source => ComponentKind::Source,
            Role::InDns => ComponentKind::WeightedDns,
            Role::Receiver(_) | Role::Validator(_) => ComponentKind::ApiContainer,
            Role::Processor(_) => ComponentKind::StreamContainer,
            Role::Cluster(_) => ComponentKind::Mongo,
            Role::Replica(..) => ComponentKind::MongoReplica,
            Role::Inbound(_) | Role::Outbound(_) => ComponentKind::Kafka,
            Role::OutDns => ComponentKind::OutDns,
            Role::Destination => ComponentKind::Destination,
        }
    }

    #[test]
    fn the_workload1_file_describes_the_actors_the_model_numbers() {
        assert_eq!(WORKLOAD1.instances.len(), ACTORS - 1, "one instance per actor but the driver");
        for (i, instance) in WORKLOAD1.instances.iter().enumerate() {
            let actor = i as ActorId + 1;
            assert_eq!(instance.kind, kind_of(role(actor)), "{}", instance.name);
            assert_eq!(instance.region, home_region(actor), "{}", instance.name);
        }
        let wire = |actor: ActorId, key: &str| -> Vec<ActorId> {
            let instance = &WORKLOAD1.instances[actor as usize - 1];
            let (_, to) = instance.wires.iter().find(|(k, _)| *k == key).expect("the wire");
            to.iter().map(|&t| t as ActorId + 1).collect()
        };
        assert_eq!(wire(SOURCE, "dns"), [IN_DNS]);
        assert_eq!(wire(IN_DNS, "routes"), [receiver(1), receiver(2)]);
        assert_eq!(wire(OUT_DNS, "routes"), [outbound(1), outbound(2)]);
        assert_eq!(wire(DESTINATION, "dns"), [OUT_DNS]);
        for r in REGIONS {
            assert_eq!(wire(receiver(r), "next"), [validator(r)]);
            assert_eq!(wire(receiver(r), "db"), [cluster(Db::Receiver)]);
            assert_eq!(wire(validator(r), "next"), [inbound(r)]);
            assert_eq!(wire(validator(r), "db"), [cluster(Db::Validator)]);
            assert_eq!(wire(processor(r), "input"), [inbound(r)]);
            assert_eq!(wire(processor(r), "db"), [cluster(Db::Processor)]);
            assert_eq!(wire(processor(r), "output"), [outbound(r)]);
        }
        for db in Db::ALL {
            assert_eq!(wire(cluster(db), "replicas"), [replica(db, 1), replica(db, 2), replica(db, 3)]);
        }
        let targets = |c| -> Vec<ActorId> { WORKLOAD1.targets(c).iter().map(|&i| i as ActorId + 1).collect() };
        assert_eq!(targets(Command::SwitchPrimary), Db::ALL.map(cluster));
        assert_eq!(targets(Command::RegionOffline), [IN_DNS, OUT_DNS]);
        let name = |kind| WORKLOAD1.event_name(kind);
        let stages: Vec<String> = WORKLOAD1.stages.iter().map(|s| s.event.clone()).collect();
        let named = [
            "published",
            "receiver-invoked",
            "receiver-db-stored",
            "validator-invoked",
            "validator-db-stored",
            "inbound-appended",
            "processor-read",
            "processor-db-stored",
            "outbound-appended",
            "inbound-removed",
            "destination-received",
            "outbound-removed",
        ];
        assert_eq!(stages, named, "the stages MODEL.md names, in its order");
        assert_eq!(events::STAGES.map(name), named, "each stage's event is named after it");
        let stores = ["receiver-db", "validator-db", "processor-db"].map(|db| format!("{db}-replica-stored"));
        assert_eq!(events::REPLICA_STORES.map(name), stores);
        let codes: Vec<u8> = events::STAGES.iter().chain(&events::REPLICA_STORES).map(|k| k.code()).collect();
        assert_eq!(codes, (0..15).collect::<Vec<u8>>(), "the places take the codes of format version 3");
        assert_eq!(WORKLOAD1.vocabulary(), Vocabulary::new(12, 15, 10, 3, 26).unwrap());
        let arrival = WORKLOAD1.arrival();
        assert_eq!(events::STAGES[arrival], events::DESTINATION_RECEIVED);
        assert_eq!(WORKLOAD1.stages[arrival].cause, events::OUTBOUND_APPENDED.place_index());
        let order = |o: &crate::architecture::Order| (events::STAGES[o.first], events::STAGES[o.then]);
        let orders: Vec<(Kind, Kind)> = WORKLOAD1.orders.iter().map(order).collect();
        let expected = [
            (events::PROCESSOR_DB_STORED, events::INBOUND_REMOVED),
            (events::OUTBOUND_APPENDED, events::INBOUND_REMOVED),
            (events::DESTINATION_RECEIVED, events::OUTBOUND_REMOVED),
        ];
        assert_eq!(orders, expected, "a stream removes what its consumer has handed on");
    }
}
