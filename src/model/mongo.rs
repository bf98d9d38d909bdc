//! MongoDB Atlas: a cluster of three regional replicas. An insert goes to the
//! primary and waits, then to the secondary and waits, then to the remaining
//! replica without waiting; it succeeds only if primary and secondary did.

use super::answer::{Answer, Awaited};
use super::topology::{Db, replica};
use super::{Arena, IdSet, Io, Machine, Msg, Record};
use crate::config::Variant;
use crate::engine::ActorId;
use crate::trace::Kind;

#[derive(Clone, Copy, Debug)]
struct Insert {
    caller: ActorId,
    record: Record,
    /// Whether the primary already answered (the secondary is awaited).
    at_secondary: bool,
    awaited: Awaited,
}

pub struct Cluster {
    db: Db,
    primary: u8,
    failed: bool,
    insert: Option<Insert>,
}

impl Cluster {
    pub fn new(db: Db) -> Self {
        Self { db, primary: 1, failed: false, insert: None }
    }

    pub fn primary(&self) -> u8 {
        self.primary
    }

    /// (secondary, asynchronous) replica regions for the current primary.
    fn followers(&self) -> (u8, u8) {
        if self.primary == 1 { (2, 3) } else { (3, 1) }
    }

    fn answer(&mut self, io: &mut Io<'_, '_>, ok: bool) {
        let insert = self.insert.take().expect("an insert is in progress");
        io.send(insert.caller, Msg::InsertAnswer(ok));
    }

    fn to_replicas(&self, io: &mut Io<'_, '_>, msg: Msg) {
        for region in 1..=3 {
            io.send(replica(self.db, region), msg);
        }
    }
}

impl Machine for Cluster {
    fn accepts(&self, msg: &Msg) -> bool {
        self.insert.is_none() || matches!(msg, Msg::StoreAnswer(_))
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Insert(_) if self.failed => io.send(from, Msg::InsertAnswer(false)),
            Msg::Insert(record) => {
                let primary = replica(self.db, self.primary);
                let awaited = Awaited::new(primary, Answer::Store);
                self.insert = Some(Insert { caller: from, record, at_secondary: false, awaited });
                io.send(primary, Msg::Store(record));
            }
            Msg::StoreAnswer(_) => {
                let insert = self.insert.expect("a store answer comes only during an insert");
                let ok = insert.awaited.outcome(io.me(), from, &msg);
                let (secondary, third) = self.followers();
                if !ok {
                    self.answer(io, false);
                } else if !insert.at_secondary {
                    let secondary = replica(self.db, secondary);
                    let awaited = Awaited::new(secondary, Answer::Store);
                    self.insert = Some(Insert { at_secondary: true, awaited, ..insert });
                    io.send(secondary, Msg::Store(insert.record));
                } else {
                    io.send(replica(self.db, third), Msg::StoreAsync(insert.record));
                    self.answer(io, true);
                }
            }
            Msg::Fail => {
                self.failed = true;
                self.to_replicas(io, Msg::Fail);
            }
            Msg::Recover => {
                self.failed = false;
                self.to_replicas(io, Msg::Recover);
            }
            Msg::SwitchPrimary => {
                self.primary = 3 - self.primary;
                io.relocate(self.primary);
            }
            other => panic!("{} cannot handle {other:?}", self.db.name()),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        if let Some(insert) = self.insert {
            out.insert(insert.record.id);
        }
    }
}

/// One regional copy of a database. Storage is idempotent by record id
/// unless the non-idempotent variant is on.
pub struct Replica {
    db: Db,
    region: u8,
    failed: bool,
    stored: IdSet,
    /// Stores that reached the replica while it was failed.
    while_failed: Vec<Record>,
}

impl Replica {
    pub fn new(db: Db, region: u8) -> Self {
        Self { db, region, failed: false, stored: IdSet::default(), while_failed: Vec::new() }
    }

    pub fn holds(&self, id: u32) -> bool {
        self.stored.contains(id)
    }

    fn stage(&self) -> Kind {
        match self.db {
            Db::Receiver => Kind::ReceiverReplicaStored,
            Db::Validator => Kind::ValidatorReplicaStored,
            Db::Processor => Kind::ProcessorReplicaStored,
        }
    }

    fn apply(&mut self, io: &mut Io<'_, '_>, record: Record) {
        let new = self.stored.insert(record.id);
        if new || io.options.variants.has(Variant::NonIdempotent) {
            io.trace_record(self.stage(), self.region, record);
        }
    }

    fn store(&mut self, io: &mut Io<'_, '_>, record: Record) -> bool {
        if self.failed {
            self.while_failed.push(record);
        } else {
            self.apply(io, record);
        }
        !self.failed
    }
}

impl Machine for Replica {
    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Store(record) => {
                let ok = self.store(io, record);
                io.send(from, Msg::StoreAnswer(ok));
            }
            Msg::StoreAsync(record) => {
                self.store(io, record);
            }
            Msg::Fail => self.failed = true,
            Msg::Recover => {
                self.failed = false;
                for record in std::mem::take(&mut self.while_failed) {
                    self.apply(io, record);
                }
            }
            other => panic!("replica cannot handle {other:?}"),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        out.union_with(&self.stored);
        self.while_failed.iter().for_each(|r| {
            out.insert(r.id);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::Bench;
    use crate::model::topology::cluster;

    const R: Record = Record { id: 3, value: 30 };
    const CALLER: ActorId = 3;

    #[test]
    fn insert_goes_primary_then_secondary_then_async_third() {
        let mut bench = Bench::new();
        let mut c = Cluster::new(Db::Receiver);
        assert_eq!(bench.step(&mut c, CALLER, Msg::Insert(R)), vec![(replica(Db::Receiver, 1), Msg::Store(R))]);
        assert!(!c.accepts(&Msg::Insert(R)), "inserts are served one at a time");
        let sent = bench.step(&mut c, replica(Db::Receiver, 1), Msg::StoreAnswer(true));
        assert_eq!(sent, vec![(replica(Db::Receiver, 2), Msg::Store(R))]);
        let sent = bench.step(&mut c, replica(Db::Receiver, 2), Msg::StoreAnswer(true));
        assert_eq!(sent, vec![(replica(Db::Receiver, 3), Msg::StoreAsync(R)), (CALLER, Msg::InsertAnswer(true))]);
    }

    #[test]
    fn switching_primary_changes_the_order_and_moves_the_cluster() {
        let mut bench = Bench::new();
        let mut c = Cluster::new(Db::Processor);
        bench.step_as(&mut c, cluster(Db::Processor), 0, Msg::SwitchPrimary);
        assert_eq!(bench.region_of(cluster(Db::Processor)), 2);
        assert_eq!(bench.step(&mut c, CALLER, Msg::Insert(R)), vec![(replica(Db::Processor, 2), Msg::Store(R))]);
        let sent = bench.step(&mut c, replica(Db::Processor, 2), Msg::StoreAnswer(true));
        assert_eq!(sent, vec![(replica(Db::Processor, 3), Msg::Store(R))]);
        let sent = bench.step(&mut c, replica(Db::Processor, 3), Msg::StoreAnswer(true));
        assert_eq!(sent[0], (replica(Db::Processor, 1), Msg::StoreAsync(R)));
    }

    #[test]
    fn a_failed_cluster_answers_failure_at_once_and_resumes_with_its_primary() {
        let mut bench = Bench::new();
        let mut c = Cluster::new(Db::Validator);
        bench.step(&mut c, 0, Msg::SwitchPrimary);
        let sent = bench.step(&mut c, 0, Msg::Fail);
        assert_eq!(sent.len(), 3, "every replica fails");
        assert_eq!(bench.step(&mut c, CALLER, Msg::Insert(R)), vec![(CALLER, Msg::InsertAnswer(false))]);
        bench.step(&mut c, 0, Msg::Recover);
        assert_eq!(bench.step(&mut c, CALLER, Msg::Insert(R)), vec![(replica(Db::Validator, 2), Msg::Store(R))]);
    }

    #[test]
    fn a_failed_primary_store_fails_the_insert() {
        let mut bench = Bench::new();
        let mut c = Cluster::new(Db::Validator);
        bench.step(&mut c, CALLER, Msg::Insert(R));
        let sent = bench.step(&mut c, replica(Db::Validator, 1), Msg::StoreAnswer(false));
        assert_eq!(sent, vec![(CALLER, Msg::InsertAnswer(false))]);
    }

    #[test]
    #[should_panic(
        expected = "awaited Store answer from receiver-db/replica-2 but got StoreAnswer(true) from receiver-db/replica-3"
    )]
    fn a_store_answer_from_the_wrong_replica_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut c = Cluster::new(Db::Receiver);
        bench.step_as(&mut c, cluster(Db::Receiver), CALLER, Msg::Insert(R));
        bench.step_as(&mut c, cluster(Db::Receiver), replica(Db::Receiver, 1), Msg::StoreAnswer(true));
        bench.step_as(&mut c, cluster(Db::Receiver), replica(Db::Receiver, 3), Msg::StoreAnswer(true));
    }

    #[test]
    fn replica_is_idempotent_and_keeps_stores_while_failed() {
        let mut bench = Bench::new();
        let mut r = Replica::new(Db::Receiver, 3);
        bench.step(&mut r, 0, Msg::StoreAsync(R));
        assert_eq!(bench.step(&mut r, 9, Msg::Store(R)), vec![(9, Msg::StoreAnswer(true))]);
        assert_eq!(bench.kinds(), vec![Kind::ReceiverReplicaStored], "the second store is a no-op");
        bench.step(&mut r, 0, Msg::Fail);
        let other = Record { id: 4, value: 40 };
        bench.step(&mut r, 0, Msg::StoreAsync(other));
        assert!(!r.holds(4));
        bench.step(&mut r, 0, Msg::Recover);
        assert!(r.holds(4), "applied after recovery");
        assert_eq!(
            bench.trace.last().map(|e| (e.kind, e.region, e.subject)),
            Some((Kind::ReceiverReplicaStored, 3, 4))
        );
    }

    #[test]
    fn non_idempotent_replica_stores_duplicates() {
        let options = Options { variants: [Variant::NonIdempotent].into_iter().collect(), ..Default::default() };
        let mut bench = Bench::with_options(options);
        let mut r = Replica::new(Db::Processor, 1);
        bench.step(&mut r, 0, Msg::StoreAsync(R));
        bench.step(&mut r, 0, Msg::StoreAsync(R));
        assert_eq!(bench.kinds(), vec![Kind::ProcessorReplicaStored; 2]);
    }
}
