//! `wl1 shrink`'s library with the specification's checks as its judge:
//! shrunk drills violate the same property at the same stage and region
//! for the same reason, are 1-minimal, and come out the same every time.

use wl1::config::{Options, Profile, Variant};
use wl1::run::RunSpec;
use wl1::scenario::{built_in, parse_drill, to_drill};
use wl1::shrink::{Outcome, Settings, Shrunk, drill_spec, faults, shrink, violations, without_batch, without_faults};
use wl1_analysis::SpecJudge;

fn spec(name: &str, variants: &[Variant], explore: bool) -> RunSpec {
    let options = Options { variants: variants.iter().copied().collect(), ..Options::default() };
    RunSpec::new(built_in(name).unwrap(), options, Profile::default()).exploring(explore)
}

fn shrunk(spec: &RunSpec, seed: u64, settings: Settings) -> Option<Shrunk> {
    match shrink(spec, seed, &mut SpecJudge, settings, &mut |_| true).unwrap() {
        Outcome::Holds(_) => None,
        Outcome::Shrunk(s) => Some(*s),
    }
}

/// The first violating seeds of `spec`, shrunk, up to `count` of them.
fn first_shrunk(spec: &RunSpec, count: usize) -> Vec<Shrunk> {
    (0..200).filter_map(|seed| shrunk(spec, seed, Settings::default())).take(count).collect()
}

/// Whether `drill`'s run of `s.seed` still violates as `s`'s target.
fn keeps_target(spec: &RunSpec, s: &Shrunk, drill: wl1::scenario::Scenario) -> bool {
    let found = violations(&drill_spec(drill, spec), s.seed, &mut SpecJudge).unwrap();
    found.iter().any(|v| v.same_as(&s.target, false))
}

/// Fails unless the shrunk drill, read back from its text, violates as the
/// run did, and removing any one of its faults or batches loses that.
fn assert_same_and_1_minimal(spec: &RunSpec, s: &Shrunk) {
    let what = format!("seed {} of {}", s.seed, spec.scenario.name);
    assert!(s.complete, "{what}: the default budget suffices");
    let drill = parse_drill(&to_drill(&s.after.0)).unwrap();
    assert!(keeps_target(spec, s, drill.clone()), "{what}: the shrunk drill lost {}", s.target);
    let (before, after) = (&s.before.1, &s.after.1);
    assert!(after.records <= before.records && after.faults <= before.faults && after.messages < before.messages);
    for fault in faults(&drill) {
        assert!(!keeps_target(spec, s, without_faults(&drill, &[fault])), "{what}: {fault:?} is not needed");
    }
    for b in 1..=drill.batches {
        if let Some(fewer) = without_batch(&drill, b) {
            assert!(!keeps_target(spec, s, fewer), "{what}: batch {b} is not needed");
        }
    }
}

#[test]
fn the_first_violating_chaos_seeds_shrink_to_1_minimal_drills_that_violate_the_same_way() {
    let chaos = spec("chaos", &[], false);
    let shrunk = first_shrunk(&chaos, 10);
    assert_eq!(shrunk.len(), 10);
    for s in &shrunk {
        assert_same_and_1_minimal(&chaos, s);
    }
}

#[test]
fn the_first_violating_explored_seed_of_every_variant_shrinks_the_same_way() {
    let workload1 = wl1::run::built_in_architecture("workload1").unwrap();
    for variant in workload1.variants() {
        let explored = spec("chaos", &[variant], true);
        let s = first_shrunk(&explored, 1).pop().unwrap_or_else(|| panic!("{variant:?} violates in 200 seeds"));
        assert_same_and_1_minimal(&explored, &s);
    }
}

#[test]
fn the_readmes_chaos_seed_shrinks_to_its_one_outage_and_twice_the_same() {
    let chaos = spec("chaos", &[], false);
    let first = shrunk(&chaos, 12, Settings::default()).expect("seed 12 of chaos violates");
    assert_same_and_1_minimal(&chaos, &first);
    assert_eq!(first.after.1.faults, 1, "{}", to_drill(&first.after.0));
    let again = shrunk(&chaos, 12, Settings::default()).unwrap();
    assert_eq!(to_drill(&again.after.0), to_drill(&first.after.0));
    assert_eq!((again.tried, again.taken), (first.tried, first.taken));
}

#[test]
fn a_budget_that_runs_out_keeps_the_smallest_drill_so_far() {
    let chaos = spec("chaos", &[], false);
    let settings = Settings { max_candidates: 6, ..Settings::default() };
    let s = shrunk(&chaos, 12, settings).unwrap();
    assert!(!s.complete && s.tried == 6, "{} candidates", s.tried);
    assert!(s.taken > 0 && s.after.1.messages < s.before.1.messages);
    assert!(keeps_target(&chaos, &s, s.after.0.clone()));
    let mut calls = 0;
    let stopped = shrink(&chaos, 12, &mut SpecJudge, Settings::default(), &mut |_| {
        calls += 1;
        calls < 4
    });
    let Ok(Outcome::Shrunk(stopped)) = stopped else { panic!("seed 12 violates") };
    assert!(!stopped.complete && stopped.tried == 3);
}

#[test]
fn a_run_that_holds_has_nothing_to_shrink() {
    let baseline = spec("baseline", &[], false);
    assert!(shrunk(&baseline, 0, Settings::default()).is_none());
}

#[test]
fn chaos_seeds_whose_records_a_region_outage_strands_keep_only_the_outages_that_matter() {
    let chaos = spec("chaos", &[], false);
    for seed in [12, 38, 76] {
        let s = shrunk(&chaos, seed, Settings::default()).expect("the seed violates");
        assert_eq!(s.target.violation.place.as_deref(), Some("outbound-removed"), "seed {seed}");
        assert!((1..=2).contains(&s.after.1.faults), "seed {seed}: {}", to_drill(&s.after.0));
        assert_same_and_1_minimal(&chaos, &s);
    }
}
