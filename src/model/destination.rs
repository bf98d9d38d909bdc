//! RecordDestination: reads batches from both regions through out-DNS,
//! records each arrival, removes the batch and reads again. Through a
//! failover DNS, which registers a read at the queues of its state, it
//! registers once at start, as the study's
//! `RecordDestinationDNSFailoverQueue` (`:36`), not once per region: a second
//! registration would have a queue deliver its head twice.

use super::DRIVER;
use super::answer::{Answer, Awaited};
use super::wiring::Wiring;
use super::{Arena, IdSet, Io, Machine, Msg};
use crate::architecture::{Action, ComponentKind};
use crate::engine::ActorId;
use crate::trace::Kind;

#[derive(Clone)]
pub struct Destination {
    /// Its DNS, and the streams that DNS routes to, by region from 1.
    dns: ActorId,
    /// Its DNS registers a read where it routes, whatever region it names.
    failover: bool,
    streams: [ActorId; 2],
    /// The event of an arrival.
    received_event: Option<Kind>,
    received: IdSet,
    /// Records arrived, duplicates included (what the driver waits on).
    arrivals: u32,
    /// The region of the stream whose batch is being removed.
    removing: Option<u8>,
}

impl Destination {
    pub fn new(wiring: &Wiring) -> Self {
        let streams = wiring.through("dns").all("routes");
        Self {
            dns: wiring.one("dns"),
            failover: wiring.kind_of("dns") == ComponentKind::FailoverDns,
            streams: streams.try_into().unwrap_or_else(|s: Vec<ActorId>| panic!("a DNS of {} routes", s.len())),
            received_event: wiring.stage(Action::Received),
            received: IdSet::default(),
            arrivals: 0,
            removing: None,
        }
    }

    /// The region of the stream `from`, if it is one of this destination's.
    fn region_of(&self, from: ActorId) -> Option<u8> {
        self.streams.iter().position(|&s| s == from).map(|i| i as u8 + 1)
    }

    pub fn distinct(&self) -> u32 {
        self.received.len()
    }

    pub fn arrivals(&self) -> u32 {
        self.arrivals
    }

    fn read(&self, io: &mut Io<'_, '_>, region: u8) {
        assert!(region == 1 || region == 2, "a read of region {region}");
        io.send(self.dns, Msg::ReadVia { region });
    }
}

impl Machine for Destination {
    fn accepts(&self, msg: &Msg) -> bool {
        self.removing.is_none() || matches!(msg, Msg::RemoveAnswer(_))
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::ReadFailed | Msg::Deliver(_) if self.region_of(from).is_none() => {
                panic!("{} got {msg:?} from {}, not one of its streams", io.name(), io.architecture.actor_name(from))
            }
            Msg::Start => {
                self.read(io, 1);
                if !self.failover {
                    self.read(io, 2);
                }
            }
            Msg::Deliver(batch) => {
                assert!(self.removing.is_none() && !batch.is_empty(), "{} took a batch while removing one", io.name());
                let region = self.region_of(from).expect("checked: one of its streams");
                for i in 0..batch.len() {
                    let record = io.arena.get(batch)[i];
                    if let Some(event) = self.received_event {
                        io.trace_record(event, region, record);
                    }
                    self.received.insert(record.id);
                }
                self.arrivals += batch.len() as u32;
                assert!(self.received.len() <= self.arrivals, "more records received than arrived");
                io.send(DRIVER, Msg::Delivered { arrivals: self.arrivals });
                self.removing = Some(region);
                io.send(self.dns, Msg::RemoveVia { region, batch });
            }
            Msg::RemoveAnswer(_) => {
                let region = self.removing.take().expect("a remove answer comes only after a remove");
                Awaited::new(self.dns, Answer::Remove).outcome(io, from, &msg);
                self.read(io, region);
            }
            Msg::ReadFailed => self.read(io, self.region_of(from).expect("checked: one of its streams")),
            other => panic!("destination cannot handle {other:?}"),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        out.union_with(&self.received);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::Bench;
    use crate::model::topology::events as w1;
    use crate::model::topology::{DESTINATION, OUT_DNS, WORKLOAD1, home_region, outbound};

    fn destination() -> Destination {
        Destination::new(&Wiring::of(&WORKLOAD1, DESTINATION))
    }

    #[test]
    fn reads_both_regions_then_receives_removes_and_reads_again() {
        let mut bench = Bench::new();
        let mut d = destination();
        let start = bench.step(&mut d, 0, Msg::Start);
        assert_eq!(start, vec![(OUT_DNS, Msg::ReadVia { region: 1 }), (OUT_DNS, Msg::ReadVia { region: 2 })]);
        let batch = bench.batch(&[3, 4]);
        let sent = bench.step(&mut d, outbound(2), Msg::Deliver(batch));
        assert_eq!(
            sent,
            vec![(DRIVER, Msg::Delivered { arrivals: 2 }), (OUT_DNS, Msg::RemoveVia { region: 2, batch })]
        );
        assert!(!d.accepts(&Msg::Deliver(batch)), "waits for the remove");
        assert_eq!(bench.step(&mut d, OUT_DNS, Msg::RemoveAnswer(true)), vec![(OUT_DNS, Msg::ReadVia { region: 2 })]);
        assert!(bench.trace.iter().all(|e| e.kind == w1::DESTINATION_RECEIVED && e.region == 2));
    }

    #[test]
    fn through_a_failover_dns_it_registers_once_at_start() {
        use crate::config::Options;
        use crate::model::testkit::{QUEUES, actor};
        let mut bench = Bench::on(&QUEUES, Options::default());
        let mut d = Destination::new(&Wiring::of(&QUEUES, actor(&QUEUES, "destination")));
        let out_dns = actor(&QUEUES, "out-dns");
        assert_eq!(bench.step(&mut d, 0, Msg::Start), vec![(out_dns, Msg::ReadVia { region: 1 })]);
    }

    #[test]
    fn every_arrival_counts_duplicates_included() {
        let mut bench = Bench::new();
        let mut d = destination();
        let batch = bench.batch(&[3]);
        bench.step(&mut d, outbound(1), Msg::Deliver(batch));
        bench.step(&mut d, OUT_DNS, Msg::RemoveAnswer(true));
        let sent = bench.step(&mut d, outbound(1), Msg::Deliver(batch));
        assert!(sent.contains(&(DRIVER, Msg::Delivered { arrivals: 2 })), "{sent:?}");
        assert_eq!((d.distinct(), d.arrivals()), (1, 2));
        assert_eq!(bench.trace.len(), 2);
    }

    #[test]
    fn lives_in_region_2_as_the_original() {
        assert_eq!(home_region(crate::model::topology::DESTINATION), 2);
    }

    #[test]
    fn a_failed_read_polls_again() {
        let mut bench = Bench::new();
        let mut d = destination();
        assert_eq!(bench.step(&mut d, outbound(1), Msg::ReadFailed), vec![(OUT_DNS, Msg::ReadVia { region: 1 })]);
    }

    #[test]
    #[should_panic(expected = "destination took a batch while removing one")]
    fn a_batch_taken_while_removing_one_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut d = destination();
        let batch = bench.batch(&[3]);
        bench.step_as(&mut d, DESTINATION, outbound(1), Msg::Deliver(batch));
        bench.step_as(&mut d, DESTINATION, outbound(1), Msg::Deliver(batch));
    }

    #[test]
    #[should_panic(expected = "destination got ReadFailed from inbound-1, not one of its streams")]
    fn a_read_answered_by_another_machine_than_an_outbound_stream_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut d = destination();
        bench.step_as(&mut d, DESTINATION, crate::model::topology::inbound(1), Msg::ReadFailed);
    }
}
