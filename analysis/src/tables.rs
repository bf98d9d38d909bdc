//! Tables derived from the loaded events that every check and measurement
//! shares: the record events with their keys and places, and the table of
//! one row per run, record and place reached.
//!
//! A *place* is one of the 21 things every published record must reach:
//! the 12 pipeline stages (places 0..=11, numbered as their kinds), then the
//! replica stores (place 12 + 3 * database + region - 1).

use polars::prelude::*;
use wl1::trace::Kind;

/// The 12 stages and the 9 replica stores.
pub const PLACE_COUNT: u32 = 21;
/// The place of the destination's arrival (the kind's code).
pub const ARRIVAL: u32 = Kind::DestinationReceived as u32;
/// The first replica place.
pub const FIRST_REPLICA: u32 = Kind::STAGES.len() as u32;

/// The kind a place is reached by.
pub fn place_kind(place: u32) -> Kind {
    match place {
        p if p < FIRST_REPLICA => Kind::STAGES[p as usize],
        p => Kind::REPLICA_STORES[((p - FIRST_REPLICA) / 3) as usize],
    }
}

/// The region a replica place is in; `None` for pipeline stages.
pub fn replica_region(place: u32) -> Option<u32> {
    (place >= FIRST_REPLICA).then(|| (place - FIRST_REPLICA) % 3 + 1)
}

/// A place's name as reports show it.
pub fn place_name(place: u32) -> String {
    match replica_region(place) {
        Some(region) => format!("{}@{region}", place_kind(place).name()),
        None => place_kind(place).name().to_string(),
    }
}

/// One row per place: place, stage.
pub fn places_frame() -> PolarsResult<DataFrame> {
    let places: Vec<u32> = (0..PLACE_COUNT).collect();
    let names: Vec<String> = places.iter().map(|&p| place_name(p)).collect();
    DataFrame::new(places.len(), vec![Column::new("place".into(), places), Column::new("stage".into(), names)])
}

pub fn kind_is(kind: Kind) -> Expr {
    col("kind").eq(lit(kind as u32))
}

/// Marks key columns that the loader's row order keeps ascending, so that
/// polars groups by them in one linear pass.
pub fn mark_sorted(mut frame: DataFrame, keys: &[&str]) -> PolarsResult<DataFrame> {
    for key in keys {
        let mut column = frame.column(key)?.clone();
        column.set_sorted_flag(polars::series::IsSorted::Ascending);
        frame.with_column(column)?;
    }
    Ok(frame)
}

/// A typed null, for columns a check does not fill.
pub fn null_u32() -> Expr {
    lit(NULL).cast(DataType::UInt32)
}

/// `rec_key` = run << 32 | record, as [`crate::load::rec_key`].
fn rec_key_expr() -> Expr {
    col("run").cast(DataType::UInt64) * lit(1u64 << 32) + col("subject").cast(DataType::UInt64)
}

/// The place an event reaches, or null for record events that reach none.
fn place_expr() -> Expr {
    let kind = col("kind");
    let replicas_from = Kind::REPLICA_STORES[0] as u32;
    let replicas_to = Kind::REPLICA_STORES[2] as u32;
    let replica_region_ok = col("region").gt_eq(lit(1u32)).and(col("region").lt_eq(lit(3u32)));
    when(kind.clone().lt(lit(FIRST_REPLICA)))
        .then(kind.clone())
        .when(kind.clone().gt_eq(lit(replicas_from)).and(kind.clone().lt_eq(lit(replicas_to))).and(replica_region_ok))
        .then((kind - lit(replicas_from)) * lit(3u32) + col("region") + lit(FIRST_REPLICA - 1))
        .otherwise(null_u32())
}

/// The events about records, with `rec_key` (ascending, as the loader
/// grouped them by record) and `place` added.
pub fn record_events(events: &DataFrame) -> PolarsResult<DataFrame> {
    let frame =
        events.clone().lazy().with_columns([rec_key_expr().alias("rec_key"), place_expr().alias("place")]).collect()?;
    mark_sorted(frame, &["rec_key"])
}

/// One row per run, record and place reached: run, record, rec_key, place,
/// count (how often it was reached), first_idx, first_time_us, region (of
/// the first time), sorted by run, record and place.
pub fn stage_table(record_events: &DataFrame) -> PolarsResult<DataFrame> {
    let stage_key = col("rec_key") * lit(32u64) + col("place").cast(DataType::UInt64);
    let reaching = record_events
        .clone()
        .lazy()
        .filter(col("place").is_not_null())
        .with_column(stage_key.alias("stage_key"))
        .collect()?;
    // The rows of one stage are adjacent: keep the first, count the rows
    // up to the next stage's first.
    let height = reaching.height() as IdxSize;
    let first_of_stage = col("stage_key").neq(col("stage_key").shift(lit(1))).fill_null(lit(true));
    let count = col("row").shift(lit(-1)).fill_null(lit(height)) - col("row");
    let stages = reaching
        .lazy()
        .with_row_index("row", None)
        .filter(first_of_stage)
        .select([
            col("stage_key"),
            col("run"),
            col("subject").alias("record"),
            col("rec_key"),
            col("place"),
            count.cast(DataType::UInt32).alias("count"),
            col("idx").alias("first_idx"),
            col("time_us").alias("first_time_us"),
            col("region"),
        ])
        .collect()?;
    mark_sorted(stages, &["rec_key"])
}

/// The value of `column` at `place` in a group of one record's places.
fn at(place: u32, column: Expr, dtype: DataType, name: &str) -> Expr {
    column.cast(dtype).filter(col("place").eq(lit(place))).first().alias(name)
}

/// The name of the column holding the first time a record reached stage `k`.
pub fn time_column(k: u32) -> String {
    format!("t{k}")
}

/// One row per record that reached any place: rec_key, run, record,
/// group_id, records (of its run), reached (places), first_idx (of any
/// place), published_idx, arrival_idx, arrival_region, and t0..t11 (first
/// time at each pipeline stage, µs).
pub fn record_table(stages: &DataFrame, runs: &DataFrame) -> PolarsResult<DataFrame> {
    let published = Kind::Published as u32;
    let mut aggs = vec![
        col("run").first(),
        col("record").first(),
        len().cast(DataType::UInt32).alias("reached"),
        col("first_idx").min(),
        at(published, col("first_idx"), DataType::UInt32, "published_idx"),
        at(ARRIVAL, col("first_idx"), DataType::UInt32, "arrival_idx"),
        at(ARRIVAL, col("region"), DataType::UInt32, "arrival_region"),
    ];
    aggs.extend((0..FIRST_REPLICA).map(|k| at(k, col("first_time_us"), DataType::Int64, &time_column(k))));
    stages
        .clone()
        .lazy()
        .group_by([col("rec_key")])
        .agg(aggs)
        .join(
            runs.clone().lazy().select([col("run"), col("records"), col("group_id")]),
            [col("run")],
            [col("run")],
            JoinArgs::new(JoinType::Left),
        )
        .collect()
}
