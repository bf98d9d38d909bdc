//! Processor container: consumes batches from the inbound stream of its
//! region, stores each record in the processor database, appends the batch to
//! the outbound stream, removes it from the inbound stream and registers for
//! the next batch.

use super::answer::{Answer, Awaited};
use super::health::{ContainerState, Health};
use super::wiring::Wiring;
use super::{Arena, Batch, IdSet, Io, Machine, Msg};
use crate::architecture::Action;
use crate::config::Variant;
use crate::engine::ActorId;
use crate::trace::Kind;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// remove-before-store: the early remove is awaited.
    RemovingFirst,
    /// Record `i` of the batch is being inserted.
    Storing(usize),
    Appending,
    Removing,
    /// remove-on-send-failure: the append failed, the remove is awaited.
    RemovingAfterFailure,
}

#[derive(Clone)]
pub struct Processor {
    region: u8,
    input: ActorId,
    db: ActorId,
    output: ActorId,
    /// The events of its reads and of its database's stores.
    read: Option<Kind>,
    stored: Option<Kind>,
    health: Health,
    /// The batch in hand and how far it has got.
    work: Option<(Batch, Step)>,
}

impl Processor {
    pub fn new(wiring: &Wiring) -> Self {
        Self {
            region: wiring.region(),
            input: wiring.one("input"),
            db: wiring.one("db"),
            output: wiring.one("output"),
            read: wiring.stage(Action::Read),
            stored: wiring.stage_of("db", Action::Stored),
            health: Health::default(),
            work: None,
        }
    }

    pub fn health(&self) -> Health {
        self.health
    }

    fn register(&self, io: &mut Io<'_, '_>) {
        assert!(self.work.is_none(), "{} registered with a batch in hand", io.name());
        let me = io.me();
        io.send(self.input, Msg::Read { consumer: me });
    }

    fn begin(&mut self, io: &mut Io<'_, '_>, batch: Batch) {
        assert!(!batch.is_empty(), "kafka delivered an empty batch");
        assert!(self.work.is_none() && self.health.is_processing(), "{} read a batch while busy or failed", io.name());
        if let Some(read) = self.read {
            io.trace_batch(read, self.region, batch);
        }
        if io.options.variants.has(Variant::RemoveBeforeStore) {
            self.request(io, batch, Step::RemovingFirst);
        } else {
            self.request(io, batch, Step::Storing(0));
        }
    }

    /// Who answers the request of `step`, and with what.
    fn awaited(&self, step: Step) -> Awaited {
        match step {
            Step::Storing(_) => Awaited::new(self.db, Answer::Insert),
            Step::Appending => Awaited::new(self.output, Answer::Append),
            Step::RemovingFirst | Step::Removing | Step::RemovingAfterFailure => {
                Awaited::new(self.input, Answer::Remove)
            }
        }
    }

    /// Sends the request that `step` waits for.
    fn request(&mut self, io: &mut Io<'_, '_>, batch: Batch, step: Step) {
        assert!(!matches!(step, Step::Storing(i) if i >= batch.len()), "{step:?} of a batch of {}", batch.len());
        self.work = Some((batch, step));
        let to = self.awaited(step).from;
        match step {
            Step::Storing(i) => io.send(to, Msg::Insert(io.arena.get(batch)[i])),
            Step::Appending => io.send(to, Msg::Append(batch)),
            Step::RemovingFirst | Step::Removing | Step::RemovingAfterFailure => io.send(to, Msg::Remove(batch)),
        }
    }

    /// The batch in hand has gone all the way: stored, appended, removed.
    fn done(&mut self, io: &mut Io<'_, '_>) {
        let step = self.work.map(|(_, step)| step);
        assert!(matches!(step, Some(Step::Appending | Step::Removing)), "{} done at {step:?}", io.name());
        self.work = None;
        self.register(io);
    }

    fn fail_dependency(&mut self, io: &mut Io<'_, '_>) {
        self.work = None;
        self.health.dependency_failed(io);
        assert!(!self.health.is_processing());
    }

    fn answered(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        let (batch, step) = self.work.expect("answers come only while a batch is in hand");
        let ok = self.awaited(step).outcome(io, from, &msg);
        let early_removal = io.options.variants.has(Variant::RemoveBeforeStore);
        match (step, ok) {
            (Step::RemovingFirst, true) => self.request(io, batch, Step::Storing(0)),
            (Step::Storing(i), true) => {
                if let Some(stored) = self.stored {
                    io.trace_record(stored, self.region, io.arena.get(batch)[i]);
                }
                let next = if i + 1 < batch.len() { Step::Storing(i + 1) } else { Step::Appending };
                self.request(io, batch, next);
            }
            (Step::Appending, true) if early_removal => self.done(io),
            (Step::Appending, true) => self.request(io, batch, Step::Removing),
            (Step::Appending, false) if io.options.variants.has(Variant::RemoveOnSendFailure) && !early_removal => {
                self.request(io, batch, Step::RemovingAfterFailure)
            }
            (Step::Removing, true) => self.done(io),
            _ => self.fail_dependency(io),
        }
        assert!(self.work.is_none() || self.health.is_processing(), "{} holds a batch while failed", io.name());
    }

    fn recover(&mut self, io: &mut Io<'_, '_>) {
        assert!(self.work.is_none(), "{} recovered with a batch in hand", io.name());
        if self.health.recover(io) == ContainerState::FailedDependency {
            self.register(io);
        }
    }
}

impl Machine for Processor {
    fn accepts(&self, msg: &Msg) -> bool {
        match msg {
            // Read answers, batches and failed reads alike, wait while failed (as the original).
            Msg::Deliver(_) | Msg::ReadFailed => self.health.is_processing() && self.work.is_none(),
            Msg::Start => true,
            _ if msg.answer().is_some() => true,
            _ => self.work.is_none(),
        }
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Start => self.register(io),
            Msg::Deliver(batch) => self.begin(io, batch),
            Msg::ReadFailed => self.fail_dependency(io),
            Msg::Fail => self.health.fail(io),
            Msg::Recover => self.recover(io),
            _ if msg.answer().is_some() => self.answered(io, from, msg),
            other => panic!("processor cannot handle {other:?}"),
        }
    }

    fn held(&self, arena: &Arena, out: &mut IdSet) {
        if let Some((batch, _)) = self.work {
            arena.get(batch).iter().for_each(|r| {
                out.insert(r.id);
            });
        }
    }

    fn coverage_state(&self) -> u8 {
        self.health.state() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::Record;
    use crate::model::testkit::Bench;
    use crate::model::topology::events as w1;
    use crate::model::topology::{Db, WORKLOAD1, cluster, inbound, outbound, processor};

    const ME: ActorId = 7;

    fn with(variant: Option<Variant>) -> (Bench, Processor) {
        let options = Options { variants: variant.into_iter().collect(), ..Default::default() };
        (Bench::with_options(options), Processor::new(&Wiring::of(&WORKLOAD1, processor(1))))
    }

    /// Hands `msg` to the processor from whoever sends such a message.
    fn step(bench: &mut Bench, p: &mut Processor, msg: Msg) -> Vec<(ActorId, Msg)> {
        let from = match msg {
            Msg::InsertAnswer(_) => cluster(Db::Processor),
            Msg::AppendAnswer(_) => outbound(1),
            Msg::RemoveAnswer(_) | Msg::ReadFailed | Msg::Deliver(_) => inbound(1),
            _ => 0,
        };
        bench.step_as(p, ME, from, msg)
    }

    fn insert(id: u32) -> (ActorId, Msg) {
        (cluster(Db::Processor), Msg::Insert(Record { id, value: id }))
    }

    #[test]
    fn registers_at_start_then_stores_appends_removes_and_registers_again() {
        let (mut bench, mut p) = with(None);
        assert_eq!(step(&mut bench, &mut p, Msg::Start), vec![(inbound(1), Msg::Read { consumer: ME })]);
        let batch = bench.batch(&[4, 5]);
        assert_eq!(step(&mut bench, &mut p, Msg::Deliver(batch)), vec![insert(4)]);
        assert!(!p.accepts(&Msg::Deliver(batch)) && !p.accepts(&Msg::Fail), "one batch at a time");
        assert_eq!(step(&mut bench, &mut p, Msg::InsertAnswer(true)), vec![insert(5)]);
        assert_eq!(step(&mut bench, &mut p, Msg::InsertAnswer(true)), vec![(outbound(1), Msg::Append(batch))]);
        assert_eq!(step(&mut bench, &mut p, Msg::AppendAnswer(true)), vec![(inbound(1), Msg::Remove(batch))]);
        assert_eq!(step(&mut bench, &mut p, Msg::RemoveAnswer(true)), vec![(inbound(1), Msg::Read { consumer: ME })]);
        let (read, stored) = (w1::PROCESSOR_READ, w1::PROCESSOR_DB_STORED);
        assert_eq!(bench.kinds(), vec![read, read, stored, stored]);
    }

    #[test]
    fn a_queue_container_takes_its_answer_from_the_regional_database_that_stored_the_record() {
        use crate::model::testkit::{QUEUES, actor};
        let at = |name| actor(&QUEUES, name);
        let mut bench = Bench::on(&QUEUES, Options::default());
        let me = at("inbound-container-2");
        let mut p = Processor::new(&Wiring::of(&QUEUES, me));
        let record = bench.batch(&[6]);
        let sent = bench.step_as(&mut p, me, at("inbound-2"), Msg::Deliver(record));
        assert_eq!(sent, vec![(at("database"), Msg::Insert(Record { id: 6, value: 6 }))]);
        let sent = bench.step_as(&mut p, me, at("database-2"), Msg::InsertAnswer(true));
        assert_eq!(sent, vec![(at("middle-2"), Msg::Append(record))], "region 2's database answers after a switch");
        bench.step_as(&mut p, me, at("middle-2"), Msg::AppendAnswer(true));
        let sent = bench.step_as(&mut p, me, at("inbound-2"), Msg::RemoveAnswer(true));
        assert_eq!(sent, vec![(at("inbound-2"), Msg::Read { consumer: me })]);
    }

    #[test]
    #[should_panic(
        expected = "inbound-container-1 awaited Insert answer from database but got InsertAnswer(true) from table-1"
    )]
    fn an_insert_answer_from_another_databases_part_breaks_the_invariant() {
        use crate::model::testkit::{QUEUES, actor};
        let at = |name| actor(&QUEUES, name);
        let mut bench = Bench::on(&QUEUES, Options::default());
        let me = at("inbound-container-1");
        let mut p = Processor::new(&Wiring::of(&QUEUES, me));
        let record = bench.batch(&[6]);
        bench.step_as(&mut p, me, at("inbound-1"), Msg::Deliver(record));
        bench.step_as(&mut p, me, at("table-1"), Msg::InsertAnswer(true));
    }

    #[test]
    fn any_failure_leaves_the_batch_and_fails_the_dependency() {
        for failing in 0..4 {
            let (mut bench, mut p) = with(None);
            let batch = bench.batch(&[1]);
            step(&mut bench, &mut p, Msg::Deliver(batch));
            let answers = [Msg::InsertAnswer(true), Msg::AppendAnswer(true), Msg::RemoveAnswer(true)];
            for answer in answers.into_iter().take(failing.min(3)) {
                step(&mut bench, &mut p, answer);
            }
            let fail = [Msg::InsertAnswer(false), Msg::AppendAnswer(false), Msg::RemoveAnswer(false), Msg::ReadFailed];
            if failing == 3 {
                // The batch completed and the processor registered again; the read fails.
                step(&mut bench, &mut p, fail[3]);
            } else {
                let sent = step(&mut bench, &mut p, fail[failing]);
                assert!(sent.is_empty(), "no remove after a failure: {sent:?}");
            }
            assert_eq!(p.health().state(), ContainerState::FailedDependency, "failing step {failing}");
            assert!(!p.accepts(&Msg::Deliver(batch)), "batches wait while failed");
            let sent = step(&mut bench, &mut p, Msg::Recover);
            assert_eq!(sent, vec![(inbound(1), Msg::Read { consumer: ME })], "re-registers on recovery");
            assert_eq!(p.health().state(), ContainerState::Processing);
        }
    }

    #[test]
    fn a_failed_read_waits_while_failed_and_is_handled_after_recovery() {
        let (mut bench, mut p) = with(None);
        step(&mut bench, &mut p, Msg::Fail);
        assert!(!p.accepts(&Msg::ReadFailed), "waits in the inbox while failed-processing");
        assert!(step(&mut bench, &mut p, Msg::Recover).is_empty());
        assert!(p.accepts(&Msg::ReadFailed));
        step(&mut bench, &mut p, Msg::ReadFailed);
        assert_eq!(p.health().state(), ContainerState::FailedDependency, "so a second recovery is needed");
        assert!(!p.accepts(&Msg::ReadFailed), "waits in the inbox while failed-dependency too");
        assert_eq!(step(&mut bench, &mut p, Msg::Recover), vec![(inbound(1), Msg::Read { consumer: ME })]);
    }

    #[test]
    fn fail_keeps_a_dependency_failure_so_recovery_still_registers() {
        let (mut bench, mut p) = with(None);
        step(&mut bench, &mut p, Msg::ReadFailed);
        step(&mut bench, &mut p, Msg::Fail);
        assert_eq!(p.health().state(), ContainerState::FailedDependency);
        assert_eq!(step(&mut bench, &mut p, Msg::Recover), vec![(inbound(1), Msg::Read { consumer: ME })]);
    }

    #[test]
    fn recovering_from_failed_processing_does_not_register_again() {
        let (mut bench, mut p) = with(None);
        step(&mut bench, &mut p, Msg::Fail);
        assert_eq!(p.health().state(), ContainerState::FailedProcessing);
        assert!(step(&mut bench, &mut p, Msg::Recover).is_empty());
        assert_eq!(p.health().state(), ContainerState::Processing);
    }

    #[test]
    fn remove_before_store_removes_first() {
        let (mut bench, mut p) = with(Some(Variant::RemoveBeforeStore));
        let batch = bench.batch(&[3]);
        assert_eq!(step(&mut bench, &mut p, Msg::Deliver(batch)), vec![(inbound(1), Msg::Remove(batch))]);
        assert_eq!(step(&mut bench, &mut p, Msg::RemoveAnswer(true)), vec![insert(3)]);
        step(&mut bench, &mut p, Msg::InsertAnswer(true));
        let sent = step(&mut bench, &mut p, Msg::AppendAnswer(true));
        assert_eq!(sent, vec![(inbound(1), Msg::Read { consumer: ME })]);
    }

    #[test]
    fn remove_on_send_failure_removes_after_a_failed_append() {
        let (mut bench, mut p) = with(Some(Variant::RemoveOnSendFailure));
        let batch = bench.batch(&[3]);
        step(&mut bench, &mut p, Msg::Deliver(batch));
        step(&mut bench, &mut p, Msg::InsertAnswer(true));
        assert_eq!(step(&mut bench, &mut p, Msg::AppendAnswer(false)), vec![(inbound(1), Msg::Remove(batch))]);
        assert!(step(&mut bench, &mut p, Msg::RemoveAnswer(true)).is_empty());
        assert_eq!(p.health().state(), ContainerState::FailedDependency);
    }

    #[test]
    #[should_panic(expected = "processor-1 awaited Append answer from outbound-1 but got RemoveAnswer(true)")]
    fn an_answer_to_another_request_breaks_the_invariant() {
        let (mut bench, mut p) = with(None);
        let batch = bench.batch(&[3]);
        step(&mut bench, &mut p, Msg::Deliver(batch));
        step(&mut bench, &mut p, Msg::InsertAnswer(true));
        bench.step_as(&mut p, ME, outbound(1), Msg::RemoveAnswer(true));
    }

    #[test]
    fn uniform_failure_does_not_register_again_after_a_dependency_failure() {
        let (mut bench, mut p) = with(Some(Variant::UniformFailure));
        step(&mut bench, &mut p, Msg::ReadFailed);
        assert_eq!(p.health().state(), ContainerState::FailedProcessing);
        assert!(step(&mut bench, &mut p, Msg::Recover).is_empty());
    }

    #[test]
    #[should_panic(expected = "processor-1 read a batch while busy or failed")]
    fn a_batch_read_with_another_in_hand_breaks_the_invariant() {
        let (mut bench, mut p) = with(None);
        let batch = bench.batch(&[4, 5]);
        bench.step_as(&mut p, ME, inbound(1), Msg::Deliver(batch));
        bench.step_as(&mut p, ME, inbound(1), Msg::Deliver(batch));
    }

    #[test]
    #[should_panic(expected = "processor-1's dependency failed while it was FailedProcessing")]
    fn a_failed_read_handled_while_failed_breaks_the_invariant() {
        let (mut bench, mut p) = with(None);
        bench.step_as(&mut p, ME, 0, Msg::Fail);
        bench.step_as(&mut p, ME, inbound(1), Msg::ReadFailed);
    }
}
