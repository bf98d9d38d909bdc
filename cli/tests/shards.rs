//! Sharded simulation: the union of the shards' traces gives the same
//! analysis report as one big run, and so do the shards' summaries merged.

use std::process::Command;

fn wl1(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wl1")).args(args).output().expect("wl1 runs")
}

#[test]
fn the_union_of_shards_analyzes_like_one_big_run() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let shards = dir.path().join("shards");
    let common = ["--scenario", "chaos", "--runs", "250", "--runs-per-file", "40"];
    let run = |out: &std::path::Path, shard: Option<String>| {
        let mut args = vec!["simulate"];
        args.extend(common);
        args.extend(["--out", out.to_str().unwrap()]);
        if let Some(s) = &shard {
            args.extend(["--shard", s.as_str()]);
        }
        assert!(wl1(&args).status.success(), "{args:?}");
    };
    run(&whole, None);
    for i in 0..4 {
        run(&shards, Some(format!("{i}/4")));
    }
    let report = |dir: &std::path::Path, inputs: &[&str]| {
        let mut args = vec!["analyze", "--format", "json", "--max-seeds", "1000"];
        args.extend(inputs);
        let out = wl1(&args);
        assert_eq!(out.status.code(), Some(1), "chaos violates the specification");
        let mut json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // The reproduce commands name the directory; everything else must match.
        let text = json.to_string().replace(dir.to_str().unwrap(), "DIR");
        json = serde_json::from_str(&text).unwrap();
        json
    };
    let (a, b) = (report(&whole, &[whole.to_str().unwrap()]), report(&shards, &[shards.to_str().unwrap()]));
    assert_eq!(a["runs"], 250);
    assert_eq!(a, b);

    // Each shard analyzes its own files into a summary; one step merges them.
    let mut files: Vec<_> = std::fs::read_dir(&shards).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut summaries = Vec::new();
    for i in 0..4 {
        let summary = dir.path().join(format!("shard-{i}.json"));
        let mut args = vec!["analyze".to_string(), "--max-seeds".into(), "1000".into()];
        args.extend(["--summary".into(), summary.display().to_string()]);
        args.extend(files.iter().skip(i).step_by(4).map(|f| f.display().to_string()));
        let out = Command::new(env!("CARGO_BIN_EXE_wl1")).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        summaries.push(summary.display().to_string());
    }
    let merged: Vec<&str> = summaries.iter().map(String::as_str).collect();
    assert_eq!(report(&shards, &merged), b, "the merged summaries report as the traces do");
}
