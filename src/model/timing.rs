//! The engine timing of one run, from a latency profile: where each actor
//! lives, the network delay between regions, and each actor's service time
//! scaled by its per-run speed factor.

use super::topology::{ACTORS, Role, home_region, role};
use crate::config::{Profile, RangeUs};
use crate::engine::{MICROSECOND, Span, Timing};

/// The engine timing for one run; `speed` yields a draw in `0..1` per actor.
pub fn timing(profile: &Profile, mut speed: impl FnMut() -> f64) -> Timing {
    let span = |[min, max]: RangeUs| Span::new(min * MICROSECOND, max * MICROSECOND);
    let mut timing = Timing::new((0..ACTORS as u8).map(home_region).collect(), 4);
    for a in 1..=3 {
        timing.set_delay(a, a, span(profile.intra_region_us));
        for b in a + 1..=3 {
            timing.set_delay(a, b, span(profile.inter_region_us));
        }
    }
    let [lo, hi] = profile.speed_factor;
    for actor in 0..ACTORS as u8 {
        let factor = lo + (hi - lo) * speed();
        timing.set_service(actor, span(service(profile, role(actor))).scaled(factor));
    }
    timing
}

fn service(profile: &Profile, role: Role) -> RangeUs {
    let s = &profile.service_us;
    match role {
        Role::Driver => [0, 0],
        Role::Source => s.source,
        Role::InDns | Role::OutDns => s.dns,
        Role::Receiver(_) => s.receiver,
        Role::Validator(_) => s.validator,
        Role::Processor(_) => s.processor,
        Role::Cluster(_) => s.database,
        Role::Replica(..) => s.replica,
        Role::Inbound(_) | Role::Outbound(_) => s.kafka,
        Role::Destination => s.destination,
    }
}
