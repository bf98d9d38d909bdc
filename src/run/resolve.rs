//! Which architecture and scenario runs take, by name: from the command
//! line's words, or from a stored spec. The one place that says which
//! scenarios an architecture has and which architectures the simulator
//! builds.

use std::path::Path;
use std::sync::Arc;

use crate::architecture::{self, Architecture, MAX_FILE_BYTES};
use crate::config::{did_you_mean, read_text_file};
use crate::model::Pairs;
use crate::scenario::{self, Scenario};
use crate::trace::Spec;

/// The architecture runs take unless told otherwise.
pub const DEFAULT_ARCHITECTURE: &str = "workload1";

/// The built-in architecture `name`.
pub fn built_in_architecture(name: &str) -> Option<Arc<Architecture>> {
    architecture::built_in(name)
}

/// A built-in architecture by name (`Ok` with empty text), or an
/// architecture file by path (`Ok` with the file's text, for the trace
/// header), read only if it is a regular file of at most
/// [`MAX_FILE_BYTES`]. A mistake in the file is told as `FILE:LINE: ...`.
pub fn resolve_architecture(name_or_path: &str) -> Result<(Arc<Architecture>, String), String> {
    if let Some(architecture) = built_in_architecture(name_or_path) {
        return Ok((architecture, String::new()));
    }
    let path = Path::new(name_or_path);
    if path.extension().is_none_or(|e| e != "toml") && !path.is_file() {
        let names = || architecture::BUILT_IN.iter().map(|(name, _)| *name);
        return Err(format!(
            "unknown architecture {name_or_path:?}{}; valid architectures: {}, or the path of an \
             architecture file (.toml)",
            did_you_mean(name_or_path, names()),
            names().collect::<Vec<_>>().join(", ")
        ));
    }
    let text = read_text_file(path, MAX_FILE_BYTES)?;
    let architecture = Architecture::parse(&text, name_or_path).map_err(|e| e.to_string())?;
    coverage_fits(&architecture, name_or_path)?;
    Ok((Arc::new(architecture), text))
}

/// An error, naming the file, unless a run's coverage has a bit for every
/// (state, message) pair of the kinds of machine `architecture` has. The
/// pairs are the model's, so this is checked here, where the simulator
/// takes in an architecture, rather than with the file's own rules.
fn coverage_fits(architecture: &Architecture, origin: &str) -> Result<(), String> {
    Pairs::of(architecture).check().map_err(|e| format!("{origin}: {e}"))
}

/// The architecture of stored runs: built in by name, or read from the
/// spec's text; an error too if the spec's vocabulary of event codes is
/// not the architecture's (a damaged or forged header), or its coverage
/// bits index another table of pairs than this wl1's.
pub fn stored_architecture(spec: &Spec) -> Result<Arc<Architecture>, String> {
    let name = &spec.architecture;
    let architecture = if spec.architecture_text.is_empty() {
        built_in_architecture(name).ok_or_else(|| format!("the runs' architecture {name:?} is not built in"))?
    } else {
        let origin = format!("the runs' architecture {name:?}");
        let architecture = Architecture::parse(&spec.architecture_text, &origin).map_err(|e| e.to_string())?;
        coverage_fits(&architecture, &origin)?;
        Arc::new(architecture)
    };
    if architecture.vocabulary() != spec.vocabulary {
        return Err(format!(
            "the runs' event codes are not those of their architecture {name:?}: the header is damaged"
        ));
    }
    super::check_coverage_table(spec, &architecture)?;
    Ok(architecture)
}

/// The built-in scenarios that apply to `architecture` (whose steps name
/// only components it has), in the order they are listed.
pub fn scenarios_of(architecture: &Arc<Architecture>) -> Vec<Scenario> {
    let of = |name: &str| scenario::built_in_of(name, architecture).expect("listed as built in").ok();
    scenario::built_in_names(architecture).filter_map(of).collect()
}

/// A scenario of `architecture` as `--scenario` names it: a built-in one
/// by name (`Ok` with empty text), or a drill file by path (`Ok` with the
/// file's text), read in the architecture.
pub fn resolve_scenario(architecture: &Arc<Architecture>, name_or_path: &str) -> Result<(Scenario, String), String> {
    scenario::resolve(name_or_path, architecture)
}

/// The scenario of stored runs, of their architecture.
pub fn stored_scenario(spec: &Spec, architecture: &Arc<Architecture>) -> Result<Scenario, String> {
    if spec.drill.is_empty() {
        scenario::built_in_of(&spec.scenario, architecture)
            .ok_or_else(|| format!("the run's scenario {:?} is not built in", spec.scenario))?
    } else {
        scenario::parse_drill_in(&spec.drill, architecture).map_err(|e| format!("the run's drill: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_validator() -> String {
        concat!(env!("CARGO_MANIFEST_DIR"), "/docs/architectures/no-validator.toml").to_string()
    }

    #[test]
    fn an_architecture_is_built_in_by_name_or_read_from_a_file() {
        let (workload1, text) = resolve_architecture("workload1").unwrap();
        assert_eq!((workload1.name.as_str(), text.as_str()), ("workload1", ""));
        let (file, text) = resolve_architecture(&no_validator()).unwrap();
        assert_eq!(file.name, "no-validator");
        assert_eq!(text, std::fs::read_to_string(no_validator()).unwrap());
        let unknown = resolve_architecture("workload2").unwrap_err();
        assert!(unknown.contains("unknown architecture \"workload2\" (did you mean \"workload1\"?)"), "{unknown}");
        let missing = resolve_architecture("absent.toml").unwrap_err();
        assert!(missing.starts_with("absent.toml: "), "{missing}");
    }

    #[test]
    fn a_stored_architecture_is_read_back_and_a_bad_one_is_told() {
        let spec = |architecture: &str, text: &str| Spec {
            architecture: architecture.into(),
            architecture_text: text.into(),
            ..(*crate::run::RunSpec::new(scenario::built_in("f1").unwrap(), Default::default(), Default::default())
                .stored)
                .clone()
        };
        let text = std::fs::read_to_string(no_validator()).unwrap();
        let (file, _) = resolve_architecture(&no_validator()).unwrap();
        let (vocabulary, coverage_table) = (file.vocabulary(), crate::run::coverage_table_of(&file));
        let stored = Spec { vocabulary, coverage_table, ..spec("no-validator", &text) };
        assert_eq!(stored_architecture(&stored).unwrap().name, "no-validator");
        let table = Spec { coverage_table: crate::run::coverage_table(), ..stored.clone() };
        let other = stored_architecture(&table).unwrap_err();
        assert!(other.contains("another coverage table"), "Workload1's pairs are not no-validator's: {other}");
        let forged = stored_architecture(&spec("no-validator", &text)).unwrap_err();
        assert!(forged.contains("event codes are not those of their architecture"), "Workload1's codes: {forged}");
        assert_eq!(
            stored_architecture(&spec("workload1", "")).unwrap(),
            built_in_architecture(DEFAULT_ARCHITECTURE).unwrap()
        );
        let unknown = stored_architecture(&spec("workload2", "")).unwrap_err();
        assert_eq!(unknown, "the runs' architecture \"workload2\" is not built in");
        let bad = stored_architecture(&spec("mine", "name = 3\n")).unwrap_err();
        assert!(bad.starts_with("the runs' architecture \"mine\":1: "), "{bad}");
    }

    #[test]
    fn an_architecture_whose_kinds_have_more_coverage_pairs_than_a_run_records_is_refused_by_name() {
        let mongo = "kind = \"mongo\"\nregion = 1\nprimary = 1\nreplicas = \"processor-db/replica-{r}\"";
        let aurora = "kind = \"aurora\"\nregion = 1\nreplicas = \"processor-db-{r}\"\n\
                      replicator = \"processor-db-replicator\"";
        let parts = "name = \"processor-db-{r}\"\nkind = \"aurora-regional\"\n\n[[instance]]\n\
                     name = \"processor-db-replicator\"\nkind = \"aurora-replicator\"\nregion = 1\n\
                     replicas = \"processor-db-{r}\"";
        let text = architecture::BUILT_IN[0]
            .1
            .replacen(mongo, aurora, 1)
            .replacen("name = \"processor-db/replica-{r}\"\nkind = \"mongo-replica\"\nover = \"all\"", parts, 1)
            .replacen(", \"processor-db\"]", "]", 1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mixed.toml");
        std::fs::write(&path, &text).unwrap();
        let name = path.to_str().unwrap();
        let architecture = Architecture::parse(&text, name).unwrap_or_else(|e| panic!("{e}"));
        let pairs = Pairs::of(&architecture).len();
        assert_eq!(pairs, 105 + 38 + 1, "Workload1's, an Aurora database's and its parts', the acknowledgements");
        let refused = resolve_architecture(name).unwrap_err();
        assert!(refused.starts_with(&format!("{name}: its kinds of machine (driver, source, in-dns, ")), "{refused}");
        assert!(refused.contains("aurora-replicator) handle 144 (state, message) pairs, more than the 128"));
        let stored = Spec {
            architecture_text: text,
            ..(*crate::run::RunSpec::new(scenario::built_in("f1").unwrap(), Default::default(), Default::default())
                .stored)
                .clone()
        };
        let refused = stored_architecture(&stored).unwrap_err();
        assert!(refused.starts_with("the runs' architecture \"workload1\": its kinds of machine"), "{refused}");
    }

    #[test]
    fn an_architecture_has_the_built_in_scenarios_whose_components_it_has() {
        let (other, _) = resolve_architecture(&no_validator()).unwrap();
        let (baseline, _) = resolve_scenario(&other, "baseline").unwrap();
        assert_eq!(baseline.architecture, other, "read in the architecture asked for");
        let refused = resolve_scenario(&other, "failover").unwrap_err();
        let lacks = "the built-in scenario failover does not apply to architecture \"no-validator\": step ";
        assert!(refused.starts_with(lacks) && refused.contains("\"validator-db\""), "{refused}");
        let names: Vec<String> = scenarios_of(&other).into_iter().map(|s| s.name).collect();
        assert_eq!(names, ["baseline", "f1", "f2", "f3"], "failover, f4 and chaos name validators");
        let names: Vec<String> =
            scenarios_of(&built_in_architecture(DEFAULT_ARCHITECTURE).unwrap()).into_iter().map(|s| s.name).collect();
        assert_eq!(names, scenario::BUILT_IN);
        let copy = Arc::new(Architecture::parse(architecture::BUILT_IN[0].1, "copy.toml").unwrap());
        assert_eq!(resolve_scenario(&copy, "f2").unwrap().0.name, "f2", "a file of Workload1 is Workload1");
    }
}
