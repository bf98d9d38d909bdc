//! The specification of MODEL.md section 5, checked per run and per record
//! with polars joins and expressions. Every check yields rows of the same
//! shape: run, record, property, place, region (record, place and region
//! null where they do not apply).

use polars::prelude::*;
use wl1::trace::Kind;

use crate::tables::{ARRIVAL, FIRST_REPLICA, PLACE_COUNT, kind_is, mark_sorted, null_u32, places_frame};

pub const EVENTUAL_DELIVERY: &str = "eventual-delivery";
pub const REMOVED_BEFORE_STORE: &str = "inbound-removed-before-store";
pub const REMOVED_BEFORE_APPEND: &str = "inbound-removed-before-outbound-append";
pub const REMOVED_BEFORE_DELIVERY: &str = "outbound-removed-before-delivery";
pub const PHANTOM: &str = "phantom-record";
pub const VALUE_CHANGED: &str = "value-changed";
pub const DUPLICATE_STORE: &str = "duplicate-store";
pub const GLOBAL_ORDER: &str = "global-order";

/// The inputs of the checks.
pub struct SpecInput<'a> {
    pub runs: &'a DataFrame,
    pub records: &'a DataFrame,
    pub stages: &'a DataFrame,
    /// One row per record that reached any place (see [`crate::tables::record_table`]).
    pub record_table: &'a DataFrame,
    pub record_events: &'a DataFrame,
    /// Per run, the first record that reached the destination after a record
    /// published later: run, record, region (see [`crate::order`]).
    pub first_out_of_order: &'a DataFrame,
}

/// Every violation: run, record, property, place, region, then from the
/// run: seed, scenario, file, group_id; and the place's name as stage.
pub fn violations(input: SpecInput) -> PolarsResult<DataFrame> {
    let checks = [
        run_outcomes(input.runs),
        eventual_delivery(&input)?,
        removals(input.record_events)?,
        phantoms(input.record_table, input.stages),
        changed_values(input.record_events.clone().lazy()),
        duplicate_stores(input.stages),
        global_order(input.first_out_of_order, input.runs),
    ];
    let runs =
        input.runs.clone().lazy().select([col("run"), col("seed"), col("scenario"), col("file"), col("group_id")]);
    concat(checks, UnionArgs::default())?
        .left_join(runs, col("run"), col("run"))
        .left_join(places_frame()?.lazy(), col("place"), col("place"))
        .sort(["run", "record", "place"], SortMultipleOptions::default().with_nulls_last(false))
        .collect()
}

fn violation(property: &str, record: Expr, place: Expr, region: Expr) -> [Expr; 5] {
    [
        col("run"),
        record.cast(DataType::UInt32).alias("record"),
        lit(property).alias("property"),
        place.cast(DataType::UInt32).alias("place"),
        region.cast(DataType::UInt32).alias("region"),
    ]
}

/// A run that got stuck or hit its time bound violates the spec by itself.
fn run_outcomes(runs: &DataFrame) -> LazyFrame {
    let property = lit("run-") + col("outcome");
    let [run, record, _, place, region] = violation("", null_u32(), null_u32(), null_u32());
    runs.clone().lazy().filter(col("outcome").neq(lit("completed"))).select([
        run,
        record,
        property.alias("property"),
        place,
        region,
    ])
}

/// Every published record reaches every place: names the first place each
/// incomplete record never reached, and its region.
fn eventual_delivery(input: &SpecInput) -> PolarsResult<LazyFrame> {
    let reached = input.record_table.clone().lazy().select([col("rec_key"), col("reached")]);
    let incomplete = input
        .records
        .clone()
        .lazy()
        .left_join(reached, col("rec_key"), col("rec_key"))
        .filter(col("reached").is_null().or(col("reached").lt(lit(PLACE_COUNT))))
        .select([col("run"), col("record"), col("rec_key")])
        .collect()?
        .lazy();
    let stage_key = col("rec_key") * lit(32u64) + col("place").cast(DataType::UInt64);
    let reached_places = input
        .stages
        .clone()
        .lazy()
        .inner_join(incomplete.clone().select([col("rec_key")]), col("rec_key"), col("rec_key"))
        .select([col("stage_key"), col("count")]);
    let places = places_frame()?.lazy().select([col("place"), lit(1u32).alias("one")]);
    let first_missing = incomplete
        .clone()
        .with_column(lit(1u32).alias("one"))
        .inner_join(places, col("one"), col("one"))
        .with_column(stage_key.alias("stage_key"))
        .left_join(reached_places, col("stage_key"), col("stage_key"))
        .filter(col("count").is_null())
        .group_by([col("rec_key")])
        .agg([col("run").first(), col("record").first(), col("place").min()]);
    let routed = routed_regions(input.stages, input.record_events, incomplete)?;
    let region = when(col("place").gt_eq(lit(FIRST_REPLICA)))
        .then((col("place") - lit(FIRST_REPLICA)) % lit(3u32) + lit(1u32))
        .when(col("place").eq(lit(Kind::Published as u32)))
        .then(null_u32())
        .otherwise(col("routed_region"));
    Ok(first_missing.left_join(routed, col("rec_key"), col("rec_key")).select(violation(
        EVENTUAL_DELIVERY,
        col("record"),
        col("place"),
        region,
    )))
}

/// The region each of `records` was routed to: that of the latest
/// regional pipeline stage it reached, or of a publication refused there.
fn routed_regions(stages: &DataFrame, record_events: &DataFrame, records: LazyFrame) -> PolarsResult<LazyFrame> {
    let regional = col("place").gt_eq(lit(Kind::ReceiverInvoked as u32)).and(col("place").lt(lit(FIRST_REPLICA)));
    let reached = stages.clone().lazy().filter(regional).select([col("rec_key"), col("region"), col("first_idx")]);
    let refused = record_events.clone().lazy().filter(kind_is(Kind::PublishFailed)).select([
        col("rec_key"),
        col("region").cast(DataType::UInt32),
        col("idx").alias("first_idx"),
    ]);
    Ok(concat([reached, refused], UnionArgs::default())?
        .inner_join(records.select([col("rec_key")]), col("rec_key"), col("rec_key"))
        .group_by([col("rec_key")])
        .agg([col("region").sort_by([col("first_idx")], SortMultipleOptions::default()).last().alias("routed_region")]))
}

/// Per record and region, the first event of `kind`: key (rec_key * 4 +
/// region), run, record, region, and the event's index named as the kind.
/// The loader's row order keeps the key ascending within one kind.
fn first_per_region(record_events: &DataFrame, kind: Kind) -> PolarsResult<LazyFrame> {
    let key = col("rec_key") * lit(4u64) + col("region").cast(DataType::UInt64);
    let events = record_events
        .clone()
        .lazy()
        .filter(kind_is(kind))
        .select([key.alias("key"), col("run"), col("subject"), col("region"), col("idx")])
        .collect()?;
    Ok(mark_sorted(events, &["key"])?.lazy().group_by([col("key")]).agg([
        col("run").first(),
        col("subject").first().alias("record"),
        col("region").first(),
        col("idx").first().alias(kind.name()),
    ]))
}

/// Removal from inbound Kafka only after the processor DB store and the
/// outbound append of the same region; removal from outbound Kafka only
/// after the destination received the record from that region.
fn removals(record_events: &DataFrame) -> PolarsResult<LazyFrame> {
    let first = |kind| first_per_region(record_events, kind);
    let check = |property: &str, removed: Kind, needed: Kind| -> PolarsResult<LazyFrame> {
        let needed_idx = first(needed)?.select([col("key"), col(needed.name())]);
        let early = col(needed.name()).is_null().or(col(needed.name()).gt(col(removed.name())));
        Ok(first(removed)?.left_join(needed_idx, col("key"), col("key")).filter(early).select(violation(
            property,
            col("record"),
            lit(removed as u32),
            col("region"),
        )))
    };
    let checks = [
        check(REMOVED_BEFORE_STORE, Kind::InboundRemoved, Kind::ProcessorDbStored)?,
        check(REMOVED_BEFORE_APPEND, Kind::InboundRemoved, Kind::OutboundAppended)?,
        check(REMOVED_BEFORE_DELIVERY, Kind::OutboundRemoved, Kind::DestinationReceived)?,
    ];
    concat(checks, UnionArgs::default())
}

/// No record appears that was never published: every place a record
/// reaches is of a record 1..=records of its run, after its publication.
/// Names the first place the phantom reached.
fn phantoms(record_table: &DataFrame, stages: &DataFrame) -> LazyFrame {
    let unknown = col("record").eq(lit(0u32)).or(col("record").gt(col("records")));
    let unpublished = col("published_idx").is_null().or(col("published_idx").gt(col("first_idx")));
    let phantoms = record_table.clone().lazy().filter(unknown.or(unpublished)).select([col("rec_key")]);
    let first = |c: &str| col(c).sort_by([col("first_idx")], SortMultipleOptions::default()).first();
    stages
        .clone()
        .lazy()
        .inner_join(phantoms, col("rec_key"), col("rec_key"))
        .group_by([col("rec_key")])
        .agg([col("run").first(), col("record").first(), first("place"), first("region")])
        .select(violation(PHANTOM, col("record"), col("place"), col("region")))
}

/// No record's value changes: every publication and every arrival carries
/// the value of its first publication.
fn changed_values(record_events: LazyFrame) -> LazyFrame {
    let carrying = kind_is(Kind::Published).or(kind_is(Kind::DestinationReceived));
    let carriers = record_events.filter(carrying);
    let published = carriers
        .clone()
        .filter(kind_is(Kind::Published))
        .group_by([col("rec_key")])
        .agg([col("value").first().alias("published_value")]);
    let by_idx = |c: &str| col(c).sort_by([col("idx")], SortMultipleOptions::default()).first();
    carriers
        .inner_join(published, col("rec_key"), col("rec_key"))
        .filter(col("value").neq(col("published_value")))
        .group_by([col("rec_key")])
        .agg([col("run").first(), col("subject").first().alias("record"), by_idx("place"), by_idx("region")])
        .select(violation(VALUE_CHANGED, col("record"), col("place"), col("region")))
}

/// Replica storage is idempotent: no replica stores a record twice.
fn duplicate_stores(stages: &DataFrame) -> LazyFrame {
    stages
        .clone()
        .lazy()
        .filter(col("place").gt_eq(lit(FIRST_REPLICA)).and(col("count").gt(lit(1u32))))
        .select(violation(DUPLICATE_STORE, col("record"), col("place"), col("region")))
}

/// With the global-order variant, first arrivals at the destination follow
/// publish order.
fn global_order(first_out_of_order: &DataFrame, runs: &DataFrame) -> LazyFrame {
    let required = runs.clone().lazy().select([col("run"), col("global_order")]);
    first_out_of_order
        .clone()
        .lazy()
        .inner_join(required, col("run"), col("run"))
        .filter(col("global_order"))
        .select(violation(GLOBAL_ORDER, col("record"), lit(ARRIVAL), col("region")))
}
