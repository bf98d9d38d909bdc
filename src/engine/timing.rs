//! How long things take: network delay between regions with an occasional
//! tail, service time per actor, pauses of an actor, and what an explored
//! run adds: long delays on chosen messages, slower actors, slow periods.
//!
//! Every draw comes from a stream of the actor it concerns (see
//! [`super::random`]): a message's delay from its sender's, a service time
//! and a pause from the serving actor's. Draws use integers and the four
//! exact floating-point operations only, so that every machine draws the
//! same numbers.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use super::random::{Stream, stream};
use super::{ActorId, Time};

/// A uniform range of durations, `min..=max` nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub min: Time,
    pub max: Time,
}

impl Span {
    pub const ZERO: Span = Span { min: 0, max: 0 };

    pub fn new(min: Time, max: Time) -> Self {
        assert!(min <= max, "span {min}..={max} is empty");
        Self { min, max }
    }

    pub fn sample(&self, rng: &mut Pcg64Mcg) -> Time {
        if self.min == self.max {
            return self.min;
        }
        self.sample_and_rest(rng).0
    }

    /// A sample, always drawn, and the 64 bits of the draw the sample did
    /// not use: uniform and independent of the sample, for a second
    /// decision that costs no second draw.
    fn sample_and_rest(&self, rng: &mut Pcg64Mcg) -> (Time, u64) {
        // Multiply-shift maps 64 random bits onto 0..=width without a
        // division; the low half of the product is what is left over.
        let product = rng.next_u64() as u128 * ((self.max - self.min) as u128 + 1);
        let sample = self.min + (product >> 64) as Time;
        debug_assert!(sample <= self.max, "{sample} beyond {self:?}");
        (sample, product as u64)
    }

    pub fn scaled(&self, factor: f64) -> Self {
        Self::new((self.min as f64 * factor) as Time, (self.max as f64 * factor) as Time)
    }
}

/// A heavy-tailed range, `min..=max` nanoseconds, drawn log-uniformly by
/// octaves: one of the octaves `min * 2^k` the range spans, each as likely,
/// then uniformly within it. Short values are as likely as an octave of
/// long ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Octaves {
    min: Time,
    max: Time,
}

impl Octaves {
    pub fn new(min: Time, max: Time) -> Self {
        assert!(0 < min && min <= max, "octaves {min}..={max}: need 0 < min <= max");
        Self { min, max }
    }

    pub fn sample(&self, rng: &mut Pcg64Mcg) -> Time {
        if self.min == self.max {
            return self.min;
        }
        // The octaves that cover the range: the last one may be cut short.
        let octaves = ((self.max - 1) / self.min).ilog2() as Time + 1;
        let low = self.min << Span::new(0, octaves - 1).sample(rng);
        assert!(low < self.max, "octave {low} beyond {self:?}");
        Span::new(low, low.saturating_mul(2).min(self.max)).sample(rng)
    }
}

/// An occasional extra delay on a network message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tail {
    /// A message is delayed when a 64-bit draw falls below this.
    threshold: u64,
    extra: Octaves,
}

impl Tail {
    /// Each message, with `probability`, takes a draw of `extra` more.
    pub fn new(probability: f64, extra: Octaves) -> Self {
        assert!((0.0..=1.0).contains(&probability), "probability {probability}");
        // 2^64 * probability, saturating at 1.
        Self { threshold: (probability * 18_446_744_073_709_551_616.0) as u64, extra }
    }

    /// The extra delay of a message whose delay left `rest` of its draw.
    fn extra(&self, rest: u64, rng: &mut Pcg64Mcg) -> Time {
        if rest < self.threshold { self.extra.sample(rng) } else { 0 }
    }
}

/// `time` times `permille`/1000, within the range of a time.
fn slowed(time: Time, permille: u64) -> Time {
    (time as u128 * permille as u128 / 1_000).min(Time::MAX as u128 / 4) as Time
}

/// How an actor pauses: a stalled process, a garbage-collection pause, a
/// slow failover. While paused it starts nothing new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pauses {
    /// The mean time between the end of one pause and the start of the next
    /// (uniform in `1..=2 * every`); 0 for never.
    every: Time,
    length: Octaves,
}

impl Pauses {
    pub const NEVER: Pauses = Pauses { every: 0, length: Octaves { min: 1, max: 1 } };

    pub fn new(every: Time, length: Octaves) -> Self {
        Self { every, length }
    }

    /// The pause after one that ended at `after`: `(start, end)`.
    fn next(&self, after: Time, rng: &mut Pcg64Mcg) -> (Time, Time) {
        assert!(self.every > 0, "an actor that never pauses has no next pause");
        let start = after + Span::new(1, 2 * self.every).sample(rng);
        (start, start + self.length.sample(rng))
    }
}

/// The `nth` network message `sender` sends takes `extra` longer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perturbation {
    pub sender: ActorId,
    pub nth: u32,
    pub extra: Time,
}

/// The `nth` network message of the whole run (counted over every sender)
/// takes `extra` longer: a change point in the manner of PCT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangePoint {
    pub nth: u32,
    pub extra: Time,
}

/// Every network message `from` sends to `to` takes a draw of `extra`
/// longer, drawn from the sender's network stream; with no `extra`, it
/// arrives no earlier than a message the sender lagged at the same instant,
/// if any (see `Timing::lagged`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lag {
    pub from: ActorId,
    pub to: ActorId,
    pub extra: Option<Octaves>,
}

/// From `from` until `until`, `actor` serves and sends `permille`/1000
/// times slower (a factor below 1000 is faster).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlowPeriod {
    pub actor: ActorId,
    pub from: Time,
    pub until: Time,
    pub permille: u64,
}

/// Where each actor lives and how long its work and its messages take.
///
/// Region 0 is the harness: messages to or from it take no network time.
#[derive(Clone, Debug, Default)]
pub struct Timing {
    actors: Vec<Actor>,
    pauses: Vec<Pausing>,
    regions: usize,
    delay: Vec<Span>,
    tail: Option<Tail>,
    /// Whether anything below shapes this run (explored runs only): the
    /// one check the path of every message makes of them.
    shaped: bool,
    perturbations: Vec<Perturbation>,
    change_points: Vec<ChangePoint>,
    slow_periods: Vec<SlowPeriod>,
    /// Per actor, the factor in thousandths on its messages' network delays
    /// (empty: 1000 for every actor).
    send_permille: Vec<u64>,
    lags: Vec<Lag>,
    /// The last message lagged by a draw: its sender, when it was sent, and
    /// when it arrives.
    last_lag: Option<(ActorId, Time, Time)>,
    /// Network messages sent in the run, counted while shaped.
    sent: u32,
}

/// What every message reads of an actor (a cache line), its streams seeded
/// by [`Timing::start`].
#[derive(Clone, Debug)]
struct Actor {
    region: u8,
    service: Span,
    /// When its next pause starts ([`Time::MAX`] for never).
    next_pause: Time,
    network_rng: Pcg64Mcg,
    service_rng: Pcg64Mcg,
}

/// How an actor pauses, and what perturbed runs count of it.
#[derive(Clone, Debug)]
struct Pausing {
    pauses: Pauses,
    /// When its next pause ends.
    pause_end: Time,
    rng: Pcg64Mcg,
    /// Network messages it sent, counted while messages are perturbed.
    sent: u32,
}

impl Timing {
    /// `region[a]` is actor `a`'s region, in `0..regions`.
    pub fn new(region: Vec<u8>, regions: usize) -> Self {
        assert!(region.iter().all(|&r| (r as usize) < regions), "region out of range");
        let unseeded = || Pcg64Mcg::new(0);
        let actor = |region| Actor {
            region,
            service: Span::ZERO,
            next_pause: Time::MAX,
            network_rng: unseeded(),
            service_rng: unseeded(),
        };
        let pausing = Pausing { pauses: Pauses::NEVER, pause_end: Time::MAX, rng: unseeded(), sent: 0 };
        Self {
            pauses: vec![pausing; region.len()],
            actors: region.into_iter().map(actor).collect(),
            regions,
            delay: vec![Span::ZERO; regions * regions],
            ..Self::default()
        }
    }

    pub fn actors(&self) -> usize {
        self.actors.len()
    }

    pub fn region(&self, actor: ActorId) -> u8 {
        self.actors[actor as usize].region
    }

    /// Moves an actor to another region (a database whose primary moved).
    pub fn set_region(&mut self, actor: ActorId, region: u8) {
        assert!((region as usize) < self.regions, "region out of range");
        self.actors[actor as usize].region = region;
    }

    /// Sets the delay between two regions, both ways.
    pub fn set_delay(&mut self, a: u8, b: u8, span: Span) {
        let (a, b) = (a as usize, b as usize);
        assert!(a < self.regions && b < self.regions, "regions {a} and {b}: only {} exist", self.regions);
        self.delay[a * self.regions + b] = span;
        self.delay[b * self.regions + a] = span;
    }

    pub fn set_service(&mut self, actor: ActorId, span: Span) {
        assert!((actor as usize) < self.actors.len(), "no actor {actor}");
        self.actors[actor as usize].service = span;
    }

    /// Every network message may take a tail.
    pub fn set_tail(&mut self, tail: Tail) {
        self.tail = (tail.threshold > 0).then_some(tail);
    }

    /// Makes `actor`'s timing constant: every service takes the shortest
    /// time of its range, and it never pauses.
    pub fn steady(&mut self, actor: ActorId) {
        let service = &mut self.actors[actor as usize].service;
        *service = Span::new(service.min, service.min);
        self.pauses[actor as usize].pauses = Pauses::NEVER;
    }

    pub fn set_pauses(&mut self, actor: ActorId, pauses: Pauses) {
        assert!((actor as usize) < self.pauses.len(), "no actor {actor}");
        self.pauses[actor as usize].pauses = pauses;
    }

    pub fn perturb(&mut self, perturbation: Perturbation) {
        self.shaped = true;
        self.perturbations.push(perturbation);
    }

    pub fn add_change_point(&mut self, point: ChangePoint) {
        self.shaped = true;
        self.change_points.push(point);
    }

    pub fn add_slow_period(&mut self, period: SlowPeriod) {
        assert!((period.actor as usize) < self.actors.len(), "no actor {}", period.actor);
        assert!(period.from <= period.until && period.permille > 0, "{period:?}");
        self.shaped = true;
        self.slow_periods.push(period);
    }

    pub fn add_lag(&mut self, lag: Lag) {
        self.shaped = true;
        self.lags.push(lag);
    }

    /// Makes `actor` serve and send `permille`/1000 times slower for the
    /// whole run.
    pub fn set_speed(&mut self, actor: ActorId, permille: u64) {
        assert!(permille > 0, "a speed of 0");
        let service = &mut self.actors[actor as usize].service;
        *service = Span::new(service.min * permille / 1_000, service.max * permille / 1_000);
        if self.send_permille.is_empty() {
            self.send_permille = vec![1_000; self.actors.len()];
        }
        self.send_permille[actor as usize] = self.send_permille[actor as usize] * permille / 1_000;
        self.shaped = true;
    }

    /// Seeds every actor's streams from the run's seed and draws each
    /// actor's first pause: the timing is then ready for a run.
    pub fn start(&mut self, seed: u64) {
        self.sent = 0;
        self.last_lag = None;
        for (a, (actor, pausing)) in self.actors.iter_mut().zip(&mut self.pauses).enumerate() {
            let id = a as ActorId;
            actor.network_rng = stream(seed, Stream::Network(id));
            actor.service_rng = stream(seed, Stream::Service(id));
            pausing.rng = stream(seed, Stream::Pauses(id));
            pausing.sent = 0;
            (actor.next_pause, pausing.pause_end) = match pausing.pauses.every {
                0 => (Time::MAX, Time::MAX),
                _ => pausing.pauses.next(0, &mut pausing.rng),
            };
            assert!(actor.next_pause <= pausing.pause_end, "actor {a} pauses before its pause starts");
        }
    }

    /// The delay of a message `from` sends to `to` at `now`.
    #[inline]
    pub(super) fn network_delay(&mut self, from: ActorId, to: ActorId, now: Time) -> Time {
        let to_region = self.actors[to as usize].region;
        let sender = &mut self.actors[from as usize];
        if sender.region == 0 || to_region == 0 {
            return 0;
        }
        let span = self.delay[sender.region as usize * self.regions + to_region as usize];
        let (mut delay, rest) = span.sample_and_rest(&mut sender.network_rng);
        debug_assert!(delay >= span.min, "a delay of {delay} under {span:?}");
        if let Some(tail) = &self.tail {
            delay += tail.extra(rest, &mut sender.network_rng);
        }
        if self.shaped {
            delay = self.shaped_delay(from, to, now, delay);
        }
        delay
    }

    /// A network message of `from` to `to` at `now`, counted: its `delay`
    /// slowed by the sender's speed and slow periods, plus the extra delays
    /// due to it.
    #[cold]
    fn shaped_delay(&mut self, from: ActorId, to: ActorId, now: Time, delay: Time) -> Time {
        let sent = &mut self.pauses[from as usize].sent;
        *sent += 1;
        let nth = *sent;
        self.sent += 1;
        let speed = self.send_permille.get(from as usize).copied().unwrap_or(1_000);
        let slowed = slowed(self.slowed(from, now, delay), speed);
        let perturbed = self.perturbations.iter().filter(|p| p.sender == from && p.nth == nth).map(|p| p.extra);
        let changed = self.change_points.iter().filter(|c| c.nth == self.sent).map(|c| c.extra);
        let delay = slowed + perturbed.chain(changed).sum::<Time>();
        self.lagged(from, to, now, delay)
    }

    /// The `delay` of a message `from` sends to `to` at `now`, lagged: by
    /// a draw of its lag's own, or, for a lag with none, until the message
    /// the sender lagged at the same instant arrives. A stream that delivers
    /// a batch and answers its append at once answers when the batch has
    /// arrived, as Kafka acknowledges a record only once it is committed
    /// and exposed.
    fn lagged(&mut self, from: ActorId, to: ActorId, now: Time, delay: Time) -> Time {
        let Some(&lag) = self.lags.iter().find(|l| l.from == from && l.to == to) else {
            return delay;
        };
        match lag.extra {
            Some(extra) => {
                let lagged = delay + extra.sample(&mut self.actors[from as usize].network_rng);
                self.last_lag = Some((from, now, now + lagged));
                lagged
            }
            None => match self.last_lag {
                Some((sender, at, arrival)) if (sender, at) == (from, now) => delay.max(arrival - now),
                _ => delay,
            },
        }
    }

    /// `time` slowed by every slow period of `actor` that `at` falls in.
    fn slowed(&self, actor: ActorId, at: Time, time: Time) -> Time {
        let periods = self.slow_periods.iter().filter(|p| p.actor == actor && (p.from..p.until).contains(&at));
        periods.fold(time, |time, p| slowed(time, p.permille))
    }

    /// The service time of `actor` for a service that starts at `start`.
    #[inline]
    pub(super) fn service_time(&mut self, actor: ActorId, start: Time) -> Time {
        let state = &mut self.actors[actor as usize];
        let time = state.service.sample(&mut state.service_rng);
        if self.shaped { self.shaped_service(actor, start, time) } else { time }
    }

    /// A service `time` of `actor` starting at `start`, slowed by its slow
    /// periods: off the path of default runs.
    #[cold]
    #[inline(never)]
    fn shaped_service(&self, actor: ActorId, start: Time, time: Time) -> Time {
        self.slowed(actor, start, time)
    }

    /// When `actor`, free from `start` on, can begin its next service: after
    /// the pause `start` falls in, if any.
    #[inline]
    pub(super) fn after_pauses(&mut self, actor: ActorId, start: Time) -> Time {
        if start < self.actors[actor as usize].next_pause { start } else { self.wait_out_pauses(actor, start) }
    }

    /// As [`Timing::after_pauses`], `start` being in a pause or after it.
    #[cold]
    fn wait_out_pauses(&mut self, actor: ActorId, mut start: Time) -> Time {
        let (actor, pausing) = (&mut self.actors[actor as usize], &mut self.pauses[actor as usize]);
        let asked = start;
        while start >= actor.next_pause {
            start = start.max(pausing.pause_end);
            (actor.next_pause, pausing.pause_end) = pausing.pauses.next(pausing.pause_end, &mut pausing.rng);
        }
        assert!(actor.next_pause < pausing.pause_end, "a pause ends after it starts");
        assert!(start >= asked, "a pause moved a start earlier");
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn span_samples_stay_in_range_and_cover_both_ends() {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let span = Span::new(10, 13);
        let draws: Vec<Time> = (0..1000).map(|_| span.sample(&mut rng)).collect();
        assert!(draws.iter().all(|d| (10..=13).contains(d)));
        for v in 10..=13 {
            assert!(draws.contains(&v), "{v} never drawn");
        }
    }

    #[test]
    fn octaves_stay_in_range_and_give_each_octave_a_like_share() {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let octaves = Octaves::new(1_000, 1_000_000);
        let draws: Vec<Time> = (0..10_000).map(|_| octaves.sample(&mut rng)).collect();
        assert!(draws.iter().all(|d| (1_000..=1_000_000).contains(d)));
        // Ten octaves, 1000 << 0 to 1000 << 9: about a tenth of the draws each.
        for k in 0..10 {
            let low = 1_000 << k;
            let share = draws.iter().filter(|&&d| d >= low && d <= 2 * low).count();
            assert!((800..1300).contains(&share), "octave {k}: {share} of 10000");
        }
        assert_eq!(Octaves::new(5, 5).sample(&mut rng), 5);
        // Exactly four octaves: no share is wasted on the single value 4000.
        let exact = Octaves::new(250, 4_000);
        let at_top = (0..10_000).filter(|_| exact.sample(&mut rng) == 4_000).count();
        assert!(at_top < 20, "{at_top} of 10000 drew the top value");
    }

    #[test]
    fn a_tail_delays_about_its_share_of_messages_by_its_extra() {
        let mut t = Timing::new(vec![1, 1], 2);
        t.set_delay(1, 1, Span::new(10, 10));
        t.set_tail(Tail::new(0.1, Octaves::new(1_000, 2_000)));
        t.start(3);
        let delays: Vec<Time> = (0..10_000).map(|_| t.network_delay(0, 1, 0)).collect();
        let tailed = delays.iter().filter(|&&d| d != 10).count();
        assert!((900..1100).contains(&tailed), "{tailed} of 10000");
        assert!(delays.iter().all(|&d| d == 10 || (1_010..=2_010).contains(&d)));
    }

    #[test]
    fn a_pause_holds_back_the_start_of_service_until_it_ends() {
        let mut t = Timing::new(vec![1], 2);
        t.set_pauses(0, Pauses::new(1_000, Octaves::new(100, 100)));
        t.start(5);
        let (start, end) = (t.actors[0].next_pause, t.pauses[0].pause_end);
        assert!((1..=2_000).contains(&start) && end == start + 100);
        assert_eq!(t.after_pauses(0, start - 1), start - 1, "before the pause");
        assert_eq!(t.after_pauses(0, start), end, "inside it");
        let next = t.actors[0].next_pause;
        assert!(next > end, "the next pause comes after");
        assert!(t.after_pauses(0, 1_000_000) >= 1_000_000, "pauses long over are skipped");
        let mut never = Timing::new(vec![1], 2);
        never.start(5);
        assert_eq!(never.after_pauses(0, 1 << 60), 1 << 60);
    }

    #[test]
    fn a_perturbation_delays_the_nth_network_message_of_its_sender_only() {
        let mut t = Timing::new(vec![1, 1, 0], 2);
        t.set_delay(1, 1, Span::new(10, 10));
        t.perturb(Perturbation { sender: 0, nth: 3, extra: 500 });
        t.start(1);
        assert_eq!(t.network_delay(0, 2, 0), 0, "the harness is no network message and not counted");
        let delays: Vec<Time> = (0..4).map(|_| t.network_delay(0, 1, 0)).collect();
        assert_eq!(delays, [10, 10, 510, 10]);
        assert_eq!(t.network_delay(1, 0, 0), 10);
    }

    #[test]
    fn an_answer_sent_with_a_lagged_delivery_arrives_no_earlier_and_one_sent_alone_is_not_lagged() {
        let (stream, destination, appender) = (0, 1, 2);
        let mut t = Timing::new(vec![1, 1, 1], 2);
        t.set_delay(1, 1, Span::new(10, 10));
        t.add_lag(Lag { from: stream, to: destination, extra: Some(Octaves::new(1_000, 2_000)) });
        t.add_lag(Lag { from: stream, to: appender, extra: None });
        t.start(1);
        let delivered = t.network_delay(stream, destination, 100);
        assert!((1_010..=2_010).contains(&delivered), "{delivered}");
        assert_eq!(t.network_delay(stream, appender, 100), delivered, "answered once the batch has arrived");
        assert_eq!(t.network_delay(stream, appender, 200), 10, "an answer alone is not lagged");
        assert_eq!(t.network_delay(appender, stream, 100), 10, "nor what the appender sends");
        let again = t.network_delay(stream, destination, 300);
        assert_ne!(again, delivered, "each delivery draws its own lag");
        assert_eq!(t.network_delay(stream, appender, 300), again);
    }

    #[test]
    fn harness_region_has_no_network_delay() {
        let mut t = Timing::new(vec![0, 1, 2], 3);
        t.set_delay(1, 2, Span::new(5, 5));
        t.set_delay(1, 1, Span::new(1, 1));
        t.start(1);
        assert_eq!(t.network_delay(0, 2, 0), 0);
        assert_eq!(t.network_delay(2, 1, 0), 5);
        assert_eq!(t.network_delay(1, 1, 0), 1);
        t.set_region(2, 1);
        assert_eq!(t.network_delay(2, 1, 0), 1);
    }

    #[test]
    fn each_actor_draws_from_its_own_stream() {
        let timing = || {
            let mut t = Timing::new(vec![1, 1, 1], 2);
            t.set_delay(1, 1, Span::new(0, 1 << 40));
            t.start(9);
            t
        };
        let (mut alone, mut busy) = (timing(), timing());
        (0..100).for_each(|_| {
            busy.network_delay(0, 1, 0);
        });
        assert_eq!(
            alone.network_delay(1, 2, 0),
            busy.network_delay(1, 2, 0),
            "actor 0's traffic leaves actor 1's draws"
        );
    }

    #[test]
    #[should_panic(expected = "regions 1 and 3: only 3 exist")]
    fn a_delay_between_regions_that_do_not_exist_breaks_the_invariant() {
        Timing::new(vec![1], 3).set_delay(1, 3, Span::new(1, 1));
    }
}
