//! A stored summary read back: as a stream of bounded size, then checked
//! for consistency, not only shape: every figure against the others, so
//! that an edited count (violating runs set to 0, a count above the runs, a
//! seed range covering every seed) is found to be damage instead of
//! changing the verdict or swallowing real runs.

use strum::VariantArray;
use wl1::trace::OutcomeKind;
use wl1::trace::format::{MAX_RECORDS, MAX_RUN_EVENTS};

use std::path::Path;

use crate::measure::histogram::Histogram;
use crate::measure::order::{GLOBAL, ORDER_REGIONS};
use crate::measure::seeds::LISTED_DUPLICATES;
use crate::measure::summary::{
    FORMAT, GroupSummary, LISTED_PROBLEMS, MAX_SUMMARY_BYTES, NEXT_KEPT, Summary, VERSION, Violated, printable,
};
use crate::properties::{EVENTUAL_DELIVERY, PROPERTIES};
use crate::record::places::{Places, places_of_text};

impl Summary {
    /// Reads a summary stored by [`Summary::write`] (see [`Summary::parse`]).
    pub fn read(path: &Path) -> Result<Summary, String> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
        Summary::parse(std::io::BufReader::new(file), &name).map_err(|e| named_report(path, &name, e))
    }

    /// Reads a stored summary fetched whole (an object in a store), as
    /// [`Summary::parse`] does.
    pub fn parse_bytes(bytes: &[u8], name: &str) -> Result<Summary, String> {
        Summary::parse(bytes, name).map_err(|e| if is_report(bytes) { report_given(name) } else { e })
    }

    /// Reads a stored summary from `source`, as a stream of at most
    /// [`MAX_SUMMARY_BYTES`], and checks it: its shape, and every figure
    /// against the others (see `validate.rs`). An
    /// error names `name` and says what is wrong.
    pub fn parse(source: impl std::io::Read, name: &str) -> Result<Summary, String> {
        let mut limited = source.take(MAX_SUMMARY_BYTES + 1);
        let parsed = serde_json::from_reader::<_, Summary>(&mut limited);
        if limited.limit() == 0 {
            return Err(format!("{name}: larger than {} MiB: not a summary wl1 writes", MAX_SUMMARY_BYTES >> 20));
        }
        let summary = parsed.map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                format!("{name}: not a readable analysis summary, or a damaged one: {}", json_problem(&e))
            }
            _ => format!("{name}: not a readable analysis summary: {}", json_problem(&e)),
        })?;
        if summary.format != FORMAT || summary.version != VERSION {
            return Err(format!(
                "{name}: {} version {}, this wl1 reads {FORMAT} version {VERSION}",
                printable(&summary.format),
                summary.version
            ));
        }
        if summary.places != Summary::new(0).places {
            return Err(format!("{name}: its places differ from this wl1's: analyze its traces again"));
        }
        if !summary.shards.windows(2).all(|w| w[0] < w[1]) || summary.shards.iter().any(|s| s.index >= s.count) {
            return Err(format!("{name}: its shards are out of order or range: the summary is damaged"));
        }
        consistent(&summary).map_err(|what| format!("{name}: the summary is damaged: {what}"))?;
        Ok(summary)
    }
}

/// The error for a summary file that could not be read: a JSON report
/// given in its place (a common mix-up) is named as one.
fn named_report(path: &Path, name: &str, error: String) -> String {
    const REPORT_SIZE: u64 = 16 << 20;
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= REPORT_SIZE);
    let report = small && std::fs::read(path).is_ok_and(|bytes| is_report(&bytes));
    if report { report_given(name) } else { error }
}

fn report_given(name: &str) -> String {
    format!("{name}: a JSON report (the output of --format json), not a summary: write a summary with --summary FILE")
}

/// Whether `bytes` are a JSON report of `wl1 analyze --format json`: an
/// object with a verdict and violating seeds, and no summary format.
fn is_report(bytes: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(bytes).is_ok_and(|json| {
        json.get("format").is_none() && json.get("verdict").is_some() && json.get("violating_seeds").is_some()
    })
}

/// What a JSON error says, without the decoder's own words for its
/// internals: the line and column, and what was expected there.
fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "cannot read it".to_string(),
        Category::Eof => "it ends in the middle".to_string(),
        Category::Syntax => "not JSON".to_string(),
        Category::Data => printable(e.to_string().split(" at line ").next().unwrap_or_default()),
    };
    format!("{what} (line {}, column {})", e.line(), e.column())
}

/// What is wrong with a summary read from a file, if anything.
fn consistent(s: &Summary) -> Result<(), String> {
    if s.problems.listed.len() > LISTED_PROBLEMS || (s.problems.listed.len() as u64) > s.problems.count {
        return Err("its problems count is below the problems it lists".into());
    }
    let control = |text: &String| text.chars().any(char::is_control);
    if s.files.iter().chain(&s.problems.listed).any(control) {
        return Err("a file name or problem with control characters (terminal escapes)".into());
    }
    if !s.groups.windows(2).all(|w| w[0].identity < w[1].identity) {
        return Err("its groups are not in order of identity".into());
    }
    for g in &s.groups {
        group(g, s.files.len(), s.seeds_kept).map_err(|what| format!("{what} in group {}", printable_label(g)))?;
    }
    let total = |figure: fn(&GroupSummary) -> u64| s.groups.iter().try_fold(0u64, |t, g| t.checked_add(figure(g)));
    if total(|g| g.runs).is_none() || total(|g| g.trace_events).is_none() {
        return Err("its counts add up beyond 2^64".into());
    }
    Ok(())
}

fn printable_label(g: &GroupSummary) -> String {
    printable(&g.label)
}

/// At most `per_run` for each of `runs` runs.
fn within(count: u128, runs: u64, per_run: u64) -> bool {
    count <= u128::from(runs) * u128::from(per_run)
}

fn sum<'a>(counts: impl IntoIterator<Item = &'a u64>) -> u128 {
    counts.into_iter().map(|&n| u128::from(n)).sum()
}

/// The first failed check of a group.
fn group(g: &GroupSummary, files: usize, seeds_kept: usize) -> Result<(), String> {
    let places = places_of_text(&g.spec);
    let checks = [
        (names(g), "an identity, label or scenario that is not one wl1 writes"),
        (seeds(g, files), "seed ranges out of range, overlapping, or that do not count its runs"),
        (outcomes(g), "outcomes that are unknown or do not add up to its runs"),
        (properties(g, &places), "violation counts that disagree with its violating runs"),
        (violators(g, &places, files, seeds_kept), "violating seeds that are out of range or not counted"),
        (within_places(g, &places), "a place out of range"),
        (undelivered(g, &places), "undelivered records that disagree with its eventual-delivery violations"),
        (measurements(g, &places), "latencies, hops, last batches, order or duplicate figures beyond its runs"),
        (duplicate_runs(g, files), "a duplicate out of range"),
    ];
    if let Some((_, what)) = checks.into_iter().find(|(ok, _)| !ok) {
        return Err(what.into());
    }
    g.coverage.damage(g.runs, &g.seeds, places.pairs()).map_or(Ok(()), |what| Err(what.into()))
}

fn names(g: &GroupSummary) -> bool {
    let hex = g.identity.len() == 16 && g.identity.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    hex && !g.label.chars().chain(g.scenario.chars()).any(char::is_control)
}

fn seeds(g: &GroupSummary, files: usize) -> bool {
    let ranges: Vec<_> = g.seeds.ranges().collect();
    ranges.iter().all(|r| (r.file as usize) < files && r.first <= r.last)
        && ranges.windows(2).all(|w| w[0].last < w[1].first)
        && g.seeds.len() == Some(g.runs)
        && within(u128::from(g.trace_events), g.runs, MAX_RUN_EVENTS)
}

fn outcomes(g: &GroupSummary) -> bool {
    let known = |name: &String| OutcomeKind::VARIANTS.iter().any(|k| k.name() == name);
    g.outcomes.keys().all(known)
        && g.outcomes.values().all(|&n| n > 0)
        && sum(g.outcomes.values()) == u128::from(g.runs)
}

/// Each property violated in at least one run and at most the violating
/// runs; each violating run violates some property.
fn properties(g: &GroupSummary, places: &Places) -> bool {
    let known = |name: &String| PROPERTIES.contains(name);
    let runs: Vec<u64> = g.properties.values().map(|v| v.runs).collect();
    g.violating_runs <= g.runs
        && g.properties.keys().all(known)
        && runs.iter().all(|&r| (1..=g.violating_runs).contains(&r))
        && (g.violating_runs == 0) == g.properties.is_empty()
        && u128::from(g.violating_runs) <= sum(&runs)
        && g.properties.values().all(|v| within(v.records.into(), v.runs, u64::from(MAX_RECORDS) * places.len() as u64))
}

fn violators(g: &GroupSummary, places: &Places, files: usize, seeds_kept: usize) -> bool {
    g.violators.iter().all(|(property, listed)| {
        let Some(violated) = g.properties.get(property) else {
            return false;
        };
        let most = (seeds_kept as u64).min(violated.runs);
        let counted = |seed: u64, file: u32| g.seeds.file_of(seed) == Some(file);
        (listed.len() as u64) <= most
            && listed.windows(2).all(|w| w[0].seed < w[1].seed)
            && listed.iter().all(|v| {
                (v.file as usize) < files
                    && counted(v.seed, v.file)
                    && v.violations > 0
                    && v.next.len() <= NEXT_KEPT
                    && (v.next.len() as u64) < v.violations
                    && v.spots().all(|s| {
                        s.place.is_none_or(|p| (p as usize) < places.len())
                            && s.region.is_none_or(|r| region(places, r))
                    })
            })
    })
}

fn region(places: &Places, r: u32) -> bool {
    r as usize <= places.regions()
}

fn within_places(g: &GroupSummary, places: &Places) -> bool {
    g.undelivered.keys().chain(g.duplicates.keys()).all(|&p| (p as usize) < places.len())
}

fn undelivered(g: &GroupSummary, places: &Places) -> bool {
    let eventual = g.properties.get(EVENTUAL_DELIVERY).copied().unwrap_or_default();
    let stopped: Vec<&Violated> = g.undelivered.values().flat_map(|by_region| by_region.values()).collect();
    g.undelivered.values().all(|by_region| by_region.keys().all(|&r| region(places, r)))
        && stopped.iter().all(|v| (1..=eventual.runs).contains(&v.runs) && v.records >= v.runs)
        && stopped.iter().map(|v| u128::from(v.records)).sum::<u128>() == u128::from(eventual.records)
}

fn histograms_within<'a>(histograms: impl IntoIterator<Item = &'a Histogram>, runs: u64) -> bool {
    within(histograms.into_iter().map(|h| u128::from(h.count())).sum(), runs, MAX_RECORDS.into())
}

fn measurements(g: &GroupSummary, places: &Places) -> bool {
    let records = |n: u128| within(n, g.runs, MAX_RECORDS.into());
    let arrived = |r: &u32| g.latency.get(r).map_or(0, Histogram::count);
    let hops = g.hops.iter().all(|(r, by_stage)| {
        g.latency.contains_key(r)
            && by_stage.iter().all(|(&k, h)| (1..places.stages() as u32).contains(&k) && h.count() <= arrived(r))
    });
    let scopes = g.order.keys().all(|&s| s == GLOBAL || ORDER_REGIONS.contains(&s));
    let order = g.order.values().all(|o| {
        o.runs <= g.runs && o.out_of_order <= o.arrivals && o.inversions <= o.pairs && records(o.arrivals.into())
    });
    let duplicates = g.duplicates.values().all(|d| d.extra >= d.records && records(d.records.into()));
    g.latency.keys().chain(g.lost.keys()).all(|&r| region(places, r))
        && histograms_within(g.latency.values(), g.runs)
        && records(sum(g.lost.values()))
        && hops
        && g.last_batch.count() <= g.runs
        && scopes
        && order
        && duplicates
}

fn duplicate_runs(g: &GroupSummary, files: usize) -> bool {
    let d = &g.duplicate_runs;
    let file = |f: u32| (f as usize) < files;
    d.listed.len() <= LISTED_DUPLICATES
        && d.listed.iter().all(|d| file(d.kept) && file(d.again) && d.first <= d.last)
        && d.listed.iter().map(|d| u128::from(d.last - d.first) + 1).sum::<u128>() <= u128::from(d.runs)
}
