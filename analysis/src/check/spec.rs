//! The specification of MODEL.md, "Specification", checked on a chunk's frames
//! (one row per run, one per run and record) with column-wise polars
//! expressions. Every check yields rows of one shape: run, group, record,
//! property, place, region (record, place and region null where they do
//! not apply); the chunk's rows are then added up per group.

use std::collections::BTreeMap;

use polars::prelude::*;
use strum::VariantArray;
use wl1::trace::OutcomeKind;

use crate::check::columns::{RunColumns, name};
use crate::measure::summary::{GroupSummary, NEXT_KEPT, Spot, Violated, Violator};
use crate::properties::{
    ANSWER_UNMATCHED, DUPLICATE_STORE, EVENTUAL_DELIVERY, GLOBAL_ORDER, PHANTOM, PROPERTIES, PUBLISH_ORDER,
    VALUE_CHANGED,
};
use crate::record::facts::NONE;
use crate::record::places::Places;
use crate::runs::outcome_code;

fn code(property: &str) -> u32 {
    PROPERTIES.iter().position(|p| p == property).expect("a listed property") as u32
}

/// Every violation in a chunk of runs of `places`: run, group, record,
/// property, place, region, sorted by run, record and place.
pub fn violations(places: &Places, records: &DataFrame, runs: &DataFrame) -> PolarsResult<DataFrame> {
    let records = records.clone().lazy();
    let mut checks = vec![run_outcomes(runs.clone().lazy()), eventual_delivery(places, records.clone())];
    checks.extend(orders(places, &records)?);
    checks.push(phantoms(places, records.clone()));
    checks.push(changed_values(places, records.clone()));
    checks.extend(duplicate_stores(places, &records));
    checks.push(global_order(places, runs.clone().lazy()));
    checks.push(publish_order(records.clone()));
    checks.push(unmatched_answers(records));
    concat(checks, UnionArgs::default())?
        .sort(["run", "record", "place"], SortMultipleOptions::default().with_maintain_order(true))
        .collect()
}

fn u32_null() -> Expr {
    lit(NULL).cast(DataType::UInt32)
}

fn violation(property: &str, record: Expr, place: Expr, region: Expr) -> [Expr; 6] {
    [
        col("run"),
        col("group"),
        record.cast(DataType::UInt32).alias("record"),
        lit(code(property)).cast(DataType::UInt32).alias("property"),
        place.cast(DataType::UInt32).alias("place"),
        region.cast(DataType::UInt32).alias("region"),
    ]
}

/// A run that got stuck or hit its time bound violates the spec by itself.
fn run_outcomes(runs: LazyFrame) -> LazyFrame {
    let mut property = u32_null();
    for &kind in OutcomeKind::VARIANTS.iter().filter(|&&k| k != OutcomeKind::Completed) {
        let name = format!("run-{}", kind.name());
        property = when(col("outcome").eq(lit(outcome_code(kind)))).then(lit(code(&name))).otherwise(property);
    }
    let columns = [
        col("run"),
        col("group"),
        u32_null().alias("record"),
        property.alias("property"),
        u32_null().alias("place"),
        u32_null().alias("region"),
    ];
    runs.filter(col("outcome").neq(lit(outcome_code(OutcomeKind::Completed)))).select(columns)
}

fn reached(places: &Places, place: usize) -> Expr {
    col(name::n(places, place)).gt(lit(0u32))
}

/// Every published record reaches every place: names the first place an
/// incomplete record never reached, and its region: the replica's, none
/// for the publication, else the region the record was routed to.
fn eventual_delivery(places: &Places, records: LazyFrame) -> LazyFrame {
    let unreached = |later, p| when(reached(places, p)).then(later).otherwise(lit(p as u32));
    let missing = (0..places.len()).rev().fold(lit(NONE), unreached);
    let replica_region = (places.first_replica()..places.len()).fold(u32_null(), |other, p| {
        let region = places.replica_region(p).expect("a replica place");
        when(col("missing").eq(lit(p as u32))).then(lit(region)).otherwise(other)
    });
    let region = when(col("missing").gt_eq(lit(places.first_replica() as u32)))
        .then(replica_region)
        .when(col("missing").eq(lit(places.publication() as u32)))
        .then(u32_null())
        .otherwise(when(col("routed_region").eq(lit(0u32))).then(u32_null()).otherwise(col("routed_region")));
    records
        .filter(col("known"))
        .with_column(missing.alias("missing"))
        .filter(col("missing").neq(lit(NONE)))
        .select(violation(EVENTUAL_DELIVERY, col("record"), col("missing"), region))
}

/// The architecture's safety orders: in each region, a record reaches an
/// order's `then` stage only after its `first` (in Workload1, a stream
/// removes a record only once its consumer has handed it on). Names the
/// `then` stage.
fn orders(places: &Places, records: &LazyFrame) -> PolarsResult<Vec<LazyFrame>> {
    let mut checks = Vec::new();
    for (property, first, then) in places.orders() {
        if !PROPERTIES.iter().any(|p| p == property) {
            return Err(polars_err!(ComputeError: "the order {property} is not a property this wl1 counts"));
        }
        for r in 1..=places.regions() {
            let early_one = col(name::watched(places, then, r));
            let needed = col(name::watched(places, first, r));
            let early = early_one.clone().neq(lit(NONE)).and(needed.gt(early_one));
            let place = lit(then as u32);
            checks.push(records.clone().filter(early).select(violation(property, col("record"), place, lit(r as u32))));
        }
    }
    Ok(checks)
}

/// No record appears that was never published: every place a record
/// reaches is of a record 1..=records of its run, after its publication.
/// Names the first place the phantom reached.
fn phantoms(places: &Places, records: LazyFrame) -> LazyFrame {
    let unpublished_then = col(name::idx(places, places.publication())).gt(col("first_idx"));
    let phantom = col("first_idx").neq(lit(NONE)).and(col("known").not().or(unpublished_then));
    records.filter(phantom).select(violation(PHANTOM, col("record"), col("first_place"), col("first_region")))
}

/// No record's value changes: every publication and every arrival carries
/// the value of its first publication. Names the first that does not.
fn changed_values(places: &Places, records: LazyFrame) -> LazyFrame {
    let first_differs = col("carried_value").neq(col("value"));
    let later_differs = col("changed_place").neq(lit(NONE));
    let changed = reached(places, places.publication()).and(first_differs.clone().or(later_differs));
    let place = when(first_differs.clone()).then(col("carried_place")).otherwise(col("changed_place"));
    let region = when(first_differs).then(col("carried_region")).otherwise(col("changed_region"));
    records.filter(changed).select(violation(VALUE_CHANGED, col("record"), place, region))
}

/// Replica storage is idempotent: no replica stores a record twice.
fn duplicate_stores(places: &Places, records: &LazyFrame) -> Vec<LazyFrame> {
    (places.first_replica()..places.len())
        .map(|p| {
            let region = lit(places.replica_region(p).expect("a replica place"));
            let stored_twice = col(name::n(places, p)).gt(lit(1u32));
            records.clone().filter(stored_twice).select(violation(
                DUPLICATE_STORE,
                col("record"),
                lit(p as u32),
                region,
            ))
        })
        .collect()
}

/// With the global-order variant, first arrivals at the destination follow
/// publish order: names the first record that arrived after a record
/// published later.
fn global_order(places: &Places, runs: LazyFrame) -> LazyFrame {
    let late = col("global_order").and(col("late_record").neq(lit(NONE)));
    let arrival = lit(places.arrival() as u32);
    runs.filter(late).select(violation(GLOBAL_ORDER, col("late_record"), arrival, col("late_region")))
}

/// Where the architecture asks for it, records come in publish order at
/// every place, regions merged, a record repeating only right after itself
/// (the ActivePassive study's assertions, observed where a write or a
/// queue operation takes effect): names the first place a record came out
/// of order at.
fn publish_order(records: LazyFrame) -> LazyFrame {
    let disordered = col("disordered_place").neq(lit(NONE));
    records.filter(disordered).select(violation(
        PUBLISH_ORDER,
        col("record"),
        col("disordered_place"),
        col("disordered_region"),
    ))
}

/// Every answer a container takes answers its own request: names the
/// region of the first container answered an insert of the record that it
/// did not await.
fn unmatched_answers(records: LazyFrame) -> LazyFrame {
    let unmatched = col("unmatched_region").neq(lit(0u32));
    records.filter(unmatched).select(violation(ANSWER_UNMATCHED, col("record"), u32_null(), col("unmatched_region")))
}

/// Adds a chunk's violations to its groups' figures: per property, the
/// runs and records; where undelivered records stopped; the runs that
/// violate anything; and per property the `seeds_kept` violating runs of
/// smallest seed.
pub fn add_violations(
    violations: &DataFrame,
    runs: &RunColumns,
    groups: &mut [GroupSummary],
    seeds_kept: usize,
) -> PolarsResult<()> {
    let v = violations.clone().lazy();
    let runs_in = |e: Expr| e.n_unique().cast(DataType::UInt64);
    let per_property = v
        .clone()
        .group_by([col("group"), col("property")])
        .agg([runs_in(col("run")).alias("runs"), col("record").count().cast(DataType::UInt64).alias("records")])
        .collect()?;
    for row in u64_rows(&per_property, &["group", "property", "runs", "records"])? {
        let property = PROPERTIES[row[1].unwrap() as usize].clone();
        let counts = Violated { runs: row[2].unwrap(), records: row[3].unwrap() };
        groups[row[0].unwrap() as usize].properties.insert(property, counts);
    }
    let stopped = v
        .clone()
        .filter(col("property").eq(lit(code(EVENTUAL_DELIVERY))))
        .group_by([col("group"), col("place"), col("region")])
        .agg([len().cast(DataType::UInt64).alias("records"), runs_in(col("run")).alias("runs")])
        .collect()?;
    for row in u64_rows(&stopped, &["group", "place", "region", "records", "runs"])? {
        let by_region = groups[row[0].unwrap() as usize].undelivered.entry(row[1].unwrap() as u32).or_default();
        by_region.insert(row[2].unwrap_or(0) as u32, Violated { records: row[3].unwrap(), runs: row[4].unwrap() });
    }
    let violating = v.clone().group_by([col("group")]).agg([runs_in(col("run")).alias("runs")]).collect()?;
    for row in u64_rows(&violating, &["group", "runs"])? {
        groups[row[0].unwrap() as usize].violating_runs = row[1].unwrap();
    }
    add_violators(v, runs, groups, seeds_kept)
}

/// Per group and property, the violating runs of smallest seed, each with
/// its violations of the property (the first [`NEXT_KEPT`] after the first)
/// and how many it has.
fn add_violators(v: LazyFrame, runs: &RunColumns, groups: &mut [GroupSummary], seeds_kept: usize) -> PolarsResult<()> {
    let kept = |name: &str| col(name).head(Some(NEXT_KEPT + 1)).alias(format!("{name}s"));
    let of_run = v
        .group_by_stable([col("group"), col("property"), col("run")])
        .agg([kept("record"), kept("place"), kept("region"), len().cast(DataType::UInt64).alias("violations")])
        .collect()?;
    let mut found: BTreeMap<(u64, u64), Vec<ViolatingRun>> = BTreeMap::new();
    for (i, row) in u64_rows(&of_run, &["group", "property", "run"])?.into_iter().enumerate() {
        let run = row[2].unwrap() as usize;
        found.entry((row[0].unwrap(), row[1].unwrap())).or_default().push(ViolatingRun {
            seed: runs.seed[run],
            run,
            row: i,
        });
    }
    let counts = of_run.column("violations")?.u64()?;
    let spots = Spots::of(&of_run)?;
    for ((group, property), mut violating) in found {
        violating.sort_unstable();
        violating.truncate(seeds_kept);
        let violators = violating
            .into_iter()
            .map(|ViolatingRun { seed, run, row: i }| {
                let mut listed = spots.row(i)?;
                assert!(!listed.is_empty(), "a violating run has a violation");
                let first = listed.remove(0);
                Ok(Violator {
                    seed,
                    file: runs.files[run].id,
                    record: first.record,
                    place: first.place,
                    region: first.region,
                    violations: counts.get(i).expect("a count per run"),
                    next: listed,
                })
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        groups[group as usize].violators.insert(PROPERTIES[property as usize].clone(), violators);
    }
    Ok(())
}

/// A run that violates a property: by seed first, for the smallest seeds.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct ViolatingRun {
    seed: u64,
    run: usize,
    /// Its row in the frame of violating runs.
    row: usize,
}

/// The record, place and region lists of a frame of violating runs.
struct Spots<'a> {
    records: &'a ListChunked,
    places: &'a ListChunked,
    regions: &'a ListChunked,
}

impl<'a> Spots<'a> {
    fn of(frame: &'a DataFrame) -> PolarsResult<Spots<'a>> {
        let list = |name: &str| -> PolarsResult<&'a ListChunked> { frame.column(name)?.list() };
        Ok(Spots { records: list("records")?, places: list("places")?, regions: list("regions")? })
    }

    /// The violations of row `i`, in order.
    fn row(&self, i: usize) -> PolarsResult<Vec<Spot>> {
        let values = |list: &ListChunked| -> PolarsResult<Vec<Option<u32>>> {
            let series = list.get_as_series(i).expect("a list per row");
            Ok(series.cast(&DataType::UInt32)?.u32()?.iter().collect())
        };
        let (records, places, regions) = (values(self.records)?, values(self.places)?, values(self.regions)?);
        assert!(records.len() == places.len() && places.len() == regions.len(), "one entry per violation");
        Ok((0..records.len()).map(|j| Spot { record: records[j], place: places[j], region: regions[j] }).collect())
    }
}

/// The rows of some integer columns of a small frame, as optional u64
/// (only record, place and region may be null; keys and counts never are).
fn u64_rows(frame: &DataFrame, names: &[&str]) -> PolarsResult<Vec<Vec<Option<u64>>>> {
    let columns =
        names.iter().map(|n| frame.column(n)?.cast(&DataType::UInt64)).collect::<PolarsResult<Vec<Column>>>()?;
    let values = columns.iter().map(|c| Ok(c.u64()?.iter().collect())).collect::<PolarsResult<Vec<Vec<_>>>>()?;
    Ok((0..frame.height()).map(|i| values.iter().map(|c| c[i]).collect()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload1_orders_are_properties_on_watched_stages() {
        let places = Places::workload1();
        for (property, first, then) in places.orders() {
            assert!(PROPERTIES.iter().any(|p| p == property), "{property}");
            assert!(places.watched().contains(&first) && places.watched().contains(&then));
        }
        assert_eq!(PROPERTIES.iter().filter(|p| p.starts_with("run-")).count(), OutcomeKind::VARIANTS.len() - 1);
    }
}
