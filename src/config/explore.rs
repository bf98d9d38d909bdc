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
//! Factors are in thousandths. Every range is drawn log-uniformly by octaves
//! (see [`Octaves`]), except the tail's share and the delayed messages'
//! number, sender and rank, drawn uniformly. With these ranges an explored
//! run of the longest built-in scenario stays within a few simulated
//! minutes, well inside the default time bound.

use std::fmt;
use std::marker::PhantomData;

use rand_pcg::Pcg64Mcg;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::profile::{MAX_US, Pause, Profile, RangeUs, Tail};
use crate::engine::{ActorId, Octaves, Span};

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
/// The widest speed factor a profile allows.
const MAX_SPEED_FACTOR: f64 = 1_000.0;

/// The most delayed messages an environment may hold (a reader refuses more).
pub const MAX_DELAYED_MESSAGES: usize = 16;

/// What one explored run drew; its trace frame records it, so that a replay
/// from the trace takes it as it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// The run's own latency profile: ranges, speed factors, tail, pauses.
    pub profile: Profile,
    /// Before each driver step the run waits a delay drawn uniformly in
    /// `0..=step_delay_us` microseconds.
    pub step_delay_us: u64,
    #[serde(deserialize_with = "at_most_delayed_messages")]
    pub delayed: Vec<DelayedMessage>,
}

/// The `nth` network message an instance sends takes `extra_us` longer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelayedMessage {
    pub sender: ActorId,
    pub nth: u32,
    pub extra_us: u64,
}

impl Environment {
    /// Draws the environment of one run around `base`; the delayed messages'
    /// senders are drawn among `senders`.
    pub fn draw(base: &Profile, senders: std::ops::RangeInclusive<ActorId>, rng: &mut Pcg64Mcg) -> Self {
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
        Self { profile, step_delay_us, delayed }
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
        Ok(())
    }
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

/// Reads the delayed messages, refusing more than [`MAX_DELAYED_MESSAGES`]
/// before holding them: a forged count cannot make a reader allocate.
fn at_most_delayed_messages<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<DelayedMessage>, D::Error> {
    struct AtMost(PhantomData<DelayedMessage>);
    impl<'de> Visitor<'de> for AtMost {
        type Value = Vec<DelayedMessage>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "at most {MAX_DELAYED_MESSAGES} delayed messages")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            if seq.size_hint().is_some_and(|n| n > MAX_DELAYED_MESSAGES) {
                return Err(de::Error::invalid_length(seq.size_hint().unwrap_or(0), &self));
            }
            let mut out = Vec::new();
            while let Some(message) = seq.next_element()? {
                if out.len() == MAX_DELAYED_MESSAGES {
                    return Err(de::Error::invalid_length(out.len() + 1, &self));
                }
                out.push(message);
            }
            Ok(out)
        }
    }
    deserializer.deserialize_seq(AtMost(PhantomData))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn draw(seed: u64) -> Environment {
        Environment::draw(&Profile::default(), 1..=26, &mut Pcg64Mcg::seed_from_u64(seed))
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
    fn an_environment_round_trips_and_a_forged_one_is_refused() {
        let env = draw(3);
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
        assert!(refused.to_string().contains("at most 16 delayed messages"), "{refused}");
        assert!(Environment { step_delay_us: MAX_US + 1, ..env }.validate().unwrap_err().contains("over an hour"));
    }
}
