//! The two DNS routers: in-DNS spreads records over the receivers of both
//! regions; out-DNS routes the destination's reads and removes to the
//! outbound streams.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use super::answer::{Answer, Awaited};
use super::topology::other;
use super::wiring::Wiring;
use super::{Arena, Batch, IdSet, Io, Machine, Msg, Record};
use crate::architecture::ComponentKind;
use crate::config::Routing;
use crate::engine::ActorId;
use crate::trace::Kind;

/// Which active regions are online, as the DNS sees them.
#[derive(Clone, Copy, Debug, Default)]
struct Offline([bool; 2]);

impl Offline {
    fn set(&mut self, region: u8, offline: bool) {
        assert!(region == 1 || region == 2, "region {region} is not active");
        self.0[region as usize - 1] = offline;
    }

    /// `region`, or the other one while `region` is offline.
    fn route(&self, region: u8) -> u8 {
        let routed = if self.0[region as usize - 1] { other(region) } else { region };
        assert!(routed == region || self.0[region as usize - 1], "routed away from an online region");
        routed
    }

    fn any(&self) -> bool {
        self.0.contains(&true)
    }
}

/// In-DNS: relays each record to one region's receiver and the answer back.
/// Alternate routing moves to the other region after a success, except
/// while a region is offline (as the original). In front of queues (the
/// study's `Route53DNSWeightedQueue`, whose send path is the same) it
/// appends the record instead of invoking a receiver.
#[derive(Clone)]
pub struct InDns {
    /// Its routes: the containers, or queues, of regions 1 and 2.
    routes: [ActorId; 2],
    /// Its routes are queues.
    to_queues: bool,
    routing: Routing,
    /// Where weighted routing draws from.
    rng: Pcg64Mcg,
    offline: Offline,
    /// Alternate routing: the region the next record goes to.
    next_region: u8,
    /// The record whose answer is awaited, who sent it, and the region it
    /// went to.
    awaiting: Option<(Record, ActorId, u8)>,
}

/// The two routes of a DNS, by region.
fn routes(wiring: &Wiring) -> [ActorId; 2] {
    let routes = wiring.all("routes");
    routes.try_into().unwrap_or_else(|r: Vec<ActorId>| panic!("a DNS of {} routes", r.len()))
}

impl InDns {
    pub fn new(wiring: &Wiring, routing: Routing, rng: Pcg64Mcg) -> Self {
        let to_queues = wiring.kind_of_all("routes") == ComponentKind::Queue;
        Self::with_routes(routes(wiring), to_queues, routing, rng)
    }

    /// This DNS as it starts a run that routes by `routing`, drawing from `rng`.
    pub fn starting(&self, routing: Routing, rng: Pcg64Mcg) -> Self {
        Self::with_routes(self.routes, self.to_queues, routing, rng)
    }

    fn with_routes(routes: [ActorId; 2], to_queues: bool, routing: Routing, rng: Pcg64Mcg) -> Self {
        Self { routes, to_queues, routing, rng, offline: Offline::default(), next_region: 1, awaiting: None }
    }

    fn route(&self, region: u8) -> ActorId {
        self.routes[region as usize - 1]
    }

    fn pick_region(&mut self) -> u8 {
        let wanted = match self.routing {
            Routing::Alternate => self.next_region,
            Routing::Weighted { region1_percent } => {
                if (self.rng.next_u32() % 100) < region1_percent as u32 {
                    1
                } else {
                    2
                }
            }
        };
        let region = self.offline.route(wanted);
        assert!(region == 1 || region == 2, "in-DNS routed to region {region}");
        region
    }

    fn invoke(&mut self, io: &mut Io<'_, '_>, caller: ActorId, record: Record) {
        assert!(self.awaiting.is_none(), "{} relayed a record while awaiting another", io.name());
        let region = self.pick_region();
        self.awaiting = Some((record, caller, region));
        let relayed = if self.to_queues { Msg::Append(io.arena.put([record])) } else { Msg::Invoke(record) };
        io.send(self.route(region), relayed);
    }

    fn answer(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        let (record, caller, region) = self.awaiting.take().expect("an answer comes only for a relayed record");
        let awaited = if self.to_queues { Answer::Append } else { Answer::Invoke };
        let ok = Awaited::new(self.route(region), awaited).outcome(io, from, &msg);
        if ok && !self.offline.any() {
            self.next_region = other(region);
        } else if !ok {
            io.trace(Kind::PUBLISH_FAILED, region, record.id, 0);
        }
        assert!(self.next_region == 1 || self.next_region == 2, "next region {}", self.next_region);
        io.send(caller, Msg::Answer(ok));
    }
}

impl Machine for InDns {
    fn accepts(&self, msg: &Msg) -> bool {
        self.awaiting.is_none() || msg.answer().is_some()
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::Invoke(record) => self.invoke(io, from, record),
            Msg::RegionOffline(r) => self.offline.set(r, true),
            Msg::RegionOnline(r) => self.offline.set(r, false),
            _ if msg.answer().is_some() => self.answer(io, from, msg),
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    fn held(&self, _arena: &Arena, out: &mut IdSet) {
        if let Some((record, ..)) = self.awaiting {
            out.insert(record.id);
        }
    }

    fn coverage_state(&self) -> u8 {
        self.offline.any() as u8
    }
}

/// Out-DNS: forwards the destination's reads and removes to the outbound
/// stream of the region they name, or of the other region while that one
/// is offline. Like the original, it answers every remove with success,
/// even one the stream refused (traced here as [`Kind::REMOVE_FAILURE_HIDDEN`])
/// or one that reached a stream without the records (traced by the stream
/// as [`Kind::REMOVE_MISSED`]).
#[derive(Clone)]
pub struct OutDns {
    /// Its routes: the streams of regions 1 and 2.
    routes: [ActorId; 2],
    offline: Offline,
    /// The remove whose answer is awaited: who asked, the stream and its
    /// records.
    awaiting: Option<(ActorId, ActorId, Batch)>,
}

impl OutDns {
    pub fn new(wiring: &Wiring) -> Self {
        Self { routes: routes(wiring), offline: Offline::default(), awaiting: None }
    }

    fn stream(&self, region: u8) -> ActorId {
        self.routes[self.offline.route(region) as usize - 1]
    }
}

impl Machine for OutDns {
    fn accepts(&self, msg: &Msg) -> bool {
        self.awaiting.is_none() || msg.answer().is_some()
    }

    fn handle(&mut self, io: &mut Io<'_, '_>, from: ActorId, msg: Msg) {
        match msg {
            Msg::ReadVia { region } => io.send(self.stream(region), Msg::Read { consumer: from }),
            Msg::RemoveVia { region, batch } => {
                assert!(self.awaiting.is_none(), "{} forwarded a remove while awaiting another", io.name());
                let stream = self.stream(region);
                self.awaiting = Some((from, stream, batch));
                io.send(stream, Msg::Remove(batch));
            }
            Msg::RemoveAnswer(_) => {
                let (caller, stream, batch) =
                    self.awaiting.take().expect("an answer comes only for a forwarded remove");
                if !Awaited::new(stream, Answer::Remove).outcome(io, from, &msg) {
                    let region = io.architecture.actor_region(stream);
                    io.trace_batch(Kind::REMOVE_FAILURE_HIDDEN, region, batch);
                }
                io.send(caller, Msg::RemoveAnswer(true));
            }
            Msg::RegionOffline(r) => self.offline.set(r, true),
            Msg::RegionOnline(r) => self.offline.set(r, false),
            other => panic!("{} cannot handle {other:?}", io.name()),
        }
    }

    fn coverage_state(&self) -> u8 {
        self.offline.any() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::Bench;
    use crate::model::topology::{DESTINATION, IN_DNS, OUT_DNS, SOURCE, WORKLOAD1, outbound, receiver};

    fn in_dns(routing: Routing) -> InDns {
        InDns::new(&Wiring::of(&WORKLOAD1, IN_DNS), routing, Pcg64Mcg::seed_from_u64(0))
    }

    fn out_dns() -> OutDns {
        OutDns::new(&Wiring::of(&WORKLOAD1, OUT_DNS))
    }
    use rand::SeedableRng;

    const R: Record = Record { id: 1, value: 5 };

    #[test]
    fn alternates_regions_and_repeats_a_region_after_a_failure() {
        let mut bench = Bench::new();
        let mut dns = in_dns(Routing::Alternate);
        assert_eq!(bench.step(&mut dns, SOURCE, Msg::Invoke(R)), vec![(receiver(1), Msg::Invoke(R))]);
        assert!(!dns.accepts(&Msg::Invoke(R)), "one record at a time");
        assert_eq!(bench.step(&mut dns, receiver(1), Msg::Answer(true)), vec![(SOURCE, Msg::Answer(true))]);
        assert_eq!(bench.step(&mut dns, SOURCE, Msg::Invoke(R)), vec![(receiver(2), Msg::Invoke(R))]);
        assert_eq!(bench.step(&mut dns, receiver(2), Msg::Answer(false)), vec![(SOURCE, Msg::Answer(false))]);
        assert_eq!(bench.trace.last().map(|e| (e.kind, e.region, e.subject)), Some((Kind::PUBLISH_FAILED, 2, 1)));
        assert_eq!(bench.step(&mut dns, SOURCE, Msg::Invoke(R)), vec![(receiver(2), Msg::Invoke(R))]);
    }

    #[test]
    fn an_offline_region_sends_everything_to_the_other() {
        let mut bench = Bench::new();
        let mut dns = in_dns(Routing::Alternate);
        bench.step(&mut dns, 0, Msg::RegionOffline(1));
        for _ in 0..3 {
            assert_eq!(bench.step(&mut dns, SOURCE, Msg::Invoke(R)), vec![(receiver(2), Msg::Invoke(R))]);
            bench.step(&mut dns, receiver(2), Msg::Answer(true));
        }
        bench.step(&mut dns, 0, Msg::RegionOnline(1));
        assert_eq!(bench.step(&mut dns, SOURCE, Msg::Invoke(R)), vec![(receiver(1), Msg::Invoke(R))]);
    }

    #[test]
    fn the_alternation_does_not_advance_while_a_region_is_offline() {
        let mut bench = Bench::new();
        let mut dns = in_dns(Routing::Alternate);
        bench.step(&mut dns, SOURCE, Msg::Invoke(R));
        bench.step(&mut dns, receiver(1), Msg::Answer(true));
        bench.step(&mut dns, 0, Msg::RegionOffline(1));
        assert_eq!(bench.step(&mut dns, SOURCE, Msg::Invoke(R)), vec![(receiver(2), Msg::Invoke(R))]);
        bench.step(&mut dns, receiver(2), Msg::Answer(true));
        bench.step(&mut dns, 0, Msg::RegionOnline(1));
        let sent = bench.step(&mut dns, SOURCE, Msg::Invoke(R));
        assert_eq!(sent, vec![(receiver(2), Msg::Invoke(R))], "region 2 is still next, as before the outage");
    }

    #[test]
    fn weighted_routing_follows_the_weights() {
        let mut bench = Bench::new();
        let mut dns = in_dns(Routing::Weighted { region1_percent: 80 });
        let mut to_region1 = 0;
        for _ in 0..1000 {
            let sent = bench.step(&mut dns, SOURCE, Msg::Invoke(R));
            to_region1 += (sent[0].0 == receiver(1)) as u32;
            bench.step(&mut dns, sent[0].0, Msg::Answer(true));
        }
        assert!((740..860).contains(&to_region1), "{to_region1} of 1000 to region 1");
    }

    #[test]
    fn out_dns_reroutes_reads_and_hides_failed_removes() {
        let mut bench = Bench::new();
        let mut dns = out_dns();
        let read = bench.step(&mut dns, DESTINATION, Msg::ReadVia { region: 1 });
        assert_eq!(read, vec![(outbound(1), Msg::Read { consumer: DESTINATION })]);
        bench.step(&mut dns, 0, Msg::RegionOffline(1));
        let read = bench.step(&mut dns, DESTINATION, Msg::ReadVia { region: 1 });
        assert_eq!(read, vec![(outbound(2), Msg::Read { consumer: DESTINATION })]);

        let batch = bench.batch(&[7, 8]);
        let fwd = bench.step(&mut dns, DESTINATION, Msg::RemoveVia { region: 2, batch });
        assert_eq!(fwd, vec![(outbound(2), Msg::Remove(batch))]);
        let relayed = bench.step(&mut dns, outbound(2), Msg::RemoveAnswer(false));
        assert_eq!(relayed, vec![(DESTINATION, Msg::RemoveAnswer(true))]);
        assert_eq!(bench.kinds(), vec![Kind::REMOVE_FAILURE_HIDDEN; 2]);
        assert!(bench.trace.iter().all(|e| e.region == 2));
    }

    #[test]
    fn out_dns_routes_a_remove_by_region_with_the_offline_redirect() {
        let mut bench = Bench::new();
        let mut dns = out_dns();
        let batch = bench.batch(&[7]);
        let fwd = bench.step(&mut dns, DESTINATION, Msg::RemoveVia { region: 1, batch });
        assert_eq!(fwd, vec![(outbound(1), Msg::Remove(batch))]);
        bench.step(&mut dns, outbound(1), Msg::RemoveAnswer(true));
        bench.step(&mut dns, 0, Msg::RegionOffline(1));
        let fwd = bench.step(&mut dns, DESTINATION, Msg::RemoveVia { region: 1, batch });
        assert_eq!(fwd, vec![(outbound(2), Msg::Remove(batch))], "a batch of outbound-1 is removed from outbound-2");
        assert_eq!(
            bench.step(&mut dns, outbound(2), Msg::RemoveAnswer(true)),
            vec![(DESTINATION, Msg::RemoveAnswer(true))]
        );
        assert!(bench.trace.is_empty(), "the stream, not out-DNS, traces what it did not hold");
    }

    #[test]
    fn in_front_of_queues_a_record_is_appended_and_the_append_answered() {
        use crate::model::testkit::{actor, queues_with};
        let weighted = [
            ("kind = \"failover-dns\"", "kind = \"weighted-dns\""),
            ("switch_regions = [\"in-dns\", ", "switch_regions = ["),
        ];
        let architecture = queues_with(&weighted);
        let at = |name| actor(&architecture, name);
        let mut bench = Bench::on(&architecture, Default::default());
        let mut dns =
            InDns::new(&Wiring::of(&architecture, at("in-dns")), Routing::Alternate, Pcg64Mcg::seed_from_u64(0));
        for queue in ["inbound-1", "inbound-2"] {
            let sent = bench.step(&mut dns, at("source"), Msg::Invoke(R));
            let [(to, Msg::Append(batch))] = sent[..] else { panic!("{sent:?}") };
            assert_eq!((to, bench.ids(batch)), (at(queue), vec![R.id]));
            let sent = bench.step(&mut dns, at(queue), Msg::AppendAnswer(true));
            assert_eq!(sent, vec![(at("source"), Msg::Answer(true))]);
        }
    }

    #[test]
    #[should_panic(expected = "in-dns relayed a record while awaiting another")]
    fn a_record_relayed_while_awaiting_another_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut dns = in_dns(Routing::Alternate);
        bench.step_as(&mut dns, IN_DNS, SOURCE, Msg::Invoke(R));
        bench.step_as(&mut dns, IN_DNS, SOURCE, Msg::Invoke(R));
    }

    #[test]
    #[should_panic(expected = "out-dns forwarded a remove while awaiting another")]
    fn a_remove_forwarded_while_awaiting_another_breaks_the_invariant() {
        let mut bench = Bench::new();
        let mut dns = out_dns();
        let batch = bench.batch(&[7]);
        bench.step_as(&mut dns, OUT_DNS, DESTINATION, Msg::RemoveVia { region: 1, batch });
        bench.step_as(&mut dns, OUT_DNS, DESTINATION, Msg::RemoveVia { region: 2, batch });
    }
}
