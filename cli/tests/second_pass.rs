//! The second red-team pass (issue 19, items 1 to 9): the new inputs and
//! outputs keep their promises. One test per defect, named after it; each
//! comment says what the binary before the fix did, which
//! `WL1_BIN=path/to/old/wl1 cargo test --release -p wl1-cli --test
//! second_pass` shows.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use support::{Ran, entries, forge_first_payload, forge_spec, said, start, wl1_in};
use wl1::trace::Spec;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `simulate` of `args` into `dir/name`, which must succeed.
fn traces(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut all = vec!["simulate", "--out", s(&out)];
    all.extend(args);
    let ran = wl1_in(dir, 120, &all);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    out
}

/// The summary of the traces under `traces`, as JSON.
fn summary_of(dir: &Path, traces: &Path, name: &str) -> (PathBuf, Value) {
    let path = dir.join(name);
    let ran = wl1_in(dir, 120, &["analyze", s(traces), "--summary", s(&path)]);
    assert!(matches!(ran.code, Some(0 | 1)), "{}", ran.stderr);
    let json = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    (path, json)
}

/// What a forgery is said to be, and the edit that makes it.
type Forgery<T> = (&'static str, fn(&mut T));

fn write_json(path: &Path, json: &Value) {
    fs::write(path, serde_json::to_vec(json).unwrap()).unwrap();
}

fn no_temporary_files(dir: &Path) {
    let left: Vec<String> =
        entries(dir).into_iter().filter(|n| n.ends_with(".partial") || n.ends_with(".old")).collect();
    assert!(left.is_empty(), "temporary files left in {}: {left:?}", dir.display());
}

/// Item 1. Before: a 15 KB drill of 90 chaos steps wrote, with exit 0, a
/// run of 5.4 M events that `analyze` then called damaged ("events:
/// LimitExceeded"); its memory grew with its events.
#[test]
fn item_01_a_run_over_the_event_limit_is_refused_when_simulated() {
    let dir = tempfile::tempdir().unwrap();
    let mut drill = String::from("name = \"long-chaos\"\nbatches = 200\n");
    let chaos = "{ faults_per_minute = 6000, max_at_once = 20, duration_ms = [50000, 100000], deadline_ms = 600000 }";
    for _ in 0..90 {
        drill += &format!("[[step]]\nchaos = {chaos}\n");
    }
    for batch in 1..=200 {
        drill += &format!("[[step]]\npublish = {batch}\n");
    }
    drill += "[[step]]\nawait_chaos_end = true\n";
    let path = dir.path().join("long-chaos.toml");
    fs::write(&path, drill).unwrap();
    let out = dir.path().join("t");
    let args = ["simulate", "--scenario", s(&path), "--runs", "1", "--time-bound-s", "86400", "--out", s(&out)];
    let ran = wl1_in(dir.path(), 300, &args);
    ran.fails_with("an overgrown run", &["records more than 4194304 events", "shorten the scenario"]);
    assert!(!said(&ran.stderr, "LimitExceeded"));
    assert!(entries(&out).iter().all(|n| !n.ends_with(".wl1")), "{:?}", entries(&out));
}

/// Item 2. Before: `--summary`, `--html`, `--plot` and `--export` wrote
/// through `.NAME.partial`, following a link planted there to a file
/// outside the output folder.
#[test]
fn item_02_a_link_planted_at_a_temporary_name_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "5"]);
    let out = dir.path().join("out");
    let outside = dir.path().join("outside");
    fs::create_dir_all(out.join("plots")).unwrap();
    fs::create_dir_all(out.join("tables")).unwrap();
    fs::create_dir(&outside).unwrap();
    let planted = [
        ".summary.json.partial",
        ".page.html.partial",
        "plots/.latency-group-1.svg.partial",
        "tables/.runs.parquet.partial",
    ];
    for (i, name) in planted.iter().enumerate() {
        std::os::unix::fs::symlink(outside.join(format!("victim-{i}")), out.join(name)).unwrap();
    }
    let ran = wl1_in(
        dir.path(),
        120,
        &[
            "analyze",
            s(&traces),
            "--summary",
            s(&out.join("summary.json")),
            "--html",
            s(&out.join("page.html")),
            "--plot",
            s(&out.join("plots")),
            "--export",
            s(&out.join("tables")),
        ],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(entries(&outside).is_empty(), "written outside the output folder: {:?}", entries(&outside));
    for name in ["summary.json", "page.html", "plots/latency-group-1.svg", "tables/runs.parquet"] {
        assert!(fs::symlink_metadata(out.join(name)).unwrap().is_file(), "{name} not written");
    }
}

/// Item 2. Before: two `--export` into one folder shared their temporary
/// names, and the tables that survived did not read back.
#[test]
fn item_02_concurrent_exports_into_one_folder_publish_readable_tables() {
    use wl1_analysis::polars::prelude::{ParquetReader, SerReader};
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "3000", "--runs-per-file", "500"]);
    let tables = dir.path().join("tables");
    for round in 0..3 {
        let started: Vec<_> = (0..3)
            .map(|_| start(&["analyze", s(&traces), "--export", s(&tables), "--jobs", "1"], dir.path()))
            .collect();
        for analysis in started {
            let ran = analysis.finish(300);
            assert!(matches!(ran.code, Some(0 | 1)), "round {round}: {}", ran.stderr);
        }
        for table in ["runs", "records", "violations"] {
            let file = fs::File::open(tables.join(format!("{table}.parquet"))).unwrap();
            let frame = ParquetReader::new(file).finish();
            let frame = frame.unwrap_or_else(|e| panic!("round {round}: {table}.parquet does not read back: {e}"));
            if table == "runs" {
                assert_eq!(frame.height(), 3000);
            }
        }
        no_temporary_files(&tables);
    }
}

/// Item 3. Before: a table that could not be renamed into place left the
/// tables renamed before it new, beside an old one.
#[test]
fn item_03_an_export_publishes_all_three_tables_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let first = traces(dir.path(), "first", &["--runs", "20"]);
    let second = traces(dir.path(), "second", &["--runs", "30", "--seed", "100"]);
    let tables = dir.path().join("tables");
    let ran = wl1_in(dir.path(), 120, &["analyze", s(&first), "--export", s(&tables), "--export-format", "csv"]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let old_runs = fs::read(tables.join("runs.csv")).unwrap();
    // The last table cannot be replaced: a folder stands at its name.
    fs::remove_file(tables.join("violations.csv")).unwrap();
    fs::create_dir_all(tables.join("violations.csv/in-the-way")).unwrap();
    let ran = wl1_in(dir.path(), 120, &["analyze", s(&second), "--export", s(&tables), "--export-format", "csv"]);
    ran.fails_with("an export that cannot complete", &["violations.csv"]);
    assert!(fs::read(tables.join("runs.csv")).unwrap() == old_runs, "a new table beside an old one");
    no_temporary_files(&tables);
}

/// Item 4. Before: `--summary` or `--html` naming an input trace replaced
/// it, `--summary X --html X` lost the summary, and a link to a device was
/// replaced by a regular file; the HTML path was looked at only after all
/// the work.
#[test]
fn item_04_an_output_is_never_an_input_another_output_or_a_device() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "5"]);
    let trace = traces.join(&entries(&traces)[0]);
    let bytes = fs::read(&trace).unwrap();
    for option in ["--summary", "--html"] {
        let ran = wl1_in(dir.path(), 60, &["analyze", s(&traces), option, s(&trace)]);
        ran.fails_with("an output onto an input", &[option, "is also an input"]);
        assert_eq!(fs::read(&trace).unwrap(), bytes, "{option} replaced an input trace");
    }
    let both = dir.path().join("both");
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&traces), "--summary", s(&both), "--html", s(&both)]);
    ran.fails_with("two outputs onto one file", &["write the same file"]);
    assert!(!both.exists());
    let device = dir.path().join("device.html");
    std::os::unix::fs::symlink("/dev/null", &device).unwrap();
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&traces), "--html", s(&device)]);
    ran.fails_with("an output onto a device", &["a device, FIFO or socket"]);
    assert!(fs::symlink_metadata(&device).unwrap().file_type().is_symlink(), "the link to a device was replaced");
    let ran = wl1_in(dir.path(), 60, &["check", "--runs", "3", "--out", s(&traces), "--html", s(&trace)]);
    ran.fails_with("check's page onto a trace", &["is also an input"]);
}

/// Item 5. Before: an edited `violating_runs: 0` turned VIOLATED into
/// "holds" with exit 0.
#[test]
fn item_05_a_summary_whose_violations_were_edited_away_is_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let lossy = traces(dir.path(), "lossy", &["--runs", "30", "--variant", "lossy-kafka", "--scenario", "chaos"]);
    let good = traces(dir.path(), "good", &["--runs", "7"]);
    let (path, mut summary) = summary_of(dir.path(), &lossy, "lossy.json");
    let violating = summary["groups"].as_array().unwrap().iter().any(|g| g["violating_runs"].as_u64() > Some(0));
    assert!(violating, "the lossy runs violate the specification");
    for group in summary["groups"].as_array_mut().unwrap() {
        group["violating_runs"] = json!(0);
    }
    write_json(&path, &summary);
    let ran = wl1_in(dir.path(), 60, &["analyze", "--format", "json", s(&path), s(&good)]);
    ran.fails_with("an edited summary", &["lossy.json", "damaged", "violating runs"]);
    assert_eq!(ran.json_runs(), 7, "the good traces beside it are still read");
}

/// Item 5. Before: two summaries of 2^63 runs each added up to 0 runs: the
/// 400 runs read from traces beside them "every one of 400 runs holds".
#[test]
fn item_05_counts_that_would_wrap_are_refused_not_wrapped() {
    let dir = tempfile::tempdir().unwrap();
    let good = traces(dir.path(), "good", &["--runs", "400"]);
    let other = traces(dir.path(), "other", &["--runs", "1", "--batch-size", "7"]);
    let (_, template) = summary_of(dir.path(), &other, "template.json");
    let half = 1u64 << 63;
    let mut paths = Vec::new();
    for (i, first) in [0, half].into_iter().enumerate() {
        let mut forged = template.clone();
        let group = &mut forged["groups"][0];
        group["runs"] = json!(half);
        group["outcomes"] = json!({ "completed": half });
        group["seeds"] = json!([{ "first": first, "last": first + (half - 1), "file": 0 }]);
        group["coverage"] = json!({ "orders": {}, "orders_capped": false, "pairs": {}, "situations": {} });
        group["violators"] = json!({});
        let path = dir.path().join(format!("half-{i}.json"));
        write_json(&path, &forged);
        paths.push(path);
    }
    let ran = wl1_in(dir.path(), 60, &["analyze", "--format", "json", s(&paths[0]), s(&paths[1]), s(&good)]);
    ran.fails_with("summaries that wrap", &["beyond 2^64"]);
    assert!(ran.json_runs() >= 400, "the runs wrapped: {}", ran.stdout);
}

/// Item 5. Before: a seed range of every seed counted 0 runs (its length
/// wrapped) and swallowed the real traces of its group as duplicates.
#[test]
fn item_05_a_seed_range_of_every_seed_swallows_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "12"]);
    let (path, mut summary) = summary_of(dir.path(), &traces, "all-seeds.json");
    let group = &mut summary["groups"][0];
    group["seeds"] = json!([{ "first": 0, "last": u64::MAX, "file": 0 }]);
    group["runs"] = json!(0);
    write_json(&path, &summary);
    let ran = wl1_in(dir.path(), 60, &["analyze", "--format", "json", s(&path), s(&traces)]);
    ran.fails_with("a summary of every seed", &["all-seeds.json", "damaged"]);
    assert_eq!(ran.json_runs(), 12, "real traces swallowed as duplicates");
}

/// Item 5. Before: each of these forged summaries was read as true.
#[test]
fn item_05_figures_that_disagree_with_each_other_are_damage() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "20", "--variant", "lossy-kafka", "--scenario", "chaos"]);
    let (path, summary) = summary_of(dir.path(), &traces, "s.json");
    let forgeries: [Forgery<Value>; 8] = [
        ("counts above runs", |s| {
            let runs = s["groups"][0]["runs"].as_u64().unwrap();
            s["groups"][0]["violating_runs"] = json!(runs + 5);
        }),
        ("an unknown outcome", |s| {
            let outcomes = s["groups"][0]["outcomes"].as_object_mut().unwrap();
            let (name, runs) = outcomes.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap();
            outcomes.remove(&name);
            outcomes.insert("exploded".into(), runs);
        }),
        ("an unknown property", |s| {
            let properties = s["groups"][0]["properties"].as_object_mut().unwrap();
            let (name, counts) = properties.iter().next().map(|(k, v)| (k.clone(), v.clone())).unwrap();
            properties.remove(&name);
            properties.insert("no-such-property".into(), counts);
        }),
        ("an impossible region", |s| {
            let latency = s["groups"][0]["latency"].as_object_mut().unwrap();
            let histogram = latency.values().next().unwrap().clone();
            latency.insert("9".into(), histogram);
        }),
        ("a mean above the maximum", |s| {
            let latency = s["groups"][0]["latency"].as_object_mut().unwrap();
            let histogram = latency.values_mut().next().unwrap();
            let (count, max) = (histogram["count"].as_i64().unwrap(), histogram["max"].as_i64().unwrap());
            histogram["sum"] = json!(count * max + 1_000_000);
        }),
        ("a problems count below the problems listed", |s| {
            s["problems"] = json!({ "count": 0, "listed": ["a problem"] });
        }),
        ("a violating seed never counted", |s| {
            let violators = s["groups"][0]["violators"].as_object_mut().unwrap();
            violators.values_mut().next().unwrap()[0]["seed"] = json!(999_999);
        }),
        ("undelivered records with no eventual-delivery violation", |s| {
            s["groups"][0]["undelivered"] = json!({ "3": { "1": { "runs": 1, "records": 40 } } });
            s["groups"][0]["properties"].as_object_mut().unwrap().remove("eventual-delivery");
        }),
    ];
    for (what, forge) in forgeries {
        let mut forged = summary.clone();
        forge(&mut forged);
        write_json(&path, &forged);
        wl1_in(dir.path(), 60, &["analyze", s(&path)]).fails_with(what, &["s.json", "damaged"]);
    }
}

/// Item 5. Before: a summary was read whole into memory, whatever its size
/// (1.2 GiB aborted); now it is read as a stream, up to a limit.
#[test]
fn item_05_a_summary_beyond_the_size_limit_is_refused_as_a_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.json");
    let mut file = fs::File::create(&path).unwrap();
    use std::io::Write;
    file.write_all(b"{\"format\": \"").unwrap();
    let block = vec![b'a'; 1 << 20];
    for _ in 0..260 {
        file.write_all(&block).unwrap();
    }
    drop(file);
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&path)]);
    ran.fails_with("a huge summary", &["huge.json", "larger than 256 MiB"]);
}

/// Item 6. Before: a header spec with a batch size of 0 or a profile of
/// min above max made `replay` panic, a speed factor of 1e77 made it spin.
#[test]
fn item_06_a_header_spec_beyond_the_command_lines_bounds_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "2"]);
    let trace = traces.join(&entries(&traces)[0]);
    let bytes = fs::read(&trace).unwrap();
    let forgeries: [Forgery<Spec>; 3] = [
        ("batch size of 0", |spec| spec.options.batch_size = 0),
        ("min 900 is above max 100", |spec| spec.profile.service_us.kafka = [900, 100]),
        ("speed_factor", |spec| spec.profile.speed_factor = [1e77, 1e77]),
    ];
    for (says, forge) in forgeries {
        fs::write(&trace, forge_spec(&bytes, forge)).unwrap();
        let replay = wl1_in(dir.path(), 20, &["replay", "--from", s(&trace), "--seed", "0"]);
        replay.fails_with("replay of a forged spec", &[says]);
        let analyze = wl1_in(dir.path(), 20, &["analyze", s(&traces)]);
        analyze.fails_with("analysis of a forged spec", &[says, "damaged"]);
    }
}

/// Item 6. Before: an environment on a run of a spec that does not
/// explore, or one its seed does not draw, was taken without a word.
#[test]
fn item_06_an_environment_of_no_seed_or_on_an_unexplored_run_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "3", "--explore"]);
    let trace = traces.join(&entries(&traces)[0]);
    let bytes = fs::read(&trace).unwrap();
    fs::write(&trace, forge_spec(&bytes, |spec| spec.explore = false)).unwrap();
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&traces)]);
    ran.fails_with("an environment on an unexplored run", &["an environment on a run of a spec that does not explore"]);
    // Seed 0 becomes seed 200 (one varint byte either way): its
    // environment is now of no seed it could have drawn.
    let forged = forge_first_payload(&bytes, |payload| {
        assert_eq!(payload[0], 0, "the first run is seed 0");
        let mut forged = payload.to_vec();
        forged[0] = 200;
        forged
    });
    fs::write(&trace, forged).unwrap();
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&traces)]);
    ran.fails_with("an environment of another seed", &["environment its seed does not draw"]);
    let replay = wl1_in(dir.path(), 60, &["replay", "--from", s(&trace), "--seed", "200"]);
    replay.fails_with("a replay in a forged environment", &["environment its seed does not draw"]);
}

/// Item 7. Before: `--runs 1000000000 --runs-per-file 1` listed every file
/// name before simulating anything, took gigabytes and aborted.
#[test]
fn item_07_a_billion_runs_of_one_per_file_start_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    let args = ["simulate", "--runs", "1000000000", "--runs-per-file", "1", "--jobs", "1", "--out", s(&out)];
    let running = start(&args, dir.path());
    std::thread::sleep(Duration::from_millis(1500));
    running.signal(libc::SIGINT);
    let ran = running.finish(30);
    ran.fails_with("a billion runs, interrupted", &["interrupted: "]);
    assert!(!entries(&out).is_empty(), "nothing was simulated in 1.5 s");
}

/// Item 7. Before: `analyze --jobs 10000` panicked when its threads could
/// not start, and `completions > /dev/full` panicked.
#[test]
fn item_07_odd_jobs_and_a_full_standard_output_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "3"]);
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&traces), "--jobs", "10000"]);
    ran.fails_with("analyze --jobs 10000", &["--jobs"]);
    let full = std::process::Command::new(support::binary())
        .args(["completions", "bash"])
        .stdout(fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let ran = Ran {
        code: full.status.code(),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&full.stderr).into_owned(),
    };
    ran.fails_with("completions > /dev/full", &["cannot write to standard output"]);
}

/// Item 8. Before: `check` ignored Ctrl-C and SIGTERM once its simulation
/// was done, and an interrupted `analyze` died by the signal, leaving
/// `.partial` files.
#[test]
fn item_08_check_and_analyze_stop_at_a_signal_leaving_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "40000", "--runs-per-file", "2000", "--scenario", "f4"]);
    let tables = dir.path().join("tables");
    let analysis = start(&["analyze", s(&traces), "--export", s(&tables), "--jobs", "1"], dir.path());
    std::thread::sleep(Duration::from_millis(700));
    analysis.signal(libc::SIGINT);
    let ran = analysis.finish(60);
    ran.fails_with("an interrupted analyze", &["interrupted"]);
    no_temporary_files(&tables);

    let out = dir.path().join("checked");
    let args = ["check", "--runs", "40000", "--scenario", "f4", "--out", s(&out), "--jobs", "2"];
    let check = start(&args, dir.path());
    // Its 40 files are in place once its simulation is done.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while entries(&out).iter().filter(|n| n.ends_with(".wl1")).count() < 40 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    check.signal(libc::SIGTERM);
    let ran = check.finish(60);
    ran.fails_with("check, signalled while analyzing", &["interrupted"]);
}

/// Item 8. Before: the temporary files of a killed `simulate` stayed after
/// a successful rerun, never mentioned.
#[test]
fn item_08_temporary_files_left_by_a_killed_simulate_are_mentioned() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t");
    fs::create_dir(&out).unwrap();
    let left = out.join("baseline-00000000-0-4.wl1.4242-0.partial");
    fs::write(&left, b"WL1TRACE").unwrap();
    let ran = wl1_in(dir.path(), 60, &["simulate", "--runs", "5", "--out", s(&out)]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(said(&ran.stderr, "baseline-00000000-0-4.wl1.4242-0.partial"), "not mentioned:\n{}", ran.stderr);
    assert!(said(&ran.stderr, "left by a wl1 that was killed"), "{}", ran.stderr);
}

/// Item 9. Before: damage was told in the decoder's words
/// ("UnexpectedEnd { additional: 1 }"), and a summary's label reached the
/// terminal with its escapes.
#[test]
fn item_09_messages_show_no_decoder_internals_nor_terminal_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let traces = traces(dir.path(), "t", &["--runs", "3"]);
    let trace = traces.join(&entries(&traces)[0]);
    let bytes = fs::read(&trace).unwrap();
    fs::write(&trace, forge_first_payload(&bytes, |payload| payload[..1].to_vec())).unwrap();
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&traces)]);
    ran.fails_with("a cut run header", &["run header: it ends in the middle"]);
    for internal in ["UnexpectedEnd", "additional", "LimitExceeded", "{", "}"] {
        assert!(!ran.stderr.contains(internal), "{internal:?} in:\n{}", ran.stderr);
    }
    fs::write(&trace, &bytes).unwrap();
    let (path, mut summary) = summary_of(dir.path(), &traces, "s.json");
    summary["groups"][0]["label"] = json!("baseline \u{1b}[2J\u{1b}]0;owned\u{7}");
    write_json(&path, &summary);
    let ran = wl1_in(dir.path(), 60, &["analyze", s(&path)]);
    ran.fails_with("a label with escapes", &["s.json", "damaged"]);
    assert!(!ran.stderr.contains('\u{1b}') && !ran.stdout.contains('\u{1b}'), "{}", ran.stderr);
}
