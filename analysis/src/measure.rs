//! Measurements (required by nothing, reported for everything), per group
//! of runs: latency from publish to destination per region and per hop,
//! ordering at the destination, duplicates per stage, outcomes.

use polars::prelude::*;
use wl1::trace::Kind;

use crate::order::{GLOBAL, Ordering};
use crate::tables::{ARRIVAL, FIRST_REPLICA, places_frame, time_column};

pub struct Measures {
    /// Per delivered record: group_id, region (it arrived from), latency_ms,
    /// then hop_1..hop_11 (ms from the first time at the stage's cause).
    pub delivered: DataFrame,
    /// Per group and region: count, mean, p50, p90, p99, p99_9, max (ms).
    pub latency: DataFrame,
    /// Per group, region and hop: hop (its name), mean, p50, p99 (ms).
    pub hops: DataFrame,
    /// Per group and scope (0 global, else region): runs, arrivals,
    /// out_of_order_share, inversions_normalised, max_displacement.
    pub order: DataFrame,
    /// Per group and place reached more than once per record: stage,
    /// records (reached twice or more), extra (reaches beyond the first).
    pub duplicates: DataFrame,
    /// Per group and outcome: runs, share.
    pub outcomes: DataFrame,
}

pub const QUANTILES: [(f64, &str); 4] = [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p99_9")];

/// The stage that causes stage `k`: the one before it, except that the
/// destination receives what was appended to outbound Kafka (the inbound
/// removal runs beside it).
fn cause(k: usize) -> usize {
    match k {
        k if k == ARRIVAL as usize => Kind::OutboundAppended as usize,
        k => k - 1,
    }
}

fn hop_name(k: usize) -> String {
    format!("{} -> {}", Kind::STAGES[cause(k)].name(), Kind::STAGES[k].name())
}

fn hop_column(k: usize) -> String {
    format!("hop_{k}")
}

/// What the runs analyzed so far contribute to the measurements: samples
/// and per-run figures, which chunks add to one another.
pub struct Samples {
    /// As [`Measures::delivered`].
    pub delivered: DataFrame,
    /// Per run and scope: group_id, scope, arrivals, out_of_order,
    /// inversions, pairs, max_displacement.
    pub order: DataFrame,
    /// Per record and place reached more than once: group_id, place, count.
    pub repeated: DataFrame,
}

impl Samples {
    /// The samples of the runs of one chunk.
    pub fn of(
        stages: &DataFrame,
        record_table: &DataFrame,
        runs: &DataFrame,
        ordering: &Ordering,
    ) -> PolarsResult<Samples> {
        Ok(Samples {
            delivered: delivered(record_table)?,
            order: with_group(ordering.per_run.clone().lazy(), runs).collect()?,
            repeated: with_group(stages.clone().lazy().filter(col("count").gt(lit(1u32))), runs)
                .select([col("group_id"), col("place"), col("count")])
                .collect()?,
        })
    }

    /// Adds the samples of the runs after these.
    pub fn append(&mut self, later: &Samples) -> PolarsResult<()> {
        self.delivered.vstack_mut(&later.delivered)?;
        self.order.vstack_mut(&later.order)?;
        self.repeated.vstack_mut(&later.repeated)?;
        Ok(())
    }

    /// The measurements of every run sampled; `runs` are all the runs.
    pub fn measure(mut self, runs: &DataFrame) -> PolarsResult<Measures> {
        self.delivered.rechunk_mut();
        Ok(Measures {
            latency: latency(&self.delivered)?,
            hops: hops(&self.delivered)?,
            delivered: self.delivered,
            order: order(&self.order)?,
            duplicates: duplicates(&self.repeated)?,
            outcomes: outcomes(runs)?,
        })
    }
}

/// `rows` (with a run column) with their run's group_id.
fn with_group(rows: LazyFrame, runs: &DataFrame) -> LazyFrame {
    rows.join(
        runs.clone().lazy().select([col("run"), col("group_id")]),
        [col("run")],
        [col("run")],
        JoinArgs::new(JoinType::Left),
    )
}

fn ms(us: Expr) -> Expr {
    us.cast(DataType::Float64) / lit(1000.0)
}

/// One row per record that reached the destination, its first times at
/// the pipeline stages turned into latency and hops.
fn delivered(record_table: &DataFrame) -> PolarsResult<DataFrame> {
    let t = |k: u32| col(time_column(k));
    let mut columns =
        vec![col("group_id"), col("arrival_region").alias("region"), ms(t(ARRIVAL) - t(0)).alias("latency_ms")];
    columns.extend((1..FIRST_REPLICA).map(|k| {
        let hop = ms(t(k) - t(cause(k as usize) as u32));
        hop.alias(hop_column(k as usize))
    }));
    record_table.clone().lazy().filter(t(0).is_not_null().and(t(ARRIVAL).is_not_null())).select(columns).collect()
}

fn quantile(column: &str, p: f64, name: &str) -> Expr {
    col(column).quantile(lit(p), QuantileMethod::Linear).alias(name)
}

fn latency(delivered: &DataFrame) -> PolarsResult<DataFrame> {
    let mut aggs = vec![len().cast(DataType::UInt64).alias("count"), col("latency_ms").mean().alias("mean")];
    aggs.extend(QUANTILES.iter().map(|&(p, name)| quantile("latency_ms", p, name)));
    aggs.push(col("latency_ms").max().alias("max"));
    delivered
        .clone()
        .lazy()
        .group_by([col("group_id"), col("region")])
        .agg(aggs)
        .sort(["group_id", "region"], SortMultipleOptions::default())
        .collect()
}

fn hops(delivered: &DataFrame) -> PolarsResult<DataFrame> {
    let per_hop: Vec<LazyFrame> = (1..FIRST_REPLICA as usize)
        .map(|k| {
            let hop = hop_column(k);
            delivered
                .clone()
                .lazy()
                .group_by([col("group_id"), col("region")])
                .agg([col(hop.as_str()).mean().alias("mean"), quantile(&hop, 0.5, "p50"), quantile(&hop, 0.99, "p99")])
                .with_columns([lit(k as u32).alias("order"), lit(hop_name(k)).alias("hop")])
        })
        .collect();
    concat(per_hop, UnionArgs::default())?
        .sort(["group_id", "region", "order"], SortMultipleOptions::default())
        .select([col("group_id"), col("region"), col("hop"), col("mean"), col("p50"), col("p99")])
        .collect()
}

fn order(per_run: &DataFrame) -> PolarsResult<DataFrame> {
    let sum = |c: &str| col(c).sum().cast(DataType::Float64);
    per_run
        .clone()
        .lazy()
        .group_by([col("group_id"), col("scope")])
        .agg([
            len().cast(DataType::UInt64).alias("runs"),
            col("arrivals").sum(),
            (sum("out_of_order") / sum("arrivals")).alias("out_of_order_share"),
            (sum("inversions") / sum("pairs")).alias("inversions_normalised"),
            col("max_displacement").max(),
        ])
        .sort(["group_id", "scope"], SortMultipleOptions::default())
        .with_column(scope_name().alias("scope"))
        .collect()
}

/// Scope 0 reads "global", the others "region N".
fn scope_name() -> Expr {
    when(col("scope").eq(lit(GLOBAL)))
        .then(lit("global"))
        .otherwise(lit("region ") + col("scope").cast(DataType::String))
}

fn duplicates(repeated: &DataFrame) -> PolarsResult<DataFrame> {
    repeated
        .clone()
        .lazy()
        .group_by([col("group_id"), col("place")])
        .agg([
            len().cast(DataType::UInt64).alias("records"),
            (col("count") - lit(1u32)).cast(DataType::UInt64).sum().alias("extra"),
        ])
        .join(places_frame()?.lazy(), [col("place")], [col("place")], JoinArgs::new(JoinType::Left))
        .sort(["group_id", "place"], SortMultipleOptions::default())
        .collect()
}

fn outcomes(runs: &DataFrame) -> PolarsResult<DataFrame> {
    let share =
        col("runs").cast(DataType::Float64) / col("runs").sum().over([col("group_id")])?.cast(DataType::Float64);
    runs.clone()
        .lazy()
        .group_by([col("group_id"), col("outcome")])
        .agg([len().cast(DataType::UInt64).alias("runs")])
        .with_column(share.alias("share"))
        .sort(["group_id", "outcome"], SortMultipleOptions::default())
        .collect()
}
