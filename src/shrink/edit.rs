//! What a shrinker can take out of an explicit drill, and the smaller
//! drills it makes: faults, their lengths, batches, records, the
//! environment and the step delays.

use crate::config::{Environment, Profile};
use crate::engine::{MILLISECOND, Time};
use crate::scenario::{RECORDS_PER_BATCH, Scenario, Step};

/// Where a command sits in a scenario: a step, or an entry of a schedule step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum At {
    Step(usize),
    Scheduled { step: usize, entry: usize },
}

/// One fault: the command that starts it and, for a fault that lasts and
/// is scheduled, the command that ends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub start: At,
    pub end: Option<At>,
}

/// Every fault of `scenario`, in the order of its steps: a scheduled
/// failure or region outage with its end, a scheduled primary switch, and
/// a failure, outage or switch taken as a step of its own (whose recovery,
/// a step of its own too, stays).
pub fn faults(scenario: &Scenario) -> Vec<Fault> {
    let mut faults = Vec::new();
    for (i, step) in scenario.steps.iter().enumerate() {
        match step {
            Step::Schedule(commands) => faults.extend(scheduled_faults(i, commands)),
            s if starts_fault(s) => faults.push(Fault { start: At::Step(i), end: None }),
            _ => {}
        }
    }
    faults
}

fn starts_fault(step: &Step) -> bool {
    matches!(
        step,
        Step::Fail(_)
            | Step::RegionOffline(_)
            | Step::SwitchPrimary(_)
            | Step::SwitchRegions(_)
            | Step::FailReplication(_)
    )
}

/// The command that ends the fault `start` starts, if it lasts.
fn ends(start: &Step, end: &Step) -> bool {
    match (start, end) {
        (Step::Fail(a), Step::Recover(b)) => a == b,
        (Step::RegionOffline(a), Step::RegionOnline(b)) => a == b,
        (Step::FailReplication(a), Step::RecoverReplication(b)) => a == b,
        _ => false,
    }
}

fn scheduled_faults(step: usize, commands: &[(Time, Step)]) -> Vec<Fault> {
    let mut ended = vec![false; commands.len()];
    let mut faults = Vec::new();
    for (entry, (_, command)) in commands.iter().enumerate() {
        if !starts_fault(command) {
            continue;
        }
        let end = (entry + 1..commands.len()).find(|&e| !ended[e] && ends(command, &commands[e].1));
        if let Some(e) = end {
            ended[e] = true;
        }
        let at = |entry| At::Scheduled { step, entry };
        faults.push(Fault { start: at(entry), end: end.map(at) });
    }
    faults
}

/// `scenario` without the commands of `removed`.
pub fn without_faults(scenario: &Scenario, removed: &[Fault]) -> Scenario {
    let gone: Vec<At> = removed.iter().flat_map(|f| [Some(f.start), f.end]).flatten().collect();
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for (i, step) in scenario.steps.iter().enumerate() {
        match step {
            Step::Schedule(commands) => {
                let kept =
                    commands.iter().enumerate().filter(|(e, _)| !gone.contains(&At::Scheduled { step: i, entry: *e }));
                let kept: Vec<(Time, Step)> = kept.map(|(_, c)| c.clone()).collect();
                if !kept.is_empty() {
                    steps.push(Step::Schedule(kept));
                }
            }
            _ if gone.contains(&At::Step(i)) => {}
            step => steps.push(step.clone()),
        }
    }
    Scenario { steps, ..scenario.clone() }
}

/// `scenario` with the scheduled fault `fault` ending half-way, if it lasts
/// a millisecond or more.
pub fn halved(scenario: &Scenario, fault: Fault) -> Option<Scenario> {
    let (At::Scheduled { step, entry: start }, Some(At::Scheduled { entry: end, .. })) = (fault.start, fault.end)
    else {
        return None;
    };
    let mut scenario = scenario.clone();
    let Step::Schedule(commands) = &mut scenario.steps[step] else { return None };
    let (from, to) = (commands[start].0, commands[end].0);
    if to.saturating_sub(from) < MILLISECOND {
        return None;
    }
    commands[end].0 = from + (to - from) / 2;
    Some(scenario)
}

/// `scenario` without batch `b`: no step publishes it or waits for it,
/// and the later batches take its place. `None` for the only batch.
pub fn without_batch(scenario: &Scenario, b: u8) -> Option<Scenario> {
    if scenario.batches <= 1 {
        return None;
    }
    let mut steps = Vec::with_capacity(scenario.steps.len());
    for step in &scenario.steps {
        let renumbered = |x: u8| if x > b { x - 1 } else { x };
        steps.push(match *step {
            Step::Publish(x) | Step::AwaitPublished(x) | Step::RepublishIfStopped(x) if x == b => continue,
            Step::Publish(x) => Step::Publish(renumbered(x)),
            Step::AwaitPublished(x) => Step::AwaitPublished(renumbered(x)),
            Step::RepublishIfStopped(x) => Step::RepublishIfStopped(renumbered(x)),
            ref other => other.clone(),
        });
    }
    let mut counts = sizes(scenario);
    counts.remove(b as usize - 1);
    let shrunk = Scenario { steps, batches: scenario.batches - 1, ..scenario.clone() };
    Some(with_sizes(shrunk, counts))
}

/// The size of every batch of `scenario`.
fn sizes(scenario: &Scenario) -> Vec<u32> {
    (1..=scenario.batches).map(|b| scenario.batch_size(b)).collect()
}

/// `scenario` with batches of `counts` records, written out only if one
/// is not full.
fn with_sizes(mut scenario: Scenario, counts: Vec<u32>) -> Scenario {
    let full = counts.iter().all(|&n| n == RECORDS_PER_BATCH);
    scenario.records_per_batch = if full { Vec::new() } else { counts };
    scenario
}

/// `scenario` with `count` records in batch `b`.
pub fn with_records(scenario: &Scenario, b: u8, count: u32) -> Scenario {
    let mut counts = sizes(scenario);
    counts[b as usize - 1] = count;
    with_sizes(scenario.clone(), counts)
}

/// The steps of `scenario` a shrink may remove one by one: all but those
/// that publish (see [`without_batch`]) and the faults (see [`faults`]).
pub fn removable_steps(scenario: &Scenario) -> Vec<usize> {
    let kept = |s: &Step| matches!(s, Step::Publish(_) | Step::Schedule(_)) || starts_fault(s);
    (0..scenario.steps.len()).filter(|&i| !kept(&scenario.steps[i])).collect()
}

/// `scenario` without step `i`.
pub fn without_step(scenario: &Scenario, i: usize) -> Scenario {
    let mut shrunk = scenario.clone();
    shrunk.steps.remove(i);
    shrunk
}

/// The environments one step closer to the calm one than `environment`,
/// field by field through its serde form, so that any field it has is
/// moved: the latency profile's leaves to those of `base`, every other
/// number to 0 and list to empty (one of its items removed at a time),
/// which is no perturbation. Those that do not read back valid are left
/// out.
pub fn calmer(environment: &Environment, base: &Profile) -> Vec<Environment> {
    let (Ok(current), Ok(profile)) = (toml::Value::try_from(environment), toml::Value::try_from(base)) else {
        return Vec::new();
    };
    let mut calm = calm_value(&current);
    if let toml::Value::Table(t) = &mut calm {
        t.insert("profile".into(), profile);
    }
    let mut moved = Vec::new();
    steps_toward(&current, &calm, &mut |edit| moved.push(edit), &mut Vec::new());
    moved
        .into_iter()
        .filter_map(|(path, value)| {
            let mut candidate = current.clone();
            *value_at(&mut candidate, &path)? = value;
            let env: Environment = candidate.try_into().ok()?;
            env.validate().is_ok().then_some(env)
        })
        .collect()
}

/// A step along `path` (keys, or indices as text) to a new value.
type Edit = (Vec<String>, toml::Value);

/// Zero, empty or false, in the shape of `value`.
fn calm_value(value: &toml::Value) -> toml::Value {
    match value {
        toml::Value::Integer(_) => toml::Value::Integer(0),
        toml::Value::Float(_) => toml::Value::Float(0.0),
        toml::Value::Boolean(_) => toml::Value::Boolean(false),
        toml::Value::String(_) => toml::Value::String(String::new()),
        toml::Value::Array(_) => toml::Value::Array(Vec::new()),
        toml::Value::Table(t) => toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), calm_value(v))).collect()),
        toml::Value::Datetime(d) => toml::Value::Datetime(*d),
    }
}

fn steps_toward(current: &toml::Value, calm: &toml::Value, edit: &mut dyn FnMut(Edit), path: &mut Vec<String>) {
    match (current, calm) {
        (toml::Value::Table(c), toml::Value::Table(k)) => {
            for (key, value) in c {
                if let Some(target) = k.get(key) {
                    path.push(key.clone());
                    steps_toward(value, target, edit, path);
                    path.pop();
                }
            }
        }
        (toml::Value::Array(items), toml::Value::Array(target)) if target.is_empty() => {
            for i in (0..items.len()).rev() {
                let mut fewer = items.clone();
                fewer.remove(i);
                edit((path.clone(), toml::Value::Array(fewer)));
            }
        }
        (c, k) if c != k => edit((path.clone(), k.clone())),
        _ => {}
    }
}

fn value_at<'v>(value: &'v mut toml::Value, path: &[String]) -> Option<&'v mut toml::Value> {
    path.iter().try_fold(value, |v, key| v.get_mut(key.as_str()))
}
