//! The engine timing of one run, from a latency profile: where each actor
//! lives, the network delay between regions and its tail, each actor's
//! service time scaled by its per-run speed factor, and each instance's
//! pauses.

use rand::Rng;
use rand_pcg::Pcg64Mcg;

use crate::architecture::Architecture;
use crate::config::{Profile, RangeUs};
use crate::engine::{MICROSECOND, MILLISECOND, Octaves, Pauses, Span, Tail, Timing};

/// The engine timing for one run of `architecture`; `speed` draws each
/// actor's speed factor.
pub fn timing(profile: &Profile, architecture: &Architecture, speed: &mut Pcg64Mcg) -> Timing {
    let span = |[min, max]: RangeUs| Span::new(min * MICROSECOND, max * MICROSECOND);
    let octaves = |[min, max]: RangeUs| Octaves::new(min * MICROSECOND, max * MICROSECOND);
    let actors = architecture.instances.len() + 1;
    let mut timing = Timing::new((0..actors as u8).map(|a| architecture.actor_region(a)).collect(), 4);
    for a in 1..=3 {
        timing.set_delay(a, a, span(profile.intra_region_us));
        for b in a + 1..=3 {
            timing.set_delay(a, b, span(profile.inter_region_us));
        }
    }
    timing.set_tail(Tail::new(profile.tail.probability, octaves(profile.tail.extra_us)));
    let pauses = match profile.pause.every_ms {
        0 => Pauses::NEVER,
        every => Pauses::new(every * MILLISECOND, octaves(profile.pause.duration_us)),
    };
    let [lo, hi] = profile.speed_factor;
    for actor in 0..actors as u8 {
        let factor = lo + (hi - lo) * unit(speed);
        timing.set_service(actor, span(service(profile, architecture, actor)).scaled(factor));
        if actor != 0 {
            timing.set_pauses(actor, pauses);
        }
    }
    assert_eq!(timing.actors(), actors);
    timing
}

/// A uniform draw in `0..1` with 53 bits of precision.
fn unit(rng: &mut Pcg64Mcg) -> f64 {
    let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    assert!((0.0..1.0).contains(&unit));
    unit
}

fn service(profile: &Profile, architecture: &Architecture, actor: u8) -> RangeUs {
    match actor {
        0 => [0, 0],
        a => {
            let service = architecture.instances[a as usize - 1].service;
            profile.service_us.by_name(service).expect("checked: an entry of the profile")
        }
    }
}
