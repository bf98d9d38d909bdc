//! A failover DNS, the P study's `Route53DNSFailoverQueue`
//! (`TPS/PSrc/DNS/Route53DNSFailoverQueue.p`), in front of one queue per
//! region: records go to the active region's queue and removes too, with
//! the queue's answer relayed as it came; a switch makes the other region
//! the active one, and there is no other notion of an outage.
//!
//! While region 1 is active a reader is registered at both queues, while
//! region 2 is, at queue 2 only (`:67-71`, `:117-119`). A switch registers
//! no one anew: a reader already registered at queue 2 is what carries
//! deliveries over a switch to region 2. The region a destination's read or
//! remove names is not this DNS's concern: it routes by its active region
//! alone, so a record read from queue 2 while region 1 is active is removed
//! from queue 1.

use super::answer::{Answer, Awaited};
use super::topology::other;
use super::wiring::Wiring;
use super::{Arena, Batch, IdSet, Io, Machine, Msg, Record};
use crate::engine::ActorId;
use crate::trace::Kind;

/// A request relayed to a queue, whose answer is awaited.
#[derive(Clone, Copy, Debug)]
enum Relayed {
    /// A record sent on to the queue of `region`.
    Record { caller: ActorId, record: Record, region: u8 },
    /// A remove sent on to the queue of `region`.
    Remove { caller: ActorId, batch: Batch, region: u8 },
}

#[derive(Clone)]
pub struct FailoverDns {
    /// Its queues, by region from 1.
    queues: [ActorId; 2],
    /// The active region.
    active: u8,
    relayed: Option<Relayed>,
}

impl FailoverDns {
    pub fn new(wiring: &Wiring) -> Self {
        let queues = wiring.all("routes");
        let queues = queues.try_into().unwrap_or_else(|q: Vec<ActorId>| panic!("a DNS of {} queues", q.len()));
        Self { queues, active: 1, relayed: None }
    }

    fn queue(&self, region: u8) -> ActorId {
        self.queues[region as usize - 1]
    }

    fn relay(&mut self, io: &mut Io<'_, '_>, relayed: Relayed) {
        assert!(self.relayed.is_none(), "{} relayed a request while awaiting another", io.name());
        let msg = match relayed {
            Relayed::Record { record, .. } => Msg::Append(io.arena.put([record])),
            Relayed::Remove { batch, .. } => Msg::Remove(batch),
        };
        self.relayed = Some(relayed);
        io.send(self.queue(self.active), msg);
    }

    /// Relays the queue's answer, as it came, to whoever asked.
    fn answered(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        let relayed = self.relayed.take().expect("an answer comes only for a relayed request");
        match relayed {
            Relayed::Record { caller, record, region } => {
                let ok = Awaited::new(self.queue(region), Answer::Append).outcome(io, from, &msg);
                if !ok {
                    io.trace(Kind::PUBLISH_FAILED, region, record.id, 0);
                }
                io.send(caller, Msg::Answer(ok));
            }
            Relayed::Remove { caller, region, .. } => {
                let ok = Awaited::new(self.queue(region), Answer::Remove).outcome(io, from, &msg);
                io.send(caller, Msg::RemoveAnswer(ok));
            }
        }
    }

    /// Registers `reader` at both queues while region 1 is active, at the
    /// active queue otherwise.
    fn register(&self, io: &mut Io<'_, '_>, reader: ActorId) {
        let regions: &[u8] = if self.active == 1 { &[1, 2] } else { &[2] };
        for &region in regions {
            io.send(self.queue(region), Msg::Read { consumer: reader });
        }
    }
}

impl Machine for FailoverDns {
    fn accepts(&self, msg: &Msg) -> bool {
        self.relayed.is_none() || msg.answer().is_some()
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        let region = self.active;
        match msg {
            Msg::Invoke(record) => self.relay(io, Relayed::Record { caller: from, record, region }),
            Msg::RemoveVia { batch, .. } => self.relay(io, Relayed::Remove { caller: from, batch, region }),
            Msg::ReadVia { .. } => self.register(io, from),
            Msg::SwitchRegions => self.active = other(self.active),
            _ if msg.answer().is_some() => self.answered(io, from, msg),
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        if let Some(Relayed::Record { record, .. }) = self.relayed {
            out.insert(record.id);
        }
    }

    /// Region 1 or region 2 active.
    fn coverage_state(&self) -> u8 {
        self.active - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Options;
    use crate::model::testkit::{Bench, QUEUES, actor};

    const R: Record = Record { id: 4, value: 40 };

    fn dns(name: &str) -> (Bench, FailoverDns) {
        (Bench::on(&QUEUES, Options::default()), FailoverDns::new(&Wiring::of(&QUEUES, actor(&QUEUES, name))))
    }

    fn queue(name: &str) -> ActorId {
        actor(&QUEUES, name)
    }

    /// Sends `R` through the DNS: where it went, with the record it carried.
    fn send(bench: &mut Bench, dns: &mut FailoverDns) -> (ActorId, Vec<u32>) {
        let source = actor(&QUEUES, "source");
        match bench.step(dns, source, Msg::Invoke(R))[..] {
            [(to, Msg::Append(batch))] => (to, bench.ids(batch)),
            ref other => panic!("{other:?}"),
        }
    }

    #[test]
    fn records_go_to_the_active_queue_and_its_answer_is_relayed() {
        let (mut bench, mut dns) = dns("in-dns");
        let source = actor(&QUEUES, "source");
        assert_eq!(send(&mut bench, &mut dns), (queue("inbound-1"), vec![4]));
        assert!(!dns.accepts(&Msg::Invoke(R)) && !dns.accepts(&Msg::SwitchRegions), "one request at a time");
        let sent = bench.step(&mut dns, queue("inbound-1"), Msg::AppendAnswer(true));
        assert_eq!(sent, vec![(source, Msg::Answer(true))]);
        bench.step(&mut dns, 0, Msg::SwitchRegions);
        assert_eq!(send(&mut bench, &mut dns), (queue("inbound-2"), vec![4]));
        let sent = bench.step(&mut dns, queue("inbound-2"), Msg::AppendAnswer(false));
        assert_eq!(sent, vec![(source, Msg::Answer(false))]);
        assert_eq!(
            bench.trace.iter().map(|e| (e.kind, e.region, e.subject)).collect::<Vec<_>>(),
            [(Kind::PUBLISH_FAILED, 2, 4)]
        );
        bench.step(&mut dns, 0, Msg::SwitchRegions);
        assert_eq!(send(&mut bench, &mut dns), (queue("inbound-1"), vec![4]), "switched back");
    }

    #[test]
    fn while_region_1_is_active_a_reader_registers_at_both_queues() {
        let (mut bench, mut dns) = dns("out-dns");
        let destination = actor(&QUEUES, "destination");
        let read = Msg::Read { consumer: destination };
        let sent = bench.step(&mut dns, destination, Msg::ReadVia { region: 2 });
        assert_eq!(sent, vec![(queue("outbound-1"), read), (queue("outbound-2"), read)]);
        bench.step(&mut dns, 0, Msg::SwitchRegions);
        assert_eq!(bench.step(&mut dns, destination, Msg::ReadVia { region: 1 }), vec![(queue("outbound-2"), read)]);
    }

    #[test]
    fn a_remove_goes_to_the_active_queue_and_its_failure_is_relayed() {
        let (mut bench, mut dns) = dns("out-dns");
        let destination = actor(&QUEUES, "destination");
        let batch = bench.batch(&[7]);
        let sent = bench.step(&mut dns, destination, Msg::RemoveVia { region: 2, batch });
        assert_eq!(sent, vec![(queue("outbound-1"), Msg::Remove(batch))], "whichever queue the record came from");
        let sent = bench.step(&mut dns, queue("outbound-1"), Msg::RemoveAnswer(false));
        assert_eq!(sent, vec![(destination, Msg::RemoveAnswer(false))]);
        bench.step(&mut dns, 0, Msg::SwitchRegions);
        assert_eq!(
            bench.step(&mut dns, destination, Msg::RemoveVia { region: 1, batch }),
            vec![(queue("outbound-2"), Msg::Remove(batch))]
        );
    }

    #[test]
    fn a_switch_registers_no_one() {
        let (mut bench, mut dns) = dns("out-dns");
        assert!(bench.step(&mut dns, 0, Msg::SwitchRegions).is_empty());
        assert_eq!(dns.coverage_state(), 1);
    }

    #[test]
    #[should_panic(expected = "in-dns awaited Append answer from inbound-1 but got AppendAnswer(true) from inbound-2")]
    fn an_answer_from_another_queue_breaks_the_invariant() {
        let (mut bench, mut dns) = dns("in-dns");
        let me = actor(&QUEUES, "in-dns");
        bench.step_as(&mut dns, me, actor(&QUEUES, "source"), Msg::Invoke(R));
        bench.step_as(&mut dns, me, queue("inbound-2"), Msg::AppendAnswer(true));
    }
}
