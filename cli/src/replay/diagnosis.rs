//! What a replayed run did wrong: its verdict under the specification
//! (the checks of `wl1 analyze`, on this run alone) before the timeline,
//! and after it a diagnosis of every violation: where the records that
//! did not get through are and why, the history of each record a safety
//! property names, each whole-batch republish (the duplicates at
//! publication it caused), and the components that hold records back.

use std::io::{self, Write};

use wl1::run::{Finding, Holder, Simulator, holder_of_run, not_working, stranded};
use wl1::trace::Kind;
use wl1_analysis::text::{WIDTH, wrap};
use wl1_analysis::{EVENTUAL_DELIVERY, Violation};

use super::timeline::describe_event;

/// Violations listed in the verdict before the timeline; the diagnosis
/// covers them all.
const LISTED: usize = 10;

fn one_line(v: &Violation) -> String {
    match v.record {
        Some(record) => format!("{:<20} record {record:<5} {}", v.property, v.place_text()).trim_end().to_string(),
        None => v.property.clone(),
    }
}

/// The run's verdict and the first of its violations (property, record,
/// stage, region).
pub fn print_verdict(out: &mut dyn Write, violations: &[Violation], record: Option<u32>) -> io::Result<()> {
    if violations.is_empty() {
        return writeln!(out, "verdict: the run holds the specification");
    }
    let count = match violations.len() {
        1 => "1 violation".to_string(),
        n => format!("{n} violations"),
    };
    writeln!(out, "verdict: the run VIOLATES the specification ({count}):")?;
    let mine = |v: &&Violation| record.is_some_and(|id| v.record == Some(id));
    let first: Vec<&Violation> = violations.iter().filter(mine).chain(violations.iter().filter(|v| !mine(v))).collect();
    for v in first.iter().take(LISTED) {
        writeln!(out, "  {}", one_line(v))?;
    }
    if violations.len() > LISTED {
        writeln!(out, "  ... and {} more (the diagnosis at the end covers them all)", violations.len() - LISTED)?;
    }
    Ok(())
}

/// The diagnosis of every violation, then the components not working at
/// the end. With `record`, the undelivered records shown are that one's,
/// and the others are counted.
pub fn print(out: &mut dyn Write, sim: &Simulator, violations: &[Violation], record: Option<u32>) -> io::Result<()> {
    writeln!(out, "\ndiagnosis:")?;
    let findings = stranded(sim);
    print_stranded(out, &findings, holder_of_run(sim), record)?;
    print_republished(out, sim)?;
    let events = sim.events();
    let safety: Vec<&Violation> =
        violations.iter().filter(|v| v.property != EVENTUAL_DELIVERY && v.record.is_some()).collect();
    let (shown, others): (Vec<&Violation>, Vec<&Violation>) =
        safety.into_iter().partition(|v| record.is_none_or(|id| v.record == Some(id)));
    for v in shown {
        let line = format!("  {}: {}", v.property, v.history(events));
        write!(out, "{}", wrap(&line, WIDTH, 6))?;
    }
    for (property, count) in count_by_property(&others) {
        let line = format!("  {property}: {count} violation(s) by other records (replay without --record for them)");
        write!(out, "{}", wrap(&line, WIDTH, 6))?;
    }
    for v in violations.iter().filter(|v| v.record.is_none()) {
        writeln!(out, "  {}: the run as a whole (see its outcome above)", v.property)?;
    }
    let stuck: Vec<String> =
        not_working(sim).into_iter().map(|(name, condition)| format!("{name} ({condition})")).collect();
    let line = if stuck.is_empty() {
        "  every component was working when the run ended".to_string()
    } else {
        format!("  not working when the run ended: {}", stuck.join(", "))
    };
    write!(out, "{}", wrap(&line, WIDTH, 4))
}

/// Each whole-batch republish of the run, before the violations it may
/// explain: a record it publishes again is a duplicate at publication and
/// wherever it reaches again.
fn print_republished(out: &mut dyn Write, sim: &Simulator) -> io::Result<()> {
    let Some(world) = sim.world() else { return Ok(()) };
    let published = world.architecture.event_name(Kind::PUBLISHED);
    for e in sim.events().iter().filter(|e| e.kind == Kind::BATCH_REPUBLISHED) {
        let line = format!(
            "  whole-batch republish: {}; each published again is a duplicate at {published} and wherever \
             it reaches again",
            describe_event(e, world)
        );
        write!(out, "{}", wrap(&line, WIDTH, 6))?;
    }
    Ok(())
}

/// How many of `violations` each property has, in the order met.
fn count_by_property<'v>(violations: &[&'v Violation]) -> Vec<(&'v str, usize)> {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for v in violations {
        match counts.iter_mut().find(|(p, _)| *p == v.property) {
            Some((_, n)) => *n += 1,
            None => counts.push((&v.property, 1)),
        }
    }
    counts
}

fn print_stranded(out: &mut dyn Write, findings: &[Finding], holder: Holder, record: Option<u32>) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "  eventual delivery: every record reached the destination and left every {holder}");
    }
    let shown: Vec<&Finding> = findings.iter().filter(|f| record.is_none_or(|id| f.records.contains(&id))).collect();
    let all: usize = findings.iter().map(|f| f.records.len()).sum();
    match record {
        Some(id) if shown.is_empty() => writeln!(out, "  record {id} reached the destination and left every {holder}")?,
        Some(id) => writeln!(out, "  where record {id} is, and why it does not get through:")?,
        None => writeln!(out, "  where the records that did not get through are, and why:")?,
    }
    for f in &shown {
        let line = format!("    {}: {} record(s) {}: {}", f.place, f.records.len(), f.ranges(), f.reason);
        write!(out, "{}", wrap(&line, WIDTH, 6))?;
    }
    let others = all - shown.iter().map(|f| f.records.len()).sum::<usize>();
    if record.is_some() && others > 0 {
        writeln!(out, "  {others} other record(s) did not get through either (replay without --record for them)")?;
    }
    Ok(())
}
