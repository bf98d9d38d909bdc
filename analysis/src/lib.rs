//! `wl1 analyze` on polars: loads trace files into DataFrames, checks the
//! specification of MODEL.md section 5 per run and per record, measures
//! latency, ordering and duplicates per group of runs, and reports.

mod export;
mod load;
mod measure;
mod order;
mod plot;
mod report;
mod spec;
mod tables;

use std::path::PathBuf;

use polars::prelude::*;
use wl1::cli::{AnalyzeArgs, Analyzer, Format, Verdict};
use wl1::trace::TraceError;

pub use load::rec_key;
pub use measure::Measures;
pub use order::OrderStats;
pub use report::Report;
pub use spec::{
    DUPLICATE_STORE, EVENTUAL_DELIVERY, GLOBAL_ORDER, PHANTOM, REMOVED_BEFORE_APPEND, REMOVED_BEFORE_DELIVERY,
    REMOVED_BEFORE_STORE, VALUE_CHANGED,
};
pub use tables::place_name;

/// The analysis of a set of trace files.
pub struct Analysis {
    pub files: usize,
    /// Trace events read.
    pub events: usize,
    /// One row per run (see [`load`]).
    pub runs: DataFrame,
    /// The groups of runs that may be pooled, indexed by `group_id`.
    pub groups: Vec<String>,
    /// One row per run, record and place reached (see [`tables::stage_table`]).
    pub stages: DataFrame,
    /// One row per violation: run, record, property, place, region, seed,
    /// scenario, file, group_id, stage.
    pub violations: DataFrame,
    pub measures: Measures,
    pub problems: Vec<TraceError>,
}

impl Analysis {
    /// Loads, checks and measures every trace file under `paths`.
    pub fn of(paths: &[PathBuf]) -> PolarsResult<Analysis> {
        let loaded = load::load(paths)?;
        let record_events = tables::record_events(&loaded.events)?;
        let stages = tables::stage_table(&record_events)?;
        let record_table = tables::record_table(&stages, &loaded.runs)?;
        let ordering = order::ordering(&record_table)?;
        let violations = spec::violations(spec::SpecInput {
            runs: &loaded.runs,
            records: &loaded.records,
            stages: &stages,
            record_table: &record_table,
            record_events: &record_events,
            first_out_of_order: &ordering.first_out_of_order,
        })?;
        let measures = measure::measure(&stages, &record_table, &loaded.runs, &ordering)?;
        Ok(Analysis {
            files: loaded.files,
            events: loaded.events.height(),
            runs: loaded.runs,
            groups: loaded.groups,
            stages,
            violations,
            measures,
            problems: loaded.problems,
        })
    }

    /// How many runs violate some property.
    pub fn violating_runs(&self) -> PolarsResult<usize> {
        Ok(self.violations.column("run")?.n_unique()?)
    }
}

/// The analyzer `wl1 analyze` and `wl1 check` use.
pub struct PolarsAnalyzer;

impl Analyzer for PolarsAnalyzer {
    fn analyze(&self, args: &AnalyzeArgs) -> Result<Verdict, String> {
        let analysis = Analysis::of(&args.paths).map_err(|e| format!("analysis failed: {e}"))?;
        let report = Report::new(&analysis, args.max_seeds).map_err(|e| format!("report failed: {e}"))?;
        match args.format {
            Format::Text => print!("{}", report.text()),
            Format::Json => println!("{}", report.json()),
        }
        for problem in &analysis.problems {
            eprintln!("bad input: {problem}");
        }
        if let Some(dir) = &args.export {
            announce("exported", export::export(&analysis, dir)?);
        }
        if let Some(dir) = &args.plot {
            announce("plotted", plot::plot(&analysis, dir)?);
        }
        verdict(&analysis)
    }
}

fn announce(what: &str, paths: Vec<PathBuf>) {
    for path in paths {
        eprintln!("{what} {}", path.display());
    }
}

fn verdict(analysis: &Analysis) -> Result<Verdict, String> {
    let problems = analysis.problems.len();
    if problems > 0 {
        return Err(format!("{problems} input problem(s): the runs that could be read were analyzed, see above"));
    }
    if analysis.runs.height() == 0 {
        return Err("no runs found in the given paths".into());
    }
    match analysis.violating_runs() {
        Ok(0) => Ok(Verdict::Holds),
        Ok(_) => Ok(Verdict::Violated),
        Err(e) => Err(format!("analysis failed: {e}")),
    }
}
