//! A DynamoDB global table, the P study's `DynamoGlobalTable`
//! (`TPS/PSrc/Database/DynamoGlobalTable.p:50-203`): a table per active
//! region ([`super::RegionalDb`]) and a replicator ([`super::Replicator`]).
//! A write goes to the table of the writer's region and to the replicator,
//! both to answer the writer themselves; this machine answers nothing.
//!
//! Unlike Aurora and Mongo, a failed table refuses nothing: writes wait in
//! its inbox until it recovers, so a writer blocks instead of failing its
//! dependency (`:178-183`). Its commands are passed on and awaited by no
//! one. Departure: while failed, a failure or recovery of replication is
//! ignored (the original cannot handle it); the replicator failed with the
//! table, and the table's recovery recovers it, as the original's does
//! (`:191`).

use super::wiring::Wiring;
use super::{Io, Machine, Msg};
use crate::engine::ActorId;

#[derive(Clone)]
pub struct Dynamo {
    /// Its regional tables, by region from 1, then its replicator.
    parts: [ActorId; 3],
    failed: bool,
}

const REPLICATOR: usize = 2;

impl Dynamo {
    pub fn new(wiring: &Wiring) -> Self {
        let tables = wiring.all("replicas");
        let [one, two] = tables[..] else { panic!("{} regional tables", tables.len()) };
        Self { parts: [one, two, wiring.one("replicator")], failed: false }
    }

    fn to_parts(&self, io: &mut Io<'_, '_>, command: Msg) {
        for part in self.parts {
            io.send(part, command);
        }
    }
}

impl Machine for Dynamo {
    fn accepts(&self, msg: &Msg) -> bool {
        !self.failed || !matches!(msg, Msg::Insert(_))
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Insert(record) => {
                assert!(!self.failed, "{} took a write while failed", io.name());
                let region = io.architecture.actor_region(from);
                assert!(region == 1 || region == 2, "{} took a write from region {region}", io.name());
                let write = Msg::InsertFor { record, caller: from };
                io.send(self.parts[region as usize - 1], write);
                io.send(self.parts[REPLICATOR], write);
            }
            Msg::Fail if !self.failed => {
                self.failed = true;
                self.to_parts(io, Msg::Fail);
            }
            Msg::Recover if self.failed => {
                self.failed = false;
                self.to_parts(io, Msg::Recover);
            }
            Msg::FailReplication if !self.failed => io.send(self.parts[REPLICATOR], Msg::Fail),
            Msg::RecoverReplication if !self.failed => io.send(self.parts[REPLICATOR], Msg::Recover),
            Msg::Fail | Msg::Recover | Msg::FailReplication | Msg::RecoverReplication => {}
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    /// Up or failed.
    fn coverage_state(&self) -> u8 {
        self.failed as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::Record;
    use crate::model::testkit::{Bench, QUEUES, actor};

    const R: Record = Record { id: 8, value: 80 };

    fn at(name: &str) -> ActorId {
        actor(&QUEUES, name)
    }

    fn table() -> (Bench, Dynamo) {
        (Bench::on(&QUEUES, Options::default()), Dynamo::new(&Wiring::of(&QUEUES, at("table"))))
    }

    fn step(bench: &mut Bench, t: &mut Dynamo, from: &str, msg: Msg) -> Vec<(ActorId, Msg)> {
        let from = if from == "driver" { 0 } else { at(from) };
        bench.step_as(t, at("table"), from, msg)
    }

    #[test]
    fn a_write_goes_to_the_table_of_the_writers_region_and_the_replicator() {
        let (mut bench, mut t) = table();
        for (writer, region_table) in [("middle-container-1", "table-1"), ("middle-container-2", "table-2")] {
            let copy = Msg::InsertFor { record: R, caller: at(writer) };
            let sent = step(&mut bench, &mut t, writer, Msg::Insert(R));
            assert_eq!(sent, vec![(at(region_table), copy), (at("table-replicator"), copy)]);
        }
    }

    #[test]
    fn a_failed_table_holds_writes_unanswered_and_passes_commands_on_unawaited() {
        let (mut bench, mut t) = table();
        let parts = [at("table-1"), at("table-2"), at("table-replicator")];
        assert_eq!(step(&mut bench, &mut t, "driver", Msg::Fail), parts.map(|p| (p, Msg::Fail)));
        assert!(!t.accepts(&Msg::Insert(R)), "writes wait in the inbox");
        for ignored in [Msg::Fail, Msg::FailReplication, Msg::RecoverReplication] {
            assert!(step(&mut bench, &mut t, "driver", ignored).is_empty(), "{ignored:?} while failed");
        }
        assert_eq!(step(&mut bench, &mut t, "driver", Msg::Recover), parts.map(|p| (p, Msg::Recover)));
        assert!(t.accepts(&Msg::Insert(R)));
        assert!(step(&mut bench, &mut t, "driver", Msg::Recover).is_empty(), "recover is ignored while up");
    }

    #[test]
    fn replication_fails_and_recovers_at_the_replicator_alone() {
        let (mut bench, mut t) = table();
        let sent = step(&mut bench, &mut t, "driver", Msg::FailReplication);
        assert_eq!(sent, vec![(at("table-replicator"), Msg::Fail)]);
        assert!(t.accepts(&Msg::Insert(R)), "the table is up");
        let sent = step(&mut bench, &mut t, "driver", Msg::RecoverReplication);
        assert_eq!(sent, vec![(at("table-replicator"), Msg::Recover)]);
    }
}
