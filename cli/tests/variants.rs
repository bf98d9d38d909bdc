//! Each design variant of MODEL.md, "Design variants" is caught by `wl1 analyze` in
//! every scenario that section names, with the right property, within a few
//! hundred runs; the same seeds with the variant off do not show those
//! violations.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// (seed, property, record, stage, region) of every violation.
type Violations = BTreeSet<(u64, String, String, String, String)>;

/// The original's options: strict alternation and batches of 5.
const ORIGINAL: &[&str] = &[];

/// The original's options, each run drawing its own environment.
const EXPLORE: &[&str] = &["--explore"];

/// Six records in ten routed to region 1 at random, in batches of one
/// record. With the original's strict alternation region 2 always finishes
/// batch 1 last (its last batch is completed by record 50, published last),
/// so f3 and f4 fail region 1's streams when they are empty. Here region 1
/// finishes last in about 6 runs of 10, and the fault lands while outbound-1
/// still holds the destination's last batch or inbound-1 processor-1's, as in
/// the original's unordered P schedules; and inbound-1 still gets the 50
/// appends f3 waits for in nearly every run.
const REGION_1_LAST: &[&str] = &["--routing", "weighted:60,40", "--batch-size", "1"];

/// Simulates `runs` seeds and returns every violation the analysis exports.
fn violations(scenario: &str, variant: Option<&str>, options: &[&str], runs: u32) -> Violations {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let export = dir.path().join("export");
    let mut simulate = Command::new(env!("CARGO_BIN_EXE_wl1"));
    simulate.args(["simulate", "--runs", &runs.to_string(), "--scenario", scenario, "--out"]).arg(&traces);
    simulate.args(options);
    if let Some(v) = variant {
        simulate.args(["--variant", v]);
    }
    assert!(simulate.output().unwrap().status.success());
    let analyze = Command::new(env!("CARGO_BIN_EXE_wl1"))
        .arg("analyze")
        .arg(&traces)
        .args(["--export-format", "csv", "--export"])
        .arg(&export)
        .output();
    let code = analyze.unwrap().status.code();
    let table = std::fs::read_to_string(export.join("violations.csv")).unwrap();
    let found = parse(&table);
    assert_eq!(code, Some(if found.is_empty() { 0 } else { 1 }), "exit code agrees with the violations");
    found
}

fn parse(csv: &str) -> Violations {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("no column {name}"));
    let (seed, property, record, stage, region) = (at("seed"), at("property"), at("record"), at("stage"), at("region"));
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[seed].parse().unwrap(), f[property].into(), f[record].into(), f[stage].into(), f[region].into())
        })
        .collect()
}

/// What a variant should break, and where.
struct Expect<'a> {
    property: &'a str,
    /// The stages its violations are reported at; for eventual delivery, the
    /// places downstream of where the variant acts, so that records a changed
    /// schedule merely leaves elsewhere do not count.
    stages: &'a [&'a str],
}

const SAFETY_OF_INBOUND: Expect = Expect { property: "inbound-removed-before-store", stages: &["inbound-removed"] };
const DUPLICATE_STORE: Expect = Expect { property: "duplicate-store", stages: &[] };
const GLOBAL_ORDER: Expect = Expect { property: "global-order", stages: &[] };
const STUCK_BEFORE_STORE: Expect =
    Expect { property: "eventual-delivery", stages: &["processor-db-stored", "outbound-appended"] };
const STUCK_BEFORE_APPEND: Expect = Expect { property: "eventual-delivery", stages: &["outbound-appended"] };
const DROPPED_FROM_A_STREAM: Expect =
    Expect { property: "eventual-delivery", stages: &["processor-read", "inbound-removed", "outbound-removed"] };
const PROCESSOR_NEVER_READS_AGAIN: Expect = Expect {
    property: "eventual-delivery",
    stages: &["processor-read", "processor-db-stored", "outbound-appended", "inbound-removed"],
};

/// How many of `runs` seeds show violations of `expect` with `variant` on
/// that the same seeds do not show with it off.
fn caught(variant: &str, scenario: &str, options: &[&str], expect: &Expect, runs: u32) -> usize {
    let without = violations(scenario, None, options, runs);
    catching_seeds(&without, variant, scenario, options, expect, runs).len()
}

/// The seeds of `0..runs` that [`caught`] counts, the violations with the
/// variant off being `without`.
fn catching_seeds(
    without: &Violations,
    variant: &str,
    scenario: &str,
    options: &[&str],
    expect: &Expect,
    runs: u32,
) -> BTreeSet<u64> {
    let with = violations(scenario, Some(variant), options, runs);
    let counts = |v: &(u64, String, String, String, String)| {
        v.1 == expect.property && (expect.stages.is_empty() || expect.stages.contains(&v.3.as_str()))
    };
    if expect.property != "eventual-delivery" {
        assert!(!without.iter().any(counts), "{scenario} {options:?} shows {} without {variant}", expect.property);
    }
    let new: Vec<_> = with.difference(without).filter(|v| counts(v)).collect();
    let seeds: BTreeSet<u64> = new.iter().map(|v| v.0).collect();
    println!(
        "{variant} under {scenario} {options:?}: {} new {} violations in {} of {runs} runs",
        new.len(),
        expect.property,
        seeds.len()
    );
    seeds
}

/// How many seeds a search starting at seed `s` of `0..runs` tries up to
/// its first catch, over every start up to the last catch: the median and
/// the worst (`None` when no seed catches).
fn seeds_to_first_catch(catching: &BTreeSet<u64>) -> Option<(u64, u64)> {
    let last = *catching.last()?;
    let mut tries: Vec<u64> = (0..=last).map(|s| catching.range(s..).next().map_or(0, |&c| c - s + 1)).collect();
    tries.sort_unstable();
    Some((tries[tries.len() / 2], tries[tries.len() - 1]))
}

#[test]
fn remove_before_store_breaks_safety_and_liveness_under_f2_f3_f4() {
    for scenario in ["f2", "f3", "f4"] {
        assert_eq!(caught("remove-before-store", scenario, ORIGINAL, &SAFETY_OF_INBOUND, 100), 100, "{scenario}");
    }
    // A batch removed early is lost where its store (f2) or its outbound
    // append (f3) fails; f4 fails either in some runs.
    assert_eq!(caught("remove-before-store", "f2", ORIGINAL, &STUCK_BEFORE_STORE, 100), 100);
    assert_eq!(caught("remove-before-store", "f3", ORIGINAL, &STUCK_BEFORE_STORE, 100), 100);
    assert!(caught("remove-before-store", "f4", ORIGINAL, &STUCK_BEFORE_STORE, 300) > 0);
}

#[test]
fn remove_on_send_failure_loses_records_under_f4() {
    assert!(caught("remove-on-send-failure", "f4", ORIGINAL, &STUCK_BEFORE_APPEND, 600) > 0);
}

#[test]
fn non_idempotent_replicas_store_duplicates_under_f3_and_f4() {
    // f3: processor-1 stores its batch, fails to append it to outbound-1, and
    // stores it again after recovery.
    assert_eq!(caught("non-idempotent", "f3", ORIGINAL, &DUPLICATE_STORE, 100), 100);
    assert!(caught("non-idempotent", "f4", ORIGINAL, &DUPLICATE_STORE, 300) > 0);
    assert!(caught("non-idempotent", "f4", REGION_1_LAST, &DUPLICATE_STORE, 200) > 20);
}

#[test]
fn lossy_kafka_loses_the_records_of_a_failing_stream_under_f3_and_f4() {
    assert!(caught("lossy-kafka", "f3", REGION_1_LAST, &DROPPED_FROM_A_STREAM, 200) > 20);
    assert!(caught("lossy-kafka", "f4", REGION_1_LAST, &DROPPED_FROM_A_STREAM, 200) > 20);
    let drill = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/drills/records-in-a-failing-stream.toml");
    assert!(caught("lossy-kafka", drill.to_str().unwrap(), ORIGINAL, &DROPPED_FROM_A_STREAM, 100) > 90);
}

#[test]
fn uniform_failure_leaves_processors_unregistered_under_f2_f3_f4() {
    assert_eq!(caught("uniform-failure", "f2", ORIGINAL, &PROCESSOR_NEVER_READS_AGAIN, 100), 100);
    assert_eq!(caught("uniform-failure", "f3", ORIGINAL, &PROCESSOR_NEVER_READS_AGAIN, 100), 100);
    assert!(caught("uniform-failure", "f4", ORIGINAL, &PROCESSOR_NEVER_READS_AGAIN, 300) > 0);
}

#[test]
fn global_order_fails_in_every_scenario() {
    for scenario in wl1::scenario::BUILT_IN {
        assert!(caught("global-order", scenario, ORIGINAL, &GLOBAL_ORDER, 50) >= 45, "{scenario}");
    }
}

/// The components the run of `seed` of `f4` fails, by name.
fn f4_failed(seed: u64, explore: bool) -> BTreeSet<String> {
    use wl1::config::{Options, Profile};
    let scenario = wl1::scenario::built_in("f4").unwrap();
    let spec = wl1::run::RunSpec::new(scenario, Options::default(), Profile::default()).exploring(explore);
    let mut sim = wl1::run::Simulator::new();
    sim.run(&spec, seed);
    let failed = sim.events().iter().filter(|e| e.kind == wl1::trace::Kind::FAIL);
    failed.map(|e| spec.architecture.actor_name(e.subject as u8).to_string()).collect()
}

/// In f4 a batch removed early is lost only where the scenario's random
/// draw fails processor-db, or outbound-1 and not processor-1, and none of
/// the components upstream of them (else batch 2 stops at its first record
/// and no processor works while they are down); those seeds leave a
/// processor unregistered under uniform-failure too. As the study's tests
/// draw (a count, then which), 1 draw in 24 does; an explored run draws the
/// first component to fail uniformly, then how many after it, and 5 in 16
/// do: processor-db first (1 in 8), outbound-1 first (1 in 8), or
/// processor-1 first with processor-db after it (1 in 16).
#[test]
fn in_f4_the_fault_draw_decides_which_seeds_lose_a_batch() {
    const SEEDS: u32 = 300;
    const UPSTREAM: [&str; 5] = ["receiver-1", "receiver-db", "validator-1", "validator-db", "inbound-1"];
    let loses_a_batch = |failed: &BTreeSet<String>| {
        let has = |name: &str| failed.contains(name);
        !UPSTREAM.iter().any(|c| has(c)) && (has("processor-db") || (has("outbound-1") && !has("processor-1")))
    };
    let [default, explored] = [ORIGINAL, EXPLORE].map(|options| {
        let without = violations("f4", None, options, SEEDS);
        let lost = catching_seeds(&without, "remove-before-store", "f4", options, &STUCK_BEFORE_STORE, SEEDS);
        let unregistered =
            catching_seeds(&without, "uniform-failure", "f4", options, &PROCESSOR_NEVER_READS_AGAIN, SEEDS);
        assert!(lost.is_subset(&unregistered), "{options:?}: {lost:?} {unregistered:?}");
        let explore = options == EXPLORE;
        let drawn: BTreeSet<u64> = (0..u64::from(SEEDS)).filter(|&s| loses_a_batch(&f4_failed(s, explore))).collect();
        assert_eq!(lost, drawn, "{options:?}: the seeds that lose a batch are those whose draw can");
        lost.len()
    });
    assert!((5..=25).contains(&default), "{default} of {SEEDS} as the study draws (1 in 24)");
    assert!((70..=120).contains(&explored), "{explored} of {SEEDS} explored (5 in 16)");
}

/// Seeds to the first catch (median, worst) of rows not caught in every
/// seed, measured over the first 1,000 seeds in the same environments
/// without region speeds, lags, slow periods and change points, and with
/// the faults of `f4` drawn as the default mode draws them: `--explore`
/// as it was before it spread. Every other row was caught in every seed.
const BEFORE_THE_SPREAD: &[(&str, &str, &str, u64, u64)] = &[
    ("lossy-kafka", "f3", "eventual-delivery", 29, 124),
    ("lossy-kafka", "f4", "eventual-delivery", 34, 174),
    ("non-idempotent", "f4", "duplicate-store", 3, 21),
    ("remove-before-store", "f4", "eventual-delivery", 16, 102),
    ("remove-on-send-failure", "f4", "eventual-delivery", 43, 160),
    ("uniform-failure", "f4", "eventual-delivery", 13, 97),
];

/// MODEL.md, "Design variants" with `--explore` and no other option: every variant
/// is caught, with the property the table names, in every scenario it
/// names, within the first 1,000 seeds (the README's table prints these
/// counts), each row reaching its first catch in no more seeds than
/// before the spread: those of [`BEFORE_THE_SPREAD`] as they did, any other
/// in every seed; and most of those in fewer.
#[test]
fn with_explore_alone_every_variant_is_caught_in_every_scenario_of_its_row() {
    const SEEDS: u32 = 1_000;
    let rows: &[(&str, &[&str], &[&Expect])] = &[
        ("remove-before-store", &["f2", "f3", "f4"], &[&SAFETY_OF_INBOUND, &STUCK_BEFORE_STORE]),
        ("remove-on-send-failure", &["f4"], &[&STUCK_BEFORE_APPEND]),
        ("non-idempotent", &["f3", "f4"], &[&DUPLICATE_STORE]),
        ("lossy-kafka", &["f3", "f4"], &[&DROPPED_FROM_A_STREAM]),
        ("uniform-failure", &["f2", "f3", "f4"], &[&PROCESSOR_NEVER_READS_AGAIN]),
        ("global-order", &wl1::scenario::BUILT_IN, &[&GLOBAL_ORDER]),
    ];
    let mut without = std::collections::BTreeMap::new();
    let mut better = 0;
    for &(variant, scenarios, expects) in rows {
        for &scenario in scenarios {
            let without = without.entry(scenario).or_insert_with(|| violations(scenario, None, EXPLORE, SEEDS));
            for expect in expects {
                let catching = catching_seeds(without, variant, scenario, EXPLORE, expect, SEEDS);
                let (median, worst) = seeds_to_first_catch(&catching)
                    .unwrap_or_else(|| panic!("{variant} is not caught by {} under {scenario}", expect.property));
                let (property, seeds) = (expect.property, catching.len());
                eprintln!(
                    "caught: {variant} {scenario} {property} {seeds}; seeds to the first: {median}, at worst {worst}"
                );
                let (most_median, most_worst) = BEFORE_THE_SPREAD
                    .iter()
                    .find(|r| (r.0, r.1, r.2) == (variant, scenario, property))
                    .map_or((1, 1), |&(.., median, worst)| (median, worst));
                assert!(
                    median <= most_median && worst <= most_worst,
                    "{variant} {scenario} {property}: {median} / {worst} seeds to the first catch, \
                     {most_median} / {most_worst} before the spread"
                );
                better += usize::from((median, worst) != (most_median, most_worst));
            }
        }
    }
    assert!(better * 2 > BEFORE_THE_SPREAD.len(), "{better} of {} rows need fewer seeds", BEFORE_THE_SPREAD.len());
}
