//! The comparison drawn as a matrix for the HTML page: one row per
//! architecture, one column per scenario (with its options), each cell
//! coloured by its group's verdict and linking to the group's section of
//! the same page.

use std::fmt::Write as _;

use wl1::scenario::listed;

use crate::output::compare::{Comparison, Row};
use crate::text::{escape, thousands};

/// The matrix of `c`: rows in the order of the report's groups, columns
/// in the order `wl1 scenarios` lists the scenarios, then drills by name.
pub fn matrix(c: &Comparison) -> String {
    let mut architectures: Vec<&str> = Vec::new();
    let mut columns: Vec<(&str, &str)> = Vec::new();
    for r in &c.rows {
        if !architectures.contains(&r.group.architecture.as_str()) {
            architectures.push(&r.group.architecture);
        }
        if !columns.iter().any(|(_, test)| *test == r.group.test) {
            columns.push((&r.group.scenario, &r.group.test));
        }
    }
    let listed = |scenario: &str| listed(scenario).unwrap_or(usize::MAX);
    columns.sort_by_key(|&(scenario, test)| (listed(scenario), test));
    let mut out = String::from("<table class=\"matrix\">\n<tr><th>architecture</th>");
    columns.iter().for_each(|(_, test)| out += &format!("<th>{}</th>", escape(test)));
    out += "</tr>\n";
    for architecture in architectures {
        let _ = write!(out, "<tr><th>{}</th>", escape(architecture));
        for (_, test) in &columns {
            let here: Vec<&Row> =
                c.rows.iter().filter(|r| r.group.architecture == architecture && r.group.test == *test).collect();
            out += &cell(&here);
        }
        out += "</tr>\n";
    }
    out + "</table>\n"
}

/// A cell: each group of the architecture and scenario (one, unless
/// they differ in what the scenario's name does not say), or none run.
fn cell(rows: &[&Row]) -> String {
    let Some(first) = rows.first() else { return "<td class=\"none\">not run</td>".into() };
    let worst = rows.iter().map(|r| r.verdict()).find(|&v| v != "holds").unwrap_or(first.verdict());
    let links: Vec<String> = rows.iter().map(|r| link(r)).collect();
    format!("<td class=\"{worst}\">{}</td>", links.join("<br>"))
}

/// A group's verdict, violating runs and the property and stage most of
/// them violate, linking to its section.
fn link(r: &Row) -> String {
    let g = r.group;
    let why = [g.main_property.clone(), r.stage()].into_iter().flatten().collect::<Vec<_>>().join(" at ");
    let title = if why.is_empty() { String::new() } else { format!(" title=\"{}\"", escape(&why)) };
    format!(
        "<a href=\"#{}\"{title}><b>{}</b><br>{} of {} runs violate</a>",
        r.anchor(),
        r.verdict(),
        thousands(g.violating_runs),
        thousands(g.runs)
    )
}
