//! Every package of the workspace is a house of layers that depend one way,
//! bottom to top, with the crate root (`lib.rs`, `main.rs`) on top:
//!
//! - the simulator (`src/`): engine, config (what decides a run), trace,
//!   model, scenario, steer, run, shrink;
//! - the analysis (`analysis/src/`): text and atomic files, the run types,
//!   the records' facts, the measures, the checks, the reading of runs, the
//!   output;
//! - the command line (`cli/src/`): progress, output and object storage,
//!   simulate, then analyze and replay, then shrink.
//!
//! This test reads every source file, collects the module paths it names
//! through `crate::` and `super::` (in `use` lines and inline, tests
//! included, comments left out) and fails on any that runs up a layer or
//! names the crate root, on a top-level module no layer holds, and on any
//! circle of imports between files.
//!
//! `WL1_PRINT_LAYERS=1 cargo test --release --test layers -- --nocapture`
//! prints the import map drawn from those paths.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A package: its source folder and its top-level modules, bottom to top;
/// the modules of one layer do not import each other.
struct Package {
    dir: &'static str,
    layers: &'static [&'static [&'static str]],
}

const PACKAGES: [Package; 3] = [
    Package {
        dir: "src",
        layers: &[
            &["engine"],
            &["config"],
            &["trace"],
            &["architecture"],
            &["model"],
            &["scenario"],
            &["steer"],
            &["run"],
            &["shrink"],
        ],
    },
    Package {
        dir: "analysis/src",
        layers: &[
            &["text", "atomic"],
            &["runs", "properties"],
            &["record"],
            &["measure"],
            &["check"],
            &["read"],
            &["output"],
        ],
    },
    Package {
        dir: "cli/src",
        layers: &[
            &["progress", "output", "output_paths", "signals", "store", "names", "drills"],
            &["simulate", "architectures"],
            &["analyze", "replay"],
            &["shrink"],
        ],
    },
];

/// A module's path from its crate's root: `[]` for the root itself.
type Module = Vec<String>;

impl Package {
    fn rank(&self, top: &str) -> Option<usize> {
        self.layers.iter().position(|layer| layer.contains(&top))
    }

    fn source(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(self.dir)
    }

    /// Every source file's module and text.
    fn files(&self) -> BTreeMap<Module, String> {
        let mut paths = Vec::new();
        rust_files(&self.source(), &mut paths);
        let src = self.source();
        paths
            .into_iter()
            .map(|path| (module_of(path.strip_prefix(&src).unwrap()), fs::read_to_string(&path).unwrap()))
            .collect()
    }

    /// (importing module, imported module) for every path a file names,
    /// the imported one being the longest of the package's modules the
    /// path starts with.
    fn imports(&self) -> BTreeSet<(Module, Module)> {
        let files = self.files();
        let mut edges = BTreeSet::new();
        for (module, text) in &files {
            for path in paths_named(module, &strip_comments(text)) {
                let target = (0..=path.len()).rev().map(|n| path[..n].to_vec()).find(|m| files.contains_key(m));
                let target = target.expect("the root is a module");
                if &target != module && !module.starts_with(&target[..]) || target.is_empty() {
                    edges.insert((module.clone(), target));
                }
            }
        }
        edges
    }
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

/// `a/b.rs` is `a::b`, `a/mod.rs` is `a`, `lib.rs` and `main.rs` the root.
fn module_of(relative: &Path) -> Module {
    let mut parts: Vec<String> =
        relative.iter().map(|p| p.to_str().unwrap().trim_end_matches(".rs").to_string()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The text without its `//` comments (doc comments included: a link in
/// prose is no import).
fn strip_comments(text: &str) -> String {
    text.lines().map(|line| line.split("//").next().unwrap()).collect::<Vec<_>>().join("\n")
}

/// The module paths (as far as they go) named through `crate::` and
/// `super::` in the text of `module`'s file. `super::` inside an inline
/// module (`mod tests { use super::*; }`) names the file's own module.
fn paths_named(module: &[String], text: &str) -> Vec<Vec<String>> {
    let inline = inline_modules(text);
    let mut found = Vec::new();
    for start in ["crate::", "super::"] {
        for (at, _) in text.match_indices(start) {
            if text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let base = if start == "crate::" {
                vec![]
            } else {
                let mut rest = &text[at + start.len()..];
                let mut levels = 1 - inline.iter().filter(|r| r.contains(&at)).count().min(1);
                while let Some(more) = rest.strip_prefix("super::") {
                    rest = more;
                    levels += 1;
                }
                module[..module.len().saturating_sub(levels)].to_vec()
            };
            let rest = text[at + start.len()..].trim_start_matches("super::");
            for path in expand(rest) {
                found.push(base.iter().cloned().chain(path).collect());
            }
        }
    }
    found
}

/// The byte ranges of the inline `mod NAME { ... }` blocks of a text.
fn inline_modules(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    for (at, _) in text.match_indices("mod ") {
        let after = &text[at + 4..];
        let name = ident(after);
        if name.is_empty() || !after[name.len()..].trim_start().starts_with('{') {
            continue;
        }
        let open = at + 4 + after.find('{').unwrap();
        let mut depth = 0;
        for (i, c) in text[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                ranges.push(open..open + i);
                break;
            }
        }
    }
    ranges
}

fn ident(text: &str) -> String {
    text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// The paths a `use` tail stands for: `a::b::C` is one, `{a::b, c::{d, e}}`
/// several, `a::{b, c}` as many as its group holds.
fn expand(text: &str) -> Vec<Vec<String>> {
    let mut prefix = Vec::new();
    let mut rest = text;
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let items = group_items(group);
            if items.is_empty() {
                return vec![prefix];
            }
            return items
                .into_iter()
                .flat_map(|item| expand(item).into_iter().map(|p| prefix.iter().cloned().chain(p).collect()))
                .collect();
        }
        let name = ident(rest);
        if name.is_empty() {
            return vec![prefix];
        }
        rest = &rest[name.len()..];
        prefix.push(name);
        match rest.strip_prefix("::") {
            Some(more) => rest = more,
            None => return vec![prefix],
        }
    }
}

/// The top-level items of a `a, b::c, d::{e}}` group, without the brace.
fn group_items(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(group[start..i].trim());
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(group[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.retain(|i| !i.is_empty());
    items
}

fn name(module: &[String]) -> String {
    if module.is_empty() { "(root)".to_string() } else { module.join("::") }
}

/// The imports that run up a layer, name the root, or come from or go to a
/// module no layer holds.
fn upward(package: &Package, edges: &BTreeSet<(Module, Module)>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (from, to) in edges.iter().filter(|(from, _)| !from.is_empty()) {
        let (from_top, to_top) = (&from[0], to.first());
        let fault = match (package.rank(from_top), to_top.map(|t| (t, package.rank(t)))) {
            (None, _) => Some(format!("{from_top} is in no layer")),
            (_, None) => Some("it imports the crate root".to_string()),
            (_, Some((t, None))) => Some(format!("{t} is in no layer")),
            (Some(f), Some((t, Some(r)))) if t != from_top && r >= f => Some(format!("{t} is not below {from_top}")),
            _ => None,
        };
        if let Some(fault) = fault {
            wrong.push(format!("{}: {} imports {}: {fault}", package.dir, name(from), name(to)));
        }
    }
    wrong
}

/// A circle of imports between files, if any.
fn circle(edges: &BTreeSet<(Module, Module)>) -> Option<Vec<Module>> {
    fn visit<'a>(
        at: &'a Module,
        edges: &'a BTreeSet<(Module, Module)>,
        done: &mut BTreeSet<&'a Module>,
        path: &mut Vec<&'a Module>,
    ) -> Option<Vec<Module>> {
        if let Some(from) = path.iter().position(|m| *m == at) {
            return Some(path[from..].iter().map(|m| (*m).clone()).chain([at.clone()]).collect());
        }
        if !done.insert(at) {
            return None;
        }
        path.push(at);
        for (_, to) in edges.iter().filter(|(f, _)| f == at) {
            if let Some(found) = visit(to, edges, done, path) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges.iter().find_map(|(from, _)| visit(from, edges, &mut done, &mut Vec::new()))
}

/// The map: per top-level module, top to bottom, the modules it imports.
fn print_map(package: &Package, edges: &BTreeSet<(Module, Module)>) {
    println!("{}:", package.dir);
    for layer in package.layers.iter().rev() {
        for top in layer.iter() {
            let below: BTreeSet<&str> = edges
                .iter()
                .filter(|(f, t)| f.first().map(String::as_str) == Some(*top) && t[0] != *top)
                .map(|(_, t)| t[0].as_str())
                .collect();
            let inside: BTreeSet<String> = edges
                .iter()
                .filter(|(f, t)| f.first().map(String::as_str) == Some(*top) && t.first() == f.first())
                .map(|(f, t)| format!("{}>{}", f[1..].join("::"), t[1..].join("::")))
                .collect();
            let inside = if inside.is_empty() {
                String::new()
            } else {
                format!("   [{}]", inside.into_iter().collect::<Vec<_>>().join(" "))
            };
            println!("  {top:>9} -> {}{inside}", below.into_iter().collect::<Vec<_>>().join(", "));
        }
    }
}

#[test]
fn no_module_imports_from_a_layer_above_it_and_no_file_from_a_circle() {
    for package in &PACKAGES {
        let edges = package.imports();
        assert!(edges.len() >= 5, "{}: the scan finds imports", package.dir);
        if std::env::var_os("WL1_PRINT_LAYERS").is_some() {
            print_map(package, &edges);
        }
        let wrong = upward(package, &edges);
        assert!(wrong.is_empty(), "imports that run up a layer:\n{}", wrong.join("\n"));
        if let Some(circle) = circle(&edges) {
            let names: Vec<String> = circle.iter().map(Vec::as_slice).map(name).collect();
            panic!("{}: a circle of imports: {}", package.dir, names.join(" -> "));
        }
    }
}

#[test]
fn the_scan_reads_groups_inline_paths_and_super() {
    let text = "use crate::{engine::Time, model::{A, kafka::B}};\nlet x = crate::trace::Kind::FAIL;\n\
                use super::sibling::C;\nmod tests { use super::*; }";
    let module = vec!["model".to_string(), "kafka".to_string()];
    let found: BTreeSet<String> = paths_named(&module, text).iter().map(|p| p.join("::")).collect();
    let expected =
        ["engine::Time", "model::A", "model::kafka::B", "trace::Kind::FAIL", "model::sibling::C", "model::kafka::*"];
    let expected: BTreeSet<String> = expected.iter().map(|s| s.trim_end_matches("::*").to_string()).collect();
    assert_eq!(found, expected);
}

#[test]
fn a_circle_and_an_upward_import_are_found() {
    let m = |s: &str| s.split("::").map(String::from).collect::<Module>();
    let edges: BTreeSet<(Module, Module)> =
        [(m("read::chunk"), m("output::export")), (m("output::export"), m("read::chunk"))].into_iter().collect();
    assert!(circle(&edges).is_some());
    let wrong = upward(&PACKAGES[1], &edges);
    assert_eq!(wrong.len(), 1, "{wrong:?}");
    assert!(wrong[0].contains("read::chunk imports output::export"), "{wrong:?}");
    let root: BTreeSet<(Module, Module)> = [(m("read::chunk"), vec![])].into_iter().collect();
    assert!(upward(&PACKAGES[1], &root)[0].contains("crate root"));
}

/// The file that may tell trace event kinds apart: the module that gives
/// each kind its meaning.
const READS_KINDS: [&str; 1] = ["src/trace/meaning.rs"];

/// The places in a text that tell [`Kind`]s apart: a `Kind::` constant as
/// a match arm or in `matches!`.
fn kind_matches(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in strip_comments(text).lines() {
        let arm = line.match_indices("Kind::").any(|(at, _)| {
            let before = line[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                return false;
            }
            let rest = &line[at + "Kind::".len()..];
            let after = rest[ident(rest).len()..].trim_start();
            after.starts_with("=>")
                || (after.starts_with('|') && !after.starts_with("||"))
                || after.starts_with("if ")
                || line[..at].contains("matches!(")
        });
        if arm {
            found.push(line.trim().to_string());
        }
    }
    found
}

#[test]
fn only_the_meaning_module_tells_event_kinds_apart() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut found = Vec::new();
    for package in &PACKAGES {
        let mut files = Vec::new();
        rust_files(&package.source(), &mut files);
        for file in files {
            let relative = file.strip_prefix(root).unwrap().to_str().unwrap().to_string();
            if READS_KINDS.contains(&relative.as_str()) {
                continue;
            }
            let text = fs::read_to_string(&file).unwrap();
            found.extend(kind_matches(&text).into_iter().map(|line| format!("{relative}: {line}")));
        }
    }
    assert!(found.is_empty(), "kinds told apart outside the meaning module:\n{}", found.join("\n"));
    let meaning = fs::read_to_string(root.join(READS_KINDS[0])).unwrap();
    assert!(kind_matches(&meaning).len() >= 13, "the scan sees the meaning module's match on every fixed kind");
}

#[test]
fn the_kind_scan_finds_arms_and_matches_but_not_other_kinds() {
    let text = "match e.kind {\n    Kind::FAIL => 1,\n    Kind::RECOVER | Kind::REGION_ONLINE => 2,\n}\n\
                let x = matches!(e.kind, Kind::PUBLISHED);\n\
                MachineKind::Driver => 1,\nlet y = e.kind == Kind::FAIL || z;\nlet s = w1::STAGES;\n\
                Fail | Recover => 3,\nassert_eq!(kinds, vec![Fail, Recover]);";
    let found = kind_matches(text);
    assert_eq!(found.len(), 3, "{found:?}");
}
