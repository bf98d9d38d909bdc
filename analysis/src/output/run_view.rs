//! One run as its pictures show it, read back from its trace file: each
//! record's way through the components with its latency, and the windows
//! when a component was failed, not processing, or a region offline.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use wl1::architecture::{self, Architecture, ComponentKind};
use wl1::model::ContainerState;
use wl1::trace::format::{decode_payload, decode_run_header};
use wl1::trace::meaning::{Command, Meaning, Step};
use wl1::trace::{Event, Kind, Run, TraceFile, Vocabulary};

use crate::record::places::{Places, architecture_of};

/// The components a record passes, in pipeline order, as an architecture
/// has them: the lanes of a run's timeline. They are the instances of its
/// stages in stage order, each followed by the DNS it sends through; then,
/// per replica place, the replica's lane, shown only where a violation
/// names it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lanes {
    places: Arc<Places>,
    /// The pipeline's lanes, by name.
    names: Vec<String>,
    /// Per replica place, the replica's name.
    replicas: Vec<String>,
    /// Per stage: the lane of its only instance, or per region the lane of
    /// that region's.
    stages: Vec<Vec<(u8, usize)>>,
    /// Per actor (instance `i` is actor `i + 1`): its lane, if it has one.
    actors: Vec<Option<usize>>,
    /// Per actor: whether it is a container (whose states show troubles).
    containers: Vec<bool>,
    /// The lanes a region command takes a region offline on.
    routers: Vec<usize>,
}

impl Lanes {
    pub fn of(architecture: &Architecture, places: Arc<Places>) -> Lanes {
        let mut lanes: Vec<usize> = Vec::new();
        for &i in architecture.stages.iter().flat_map(|s| &s.at) {
            let dns = architecture.instances[i].wire("dns");
            for lane in std::iter::once(i).chain(dns.iter().copied()) {
                if !lanes.contains(&lane) {
                    lanes.push(lane);
                }
            }
        }
        let lane = |i: usize| lanes.iter().position(|&l| l == i);
        let stages = architecture.stages.iter().map(|s| {
            let at = s.at.iter().filter_map(|&i| Some((architecture.instances[i].region, lane(i)?)));
            let mut at: Vec<(u8, usize)> = at.collect();
            if at.len() == 1 {
                at[0].0 = 0;
            }
            at
        });
        let stores = architecture.stores();
        let replicas = (places.first_replica()..places.len()).map(|p| {
            let store = stores[places.store_of(p).expect("a replica place")];
            let region = places.replica_region(p).expect("a replica place has a region") as u8;
            replica_name(architecture, store, region)
        });
        let instances = &architecture.instances;
        let container =
            |i: &architecture::Instance| matches!(i.kind, ComponentKind::ApiContainer | ComponentKind::StreamContainer);
        let offline = architecture.targets(architecture::Command::RegionOffline);
        Lanes {
            replicas: replicas.collect(),
            stages: stages.collect(),
            actors: std::iter::once(None).chain((0..instances.len()).map(lane)).collect(),
            containers: std::iter::once(false).chain(instances.iter().map(container)).collect(),
            routers: offline.iter().filter_map(|&i| lane(i)).collect(),
            names: lanes.iter().map(|&i| instances[i].name.clone()).collect(),
            places,
        }
    }

    /// The lane of a replica place, after the pipeline's lanes.
    pub fn replica_lane(&self, place: usize) -> usize {
        self.names.len() + place - self.places.first_replica()
    }

    /// A lane's name: the component, or the replica (`receiver-db/replica-1`).
    pub fn name(&self, lane: usize) -> &str {
        match self.names.get(lane) {
            Some(name) => name,
            None => &self.replicas[lane - self.names.len()],
        }
    }

    /// The lanes a timeline shows, top to bottom: the pipeline's, each
    /// replica of `replicas` (places) under its database.
    pub fn with(&self, replicas: &[usize]) -> Vec<usize> {
        let mut lanes = Vec::new();
        for (l, name) in self.names.iter().enumerate() {
            lanes.push(l);
            let mut mine: Vec<usize> = replicas
                .iter()
                .map(|&p| self.replica_lane(p))
                .filter(|&r| self.name(r).starts_with(&format!("{name}/")))
                .collect();
            mine.sort_unstable();
            mine.dedup();
            lanes.extend(mine);
        }
        lanes
    }

    /// The lane of a component, if it has one (replicas and the driver
    /// have none).
    fn of_actor(&self, actor: u32) -> Option<usize> {
        self.actors.get(actor as usize).copied().flatten()
    }

    fn is_container(&self, actor: u32) -> bool {
        self.containers.get(actor as usize).copied().unwrap_or(false)
    }

    /// The lane of the component where a record reaches a pipeline stage.
    fn of_stage(&self, stage: usize, region: u8) -> Option<usize> {
        let at = &self.stages[stage];
        at.iter().find(|&&(r, _)| r == 0 || r == region).map(|&(_, lane)| lane)
    }
}

/// The name of the replica of database `store` in `region`.
fn replica_name(architecture: &Architecture, store: usize, region: u8) -> String {
    let db = &architecture.instances[store];
    let found = db.wire("replicas").iter().map(|&i| &architecture.instances[i]).find(|i| i.region == region);
    found.map_or_else(|| format!("{}/replica-{region}", db.name), |i| i.name.clone())
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
    pub lanes: Lanes,
    pub seed: u64,
    pub end_us: u64,
    pub records: Vec<RecordView>,
    pub windows: Vec<Window>,
    /// When each batch was published in full (µs, batch).
    pub batches: Vec<(u64, u32)>,
}

impl RunView {
    pub fn of(run: &Run) -> RunView {
        let (architecture, places) =
            architecture_of(&run.header.spec).expect("a trace's architecture is read when its file is opened");
        let lanes = Lanes::of(&architecture, places);
        let vocabulary = run.header.spec.vocabulary;
        let records = run.header.spec.records;
        let end_us = run.events.iter().map(|e| e.time_us).max().unwrap_or(0).max(run.header.outcome.end_us);
        let mut by_record: Vec<RecordView> =
            (1..=records).map(|record| RecordView { record, ..RecordView::default() }).collect();
        let mut events: Vec<&Event> = run.events.iter().collect();
        events.sort_by_key(|e| e.time_us);
        for e in events.iter().filter(|e| e.record().is_some()) {
            let Some(view) = (e.subject as usize).checked_sub(1).and_then(|i| by_record.get_mut(i)) else { continue };
            view.observe(&lanes, e);
        }
        let batches = events.iter().filter_map(|e| match e.meaning(vocabulary) {
            Meaning::Step { step: Step::BatchPublished, batch, .. } => Some((e.time_us, batch)),
            _ => None,
        });
        let batches = batches.collect();
        let windows = windows(&lanes, &events, end_us, vocabulary);
        RunView { lanes, seed: run.header.seed, end_us, records: by_record, windows, batches }
    }
}

impl RecordView {
    fn observe(&mut self, lanes: &Lanes, e: &Event) {
        let places = &lanes.places;
        let place = places.place_of(e);
        let stage = place.filter(|&p| p < places.stages());
        let lane = stage.and_then(|stage| lanes.of_stage(stage, e.region));
        let replica = place.filter(|&p| p >= places.first_replica()).map(|p| lanes.replica_lane(p));
        if let Some(lane) = lane.or(replica) {
            self.steps.push((e.time_us, lane));
        }
        match stage {
            Some(k) if k == places.publication() => {
                self.published_us.get_or_insert(e.time_us);
            }
            Some(k) if k == places.arrival() => {
                self.arrived.get_or_insert((e.time_us, e.region));
            }
            Some(_) if lane.is_some() && e.region > 0 => self.routed = e.region,
            _ => {}
        }
        if e.kind == Kind::PUBLISH_FAILED {
            self.routed = e.region;
        }
    }
}

/// The troubles of a run's components, from its events in time order.
fn windows(lanes: &Lanes, events: &[&Event], end_us: u64, vocabulary: Vocabulary) -> Vec<Window> {
    let mut open: BTreeMap<(usize, Trouble), (u64, String)> = BTreeMap::new();
    let mut done = Vec::new();
    let mut close = |open: &mut BTreeMap<(usize, Trouble), (u64, String)>, key: (usize, Trouble), to_us: u64| {
        if let Some((from_us, label)) = open.remove(&key) {
            done.push(Window { lane: key.0, trouble: key.1, from_us, to_us, label });
        }
    };
    for e in events {
        let component = |actor: u32| lanes.of_actor(actor).map(|l| (l, lanes.name(l).to_string()));
        match e.meaning(vocabulary) {
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
                for &l in &lanes.routers {
                    let key = (l, Trouble::Offline);
                    if command == Command::RegionOffline {
                        open.entry(key).or_insert((e.time_us, format!("region {region} offline")));
                    } else {
                        close(&mut open, key, e.time_us);
                    }
                }
            }
            Meaning::StateChanged { actor, state } if lanes.is_container(actor) => {
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

/// The runs of `seeds` stored in `file`, in the order of `seeds`; a seed
/// the file does not hold (readably) is left out.
pub fn read_runs(file: &Path, seeds: &[u64]) -> Result<Vec<Run>, String> {
    let mut trace = TraceFile::open(file).map_err(|e| e.to_string())?;
    let spec = trace.spec().clone();
    architecture_of(&spec).map_err(|e| format!("{}: {e}", file.display()))?;
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
        let places = Places::workload1();
        let lanes = Lanes::of(&wl1::model::topology::WORKLOAD1, places.clone());
        assert_eq!(lanes.names.join(" "), expected);
        let validator_3 = places.first_replica() + places.regions() + 2;
        assert_eq!(lanes.name(lanes.replica_lane(validator_3)), "validator-db/replica-3");
    }
}
