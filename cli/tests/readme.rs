//! The README's examples are real output: every ```console block whose
//! first command is `wl1 ...` is run, in a directory of its own, and what
//! it shows under each command must be what the binary prints. A line
//! `...` stands for lines left out; a line ending in ` ...` for the rest of
//! a line (a wall time, say).
//!
//! After a change that alters the output on purpose, `WL1_BLESS=1 cargo test
//! --release --test readme` rewrites the shown lines from what the binary
//! prints, keeping each `...` where it was (a run of shown lines is found
//! again by its first line, figures aside); then read the README's prose
//! around the examples again, since it explains what they show.

mod support;

use std::path::Path;
use std::process::Command;

/// One command of a block, and the output the README shows for it.
struct Example {
    command: String,
    shown: Vec<String>,
}

/// The ```console blocks of `readme` that start with `$ wl1`.
fn console_blocks(readme: &str) -> Vec<Vec<Example>> {
    let mut blocks = Vec::new();
    for block in readme.split("```console\n").skip(1).map(|b| b.split("\n```").next().unwrap()) {
        if !block.starts_with("$ wl1") {
            continue;
        }
        let mut examples: Vec<Example> = Vec::new();
        for line in block.lines() {
            match (line.strip_prefix("$ "), line.strip_prefix("> "), examples.last_mut()) {
                (Some(command), _, _) => examples.push(Example { command: command.into(), shown: vec![] }),
                (_, Some(more), Some(last)) if last.shown.is_empty() => {
                    last.command = format!("{}\n{more}", last.command);
                }
                (_, _, Some(last)) => last.shown.push(line.into()),
                _ => unreachable!("a block starts with a command"),
            }
        }
        blocks.push(examples);
    }
    blocks
}

/// Whether `shown` is `printed` with lines left out where it says `...`:
/// each run of lines between two `...` is found whole, in order.
fn matches(shown: &[String], printed: &[&str]) -> Result<(), String> {
    let same = |s: &str, p: &str| match s.strip_suffix(" ...") {
        Some(start) => p.starts_with(start),
        None => s == p,
    };
    let mut from = 0;
    let runs: Vec<&[String]> = shown.split(|l| l == "...").collect();
    for (i, run) in runs.iter().enumerate() {
        if run.is_empty() {
            continue;
        }
        let fits = |at: usize| run.iter().enumerate().all(|(k, s)| printed.get(at + k).is_some_and(|p| same(s, p)));
        let at = if i == 0 { (from == 0 && fits(0)).then_some(0) } else { (from..printed.len()).find(|&at| fits(at)) };
        let Some(at) = at else {
            return Err(format!("not printed as shown:\n{}", run.join("\n")));
        };
        from = at + run.len();
    }
    if runs.last().is_some_and(|r| !r.is_empty()) && from != printed.len() {
        return Err(format!("printed more than shown, from line {from} on: {:?}", &printed[from..]));
    }
    Ok(())
}

fn run(dir: &Path, command: &str) -> String {
    let bin = support::binary();
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh").arg("-c").arg(command).current_dir(dir).env("PATH", path).output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{command}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_readme_examples_are_what_the_binary_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let blocks = console_blocks(&readme);
    assert!(blocks.len() >= 5, "the README's examples were found: {}", blocks.len());
    let bless = std::env::var_os("WL1_BLESS").is_some();
    let mut wrong = Vec::new();
    let (mut blessed, mut cursor) = (String::new(), 0);
    for examples in blocks {
        let dir = tempfile::tempdir().unwrap();
        for example in examples {
            let printed = run(dir.path(), &example.command);
            let printed: Vec<&str> = printed.lines().collect();
            let Err(e) = matches(&example.shown, &printed) else { continue };
            wrong.push(format!("$ {}\n{e}\n--- printed:\n{}", example.command, printed.join("\n")));
            let command = last_line(&example.command);
            let old = format!("{command}\n{}\n", example.shown.join("\n"));
            let at = cursor + readme[cursor..].find(&old).expect("an example is found again");
            blessed += &readme[cursor..at];
            blessed += &format!("{command}\n{}\n", reshown(&example.shown, &printed).join("\n"));
            cursor = at + old.len();
        }
    }
    if bless {
        blessed += &readme[cursor..];
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"), blessed).unwrap();
        return;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// The last line of a command as the README writes it (`$ ` or `> ` first).
fn last_line(command: &str) -> String {
    match command.rsplit_once('\n') {
        Some((_, last)) => format!("> {last}"),
        None => format!("$ {command}"),
    }
}

/// `shown` with each run of lines between two `...` replaced by the lines
/// printed where its first line is found again, its figures, digests and
/// spacing aside; a run not found again is kept.
fn reshown(shown: &[String], printed: &[&str]) -> Vec<String> {
    let shape = |line: &str| -> String {
        let words = line.split_whitespace().map(|w| {
            let hex = w.len() >= 8 && w.chars().filter(|c| c.is_ascii_hexdigit()).count() >= 8;
            if hex { "#".to_string() } else { w.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect() }
        });
        words.collect::<Vec<_>>().join(" ")
    };
    let mut out = Vec::new();
    let mut from = 0;
    for (i, run) in shown.split(|l| l == "...").enumerate() {
        if i > 0 {
            out.push("...".to_string());
        }
        let Some(first) = run.first() else { continue };
        let found = if i == 0 {
            (!printed.is_empty() && shape(printed[0]) == shape(first)).then_some(0)
        } else {
            (from..printed.len()).find(|&at| shape(printed[at]) == shape(first))
        };
        match found {
            Some(at) => {
                for (k, line) in run.iter().enumerate() {
                    let kept = line.ends_with(" ...") || at + k >= printed.len();
                    out.push(if kept { line.clone() } else { printed[at + k].to_string() });
                }
                from = at + run.len();
            }
            None => out.extend(run.iter().cloned()),
        }
    }
    out
}

#[test]
fn left_out_lines_are_only_skipped_where_the_readme_says_so() {
    let shown = |text: &str| text.lines().map(String::from).collect::<Vec<_>>();
    assert!(matches(&shown("a\n...\nc"), &["a", "b", "c"]).is_ok());
    assert!(matches(&shown("a\nc"), &["a", "b", "c"]).is_err());
    assert!(matches(&shown("a\n..."), &["a", "b"]).is_ok());
    assert!(matches(&shown("a"), &["a", "b"]).is_err());
    assert!(matches(&shown("wall ..."), &["wall time 1 s"]).is_ok());
    assert!(matches(&shown("b"), &["a", "b"]).is_err());
}
