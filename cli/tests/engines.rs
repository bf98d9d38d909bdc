//! Past one machine: shards that take their index from the scheduler
//! (`--shard auto/N`), the repository's Kubernetes Indexed Job and Slurm
//! array run as written, and their summaries merged into the report of one
//! unsharded run.
//!
//! The Slurm test needs a running single-node Slurm: `.ci/run` starts one
//! (`.ci/slurm.sh`) and sets `WL1_SLURM=1`. Without it the test fails when
//! `CI` is set, and otherwise says loudly that it did not run.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const SHARDS: u64 = 4;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// `wl1 ARGS` with `env` set and the scheduler's variables cleared first.
fn wl1(args: &[&str], env: &[(&str, String)]) -> Output {
    let mut command = Command::new(support::binary());
    command.args(args).env_remove("JOB_COMPLETION_INDEX").env_remove("SLURM_ARRAY_TASK_ID");
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command.output().expect("wl1 runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The JSON report of `wl1 analyze INPUTS`, with `dir` written DIR, the
/// violating seeds listed as a shard's summary keeps them by default.
fn report(inputs: &[&str], dir: &Path, expect: i32) -> Value {
    let mut args = vec!["analyze", "--format", "json", "--max-seeds", "20"];
    args.extend(inputs);
    let out = wl1(&args, &[]);
    assert_eq!(out.status.code(), Some(expect), "{args:?}\n{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap().replace(dir.to_str().unwrap(), "DIR");
    serde_json::from_str(&text).unwrap()
}

/// The report of one unsharded `check` of `runs` chaos runs, traces under
/// `dir/traces`.
fn unsharded(dir: &Path, runs: &str, per_file: &str) -> Value {
    let traces = dir.join("traces");
    let args = ["simulate", "--scenario", "chaos", "--runs", runs, "--runs-per-file", per_file, "--quiet"];
    let out = wl1(&[&args[..], &["--out", traces.to_str().unwrap()]].concat(), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    report(&[traces.to_str().unwrap()], dir, 1)
}

/// N processes given their index in `variable`, each checking its shard
/// into `dir/traces` and storing its summary in `dir/summaries`; then the
/// merge of the folder of summaries.
fn sharded_by(variable: &str, dir: &Path) -> Value {
    let (traces, summaries) = (dir.join("traces"), dir.join("summaries"));
    for i in 0..SHARDS {
        let summary = summaries.join(format!("shard-{i}.json"));
        let shard = format!("auto/{SHARDS}");
        let args = [
            "check",
            "--quiet",
            "--scenario",
            "chaos",
            "--runs",
            "240",
            "--runs-per-file",
            "30",
            "--shard",
            &shard,
            "--out",
            traces.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ];
        let out = wl1(&args, &[(variable, i.to_string())]);
        assert_eq!(out.status.code(), Some(1), "shard {i}: {}", stderr(&out));
    }
    let shards = SHARDS.to_string();
    report(&[summaries.to_str().unwrap(), "--shards", &shards], dir, 1)
}

#[test]
fn shards_indexed_by_kubernetes_or_slurm_merge_into_the_unsharded_report() {
    let root = tempfile::tempdir().unwrap();
    let whole = unsharded(&root.path().join("whole"), "240", "30");
    assert_eq!(whole["runs"], 240);
    for (variable, name) in [("JOB_COMPLETION_INDEX", "k8s"), ("SLURM_ARRAY_TASK_ID", "slurm")] {
        let merged = sharded_by(variable, &root.path().join(name));
        assert_eq!(merged, whole, "shards indexed by {variable}");
    }
}

#[test]
fn auto_without_a_scheduler_or_with_an_index_out_of_range_is_refused() {
    let out = wl1(&["simulate", "--shard", "auto/4", "--runs", "10"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(support::said(&said, "JOB_COMPLETION_INDEX") && support::said(&said, "SLURM_ARRAY_TASK_ID"), "{said}");
    let out = wl1(&["simulate", "--shard", "auto/4", "--runs", "10"], &[("SLURM_ARRAY_TASK_ID", "4".into())]);
    assert_eq!(out.status.code(), Some(2));
    assert!(support::said(&stderr(&out), "SLURM_ARRAY_TASK_ID=4, but shards are numbered 0 to 3"), "{}", stderr(&out));
    let out = wl1(&["simulate", "--shard", "auto/4", "--runs", "10"], &[("JOB_COMPLETION_INDEX", "x".into())]);
    assert!(support::said(&stderr(&out), "JOB_COMPLETION_INDEX=\"x\" is not a shard index"), "{}", stderr(&out));
}

#[test]
fn a_shard_with_no_runs_says_so_and_its_summary_still_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let (traces, summaries) = (dir.path().join("traces"), dir.path().join("summaries"));
    for i in 0..3 {
        let summary = summaries.join(format!("shard-{i}.json"));
        let shard = format!("{i}/3");
        let args = ["check", "--runs", "20", "--runs-per-file", "10", "--shard", &shard, "--out"];
        let out = wl1(&[&args[..], &[traces.to_str().unwrap(), "--summary", summary.to_str().unwrap()]].concat(), &[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        if i == 2 {
            assert!(support::said(&stderr(&out), "shard 2/3 gets no runs"), "{}", stderr(&out));
            assert!(support::said(&stderr(&out), "shard 2/3 counted no runs"), "{}", stderr(&out));
            let stored: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
            assert_eq!(stored["shards"], serde_json::json!([{"index": 2, "count": 3, "runs": 0}]));
        }
    }
    let out = wl1(&["analyze", summaries.to_str().unwrap(), "--shards", "3", "--format", "json"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = wl1(&["analyze", summaries.to_str().unwrap(), "--shards", "4"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(support::said(&stderr(&out), "4 of the 4 shards are missing (no summary names them): shard 0, 1, 2, 3"));
}

/// The script of the Kubernetes manifest's container: the block after `- |`.
fn container_script(manifest: &str) -> String {
    let mut lines = manifest.lines().skip_while(|l| l.trim() != "- |").skip(1);
    let first = lines.next().expect("a script");
    let indent = first.len() - first.trim_start().len();
    let body = std::iter::once(first).chain(lines.take_while(|l| l.len() > indent && l[..indent].trim().is_empty()));
    body.map(|l| &l[indent..]).collect::<Vec<_>>().join("\n")
}

/// The `value` of `- { name: NAME, value: VALUE }` in the manifest.
fn manifest_env(manifest: &str, name: &str) -> String {
    let line = manifest.lines().find(|l| l.contains(&format!("name: {name},"))).expect("the variable is set");
    line.split("value: ").nth(1).unwrap().trim_end_matches(" }").trim_matches('"').to_string()
}

#[test]
fn the_kubernetes_indexed_job_runs_as_written_and_merges_like_one_run() {
    let manifest = std::fs::read_to_string(repo("deploy/wl1-job.yaml")).unwrap();
    for needle in [
        "completionMode: Indexed",
        "backoffLimitPerIndex: 3",
        "action: FailIndex",
        "values: [2]",
        "--shard \"auto/$WL1_SHARDS\"",
        "[ \"$code\" -eq 1 ] && code=0",
    ] {
        assert!(manifest.contains(needle), "the manifest lacks {needle}");
    }
    let completions = manifest.lines().find_map(|l| l.trim().strip_prefix("completions: ")).unwrap();
    assert_eq!(completions, manifest_env(&manifest, "WL1_SHARDS"), "one pod per shard");
    let root = tempfile::tempdir().unwrap();
    let whole = unsharded(&root.path().join("whole"), "4000", "1000");
    let dir = root.path().join("k8s");
    let summaries = dir.join("summaries");
    let script = container_script(&manifest).replace("/scratch", &dir.join("traces").display().to_string());
    let bin = support::binary();
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap());
    for i in 0..SHARDS {
        let out = Command::new("sh")
            .args(["-c", &script])
            .env("PATH", &path)
            .env("JOB_COMPLETION_INDEX", i.to_string())
            .env("WL1_SHARDS", SHARDS.to_string())
            .env("WL1_RUNS", "4000")
            .env("WL1_SCENARIO", "chaos")
            .env("WL1_SUMMARIES", summaries.to_str().unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "pod {i}: a violation is a result\n{}", stderr(&out));
    }
    let shards = SHARDS.to_string();
    let merged = report(&[summaries.to_str().unwrap(), "--shards", &shards], &dir, 1);
    assert_eq!(merged, whole);
    let mut pod = Command::new("sh");
    pod.args(["-c", &script]).env("PATH", &path).env("JOB_COMPLETION_INDEX", "0");
    let out = pod.env("WL1_SHARDS", "0").env("WL1_RUNS", "10").env("WL1_SCENARIO", "chaos").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "an error fails the index: {}", stderr(&out));
}

#[test]
fn the_readme_shows_the_engine_examples_as_they_are_in_the_repository() {
    let readme = std::fs::read_to_string(repo("README.md")).unwrap();
    for file in ["deploy/wl1-job.yaml", "deploy/wl1-array.sh"] {
        let text = std::fs::read_to_string(repo(file)).unwrap();
        assert!(readme.contains(&text), "README.md does not show {file} as it is");
    }
}

/// `groups` without the replay command of each cause: the command reads a
/// trace where the report finds it, and replays by options where it does not
/// (the Slurm tasks keep their traces on scratch space of their own).
fn commands_aside(groups: &Value) -> Value {
    let mut groups = groups.clone();
    for group in groups.as_array_mut().unwrap() {
        for cause in group["causes"].as_array_mut().unwrap() {
            let command = cause.as_object_mut().unwrap().remove("command").unwrap();
            assert!(command.as_str().unwrap().starts_with("wl1 replay "), "{command}");
        }
    }
    groups
}

#[test]
fn the_slurm_array_script_runs_on_a_real_slurm_and_merges_like_one_run() {
    if std::env::var_os("WL1_SLURM").is_none() {
        let why = "no running Slurm: WL1_SLURM is unset (.ci/run starts one with .ci/slurm.sh and sets it)";
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set, but {why}: see .ci/run's log for why Slurm did not start"
        );
        eprintln!("\n*** NOT RUN: {why} ***\n");
        return;
    }
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let whole = unsharded(&root.path().join("whole"), "4000", "1000");
    let dir = root.path().join("slurm");
    let summaries = dir.join("summaries");
    std::fs::create_dir_all(&summaries).unwrap();
    let bin = support::binary();
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap());
    let exports = format!("ALL,PATH={path},WL1_RUNS=4000,WL1_SCENARIO=chaos,WL1_SUMMARIES={}", summaries.display());
    let out = Command::new("sbatch")
        .args(["--wait", "--array=0-3", "--chdir", dir.to_str().unwrap(), "--export", &exports])
        .arg(repo("deploy/wl1-array.sh"))
        .output()
        .expect("sbatch runs");
    let logs: Vec<String> =
        (0..SHARDS).map(|i| std::fs::read_to_string(dir.join(format!("wl1-f4-{i}.out"))).unwrap_or_default()).collect();
    assert!(
        out.status.success(),
        "sbatch: {}\n{}\ntask logs: {logs:?}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );
    let shards = SHARDS.to_string();
    let merged = report(&[summaries.to_str().unwrap(), "--shards", &shards], &dir, 1);
    assert_eq!(merged["runs"], whole["runs"]);
    assert_eq!(commands_aside(&merged["groups"]), commands_aside(&whole["groups"]));
    assert_eq!(merged["violating_seeds"].as_array().unwrap().len(), whole["violating_seeds"].as_array().unwrap().len());
}
