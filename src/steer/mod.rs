//! `--steer`: within a run budget, runs prefer environments near those of
//! earlier runs that reached something new, the way coverage-guided fuzzers
//! (AFL, libFuzzer) keep a corpus of the inputs that found new coverage and
//! mutate those.
//!
//! An explored run's environment is drawn from its seed, so steering
//! chooses seeds, never environments: every run still replays by its seed
//! alone, and its trace is that of any explored run of that seed. Each
//! trace file is a campaign of its own (a [`Campaign`]): its runs in order,
//! each learning from the earlier ones of the same file only, so that the
//! files, and their bytes, are the same whatever the number of jobs or
//! shards. In a campaign, every fourth run takes its own seed, as without
//! steering (fresh draws keep the corpus growing); the three others take,
//! among [`CANDIDATES`] seeds, the one whose environment is nearest that of
//! a run of the corpus, drawn uniformly: a run that handled a (state,
//! message) pair, or delivered in an order, that no earlier run of the
//! campaign had.

use std::collections::BTreeSet;

use rand::Rng;

use crate::config::{Environment, Profile};
use crate::engine::{ActorId, Stream, stream};
use crate::trace::{Event, Kind, RunHeader};

/// The seeds a steered run chooses among: its own and as many others less
/// one.
pub const CANDIDATES: u64 = 64;

/// What steering compares of two environments: the logarithms (in 256ths
/// of an octave) of what decides a run most, and the counts of its
/// perturbations (one count as far as an octave).
type Features = [i64; 9];

/// One trace file's steering: its corpus and what its runs have reached.
#[derive(Default)]
pub struct Campaign {
    /// The environments of the runs that reached something new, with the
    /// pairs each handled.
    corpus: Vec<(Features, u128)>,
    /// Per (state, message) pair, how many runs handled it.
    hits: Vec<u32>,
    /// Digests of the destination orders met so far.
    orders: BTreeSet<u64>,
    /// Scratch: the records met in the run being learnt from.
    arrived: Vec<bool>,
    /// Runs chosen so far.
    runs: u64,
}

impl Campaign {
    pub fn new() -> Self {
        Self { hits: vec![0; u128::BITS as usize], ..Self::default() }
    }

    /// The seed the next run takes: `own`, or among `own` and `others` the
    /// one whose environment around `profile`, for an architecture of
    /// `instances` instances, is nearest that of a run of the corpus that
    /// handled the pair fewest runs handled.
    pub fn choose(
        &mut self,
        profile: &Profile,
        instances: ActorId,
        own: u64,
        others: impl Iterator<Item = u64>,
    ) -> u64 {
        let steered = !self.runs.is_multiple_of(4);
        self.runs += 1;
        let Some(target) = self.parent(own).filter(|_| steered) else { return own };
        let distance = |seed: &u64| distance(&features(&Environment::draw(profile, instances, *seed)), &target);
        std::iter::once(own).chain(others).min_by_key(distance).unwrap_or(own)
    }

    /// A run of the corpus, drawn from the stream of `own` among those that
    /// handled the rarest pair reached.
    fn parent(&self, own: u64) -> Option<Features> {
        let reached = (0..self.hits.len()).filter(|&p| self.hits[p] > 0);
        let rarest = reached.min_by_key(|&p| self.hits[p])?;
        let holders: Vec<&Features> =
            self.corpus.iter().filter(|(_, pairs)| pairs >> rarest & 1 == 1).map(|(f, _)| f).collect();
        let pick = stream(own, Stream::Steer).next_u64() % holders.len().max(1) as u64;
        holders.get(pick as usize).map(|f| **f)
    }

    /// Learns from a finished run: its environment joins the corpus if it
    /// reached a pair or a destination order no earlier run had.
    pub fn learn(&mut self, header: &RunHeader, events: &[Event]) {
        let pairs = header.coverage;
        let new_pair = (0..self.hits.len()).any(|p| pairs >> p & 1 == 1 && self.hits[p] == 0);
        (0..self.hits.len()).filter(|&p| pairs >> p & 1 == 1).for_each(|p| self.hits[p] += 1);
        let order = self.order_digest(events, Kind::place(header.spec.vocabulary.arrival()));
        let new_order = self.orders.insert(order);
        if let Some(environment) = header.environment.as_deref().filter(|_| new_pair || new_order) {
            self.corpus.push((features(environment), pairs));
        }
    }

    /// A digest (FNV-1a) of the record ids in order of first arrival at the
    /// destination.
    fn order_digest(&mut self, events: &[Event], arrival: Kind) -> u64 {
        self.arrived.iter_mut().for_each(|a| *a = false);
        let arrivals = events.iter().filter(|e| e.kind == arrival);
        arrivals.fold(0xcbf2_9ce4_8422_2325, |hash, e| {
            let id = e.subject as usize;
            if id >= self.arrived.len() {
                self.arrived.resize(id + 1, false);
            }
            if std::mem::replace(&mut self.arrived[id], true) {
                return hash;
            }
            e.subject.to_le_bytes().iter().fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
        })
    }
}

fn features(e: &Environment) -> Features {
    let p = &e.profile;
    let count = |n: usize| n as i64 * 256;
    [
        log2(e.region_speed_permille[0]),
        log2(e.delivery_lag_us[0]),
        log2(e.delivery_lag_us[1]),
        log2(p.inter_region_us[1]),
        log2(p.service_us.processor[1]),
        log2(e.step_delay_us),
        count(e.delayed.len()),
        count(e.slow_periods.len()),
        count(e.change_points.len()),
    ]
}

fn distance(a: &Features, b: &Features) -> i64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum()
}

/// `log2(x)` in 256ths, exact on every machine: the octave, then the next
/// eight bits below the leading one.
fn log2(x: u64) -> i64 {
    let x = x.max(1);
    let octave = x.ilog2();
    let below = if octave >= 8 { (x >> (octave - 8)) & 0xff } else { (x << (8 - octave)) & 0xff };
    i64::from(octave) * 256 + below as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_counts_octaves_and_the_bits_below() {
        assert_eq!(log2(1), 0);
        assert_eq!(log2(2), 256);
        assert_eq!(log2(3), 256 + 128);
        assert_eq!(log2(1 << 40), 40 * 256);
        assert_eq!(log2(1_000), 9 * 256 + (500 & 0xff), "1000 is 2^9 times 1.111101000 in binary");
    }

    #[test]
    fn a_steered_choice_is_the_candidate_nearest_the_corpus() {
        let profile = Profile::default();
        let mut campaign = Campaign::new();
        let target = features(&Environment::draw(&profile, 26, 8));
        campaign.corpus.push((target, 1));
        campaign.hits[0] = 1;
        assert_eq!(campaign.choose(&profile, 26, 100, 101..164), 100, "the first run takes its own seed");
        let chosen = campaign.choose(&profile, 26, 200, 201..264);
        let from_target = |seed: u64| distance(&features(&Environment::draw(&profile, 26, seed)), &target);
        let nearest = (200..264).map(from_target).min();
        assert_eq!(Some(from_target(chosen)), nearest);
        assert!(Some(from_target(200)) > nearest, "seed 200's own environment is not the nearest of 64");
        assert_ne!(chosen, 200);
        campaign.choose(&profile, 26, 300, 301..364);
        campaign.choose(&profile, 26, 400, 401..464);
        assert_eq!(campaign.choose(&profile, 26, 500, 501..564), 500, "every fourth run takes its own seed");
    }
}
