//! One run as its pictures show it, read back from its trace file: each
//! record's way through the components with its latency, and the windows
//! when a component was failed, not processing, or a region offline.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use wl1::architecture::{self, Architecture};
use wl1::model::ContainerState;
use wl1::model::topology::{self, Db, Role, WORKLOAD1};
use wl1::trace::format::{decode_payload, decode_run_header};
use wl1::trace::meaning::{self, ARRIVAL, Command, Incident, Meaning, PUBLICATION, Step};
use wl1::trace::{Event, Run, TraceFile};

use crate::record::places::{FIRST_REPLICA, REGIONS, place_of, replica_region};

/// The components a record passes, in pipeline order: the lanes of a
/// run's timeline. They are the architecture's: the instances of its
/// stages in stage order, each followed by the DNS it sends through.
static LANES: LazyLock<Vec<String>> = LazyLock::new(|| lanes_of(&WORKLOAD1));

fn lanes_of(architecture: &Architecture) -> Vec<String> {
    let mut lanes: Vec<usize> = Vec::new();
    for &i in architecture.stages.iter().flat_map(|s| &s.at) {
        let dns = architecture.instances[i].wires.iter().filter(|(key, _)| *key == "dns");
        for lane in std::iter::once(i).chain(dns.flat_map(|(_, to)| to.iter().copied())) {
            if !lanes.contains(&lane) {
                lanes.push(lane);
            }
        }
    }
    lanes.into_iter().map(|i| architecture.instances[i].name.clone()).collect()
}

/// The lane of a replica place, after the pipeline's lanes: shown only
/// where a violation names that replica.
pub fn replica_lane(place: usize) -> usize {
    LANES.len() + place - FIRST_REPLICA
}

/// A lane's name: the component, or the replica (`receiver-db/replica-1`).
pub fn lane_name(lane: usize) -> String {
    match LANES.get(lane) {
        Some(name) => name.to_string(),
        None => {
            let place = lane - LANES.len() + FIRST_REPLICA;
            let db = Db::ALL[(place - FIRST_REPLICA) / REGIONS];
            let region = replica_region(place).expect("a replica place has a region") as u8;
            topology::name(topology::replica(db, region))
        }
    }
}

/// The lanes a timeline shows, top to bottom: the pipeline's, each
/// replica of `replicas` (places) under its database.
pub fn lanes_with(replicas: &[usize]) -> Vec<usize> {
    let mut lanes = Vec::new();
    for (l, name) in LANES.iter().enumerate() {
        lanes.push(l);
        let mut mine: Vec<usize> = replicas
            .iter()
            .map(|&p| replica_lane(p))
            .filter(|&r| lane_name(r).starts_with(&format!("{name}/")))
            .collect();
        mine.sort_unstable();
        mine.dedup();
        lanes.extend(mine);
    }
    lanes
}

fn lane(name: &str) -> Option<usize> {
    LANES.iter().position(|l| *l == name)
}

/// The lane of a component, if it has one (replicas and the driver have
/// none).
fn lane_of_actor(actor: u32) -> Option<usize> {
    u8::try_from(actor).ok().filter(|&a| (a as usize) < topology::ACTORS).and_then(|a| lane(&topology::name(a)))
}

/// The lane of the component where a record reaches a pipeline stage.
fn lane_of_stage(stage: usize, region: u8) -> Option<usize> {
    let component = meaning::component(stage);
    if component.regional() { lane(&format!("{}-{region}", component.name())) } else { lane(component.name()) }
}

/// What kept a component from working for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Trouble {
    /// Failed by the scenario (a fault injected), until recovered.
    Failed,
    /// A region taken offline in the DNS, on the DNS lanes.
    Offline,
    /// A container not processing because a dependency failed.
    FailedDependency,
    /// A container not processing because it failed itself.
    FailedProcessing,
}

impl Trouble {
    /// Whether the scenario caused it, rather than the model in response.
    pub fn injected(self) -> bool {
        matches!(self, Trouble::Failed | Trouble::Offline)
    }

    pub fn name(self) -> &'static str {
        match self {
            Trouble::Failed => "failed",
            Trouble::Offline => "region offline",
            Trouble::FailedDependency => "failed-dependency",
            Trouble::FailedProcessing => "failed-processing",
        }
    }
}

/// A lane's trouble from one time to another (µs).
#[derive(Clone, Debug, PartialEq)]
pub struct Window {
    pub lane: usize,
    pub trouble: Trouble,
    pub from_us: u64,
    pub to_us: u64,
    /// What to call it: the component, or the region for the DNS.
    pub label: String,
}

/// One record of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordView {
    pub record: u32,
    /// Its first publication (µs), if it was published.
    pub published_us: Option<u64>,
    /// Its first arrival at the destination (µs) and the region it came
    /// through.
    pub arrived: Option<(u64, u8)>,
    /// The region it was last routed to, 0 for none.
    pub routed: u8,
    /// Every stage and replica it reached, as (µs, lane), in time order.
    pub steps: Vec<(u64, usize)>,
}

impl RecordView {
    /// Publish to first arrival, in µs.
    pub fn latency_us(&self) -> Option<u64> {
        Some(self.arrived?.0.saturating_sub(self.published_us?))
    }
}

/// One run, as its pictures need it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunView {
    pub seed: u64,
    pub end_us: u64,
    pub records: Vec<RecordView>,
    pub windows: Vec<Window>,
    /// When each batch was published in full (µs, batch).
    pub batches: Vec<(u64, u32)>,
}

impl RunView {
    pub fn of(run: &Run) -> RunView {
        let records = run.header.spec.records;
        let end_us = run.events.iter().map(|e| e.time_us).max().unwrap_or(0).max(run.header.outcome.end_us);
        let mut by_record: Vec<RecordView> =
            (1..=records).map(|record| RecordView { record, ..RecordView::default() }).collect();
        let mut events: Vec<&Event> = run.events.iter().collect();
        events.sort_by_key(|e| e.time_us);
        for e in events.iter().filter(|e| e.record().is_some()) {
            let Some(view) = (e.subject as usize).checked_sub(1).and_then(|i| by_record.get_mut(i)) else { continue };
            view.observe(e);
        }
        let batches = events.iter().filter_map(|e| match e.meaning() {
            Meaning::Step { step: Step::BatchPublished, batch, .. } => Some((e.time_us, batch)),
            _ => None,
        });
        let batches = batches.collect();
        RunView { seed: run.header.seed, end_us, records: by_record, windows: windows(&events, end_us), batches }
    }
}

impl RecordView {
    fn observe(&mut self, e: &Event) {
        let lane = e.stage().and_then(|stage| lane_of_stage(stage, e.region));
        let replica = place_of(e).filter(|&p| p >= FIRST_REPLICA).map(replica_lane);
        if let Some(lane) = lane.or(replica) {
            self.steps.push((e.time_us, lane));
        }
        match e.meaning() {
            Meaning::Stage { stage: PUBLICATION, .. } => {
                self.published_us.get_or_insert(e.time_us);
            }
            Meaning::Stage { stage: ARRIVAL, region, .. } => {
                self.arrived.get_or_insert((e.time_us, region));
            }
            Meaning::Incident { incident: Incident::PublishFailed, region, .. } => self.routed = region,
            Meaning::Stage { region, .. } if lane.is_some() && region > 0 => self.routed = region,
            _ => {}
        }
    }
}

/// The troubles of a run's components, from its events in time order.
fn windows(events: &[&Event], end_us: u64) -> Vec<Window> {
    let mut open: BTreeMap<(usize, Trouble), (u64, String)> = BTreeMap::new();
    let mut done = Vec::new();
    let mut close = |open: &mut BTreeMap<(usize, Trouble), (u64, String)>, key: (usize, Trouble), to_us: u64| {
        if let Some((from_us, label)) = open.remove(&key) {
            done.push(Window { lane: key.0, trouble: key.1, from_us, to_us, label });
        }
    };
    for e in events {
        let component = |actor: u32| lane_of_actor(actor).map(|l| (l, LANES[l].to_string()));
        match e.meaning() {
            Meaning::Command { command: Command::Fail, actor, .. } => {
                if let Some((l, label)) = component(actor) {
                    open.entry((l, Trouble::Failed)).or_insert((e.time_us, label));
                }
            }
            Meaning::Command { command: Command::Recover, actor, .. } => {
                if let Some((l, _)) = component(actor) {
                    close(&mut open, (l, Trouble::Failed), e.time_us);
                }
            }
            Meaning::Command {
                command: command @ (Command::RegionOffline | Command::RegionOnline), region, ..
            } => {
                let routers = WORKLOAD1.targets(architecture::Command::RegionOffline);
                for l in routers.iter().filter_map(|&i| lane(&WORKLOAD1.instances[i].name)) {
                    let key = (l, Trouble::Offline);
                    if command == Command::RegionOffline {
                        open.entry(key).or_insert((e.time_us, format!("region {region} offline")));
                    } else {
                        close(&mut open, key, e.time_us);
                    }
                }
            }
            Meaning::StateChanged { actor, state } if is_container(actor) => {
                let Some((l, label)) = component(actor) else { continue };
                for trouble in [Trouble::FailedDependency, Trouble::FailedProcessing] {
                    close(&mut open, (l, trouble), e.time_us);
                }
                let trouble = match ContainerState::from_code(state) {
                    Some(ContainerState::FailedDependency) => Trouble::FailedDependency,
                    Some(ContainerState::FailedProcessing) => Trouble::FailedProcessing,
                    _ => continue,
                };
                open.insert((l, trouble), (e.time_us, label));
            }
            _ => {}
        }
    }
    for key in open.keys().copied().collect::<Vec<_>>() {
        close(&mut open, key, end_us);
    }
    done.sort_by_key(|w| (w.from_us, w.lane));
    done
}

fn is_container(actor: u32) -> bool {
    u8::try_from(actor)
        .ok()
        .filter(|&a| (a as usize) < topology::ACTORS)
        .is_some_and(|a| matches!(topology::role(a), Role::Receiver(_) | Role::Validator(_) | Role::Processor(_)))
}

/// The runs of `seeds` stored in `file`, in the order of `seeds`; a seed
/// the file does not hold (readably) is left out.
pub fn read_runs(file: &Path, seeds: &[u64]) -> Result<Vec<Run>, String> {
    let mut trace = TraceFile::open(file).map_err(|e| e.to_string())?;
    let spec = trace.spec().clone();
    let mut found = BTreeMap::new();
    while let Some(Ok((_, payload))) = trace.next_payload() {
        let Ok((header, _)) = decode_run_header(payload, &spec) else { continue };
        if seeds.contains(&header.seed)
            && let Ok(run) = decode_payload(payload, &spec)
        {
            found.insert(header.seed, run);
            if found.len() == seeds.len() {
                break;
            }
        }
    }
    Ok(seeds.iter().filter_map(|s| found.remove(s)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lanes_follow_the_stages_each_with_the_dns_it_sends_through() {
        let expected = "source in-dns receiver-1 receiver-2 receiver-db validator-1 validator-2 validator-db \
                        inbound-1 inbound-2 processor-1 processor-2 processor-db outbound-1 outbound-2 \
                        destination out-dns";
        assert_eq!(LANES.join(" "), expected);
        assert_eq!(lane_name(replica_lane(FIRST_REPLICA + REGIONS + 2)), "validator-db/replica-3");
    }
}
