//! Drills: scenarios written by users in TOML, in the same terms as the
//! built-in ones.
//!
//! ```toml
//! name = "my-f1"
//! description = "fail processor-1 while batch 2 is published"
//! batches = 3                  # 1..=200, 50 records each
//!
//! [[step]]
//! publish = 1
//! [[step]]
//! await_delivered = 50
//! [[step]]
//! fail = "processor-1"
//! ```
//!
//! Each `[[step]]` holds exactly one key:
//!
//! | key | value | what the driver does |
//! |---|---|---|
//! | `publish` | batch | ask the source to publish the batch; does not wait |
//! | `await_published` | batch | wait until the batch is published or stopped |
//! | `await_delivered` | records | wait until this many records have arrived at the destination, duplicates included |
//! | `await_appended` | `{ stream, total }` | wait until the stream (`inbound-1`, ...) has had `total` records appended, or answers that it is failed |
//! | `fail`, `recover` | component | fail or recover `receiver-1`, `inbound-2`, `processor-db`, ... |
//! | `switch_primary` | database | move `receiver-db`, `validator-db` or `processor-db`'s primary |
//! | `switch_regions` | global database, failover DNS | make its other region the active one (ActivePassive) |
//! | `fail_replication`, `recover_replication` | global database | fail or recover its replication between regions |
//! | `region_offline`, `region_online` | 1 or 2 | take a region offline in both DNS routers, or back |
//! | `sleep_ms`, `sleep_ns` | milliseconds, nanoseconds | wait this long in simulated time |
//! | `republish_if_stopped` | batch | if the batch stopped early, publish it again and wait |
//! | `fail_random` | `{ from = [components], min, max }` | fail `min..=max` distinct components of `from` (explored: by the first to fail, [`FaultSets`](super::FaultSets)) |
//! | `recover_failed` | `true` | recover what `fail_random` failed |
//! | `recover_failed_except_containers` | `true` | recover what `fail_random` failed but containers |
//! | `chaos` | table, see below | start random faults alongside the next steps |
//! | `await_chaos_end` | `true` | wait until every chaos fault is over |
//! | `schedule` | `[{ at_ns, <command> }, ...]` | send each command `at_ns` nanoseconds after this step, alongside the next steps |
//!
//! A `schedule` entry holds `at_ns` and one command: `fail`, `recover`,
//! `switch_primary`, `switch_regions`, `fail_replication`,
//! `recover_replication`, `region_offline` or `region_online`. `await_chaos_end`
//! waits for schedules as for chaos.
//!
//! `chaos` takes any of these keys, each with the default shown:
//! `{ faults_per_minute = 12, duration_ms = [500, 5000], max_at_once = 3,
//! deadline_ms = 30000, kinds = ["containers", "databases", "streams",
//! "regions", "primaries"] }` (see [`ChaosParams`]).
//!
//! Two optional top-level keys make a drill explicit, so that a run can be
//! written out with every random choice it made ([`Driver::explicit_scenario`](super::Driver::explicit_scenario),
//! `wl1 shrink`): `records = [50, 12, 1]` gives each batch its own number of
//! records (one count per batch, 1 to 50; ids run on from batch to batch,
//! so this drill has records 1 to 63), and an `[environment]` table gives the environment every
//! run takes, in the form an explored run draws (`--explore`): its latency
//! profile, `step_delay_us` and `delayed` messages; a third,
//! `steady = ["processor-1", ...]`, makes those instances' timing constant
//! (each service takes the shortest time of its range, no pauses). Such a run draws
//! nothing but its timing from its seed: an explored run's drill has its
//! chaos schedules, random failures and step delays (as sleeps) written out.

use serde::{Deserialize, Serialize};
use strum::{VariantArray, VariantNames};

use std::sync::Arc;

use super::{ChaosParams, FaultKind, FaultKinds, MAX_BATCHES, RECORDS_PER_BATCH, Scenario, Step};
use crate::architecture::{Action, Architecture, Command};
use crate::config::Environment;
use crate::engine::{ActorId, MILLISECOND, Time};
use crate::model::topology;
use crate::trace::format::MAX_DRILL_LEN;

/// The longest `sleep_ms`: the command line's longest time bound.
const MAX_SLEEP_MS: u64 = 864_000_000;
/// The latest a schedule's command may be sent: a chaos step's longest deadline.
const MAX_AT_NS: Time = ChaosParams::MAX_DEADLINE_MS * MILLISECOND;
/// The longest name: it starts the names of the drill's trace files.
const MAX_NAME_LEN: usize = 64;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DrillFile<S> {
    name: String,
    #[serde(default)]
    description: String,
    batches: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    records: Vec<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    steady: Vec<String>,
    #[serde(default)]
    step: Vec<S>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<Environment>,
}

#[derive(Serialize, Deserialize, VariantNames)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[strum(serialize_all = "snake_case")]
enum StepSpec {
    Publish(u32),
    AwaitPublished(u32),
    AwaitDelivered(u32),
    AwaitAppended(AwaitAppendedSpec),
    Fail(String),
    Recover(String),
    SwitchPrimary(String),
    SwitchRegions(String),
    FailReplication(String),
    RecoverReplication(String),
    RegionOffline(u32),
    RegionOnline(u32),
    SleepMs(u64),
    SleepNs(u64),
    RepublishIfStopped(u32),
    FailRandom(FailRandomSpec),
    RecoverFailed(bool),
    RecoverFailedExceptContainers(bool),
    Chaos(ChaosSpec),
    AwaitChaosEnd(bool),
    Schedule(Vec<toml::Table>),
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AwaitAppendedSpec {
    stream: String,
    total: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailRandomSpec {
    from: Vec<String>,
    min: u32,
    max: u32,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ChaosSpec {
    faults_per_minute: u32,
    duration_ms: [u64; 2],
    max_at_once: u32,
    deadline_ms: u64,
    kinds: Vec<String>,
}

impl Default for ChaosSpec {
    fn default() -> Self {
        Self::from(&ChaosParams::default())
    }
}

impl From<&ChaosParams> for ChaosSpec {
    fn from(p: &ChaosParams) -> Self {
        Self {
            faults_per_minute: p.faults_per_minute,
            duration_ms: p.duration_ms,
            max_at_once: p.max_at_once,
            deadline_ms: p.deadline_ms,
            kinds: p.kinds.iter().map(|k| k.name().to_string()).collect(),
        }
    }
}

/// What a drill's steps are read in: its batches, and the architecture
/// whose components they name.
struct In<'a> {
    batches: u8,
    architecture: &'a Architecture,
}

/// Reads a drill of Workload1 (see [`parse_drill_in`]).
pub fn parse_drill(text: &str) -> Result<Scenario, String> {
    parse_drill_in(text, &topology::WORKLOAD1)
}

/// Reads a drill of at most [`MAX_DRILL_LEN`] bytes whose steps name the
/// components of `architecture`. Errors name the step (counted from 1) and
/// list what is valid there.
pub fn parse_drill_in(text: &str, architecture: &Arc<Architecture>) -> Result<Scenario, String> {
    if text.len() > MAX_DRILL_LEN {
        return Err(format!("the drill takes {} bytes; a drill may take {MAX_DRILL_LEN}", text.len()));
    }
    let file: DrillFile<toml::Table> = toml::from_str(text).map_err(|e| e.to_string())?;
    check_name(&file.name)?;
    if !(1..=MAX_BATCHES).contains(&file.batches) {
        return Err(format!("batches = {} is out of range; valid: 1..={MAX_BATCHES}", file.batches));
    }
    let batches = file.batches as u8;
    check_records(&file.records, batches)?;
    if let Some(environment) = &file.environment {
        environment.validate().map_err(|e| format!("environment: {e}"))?;
        let instances = architecture.instances.len() as ActorId;
        environment.names_instances_within(instances).map_err(|e| format!("environment: {e}"))?;
    }
    let steps = file
        .step
        .into_iter()
        .enumerate()
        .map(|(i, table)| parse_step(table, &In { batches, architecture }).map_err(|e| format!("step {}: {e}", i + 1)))
        .collect::<Result<_, _>>()?;
    let steady = file.steady.iter().map(|name| instance(name, architecture)).collect::<Result<_, _>>()?;
    let scenario = Scenario::new(file.name, file.description, batches, steps);
    let (records_per_batch, environment, architecture) = (file.records, file.environment, architecture.clone());
    Ok(Scenario { records_per_batch, environment, steady, architecture, ..scenario })
}

fn check_records(records: &[u32], batches: u8) -> Result<(), String> {
    if !records.is_empty() && records.len() != batches as usize {
        return Err(format!("records: {} counts for {batches} batches; give one count per batch", records.len()));
    }
    match records.iter().find(|&&n| !(1..=RECORDS_PER_BATCH).contains(&n)) {
        Some(n) => Err(format!("records: {n} records in a batch; valid: 1..={RECORDS_PER_BATCH}")),
        None => Ok(()),
    }
}

/// Writes a scenario as a drill that [`parse_drill`] reads back unchanged.
pub fn to_drill(scenario: &Scenario) -> String {
    let file = DrillFile {
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        batches: scenario.batches as u32,
        records: scenario.records_per_batch.clone(),
        steady: scenario.steady.iter().map(|&s| scenario.architecture.actor_name(s).to_string()).collect(),
        step: scenario.steps.iter().map(|step| spec_of(step, &scenario.architecture)).collect(),
        environment: scenario.environment.clone(),
    };
    toml::to_string(&file).expect("a scenario's fields all have a TOML form")
}

/// A name is what trace files and reports call the drill's runs: letters,
/// digits, `-`, `_` and `.`, not starting with a dot, so that it reads the
/// same in a file name and can never name a path.
fn check_name(name: &str) -> Result<(), String> {
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if name.is_empty() || name.len() > MAX_NAME_LEN || name.starts_with('.') || !name.chars().all(safe) {
        return Err(format!(
            "name = {name:?}: a name takes 1 to {MAX_NAME_LEN} letters, digits, '-', '_' or '.' (not first)"
        ));
    }
    Ok(())
}

fn step_keys() -> String {
    StepSpec::VARIANTS.join(", ")
}

fn parse_step(table: toml::Table, p: &In) -> Result<Step, String> {
    if table.len() != 1 {
        let keys: Vec<&str> = table.keys().map(String::as_str).collect();
        return Err(format!(
            "a step takes exactly one key, found {} ({}); valid keys: {}",
            keys.len(),
            keys.join(", "),
            step_keys()
        ));
    }
    if let Some(key) = table.keys().next().filter(|k| !StepSpec::VARIANTS.contains(&k.as_str())) {
        let guess = crate::config::did_you_mean(key, StepSpec::VARIANTS.iter().copied());
        return Err(format!("unknown step {key:?}{guess}; valid steps: {}", step_keys()));
    }
    if let Some(pair) = table.get("chaos").and_then(|c| c.get("duration_ms")).and_then(toml::Value::as_array)
        && pair.len() != 2
    {
        return Err(format!("chaos: duration_ms takes [min, max], found {} values", pair.len()));
    }
    let spec: StepSpec =
        toml::Value::Table(table).try_into().map_err(|e: toml::de::Error| e.message().trim_end().to_string())?;
    step_of(spec, p)
}

fn step_of(spec: StepSpec, p: &In) -> Result<Step, String> {
    let (batches, a) = (p.batches, p.architecture);
    Ok(match spec {
        StepSpec::Publish(b) => Step::Publish(batch(b, batches)?),
        StepSpec::AwaitPublished(b) => Step::AwaitPublished(batch(b, batches)?),
        StepSpec::RepublishIfStopped(b) => Step::RepublishIfStopped(batch(b, batches)?),
        StepSpec::AwaitDelivered(n) => {
            let records = batches as u32 * RECORDS_PER_BATCH;
            if n > records {
                return Err(format!(
                    "await_delivered = {n} exceeds the drill's {records} records; valid: 0..={records}"
                ));
            }
            Step::AwaitDelivered(n)
        }
        StepSpec::AwaitAppended(AwaitAppendedSpec { stream: name, total }) => {
            Step::AwaitAppended { stream: stream(&name, a)?, total }
        }
        StepSpec::Fail(c) => Step::Fail(component(&c, a)?),
        StepSpec::Recover(c) => Step::Recover(component(&c, a)?),
        StepSpec::SwitchPrimary(db) => Step::SwitchPrimary(database(&db, a)?),
        StepSpec::SwitchRegions(c) => Step::SwitchRegions(commanded(&c, a, Command::SwitchRegions)?),
        StepSpec::FailReplication(db) => Step::FailReplication(commanded(&db, a, Command::FailReplication)?),
        StepSpec::RecoverReplication(db) => Step::RecoverReplication(commanded(&db, a, Command::FailReplication)?),
        StepSpec::RegionOffline(r) => Step::RegionOffline(region(r, a)?),
        StepSpec::RegionOnline(r) => Step::RegionOnline(region(r, a)?),
        StepSpec::SleepMs(ms) if ms > MAX_SLEEP_MS => {
            return Err(format!("sleep_ms = {ms} is too long; valid: 0..={MAX_SLEEP_MS}"));
        }
        StepSpec::SleepMs(ms) => Step::Sleep(ms * MILLISECOND),
        StepSpec::SleepNs(ns) if ns > MAX_SLEEP_MS * MILLISECOND => {
            return Err(format!("sleep_ns = {ns} is too long; valid: 0..={}", MAX_SLEEP_MS * MILLISECOND));
        }
        StepSpec::SleepNs(ns) => Step::Sleep(ns),
        StepSpec::Schedule(entries) => Step::Schedule(schedule(entries, p)?),
        StepSpec::FailRandom(spec) => fail_random(spec, a)?,
        StepSpec::RecoverFailed(on) => flag(on, "recover_failed", Step::RecoverFailed { containers: true })?,
        StepSpec::RecoverFailedExceptContainers(on) => {
            flag(on, "recover_failed_except_containers", Step::RecoverFailed { containers: false })?
        }
        StepSpec::AwaitChaosEnd(on) => flag(on, "await_chaos_end", Step::AwaitChaosEnd)?,
        StepSpec::Chaos(spec) => Step::Chaos(chaos(spec)?),
    })
}

fn spec_of(step: &Step, a: &Architecture) -> StepSpec {
    let name = |actor: &ActorId| a.actor_name(*actor).to_string();
    match step {
        Step::Publish(b) => StepSpec::Publish(*b as u32),
        Step::AwaitPublished(b) => StepSpec::AwaitPublished(*b as u32),
        Step::RepublishIfStopped(b) => StepSpec::RepublishIfStopped(*b as u32),
        Step::AwaitDelivered(n) => StepSpec::AwaitDelivered(*n),
        Step::AwaitAppended { stream, total } => {
            StepSpec::AwaitAppended(AwaitAppendedSpec { stream: name(stream), total: *total })
        }
        Step::Fail(c) => StepSpec::Fail(name(c)),
        Step::Recover(c) => StepSpec::Recover(name(c)),
        Step::SwitchPrimary(db) => StepSpec::SwitchPrimary(name(db)),
        Step::SwitchRegions(c) => StepSpec::SwitchRegions(name(c)),
        Step::FailReplication(db) => StepSpec::FailReplication(name(db)),
        Step::RecoverReplication(db) => StepSpec::RecoverReplication(name(db)),
        Step::RegionOffline(r) => StepSpec::RegionOffline(*r as u32),
        Step::RegionOnline(r) => StepSpec::RegionOnline(*r as u32),
        Step::Sleep(d) if d % MILLISECOND == 0 => StepSpec::SleepMs(d / MILLISECOND),
        Step::Sleep(d) => StepSpec::SleepNs(*d),
        Step::Schedule(commands) => StepSpec::Schedule(commands.iter().map(|c| schedule_entry(c, a)).collect()),
        Step::FailRandom { candidates, min, max } => {
            StepSpec::FailRandom(FailRandomSpec { from: candidates.iter().map(name).collect(), min: *min, max: *max })
        }
        Step::RecoverFailed { containers: true } => StepSpec::RecoverFailed(true),
        Step::RecoverFailed { containers: false } => StepSpec::RecoverFailedExceptContainers(true),
        Step::Chaos(params) => StepSpec::Chaos(ChaosSpec::from(params)),
        Step::AwaitChaosEnd => StepSpec::AwaitChaosEnd(true),
    }
}

fn schedule_entry((at, step): &(Time, Step), a: &Architecture) -> toml::Table {
    let mut entry = toml::Table::try_from(spec_of(step, a)).expect("a command has a TOML form");
    entry.insert("at_ns".into(), toml::Value::Integer(*at as i64));
    entry
}

fn schedule(entries: Vec<toml::Table>, p: &In) -> Result<Vec<(Time, Step)>, String> {
    let numbered = |(i, table)| timed_command(table, p).map_err(|e| format!("schedule entry {}: {e}", i + 1));
    entries.into_iter().enumerate().map(numbered).collect()
}

fn timed_command(mut table: toml::Table, p: &In) -> Result<(Time, Step), String> {
    let at = table.remove("at_ns").ok_or("an entry takes `at_ns`, the nanoseconds after the step")?;
    let at = at.as_integer().filter(|&at| (0..=MAX_AT_NS as i64).contains(&at));
    let at = at.ok_or_else(|| format!("at_ns takes 0..={MAX_AT_NS}"))? as Time;
    let step = parse_step(table, p)?;
    if !step.is_command() {
        return Err("an entry takes one of fail, recover, switch_primary, switch_regions, fail_replication, \
                    recover_replication, region_offline, region_online"
            .into());
    }
    Ok((at, step))
}

fn batch(b: u32, batches: u8) -> Result<u8, String> {
    if (1..=batches as u32).contains(&b) {
        Ok(b as u8)
    } else {
        Err(format!("batch {b} is out of range; valid: 1..={batches}"))
    }
}

/// The instances `command` may target, as actors.
fn targets(a: &Architecture, command: Command) -> impl Iterator<Item = ActorId> + Clone + '_ {
    a.targets(command).iter().map(|&i| i as ActorId + 1)
}

/// An actor of `candidates` by name; the error lists the valid `what`.
fn named(
    name: &str,
    a: &Architecture,
    candidates: impl Iterator<Item = ActorId> + Clone,
    what: &str,
) -> Result<ActorId, String> {
    candidates.clone().find(|&c| a.actor_name(c) == name).ok_or_else(|| {
        let valid: Vec<&str> = candidates.map(|c| a.actor_name(c)).collect();
        format!("unknown {what} {name:?}; valid {what}s: {}", valid.join(", "))
    })
}

fn component(name: &str, a: &Architecture) -> Result<ActorId, String> {
    named(name, a, targets(a, Command::Fail), "component")
}

/// Any instance but the driver, by name.
fn instance(name: &str, a: &Architecture) -> Result<ActorId, String> {
    named(name, a, 1..=a.instances.len() as ActorId, "instance").map_err(|e| format!("steady: {e}"))
}

fn stream(name: &str, a: &Architecture) -> Result<ActorId, String> {
    let streams = (1..=a.instances.len() as ActorId)
        .filter(|&s| a.instances[s as usize - 1].kind.actions().contains(&Action::Appended));
    named(name, a, streams, "stream")
}

fn database(name: &str, a: &Architecture) -> Result<ActorId, String> {
    named(name, a, targets(a, Command::SwitchPrimary), "database")
}

/// An instance the architecture lets `command` target.
fn commanded(name: &str, a: &Architecture, command: Command) -> Result<ActorId, String> {
    named(name, a, targets(a, command), &format!("{} target", command.name()))
}

fn region(r: u32, a: &Architecture) -> Result<u8, String> {
    let valid: Vec<String> = a.regions.iter().map(u8::to_string).collect();
    let region = a.regions.iter().copied().find(|&valid| u32::from(valid) == r);
    region.ok_or_else(|| format!("region {r} is not an active region; valid regions: {}", valid.join(", ")))
}

fn flag(on: bool, key: &str, step: Step) -> Result<Step, String> {
    if on { Ok(step) } else { Err(format!("{key} takes `true`; leave the step out instead")) }
}

fn fail_random(spec: FailRandomSpec, a: &Architecture) -> Result<Step, String> {
    let candidates = spec
        .from
        .iter()
        .map(|c| component(c, a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("fail_random: {e}"))?;
    if let Some(twice) = candidates.iter().enumerate().find(|(i, c)| candidates[..*i].contains(c)) {
        return Err(format!("fail_random: {:?} is named twice in `from`", a.actor_name(*twice.1)));
    }
    if spec.min > spec.max || spec.max as usize > candidates.len() {
        return Err(format!(
            "fail_random: need min <= max <= {} (the components in `from`), got min = {}, max = {}",
            candidates.len(),
            spec.min,
            spec.max
        ));
    }
    Ok(Step::FailRandom { candidates, min: spec.min, max: spec.max })
}

fn chaos(spec: ChaosSpec) -> Result<ChaosParams, String> {
    let kinds = spec
        .kinds
        .iter()
        .map(|name| {
            FaultKind::by_name(name).ok_or_else(|| {
                format!(
                    "chaos: unknown kind {name:?}; valid kinds: {}",
                    FaultKind::VARIANTS.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
                )
            })
        })
        .collect::<Result<FaultKinds, _>>()?;
    let params = ChaosParams {
        faults_per_minute: spec.faults_per_minute,
        duration_ms: spec.duration_ms,
        max_at_once: spec.max_at_once,
        deadline_ms: spec.deadline_ms,
        kinds,
    };
    params.validate().map_err(|e| format!("chaos: {e}"))?;
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{BUILT_IN, built_in};

    const HEAD: &str = "name = \"t\"\nbatches = 3\n";

    fn drill(steps: &str) -> Result<Scenario, String> {
        parse_drill(&format!("{HEAD}{steps}"))
    }

    /// A scenario with every kind of step and top-level key, settings off
    /// their defaults.
    fn every_step() -> Scenario {
        let c = |name| topology::by_name(name).unwrap();
        let environment = Environment::draw(&crate::config::Profile::default(), 26, 3);
        Scenario {
            name: "all".into(),
            description: "every \"step\"".into(),
            batches: 3,
            records_per_batch: vec![50, 1, 7],
            steady: vec![c("processor-1"), c("receiver-db/replica-2")],
            environment: Some(environment),
            architecture: topology::WORKLOAD1.clone(),
            steps: vec![
                Step::Chaos(ChaosParams {
                    faults_per_minute: 40,
                    duration_ms: [10, 20],
                    max_at_once: 2,
                    deadline_ms: 9_000,
                    kinds: [FaultKind::Regions, FaultKind::Streams].into_iter().collect(),
                }),
                Step::Publish(1),
                Step::AwaitPublished(1),
                Step::AwaitDelivered(150),
                Step::AwaitAppended { stream: c("outbound-2"), total: 7 },
                Step::Fail(c("outbound-2")),
                Step::Recover(c("validator-db")),
                Step::SwitchPrimary(topology::cluster(topology::Db::Validator)),
                Step::RegionOffline(2),
                Step::RegionOnline(2),
                Step::Sleep(1_500 * MILLISECOND),
                Step::RepublishIfStopped(3),
                Step::FailRandom { candidates: vec![c("receiver-2"), c("inbound-1")], min: 0, max: 2 },
                Step::RecoverFailed { containers: true },
                Step::AwaitChaosEnd,
                Step::Sleep(1_234_567),
                Step::Schedule(vec![
                    (7, Step::Fail(c("processor-db"))),
                    (3, Step::SwitchPrimary(topology::cluster(topology::Db::Receiver))),
                    (2_000_000_001, Step::Recover(c("processor-db"))),
                    (5, Step::RegionOffline(1)),
                    (9, Step::RegionOnline(1)),
                ]),
            ],
        }
    }

    #[test]
    fn every_built_in_and_every_step_survive_a_round_trip() {
        let scenarios = BUILT_IN.map(|name| built_in(name).unwrap());
        for scenario in scenarios.iter().chain([&every_step()]) {
            let text = to_drill(scenario);
            assert_eq!(parse_drill(&text).as_ref(), Ok(scenario), "{text}");
        }
    }

    #[test]
    fn explicit_keys_are_checked() {
        assert!(drill("records = [50, 50]\n").unwrap_err().contains("2 counts for 3 batches"));
        assert!(drill("records = [50, 51, 1]\n").unwrap_err().contains("valid: 1..=50"));
        assert!(drill("records = [50, 0, 1]\n").unwrap_err().contains("valid: 1..=50"));
        let e = drill("[[step]]\nschedule = [{ at_ns = 5, publish = 1 }]\n").unwrap_err();
        assert!(e.starts_with("step 1: schedule entry 1: an entry takes one of fail"), "{e}");
        let e = drill("[[step]]\nschedule = [{ fail = \"processor-1\" }]\n").unwrap_err();
        assert!(e.contains("takes `at_ns`"), "{e}");
        let e = drill("[[step]]\nschedule = [{ at_ns = -1, fail = \"processor-1\" }]\n").unwrap_err();
        assert!(e.contains("at_ns takes 0..="), "{e}");
        let e = parse_drill(&format!("{HEAD}[environment]\nstep_delay_us = 1\n")).unwrap_err();
        assert!(e.contains("missing field"), "{e}");
        let e = parse_drill(&format!("steady = [\"driver\"]\n{HEAD}")).unwrap_err();
        assert!(e.contains("unknown instance \"driver\"") && e.contains("processor-db"), "{e}");
    }

    #[test]
    fn a_short_step_list_reads_as_written() {
        let s = drill("[[step]]\npublish = 2\n[[step]]\nfail = \"processor-db\"\n").unwrap();
        assert_eq!(s.steps, [Step::Publish(2), Step::Fail(topology::cluster(topology::Db::Processor))]);
        let s = drill("[[step]]\nchaos = { max_at_once = 1 }\n").unwrap();
        let expected = ChaosParams { max_at_once: 1, ..ChaosParams::default() };
        assert_eq!(s.steps, [Step::Chaos(expected)]);
    }

    #[test]
    fn an_unknown_step_key_is_named_with_the_valid_keys() {
        let e = drill("[[step]]\npublish = 1\n[[step]]\nfial = \"processor-1\"\n").unwrap_err();
        assert!(e.starts_with("step 2: "), "{e}");
        assert!(e.contains("fial") && e.contains("fail_random") && e.contains("chaos"), "{e}");
    }

    #[test]
    fn a_step_with_two_keys_is_refused() {
        let e = drill("[[step]]\npublish = 1\nfail = \"processor-1\"\n").unwrap_err();
        assert!(e.contains("exactly one key") && e.contains("await_published"), "{e}");
    }

    #[test]
    fn an_unknown_component_is_named_with_the_valid_ones() {
        let e = drill("[[step]]\nrecover = \"processor-3\"\n").unwrap_err();
        assert!(e.starts_with("step 1: unknown component \"processor-3\""), "{e}");
        for valid in topology::faultable().map(topology::name) {
            assert!(e.contains(&valid), "{e} misses {valid}");
        }
        assert!(!e.contains("source"), "the source cannot fail: {e}");
        let e = drill("[[step]]\nfail_random = { from = [\"in-dns\"], min = 1, max = 1 }\n");
        assert!(e.unwrap_err().contains("valid components: receiver-1"));
    }

    #[test]
    fn unknown_databases_regions_and_kinds_list_the_valid_ones() {
        let e = drill("[[step]]\nswitch_primary = \"kafka\"\n").unwrap_err();
        assert!(e.contains("receiver-db, validator-db, processor-db"), "{e}");
        let e = drill("[[step]]\nawait_appended = { stream = \"processor-1\", total = 5 }\n").unwrap_err();
        assert!(e.contains("valid streams: inbound-1, inbound-2, outbound-1, outbound-2"), "{e}");
        let e = drill("[[step]]\nregion_offline = 3\n").unwrap_err();
        assert!(e.contains("valid regions: 1, 2"), "{e}");
        let e = drill("[[step]]\nchaos = { kinds = [\"meteors\"] }\n").unwrap_err();
        assert!(e.contains("meteors") && e.contains("primaries"), "{e}");
    }

    #[test]
    fn numbers_out_of_range_are_refused() {
        let e = drill("[[step]]\npublish = 1\n[[step]]\nawait_published = 4\n").unwrap_err();
        assert!(e.starts_with("step 2: batch 4 is out of range; valid: 1..=3"), "{e}");
        assert!(drill("[[step]]\nrepublish_if_stopped = 0\n").is_err());
        assert!(drill("[[step]]\nawait_delivered = 151\n").is_err());
        assert!(drill("[[step]]\nawait_delivered = 150\n").is_ok());
        assert!(drill("[[step]]\npublish = -1\n").is_err());
        for batches in [0, 201] {
            let e = parse_drill(&format!("name = \"t\"\nbatches = {batches}\n")).unwrap_err();
            assert!(e.contains("valid: 1..=200"), "{e}");
        }
        let e = drill("[[step]]\nchaos = { duration_ms = [9, 3] }\n").unwrap_err();
        assert!(e.contains("duration_ms"), "{e}");
        let e = drill("[[step]]\nfail_random = { from = [\"inbound-1\"], min = 1, max = 2 }\n");
        assert!(e.unwrap_err().contains("min <= max <= 1"));
        assert!(drill("[[step]]\nrecover_failed = false\n").is_err());
    }

    #[test]
    fn malformed_toml_and_unknown_fields_are_refused() {
        assert!(parse_drill("name = \"t\"\nbatches = 3\n[[step]\n").is_err());
        let e = parse_drill("name = \"t\"\nbatches = 3\nbatch = 2\n").unwrap_err();
        assert!(e.contains("unknown field `batch`"), "{e}");
        assert!(parse_drill("batches = 3\n").unwrap_err().contains("name"));
        let e = drill("[[step]]\nchaos = { rate = 3 }\n").unwrap_err();
        assert!(e.contains("faults_per_minute"), "{e}");
    }

    #[test]
    fn names_that_could_name_a_path_are_refused() {
        for name in ["../escaped", "/abs", "a/b", ".hidden", "", "tab\there", &"x".repeat(65), "ba\\ck"] {
            let e = parse_drill(&format!("name = {name:?}\nbatches = 1\n")).unwrap_err();
            assert!(e.starts_with("name = "), "{name:?}: {e}");
        }
        assert!(parse_drill("name = \"my-f1_v2.3\"\nbatches = 1\n").is_ok());
    }

    #[test]
    fn an_oversized_drill_and_a_three_value_duration_are_refused() {
        let big = format!("{HEAD}{}", "# padding\n".repeat(MAX_DRILL_LEN / 10 + 1));
        assert!(parse_drill(&big).unwrap_err().contains("a drill may take"));
        let e = drill("[[step]]\nchaos = { duration_ms = [1, 2, 3] }\n").unwrap_err();
        assert!(e.contains("found 3 values"), "{e}");
    }

    #[test]
    fn no_prefix_of_a_drill_makes_the_reader_panic() {
        let text = to_drill(&every_step());
        for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
            let _ = parse_drill(&text[..end]);
        }
    }
}
