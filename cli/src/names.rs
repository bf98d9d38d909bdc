//! The names an option takes, offered to shell completion and shown in the
//! help, and read with the simulator's own parsing (whose errors say what
//! was meant, "did you mean ...").

use std::ffi::OsStr;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use clap::{Arg, Command};

use wl1::config::Variant;
use wl1::scenario::{BUILT_IN, built_in};

/// A value parser that offers `names` and reads a value with `parse`.
#[derive(Clone)]
pub struct Offered<T> {
    names: Vec<PossibleValue>,
    parse: fn(&str) -> Result<T, String>,
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Offered<T> {
    type Value = T;

    fn parse_ref(&self, cmd: &Command, arg: Option<&Arg>, value: &OsStr) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        (self.parse)(&text).map_err(|e| {
            let arg = arg.map_or_else(|| "a value".to_string(), |a| format!("'{a}'"));
            clap::Error::raw(ErrorKind::InvalidValue, format!("invalid value '{text}' for {arg}: {e}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.names.iter().cloned()))
    }
}

/// `--variant`: the design variants.
pub fn variants() -> Offered<Variant> {
    let names = Variant::ALL.iter().map(|v| PossibleValue::new(v.name()).help(v.describe())).collect();
    Offered { names, parse: str::parse }
}

/// `--architecture all`: every built-in architecture.
pub const ALL_ARCHITECTURES: &str = "all";

/// `--architecture`: the built-in architectures are offered; an
/// architecture file's path is taken too, and checked when it is resolved.
pub fn architecture() -> Offered<String> {
    let names = wl1::architecture::BUILT_IN.iter().filter_map(|&(name, _)| {
        wl1::run::built_in_architecture(name).map(|a| PossibleValue::new(name).help(a.description.clone()))
    });
    let all = PossibleValue::new(ALL_ARCHITECTURES)
        .help("every built-in architecture (simulate, check), compared side by side");
    Offered { names: names.chain([all]).collect(), parse: |s| Ok(s.to_string()) }
}

/// `--scenario` of `replay`: the built-in scenarios are offered,
/// Workload1's, then those only other built-in architectures have (said
/// by name); a drill file's path is taken too, and checked when the
/// scenario is resolved.
pub fn scenario() -> Offered<String> {
    let mut names: Vec<PossibleValue> =
        BUILT_IN.iter().filter_map(|&n| built_in(n).map(|s| PossibleValue::new(n).help(s.description))).collect();
    let others = wl1::architecture::BUILT_IN.iter().filter_map(|&(name, _)| wl1::run::built_in_architecture(name));
    let mut theirs: Vec<(&'static str, String, Vec<String>)> = Vec::new();
    for architecture in others {
        let own = wl1::scenario::built_in_names(&architecture).filter(|name| !BUILT_IN.contains(name));
        for name in own.collect::<Vec<_>>() {
            match theirs.iter_mut().find(|(listed, ..)| *listed == name) {
                Some((.., architectures)) => architectures.push(architecture.name.clone()),
                None => {
                    let Some(Ok(scenario)) = wl1::scenario::built_in_of(name, &architecture) else { continue };
                    theirs.push((name, scenario.description, vec![architecture.name.clone()]));
                }
            }
        }
    }
    for (name, description, architectures) in theirs {
        names.push(PossibleValue::new(name).help(format!("{description} ({})", architectures.join(", "))));
    }
    Offered { names, parse: |s| Ok(s.to_string()) }
}

/// `--scenario` of `simulate` and `check`: the same, and `all`.
pub fn scenarios() -> Offered<String> {
    let mut offered = scenario();
    offered.names.push(PossibleValue::new("all").help("every built-in scenario"));
    offered
}
