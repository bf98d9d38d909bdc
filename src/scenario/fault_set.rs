//! Which components a `fail_random` step fails.
//!
//! The study's tests draw a count, uniform in `min..=max`, then that many
//! distinct components uniformly (`TestWorkload1F4FailRandom.p:78-103`):
//! the default mode draws so. A failure upstream masks those below it: in
//! `f4`, any of the first five components along the pipeline, up to
//! `inbound-1`, failed stops batch 2 at its first record, so nothing
//! reaches the processor, its database or `outbound-1` while they are down.
//! 248 of the 255 sets that draw can give hold such a component, and they
//! take 94% of its runs, which all meet the same fault; a run that fails the
//! processor's database alone, or `outbound-1` alone, is 1 in 64. An
//! explored run draws by the first failing component instead: which of the
//! step's components is the first to fail along the pipeline, uniformly,
//! then how many of those after it fail too, uniformly, then which. Each
//! component is the first to fail in as many runs as any other, and every
//! set is still drawn.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use crate::architecture::Architecture;
use crate::engine::ActorId;

/// How a run draws the components of its `fail_random` steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultSets {
    /// As the study's tests: a count, then which.
    AsTheStudy,
    /// As an explored run: the first to fail along the pipeline, then how
    /// many after it, then which.
    ByTheFirst,
}

/// Draws `min..=max` distinct components of `candidates`, components of
/// `architecture`, returned in the order `candidates` lists them.
pub fn draw(
    candidates: &[ActorId],
    min: u32,
    max: u32,
    how: FaultSets,
    architecture: &Architecture,
    rng: &mut Pcg64Mcg,
) -> Vec<ActorId> {
    let n = candidates.len() as u32;
    assert!(min <= max && max <= n, "fail_random draws {min}..={max} of {n} components");
    let mut chosen = match how {
        FaultSets::AsTheStudy => {
            let count = min + rng.next_u32() % (max - min + 1);
            pick(candidates.to_vec(), count, rng)
        }
        FaultSets::ByTheFirst => by_the_first(&along_the_pipeline(candidates, architecture), min, max, rng),
    };
    chosen.sort_by_key(|c| candidates.iter().position(|candidate| candidate == c));
    assert!((min..=max).contains(&(chosen.len() as u32)), "drew {} components", chosen.len());
    chosen
}

/// `candidates` in the order a record meets them: by the first stage at
/// each ([`Architecture::first_stage`]), those at none last, ties as
/// listed.
fn along_the_pipeline(candidates: &[ActorId], architecture: &Architecture) -> Vec<ActorId> {
    let mut along = candidates.to_vec();
    along.sort_by_key(|&c| architecture.first_stage(c).unwrap_or(usize::MAX));
    along
}

/// The first to fail among those of `along` that leave enough after it for
/// `min` (none at all, as one more choice, where `min` is 0), then a count
/// of those after it that keeps the set within `min..=max`, then which.
fn by_the_first(along: &[ActorId], min: u32, max: u32, rng: &mut Pcg64Mcg) -> Vec<ActorId> {
    let n = along.len() as u32;
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
    let mut chosen = pick(along[first as usize + 1..].to_vec(), count, rng);
    chosen.push(along[first as usize]);
    chosen
}

/// `count` distinct members of `pool`, uniformly.
fn pick(mut pool: Vec<ActorId>, count: u32, rng: &mut Pcg64Mcg) -> Vec<ActorId> {
    assert!(count as usize <= pool.len(), "{count} of {} components", pool.len());
    (0..count).map(|_| pool.swap_remove(rng.next_u32() as usize % pool.len())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Stream, stream};
    use crate::model::topology::WORKLOAD1;
    use crate::scenario::{Step, built_in};

    /// The components `f4`'s `fail_random` step lists.
    fn f4_candidates() -> Vec<ActorId> {
        let f4 = built_in("f4").unwrap();
        let step = f4.steps.iter().find_map(|s| match s {
            Step::FailRandom { candidates, .. } => Some(candidates.clone()),
            _ => None,
        });
        step.unwrap()
    }

    /// How many of `runs` draws from `candidates` give each set, by its
    /// bits over `f4_candidates()`, whose order the bits follow.
    fn tally(candidates: &[ActorId], min: u32, max: u32, how: FaultSets, runs: u64) -> Vec<u32> {
        let order = f4_candidates();
        let mut counts = vec![0; 256];
        for seed in 0..runs {
            let set = draw(candidates, min, max, how, &WORKLOAD1, &mut stream(seed, Stream::Faults));
            let bits: usize = set.iter().map(|c| 1 << order.iter().position(|o| o == c).unwrap()).sum();
            counts[bits] += 1;
        }
        counts
    }

    #[test]
    fn explored_each_component_is_the_first_to_fail_alike_and_every_set_is_drawn() {
        const RUNS: u64 = 40_000;
        let candidates = f4_candidates();
        let counts = tally(&candidates, 1, 8, FaultSets::ByTheFirst, RUNS);
        assert_eq!(counts[0], 0, "at least one fails");
        assert!(counts[1..].iter().all(|&c| c > 0), "every set of 1 to 8 is drawn");
        for first in 0..8 {
            let firsts: u32 = (1..256).filter(|bits: &usize| bits.trailing_zeros() == first).map(|b| counts[b]).sum();
            let share = f64::from(firsts) / RUNS as f64;
            assert!((share - 0.125).abs() < 0.01, "component {first} first in {share}");
        }
        let last_alone = f64::from(counts[1 << 7]) / RUNS as f64;
        let study = f64::from(tally(&candidates, 1, 8, FaultSets::AsTheStudy, RUNS)[1 << 7]) / RUNS as f64;
        assert!(last_alone > 0.11 && study < 0.02, "outbound-1 alone: {last_alone} explored, {study} as the study");
    }

    #[test]
    fn explored_the_first_to_fail_is_first_along_the_pipeline_however_the_step_lists_them() {
        let along = f4_candidates();
        let names: Vec<&str> = along.iter().map(|&c| WORKLOAD1.actor_name(c)).collect();
        assert_eq!(names[..5], ["receiver-1", "receiver-db", "validator-1", "validator-db", "inbound-1"]);
        assert_eq!(along_the_pipeline(&along, &WORKLOAD1), along, "f4 lists them along the pipeline");
        let reversed: Vec<ActorId> = along.iter().rev().copied().collect();
        assert_eq!(along_the_pipeline(&reversed, &WORKLOAD1), along);
        for seed in 0..200 {
            let [listed, backwards] = [&along, &reversed].map(|candidates| {
                let mut set =
                    draw(candidates, 1, 8, FaultSets::ByTheFirst, &WORKLOAD1, &mut stream(seed, Stream::Faults));
                set.sort_unstable();
                set
            });
            assert_eq!(listed, backwards, "seed {seed}: the same components, whatever the order of the list");
        }
    }

    #[test]
    fn explored_draws_keep_within_min_and_max() {
        let candidates = f4_candidates();
        for (min, max) in [(0, 0), (0, 1), (0, 8), (2, 3), (3, 8), (8, 8), (1, 1)] {
            let counts = tally(&candidates, min, max, FaultSets::ByTheFirst, 2_000);
            for bits in (0..256usize).filter(|&b| counts[b] > 0) {
                assert!((min..=max).contains(&bits.count_ones()), "{min}..={max} drew {bits:b}");
            }
            let sizes: std::collections::BTreeSet<u32> =
                (0..256usize).filter(|&b| counts[b] > 0).map(|b| b.count_ones()).collect();
            assert_eq!(sizes, (min..=max).collect(), "{min}..={max}: every size drawn");
        }
    }
}
