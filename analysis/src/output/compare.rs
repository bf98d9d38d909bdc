//! The comparison of architectures (`wl1 check --architecture all`, or
//! `--compare`): the verdict first, then one row per group (an
//! architecture and a scenario with its options): runs, verdict, violating
//! seeds, the main property and where it is violated, latency per region
//! and the time to deliver the last batch. Every figure is read from the
//! group's report (its verdict and sections), so the comparison shows what
//! the group's details show. The HTML page draws it as a matrix
//! ([`crate::output::html`]).

use serde_json::{Map, Value, json};

use crate::output::report::{Cell, CoverageDetail, GroupReport, Report, Table, where_};
use crate::properties::{EVENTUAL_DELIVERY, PROPERTIES};
use crate::record::places::places_of_text;
use crate::text::{WIDTH, thousands, wrap};

/// The violating seeds a text row names; JSON names every seed listed.
const SEEDS_SHOWN: usize = 3;

const VERDICTS: &[(&str, &str)] = &[
    ("architecture", "architecture"),
    ("scenario", "scenario"),
    ("runs", "runs"),
    ("verdict", "verdict"),
    ("violating_runs", "violating"),
    ("seeds", "violating seeds"),
];
const VIOLATIONS: &[(&str, &str)] = &[
    ("architecture", "architecture"),
    ("scenario", "scenario"),
    ("main_property", "main property"),
    ("stage", "stage"),
];
const COSTS: &[(&str, &str)] = &[
    ("architecture", "architecture"),
    ("scenario", "scenario"),
    ("latency", "latency p50/p99 by region"),
    ("last_batch", "last batch p50/p99"),
];

/// What the cost table's figures are.
pub const COSTS_NOTE: &str = "Latency: publish -> destination of the records that arrived, by the region they arrived \
     through; last batch: from the request to publish it to the last arrival at the destination, in the runs that \
     delivered every record. Simulated ms, p50/p99.";

/// One group's row.
#[derive(Clone, Debug)]
pub struct Row<'a> {
    /// The group's number in the report, from 1: its section's anchor.
    pub number: usize,
    pub group: &'a GroupReport,
}

/// Every group of a report, in its order.
#[derive(Clone, Debug)]
pub struct Comparison<'a> {
    pub report: &'a Report,
    pub rows: Vec<Row<'a>>,
}

/// A percentile pair of one row of a group's section.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Percentiles {
    pub p50: Option<f64>,
    pub p99: Option<f64>,
}

impl Percentiles {
    /// "812/2,676", in whole ms.
    fn text(self) -> String {
        let ms = |v: Option<f64>| v.map_or("-".to_string(), |v| thousands(v.round() as u64));
        format!("{}/{}", ms(self.p50), ms(self.p99))
    }
}

impl<'a> Comparison<'a> {
    pub fn of(report: &'a Report) -> Comparison<'a> {
        let rows = report.groups.iter().enumerate().map(|(i, group)| Row { number: i + 1, group }).collect();
        Comparison { report, rows }
    }

    /// "verdict: VIOLATED: 898 of 7,000 runs ..." or "verdict: holds: ...".
    pub fn verdict_line(&self) -> String {
        let verdict = if self.report.holds() { "holds" } else { "VIOLATED" };
        format!("verdict: {verdict}: {}", self.report.conclusion())
    }

    /// The options every row shares beyond its scenario ("non-idempotent
    /// batch=1"), if there are any: said once, not on every row.
    pub fn shared_options(&self) -> Option<&'a str> {
        let options = |r: &Row<'a>| r.group.test.strip_prefix(r.group.scenario.as_str()).unwrap_or_default().trim();
        let first = options(self.rows.first()?);
        (!first.is_empty() && self.rows.iter().all(|r| options(r) == first)).then_some(first)
    }

    /// A row's architecture and scenario (with the options it does not
    /// share with every row), the first cells of every table.
    fn named(&self, r: &Row) -> [Cell; 2] {
        let scenario = if self.shared_options().is_some() { &r.group.scenario } else { &r.group.test };
        [Cell::Text(r.group.architecture.clone()), Cell::Text(scenario.clone())]
    }

    /// The verdict of each group, and its first violating seeds.
    pub fn verdicts(&self) -> Table {
        let mut t = Table::new(VERDICTS);
        for r in &self.rows {
            let g = r.group;
            let seeds: Vec<String> = g.seeds.iter().take(SEEDS_SHOWN).map(|s| s.seed.to_string()).collect();
            let more = if g.violating_runs > seeds.len() as u64 { ", …" } else { "" };
            let seeds = if seeds.is_empty() { Cell::Missing } else { Cell::Text(seeds.join(", ") + more) };
            let verdict = [Cell::Count(g.runs), Cell::Text(r.verdict().into()), Cell::Count(g.violating_runs), seeds];
            t.rows.push(self.named(r).into_iter().chain(verdict).collect());
        }
        t
    }

    /// The property most runs of each violating group violate, and where.
    pub fn violations(&self) -> Table {
        let mut t = Table::new(VIOLATIONS);
        for r in self.rows.iter().filter(|r| r.group.violating_runs > 0) {
            let property = r.group.main_property.clone().map_or(Cell::Missing, Cell::Text);
            let stage = r.stage().map_or(Cell::Missing, Cell::Text);
            t.rows.push(self.named(r).into_iter().chain([property, stage]).collect());
        }
        t
    }

    /// What each group's runs cost: latency per region, the last batch.
    pub fn costs(&self) -> Table {
        let mut t = Table::new(COSTS);
        for r in &self.rows {
            let latency: Vec<String> =
                r.latency().iter().map(|(region, _, p)| format!("{region}: {}", p.text())).collect();
            let latency = if latency.is_empty() { Cell::Missing } else { Cell::Text(latency.join("  ")) };
            let last_batch = r.last_batch().map_or(Cell::Missing, |(_, p)| Cell::Text(p.text()));
            t.rows.push(self.named(r).into_iter().chain([latency, last_batch]).collect());
        }
        t
    }

    /// The verdict line, the options every row shares, the verdicts, the
    /// violations and the costs, within [`WIDTH`] columns.
    pub fn text(&self) -> String {
        let mut out = wrap(&self.verdict_line(), WIDTH, 2);
        if let Some(options) = self.shared_options() {
            out += &wrap(&format!("every row: {options}"), WIDTH, 2);
        }
        out += &self.verdicts().text(WIDTH);
        let violations = self.violations();
        if !violations.rows.is_empty() {
            out += "\n";
            out += &violations.text(WIDTH);
        }
        out += "\n";
        out += &self.costs().text(WIDTH);
        out + &wrap(COSTS_NOTE, WIDTH, 0)
    }

    /// The whole report, the comparison first: what `--format text`
    /// prints of a comparison.
    pub fn report_text(&self, coverage: CoverageDetail) -> String {
        self.text() + &self.report.details_text(coverage)
    }

    /// The whole report as JSON, with the comparison after its verdict.
    pub fn report_json(&self) -> Value {
        let Value::Object(fields) = self.report.json() else { unreachable!("a report is a JSON object") };
        let mut out = Map::new();
        for (key, value) in fields {
            let verdict = key == "verdict";
            out.insert(key, value);
            if verdict {
                out.insert("comparison".into(), self.json());
            }
        }
        Value::Object(out)
    }

    /// One object per group, every figure in full.
    pub fn json(&self) -> Value {
        let row = |r: &Row| {
            let g = r.group;
            let latency: Vec<Value> = r
                .latency()
                .iter()
                .map(|(region, arrived, p)| {
                    json!({ "region": region, "arrived": arrived, "p50_ms": p.p50, "p99_ms": p.p99 })
                })
                .collect();
            let last_batch = r.last_batch().map(|(runs, p)| json!({ "runs": runs, "p50_ms": p.p50, "p99_ms": p.p99 }));
            json!({
                "architecture": g.architecture,
                "scenario": g.scenario,
                "name": g.test,
                "group": g.label,
                "anchor": r.anchor(),
                "runs": g.runs,
                "verdict": r.verdict(),
                "violating_runs": g.violating_runs,
                "violating_seeds": g.seeds.iter().map(|s| s.seed).collect::<Vec<_>>(),
                "main_property": g.main_property,
                "stage": r.stage(),
                "latency": latency,
                "last_batch": last_batch,
            })
        };
        Value::Array(self.rows.iter().map(row).collect())
    }
}

impl Row<'_> {
    /// "holds", "VIOLATED", or "STUCK" when no violating run completed
    /// (each was stuck or hit the time bound), from the properties
    /// section.
    pub fn verdict(&self) -> &'static str {
        let g = self.group;
        if g.violating_runs == 0 {
            return "holds";
        }
        let Some(section) = g.section("properties") else { return "VIOLATED" };
        let t = &section.table;
        let about_runs =
            |p: &Cell| matches!(p, Cell::Text(name) if name.starts_with("run-") && PROPERTIES.contains(name));
        let unfinished: u64 = t
            .rows
            .iter()
            .filter(|row| about_runs(&row[column(t, "property")]))
            .map(|row| match row[column(t, "runs")] {
                Cell::Count(runs) => runs,
                _ => 0,
            })
            .sum();
        if unfinished >= g.violating_runs { "STUCK" } else { "VIOLATED" }
    }

    /// The id of the group's section on the HTML page.
    pub fn anchor(&self) -> String {
        format!("group-{}", self.number)
    }

    /// Where the main property is violated: for eventual delivery, where
    /// the undelivered records of most runs stopped; for another property,
    /// where the first listed seed violates it.
    pub fn stage(&self) -> Option<String> {
        let g = self.group;
        let property = g.main_property.as_ref()?;
        if property == EVENTUAL_DELIVERY {
            return g.stopped.clone();
        }
        let seed = g.seeds.iter().find_map(|s| s.violations.iter().find(|(p, _)| p == property).map(|v| (s, v)));
        let (seed, (_, v)) = seed?;
        v.place.map(|place| where_(&places_of_text(&seed.spec), place, v.region))
    }

    /// Per arrival region, the records that arrived through it and the
    /// p50 and p99 of their latency, from the latency section.
    pub fn latency(&self) -> Vec<(u64, u64, Percentiles)> {
        let Some(section) = self.group.section("latency_ms") else { return Vec::new() };
        let t = &section.table;
        let regions = t.rows.iter().filter_map(|row| match (&row[column(t, "region")], &row[column(t, "count")]) {
            (Cell::Count(region), Cell::Count(arrived)) => Some((*region, *arrived, percentiles(t, row))),
            _ => None,
        });
        regions.collect()
    }

    /// The runs measured and the p50 and p99 of the last batch section.
    pub fn last_batch(&self) -> Option<(u64, Percentiles)> {
        let t = &self.group.section("last_batch_ms")?.table;
        let row = t.rows.first()?;
        match row[column(t, "runs")] {
            Cell::Count(runs) => Some((runs, percentiles(t, row))),
            _ => None,
        }
    }
}

/// The index of the column named `name` (in JSON) of `t`.
fn column(t: &Table, name: &str) -> usize {
    t.columns.iter().position(|(n, _)| *n == name).expect("the sections of a group report have this column")
}

/// The p50 and p99 of a row of `t`.
fn percentiles(t: &Table, row: &[Cell]) -> Percentiles {
    let figure = |name: &str| match row[column(t, name)] {
        Cell::Figure(f) => Some(f),
        _ => None,
    };
    Percentiles { p50: figure("p50"), p99: figure("p99") }
}
