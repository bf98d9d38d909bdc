//! The red team, randomized and repeatable: a mix of damaged trace files
//! (truncations, bit flips, forged counts with valid checksums), writers
//! racing into one folder, signals at random moments, a tiny full tmpfs,
//! forged summaries, outputs written concurrently into one folder through
//! planted links, and forged header specs and environments, each checked
//! through the `wl1` binary for what a user is owed: no panic (exit 101 or
//! 134), no hang (every command has a deadline), no run lost or counted
//! twice (`analyze --format json` counts exactly the runs the complete
//! files hold), no write outside the output folder, and no verdict changed
//! by a damaged input (a damaged summary is named, and the runs beside it
//! give the verdict they give alone).
//!
//! CI runs a few seconds. For a long campaign:
//! `WL1_ADVERSARIAL_SECONDS=600 cargo test --release -p wl1-cli --test adversarial_random -- --nocapture`

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{Ran, crc32, entries, forge_first_payload, forge_spec, repo_file, said, start, wl1_in};
use wl1::trace::{TraceFile, trace_files};

/// splitmix64: the campaign needs no crate for its randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// What the campaign did.
#[derive(Debug, Default)]
struct Counts {
    cases: u64,
    truncations: u64,
    flips: u64,
    forged_counts: u64,
    concurrent_writers: u64,
    signals: u64,
    full_disks: u64,
    forged_summaries: u64,
    hostile_outputs: u64,
    forged_specs: u64,
    forged_environments: u64,
    runs_checked: u64,
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs in the complete trace files under `dir`, read by the library, and
/// whether every file read cleanly.
fn readable_runs(dir: &Path) -> (u64, bool) {
    let (files, problems) = trace_files(&[dir.to_owned()]);
    let mut clean = problems.is_empty();
    let mut runs = 0;
    for file in files {
        match TraceFile::open(&file) {
            Ok(trace) => {
                for run in trace {
                    match run {
                        Ok(_) => runs += 1,
                        Err(_) => clean = false,
                    }
                }
            }
            Err(_) => clean = false,
        }
    }
    (runs, clean)
}

/// `analyze --format json dir`, checked: sane, and counting exactly the
/// runs the library reads (none lost, none twice).
fn analyze_counts_every_run(dir: &Path, scratch: &Path, counts: &mut Counts) -> Ran {
    let (expected, _) = readable_runs(dir);
    let ran = wl1_in(scratch, 120, &["analyze", "--format", "json", s(dir)]);
    ran.sane("analyze");
    if expected == 0 {
        assert_eq!(ran.code, Some(2), "no runs must be an error: {}", ran.stderr);
        return ran;
    }
    assert_eq!(ran.json_runs(), expected, "analyze lost or double-counted runs\n{}", ran.stderr);
    counts.runs_checked += expected;
    ran
}

/// The saved-run count of an "interrupted:" or failed `simulate`.
fn saved_runs(stderr: &str) -> u64 {
    let at = stderr.find(" runs saved in ").unwrap_or_else(|| panic!("no saved-run count in:\n{stderr}"));
    let start = stderr[..at].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    stderr[start..at].parse().unwrap()
}

fn no_partial_files(dir: &Path) {
    let left: Vec<String> = entries(dir).into_iter().filter(|n| n.ends_with(".partial")).collect();
    assert!(left.is_empty(), "temporary files left in {}: {left:?}", dir.display());
}

/// The corpus: real traces of several scenarios, several files each; the
/// baseline runs apart, with their totals; a summary of chaos runs (most
/// violating, under the lossy-kafka variant); explored runs.
struct Corpus {
    dir: PathBuf,
    totals: (u64, u64),
    baseline: PathBuf,
    baseline_totals: (u64, u64),
    summary: serde_json::Value,
    explored: PathBuf,
    explored_runs_per_file: u64,
}

fn corpus(dir: &Path) -> Corpus {
    let out = dir.join("corpus");
    for (scenario, runs, per_file) in [("baseline", "40", "10"), ("f4", "20", "10"), ("chaos", "10", "5")] {
        let args = ["simulate", "--scenario", scenario, "--runs", runs, "--runs-per-file", per_file, "--out", s(&out)];
        assert_eq!(wl1_in(dir, 120, &args).code, Some(0));
    }
    let simulate = |name: &str, args: &[&str]| {
        let folder = dir.join(name);
        let mut all = vec!["simulate", "--out", s(&folder)];
        all.extend(args);
        assert_eq!(wl1_in(dir, 120, &all).code, Some(0));
        folder
    };
    let baseline = simulate("baseline", &["--runs", "30", "--runs-per-file", "10", "--seed", "1000"]);
    let lossy = simulate("lossy", &["--runs", "30", "--scenario", "chaos", "--variant", "lossy-kafka"]);
    let explored = simulate("explored", &["--runs", "12", "--runs-per-file", "6", "--explore"]);
    let summary_path = dir.join("lossy.json");
    let ran = wl1_in(dir, 120, &["analyze", s(&lossy), "--summary", s(&summary_path)]);
    assert_eq!(ran.code, Some(1), "the lossy runs violate the specification: {}", ran.stderr);
    let summary = serde_json::from_slice(&fs::read(&summary_path).unwrap()).unwrap();
    let json_totals = |path: &Path| totals(&wl1_in(dir, 120, &["analyze", "--format", "json", s(path)]));
    Corpus {
        totals: json_totals(&out),
        dir: out,
        baseline_totals: json_totals(&baseline),
        baseline,
        summary,
        explored,
        explored_runs_per_file: 6,
    }
}

/// The totals of `analyze --format json`: runs and violating runs.
fn totals(ran: &Ran) -> (u64, u64) {
    let json: serde_json::Value =
        serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", ran.stdout, ran.stderr));
    (json["runs"].as_u64().unwrap(), json["violating_runs"].as_u64().unwrap())
}

/// A summary of violating chaos runs, edited at one random figure
/// (a count set to 0, 1, one more or less, 2^63 or 2^64 - 1; a name or a
/// list entry changed), analyzed beside the baseline traces: no panic, and
/// either the edit is taken as a consistent summary, or it is named as
/// damaged and the baseline runs give the verdict they give alone.
fn forged_summary(rng: &mut Rng, corpus: &Corpus, scratch: &Path, counts: &mut Counts) {
    let mut json = corpus.summary.clone();
    let mut leaves = Vec::new();
    numbers(&json, String::new(), &mut leaves);
    for _ in 0..1 + rng.below(2) {
        let pointer = &leaves[rng.below(leaves.len() as u64) as usize];
        let value = json.pointer_mut(pointer).unwrap();
        let old = value.as_u64().unwrap_or(0);
        *value = match rng.below(7) {
            0 => 0.into(),
            1 => 1.into(),
            2 => (old + 1).into(),
            3 => old.saturating_sub(1).into(),
            4 => (1u64 << 63).into(),
            5 => u64::MAX.into(),
            _ => "\u{1b}[2J".into(),
        };
    }
    let path = scratch.join("forged-summary.json");
    fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let ran = wl1_in(scratch, 60, &["analyze", "--format", "json", s(&path), s(&corpus.baseline)]);
    ran.sane("analyze of a forged summary");
    assert!(!ran.stderr.contains('\u{1b}') && !ran.stdout.contains('\u{1b}'), "a terminal escape echoed");
    counts.forged_summaries += 1;
    if json == corpus.summary {
        return;
    }
    if ran.code == Some(2) {
        assert!(said(&ran.stderr, "forged-summary.json"), "the damaged summary is not named:\n{}", ran.stderr);
        if said(&ran.stderr, "damaged") || said(&ran.stderr, "not a readable") || said(&ran.stderr, "beyond 2^64") {
            assert_eq!(totals(&ran), corpus.baseline_totals, "a damaged summary changed the verdict\n{}", ran.stderr);
        }
        counts.runs_checked += corpus.baseline_totals.0;
    }
}

/// The JSON pointers of every number in `value`.
fn numbers(value: &serde_json::Value, at: String, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Number(_) => found.push(at),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| numbers(v, format!("{at}/{i}"), found));
        }
        serde_json::Value::Object(fields) => {
            let escape = |k: &str| k.replace('~', "~0").replace('/', "~1");
            fields.iter().for_each(|(k, v)| numbers(v, format!("{at}/{}", escape(k)), found));
        }
        _ => {}
    }
}

/// Two or three `analyze` writing every output into one folder at once,
/// links planted where temporary files could go (pointing outside it),
/// some stopped by a signal: nothing is written outside, and every table
/// and summary published reads back.
fn hostile_outputs(rng: &mut Rng, corpus: &Corpus, scratch: &Path, counts: &mut Counts) {
    let out = scratch.join("outputs");
    let outside = scratch.join("outside");
    let _ = fs::remove_dir_all(&out);
    let _ = fs::remove_dir_all(&outside);
    fs::create_dir_all(out.join("tables")).unwrap();
    fs::create_dir(&outside).unwrap();
    for name in ["summary.json", "page.html", "tables/runs.parquet", "tables/records.parquet"] {
        let (folder, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
        let planted = out.join(folder).join(format!(".{file}.partial"));
        let _ = std::os::unix::fs::symlink(outside.join(format!("victim-{}", rng.below(1000))), planted);
    }
    let (summary, page, tables) = (out.join("summary.json"), out.join("page.html"), out.join("tables"));
    let args =
        ["analyze", s(&corpus.dir), "--summary", s(&summary), "--html", s(&page), "--export", s(&tables), "-j", "1"];
    let mut started = Vec::new();
    for _ in 0..2 + rng.below(2) {
        started.push((start(&args, scratch), rng.below(4)));
        std::thread::sleep(Duration::from_millis(rng.below(50)));
    }
    std::thread::sleep(Duration::from_millis(rng.below(600)));
    for (writer, fate) in &started {
        match fate {
            0 => writer.signal(libc::SIGTERM),
            1 => writer.signal(libc::SIGKILL),
            _ => {}
        }
    }
    for (writer, fate) in started {
        let ran = writer.finish(120);
        if ran.code.is_some() {
            ran.sane("a concurrent analyze");
        } else {
            assert!(fate < 2, "died by a signal it was not sent: {}", ran.stderr);
        }
    }
    counts.hostile_outputs += 1;
    assert!(entries(&outside).is_empty(), "written outside the output folder: {:?}", entries(&outside));
    if summary.exists() {
        let ran = wl1_in(scratch, 60, &["analyze", "--format", "json", s(&summary)]);
        ran.sane("analyze of a published summary");
        assert_eq!(totals(&ran), corpus.totals, "a published summary does not read back:\n{}", ran.stderr);
    }
    for table in ["runs", "records", "violations"] {
        use wl1_analysis::polars::prelude::{ParquetReader, SerReader};
        let Ok(file) = fs::File::open(tables.join(format!("{table}.parquet"))) else { continue };
        let frame = ParquetReader::new(file).finish().unwrap_or_else(|e| panic!("{table}.parquet is corrupt: {e}"));
        if table == "runs" {
            assert_eq!(frame.height() as u64, corpus.totals.0);
        }
    }
}

/// A trace of the corpus whose header spec has one field forged (with a
/// valid checksum): analyze and replay neither panic nor hang; the spec is
/// refused as damage, or taken as another group's (all its runs counted).
fn forged_spec(rng: &mut Rng, corpus: &Corpus, scratch: &Path, counts: &mut Counts) {
    let dir = scratch.join("forged-spec");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir(&dir).unwrap();
    let names = entries(&corpus.baseline);
    let name = &names[rng.below(names.len() as u64) as usize];
    let bytes = fs::read(corpus.baseline.join(name)).unwrap();
    let big = [0, 1, 2, 1000, 1001, u64::MAX, 1 << 40][rng.below(7) as usize];
    let float = [0.0, -1.0, 1e-300, 1e77, f64::NAN, f64::INFINITY, 2.0][rng.below(7) as usize];
    let which = rng.below(8);
    let forged = forge_spec(&bytes, |spec| match which {
        0 => spec.options.batch_size = big as u32,
        1 => spec.options.time_bound = big,
        2 => spec.options.linger = Some(big),
        3 => spec.profile.service_us.kafka = [big, rng.below(5000)],
        4 => spec.profile.speed_factor = [float, float.abs() * 2.0],
        5 => spec.profile.tail.probability = float,
        6 => spec.profile.pause.every_ms = big,
        _ => spec.explore = !spec.explore,
    });
    let file = dir.join(name);
    fs::write(&file, forged).unwrap();
    counts.forged_specs += 1;
    let seed = name.rsplit('-').nth(1).unwrap().to_string();
    let replay = wl1_in(scratch, 60, &["replay", "--from", s(&file), "--seed", &seed]);
    replay.sane("replay of a forged spec");
    let ran = wl1_in(scratch, 60, &["analyze", "--format", "json", s(&dir)]);
    ran.sane("analyze of a forged spec");
    let (runs, _) = readable_runs(&dir);
    match ran.code {
        Some(2) => assert!(said(&ran.stderr, name), "the forged file is not named:\n{}", ran.stderr),
        _ => assert_eq!(totals(&ran).0, runs, "runs of a valid forged spec lost"),
    }
}

/// An explored trace whose first run claims another seed (its environment
/// then of no seed it draws): named as damage, the other runs counted.
fn forged_environment(rng: &mut Rng, corpus: &Corpus, scratch: &Path, counts: &mut Counts) {
    let dir = scratch.join("forged-environment");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir(&dir).unwrap();
    let names = entries(&corpus.explored);
    let name = &names[rng.below(names.len() as u64) as usize];
    let bytes = fs::read(corpus.explored.join(name)).unwrap();
    let shift = 1 + rng.below(200) as u8;
    let forged = forge_first_payload(&bytes, |payload| {
        let mut forged = payload.to_vec();
        forged[0] = (forged[0] + shift) % 251;
        forged
    });
    fs::write(dir.join(name), forged).unwrap();
    counts.forged_environments += 1;
    let ran = wl1_in(scratch, 60, &["analyze", "--format", "json", s(&dir)]);
    ran.fails_with("an environment of another seed", &[name, "environment its seed does not draw"]);
    assert_eq!(totals(&ran).0, corpus.explored_runs_per_file - 1, "the other runs are counted");
    counts.runs_checked += corpus.explored_runs_per_file - 1;
}

/// Damages one file of a copy of the corpus and analyzes the copy.
fn damaged_file(rng: &mut Rng, corpus: &Path, scratch: &Path, counts: &mut Counts) {
    let dir = scratch.join("damaged");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir(&dir).unwrap();
    let names = entries(corpus);
    for name in &names {
        fs::copy(corpus.join(name), dir.join(name)).unwrap();
    }
    let victim = dir.join(&names[rng.below(names.len() as u64) as usize]);
    let original = fs::read(&victim).unwrap();
    let mut bytes = original.clone();
    match rng.below(3) {
        0 => {
            bytes.truncate(rng.below(bytes.len() as u64) as usize);
            counts.truncations += 1;
        }
        1 => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len() as u64) as usize;
                bytes[at] ^= 1 << rng.below(8);
            }
            counts.flips += 1;
        }
        _ => {
            forge_a_count(rng, &mut bytes);
            counts.forged_counts += 1;
        }
    }
    fs::write(&victim, &bytes).unwrap();
    let ran = analyze_counts_every_run(&dir, scratch, counts);
    let tool = 12..12 + u16::from_le_bytes([original[10], original[11]]) as usize;
    let damaged = bytes.len() != original.len()
        || bytes.iter().zip(&original).enumerate().any(|(i, (a, b))| a != b && !tool.contains(&i));
    if damaged {
        assert_eq!(ran.code, Some(2), "damage not reported as an error:\n{}", ran.stderr);
        let name = victim.file_name().unwrap().to_str().unwrap();
        assert!(said(&ran.stderr, name), "the damaged file is not named:\n{}", ran.stderr);
    }
}

/// Replaces a count the reader must not believe with a random one, keeping
/// any checksum over it valid: a frame's length, the trailer's run count,
/// the header's spec length, or a run's event count.
fn forge_a_count(rng: &mut Rng, bytes: &mut Vec<u8>) {
    let header_len = {
        let spec_at = 12 + u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
        spec_at + 8 + u32::from_le_bytes(bytes[spec_at..spec_at + 4].try_into().unwrap()) as usize
    };
    let forged = match rng.below(3) {
        0 => rng.next() as u32,
        1 => (rng.below(512) as u32) << 20,
        _ => rng.below(1 << 16) as u32,
    };
    match rng.below(4) {
        0 => bytes[header_len + 1..header_len + 5].copy_from_slice(&forged.to_le_bytes()),
        1 => {
            let at = bytes.len() - 12;
            let count = u64::from(forged).to_le_bytes();
            bytes[at..at + 8].copy_from_slice(&count);
            bytes[at + 8..].copy_from_slice(&crc32(&count).to_le_bytes());
        }
        2 => {
            let spec_at = 12 + u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
            bytes[spec_at..spec_at + 4].copy_from_slice(&forged.to_le_bytes());
        }
        _ => {
            // The first run's payload: seed and outcome, then the event
            // count; a forged count in bincode's varint (u32 form), with
            // the frame's length and checksum made to match.
            let len = u32::from_le_bytes(bytes[header_len + 1..header_len + 5].try_into().unwrap()) as usize;
            let payload = bytes[header_len + 9..header_len + 9 + len].to_vec();
            let Some(count_at) = event_count_offset(&payload) else { return };
            let width = varint_len(payload[count_at]);
            let forged = if u64::from(forged) == varint_value(&payload[count_at..]) { forged + 1 } else { forged };
            let mut forged_payload = payload[..count_at].to_vec();
            forged_payload.push(252);
            forged_payload.extend_from_slice(&forged.to_le_bytes());
            forged_payload.extend_from_slice(&payload[count_at + width..]);
            let mut frame = vec![b'R'];
            frame.extend_from_slice(&(forged_payload.len() as u32).to_le_bytes());
            frame.extend_from_slice(&crc32(&forged_payload).to_le_bytes());
            frame.extend_from_slice(&forged_payload);
            bytes.splice(header_len..header_len + 9 + len, frame);
        }
    }
}

/// Bytes taken by the bincode varint that starts with `first`.
fn varint_len(first: u8) -> usize {
    match first {
        0..=250 => 1,
        251 => 3,
        252 => 5,
        _ => 9,
    }
}

/// The value of the bincode varint at the start of `bytes`.
fn varint_value(bytes: &[u8]) -> u64 {
    let width = varint_len(bytes[0]);
    if width == 1 {
        return u64::from(bytes[0]);
    }
    let mut value = [0u8; 8];
    value[..width - 1].copy_from_slice(&bytes[1..width]);
    u64::from_le_bytes(value)
}

/// Where the event count starts in a run's payload: after the seed and
/// the outcome (kind, end time, message events), four varints.
fn event_count_offset(payload: &[u8]) -> Option<usize> {
    let mut at = 0;
    for _ in 0..4 {
        at += varint_len(*payload.get(at)?);
    }
    (at < payload.len()).then_some(at)
}

/// Two to four `simulate` processes into one folder, on overlapping seeds,
/// some stopped by a signal at a random moment.
fn concurrent_writers(rng: &mut Rng, scratch: &Path, counts: &mut Counts) {
    let dir = scratch.join("concurrent");
    let _ = fs::remove_dir_all(&dir);
    let writers = 2 + rng.below(3);
    let mut started = Vec::new();
    for _ in 0..writers {
        let seed = (100 * rng.below(3)).to_string();
        let runs = (200 + 100 * rng.below(10)).to_string();
        let args =
            ["simulate", "--seed", &seed, "--runs", &runs, "--runs-per-file", "100", "--jobs", "1", "--out", s(&dir)];
        started.push((start(&args, scratch), rng.below(4)));
        std::thread::sleep(Duration::from_millis(rng.below(100)));
        counts.concurrent_writers += 1;
    }
    std::thread::sleep(Duration::from_millis(rng.below(400)));
    for (writer, fate) in &started {
        match fate {
            0 => writer.signal(libc::SIGTERM),
            1 => writer.signal(libc::SIGKILL),
            _ => {}
        }
    }
    let killed = started.iter().filter(|(_, fate)| *fate == 1).count();
    for (writer, _) in started {
        let ran = writer.finish(120);
        if ran.code.is_some() {
            ran.sane("a concurrent writer");
        }
    }
    // A process killed with SIGKILL cannot clean up: its temporary file may
    // stay, which no reader takes for a trace. Every other one is gone.
    let partial = entries(&dir).iter().filter(|n| n.ends_with(".partial")).count();
    assert!(partial <= killed, "{partial} temporary files left by {killed} killed writers");
    let (_, clean) = readable_runs(&dir);
    assert!(clean, "a complete-looking file in {} is damaged", dir.display());
    analyze_counts_every_run(&dir, scratch, counts);
}

/// One `simulate`, interrupted at a random moment, sometimes inside a run
/// that would never end by itself.
fn signal(rng: &mut Rng, scratch: &Path, counts: &mut Counts) {
    let dir = scratch.join("signalled");
    let _ = fs::remove_dir_all(&dir);
    let runaway = rng.below(4) == 0;
    let (drill, zero) = (repo_file("drills/runaway.toml"), repo_file("fixtures/zero-latency.toml"));
    let runs = (500 + rng.below(4500)).to_string();
    let per_file = (100 + rng.below(900)).to_string();
    let jobs = (1 + rng.below(2)).to_string();
    let mut args = vec!["simulate", "--runs", &runs, "--runs-per-file", &per_file, "--jobs", &jobs, "--out", s(&dir)];
    if runaway {
        args.extend(["--scenario", &drill, "--profile", &zero]);
    }
    let running = start(&args, scratch);
    std::thread::sleep(Duration::from_millis(rng.below(800)));
    let signalled = Instant::now();
    running.signal(if rng.below(2) == 0 { libc::SIGTERM } else { libc::SIGINT });
    counts.signals += 1;
    let ran = running.finish(60);
    if ran.code.is_none() {
        // The signal came before wl1 set its handler: nothing was written yet.
        assert!(readable_runs(&dir).0 == 0 && entries(&dir).iter().all(|n| !n.ends_with(".partial")));
        return;
    }
    ran.sane("simulate, signalled");
    assert!(signalled.elapsed() < Duration::from_secs(10), "{:?} to stop after the signal", signalled.elapsed());
    no_partial_files(&dir);
    let (readable, clean) = readable_runs(&dir);
    assert!(clean);
    if ran.code == Some(2) {
        assert!(said(&ran.stderr, "interrupted: "), "{}", ran.stderr);
        assert_eq!(saved_runs(&ran.stderr), readable, "{}", ran.stderr);
    }
    analyze_counts_every_run(&dir, scratch, counts);
}

/// A tmpfs of 1 MiB, mounted for the campaign and unmounted after it.
struct TinyDisk(PathBuf);

impl TinyDisk {
    fn mount(at: &Path) -> Option<Self> {
        fs::create_dir_all(at).ok()?;
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs", s(at)])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        mounted.then(|| Self(at.to_owned()))
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

/// `simulate` into a disk that fills: a clear error that says what was
/// saved, no temporary file left, every saved run readable.
fn full_disk(rng: &mut Rng, disk: &TinyDisk, scratch: &Path, counts: &mut Counts) {
    let dir = disk.0.join("traces");
    let _ = fs::remove_dir_all(&dir);
    let runs = (100 + rng.below(2000)).to_string();
    let per_file = (20 + rng.below(200)).to_string();
    let ran = wl1_in(scratch, 120, &["simulate", "--runs", &runs, "--runs-per-file", &per_file, "--out", s(&dir)]);
    ran.sane("simulate onto a full disk");
    counts.full_disks += 1;
    no_partial_files(&dir);
    let (readable, clean) = readable_runs(&dir);
    assert!(clean);
    if ran.code == Some(2) {
        assert!(said(&ran.stderr, "No space left on device"), "{}", ran.stderr);
        assert_eq!(saved_runs(&ran.stderr), readable, "{}", ran.stderr);
    }
    analyze_counts_every_run(&dir, scratch, counts);
}

#[test]
fn randomized_red_team() {
    let seconds: u64 = std::env::var("WL1_ADVERSARIAL_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let scratch = tempfile::tempdir().unwrap();
    let corpus = corpus(scratch.path());
    let traces = corpus.dir.clone();
    let disk = TinyDisk::mount(&scratch.path().join("tiny"));
    if disk.is_none() {
        eprintln!("cannot mount a tmpfs here (not root, or no mount): the full-disk cases are skipped");
    }
    let mut rng = Rng(std::env::var("WL1_ADVERSARIAL_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(11));
    let mut counts = Counts::default();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    // Every kind once, then at random until the deadline.
    let mut kinds = 0..8u64;
    loop {
        let kind = match kinds.next() {
            Some(kind) => kind,
            None if Instant::now() < deadline => rng.below(12).min(8),
            None => break,
        };
        match kind {
            0 | 8 => damaged_file(&mut rng, &traces, scratch.path(), &mut counts),
            1 => concurrent_writers(&mut rng, scratch.path(), &mut counts),
            2 => signal(&mut rng, scratch.path(), &mut counts),
            3 => match &disk {
                Some(disk) => full_disk(&mut rng, disk, scratch.path(), &mut counts),
                None => damaged_file(&mut rng, &traces, scratch.path(), &mut counts),
            },
            4 => forged_summary(&mut rng, &corpus, scratch.path(), &mut counts),
            5 => hostile_outputs(&mut rng, &corpus, scratch.path(), &mut counts),
            6 => forged_spec(&mut rng, &corpus, scratch.path(), &mut counts),
            _ => forged_environment(&mut rng, &corpus, scratch.path(), &mut counts),
        }
        counts.cases += 1;
    }
    drop(disk);
    println!(
        "red team, {seconds} s: {counts:?}; no panic, no hang, no run lost or counted twice, no write outside \
         the output folder, no verdict changed by a damaged input"
    );
    assert!(counts.cases >= 8 && counts.runs_checked > 0, "{counts:?}");
}
