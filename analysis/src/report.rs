//! The report: tables for a person at a terminal, or one JSON document.

use polars::prelude::*;
use serde_json::{Map, Value, json};

use crate::Analysis;

/// A column of a report table: its name in the frame, its heading.
type Columns<'a> = &'a [(&'a str, &'a str)];

const OUTCOMES: Columns = &[("outcome", "outcome"), ("runs", "runs"), ("share", "share")];
const PROPERTIES: Columns = &[("property", "property"), ("runs", "runs"), ("records", "records")];
const STOPPED: Columns =
    &[("stage", "first stage never reached"), ("region", "region"), ("records", "records"), ("runs", "runs")];
const LATENCY: Columns = &[
    ("region", "region"),
    ("count", "count"),
    ("mean", "mean"),
    ("p50", "p50"),
    ("p90", "p90"),
    ("p99", "p99"),
    ("p99_9", "p99.9"),
    ("max", "max"),
];
const HOPS: Columns = &[("region", "region"), ("hop", "hop"), ("mean", "mean"), ("p50", "p50"), ("p99", "p99")];
const ORDER: Columns = &[
    ("scope", "scope"),
    ("runs", "runs"),
    ("arrivals", "arrivals"),
    ("out_of_order_share", "out of order"),
    ("inversions_normalised", "inversions (normalised)"),
    ("max_displacement", "largest displacement"),
];
const DUPLICATES: Columns = &[("stage", "stage"), ("records", "records"), ("extra", "extra arrivals")];
const SEEDS: Columns = &[
    ("seed", "seed"),
    ("scenario", "scenario"),
    ("property", "property"),
    ("record", "record"),
    ("stage", "stage"),
    ("region", "region"),
    ("violations", "violations"),
    ("command", "reproduce"),
];

/// The tables of one group of runs.
struct GroupTables {
    name: String,
    runs: usize,
    violating_runs: usize,
    outcomes: DataFrame,
    properties: DataFrame,
    stopped: DataFrame,
    latency: DataFrame,
    hops: DataFrame,
    order: DataFrame,
    duplicates: DataFrame,
}

/// Everything the report shows, as small frames.
pub struct Report {
    files: usize,
    runs: usize,
    events: usize,
    problems: Vec<String>,
    groups: Vec<GroupTables>,
    violating_runs: usize,
    seeds: DataFrame,
}

impl Report {
    pub fn new(analysis: &Analysis, max_seeds: usize) -> PolarsResult<Report> {
        let groups =
            (0..analysis.groups.len()).map(|g| group_tables(analysis, g as u32)).collect::<PolarsResult<_>>()?;
        Ok(Report {
            files: analysis.files,
            runs: analysis.runs.height(),
            events: analysis.events,
            problems: analysis.problems.iter().map(ToString::to_string).collect(),
            groups,
            violating_runs: analysis.violating_runs()?,
            seeds: seeds(&analysis.violations, max_seeds)?,
        })
    }

    pub fn text(&self) -> String {
        let mut out = format!(
            "wl1 analyze: {} files, {} runs, {} trace events, {} groups\n",
            self.files,
            self.runs,
            self.events,
            self.groups.len()
        );
        for (i, g) in self.groups.iter().enumerate() {
            out += &format!("\ngroup {} of {}: {}\n", i + 1, self.groups.len(), g.name);
            out += &g.text();
        }
        out += &self.seeds_text();
        if !self.problems.is_empty() {
            out += &format!("\ninput problems ({}):\n", self.problems.len());
            for p in &self.problems {
                out += &format!("  {p}\n");
            }
        }
        out
    }

    fn seeds_text(&self) -> String {
        if self.violating_runs == 0 {
            return format!("\nevery one of {} runs holds the specification\n", self.runs);
        }
        let mut out = format!("\n{} of {} runs violate the specification", self.violating_runs, self.runs);
        if self.seeds.height() < self.violating_runs {
            out += &format!("; the first {}", self.seeds.height());
        }
        out += ":\n";
        out + &table(&self.seeds, SEEDS)
    }

    pub fn json(&self) -> Value {
        let groups: Vec<Value> = self.groups.iter().map(GroupTables::json).collect();
        json!({
            "files": self.files,
            "runs": self.runs,
            "trace_events": self.events,
            "holds": self.violating_runs == 0,
            "violating_runs": self.violating_runs,
            "groups": groups,
            "violating_seeds": records(&self.seeds),
            "input_problems": self.problems,
        })
    }
}

impl GroupTables {
    fn text(&self) -> String {
        let mut out = format!("  runs: {}\n", self.runs);
        out += &indent(&table(&self.outcomes, OUTCOMES));
        if self.violating_runs == 0 {
            out += "  specification: holds in every run\n";
        } else {
            out += &format!("  specification: VIOLATED in {} of {} runs\n", self.violating_runs, self.runs);
            out += &indent(&table(&self.properties, PROPERTIES));
        }
        if self.stopped.height() > 0 {
            out += "  where undelivered records stopped:\n";
            out += &indent(&table(&self.stopped, STOPPED));
        }
        out += "  latency publish -> destination, simulated ms, by region the record arrived from:\n";
        out += &indent(&table(&self.latency, LATENCY));
        out += "  latency per hop, simulated ms (first time at a stage minus first time at its cause):\n";
        out += &indent(&table(&self.hops, HOPS));
        out += "  order at the destination (first arrivals against publish order):\n";
        out += &indent(&table(&self.order, ORDER));
        if self.duplicates.height() == 0 {
            out += "  duplicates: none at any stage\n";
        } else {
            out += "  duplicates per stage:\n";
            out += &indent(&table(&self.duplicates, DUPLICATES));
        }
        out
    }

    fn json(&self) -> Value {
        json!({
            "group": self.name,
            "runs": self.runs,
            "violating_runs": self.violating_runs,
            "outcomes": records(&self.outcomes),
            "properties": records(&self.properties),
            "undelivered": records(&self.stopped),
            "latency_ms": records(&self.latency),
            "hops_ms": records(&self.hops),
            "order": records(&self.order),
            "duplicates": records(&self.duplicates),
        })
    }
}

fn of_group(df: &DataFrame, group: u32) -> LazyFrame {
    df.clone().lazy().filter(col("group_id").eq(lit(group)))
}

fn group_tables(a: &Analysis, group: u32) -> PolarsResult<GroupTables> {
    let violations = of_group(&a.violations, group);
    let runs = of_group(&a.runs, group).collect()?.height();
    let violating_runs = violations
        .clone()
        .select([col("run").n_unique()])
        .collect()?
        .column("run")?
        .get(0)?
        .extract::<usize>()
        .unwrap_or(0);
    let properties = violations
        .clone()
        .group_by([col("property")])
        .agg([col("run").n_unique().alias("runs"), col("record").count().alias("records")])
        .sort(["property"], SortMultipleOptions::default())
        .collect()?;
    let stopped = violations
        .filter(col("property").eq(lit(crate::spec::EVENTUAL_DELIVERY)))
        .group_by([col("place"), col("stage"), col("region")])
        .agg([len().alias("records"), col("run").n_unique().alias("runs")])
        .sort(["place", "region"], SortMultipleOptions::default())
        .collect()?;
    let m = &a.measures;
    Ok(GroupTables {
        name: a.groups[group as usize].clone(),
        runs,
        violating_runs,
        outcomes: of_group(&m.outcomes, group).collect()?,
        properties,
        stopped,
        latency: of_group(&m.latency, group).collect()?,
        hops: of_group(&m.hops, group).collect()?,
        order: of_group(&m.order, group).collect()?,
        duplicates: of_group(&m.duplicates, group).collect()?,
    })
}

/// The first `max` violating runs, one row each: the run's first violation
/// of a record (or of the run itself), how many it has, and the command
/// that reproduces it.
fn seeds(violations: &DataFrame, max: usize) -> PolarsResult<DataFrame> {
    let record_arg =
        when(col("record").is_null()).then(lit("")).otherwise(lit(" --record ") + col("record").cast(DataType::String));
    let command =
        lit("wl1 replay --from ") + col("file") + lit(" --seed ") + col("seed").cast(DataType::String) + record_arg;
    violations
        .clone()
        .lazy()
        .sort(["run", "record", "place"], SortMultipleOptions::default().with_nulls_last(true))
        .group_by_stable([col("run")])
        .agg([
            col("seed").first(),
            col("scenario").first(),
            col("file").first(),
            col("property").first(),
            col("record").first(),
            col("stage").first(),
            col("region").first(),
            len().alias("violations"),
        ])
        .limit(max as IdxSize)
        .with_column(command.alias("command"))
        .collect()
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

fn cell(value: &AnyValue) -> String {
    match value {
        AnyValue::Null => "-".into(),
        AnyValue::Float64(f) => format!("{f:.3}"),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    }
}

fn json_value(value: &AnyValue) -> Value {
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => json!(b),
        AnyValue::Float64(f) => json!(f),
        AnyValue::String(s) => json!(s),
        AnyValue::StringOwned(s) => json!(s.as_str()),
        other => other.extract::<u64>().map_or_else(|| json!(other.to_string()), |n| json!(n)),
    }
}

/// A frame as a list of JSON objects, one per row.
fn records(df: &DataFrame) -> Value {
    let rows = (0..df.height())
        .map(|i| {
            let row: Map<String, Value> = df
                .columns()
                .iter()
                .filter(|c| c.name().as_str() != "group_id")
                .map(|c| (c.name().to_string(), c.get(i).map_or(Value::Null, |v| json_value(&v))))
                .collect();
            Value::Object(row)
        })
        .collect();
    Value::Array(rows)
}

/// The given columns of a frame as an aligned text table.
fn table(df: &DataFrame, columns: Columns) -> String {
    let mut cells: Vec<Vec<String>> = vec![columns.iter().map(|c| c.1.to_string()).collect()];
    for i in 0..df.height() {
        let row = columns
            .iter()
            .map(|(name, _)| df.column(name).and_then(|c| c.get(i).map(|v| cell(&v))).unwrap_or_else(|_| "?".into()));
        cells.push(row.collect());
    }
    let widths: Vec<usize> =
        (0..columns.len()).map(|j| cells.iter().map(|r| r[j].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(j, (c, w))| match j + 1 == columns.len() {
                true => c.clone(),
                false => format!("{c:<w$}"),
            })
            .collect();
        out += line.join("  ").trim_end();
        out.push('\n');
    }
    out
}
