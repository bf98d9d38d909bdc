//! Receiver and validator containers: store the record in their database,
//! then hand it on (receiver: to the validator of its region; validator: to
//! the inbound Kafka stream of its region), and answer the caller.

use super::answer::{Answer, Awaited};
use super::health::Health;
use super::wiring::Wiring;
use super::{Arena, IdSet, Io, Machine, Msg, Record};
use crate::architecture::{Action, ComponentKind};
use crate::engine::ActorId;
use crate::trace::Kind;

/// Where a container hands a stored record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Invokes the next container.
    Invoke(ActorId),
    /// Appends to a stream.
    Append(ActorId),
}

/// The invoke being served, from its insert to its answer.
#[derive(Clone, Copy, Debug)]
struct Call {
    caller: ActorId,
    record: Record,
    awaited: Awaited,
}

#[derive(Clone)]
pub struct Container {
    region: u8,
    db: ActorId,
    next: Next,
    /// The events of its invocation and of its database's store.
    invoked: Option<Kind>,
    stored: Option<Kind>,
    health: Health,
    call: Option<Call>,
}

impl Container {
    pub fn new(wiring: &Wiring) -> Self {
        let next = match wiring.kind_of("next") {
            ComponentKind::ApiContainer => Next::Invoke(wiring.one("next")),
            ComponentKind::Kafka => Next::Append(wiring.one("next")),
            other => panic!("a container hands records to {}", other.a()),
        };
        Self {
            region: wiring.region(),
            db: wiring.one("db"),
            next,
            invoked: wiring.stage(Action::Invoked),
            stored: wiring.stage_of("db", Action::Stored),
            health: Health::default(),
            call: None,
        }
    }

    pub fn health(&self) -> Health {
        self.health
    }

    fn invoke(&mut self, io: &mut Io<'_, '_>, caller: ActorId, record: Record) {
        assert!(self.call.is_none(), "{} took an invoke during a call", io.name());
        if !self.health.is_processing() {
            io.send(caller, Msg::Answer(false));
            return;
        }
        if let Some(invoked) = self.invoked {
            io.trace_record(invoked, self.region, record);
        }
        let db = self.db;
        io.send(db, Msg::Insert(record));
        self.call = Some(Call { caller, record, awaited: Awaited::new(db, Answer::Insert) });
    }

    fn answered(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        let call = self.call.expect("answers come only during a call");
        let ok = call.awaited.outcome(io, from, &msg);
        match (call.awaited.answer, ok) {
            (Answer::Insert, true) => self.stored(io, call),
            _ => self.finish(io, call, ok),
        }
    }

    fn stored(&mut self, io: &mut Io<'_, '_>, call: Call) {
        assert!(call.awaited.answer == Answer::Insert && self.health.is_processing());
        if let Some(stored) = self.stored {
            io.trace_record(stored, self.region, call.record);
        }
        let awaited = match self.next {
            Next::Invoke(next) => {
                io.send(next, Msg::Invoke(call.record));
                Awaited::new(next, Answer::Invoke)
            }
            Next::Append(stream) => {
                let batch = io.arena.put([call.record]);
                io.send(stream, Msg::Append(batch));
                Awaited::new(stream, Answer::Append)
            }
        };
        self.call = Some(Call { awaited, ..call });
        assert!(matches!(awaited.answer, Answer::Invoke | Answer::Append));
    }

    fn finish(&mut self, io: &mut Io<'_, '_>, call: Call, ok: bool) {
        assert!(self.call.is_some_and(|c| c.caller == call.caller), "{} finished a call it was not serving", io.name());
        self.call = None;
        io.send(call.caller, Msg::Answer(ok));
        if !ok {
            self.health.dependency_failed(io);
        }
        assert_eq!(self.health.is_processing(), ok, "{} answered {ok} in state {:?}", io.name(), self.health.state());
    }
}

impl Machine for Container {
    fn accepts(&self, msg: &Msg) -> bool {
        self.call.is_none() || msg.answer().is_some()
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Invoke(record) => self.invoke(io, from, record),
            Msg::Fail | Msg::Recover if self.call.is_some() => {
                panic!("{} took {msg:?} during a call: commands wait for its answer", io.name())
            }
            Msg::Fail => self.health.fail(io),
            Msg::Recover => {
                self.health.recover(io);
            }
            _ if msg.answer().is_some() => self.answered(io, from, msg),
            other => panic!("container cannot handle {other:?}"),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        if let Some(call) = self.call {
            out.insert(call.record.id);
        }
    }

    fn coverage_state(&self) -> u8 {
        self.health.state() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContainerState;
    use crate::model::testkit::Bench;
    use crate::model::topology::events as w1;
    use crate::model::topology::{Db, IN_DNS, WORKLOAD1, cluster, inbound, receiver, validator};

    fn container(actor: ActorId) -> Container {
        Container::new(&Wiring::of(&WORKLOAD1, actor))
    }

    const R: Record = Record { id: 9, value: 90 };

    fn invoke(bench: &mut Bench, c: &mut Container) -> Vec<(ActorId, Msg)> {
        bench.step(c, IN_DNS, Msg::Invoke(R))
    }

    #[test]
    fn receiver_stores_then_calls_the_validator_then_answers() {
        let mut bench = Bench::new();
        let mut c = container(receiver(2));
        assert_eq!(invoke(&mut bench, &mut c), vec![(cluster(Db::Receiver), Msg::Insert(R))]);
        assert!(!c.accepts(&Msg::Invoke(R)) && !c.accepts(&Msg::Fail), "other messages wait");
        let db = cluster(Db::Receiver);
        assert_eq!(
            bench.step(&mut c, db, Msg::InsertAnswer { ok: true, id: R.id }),
            vec![(validator(2), Msg::Invoke(R))]
        );
        assert_eq!(bench.step(&mut c, validator(2), Msg::Answer(true)), vec![(IN_DNS, Msg::Answer(true))]);
        assert_eq!(bench.kinds(), vec![w1::RECEIVER_INVOKED, w1::RECEIVER_DB_STORED]);
        assert_eq!(c.health().state(), ContainerState::Processing);
    }

    #[test]
    fn validator_appends_to_the_inbound_stream_of_its_region() {
        let mut bench = Bench::new();
        let mut c = container(validator(1));
        assert_eq!(bench.step(&mut c, receiver(1), Msg::Invoke(R)), vec![(cluster(Db::Validator), Msg::Insert(R))]);
        let sent = bench.step(&mut c, cluster(Db::Validator), Msg::InsertAnswer { ok: true, id: R.id });
        let Msg::Append(batch) = sent[0].1 else { panic!("expected an append, got {sent:?}") };
        assert_eq!((sent[0].0, bench.ids(batch)), (inbound(1), vec![9]));
        assert_eq!(bench.step(&mut c, inbound(1), Msg::AppendAnswer(true)), vec![(receiver(1), Msg::Answer(true))]);
    }

    #[test]
    fn a_failed_insert_or_next_step_fails_the_dependency() {
        for fail_at_insert in [true, false] {
            let mut bench = Bench::new();
            let mut c = container(receiver(1));
            invoke(&mut bench, &mut c);
            let last = if fail_at_insert {
                bench.step(&mut c, cluster(Db::Receiver), Msg::InsertAnswer { ok: false, id: R.id })
            } else {
                bench.step(&mut c, cluster(Db::Receiver), Msg::InsertAnswer { ok: true, id: R.id });
                bench.step(&mut c, validator(1), Msg::Answer(false))
            };
            assert_eq!(last, vec![(IN_DNS, Msg::Answer(false))]);
            assert_eq!(c.health().state(), ContainerState::FailedDependency);
            assert_eq!(invoke(&mut bench, &mut c), vec![(IN_DNS, Msg::Answer(false))], "fails at once");
            bench.step(&mut c, 0, Msg::Recover);
            assert_eq!(c.health().state(), ContainerState::Processing);
        }
    }

    #[test]
    #[should_panic(
        expected = "receiver-1 awaited Invoke answer from validator-1 but got Answer(true) from validator-2"
    )]
    fn an_answer_from_another_machine_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut c = container(receiver(1));
        bench.step_as(&mut c, receiver(1), IN_DNS, Msg::Invoke(R));
        bench.step_as(&mut c, receiver(1), cluster(Db::Receiver), Msg::InsertAnswer { ok: true, id: R.id });
        bench.step_as(&mut c, receiver(1), validator(2), Msg::Answer(true));
    }

    #[test]
    fn fail_and_recover_commands() {
        let mut bench = Bench::new();
        let mut c = container(receiver(1));
        bench.step(&mut c, 0, Msg::Fail);
        assert_eq!(c.health().state(), ContainerState::FailedProcessing);
        assert_eq!(invoke(&mut bench, &mut c), vec![(IN_DNS, Msg::Answer(false))]);
        bench.step(&mut c, 0, Msg::Recover);
        assert_eq!(invoke(&mut bench, &mut c), vec![(cluster(Db::Receiver), Msg::Insert(R))]);
        let states: Vec<u32> = bench.trace.iter().filter(|e| e.kind == Kind::STATE_CHANGED).map(|e| e.value).collect();
        assert_eq!(states, vec![2, 0]);
    }

    #[test]
    fn uniform_failure_variant_treats_dependency_failure_as_internal() {
        let options = crate::config::Options {
            variants: [crate::config::Variant::UniformFailure].into_iter().collect(),
            ..Default::default()
        };
        let mut bench = Bench::with_options(options);
        let mut c = container(receiver(1));
        invoke(&mut bench, &mut c);
        bench.step(&mut c, cluster(Db::Receiver), Msg::InsertAnswer { ok: false, id: R.id });
        assert_eq!(c.health().state(), ContainerState::FailedProcessing);
    }

    #[test]
    #[should_panic(expected = "receiver-1 took Fail during a call: commands wait for its answer")]
    fn a_command_handled_during_a_call_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut c = container(receiver(1));
        bench.step_as(&mut c, receiver(1), IN_DNS, Msg::Invoke(R));
        bench.step_as(&mut c, receiver(1), 0, Msg::Fail);
    }

    #[test]
    #[should_panic(expected = "receiver-1 took an invoke during a call")]
    fn a_second_invoke_during_a_call_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut c = container(receiver(1));
        bench.step_as(&mut c, receiver(1), IN_DNS, Msg::Invoke(R));
        bench.step_as(&mut c, receiver(1), IN_DNS, Msg::Invoke(R));
    }
}
