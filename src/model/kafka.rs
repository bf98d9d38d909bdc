//! A Kafka stream with one consumer registration at a time. A registered
//! consumer is sent the first `batch_size` records once that many are
//! present; they stay in the stream until the consumer removes them.
//!
//! As the original, a stream offers a batch only when records are appended,
//! when a consumer registers anew, or on a linger wake-up: never on Recover
//! or Remove. A remove deletes the first stored copy of each id it names and
//! answers success even when it named records the stream did not hold (each
//! traced as [`Kind::REMOVE_MISSED`]).

use std::collections::VecDeque;

use super::wiring::Wiring;
use super::{Arena, Batch, IdSet, Io, Machine, Msg, Record};
use crate::architecture::Action;
use crate::config::Variant;
use crate::engine::{ActorId, Time};
use crate::trace::Kind;

#[derive(Clone)]
pub struct Kafka {
    region: u8,
    /// The events of its appends and removes.
    appended: Option<Kind>,
    removed: Option<Kind>,
    records: VecDeque<(Record, Time)>,
    failed: bool,
    consumer: Option<ActorId>,
    /// A linger wake-up is already scheduled.
    linger_armed: bool,
    /// Records appended since the run began (the original's `count`).
    appends: Appends,
}

impl Kafka {
    pub fn new(wiring: &Wiring) -> Self {
        Self {
            region: wiring.region(),
            appended: wiring.stage(Action::Appended),
            removed: wiring.stage(Action::Removed),
            records: VecDeque::new(),
            failed: false,
            consumer: None,
            linger_armed: false,
            appends: Appends::default(),
        }
    }

    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        self.records.iter().map(|(r, _)| *r)
    }

    pub fn consumer(&self) -> Option<ActorId> {
        self.consumer
    }

    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Records appended since the run began.
    pub fn appends(&self) -> u32 {
        self.appends.count()
    }

    fn append(&mut self, io: &mut Io<'_, '_>, batch: Batch) -> bool {
        if self.failed {
            return false;
        }
        let (now, held) = (io.now(), self.records.len());
        for i in 0..batch.len() {
            let record = io.arena.get(batch)[i];
            self.records.push_back((record, now));
            if let Some(appended) = self.appended {
                io.trace_record(appended, self.region, record);
            }
        }
        self.appends.add(batch.len() as u32);
        assert_eq!(self.records.len(), held + batch.len(), "an append keeps every record");
        true
    }

    /// Deletes the first stored copy of each named record.
    fn remove(&mut self, io: &mut Io<'_, '_>, batch: Batch) -> bool {
        if self.failed {
            return false;
        }
        let held = self.records.len();
        for i in 0..batch.len() {
            let named = io.arena.get(batch)[i];
            match self.records.iter().position(|(r, _)| r.id == named.id) {
                Some(at) => {
                    let (record, _) = self.records.remove(at).expect("position is in range");
                    if let Some(removed) = self.removed {
                        io.trace_record(removed, self.region, record);
                    }
                }
                None => io.trace_record(Kind::REMOVE_MISSED, self.region, named),
            }
        }
        assert!(held - self.records.len() <= batch.len(), "a remove deletes no more than it names");
        true
    }

    /// A registration by a consumer not registered yet is offered a batch at
    /// once; a repeated one changes nothing.
    fn register(&mut self, io: &mut Io<'_, '_>, consumer: ActorId) {
        if self.consumer != Some(consumer) {
            self.consumer = Some(consumer);
            self.offer(io);
        }
    }

    /// Sends the consumer a batch if one is due, or arms the linger timer.
    fn offer(&mut self, io: &mut Io<'_, '_>) {
        let Some(consumer) = self.consumer else {
            return;
        };
        if self.failed || self.records.is_empty() {
            return;
        }
        let full = io.options.batch_size as usize;
        let count = if self.records.len() >= full {
            full
        } else {
            let Some(linger) = io.options.linger else {
                return;
            };
            let due = self.records[0].1 + linger;
            if io.now() < due {
                if !self.linger_armed {
                    self.linger_armed = true;
                    let delay = due - io.now();
                    io.wake_after(delay);
                }
                return;
            }
            self.records.len()
        };
        assert!(count > 0 && count <= full, "{} offered {count} records in batches of {full}", io.name());
        let batch = io.arena.put(self.records.iter().take(count).map(|(r, _)| *r));
        io.send(consumer, Msg::Deliver(batch));
        self.consumer = None;
    }
}

impl Machine for Kafka {
    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Append(batch) => {
                let ok = self.append(io, batch);
                if ok {
                    self.offer(io);
                    self.appends.notify(io);
                }
                io.send(from, Msg::AppendAnswer(ok));
            }
            Msg::Read { consumer } if self.failed => io.send(consumer, Msg::ReadFailed),
            Msg::Read { consumer } => self.register(io, consumer),
            Msg::Remove(batch) => {
                let ok = self.remove(io, batch);
                io.send(from, Msg::RemoveAnswer(ok));
            }
            Msg::WatchAppends(_) if self.failed => io.send(from, Msg::AppendsReached(false)),
            Msg::WatchAppends(total) => {
                self.appends.watch(io, from, total);
            }
            Msg::Fail => {
                self.failed = true;
                if io.options.variants.has(Variant::LossyKafka) {
                    self.records.clear();
                }
            }
            Msg::Recover => self.failed = false,
            Msg::Timer => {
                self.linger_armed = false;
                self.offer(io);
            }
            other => panic!("kafka cannot handle {other:?}"),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        out.insert_records(self.records());
    }

    fn coverage_state(&self) -> u8 {
        store_state(self.failed, !self.records.is_empty())
    }
}

/// The coverage state of a stream or queue: empty, holding records, or
/// failed.
/// Appends since the run began (the original's `count`), and who waits to
/// hear that they reached a total: a stream's and a queue's alike.
#[derive(Clone, Copy, Default)]
pub(super) struct Appends {
    count: u32,
    watch: Option<(ActorId, u32)>,
}

impl Appends {
    pub(super) fn count(self) -> u32 {
        self.count
    }

    pub(super) fn add(&mut self, appended: u32) {
        self.count += appended;
    }

    /// `watcher` waits to hear that the count reached `total`.
    pub(super) fn watch(&mut self, io: &mut Io<'_, '_>, watcher: ActorId, total: u32) {
        self.watch = Some((watcher, total));
        self.notify(io);
    }

    /// Tells the watcher once the total it waits for has been appended.
    pub(super) fn notify(&mut self, io: &mut Io<'_, '_>) {
        if let Some((watcher, total)) = self.watch
            && self.count >= total
        {
            self.watch = None;
            io.send(watcher, Msg::AppendsReached(true));
        }
        assert!(self.watch.is_none_or(|(_, total)| self.count < total), "a reached watch is answered");
    }
}

pub(super) fn store_state(failed: bool, holding: bool) -> u8 {
    if failed { 2 } else { holding as u8 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::Bench;
    use crate::model::topology::events as w1;

    const CONSUMER: ActorId = 7;
    const WRITER: ActorId = 5;
    const DRIVER: ActorId = 0;

    fn stream() -> Kafka {
        Kafka::new(&Wiring::of(&crate::model::topology::WORKLOAD1, crate::model::topology::inbound(1)))
    }

    fn append(bench: &mut Bench, k: &mut Kafka, ids: &[u32]) -> Vec<(ActorId, Msg)> {
        let batch = bench.batch(ids);
        bench.step(k, WRITER, Msg::Append(batch))
    }

    /// A stream that delivers a partial batch after 100 ns, with the
    /// consumer registered and `ids` appended at time 1.
    fn lingering(ids: &[u32]) -> (Bench, Kafka) {
        let mut bench = Bench::with_options(Options { linger: Some(100), ..Default::default() });
        let mut k = stream();
        bench.step(&mut k, 0, Msg::Read { consumer: CONSUMER });
        append(&mut bench, &mut k, ids);
        (bench, k)
    }

    fn delivered(bench: &Bench, sent: &[(ActorId, Msg)]) -> Vec<u32> {
        match sent.iter().find(|(to, _)| *to == CONSUMER) {
            Some((_, Msg::Deliver(b))) => bench.ids(*b),
            _ => vec![],
        }
    }

    #[test]
    fn delivers_a_full_batch_to_the_registered_consumer_once() {
        let mut bench = Bench::new();
        let mut k = stream();
        assert!(bench.step(&mut k, 0, Msg::Read { consumer: CONSUMER }).is_empty());
        assert_eq!(append(&mut bench, &mut k, &[1, 2, 3, 4]), vec![(WRITER, Msg::AppendAnswer(true))]);
        let sent = append(&mut bench, &mut k, &[5, 6]);
        assert_eq!(delivered(&bench, &sent), vec![1, 2, 3, 4, 5]);
        assert_eq!(k.consumer(), None, "the registration is used up");
        assert_eq!(k.records().count(), 6, "records stay until removed");
        assert!(append(&mut bench, &mut k, &[7, 8, 9, 10]).iter().all(|(to, _)| *to == WRITER));
    }

    #[test]
    fn remove_deletes_the_named_records_and_registration_redelivers() {
        let mut bench = Bench::new();
        let mut k = stream();
        append(&mut bench, &mut k, &[1, 2, 3, 4, 5, 6]);
        let first = bench.batch(&[1, 2, 3, 4, 5]);
        assert_eq!(bench.step(&mut k, CONSUMER, Msg::Remove(first)), vec![(CONSUMER, Msg::RemoveAnswer(true))]);
        assert_eq!(k.records().map(|r| r.id).collect::<Vec<_>>(), vec![6]);
        assert!(bench.step(&mut k, 0, Msg::Read { consumer: CONSUMER }).is_empty(), "a partial batch is never sent");
        let removed = bench.trace.iter().filter(|e| e.kind == w1::INBOUND_REMOVED).count();
        assert_eq!(removed, 5);
    }

    #[test]
    fn a_failed_stream_refuses_everything_but_keeps_its_records() {
        let mut bench = Bench::new();
        let mut k = stream();
        append(&mut bench, &mut k, &[1, 2, 3, 4, 5]);
        bench.step(&mut k, 0, Msg::Fail);
        assert_eq!(append(&mut bench, &mut k, &[6]), vec![(WRITER, Msg::AppendAnswer(false))]);
        assert_eq!(bench.step(&mut k, 0, Msg::Read { consumer: CONSUMER }), vec![(CONSUMER, Msg::ReadFailed)]);
        let b = bench.batch(&[1]);
        assert_eq!(bench.step(&mut k, CONSUMER, Msg::Remove(b)), vec![(CONSUMER, Msg::RemoveAnswer(false))]);
        bench.step(&mut k, 0, Msg::Recover);
        let sent = bench.step(&mut k, 0, Msg::Read { consumer: CONSUMER });
        assert_eq!(delivered(&bench, &sent), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn remove_deletes_the_first_copy_of_each_named_record_only() {
        let mut bench = Bench::new();
        let mut k = stream();
        append(&mut bench, &mut k, &[1, 2, 3, 4, 5]);
        append(&mut bench, &mut k, &[1, 2, 3, 4, 5]);
        let batch = bench.batch(&[1, 2, 3, 4, 5]);
        bench.step(&mut k, CONSUMER, Msg::Remove(batch));
        assert_eq!(
            k.records().map(|r| r.id).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5],
            "a batch appended twice stays once"
        );
    }

    #[test]
    fn a_remove_of_records_the_stream_does_not_hold_succeeds_and_is_traced() {
        let mut bench = Bench::new();
        let mut k = stream();
        append(&mut bench, &mut k, &[1, 2]);
        let batch = bench.batch(&[2, 9]);
        assert_eq!(bench.step(&mut k, CONSUMER, Msg::Remove(batch)), vec![(CONSUMER, Msg::RemoveAnswer(true))]);
        let last: Vec<(Kind, u32)> = bench.trace[2..].iter().map(|e| (e.kind, e.subject)).collect();
        assert_eq!(last, vec![(w1::INBOUND_REMOVED, 2), (Kind::REMOVE_MISSED, 9)]);
    }

    #[test]
    fn neither_recover_nor_remove_offers_a_batch_only_a_linger_wake_up_does() {
        let (mut bench, mut k) = lingering(&[1, 2]);
        bench.step(&mut k, 0, Msg::Fail);
        bench.now = 101;
        assert!(bench.step(&mut k, 0, Msg::Timer).is_empty(), "a failed stream delivers nothing");
        assert!(bench.step(&mut k, 0, Msg::Recover).is_empty(), "recovery offers nothing");
        bench.now = 150;
        let missing = bench.batch(&[9]);
        let sent = bench.step(&mut k, CONSUMER, Msg::Remove(missing));
        assert_eq!(sent, vec![(CONSUMER, Msg::RemoveAnswer(true))], "a remove offers nothing");
        let sent = append(&mut bench, &mut k, &[3]);
        assert_eq!(delivered(&bench, &sent), vec![1, 2, 3], "the next append offers the overdue batch");
    }

    #[test]
    fn a_remove_before_the_linger_wake_up_does_not_deliver_early() {
        let (mut bench, mut k) = lingering(&[1, 2]);
        bench.now = 150;
        let missing = bench.batch(&[9]);
        assert_eq!(bench.step(&mut k, CONSUMER, Msg::Remove(missing)), vec![(CONSUMER, Msg::RemoveAnswer(true))]);
        let sent = bench.step(&mut k, 0, Msg::Timer);
        assert_eq!(delivered(&bench, &sent), vec![1, 2]);
    }

    #[test]
    fn a_repeated_registration_is_not_a_new_one() {
        let (mut bench, mut k) = lingering(&[1]);
        bench.now = 200;
        assert!(bench.step(&mut k, 0, Msg::Read { consumer: CONSUMER }).is_empty());
        let sent = bench.step(&mut k, 0, Msg::Timer);
        assert_eq!(delivered(&bench, &sent), vec![1]);
    }

    #[test]
    fn a_watch_on_total_appends_is_answered_once_the_total_is_reached() {
        let mut bench = Bench::new();
        let mut k = stream();
        assert!(bench.step(&mut k, DRIVER, Msg::WatchAppends(7)).is_empty());
        append(&mut bench, &mut k, &[1]);
        let sent = append(&mut bench, &mut k, &[2]);
        assert!(sent.iter().all(|(to, _)| *to != DRIVER));
        let sent = append(&mut bench, &mut k, &[3, 4, 5, 6, 7]);
        assert!(sent.contains(&(DRIVER, Msg::AppendsReached(true))), "{sent:?}");
        assert_eq!(k.appends(), 7);
        let sent = append(&mut bench, &mut k, &[8]);
        assert!(sent.iter().all(|(to, _)| *to != DRIVER), "answered once");
        assert_eq!(bench.step(&mut k, DRIVER, Msg::WatchAppends(8)), vec![(DRIVER, Msg::AppendsReached(true))]);
        bench.step(&mut k, 0, Msg::Fail);
        assert_eq!(append(&mut bench, &mut k, &[9]), vec![(WRITER, Msg::AppendAnswer(false))]);
        assert_eq!(k.appends(), 8, "a refused append does not count");
        assert_eq!(bench.step(&mut k, DRIVER, Msg::WatchAppends(20)), vec![(DRIVER, Msg::AppendsReached(false))]);
    }

    #[test]
    fn lossy_variant_drops_records_on_failure() {
        let options = Options { variants: [Variant::LossyKafka].into_iter().collect(), ..Default::default() };
        let mut bench = Bench::with_options(options);
        let mut k = stream();
        append(&mut bench, &mut k, &[1, 2]);
        bench.step(&mut k, 0, Msg::Fail);
        assert_eq!(k.records().count(), 0);
    }

    #[test]
    fn linger_delivers_a_partial_batch_once_its_oldest_record_waited_long_enough() {
        let (mut bench, mut k) = lingering(&[1, 2]);
        bench.now = 50;
        let sent = bench.step(&mut k, 0, Msg::Timer);
        assert!(delivered(&bench, &sent).is_empty());
        bench.now = 101;
        let sent = bench.step(&mut k, 0, Msg::Timer);
        assert_eq!(delivered(&bench, &sent), vec![1, 2]);
    }
}
