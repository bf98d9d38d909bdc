//! A [`Spec`] as the options of `wl1 replay` that decide a run: the
//! command that re-simulates a run of it needs no trace file. A spec that
//! options cannot say (a drill or an architecture read from a file, a
//! latency profile of its own) is given whole, as `--spec` and its text
//! form.

use super::resolve::DEFAULT_ARCHITECTURE;
use crate::config::{Options, Profile, Routing};
use crate::engine::MILLISECOND;
use crate::scenario::{ChaosSettings, Step, built_in, has_chaos, parse_drill};
use crate::trace::Spec;

/// The options that give `spec`, as words of a command line: `--scenario`
/// and those whose value differs from the default; `--spec` and the text
/// form if options cannot say it.
pub fn arguments(spec: &Spec) -> Vec<String> {
    options_of(spec).unwrap_or_else(|| vec!["--spec".into(), spec.to_text()])
}

fn options_of(spec: &Spec) -> Option<Vec<String>> {
    if spec.profile != Profile::default() || !spec.architecture_text.is_empty() {
        return None;
    }
    let mut words = Vec::new();
    if spec.architecture != DEFAULT_ARCHITECTURE {
        words.extend(["--architecture".to_string(), spec.architecture.clone()]);
    }
    words.extend(["--scenario".to_string(), spec.scenario.clone()]);
    if !spec.drill.is_empty() {
        words.extend(chaos_options(spec)?);
    }
    let o = &spec.options;
    let defaults = Options::default();
    words.extend(o.variants.iter().flat_map(|v| ["--variant".to_string(), v.name().to_string()]));
    if o.routing != Routing::Alternate {
        words.extend(["--routing".into(), o.routing.to_string()]);
    }
    if o.batch_size != defaults.batch_size {
        words.extend(["--batch-size".into(), o.batch_size.to_string()]);
    }
    if let Some(linger) = o.linger {
        (linger % MILLISECOND == 0).then_some(())?;
        words.extend(["--linger-ms".into(), (linger / MILLISECOND).to_string()]);
    }
    if o.time_bound != defaults.time_bound {
        o.time_bound.is_multiple_of(1_000 * MILLISECOND).then_some(())?;
        words.extend(["--time-bound-s".into(), (o.time_bound / (1_000 * MILLISECOND)).to_string()]);
    }
    if spec.explore {
        words.push("--explore".into());
    }
    Some(words)
}

/// The `--chaos-*` options that turn the built-in scenario of the spec's
/// name into its drill, if some do: the settings of its first chaos step,
/// those that differ from the default (at least one, since the settings
/// given at all make a drill).
fn chaos_options(spec: &Spec) -> Option<Vec<String>> {
    let built = built_in(&spec.scenario).filter(has_chaos)?;
    let drilled = parse_drill(&spec.drill).ok()?;
    let params = drilled.steps.iter().find_map(|s| if let Step::Chaos(p) = s { Some(*p) } else { None })?;
    let all = ChaosSettings::of(&params);
    let (_, drill) = all.apply((built.clone(), String::new())).ok()?;
    (drill == spec.drill).then_some(())?;
    let first =
        built.steps.iter().find_map(|s| if let Step::Chaos(p) = s { Some(ChaosSettings::of(p)) } else { None })?;
    let pair = |[a, b]: [u64; 2]| format!("{a},{b}");
    let given = [
        ("--chaos-rate", all.faults_per_minute.map(|v| v.to_string()), first.faults_per_minute.map(|v| v.to_string())),
        ("--chaos-duration-ms", all.duration_ms.map(pair), first.duration_ms.map(pair)),
        ("--chaos-max-at-once", all.max_at_once.map(|v| v.to_string()), first.max_at_once.map(|v| v.to_string())),
        ("--chaos-deadline-ms", all.deadline_ms.map(|v| v.to_string()), first.deadline_ms.map(|v| v.to_string())),
    ];
    let mut words: Vec<String> = Vec::new();
    for (option, value, default) in &given {
        if value != default {
            words.extend([option.to_string(), value.clone()?]);
        }
    }
    if words.is_empty() {
        words.extend([given[0].0.to_string(), given[0].1.clone()?]);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Variant;
    use crate::run::RunSpec;
    use crate::scenario::resolve;

    fn spec_of(name: &str, chaos: ChaosSettings, options: Options, explore: bool) -> Spec {
        let (scenario, drill) = chaos.apply(resolve(name, &crate::model::topology::WORKLOAD1).unwrap()).unwrap();
        (*RunSpec::with_drill(scenario, drill, options, Profile::default()).exploring(explore).stored).clone()
    }

    #[test]
    fn options_say_built_in_scenarios_chaos_settings_and_the_model_options() {
        let plain = spec_of("f4", ChaosSettings::default(), Options::default(), false);
        assert_eq!(arguments(&plain), ["--scenario", "f4"]);
        let options = Options {
            variants: Options::default().variants.with(Variant::LossyKafka),
            batch_size: 2,
            linger: Some(30 * MILLISECOND),
            routing: Routing::Weighted { region1_percent: 70 },
            time_bound: 90_000 * MILLISECOND,
        };
        let chaos = ChaosSettings { faults_per_minute: Some(30), max_at_once: Some(5), ..ChaosSettings::default() };
        let words = arguments(&spec_of("chaos", chaos, options, true)).join(" ");
        assert_eq!(
            words,
            "--scenario chaos --chaos-rate 30 --chaos-max-at-once 5 --variant lossy-kafka --routing weighted:70,30 \
             --batch-size 2 --linger-ms 30 --time-bound-s 90 --explore"
        );
        let default_chaos = ChaosSettings { faults_per_minute: Some(12), ..ChaosSettings::default() };
        let drilled = spec_of("chaos", default_chaos, Options::default(), false);
        assert!(!drilled.drill.is_empty(), "a chaos setting given makes a drill, even the default one");
        assert_eq!(arguments(&drilled), ["--scenario", "chaos", "--chaos-rate", "12"]);
    }

    fn plain() -> Spec {
        spec_of("f1", ChaosSettings::default(), Options::default(), false)
    }

    #[test]
    fn a_built_in_architecture_other_than_the_default_is_named() {
        let other = Spec { architecture: "workload2".into(), ..plain() };
        assert_eq!(arguments(&other), ["--architecture", "workload2", "--scenario", "f1"]);
        assert_eq!(arguments(&plain()), ["--scenario", "f1"], "the default architecture goes without saying");
    }

    #[test]
    fn a_spec_options_cannot_say_is_given_whole() {
        let profile = Profile { intra_region_us: [1, 2], ..Profile::default() };
        let own_profile = Spec { profile, ..spec_of("f1", ChaosSettings::default(), Options::default(), false) };
        let drill = Spec { drill: "name = \"chaos\"\nbatches = 1\n".into(), ..own_profile.clone() };
        let own_architecture = Spec { architecture_text: "name = \"workload1\"\n".into(), ..plain() };
        for spec in [own_profile, Spec { profile: Profile::default(), ..drill }, own_architecture] {
            let words = arguments(&spec);
            assert_eq!(words[0], "--spec");
            assert_eq!(Spec::from_text(&words[1], 1 << 20).unwrap(), spec);
        }
    }
}
