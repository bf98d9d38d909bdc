//! The report, built from a merged [`Summary`]: small tables, each printed
//! for a person at a terminal or as part of one JSON document.

use serde_json::{Map, Value, json};

use crate::coverage::CoverageReport;
use crate::histogram::RELATIVE_PRECISION;
use crate::order::scope_name;
use crate::places::{hop_name, place_name};
use crate::spec::PROPERTIES;
use crate::summary::{GroupSummary, Summary, Violator};

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Count(u64),
    Figure(f64),
    Text(String),
    Missing,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Count(n) => n.to_string(),
            Cell::Figure(f) => format!("{f:.3}"),
            Cell::Text(s) => s.clone(),
            Cell::Missing => "-".into(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Count(n) => json!(n),
            Cell::Figure(f) => json!(f),
            Cell::Text(s) => json!(s),
            Cell::Missing => Value::Null,
        }
    }
}

fn optional(value: Option<u32>) -> Cell {
    value.map_or(Cell::Missing, |v| Cell::Count(v.into()))
}

/// Rows under named columns: (JSON name, heading).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub columns: &'static [(&'static str, &'static str)],
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(columns: &'static [(&'static str, &'static str)]) -> Table {
        Table { columns, rows: Vec::new() }
    }

    /// The table aligned in columns, headings first.
    pub fn text(&self) -> String {
        let mut cells: Vec<Vec<String>> = vec![self.columns.iter().map(|c| c.1.to_string()).collect()];
        cells.extend(self.rows.iter().map(|row| row.iter().map(Cell::text).collect()));
        let widths: Vec<usize> =
            (0..self.columns.len()).map(|j| cells.iter().map(|r| r[j].chars().count()).max().unwrap_or(0)).collect();
        let mut out = String::new();
        for row in cells {
            let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            out += line.join("  ").trim_end();
            out.push('\n');
        }
        out
    }

    /// One JSON object per row.
    pub fn json(&self) -> Value {
        let object = |row: &Vec<Cell>| {
            let fields: Map<String, Value> =
                self.columns.iter().zip(row).map(|((name, _), cell)| (name.to_string(), cell.json())).collect();
            Value::Object(fields)
        };
        Value::Array(self.rows.iter().map(object).collect())
    }
}

/// The tables of one group of runs.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupReport {
    pub label: String,
    pub identity: String,
    pub runs: u64,
    pub violating_runs: u64,
    pub outcomes: Table,
    pub properties: Table,
    pub undelivered: Table,
    pub latency: Table,
    pub hops: Table,
    pub order: Table,
    pub duplicates: Table,
    pub duplicate_runs: u64,
    pub duplicate_ranges: Table,
    pub coverage: CoverageReport,
}

/// Everything the report shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub files: usize,
    pub runs: u64,
    pub trace_events: u64,
    pub violating_runs: u64,
    pub groups: Vec<GroupReport>,
    /// Per group and property, the violating runs of smallest seed.
    pub seeds: Table,
    /// How many are listed at most per group and property.
    pub seeds_listed: usize,
    pub problems: Vec<String>,
    pub problem_count: u64,
}

const OUTCOMES: &[(&str, &str)] = &[("outcome", "outcome"), ("runs", "runs"), ("share", "share")];
const PROPERTY_COUNTS: &[(&str, &str)] = &[("property", "property"), ("runs", "runs"), ("records", "records")];
const UNDELIVERED: &[(&str, &str)] =
    &[("stage", "first stage never reached"), ("region", "region"), ("records", "records"), ("runs", "runs")];
const LATENCY: &[(&str, &str)] = &[
    ("region", "region"),
    ("count", "count"),
    ("mean", "mean"),
    ("p50", "p50"),
    ("p90", "p90"),
    ("p99", "p99"),
    ("p99_9", "p99.9"),
    ("max", "max"),
];
const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];
const HOPS: &[(&str, &str)] = &[("region", "region"), ("hop", "hop"), ("mean", "mean"), ("p50", "p50"), ("p99", "p99")];
const ORDER: &[(&str, &str)] = &[
    ("scope", "scope"),
    ("runs", "runs"),
    ("arrivals", "arrivals"),
    ("out_of_order_share", "out of order"),
    ("inversions_normalised", "inversions (normalised)"),
    ("max_displacement", "largest displacement"),
];
const DUPLICATES: &[(&str, &str)] = &[("stage", "stage"), ("records", "records"), ("extra", "extra arrivals")];
const DUPLICATE_RANGES: &[(&str, &str)] =
    &[("first_seed", "seeds from"), ("last_seed", "to"), ("file", "met again in"), ("kept", "counted from")];
const SEEDS: &[(&str, &str)] = &[
    ("seed", "seed"),
    ("scenario", "scenario"),
    ("property", "property"),
    ("record", "record"),
    ("stage", "stage"),
    ("region", "region"),
    ("violations", "violations"),
    ("command", "reproduce"),
];

impl Report {
    /// The report of `summary`, listing at most `max_seeds` violating seeds
    /// per group and property. No runs, no report: there is nothing to
    /// say whether the specification holds.
    pub fn new(summary: &Summary, max_seeds: usize) -> Result<Report, String> {
        if summary.runs() == 0 {
            return Err("no runs to analyze: simulate some first, e.g. `wl1 simulate --runs 1000`, \
                        then `wl1 analyze traces`"
                .into());
        }
        let mut groups: Vec<&GroupSummary> = summary.groups.iter().filter(|g| g.runs > 0).collect();
        groups.sort_by(|a, b| (&a.label, &a.identity).cmp(&(&b.label, &b.identity)));
        let seeds_listed = max_seeds.min(summary.seeds_kept);
        let mut seeds = Table::new(SEEDS);
        for g in &groups {
            seeds.rows.extend(seed_rows(g, &summary.files, seeds_listed));
        }
        Ok(Report {
            files: summary.files.len(),
            runs: summary.runs(),
            trace_events: summary.trace_events(),
            violating_runs: summary.violating_runs(),
            groups: groups.iter().map(|g| GroupReport::new(g, &summary.files)).collect(),
            seeds,
            seeds_listed,
            problems: summary.problems.listed.clone(),
            problem_count: summary.problems.count,
        })
    }

    /// Whether every run holds the specification.
    pub fn holds(&self) -> bool {
        self.violating_runs == 0
    }

    pub fn text(&self) -> String {
        let groups = self.groups.len();
        let mut out = format!(
            "wl1 analyze: {} files, {} runs, {} trace events, {groups} groups\n",
            self.files, self.runs, self.trace_events
        );
        for (i, g) in self.groups.iter().enumerate() {
            out += &format!("\ngroup {} of {groups}: {}\n", i + 1, g.label);
            out += &g.text();
        }
        out += &self.seeds_text();
        if self.problem_count > 0 {
            out += &format!("\ninput problems ({}):\n", self.problem_count);
            self.problems.iter().for_each(|p| out += &format!("  {p}\n"));
            if self.problem_count > self.problems.len() as u64 {
                out += &format!("  ... and {} more\n", self.problem_count - self.problems.len() as u64);
            }
        }
        out
    }

    fn seeds_text(&self) -> String {
        if self.holds() {
            return format!("\nevery one of {} runs holds the specification\n", self.runs);
        }
        let listed = format!("the first {} per group and property", self.seeds_listed);
        format!(
            "\n{} of {} runs violate the specification; {listed}:\n{}",
            self.violating_runs,
            self.runs,
            self.seeds.text()
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "files": self.files,
            "runs": self.runs,
            "trace_events": self.trace_events,
            "holds": self.holds(),
            "violating_runs": self.violating_runs,
            "percentile_precision": RELATIVE_PRECISION,
            "groups": self.groups.iter().map(GroupReport::json).collect::<Vec<_>>(),
            "violating_seeds": self.seeds.json(),
            "input_problems": self.problems,
            "input_problem_count": self.problem_count,
        })
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

impl GroupReport {
    fn new(g: &GroupSummary, files: &[String]) -> GroupReport {
        GroupReport {
            label: g.label.clone(),
            identity: g.identity.clone(),
            runs: g.runs,
            violating_runs: g.violating_runs,
            outcomes: outcomes(g),
            properties: properties(g),
            undelivered: undelivered(g),
            latency: latency(g),
            hops: hops(g),
            order: order(g),
            duplicates: duplicates(g),
            duplicate_runs: g.duplicate_runs.runs,
            duplicate_ranges: duplicate_ranges(g, files),
            coverage: CoverageReport::new(&g.coverage, g.runs, &g.seeds),
        }
    }

    fn text(&self) -> String {
        let mut out = format!("  runs: {}\n", self.runs);
        out += &indent(&self.outcomes.text());
        if self.violating_runs == 0 {
            out += "  specification: holds in every run\n";
        } else {
            out += &format!("  specification: VIOLATED in {} of {} runs\n", self.violating_runs, self.runs);
            out += &indent(&self.properties.text());
        }
        if !self.undelivered.rows.is_empty() {
            out += "  where undelivered records stopped:\n";
            out += &indent(&self.undelivered.text());
        }
        let precision = RELATIVE_PRECISION * 100.0;
        out += &format!(
            "  latency publish -> destination, simulated ms, by arrival region (percentiles within {precision:.1}%):\n"
        );
        out += &indent(&self.latency.text());
        out += "  latency per hop, simulated ms (first time at a stage minus first time at its cause):\n";
        out += &indent(&self.hops.text());
        out += "  order at the destination (first arrivals against publish order):\n";
        out += &indent(&self.order.text());
        if self.duplicates.rows.is_empty() {
            out += "  duplicates: none at any stage\n";
        } else {
            out += "  duplicates per stage:\n";
            out += &indent(&self.duplicates.text());
        }
        if self.duplicate_runs > 0 {
            out += &format!("  duplicate runs (each counted once): {}\n", self.duplicate_runs);
            out += &indent(&self.duplicate_ranges.text());
        }
        out += &self.coverage.text(100);
        out
    }

    fn json(&self) -> Value {
        json!({
            "group": self.label,
            "identity": self.identity,
            "runs": self.runs,
            "violating_runs": self.violating_runs,
            "outcomes": self.outcomes.json(),
            "properties": self.properties.json(),
            "undelivered": self.undelivered.json(),
            "latency_ms": self.latency.json(),
            "hops_ms": self.hops.json(),
            "order": self.order.json(),
            "duplicates": self.duplicates.json(),
            "duplicate_runs": self.duplicate_runs,
            "duplicate_ranges": self.duplicate_ranges.json(),
            "coverage": self.coverage,
        })
    }
}

fn outcomes(g: &GroupSummary) -> Table {
    let mut t = Table::new(OUTCOMES);
    for (outcome, &runs) in &g.outcomes {
        t.rows.push(vec![Cell::Text(outcome.clone()), Cell::Count(runs), Cell::Figure(runs as f64 / g.runs as f64)]);
    }
    t
}

fn properties(g: &GroupSummary) -> Table {
    let mut t = Table::new(PROPERTY_COUNTS);
    for (property, v) in &g.properties {
        t.rows.push(vec![Cell::Text(property.clone()), Cell::Count(v.runs), Cell::Count(v.records)]);
    }
    t
}

fn undelivered(g: &GroupSummary) -> Table {
    let mut t = Table::new(UNDELIVERED);
    for (&place, by_region) in &g.undelivered {
        for (&region, v) in by_region {
            let region = if region == 0 { Cell::Missing } else { Cell::Count(region.into()) };
            t.rows.push(vec![
                Cell::Text(place_name(place as usize)),
                region,
                Cell::Count(v.records),
                Cell::Count(v.runs),
            ]);
        }
    }
    t
}

fn ms(us: Option<f64>) -> Cell {
    us.map_or(Cell::Missing, |us| Cell::Figure(us / 1000.0))
}

fn latency(g: &GroupSummary) -> Table {
    let mut t = Table::new(LATENCY);
    for (&region, h) in &g.latency {
        let mut row = vec![Cell::Count(region.into()), Cell::Count(h.count()), ms(h.mean())];
        row.extend(QUANTILES.iter().map(|&q| ms(h.quantile(q))));
        row.push(ms(h.max().map(|m| m as f64)));
        t.rows.push(row);
    }
    t
}

fn hops(g: &GroupSummary) -> Table {
    let mut t = Table::new(HOPS);
    for (&region, by_stage) in &g.hops {
        for (&stage, h) in by_stage {
            let hop = Cell::Text(hop_name(stage as usize));
            let figures = [h.mean(), h.quantile(0.5), h.quantile(0.99)].map(ms);
            t.rows.push([vec![Cell::Count(region.into()), hop], figures.to_vec()].concat());
        }
    }
    t
}

fn order(g: &GroupSummary) -> Table {
    let mut t = Table::new(ORDER);
    for (&scope, o) in &g.order {
        t.rows.push(vec![
            Cell::Text(scope_name(scope)),
            Cell::Count(o.runs),
            Cell::Count(o.arrivals),
            Cell::Figure(o.out_of_order_share()),
            Cell::Figure(o.inversions_normalised()),
            Cell::Count(o.max_displacement.into()),
        ]);
    }
    t
}

fn duplicates(g: &GroupSummary) -> Table {
    let mut t = Table::new(DUPLICATES);
    for (&place, r) in &g.duplicates {
        t.rows.push(vec![Cell::Text(place_name(place as usize)), Cell::Count(r.records), Cell::Count(r.extra)]);
    }
    t
}

fn file_name(files: &[String], file: u32) -> String {
    files.get(file as usize).cloned().unwrap_or_else(|| format!("file #{file}"))
}

fn duplicate_ranges(g: &GroupSummary, files: &[String]) -> Table {
    let mut t = Table::new(DUPLICATE_RANGES);
    for d in &g.duplicate_runs.listed {
        let (again, kept) = (file_name(files, d.again), file_name(files, d.kept));
        t.rows.push(vec![Cell::Count(d.first), Cell::Count(d.last), Cell::Text(again), Cell::Text(kept)]);
    }
    t
}

/// The command that replays a violation.
fn replay_command(file: &str, v: &Violator) -> String {
    let record = v.record.map_or(String::new(), |r| format!(" --record {r}"));
    format!("wl1 replay --from {file} --seed {}{record}", v.seed)
}

/// The violating seeds of a group, at most `listed` per property, in the
/// order of [`PROPERTIES`].
fn seed_rows(g: &GroupSummary, files: &[String], listed: usize) -> Vec<Vec<Cell>> {
    let mut rows = Vec::new();
    let known = PROPERTIES.iter().filter_map(|p| g.violators.get_key_value(p));
    let others = g.violators.iter().filter(|(p, _)| !PROPERTIES.contains(p));
    for (property, violators) in known.chain(others) {
        for v in violators.iter().take(listed) {
            let file = file_name(files, v.file);
            rows.push(vec![
                Cell::Count(v.seed),
                Cell::Text(g.scenario.clone()),
                Cell::Text(property.clone()),
                optional(v.record),
                v.place.map_or(Cell::Missing, |p| Cell::Text(place_name(p as usize))),
                optional(v.region),
                Cell::Count(v.violations),
                Cell::Text(replay_command(&file, v)),
            ]);
        }
    }
    rows
}
