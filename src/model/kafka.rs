//! A Kafka stream with one consumer registration at a time. A registered
//! consumer is sent the first `batch_size` records once that many are
//! present; they stay in the stream until the consumer removes them.

use std::collections::VecDeque;

use super::{Arena, Batch, IdSet, Io, Machine, Msg, Record};
use crate::config::Variant;
use crate::engine::{ActorId, Time};
use crate::trace::Kind;

pub struct Kafka {
    region: u8,
    appended: Kind,
    removed: Kind,
    records: VecDeque<(Record, Time)>,
    failed: bool,
    consumer: Option<ActorId>,
    /// A linger wake-up is already scheduled.
    linger_armed: bool,
}

impl Kafka {
    /// A stream of `region` that traces appends and removes as the given stages.
    pub fn new(region: u8, appended: Kind, removed: Kind) -> Self {
        Self { region, appended, removed, records: VecDeque::new(), failed: false, consumer: None, linger_armed: false }
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

    fn append(&mut self, io: &mut Io<'_, '_>, batch: Batch) -> bool {
        if self.failed {
            return false;
        }
        let now = io.now();
        for i in 0..batch.len() {
            let record = io.arena.get(batch)[i];
            self.records.push_back((record, now));
            io.trace_record(self.appended, self.region, record);
        }
        true
    }

    fn remove(&mut self, io: &mut Io<'_, '_>, batch: Batch) -> bool {
        if self.failed {
            return false;
        }
        let Self { records, removed, region, .. } = self;
        records.retain(|(record, _)| {
            let named = io.arena.get(batch).iter().any(|r| r.id == record.id);
            if named {
                io.trace_record(*removed, *region, *record);
            }
            !named
        });
        true
    }

    /// Sends the consumer a batch if one is due, or arms the linger timer.
    fn deliver_if_due(&mut self, io: &mut Io<'_, '_>) {
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
                io.send(from, Msg::AppendAnswer(ok));
            }
            Msg::Read { consumer } if self.failed => io.send(consumer, Msg::ReadFailed),
            Msg::Read { consumer } => self.consumer = Some(consumer),
            Msg::Remove(batch) => {
                let ok = self.remove(io, batch);
                io.send(from, Msg::RemoveAnswer(ok));
            }
            Msg::Fail => {
                self.failed = true;
                if io.options.variants.has(Variant::LossyKafka) {
                    self.records.clear();
                }
            }
            Msg::Recover => self.failed = false,
            Msg::Timer => self.linger_armed = false,
            other => panic!("kafka cannot handle {other:?}"),
        }
        self.deliver_if_due(io);
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        self.records().for_each(|r| {
            out.insert(r.id);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::Bench;

    const CONSUMER: ActorId = 7;
    const WRITER: ActorId = 5;

    fn stream() -> Kafka {
        Kafka::new(1, Kind::InboundAppended, Kind::InboundRemoved)
    }

    fn append(bench: &mut Bench, k: &mut Kafka, ids: &[u32]) -> Vec<(ActorId, Msg)> {
        let batch = bench.batch(ids);
        bench.step(k, WRITER, Msg::Append(batch))
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
        let removed = bench.trace.iter().filter(|e| e.kind == Kind::InboundRemoved).count();
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
        let options = Options { linger: Some(100), ..Default::default() };
        let mut bench = Bench::with_options(options);
        let mut k = stream();
        bench.step(&mut k, 0, Msg::Read { consumer: CONSUMER });
        append(&mut bench, &mut k, &[1, 2]);
        bench.now = 50;
        let sent = bench.step(&mut k, 0, Msg::Timer);
        assert!(delivered(&bench, &sent).is_empty());
        bench.now = 101;
        let sent = bench.step(&mut k, 0, Msg::Timer);
        assert_eq!(delivered(&bench, &sent), vec![1, 2]);
    }
}
