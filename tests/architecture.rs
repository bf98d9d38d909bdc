//! Architecture files: the built-in Workload1 and a user's example are
//! read; every rule of the format broken is told with its line.

use wl1::architecture::{
    Architecture, ArchitectureError, BUILT_IN, Command, ComponentKind, MAX_FILE_BYTES, MAX_INSTANCES, MAX_STAGES,
    built_in,
};

fn workload1_text() -> &'static str {
    BUILT_IN.iter().find(|(name, _)| *name == "workload1").unwrap().1
}

/// Workload1's file with the first `from` replaced by `to`, read back.
fn broken(from: &str, to: &str) -> (ArchitectureError, Option<usize>) {
    let text = workload1_text();
    let at = text.find(from).unwrap_or_else(|| panic!("workload1 holds {from:?}"));
    let changed = format!("{}{to}{}", &text[..at], &text[at + from.len()..]);
    let line = changed[..at].matches('\n').count() + 1;
    let error = Architecture::parse(&changed, "mine.toml").expect_err("a broken file");
    (error, Some(line))
}

fn assert_told(error: &ArchitectureError, line: Option<usize>, words: &str) {
    assert_eq!(error.origin, "mine.toml");
    assert!(error.message.contains(words), "{words:?} in: {error}");
    assert_eq!(error.line, line, "{error}");
    let told = error.to_string();
    assert!(told.starts_with("mine.toml:"), "{told}");
}

#[test]
fn workload1_is_built_in_with_its_components_faults_and_stages() {
    let w = built_in("workload1").unwrap();
    assert_eq!((w.regions.as_slice(), w.replica_regions.as_slice()), (&[1, 2][..], &[3][..]));
    assert_eq!(w.instances.len(), 26);
    assert_eq!(w.targets(Command::Fail).len(), 13);
    assert_eq!(w.stages.len(), 12);
    let processor = &w.instances[w.by_name("processor-2").unwrap()];
    assert_eq!((processor.kind, processor.region), (ComponentKind::StreamContainer, 2));
}

#[test]
fn a_users_own_architecture_is_read_from_its_file() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/architectures/no-validator.toml");
    let mine = Architecture::resolve_file(std::path::Path::new(path)).unwrap();
    assert_eq!(mine.name, "no-validator");
    assert_eq!(mine.instances.len(), 26 - 2 - 4, "no validators, no validator-db and its replicas");
    assert!(mine.by_name("validator-1").is_none());
    let receiver = &mine.instances[mine.by_name("receiver-1").unwrap()];
    let next = &receiver.wires.iter().find(|(k, _)| *k == "next").unwrap().1;
    assert_eq!(mine.instances[next[0]].name, "inbound-1");
    assert_eq!(mine.stages.len(), 10);
}

#[test]
fn an_unknown_kind_is_told_with_the_kinds_there_are() {
    let (e, line) = broken("kind = \"kafka\"", "kind = \"rabbitmq\"");
    assert_told(&e, line, "unknown kind `rabbitmq`: the kinds are source, weighted-dns");
}

#[test]
fn an_unknown_parameter_is_told_by_line() {
    let (e, line) = broken("policy = \"alternate\"", "colour = \"blue\"");
    assert_told(&e, line, "unknown field `colour`");
}

#[test]
fn a_parameter_of_another_kind_is_refused() {
    let (e, line) = broken("routes = \"outbound-{r}\"", "routes = \"outbound-{r}\"\npolicy = \"random\"");
    assert_told(&e, line.map(|l| l + 1), "`policy` does not apply to out-dns (an out-dns): it takes routes");
}

#[test]
fn a_bad_parameter_value_is_refused() {
    let (e, line) = broken("policy = \"alternate\"", "policy = \"round-robin\"");
    assert_told(&e, line, "`alternate` or `random`");
    let (e, line) = broken("primary = 1", "primary = 3");
    assert_told(&e, line, "not an active region");
}

#[test]
fn a_wire_to_a_missing_instance_is_refused() {
    let (e, line) = broken("next = \"validator-{r}\"", "next = \"validater-{r}\"");
    assert_told(&e, line, "`next` of receiver-1 names validater-1, which does not exist");
}

#[test]
fn a_wire_to_an_instance_of_the_wrong_kind_is_refused() {
    let (e, line) = broken("db = \"receiver-db\"", "db = \"inbound-{r}\"");
    assert_told(&e, line, "`db` of receiver-1 names inbound-1, which is not a mongo");
}

#[test]
fn a_wire_to_a_family_of_two_kinds_is_refused() {
    let family = "name = \"receiver-{r}\"\nkind = \"api-container\"\ndb = \"receiver-db\"\nnext = \"validator-{r}\"";
    let split = "name = \"receiver-1\"\nkind = \"api-container\"\nregion = 1\ndb = \"receiver-db\"\n\
                 next = \"validator-1\"\n\n[[instance]]\nname = \"receiver-2\"\nkind = \"queue\"\nregion = 2";
    let (e, _) = broken(family, split);
    let line = workload1_text().lines().position(|l| l == "routes = \"receiver-{r}\"").map(|l| l + 1);
    assert_told(&e, line, "`routes` of in-dns names instances of two kinds (receiver-2)");
}

#[test]
fn a_missing_wire_is_refused() {
    let (e, line) = broken("dns = \"in-dns\"\n", "");
    assert_told(&e, line.map(|l| l - 3), "source (a source) has no `dns`");
}

#[test]
fn a_duplicate_name_is_refused() {
    let (e, line) = broken("name = \"out-dns\"", "name = \"in-dns\"");
    assert_told(&e, line, "two instances are named in-dns");
    let (e, _) = broken("name = \"source\"", "name = \"receiver-1\"");
    let family =
        workload1_text()[..workload1_text().find("name = \"receiver-{r}\"").unwrap()].matches('\n').count() + 1;
    assert_told(&e, Some(family), "two instances are named receiver-1");
}

#[test]
fn a_destination_no_source_reaches_is_refused() {
    let (e, line) = broken("output = \"outbound-{r}\"", "output = \"inbound-{r}\"");
    assert!(line.is_some());
    let destination_line =
        workload1_text()[..workload1_text().find("name = \"destination\"").unwrap()].matches('\n').count() + 1;
    assert_told(&e, Some(destination_line), "no path leads from a source to destination");
}

#[test]
fn a_stage_no_record_can_reach_is_refused() {
    let extra = "[[instance]]\nname = \"archive\"\nkind = \"kafka\"\nregion = 1\n\n[faults]";
    let text = workload1_text().replacen("[faults]", extra, 1).replacen(
        "event = \"outbound-removed\"\nat = \"outbound-{r}\"",
        "event = \"outbound-removed\"\nat = \"archive\"",
        1,
    );
    let e = Architecture::parse(&text, "mine.toml").unwrap_err();
    let line = text[..text.rfind("at = \"archive\"").unwrap()].matches('\n').count() + 1;
    assert_told(&e, Some(line), "stage outbound-removed is at archive, which no record from a source can reach");
}

#[test]
fn a_repeated_or_ambiguous_stage_is_refused() {
    let (e, line) = broken("event = \"outbound-removed\"", "event = \"published\"");
    assert_told(&e, line, "stage published is listed twice");
    let (e, line) = broken("event = \"outbound-removed\"", "event = \"fail\"");
    assert_told(&e, line, "stage `fail`: a name of a-z, 0-9, `-` that no other event has");
    let (e, line) = broken(
        "on = \"removed\"\n[[stage]]\nevent = \"destination-received\"",
        "on = \"read\"\n[[stage]]\nevent = \"destination-received\"",
    );
    assert_told(&e, line, "on = \"read\": a kafka does appended, removed");
    let (e, line) = broken("at = \"outbound-{r}\"\non = \"removed\"", "at = \"outbound-{r}\"\non = \"appended\"");
    assert_told(&e, line, "stage outbound-removed names what stage outbound-appended already names");
    let (e, line) = broken("after = \"outbound-appended\"", "after = \"outbound-removed\"");
    assert_told(&e, line, "after = \"outbound-removed\": not a stage listed before");
    let (e, line) = broken("then = \"outbound-removed\"", "then = \"outbound-deleted\"");
    assert_told(&e, line, "no stage is named outbound-deleted");
}

#[test]
fn a_fault_target_that_cannot_take_the_command_is_refused() {
    let (e, line) = broken("\"receiver-{r}\", \"validator-{r}\"", "\"source\", \"validator-{r}\"");
    assert_told(&e, line, "source is a source: `fail` cannot target it");
    let (e, line) = broken("switch_primary = [\"receiver-db\"", "switch_primary = [\"inbound-{r}\"");
    assert_told(&e, line, "inbound-1 is a kafka: `switch_primary` cannot target it");
    let (e, line) = broken("region_offline = [\"in-dns\"", "region_offline = [\"nowhere\"");
    assert_told(&e, line, "no instance is named nowhere");
    let (e, line) = broken("switch_primary = [\"receiver-db\"", "switch_regions = [\"receiver-db\"");
    assert_told(&e, line, "receiver-db is a mongo: `switch_regions` cannot target it");
    let (e, line) = broken("switch_primary = [\"receiver-db\"", "fail_replication = [\"in-dns\"");
    assert_told(&e, line, "in-dns is a weighted-dns: `fail_replication` cannot target it");
}

#[test]
fn regions_beyond_the_limits_are_refused() {
    let (e, line) = broken("regions = [1, 2]", "regions = [1, 9]");
    assert_told(&e, line, "region 9: regions are numbered 1 to 8");
    let (e, line) = broken("replica_regions = [3]", "replica_regions = [2]");
    assert_told(&e, line, "region 2 is listed twice");
    let (e, line) = broken("region = 2\ndns", "region = 5\ndns");
    assert_told(&e, line, "region 5 is not one of the architecture's");
}

#[test]
fn sizes_beyond_the_limits_are_refused() {
    let spare = |i| format!("[[instance]]\nname = \"spare-{i}-{{r}}\"\nkind = \"kafka\"\nover = \"all\"\n\n");
    let many: String = (0..MAX_INSTANCES / 3).map(spare).collect();
    let text = workload1_text().replacen("[faults]", &format!("{many}[faults]"), 1);
    let e = Architecture::parse(&text, "mine.toml").unwrap_err();
    assert!(e.message.contains(&format!("more than {MAX_INSTANCES} instances")), "{e}");
    assert!(e.line.is_some());

    let stages = (0..=MAX_STAGES).map(|_| "[[stage]]\nevent = \"published\"\nat = \"source\"\n").collect::<String>();
    let text = format!("{}\n{stages}", workload1_text());
    let e = Architecture::parse(&text, "mine.toml").unwrap_err();
    assert!(e.message.contains(&format!("more than {MAX_STAGES} stages")), "{e}");

    let long = format!("{}\n#{}\n", workload1_text(), "x".repeat(MAX_FILE_BYTES as usize));
    let e = Architecture::parse(&long, "mine.toml").unwrap_err();
    assert_eq!(e.to_string(), format!("mine.toml: more than {MAX_FILE_BYTES} bytes"));
}

#[test]
fn a_syntax_error_is_told_by_line_and_names_are_checked() {
    let (e, line) = broken("name = \"in-dns\"", "name = \"in-dns");
    assert_eq!(e.line, line, "{e}");
    let (e, line) = broken("name = \"in-dns\"", "name = \"In DNS\"");
    assert_told(&e, line, "instance name `In DNS`");
    let (e, line) = broken("name = \"workload1\"", "name = \"\"");
    assert_told(&e, line, "architecture name ``");
}

#[test]
fn families_and_single_instances_are_told_apart() {
    let (e, line) =
        broken("name = \"inbound-{r}\"\nkind = \"kafka\"", "name = \"inbound-{r}\"\nkind = \"kafka\"\nregion = 1");
    assert_told(&e, line.map(|l| l + 2), "family inbound-{r} sets a region");
    let (e, line) = broken("region = 1\ndns = \"in-dns\"", "region = 1\nover = \"all\"\ndns = \"in-dns\"");
    assert_told(&e, line.map(|l| l + 1), "source is not a family");
    let (e, line) = broken("over = \"all\"", "over = \"some\"");
    assert_told(&e, line, "`active` or `all`");
    let (e, line) = broken("dns = \"in-dns\"", "dns = \"in-dns-{r}\"");
    assert_told(&e, line, "source is not a family: `dns` may not name {r}");
}

/// The draft architecture file `src/architecture/NAME.toml`, read.
fn draft(name: &str) -> Architecture {
    let path = format!("{}/src/architecture/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    Architecture::resolve_file(std::path::Path::new(&path)).unwrap()
}

/// Per kind of `kinds`, how many instances `architecture` has.
fn count(architecture: &Architecture, kinds: &[ComponentKind]) -> Vec<usize> {
    kinds.iter().map(|&kind| architecture.instances.iter().filter(|i| i.kind == kind).count()).collect()
}

/// What the study's two queue pipelines share: six queues and five
/// containers per region, wired in the same order, with 24 stages.
fn assert_queue_pipeline(a: &Architecture, db: &str) {
    assert_eq!(count(a, &[ComponentKind::Queue, ComponentKind::StreamContainer]), [12, 10]);
    let container = &a.instances[a.by_name("core-container-2").unwrap()];
    let wired: Vec<&str> = container.wires.iter().map(|(_, to)| a.instances[to[0]].name.as_str()).collect();
    assert_eq!(wired, ["preprocess-core-queue-2", db, "core-postprocess-queue-2"]);
    assert_eq!(a.targets(Command::Fail).len(), 12 + 10 + 5);
    assert_eq!(a.targets(Command::FailReplication).len(), 5);
    assert_eq!((a.stages.len(), a.place_names().len(), a.orders.len()), (24, 29, 11));
    assert_eq!(a.stages[a.arrival()].event, "destination-received");
    assert_eq!(a.instances[a.source() as usize - 1].name, "source");
}

#[test]
fn the_active_passive_draft_describes_the_studys_topology() {
    let ap = draft("active-passive");
    assert_queue_pipeline(&ap, "core-database");
    let kinds = [ComponentKind::Aurora, ComponentKind::AuroraRegional, ComponentKind::FailoverDns];
    assert_eq!(count(&ap, &kinds), [5, 10, 2]);
    assert_eq!(ap.targets(Command::SwitchRegions).len(), 2 + 5);
}

#[test]
fn the_active_active_draft_describes_the_studys_topology() {
    let aa = draft("active-active");
    assert_queue_pipeline(&aa, "core-table");
    let kinds =
        [ComponentKind::Dynamo, ComponentKind::DynamoRegional, ComponentKind::WeightedDns, ComponentKind::OutDns];
    assert_eq!(count(&aa, &kinds), [5, 10, 1, 1]);
    assert_eq!((aa.targets(Command::SwitchRegions).len(), aa.targets(Command::RegionOffline).len()), (0, 2));
}
