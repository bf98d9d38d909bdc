//! The parts of a global database of the P study
//! (`TPS/PSrc/Database/AuroraGlobalDatabase.p:415-688`,
//! `TPS/PSrc/Database/DynamoGlobalTable.p:205-418`): a regional database
//! per active region, which appends every write and answers the writer
//! itself, and a replicator that copies writes to the other region's
//! database, asynchronously. While failed, either holds the writes that
//! reach it (they wait in its inbox) until it recovers.
//!
//! The two kinds of global database differ in who is answered and where a
//! copy goes: an Aurora regional database answers while its region is the
//! active one, and its replicator copies the active region's writes to the
//! passive one; a DynamoDB table answers the writers of its own region, and
//! its replicator copies each region's writes to the other. Only Aurora's
//! parts acknowledge the commands their database waits on (switch, recover).

use super::topology::other;
use super::wiring::Wiring;
use super::{Arena, IdSet, Io, Machine, Msg, Record};
use crate::architecture::ComponentKind;
use crate::engine::ActorId;
use crate::trace::Kind;

/// Which kind of global database a part belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavour {
    Aurora,
    Dynamo,
}

impl Flavour {
    fn of(kind: ComponentKind) -> Self {
        match kind {
            ComponentKind::AuroraRegional | ComponentKind::AuroraReplicator => Flavour::Aurora,
            ComponentKind::DynamoRegional | ComponentKind::DynamoReplicator => Flavour::Dynamo,
            other => panic!("{} is no part of a global database", other.name()),
        }
    }
}

/// What a regional database and a replicator share: the kind of global
/// database they belong to, and whether they are failed.
#[derive(Clone, Copy, Debug)]
struct Part {
    flavour: Flavour,
    failed: bool,
}

impl Part {
    fn of(kind: ComponentKind) -> Self {
        Self { flavour: Flavour::of(kind), failed: false }
    }

    /// Fail and Recover, from the global database.
    fn command(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Fail => self.failed = true,
            // Acknowledged even when it was not failed, where the original
            // ignores it (`AuroraGlobalDatabase.p:523`, `:610`) and leaves
            // its database waiting for ever.
            Msg::Recover => {
                self.failed = false;
                self.done(io, from);
            }
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    /// Acknowledges a command to `from` if its global database waits for it.
    fn done(self, io: &mut Io<'_, '_>, from: ActorId) {
        if self.flavour == Flavour::Aurora {
            io.send(from, Msg::CommandDone);
        }
    }

    /// `up` while up; failed, the flavour's last state.
    fn coverage_state(self, up: u8) -> u8 {
        match (self.failed, self.flavour) {
            (true, Flavour::Aurora) => 2,
            (true, Flavour::Dynamo) => 1,
            (false, _) => up,
        }
    }
}

/// The region of the container whose write `caller` is.
fn writer_region(io: &Io<'_, '_>, caller: ActorId) -> u8 {
    let region = io.architecture.actor_region(caller);
    assert!(region == 1 || region == 2, "{} wrote from region {region}", io.architecture.actor_name(caller));
    region
}

/// One region's database of a global database.
#[derive(Clone)]
pub struct RegionalDb {
    part: Part,
    region: u8,
    /// The event of its stores.
    stored_event: Option<Kind>,
    /// Aurora: this region is the active one (region 1 at start, as the
    /// original's `:73-74`).
    active: bool,
    stored: IdSet,
    /// Writes appended, duplicates included.
    writes: u32,
}

impl RegionalDb {
    pub fn new(wiring: &Wiring, kind: ComponentKind) -> Self {
        let region = wiring.region();
        let (part, stored_event) = (Part::of(kind), wiring.replica_stored());
        Self { part, region, stored_event, active: region == 1, stored: IdSet::default(), writes: 0 }
    }

    pub fn writes(&self) -> u32 {
        self.writes
    }

    /// Whether this database answers the write of `caller`.
    fn answers(&self, io: &Io<'_, '_>, caller: ActorId) -> bool {
        match self.part.flavour {
            Flavour::Aurora => self.active,
            Flavour::Dynamo => writer_region(io, caller) == self.region,
        }
    }

    fn store(&mut self, io: &mut Io<'_, '_>, record: Record, caller: ActorId) {
        assert!(!self.part.failed, "{} stored while failed", io.name());
        self.stored.insert(record.id);
        self.writes += 1;
        if let Some(event) = self.stored_event {
            io.trace_record(event, self.region, record);
        }
        if self.answers(io, caller) {
            io.send(caller, Msg::InsertAnswer(true));
        }
    }
}

impl Machine for RegionalDb {
    fn accepts(&self, msg: &Msg) -> bool {
        !self.part.failed || !matches!(msg, Msg::InsertFor { .. })
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::InsertFor { record, caller } => self.store(io, record, caller),
            Msg::SwitchRegions if self.part.flavour == Flavour::Aurora => {
                self.active = !self.active;
                self.part.done(io, from);
            }
            other => self.part.command(io, from, other),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        out.union_with(&self.stored);
    }

    /// Active (or up) and passive, or failed.
    fn coverage_state(&self) -> u8 {
        let up = if self.part.flavour == Flavour::Aurora { !self.active as u8 } else { 0 };
        self.part.coverage_state(up)
    }
}

/// Copies a global database's writes to the other region's database.
#[derive(Clone)]
pub struct Replicator {
    part: Part,
    /// The regional databases, by region from 1.
    replicas: [ActorId; 2],
    /// Aurora: the active region, whose writes it copies to the other.
    active: u8,
}

impl Replicator {
    pub fn new(wiring: &Wiring, kind: ComponentKind) -> Self {
        let replicas = wiring.all("replicas");
        let replicas = replicas.try_into().unwrap_or_else(|r: Vec<ActorId>| panic!("{} regional databases", r.len()));
        Self { part: Part::of(kind), replicas, active: 1 }
    }

    /// Sends the copy of `caller`'s write to the region it was not written in.
    fn copy(&self, io: &mut Io<'_, '_>, record: Record, caller: ActorId) {
        let written = match self.part.flavour {
            Flavour::Aurora => self.active,
            Flavour::Dynamo => writer_region(io, caller),
        };
        io.send(self.replicas[other(written) as usize - 1], Msg::InsertFor { record, caller });
    }
}

impl Machine for Replicator {
    fn accepts(&self, msg: &Msg) -> bool {
        !self.part.failed || !matches!(msg, Msg::InsertFor { .. } | Msg::SwitchRegions)
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::InsertFor { record, caller } => self.copy(io, record, caller),
            Msg::SwitchRegions if self.part.flavour == Flavour::Aurora => {
                self.active = other(self.active);
                self.part.done(io, from);
            }
            other => self.part.command(io, from, other),
        }
    }

    /// Copying from region 1 (or up) or 2, or failed.
    fn coverage_state(&self) -> u8 {
        let up = if self.part.flavour == Flavour::Aurora { self.active - 1 } else { 0 };
        self.part.coverage_state(up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::{Bench, QUEUES, actor};

    const R: Record = Record { id: 3, value: 30 };

    fn at(name: &str) -> ActorId {
        actor(&QUEUES, name)
    }

    fn regional(name: &str) -> (Bench, RegionalDb) {
        let kind = QUEUES.instances[at(name) as usize - 1].kind;
        (Bench::on(&QUEUES, Options::default()), RegionalDb::new(&Wiring::of(&QUEUES, at(name)), kind))
    }

    fn replicator(name: &str) -> (Bench, Replicator) {
        let kind = QUEUES.instances[at(name) as usize - 1].kind;
        (Bench::on(&QUEUES, Options::default()), Replicator::new(&Wiring::of(&QUEUES, at(name)), kind))
    }

    fn insert_for(caller: &str) -> Msg {
        Msg::InsertFor { record: R, caller: at(caller) }
    }

    #[test]
    fn an_aurora_database_appends_every_write_and_answers_only_while_active() {
        let (mut bench, mut db) = regional("database-1");
        let container = at("inbound-container-2");
        let sent = bench.step(&mut db, at("database"), insert_for("inbound-container-2"));
        assert_eq!(sent, vec![(container, Msg::InsertAnswer(true))], "the writer is answered, from any region");
        assert_eq!(db.coverage_state(), 0, "active");
        let sent = bench.step(&mut db, at("database"), Msg::SwitchRegions);
        assert_eq!(sent, vec![(at("database"), Msg::CommandDone)]);
        assert_eq!(db.coverage_state(), 1, "passive");
        let sent = bench.step(&mut db, at("database-replicator"), insert_for("inbound-container-2"));
        assert!(sent.is_empty(), "a passive database answers no one: {sent:?}");
        assert_eq!(db.writes(), 2, "duplicates are kept");
        let stores = bench.trace.iter().filter(|e| e.region == 1 && e.subject == R.id).count();
        assert_eq!(stores, 2, "each write is traced as a replica store");
    }

    #[test]
    fn the_region_2_aurora_database_starts_passive() {
        let (mut bench, mut db) = regional("database-2");
        assert!(bench.step(&mut db, at("database-replicator"), insert_for("inbound-container-1")).is_empty());
        bench.step(&mut db, at("database"), Msg::SwitchRegions);
        let sent = bench.step(&mut db, at("database"), insert_for("inbound-container-1"));
        assert_eq!(sent, vec![(at("inbound-container-1"), Msg::InsertAnswer(true))]);
    }

    #[test]
    fn a_failed_regional_database_holds_writes_until_it_recovers() {
        for name in ["database-1", "table-1"] {
            let (mut bench, mut db) = regional(name);
            bench.step(&mut db, 0, Msg::Fail);
            assert!(!db.accepts(&insert_for("inbound-container-1")), "{name}: writes wait in the inbox");
            assert!(db.accepts(&Msg::Recover));
            let sent = bench.step(&mut db, at("database"), Msg::Recover);
            let acknowledged = sent == vec![(at("database"), Msg::CommandDone)];
            assert_eq!(acknowledged, name == "database-1", "{name}: only Aurora's parts acknowledge");
            assert!(db.accepts(&insert_for("inbound-container-1")));
        }
    }

    #[test]
    fn a_dynamo_table_appends_every_write_and_answers_its_own_regions_writers() {
        let (mut bench, mut table) = regional("table-2");
        let sent = bench.step(&mut table, at("table"), insert_for("middle-container-2"));
        assert_eq!(sent, vec![(at("middle-container-2"), Msg::InsertAnswer(true))]);
        let sent = bench.step(&mut table, at("table-replicator"), insert_for("middle-container-1"));
        assert!(sent.is_empty(), "a copy of region 1's write is answered by table 1: {sent:?}");
        assert_eq!(table.writes(), 2);
        assert_eq!(table.coverage_state(), 0, "up");
        bench.step(&mut table, at("table"), Msg::Fail);
        assert_eq!(table.coverage_state(), 1, "failed");
    }

    #[test]
    fn the_aurora_replicator_copies_to_the_passive_region_and_flips_on_a_switch() {
        let (mut bench, mut rep) = replicator("database-replicator");
        let copy = insert_for("inbound-container-2");
        assert_eq!(bench.step(&mut rep, at("database"), copy), vec![(at("database-2"), copy)]);
        let sent = bench.step(&mut rep, at("database"), Msg::SwitchRegions);
        assert_eq!(sent, vec![(at("database"), Msg::CommandDone)]);
        assert_eq!(rep.coverage_state(), 1, "copying from region 2");
        assert_eq!(bench.step(&mut rep, at("database"), copy), vec![(at("database-1"), copy)]);
    }

    #[test]
    fn a_failed_aurora_replicator_holds_writes_and_switches_and_resumes_in_its_direction() {
        let (mut bench, mut rep) = replicator("database-replicator");
        bench.step(&mut rep, at("database"), Msg::SwitchRegions);
        bench.step(&mut rep, at("database"), Msg::Fail);
        assert_eq!(rep.coverage_state(), 2);
        assert!(!rep.accepts(&insert_for("inbound-container-1")) && !rep.accepts(&Msg::SwitchRegions));
        assert_eq!(bench.step(&mut rep, at("database"), Msg::Recover), vec![(at("database"), Msg::CommandDone)]);
        let copy = insert_for("inbound-container-1");
        assert_eq!(bench.step(&mut rep, at("database"), copy), vec![(at("database-1"), copy)]);
    }

    #[test]
    fn recovering_a_replicator_that_did_not_fail_is_still_acknowledged() {
        let (mut bench, mut rep) = replicator("database-replicator");
        assert_eq!(bench.step(&mut rep, at("database"), Msg::Recover), vec![(at("database"), Msg::CommandDone)]);
    }

    #[test]
    fn the_dynamo_replicator_copies_each_regions_writes_to_the_other() {
        let (mut bench, mut rep) = replicator("table-replicator");
        let from1 = insert_for("middle-container-1");
        let from2 = insert_for("middle-container-2");
        assert_eq!(bench.step(&mut rep, at("table"), from1), vec![(at("table-2"), from1)]);
        assert_eq!(bench.step(&mut rep, at("table"), from2), vec![(at("table-1"), from2)]);
        bench.step(&mut rep, at("table"), Msg::Fail);
        assert!(!rep.accepts(&from1), "copies wait while replication is failed");
        assert!(bench.step(&mut rep, at("table"), Msg::Recover).is_empty(), "nothing acknowledged");
        assert!(rep.accepts(&from1));
    }
}
