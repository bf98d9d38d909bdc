//! How long things take: network delay between regions, service time per actor.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

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
        let width = self.max - self.min;
        if width == 0 {
            return self.min;
        }
        // Multiply-shift maps 64 random bits onto 0..=width without a division.
        let r = ((rng.next_u64() as u128 * (width as u128 + 1)) >> 64) as Time;
        self.min + r
    }

    pub fn scaled(&self, factor: f64) -> Self {
        Self::new((self.min as f64 * factor) as Time, (self.max as f64 * factor) as Time)
    }
}

/// Where each actor lives and how long its work and its messages take.
///
/// Region 0 is the harness: messages to or from it take no network time.
#[derive(Clone, Debug, Default)]
pub struct Timing {
    region: Vec<u8>,
    regions: usize,
    delay: Vec<Span>,
    service: Vec<Span>,
}

impl Timing {
    /// `region[a]` is actor `a`'s region, in `0..regions`.
    pub fn new(region: Vec<u8>, regions: usize) -> Self {
        assert!(region.iter().all(|&r| (r as usize) < regions), "region out of range");
        let actors = region.len();
        Self { region, regions, delay: vec![Span::ZERO; regions * regions], service: vec![Span::ZERO; actors] }
    }

    pub fn actors(&self) -> usize {
        self.region.len()
    }

    pub fn region(&self, actor: ActorId) -> u8 {
        self.region[actor as usize]
    }

    /// Moves an actor to another region (a database whose primary moved).
    pub fn set_region(&mut self, actor: ActorId, region: u8) {
        assert!((region as usize) < self.regions, "region out of range");
        self.region[actor as usize] = region;
    }

    /// Sets the delay between two regions, both ways.
    pub fn set_delay(&mut self, a: u8, b: u8, span: Span) {
        let (a, b) = (a as usize, b as usize);
        self.delay[a * self.regions + b] = span;
        self.delay[b * self.regions + a] = span;
    }

    pub fn set_service(&mut self, actor: ActorId, span: Span) {
        self.service[actor as usize] = span;
    }

    pub(super) fn network_delay(&self, from: ActorId, to: ActorId, rng: &mut Pcg64Mcg) -> Time {
        let (a, b) = (self.region[from as usize], self.region[to as usize]);
        if a == 0 || b == 0 {
            return 0;
        }
        self.delay[a as usize * self.regions + b as usize].sample(rng)
    }

    pub(super) fn service_time(&self, actor: ActorId, rng: &mut Pcg64Mcg) -> Time {
        self.service[actor as usize].sample(rng)
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
    fn harness_region_has_no_network_delay() {
        let mut t = Timing::new(vec![0, 1, 2], 3);
        t.set_delay(1, 2, Span::new(5, 5));
        t.set_delay(1, 1, Span::new(1, 1));
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        assert_eq!(t.network_delay(0, 2, &mut rng), 0);
        assert_eq!(t.network_delay(2, 1, &mut rng), 5);
        assert_eq!(t.network_delay(1, 1, &mut rng), 1);
        t.set_region(2, 1);
        assert_eq!(t.network_delay(2, 1, &mut rng), 1);
    }
}
