//! The report, built from a merged [`Summary`]: the verdict, one line per
//! group, first; then each group's details as titled tables
//! ([`Section`]s); then the violating seeds of each group with the command
//! that replays each. Printed for a person at a terminal (within
//! [`WIDTH`] columns), as one JSON document, or as a page ([`crate::output::html`]).
//!
//! A new figure shown per group is one [`Section`] pushed in
//! `GroupReport::new`: the text, the JSON and the HTML page show it with
//! no other change.

use serde_json::{Map, Value, json};

use wl1::run::DEFAULT_ARCHITECTURE;

use super::causes::{self, CauseRow};
use crate::measure::coverage::CoverageReport;
use crate::measure::histogram::RELATIVE_PRECISION;
use crate::measure::order::scope_name;
use crate::measure::summary::{GroupSummary, Summary, Violator};
use crate::properties::PROPERTIES;
use crate::record::places::{Places, places_of_text};
use crate::runs::group_label;
use crate::text::{WIDTH, counted, thousands, wrap};

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Count(u64),
    /// A seed or another name that is a number: no thousands separators.
    Id(u64),
    Figure(f64),
    Text(String),
    Missing,
}

impl Cell {
    pub fn text(&self) -> String {
        match self {
            Cell::Count(n) => thousands(*n),
            Cell::Id(n) => n.to_string(),
            Cell::Figure(f) => figure(*f),
            Cell::Text(s) => s.clone(),
            Cell::Missing => "-".into(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Count(n) | Cell::Id(n) => json!(n),
            Cell::Figure(f) => json!(f),
            Cell::Text(s) => json!(s),
            Cell::Missing => Value::Null,
        }
    }
}

/// 1234.5678 as "1,234.568".
fn figure(f: f64) -> String {
    let text = format!("{f:.3}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let digits = whole.trim_start_matches('-');
    match digits.parse::<u64>() {
        Ok(n) => format!("{}{}.{fraction}", &whole[..whole.len() - digits.len()], thousands(n)),
        Err(_) => text.clone(),
    }
}

/// How much of the coverage the text report shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CoverageDetail {
    /// Per group, the orders and how many pairs of each kind were reached.
    #[default]
    Brief,
    /// Every pair and notable situation, with their runs.
    Full,
}

/// Rows under named columns: (JSON name, heading).
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub columns: &'static [(&'static str, &'static str)],
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub(crate) fn new(columns: &'static [(&'static str, &'static str)]) -> Table {
        Table { columns, rows: Vec::new() }
    }

    /// The table aligned in columns, headings first, within `width`
    /// columns: the widest texts are cut short (with `…`) if need be.
    pub fn text(&self, width: usize) -> String {
        let mut cells: Vec<Vec<String>> = vec![self.columns.iter().map(|c| c.1.to_string()).collect()];
        cells.extend(self.rows.iter().map(|row| row.iter().map(Cell::text).collect()));
        let mut widths: Vec<usize> =
            (0..self.columns.len()).map(|j| cells.iter().map(|r| r[j].chars().count()).max().unwrap_or(0)).collect();
        let gaps = 2 * widths.len().saturating_sub(1);
        while widths.iter().sum::<usize>() + gaps > width {
            let (widest, &w) = widths.iter().enumerate().max_by_key(|&(_, w)| *w).expect("a column");
            if w <= 8 {
                break;
            }
            widths[widest] = w - 1;
        }
        let mut out = String::new();
        for row in cells {
            let line: Vec<String> = row.iter().zip(&widths).map(|(c, &w)| format!("{:<w$}", shorten(c, w))).collect();
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

/// `text` cut to `width` characters, the cut marked with `…`: a path
/// keeps its end, where the file's name is.
fn shorten(text: &str, width: usize) -> String {
    let length = text.chars().count();
    if length <= width {
        return text.to_string();
    }
    let keep = width.saturating_sub(1);
    if text.contains('/') {
        std::iter::once('…').chain(text.chars().skip(length - keep)).collect()
    } else {
        text.chars().take(keep).chain(['…']).collect()
    }
}

/// One titled table of a group's details. `key` names it in JSON; an
/// empty table is shown as its title followed by `when_empty`, or not
/// at all when that is `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub key: &'static str,
    pub title: String,
    pub table: Table,
    pub when_empty: Option<&'static str>,
}

impl Section {
    pub(crate) fn new(key: &'static str, title: impl Into<String>, table: Table) -> Section {
        Section { key, title: title.into(), table, when_empty: None }
    }

    pub(crate) fn or_else(self, when_empty: &'static str) -> Section {
        Section { when_empty: Some(when_empty), ..self }
    }

    fn text(&self) -> String {
        match (self.table.rows.is_empty(), self.when_empty) {
            (true, None) => String::new(),
            (true, Some(empty)) => wrap(&format!("  {}: {empty}", self.title), WIDTH, 4),
            (false, _) => wrap(&format!("  {}:", self.title), WIDTH, 4) + &indent(&self.table.text(WIDTH - 4)),
        }
    }
}

/// A violating run of a group: its seed, its first violation of each
/// property it violates, and how to replay it.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedRow {
    pub seed: u64,
    /// The trace file it was read from.
    pub file: String,
    /// Per property violated, in the order of [`PROPERTIES`].
    pub violations: Vec<(String, Violator)>,
    /// What decides the run besides its seed, in its text form.
    pub spec: String,
    pub command: String,
    /// The run shrunk (`--shrink N`), if it was.
    pub shrunk: Option<ShrunkSeed>,
}

/// A listed seed's run shrunk to a drill that violates as it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShrunkSeed {
    pub faults: usize,
    pub records: u32,
    pub messages: u64,
    /// The drill file written.
    pub drill: String,
    /// The command that replays the drill.
    pub command: String,
}

impl ShrunkSeed {
    /// "shrunk to 1 fault, 9 records, 239 messages:".
    pub fn describe(&self) -> String {
        let s = |n: u64| if n == 1 { "" } else { "s" };
        format!(
            "shrunk to {} fault{}, {} record{}, {} messages:",
            self.faults,
            s(self.faults as u64),
            self.records,
            s(self.records.into()),
            thousands(self.messages)
        )
    }

    fn json(&self) -> Value {
        json!({
            "faults": self.faults,
            "records": self.records,
            "messages": self.messages,
            "drill": self.drill,
            "command": self.command,
        })
    }
}

impl SeedRow {
    /// "eventual-delivery (3 records; record 146 at processor-read,
    /// region 1)" for each property.
    fn describe(&self) -> String {
        let places = places_of_text(&self.spec);
        let each = self.violations.iter().map(|(property, v)| {
            let Some(record) = v.record else { return property.clone() };
            let place = v.place.map_or(String::new(), |p| format!(" at {}", where_(&places, p, v.region)));
            let count = if v.violations > 1 { format!("{} records; ", v.violations) } else { String::new() };
            format!("{property} ({count}record {record}{place})")
        });
        each.collect::<Vec<_>>().join(", ")
    }

    fn json(&self, group: &GroupReport) -> Value {
        let places = places_of_text(&self.spec);
        let first = self.violations.first().map(|(_, v)| v);
        let properties: Vec<Value> = self
            .violations
            .iter()
            .map(|(property, v)| {
                json!({
                    "property": property,
                    "record": v.record,
                    "stage": v.place.map(|p| places.name(p as usize)),
                    "region": v.region,
                    "violations": v.violations,
                })
            })
            .collect();
        json!({
            "seed": self.seed,
            "group": group.label,
            "scenario": group.scenario,
            "property": self.violations.first().map(|(p, _)| p),
            "record": first.and_then(|v| v.record),
            "stage": first.and_then(|v| v.place).map(|p| places.name(p as usize)),
            "region": first.and_then(|v| v.region),
            "properties": properties,
            "file": self.file,
            "spec": self.spec,
            "command": self.command,
            "shrunk": self.shrunk.as_ref().map(ShrunkSeed::json),
        })
    }
}

/// Where a place is: "processor-read, region 1"; replica places name
/// their region already.
pub(crate) fn where_(places: &Places, place: u32, region: Option<u32>) -> String {
    let name = places.name(place as usize);
    match region {
        Some(r) if !name.contains('@') => format!("{name}, region {r}"),
        _ => name.to_string(),
    }
}

/// The tables of one group of runs.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupReport {
    pub label: String,
    pub identity: String,
    /// The architecture whose runs these are.
    pub architecture: String,
    pub scenario: String,
    /// The scenario and the options that differ from the defaults, after
    /// the architecture when the report has runs of several.
    pub name: String,
    /// The scenario and the options that differ from the defaults.
    pub test: String,
    pub runs: u64,
    pub violating_runs: u64,
    /// The property most runs violate, if any.
    pub main_property: Option<String>,
    /// Where the undelivered records of most runs stopped, if any.
    pub stopped: Option<String>,
    pub sections: Vec<Section>,
    /// The violating runs of smallest seed.
    pub seeds: Vec<SeedRow>,
    /// Its violations by cause.
    pub causes: Vec<CauseRow>,
    /// What the runs reached: orders, (state, message) pairs, situations.
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
    /// How many seeds are listed at most per group.
    pub seeds_listed: usize,
    pub problems: Vec<String>,
    pub problem_count: u64,
    /// The report starts with the comparison of its groups (see
    /// [`crate::output::compare`]) instead of the verdict per group: on
    /// request, or when it holds runs of several architectures.
    pub compare: bool,
}

const VERDICT: &[(&str, &str)] = &[
    ("group", "group"),
    ("runs", "runs"),
    ("verdict", "verdict"),
    ("violating_runs", "violating"),
    ("main_property", "main property"),
    ("stopped", "records stopped at"),
];
const OUTCOMES: &[(&str, &str)] = &[("outcome", "outcome"), ("runs", "runs"), ("share", "share")];
const PROPERTY_COUNTS: &[(&str, &str)] = &[("property", "property"), ("runs", "runs"), ("records", "records")];
const UNDELIVERED: &[(&str, &str)] =
    &[("stage", "first stage never reached"), ("region", "region"), ("records", "records"), ("runs", "runs")];
const LATENCY: &[(&str, &str)] = &[
    ("region", "region"),
    ("count", "arrived"),
    ("lost", "lost"),
    ("mean", "mean"),
    ("p50", "p50"),
    ("p90", "p90"),
    ("p99", "p99"),
    ("p99_9", "p99.9"),
    ("max", "max"),
];
const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];
const LAST_BATCH: &[(&str, &str)] =
    &[("runs", "runs"), ("mean", "mean"), ("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("max", "max")];
const BALANCE: &[(&str, &str)] =
    &[("runs", "runs"), ("mean", "mean"), ("min", "min"), ("p1", "p1"), ("p50", "p50"), ("p99", "p99"), ("max", "max")];
const HOPS: &[(&str, &str)] = &[("region", "region"), ("hop", "hop"), ("mean", "mean"), ("p50", "p50"), ("p99", "p99")];
const ORDER: &[(&str, &str)] = &[
    ("scope", "scope"),
    ("runs", "runs"),
    ("arrivals", "arrivals"),
    ("out_of_order_share", "out of order"),
    ("inversions_normalised", "inversions (normalised)"),
    ("max_displacement", "largest displacement"),
];
const DUPLICATES: &[(&str, &str)] =
    &[("stage", "stage"), ("records", "records"), ("extra", "extra arrivals"), ("republished", "by republish")];
const DUPLICATE_RANGES: &[(&str, &str)] =
    &[("first_seed", "seeds from"), ("last_seed", "to"), ("file", "met again in"), ("kept", "counted from")];

impl Report {
    /// The report of `summary`, listing at most `max_seeds` violating seeds
    /// per group. No runs, no report: there is nothing to say whether the
    /// specification holds.
    pub fn new(summary: &Summary, max_seeds: usize) -> Result<Report, String> {
        if summary.runs() == 0 {
            return Err("no runs to analyze: simulate some first, e.g. `wl1 simulate --runs 1000`, \
                        then `wl1 analyze traces`"
                .into());
        }
        let seeds_listed = max_seeds.min(summary.seeds_kept);
        let groups = summary.groups.iter().filter(|g| g.runs > 0);
        let mut groups: Vec<GroupReport> = groups.map(|g| GroupReport::new(g, &summary.files, seeds_listed)).collect();
        groups.sort_by_cached_key(GroupReport::listed);
        let several = of_several_architectures(&groups);
        if several {
            groups.iter_mut().for_each(|g| g.name = format!("{} {}", g.architecture, g.name));
        }
        tell_names_apart(&mut groups);
        Ok(Report {
            files: summary.files.len(),
            runs: summary.runs(),
            trace_events: summary.trace_events(),
            violating_runs: summary.violating_runs(),
            groups,
            seeds_listed,
            problems: summary.problems.listed.clone(),
            problem_count: summary.problems.count,
            compare: several,
        })
    }

    /// Whether the groups are runs of more than one architecture.
    pub fn several_architectures(&self) -> bool {
        of_several_architectures(&self.groups)
    }

    /// Whether every run holds the specification.
    pub fn holds(&self) -> bool {
        self.violating_runs == 0
    }

    /// The verdict: one row per group.
    pub fn verdict(&self) -> Table {
        let mut t = Table::new(VERDICT);
        for g in &self.groups {
            let verdict = if g.violating_runs == 0 { "holds" } else { "VIOLATED" };
            let text = |s: &Option<String>| s.clone().map_or(Cell::Missing, Cell::Text);
            t.rows.push(vec![
                Cell::Text(g.name.clone()),
                Cell::Count(g.runs),
                Cell::Text(verdict.into()),
                Cell::Count(g.violating_runs),
                text(&g.main_property),
                text(&g.stopped),
            ]);
        }
        t
    }

    /// One line that sums the verdict up.
    pub fn conclusion(&self) -> String {
        let read = format!("{}, {} trace events", counted(self.files as u64, "file"), thousands(self.trace_events));
        if self.holds() {
            return format!("every one of {} runs holds the specification ({read})", thousands(self.runs));
        }
        let violating = self.groups.iter().filter(|g| g.violating_runs > 0).count();
        format!(
            "{} of {} runs violate the specification, in {violating} of {} groups ({read})",
            thousands(self.violating_runs),
            thousands(self.runs),
            self.groups.len()
        )
    }

    /// The report for a person, its coverage brief.
    pub fn text(&self) -> String {
        self.text_with(CoverageDetail::Brief)
    }

    /// The report for a person: the verdict, the violating seeds, then
    /// each group's details, in the order of `wl1 scenarios`.
    pub fn text_with(&self, coverage: CoverageDetail) -> String {
        self.verdict().text(WIDTH) + &wrap(&self.conclusion(), WIDTH, 2) + &self.details_text(coverage)
    }

    /// What follows the verdict: the violating seeds, each group's
    /// details, the input problems.
    pub fn details_text(&self, coverage: CoverageDetail) -> String {
        let mut out = self.seeds_text();
        self.groups.iter().for_each(|g| out += &causes_text(&g.name, &g.causes));
        let groups = self.groups.len();
        let several = self.several_architectures();
        for (i, g) in self.groups.iter().enumerate() {
            out += "\n";
            let architecture = if several { format!("{} ", g.architecture) } else { String::new() };
            out += &wrap(&format!("group {} of {groups}: {architecture}{}", i + 1, g.label), WIDTH, 2);
            g.sections.iter().for_each(|s| out += &s.text());
            out += &match coverage {
                CoverageDetail::Brief => g.coverage.brief(WIDTH),
                CoverageDetail::Full => g.coverage.text(WIDTH),
            };
        }
        if self.problem_count > 0 {
            out += &format!("\ninput problems ({}):\n", thousands(self.problem_count));
            self.problems.iter().for_each(|p| out += &wrap(&format!("  {p}"), WIDTH, 4));
            if self.problem_count > self.problems.len() as u64 {
                out += &format!("  ... and {} more\n", thousands(self.problem_count - self.problems.len() as u64));
            }
        }
        out
    }

    fn seeds_text(&self) -> String {
        let mut out = String::new();
        for g in self.groups.iter().filter(|g| !g.seeds.is_empty()) {
            let shown = if g.seeds.len() as u64 == g.violating_runs {
                format!("all {}", thousands(g.seeds.len() as u64))
            } else {
                format!("the first {} of {}", g.seeds.len(), thousands(g.violating_runs))
            };
            out += &format!("\nviolating seeds of {}, {shown}:\n", g.name);
            for s in &g.seeds {
                out += &wrap(&format!("  seed {}: {}", s.seed, s.describe()), WIDTH, 4);
                out += &command_lines(&s.command, 4);
                if let Some(shrunk) = &s.shrunk {
                    out += &format!("    {}\n", shrunk.describe());
                    out += &command_lines(&shrunk.command, 6);
                }
            }
        }
        out
    }

    pub fn json(&self) -> Value {
        let seeds: Vec<Value> = self.groups.iter().flat_map(|g| g.seeds.iter().map(|s| s.json(g))).collect();
        json!({
            "verdict": self.verdict().json(),
            "holds": self.holds(),
            "runs": self.runs,
            "violating_runs": self.violating_runs,
            "files": self.files,
            "trace_events": self.trace_events,
            "percentile_precision": RELATIVE_PRECISION,
            "groups": self.groups.iter().map(GroupReport::json).collect::<Vec<_>>(),
            "violating_seeds": seeds,
            "seeds_listed_per_group": self.seeds_listed,
            "input_problems": self.problems,
            "input_problem_count": self.problem_count,
        })
    }
}

/// A command on lines of its own, indented by `indent`: whole if it fits,
/// else broken before its options with shell continuations.
pub fn command_lines(command: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    if indent + command.chars().count() <= WIDTH {
        return format!("{pad}{command}\n");
    }
    let mut lines: Vec<String> = vec![];
    for part in options(command) {
        let part = if lines.is_empty() { part.to_string() } else { format!("--{part}") };
        match lines.last_mut() {
            Some(line) if indent + line.chars().count() + part.chars().count() + 3 <= WIDTH => {
                *line += " ";
                *line += &part;
            }
            _ => lines.push(part),
        }
    }
    let continued: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| break_word(&format!("{pad}{}{l}", if i > 0 { "  " } else { "" })))
        .collect();
    continued.join(" \\\n") + "\n"
}

/// A command cut before each option (` --`) outside single quotes.
fn options(command: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (at, c) in command.char_indices() {
        if c == '\'' {
            quoted = !quoted;
        } else if !quoted && command[at..].starts_with(" --") && at > start {
            parts.push(&command[start..at]);
            start = at + 3;
        }
    }
    parts.push(&command[start..]);
    parts
}

/// A line of a command still wider than [`WIDTH`] (a long path, a spec)
/// broken, after a `/` where it can be, with a backslash-newline, which the shell removes even
/// inside a word: the continuation starts at column 0 so as to add no
/// space to the word.
fn break_word(line: &str) -> String {
    if line.contains('\'') {
        // Inside quotes a backslash-newline is kept as it is.
        return line.to_string();
    }
    let mut out = String::new();
    let mut rest = line;
    while rest.chars().count() > WIDTH - 2 {
        let room: usize = rest.char_indices().nth(WIDTH - 2).map_or(rest.len(), |(at, _)| at);
        // After a `/` if there is one, else anywhere: outside quotes the
        // shell joins the word back whatever its characters.
        let next = rest[..room].rfind('/').filter(|&at| at > 0).map_or(room, |slash| slash + 1);
        out += &rest[..next];
        out += "\\\n";
        rest = &rest[next..];
    }
    out + rest
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

/// Whether `groups` are runs of more than one architecture.
fn of_several_architectures(groups: &[GroupReport]) -> bool {
    groups.iter().any(|g| g.architecture != groups[0].architecture)
}

/// Groups of one name (a drill named like a built-in scenario, a chaos
/// run with other settings, another latency profile) get their digest.
fn tell_names_apart(groups: &mut [GroupReport]) {
    let names: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
    for g in groups.iter_mut() {
        if names.iter().filter(|n| **n == g.name).count() > 1 {
            g.name = format!("{} spec={}", g.name, &g.identity[8..]);
        }
    }
}

/// The pairs the scenario of a group's spec (its text form) can cause; all
/// of them if the spec does not read.
fn causable(spec: &str) -> u128 {
    let scenario = wl1::trace::Spec::from_text(spec, wl1::trace::format::MAX_SPEC_LEN as usize)
        .ok()
        .and_then(|spec| wl1::run::RunSpec::from_stored(&std::sync::Arc::new(spec)).ok());
    scenario.map_or(u128::MAX, |s| wl1::scenario::causable(&s.scenario, s.options()))
}
/// The scenario and the options of a group's label that differ from the
/// defaults: "f3 non-idempotent batch=1".
fn short_name(g: &GroupSummary) -> String {
    let spec = wl1::trace::Spec {
        architecture: String::new(),
        architecture_text: String::new(),
        scenario: String::new(),
        drill: String::new(),
        records: 0,
        options: wl1::config::Options::default(),
        profile: wl1::config::Profile::default(),
        explore: false,
        coverage_table: 0,
        vocabulary: wl1::trace::Vocabulary::new(2, 2, 1, 0, 1).expect("the smallest"),
    };
    let defaults = group_label(&spec, 0);
    let defaults: Vec<&str> = defaults.split_whitespace().collect();
    let options = g.label.strip_prefix(&g.scenario).unwrap_or(&g.label);
    let changed = options
        .split_whitespace()
        .filter(|t| !defaults.contains(t) && !t.starts_with("spec="))
        .map(|t| t.strip_prefix("variants=").unwrap_or(t));
    std::iter::once(g.scenario.as_str()).chain(changed).collect::<Vec<_>>().join(" ")
}

impl GroupReport {
    fn new(g: &GroupSummary, files: &[String], seeds_listed: usize) -> GroupReport {
        let specification = if g.violating_runs == 0 {
            "specification".to_string()
        } else {
            format!("specification: VIOLATED in {} of {} runs", thousands(g.violating_runs), thousands(g.runs))
        };
        let precision = RELATIVE_PRECISION * 100.0;
        let places = places_of_text(&g.spec);
        let stored = wl1::trace::Spec::from_text(&g.spec, wl1::trace::format::MAX_SPEC_LEN as usize).ok();
        let mut sections = vec![
            Section::new("outcomes", format!("runs: {}, by outcome", thousands(g.runs)), outcomes(g)),
            Section::new("properties", specification, properties(g)).or_else("holds in every run"),
            Section::new("undelivered", "where undelivered records stopped", undelivered(g, &places)),
            Section::new(
                "latency_ms",
                format!(
                    "latency publish -> destination, simulated ms, by arrival region (percentiles within \
                     {precision:.1}%)"
                ),
                latency(g),
            ),
            Section::new(
                "hops_ms",
                "latency per hop, simulated ms (first time at a stage minus first time at its cause)",
                hops(g, &places),
            ),
            Section::new(
                "last_batch_ms",
                "time to deliver the last batch, simulated ms (from the request to publish it to the last \
                 arrival at the destination; runs that delivered every record)",
                last_batch(g),
            ),
            Section::new(
                "balance",
                "balance of the regions (region 1's share of each run's records, %; runs that routed any \
                 to region 1 or 2)",
                balance(g),
            ),
            Section::new("order", "order at the destination (first arrivals against publish order)", order(g)),
            Section::new("duplicates", "duplicates per stage", duplicates(g, &places)).or_else("none at any stage"),
        ];
        if g.duplicate_runs.runs > 0 {
            let title = format!("duplicate runs (each counted once): {}", thousands(g.duplicate_runs.runs));
            sections.push(Section::new("duplicate_ranges", title, duplicate_ranges(g, files)));
        }
        let name = short_name(g);
        GroupReport {
            label: g.label.clone(),
            identity: g.identity.clone(),
            architecture: stored.map_or_else(|| DEFAULT_ARCHITECTURE.to_string(), |spec| spec.architecture),
            scenario: g.scenario.clone(),
            name: name.clone(),
            test: name,
            runs: g.runs,
            violating_runs: g.violating_runs,
            main_property: main_property(g),
            stopped: stopped(g, &places),
            sections,
            seeds: seed_rows(g, files, seeds_listed),
            causes: cause_rows(g, files),
            coverage: CoverageReport::new(&g.coverage, g.runs, &g.seeds, places.pairs(), causable(&g.spec)),
        }
    }

    /// Where the group is listed: built-in architectures in the order `wl1
    /// architectures` lists them, then files by name; within one, built-in
    /// scenarios in the order `wl1 scenarios` lists them, then drills by
    /// name.
    fn listed(&self) -> (usize, String, usize, String, String) {
        let architecture = wl1::architecture::BUILT_IN.iter().position(|(a, _)| *a == self.architecture);
        (
            architecture.unwrap_or(usize::MAX),
            self.architecture.clone(),
            wl1::scenario::listed(&self.scenario).unwrap_or(usize::MAX),
            self.label.clone(),
            self.identity.clone(),
        )
    }

    /// The section named `key`.
    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.key == key)
    }

    fn json(&self) -> Value {
        let mut fields = Map::new();
        fields.insert("group".into(), json!(self.label));
        fields.insert("name".into(), json!(self.name));
        fields.insert("identity".into(), json!(self.identity));
        fields.insert("architecture".into(), json!(self.architecture));
        fields.insert("scenario".into(), json!(self.scenario));
        fields.insert("runs".into(), json!(self.runs));
        fields.insert("violating_runs".into(), json!(self.violating_runs));
        fields.insert("main_property".into(), json!(self.main_property));
        fields.insert("stopped".into(), json!(self.stopped));
        for s in &self.sections {
            fields.insert(s.key.into(), s.table.json());
        }
        fields.insert("causes".into(), causes::json(&self.causes));
        fields.insert("coverage".into(), json!(self.coverage));
        Value::Object(fields)
    }
}

/// The property most runs violate; the first in [`PROPERTIES`] of those
/// tied.
fn main_property(g: &GroupSummary) -> Option<String> {
    let order = |p: &String| PROPERTIES.iter().position(|q| q == p).unwrap_or(usize::MAX);
    let most = g.properties.iter().max_by(|a, b| a.1.runs.cmp(&b.1.runs).then(order(b.0).cmp(&order(a.0))));
    most.map(|(p, _)| p.clone())
}

/// Where the undelivered records of most runs stopped (then of most
/// records, then the first place).
fn stopped(g: &GroupSummary, places: &Places) -> Option<String> {
    let stops = g.undelivered.iter().flat_map(|(&p, by)| by.iter().map(move |(&r, v)| (p, r, v)));
    let most = stops.max_by(|a, b| (a.2.runs, a.2.records, b.0).cmp(&(b.2.runs, b.2.records, a.0)));
    most.map(|(place, region, _)| where_(places, place, (region > 0).then_some(region)))
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

fn undelivered(g: &GroupSummary, places: &Places) -> Table {
    let mut t = Table::new(UNDELIVERED);
    for (&place, by_region) in &g.undelivered {
        for (&region, v) in by_region {
            let region = if region == 0 { Cell::Missing } else { Cell::Count(region.into()) };
            t.rows.push(vec![
                Cell::Text(places.name(place as usize).to_string()),
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

/// Per region, the records that arrived through it, those lost in it (last
/// routed to it), and the latency of the ones that arrived; records lost
/// before any routing are in a row with no region.
fn latency(g: &GroupSummary) -> Table {
    let mut t = Table::new(LATENCY);
    let regions: std::collections::BTreeSet<u32> = g.latency.keys().chain(g.lost.keys()).copied().collect();
    let none = crate::measure::histogram::Histogram::default();
    for region in regions {
        let h = g.latency.get(&region).unwrap_or(&none);
        let name = if region == 0 { Cell::Missing } else { Cell::Count(region.into()) };
        let lost = Cell::Count(g.lost.get(&region).copied().unwrap_or(0));
        let mut row = vec![name, Cell::Count(h.count()), lost, ms(h.mean())];
        row.extend(QUANTILES.iter().map(|&q| ms(h.quantile(q))));
        row.push(ms(h.max().map(|m| m as f64)));
        t.rows.push(row);
    }
    t
}

/// Over the runs that delivered every record, the time from the last
/// request to publish to the last arrival after it.
fn last_batch(g: &GroupSummary) -> Table {
    let mut t = Table::new(LAST_BATCH);
    let h = &g.last_batch;
    if h.count() > 0 {
        let mut row = vec![Cell::Count(h.count()), ms(h.mean())];
        row.extend([0.5, 0.9, 0.99].map(|q| ms(h.quantile(q))));
        row.push(ms(h.max().map(|m| m as f64)));
        t.rows.push(row);
    }
    t
}

/// Over the runs that routed records to region 1 or 2, region 1's share
/// of them.
fn balance(g: &GroupSummary) -> Table {
    let mut t = Table::new(BALANCE);
    let h = &g.balance;
    let percent = |per_mille: Option<f64>| per_mille.map_or(Cell::Missing, |p| Cell::Figure(p / 10.0));
    if h.count() > 0 {
        let mut row = vec![Cell::Count(h.count()), percent(h.mean()), percent(h.min().map(|m| m as f64))];
        row.extend([0.01, 0.5, 0.99].map(|q| percent(h.quantile(q))));
        row.push(percent(h.max().map(|m| m as f64)));
        t.rows.push(row);
    }
    t
}

fn hops(g: &GroupSummary, places: &Places) -> Table {
    let mut t = Table::new(HOPS);
    for (&region, by_stage) in &g.hops {
        for (&stage, h) in by_stage {
            let hop = Cell::Text(places.hop_name(stage as usize));
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

/// The duplicates per place; where the group's runs republished a batch
/// whole, which of the extra publications were the republishes'.
fn duplicates(g: &GroupSummary, places: &Places) -> Table {
    let publication = places.publication() as u32;
    let republished = g.duplicates.get(&publication).is_some_and(|r| r.republished > 0);
    let mut t = Table::new(if republished { DUPLICATES } else { &DUPLICATES[..3] });
    for (&place, r) in &g.duplicates {
        let mut row =
            vec![Cell::Text(places.name(place as usize).to_string()), Cell::Count(r.records), Cell::Count(r.extra)];
        if republished {
            // Counted where a republish happens: at publication.
            row.push(if place == publication { Cell::Count(r.republished) } else { Cell::Missing });
        }
        t.rows.push(row);
    }
    t
}

pub(crate) fn file_name(files: &[String], file: u32) -> String {
    files.get(file as usize).cloned().unwrap_or_else(|| format!("file #{file}"))
}

fn duplicate_ranges(g: &GroupSummary, files: &[String]) -> Table {
    let mut t = Table::new(DUPLICATE_RANGES);
    for d in &g.duplicate_runs.listed {
        let (again, kept) = (file_name(files, d.again), file_name(files, d.kept));
        t.rows.push(vec![Cell::Id(d.first), Cell::Id(d.last), Cell::Text(again), Cell::Text(kept)]);
    }
    t
}

/// The command that replays a seed of group `g` read from `file`, about
/// `record`: from the trace while it is there; else with the options that
/// decide the run (the whole spec if options cannot say it), which need no
/// trace. Shell-quoted.
pub(crate) fn replay_command(g: &GroupSummary, file: &str, seed: u64, record: Option<u32>) -> String {
    let spec = wl1::trace::Spec::from_text(&g.spec, wl1::trace::format::MAX_SPEC_LEN as usize);
    let deciding = match spec {
        Ok(spec) if !std::path::Path::new(file).is_file() => wl1::run::arguments(&spec),
        _ => vec!["--from".into(), file.into()],
    };
    let mut words = vec!["wl1".to_string(), "replay".into()];
    words.extend(deciding);
    words.extend(["--seed".into(), seed.to_string()]);
    words.extend(record.map(|r| ["--record".into(), r.to_string()]).into_iter().flatten());
    words.iter().map(|w| shell_quote(w)).collect::<Vec<_>>().join(" ")
}

/// `word` as a POSIX shell reads it back: as it is if it holds only
/// characters no shell treats specially, else in single quotes.
pub fn shell_quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// The rows of group `g`: properties in the order of [`PROPERTIES`], each
/// one's causes from the most runs.
fn cause_rows(g: &GroupSummary, files: &[String]) -> Vec<CauseRow> {
    let order = |p: &String| PROPERTIES.iter().position(|q| q == p).unwrap_or(usize::MAX);
    let mut properties: Vec<&String> = g.causes.keys().collect();
    properties.sort_by_key(|p| (order(p), *p));
    let mut rows = Vec::new();
    for property in properties {
        let mut causes: Vec<_> = g.causes[property].iter().collect();
        causes.sort_by(|a, b| b.1.runs.cmp(&a.1.runs).then(a.0.cmp(b.0)));
        rows.extend(causes.into_iter().map(|(cause, runs)| CauseRow {
            property: property.clone(),
            cause: cause.clone(),
            runs: runs.runs,
            seeds: runs.seeds.clone(),
            command: runs.first.map(|f| replay_command(g, &file_name(files, f.file), f.seed, f.record)),
        }));
    }
    rows
}

/// A group's violations by cause, for a person; empty if it holds.
fn causes_text(name: &str, rows: &[CauseRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!("\nviolations by cause of {name}:\n");
    for row in rows {
        let line = format!("  {} · {}: {}: {}", row.property, row.cause, counted(row.runs, "run"), row.seeds_text());
        out += &wrap(&line, WIDTH, 4);
        out += &row.command.as_ref().map_or(String::new(), |c| command_lines(c, 4));
    }
    out
}

const CAUSES: &[(&str, &str)] =
    &[("property", "property"), ("cause", "cause"), ("runs", "runs"), ("seeds", "seeds"), ("command", "replay")];

/// The rows as a section of the HTML page.
pub(crate) fn causes_section(rows: &[CauseRow]) -> Section {
    let mut t = Table::new(CAUSES);
    for row in rows {
        let command = row.command.clone().map_or(Cell::Missing, Cell::Text);
        let texts = [&row.property, &row.cause].map(|s| Cell::Text(s.clone()));
        t.rows.push(texts.into_iter().chain([Cell::Count(row.runs), Cell::Text(row.seeds_text()), command]).collect());
    }
    Section::new("causes", "Violations by cause", t)
}

/// The `listed` violating runs of smallest seed of a group, each with its
/// first violation of every property it violates. The violators kept per
/// property hold them all: a seed among the `listed` smallest of the group
/// is among the `listed` smallest of each property it violates.
fn seed_rows(g: &GroupSummary, files: &[String], listed: usize) -> Vec<SeedRow> {
    let known = PROPERTIES.iter().filter_map(|p| g.violators.get_key_value(p));
    let others = g.violators.iter().filter(|(p, _)| !PROPERTIES.contains(p));
    let by_property: Vec<(&String, &Vec<Violator>)> = known.chain(others).collect();
    let mut seeds: Vec<(u64, u32)> =
        by_property.iter().flat_map(|(_, vs)| vs.iter().map(|v| (v.seed, v.file))).collect();
    seeds.sort_unstable();
    seeds.dedup();
    seeds.truncate(listed);
    seeds
        .into_iter()
        .map(|(seed, file)| {
            let violations: Vec<(String, Violator)> = by_property
                .iter()
                .filter_map(|(p, vs)| vs.iter().find(|v| v.seed == seed).map(|v| ((*p).clone(), v.clone())))
                .collect();
            let file = file_name(files, file);
            let record = violations.iter().find_map(|(_, v)| v.record);
            let command = replay_command(g, &file, seed, record);
            SeedRow { seed, file, violations, spec: g.spec.clone(), command, shrunk: None }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the shell makes of printed lines: backslash-newlines removed.
    fn as_the_shell_reads(lines: &str) -> Vec<String> {
        lines.replace("\\\n", "").split_whitespace().map(String::from).collect()
    }

    #[test]
    fn a_long_command_is_broken_into_lines_the_shell_joins_back() {
        let long_dir = "/tmp/a-rather-long-directory-name-for-traces/and-another-level-below-it/and-one-more-level";
        let command = format!("wl1 replay --from {long_dir}/chaos-5bb64810-0-19.wl1 --seed 12 --record 146");
        let printed = command_lines(&command, 4);
        assert!(printed.lines().count() > 2, "{printed}");
        assert!(printed.lines().all(|l| l.chars().count() <= WIDTH), "{printed}");
        let words: Vec<String> = command.split_whitespace().map(String::from).collect();
        assert_eq!(as_the_shell_reads(&printed), words);
        assert_eq!(command_lines("wl1 replay --seed 1", 4), "    wl1 replay --seed 1\n");
    }

    #[test]
    fn words_are_quoted_only_when_a_shell_would_read_them_otherwise() {
        assert_eq!(shell_quote("traces/chaos-0-9.wl1"), "traces/chaos-0-9.wl1");
        assert_eq!(shell_quote("with space/a.wl1"), "'with space/a.wl1'");
        assert_eq!(shell_quote("it's$(rm -rf x)"), r"'it'\''s$(rm -rf x)'");
        assert_eq!(shell_quote(""), "''");
        let quoted = format!("wl1 replay --from {} --seed 3", shell_quote("a --b/c d"));
        assert_eq!(options(&quoted), ["wl1 replay", "from 'a --b/c d'", "seed 3"], "no cut inside quotes");
    }

    #[test]
    fn a_long_spec_is_broken_within_the_width_and_joins_back() {
        let command = format!("wl1 replay --spec wl1spec:{} --seed 12", "0a".repeat(300));
        let printed = command_lines(&command, 4);
        assert!(printed.lines().all(|l| l.chars().count() <= WIDTH), "{printed}");
        let words: Vec<String> = command.split_whitespace().map(String::from).collect();
        assert_eq!(as_the_shell_reads(&printed), words);
    }
}
