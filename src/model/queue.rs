//! A queue, the P study's `Queue` (`TPS/PSrc/Queue/Queue.p`): appends at
//! the tail; each registered reader is sent the head record, which stays
//! stored until removed; a remove pops the head, whatever record it names.
//!
//! As the original, a queue offers its head only when a record is appended
//! or a reader registers anew, never on Recover or Remove; records and
//! registrations survive a failure. A remove that pops another record than
//! the one it names (or finds the queue empty) traces the named one as
//! [`Kind::REMOVE_MISSED`]: the record that left is the popped one. A watch
//! on the appends is answered once their total is reached, as wl1's Kafka
//! does, where the original answers only when it is equal (`:81`).

use std::collections::VecDeque;

use super::kafka::{Appends, store_state};
use super::wiring::Wiring;
use super::{Arena, Batch, IdSet, Io, Machine, Msg, Record};
use crate::architecture::Action;
use crate::engine::ActorId;
use crate::trace::Kind;

#[derive(Clone)]
pub struct Queue {
    region: u8,
    /// The events of its appends and removes.
    appended: Option<Kind>,
    removed: Option<Kind>,
    records: VecDeque<Record>,
    failed: bool,
    /// Readers registered for the next record, in order of registration.
    readers: Vec<ActorId>,
    /// Records appended since the run began (the original's `count`).
    appends: Appends,
}

impl Queue {
    pub fn new(wiring: &Wiring) -> Self {
        Self {
            region: wiring.region(),
            appended: wiring.stage(Action::Appended),
            removed: wiring.stage(Action::Removed),
            records: VecDeque::new(),
            failed: false,
            readers: Vec::new(),
            appends: Appends::default(),
        }
    }

    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Whether a reader is registered for the next record.
    pub fn is_read(&self) -> bool {
        !self.readers.is_empty()
    }

    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.records.iter().copied()
    }

    fn append(&mut self, io: &mut Io<'_, '_>, batch: Batch) {
        for i in 0..batch.len() {
            let record = io.arena.get(batch)[i];
            self.records.push_back(record);
            if let Some(appended) = self.appended {
                io.trace_record(appended, self.region, record);
            }
        }
        self.appends.add(batch.len() as u32);
    }

    /// Pops the head once per record the remove names.
    fn remove(&mut self, io: &mut Io<'_, '_>, batch: Batch) {
        for i in 0..batch.len() {
            let named = io.arena.get(batch)[i];
            let popped = self.records.pop_front();
            if let (Some(record), Some(removed)) = (popped, self.removed) {
                io.trace_record(removed, self.region, record);
            }
            if popped.is_none_or(|r| r.id != named.id) {
                io.trace_record(Kind::REMOVE_MISSED, self.region, named);
            }
        }
    }

    /// A reader not registered yet is registered, and offered the head.
    fn register(&mut self, io: &mut Io<'_, '_>, reader: ActorId) {
        if !self.readers.contains(&reader) {
            self.readers.push(reader);
            self.offer(io);
        }
    }

    /// Sends the head record to every registered reader, whose registrations
    /// are then used up.
    fn offer(&mut self, io: &mut Io<'_, '_>) {
        let Some(&head) = self.records.front() else {
            return;
        };
        if self.readers.is_empty() {
            return;
        }
        let batch = io.arena.put([head]);
        for reader in self.readers.drain(..) {
            io.send(reader, Msg::Deliver(batch));
        }
    }
}

impl Machine for Queue {
    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Append(_) if self.failed => io.send(from, Msg::AppendAnswer(false)),
            Msg::Append(batch) => {
                self.append(io, batch);
                self.offer(io);
                self.appends.notify(io);
                io.send(from, Msg::AppendAnswer(true));
            }
            Msg::Read { consumer } if self.failed => io.send(consumer, Msg::ReadFailed),
            Msg::Read { consumer } => self.register(io, consumer),
            Msg::Remove(_) if self.failed => io.send(from, Msg::RemoveAnswer(false)),
            Msg::Remove(batch) => {
                self.remove(io, batch);
                io.send(from, Msg::RemoveAnswer(true));
            }
            Msg::WatchAppends(_) if self.failed => io.send(from, Msg::AppendsReached(false)),
            Msg::WatchAppends(total) => {
                self.appends.watch(io, from, total);
            }
            Msg::Fail => {
                self.failed = true;
                io.send(from, Msg::CommandDone);
            }
            Msg::Recover => self.failed = false,
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        out.insert_records(self.records());
    }

    fn coverage_state(&self) -> u8 {
        store_state(self.failed, !self.records.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::{Bench, QUEUES, actor};

    const WRITER: ActorId = 5;
    const READER: ActorId = 7;
    const OTHER_READER: ActorId = 9;
    const DRIVER: ActorId = 0;

    fn queue() -> (Bench, Queue) {
        let bench = Bench::on(&QUEUES, Options::default());
        (bench, Queue::new(&Wiring::of(&QUEUES, actor(&QUEUES, "inbound-1"))))
    }

    fn append(bench: &mut Bench, q: &mut Queue, id: u32) -> Vec<(ActorId, Msg)> {
        let batch = bench.batch(&[id]);
        bench.step(q, WRITER, Msg::Append(batch))
    }

    fn remove(bench: &mut Bench, q: &mut Queue, id: u32) -> Vec<(ActorId, Msg)> {
        let batch = bench.batch(&[id]);
        bench.step(q, READER, Msg::Remove(batch))
    }

    /// The records each message sent delivers, by addressee.
    fn deliveries(bench: &Bench, sent: &[(ActorId, Msg)]) -> Vec<(ActorId, Vec<u32>)> {
        let delivered = sent.iter().filter_map(|(to, msg)| match msg {
            Msg::Deliver(batch) => Some((*to, bench.ids(*batch))),
            _ => None,
        });
        delivered.collect()
    }

    fn stored(q: &Queue) -> Vec<u32> {
        q.records().map(|r| r.id).collect()
    }

    #[test]
    fn an_append_delivers_the_head_to_the_registered_reader_once_and_keeps_it() {
        let (mut bench, mut q) = queue();
        assert!(bench.step(&mut q, 0, Msg::Read { consumer: READER }).is_empty(), "nothing to deliver yet");
        let sent = append(&mut bench, &mut q, 1);
        assert_eq!(deliveries(&bench, &sent), vec![(READER, vec![1])]);
        assert_eq!(sent.last(), Some(&(WRITER, Msg::AppendAnswer(true))), "answered after the delivery");
        let sent = append(&mut bench, &mut q, 2);
        assert_eq!(sent, vec![(WRITER, Msg::AppendAnswer(true))], "the registration is used up");
        assert_eq!(stored(&q), [1, 2], "records stay until removed");
        let appended = bench.trace.iter().filter(|e| e.kind != Kind::REMOVE_MISSED).count();
        assert_eq!(appended, 2, "each append is traced");
    }

    #[test]
    fn a_new_registration_is_sent_the_head_at_once_a_repeated_one_nothing() {
        let (mut bench, mut q) = queue();
        append(&mut bench, &mut q, 1);
        append(&mut bench, &mut q, 2);
        let sent = bench.step(&mut q, 0, Msg::Read { consumer: READER });
        assert_eq!(deliveries(&bench, &sent), vec![(READER, vec![1])]);
        let (mut bench, mut q) = queue();
        bench.step(&mut q, 0, Msg::Read { consumer: READER });
        bench.step(&mut q, 0, Msg::Read { consumer: READER });
        let sent = append(&mut bench, &mut q, 3);
        assert_eq!(deliveries(&bench, &sent), vec![(READER, vec![3])], "registered once");
    }

    #[test]
    fn every_registered_reader_is_sent_the_same_head() {
        let (mut bench, mut q) = queue();
        bench.step(&mut q, 0, Msg::Read { consumer: READER });
        bench.step(&mut q, 0, Msg::Read { consumer: OTHER_READER });
        let sent = append(&mut bench, &mut q, 4);
        assert_eq!(deliveries(&bench, &sent), vec![(READER, vec![4]), (OTHER_READER, vec![4])]);
    }

    #[test]
    fn a_remove_pops_the_head_whatever_record_it_names() {
        let (mut bench, mut q) = queue();
        append(&mut bench, &mut q, 1);
        append(&mut bench, &mut q, 2);
        assert_eq!(remove(&mut bench, &mut q, 2), vec![(READER, Msg::RemoveAnswer(true))]);
        assert_eq!(stored(&q), [2], "record 1 left, record 2 stayed");
        let removed = QUEUES.stage_of(actor(&QUEUES, "inbound-1") as usize - 1, Action::Removed);
        let last: Vec<(Kind, u32)> = bench.trace[2..].iter().map(|e| (e.kind, e.subject)).collect();
        assert_eq!(last, [(Kind::place(removed.unwrap()), 1), (Kind::REMOVE_MISSED, 2)]);
    }

    #[test]
    fn a_remove_of_an_empty_queue_succeeds_and_is_traced_as_missed() {
        let (mut bench, mut q) = queue();
        assert_eq!(remove(&mut bench, &mut q, 3), vec![(READER, Msg::RemoveAnswer(true))]);
        assert_eq!(bench.trace.iter().map(|e| (e.kind, e.subject)).collect::<Vec<_>>(), [(Kind::REMOVE_MISSED, 3)]);
    }

    #[test]
    fn a_failed_queue_refuses_everything_and_keeps_its_records() {
        let (mut bench, mut q) = queue();
        append(&mut bench, &mut q, 1);
        let acknowledged = vec![(DRIVER, Msg::CommandDone)];
        assert_eq!(bench.step(&mut q, DRIVER, Msg::Fail), acknowledged, "the driver waits for a failure");
        assert_eq!(q.coverage_state(), 2);
        assert_eq!(append(&mut bench, &mut q, 2), vec![(WRITER, Msg::AppendAnswer(false))]);
        assert_eq!(bench.step(&mut q, 0, Msg::Read { consumer: READER }), vec![(READER, Msg::ReadFailed)]);
        assert_eq!(remove(&mut bench, &mut q, 1), vec![(READER, Msg::RemoveAnswer(false))]);
        assert_eq!(bench.step(&mut q, DRIVER, Msg::WatchAppends(1)), vec![(DRIVER, Msg::AppendsReached(false))]);
        assert_eq!(bench.step(&mut q, DRIVER, Msg::Fail), acknowledged, "a second failure too");
        assert!(bench.step(&mut q, DRIVER, Msg::Recover).is_empty(), "nothing is offered on recovery");
        assert_eq!(stored(&q), [1]);
        assert_eq!(q.coverage_state(), 1);
    }

    #[test]
    fn a_registration_made_before_a_failure_survives_it() {
        let (mut bench, mut q) = queue();
        bench.step(&mut q, 0, Msg::Read { consumer: READER });
        bench.step(&mut q, 0, Msg::Fail);
        bench.step(&mut q, 0, Msg::Recover);
        let sent = append(&mut bench, &mut q, 1);
        assert_eq!(deliveries(&bench, &sent), vec![(READER, vec![1])]);
    }

    #[test]
    fn a_watch_on_total_appends_is_answered_once_the_total_is_reached() {
        let (mut bench, mut q) = queue();
        assert!(bench.step(&mut q, DRIVER, Msg::WatchAppends(2)).is_empty());
        assert!(append(&mut bench, &mut q, 1).iter().all(|(to, _)| *to != DRIVER));
        assert!(append(&mut bench, &mut q, 2).contains(&(DRIVER, Msg::AppendsReached(true))));
        assert!(append(&mut bench, &mut q, 3).iter().all(|(to, _)| *to != DRIVER), "answered once");
        assert_eq!(bench.step(&mut q, DRIVER, Msg::WatchAppends(3)), vec![(DRIVER, Msg::AppendsReached(true))]);
    }
}
