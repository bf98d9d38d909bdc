//! What an explored run drew (its stored environment), said once: in text
//! after the replay's header, or as the `environment` of its JSON. A run
//! that does not explore drew nothing and says nothing.

use std::io::{self, Write};

use serde_json::{Value, json};

use wl1::architecture::Architecture;
use wl1::config::Environment;
use wl1::config::explore::{REGIONS, Slowed};
use wl1_analysis::text::WIDTH;

/// Microseconds as milliseconds, for JSON.
fn ms(us: u64) -> f64 {
    us as f64 / 1e3
}

/// Microseconds with their unit: milliseconds below ten seconds, seconds
/// from there.
fn time(us: u64) -> String {
    match us {
        us if us < 10_000_000 => format!("{:.1} ms", ms(us)),
        us => format!("{:.2} s", us as f64 / 1e6),
    }
}

/// A factor in thousandths as a multiplier of the times, `×1.41`.
fn factor(permille: u64) -> String {
    format!("×{:.2}", permille as f64 / 1e3)
}

fn slowed(who: Slowed, architecture: &Architecture) -> String {
    match who {
        Slowed::Region(r) => format!("region {r}"),
        Slowed::Instance(i) => architecture.actor_name(i).to_string(),
    }
}

/// Prints what the run drew, the lists wrapped within the report's width.
pub fn print(out: &mut dyn Write, e: &Environment, architecture: &Architecture) -> io::Result<()> {
    let range = |[min, max]: [u64; 2]| format!("{:.1}-{:.1} ms", ms(min), ms(max));
    let p = &e.profile;
    let [slow, fast] = p.speed_factor;
    writeln!(
        out,
        "explored: network {} within a region, {} across; speed factors {slow:.2}-{fast:.2}",
        range(p.intra_region_us),
        range(p.inter_region_us)
    )?;
    writeln!(
        out,
        "  tail on {:.1}% of messages, {}; pauses every {:.1} s on average, {}",
        p.tail.probability * 100.0,
        range(p.tail.extra_us),
        p.pause.every_ms as f64 / 1e3,
        range(p.pause.duration_us)
    )?;
    writeln!(out, "  a delay of 0-{:.1} ms before each step", ms(e.step_delay_us))?;
    for d in &e.delayed {
        let sender = architecture.actor_name(d.sender);
        writeln!(out, "  message {} of {sender} delayed by {}", d.nth, time(d.extra_us))?;
    }
    if e.is_unspread() {
        return Ok(());
    }
    print_spread(out, e, architecture)
}

/// The region and instance speeds, delivery lags, slow periods and change
/// points.
fn print_spread(out: &mut dyn Write, e: &Environment, architecture: &Architecture) -> io::Result<()> {
    let regions = REGIONS.iter().enumerate();
    let speeds = regions.clone().map(|(i, r)| format!("region {r} {}", factor(e.region_speed_permille[i])));
    print_list(out, "  times per region (× the profile's):", speeds)?;
    let lags = regions.map(|(i, r)| format!("{} from region {r}", time(e.delivery_lag_us[i])));
    print_list(out, "  the destination's reads lag up to:", lags)?;
    let speeds =
        e.instance_speeds.iter().map(|s| format!("{} {}", architecture.actor_name(s.instance), factor(s.permille)));
    print_list(out, "  times per instance (× the profile's):", speeds)?;
    for s in &e.slow_periods {
        let who = slowed(s.who, architecture);
        let (from, until) = (time(s.from_us), time(s.until_us));
        writeln!(out, "  slow period: {who}, times {}, from {from} to {until}", factor(s.permille))?;
    }
    let depth = e.change_points.len();
    if depth == 0 {
        return writeln!(out, "  change points: none (depth 0)");
    }
    let points = e.change_points.iter().map(|c| format!("message {} +{}", c.nth, time(c.extra_us)));
    print_list(out, &format!("  change points (depth {depth}), of the messages of the run:"), points)
}

/// `title` and the items, comma-separated, each kept whole on its line;
/// nothing if there are none.
fn print_list(out: &mut dyn Write, title: &str, items: impl Iterator<Item = String>) -> io::Result<()> {
    let mut line = title.to_string();
    let mut items = items.peekable();
    if items.peek().is_none() {
        return Ok(());
    }
    while let Some(item) = items.next() {
        let item = if items.peek().is_some() { item + "," } else { item };
        if line.chars().count() + 1 + item.chars().count() > WIDTH {
            writeln!(out, "{line}")?;
            line = "   ".to_string();
        }
        line = line + " " + &item;
    }
    writeln!(out, "{line}")
}

/// What the run drew as structured fields: times in milliseconds, factors
/// as multipliers of the times, instances by name.
pub fn json(e: &Environment, architecture: &Architecture) -> Value {
    let range = |[min, max]: [u64; 2]| json!([ms(min), ms(max)]);
    let multiplier = |permille: u64| permille as f64 / 1e3;
    let name = |i| architecture.actor_name(i);
    let p = &e.profile;
    let regions = REGIONS.iter().enumerate();
    json!({
        "network_ms": { "within_region": range(p.intra_region_us), "across_regions": range(p.inter_region_us) },
        "speed_factors": p.speed_factor,
        "tail": { "share": p.tail.probability, "extra_ms": range(p.tail.extra_us) },
        "pauses": { "every_ms": p.pause.every_ms, "duration_ms": range(p.pause.duration_us) },
        "step_delay_ms": ms(e.step_delay_us),
        "delayed_messages": e.delayed.iter().map(|d| json!({
            "sender": name(d.sender), "nth": d.nth, "extra_ms": ms(d.extra_us),
        })).collect::<Vec<_>>(),
        "region_speeds": regions.clone().map(|(i, r)| json!({
            "region": r, "times": multiplier(e.region_speed_permille[i]),
        })).collect::<Vec<_>>(),
        "delivery_lags": regions.map(|(i, r)| json!({
            "region": r, "longest_ms": ms(e.delivery_lag_us[i]),
        })).collect::<Vec<_>>(),
        "instance_speeds": e.instance_speeds.iter().map(|s| json!({
            "instance": name(s.instance), "times": multiplier(s.permille),
        })).collect::<Vec<_>>(),
        "slow_periods": e.slow_periods.iter().map(|s| json!({
            "who": slowed(s.who, architecture), "from_ms": ms(s.from_us), "until_ms": ms(s.until_us),
            "times": multiplier(s.permille),
        })).collect::<Vec<_>>(),
        "change_points": e.change_points.iter().map(|c| json!({
            "nth": c.nth, "extra_ms": ms(c.extra_us),
        })).collect::<Vec<_>>(),
    })
}
