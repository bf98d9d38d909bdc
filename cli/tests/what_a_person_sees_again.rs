//! Issue 19, "what a person sees" (items 11 to 15): one test per defect,
//! each failing on the binary of the commit before the fix (run them on it
//! with `WL1_BIN=path/to/old/wl1`).

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use support::{Ran, said, wl1_in};

const WIDTH: usize = 100;

fn wl1(dir: &Path, args: &[&str]) -> Ran {
    wl1_in(dir, 300, args)
}

/// The lines of `text` wider than [`WIDTH`] columns.
fn too_wide(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.chars().count() > WIDTH).collect()
}

/// Simulates `runs` runs of `scenario` (and `extra` options) into `traces`.
fn simulate(dir: &Path, traces: &Path, scenario: &str, runs: &str, extra: &[&str]) {
    let mut args = vec!["simulate", "--scenario", scenario, "--runs", runs, "--out", traces.to_str().unwrap()];
    args.extend(extra);
    let ran = wl1(dir, &args);
    assert_eq!(ran.code, Some(0), "{args:?}: {}", ran.stderr);
}

/// The page `analyze --html` writes for the traces in `traces`.
fn page(dir: &Path, traces: &Path) -> String {
    let page = dir.join("report.html");
    let ran = wl1(dir, &["analyze", traces.to_str().unwrap(), "-m", "3", "--html", page.to_str().unwrap()]);
    assert_eq!(ran.code, Some(1), "{}", ran.stderr);
    std::fs::read_to_string(page).unwrap()
}

/// The SVG of `page` whose text says `title`.
fn picture<'p>(page: &'p str, title: &str) -> &'p str {
    page.split("<svg").skip(1).find(|svg| svg.contains(title)).unwrap_or_else(|| panic!("no picture of {title}"))
}

// 11. The page explains safety violations; long record lists wrap.

#[test]
fn defect_11_the_page_names_the_record_the_replica_and_both_store_times_of_a_duplicate_store() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    simulate(dir.path(), &traces, "f3", "3", &["--variant", "non-idempotent"]);
    let page = page(dir.path(), &traces);
    let seed = page.split("<h4 id=").nth(1).expect("a violating seed");
    let heading = seed.split("</h4>").next().unwrap();
    assert!(heading.contains("VIOLATES the specification ("), "the heading says so: {heading}");
    assert!(heading.contains(" violation"), "the heading counts the violations: {heading}");
    let explained = seed
        .split("<li><b>duplicate-store</b>: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no duplicate-store explained in:\n{}", &seed[..seed.len().min(3000)]))
        .split("</li>")
        .next()
        .unwrap();
    assert!(explained.starts_with("record "), "{explained}");
    assert!(explained.contains("-replica-stored@"), "the replica: {explained}");
    assert!(explained.matches(" ms").count() >= 2, "both store times: {explained}");
    let timeline = picture(seed, "timeline");
    assert!(timeline.contains("/replica-"), "a lane of the replica the violation names");
}

#[test]
fn defect_11_long_record_lists_wrap_in_the_replay_and_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    // Batches of 1000 records strand all of chaos's records, odd and even ids apart.
    let replay = wl1(dir.path(), &["replay", "--scenario", "chaos", "--batch-size", "1000", "--seed", "0"]);
    assert_eq!(replay.code, Some(1), "{}", replay.stderr);
    let diagnosis = replay.stdout.split("\ndiagnosis:").nth(1).expect("a diagnosis");
    assert!(diagnosis.contains("87 record(s)"), "a long list of records:\n{diagnosis}");
    let wide = too_wide(diagnosis);
    assert!(wide.is_empty(), "lines wider than {WIDTH}:\n{}", wide.join("\n"));

    let traces = dir.path().join("traces");
    simulate(dir.path(), &traces, "chaos", "1", &["--batch-size", "1000"]);
    let page = page(dir.path(), &traces);
    let items: Vec<&str> = page.split("<li>").skip(1).map(|i| i.split("</li>").next().unwrap()).collect();
    let records = items.iter().find(|i| i.contains("record(s)")).expect("where the records are");
    let longest = records.split([' ', '\n']).map(str::len).max().unwrap();
    assert!(longest < 40, "a list the page can break: {records}");
}

// 12. Pictures that do not mislead; provenance; unique anchors.

#[test]
fn defect_12_the_latency_plot_has_no_grid_band_readable_ticks_and_legends_clear_of_the_data() {
    let dir = tempfile::tempdir().unwrap();
    // Latencies over one decade (f3's duplicates, 1 to 20 s) and over three (chaos).
    let f3: &[&str] = &["--variant", "non-idempotent"];
    for (scenario, extra) in [("f3", f3), ("chaos", &[])] {
        let traces = dir.path().join(scenario);
        simulate(dir.path(), &traces, scenario, "2", extra);
        latency_plot_reads_clearly(&page(dir.path(), &traces));
    }
}

fn latency_plot_reads_clearly(page: &str) {
    let svg = picture(page, "latency of each record against its publication");
    let sizes: Vec<f64> = svg
        .split("font-size=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().trim_end_matches("px").parse().unwrap())
        .collect();
    assert!(!sizes.is_empty() && sizes.iter().all(|&s| s >= 12.0), "text of at least 12 px: {sizes:?}");
    // Horizontal grid lines: a log scale's minor lines crowd into a grey band.
    let attribute = |tag: &str, name: &str| -> Option<i64> {
        tag.split(&format!(" {name}=\"")).nth(1)?.split('"').next()?.parse().ok()
    };
    let mut rows: Vec<i64> = svg
        .split("<line ")
        .skip(1)
        .filter_map(|tag| Some((attribute(tag, "y1")?, attribute(tag, "y2")?)))
        .filter_map(|(y1, y2)| (y1 == y2).then_some(y1))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    let closest = rows.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(i64::MAX);
    assert!(closest >= 20, "grid lines {closest} px apart: {rows:?}");
    // The legend is under the plot: below the x axis's title.
    let y_of = |text: &str| -> f64 {
        let before = svg.split(text).next().unwrap();
        let tag = before.rsplit("<text").next().unwrap();
        tag.split("y=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
    };
    assert!(y_of("arrived through region") > y_of("publication, simulated seconds"), "the legend is over the data");
}

#[test]
fn defect_12_timelines_name_records_on_hover_and_say_what_batch_marks_are() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    simulate(dir.path(), &traces, "chaos", "2", &[]);
    let page = page(dir.path(), &traces);
    let timeline = picture(&page, "timeline");
    assert!(timeline.contains("<title>record 1: published at"), "record ids on hover");
    assert!(said(timeline, "finished publishing"), "what a batch mark is");
    // The last batch's label ends within the picture.
    let width: f64 = timeline.split("width=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let last = timeline.rsplit("▼ batch ").nth(1).expect("batch marks").rsplit("<text").next().unwrap();
    let x: f64 = last.split("x=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let anchored_end = last.contains("text-anchor=\"end\"");
    assert!(anchored_end || x + 60.0 < width, "the last batch label runs off at x={x} of {width}");
}

#[test]
fn defect_12_the_page_carries_its_provenance_and_unique_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    let out = traces.to_str().unwrap();
    // Both groups violate the specification in seed 0.
    simulate(dir.path(), &traces, "f3", "2", &["--variant", "non-idempotent"]);
    simulate(dir.path(), &traces, "chaos", "2", &[]);
    let page = page(dir.path(), &traces);
    let ids: Vec<&str> = page.split(" id=\"").skip(1).map(|s| s.split('"').next().unwrap()).collect();
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "anchors used twice: {ids:?}");
    assert!(ids.iter().filter(|id| id.ends_with("seed-0")).count() >= 2, "seed 0 of both groups: {ids:?}");
    let head = page.split("<h2>").next().unwrap();
    assert!(head.contains(env!("CARGO_PKG_VERSION")), "the version");
    assert!(head.contains("analyze ") && head.contains("--html"), "the command");
    assert!(head.contains(" UTC"), "the date");
    assert!(head.contains(out), "the inputs");
}

// 14. The text report.

#[test]
fn defect_14_coverage_is_brief_unless_asked_for_and_violating_seeds_come_first() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("traces");
    let args = ["check", "--scenario", "all", "--runs", "20", "--out", out.to_str().unwrap()];
    let brief = wl1(dir.path(), &args);
    assert_eq!(brief.code, Some(1), "{}", brief.stderr);
    let full = wl1(dir.path(), &[&args[..], &["--coverage", "full"]].concat());
    assert_eq!(full.code, Some(1), "{}", full.stderr);
    // The coverage of the first group: the end of its section.
    let coverage_lines = |report: &str| {
        let lines = report.lines().skip_while(|l| !l.starts_with("  coverage: "));
        lines.take_while(|l| !l.is_empty()).count()
    };
    let (short, long) = (coverage_lines(&brief.stdout), coverage_lines(&full.stdout));
    assert!(short <= 4 && long > 20, "coverage: {short} lines brief, {long} in full");
    assert!(!brief.stdout.contains("never: ") && full.stdout.contains("never: "));
    let seeds = brief.stdout.find("violating seeds of").expect("violating seeds");
    let coverage = brief.stdout.find("coverage: ").expect("coverage");
    assert!(seeds < coverage, "the violating seeds come before the coverage");
    // Groups in the order of `wl1 scenarios`.
    let listed = wl1(dir.path(), &["scenarios"]).stdout;
    let scenarios = listed.lines().skip(1).take_while(|l| !l.is_empty());
    let names = scenarios.filter(|l| !l.starts_with("   ")).map(|l| l.split_whitespace().next().unwrap());
    let order: Vec<&str> = names.collect();
    let headings = brief.stdout.lines().filter(|l| l.starts_with("group ") && l.contains(" of "));
    let groups: Vec<&str> = headings.map(|l| l.split(": ").nth(1).unwrap().split(' ').next().unwrap()).collect();
    assert_eq!(groups, order, "groups in the order `wl1 scenarios` lists them");
}

#[test]
fn defect_14_counts_have_thousands_separators_and_units() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("traces");
    let ran =
        wl1(dir.path(), &["simulate", "--runs", "1000", "--runs-per-file", "1000", "--out", out.to_str().unwrap()]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stdout.contains("simulated 1,000 runs") && ran.stdout.contains("(1 file)"), "{}", ran.stdout);
    let bytes = ran.stdout.split(" bytes (").next().unwrap().rsplit(' ').next().unwrap();
    assert!(bytes.contains(','), "{bytes} bytes: {}", ran.stdout);
    let report = wl1(dir.path(), &["analyze", out.to_str().unwrap()]);
    assert_eq!(report.code, Some(0), "{}", report.stderr);
    assert!(report.stdout.contains("runs: 1,000, by outcome"), "{}", report.stdout);
    assert!(report.stdout.contains("(1 file, "), "{}", report.stdout);
    let completed = report.stdout.lines().find(|l| l.trim_start().starts_with("completed")).unwrap();
    assert!(completed.contains("1,000"), "{completed}");
}

#[test]
fn defect_14_option_errors_fit_100_columns_and_say_what_was_meant() {
    let dir = tempfile::tempdir().unwrap();
    let variant = wl1(dir.path(), &["simulate", "--variant", "non-idempotnt"]);
    assert_eq!(variant.code, Some(2));
    assert!(said(&variant.stderr, "(did you mean \"non-idempotent\"?)"), "{}", variant.stderr);
    assert!(too_wide(&variant.stderr).is_empty(), "{}", variant.stderr);
    let scenario = wl1(dir.path(), &["simulate", "--scenario", "chaso", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(scenario.code, Some(2));
    assert!(said(&scenario.stderr, "(did you mean \"chaos\"?)"), "{}", scenario.stderr);
    let format = wl1(dir.path(), &["analyze", "--format", "jsno", "--max-seeds", "x"]);
    assert_eq!(format.code, Some(2));
    assert!(too_wide(&format.stderr).is_empty(), "{}", format.stderr);
}

#[test]
fn defect_14_a_replay_with_long_names_fits_100_columns_without_trailing_padding() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["replay", "--architecture", "active-passive", "--scenario", "failover", "--explore", "--seed", "308"];
    let replay = wl1(dir.path(), &args);
    assert_eq!(replay.code, Some(1), "{}", replay.stderr);
    let verdict = replay.stdout.split("\ntimeline").next().unwrap();
    assert!(verdict.contains("answer-unmatched     record 9\n"), "{verdict}");
    let padded: Vec<&str> = replay.stdout.lines().filter(|l| l.ends_with(' ')).collect();
    assert!(padded.is_empty(), "lines ending in spaces: {padded:?}");
    assert!(replay.stdout.contains("outbound-database-replicator -> outbound-database-2"), "{}", replay.stdout);
    assert!(replay.stdout.contains("reached the destination and left every queue"), "{}", replay.stdout);
    assert!(too_wide(&replay.stdout).is_empty(), "{:?}", too_wide(&replay.stdout));
}

#[test]
fn defect_14_a_drill_step_typo_is_named_as_a_step() {
    let dir = tempfile::tempdir().unwrap();
    let drill = dir.path().join("typo.toml");
    std::fs::write(&drill, "name = \"typo\"\ndescription = \"a typo\"\nbatches = 1\n[[step]]\npublsh = 1\n").unwrap();
    let ran =
        wl1(dir.path(), &["simulate", "--scenario", drill.to_str().unwrap(), "--out", dir.path().to_str().unwrap()]);
    assert_eq!(ran.code, Some(2));
    assert!(!ran.stderr.contains("unknown variant"), "{}", ran.stderr);
    assert!(said(&ran.stderr, "unknown step \"publsh\" (did you mean \"publish\"?)"), "{}", ran.stderr);
}

#[test]
fn defect_14_shells_complete_scenario_and_variant_names() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let script = wl1(dir.path(), &["completions", shell]).stdout;
        for name in ["failover", "chaos", "non-idempotent", "lossy-kafka"] {
            assert!(script.contains(name), "{shell} does not complete {name}");
        }
    }
}

#[test]
fn defect_14_the_version_names_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let version = wl1(dir.path(), &["--version"]);
    assert_eq!(version.code, Some(0));
    let line = version.stdout.trim();
    let commit = line.split("(commit ").nth(1).map(|c| c.trim_end_matches(')'));
    let known = commit.is_some_and(|c| c.len() >= 7 && c.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(known || line.ends_with("(unknown commit)"), "{line}");
}

// 15. A 108 MB binary.

#[test]
fn defect_15_the_release_binary_is_under_100_mb() {
    let size = std::fs::metadata(support::binary()).unwrap().len();
    if cfg!(debug_assertions) {
        eprintln!("a debug build ({size} bytes): its size says nothing of the release profile");
        return;
    }
    assert!(size < 100_000_000, "the release binary takes {size} bytes");
}
