//! `--explore`: each run draws its own environment, the way swarm testing
//! and TigerBeetle's VOPR draw options per seed, so that seeds differ in
//! what happens and not only in how long it takes. The environment is the
//! run's timing only, never the design under test: routing, batch size and
//! variants stay as given.
//!
//! What a run draws, from its seed's environment stream, around the profile
//! it is given:
//!
//! - every range of the profile (network and service times) moved by a
//!   factor in [`SCALE_PERMILLE`] and widened on both sides by one in
//!   [`WIDEN_PERMILLE`]; the processor's, whose work is the payment itself,
//!   moved by one in [`PROCESSOR_SCALE_PERMILLE`], so that in some runs a
//!   region's consumer falls behind its stream;
//! - the speed factor range widened on both sides by a factor in
//!   [`SPEED_WIDEN_PERMILLE`];
//! - a tail: a share of the messages in [`TAIL_PERMILLE`], delayed by up to
//!   a longest delay drawn in [`TAIL_LONGEST_US`];
//! - pauses: every instance on average once every [`PAUSE_EVERY_MS`], for up
//!   to a longest pause drawn in [`PAUSE_LONGEST_US`] and at most half that
//!   mean gap, so that no instance stalls most of the time;
//! - a delay before each driver step, uniform up to a longest delay drawn in
//!   [`STEP_DELAY_LONGEST_US`], so that faults land in different phases of
//!   the work;
//! - [`DELAYED_MESSAGES`] long delays, each of [`DELAY_US`], on the `nth`
//!   message (in [`DELAYED_NTH`]) of a sender drawn among the instances, the
//!   way PCT or FoundationDB's buggify perturb a schedule.
//!
//! What decides the order of events most is how far one region's work runs
//! ahead of the other's, and with the draws above alone that hardly varies:
//! 81% of explored baseline seeds delivered in one order. So a run also
//! draws, from a stream of its own ([`Stream::Spread`], so that the draws
//! above stay as they were):
//!
//! - a speed of region 1 in [`REGION_SPEED_PERMILLE`], 1/2 to 2 times as
//!   slow, and its inverse for region 2 (the run as a whole no slower): it
//!   multiplies the service times of the region's instances and the network
//!   delays of what they send, so that one region is up to 4 times slower
//!   than the other, either way round, or both alike (16 times, with the
//!   other draws on top, took some explored runs past the default time
//!   bound: a slow run is not a violation);
//! - per active region, a longest lag in [`DELIVERY_LAG_US`] of the
//!   destination's reads of the region's outbound stream: each batch the
//!   stream delivers arrives later by a lag drawn anew, by octaves, between
//!   a [`DELIVERY_LAG_SPAN`]th of the longest and the longest. What decides
//!   the order of arrival at the destination is when it gets each region's
//!   batches; the source waits for each record's answer, so a region slower
//!   throughout slows the source alike and reorders little. Lags drawn per
//!   batch, most of them longer than the time between two batches, make
//!   each region's arrivals nearly a random process of its own, and two
//!   such processes interleave their batches in every one of the orders the
//!   batches allow (with equal rates, all alike often); two longest lags
//!   drawn apart make one region's batches come early or late, either way.
//!   The lag is on the last hop, not on the processor's appends, so that a
//!   fault of a scenario still lands among the appends it was aimed at. An
//!   append the destination was waiting for, delivered at once, is answered
//!   only when the batch has reached the destination, as Kafka
//!   acknowledges a record (`acks=all`) only once it is committed and
//!   exposed. The processor then removes the batch from its inbound stream
//!   just after the destination gets it, as in a run without lags: without
//!   that, a fault timed by the destination's arrivals (`f4` waits for
//!   them) found every processor long idle, and `uniform-failure`, caught
//!   when a processor's remove meets a failed stream, was caught in fewer
//!   seeds than before the lags. Any other append is answered at once: a
//!   processor that waited for a lag of its own could sit out a whole fault
//!   of its output stream (`f3`), which it is meant to meet. A run's time
//!   bound grows by the time every batch taking the longest lag would add
//!   ([`Environment::lag_allowance_us`]): a slow run is not a stuck one;
//! - a speed of every instance in [`INSTANCE_SPEED_PERMILLE`]: one
//!   component, not its region, lagging or racing, beyond the profile's
//!   speed factors (at most twice as slow: the factors multiply, and a run
//!   where all are much slower outlasts its time bound);
//! - up to [`SLOW_PERIODS`] slow periods, each of a region (half of them) or
//!   of an instance (uniformly), starting at a time drawn uniformly in
//!   [`SLOW_FROM_US`] after the start, lasting [`SLOW_FOR_US`] and slowing
//!   by a factor in [`SLOW_PERMILLE`]: a region that falls behind and
//!   catches up during the run, which constant speeds cannot give, and
//!   which reorders the batches published meanwhile. The start is uniform,
//!   not by octaves, so that periods fall anywhere in the run's first
//!   minute, where its batches are handled: by octaves half of them began
//!   in the first quarter second, before the first record, and slowed the
//!   deployment's start-up instead;
//! - a depth in [`CHANGE_POINTS`] and as many change points, each at a
//!   network message of the run drawn uniformly in [`CHANGE_POINT_NTH`]
//!   (counted over all senders), which takes [`CHANGE_POINT_US`] longer: as
//!   PCT puts `d` priority changes at random steps to reach any bug of
//!   depth `d` with a known probability, a bounded number of delays at
//!   uniformly drawn points reaches any ordering that needs that many with
//!   a probability that does not shrink as other draws grow.
//!
//! Besides its environment, an explored run draws the components of a
//! `fail_random` step by the first to fail (the scenario's `FaultSets`),
//! which spreads over what a fault can do as the study's draw does not.
//!
//! Every one of these has a value that perturbs nothing (a speed of 1000, a
//! delay of 0, no entries), which is what traces written before them hold.
//!
//! Factors are in thousandths. Every range is drawn log-uniformly by octaves
//! (see [`Octaves`]), except the tail's share, the counts, who is slowed,
//! when a slow period starts and the ranks of messages, drawn uniformly.
//! With these ranges an explored run of the longest built-in scenario stays
//! within a few simulated minutes, well inside the default time bound.

use std::fmt;
use std::marker::PhantomData;

use rand::Rng;
use rand_pcg::Pcg64Mcg;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::profile::{MAX_US, Pause, Profile, RangeUs, Tail};
use crate::engine::{ActorId, Octaves, Span, Stream, stream};

pub const SCALE_PERMILLE: [u64; 2] = [250, 4_000];
pub const WIDEN_PERMILLE: [u64; 2] = [1_000, 2_000];
pub const PROCESSOR_SCALE_PERMILLE: [u64; 2] = [250, 128_000];
pub const SPEED_WIDEN_PERMILLE: [u64; 2] = [1_000, 4_000];
pub const TAIL_PERMILLE: [u64; 2] = [0, 100];
pub const TAIL_LONGEST_US: [u64; 2] = [10_000, 2_000_000];
pub const PAUSE_EVERY_MS: [u64; 2] = [1_000, 60_000];
pub const PAUSE_LONGEST_US: [u64; 2] = [10_000, 10_000_000];
pub const STEP_DELAY_LONGEST_US: [u64; 2] = [1_000, 10_000_000];
pub const DELAYED_MESSAGES: [u64; 2] = [0, 8];
pub const DELAYED_NTH: [u64; 2] = [1, 50];
pub const DELAY_US: [u64; 2] = [10_000, 10_000_000];
pub const REGION_SPEED_PERMILLE: [u64; 2] = [500, 2_000];
pub const DELIVERY_LAG_US: [u64; 2] = [4_000_000, 64_000_000];
/// The lag of one batch is at least this share of the longest.
pub const DELIVERY_LAG_SPAN: u64 = 16;
pub const INSTANCE_SPEED_PERMILLE: [u64; 2] = [250, 2_000];
pub const SLOW_PERIODS: [u64; 2] = [0, 4];
pub const SLOW_FROM_US: [u64; 2] = [1_000, 60_000_000];
pub const SLOW_FOR_US: [u64; 2] = [10_000, 30_000_000];
pub const SLOW_PERMILLE: [u64; 2] = [2_000, 8_000];
pub const CHANGE_POINTS: [u64; 2] = [0, 8];
pub const CHANGE_POINT_NTH: [u64; 2] = [1, 800];
pub const CHANGE_POINT_US: [u64; 2] = [100_000, 10_000_000];
/// The active regions, whose speeds an environment draws.
pub const REGIONS: [u8; 2] = [1, 2];
/// The most entries of each list an environment may hold (a reader refuses
/// more).
pub const MAX_ENTRIES: usize = 16;
/// The most instance speeds an environment may hold: one per instance (an
/// actor id is a byte, and the driver is none).
pub const MAX_INSTANCE_SPEEDS: usize = ActorId::MAX as usize;
/// The largest slowing factor an environment may hold, in thousandths.
pub const MAX_PERMILLE: u64 = 1_000_000;
/// The widest speed factor a profile allows.
const MAX_SPEED_FACTOR: f64 = 1_000.0;

/// The most delayed messages an environment may hold (a reader refuses more).
pub const MAX_DELAYED_MESSAGES: usize = MAX_ENTRIES;

/// What one explored run drew; its trace frame records it, so that a replay
/// from the trace takes it as it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The run's own latency profile: ranges, speed factors, tail, pauses.
    pub profile: Profile,
    /// Before each driver step the run waits a delay drawn uniformly in
    /// `0..=step_delay_us` microseconds.
    pub step_delay_us: u64,
    #[serde(deserialize_with = "at_most_entries")]
    pub delayed: Vec<DelayedMessage>,
    /// Per active region (1, then 2), its instances serve and send this
    /// many thousandths as slowly as the profile says; 1000 for as fast.
    #[serde(default = "as_fast")]
    pub region_speed_permille: [u64; 2],
    /// Per active region, the longest lag of each batch its outbound
    /// stream delivers to the destination; 0 for none.
    #[serde(default)]
    pub delivery_lag_us: [u64; 2],
    /// Instances with a speed of their own, as the regions'.
    #[serde(default, deserialize_with = "at_most_instances")]
    pub instance_speeds: Vec<InstanceSpeed>,
    /// Periods in which a region or an instance is slower.
    #[serde(default, deserialize_with = "at_most_entries")]
    pub slow_periods: Vec<SlowPeriod>,
    /// Network messages of the run, counted over all senders, that take
    /// longer: PCT's change points, as many as the run's depth.
    #[serde(default, deserialize_with = "at_most_entries")]
    pub change_points: Vec<ChangePoint>,
}

fn as_fast() -> [u64; 2] {
    [1_000; 2]
}

/// An environment without spread in the layout trace format 2 first stored
/// every environment in: what a frame stores of one that draws no spread,
/// so that traces written before the spread read as they were.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unspread {
    pub profile: Profile,
    pub step_delay_us: u64,
    #[serde(deserialize_with = "at_most_entries")]
    pub delayed: Vec<DelayedMessage>,
}

impl From<Unspread> for Environment {
    fn from(u: Unspread) -> Self {
        Self { profile: u.profile, step_delay_us: u.step_delay_us, delayed: u.delayed, ..Self::unspread_defaults() }
    }
}

/// An instance that serves and sends `permille` thousandths as slowly as
/// the profile says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceSpeed {
    pub instance: ActorId,
    pub permille: u64,
}

/// Whom a slow period slows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Slowed {
    /// Every instance of an active region.
    Region(u8),
    Instance(ActorId),
}

/// From `from_us` until `until_us` after the start, `who` serves and sends
/// `permille` thousandths as slowly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlowPeriod {
    pub who: Slowed,
    pub from_us: u64,
    pub until_us: u64,
    pub permille: u64,
}

/// The `nth` network message of the run takes `extra_us` longer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePoint {
    pub nth: u32,
    pub extra_us: u64,
}

/// The `nth` network message an instance sends takes `extra_us` longer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayedMessage {
    pub sender: ActorId,
    pub nth: u32,
    pub extra_us: u64,
}

impl Environment {
    /// Draws the environment of the run of `seed` of an architecture of
    /// `instances` instances (actors 1 to `instances`) around `base`, from
    /// the seed's environment and spread streams.
    pub fn draw(base: &Profile, instances: ActorId, seed: u64) -> Self {
        let mut env = Self::draw_unspread(base, 1..=instances, &mut stream(seed, Stream::Environment));
        env.draw_spread(instances, &mut stream(seed, Stream::Spread));
        env
    }

    /// What [`Environment::draw`] drew before it drew speeds, slow periods
    /// and change points: those as in a default run.
    pub fn draw_unspread(base: &Profile, senders: std::ops::RangeInclusive<ActorId>, rng: &mut Pcg64Mcg) -> Self {
        let mut profile = base.clone();
        for range in [&mut profile.intra_region_us, &mut profile.inter_region_us] {
            *range = moved_and_widened(*range, SCALE_PERMILLE, rng);
        }
        let s = &mut profile.service_us;
        let services = [&mut s.source, &mut s.dns, &mut s.receiver, &mut s.validator, &mut s.database];
        for range in services.into_iter().chain([&mut s.replica, &mut s.kafka, &mut s.destination]) {
            *range = moved_and_widened(*range, SCALE_PERMILLE, rng);
        }
        s.processor = moved_and_widened(s.processor, PROCESSOR_SCALE_PERMILLE, rng);
        let widen = octaves(SPEED_WIDEN_PERMILLE, rng) as f64 / 1_000.0;
        let [slowest, fastest] = profile.speed_factor;
        profile.speed_factor = [slowest / widen, (fastest * widen).min(MAX_SPEED_FACTOR)];
        let share = Span::new(TAIL_PERMILLE[0], TAIL_PERMILLE[1]).sample(rng);
        let longest = octaves(TAIL_LONGEST_US, rng);
        profile.tail = Tail { probability: share as f64 / 1_000.0, extra_us: [1_000, longest] };
        let every_ms = octaves(PAUSE_EVERY_MS, rng);
        // A pause lasts at most half the mean time between two: no instance
        // stalls most of the time.
        let longest = octaves([PAUSE_LONGEST_US[0], PAUSE_LONGEST_US[1].min(every_ms * 500)], rng);
        profile.pause = Pause { every_ms, duration_us: [1_000, longest] };
        let step_delay_us = octaves(STEP_DELAY_LONGEST_US, rng);
        let count = Span::new(DELAYED_MESSAGES[0], DELAYED_MESSAGES[1]).sample(rng);
        let sender = Span::new(u64::from(*senders.start()), u64::from(*senders.end()));
        let delayed = (0..count)
            .map(|_| DelayedMessage {
                sender: sender.sample(rng) as ActorId,
                nth: Span::new(DELAYED_NTH[0], DELAYED_NTH[1]).sample(rng) as u32,
                extra_us: octaves(DELAY_US, rng),
            })
            .collect();
        Self { profile, step_delay_us, delayed, ..Self::unspread_defaults() }
    }

    /// This environment without its spread: speeds of 1000, no slow
    /// periods, no change points.
    pub fn unspread(&self) -> Self {
        let (profile, delayed) = (self.profile.clone(), self.delayed.clone());
        Self { profile, step_delay_us: self.step_delay_us, delayed, ..Self::unspread_defaults() }
    }

    fn unspread_defaults() -> Self {
        Self {
            profile: Profile::default(),
            step_delay_us: 0,
            delayed: Vec::new(),
            region_speed_permille: as_fast(),
            delivery_lag_us: [0; 2],
            instance_speeds: Vec::new(),
            slow_periods: Vec::new(),
            change_points: Vec::new(),
        }
    }

    /// This environment in the layout of [`Unspread`], if it has no spread.
    pub fn as_unspread(&self) -> Option<Unspread> {
        self.is_unspread().then(|| Unspread {
            profile: self.profile.clone(),
            step_delay_us: self.step_delay_us,
            delayed: self.delayed.clone(),
        })
    }

    /// Whether the environment draws nothing of the spread.
    pub fn is_unspread(&self) -> bool {
        self.region_speed_permille == as_fast()
            && self.delivery_lag_us == [0; 2]
            && self.instance_speeds.is_empty()
            && self.slow_periods.is_empty()
            && self.change_points.is_empty()
    }

    /// The most time the delivery lags can add to a run of `batches`
    /// batches: each taking the longest lag.
    pub fn lag_allowance_us(&self, batches: u64) -> u64 {
        batches * self.delivery_lag_us.into_iter().max().unwrap_or(0)
    }

    /// Draws the region and instance speeds, the slow periods and the
    /// change points.
    fn draw_spread(&mut self, instances: ActorId, rng: &mut Pcg64Mcg) {
        // One region slower by as much as the other is faster: the run as a
        // whole no slower, so that it keeps within its time bound.
        let first = octaves(REGION_SPEED_PERMILLE, rng);
        self.region_speed_permille = [first, 1_000_000 / first];
        self.delivery_lag_us = REGIONS.map(|_| octaves(DELIVERY_LAG_US, rng));
        let instance = Span::new(1, u64::from(instances));
        self.instance_speeds = (1..=instances)
            .map(|instance| InstanceSpeed { instance, permille: octaves(INSTANCE_SPEED_PERMILLE, rng) })
            .collect();
        self.slow_periods = (0..uniform(SLOW_PERIODS, rng))
            .map(|_| {
                let who = match rng.next_u32() % 2 {
                    0 => Slowed::Region(REGIONS[rng.next_u32() as usize % REGIONS.len()]),
                    _ => Slowed::Instance(instance.sample(rng) as ActorId),
                };
                let from_us = uniform(SLOW_FROM_US, rng);
                let until_us = from_us + octaves(SLOW_FOR_US, rng);
                SlowPeriod { who, from_us, until_us, permille: octaves(SLOW_PERMILLE, rng) }
            })
            .collect();
        self.change_points = (0..uniform(CHANGE_POINTS, rng))
            .map(|_| ChangePoint {
                nth: uniform(CHANGE_POINT_NTH, rng) as u32,
                extra_us: octaves(CHANGE_POINT_US, rng),
            })
            .collect();
    }

    /// Whether every instance it names is one of an architecture of
    /// `instances` instances.
    pub fn names_instances_within(&self, instances: ActorId) -> Result<(), String> {
        let named = self.instance_speeds.iter().map(|s| s.instance);
        let slowed = self.slow_periods.iter().filter_map(|p| match p.who {
            Slowed::Instance(i) => Some(i),
            Slowed::Region(_) => None,
        });
        let delayed = self.delayed.iter().map(|d| d.sender);
        match named.chain(slowed).chain(delayed).find(|&i| i > instances) {
            Some(i) => Err(format!("instance {i}: the architecture has {instances} instances")),
            None => Ok(()),
        }
    }

    /// The bounds an environment keeps, on drawing and on reading a trace.
    pub fn validate(&self) -> Result<(), String> {
        self.profile.validate().map_err(|e| format!("the run's profile: {e}"))?;
        if self.step_delay_us > MAX_US {
            return Err(format!("a step delay of {} µs is over an hour", self.step_delay_us));
        }
        if self.delayed.len() > MAX_DELAYED_MESSAGES {
            return Err(format!("{} delayed messages, beyond {MAX_DELAYED_MESSAGES}", self.delayed.len()));
        }
        if let Some(d) = self.delayed.iter().find(|d| d.extra_us > MAX_US) {
            return Err(format!("a message delayed by {} µs, over an hour", d.extra_us));
        }
        self.validate_spread()
    }

    fn validate_spread(&self) -> Result<(), String> {
        if self.instance_speeds.len() > MAX_INSTANCE_SPEEDS
            || self.slow_periods.len().max(self.change_points.len()) > MAX_ENTRIES
        {
            return Err(format!(
                "more than {MAX_INSTANCE_SPEEDS} speeds or {MAX_ENTRIES} slow periods or change points"
            ));
        }
        let speeds = self.instance_speeds.iter().map(|s| s.permille);
        if let Some(us) = self.delivery_lag_us.into_iter().find(|&us| us > MAX_US) {
            return Err(format!("a delivery lag of {us} µs, over an hour"));
        }
        let factors =
            self.region_speed_permille.into_iter().chain(speeds).chain(self.slow_periods.iter().map(|p| p.permille));
        if let Some(f) = factors.into_iter().find(|f| !(1..=MAX_PERMILLE).contains(f)) {
            return Err(format!("a speed of {f} thousandths, not 1 to {MAX_PERMILLE}"));
        }
        let instances = self.instance_speeds.iter().map(|s| Slowed::Instance(s.instance));
        if let Some(who) = instances.chain(self.slow_periods.iter().map(|p| p.who)).find(|w| !w.exists()) {
            return Err(format!("{who:?}: no such region or instance"));
        }
        if let Some(p) = self.slow_periods.iter().find(|p| p.from_us > p.until_us || p.until_us > MAX_US) {
            return Err(format!("a slow period from {} to {} µs, not within an hour", p.from_us, p.until_us));
        }
        if let Some(c) = self.change_points.iter().find(|c| c.extra_us > MAX_US) {
            return Err(format!("a change point of {} µs, over an hour", c.extra_us));
        }
        Ok(())
    }
}

impl Slowed {
    fn exists(&self) -> bool {
        match *self {
            Slowed::Region(r) => REGIONS.contains(&r),
            Slowed::Instance(i) => i > 0,
        }
    }
}

fn uniform([min, max]: [u64; 2], rng: &mut Pcg64Mcg) -> u64 {
    Span::new(min, max).sample(rng)
}

fn octaves([min, max]: [u64; 2], rng: &mut Pcg64Mcg) -> u64 {
    Octaves::new(min, max).sample(rng)
}

/// `[min, max]` moved by one factor and widened on both sides by another,
/// within an hour.
fn moved_and_widened([min, max]: RangeUs, scale: [u64; 2], rng: &mut Pcg64Mcg) -> RangeUs {
    let scale = octaves(scale, rng);
    let widen = octaves(WIDEN_PERMILLE, rng);
    let min = (min * scale / widen).min(MAX_US);
    [min, (max * scale / 1_000 * widen / 1_000).clamp(min, MAX_US)]
}

fn at_most_entries<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    at_most::<D, T, MAX_ENTRIES>(deserializer)
}

fn at_most_instances<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Vec<T>, D::Error> {
    at_most::<D, T, MAX_INSTANCE_SPEEDS>(deserializer)
}

/// Reads a list, refusing more than `N` entries before holding them: a
/// forged count cannot make a reader allocate.
fn at_most<'de, D: Deserializer<'de>, T: Deserialize<'de>, const N: usize>(
    deserializer: D,
) -> Result<Vec<T>, D::Error> {
    struct AtMost<T, const N: usize>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>, const N: usize> Visitor<'de> for AtMost<T, N> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "at most {N} entries")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            if seq.size_hint().is_some_and(|n| n > N) {
                return Err(de::Error::invalid_length(seq.size_hint().unwrap_or(0), &self));
            }
            let mut out = Vec::new();
            while let Some(entry) = seq.next_element()? {
                if out.len() == N {
                    return Err(de::Error::invalid_length(out.len() + 1, &self));
                }
                out.push(entry);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(AtMost::<T, N>(PhantomData))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn draw(seed: u64) -> Environment {
        Environment::draw_unspread(&Profile::default(), 1..=26, &mut Pcg64Mcg::seed_from_u64(seed))
    }

    #[test]
    fn drawn_environments_are_valid_vary_and_keep_to_their_ranges() {
        let base = Profile::default();
        let envs: Vec<Environment> = (0..500).map(draw).collect();
        for env in &envs {
            env.validate().unwrap();
            let p = &env.profile;
            let [lo, hi] = base.inter_region_us;
            assert!(p.inter_region_us[0] >= lo / 8 && p.inter_region_us[1] <= hi * 8, "{:?}", p.inter_region_us);
            let [lo, hi] = base.service_us.processor;
            assert!(p.service_us.processor[0] >= lo / 8 && p.service_us.processor[1] <= hi * 256);
            assert!(p.speed_factor[0] >= base.speed_factor[0] / 4.0 && p.speed_factor[1] <= base.speed_factor[1] * 4.0);
            assert!((0.0..=0.1).contains(&p.tail.probability));
            assert!((1_000..=60_000).contains(&p.pause.every_ms));
            assert!(p.pause.duration_us[1] <= p.pause.every_ms * 500, "a pause lasts at most half the gap");
            assert!((1_000..=10_000_000).contains(&env.step_delay_us));
            assert!(env.delayed.len() <= 8 && env.delayed.iter().all(|d| (1..=26).contains(&d.sender)));
            assert!(
                env.delayed.iter().all(|d| (1..=50).contains(&d.nth) && (10_000..=10_000_000).contains(&d.extra_us))
            );
        }
        let distinct = |f: &dyn Fn(&Environment) -> u64| {
            let mut v: Vec<u64> = envs.iter().map(f).collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        assert!(distinct(&|e| e.profile.inter_region_us[1]) > 400);
        assert!(distinct(&|e| e.profile.service_us.processor[1]) > 400);
        assert!(distinct(&|e| e.step_delay_us) > 400);
        assert_eq!(distinct(&|e| e.delayed.len() as u64), 9);
        let slow = envs.iter().filter(|e| e.profile.inter_region_us[0] > base.inter_region_us[1]).count();
        let fast = envs.iter().filter(|e| e.profile.inter_region_us[1] < base.inter_region_us[0]).count();
        assert!(slow > 20 && fast > 20, "some runs have a slower network than any default run, some a faster");
        let lagging = envs.iter().filter(|e| e.profile.service_us.processor[0] > 10 * base.service_us.processor[1]);
        assert!(lagging.count() > 100, "a processor much slower than by default, in many runs");
    }

    #[test]
    fn the_spread_varies_keeps_to_its_ranges_and_leaves_the_other_draws_as_they_were() {
        let base = Profile::default();
        let envs: Vec<Environment> = (0..500).map(|seed| Environment::draw(&base, 26, seed)).collect();
        for (seed, env) in envs.iter().enumerate() {
            env.validate().unwrap();
            assert_eq!(env.unspread(), draw_unspread_of(seed as u64), "the spread has its own stream");
            assert!(!env.is_unspread());
            assert!(env.region_speed_permille.iter().all(|f| (500..=2_000).contains(f)));
            let [one, two] = env.region_speed_permille;
            assert!((one * two).abs_diff(1_000_000) <= one, "one region as much slower as the other is faster");
            assert!(env.delivery_lag_us.iter().all(|d| (4_000_000..=64_000_000).contains(d)));
            assert_eq!(env.instance_speeds.len(), 26);
            assert!(env.instance_speeds.iter().all(|s| (250..=2_000).contains(&s.permille)));
            assert!(env.slow_periods.len() <= 4 && env.change_points.len() <= 8);
            for p in &env.slow_periods {
                assert!(p.from_us < p.until_us && (2_000..=8_000).contains(&p.permille), "{p:?}");
            }
            assert!(env.change_points.iter().all(|c| (1..=800).contains(&c.nth)));
        }
        let [one_slower, two_slower] = [0, 1].map(|r| {
            let other = 1 - r;
            envs.iter().filter(|e| e.region_speed_permille[r] > 3 * e.region_speed_permille[other]).count()
        });
        assert!(one_slower > 25 && two_slower > 25, "one region far slower than the other, both ways");
        let regions = envs.iter().flat_map(|e| &e.slow_periods).filter(|p| matches!(p.who, Slowed::Region(_)));
        assert!(regions.count() > 200, "slow periods of regions as of instances");
        let periods: Vec<&SlowPeriod> = envs.iter().flat_map(|e| &e.slow_periods).collect();
        let late = periods.iter().filter(|p| p.from_us > 30_000_000).count();
        assert!(late * 5 > periods.len() * 2, "slow periods start all over the run's first minute: {late} late");
        let depths: std::collections::BTreeSet<usize> = envs.iter().map(|e| e.change_points.len()).collect();
        assert_eq!(depths.len(), 9, "every depth of 0 to 8");
    }

    fn draw_unspread_of(seed: u64) -> Environment {
        Environment::draw_unspread(&Profile::default(), 1..=26, &mut stream(seed, Stream::Environment))
    }

    #[test]
    fn an_environment_round_trips_and_a_forged_one_is_refused() {
        let env = Environment::draw(&Profile::default(), 26, 3);
        let config = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&env, config).unwrap();
        let (back, _): (Environment, usize) = bincode::serde::decode_from_slice(&bytes, config).unwrap();
        assert_eq!(back, env);
        let many = Environment {
            delayed: vec![
                env.delayed.first().copied().unwrap_or(DelayedMessage { sender: 1, nth: 1, extra_us: 1 });
                17
            ],
            ..env.clone()
        };
        let bytes = bincode::serde::encode_to_vec(&many, config).unwrap();
        let refused = bincode::serde::decode_from_slice::<Environment, _>(&bytes, config).unwrap_err();
        assert!(refused.to_string().contains("at most 16 entries"), "{refused}");
        assert!(
            Environment { step_delay_us: MAX_US + 1, ..env.clone() }.validate().unwrap_err().contains("over an hour")
        );
        let nobody = SlowPeriod { who: Slowed::Region(3), from_us: 0, until_us: 1, permille: 2_000 };
        let problem = Environment { slow_periods: vec![nobody], ..env.clone() }.validate().unwrap_err();
        assert!(problem.contains("no such region or instance"), "{problem}");
        let stalled = Environment { region_speed_permille: [0, 1_000], ..env }.validate().unwrap_err();
        assert!(stalled.contains("a speed of 0 thousandths"), "{stalled}");
    }
}
