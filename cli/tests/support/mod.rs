//! Running the `wl1` binary as an adversarial user would: with a deadline
//! (a hang is a failure, not a stuck test), output kept in files, and the
//! checks every command owes its user (no panic, exit 0, 1 or 2).
//!
//! `WL1_BIN` runs another build instead of this one's, for instance the
//! binary of an older commit, to see which cases it fails.

#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use wl1::trace::Spec;
use wl1::trace::format::decode_file_header;

pub fn binary() -> PathBuf {
    std::env::var_os("WL1_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_wl1")), PathBuf::from)
}

/// What a finished command left.
#[derive(Debug)]
pub struct Ran {
    /// The exit code; `None` if a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// Fails unless the exit code is 0, 1 or 2 and nothing panicked.
    pub fn sane(&self, what: &str) -> &Self {
        assert!(
            matches!(self.code, Some(0..=2)),
            "{what}: exit {:?} (101 is a panic, 134 an abort)\n{}",
            self.code,
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{what} panicked:\n{}", self.stderr);
        self
    }

    /// Fails unless the command failed cleanly (exit 2) saying every needle.
    pub fn fails_with(&self, what: &str, needles: &[&str]) -> &Self {
        self.sane(what);
        assert_eq!(self.code, Some(2), "{what}: expected exit 2\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        for needle in needles {
            assert!(said(&self.stderr, needle), "{what}: {needle:?} not in:\n{}", self.stderr);
        }
        self
    }

    /// The top-level `runs` of `analyze --format json`.
    pub fn json_runs(&self) -> u64 {
        let json: serde_json::Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\n{}", self.stdout, self.stderr));
        json["runs"].as_u64().unwrap_or_else(|| panic!("no runs in {json}"))
    }
}

/// Whether `text` says `needle`, whatever the line breaks: messages are
/// wrapped to fit 100 columns.
pub fn said(text: &str, needle: &str) -> bool {
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    squeeze(text).contains(&squeeze(needle))
}

/// A started command whose output goes to files in `dir`.
pub struct Started {
    pub child: Child,
    out: PathBuf,
    err: PathBuf,
}

static STARTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn start(args: &[&str], dir: &Path) -> Started {
    let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (out, err) = (dir.join(format!("stdout-{n}.txt")), dir.join(format!("stderr-{n}.txt")));
    let child = Command::new(binary())
        .args(args)
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .expect("wl1 starts");
    Started { child, out, err }
}

impl Started {
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on the pid of a child this test started and has not reaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, signal);
        }
    }

    /// Waits at most `seconds`; a command still running then is killed and
    /// the test fails: it hung.
    pub fn finish(mut self, seconds: u64) -> Ran {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("wl1 hung: still running after {seconds} s");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
        let ran = Ran { code: status.code(), stdout: read(&self.out), stderr: read(&self.err) };
        let _ = std::fs::remove_file(&self.out);
        let _ = std::fs::remove_file(&self.err);
        ran
    }
}

/// Runs `wl1 ARGS` to the end within `seconds`, its output kept in `dir`.
pub fn wl1_in(dir: &Path, seconds: u64, args: &[&str]) -> Ran {
    start(args, dir).finish(seconds)
}

/// The trace files and any other entries directly in `dir`, by name.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// A file of the repository's tests folder (`tests/drills/runaway.toml`).
pub fn repo_file(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests").join(path).to_string_lossy().into_owned()
}

/// CRC-32 (IEEE), bit by bit, to forge checksums as a forger would.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A trace file's header spec, decoded, and where its bytes are.
fn header_spec(bytes: &[u8]) -> (Spec, usize, usize) {
    let spec_at = 12 + u16::from_le_bytes([bytes[10], bytes[11]]) as usize;
    let len = u32::from_le_bytes(bytes[spec_at..spec_at + 4].try_into().unwrap()) as usize;
    (decode_file_header(bytes).unwrap().spec, spec_at, len)
}

/// The trace with its header's spec changed by `forge`, its length and
/// checksum made to match, as a forger would.
pub fn forge_spec(bytes: &[u8], forge: impl FnOnce(&mut Spec)) -> Vec<u8> {
    let (mut spec, spec_at, len) = header_spec(bytes);
    forge(&mut spec);
    let encoded = bincode::serde::encode_to_vec(&spec, bincode::config::standard()).unwrap();
    let mut out = bytes[..spec_at].to_vec();
    out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(&encoded).to_le_bytes());
    out.extend_from_slice(&encoded);
    out.extend_from_slice(&bytes[spec_at + 8 + len..]);
    out
}

/// The first run's frame: where its payload starts, and its length.
pub fn first_frame(bytes: &[u8]) -> (usize, usize) {
    let (_, spec_at, len) = header_spec(bytes);
    let frame_at = spec_at + 8 + len;
    let payload_len = u32::from_le_bytes(bytes[frame_at + 1..frame_at + 5].try_into().unwrap()) as usize;
    (frame_at + 9, payload_len)
}

/// The trace with its first run's payload replaced, its frame's length and
/// checksum made to match.
pub fn forge_first_payload(bytes: &[u8], forge: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let (payload_at, len) = first_frame(bytes);
    let payload = forge(&bytes[payload_at..payload_at + len]);
    let mut out = bytes[..payload_at - 8].to_vec();
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&bytes[payload_at + len..]);
    out
}

/// The Chromium of the system, if installed.
pub fn chromium() -> Option<PathBuf> {
    let candidates = ["chromium", "chromium-browser", "google-chrome"];
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| candidates.map(|c| dir.join(c))).find(|p| p.is_file())
}

/// Runs headless Chromium on `page` with `args`, with a profile of its
/// own; returns its standard output and error.
pub fn headless(browser: &Path, page: &Path, args: &[&str]) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}
