//! Ordering at the destination: for each run, the sequence of first
//! arrivals compared with publish order, globally and per region. The
//! arrivals are selected and sorted with polars; one short loop per run
//! counts inversions.

use polars::prelude::*;

/// The scope of an ordering figure: 0 for all arrivals, else the region
/// the arrivals came from.
pub const GLOBAL: u32 = 0;

pub struct Ordering {
    /// Per run and scope: run, scope, arrivals, out_of_order, inversions,
    /// pairs, max_displacement.
    pub per_run: DataFrame,
    /// Per run whose arrivals are not in publish order: run, record (the
    /// first that arrived after a record published later), region.
    pub first_out_of_order: DataFrame,
}

/// Order figures of one sequence of publish positions, in arrival order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OrderStats {
    pub arrivals: u32,
    /// Records that arrived after a record published later.
    pub out_of_order: u32,
    /// Pairs that arrived in the opposite order of their publication.
    pub inversions: u64,
    /// How far a record's arrival position is from its publish position.
    pub max_displacement: u32,
}

impl OrderStats {
    /// `published[i]` is the publish position (any increasing measure) of
    /// the i-th arrival.
    pub fn of(published: &[u32]) -> OrderStats {
        let mut sorted = published.to_vec();
        sorted.sort_unstable();
        let mut stats = OrderStats { arrivals: published.len() as u32, ..OrderStats::default() };
        let mut latest = None;
        for (i, &p) in published.iter().enumerate() {
            if latest.is_some_and(|l| p < l) {
                stats.out_of_order += 1;
            }
            latest = latest.max(Some(p));
            stats.inversions += published[i + 1..].iter().filter(|&&q| q < p).count() as u64;
            let rank = sorted.partition_point(|&q| q < p);
            stats.max_displacement = stats.max_displacement.max(rank.abs_diff(i) as u32);
        }
        stats
    }

    /// Pairs of arrivals: what the inversion count is normalised by.
    pub fn pairs(&self) -> u64 {
        let n = u64::from(self.arrivals);
        n * n.saturating_sub(1) / 2
    }
}

/// The first arrivals of every run, in arrival order: run, record, region,
/// published (the publication's event index).
fn arrivals(record_table: &DataFrame) -> PolarsResult<DataFrame> {
    record_table
        .clone()
        .lazy()
        .filter(col("arrival_idx").is_not_null().and(col("published_idx").is_not_null()))
        .sort(["run", "arrival_idx"], SortMultipleOptions::default())
        .select([
            col("run"),
            col("record"),
            col("arrival_region").alias("region"),
            col("published_idx").alias("published"),
        ])
        .collect()
}

fn values(df: &DataFrame, name: &str) -> PolarsResult<Vec<u32>> {
    Ok(df.column(name)?.u32()?.into_no_null_iter().collect())
}

#[derive(Default)]
struct Rows {
    run: Vec<u32>,
    scope: Vec<u32>,
    stats: Vec<OrderStats>,
    first_run: Vec<u32>,
    first_record: Vec<u32>,
    first_region: Vec<u32>,
}

impl Rows {
    fn push(&mut self, run: u32, scope: u32, stats: OrderStats) {
        self.run.push(run);
        self.scope.push(scope);
        self.stats.push(stats);
    }

    /// Figures of one run: `published`, `records` and `regions` in arrival order.
    fn add_run(&mut self, run: u32, published: &[u32], records: &[u32], regions: &[u32]) {
        self.push(run, GLOBAL, OrderStats::of(published));
        for region in [1, 2] {
            let subset: Vec<u32> =
                (0..published.len()).filter(|&i| regions[i] == region).map(|i| published[i]).collect();
            if !subset.is_empty() {
                self.push(run, region, OrderStats::of(&subset));
            }
        }
        let mut latest = 0;
        if let Some(i) = (0..published.len()).find(|&i| {
            let late = i > 0 && published[i] < latest;
            latest = latest.max(published[i]);
            late
        }) {
            self.first_run.push(run);
            self.first_record.push(records[i]);
            self.first_region.push(regions[i]);
        }
    }

    fn into_ordering(self) -> PolarsResult<Ordering> {
        let stat = |f: fn(&OrderStats) -> u64| -> Vec<u64> { self.stats.iter().map(f).collect() };
        let per_run = DataFrame::new(
            self.run.len(),
            vec![
                Column::new("run".into(), &self.run),
                Column::new("scope".into(), &self.scope),
                Column::new("arrivals".into(), stat(|s| s.arrivals.into())),
                Column::new("out_of_order".into(), stat(|s| s.out_of_order.into())),
                Column::new("inversions".into(), stat(|s| s.inversions)),
                Column::new("pairs".into(), stat(OrderStats::pairs)),
                Column::new("max_displacement".into(), stat(|s| s.max_displacement.into())),
            ],
        )?;
        let first_out_of_order = DataFrame::new(
            self.first_run.len(),
            vec![
                Column::new("run".into(), self.first_run),
                Column::new("record".into(), self.first_record),
                Column::new("region".into(), self.first_region),
            ],
        )?;
        Ok(Ordering { per_run, first_out_of_order })
    }
}

/// Ordering figures of every run.
pub fn ordering(record_table: &DataFrame) -> PolarsResult<Ordering> {
    let arrivals = arrivals(record_table)?;
    let runs = values(&arrivals, "run")?;
    let records = values(&arrivals, "record")?;
    let regions = values(&arrivals, "region")?;
    let published = values(&arrivals, "published")?;
    let mut rows = Rows::default();
    let mut start = 0;
    while start < runs.len() {
        let run = runs[start];
        let end = start + runs[start..].partition_point(|&r| r == run);
        let span = start..end;
        rows.add_run(run, &published[span.clone()], &records[span.clone()], &regions[span]);
        start = end;
    }
    rows.into_ordering()
}
