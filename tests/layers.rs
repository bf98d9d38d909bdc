//! The simulator library is a house of layers that depend one way, bottom to
//! top: engine, config (what decides a run), trace, model, scenario, run.
//! This test reads every source file, collects the `crate::` paths it names
//! (in `use` lines and inline, tests included) and fails on any that runs up.
//!
//! `WL1_PRINT_LAYERS=1 cargo test --test layers -- --nocapture` prints the
//! module graph drawn from those imports.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Bottom to top.
const LAYERS: [&str; 6] = ["engine", "config", "trace", "model", "scenario", "run"];

fn rank(layer: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == layer)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a source text names through `crate::`.
fn crate_modules(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            found.extend(group_heads(group));
        } else {
            found.insert(ident(rest));
        }
    }
    found.retain(|m| !m.is_empty());
    found
}

fn ident(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// The first identifier of each top-level item of a `{a, b::c, d::{e}}` group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = true;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => start = true,
            c if start && (c.is_alphanumeric() || c == '_') => {
                heads.push(ident(&group[i..]));
                start = false;
            }
            _ => {}
        }
    }
    heads
}

/// (layer of the file, layer it imports, file) for every import.
fn imports() -> Vec<(String, String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut edges = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let Some(layer) = relative.iter().next().and_then(|c| c.to_str()) else { continue };
        let layer = layer.trim_end_matches(".rs").to_string();
        if rank(&layer).is_none() {
            continue;
        }
        let text = fs::read_to_string(&file).unwrap();
        for module in crate_modules(&text) {
            if module != layer {
                edges.push((layer.clone(), module, relative.to_owned()));
            }
        }
    }
    edges
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let edges = imports();
    assert!(edges.iter().any(|(from, to, _)| from == "model" && to == "engine"), "the scan finds imports");
    let upward: Vec<String> = edges
        .iter()
        .filter(|(from, to, _)| match (rank(from), rank(to)) {
            (Some(f), Some(t)) => t > f,
            _ => true,
        })
        .map(|(from, to, file)| format!("src/{}: {from} imports crate::{to}", file.display()))
        .collect();
    if std::env::var_os("WL1_PRINT_LAYERS").is_some() {
        let graph: BTreeSet<(String, String)> = edges.iter().map(|(f, t, _)| (f.clone(), t.clone())).collect();
        for layer in LAYERS.iter().rev() {
            let below: Vec<&str> = graph.iter().filter(|(f, _)| f == layer).map(|(_, t)| t.as_str()).collect();
            println!("{layer:>8} -> {}", below.join(", "));
        }
    }
    assert!(upward.is_empty(), "imports that run up a layer:\n{}", upward.join("\n"));
}

#[test]
fn the_scan_reads_groups_and_inline_paths() {
    let text = "use crate::{engine::Time, model::{A, B}};\nlet x = crate::trace::Kind::Fail;";
    let found: Vec<String> = crate_modules(text).into_iter().collect();
    assert_eq!(found, ["engine", "model", "trace"]);
}
