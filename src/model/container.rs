//! Receiver and validator containers: store the record in their database,
//! then hand it on (receiver: to the validator of its region; validator: to
//! the inbound Kafka stream of its region), and answer the caller.

use super::topology::{Db, cluster, inbound, validator};
use super::{Io, Machine, Msg, Record, Variant};
use crate::engine::ActorId;
use crate::trace::Kind;

/// The states of MODEL.md section 2; the discriminant is the traced code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ContainerState {
    Processing = 0,
    FailedDependency = 1,
    FailedProcessing = 2,
}

impl ContainerState {
    pub fn name(code: u32) -> &'static str {
        ["processing", "failed-dependency", "failed-processing"].get(code as usize).copied().unwrap_or("unknown")
    }

    /// Where a dependency failure leads. The uniform-failure variant treats
    /// it like an internal failure, so recovery does not re-register.
    pub fn after_dependency_failure(io: &Io<'_, '_>) -> Self {
        if io.options.variants.has(Variant::UniformFailure) {
            ContainerState::FailedProcessing
        } else {
            ContainerState::FailedDependency
        }
    }
}

/// Where a container hands a stored record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Validator,
    Inbound,
}

#[derive(Clone, Copy, Debug)]
struct Call {
    caller: ActorId,
    record: Record,
}

pub struct Container {
    region: u8,
    next: Next,
    state: ContainerState,
    /// The invoke being served, from its insert to its answer.
    call: Option<Call>,
}

impl Container {
    pub fn new(region: u8, next: Next) -> Self {
        Self { region, next, state: ContainerState::Processing, call: None }
    }

    pub fn state(&self) -> ContainerState {
        self.state
    }

    fn db(&self) -> Db {
        match self.next {
            Next::Validator => Db::Receiver,
            Next::Inbound => Db::Validator,
        }
    }

    fn stages(&self) -> (Kind, Kind) {
        match self.next {
            Next::Validator => (Kind::ReceiverInvoked, Kind::ReceiverDbStored),
            Next::Inbound => (Kind::ValidatorInvoked, Kind::ValidatorDbStored),
        }
    }

    fn set_state(&mut self, io: &mut Io<'_, '_>, state: ContainerState) {
        if self.state != state {
            self.state = state;
            io.trace_state(state as u8);
        }
    }

    fn invoke(&mut self, io: &mut Io<'_, '_>, caller: ActorId, record: Record) {
        if self.state != ContainerState::Processing {
            io.send(caller, Msg::Answer(false));
            return;
        }
        io.trace_record(self.stages().0, self.region, record);
        io.send(cluster(self.db()), Msg::Insert(record));
        self.call = Some(Call { caller, record });
    }

    fn stored(&mut self, io: &mut Io<'_, '_>, call: Call) {
        io.trace_record(self.stages().1, self.region, call.record);
        match self.next {
            Next::Validator => io.send(validator(self.region), Msg::Invoke(call.record)),
            Next::Inbound => {
                let batch = io.arena.put([call.record]);
                io.send(inbound(self.region), Msg::Append(batch));
            }
        }
    }

    fn finish(&mut self, io: &mut Io<'_, '_>, ok: bool) {
        let call = self.call.take().expect("an answer comes only during a call");
        io.send(call.caller, Msg::Answer(ok));
        if !ok {
            let state = ContainerState::after_dependency_failure(io);
            self.set_state(io, state);
        }
    }
}

impl Machine for Container {
    fn accepts(&self, msg: &Msg) -> bool {
        self.call.is_none() || matches!(msg, Msg::InsertAnswer(_) | Msg::Answer(_) | Msg::AppendAnswer(_))
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Invoke(record) => self.invoke(io, from, record),
            Msg::InsertAnswer(true) => self.stored(io, self.call.expect("insert answered during a call")),
            Msg::InsertAnswer(false) => self.finish(io, false),
            Msg::Answer(ok) | Msg::AppendAnswer(ok) => self.finish(io, ok),
            // Fail moves Processing to FailedProcessing; a machine already
            // failed keeps its state, and with it what its recovery owes.
            Msg::Fail if self.state == ContainerState::Processing => {
                self.set_state(io, ContainerState::FailedProcessing)
            }
            Msg::Fail => {}
            Msg::Recover => self.set_state(io, ContainerState::Processing),
            other => panic!("container cannot handle {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::Bench;
    use crate::model::topology::{IN_DNS, receiver};

    const R: Record = Record { id: 9, value: 90 };

    fn invoke(bench: &mut Bench, c: &mut Container) -> Vec<(ActorId, Msg)> {
        bench.step(c, IN_DNS, Msg::Invoke(R))
    }

    #[test]
    fn receiver_stores_then_calls_the_validator_then_answers() {
        let mut bench = Bench::new();
        let mut c = Container::new(2, Next::Validator);
        assert_eq!(invoke(&mut bench, &mut c), vec![(cluster(Db::Receiver), Msg::Insert(R))]);
        assert!(!c.accepts(&Msg::Invoke(R)) && !c.accepts(&Msg::Fail), "other messages wait");
        assert_eq!(bench.step(&mut c, 0, Msg::InsertAnswer(true)), vec![(validator(2), Msg::Invoke(R))]);
        assert_eq!(bench.step(&mut c, 0, Msg::Answer(true)), vec![(IN_DNS, Msg::Answer(true))]);
        assert_eq!(bench.kinds(), vec![Kind::ReceiverInvoked, Kind::ReceiverDbStored]);
        assert_eq!(c.state(), ContainerState::Processing);
    }

    #[test]
    fn validator_appends_to_the_inbound_stream_of_its_region() {
        let mut bench = Bench::new();
        let mut c = Container::new(1, Next::Inbound);
        assert_eq!(bench.step(&mut c, receiver(1), Msg::Invoke(R)), vec![(cluster(Db::Validator), Msg::Insert(R))]);
        let sent = bench.step(&mut c, 0, Msg::InsertAnswer(true));
        let Msg::Append(batch) = sent[0].1 else { panic!("expected an append, got {sent:?}") };
        assert_eq!((sent[0].0, bench.ids(batch)), (inbound(1), vec![9]));
        assert_eq!(bench.step(&mut c, 0, Msg::AppendAnswer(true)), vec![(receiver(1), Msg::Answer(true))]);
    }

    #[test]
    fn a_failed_insert_or_next_step_fails_the_dependency() {
        for fail_at_insert in [true, false] {
            let mut bench = Bench::new();
            let mut c = Container::new(1, Next::Validator);
            invoke(&mut bench, &mut c);
            let last = if fail_at_insert {
                bench.step(&mut c, 0, Msg::InsertAnswer(false))
            } else {
                bench.step(&mut c, 0, Msg::InsertAnswer(true));
                bench.step(&mut c, 0, Msg::Answer(false))
            };
            assert_eq!(last, vec![(IN_DNS, Msg::Answer(false))]);
            assert_eq!(c.state(), ContainerState::FailedDependency);
            assert_eq!(invoke(&mut bench, &mut c), vec![(IN_DNS, Msg::Answer(false))], "fails at once");
            bench.step(&mut c, 0, Msg::Recover);
            assert_eq!(c.state(), ContainerState::Processing);
        }
    }

    #[test]
    fn fail_and_recover_commands() {
        let mut bench = Bench::new();
        let mut c = Container::new(1, Next::Validator);
        bench.step(&mut c, 0, Msg::Fail);
        assert_eq!(c.state(), ContainerState::FailedProcessing);
        assert_eq!(invoke(&mut bench, &mut c), vec![(IN_DNS, Msg::Answer(false))]);
        bench.step(&mut c, 0, Msg::Recover);
        assert_eq!(invoke(&mut bench, &mut c), vec![(cluster(Db::Receiver), Msg::Insert(R))]);
        let states: Vec<u32> = bench.trace.iter().filter(|e| e.kind == Kind::StateChanged).map(|e| e.value).collect();
        assert_eq!(states, vec![2, 0]);
    }

    #[test]
    fn uniform_failure_variant_treats_dependency_failure_as_internal() {
        let options =
            crate::model::Options { variants: [Variant::UniformFailure].into_iter().collect(), ..Default::default() };
        let mut bench = Bench::with_options(options);
        let mut c = Container::new(1, Next::Validator);
        invoke(&mut bench, &mut c);
        bench.step(&mut c, 0, Msg::InsertAnswer(false));
        assert_eq!(c.state(), ContainerState::FailedProcessing);
    }
}
