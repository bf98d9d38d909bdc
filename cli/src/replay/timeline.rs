//! The timeline of a replayed run: every message handled, in the order of
//! simulated time (the time its handling ended, when what it caused
//! happened), with the stages and state changes it caused.

use std::io::{self, Write};

use wl1::engine::MILLISECOND;
use wl1::model::ContainerState;
use wl1::run::{Delivery, MAX_LOGGED, RunWorld, Simulator, republished_text};
use wl1::trace::Event;
use wl1::trace::meaning::{Command, Meaning, Step};
use wl1_analysis::text::WIDTH;

/// Where a message's description starts: after the time and its ends.
const DESCRIPTION_AT: usize = 63;

/// Prints the messages of `log` in simulated-time order (sorting it):
/// handlers are logged when they run, and a message that waited for a
/// busy receiver ends later than one handled after it by another.
pub fn print(out: &mut dyn Write, sim: &Simulator, log: &mut [Delivery], record: Option<u32>) -> io::Result<()> {
    let Some(world) = sim.world() else { return Ok(()) };
    log.sort_by_key(|d| d.time);
    let events = sim.events();
    let heading = match record {
        Some(id) => format!("timeline of what concerns record {id}"),
        None => "timeline".to_string(),
    };
    let heading = format!("{heading} (simulated ms when the handling ended · from -> to · message):");
    write!(out, "\n{}", wl1_analysis::text::wrap(&heading, WIDTH, 2))?;
    for d in log.iter() {
        let caused = &events[d.events.clone()];
        let msg = d.envelope.msg;
        let relevant = record.is_none_or(|id| {
            msg.record_ids(&world.arena).contains(&id)
                || msg.is_command()
                || caused.iter().any(|e| concerns(e, id) || !e.kind.is_about_record())
        });
        if !relevant {
            continue;
        }
        let ends = format!(
            "{:>11.3} ms {:>22} -> {:<22}",
            d.time as f64 / MILLISECOND as f64,
            world.architecture.actor_name(d.envelope.from),
            world.architecture.actor_name(d.envelope.to),
        );
        write_wrapped(out, &ends, &msg.describe(&world.arena, &world.architecture))?;
        for e in caused.iter().filter(|e| record.is_none_or(|id| concerns(e, id) || !e.kind.is_about_record())) {
            write_wrapped(out, &format!("{:>16}·", ""), &describe_event(e, world))?;
        }
    }
    Ok(())
}

/// `start`, then `text` broken at commas or spaces so that no line passes
/// [`WIDTH`]; continuations are indented to where the text starts.
fn write_wrapped(out: &mut dyn Write, start: &str, text: &str) -> io::Result<()> {
    let at = start.chars().count().min(DESCRIPTION_AT) + 1;
    // A start longer than where descriptions begin leaves its first line less room.
    let first_room = WIDTH.saturating_sub(start.chars().count().max(at - 1) + 1);
    let mut line = String::new();
    let mut lines = Vec::new();
    for piece in text.split_inclusive([',', ' ']) {
        let room = if lines.is_empty() { first_room } else { WIDTH - at };
        if line.chars().count() + piece.chars().count() > room && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        line += piece;
    }
    lines.push(line);
    for (i, l) in lines.iter().enumerate() {
        let lead = if i == 0 { format!("{start:<w$}", w = at - 1) } else { " ".repeat(at - 1) };
        writeln!(out, "{lead} {}", l.trim_end())?;
    }
    Ok(())
}

/// Says what the timeline left out, and why a run spinning at one instant
/// ended.
pub fn print_unlisted(out: &mut dyn Write, sim: &Simulator, listed: usize, deliveries: u64) -> io::Result<()> {
    if listed >= MAX_LOGGED {
        writeln!(out, "{:>16}  ... the timeline stops after {MAX_LOGGED} messages", "")?;
    }
    if sim.stalled() {
        writeln!(
            out,
            "\nthe run spun without simulated time advancing and was stopped as stuck after {deliveries} messages"
        )?;
    }
    Ok(())
}

fn concerns(e: &Event, id: u32) -> bool {
    e.record() == Some(id)
}

/// An event of the run of `world` as the timeline shows it; a region is
/// named only where the event has one.
pub fn describe_event(e: &Event, world: &RunWorld) -> String {
    let architecture = &world.architecture;
    let region = if e.region > 0 { format!(" region {}", e.region) } else { String::new() };
    let kind = architecture.event_name(e.kind);
    let name = |actor: u32| u8::try_from(actor).map_or("no-such-actor", |a| architecture.actor_name(a));
    match e.meaning(architecture.vocabulary()) {
        Meaning::StateChanged { actor, state } => {
            let state = ContainerState::from_code(state).map_or("unknown", ContainerState::name);
            format!("{} is now {}", name(actor), state)
        }
        Meaning::Command { command: Command::RegionOffline | Command::RegionOnline, .. } => format!("{kind}{region}"),
        Meaning::Command { actor, .. } => format!("{kind} {}", name(actor)),
        Meaning::Step { step: Step::BatchStopped, batch, records } => {
            format!("batch {batch} stopped after {records} records")
        }
        Meaning::Step { step: Step::BatchRepublished, batch, records } => {
            let source = world.machines.source();
            let again: Vec<u32> = source.batch(batch as usize).iter().take(records as usize).map(|r| r.id).collect();
            republished_text(batch, &again)
        }
        Meaning::Step { batch, .. } => format!("{kind} batch {batch}"),
        Meaning::Stage { record, value: Some(value), .. } => format!("{kind} record {record} value {value}{region}"),
        Meaning::FoundHolding { actor, records } => {
            format!("the fault found {} holding {records} records", name(actor))
        }
        Meaning::Stage { record, .. } | Meaning::ReplicaStore { record, .. } | Meaning::Incident { record, .. } => {
            format!("{kind} record {record}{region}")
        }
    }
}
