//! Which components a `fail_random` step fails.
//!
//! The study's tests draw a count, uniform in `min..=max`, then that many
//! distinct components uniformly (`TestWorkload1F4FailRandom.p:78-103`):
//! the default mode draws so. Its steps list their components along the
//! pipeline, and a failure upstream masks those below it: in `f4`, any of
//! the first five components, up to `inbound-1`, failed stops batch 2 at its
//! first record, so nothing reaches the processor, its database or `outbound-1`
//! while they are down. 248 of the 255 sets that draw can give hold such a
//! component, and they take 94% of its runs, which all behave alike; a run
//! that fails the processor's database alone, or `outbound-1` alone, is 1 in
//! 64. An explored run draws by the first failing component instead: which
//! of the listed components is the first to fail, uniformly, then how many
//! of those after it fail too, uniformly, then which. Each component is the
//! first to fail in as many runs as any other, and every set is still
//! drawn.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use crate::engine::ActorId;

/// How a run draws the components of its `fail_random` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultSets {
    /// As the study's tests: a count, then which.
    AsTheStudy,
    /// As an explored run: the first to fail, then how many after it, then
    /// which.
    ByTheFirst,
}

/// Draws `min..=max` distinct components of `candidates` (which list them
/// from upstream to downstream), returned in the order `candidates` lists
/// them.
pub fn draw(candidates: &[ActorId], min: u32, max: u32, how: FaultSets, rng: &mut Pcg64Mcg) -> Vec<ActorId> {
    let n = candidates.len() as u32;
    assert!(min <= max && max <= n, "fail_random draws {min}..={max} of {n} components");
    let mut chosen = match how {
        FaultSets::AsTheStudy => {
            let count = min + rng.next_u32() % (max - min + 1);
            pick(candidates.to_vec(), count, rng)
        }
        FaultSets::ByTheFirst => by_the_first(candidates, min, max, rng),
    };
    chosen.sort_by_key(|c| candidates.iter().position(|candidate| candidate == c));
    assert!((min..=max).contains(&(chosen.len() as u32)), "drew {} components", chosen.len());
    chosen
}

/// The first to fail among those that leave enough after it for `min`
/// (none at all, as one more choice, where `min` is 0), then a count of
/// those after it that keeps the set within `min..=max`, then which.
fn by_the_first(candidates: &[ActorId], min: u32, max: u32, rng: &mut Pcg64Mcg) -> Vec<ActorId> {
    let n = candidates.len() as u32;
    if max == 0 {
        return Vec::new();
    }
    let firsts = n + 1 - min.max(1);
    let first = rng.next_u32() % (firsts + u32::from(min == 0));
    if first == firsts {
        return Vec::new();
    }
    let after = n - 1 - first;
    let (least, most) = (min.saturating_sub(1), (max - 1).min(after));
    let count = least + rng.next_u32() % (most - least + 1);
    let mut chosen = pick(candidates[first as usize + 1..].to_vec(), count, rng);
    chosen.push(candidates[first as usize]);
    chosen
}

/// `count` distinct members of `pool`, uniformly.
fn pick(mut pool: Vec<ActorId>, count: u32, rng: &mut Pcg64Mcg) -> Vec<ActorId> {
    (0..count.min(pool.len() as u32)).map(|_| pool.swap_remove(rng.next_u32() as usize % pool.len())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Stream, stream};

    const EIGHT: [ActorId; 8] = [10, 11, 12, 13, 14, 15, 16, 17];

    /// How many of `runs` draws give each set, by its bits over `EIGHT`.
    fn tally(min: u32, max: u32, how: FaultSets, runs: u64) -> Vec<u32> {
        let mut counts = vec![0; 256];
        for seed in 0..runs {
            let set = draw(&EIGHT, min, max, how, &mut stream(seed, Stream::Faults));
            let bits: usize = set.iter().map(|c| 1 << (c - 10)).sum();
            counts[bits] += 1;
        }
        counts
    }

    #[test]
    fn explored_each_component_is_the_first_to_fail_alike_and_every_set_is_drawn() {
        const RUNS: u64 = 40_000;
        let counts = tally(1, 8, FaultSets::ByTheFirst, RUNS);
        assert_eq!(counts[0], 0, "at least one fails");
        assert!(counts[1..].iter().all(|&c| c > 0), "every set of 1 to 8 is drawn");
        for first in 0..8 {
            let firsts: u32 = (1..256).filter(|bits: &usize| bits.trailing_zeros() == first).map(|b| counts[b]).sum();
            let share = f64::from(firsts) / RUNS as f64;
            assert!((share - 0.125).abs() < 0.01, "component {first} first in {share}");
        }
        let last_alone = f64::from(counts[1 << 7]) / RUNS as f64;
        let study = f64::from(tally(1, 8, FaultSets::AsTheStudy, RUNS)[1 << 7]) / RUNS as f64;
        assert!(last_alone > 0.11 && study < 0.02, "the last alone: {last_alone} explored, {study} as the study");
    }

    #[test]
    fn explored_draws_keep_within_min_and_max() {
        for (min, max) in [(0, 0), (0, 1), (0, 8), (2, 3), (3, 8), (8, 8), (1, 1)] {
            let counts = tally(min, max, FaultSets::ByTheFirst, 2_000);
            for bits in (0..256usize).filter(|&b| counts[b] > 0) {
                assert!((min..=max).contains(&bits.count_ones()), "{min}..={max} drew {bits:b}");
            }
            let sizes: std::collections::BTreeSet<u32> =
                (0..256usize).filter(|&b| counts[b] > 0).map(|b| b.count_ones()).collect();
            assert_eq!(sizes, (min..=max).collect(), "{min}..={max}: every size drawn");
        }
    }
}
