//! The design variants of the study's queue architectures (docs/architectures.md,
//! "Design variants"): each variant that changes ActivePassive or
//! ActiveActive is caught under `--explore` within 1,000 seeds in the
//! scenario the README's table names, with the property named, where the
//! same seeds with the variant off break it in none; `idempotent-stores`
//! takes their duplicate stores away and nothing else; a variant that
//! changes none of an architecture's machines is refused for it.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

const SEEDS: u64 = 1_000;

/// Per property, the seeds of `0..SEEDS` whose explored runs violate it.
type Violating = BTreeMap<String, BTreeSet<u64>>;

fn wl1(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().unwrap()
}

fn explored(architecture: &str, scenario: &str, variant: Option<&str>) -> Violating {
    let dir = tempfile::tempdir().unwrap();
    let (traces, export) = (dir.path().join("traces"), dir.path().join("export"));
    let runs = SEEDS.to_string();
    let mut args = vec!["simulate", "--architecture", architecture, "--scenario", scenario, "--runs", &runs];
    args.extend(["--explore", "--out", traces.to_str().unwrap()]);
    args.extend(variant.iter().flat_map(|v| ["--variant", v]));
    let simulated = wl1(&args);
    assert!(simulated.status.success(), "{}", String::from_utf8_lossy(&simulated.stderr));
    let export_dir = export.to_str().unwrap();
    wl1(&["analyze", traces.to_str().unwrap(), "--export-format", "csv", "--export", export_dir]);
    let table = std::fs::read_to_string(export.join("violations.csv")).unwrap();
    let mut lines = table.lines().map(|l| l.split(',').collect::<Vec<_>>());
    let header = lines.next().unwrap();
    let column = |name| header.iter().position(|h| *h == name).unwrap();
    let (seed, property) = (column("seed"), column("property"));
    let mut violating = Violating::new();
    for fields in lines {
        violating.entry(fields[property].to_string()).or_default().insert(fields[seed].parse().unwrap());
    }
    violating
}

/// Over every seed up to the last that catches, how many seeds a search
/// starting there tries up to its first catch: the median and the worst.
fn seeds_to_first_catch(catching: &BTreeSet<u64>) -> (u64, u64) {
    let last = *catching.last().expect("a seed catches");
    let mut tries: Vec<u64> = (0..=last).map(|s| catching.range(s..).next().unwrap() - s + 1).collect();
    tries.sort_unstable();
    (tries[tries.len() / 2], tries[tries.len() - 1])
}

/// A row of the README's table: a variant caught in an architecture's
/// scenario by a property, in at least `least` seeds of 1,000 (set well
/// below the measured figure, which a change to how `--explore` draws
/// environments may move).
struct Row {
    architecture: &'static str,
    variant: &'static str,
    scenario: &'static str,
    property: &'static str,
    least: usize,
}

const fn row(
    architecture: &'static str,
    variant: &'static str,
    scenario: &'static str,
    property: &'static str,
    least: usize,
) -> Row {
    Row { architecture, variant, scenario, property, least }
}

const REMOVED_BEFORE_STORE: &str = "inbound-queue-removed-before-store";
const EVENTUAL_DELIVERY: &str = "eventual-delivery";

/// Measured: 1,000, 838, 872, 872, 10 (ActivePassive); 1,000, 919, 951, 951, 991
/// (ActiveActive).
const ROWS: &[Row] = &[
    row("active-passive", "remove-before-store", "f3", REMOVED_BEFORE_STORE, 1_000),
    row("active-passive", "remove-before-store", "f3", EVENTUAL_DELIVERY, 500),
    row("active-passive", "remove-on-send-failure", "f3", EVENTUAL_DELIVERY, 500),
    row("active-passive", "uniform-failure", "f3", EVENTUAL_DELIVERY, 500),
    row("active-passive", "global-order", "chaos", "global-order", 2),
    row("active-active", "remove-before-store", "f3", REMOVED_BEFORE_STORE, 1_000),
    row("active-active", "remove-before-store", "f3", EVENTUAL_DELIVERY, 500),
    row("active-active", "remove-on-send-failure", "f3", EVENTUAL_DELIVERY, 500),
    row("active-active", "uniform-failure", "f3", EVENTUAL_DELIVERY, 500),
    row("active-active", "global-order", "baseline", "global-order", 900),
];

#[test]
fn every_variant_of_the_queue_architectures_is_caught_where_the_default_holds() {
    let mut off = BTreeMap::new();
    for r in ROWS {
        let without =
            off.entry((r.architecture, r.scenario)).or_insert_with(|| explored(r.architecture, r.scenario, None));
        let with = explored(r.architecture, r.scenario, Some(r.variant));
        let catching =
            with.get(r.property).unwrap_or_else(|| panic!("{} {}: no {}", r.architecture, r.variant, r.property));
        let default = without.get(r.property).map_or(0, BTreeSet::len);
        let (median, worst) = seeds_to_first_catch(catching);
        eprintln!(
            "caught: {} {} {} {}: {} of {SEEDS}; seeds to the first: {median}, at worst {worst}; off: {default}",
            r.architecture,
            r.variant,
            r.scenario,
            r.property,
            catching.len()
        );
        assert_eq!(default, 0, "{} {}: the default breaks {} already", r.architecture, r.scenario, r.property);
        assert!(catching.len() >= r.least, "{} {} under {}: {}", r.architecture, r.variant, r.scenario, catching.len());
    }
}

/// f3 stores a record twice in about 9 seeds in 10 by default, f5 in 7 to 8
/// in 100 (measured: ActivePassive 872 and 86, ActiveActive 951 and 93).
#[test]
fn idempotent_stores_take_away_the_duplicate_stores_of_f3_and_f5_and_nothing_else() {
    for architecture in ["active-passive", "active-active"] {
        for (scenario, least) in [("f3", 500), ("f5", 20)] {
            let (mut without, with) =
                (explored(architecture, scenario, None), explored(architecture, scenario, Some("idempotent-stores")));
            let duplicates = without.remove("duplicate-store").map_or(0, |seeds| seeds.len());
            eprintln!(
                "idempotent-stores: {architecture} {scenario}: duplicate-store in {duplicates} of {SEEDS} off, 0 on"
            );
            assert!(duplicates >= least, "{architecture} {scenario}: {duplicates} seeds store a record twice");
            assert_eq!(with, without, "{architecture} {scenario}: only the duplicate stores go");
        }
    }
}

#[test]
fn a_variant_that_changes_nothing_in_an_architecture_is_refused_for_it() {
    let refused = [
        ("active-passive", "lossy-kafka", "kafka"),
        ("active-active", "non-idempotent", "mongo-replica"),
        ("workload1", "idempotent-stores", "aurora-regional and dynamo-regional"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    for (architecture, variant, kinds) in refused {
        for command in ["simulate", "check", "replay"] {
            let mut args = vec![command, "--architecture", architecture, "--scenario", "f1", "--variant", variant];
            match command {
                "replay" => args.extend(["--seed", "0"]),
                _ => args.extend(["--out", traces.to_str().unwrap()]),
            }
            let out = wl1(&args);
            let error = String::from_utf8_lossy(&out.stderr).replace("\n  ", " ");
            assert_eq!(out.status.code(), Some(2), "{command} {architecture} {variant}: {error}");
            let named = format!("--variant {variant} changes nothing in the architecture \"{architecture}\"");
            assert!(error.contains(&named) && error.contains(&format!("acts on {kinds} machines")), "{error}");
        }
    }
    assert!(!traces.exists(), "nothing is simulated");
    let listed = String::from_utf8_lossy(&wl1(&["scenarios", "--architecture", "active-active"]).stdout).to_string();
    assert!(listed.contains("idempotent-stores") && !listed.contains("lossy-kafka"), "{listed}");
}
