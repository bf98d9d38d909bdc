//! An Aurora global database, the P study's `AuroraGlobalDatabase`
//! (`TPS/PSrc/Database/AuroraGlobalDatabase.p:60-413`): a regional
//! database per active region ([`super::RegionalDb`]) and a replicator
//! ([`super::Replicator`]). A write goes to the active region's database
//! and to the replicator, both to answer the writer themselves; this
//! machine answers the writes it refuses while failed, and the driver's
//! commands once carried out ([`super::acknowledges`]). Nothing waits for
//! the passive copy.
//!
//! A switch of the active region, a recovery and a recovery of replication
//! are carried out on the parts one at a time, each awaited: writes wait
//! meanwhile. Departures from the original, which is broken there:
//! - a switch back from region 2 is the switch from region 1 mirrored (the
//!   original sends its parts' acknowledgements to the driver and hangs,
//!   `:253-279`);
//! - while failed, a failure or recovery of replication is ignored (the
//!   original cannot handle it): the replicator failed with the database,
//!   and the database's recovery recovers it, as the original's does.
//!
//! Kept as the original has it: a switch while replication is failed waits
//! for the failed replicator, which holds the switch, and the recovery of
//! replication that would free it waits behind the switch: the database
//! is wedged for good (no test of the study does this; chaos can).

use super::answer::{Answer, Awaited, acknowledges};
use super::topology::other;
use super::wiring::Wiring;
use super::{DRIVER, Io, Machine, Msg};
use crate::architecture::ComponentKind;
use crate::engine::ActorId;

/// A command being carried out on the parts, one at a time.
#[derive(Clone, Copy, Debug)]
struct Carrying {
    /// The driver's command.
    asked: Msg,
    /// What each part is sent.
    command: Msg,
    /// The part whose acknowledgement is awaited, as an index into
    /// [`Aurora::parts`].
    part: usize,
}

#[derive(Clone)]
pub struct Aurora {
    /// Its regional databases, by region from 1, then its replicator.
    parts: [ActorId; 3],
    /// The active region.
    active: u8,
    failed: bool,
    carrying: Option<Carrying>,
}

const REPLICATOR: usize = 2;

impl Aurora {
    pub fn new(wiring: &Wiring) -> Self {
        let replicas = wiring.all("replicas");
        let [one, two] = replicas[..] else { panic!("{} regional databases", replicas.len()) };
        Self { parts: [one, two, wiring.one("replicator")], active: 1, failed: false, carrying: None }
    }

    pub fn active(&self) -> u8 {
        self.active
    }

    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Carries out the driver's command `asked` by sending `command` to
    /// the parts from `first` on, one at a time.
    fn carry(&mut self, io: &mut Io<'_, '_>, asked: Msg, command: Msg, first: usize) {
        self.carrying = Some(Carrying { asked, command, part: first });
        io.send(self.parts[first], command);
    }

    /// Tells the driver that its command `asked` is carried out, if it
    /// waits for that.
    fn done(io: &mut Io<'_, '_>, asked: &Msg) {
        if acknowledges(ComponentKind::Aurora, asked) {
            io.send(DRIVER, Msg::CommandDone);
        }
    }

    /// A part acknowledged: the next part is sent the command, or the
    /// command is done.
    fn acknowledged(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        let Carrying { asked, command, part } = self.carrying.take().expect("acknowledgements come only for a command");
        Awaited::new(self.parts[part], Answer::Command).outcome(io, from, &msg);
        if part < REPLICATOR {
            return self.carry(io, asked, command, part + 1);
        }
        Self::done(io, &asked);
        match command {
            Msg::SwitchRegions => {
                self.active = other(self.active);
                io.relocate(self.active);
            }
            Msg::Recover if self.failed => self.failed = false,
            _ => assert_eq!(command, Msg::Recover, "{} carried {command:?}", io.name()),
        }
    }

    fn fail(&mut self, io: &mut Io<'_, '_>) {
        self.failed = true;
        for part in self.parts {
            io.send(part, Msg::Fail);
        }
    }
}

impl Machine for Aurora {
    fn accepts(&self, msg: &Msg) -> bool {
        self.carrying.is_none() || msg.answer().is_some()
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Insert(_) if self.failed => io.send(from, Msg::InsertAnswer(false)),
            Msg::Insert(record) => {
                let write = Msg::InsertFor { record, caller: from };
                io.send(self.parts[self.active as usize - 1], write);
                io.send(self.parts[REPLICATOR], write);
            }
            Msg::CommandDone => self.acknowledged(io, from, msg),
            // A second failure is ignored, and so is a switch while failed
            // (the original answers it with failure, `:368-371`).
            Msg::Fail | Msg::SwitchRegions | Msg::FailReplication | Msg::RecoverReplication if self.failed => {
                Self::done(io, &msg);
            }
            Msg::Fail => {
                self.fail(io);
                Self::done(io, &msg);
            }
            Msg::Recover if self.failed => self.carry(io, msg, Msg::Recover, 0),
            Msg::Recover => Self::done(io, &msg),
            Msg::SwitchRegions => self.carry(io, msg, Msg::SwitchRegions, 0),
            Msg::FailReplication => {
                io.send(self.parts[REPLICATOR], Msg::Fail);
                Self::done(io, &msg);
            }
            Msg::RecoverReplication => self.carry(io, msg, Msg::Recover, REPLICATOR),
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    /// Region 1 or region 2 active, or failed.
    fn coverage_state(&self) -> u8 {
        if self.failed { 2 } else { self.active - 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::{Bench, QUEUES, actor};
    use crate::model::{Record, Replicator};

    const R: Record = Record { id: 3, value: 30 };

    fn at(name: &str) -> ActorId {
        actor(&QUEUES, name)
    }

    fn aurora() -> (Bench, Aurora) {
        (Bench::on(&QUEUES, Options::default()), Aurora::new(&Wiring::of(&QUEUES, at("database"))))
    }

    /// Hands `msg` to the database, addressed as itself.
    fn step(bench: &mut Bench, db: &mut Aurora, from: &str, msg: Msg) -> Vec<(ActorId, Msg)> {
        let from = if from == "driver" { 0 } else { at(from) };
        bench.step_as(db, at("database"), from, msg)
    }

    /// Carries the driver's `command` through: each part acknowledges in
    /// turn. Returns the parts it sent `to_parts` to, in order, and what
    /// it sent once done.
    fn carried(bench: &mut Bench, db: &mut Aurora, command: Msg, to_parts: Msg) -> (Vec<ActorId>, Vec<(ActorId, Msg)>) {
        let mut sent = step(bench, db, "driver", command);
        let mut parts = Vec::new();
        while let [(part, msg)] = sent[..]
            && part != DRIVER
        {
            assert_eq!(msg, to_parts);
            assert!(!db.accepts(&Msg::Insert(R)) && !db.accepts(&Msg::Fail), "everything else waits");
            parts.push(part);
            sent = bench.step_as(db, at("database"), part, Msg::CommandDone);
        }
        (parts, sent)
    }

    /// What the database sends the driver once a command is carried out.
    fn done() -> Vec<(ActorId, Msg)> {
        vec![(DRIVER, Msg::CommandDone)]
    }

    fn write(caller: &str) -> Msg {
        Msg::InsertFor { record: R, caller: at(caller) }
    }

    #[test]
    fn a_write_goes_to_the_active_regional_database_and_the_replicator() {
        let (mut bench, mut db) = aurora();
        let sent = step(&mut bench, &mut db, "inbound-container-2", Msg::Insert(R));
        let copy = write("inbound-container-2");
        assert_eq!(sent, vec![(at("database-1"), copy), (at("database-replicator"), copy)]);
    }

    #[test]
    fn a_switch_goes_to_each_part_in_turn_then_writes_go_to_region_2() {
        let (mut bench, mut db) = aurora();
        let parts = vec![at("database-1"), at("database-2"), at("database-replicator")];
        let switched = (parts, done());
        assert_eq!(carried(&mut bench, &mut db, Msg::SwitchRegions, Msg::SwitchRegions), switched);
        assert_eq!(bench.region_of(at("database")), 2, "the database moves to its active region");
        let sent = step(&mut bench, &mut db, "inbound-container-1", Msg::Insert(R));
        assert_eq!(sent[0], (at("database-2"), write("inbound-container-1")));
        assert_eq!(
            carried(&mut bench, &mut db, Msg::SwitchRegions, Msg::SwitchRegions),
            switched,
            "and back, unlike the original"
        );
        assert_eq!((db.active(), bench.region_of(at("database"))), (1, 1));
    }

    #[test]
    #[should_panic(expected = "database awaited Command answer from database-1 but got CommandDone from database-2")]
    fn an_acknowledgement_out_of_turn_breaks_the_invariant() {
        let (mut bench, mut db) = aurora();
        step(&mut bench, &mut db, "driver", Msg::SwitchRegions);
        step(&mut bench, &mut db, "database-2", Msg::CommandDone);
    }

    #[test]
    fn a_failed_database_fails_its_parts_and_refuses_writes_until_all_recovered() {
        let (mut bench, mut db) = aurora();
        let parts = [at("database-1"), at("database-2"), at("database-replicator")];
        let sent = step(&mut bench, &mut db, "driver", Msg::Fail);
        assert_eq!(sent, parts.map(|p| (p, Msg::Fail)).into_iter().chain(done()).collect::<Vec<_>>());
        let caller = at("inbound-container-1");
        let sent = step(&mut bench, &mut db, "inbound-container-1", Msg::Insert(R));
        assert_eq!(sent, vec![(caller, Msg::InsertAnswer(false))]);
        for ignored in [Msg::Fail, Msg::SwitchRegions, Msg::FailReplication] {
            assert_eq!(step(&mut bench, &mut db, "driver", ignored), done(), "{ignored:?} while failed");
        }
        let unanswered = step(&mut bench, &mut db, "driver", Msg::RecoverReplication);
        assert!(unanswered.is_empty(), "the study's tests do not wait for a recovery of replication");
        assert_eq!(db.coverage_state(), 2);
        assert_eq!(carried(&mut bench, &mut db, Msg::Recover, Msg::Recover), (parts.to_vec(), done()));
        assert!(!db.is_failed());
        assert_eq!(step(&mut bench, &mut db, "inbound-container-1", Msg::Insert(R)).len(), 2);
    }

    #[test]
    fn a_switch_while_replication_is_failed_wedges_the_database() {
        let (mut bench, mut db) = aurora();
        step(&mut bench, &mut db, "driver", Msg::FailReplication);
        step(&mut bench, &mut db, "driver", Msg::SwitchRegions);
        step(&mut bench, &mut db, "database-1", Msg::CommandDone);
        let sent = step(&mut bench, &mut db, "database-2", Msg::CommandDone);
        assert_eq!(sent, vec![(at("database-replicator"), Msg::SwitchRegions)]);
        let mut replicator = Replicator::new(
            &Wiring::of(&QUEUES, at("database-replicator")),
            crate::architecture::ComponentKind::AuroraReplicator,
        );
        bench.step(&mut replicator, at("database"), Msg::Fail);
        assert!(!replicator.accepts(&Msg::SwitchRegions), "the failed replicator holds the switch");
        assert!(!db.accepts(&Msg::RecoverReplication), "and the database holds the recovery behind it");
    }

    #[test]
    fn recover_while_up_changes_nothing_but_is_acknowledged() {
        let (mut bench, mut db) = aurora();
        assert_eq!(step(&mut bench, &mut db, "driver", Msg::Recover), done());
        assert!(!db.is_failed() && db.carrying.is_none());
    }

    #[test]
    fn replication_fails_and_recovers_at_the_replicator_alone() {
        let (mut bench, mut db) = aurora();
        let sent = step(&mut bench, &mut db, "driver", Msg::FailReplication);
        assert_eq!(sent, [vec![(at("database-replicator"), Msg::Fail)], done()].concat());
        assert!(!db.is_failed());
        let recovered = carried(&mut bench, &mut db, Msg::RecoverReplication, Msg::Recover);
        assert_eq!(recovered, (vec![at("database-replicator")], vec![]), "not acknowledged");
        assert!(!db.is_failed());
    }
}
