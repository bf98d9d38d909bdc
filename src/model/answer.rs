//! Requests and their answers. A machine that sends a request and waits
//! keeps an [`Awaited`]: who must answer and with what. An answer of another
//! kind, or from another sender, breaks the protocol: a simulator bug, so it
//! stops the run instead of passing as success.

use super::{Io, Msg};
use crate::architecture::{Architecture, ComponentKind};
use crate::engine::ActorId;
use crate::trace::Kind;

/// The kinds of answer, one per kind of request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// To an invoke (a record sent on for processing).
    Invoke,
    /// To a database insert.
    Insert,
    /// To a replica's synchronous store.
    Store,
    /// To a stream append.
    Append,
    /// To a stream remove.
    Remove,
    /// To a watch on a stream's total appends.
    Appends,
    /// To a command a global database sends its parts.
    Command,
}

/// Whether a machine of `kind` answers the driver's `command` with
/// [`Msg::CommandDone`] once it has carried it out, so that the driver
/// waits for it before its next step, as the study's tests wait: the
/// original's Queue answers a failure (`FailCompleted`), its Aurora
/// database a failure, a recovery, a switch of region and a failure of
/// replication (not a recovery of replication). Unlike the original, they
/// answer such a command even when it changes nothing (a second failure),
/// so that no driver waits for ever.
pub fn acknowledges(kind: ComponentKind, command: &Msg) -> bool {
    match kind {
        ComponentKind::Queue => matches!(command, Msg::Fail),
        ComponentKind::Aurora => {
            matches!(command, Msg::Fail | Msg::Recover | Msg::SwitchRegions | Msg::FailReplication)
        }
        _ => false,
    }
}

impl Msg {
    /// The kind and outcome of this message if it answers a request.
    #[inline]
    pub fn answer(&self) -> Option<(Answer, bool)> {
        match *self {
            Msg::Answer(ok) => Some((Answer::Invoke, ok)),
            Msg::InsertAnswer { ok, .. } => Some((Answer::Insert, ok)),
            Msg::StoreAnswer(ok) => Some((Answer::Store, ok)),
            Msg::AppendAnswer(ok) => Some((Answer::Append, ok)),
            Msg::RemoveAnswer(ok) => Some((Answer::Remove, ok)),
            Msg::AppendsReached(ok) => Some((Answer::Appends, ok)),
            Msg::CommandDone => Some((Answer::Command, true)),
            _ => None,
        }
    }
}

/// An answer a machine waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Awaited {
    pub from: ActorId,
    pub answer: Answer,
}

impl Awaited {
    pub fn new(from: ActorId, answer: Answer) -> Self {
        Self { from, answer }
    }

    /// The outcome of `msg`, which the machine of `io` received from
    /// `from`; panics unless it is the awaited answer from the awaited
    /// sender, or from one of its regional databases (which answer the
    /// writes of a global database themselves).
    #[inline]
    pub fn outcome(self, io: &Io, from: ActorId, msg: &Msg) -> bool {
        self.outcome_at(io.me(), from, msg, io.architecture)
    }

    fn outcome_at(self, me: ActorId, from: ActorId, msg: &Msg, architecture: &Architecture) -> bool {
        let name = |actor| architecture.actor_name(actor);
        match msg.answer() {
            Some((answer, ok)) if answer == self.answer && speaks_for(architecture, from, self.from) => ok,
            _ => panic!(
                "invariant broken: {} awaited {:?} answer from {} but got {msg:?} from {}",
                name(me),
                self.answer,
                name(self.from),
                name(from)
            ),
        }
    }
}

/// Whether `msg` is an insert answer for no insert the machine of `io`
/// awaits (`awaiting`: the record whose insert it awaits, if any): an
/// Aurora regional database answering a copy that its replicator sent on
/// before a switch made that database the answering one
/// (`AuroraGlobalDatabase.p:134-142,439-441`). Such an answer is a finding
/// of the design, not a broken protocol: it is traced as
/// [`Kind::ANSWER_UNMATCHED`] for the record it names, in the machine's
/// `region`, and goes no further. From anyone else it breaks the protocol.
/// Only a processor can meet one: an API container stores in MongoDB.
pub fn unmatched(io: &mut Io, from: ActorId, msg: &Msg, awaiting: Option<u32>, region: u8) -> bool {
    let Msg::InsertAnswer { id, .. } = *msg else { return false };
    if awaiting == Some(id) {
        return false;
    }
    let sender = (from as usize).checked_sub(1).and_then(|i| io.architecture.instances.get(i)).map(|i| i.kind);
    assert!(
        sender == Some(ComponentKind::AuroraRegional),
        "invariant broken: {} was answered the insert of record {id}, which it does not await, by {}",
        io.name(),
        io.architecture.actor_name(from)
    );
    io.trace(Kind::ANSWER_UNMATCHED, region, id, 0);
    true
}

/// Whether `from` is `whole` or one of the regional databases it wires.
fn speaks_for(architecture: &Architecture, from: ActorId, whole: ActorId) -> bool {
    from == whole
        || whole != 0 && {
            let parts = architecture.instances[whole as usize - 1].wire("replicas");
            parts.iter().any(|&part| part + 1 == from as usize)
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::topology::WORKLOAD1;

    #[test]
    fn the_awaited_answer_gives_its_outcome() {
        let awaited = Awaited::new(9, Answer::Insert);
        assert!(awaited.outcome_at(3, 9, &Msg::InsertAnswer { ok: true, id: 1 }, &WORKLOAD1));
        assert!(!awaited.outcome_at(3, 9, &Msg::InsertAnswer { ok: false, id: 1 }, &WORKLOAD1));
    }

    #[test]
    #[should_panic(expected = "receiver-1 awaited Insert answer from receiver-db but got AppendAnswer(true)")]
    fn an_answer_of_another_kind_breaks_the_invariant() {
        Awaited::new(9, Answer::Insert).outcome_at(3, 9, &Msg::AppendAnswer(true), &WORKLOAD1);
    }

    #[test]
    #[should_panic(expected = "from validator-db")]
    fn an_answer_from_another_sender_breaks_the_invariant() {
        Awaited::new(9, Answer::Insert).outcome_at(3, 10, &Msg::InsertAnswer { ok: true, id: 1 }, &WORKLOAD1);
    }
}
