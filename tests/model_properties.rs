//! Properties of the model over random seeds, profiles (tails and pauses
//! included) and options, explored or not: the simulator's own invariants
//! hold (a broken one panics), the same seed gives the same bytes, and the
//! baseline delivers everything whatever the timing.

use proptest::prelude::*;
use wl1::config::{Options, Routing, Variant, Variants};
use wl1::config::{Pause, Profile, ServiceTimes, Tail};
use wl1::engine::MILLISECOND;
use wl1::model::topology::events as w1;
use wl1::run::{RunSpec, Simulator};
use wl1::scenario::{BUILT_IN, built_in};
use wl1::trace::format::encode_payload;
use wl1::trace::{Kind, OutcomeKind};

fn range(max: u64) -> impl Strategy<Value = [u64; 2]> {
    (0..max, 0..max).prop_map(|(a, b)| [a.min(b), a.max(b)])
}

/// Tails and pauses, or none. As in an explored run, a pause lasts at most
/// half the mean time between two and is drawn by octaves from a
/// millisecond up, so that no instance is paused most of the time.
fn tails_and_pauses() -> impl Strategy<Value = (Tail, Pause)> {
    (0u32..=100, range(200_000), prop_oneof![Just(0u64), 100u64..20_000], 1u64..=1_000).prop_map(
        |(share, [a, b], every_ms, longest)| {
            let tail = Tail { probability: share as f64 / 1_000.0, extra_us: [a + 1, b + 1] };
            let longest = (every_ms * longest / 2).max(1_000);
            (tail, Pause { every_ms, duration_us: [1_000, longest] })
        },
    )
}

fn profiles() -> impl Strategy<Value = Profile> {
    let ranges = (range(2_000), range(80_000), range(3_000), range(3_000), range(2_000));
    (ranges, (1u32..20, 20u32..400), tails_and_pauses()).prop_map(
        |((intra, inter, containers, replica, kafka), (lo, hi), (tail, pause))| Profile {
            intra_region_us: intra,
            inter_region_us: inter,
            service_us: ServiceTimes {
                receiver: containers,
                validator: containers,
                processor: containers,
                replica,
                kafka,
                ..ServiceTimes::default()
            },
            speed_factor: [lo as f64 / 10.0, hi as f64 / 10.0],
            tail,
            pause,
        },
    )
}

fn options() -> impl Strategy<Value = Options> {
    (0u8..=100, any::<bool>(), 1u32..12, proptest::option::of(1u64..5_000), proptest::bits::u8::masked(0b11111))
        .prop_map(|(weight, alternate, batch_size, linger, variant_bits)| Options {
            routing: if alternate { Routing::Alternate } else { Routing::Weighted { region1_percent: weight } },
            batch_size,
            linger: linger.map(|ms| ms * MILLISECOND),
            variants: Variant::ALL
                .iter()
                .enumerate()
                .filter(|(i, _)| variant_bits & (1 << i) != 0)
                .map(|(_, v)| *v)
                .collect::<Variants>(),
            time_bound: 3_600 * 1_000 * MILLISECOND,
        })
}

fn bytes(sim: &mut Simulator, spec: &RunSpec, seed: u64) -> Vec<u8> {
    let header = sim.run(spec, seed);
    let mut out = Vec::new();
    encode_payload(&header, sim.events(), &mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn any_scenario_profile_and_options_runs_clean_and_repeats_exactly(
        seed in any::<u64>(),
        scenario in 0..BUILT_IN.len(),
        profile in profiles(),
        options in options(),
        explore in any::<bool>(),
    ) {
        let spec = RunSpec::new(built_in(BUILT_IN[scenario]).unwrap(), options, profile).exploring(explore);
        let mut sim = Simulator::new();
        let first = bytes(&mut sim, &spec, seed);
        let again = bytes(&mut Simulator::new(), &spec, seed);
        prop_assert!(first == again, "seed {seed} gave two different traces");
        let events = sim.events();
        let published = events.iter().filter(|e| e.kind == Kind::PUBLISHED).count();
        prop_assert!(published > 0, "nothing was published");
        prop_assert!(events.iter().filter(|e| e.kind.is_about_record()).all(|e| (1..=spec.scenario.records()).contains(&e.subject)));
    }

    #[test]
    fn the_baseline_delivers_every_record_whatever_the_timing(seed in any::<u64>(), profile in profiles()) {
        let spec = RunSpec::new(built_in("baseline").unwrap(), Options::default(), profile);
        let mut sim = Simulator::new();
        let header = sim.run(&spec, seed);
        prop_assert_eq!(header.outcome.kind, OutcomeKind::Completed);
        let delivered: std::collections::BTreeSet<u32> =
            sim.events().iter().filter(|e| e.kind == w1::DESTINATION_RECEIVED).map(|e| e.subject).collect();
        prop_assert_eq!(delivered.len(), 50);
    }
}
