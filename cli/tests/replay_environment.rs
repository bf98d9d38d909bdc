//! `wl1 replay` of an explored run says what the run drew, once, in text
//! and as the `environment` of its JSON, as its trace stores it: region
//! and instance speeds, delivery lags, slow periods, change points,
//! delayed messages and step delays. A run that does not explore says
//! nothing of the kind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use wl1::config::Environment;
use wl1::config::explore::Slowed;
use wl1::trace::TraceFile;
use wl1::trace::format::decode_payload;

const SEED: u64 = 5;

fn wl1(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().expect("wl1 runs")
}

/// The one trace file in `dir`.
fn trace_file(dir: &Path) -> PathBuf {
    let mut files = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path());
    files.find(|p| p.extension().is_some_and(|e| e == "wl1")).expect("a trace file")
}

/// The environment the trace in `dir` stores for the run of `seed`.
fn stored_environment(dir: &Path, seed: u64) -> Environment {
    let mut trace = TraceFile::open(&trace_file(dir)).unwrap();
    let spec = trace.spec().clone();
    while let Some(next) = trace.next_payload() {
        let run = decode_payload(next.unwrap().1, &spec).unwrap();
        if run.header.seed == seed {
            return run.header.environment.as_deref().expect("an explored run stores its environment").clone();
        }
    }
    panic!("no run of seed {seed}")
}

fn ms(us: u64) -> f64 {
    us as f64 / 1e3
}

#[test]
fn an_explored_replay_says_what_its_trace_stores_that_it_drew() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let simulate = wl1(&["simulate", "-s", "f4", "--explore", "--runs", "8", "--out", out, "-q"]);
    assert!(simulate.status.success());
    let env = stored_environment(dir.path(), SEED);
    assert!(!env.is_unspread() && !env.instance_speeds.is_empty(), "the spread is drawn");
    let file = trace_file(dir.path());
    let from = ["replay", "--from", file.to_str().unwrap(), "--seed", &SEED.to_string()];

    let json = wl1(&[&from[..], &["--format", "json"]].concat());
    let document: Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!(document["seed"], SEED);
    let e = &document["environment"];
    assert_eq!(e["step_delay_ms"], ms(env.step_delay_us));
    let regions = e["region_speeds"].as_array().unwrap();
    for (i, region) in regions.iter().enumerate() {
        assert_eq!(region["region"], i + 1);
        assert_eq!(region["times"], env.region_speed_permille[i] as f64 / 1e3);
        assert_eq!(e["delivery_lags"][i]["longest_ms"], ms(env.delivery_lag_us[i]));
    }
    let instances = e["instance_speeds"].as_array().unwrap();
    assert_eq!(instances.len(), env.instance_speeds.len());
    assert_eq!(instances[0]["instance"], "source", "instances by name");
    for (shown, drawn) in instances.iter().zip(&env.instance_speeds) {
        assert_eq!(shown["times"], drawn.permille as f64 / 1e3);
    }
    let periods = e["slow_periods"].as_array().unwrap();
    assert_eq!(periods.len(), env.slow_periods.len());
    for (shown, drawn) in periods.iter().zip(&env.slow_periods) {
        assert_eq!((&shown["from_ms"], &shown["until_ms"]), (&ms(drawn.from_us).into(), &ms(drawn.until_us).into()));
        if let Slowed::Region(r) = drawn.who {
            assert_eq!(shown["who"], format!("region {r}"));
        }
    }
    let points = e["change_points"].as_array().unwrap();
    assert_eq!(points.len(), env.change_points.len());
    for (shown, drawn) in points.iter().zip(&env.change_points) {
        assert_eq!((&shown["nth"], &shown["extra_ms"]), (&drawn.nth.into(), &ms(drawn.extra_us).into()));
    }
    assert_eq!(e["delayed_messages"].as_array().unwrap().len(), env.delayed.len());

    let text = String::from_utf8(wl1(&from).stdout).unwrap();
    let said = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(said("explored: "), 1, "said once:\n{text}");
    assert_eq!(said("  times per region "), 1, "{text}");
    assert_eq!(said("  times per instance "), 1, "{text}");
    assert_eq!(said("  slow period: "), env.slow_periods.len(), "{text}");
    assert_eq!(said("  message "), env.delayed.len(), "{text}");
    let depth = env.change_points.len();
    assert_eq!(said("  change points"), 1, "{text}");
    assert!(text.contains(&format!("change points (depth {depth})")) || depth == 0 && text.contains("none (depth 0)"));
    let region_1 = format!("region 1 ×{:.2}", env.region_speed_permille[0] as f64 / 1e3);
    assert!(text.contains(&region_1), "{region_1}:\n{text}");
    let header = text.lines().take_while(|l| !l.starts_with("verdict:"));
    assert!(header.clone().all(|l| l.chars().count() <= 100), "{text}");
}

#[test]
fn a_replay_that_does_not_explore_says_nothing_of_an_environment() {
    let text = String::from_utf8(wl1(&["replay", "-s", "f4", "--seed", &SEED.to_string()]).stdout).unwrap();
    assert!(text.starts_with(&format!("seed {SEED} · scenario f4")), "{text}");
    for drawn in ["explored:", "times per region", "times per instance", "slow period", "change points"] {
        assert!(!text.contains(drawn), "{drawn}:\n{text}");
    }
    let json = wl1(&["replay", "-s", "f4", "--seed", &SEED.to_string(), "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let document: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["environment"], Value::Null);
    assert_eq!((&document["holds"], &document["violations"]), (&Value::Bool(true), &Value::Array(Vec::new())));
}
