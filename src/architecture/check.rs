//! From an architecture file as written to a checked [`Architecture`]:
//! families expanded, names resolved, every rule of the format checked.
//! An error carries the byte offset it is about, where one applies.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::str::FromStr;

use strum::VariantArray;
use toml::Spanned;

use super::file::{ArchitectureFile, FaultsFile, InstanceFile, OrderFile, StageFile};
use super::kind::{Action, Command, ComponentKind, Flow, Over};
use super::{Architecture, Instance, MAX_INSTANCES, MAX_NAME_LEN, MAX_PLACES, MAX_REGION, MAX_STAGES, Order, Stage};
use crate::config::ServiceTimes;
use crate::trace::Kind;

/// A broken rule: where (a byte offset), and what.
pub(super) type Broken = (Option<usize>, String);

fn at<T>(span: Range<usize>, message: String) -> Result<T, Broken> {
    Err((Some(span.start), message))
}

/// The region placeholder of a family's name and of the names it wires to.
const REGION: &str = "{r}";

/// Regions as checked: the active ones, then all.
struct Regions {
    active: Vec<u8>,
    all: Vec<u8>,
}

impl Regions {
    fn over(&self, over: Over) -> &[u8] {
        match over {
            Over::Active => &self.active,
            Over::All => &self.all,
        }
    }
}

pub(super) fn architecture(file: ArchitectureFile) -> Result<Architecture, Broken> {
    name(&file.name, "architecture")?;
    let regions = regions(&file)?;
    let kinds = file.instances.iter().map(|entry| kind(&entry.kind)).collect::<Result<Vec<_>, _>>()?;
    let members = expand(&file.instances, &regions)?;
    let instances = (0..members.len())
        .map(|i| instance(i, &members, (&file.instances, &kinds), &regions))
        .collect::<Result<Vec<_>, _>>()?;
    connected(&instances, |i| file.instances[members[i].entry].name.span())?;
    let faults = faults(&file.faults, &instances, &regions)?;
    let stages = stages(&file.stages, &instances, &regions)?;
    let orders = orders(&file.orders, &stages)?;
    let architecture = Architecture {
        name: file.name.into_inner(),
        description: file.description,
        regions: regions.active,
        replica_regions: regions.all.into_iter().filter(|r| !file.regions.get_ref().contains(r)).collect(),
        instances,
        faults,
        stages,
        orders,
    };
    places(&architecture)?;
    Ok(architecture)
}

fn name(name: &Spanned<String>, what: &str) -> Result<(), Broken> {
    let text = name.get_ref();
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_/{}".contains(c);
    if text.is_empty() || text.len() > MAX_NAME_LEN || !text.chars().all(allowed) {
        return at(
            name.span(),
            format!(
                "{what} name `{text}`: 1 to {MAX_NAME_LEN} of a-z, 0-9, `-`, `_`, `/` (and `{REGION}` in a family)"
            ),
        );
    }
    Ok(())
}

fn regions(file: &ArchitectureFile) -> Result<Regions, Broken> {
    let active = file.regions.get_ref();
    let replicas = file.replica_regions.as_ref().map_or(&[][..], |r| r.get_ref().as_slice());
    let span =
        |replica: bool| if replica { file.replica_regions.as_ref().unwrap().span() } else { file.regions.span() };
    if active.is_empty() {
        return at(file.regions.span(), "no active region: `regions` lists at least one".into());
    }
    let mut all = BTreeSet::new();
    for (r, replica) in active.iter().map(|r| (r, false)).chain(replicas.iter().map(|r| (r, true))) {
        if !(1..=MAX_REGION).contains(r) {
            return at(span(replica), format!("region {r}: regions are numbered 1 to {MAX_REGION}"));
        }
        if !all.insert(*r) {
            return at(span(replica), format!("region {r} is listed twice"));
        }
    }
    let mut active = active.clone();
    active.sort_unstable();
    Ok(Regions { active, all: all.into_iter().collect() })
}

/// One instance: a single entry of the file, or one region's member of a
/// family.
struct Member {
    /// Its entry in the file.
    entry: usize,
    region: u8,
    name: String,
}

/// Every instance, families region by region.
fn expand(entries: &[InstanceFile], regions: &Regions) -> Result<Vec<Member>, Broken> {
    let mut expanded: Vec<Member> = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for (f, entry) in entries.iter().enumerate() {
        name(&entry.name, "instance")?;
        let family = entry.name.get_ref().contains(REGION);
        let members: Vec<u8> = match (family, &entry.region, &entry.over) {
            (true, Some(region), _) => {
                return at(
                    region.span(),
                    format!("family {} sets a region: its members have theirs", entry.name.get_ref()),
                );
            }
            (true, None, over) => regions.over(over_of(over.as_ref())?).to_vec(),
            (false, _, Some(over)) => {
                return at(
                    over.span(),
                    format!("{} is not a family (no {REGION} in its name): no `over`", entry.name.get_ref()),
                );
            }
            (false, None, None) => return at(entry.name.span(), format!("{} has no `region`", entry.name.get_ref())),
            (false, Some(region), None) if !regions.all.contains(region.get_ref()) => {
                return at(region.span(), format!("region {} is not one of the architecture's", region.get_ref()));
            }
            (false, Some(region), None) => vec![*region.get_ref()],
        };
        for region in members {
            let name = in_region(entry.name.get_ref(), region);
            if !names.insert(name.clone()) {
                return at(entry.name.span(), format!("two instances are named {name}"));
            }
            expanded.push(Member { entry: f, region, name });
        }
        if expanded.len() > MAX_INSTANCES {
            return at(entry.name.span(), format!("more than {MAX_INSTANCES} instances"));
        }
    }
    Ok(expanded)
}

fn over_of(over: Option<&Spanned<String>>) -> Result<Over, Broken> {
    let Some(over) = over else { return Ok(Over::Active) };
    Over::from_str(over.get_ref())
        .or_else(|_| at(over.span(), format!("over = \"{}\": `active` or `all`", over.get_ref())))
}

/// A family's name, or a name it wires to, in `region`.
fn in_region(text: &str, region: u8) -> String {
    text.replace(REGION, &region.to_string())
}

fn kind(kind: &Spanned<String>) -> Result<ComponentKind, Broken> {
    ComponentKind::from_str(kind.get_ref()).or_else(|_| {
        let kinds: Vec<&str> = ComponentKind::VARIANTS.iter().map(|k| k.name()).collect();
        at(kind.span(), format!("unknown kind `{}`: the kinds are {}", kind.get_ref(), kinds.join(", ")))
    })
}

/// Instance `i` of `members`, with its wires resolved among them all.
fn instance(
    i: usize,
    members: &[Member],
    (entries, kinds): (&[InstanceFile], &[ComponentKind]),
    regions: &Regions,
) -> Result<Instance, Broken> {
    let Member { entry: f, region, name: ref me } = members[i];
    let (entry, kind) = (&entries[f], kinds[f]);
    for (key, span) in entry.settings() {
        let takes = kind.wires().iter().any(|w| w.key == key) || kind.parameters().contains(&key);
        if !takes {
            let mut keys: Vec<&str> = kind.wires().iter().map(|w| w.key).collect();
            keys.extend(kind.parameters());
            let keys = if keys.is_empty() { "nothing".to_string() } else { keys.join(", ") };
            return at(span, format!("`{key}` does not apply to {me} ({}): it takes {keys}", kind.a()));
        }
    }
    let find = |name: &str| members.iter().position(|m| m.name == name);
    let mut wires = Vec::new();
    for wire in kind.wires() {
        let Some(value) = entry.text(wire.key) else {
            return at(entry.name.span(), format!("{me} ({}) has no `{}`", kind.a(), wire.key));
        };
        let targets: Vec<String> = match wire.over {
            Some(over) => regions.over(over).iter().map(|&r| in_region(value.get_ref(), r)).collect(),
            None if value.get_ref().contains(REGION) && !entry.name.get_ref().contains(REGION) => {
                return at(value.span(), format!("{me} is not a family: `{}` may not name {REGION}", wire.key));
            }
            None => vec![in_region(value.get_ref(), region)],
        };
        let mut named = Vec::new();
        for target in targets {
            let Some(t) = find(&target) else {
                return at(value.span(), format!("`{}` of {me} names {target}, which does not exist", wire.key));
            };
            if !wire.to.contains(&kinds[members[t].entry]) {
                let allowed: Vec<String> = wire.to.iter().map(|k| k.a()).collect();
                return at(
                    value.span(),
                    format!("`{}` of {me} names {target}, which is not {}", wire.key, allowed.join(" or ")),
                );
            }
            if t == i {
                return at(value.span(), format!("`{}` of {me} names itself", wire.key));
            }
            named.push(t);
        }
        if let Some(&t) = named.iter().find(|&&t| kinds[members[t].entry] != kinds[members[named[0]].entry]) {
            return at(
                value.span(),
                format!("`{}` of {me} names instances of two kinds ({})", wire.key, members[t].name),
            );
        }
        wires.push((wire.key, named));
    }
    let service = service(entry, kind)?;
    Ok(Instance { name: me.clone(), kind, region, wires, parameters: parameters(entry, regions)?, service })
}

fn parameters(entry: &InstanceFile, regions: &Regions) -> Result<Vec<(&'static str, String)>, Broken> {
    let mut set = Vec::new();
    if let Some(policy) = &entry.policy {
        if !["alternate", "random"].contains(&policy.get_ref().as_str()) {
            return at(policy.span(), format!("policy = \"{}\": `alternate` or `random`", policy.get_ref()));
        }
        set.push(("policy", policy.get_ref().clone()));
    }
    if let Some(primary) = &entry.primary {
        if !regions.active.contains(primary.get_ref()) {
            return at(primary.span(), format!("primary = {}: not an active region", primary.get_ref()));
        }
        set.push(("primary", primary.get_ref().to_string()));
    }
    Ok(set)
}

/// The profile entry an instance's services take: `service`, or its kind's.
fn service(entry: &InstanceFile, kind: ComponentKind) -> Result<&'static str, Broken> {
    let Some(service) = &entry.service else { return Ok(kind.service()) };
    match ServiceTimes::NAMES.iter().find(|&&n| n == service.get_ref()) {
        Some(name) => Ok(name),
        None => at(
            service.span(),
            format!("service = \"{}\": one of {}", service.get_ref(), ServiceTimes::NAMES.join(", ")),
        ),
    }
}

/// The instances `name` means: one, or a family's members.
fn named(name: &Spanned<String>, instances: &[Instance], regions: &Regions) -> Result<Vec<usize>, Broken> {
    let text = name.get_ref();
    let found: Vec<usize> = if text.contains(REGION) {
        let members: BTreeSet<String> = regions.all.iter().map(|&r| in_region(text, r)).collect();
        (0..instances.len()).filter(|&i| members.contains(&instances[i].name)).collect()
    } else {
        instances.iter().position(|i| &i.name == text).into_iter().collect()
    };
    if found.is_empty() {
        return at(name.span(), format!("no instance is named {text}"));
    }
    Ok(found)
}

fn faults(
    file: &FaultsFile,
    instances: &[Instance],
    regions: &Regions,
) -> Result<BTreeMap<Command, Vec<usize>>, Broken> {
    let lists = [
        (Command::Fail, &file.fail),
        (Command::SwitchPrimary, &file.switch_primary),
        (Command::RegionOffline, &file.region_offline),
        (Command::SwitchRegions, &file.switch_regions),
        (Command::FailReplication, &file.fail_replication),
    ];
    let mut faults = BTreeMap::new();
    for (command, names) in lists {
        let mut targets = BTreeSet::new();
        for name in names {
            for i in named(name, instances, regions)? {
                let instance = &instances[i];
                if !instance.kind.commands().contains(&command) {
                    return at(
                        name.span(),
                        format!("{} is {}: `{}` cannot target it", instance.name, instance.kind.a(), command.name()),
                    );
                }
                targets.insert(i);
            }
        }
        if !targets.is_empty() {
            faults.insert(command, targets.into_iter().collect());
        }
    }
    Ok(faults)
}

fn stages(file: &[StageFile], instances: &[Instance], regions: &Regions) -> Result<Vec<Stage>, Broken> {
    if file.len() > MAX_STAGES {
        return at(file[MAX_STAGES].event.span(), format!("more than {MAX_STAGES} stages"));
    }
    let reached = reachable(instances);
    let mut stages: Vec<Stage> = Vec::new();
    for stage in file {
        let event = stage.event.get_ref();
        event_name(&stage.event)?;
        if stages.iter().any(|s| &s.event == event) {
            return at(stage.event.span(), format!("stage {event} is listed twice"));
        }
        let at_instances = named(&stage.at, instances, regions)?;
        if let Some(&unreached) = at_instances.iter().find(|&&i| !reached[i]) {
            let name = &instances[unreached].name;
            return at(stage.at.span(), format!("stage {event} is at {name}, which no record from a source can reach"));
        }
        let action = action(stage, &at_instances, instances)?;
        if let Some(taken) = stages.iter().find(|s| s.action == action && s.at.iter().any(|i| at_instances.contains(i)))
        {
            return at(stage.at.span(), format!("stage {event} names what stage {} already names", taken.event));
        }
        let cause = cause(stage, &stages)?;
        stages.push(Stage { event: event.clone(), at: at_instances, action, cause });
    }
    ends(file, &stages)?;
    Ok(stages)
}

/// A stage's event name: a name, and none of the fixed events'.
fn event_name(event: &Spanned<String>) -> Result<(), Broken> {
    name(event, "stage")?;
    if event.get_ref().contains(['{', '}', '/']) || Kind::fixed_by_name(event.get_ref()).is_some() {
        return at(
            event.span(),
            format!("stage `{}`: a name of a-z, 0-9, `-` that no other event has", event.get_ref()),
        );
    }
    Ok(())
}

/// The action a stage names: `on`, or its instances' kind's only one.
fn action(stage: &StageFile, at_instances: &[usize], instances: &[Instance]) -> Result<Action, Broken> {
    let kind = instances[at_instances[0]].kind;
    if let Some(&other) = at_instances.iter().find(|&&i| instances[i].kind != kind) {
        return at(
            stage.at.span(),
            format!("stage {} is at instances of two kinds ({})", stage.event.get_ref(), instances[other].name),
        );
    }
    let actions: Vec<&str> = kind.actions().iter().map(|a| a.name()).collect();
    match (&stage.on, kind.actions()) {
        (None, [only]) => Ok(*only),
        (None, []) => at(stage.at.span(), format!("{} names nothing a record reaches", kind.a())),
        (None, _) => at(stage.at.span(), format!("{}: say which with `on`: {}", kind.a(), actions.join(", "))),
        (Some(on), _) => match Action::from_str(on.get_ref()) {
            Ok(action) if kind.actions().contains(&action) => Ok(action),
            _ => at(on.span(), format!("on = \"{}\": {} does {}", on.get_ref(), kind.a(), actions.join(", "))),
        },
    }
}

/// The stage `after` names, or the one before.
fn cause(stage: &StageFile, before: &[Stage]) -> Result<Option<usize>, Broken> {
    match &stage.after {
        None => Ok(before.len().checked_sub(1)),
        Some(after) => match before.iter().position(|s| &s.event == after.get_ref()) {
            Some(i) => Ok(Some(i)),
            None => at(after.span(), format!("after = \"{}\": not a stage listed before", after.get_ref())),
        },
    }
}

/// The first stage is the publication, and one stage is the arrival.
fn ends(file: &[StageFile], stages: &[Stage]) -> Result<(), Broken> {
    let Some(first) = stages.first() else {
        return Err((None, "no stage: list the stages every record must reach".into()));
    };
    if first.action != Action::Published {
        return at(file[0].event.span(), "the first stage is a source's publication".into());
    }
    let published = stages.iter().filter(|s| s.action == Action::Published).count();
    let received = stages.iter().filter(|s| s.action == Action::Received).count();
    if published > 1 || received != 1 {
        return Err((None, "one stage publishes (the first) and one stage is at the destination".into()));
    }
    Ok(())
}

fn orders(file: &[OrderFile], stages: &[Stage]) -> Result<Vec<Order>, Broken> {
    let stage = |name: &Spanned<String>| match stages.iter().position(|s| &s.event == name.get_ref()) {
        Some(i) => Ok(i),
        None => at(name.span(), format!("no stage is named {}", name.get_ref())),
    };
    let mut orders: Vec<Order> = Vec::new();
    for order in file {
        event_name(&order.name)?;
        if orders.iter().any(|o| &o.name == order.name.get_ref()) {
            return at(order.name.span(), format!("order {} is listed twice", order.name.get_ref()));
        }
        let (first, then) = (stage(&order.first)?, stage(&order.then)?);
        if first == then {
            return at(order.then.span(), "an order names two stages".into());
        }
        orders.push(Order { name: order.name.get_ref().clone(), first, then });
    }
    Ok(orders)
}

/// Places beyond the codes a trace has for them.
fn places(architecture: &Architecture) -> Result<(), Broken> {
    let names = architecture.place_names();
    if names.len() > MAX_PLACES {
        return Err((None, format!("{} stages and replica stores: at most {MAX_PLACES}", names.len())));
    }
    let mut seen = BTreeSet::new();
    match names.iter().find(|n| !seen.insert(n.as_str()) || Kind::fixed_by_name(n).is_some()) {
        Some(name) => Err((None, format!("two events would be named {name}"))),
        None => Ok(()),
    }
}

/// Per instance, whether records from a source can reach it along the wires.
fn reachable(instances: &[Instance]) -> Vec<bool> {
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); instances.len()];
    for (i, instance) in instances.iter().enumerate() {
        for (key, targets) in &instance.wires {
            let wire = instance.kind.wires().iter().find(|w| w.key == *key).expect("a wire of its kind");
            for &t in targets {
                match wire.flow {
                    Flow::Out => next[i].push(t),
                    Flow::In => next[t].push(i),
                    Flow::Both => {
                        next[i].push(t);
                        next[t].push(i);
                    }
                }
            }
        }
    }
    let mut reached: Vec<bool> = instances.iter().map(|i| i.kind == ComponentKind::Source).collect();
    let mut todo: Vec<usize> = (0..instances.len()).filter(|&i| reached[i]).collect();
    while let Some(i) = todo.pop() {
        for &t in &next[i] {
            if !reached[t] {
                reached[t] = true;
                todo.push(t);
            }
        }
    }
    reached
}

/// A source, a destination, and a way from the one to the other;
/// `span` tells where instance `i` is written.
fn connected(instances: &[Instance], span: impl Fn(usize) -> Range<usize>) -> Result<(), Broken> {
    let has = |kind| instances.iter().any(|i| i.kind == kind);
    if !has(ComponentKind::Source) || !has(ComponentKind::Destination) {
        return Err((None, "an architecture needs a source and a destination".into()));
    }
    let reached = reachable(instances);
    match (0..instances.len()).find(|&i| instances[i].kind == ComponentKind::Destination && !reached[i]) {
        Some(i) => at(span(i), format!("no path leads from a source to {}", instances[i].name)),
        None => Ok(()),
    }
}
