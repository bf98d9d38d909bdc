//! RecordSource: publishes a batch one record at a time through in-DNS,
//! waiting for each answer, and stops at the first failure. Asked for a
//! batch it had started before, it publishes it whole again, from its
//! first record (as the P sources do, `RecordSourceDNS*Queue.p:41/40`), and
//! traces [`Kind::BATCH_REPUBLISHED`] first: the records it had published
//! before are published twice.

use super::DRIVER;
use super::answer::{Answer, Awaited};
use super::wiring::Wiring;
use super::{Io, Machine, Msg, Record};
use crate::architecture::Action;
use crate::engine::ActorId;
use crate::trace::Kind;

#[derive(Clone)]
pub struct Source {
    /// Where it publishes, and the event of a publication.
    dns: ActorId,
    published: Option<Kind>,
    records: Vec<Record>,
    /// Where each batch starts in `records`, and where the last ends.
    starts: Vec<usize>,
    /// Per batch (from batch 1), once started: how many of its records it
    /// has published, in its furthest attempt.
    published_before: Vec<Option<u32>>,
    publishing: Option<Publishing>,
}

#[derive(Clone, Copy)]
struct Publishing {
    batch: u8,
    next: usize,
}

impl Source {
    /// `records` holds every batch back to back, `per_batch` records each.
    pub fn new(records: Vec<Record>, per_batch: usize) -> Self {
        assert!(per_batch > 0 && records.len().is_multiple_of(per_batch), "records must fill whole batches");
        let sizes = vec![per_batch; records.len() / per_batch];
        Self::with_batches(records, &sizes)
    }

    /// `records` holds every batch back to back, of `sizes` records each.
    pub fn with_batches(records: Vec<Record>, sizes: &[usize]) -> Self {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(sizes.iter().scan(0, |end, size| {
                *end += size;
                Some(*end)
            }))
            .collect();
        assert_eq!(starts.last(), Some(&records.len()), "the batches hold every record");
        let published_before = vec![None; sizes.len()];
        Self { dns: ActorId::MAX, published: None, records, starts, published_before, publishing: None }
    }

    /// This source, publishing where its instance of the architecture is wired.
    pub fn wired(self, wiring: &Wiring) -> Self {
        Self { dns: wiring.one("dns"), published: wiring.stage(Action::Published), ..self }
    }

    /// This source, wired as `wired` is.
    pub fn wired_as(self, wired: &Source) -> Self {
        Self { dns: wired.dns, published: wired.published, ..self }
    }

    pub fn batches(&self) -> usize {
        self.starts.len() - 1
    }

    /// The records of batch `b` (1-based).
    pub fn batch(&self, b: usize) -> &[Record] {
        &self.records[self.starts[b - 1]..self.starts[b]]
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    fn record(&self, p: Publishing) -> Record {
        self.batch(p.batch as usize)[p.next]
    }

    /// Starts publishing `batch` from its first record, saying so if it
    /// had started it before.
    fn start(&mut self, io: &mut Io<'_, '_>, batch: u8) {
        let before = &mut self.published_before[batch as usize - 1];
        if let Some(published) = *before {
            io.trace(Kind::BATCH_REPUBLISHED, 0, batch.into(), published);
        }
        *before = (*before).max(Some(0));
        self.publish_next(io, Publishing { batch, next: 0 });
    }

    fn publish_next(&mut self, io: &mut Io<'_, '_>, p: Publishing) {
        let size = self.batch(p.batch as usize).len();
        assert!(p.next <= size, "record {} of a batch of {size}", p.next);
        if p.next == size {
            self.publishing = None;
            io.send(DRIVER, Msg::BatchPublished(p.batch));
            return;
        }
        let record = self.record(p);
        assert_ne!(self.dns, ActorId::MAX, "a source publishes once it is wired");
        let furthest = &mut self.published_before[p.batch as usize - 1];
        *furthest = (*furthest).max(Some(p.next as u32 + 1));
        if let Some(published) = self.published {
            io.trace_record(published, 0, record);
        }
        io.send(self.dns, Msg::Invoke(record));
        self.publishing = Some(p);
    }
}

impl Machine for Source {
    fn accepts(&self, msg: &Msg) -> bool {
        !matches!(msg, Msg::PublishBatch(_)) || self.publishing.is_none()
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::PublishBatch(batch) => {
                assert!(self.publishing.is_none(), "a batch was asked for while another was being published");
                assert!((1..=self.batches()).contains(&(batch as usize)), "no batch {batch}");
                self.start(io, batch);
            }
            Msg::Answer(_) => {
                let p = self.publishing.expect("an answer comes only while publishing");
                let size = self.batch(p.batch as usize).len();
                assert!(p.next < size, "an answer for record {} of a batch of {size}", p.next);
                if Awaited::new(self.dns, Answer::Invoke).outcome(io, from, &msg) {
                    self.publish_next(io, Publishing { next: p.next + 1, ..p });
                } else {
                    self.publishing = None;
                    io.send(DRIVER, Msg::BatchStopped { batch: p.batch, sent: p.next as u32 });
                }
            }
            other => panic!("source cannot handle {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::Bench;
    use crate::model::topology::{IN_DNS, SOURCE, WORKLOAD1};

    fn source() -> Source {
        let records = (1..=4).map(|id| Record { id, value: id * 10 }).collect();
        Source::new(records, 2).wired(&Wiring::of(&WORKLOAD1, SOURCE))
    }

    #[test]
    fn publishes_one_record_at_a_time_and_reports_the_batch() {
        let mut bench = Bench::new();
        let mut s = source();
        let sent = bench.step(&mut s, DRIVER, Msg::PublishBatch(2));
        assert_eq!(sent, vec![(IN_DNS, Msg::Invoke(Record { id: 3, value: 30 }))]);
        assert!(!s.accepts(&Msg::PublishBatch(1)), "a second batch waits");
        let sent = bench.step(&mut s, IN_DNS, Msg::Answer(true));
        assert_eq!(sent, vec![(IN_DNS, Msg::Invoke(Record { id: 4, value: 40 }))]);
        let sent = bench.step(&mut s, IN_DNS, Msg::Answer(true));
        assert_eq!(sent, vec![(DRIVER, Msg::BatchPublished(2))]);
        assert!(s.accepts(&Msg::PublishBatch(1)));
        assert_eq!(bench.kinds(), vec![Kind::PUBLISHED, Kind::PUBLISHED]);
    }

    #[test]
    fn stops_at_the_first_failure_and_says_how_many_were_sent() {
        let mut bench = Bench::new();
        let mut s = source();
        bench.step(&mut s, DRIVER, Msg::PublishBatch(1));
        bench.step(&mut s, IN_DNS, Msg::Answer(true));
        let sent = bench.step(&mut s, IN_DNS, Msg::Answer(false));
        assert_eq!(sent, vec![(DRIVER, Msg::BatchStopped { batch: 1, sent: 1 })]);
        assert!(s.accepts(&Msg::PublishBatch(1)));
    }

    /// Each republish traced: (batch, records published before).
    fn republished(bench: &Bench) -> Vec<(u32, u32)> {
        bench.trace.iter().filter(|e| e.kind == Kind::BATCH_REPUBLISHED).map(|e| (e.subject, e.value)).collect()
    }

    #[test]
    fn a_batch_started_again_is_published_whole_and_traced_as_republished() {
        let (mut bench, mut s) = (Bench::new(), source());
        for (from, msg) in [(DRIVER, Msg::PublishBatch(2)), (IN_DNS, Msg::Answer(false))] {
            bench.step(&mut s, from, msg);
        }
        assert_eq!(republished(&bench), [], "started once");
        let sent = bench.step(&mut s, DRIVER, Msg::PublishBatch(2));
        assert_eq!(sent, vec![(IN_DNS, Msg::Invoke(Record { id: 3, value: 30 }))], "from its first record");
        assert_eq!(republished(&bench), [(2, 1)], "record 3, published once before");
        let (answer, again) = (|ok| (IN_DNS, Msg::Answer(ok)), (DRIVER, Msg::PublishBatch(2)));
        for (from, msg) in [answer(true), answer(true), again, answer(false), again] {
            bench.step(&mut s, from, msg);
        }
        assert_eq!(republished(&bench), [(2, 1), (2, 2), (2, 2)], "both records, then the furthest attempt's");
    }

    #[test]
    #[should_panic(expected = "a batch was asked for while another was being published")]
    fn a_batch_asked_for_during_another_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut s = source();
        bench.step(&mut s, DRIVER, Msg::PublishBatch(1));
        bench.step(&mut s, DRIVER, Msg::PublishBatch(2));
    }
}
