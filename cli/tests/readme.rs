//! The README's examples are real output: every ```console block is run,
//! in a directory of its own (where `docs/` is the repository's, for the
//! example files it holds), and what it shows under each command must be
//! what the command prints (its commands run in `sh`, with this build's
//! `wl1` first on the PATH). A line `...` stands for lines left out; a line
//! ending in ` ...` for the rest of a line (a wall time, say). The output
//! of the Python example that reads an export with polars is computed here
//! with polars' Rust API, from the same export.
//!
//! After a change that alters the output on purpose, `WL1_BLESS=1 cargo test
//! --release --test readme` rewrites the shown lines from what the binary
//! prints, keeping each `...` where it was (a run of shown lines is found
//! again by its first line, figures aside); then read the README's prose
//! around the examples again, since it explains what they show.

mod support;

use std::path::Path;
use std::process::Command;

use wl1_analysis::polars::prelude::*;

/// One command of a block, and the output the README shows for it.
struct Example {
    command: String,
    shown: Vec<String>,
}

/// The ```console blocks of `readme`.
fn console_blocks(readme: &str) -> Vec<Vec<Example>> {
    let mut blocks = Vec::new();
    for block in readme.split("```console\n").skip(1).map(|b| b.split("\n```").next().unwrap()) {
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

/// What a command printed, and how it ended.
struct Printed {
    stdout: String,
    /// Its exit status and the end of its standard error, to say why an
    /// example printed something else (a full disk, say).
    ending: String,
}

fn run(dir: &Path, command: &str) -> Printed {
    let bin = support::binary();
    let path = format!("{}:{}", bin.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("sh").arg("-c").arg(command).current_dir(dir).env("PATH", path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{command}");
    let lines: Vec<&str> = stderr.lines().collect();
    let tail = &lines[lines.len().saturating_sub(5)..];
    Printed {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        ending: format!("--- {}, its standard error ending:\n{}", out.status, tail.join("\n")),
    }
}

/// A directory of its own for a block's commands, in the build's target
/// folder: the comparisons of every architecture write gigabytes of traces,
/// which a small /tmp may not hold, while the target folder holds the build.
fn workdir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

#[test]
fn the_readme_examples_are_what_the_binary_prints() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap();
    let blocks = console_blocks(&readme);
    assert!(blocks.len() >= 5, "the README's examples were found: {}", blocks.len());
    let bless = std::env::var_os("WL1_BLESS").is_some();
    let mut wrong = Vec::new();
    let (mut blessed, mut cursor, mut unblessed) = (String::new(), 0, Vec::new());
    for examples in blocks {
        let dir = workdir();
        std::os::unix::fs::symlink(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs"), dir.path().join("docs"))
            .unwrap();
        for example in examples {
            let Printed { stdout, ending } = run(dir.path(), &example.command);
            let printed: Vec<&str> = stdout.lines().collect();
            let Err(e) = matches(&example.shown, &printed) else { continue };
            wrong.push(format!("$ {}\n{e}\n--- printed:\n{}\n{ending}", example.command, printed.join("\n")));
            let command = last_line(&example.command);
            let old = format!("{command}\n{}\n", example.shown.join("\n"));
            let at = cursor + readme[cursor..].find(&old).expect("an example is found again");
            blessed += &readme[cursor..at];
            match reshown(&example.shown, &printed) {
                Ok(lines) => blessed += &format!("{command}\n{}\n", lines.join("\n")),
                Err(why) => {
                    unblessed.push(format!("$ {}: {why}; rewrite it by hand", example.command));
                    blessed += &old;
                }
            }
            cursor = at + old.len();
        }
    }
    blessed += &readme[cursor..];
    let (shown, computed) = polars_example(&readme);
    if shown != computed {
        wrong.push(format!("the polars example's output is now:\n{computed}"));
        blessed = blessed.replace(&shown, &computed);
    }
    if bless {
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"), blessed).unwrap();
        assert!(unblessed.is_empty(), "{}", unblessed.join("\n"));
        return;
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// The output the README shows for its Python example (the ```text block
/// after the ```python one), and that output computed from the export of
/// 10,000 baseline runs, as polars prints it.
fn polars_example(readme: &str) -> (String, String) {
    let after = readme.split("```python\n").nth(1).expect("a Python example");
    let shown = after.split("```text\n").nth(1).unwrap().split("```").next().unwrap().to_string();
    assert!(after.contains("export/runs.parquet"), "the example reads the export");
    let dir = workdir();
    let exported = run(dir.path(), "wl1 simulate --runs 10000 > /dev/null && wl1 analyze --export export > /dev/null");
    assert!(dir.path().join("export").is_dir(), "the export was written\n{}", exported.ending);
    (shown, first_runs(&dir.path().join("export")) + &p99_by_region(&dir.path().join("export")))
}

fn read_table(dir: &Path, table: &str) -> DataFrame {
    let file = std::fs::File::open(dir.join(format!("{table}.parquet"))).unwrap();
    ParquetReader::new(file).finish().unwrap()
}

/// `runs.select("run", "seed", "group", "outcome", "end_us").head(3)`.
fn first_runs(export: &Path) -> String {
    let runs = read_table(export, "runs").select(["run", "seed", "group", "outcome", "end_us"]).unwrap().head(Some(3));
    printed(&runs)
}

/// The records per arrival region and their 99th percentile of latency
/// (`quantile(0.99)`, whose default in Python is the nearest value).
fn p99_by_region(export: &Path) -> String {
    let latency = (col("destination-received.us") - col("published.us")).cast(DataType::Float64) / lit(1000.0);
    let frame = read_table(export, "records")
        .lazy()
        .with_columns([latency.alias("latency_ms")])
        .group_by([col("destination-received.region").alias("region")])
        .agg([len().alias("records"), col("latency_ms").quantile(lit(0.99), QuantileMethod::Nearest).alias("p99_ms")])
        .sort(["region"], SortMultipleOptions::default())
        .collect()
        .unwrap();
    printed(&frame)
}

/// A frame as Python's polars prints it: its shape, then a table of
/// its columns (name, dtype) and values, strings cut at 30 characters.
fn printed(frame: &DataFrame) -> String {
    let columns: Vec<Vec<String>> = frame
        .columns()
        .iter()
        .map(|c| {
            let values = (0..frame.height()).map(|i| value(&c.get(i).unwrap()));
            [c.name().to_string(), "---".into(), dtype(c.dtype()).into()].into_iter().chain(values).collect()
        })
        .collect();
    let widths: Vec<usize> = columns.iter().map(|c| c.iter().map(|v| v.chars().count()).max().unwrap()).collect();
    let rule = |left: &str, fill: &str, middle: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|&w| fill.repeat(w + 2)).collect();
        format!("{left}{}{right}\n", parts.join(middle))
    };
    let row = |i: usize| {
        let cells: Vec<String> = columns.iter().zip(&widths).map(|(c, &w)| format!(" {:<w$} ", c[i])).collect();
        format!("│{}│\n", cells.join("┆"))
    };
    let mut out = format!("shape: ({}, {})\n", frame.height(), frame.width());
    out += &rule("┌", "─", "┬", "┐");
    (0..3).for_each(|i| out += &row(i));
    out += &rule("╞", "═", "╪", "╡");
    (3..3 + frame.height()).for_each(|i| out += &row(i));
    out + &rule("└", "─", "┴", "┘")
}

fn dtype(dtype: &DataType) -> &'static str {
    match dtype {
        DataType::UInt32 => "u32",
        DataType::UInt64 => "u64",
        DataType::Int64 => "i64",
        DataType::Float64 => "f64",
        DataType::String => "str",
        other => panic!("the example prints no {other}"),
    }
}

fn value(v: &AnyValue) -> String {
    match v {
        AnyValue::String(s) if s.chars().count() > 30 => s.chars().take(30).chain(['…']).collect(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => value(&AnyValue::String(s.as_str())),
        AnyValue::Float64(f) => format!("{f}"),
        other => other.to_string(),
    }
}

/// The last line of a command as the README writes it (`$ ` or `> ` first).
fn last_line(command: &str) -> String {
    match command.rsplit_once('\n') {
        Some((_, last)) => format!("> {last}"),
        None => format!("$ {command}"),
    }
}

/// A line's shape: its words with every number and digest as `#`, so that
/// a line is found again whatever its figures ("12,345 runs" is "1 runs").
fn shape(line: &str) -> String {
    let word = |w: &str| -> String {
        let hex = w.len() >= 8 && w.chars().filter(|c| c.is_ascii_hexdigit()).count() >= 8;
        if hex {
            return "#".into();
        }
        let mut out = String::new();
        let mut in_number = false;
        for c in w.chars() {
            let numeric = c.is_ascii_digit() || (in_number && matches!(c, ',' | '.'));
            if !numeric {
                out.push(c);
            } else if !in_number {
                out.push('#');
            }
            in_number = numeric;
        }
        out
    };
    line.split_whitespace().map(word).collect::<Vec<_>>().join(" ")
}

/// `shown` with each run of lines between two `...` replaced by the lines
/// printed where its first line is found again, its figures, digests and
/// spacing aside; the last run, when nothing is left out after it, by every
/// line printed from there on. A run not found again is an error naming it.
fn reshown(shown: &[String], printed: &[&str]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut from = 0;
    let runs: Vec<&[String]> = shown.split(|l| l == "...").collect();
    for (i, run) in runs.iter().enumerate() {
        if i > 0 {
            out.push("...".to_string());
        }
        let Some(first) = run.first() else { continue };
        let like_first = |line: &str| match first.strip_suffix(" ...") {
            Some(start) => shape(line).starts_with(&shape(start)),
            None => shape(line) == shape(first),
        };
        let found = if i == 0 {
            printed.first().is_some_and(|line| like_first(line)).then_some(0)
        } else {
            (from..printed.len()).find(|&at| like_first(printed[at]))
        };
        let Some(at) = found else {
            return Err(format!("no printed line has the shape of {first:?}"));
        };
        let to_the_end = i + 1 == runs.len();
        let end = if to_the_end { printed.len() } else { (at + run.len()).min(printed.len()) };
        for (k, line) in printed[at..end].iter().enumerate() {
            let kept = run.get(k).filter(|l| l.ends_with(" ..."));
            out.push(kept.cloned().unwrap_or_else(|| line.to_string()));
        }
        from = end;
    }
    Ok(out)
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

#[test]
fn blessing_rewrites_figures_and_whole_tails_and_refuses_what_it_cannot_find() {
    let shown = |text: &str| text.lines().map(String::from).collect::<Vec<_>>();
    assert_eq!(shape("1,938 of 10,000 runs in 0.5 s"), shape("12 of 300 runs in 12.25 s"));
    assert_ne!(shape("1 of 3 runs"), shape("1 of 3 seeds"));
    let grown = reshown(&shown("a 1\nb 2"), &["a 10", "b 20", "c 30"]).unwrap();
    assert_eq!(grown, ["a 10", "b 20", "c 30"]);
    let middle = reshown(&shown("a 1\n...\nc 3\n...\nwall ..."), &["a 1", "b", "c 4", "d", "wall 9 s"]).unwrap();
    assert_eq!(middle, ["a 1", "...", "c 4", "...", "wall ..."]);
    assert!(reshown(&shown("a\n...\nz"), &["a", "b"]).is_err());
}
