//! `--plot DIR`: the pictures of each group as SVG files, drawn by the
//! code that draws them in the HTML report ([`crate::output::charts`]): its
//! latency distribution per region, lost records shown, and its per-hop
//! breakdown.

use std::path::{Path, PathBuf};

use crate::atomic;
use crate::measure::summary::Summary;
use crate::output::charts;
use crate::output::report::Report;

/// Writes latency-group-N.svg and hops-group-N.svg per group, numbered as
/// in the report; returns the paths written.
pub fn plot(report: &Report, summary: &Summary, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    for (i, group) in report.groups.iter().enumerate() {
        let Some(figures) = summary.groups.iter().find(|g| g.identity == group.identity) else { continue };
        for (name, svg) in [("latency", charts::latency_cdf(figures)), ("hops", charts::hops_chart(figures))] {
            let path = dir.join(format!("{name}-group-{}.svg", i + 1));
            atomic::write(&path, svg?.as_bytes())?;
            written.push(path);
        }
    }
    Ok(written)
}
