//! `--html FILE`: the report as one self-contained page (no script, no
//! network access when viewed): the comparison as a matrix, if the report
//! compares; the verdict table; per group its latency
//! distribution, the latency over simulated time of one run with its
//! faults shaded, the per-hop breakdown and every table of the text report
//! (any [`crate::output::report::Section`] shows up with no change here); and for each
//! violating seed listed, the command that replays it, its violations as
//! the analysis kept them, where its records stopped and why (the run
//! re-simulated, as `wl1 replay` does: a trace holds events, not the final
//! state of every machine), and its timeline.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use wl1::run::{RunSpec, Simulator, holder_of_run, run_guarded, stranded};
use wl1::trace::{Event, Run};

use crate::measure::coverage::CoverageReport;
use crate::measure::summary::{GroupSummary, Summary};
use crate::output::charts;
use crate::output::compare::{COSTS_NOTE, Comparison};
use crate::output::matrix::matrix;
use crate::output::report::{Cell, GroupReport, Report, Section, SeedRow, Table, causes_section};
use crate::output::run_view::{RunView, read_runs};
use crate::properties::EVENTUAL_DELIVERY;
use crate::read::run_check::Violation;
use crate::record::places::places_of_text;
use crate::text::thousands;

const STYLE: &str = "
body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
p.holds { color: #2a7a2a; font-weight: bold; font-size: 1.2em; }
p.violated { color: #b22; font-weight: bold; font-size: 1.2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em 0; }
th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.VIOLATED { color: #b22; font-weight: bold; }
td.holds { color: #2a7a2a; }
td.STUCK { color: #a60; font-weight: bold; }
table.matrix td { text-align: center; border: 2px solid #fff; }
table.matrix td a { color: inherit; text-decoration: none; display: block; }
table.matrix td.holds { background: #dff0df; }
table.matrix td.VIOLATED { background: #f6d5d5; color: #8a1111; }
table.matrix td.STUCK { background: #fbe7c6; color: #7a4a00; }
table.matrix td.none { background: #f0f0f0; color: #777; }
figure { margin: 1em 0; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
pre { background: #f4f4f4; padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
p, li, td { overflow-wrap: anywhere; }
section.group { border-top: 2px solid #888; margin-top: 2em; }
p.label, p.note { color: #555; font-size: 0.9em; }
table.provenance { color: #555; font-size: 0.9em; }
table.provenance th, table.provenance td { border: none; padding: 0 0.8em 0 0; }
";

/// Where a page comes from, shown under its title. The date is the only
/// wall-clock fact of a report, and it stays on the page.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// "wl1 0.1.0 (commit 1a2b3c4d5e6f)".
    pub version: String,
    /// The command line that made the page.
    pub command: String,
    /// When the page was made, in UTC.
    pub date: String,
    /// The inputs named on the command line.
    pub inputs: Vec<String>,
}

/// Inputs named on the page at most; the others are counted.
const INPUTS_NAMED: usize = 12;

impl Provenance {
    fn html(&self) -> String {
        let mut inputs: Vec<String> = self.inputs.iter().take(INPUTS_NAMED).map(|i| escape(i)).collect();
        if self.inputs.len() > INPUTS_NAMED {
            inputs.push(format!("and {} more", self.inputs.len() - INPUTS_NAMED));
        }
        format!(
            "<table class=\"provenance\">\n<tr><th>made by</th><td>{}</td></tr>\n<tr><th>command</th><td><code>{}</code></td></tr>\n\
             <tr><th>date</th><td>{}</td></tr>\n<tr><th>inputs</th><td>{}</td></tr>\n</table>\n",
            escape(&self.version),
            escape(&self.command),
            escape(&self.date),
            inputs.join(", ")
        )
    }
}

/// Told how many pictures of runs have been drawn, as the page is made.
pub type Progress<'a> = &'a dyn Fn(u64);

/// How many runs the page draws: what [`page`] counts in its progress.
pub fn runs_drawn(report: &Report) -> u64 {
    report.groups.iter().map(|g| g.seeds.len().max(1) as u64).sum()
}

/// The page of `report`, whose figures come from `summary`.
pub fn page(report: &Report, summary: &Summary, provenance: &Provenance, progress: Progress<'_>) -> String {
    let verdict_class = if report.holds() { "holds" } else { "violated" };
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>wl1 report</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n<h1>wl1 report</h1>\n{}<p class=\"{verdict_class}\">{}</p>\n",
        provenance.html(),
        escape(&report.conclusion())
    );
    if report.compare {
        out += &comparison(&Comparison::of(report));
    } else {
        out += "<h2>Verdict per group</h2>\n";
        out += &verdict_table(report);
    }
    let mut drawn = 0;
    for (i, g) in report.groups.iter().enumerate() {
        let Some(figures) = summary.groups.iter().find(|s| s.identity == g.identity) else { continue };
        out += &group(i + 1, g, figures, summary, &mut || {
            drawn += 1;
            progress(drawn);
        });
    }
    if report.problem_count > 0 {
        let _ = writeln!(out, "<h2>Input problems ({})</h2>\n<ul>", report.problem_count);
        report.problems.iter().for_each(|p| out += &format!("<li>{}</li>\n", escape(p)));
        out += "</ul>\n";
    }
    out + "</body>\n</html>\n"
}

/// Writes the page at `path`, whole or not at all.
pub fn write(
    path: &Path,
    report: &Report,
    summary: &Summary,
    provenance: &Provenance,
    progress: Progress<'_>,
) -> Result<(), String> {
    crate::atomic::write(path, page(report, summary, provenance, progress).as_bytes())
}

fn verdict_table(report: &Report) -> String {
    per_group(&report.verdict(), "group", Some("verdict"))
}

/// A table of one row per group, in the report's order: the column `link`
/// links to the group's section, the column `verdict` (if any) is
/// coloured by its word.
fn per_group(t: &Table, link: &str, verdict: Option<&str>) -> String {
    let at = |name: &str| t.columns.iter().position(|(n, _)| *n == name);
    let (link, verdict) = (at(link), verdict.and_then(at));
    let mut out = String::from("<table>\n<tr>");
    t.columns.iter().for_each(|(_, heading)| out += &format!("<th>{}</th>", escape(heading)));
    out += "</tr>\n";
    for (i, row) in t.rows.iter().enumerate() {
        out += "<tr>";
        for (j, cell) in row.iter().enumerate() {
            let text = escape(&cell.text());
            let class = class(cell);
            out += &match j {
                _ if Some(j) == link => format!("<td><a href=\"#group-{}\">{text}</a></td>", i + 1),
                _ if Some(j) == verdict => format!("<td class=\"{text}\">{text}</td>"),
                _ => format!("<td{class}>{text}</td>"),
            };
        }
        out += "</tr>\n";
    }
    out + "</table>\n"
}

/// The comparison: the matrix, then its tables.
fn comparison(c: &Comparison) -> String {
    let mut out = String::from("<h2>Comparison</h2>\n<p>Each cell links to its group below.</p>\n");
    if let Some(options) = c.shared_options() {
        out += &format!("<p>Every row: {}</p>\n", escape(options));
    }
    out += &matrix(c);
    out += &per_group(&c.verdicts(), "scenario", Some("verdict"));
    out += &section(&Section::new("violations", "Where the violations are", c.violations()), "h3");
    out += &per_group(&c.costs(), "scenario", None);
    out + &format!("<p class=\"note\">{}</p>\n", escape(COSTS_NOTE))
}

fn class(cell: &Cell) -> &'static str {
    match cell {
        Cell::Count(_) | Cell::Id(_) | Cell::Figure(_) => " class=\"n\"",
        _ => "",
    }
}

fn table(t: &Table) -> String {
    let mut out = String::from("<table>\n<tr>");
    t.columns.iter().for_each(|(_, heading)| out += &format!("<th>{}</th>", escape(heading)));
    out += "</tr>\n";
    for row in &t.rows {
        out += "<tr>";
        row.iter().for_each(|cell| out += &format!("<td{}>{}</td>", class(cell), escape(&cell.text())));
        out += "</tr>\n";
    }
    out + "</table>\n"
}

/// A titled table, under a heading of level `heading`; an empty one as
/// its title and what it means when empty, or not at all.
fn section(s: &Section, heading: &str) -> String {
    match (s.table.rows.is_empty(), s.when_empty) {
        (true, None) => String::new(),
        (true, Some(empty)) => format!("<p>{}: {}</p>\n", escape(&s.title), escape(empty)),
        (false, _) => format!("<{heading}>{}</{heading}>\n{}", escape(&s.title), table(&s.table)),
    }
}

fn figure(svg: Result<String, String>, caption: &str) -> String {
    match svg {
        Ok(svg) => format!("<figure>\n{svg}<figcaption>{}</figcaption>\n</figure>\n", escape(caption)),
        Err(e) => format!("<p class=\"note\">{}</p>\n", escape(&e)),
    }
}

fn group(number: usize, g: &GroupReport, figures: &GroupSummary, summary: &Summary, drawn: &mut dyn FnMut()) -> String {
    let mut out = format!(
        "<section class=\"group\" id=\"group-{number}\">\n<h2>Group {number}: {}</h2>\n<p class=\"label\">{}</p>\n",
        escape(&g.name),
        escape(&g.label)
    );
    out += &figure(
        charts::latency_cdf(figures),
        "Each region's curve is the share of its records (those that arrived through it and those lost \
         in it) that arrived within a latency: a curve that stops below 1, dashed on, has lost records.",
    );
    let runs = seed_runs(g, figures, summary);
    let sample = g.seeds.first().map(|s| s.seed).or_else(|| figures.seeds.ranges().next().map(|r| r.first));
    match sample.and_then(|seed| runs.get(&seed)) {
        Some(Ok(run)) => {
            let which = if g.seeds.is_empty() { "the group's first run" } else { "the first violating seed" };
            out += &figure(
                charts::latency_over_time(&RunView::of(run)),
                &format!(
                    "Seed {} ({which}): each record's latency at the time it was published, in the colour \
                     of the region it arrived through; lost records are crosses at the top; the faults the \
                     scenario injected are shaded.",
                    run.header.seed
                ),
            );
        }
        Some(Err(e)) => out += &format!("<p class=\"note\">{}</p>\n", escape(e)),
        None => {}
    }
    if g.seeds.is_empty() {
        drawn();
    }
    out += &figure(charts::hops_chart(figures), "Where the time goes, hop by hop, per region.");
    g.sections.iter().for_each(|s| out += &section(s, "h3"));
    out += &coverage(&g.coverage);
    out += &section(&causes_section(&g.causes), "h3");
    if !g.seeds.is_empty() {
        let _ = writeln!(out, "<h3>Violating seeds ({} listed of {})</h3>", g.seeds.len(), thousands(g.violating_runs));
    }
    for s in &g.seeds {
        out += &seed(number, s, runs.get(&s.seed));
        drawn();
    }
    out + "</section>\n"
}

/// The coverage section: the orders, then the (state, message) pairs per
/// kind of machine, then the notable situations.
fn coverage(c: &CoverageReport) -> String {
    let mut out = format!("<h3>Coverage</h3>\n<p>{}.</p>\n", escape(&c.orders_sentence()));
    let mut kinds = Table::new(&[
        ("kind", "machine"),
        ("reached", "pairs reached"),
        ("out_of_reach", "no step can cause"),
        ("never", "never reached"),
    ]);
    for k in &c.kinds {
        kinds.rows.push(vec![
            Cell::Text(k.kind.into()),
            Cell::Text(format!("{} of {}", k.reached(), k.pairs.len() - k.out_of_reach.len())),
            Cell::Text(k.out_of_reach.join(", ")),
            Cell::Text(k.never().join(", ")),
        ]);
    }
    out += &table(&kinds);
    let mut situations = Table::new(&[("situation", "notable situation"), ("runs", "runs"), ("seed", "e.g. seed")]);
    for s in &c.situations {
        let example = s.example_seed.map_or(Cell::Missing, Cell::Count);
        situations.rows.push(vec![Cell::Text(s.description.into()), Cell::Count(s.runs), example]);
    }
    out + &table(&situations)
}

/// The runs the group's pictures need, read from their trace files: its
/// listed seeds, or its first run.
fn seed_runs(g: &GroupReport, figures: &GroupSummary, summary: &Summary) -> BTreeMap<u64, Result<Run, String>> {
    let mut wanted: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for s in &g.seeds {
        wanted.entry(s.file.clone()).or_default().push(s.seed);
    }
    if let (true, Some(first)) = (g.seeds.is_empty(), figures.seeds.ranges().next())
        && let Some(file) = summary.files.get(first.file as usize)
    {
        wanted.entry(file.clone()).or_default().push(first.first);
    }
    let mut runs = BTreeMap::new();
    for (file, seeds) in wanted {
        match read_runs(Path::new(&file), &seeds) {
            Ok(found) => {
                for seed in &seeds {
                    let run = found.iter().find(|r| r.header.seed == *seed).cloned();
                    runs.insert(*seed, run.ok_or_else(|| format!("{file} holds no readable run of seed {seed}")));
                }
            }
            Err(e) => seeds.iter().for_each(|&seed| {
                runs.insert(seed, Err(format!("seed {seed} is not drawn: {e}")));
            }),
        }
    }
    runs
}

/// Safety violations explained one by one on the page; the others are
/// counted.
const EXPLAINED: usize = 10;

fn seed(group: usize, s: &SeedRow, run: Option<&Result<Run, String>>) -> String {
    let first: Vec<String> = s
        .violations
        .iter()
        .map(|(p, v)| match v.record {
            Some(r) => format!(
                "{p}: record {r}{}",
                if v.violations > 1 { format!(" and {} more", v.violations - 1) } else { String::new() }
            ),
            None => p.clone(),
        })
        .collect();
    let mut told = format!("<p>{}</p>\n<pre><code>{}</code></pre>\n", escape(&first.join("; ")), escape(&s.command));
    if let Some(shrunk) = &s.shrunk {
        told +=
            &format!("<p>{}</p>\n<pre><code>{}</code></pre>\n", escape(&shrunk.describe()), escape(&shrunk.command));
    }
    let counted: u64 = s.violations.iter().map(|(_, v)| v.violations.max(1)).sum();
    let heading = seed_heading(group, s.seed, counted) + &told;
    let run = match run {
        Some(Ok(run)) => run,
        Some(Err(e)) => return heading + &format!("<p class=\"note\">{}</p>\n", escape(e)),
        None => return heading,
    };
    let violations = kept_violations(s);
    let mut out = heading + &safety(s, &violations, &run.events);
    out += &diagnosis(run);
    let mut records: Vec<u32> = violations.iter().filter_map(|v| v.record).collect();
    records.sort_unstable();
    records.dedup();
    let replicas: Vec<usize> = violations.iter().filter_map(Violation::replica).collect();
    out += &figure(
        charts::timeline(&RunView::of(run), &records, &replicas),
        "One lane per component (and per replica a violation names): every record's way through them, \
         in the colour of the region it arrived through (grey if it never arrived; point at a line for \
         its record), the records that violate the specification in red (the first one named); shaded: a \
         component failed, a container not processing, a region offline in the DNS; ▼ batch n: when \
         batch n finished publishing.",
    );
    out
}

/// The violations of a listed seed the analysis kept, property by property.
fn kept_violations(s: &SeedRow) -> Vec<Violation> {
    let places = places_of_text(&s.spec);
    let mut violations = Vec::new();
    for (property, v) in &s.violations {
        violations.extend(v.spots().map(|spot| Violation {
            property: property.clone(),
            record: spot.record,
            place: spot.place.map(|p| p as usize),
            region: spot.region,
            places: places.clone(),
        }));
    }
    violations
}

/// "Seed 7: VIOLATES the specification (3 violations)", anchored by
/// group and seed (two groups may fail on one seed).
fn seed_heading(group: usize, seed: u64, violations: u64) -> String {
    let count = match violations {
        1 => "1 violation".to_string(),
        n => format!("{} violations", thousands(n)),
    };
    format!("<h4 id=\"group-{group}-seed-{seed}\">Seed {seed}: VIOLATES the specification ({count})</h4>\n")
}

/// What each safety violation of a run is: the record, where, and the
/// events that show it there (a duplicate store: both store times).
fn safety(s: &SeedRow, violations: &[Violation], events: &[Event]) -> String {
    let is_safety = |property: &str, record: Option<u32>| property != EVENTUAL_DELIVERY && record.is_some();
    let total: u64 = s.violations.iter().filter(|(p, v)| is_safety(p, v.record)).map(|(_, v)| v.violations).sum();
    let explained: Vec<&Violation> =
        violations.iter().filter(|v| is_safety(&v.property, v.record)).take(EXPLAINED).collect();
    if explained.is_empty() {
        return String::new();
    }
    let mut out = String::from("<p>What each safety violation is:</p>\n<ul>\n");
    for v in &explained {
        let _ = writeln!(out, "<li><b>{}</b>: {}</li>", escape(&v.property), escape(&v.history(events)));
    }
    if total > explained.len() as u64 {
        let more = total - explained.len() as u64;
        let _ = writeln!(out, "<li>and {more} more (the replay command above explains them all)</li>");
    }
    out + "</ul>\n"
}

/// Where the run's undelivered records are and why, from the run
/// re-simulated (as `wl1 replay` does).
fn diagnosis(run: &Run) -> String {
    let spec = match RunSpec::from_stored(&run.header.spec) {
        Ok(spec) => spec,
        Err(e) => return format!("<p class=\"note\">not re-simulated: {}</p>\n", escape(&e)),
    };
    let mut sim = Simulator::new();
    let findings = run_guarded(&mut sim, run.header.seed, |sim| {
        sim.run(&spec, run.header.seed);
        (sim.events() == run.events.as_slice(), stranded(sim), holder_of_run(sim))
    });
    match findings {
        Err(e) => format!("<p class=\"note\">{}</p>\n", escape(&e.to_string())),
        Ok((false, ..)) => "<p class=\"note\">this wl1 simulates the seed differently from its trace: \
                           no diagnosis</p>\n"
            .into(),
        Ok((true, findings, holder)) if findings.is_empty() => {
            format!("<p>Eventual delivery: every record reached the destination and left every {holder}.</p>\n")
        }
        Ok((true, findings, _)) => {
            let mut out =
                String::from("<p>Eventual delivery: where the records that did not get through are:</p>\n<ul>\n");
            for f in findings {
                let _ = writeln!(
                    out,
                    "<li><b>{}</b>: {} record(s) {}: {}</li>",
                    escape(&f.place),
                    f.records.len(),
                    escape(&f.ranges()),
                    escape(&f.reason.to_string())
                );
            }
            out + "</ul>\n"
        }
    }
}

pub use crate::text::escape;
