//! Who is who: the actor numbers of MODEL.md, "Topology" and their names.

use crate::engine::ActorId;

pub const DRIVER: ActorId = 0;
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
    REGIONS[0] == crate::config::explore::REGIONS[0]
        && REGIONS[1] == crate::config::explore::REGIONS[1]
        && *crate::config::explore::INSTANCES.start() == DRIVER + 1
        && *crate::config::explore::INSTANCES.end() as usize == ACTORS - 1,
    "an explored environment names the regions and instances of this topology"
);

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
        ["receiver-db", "validator-db", "processor-db"][self as usize]
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
    match role(actor) {
        Role::Driver => "driver".into(),
        Role::Source => "source".into(),
        Role::InDns => "in-dns".into(),
        Role::Receiver(r) => format!("receiver-{r}"),
        Role::Validator(r) => format!("validator-{r}"),
        Role::Processor(r) => format!("processor-{r}"),
        Role::Cluster(db) => db.name().into(),
        Role::Replica(db, r) => format!("{}/replica-{r}", db.name()),
        Role::Inbound(r) => format!("inbound-{r}"),
        Role::Outbound(r) => format!("outbound-{r}"),
        Role::OutDns => "out-dns".into(),
        Role::Destination => "destination".into(),
    }
}

/// The actor a component name means, if any.
pub fn by_name(name: &str) -> Option<ActorId> {
    (0..ACTORS as ActorId).find(|&a| self::name(a) == name)
}

/// Components that scenarios may fail and recover.
pub fn faultable() -> impl Iterator<Item = ActorId> {
    (0..ACTORS as ActorId).filter(|&a| {
        matches!(
            role(a),
            Role::Receiver(_)
                | Role::Validator(_)
                | Role::Processor(_)
                | Role::Cluster(_)
                | Role::Inbound(_)
                | Role::Outbound(_)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_roles_round_trip() {
        for a in 0..ACTORS as ActorId {
            assert_eq!(by_name(&name(a)), Some(a));
        }
        assert_eq!(role(replica(Db::Validator, 3)), Role::Replica(Db::Validator, 3));
        assert_eq!(name(outbound(2)), "outbound-2");
        assert_eq!(faultable().count(), 13);
    }
}
