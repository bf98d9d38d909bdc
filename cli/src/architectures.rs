//! `wl1 architectures`: the built-in architectures, or architecture files
//! checked, in text or JSON.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use wl1::architecture::{Architecture, BUILT_IN, Command, built_in};
use wl1_analysis::text::{WIDTH, wrap};

use crate::output::{Format, Verdict, to_stdout};

#[derive(Args, Debug)]
pub struct ArchitecturesArgs {
    /// Architecture files (TOML) to check instead of listing the built-in
    /// ones; the first error is told with its file and line, exit 2.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// How to print: text, or one JSON document (default: text).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(args: &ArchitecturesArgs) -> Result<Verdict, String> {
    let checked: Vec<(String, Architecture)> = if args.files.is_empty() {
        BUILT_IN
            .iter()
            .map(|(name, _)| ("built in".to_string(), (*built_in(name).expect("built in")).clone()))
            .collect()
    } else {
        let read = |path: &PathBuf| {
            let origin = path.display().to_string();
            Architecture::resolve_file(path).map(|a| (origin, a))
        };
        args.files.iter().map(read).collect::<Result<_, _>>()?
    };
    let text = match args.format {
        Format::Text => checked.iter().map(|(origin, a)| describe(origin, a)).collect::<String>(),
        Format::Json => {
            let all: Vec<Value> = checked.iter().map(|(origin, a)| as_json(origin, a)).collect();
            serde_json::to_string_pretty(&all).expect("JSON in memory") + "\n"
        }
    };
    to_stdout(|out| out.write_all(text.as_bytes()))?;
    Ok(Verdict::Holds)
}

/// "workload1 (built in): 32 instances in regions 1 and 2, ..."
fn describe(origin: &str, a: &Architecture) -> String {
    let regions = |rs: &[u8]| rs.iter().map(u8::to_string).collect::<Vec<_>>().join(", ");
    let replicas = match a.replica_regions.as_slice() {
        [] => String::new(),
        rs => format!(", replicas also in {}", regions(rs)),
    };
    let head = format!(
        "{} ({origin}): {} instances in regions {}{replicas}; {} record stages",
        a.name,
        a.instances.len(),
        regions(&a.regions),
        a.stages.len()
    );
    let mut out = wrap(&head, WIDTH, 2);
    if !a.description.is_empty() {
        out += &wrap(&format!("  {}", a.description), WIDTH, 2);
    }
    let stages: Vec<&str> = a.stages.iter().map(|s| s.event.as_str()).collect();
    out += &wrap(&format!("  stages: {}", stages.join(", ")), WIDTH, 4);
    for (command, targets) in &a.faults {
        let names: Vec<&str> = targets.iter().map(|&i| a.instances[i].name.as_str()).collect();
        out += &wrap(&format!("  {}: {}", command.name(), names.join(", ")), WIDTH, 4);
    }
    out
}

fn as_json(origin: &str, a: &Architecture) -> Value {
    let names = |is: &[usize]| is.iter().map(|&i| a.instances[i].name.clone()).collect::<Vec<_>>();
    let instances: Vec<Value> = a
        .instances
        .iter()
        .map(|i| {
            let wires: serde_json::Map<String, Value> =
                i.wires.iter().map(|(key, to)| ((*key).to_string(), json!(names(to)))).collect();
            json!({ "name": i.name, "kind": i.kind.name(), "region": i.region, "wires": wires })
        })
        .collect();
    let faults: serde_json::Map<String, Value> =
        a.faults.iter().map(|(c, t): (&Command, &Vec<usize>)| (c.name().to_string(), json!(names(t)))).collect();
    let stages: Vec<Value> = a.stages.iter().map(|s| json!({ "event": s.event, "at": names(&s.at) })).collect();
    json!({
        "name": a.name,
        "origin": origin,
        "description": a.description,
        "regions": a.regions,
        "replica_regions": a.replica_regions,
        "instances": instances,
        "faults": faults,
        "stages": stages,
    })
}
