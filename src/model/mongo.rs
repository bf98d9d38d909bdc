//! MongoDB Atlas: a cluster of three regional replicas. An insert goes to the
//! primary and waits, then to the secondary and waits (whatever the primary
//! answered, as the original), then to the remaining replica without
//! waiting; it succeeds only if primary and secondary did.

use super::answer::{Answer, Awaited};
use super::wiring::Wiring;
use super::{Arena, IdSet, Io, Machine, Msg, Record};
use crate::config::Variant;
use crate::engine::ActorId;
use crate::trace::Kind;

#[derive(Clone, Copy, Debug)]
struct Insert {
    caller: ActorId,
    record: Record,
    /// The primary's answer, once it came (the secondary is then awaited).
    primary_stored: Option<bool>,
    awaited: Awaited,
}

#[derive(Clone)]
pub struct Cluster {
    /// Its replicas, by region from 1.
    replicas: [ActorId; 3],
    primary: u8,
    failed: bool,
    insert: Option<Insert>,
}

impl Cluster {
    pub fn new(wiring: &Wiring) -> Self {
        let replicas = wiring.all("replicas");
        let replicas = replicas.try_into().unwrap_or_else(|r: Vec<_>| panic!("a cluster of {} replicas", r.len()));
        Self { replicas, primary: 1, failed: false, insert: None }
    }

    /// Its replica in `region`.
    fn replica(&self, region: u8) -> ActorId {
        self.replicas[region as usize - 1]
    }

    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// (secondary, asynchronous) replica regions for the current primary.
    fn followers(&self) -> (u8, u8) {
        assert!(self.primary == 1 || self.primary == 2, "primary in region {}", self.primary);
        if self.primary == 1 { (2, 3) } else { (3, 1) }
    }

    fn answer(&mut self, io: &mut Io<'_, '_>, ok: bool) {
        let insert = self.insert.take().expect("an insert is in progress");
        assert!(insert.primary_stored.is_some(), "{} answered before its secondary stored", io.name());
        io.send(insert.caller, Msg::InsertAnswer { ok, id: insert.record.id });
    }

    fn to_replicas(&self, io: &mut Io<'_, '_>, msg: Msg) {
        for region in 1..=3 {
            io.send(self.replica(region), msg);
        }
    }
}

impl Machine for Cluster {
    fn accepts(&self, msg: &Msg) -> bool {
        self.insert.is_none() || matches!(msg, Msg::StoreAnswer(_))
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Insert(record) if self.failed => io.send(from, Msg::InsertAnswer { ok: false, id: record.id }),
            Msg::Insert(record) => {
                assert!(self.insert.is_none(), "{} took an insert during another", io.name());
                let primary = self.replica(self.primary);
                let awaited = Awaited::new(primary, Answer::Store);
                self.insert = Some(Insert { caller: from, record, primary_stored: None, awaited });
                io.send(primary, Msg::Store(record));
            }
            Msg::StoreAnswer(_) => {
                let insert = self.insert.expect("a store answer comes only during an insert");
                let stored = insert.awaited.outcome(io, from, &msg);
                let (secondary, third) = self.followers();
                match insert.primary_stored {
                    None => {
                        let secondary = self.replica(secondary);
                        let awaited = Awaited::new(secondary, Answer::Store);
                        self.insert = Some(Insert { primary_stored: Some(stored), awaited, ..insert });
                        assert_ne!(secondary, self.replica(self.primary), "the secondary is not the primary");
                        io.send(secondary, Msg::Store(insert.record));
                    }
                    Some(primary_stored) => {
                        io.send(self.replica(third), Msg::StoreAsync(insert.record));
                        self.answer(io, primary_stored && stored);
                    }
                }
            }
            Msg::Fail | Msg::Recover if self.insert.is_some() => {
                panic!("{} took {msg:?} during an insert: commands wait for its answer", io.name())
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
                assert!(self.insert.is_none(), "{} switched its primary during an insert", io.name());
                self.primary = 3 - self.primary;
                io.relocate(self.primary);
            }
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        if let Some(insert) = self.insert {
            out.insert(insert.record.id);
        }
    }

    /// Up with its primary in region 1 or 2, or failed.
    fn coverage_state(&self) -> u8 {
        if self.failed { 2 } else { self.primary - 1 }
    }
}

/// One regional copy of a database. Storage is idempotent by record id
/// unless the non-idempotent variant is on. While failed it holds the stores
/// that reach it (they wait in its inbox) and applies and answers them after
/// it recovers, as the original.
#[derive(Clone)]
pub struct Replica {
    /// The event of its stores.
    stored_event: Option<Kind>,
    region: u8,
    failed: bool,
    stored: IdSet,
}

impl Replica {
    pub fn new(wiring: &Wiring) -> Self {
        Self { stored_event: wiring.replica_stored(), region: wiring.region(), failed: false, stored: IdSet::default() }
    }

    pub fn holds(&self, id: u32) -> bool {
        self.stored.contains(id)
    }

    pub fn is_failed(&self) -> bool {
        self.failed
    }

    fn store(&mut self, io: &mut Io<'_, '_>, record: Record) {
        assert!(!self.failed, "{} stored while failed", io.name());
        let new = self.stored.insert(record.id);
        if let Some(event) = self.stored_event.filter(|_| new || io.options.variants.has(Variant::NonIdempotent)) {
            io.trace_record(event, self.region, record);
        }
    }
}

impl Machine for Replica {
    fn accepts(&self, msg: &Msg) -> bool {
        !self.failed || !matches!(msg, Msg::Store(_) | Msg::StoreAsync(_))
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Store(record) => {
                self.store(io, record);
                io.send(from, Msg::StoreAnswer(true));
            }
            Msg::StoreAsync(record) => self.store(io, record),
            Msg::Fail => self.failed = true,
            Msg::Recover => self.failed = false,
            other => panic!("replica cannot handle {other:?}"),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        out.union_with(&self.stored);
    }

    fn coverage_state(&self) -> u8 {
        self.failed as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::Bench;
    use crate::model::topology::events as w1;
    use crate::model::topology::{Db, WORKLOAD1, cluster, replica};

    const R: Record = Record { id: 3, value: 30 };

    fn cluster_of(db: Db) -> Cluster {
        Cluster::new(&Wiring::of(&WORKLOAD1, cluster(db)))
    }

    fn replica_of(db: Db, region: u8) -> Replica {
        Replica::new(&Wiring::of(&WORKLOAD1, replica(db, region)))
    }
    const CALLER: ActorId = 3;

    #[test]
    fn insert_goes_primary_then_secondary_then_async_third() {
        let mut bench = Bench::new();
        let mut c = cluster_of(Db::Receiver);
        assert_eq!(bench.step(&mut c, CALLER, Msg::Insert(R)), vec![(replica(Db::Receiver, 1), Msg::Store(R))]);
        assert!(!c.accepts(&Msg::Insert(R)), "inserts are served one at a time");
        let sent = bench.step(&mut c, replica(Db::Receiver, 1), Msg::StoreAnswer(true));
        assert_eq!(sent, vec![(replica(Db::Receiver, 2), Msg::Store(R))]);
        let sent = bench.step(&mut c, replica(Db::Receiver, 2), Msg::StoreAnswer(true));
        assert_eq!(
            sent,
            vec![(replica(Db::Receiver, 3), Msg::StoreAsync(R)), (CALLER, Msg::InsertAnswer { ok: true, id: R.id })]
        );
    }

    #[test]
    fn switching_primary_changes_the_order_and_moves_the_cluster() {
        let mut bench = Bench::new();
        let mut c = cluster_of(Db::Processor);
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
        let mut c = cluster_of(Db::Validator);
        bench.step(&mut c, 0, Msg::SwitchPrimary);
        let sent = bench.step(&mut c, 0, Msg::Fail);
        assert_eq!(sent.len(), 3, "every replica fails");
        assert_eq!(
            bench.step(&mut c, CALLER, Msg::Insert(R)),
            vec![(CALLER, Msg::InsertAnswer { ok: false, id: R.id })]
        );
        bench.step(&mut c, 0, Msg::Recover);
        assert_eq!(bench.step(&mut c, CALLER, Msg::Insert(R)), vec![(replica(Db::Validator, 2), Msg::Store(R))]);
    }

    #[test]
    fn a_failed_primary_store_still_goes_to_the_secondary_and_the_insert_fails() {
        let mut bench = Bench::new();
        let mut c = cluster_of(Db::Validator);
        bench.step(&mut c, CALLER, Msg::Insert(R));
        let sent = bench.step(&mut c, replica(Db::Validator, 1), Msg::StoreAnswer(false));
        assert_eq!(sent, vec![(replica(Db::Validator, 2), Msg::Store(R))]);
        let sent = bench.step(&mut c, replica(Db::Validator, 2), Msg::StoreAnswer(true));
        assert_eq!(
            sent,
            vec![(replica(Db::Validator, 3), Msg::StoreAsync(R)), (CALLER, Msg::InsertAnswer { ok: false, id: R.id })]
        );
    }

    #[test]
    #[should_panic(
        expected = "awaited Store answer from receiver-db/replica-2 but got StoreAnswer(true) from receiver-db/replica-3"
    )]
    fn a_store_answer_from_the_wrong_replica_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut c = cluster_of(Db::Receiver);
        bench.step_as(&mut c, cluster(Db::Receiver), CALLER, Msg::Insert(R));
        bench.step_as(&mut c, cluster(Db::Receiver), replica(Db::Receiver, 1), Msg::StoreAnswer(true));
        bench.step_as(&mut c, cluster(Db::Receiver), replica(Db::Receiver, 3), Msg::StoreAnswer(true));
    }

    #[test]
    fn replica_is_idempotent() {
        let mut bench = Bench::new();
        let mut r = replica_of(Db::Receiver, 3);
        bench.step(&mut r, 0, Msg::StoreAsync(R));
        assert_eq!(bench.step(&mut r, 9, Msg::Store(R)), vec![(9, Msg::StoreAnswer(true))]);
        assert_eq!(bench.kinds(), vec![w1::RECEIVER_REPLICA_STORED], "the second store is a no-op");
    }

    #[test]
    fn a_failed_replica_holds_stores_unanswered_until_it_recovers() {
        let mut bench = Bench::new();
        let mut r = replica_of(Db::Receiver, 3);
        bench.step(&mut r, 0, Msg::Fail);
        assert!(!r.accepts(&Msg::Store(R)) && !r.accepts(&Msg::StoreAsync(R)), "stores wait in the inbox");
        assert!(r.accepts(&Msg::Recover));
        bench.step(&mut r, 0, Msg::Recover);
        assert!(r.accepts(&Msg::Store(R)));
        let cluster = cluster(Db::Receiver);
        assert_eq!(bench.step(&mut r, cluster, Msg::Store(R)), vec![(cluster, Msg::StoreAnswer(true))]);
        assert!(r.holds(R.id));
    }

    #[test]
    fn non_idempotent_replica_stores_duplicates() {
        let options = Options { variants: [Variant::NonIdempotent].into_iter().collect(), ..Default::default() };
        let mut bench = Bench::with_options(options);
        let mut r = replica_of(Db::Processor, 1);
        bench.step(&mut r, 0, Msg::StoreAsync(R));
        bench.step(&mut r, 0, Msg::StoreAsync(R));
        assert_eq!(bench.kinds(), vec![w1::PROCESSOR_REPLICA_STORED; 2]);
    }

    #[test]
    #[should_panic(expected = "receiver-db took an insert during another")]
    fn an_insert_during_another_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut c = cluster_of(Db::Receiver);
        bench.step_as(&mut c, cluster(Db::Receiver), CALLER, Msg::Insert(R));
        bench.step_as(&mut c, cluster(Db::Receiver), CALLER, Msg::Insert(R));
    }

    #[test]
    #[should_panic(expected = "receiver-db/replica-3 stored while failed")]
    fn a_store_handled_by_a_failed_replica_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut r = replica_of(Db::Receiver, 3);
        bench.step_as(&mut r, replica(Db::Receiver, 3), 0, Msg::Fail);
        bench.step_as(&mut r, replica(Db::Receiver, 3), cluster(Db::Receiver), Msg::StoreAsync(R));
    }

    #[test]
    #[should_panic(expected = "processor-db took Fail during an insert: commands wait for its answer")]
    fn a_command_handled_during_an_insert_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut c = cluster_of(Db::Processor);
        bench.step_as(&mut c, cluster(Db::Processor), CALLER, Msg::Insert(R));
        bench.step_as(&mut c, cluster(Db::Processor), 0, Msg::Fail);
    }
}
